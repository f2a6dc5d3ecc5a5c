#include "rundiff.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QSet>

namespace {

struct RunFacts
{
    QMap<QPair<QString, QString>, int> counts; // (eventName, eventType) -> events
    QMap<QString, int> totals;                 // eventName -> events
    QMap<QString, QMap<QString, int>> fields;  // eventName -> field -> events carrying it
};

RunFacts factsOf(const QList<CheckRecord>& records)
{
    RunFacts facts;
    for (const CheckRecord& record : records) {
        if (record.isSearch || record.isRequest)
            continue;
        const QString name = record.event.eventName.value_or(QString());
        ++facts.counts[{name, record.event.eventType.value_or(QString())}];
        ++facts.totals[name];
        QMap<QString, int>& fields = facts.fields[name];
        for (const QString& field : presentFields(record.event))
            ++fields[field];
    }
    return facts;
}

CheckReport finishedCheck(const Plan& plan, const QList<CheckRecord>& records, CheckOptions options)
{
    options.runEnded = true;
    for (const CheckRecord& record : records)
        options.nowMs = std::max(options.nowMs, record.timeMs);
    return checkPlan(plan, records, options);
}

QString countText(int with, int total)
{
    return QStringLiteral("%1/%2").arg(with).arg(total);
}

} // namespace

QString fieldChangeKindName(FieldChange::Kind kind)
{
    switch (kind) {
    case FieldChange::Kind::Appeared:
        break;
    case FieldChange::Kind::Vanished:
        return QStringLiteral("vanished");
    case FieldChange::Kind::Partial:
        return QStringLiteral("partial");
    }
    return QStringLiteral("appeared");
}

bool RunDiff::hasDifferences() const
{
    const bool countsDiffer = std::any_of(events.cbegin(), events.cend(), [](const EventCountChange& change) {
        return change.countA != change.countB;
    });
    return countsDiffer || !fields.isEmpty() || !checks.isEmpty();
}

RunDiff diffRuns(const QList<CheckRecord>& a, const QList<CheckRecord>& b, const Plan* plan,
                 const CheckOptions& options)
{
    RunDiff diff;
    const RunFacts factsA = factsOf(a);
    const RunFacts factsB = factsOf(b);
    for (const CheckRecord& record : a)
        diff.recordsA += record.isSearch || record.isRequest ? 0 : 1;
    for (const CheckRecord& record : b)
        diff.recordsB += record.isSearch || record.isRequest ? 0 : 1;

    QSet<QPair<QString, QString>> keys;
    for (auto it = factsA.counts.begin(); it != factsA.counts.end(); ++it)
        keys.insert(it.key());
    for (auto it = factsB.counts.begin(); it != factsB.counts.end(); ++it)
        keys.insert(it.key());
    QList<QPair<QString, QString>> sorted = keys.values();
    std::sort(sorted.begin(), sorted.end());
    for (const auto& key : sorted)
        diff.events.append(
            EventCountChange{key.first, key.second, factsA.counts.value(key), factsB.counts.value(key)});

    // Fields are compared for names present in both runs: a name that vanished is already an event change.
    for (auto it = factsA.totals.begin(); it != factsA.totals.end(); ++it) {
        const QString& name = it.key();
        if (!factsB.totals.contains(name))
            continue;
        const int totalA = it.value();
        const int totalB = factsB.totals.value(name);
        const QMap<QString, int> fieldsA = factsA.fields.value(name);
        const QMap<QString, int> fieldsB = factsB.fields.value(name);
        QSet<QString> all;
        for (auto f = fieldsA.begin(); f != fieldsA.end(); ++f)
            all.insert(f.key());
        for (auto f = fieldsB.begin(); f != fieldsB.end(); ++f)
            all.insert(f.key());
        QStringList fieldNames = all.values();
        fieldNames.sort();
        for (const QString& field : fieldNames) {
            const int withA = fieldsA.value(field);
            const int withB = fieldsB.value(field);
            std::optional<FieldChange::Kind> kind;
            if (withA == 0 && withB > 0)
                kind = FieldChange::Kind::Appeared;
            else if (withA > 0 && withB == 0)
                kind = FieldChange::Kind::Vanished;
            else if (withA == totalA && withB < totalB)
                kind = FieldChange::Kind::Partial;
            if (kind)
                diff.fields.append(FieldChange{name, field, *kind, withA, totalA, withB, totalB});
        }
    }

    if (plan) {
        const CheckReport reportA = finishedCheck(*plan, a, options);
        const CheckReport reportB = finishedCheck(*plan, b, options);
        for (const CheckResult& resultA : reportA.results) {
            const CheckResult* resultB = reportB.result(resultA.key);
            if (resultB && resultB->status != resultA.status)
                diff.checks.append(
                    CheckChange{resultA.key, resultA.name, resultA.kind, resultA.status, resultB->status});
        }
        // Journeys first: they are what the comparison is for.
        std::stable_sort(diff.checks.begin(), diff.checks.end(),
                         [](const CheckChange& x, const CheckChange& y) {
                             return (x.kind == CheckKind::Journey) > (y.kind == CheckKind::Journey);
                         });
    }
    return diff;
}

namespace RunDiffReport {

QString toText(const RunDiff& diff, const QString& labelA, const QString& labelB)
{
    QString out =
        QStringLiteral("A: %1 (%2 events)\nB: %3 (%4 events)\n\nEvents by name and type (A -> B):\n")
            .arg(labelA)
            .arg(diff.recordsA)
            .arg(labelB)
            .arg(diff.recordsB);
    for (const EventCountChange& change : diff.events) {
        const QString mark = change.countA == 0               ? QStringLiteral("+ ")
                             : change.countB == 0             ? QStringLiteral("- ")
                             : change.countA != change.countB ? QStringLiteral("~ ")
                                                              : QStringLiteral("  ");
        out += mark + QStringLiteral("%1 '%2': %3 -> %4\n")
                          .arg(change.eventType, change.eventName)
                          .arg(change.countA)
                          .arg(change.countB);
    }
    out += QStringLiteral("\nFields:\n");
    if (diff.fields.isEmpty())
        out += QStringLiteral("  no field appeared or vanished\n");
    for (const FieldChange& change : diff.fields) {
        out +=
            QStringLiteral("  %1 '%2' %3: %4 -> %5\n")
                .arg(change.kind == FieldChange::Kind::Appeared   ? QStringLiteral("+")
                     : change.kind == FieldChange::Kind::Vanished ? QStringLiteral("-")
                                                                  : QStringLiteral("~"),
                     change.eventName, change.field + QStringLiteral(" ") + fieldChangeKindName(change.kind),
                     countText(change.withFieldA, change.totalA),
                     countText(change.withFieldB, change.totalB));
    }
    if (!diff.checks.isEmpty()) {
        out += QStringLiteral("\nPlan checks (A -> B):\n");
        for (const CheckChange& change : diff.checks)
            out += QStringLiteral("  %1 '%2': %3 -> %4\n")
                       .arg(checkKindName(change.kind), change.name, checkStatusName(change.statusA),
                            checkStatusName(change.statusB));
    }
    out +=
        diff.hasDifferences() ? QStringLiteral("\nThe runs differ.\n") : QStringLiteral("\nNo difference.\n");
    return out;
}

QByteArray toJson(const RunDiff& diff, const QString& labelA, const QString& labelB)
{
    QJsonArray events;
    for (const EventCountChange& change : diff.events)
        events.append(QJsonObject{{QStringLiteral("eventName"), change.eventName},
                                  {QStringLiteral("eventType"), change.eventType},
                                  {QStringLiteral("countA"), change.countA},
                                  {QStringLiteral("countB"), change.countB}});
    QJsonArray fields;
    for (const FieldChange& change : diff.fields)
        fields.append(QJsonObject{{QStringLiteral("eventName"), change.eventName},
                                  {QStringLiteral("field"), change.field},
                                  {QStringLiteral("change"), fieldChangeKindName(change.kind)},
                                  {QStringLiteral("withFieldA"), change.withFieldA},
                                  {QStringLiteral("totalA"), change.totalA},
                                  {QStringLiteral("withFieldB"), change.withFieldB},
                                  {QStringLiteral("totalB"), change.totalB}});
    QJsonArray checks;
    for (const CheckChange& change : diff.checks)
        checks.append(QJsonObject{{QStringLiteral("key"), change.key},
                                  {QStringLiteral("kind"), checkKindName(change.kind)},
                                  {QStringLiteral("name"), change.name},
                                  {QStringLiteral("statusA"), checkStatusName(change.statusA)},
                                  {QStringLiteral("statusB"), checkStatusName(change.statusB)}});
    const QJsonObject root{{QStringLiteral("a"), labelA},
                           {QStringLiteral("b"), labelB},
                           {QStringLiteral("eventsA"), diff.recordsA},
                           {QStringLiteral("eventsB"), diff.recordsB},
                           {QStringLiteral("differ"), diff.hasDifferences()},
                           {QStringLiteral("events"), events},
                           {QStringLiteral("fields"), fields},
                           {QStringLiteral("checks"), checks}};
    return QJsonDocument(root).toJson(QJsonDocument::Compact);
}

} // namespace RunDiffReport
