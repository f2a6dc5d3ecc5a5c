#pragma once

// The one plan checker (issue 15 §2): a plan and the ordered records of a run give the status of every
// expectation, journey and token rule, and the events no expectation planned. Pure and thread-safe; the
// Checks dock, `check`, `serve --plan` and `diff` all call it.

#include "event/event.h"
#include "event/issue.h"
#include "plan.h"

#include <QHash>
#include <QList>
#include <QString>

#include <memory>
#include <optional>

class IndexCatalog;
struct LogRecord;

// What the checker reads of one log record.
struct CheckRecord
{
    qint64 id = 0;
    qint64 timeMs = 0; // the event's own timestamp, else when it was received
    bool isSearch = false;
    bool isRequest = false; // a request refused before any event was judged: no event, never checked
    QString searchIndex;    // isSearch: the index searched
    QString searchQueryId;  // isSearch: the queryID the search returned
    Event event;            // decoded from the record's JSON (empty for searches)
    QString userToken;      // the userToken field (searches: the token the search carried)
    QString authenticatedUserToken;
    bool accepted = true;
    int httpStatus = 200;
    QString message; // the request's answer, for rejected events
    IssueList issues;
    QString client; // remote address + user agent: one browser, for token churn; empty when unknown
};

// Reads a log record (decodes its JSON once).
CheckRecord checkRecordFromLog(const LogRecord& record);

enum class CheckStatus
{
    Met,
    NotMet,
    Pending, // not decided yet (live), or not checkable (no searches recorded, no login seen)
};
QString checkStatusName(CheckStatus status); // "met", "not met", "pending"

enum class CheckKind
{
    Event,
    Journey,
    Token,
};
QString checkKindName(CheckKind kind); // "event", "journey", "token"

// One event and the field that broke a rule; recordId 0 when no event is at fault (e.g. never seen).
struct CheckFinding
{
    qint64 recordId = 0;
    QString field;
    QString message;
};

// One user's pass through a journey.
struct JourneyInstance
{
    QString userToken;
    CheckStatus status = CheckStatus::Pending;
    int stepsDone = 0;
    QList<qint64> recordIds; // the events (and searches) that made its steps, in order
    QString reason;          // why not met / what it waits for; empty when met
};

struct CheckResult
{
    CheckKind kind = CheckKind::Event;
    QString key;  // stable id: "event:Product Viewed", "journey:Search to purchase", "token:churn"
    QString name; // for people
    CheckStatus status = CheckStatus::Pending;
    QString summary;              // one line: "12 seen, 2 broke the plan"
    int matched = 0;              // events (or instances) the check looked at
    QList<qint64> satisfiedIds;   // events that satisfied it
    QList<CheckFinding> findings; // what broke it, event by event
    QList<JourneyInstance> instances;

    // Every record involved (satisfied and at fault), ascending: what the table shows when it is clicked.
    QList<qint64> recordIds() const;
};

// Events whose eventName no expectation plans, grouped by name and type.
struct UnplannedEvent
{
    QString eventName;
    QString eventType;
    int count = 0;
    QList<qint64> recordIds;
    QString hint; // "did you mean 'Product Viewed'?" when a planned name differs only in case or spaces
};

// What one check said about one record, for the details pane.
struct RecordNote
{
    QString checkKey;
    QString checkName;
    bool satisfied = false;
    QString field;   // set when it broke the check
    QString message; // set when it broke the check
};

struct CheckReport
{
    QString planName;
    QList<CheckResult> results;
    QList<UnplannedEvent> unplanned;
    bool failOnUnplanned = false;
    int recordsChecked = 0;
    int searchesChecked = 0;
    qint64 lastRecordId = 0;

    int count(CheckStatus status) const;
    // Nothing not met (and nothing unplanned when the plan says so): `check` exits 0.
    bool passed() const;
    const CheckResult* result(const QString& key) const;
    QList<RecordNote> notesFor(qint64 recordId) const;

    QHash<qint64, QList<RecordNote>> notes; // filled by checkPlan
};

struct CheckOptions
{
    qint64 nowMs = 0;      // windows still open at this time are pending (live) ...
    bool runEnded = false; // ... unless the run is over: then what is missing is not met
    // Catalogs for objectIDsInCatalog, one per index (IndexCatalog::indexName(); an empty name applies to
    // every index). No catalog for an index: that rule is not checked and the summary says so.
    QList<std::shared_ptr<const IndexCatalog>> catalogs;
};

CheckReport checkPlan(const Plan& plan, const QList<CheckRecord>& records, const CheckOptions& options);

// Whether the event carries the field: "queryID", "objectData", an extra key, ... ("objectData[].X" is not
// a single field: see missingFields).
bool eventHasField(const Event& event, const QString& field);
// The paths of `field` missing from the event: {"objectData[2].queryID"} for "objectData[].queryID".
QStringList missingFields(const Event& event, const QString& field);
// The fields the event carries, objectData items' keys as "objectData[].KEY": what `diff` compares.
QStringList presentFields(const Event& event);
