#pragma once

#include "log/eventlog.h"

#include <QList>
#include <QString>

class IndexCatalog;

// A preview of what Advanced Personalization might learn about a user: affinities to attribute values of the
// records the user's events touch, weighted view < click < addToCart < purchase. It is an estimate made
// locally from the catalog, not Algolia's computation, and is labelled as such wherever it is shown.
struct Affinity
{
    QString attribute;
    QString value;
    double score = 0; // 0..100: the value's share (%) of all the user's weighted interest
};

struct ProfileEstimate
{
    int eventsUsed = 0;         // accepted events with at least one objectID found in a catalog
    int eventsSkipped = 0;      // rejected, filter-based, or with no record in any catalog
    QList<Affinity> affinities; // strongest first (the top N: their scores may sum to less than 100)
};

namespace ProfileEstimator {

// Weight of an event by its type: view 1, click 2, conversion / addToCart 3, purchase 4.
double weightOf(const LogRecord& record);
// `records` are the user's events (raw JSON holds the objectIDs).
ProfileEstimate estimate(const QList<LogRecord>& records, const QList<const IndexCatalog*>& catalogs,
                         int top = 10);

} // namespace ProfileEstimator
