#include "chunkedanswer.h"

#include "endpointhttp.h"

#include <algorithm>
#include <memory>

AdaptivePage::AdaptivePage(int maxRecords, qsizetype targetBytes)
    : m_max(std::max(maxRecords, 1))
    , m_target(targetBytes)
    , m_size(1)
{}

void AdaptivePage::observe(int records, qsizetype bytes)
{
    if (records <= 0)
        return;
    const qsizetype perRecord = std::max<qsizetype>(1, bytes / records);
    // Grow by doubling at most: small records followed by large ones must not make one huge page.
    m_size = static_cast<int>(std::clamp<qsizetype>(m_target / perRecord, 1, std::min(m_max, 2 * m_size)));
}

namespace {

bool isReceived(const LogRecord& record)
{
    return record.source == EventSource::Endpoint ||
           (record.source == EventSource::Sent && record.target == QLatin1String("local"));
}

} // namespace

HttpChunkProducer automationEventsProducer(const EventLog* log, LogQuery query, QList<RecordKind> kinds,
                                           QString* error)
{
    // One kind is filtered by the log; a set of kinds (the default listing: events and refused requests) is
    // filtered here, the pages read in id order all the same.
    if (kinds.size() == 1)
        query.kind = kinds.constFirst();
    const bool filterHere = kinds.size() > 1;
    struct State
    {
        int stage = 0; // 0 head, 1 pages, 2 done
        int remaining = 0;
        int emitted = 0;
        qint64 lastId = 0;
        AdaptivePage page{500};
        std::optional<QByteArray> firstChunk; // read at once, so that a failing log is answered 500
    };
    auto state = std::make_shared<State>();
    state->remaining = query.limit;
    state->lastId = query.sinceId;
    const int limit = query.limit;
    // The JSON of the next page of matching records (possibly empty when a page held only other kinds);
    // nullopt when the read failed.
    const auto readPage = [log, query, kinds, filterHere,
                           state](QString* failure) -> std::optional<QByteArray> {
        LogQuery page = query;
        page.sinceId = state->lastId;
        page.limit = std::min(state->page.size(), state->remaining);
        QString readError;
        const QList<LogRecord> records = log->query(page, &readError);
        if (!readError.isEmpty()) {
            *failure = readError;
            return std::nullopt;
        }
        QByteArray chunk;
        int matched = 0;
        for (const LogRecord& record : records) {
            if (filterHere && !kinds.contains(record.kind))
                continue;
            if (state->emitted++ > 0)
                chunk += ',';
            chunk += EndpointHttp::automationRecordJson(record);
            ++matched;
        }
        state->page.observe(std::max(matched, 1), std::max<qsizetype>(chunk.size(), 1));
        state->remaining -= matched;
        if (!records.isEmpty())
            state->lastId = records.constLast().id;
        if (records.size() < page.limit)
            state->remaining = 0; // the log has no more
        return chunk;
    };
    if (state->remaining > 0) {
        QString failure;
        state->firstChunk = readPage(&failure);
        if (!state->firstChunk) {
            *error = failure;
            return {};
        }
    }
    return [readPage, limit, state](QString* failure) -> std::optional<QByteArray> {
        switch (state->stage) {
        case 0:
            state->stage = 1;
            return QByteArrayLiteral("{\"events\":[") + state->firstChunk.value_or(QByteArray());
        case 1: {
            while (state->remaining > 0) {
                std::optional<QByteArray> chunk = readPage(failure);
                if (!chunk)
                    return std::nullopt; // cut off: the client sees an error, not a complete short page
                if (!chunk->isEmpty())
                    return chunk;
            }
            state->stage = 2;
            return "],\"lastId\":" + QByteArray::number(state->lastId) +
                   ",\"hasMore\":" + (state->emitted >= limit ? "true" : "false") + '}';
        }
        default:
            return std::nullopt;
        }
    };
}

HttpChunkProducer debuggerFeedProducer(const EventLog* log, qint64 startMs, qint64 endMs, int limit,
                                       QString* error)
{
    struct State
    {
        bool started = false;
        bool done = false;
        QSet<qint64> ids;
        qint64 nextAfter = 0; // the second pass reads ids > nextAfter
        qint64 lastWanted = 0;
        int emitted = 0;
        AdaptivePage page{500};
    };
    auto state = std::make_shared<State>();
    // Newest first, a block of ids at a time, until the window's start: the feed asks for recent seconds, so
    // this reads few blocks however large the log is. Each block is read oldest first (an id range: no sort
    // of large rows), and only ids are kept. Only events: searches and refused requests are not Algolia's.
    AdaptivePage firstPass(500);
    bool reachedStart = false;
    qint64 high = log->lastId();
    while (!reachedStart && high > 0 && state->ids.size() < limit) {
        LogQuery query;
        query.sinceId = std::max<qint64>(0, high - firstPass.size());
        query.limit = static_cast<int>(high - query.sinceId);
        query.kind = RecordKind::Event;
        QString readError;
        const QList<LogRecord> records = log->query(query, &readError);
        if (!readError.isEmpty()) {
            *error = readError;
            return {};
        }
        qsizetype bytes = 0;
        for (auto it = records.crbegin(); it != records.crend(); ++it) {
            const LogRecord& record = *it;
            bytes += record.rawJson.size();
            if (record.id > high)
                continue;
            if (record.receivedAtMs < startMs) {
                reachedStart = true;
                break;
            }
            if (isReceived(record) && record.receivedAtMs <= endMs) {
                state->ids.insert(record.id);
                if (state->ids.size() >= limit)
                    break;
            }
        }
        firstPass.observe(static_cast<int>(std::max<qsizetype>(records.size(), 1)),
                          std::max<qsizetype>(bytes, 1));
        high = query.sinceId;
    }
    if (!state->ids.isEmpty()) {
        state->nextAfter = *std::min_element(state->ids.cbegin(), state->ids.cend()) - 1;
        state->lastWanted = *std::max_element(state->ids.cbegin(), state->ids.cend());
    }
    return [log, state](QString* failure) -> std::optional<QByteArray> {
        if (state->done)
            return std::nullopt;
        if (!state->started) {
            state->started = true;
            return QByteArrayLiteral("{\"events\":[");
        }
        while (!state->ids.isEmpty() && state->nextAfter < state->lastWanted) {
            LogQuery query;
            query.sinceId = state->nextAfter;
            query.limit = state->page.size();
            query.kind = RecordKind::Event;
            QString readError;
            const QList<LogRecord> records = log->query(query, &readError);
            if (!readError.isEmpty()) {
                *failure = readError;
                return std::nullopt;
            }
            if (records.isEmpty())
                break;
            QByteArray chunk;
            for (const LogRecord& record : records) {
                if (record.id > state->lastWanted)
                    break;
                if (!state->ids.contains(record.id))
                    continue;
                if (state->emitted++ > 0)
                    chunk += ',';
                chunk += EndpointHttp::feedRecordJson(record);
            }
            state->page.observe(static_cast<int>(records.size()), std::max<qsizetype>(chunk.size(), 1));
            state->nextAfter = records.constLast().id;
            if (!chunk.isEmpty())
                return chunk;
        }
        state->done = true;
        return QByteArrayLiteral("]}");
    };
}
