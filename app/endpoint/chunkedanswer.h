#pragma once

// Answers written as they are produced (issue 11 §5): the automation API and the debugger feed read the log
// a page at a time and hand each page's JSON to the socket as a chunk, so that serving many large events
// costs about one page of memory instead of the whole answer (and its copies).

#include "log/eventlog.h"

#include <QByteArray>
#include <QSet>

#include <functional>
#include <optional>

// Pulls chunks from a producer and hands them out in pieces of any size (libmicrohttpd's reader asks for
// as much as its buffer holds). Not thread-safe: one connection's thread uses it.
class ChunkedAnswer final
{
    Q_DISABLE_COPY_MOVE(ChunkedAnswer)

public:
    using Producer = std::function<std::optional<QByteArray>()>; // nullopt: the answer is complete
    explicit ChunkedAnswer(Producer producer);

    // Copies up to `max` bytes of the answer into `buffer`; 0 at the end of the answer.
    qsizetype read(char* buffer, qsizetype max);

private:
    Producer m_producer;
    QByteArray m_pending;
    qsizetype m_offset = 0;
    bool m_done = false;
};

// The page size for reading records of unknown size: starts at one record and adapts so that a page's JSON
// stays near `targetBytes` (large events make pages of one, small ones pages of up to `maxRecords`), growing
// by doubling at most.
class AdaptivePage final
{
public:
    explicit AdaptivePage(int maxRecords, qsizetype targetBytes = 1024 * 1024);
    int size() const { return m_size; }
    void observe(int records, qsizetype bytes);

private:
    int m_max;
    qsizetype m_target;
    int m_size = 1;
};

// GET /debugger/events: records oldest first after `query.sinceId`, at most `query.limit`, then lastId and
// hasMore, as one JSON object written page by page.
ChunkedAnswer::Producer automationEventsProducer(const EventLog* log, LogQuery query);

// GET /1/events: the records received in [startMs, endMs], the newest `limit` of them, oldest first, in
// Algolia's feed shape. A first pass finds the window's ids (a page at a time, newest first); the second
// writes them page by page.
ChunkedAnswer::Producer debuggerFeedProducer(const EventLog* log, qint64 startMs, qint64 endMs, int limit);
