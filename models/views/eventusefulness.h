#pragma once

#include <QList>
#include <QString>

struct Event;
struct LogRecord;
class IndexCatalog;

// "Will it count": which Algolia features can use an event, each with the reason, as the dashboard's Event
// Details does. The API accepts events it will never use (insights-api.md §2.6); this says which and why.
enum class Usefulness
{
    Counts,
    DoesNotCount,
    Unknown, // cannot tell without more facts (e.g. no index catalog loaded)
};

struct FeatureUse
{
    QString feature; // "Click analytics", "Search analytics", "Advanced Personalization"
    Usefulness use = Usefulness::Unknown;
    QString reason;
};

namespace EventUsefulness {

// `event` is the decoded event of `record`; `catalogs` are the known index catalogs; `nowMs` the clock.
QList<FeatureUse> judge(const Event& event, const LogRecord& record,
                        const QList<const IndexCatalog*>& catalogs, qint64 nowMs);

QString usefulnessName(Usefulness use); // "counts", "does not count", "unknown"

} // namespace EventUsefulness
