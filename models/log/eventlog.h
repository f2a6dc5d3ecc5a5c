#pragma once

// API CONTRACT shared by the endpoint, the sender and the views. The log helper owns this file and its
// implementation; others code against it. Additions are fine; changes to existing members need care.

#include "event/issue.h"

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QObject>
#include <QPair>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

struct RecordBatch;

// EventSource, eventSourceName() and eventSourceFromName() are in event/vocabulary.h (included by issue.h).

// What a record is. Stored as its number: never renumber.
enum class RecordKind
{
    Event = 0,   // an Insights event
    Search = 1,  // a search the endpoint answered or relayed
    Request = 2, // a request refused before any event was judged (400, 401, 404, 405, 413, 431, 501...)
};
QString recordKindName(RecordKind kind); // "event", "search", "request"
std::optional<RecordKind> recordKindFromName(QStringView name);

// A request as received. Stored once per request (not per event): every record of one request shares one.
struct RawRequest
{
    QByteArray method; // "POST"
    QByteArray target; // the request target as sent, e.g. "/1/events?x-algolia-agent=..."
    QByteArray
        headers; // "Name: value\r\n" lines as received, the API key's value already masked by the producer
    QByteArray body; // as received (after Content-Encoding decoding), possibly truncated
    bool bodyTruncated = false;

    friend bool operator==(const RawRequest& a, const RawRequest& b)
    {
        return a.method == b.method && a.target == b.target && a.headers == b.headers && a.body == b.body &&
               a.bodyTruncated == b.bodyTruncated;
    }
};

// One event as the debugger keeps it: the event, its verdict, and the request facts that matter.
struct LogRecord
{
    qint64 id = 0; // assigned by the database when the record is committed, increasing, never reused
    RecordKind kind = RecordKind::Event;
    QString requestId;
    qint64 receivedAtMs = 0;
    EventSource source = EventSource::Endpoint;
    int httpStatus = 0;
    bool accepted = false;
    int indexInRequest = 0; // position of the event in its request
    IssueList issues;       // this event's errors, warnings and infos
    QString message;        // the request's answer message, e.g. "OK" or the 422 text
    QByteArray rawJson;     // the event's JSON as received or sent

    // Denormalized from the event for filtering and display (empty when absent).
    QString eventType;
    QString eventSubtype;
    QString eventName;
    QString index;
    QString userToken; // the userToken field (not the authenticated one)
    QString authenticatedUserToken;
    qint64 timestampMs = 0; // the event's own timestamp; 0 when absent
    QString queryId;        // events: their queryID; searches: the queryID the search returned

    // Request facts; never the API key.
    QString userAgent;
    QString device; // "desktop", "mobile", "tablet", "bot" or "" from the User-Agent
    QString agent;  // x-algolia-agent
    QString origin;
    QString referer;
    QString remoteAddress;
    QString appId;
    QString target; // where a sent event went: "local", "us", "de", "global" or a URL
    QString method; // the request line: "POST"
    QString path;   // the request line's path, without the query: "/1/events"

    // Set by producers on every record of one request (one shared object, not copies); the log stores it
    // once per request. Reads leave it null: ask EventLog::rawRequest(requestId) for it.
    std::shared_ptr<const RawRequest> rawRequest;

    // Algolia's own verdict on this event, from its debugger feed (GET /1/events), when one was attached
    // with EventLog::attachAlgoliaVerdicts(): the HTTP status Algolia recorded for the event's request and
    // this event's errors. append() does not store these fields.
    std::optional<int> algoliaStatus;
    QStringList algoliaErrors;
};

// Algolia's verdict on a record for people: "Algolia: 200 accepted", "Algolia: 422 — <its errors>" or
// "Algolia: 422 — rejected with its batch"; empty when none is attached.
QString algoliaVerdictText(const LogRecord& record);

// Algolia's verdict on one logged event, which the log finds by its request id and position in the request.
struct AlgoliaVerdictUpdate
{
    QString requestId;
    int indexInRequest = 0;
    int status = 0;
    QStringList errors;
};

struct LogQuery
{
    std::optional<bool> accepted; // status=accepted|rejected
    QString userToken;            // matches the userToken or the authenticatedUserToken
    QString eventType;
    QString eventName;
    QString index;
    std::optional<EventSource> source;
    std::optional<RecordKind> kind;
    QString queryId;
    qint64 sinceId = 0; // records with id > sinceId
    int limit = 1000;   // oldest first (unless newestFirst); <= 0 means no limit

    // View filters (models/views/eventfilter.h maps onto these one to one).
    std::optional<int> httpStatus;   // exact HTTP status, e.g. 422
    std::optional<int> httpClass;    // the hundreds digit: 2 = 2xx, 4 = 4xx, 5 = 5xx
    std::optional<bool> hasErrors;   // the event itself has an error-severity issue (not just its batch)
    std::optional<bool> hasWarnings; // the event has a warning-severity issue
    QString eventSubtype;
    QString requestId;    // the events of one request
    QStringList freeText; // every word must occur in the raw event JSON (case-insensitive for ASCII)
    qint64 beforeId = 0;  // records with id < beforeId; 0 = no upper bound (page backwards with newestFirst)
    bool newestFirst = false;
};

struct LogStats
{
    qint64 total = 0;
    qint64 accepted = 0;
    qint64 rejected = 0;
    QMap<QString, qint64> byEventType;
    QMap<QString, qint64> byUserToken;
};

struct EventLogOptions
{
    QString path;                 // the SQLite file
    qint64 retention = 1'000'000; // records kept; the oldest are dropped first
};

// The durable event log: one SQLite file (WAL), one writer connection on its own thread, readers per thread.
// append() returns at once; `done` runs on the writer thread after the records are committed, so a caller
// acknowledges a request only once its events are on disk.
class EventLog final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EventLog)

public:
    // How long a writer waits for another connection's (or process's) write transaction before giving up.
    static constexpr int kBusyTimeoutMs = 10'000;
    // The write-ahead log (the file's "-wal" beside it) stays under this size at any ingest rate: the log's
    // watch thread copies each large commit into the database beside the writer, and the writer empties
    // the WAL with a TRUNCATE checkpoint once it passes a quarter of this. The database file grows as rows
    // are kept, not the WAL.
    static constexpr qint64 kWalBoundBytes = 256LL * 1024 * 1024;

    struct OpenResult;
    static OpenResult open(const EventLogOptions& options);
    ~EventLog() override;

    // `error` is SQLite's reason when ok is false (e.g. "database is locked", "disk I/O error"), else empty.
    using CommitCallback = std::function<void(bool ok, qint64 firstId, qint64 lastId, const QString& error)>;
    // Thread-safe. Records get ids in order, from the database at commit time (several processes may append
    // to one file: ids stay unique and increasing across them); `done` may be empty. Appends queued together
    // are committed in one transaction (up to 50,000 records), then each `done` runs in append order on the
    // writer thread: ok=false means nothing of that append was stored (no id consumed); an empty list gets
    // (true, n, n - 1). A writer waits for another process's transaction up to kBusyTimeoutMs.
    void append(QList<LogRecord> records, CommitCallback done = {});
    // The same for the records of one request in the form the writer binds (the ingest path: no LogRecord
    // is made). The batch is kept, unchanged, until `done` has run.
    void append(std::shared_ptr<const RecordBatch> batch, CommitCallback done = {});
    // Blocks until everything appended so far is committed (tests, shutdown).
    void flush();

    // Synchronous reads on a per-thread read connection: call from worker threads or the endpoint's
    // threads, never from the GUI thread (use the async variants there). When a read fails part-way (a
    // corrupted page, an I/O error), what was read so far is returned and `error`, when given, gets SQLite's
    // reason ("database disk image is malformed"); it is left empty on success. A caller answering a
    // request must check it: a short result is not a complete one (the automation API answers 500).
    QList<LogRecord> query(const LogQuery& query, QString* error = nullptr) const;
    // The ids matching `query`, in the query's order, honouring its limit (limit <= 0: all of them).
    QList<qint64> ids(const LogQuery& query, QString* error = nullptr) const;
    // The records with these ids, in the order given; ids that no longer exist are skipped.
    QList<LogRecord> records(const QList<qint64>& ids, QString* error = nullptr) const;
    // The request as received of the records with this request id (the newest such request), if stored.
    std::optional<RawRequest> rawRequest(const QString& requestId) const;
    // How many records match `query` (sinceId/beforeId/filters apply, limit does not).
    qint64 count(const LogQuery& query, QString* error = nullptr) const;
    LogStats stats() const;
    qint64 count() const;  // all records committed (cheap, no query)
    qint64 lastId() const; // the highest id committed so far, 0 when none ever was (cheap, no query)
    // The user tokens deleted through removeUserToken(): (userToken, deleted-at ms), oldest first.
    QList<QPair<QString, qint64>> deletions() const;

    // Writes, run by the writer thread; these block until committed (not on the writer thread: from a
    // CommitCallback they would deadlock). Deletes all records, or one userToken's (matching userToken or
    // authenticatedUserToken). Returns how many were deleted.
    qint64 remove(const std::optional<QString>& userToken);
    // Like remove(userToken), and also records the deletion (token, time) in the deletions table, as
    // Algolia's DELETE /1/usertokens/{userToken} does.
    qint64 removeUserToken(const QString& token);

    // Asynchronous variants for the GUI thread: the work runs on the log's reader/writer threads and `done`
    // runs later on the log's thread (the thread that created it), and only if `context` still exists then.
    // `context` must live in the log's thread.
    void queryAsync(const LogQuery& query, QObject* context,
                    std::function<void(QList<LogRecord>)> done) const;
    void idsAsync(const LogQuery& query, QObject* context, std::function<void(QList<qint64>)> done) const;
    void recordsAsync(const QList<qint64>& ids, QObject* context,
                      std::function<void(QList<LogRecord>)> done) const;
    void countAsync(const LogQuery& query, QObject* context, std::function<void(qint64)> done) const;
    void statsAsync(QObject* context, std::function<void(LogStats)> done) const;
    void rawRequestAsync(const QString& requestId, QObject* context,
                         std::function<void(std::optional<RawRequest>)> done) const;
    void removeAsync(const std::optional<QString>& userToken, QObject* context,
                     std::function<void(qint64)> done);

    // Thread-safe, returns at once. Attaches Algolia's verdicts to the logged events they name (requestId +
    // indexInRequest); updates naming no logged event are ignored, and a later verdict for an event
    // replaces an earlier one. All updates of one call are one writer operation (one look-up, one
    // transaction), run after every append made before the call; recordsChanged() then names the events.
    void attachAlgoliaVerdicts(QList<AlgoliaVerdictUpdate> updates);

    QString path() const;
    qint64 retention() const;
    // Takes effect at once: the writer trims the oldest records down to `records` (asynchronously). While
    // appends come, the log may hold up to 1% (at most 10,000) records more, plus those of the commit in
    // progress: past that slack the writer removes the oldest in short steps between commits (never inside
    // one, so that an acknowledgement waits for one step at most), until it holds `records`.
    void setRetention(qint64 records);

Q_SIGNALS:
    // Emitted (queued to the log's thread affinity) after a commit, at most every 50 ms.
    void recordsAppended(qint64 firstId, qint64 lastId);
    // Emitted after remove() or retention trimming.
    void recordsRemoved();
    // Emitted (on the log's thread) after existing records changed, e.g. an Algolia verdict was attached:
    // views holding copies of these records should read them again.
    void recordsChanged(const QList<qint64>& ids);

private:
    explicit EventLog(const EventLogOptions& options);
    struct Private;
    std::unique_ptr<Private> d;
};

struct EventLog::OpenResult
{
    std::unique_ptr<EventLog> log; // set on success
    QString error;                 // one line for the user when the file cannot be used, else empty
};
