#include "starterplan.h"

#include <QHash>
#include <QMap>
#include <QSet>

namespace {

// Fields Algolia itself requires or that every event has: requiring them again says nothing.
bool isAlgoliaField(const QString& field)
{
    static const QSet<QString> fields{QStringLiteral("eventType"), QStringLiteral("eventName"),
                                      QStringLiteral("index"),     QStringLiteral("userToken"),
                                      QStringLiteral("timestamp"), QStringLiteral("eventSubtype"),
                                      QStringLiteral("queryID"),   QStringLiteral("authenticatedUserToken")};
    return fields.contains(field);
}

struct Seen
{
    int count = 0;
    QMap<QString, int> types;
    QMap<QString, int> subtypes;
    QMap<QString, int> indices;
    QMap<QString, int> fields; // field -> events carrying it
};

QString mostCommon(const QMap<QString, int>& counts)
{
    QString best;
    int bestCount = 0;
    for (auto it = counts.begin(); it != counts.end(); ++it) {
        if (it.value() > bestCount) {
            best = it.key();
            bestCount = it.value();
        }
    }
    return best;
}

} // namespace

Plan starterPlan(const QList<CheckRecord>& records)
{
    Plan plan;
    plan.name = QStringLiteral("Starter plan");
    plan.description =
        QStringLiteral("Generated from %1 events: review every expectation before relying on it.")
            .arg(records.size());
    QList<QString> order;
    QHash<QString, Seen> seen;
    for (const CheckRecord& record : records) {
        if (record.isSearch || record.isRequest || !record.accepted)
            continue;
        const QString name = record.event.eventName.value_or(QString());
        if (name.isEmpty())
            continue;
        auto it = seen.find(name);
        if (it == seen.end()) {
            order.append(name);
            it = seen.insert(name, Seen{});
        }
        Seen& s = it.value();
        ++s.count;
        ++s.types[record.event.eventType.value_or(QString())];
        ++s.subtypes[record.event.eventSubtype.value_or(QString())];
        ++s.indices[record.event.index.value_or(QString())];
        for (const QString& field : presentFields(record.event))
            ++s.fields[field];
    }
    for (const QString& name : order) {
        const Seen& s = seen.value(name);
        PlannedEvent event;
        event.name = name;
        event.eventType = mostCommon(s.types);
        if (s.subtypes.size() == 1)
            event.eventSubtype = s.subtypes.firstKey();
        if (s.indices.size() == 1)
            event.index = s.indices.firstKey();
        if (s.fields.value(QStringLiteral("queryID")) == s.count)
            event.queryId = QueryIdRule::Required;
        for (auto it = s.fields.begin(); it != s.fields.end(); ++it) {
            // What every event of this name carried, beyond the objects they name.
            if (it.value() == s.count && !isAlgoliaField(it.key()) &&
                it.key() != QLatin1String("objectIDs") && it.key() != QLatin1String("filters"))
                event.requiredFields.append(it.key());
        }
        event.objectIdsInCatalog = s.fields.contains(QStringLiteral("objectIDs"));
        plan.events.append(event);
    }

    // The first user who sent at least two different event names gives the order of a journey.
    QHash<QString, QStringList> namesByUser;
    QList<QString> users;
    for (const CheckRecord& record : records) {
        if (record.isSearch || record.isRequest || !record.accepted || record.userToken.isEmpty())
            continue;
        const QString name = record.event.eventName.value_or(QString());
        if (name.isEmpty())
            continue;
        if (!namesByUser.contains(record.userToken))
            users.append(record.userToken);
        QStringList& names = namesByUser[record.userToken];
        if (!names.contains(name))
            names.append(name);
    }
    for (const QString& user : users) {
        const QStringList names = namesByUser.value(user);
        if (names.size() < 2)
            continue;
        Journey journey;
        journey.name = QStringLiteral("Journey of %1").arg(user.left(24));
        journey.description =
            QStringLiteral("The order of the events one user sent; adjust steps and windows.");
        for (const QString& name : names) {
            JourneyStep step;
            step.event = name;
            if (!journey.steps.isEmpty())
                step.withinMs = 30 * 60 * 1000;
            journey.steps.append(step);
        }
        plan.journeys.append(journey);
        break;
    }
    plan.tokens.anonymousTokenPersists = true;
    plan.tokens.loginKeepsUserToken = true;
    plan.tokens.noSuspiciousTokens = true;
    return plan;
}
