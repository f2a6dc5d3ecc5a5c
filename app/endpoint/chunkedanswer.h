#pragma once

// Answers written as they are produced (issue 11 §5): the automation API and the debugger feed read the log
// a page at a time and hand each page's JSON to the socket as a chunk, so that serving many large events
// costs about one page of memory instead of the whole answer (and its copies).

#include "httpserver.h"
#include "log/eventlog.h"

#include <QByteArray>
#include <QList>
#include <QSet>
#include <QString>

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

// GET /debugger/events: records of the given kinds (empty: every kind) oldest first after `query.sinceId`, at
// most `query.limit`, then lastId (the last record read, whatever its kind) and hasMore, as one JSON object
// written page by page. The first page is read at once: when that read fails, the producer is empty and
// `error` says why, so that the request is answered 500 instead of a short page.
HttpChunkProducer automationEventsProducer(const EventLog* log, LogQuery query, QList<RecordKind> kinds,
                                           QString* error);

// GET /1/events: the events (kind Event) received in [startMs, endMs], the newest `limit` of them, oldest
// first, in Algolia's feed shape. A first pass, run at once, finds the window's ids (a page at a time, newest
// first; when it fails the producer is empty and `error` says why); the second writes them page by page.
HttpChunkProducer debuggerFeedProducer(const EventLog* log, qint64 startMs, qint64 endMs, int limit,
                                       QString* error);
