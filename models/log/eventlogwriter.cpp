// The event log's writer half: the writer thread (group commits, retention, removals, Algolia's verdicts)
// and the watch thread (other processes' commits, WAL checkpoints). See eventlogprivate.h.
#include "log/eventlogprivate.h"
#include "log/logquerybuilder.h"
#include "log/logschema.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>

#include <algorithm>
#include <chrono>
#include <limits>
#include <utility>

using namespace EventLogDb;
using namespace LogQueryBuilder;

namespace {

// The counters every writer keeps in `meta` (see migration 4), with the high-water marks of ids and request
// rows (each a primary-key look-up, not a scan).
const char kReadCounters[] = "SELECT max(coalesce((SELECT max(id) FROM events), 0),"
                             " coalesce((SELECT value FROM meta WHERE key = 'lastId'), 0)),"
                             " coalesce((SELECT max(rid) FROM requests), 0),"
                             " coalesce((SELECT value FROM meta WHERE key = 'count'), 0),"
                             " coalesce((SELECT value FROM meta WHERE key = 'generation'), 0)";

} // namespace

EventLog::Private::~Private()
{
    for (const ReaderHandle& reader : readers)
        reader->close();
    insertRequest = Statement();
    insertEvent = Statement();
    insertRawRequest = Statement();
    readCounters = Statement();
    saveCounters = Statement();
    trimStatements = {};
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
    if (*version > LogSchema::kVersion) {
        return QStringLiteral(
                   "The event log %1 was written by a newer version of this application (schema %2; "
                   "this version knows up to %3). Use the newer version, or another data folder.")
            .arg(QDir::toNativeSeparators(path))
            .arg(*version)
            .arg(LogSchema::kVersion);
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

    error = LogSchema::upgrade(writer, *version);
    if (!error.isEmpty())
        return QStringLiteral("Cannot upgrade the event log %1 %2.")
            .arg(QDir::toNativeSeparators(path), error);

    prepareWriter();
    if (!insertRequest || !insertEvent || !insertRawRequest || !readCounters || !saveCounters ||
        !trimStatements.cutoff || !trimStatements.events || !trimStatements.verdicts ||
        !trimStatements.requests || !trimStatements.rawRequests)
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
    // The text columns come from RecordBatch's lists, bound in their order after the fixed parameters.
    QByteArray requestColumns;
    QByteArray requestValues;
    for (const RequestColumn& column : kRequestColumns) {
        requestColumns += QByteArray(", ") + column.sqlName;
        requestValues += ", ?";
    }
    insertRequest =
        Statement(writer, "INSERT INTO requests(rid" + requestColumns + ") VALUES(?" + requestValues + ")");
    QByteArray eventColumns;
    QByteArray eventValues;
    for (const EventColumn& column : kEventColumns) {
        eventColumns += QByteArray(", ") + column.sqlName;
        eventValues += ", ?";
    }
    insertEvent = Statement(
        writer, "INSERT INTO events(id, rid, received_at, source, http_status, accepted, idx,"
                " errors, warnings, ts, kind, issues, raw_json" +
                    eventColumns + ") VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?" + eventValues + ")");
    insertRawRequest = Statement(writer, "INSERT INTO raw_requests(rid, method, target, headers, body,"
                                         " body_truncated) VALUES(?, ?, ?, ?, ?, ?)");
    // Ids come from the database, read inside the writing transaction (which holds the file's write lock,
    // so no other process can take the same ones): never reused, even after everything was removed, because
    // the high-water mark is kept in `meta`. Each is a primary-key look-up, not a scan.
    readCounters = Statement(writer, kReadCounters);
    trimStatements.cutoff = Statement(writer, "SELECT id FROM events ORDER BY id LIMIT 1 OFFSET ?");
    trimStatements.events = Statement(writer, "DELETE FROM events WHERE id < ?");
    trimStatements.verdicts = Statement(writer, "DELETE FROM algolia_verdicts WHERE id < ?");
    trimStatements.requests =
        Statement(writer, "DELETE FROM requests WHERE rid < (SELECT rid FROM events ORDER BY id LIMIT 1)");
    trimStatements.rawRequests = Statement(
        writer, "DELETE FROM raw_requests WHERE rid < (SELECT rid FROM events ORDER BY id LIMIT 1)");
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

void EventLog::Private::publish(const Counters& counters, bool announce, bool announceRemovals)
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
    if (announceRemovals && counters.count < before.count + (counters.lastId - before.lastId))
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

void EventLog::Private::checkpointLoop()
{
    // From now on the writer never checkpoints by itself (queued, so it applies between transactions).
    // (The pragma removes any WAL hook: the writer's is installed after it.)
    enqueue(Job{{},
                {},
                [this] {
                    exec(writer, "PRAGMA wal_autocheckpoint=0");
                    watchWalFrames();
                },
                {}});
    Statement dataVersion(watcher, "PRAGMA data_version");
    Statement counters(watcher, kReadCounters);
    qint64 lastDataVersion = -1;
    std::unique_lock lock(checkpointMutex);
    while (!checkpointStopping) {
        checkpointWake.wait_for(lock, std::chrono::milliseconds(kWatchIntervalMs),
                                [this] { return checkpointStopping || walGrown; });
        walGrown = false;
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

void EventLog::Private::watchWalFrames()
{
    const std::optional<qint64> pageSize = scalar(writer, "PRAGMA page_size");
    walFrameBytes = pageSize.value_or(8192) + 24; // a frame is a page and its 24-byte header
    sqlite3_wal_hook(
        writer,
        [](void* self, sqlite3*, const char*, int frames) {
            static_cast<Private*>(self)->walFrames = frames;
            return SQLITE_OK;
        },
        this);
}

void EventLog::Private::boundWalAfterCommit()
{
    // The WAL's frames in use, as the commit left them (SQLite's WAL hook): past the size where the watch
    // thread empties it, the writer empties it itself, now, before its next transaction. Waiting for the
    // watch thread to notice (its interval, its passive copy first) let the WAL grow by another hundred
    // megabytes under load; from here it holds at most this size plus one transaction.
    if (walFrames * walFrameBytes <= kWalTruncateAtBytes)
        return;
    const int rc = sqlite3_wal_checkpoint_v2(writer, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    if (rc == SQLITE_OK)
        walFrames = 0;
    else if (rc != SQLITE_BUSY)
        qWarning("EventLog: checkpoint failed: %s", sqlite3_errmsg(writer));
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
            queueChanged.wait(lock, [this] { return stopping || !queue.empty() || trimming; });
            if (queue.empty() && stopping)
                return; // everything queued before was written (a trim left half-way resumes next time)
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
                const qint64 nextRows = next.rows();
                if (!jobs.empty() && rows + nextRows > kMaxRowsPerTransaction)
                    break;
                rows += nextRows;
                jobs.push_back(std::move(next));
                queue.pop_front();
            }
        }
        qint64 added = 0; // none when idle, with only a trimming step due
        if (!jobs.empty() && jobs.front().operation)
            jobs.front().operation();
        else if (!jobs.empty())
            added = commitAppends(jobs);
        // One step of retention between group commits: a commit waits for one step at most, never for a
        // whole trim. A step removes at least as many rows as the commit before it added, so trimming keeps
        // up at any ingest rate.
        if (trimming)
            trimStep(std::max(kTrimStepRows, added));
    }
}

qint64 EventLog::Private::commitAppends(std::deque<Job>& jobs)
{
    for (Job& job : jobs) {
        if (!job.records.isEmpty()) {
            job.batches = RecordBatch::fromRecords(job.records);
            job.records.clear();
        }
    }
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
        for (const auto& batch : job.batches) {
            if (!ok)
                break;
            const RecordBatch& b = *batch;
            // The facts of one request are stored once, shared by its rows.
            Statement& s = insertRequest;
            s.bind(1, rid++);
            int parameter = 2;
            for (const RequestColumn& column : kRequestColumns)
                s.bind(parameter++, b.*column.batch);
            ok = s.run();
            if (ok && b.rawRequest) {
                const RawRequest& raw = *b.rawRequest;
                Statement& w = insertRawRequest;
                w.bind(1, rid - 1);
                w.bindBlob(2, raw.method);
                w.bindBlob(3, raw.target);
                w.bindBlob(4, raw.headers);
                w.bindBlob(5, raw.body);
                w.bind(6, qint64(raw.bodyTruncated ? 1 : 0));
                ok = w.run();
            }
            Statement& e = insertEvent;
            for (const RecordBatch::Row& r : b.rows) {
                if (!ok)
                    break;
                e.bind(1, id);
                e.bind(2, rid - 1);
                e.bind(3, r.receivedAtMs);
                e.bind(4, qint64(r.source));
                e.bind(5, qint64(r.httpStatus));
                e.bind(6, qint64(r.accepted ? 1 : 0));
                e.bind(7, qint64(r.indexInRequest));
                e.bind(8, qint64(r.errors));
                e.bind(9, qint64(r.warnings));
                e.bind(10, r.timestampMs);
                e.bind(11, qint64(r.kind));
                if (r.issues.size == 0)
                    sqlite3_bind_null(e.get(), 12);
                else
                    e.bindBlob(12, b.bytes(r.issues));
                e.bindText(13, b.bytes(r.rawJson));
                int column = 14;
                for (const EventColumn& text : kEventColumns)
                    e.bindText(column++, b.bytes(r.*text.row));
                ok = e.run();
                ++id;
            }
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
        return 0;
    }
    publish(*counters);
    boundWalAfterCommit();
    // The watch thread copies what was just committed into the database at once, beside the writer: the
    // WAL's backlog stays small, so the checkpoint that empties it at its bound holds the writer back for
    // little more than its sync instead of copying tens of megabytes while every acknowledgement waits.
    if (added >= kCheckpointAfterRows) {
        {
            std::lock_guard lock(checkpointMutex);
            walGrown = true;
        }
        checkpointWake.notify_one();
    }

    for (std::size_t i = 0; i < jobs.size(); ++i) {
        if (jobs[i].done)
            jobs[i].done(true, ranges[i].first, ranges[i].second, QString());
    }

    // Retention starts once the slack is exceeded, so that trimming runs in bursts of steps rather than a
    // few rows after every commit; the writer loop takes the steps between commits.
    const qint64 keep = retention;
    const qint64 slack = std::clamp<qint64>(keep / 100, 0, 10'000);
    if (committedCount > keep + slack)
        trimming = true;
    return added;
}

void EventLog::Private::trimStep(qint64 rows)
{
    const qint64 keep = retention;
    // A step that failed or removed nothing stops the trim until the next commit: no loop of empty steps.
    trimming = trim(keep, rows) > 0 && committedCount > keep;
}

qint64 EventLog::Private::trim(qint64 keep, qint64 maxRows)
{
    if (committedCount <= keep)
        return 0;
    bool ok = exec(writer, "BEGIN IMMEDIATE");
    // The count in the file, which other processes may have changed since this one last wrote.
    std::optional<Counters> counters = ok ? countersInTransaction() : std::nullopt;
    ok = ok && counters;
    qint64 removed = 0;
    const qint64 toRemove = ok ? std::min(counters->count - keep, maxRows) : 0;
    if (ok && toRemove <= 0) {
        // nothing to trim (another process did it)
    } else if (ok && keep <= 0 && toRemove == counters->count) {
        ok = exec(writer, "DELETE FROM events");
        removed = sqlite3_changes64(writer);
        ok = ok &&
             exec(writer, "DELETE FROM requests; DELETE FROM raw_requests; DELETE FROM algolia_verdicts");
    } else if (ok) {
        // The oldest kept row, found by stepping over the rows to drop from the old end (a few thousand)
        // rather than over the ones kept (up to millions). Rows below it go from every table.
        Statement& cutoff = trimStatements.cutoff;
        cutoff.bind(1, toRemove);
        const int rc = sqlite3_step(cutoff.get());
        const qint64 firstKept = rc == SQLITE_ROW ? cutoff.integer(0) : 0;
        sqlite3_reset(cutoff.get());
        ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
        if (ok && firstKept > 0) {
            Statement& events = trimStatements.events;
            events.bind(1, firstKept);
            ok = events.run();
            removed = sqlite3_changes64(writer);
            Statement& verdicts = trimStatements.verdicts;
            verdicts.bind(1, firstKept);
            ok = ok && verdicts.run();
            // Request rows grow with event ids, so the first kept event's request bounds the old ones.
            ok = ok && trimStatements.requests.run() && trimStatements.rawRequests.run();
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
        return -1;
    }
    // One announcement per trim, when its last step is done, not one per step: views reload on it.
    publish(*counters, true, counters->count <= keep);
    return removed;
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
        ok = ok &&
             exec(writer, "DELETE FROM requests; DELETE FROM raw_requests; DELETE FROM algolia_verdicts");
    } else if (ok) {
        Statement verdicts(writer, "DELETE FROM algolia_verdicts WHERE id IN"
                                   " (SELECT id FROM events WHERE user_token = ?1 OR auth_token = ?1)");
        verdicts.bind(1, *userToken);
        ok = verdicts.run();
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
