#pragma once

#include "log/eventlog.h"

#include <QHash>
#include <QList>
#include <QMap>
#include <QPair>
#include <QString>

// Per-second counts of the last hour for the charts: accepted and rejected events, by event type, the
// requests refused before any event was judged (401, 404, 413…: counted apart, they carry no event), and
// the error messages. Searches are not events and are not counted. Bounded: one bucket per second for at
// most an hour, and a capped set of messages. Built off the GUI thread from records and merged on it.
class EventStats
{
public:
    static constexpr int kHorizonSeconds = 3600;

    struct TypeCounts
    {
        qint64 accepted = 0;
        qint64 rejected = 0;
    };

    struct Point
    {
        qint64 startMs = 0; // start of the bin
        double acceptedPerSecond = 0;
        double rejectedPerSecond = 0;
        double refusedPerSecond = 0; // requests refused before their events were judged
    };

    void add(const LogRecord& record);
    void merge(const EventStats& other);
    // Drops what is older than the horizon.
    void prune(qint64 nowMs);
    bool isEmpty() const { return m_buckets.isEmpty(); }

    // Events per second over the last `windowSeconds`, in `bins` bins, oldest first.
    QList<Point> rate(qint64 nowMs, int windowSeconds, int bins) const;
    // Totals over the last `windowSeconds`.
    qint64 accepted(qint64 nowMs, int windowSeconds) const;
    qint64 rejected(qint64 nowMs, int windowSeconds) const;
    qint64 refusedRequests(qint64 nowMs, int windowSeconds) const;
    QMap<QString, TypeCounts> byType(qint64 nowMs, int windowSeconds) const;
    // The most frequent error messages of the last hour, most frequent first.
    QList<QPair<QString, qint64>> topErrors(int count) const;
    // The user tokens seen (the authenticated one when set), most events first; at most kMaxUserTokens are
    // counted, so memory stays bounded on a log of millions of visitors.
    static constexpr int kMaxUserTokens = 1000;
    QList<QPair<QString, qint64>> topUserTokens(int count) const;

private:
    void countErrors(qint64 second, const LogRecord& record);

    struct Bucket
    {
        qint64 accepted = 0;
        qint64 rejected = 0;
        qint64 refused = 0;
        QHash<QString, TypeCounts> byType;
    };
    QMap<qint64, Bucket> m_buckets; // by second since the epoch
    QHash<QString, qint64> m_userTokens;
    QMap<qint64, QHash<QString, qint64>>
        m_errorsBySecond; // message counts by second, pruned with the buckets
};
