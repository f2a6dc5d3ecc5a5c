#pragma once

// A starter plan from the events seen so far (issue 15 §3): one expectation per event name, with what those
// events consistently carried, the token rules on, and one journey from the first user who sent several
// kinds of event. Meant to be saved and edited, not trusted as is.

#include "plan.h"
#include "planchecker.h"

#include <QList>

Plan starterPlan(const QList<CheckRecord>& records);
