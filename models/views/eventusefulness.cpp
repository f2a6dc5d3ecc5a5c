#include "eventusefulness.h"

#include "catalog/indexcatalog.h"
#include "event/event.h"
#include "log/eventlog.h"
#include "log/recordbuilder.h"

#include <algorithm>

namespace {

constexpr qint64 kDayMs = 24LL * 3600 * 1000;

QStringList objectDataQueryIDs(const Event& event)
{
    QStringList ids;
    if (event.objectData) {
        for (const ObjectDataItem& item : *event.objectData) {
            if (item.queryID && !item.queryID->isEmpty())
                ids << *item.queryID;
        }
    }
    return ids;
}

QString shortList(const QStringList& items)
{
    constexpr int kShown = 5;
    QString text = items.mid(0, kShown).join(QStringLiteral(", "));
    if (items.size() > kShown)
        text += QStringLiteral(" and ") + QString::number(items.size() - kShown) + QStringLiteral(" more");
    return text;
}

FeatureUse clickAnalytics(const Event& event)
{
    FeatureUse use{QStringLiteral("Click analytics"), Usefulness::DoesNotCount, {}};
    const QString type = event.eventType.value_or(QString());
    const bool hasQueryID = event.queryID && !event.queryID->isEmpty();
    if (type == u"click") {
        if (event.filters) {
            use.reason =
                QStringLiteral("A click on filters has no position in the results: click-through rate and "
                               "average click position use clicks on objectIDs after a search.");
        } else if (!hasQueryID) {
            use.reason =
                QStringLiteral("No queryID: only clicks tied to a search (clickedObjectIDsAfterSearch) "
                               "count for click-through rate and click position.");
        } else if (!event.positions || event.positions->isEmpty()) {
            use.reason = QStringLiteral("No positions: the click cannot be placed in the search results.");
        } else {
            use.use = Usefulness::Counts;
            QStringList positions;
            for (const qint64 p : *event.positions)
                positions << QString::number(p);
            use.reason =
                QStringLiteral("queryID ") + *event.queryID + QStringLiteral(" and positions ") +
                positions.join(QStringLiteral(", ")) +
                QStringLiteral(
                    " tie the click to its search (if Algolia saw that search with clickAnalytics).");
        }
        return use;
    }
    if (type == u"conversion") {
        const QStringList perItem = objectDataQueryIDs(event);
        if (hasQueryID || !perItem.isEmpty()) {
            use.use = Usefulness::Counts;
            use.reason = QStringLiteral("The queryID ties the conversion to its search: it counts for the "
                                        "conversion rate.");
        } else {
            use.reason =
                QStringLiteral("No queryID (nor objectData[].queryID): the conversion cannot be tied to a "
                               "search, so it does not count for the conversion rate.");
        }
        return use;
    }
    if (type == u"view") {
        use.reason = QStringLiteral("Views are not used by click analytics.");
        return use;
    }
    use.reason = QStringLiteral("Only click and conversion events feed click analytics.");
    return use;
}

FeatureUse searchAnalytics(const Event& event)
{
    FeatureUse use{QStringLiteral("Search analytics"), Usefulness::DoesNotCount, {}};
    const bool hasQueryID = event.queryID && !event.queryID->isEmpty();
    const QStringList perItem = objectDataQueryIDs(event);
    if (hasQueryID || !perItem.isEmpty()) {
        use.use = Usefulness::Counts;
        use.reason = QStringLiteral("Attributed to the search with queryID ") +
                     (hasQueryID ? *event.queryID : perItem.first()) +
                     QStringLiteral("; it is only used if that queryID matches a search Algolia received.");
    } else {
        use.reason = QStringLiteral("No queryID: the event is not attributed to any search.");
    }
    return use;
}

FeatureUse personalization(const Event& event, const LogRecord& record,
                           const QList<const IndexCatalog*>& catalogs, qint64 nowMs)
{
    FeatureUse use{QStringLiteral("Advanced Personalization"), Usefulness::DoesNotCount, {}};
    if (event.filters) {
        use.reason =
            QStringLiteral("A filter event: Advanced Personalization learns from events on objectIDs.");
        return use;
    }
    if (!event.objectIDs || event.objectIDs->isEmpty()) {
        use.reason = QStringLiteral("No objectIDs: nothing to learn affinities from.");
        return use;
    }
    const qint64 at = event.timestamp.value_or(record.receivedAtMs);
    if (nowMs - at > kDayMs) {
        use.reason =
            QStringLiteral("Older than 24 h: only events received within the last 24 h are used for the "
                           "next profile update.");
        return use;
    }
    const QString index = event.index.value_or(QString());
    const IndexCatalog* catalog = nullptr;
    for (const IndexCatalog* candidate : catalogs) {
        if (candidate && candidate->appliesTo(index)) {
            catalog = candidate;
            break;
        }
    }
    if (!catalog) {
        use.use = Usefulness::Unknown;
        use.reason = QStringLiteral("No index catalog for ") + index +
                     QStringLiteral(": load the index records to check that the objectIDs exist.");
        return use;
    }
    QStringList missing;
    for (const QString& objectID : *event.objectIDs) {
        if (!catalog->contains(objectID))
            missing << objectID;
    }
    if (!missing.isEmpty()) {
        use.reason = QStringLiteral("objectIDs not found in the index: ") + shortList(missing) +
                     QStringLiteral(". Events on unknown records are not used.");
        return use;
    }
    use.use = Usefulness::Counts;
    use.reason =
        QStringLiteral("Every objectID exists in the index, it is not a filter event, and it was received "
                       "within 24 h.");
    return use;
}

} // namespace

namespace EventUsefulness {

QList<FeatureUse> judge(const Event& event, const LogRecord& record,
                        const QList<const IndexCatalog*>& catalogs, qint64 nowMs)
{
    QList<FeatureUse> uses{clickAnalytics(event), searchAnalytics(event),
                           personalization(event, record, catalogs, nowMs)};
    if (!record.accepted) {
        // Nothing of a rejected request is ingested, however good the event is.
        const bool culprit = std::any_of(record.issues.cbegin(), record.issues.cend(),
                                         [](const Issue& issue) { return issue.isError(); });
        const bool notDelivered = verdictOf(record) == Verdict::NotDelivered;
        const QString why =
            notDelivered ? QStringLiteral("Not delivered (HTTP ") + httpStatusText(record.httpStatus) +
                               QStringLiteral("): it never reached Algolia, nothing was ingested. It "
                                              "waits in the Queue dock until you retry or discard it.")
            : culprit ? QStringLiteral("Rejected (HTTP ") + QString::number(record.httpStatus) +
                            QStringLiteral("): this event breaks a rule, nothing was ingested.")
                      : QStringLiteral("Rejected (HTTP ") + QString::number(record.httpStatus) +
                            QStringLiteral(") because another event of its request is invalid: the "
                                           "whole batch was dropped.");
        for (FeatureUse& use : uses) {
            use.use = Usefulness::DoesNotCount;
            use.reason = why;
        }
    }
    return uses;
}

QString usefulnessName(Usefulness use)
{
    switch (use) {
    case Usefulness::Counts:
        return QStringLiteral("counts");
    case Usefulness::DoesNotCount:
        return QStringLiteral("does not count");
    case Usefulness::Unknown:
        return QStringLiteral("unknown");
    }
    return {};
}

} // namespace EventUsefulness
