#pragma once

// Two runs compared (issue 15 §5), the regression report after a release: events by name and type, fields
// that appeared, vanished or became partial, and plan checks (journeys first) met in one run and not the
// other.

#include "plan.h"
#include "planchecker.h"

#include <QByteArray>
#include <QList>
#include <QString>

struct EventCountChange
{
    QString eventName;
    QString eventType;
    int countA = 0;
    int countB = 0;
};

struct FieldChange
{
    enum class Kind
    {
        Appeared, // carried by no event of this name in A, by some in B
        Vanished, // carried by some in A, by none in B
        Partial,  // carried by every event of this name in A, not by every one in B
    };
    QString eventName;
    QString field;
    Kind kind = Kind::Appeared;
    int withFieldA = 0; // events of this name carrying the field
    int totalA = 0;
    int withFieldB = 0;
    int totalB = 0;
};
QString fieldChangeKindName(FieldChange::Kind kind); // "appeared", "vanished", "partial"

struct CheckChange
{
    QString key;
    QString name;
    CheckKind kind = CheckKind::Journey;
    CheckStatus statusA = CheckStatus::Pending;
    CheckStatus statusB = CheckStatus::Pending;
};

struct RunDiff
{
    QList<EventCountChange> events; // every (name, type) of either run, counts side by side
    QList<FieldChange> fields;
    QList<CheckChange> checks; // only the checks whose status differs (with a plan)
    int recordsA = 0;
    int recordsB = 0;

    bool hasDifferences() const;
};

// `plan` may be null (no check comparison). Checks are judged as finished runs.
RunDiff diffRuns(const QList<CheckRecord>& a, const QList<CheckRecord>& b, const Plan* plan,
                 const CheckOptions& options = {});

namespace RunDiffReport {
QString toText(const RunDiff& diff, const QString& labelA, const QString& labelB);
QByteArray toJson(const RunDiff& diff, const QString& labelA, const QString& labelB);
} // namespace RunDiffReport
