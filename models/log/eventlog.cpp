#include "log/eventlog.h"

#include "event/vocabulary.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMetaObject>
#include <QMutex>
#include <QMutexLocker>
#include <QPointer>
#include <QSet>
#include <QThread>
#include <QThreadPool>
#include <QTimer>
#include <QVariant>
#include <QtDebug>

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <limits>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

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

namespace {

// Schema history. A database records the last migration applied in PRAGMA user_version; opening runs the
// ones after it, each in its own transaction. Never edit a shipped migration: append a new one.
struct Migration
{
    int version;
    const char* sql;
};

// The event table is kept narrow (the columns filters use) so that a full scan over a million rows stays
// fast without secondary indexes, which would cost the insert path several times their worth. The bulky
// parts (raw JSON, issues) live in `payloads` under the same id, and the request facts, identical for every
// event of a request, once per request in `requests`.
const Migration kMigrations[] = {
    {1,
     "CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
     "CREATE TABLE requests(rid INTEGER PRIMARY KEY, request_id TEXT, message TEXT, user_agent TEXT,"
     " device TEXT, agent TEXT, origin TEXT, referer TEXT, remote_address TEXT, app_id TEXT, target TEXT);"
     "CREATE TABLE events(id INTEGER PRIMARY KEY, rid INTEGER, received_at INTEGER NOT NULL,"
     " source INTEGER NOT NULL, http_status INTEGER NOT NULL, accepted INTEGER NOT NULL,"
     " idx INTEGER NOT NULL, errors INTEGER NOT NULL, warnings INTEGER NOT NULL, event_type TEXT,"
     " event_subtype TEXT, event_name TEXT, index_name TEXT, user_token TEXT, auth_token TEXT, ts INTEGER);"
     "CREATE TABLE payloads(id INTEGER PRIMARY KEY, issues TEXT, raw_json TEXT);"},
    // Version 2: Algolia's DELETE /1/usertokens/{userToken} is recorded, so a tester can see it happened.
    {2, "CREATE TABLE deletions(id INTEGER PRIMARY KEY, user_token TEXT NOT NULL, deleted_at INTEGER NOT "
        "NULL);"},
    // Version 3: Algolia's own verdict on an event (from its debugger feed), keyed by the event's id. A table
    // of its own, written only when a verdict arrives, so that the insert path stays as it was.
    {3, "CREATE TABLE algolia_verdicts(id INTEGER PRIMARY KEY, status INTEGER NOT NULL, errors TEXT NOT "
        "NULL);"},
    // Version 4: record kinds (searches and refused requests beside events), queryID, the request line, the
    // raw request once per request, and the counters several processes share: `lastId` (the ids' high-water
    // mark) and `count` (records in the log), both updated in every writing transaction, so that each
    // process learns the other processes' writes from one row instead of a count(*) over the table.
    {4,
     "ALTER TABLE events ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE events ADD COLUMN query_id TEXT;"
     "ALTER TABLE requests ADD COLUMN method TEXT;"
     "ALTER TABLE requests ADD COLUMN path TEXT;"
     "CREATE TABLE raw_requests(rid INTEGER PRIMARY KEY, method BLOB, target BLOB, headers BLOB, body BLOB,"
     " body_truncated INTEGER NOT NULL);"
     "INSERT OR IGNORE INTO meta(key, value) VALUES('lastId', coalesce((SELECT max(id) FROM events), 0));"
     "INSERT OR REPLACE INTO meta(key, value) VALUES('count', (SELECT count(*) FROM events));"
     "INSERT OR REPLACE INTO meta(key, value) VALUES('generation', 1);"},
};
constexpr int kSchemaVersion = 4;

// Bounds one group-commit transaction so that the first callers of a large burst are acknowledged early
// and the WAL stays small.
constexpr qint64 kMaxRowsPerTransaction = 50'000;
constexpr int kAnnounceIntervalMs = 50;
// How often the watch thread looks for other processes' commits (and checkpoints).
constexpr int kWatchIntervalMs = 200;
// The WAL size past which the watch thread empties it with a TRUNCATE checkpoint. With the largest
// transaction (kMaxRowsPerTransaction) and one watch interval of writes at full rate on top, the WAL stays
// under EventLog::kWalBoundBytes.
constexpr qint64 kWalTruncateAtBytes = 64 * 1024 * 1024;

QString sqliteError(sqlite3* db)
{
    return db ? QString::fromUtf8(sqlite3_errmsg(db)) : QStringLiteral("out of memory");
}

// Owns a prepared statement.
class Statement
{
public:
    Statement() = default;
    Statement(sqlite3* db, const QByteArray& sql)
    {
        if (sqlite3_prepare_v2(db, sql.constData(), int(sql.size()), &m_stmt, nullptr) != SQLITE_OK) {
            qWarning("EventLog: cannot prepare %s: %s", sql.constData(), sqlite3_errmsg(db));
            m_stmt = nullptr;
        }
    }
    ~Statement() { sqlite3_finalize(m_stmt); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement(Statement&& other) noexcept
        : m_stmt(std::exchange(other.m_stmt, nullptr))
    {}
    Statement& operator=(Statement&& other) noexcept
    {
        std::swap(m_stmt, other.m_stmt);
        return *this;
    }

    explicit operator bool() const { return m_stmt != nullptr; }
    sqlite3_stmt* get() const { return m_stmt; }

    // QString data stays alive until the statement steps: the bindings do not copy.
    void bind(int i, const QString& text)
    {
        if (text.isEmpty())
            sqlite3_bind_null(m_stmt, i);
        else
            sqlite3_bind_text16(m_stmt, i, text.utf16(), int(text.size() * 2), SQLITE_STATIC);
    }
    void bind(int i, const QByteArray& bytes)
    {
        if (bytes.isEmpty())
            sqlite3_bind_null(m_stmt, i);
        else
            sqlite3_bind_text(m_stmt, i, bytes.constData(), int(bytes.size()), SQLITE_STATIC);
    }
    void bind(int i, qint64 value) { sqlite3_bind_int64(m_stmt, i, value); }
    // Bytes stored as a BLOB (never interpreted as text); an empty array is stored as an empty BLOB.
    void bindBlob(int i, const QByteArray& bytes)
    {
        sqlite3_bind_blob64(m_stmt, i, bytes.isNull() ? "" : bytes.constData(), sqlite3_uint64(bytes.size()),
                            SQLITE_STATIC);
    }

    QString text(int column) const
    {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, column));
        return p ? QString::fromUtf8(p, sqlite3_column_bytes(m_stmt, column)) : QString();
    }
    QByteArray bytes(int column) const
    {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, column));
        return p ? QByteArray(p, sqlite3_column_bytes(m_stmt, column)) : QByteArray();
    }
    qint64 integer(int column) const { return sqlite3_column_int64(m_stmt, column); }
    QByteArray blob(int column) const
    {
        const auto* p = static_cast<const char*>(sqlite3_column_blob(m_stmt, column));
        return p ? QByteArray(p, sqlite3_column_bytes(m_stmt, column)) : QByteArray();
    }

    // Runs the statement to completion; true on success. Rows, if any, are ignored.
    bool run()
    {
        int rc;
        while ((rc = sqlite3_step(m_stmt)) == SQLITE_ROW) {
        }
        sqlite3_reset(m_stmt);
        return rc == SQLITE_DONE;
    }

private:
    sqlite3_stmt* m_stmt = nullptr;
};

bool exec(sqlite3* db, const char* sql, QString* error = nullptr)
{
    char* message = nullptr;
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        if (error)
            *error = message ? QString::fromUtf8(message) : sqliteError(db);
        else
            qWarning("EventLog: %s failed: %s", sql, message ? message : sqlite3_errmsg(db));
    }
    sqlite3_free(message);
    return rc == SQLITE_OK;
}

// After a failure: only when a transaction is open (BEGIN itself may be what failed).
void rollback(sqlite3* db)
{
    if (!sqlite3_get_autocommit(db))
        exec(db, "ROLLBACK");
}

std::optional<qint64> scalar(sqlite3* db, const char* sql)
{
    Statement s(db, QByteArray(sql));
    if (!s)
        return std::nullopt;
    const int rc = sqlite3_step(s.get());
    if (rc == SQLITE_ROW)
        return s.integer(0);
    if (rc == SQLITE_DONE)
        return 0;
    return std::nullopt;
}

// Compact keys: the issues of a million events are stored, and read back only by this file.
QByteArray packIssues(const IssueList& issues)
{
    if (issues.isEmpty())
        return {};
    QJsonArray array;
    for (const Issue& issue : issues) {
        QJsonObject o;
        o.insert(QLatin1String("s"), severityName(issue.severity));
        o.insert(QLatin1String("e"), issue.eventIndex);
        if (!issue.field.isEmpty())
            o.insert(QLatin1String("f"), issue.field);
        o.insert(QLatin1String("c"), issue.code);
        o.insert(QLatin1String("m"), issue.message);
        if (issue.unverifiedMessage)
            o.insert(QLatin1String("u"), true);
        array.append(o);
    }
    return QJsonDocument(array).toJson(QJsonDocument::Compact);
}

IssueList unpackIssues(const QByteArray& json)
{
    IssueList issues;
    if (json.isEmpty())
        return issues;
    const QJsonArray array = QJsonDocument::fromJson(json).array();
    issues.reserve(array.size());
    for (const QJsonValue& value : array) {
        const QJsonObject o = value.toObject();
        Issue issue;
        issue.severity = severityFromName(o.value(QLatin1String("s")).toString()).value_or(Severity::Error);
        issue.eventIndex = o.value(QLatin1String("e")).toInt(-1);
        issue.field = o.value(QLatin1String("f")).toString();
        issue.code = o.value(QLatin1String("c")).toString();
        issue.message = o.value(QLatin1String("m")).toString();
        issue.unverifiedMessage = o.value(QLatin1String("u")).toBool();
        issues.append(issue);
    }
    return issues;
}

// The counters every writer keeps in `meta` (see migration 4), with the high-water marks of ids and request
// rows (each a primary-key look-up, not a scan).
const char kReadCounters[] = "SELECT max(coalesce((SELECT max(id) FROM events), 0),"
                             " coalesce((SELECT value FROM meta WHERE key = 'lastId'), 0)),"
                             " coalesce((SELECT max(rid) FROM requests), 0),"
                             " coalesce((SELECT value FROM meta WHERE key = 'count'), 0),"
                             " coalesce((SELECT value FROM meta WHERE key = 'generation'), 0)";

const char kRecordColumns[] =
    "SELECT e.id, e.received_at, e.source, e.http_status, e.accepted, e.idx, e.event_type, e.event_subtype,"
    " e.event_name, e.index_name, e.user_token, e.auth_token, e.ts, p.issues, p.raw_json, r.request_id,"
    " r.message, r.user_agent, r.device, r.agent, r.origin, r.referer, r.remote_address, r.app_id, r.target,"
    " v.status, v.errors, e.kind, e.query_id, r.method, r.path"
    " FROM events e JOIN payloads p ON p.id = e.id LEFT JOIN requests r ON r.rid = e.rid"
    " LEFT JOIN algolia_verdicts v ON v.id = e.id";

LogRecord readRecord(const Statement& s)
{
    LogRecord r;
    r.id = s.integer(0);
    r.receivedAtMs = s.integer(1);
    const qint64 source = s.integer(2);
    r.source =
        source >= 0 && source <= qint64(EventSource::Imported) ? EventSource(source) : EventSource::Endpoint;
    r.httpStatus = int(s.integer(3));
    r.accepted = s.integer(4) != 0;
    r.indexInRequest = int(s.integer(5));
    r.eventType = s.text(6);
    r.eventSubtype = s.text(7);
    r.eventName = s.text(8);
    r.index = s.text(9);
    r.userToken = s.text(10);
    r.authenticatedUserToken = s.text(11);
    r.timestampMs = s.integer(12);
    r.issues = unpackIssues(s.bytes(13));
    r.rawJson = s.bytes(14);
    r.requestId = s.text(15);
    r.message = s.text(16);
    r.userAgent = s.text(17);
    r.device = s.text(18);
    r.agent = s.text(19);
    r.origin = s.text(20);
    r.referer = s.text(21);
    r.remoteAddress = s.text(22);
    r.appId = s.text(23);
    r.target = s.text(24);
    if (sqlite3_column_type(s.get(), 25) != SQLITE_NULL) {
        r.algoliaStatus = int(s.integer(25));
        for (const QJsonValue& error : QJsonDocument::fromJson(s.bytes(26)).array())
            r.algoliaErrors.append(error.toString());
    }
    const qint64 kind = s.integer(27);
    r.kind = kind >= 0 && kind <= qint64(RecordKind::Request) ? RecordKind(kind) : RecordKind::Event;
    r.queryId = s.text(28);
    r.method = s.text(29);
    r.path = s.text(30);
    return r;
}

// A WHERE clause and its parameters, built from a LogQuery.
struct Filter
{
    QByteArray where; // " WHERE ..." or empty
    bool needsPayload = false;
    QList<QVariant> args; // qint64 or QString

    void bindTo(Statement& s) const
    {
        for (int i = 0; i < args.size(); ++i) {
            const QVariant& v = args.at(i);
            if (v.typeId() == QMetaType::QString)
                s.bind(i + 1, *static_cast<const QString*>(v.constData()));
            else
                s.bind(i + 1, v.toLongLong());
        }
    }
};

QString likePattern(const QString& word)
{
    QString escaped;
    escaped.reserve(word.size() + 2);
    escaped.append(QLatin1Char('%'));
    for (const QChar c : word) {
        if (c == QLatin1Char('%') || c == QLatin1Char('_') || c == QLatin1Char('\\'))
            escaped.append(QLatin1Char('\\'));
        escaped.append(c);
    }
    escaped.append(QLatin1Char('%'));
    return escaped;
}

Filter buildFilter(const LogQuery& q)
{
    Filter f;
    QList<QByteArray> terms;
    auto text = [&](const char* column, const QString& value) {
        if (value.isEmpty())
            return;
        terms.append(QByteArray(column) + " = ?");
        f.args.append(value);
    };
    if (q.accepted) {
        terms.append("e.accepted = ?");
        f.args.append(qint64(*q.accepted ? 1 : 0));
    }
    if (!q.userToken.isEmpty()) {
        terms.append("(e.user_token = ? OR e.auth_token = ?)");
        f.args.append(q.userToken);
        f.args.append(q.userToken);
    }
    text("e.event_type", q.eventType);
    text("e.event_subtype", q.eventSubtype);
    text("e.event_name", q.eventName);
    text("e.index_name", q.index);
    if (q.source) {
        terms.append("e.source = ?");
        f.args.append(qint64(*q.source));
    }
    if (q.kind) {
        terms.append("e.kind = ?");
        f.args.append(qint64(*q.kind));
    }
    text("e.query_id", q.queryId);
    if (q.sinceId > 0) {
        terms.append("e.id > ?");
        f.args.append(q.sinceId);
    }
    if (q.beforeId > 0) {
        terms.append("e.id < ?");
        f.args.append(q.beforeId);
    }
    if (q.httpStatus) {
        terms.append("e.http_status = ?");
        f.args.append(qint64(*q.httpStatus));
    }
    if (q.httpClass) {
        terms.append("e.http_status BETWEEN ? AND ?");
        f.args.append(qint64(*q.httpClass) * 100);
        f.args.append(qint64(*q.httpClass) * 100 + 99);
    }
    if (q.hasErrors)
        terms.append(*q.hasErrors ? "e.errors > 0" : "e.errors = 0");
    if (q.hasWarnings)
        terms.append(*q.hasWarnings ? "e.warnings > 0" : "e.warnings = 0");
    if (!q.requestId.isEmpty()) {
        terms.append("e.rid IN (SELECT rid FROM requests WHERE request_id = ?)");
        f.args.append(q.requestId);
    }
    for (const QString& word : q.freeText) {
        if (word.isEmpty())
            continue;
        f.needsPayload = true;
        terms.append("p.raw_json LIKE ? ESCAPE '\\'");
        f.args.append(likePattern(word));
    }
    if (!terms.isEmpty())
        f.where = " WHERE " + terms.join(" AND ");
    return f;
}

QByteArray orderAndLimit(const LogQuery& q)
{
    QByteArray sql = q.newestFirst ? " ORDER BY e.id DESC" : " ORDER BY e.id";
    if (q.limit > 0)
        sql += " LIMIT " + QByteArray::number(q.limit);
    return sql;
}

// A read connection, shared between the thread that uses it and the log that opened it: whichever ends first
// closes it (a thread's exit closes its connections; a log's destruction closes all of its own).
struct ReaderConnection
{
    std::mutex mutex;
    sqlite3* db = nullptr; // null once closed
    void close()
    {
        std::lock_guard lock(mutex);
        if (db)
            sqlite3_close(db);
        db = nullptr;
    }
};
using ReaderHandle = std::shared_ptr<ReaderConnection>;

// This thread's read connections, one per log (keyed by a serial that is never reused, unlike addresses).
struct ThreadReaders
{
    std::unordered_map<quint64, ReaderHandle> byLog;
    ~ThreadReaders()
    {
        for (auto& entry : byLog)
            entry.second->close();
    }
};
thread_local ThreadReaders t_readers;
std::atomic<quint64> g_nextLogSerial{1};

} // namespace

struct EventLog::Private
{
    // A unit of work for the writer thread: appended records with their callback, or an operation that
    // runs alone (remove, retention, flush marker).
    struct Job
    {
        QList<LogRecord> records;
        CommitCallback done;
        std::function<void()> operation;
    };

    EventLog* q = nullptr;
    QString path;
    std::atomic<qint64> retention{1'000'000};
    std::atomic<qint64> committedCount{0};
    std::atomic<qint64> committedLastId{0};

    // Writer side: only the writer thread touches these once it runs.
    sqlite3* writer = nullptr;
    Statement insertRequest;
    Statement insertEvent;
    Statement insertPayload;
    Statement insertRawRequest;
    Statement readCounters;
    Statement saveCounters;

    std::mutex queueMutex;
    std::condition_variable queueChanged;
    std::deque<Job> queue;
    bool stopping = false;
    std::thread writerThread;

    // The watch thread and its connection, opened with the log: it notices commits by other processes
    // (PRAGMA data_version, then the shared counters) and checkpoints the WAL. Checkpoints run there, not in
    // a commit (SQLite's default auto-checkpoint), because a checkpoint syncs the database file and held
    // every acknowledgement back by milliseconds. The connection reads the database at once: a connection
    // that never read it has no WAL open, and its checkpoints did nothing.
    sqlite3* watcher = nullptr;
    QString walPath; // path + "-wal"
    // Set while the watch thread runs a TRUNCATE checkpoint: the writer waits instead of starting its next
    // transaction, or back-to-back transactions would keep the checkpoint out for good.
    std::atomic<bool> checkpointPending{false};
    std::mutex walMutex;
    std::condition_variable checkpointDone;
    std::thread checkpointThread;
    std::mutex checkpointMutex;
    std::condition_variable checkpointWake;
    bool checkpointStopping = false;

    // Coalesced announcements.
    QMutex announceMutex;
    qint64 pendingFirst = 0;
    qint64 pendingLast = 0;
    bool announceScheduled = false;
    QTimer* announceTimer = nullptr;

    // One read connection per thread that reads, closed with the log.
    const quint64 serial = g_nextLogSerial++;
    QMutex readersMutex;
    std::vector<ReaderHandle> readers;
    QThreadPool asyncPool;

    ~Private();
    QString openWriter();
    void prepareWriter();
    void writerLoop();
    void checkpointLoop();
    void boundWal();
    void yieldWhileWalIsOverBound();
    struct Counters
    {
        qint64 lastId = 0;  // the ids' high-water mark, over every process
        qint64 lastRid = 0; // the newest request row
        qint64 count = 0;   // records in the log
        // Changes with every writing transaction of any process: newer counters replace older ones, never
        // the reverse, whichever connection read them.
        qint64 generation = 0;
    };
    std::mutex countersMutex;
    Counters known; // the newest counters seen, by the writer or the watcher (under countersMutex)
    std::optional<Counters> countersInTransaction();
    bool saveCountersInTransaction(const Counters& counters);
    // Makes count()/lastId() follow `counters` if they are newer than those known, and announces what
    // changed: appended ids, removed records (whichever process wrote them).
    void publish(const Counters& counters, bool announce = true);
    QString openWatcher();
    void watchForOtherWriters(Statement& dataVersion, Statement& counters, qint64& lastDataVersion);
    void commitAppends(std::deque<Job>& jobs);
    void trim(qint64 keep);
    qint64 removeNow(const std::optional<QString>& userToken, bool record);
    void attachVerdictsNow(const QList<AlgoliaVerdictUpdate>& updates);
    void enqueue(Job job);
    template <typename Result>
    Result runOnWriter(std::function<Result()> work);
    void announceAppended(qint64 first, qint64 last);
    void announceRemoved();
    sqlite3* reader();
    template <typename Result>
    void runAsync(QObject* context, std::function<Result()> work, std::function<void(Result)> done);
};

EventLog::Private::~Private()
{
    for (const ReaderHandle& reader : readers)
        reader->close();
    insertRequest = Statement();
    insertEvent = Statement();
    insertPayload = Statement();
    insertRawRequest = Statement();
    readCounters = Statement();
    saveCounters = Statement();
    if (writer)
        sqlite3_close(writer);
    if (watcher)
        sqlite3_close(watcher);
}

QString EventLog::Private::openWriter()
{
    const QFileInfo info(path);
    const QString folder = info.absolutePath();
    if (!QDir().mkpath(folder))
        return QStringLiteral("Cannot create the folder %1 for the event log.")
            .arg(QDir::toNativeSeparators(folder));
    if (info.isDir())
        return QStringLiteral("The event log path %1 is a folder, not a file.")
            .arg(QDir::toNativeSeparators(path));

    const QByteArray file = QFile::encodeName(path);
    if (sqlite3_open_v2(file.constData(), &writer,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
        return QStringLiteral("Cannot open the event log %1: %2.")
            .arg(QDir::toNativeSeparators(path), sqliteError(writer));
    }
    sqlite3_busy_timeout(writer, kBusyTimeoutMs);
    // SQLite falls back to read-only for a file it may not write; appends would then fail one by one.
    if (sqlite3_db_readonly(writer, "main") == 1)
        return QStringLiteral("The event log %1 cannot be written (check its permissions).")
            .arg(QDir::toNativeSeparators(path));

    // The first read of the header tells a database from any other file.
    const std::optional<qint64> version = scalar(writer, "PRAGMA user_version");
    const std::optional<qint64> tables = scalar(writer, "SELECT count(*) FROM sqlite_master");
    if (!version || !tables) {
        return QStringLiteral("%1 is not an event log database (%2).")
            .arg(QDir::toNativeSeparators(path), sqliteError(writer));
    }
    if (*version > kSchemaVersion) {
        return QStringLiteral(
                   "The event log %1 was written by a newer version of this application (schema %2; "
                   "this version knows up to %3). Use the newer version, or another data folder.")
            .arg(QDir::toNativeSeparators(path))
            .arg(*version)
            .arg(kSchemaVersion);
    }
    if (*version == 0 && *tables > 0) {
        return QStringLiteral("%1 is an SQLite database but not an event log; refusing to change it.")
            .arg(QDir::toNativeSeparators(path));
    }

    // A new file gets 8 KiB pages (measured: about 10% less CPU per inserted record than 4 KiB). The size is
    // fixed once WAL is on, so existing files keep theirs.
    if (*version == 0)
        exec(writer, "PRAGMA page_size=8192");
    // WAL + synchronous=NORMAL: a commit is durable against a process crash (the WAL is written before
    // commit returns); only an OS crash or power loss may lose the last transactions.
    {
        Statement wal(writer, "PRAGMA journal_mode=WAL");
        if (!wal || sqlite3_step(wal.get()) != SQLITE_ROW ||
            wal.text(0).compare(QLatin1String("wal"), Qt::CaseInsensitive) != 0) {
            return QStringLiteral("Cannot use write-ahead logging for the event log %1: %2.")
                .arg(QDir::toNativeSeparators(path), sqliteError(writer));
        }
    }
    QString error;
    if (!exec(writer,
              "PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16000;"
              " PRAGMA journal_size_limit=67108864",
              &error))
        return QStringLiteral("Cannot configure the event log %1: %2.")
            .arg(QDir::toNativeSeparators(path), error);

    for (const Migration& migration : kMigrations) {
        if (migration.version <= *version)
            continue;
        // Another process opening the same file at the same time may have applied it already: the version
        // is read again under the write lock.
        bool ok = exec(writer, "BEGIN IMMEDIATE", &error);
        const std::optional<qint64> current = ok ? scalar(writer, "PRAGMA user_version") : std::nullopt;
        if (ok && !current) {
            error = sqliteError(writer);
            ok = false;
        }
        if (ok && *current < migration.version) {
            const QByteArray sql =
                migration.sql + QByteArray(";PRAGMA user_version=") + QByteArray::number(migration.version);
            ok = exec(writer, sql.constData(), &error);
        }
        ok = ok && exec(writer, "COMMIT", &error);
        if (!ok) {
            rollback(writer);
            return QStringLiteral("Cannot upgrade the event log %1 to schema %2: %3.")
                .arg(QDir::toNativeSeparators(path))
                .arg(migration.version)
                .arg(error);
        }
    }

    prepareWriter();
    if (!insertRequest || !insertEvent || !insertPayload || !insertRawRequest || !readCounters ||
        !saveCounters)
        return QStringLiteral("Cannot prepare the event log %1: %2.")
            .arg(QDir::toNativeSeparators(path), sqliteError(writer));

    if (!exec(writer, "BEGIN", &error))
        return QStringLiteral("Cannot read the event log %1: %2.").arg(QDir::toNativeSeparators(path), error);
    const std::optional<Counters> counters = countersInTransaction();
    error = sqliteError(writer);
    rollback(writer);
    if (!counters)
        return QStringLiteral("Cannot read the event log %1: %2.").arg(QDir::toNativeSeparators(path), error);
    publish(*counters, false);
    return openWatcher();
}

void EventLog::Private::prepareWriter()
{
    insertRequest =
        Statement(writer, "INSERT INTO requests(rid, request_id, message, user_agent, device, agent,"
                          " origin, referer, remote_address, app_id, target, method, path)"
                          " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insertEvent =
        Statement(writer, "INSERT INTO events(id, rid, received_at, source, http_status, accepted, idx,"
                          " errors, warnings, event_type, event_subtype, event_name, index_name,"
                          " user_token, auth_token, ts, kind, query_id)"
                          " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insertPayload = Statement(writer, "INSERT INTO payloads(id, issues, raw_json) VALUES(?, ?, ?)");
    insertRawRequest = Statement(writer, "INSERT INTO raw_requests(rid, method, target, headers, body,"
                                         " body_truncated) VALUES(?, ?, ?, ?, ?, ?)");
    // Ids come from the database, read inside the writing transaction (which holds the file's write lock,
    // so no other process can take the same ones): never reused, even after everything was removed, because
    // the high-water mark is kept in `meta`. Each is a primary-key look-up, not a scan.
    readCounters = Statement(writer, kReadCounters);
    saveCounters = Statement(writer, "INSERT OR REPLACE INTO meta(key, value)"
                                     " VALUES('lastId', ?), ('count', ?), ('generation', ?)");
}

std::optional<EventLog::Private::Counters> EventLog::Private::countersInTransaction()
{
    Statement& s = readCounters;
    if (sqlite3_step(s.get()) != SQLITE_ROW) {
        sqlite3_reset(s.get());
        return std::nullopt;
    }
    Counters counters{s.integer(0), s.integer(1), s.integer(2), s.integer(3)};
    sqlite3_reset(s.get());
    return counters;
}

bool EventLog::Private::saveCountersInTransaction(const Counters& counters)
{
    saveCounters.bind(1, counters.lastId);
    saveCounters.bind(2, counters.count);
    saveCounters.bind(3, counters.generation);
    return saveCounters.run();
}

void EventLog::Private::publish(const Counters& counters, bool announce)
{
    std::lock_guard lock(countersMutex);
    if (announce && counters.generation <= known.generation)
        return; // an older snapshot than one already published
    const Counters before = known;
    known = counters;
    committedLastId = counters.lastId;
    committedCount = counters.count;
    if (!announce)
        return;
    if (counters.lastId > before.lastId)
        announceAppended(before.lastId + 1, counters.lastId);
    // Fewer records than the appended ids explain: some were removed (trimmed, deleted, by any process).
    if (counters.count < before.count + (counters.lastId - before.lastId))
        announceRemoved();
}

QString EventLog::Private::openWatcher()
{
    const QByteArray file = QFile::encodeName(path);
    if (sqlite3_open_v2(file.constData(), &watcher, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
        SQLITE_OK)
        return QStringLiteral("Cannot open the event log %1 a second time: %2.")
            .arg(QDir::toNativeSeparators(path), sqliteError(watcher));
    // Its busy wait polls every millisecond (SQLite's default backs off to 100 ms): the writer pauses while
    // this connection waits for the write lock to checkpoint, so the wait should end as soon as it can.
    sqlite3_busy_handler(
        watcher,
        [](void*, int attempts) -> int {
            if (attempts >= kBusyTimeoutMs)
                return 0;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            return 1;
        },
        nullptr);
    // Its first read, here: the WAL and shared memory are open from now on (checkpoints work at once, and
    // the files this log holds open do not change later).
    if (!scalar(watcher, "PRAGMA data_version"))
        return QStringLiteral("Cannot read the event log %1: %2.")
            .arg(QDir::toNativeSeparators(path), sqliteError(watcher));
    return {};
}

void EventLog::Private::watchForOtherWriters(Statement& dataVersion, Statement& counters,
                                             qint64& lastDataVersion)
{
    // data_version changes when another connection (this process's writer or another process) commits; it
    // costs a look at the shared memory, no read of the file.
    if (!dataVersion || sqlite3_step(dataVersion.get()) != SQLITE_ROW) {
        sqlite3_reset(dataVersion.get());
        return;
    }
    const qint64 version = dataVersion.integer(0);
    sqlite3_reset(dataVersion.get());
    if (version == lastDataVersion)
        return;
    lastDataVersion = version;
    if (!counters || sqlite3_step(counters.get()) != SQLITE_ROW) {
        sqlite3_reset(counters.get());
        return;
    }
    const Counters seen{counters.integer(0), counters.integer(1), counters.integer(2), counters.integer(3)};
    sqlite3_reset(counters.get()); // ends the read transaction: a held snapshot would stall checkpoints
    publish(seen);
}

void EventLog::Private::enqueue(Job job)
{
    {
        std::lock_guard lock(queueMutex);
        queue.push_back(std::move(job));
    }
    queueChanged.notify_one();
}

template <typename Result>
Result EventLog::Private::runOnWriter(std::function<Result()> work)
{
    if (std::this_thread::get_id() == writerThread.get_id()) {
        qWarning("EventLog: a blocking write was called on the writer thread; running it inline");
        return work();
    }
    std::promise<Result> promise;
    std::future<Result> future = promise.get_future();
    enqueue(Job{{}, {}, [&promise, &work] { promise.set_value(work()); }});
    return future.get();
}

void EventLog::Private::checkpointLoop()
{
    // From now on the writer never checkpoints by itself (queued, so it applies between transactions).
    enqueue(Job{{}, {}, [this] { exec(writer, "PRAGMA wal_autocheckpoint=0"); }});
    Statement dataVersion(watcher, "PRAGMA data_version");
    Statement counters(watcher, kReadCounters);
    qint64 lastDataVersion = -1;
    std::unique_lock lock(checkpointMutex);
    while (!checkpointStopping) {
        checkpointWake.wait_for(lock, std::chrono::milliseconds(kWatchIntervalMs),
                                [this] { return checkpointStopping; });
        lock.unlock();
        watchForOtherWriters(dataVersion, counters, lastDataVersion);
        boundWal();
        lock.lock();
    }
}

void EventLog::Private::boundWal()
{
    // PASSIVE never waits for the writer or readers; what it cannot copy now it copies next time. Under
    // continuous writes it never reaches the end of the WAL, so the WAL is never restarted and only grows.
    sqlite3_wal_checkpoint_v2(watcher, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    if (QFileInfo(walPath).size() <= kWalTruncateAtBytes)
        return;
    // TRUNCATE waits for the transaction in progress and for readers of older snapshots, holds writers back
    // while it copies the rest, then empties the file: a pause of tens of milliseconds every few seconds at
    // full rate, against a WAL that grows without bound.
    checkpointPending = true;
    const int rc = sqlite3_wal_checkpoint_v2(watcher, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        qWarning("EventLog: checkpoint failed: %s", sqlite3_errmsg(watcher));
    {
        std::lock_guard lock(walMutex);
        checkpointPending = false;
    }
    checkpointDone.notify_all();
}

void EventLog::Private::yieldWhileWalIsOverBound()
{
    // At most a second: a reader holding an old snapshot can keep the checkpoint out, and a late
    // acknowledgement is better than none (the next checkpoint catches up).
    if (!checkpointPending)
        return;
    std::unique_lock lock(walMutex);
    checkpointDone.wait_for(lock, std::chrono::seconds(1), [this] { return !checkpointPending; });
}

void EventLog::Private::writerLoop()
{
    for (;;) {
        std::deque<Job> jobs;
        {
            std::unique_lock lock(queueMutex);
            queueChanged.wait(lock, [this] { return stopping || !queue.empty(); });
            if (queue.empty())
                return; // stopping, and everything queued before was written
            // Group commit: take every queued append (up to a bound) into one transaction.
            qint64 rows = 0;
            while (!queue.empty()) {
                Job& next = queue.front();
                if (next.operation) {
                    // An operation runs alone, in queue order, so it sees every append made before it.
                    if (jobs.empty()) {
                        jobs.push_back(std::move(next));
                        queue.pop_front();
                    }
                    break;
                }
                if (!jobs.empty() && rows + next.records.size() > kMaxRowsPerTransaction)
                    break;
                rows += next.records.size();
                jobs.push_back(std::move(next));
                queue.pop_front();
            }
        }
        if (jobs.front().operation)
            jobs.front().operation();
        else
            commitAppends(jobs);
    }
}

void EventLog::Private::commitAppends(std::deque<Job>& jobs)
{
    yieldWhileWalIsOverBound();
    bool ok = exec(writer, "BEGIN IMMEDIATE");
    std::optional<Counters> counters = ok ? countersInTransaction() : std::nullopt;
    ok = ok && counters;
    const qint64 firstOfAll = ok ? counters->lastId + 1 : 0;
    qint64 id = firstOfAll;
    qint64 rid = ok ? counters->lastRid + 1 : 0;
    std::vector<std::pair<qint64, qint64>> ranges;
    ranges.reserve(jobs.size());

    for (const Job& job : jobs) {
        const qint64 jobFirst = id;
        const LogRecord* previous = nullptr;
        for (const LogRecord& r : job.records) {
            if (!ok)
                break;
            // The facts of one request are stored once, shared by its consecutive events.
            const bool sameRequest =
                previous && previous->requestId == r.requestId && previous->rawRequest == r.rawRequest &&
                previous->message == r.message && previous->userAgent == r.userAgent &&
                previous->device == r.device && previous->agent == r.agent && previous->origin == r.origin &&
                previous->referer == r.referer && previous->remoteAddress == r.remoteAddress &&
                previous->appId == r.appId && previous->target == r.target && previous->method == r.method &&
                previous->path == r.path;
            if (!sameRequest) {
                Statement& s = insertRequest;
                s.bind(1, rid++);
                s.bind(2, r.requestId);
                s.bind(3, r.message);
                s.bind(4, r.userAgent);
                s.bind(5, r.device);
                s.bind(6, r.agent);
                s.bind(7, r.origin);
                s.bind(8, r.referer);
                s.bind(9, r.remoteAddress);
                s.bind(10, r.appId);
                s.bind(11, r.target);
                s.bind(12, r.method);
                s.bind(13, r.path);
                ok = s.run();
                if (ok && r.rawRequest) {
                    const RawRequest& raw = *r.rawRequest;
                    Statement& w = insertRawRequest;
                    w.bind(1, rid - 1);
                    w.bindBlob(2, raw.method);
                    w.bindBlob(3, raw.target);
                    w.bindBlob(4, raw.headers);
                    w.bindBlob(5, raw.body);
                    w.bind(6, qint64(raw.bodyTruncated ? 1 : 0));
                    ok = w.run();
                }
            }
            previous = &r;
            qint64 errors = 0;
            qint64 warnings = 0;
            for (const Issue& issue : r.issues) {
                errors += issue.severity == Severity::Error;
                warnings += issue.severity == Severity::Warning;
            }
            Statement& e = insertEvent;
            e.bind(1, id);
            e.bind(2, rid - 1);
            e.bind(3, r.receivedAtMs);
            e.bind(4, qint64(r.source));
            e.bind(5, qint64(r.httpStatus));
            e.bind(6, qint64(r.accepted ? 1 : 0));
            e.bind(7, qint64(r.indexInRequest));
            e.bind(8, errors);
            e.bind(9, warnings);
            e.bind(10, r.eventType);
            e.bind(11, r.eventSubtype);
            e.bind(12, r.eventName);
            e.bind(13, r.index);
            e.bind(14, r.userToken);
            e.bind(15, r.authenticatedUserToken);
            e.bind(16, r.timestampMs);
            e.bind(17, qint64(r.kind));
            e.bind(18, r.queryId);
            ok = ok && e.run();
            const QByteArray issues = packIssues(r.issues);
            Statement& p = insertPayload;
            p.bind(1, id);
            p.bind(2, issues);
            p.bind(3, r.rawJson);
            ok = ok && p.run();
            ++id;
        }
        ranges.emplace_back(jobFirst, id - 1);
    }
    const qint64 added = id - firstOfAll;
    if (ok) {
        counters->lastId = id - 1;
        counters->lastRid = rid - 1;
        counters->count += added;
        ++counters->generation;
        ok = saveCountersInTransaction(*counters) && exec(writer, "COMMIT");
    }
    if (!ok) {
        const QString error = sqliteError(writer);
        qWarning("EventLog: append failed: %s", qPrintable(error));
        rollback(writer);
        for (const Job& job : jobs) {
            if (job.done)
                job.done(false, 0, 0, error);
        }
        return;
    }
    publish(*counters);

    for (std::size_t i = 0; i < jobs.size(); ++i) {
        if (jobs[i].done)
            jobs[i].done(true, ranges[i].first, ranges[i].second, QString());
    }

    // Trim in batches: deleting a run of the oldest rows costs about the same for 1 or 10,000 rows.
    const qint64 keep = retention;
    const qint64 slack = std::clamp<qint64>(keep / 100, 0, 10'000);
    if (committedCount > keep + slack)
        trim(keep);
}

void EventLog::Private::trim(qint64 keep)
{
    if (committedCount <= keep)
        return;
    bool ok = exec(writer, "BEGIN IMMEDIATE");
    // The count in the file, which other processes may have changed since this one last wrote.
    std::optional<Counters> counters = ok ? countersInTransaction() : std::nullopt;
    ok = ok && counters;
    qint64 removed = 0;
    if (ok && counters->count <= keep) {
        // nothing to trim (another process did it)
    } else if (ok && keep <= 0) {
        ok = exec(writer, "DELETE FROM events");
        removed = sqlite3_changes64(writer);
        ok = ok && exec(writer, "DELETE FROM payloads; DELETE FROM requests; DELETE FROM raw_requests;"
                                " DELETE FROM algolia_verdicts");
    } else if (ok) {
        // The oldest kept row, found by stepping over the rows to drop from the old end (a few thousand)
        // rather than over the ones kept (up to millions). Rows below it go from every table.
        Statement cutoff(writer, "SELECT id FROM events ORDER BY id LIMIT 1 OFFSET ?");
        cutoff.bind(1, counters->count - keep);
        const qint64 firstKept = sqlite3_step(cutoff.get()) == SQLITE_ROW ? cutoff.integer(0) : 0;
        if (firstKept > 0) {
            Statement events(writer, "DELETE FROM events WHERE id < ?");
            events.bind(1, firstKept);
            ok = events.run();
            removed = sqlite3_changes64(writer);
            Statement payloads(writer, "DELETE FROM payloads WHERE id < ?");
            payloads.bind(1, firstKept);
            ok = ok && payloads.run();
            Statement verdicts(writer, "DELETE FROM algolia_verdicts WHERE id < ?");
            verdicts.bind(1, firstKept);
            ok = ok && verdicts.run();
            // Request rows grow with event ids, so the first kept event's request bounds the old ones.
            ok = ok &&
                 exec(writer,
                      "DELETE FROM requests WHERE rid < (SELECT rid FROM events ORDER BY id LIMIT 1);"
                      "DELETE FROM raw_requests WHERE rid < (SELECT rid FROM events ORDER BY id LIMIT 1)");
        }
    }
    if (ok) {
        counters->count -= removed;
        ++counters->generation;
        ok = saveCountersInTransaction(*counters) && exec(writer, "COMMIT");
    }
    if (!ok) {
        qWarning("EventLog: trimming to %lld records failed: %s", static_cast<long long>(keep),
                 sqlite3_errmsg(writer));
        rollback(writer);
        return;
    }
    publish(*counters);
}

qint64 EventLog::Private::removeNow(const std::optional<QString>& userToken, bool record)
{
    bool ok = exec(writer, "BEGIN IMMEDIATE");
    std::optional<Counters> counters = ok ? countersInTransaction() : std::nullopt;
    ok = ok && counters;
    qint64 removed = 0;
    if (ok && !userToken) {
        ok = exec(writer, "DELETE FROM events");
        removed = sqlite3_changes64(writer);
        ok = ok && exec(writer, "DELETE FROM payloads; DELETE FROM requests; DELETE FROM raw_requests;"
                                " DELETE FROM algolia_verdicts");
    } else if (ok) {
        Statement payloads(writer, "DELETE FROM payloads WHERE id IN"
                                   " (SELECT id FROM events WHERE user_token = ?1 OR auth_token = ?1)");
        payloads.bind(1, *userToken);
        ok = payloads.run();
        Statement verdicts(writer, "DELETE FROM algolia_verdicts WHERE id IN"
                                   " (SELECT id FROM events WHERE user_token = ?1 OR auth_token = ?1)");
        verdicts.bind(1, *userToken);
        ok = ok && verdicts.run();
        Statement events(writer, "DELETE FROM events WHERE user_token = ?1 OR auth_token = ?1");
        events.bind(1, *userToken);
        ok = ok && events.run();
        removed = sqlite3_changes64(writer);
        if (ok && record) {
            Statement deletion(writer, "INSERT INTO deletions(user_token, deleted_at) VALUES(?, ?)");
            deletion.bind(1, *userToken);
            deletion.bind(2, QDateTime::currentMSecsSinceEpoch());
            ok = deletion.run();
        }
    }
    if (ok) {
        counters->count -= removed;
        ++counters->generation;
        ok = saveCountersInTransaction(*counters) && exec(writer, "COMMIT");
    }
    if (!ok) {
        qWarning("EventLog: remove failed: %s", sqlite3_errmsg(writer));
        rollback(writer);
        return 0;
    }
    publish(*counters);
    return removed;
}

void EventLog::Private::attachVerdictsNow(const QList<AlgoliaVerdictUpdate>& updates)
{
    // What is wanted: (request id, position) -> the update (the last one wins for a repeated event).
    QHash<QString, QHash<int, const AlgoliaVerdictUpdate*>> wanted;
    for (const AlgoliaVerdictUpdate& update : updates) {
        if (!update.requestId.isEmpty())
            wanted[update.requestId].insert(update.indexInRequest, &update);
    }
    if (wanted.isEmpty())
        return;

    // One look-up for every update. There is no index on request ids (it would cost the insert path), so:
    // the request rows of these ids, walking `requests` back from the newest (verdicts come for recent
    // sends) until each id is found once, as each request is logged once. The ids are compared here, not
    // with an SQL IN list, which SQLite tested value by value (measured on 1M one-event requests: 200 ms
    // for 1,000 ids among the newest 5,000, against 5 ms here). Only an id no longer in the log makes the
    // walk read every row (110 ms there).
    QSet<QByteArray> remaining;
    for (auto it = wanted.cbegin(); it != wanted.cend(); ++it)
        remaining.insert(it.key().toUtf8());
    QHash<qint64, QString> requestOfRow;
    qint64 oldestRow = std::numeric_limits<qint64>::max();
    {
        Statement requestRows(writer, "SELECT rid, request_id FROM requests ORDER BY rid DESC");
        while (requestRows && !remaining.isEmpty() && sqlite3_step(requestRows.get()) == SQLITE_ROW) {
            const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(requestRows.get(), 1));
            if (!text)
                continue;
            // Borrows SQLite's buffer for the look-up; only a match is copied.
            const QByteArray id = QByteArray::fromRawData(text, sqlite3_column_bytes(requestRows.get(), 1));
            if (!remaining.remove(id))
                continue;
            const qint64 rid = requestRows.integer(0);
            requestOfRow.insert(rid, QString::fromUtf8(id));
            oldestRow = std::min(oldestRow, rid);
        }
    }
    if (requestOfRow.isEmpty())
        return; // none of these requests is (still) in the log

    // ... then their events, walking back from the newest: request rows are numbered in event order, so the
    // walk stops at the first event older than the oldest matching request. Verdicts come for recent
    // sends, so this reads the tail of the log, not all of it.
    QList<std::pair<qint64, const AlgoliaVerdictUpdate*>> matches;
    {
        Statement events(writer, "SELECT id, rid, idx FROM events ORDER BY id DESC");
        while (events && sqlite3_step(events.get()) == SQLITE_ROW) {
            const qint64 rid = events.integer(1);
            if (rid < oldestRow)
                break;
            const auto request = requestOfRow.constFind(rid);
            if (request == requestOfRow.cend())
                continue;
            if (const AlgoliaVerdictUpdate* update = wanted.value(*request).value(int(events.integer(2))))
                matches.append({events.integer(0), update});
        }
    }
    if (matches.isEmpty())
        return;

    bool ok = exec(writer, "BEGIN IMMEDIATE");
    Statement insert(writer, "INSERT OR REPLACE INTO algolia_verdicts(id, status, errors) VALUES(?, ?, ?)");
    ok = ok && insert;
    QList<qint64> ids;
    ids.reserve(matches.size());
    for (const auto& [id, update] : matches) {
        if (!ok)
            break;
        QJsonArray errors;
        for (const QString& error : update->errors)
            errors.append(error);
        const QByteArray errorsJson = QJsonDocument(errors).toJson(QJsonDocument::Compact);
        insert.bind(1, id);
        insert.bind(2, qint64(update->status));
        insert.bind(3, errorsJson);
        ok = insert.run();
        ids.append(id);
    }
    ok = ok && exec(writer, "COMMIT");
    if (!ok) {
        qWarning("EventLog: attaching Algolia's verdicts failed: %s", sqlite3_errmsg(writer));
        rollback(writer);
        return;
    }
    std::sort(ids.begin(), ids.end());
    QMetaObject::invokeMethod(
        q, [this, ids] { Q_EMIT q->recordsChanged(ids); }, Qt::QueuedConnection);
}

void EventLog::Private::announceAppended(qint64 first, qint64 last)
{
    QMutexLocker lock(&announceMutex);
    if (pendingFirst == 0)
        pendingFirst = first;
    pendingLast = last;
    if (announceScheduled)
        return;
    announceScheduled = true;
    QMetaObject::invokeMethod(
        q, [this] { announceTimer->start(); }, Qt::QueuedConnection);
}

void EventLog::Private::announceRemoved()
{
    QMetaObject::invokeMethod(
        q, [this] { Q_EMIT q->recordsRemoved(); }, Qt::QueuedConnection);
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

template <typename Result>
void EventLog::Private::runAsync(QObject* context, std::function<Result()> work,
                                 std::function<void(Result)> done)
{
    QPointer<QObject> guard(context);
    asyncPool.start([this, guard, work = std::move(work), done = std::move(done)]() mutable {
        Result result = work();
        QMetaObject::invokeMethod(
            q,
            [guard, done = std::move(done), result = std::move(result)]() mutable {
                if (guard && done)
                    done(std::move(result));
            },
            Qt::QueuedConnection);
    });
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
        d->enqueue(Private::Job{{}, {}, [d] { d->trim(d->retention); }});
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
    d->enqueue(Private::Job{std::move(records), std::move(done), {}});
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
    Statement s(db, kRecordColumns + filter.where + orderAndLimit(query));
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
    const QByteArray from =
        filter.needsPayload ? " FROM events e JOIN payloads p ON p.id = e.id" : " FROM events e";
    Statement s(db, "SELECT e.id" + from + filter.where + orderAndLimit(query));
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
    Statement s(db, kRecordColumns + QByteArray(" WHERE e.id = ?"));
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
    const QByteArray from =
        filter.needsPayload ? " FROM events e JOIN payloads p ON p.id = e.id" : " FROM events e";
    Statement s(db, "SELECT count(*)" + from + filter.where);
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
    d->enqueue(Private::Job{{}, {}, [this, userToken, guard, done = std::move(done)] {
                                const qint64 removed = d->removeNow(userToken, false);
                                QMetaObject::invokeMethod(
                                    this,
                                    [guard, done, removed] {
                                        if (guard && done)
                                            done(removed);
                                    },
                                    Qt::QueuedConnection);
                            }});
}

void EventLog::attachAlgoliaVerdicts(QList<AlgoliaVerdictUpdate> updates)
{
    if (updates.isEmpty())
        return;
    d->enqueue(Private::Job{{}, {}, [this, updates = std::move(updates)] { d->attachVerdictsNow(updates); }});
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
    d->enqueue(Private::Job{{}, {}, [this] { d->trim(d->retention); }});
}
