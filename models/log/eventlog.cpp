// The event log's reader façade: the public API, per-thread read connections, work run off the caller's
// thread with the result back on it. The writer half is eventlogwriter.cpp; see eventlogprivate.h.
#include "log/eventlog.h"

#include "event/vocabulary.h"
#include "log/eventlogprivate.h"
#include "log/logquerybuilder.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutexLocker>

#include <algorithm>
#include <utility>

using namespace EventLogDb;
using namespace LogQueryBuilder;

namespace EventLogDb {
std::atomic<quint64> g_nextLogSerial{1};
} // namespace EventLogDb

namespace {
// This thread's read connections, one per log.
thread_local ThreadReaders t_readers;
} // namespace

QString recordKindName(RecordKind kind)
{
    switch (kind) {
    case RecordKind::Event:
        return QStringLiteral("event");
    case RecordKind::Search:
        return QStringLiteral("search");
    case RecordKind::Request:
        return QStringLiteral("request");
    }
    return {};
}

std::optional<RecordKind> recordKindFromName(QStringView name)
{
    for (const RecordKind kind : {RecordKind::Event, RecordKind::Search, RecordKind::Request}) {
        if (name.compare(recordKindName(kind), Qt::CaseInsensitive) == 0)
            return kind;
    }
    return std::nullopt;
}

QString algoliaVerdictText(const LogRecord& record)
{
    if (!record.algoliaStatus)
        return {};
    const int status = *record.algoliaStatus;
    if (!record.algoliaErrors.isEmpty())
        return QStringLiteral("Algolia: %1 — %2")
            .arg(status)
            .arg(record.algoliaErrors.join(QStringLiteral("; ")));
    if (status >= 200 && status < 300)
        return QStringLiteral("Algolia: %1 %2").arg(status).arg(verdictPhrase(Verdict::Accepted));
    // The feed gives errors only to the culprit: a batch-mate shares the request's status alone.
    return QStringLiteral("Algolia: %1 — %2").arg(status).arg(verdictPhrase(Verdict::RejectedWithBatch));
}

sqlite3* EventLog::Private::reader()
{
    if (const auto found = t_readers.byLog.find(serial); found != t_readers.byLog.end() && found->second->db)
        return found->second->db;
    // Entries of logs destroyed since (closed) go, so a long-lived thread does not collect them.
    for (auto it = t_readers.byLog.begin(); it != t_readers.byLog.end();) {
        bool open;
        {
            std::lock_guard l(it->second->mutex);
            open = it->second->db != nullptr;
        }
        it = open ? std::next(it) : t_readers.byLog.erase(it);
    }
    sqlite3* db = nullptr;
    const QByteArray file = QFile::encodeName(path);
    if (sqlite3_open_v2(file.constData(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) !=
        SQLITE_OK) {
        qWarning("EventLog: cannot open a read connection: %s", db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return nullptr;
    }
    sqlite3_busy_timeout(db, kBusyTimeoutMs);
    // No mmap: measured on 1M records it saved under 10 ms per full scan, and an I/O error on a mapped file
    // is a SIGBUS instead of an error code.
    exec(db, "PRAGMA cache_size=-8000; PRAGMA temp_store=MEMORY");
    ReaderHandle slot = std::make_shared<ReaderConnection>();
    slot->db = db;
    t_readers.byLog[serial] = slot;
    QMutexLocker lock(&readersMutex);
    // Forget the connections of threads that have ended, so short-lived threads do not pile up entries.
    readers.erase(std::remove_if(readers.begin(), readers.end(),
                                 [](const ReaderHandle& r) {
                                     std::lock_guard l(r->mutex);
                                     return r->db == nullptr;
                                 }),
                  readers.end());
    readers.push_back(slot);
    return db;
}

EventLog::EventLog(const EventLogOptions& options)
    : d(std::make_unique<Private>())
{
    d->q = this;
    d->path = options.path;
    d->walPath = options.path + QStringLiteral("-wal");
    d->retention = std::max<qint64>(0, options.retention);
    d->announceTimer = new QTimer(this);
    d->announceTimer->setSingleShot(true);
    d->announceTimer->setInterval(kAnnounceIntervalMs);
    connect(d->announceTimer, &QTimer::timeout, this, [this] {
        qint64 first = 0;
        qint64 last = 0;
        {
            QMutexLocker lock(&d->announceMutex);
            first = std::exchange(d->pendingFirst, 0);
            last = std::exchange(d->pendingLast, 0);
            d->announceScheduled = false;
        }
        if (first > 0)
            Q_EMIT recordsAppended(first, last);
    });
    // Pool threads never expire, so each keeps its one read connection.
    d->asyncPool.setMaxThreadCount(2);
    d->asyncPool.setExpiryTimeout(-1);
}

EventLog::OpenResult EventLog::open(const EventLogOptions& options)
{
    OpenResult result;
    if (options.path.isEmpty()) {
        result.error = QStringLiteral("No file was given for the event log.");
        return result;
    }
    std::unique_ptr<EventLog> log(new EventLog(options));
    const QString error = log->d->openWriter();
    if (!error.isEmpty()) {
        result.error = error;
        return result;
    }
    Private* d = log->d.get();
    d->writerThread = std::thread([d] { d->writerLoop(); });
    d->checkpointThread = std::thread([d] { d->checkpointLoop(); });
    // A smaller retention than the file holds applies at once.
    if (d->committedCount > d->retention)
        d->enqueue(Private::Job{{}, {}, [d] { d->trim(d->retention); }, {}});
    result.log = std::move(log);
    return result;
}

EventLog::~EventLog()
{
    d->asyncPool.waitForDone();
    if (d->writerThread.joinable()) {
        {
            std::lock_guard lock(d->queueMutex);
            d->stopping = true;
        }
        d->queueChanged.notify_one();
        d->writerThread.join();
    }
    if (d->checkpointThread.joinable()) {
        {
            std::lock_guard lock(d->checkpointMutex);
            d->checkpointStopping = true;
        }
        d->checkpointWake.notify_one();
        d->checkpointThread.join();
    }
    d->asyncPool.waitForDone();
}

void EventLog::append(QList<LogRecord> records, CommitCallback done)
{
    Private::Job job;
    job.records = std::move(records);
    job.done = std::move(done);
    d->enqueue(std::move(job));
}

void EventLog::append(std::shared_ptr<const RecordBatch> batch, CommitCallback done)
{
    Private::Job job;
    job.done = std::move(done);
    if (batch)
        job.batches.push_back(std::move(batch));
    d->enqueue(std::move(job));
}

void EventLog::flush()
{
    d->runOnWriter<bool>([] { return true; });
}

namespace {

// Records a read failure for the caller that asked for it.
void readFailed(QString* error, const QString& reason)
{
    if (error)
        *error = reason.isEmpty() ? QStringLiteral("unknown error") : reason;
}

// Steps `s` through its rows, calling `row` for each; false (and `error` set) when it stops on an error.
template <typename Row>
bool readRows(sqlite3* db, Statement& s, QString* error, Row row)
{
    if (!s) {
        readFailed(error, sqliteError(db));
        return false;
    }
    int rc;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW)
        row();
    if (rc != SQLITE_DONE) {
        readFailed(error, sqliteError(db));
        sqlite3_reset(s.get());
        return false;
    }
    return true;
}

const QString kNoReadConnection = QStringLiteral("no read connection to the event log");

} // namespace

QList<LogRecord> EventLog::query(const LogQuery& query, QString* error) const
{
    QList<LogRecord> out;
    if (error)
        error->clear();
    sqlite3* db = d->reader();
    if (!db) {
        readFailed(error, kNoReadConnection);
        return out;
    }
    const Filter filter = buildFilter(query);
    Statement s(db, recordSelect() + filter.where + orderAndLimit(query));
    if (s)
        filter.bindTo(s);
    readRows(db, s, error, [&] { out.append(readRecord(s)); });
    return out;
}

QList<qint64> EventLog::ids(const LogQuery& query, QString* error) const
{
    QList<qint64> out;
    if (error)
        error->clear();
    sqlite3* db = d->reader();
    if (!db) {
        readFailed(error, kNoReadConnection);
        return out;
    }
    const Filter filter = buildFilter(query);
    Statement s(db, "SELECT e.id FROM events e" + filter.where + orderAndLimit(query));
    if (s)
        filter.bindTo(s);
    readRows(db, s, error, [&] { out.append(s.integer(0)); });
    return out;
}

QList<LogRecord> EventLog::records(const QList<qint64>& ids, QString* error) const
{
    QList<LogRecord> out;
    if (error)
        error->clear();
    sqlite3* db = d->reader();
    if (!db) {
        readFailed(error, kNoReadConnection);
        return out;
    }
    if (ids.isEmpty())
        return out;
    out.reserve(ids.size());
    Statement s(db, recordSelect() + QByteArray(" WHERE e.id = ?"));
    if (!s) {
        readFailed(error, sqliteError(db));
        return out;
    }
    // One short read transaction, so the records come from one snapshot.
    exec(db, "BEGIN");
    for (const qint64 id : ids) {
        s.bind(1, id);
        const int rc = sqlite3_step(s.get());
        if (rc == SQLITE_ROW) {
            out.append(readRecord(s));
        } else if (rc != SQLITE_DONE) {
            readFailed(error, sqliteError(db));
            sqlite3_reset(s.get());
            break;
        }
        sqlite3_reset(s.get());
    }
    exec(db, "COMMIT");
    return out;
}

std::optional<RawRequest> EventLog::rawRequest(const QString& requestId) const
{
    sqlite3* db = d->reader();
    if (!db || requestId.isEmpty())
        return std::nullopt;
    Statement s(db,
                "SELECT w.method, w.target, w.headers, w.body, w.body_truncated FROM requests r"
                " JOIN raw_requests w ON w.rid = r.rid WHERE r.request_id = ? ORDER BY r.rid DESC LIMIT 1");
    if (!s)
        return std::nullopt;
    s.bind(1, requestId);
    if (sqlite3_step(s.get()) != SQLITE_ROW)
        return std::nullopt;
    RawRequest raw;
    raw.method = s.blob(0);
    raw.target = s.blob(1);
    raw.headers = s.blob(2);
    raw.body = s.blob(3);
    raw.bodyTruncated = s.integer(4) != 0;
    return raw;
}

qint64 EventLog::count(const LogQuery& query, QString* error) const
{
    if (error)
        error->clear();
    sqlite3* db = d->reader();
    if (!db) {
        readFailed(error, kNoReadConnection);
        return 0;
    }
    const Filter filter = buildFilter(query);
    Statement s(db, "SELECT count(*) FROM events e" + filter.where);
    if (s)
        filter.bindTo(s);
    qint64 count = 0;
    readRows(db, s, error, [&] { count = s.integer(0); });
    return count;
}

LogStats EventLog::stats() const
{
    LogStats stats;
    sqlite3* db = d->reader();
    if (!db)
        return stats;
    // One pass over the narrow table, counting on the UTF-8 bytes: about twice as fast as three GROUP BY
    // queries, which each sort a million rows.
    Statement s(db, "SELECT event_type, coalesce(user_token, auth_token), accepted FROM events");
    QHash<QByteArray, qint64> types;
    QHash<QByteArray, qint64> users;
    auto add = [&s](QHash<QByteArray, qint64>& counts, int column) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s.get(), column));
        if (!text)
            return;
        const int size = sqlite3_column_bytes(s.get(), column);
        // The lookup borrows SQLite's buffer; only a new key is copied.
        const auto found = counts.find(QByteArray::fromRawData(text, size));
        if (found != counts.end())
            ++found.value();
        else
            counts.insert(QByteArray(text, size), 1);
    };
    while (s && sqlite3_step(s.get()) == SQLITE_ROW) {
        ++stats.total;
        stats.accepted += s.integer(2) != 0;
        add(types, 0);
        // An event counts for its userToken, or its authenticatedUserToken when it has only that one.
        add(users, 1);
    }
    stats.rejected = stats.total - stats.accepted;
    for (auto it = types.cbegin(); it != types.cend(); ++it)
        stats.byEventType.insert(QString::fromUtf8(it.key()), it.value());
    for (auto it = users.cbegin(); it != users.cend(); ++it)
        stats.byUserToken.insert(QString::fromUtf8(it.key()), it.value());
    return stats;
}

qint64 EventLog::count() const
{
    return d->committedCount;
}

qint64 EventLog::lastId() const
{
    return d->committedLastId;
}

QList<QPair<QString, qint64>> EventLog::deletions() const
{
    QList<QPair<QString, qint64>> out;
    sqlite3* db = d->reader();
    if (!db)
        return out;
    Statement s(db, "SELECT user_token, deleted_at FROM deletions ORDER BY id");
    while (s && sqlite3_step(s.get()) == SQLITE_ROW)
        out.append({s.text(0), s.integer(1)});
    return out;
}

qint64 EventLog::remove(const std::optional<QString>& userToken)
{
    return d->runOnWriter<qint64>([this, userToken] { return d->removeNow(userToken, false); });
}

qint64 EventLog::removeUserToken(const QString& token)
{
    return d->runOnWriter<qint64>([this, token] { return d->removeNow(token, true); });
}

void EventLog::queryAsync(const LogQuery& query, QObject* context,
                          std::function<void(QList<LogRecord>)> done) const
{
    d->runAsync<QList<LogRecord>>(
        context, [this, query] { return this->query(query); }, std::move(done));
}

void EventLog::idsAsync(const LogQuery& query, QObject* context,
                        std::function<void(QList<qint64>)> done) const
{
    d->runAsync<QList<qint64>>(
        context, [this, query] { return ids(query); }, std::move(done));
}

void EventLog::recordsAsync(const QList<qint64>& ids, QObject* context,
                            std::function<void(QList<LogRecord>)> done) const
{
    d->runAsync<QList<LogRecord>>(
        context, [this, ids] { return records(ids); }, std::move(done));
}

void EventLog::countAsync(const LogQuery& query, QObject* context, std::function<void(qint64)> done) const
{
    d->runAsync<qint64>(
        context, [this, query] { return count(query); }, std::move(done));
}

void EventLog::statsAsync(QObject* context, std::function<void(LogStats)> done) const
{
    d->runAsync<LogStats>(
        context, [this] { return stats(); }, std::move(done));
}

void EventLog::rawRequestAsync(const QString& requestId, QObject* context,
                               std::function<void(std::optional<RawRequest>)> done) const
{
    d->runAsync<std::optional<RawRequest>>(
        context, [this, requestId] { return rawRequest(requestId); }, std::move(done));
}

void EventLog::removeAsync(const std::optional<QString>& userToken, QObject* context,
                           std::function<void(qint64)> done)
{
    // Runs as a writer job, so a burst of appends never waits for a pool thread.
    QPointer<QObject> guard(context);
    d->enqueue(Private::Job{{},
                            {},
                            [this, userToken, guard, done = std::move(done)] {
                                const qint64 removed = d->removeNow(userToken, false);
                                QMetaObject::invokeMethod(
                                    this,
                                    [guard, done, removed] {
                                        if (guard && done)
                                            done(removed);
                                    },
                                    Qt::QueuedConnection);
                            },
                            {}});
}

void EventLog::attachAlgoliaVerdicts(QList<AlgoliaVerdictUpdate> updates)
{
    if (updates.isEmpty())
        return;
    d->enqueue(
        Private::Job{{}, {}, [this, updates = std::move(updates)] { d->attachVerdictsNow(updates); }, {}});
}

QString EventLog::path() const
{
    return d->path;
}

qint64 EventLog::retention() const
{
    return d->retention;
}

void EventLog::setRetention(qint64 records)
{
    d->retention = std::max<qint64>(0, records);
    d->enqueue(Private::Job{{}, {}, [this] { d->trim(d->retention); }, {}});
}
