#include "eventstats.h"

#include <algorithm>

namespace {

constexpr int kMaxMessagesPerSecond = 50; // a flood of distinct messages is cut rather than kept

} // namespace

void EventStats::add(const LogRecord& record)
{
    if (record.kind == RecordKind::Search)
        return; // what events are judged against, not an event
    const qint64 second = record.receivedAtMs / 1000;
    Bucket& bucket = m_buckets[second];
    if (record.kind == RecordKind::Request) {
        ++bucket.refused;
        countErrors(second, record);
        return;
    }
    TypeCounts& type = bucket.byType[record.eventSubtype.isEmpty() ? record.eventType : record.eventSubtype];
    if (record.accepted) {
        ++bucket.accepted;
        ++type.accepted;
    } else {
        ++bucket.rejected;
        ++type.rejected;
    }
    const QString& token =
        record.authenticatedUserToken.isEmpty() ? record.userToken : record.authenticatedUserToken;
    if (!token.isEmpty() && (m_userTokens.size() < kMaxUserTokens || m_userTokens.contains(token)))
        ++m_userTokens[token];
    countErrors(second, record);
}

void EventStats::countErrors(qint64 second, const LogRecord& record)
{
    for (const Issue& issue : record.issues) {
        if (!issue.isError())
            continue;
        QHash<QString, qint64>& messages = m_errorsBySecond[second];
        if (messages.size() < kMaxMessagesPerSecond || messages.contains(issue.message))
            ++messages[issue.message];
    }
}

void EventStats::merge(const EventStats& other)
{
    for (auto it = other.m_buckets.cbegin(); it != other.m_buckets.cend(); ++it) {
        Bucket& bucket = m_buckets[it.key()];
        bucket.accepted += it->accepted;
        bucket.rejected += it->rejected;
        bucket.refused += it->refused;
        for (auto t = it->byType.cbegin(); t != it->byType.cend(); ++t) {
            bucket.byType[t.key()].accepted += t->accepted;
            bucket.byType[t.key()].rejected += t->rejected;
        }
    }
    for (auto it = other.m_userTokens.cbegin(); it != other.m_userTokens.cend(); ++it) {
        if (m_userTokens.size() < kMaxUserTokens || m_userTokens.contains(it.key()))
            m_userTokens[it.key()] += it.value();
    }
    for (auto it = other.m_errorsBySecond.cbegin(); it != other.m_errorsBySecond.cend(); ++it) {
        QHash<QString, qint64>& messages = m_errorsBySecond[it.key()];
        for (auto m = it->cbegin(); m != it->cend(); ++m)
            messages[m.key()] += m.value();
    }
}

void EventStats::prune(qint64 nowMs)
{
    const qint64 oldest = nowMs / 1000 - kHorizonSeconds;
    while (!m_buckets.isEmpty() && m_buckets.firstKey() < oldest)
        m_buckets.erase(m_buckets.begin());
    while (!m_errorsBySecond.isEmpty() && m_errorsBySecond.firstKey() < oldest)
        m_errorsBySecond.erase(m_errorsBySecond.begin());
}

QList<EventStats::Point> EventStats::rate(qint64 nowMs, int windowSeconds, int bins) const
{
    QList<Point> points;
    if (bins <= 0 || windowSeconds <= 0)
        return points;
    const int binSeconds = std::max(1, windowSeconds / bins);
    const qint64 end = nowMs / 1000 + 1; // the current second is included
    const qint64 start = end - static_cast<qint64>(binSeconds) * bins;
    points.resize(bins);
    for (int i = 0; i < bins; ++i)
        points[i].startMs = (start + static_cast<qint64>(i) * binSeconds) * 1000;
    for (auto it = m_buckets.lowerBound(start); it != m_buckets.cend() && it.key() < end; ++it) {
        const int bin = static_cast<int>((it.key() - start) / binSeconds);
        points[bin].acceptedPerSecond += static_cast<double>(it->accepted) / binSeconds;
        points[bin].rejectedPerSecond += static_cast<double>(it->rejected) / binSeconds;
        points[bin].refusedPerSecond += static_cast<double>(it->refused) / binSeconds;
    }
    return points;
}

qint64 EventStats::accepted(qint64 nowMs, int windowSeconds) const
{
    qint64 total = 0;
    for (auto it = m_buckets.lowerBound(nowMs / 1000 + 1 - windowSeconds); it != m_buckets.cend(); ++it)
        total += it->accepted;
    return total;
}

qint64 EventStats::rejected(qint64 nowMs, int windowSeconds) const
{
    qint64 total = 0;
    for (auto it = m_buckets.lowerBound(nowMs / 1000 + 1 - windowSeconds); it != m_buckets.cend(); ++it)
        total += it->rejected;
    return total;
}

qint64 EventStats::refusedRequests(qint64 nowMs, int windowSeconds) const
{
    qint64 total = 0;
    for (auto it = m_buckets.lowerBound(nowMs / 1000 + 1 - windowSeconds); it != m_buckets.cend(); ++it)
        total += it->refused;
    return total;
}

QMap<QString, EventStats::TypeCounts> EventStats::byType(qint64 nowMs, int windowSeconds) const
{
    QMap<QString, TypeCounts> out;
    for (auto it = m_buckets.lowerBound(nowMs / 1000 + 1 - windowSeconds); it != m_buckets.cend(); ++it) {
        for (auto t = it->byType.cbegin(); t != it->byType.cend(); ++t) {
            TypeCounts& counts = out[t.key().isEmpty() ? QStringLiteral("(none)") : t.key()];
            counts.accepted += t->accepted;
            counts.rejected += t->rejected;
        }
    }
    return out;
}

QList<QPair<QString, qint64>> EventStats::topErrors(int count) const
{
    QHash<QString, qint64> totals;
    for (const QHash<QString, qint64>& messages : m_errorsBySecond) {
        for (auto m = messages.cbegin(); m != messages.cend(); ++m)
            totals[m.key()] += m.value();
    }
    QList<QPair<QString, qint64>> sorted;
    for (auto it = totals.cbegin(); it != totals.cend(); ++it)
        sorted.append({it.key(), it.value()});
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (sorted.size() > count)
        sorted.resize(count);
    return sorted;
}

QList<QPair<QString, qint64>> EventStats::topUserTokens(int count) const
{
    QList<QPair<QString, qint64>> tokens;
    tokens.reserve(m_userTokens.size());
    for (auto it = m_userTokens.cbegin(); it != m_userTokens.cend(); ++it)
        tokens.append({it.key(), it.value()});
    std::sort(tokens.begin(), tokens.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (tokens.size() > count)
        tokens.resize(count);
    return tokens;
}
