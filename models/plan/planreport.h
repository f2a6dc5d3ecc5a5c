#pragma once

// The outputs of a plan check: JSON (check --json, GET /debugger/checks), JUnit XML (check --junit, read by
// GitLab, GitHub Actions and Jenkins) and text (check's default output). One shape each, for every caller.

#include "planchecker.h"

#include <QByteArray>
#include <QString>

namespace PlanReport {

// {"plan","passed","counts":{"met","notMet","pending","unplanned"},"recordsChecked","searchesChecked",
//  "lastRecordId","checks":[{"key","kind","name","status","summary","matched","recordIds","findings":[…],
//  "instances":[…]}],"unplanned":[…]}
QByteArray toJson(const CheckReport& report);

// <testsuites> with one <testsuite> per kind (events, journeys, tokens, unplanned); a check not met is a
// <failure>, a pending one is <skipped>. `timestampMs` stamps the suites.
QByteArray toJunit(const CheckReport& report, qint64 timestampMs);

// Lines for a terminal: one per check ("NOT MET  event  Purchase  3 seen, 1 broke the plan"), then its
// findings indented, then the unplanned events and a closing count line.
QString toText(const CheckReport& report);

} // namespace PlanReport
