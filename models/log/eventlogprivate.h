#pragma once

// EventLog's private state, shared by its two halves: the writer (eventlogwriter.cpp: one thread that owns
// the write connection, group commits, retention, the watch thread that notices other processes and bounds
// the WAL) and the reader façade (eventlog.cpp: per-thread read connections, the public API). Internal to
// models/log.

#include "log/eventlog.h"
#include "log/recordbatch.h"
#include "log/sqlitestatement.h"

#include <QMetaObject>
#include <QMutex>
#include <QPointer>
#include <QThreadPool>
#include <QTimer>

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace EventLogDb {

// Bounds one group-commit transaction so that the first callers of a large burst are acknowledged early
// and the WAL stays small.
constexpr qint64 kMaxRowsPerTransaction = 50'000;
// The rows one retention step removes at least (more when the commit before it added more): a step is
// its own short transaction between group commits, so an append waits for one at most. Measured with
// bench_eventlog at retention: about a millisecond.
constexpr qint64 kTrimStepRows = 500;
constexpr int kAnnounceIntervalMs = 50;
// How often the watch thread looks for other processes' commits (and checkpoints).
constexpr int kWatchIntervalMs = 200;
// A commit of at least this many rows wakes the watch thread to checkpoint at once (eventlogwriter.cpp).
constexpr qint64 kCheckpointAfterRows = 1000;
// The WAL size past which it is emptied with a TRUNCATE checkpoint: by the writer right after the commit
// that passed it (a WAL that passed it only through other processes' commits, by the watch thread). With
// the largest transaction (kMaxRowsPerTransaction, about 40 MB of 800-byte rows) on top, the WAL stays under
// EventLog::kWalBoundBytes.
constexpr qint64 kWalTruncateAtBytes = 64 * 1024 * 1024;

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

// Serials of logs: never reused, unlike addresses (eventlog.cpp).
extern std::atomic<quint64> g_nextLogSerial;

} // namespace EventLogDb

struct EventLog::Private
{
    using Statement = EventLogDb::Statement;
    using ReaderHandle = EventLogDb::ReaderHandle;

    // A unit of work for the writer thread: appended records with their callback, or an operation that
    // runs alone (remove, retention, flush marker).
    struct Job
    {
        std::vector<std::shared_ptr<const RecordBatch>> batches;
        CommitCallback done;
        std::function<void()> operation;
        // Appended as LogRecords: made into batches by the writer (append() returns at once on any thread,
        // the GUI's included, whatever the number of records).
        QList<LogRecord> records;
        qint64 rows() const
        {
            qint64 n = records.size();
            for (const auto& batch : batches)
                n += batch->size();
            return n;
        }
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
    Statement insertRawRequest;
    Statement readCounters;
    Statement saveCounters;
    struct TrimStatements
    {
        Statement cutoff;
        Statement events;
        Statement verdicts;
        Statement requests;
        Statement rawRequests;
    } trimStatements;
    // Set when the log holds more than its retention and its slack: the writer removes the oldest rows in
    // steps between commits until it holds its retention.
    bool trimming = false;

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
    bool walGrown = false; // a large commit happened: the watch thread checkpoints now, not at its interval

    // Coalesced announcements.
    QMutex announceMutex;
    qint64 pendingFirst = 0;
    qint64 pendingLast = 0;
    bool announceScheduled = false;
    QTimer* announceTimer = nullptr;

    // One read connection per thread that reads, closed with the log.
    const quint64 serial = EventLogDb::g_nextLogSerial++;
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
    // The writer's own bound on the WAL: its frames after each commit, and a TRUNCATE checkpoint when they
    // pass kWalTruncateAtBytes.
    void watchWalFrames();
    void boundWalAfterCommit();
    qint64 walFrames = 0;
    qint64 walFrameBytes = 8192 + 24;
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
    // `announceRemovals` false: a step of a trim that is not done yet (announced by its last step).
    void publish(const Counters& counters, bool announce = true, bool announceRemovals = true);
    QString openWatcher();
    void watchForOtherWriters(Statement& dataVersion, Statement& counters, qint64& lastDataVersion);
    // Returns how many records it committed.
    qint64 commitAppends(std::deque<Job>& jobs);
    // Removes the oldest records down to `keep`, at most `maxRows` of them in this transaction. Returns how
    // many it removed, -1 on failure.
    qint64 trim(qint64 keep, qint64 maxRows = std::numeric_limits<qint64>::max());
    void trimStep(qint64 rows);
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

template <typename Result>
Result EventLog::Private::runOnWriter(std::function<Result()> work)
{
    if (std::this_thread::get_id() == writerThread.get_id()) {
        qWarning("EventLog: a blocking write was called on the writer thread; running it inline");
        return work();
    }
    std::promise<Result> promise;
    std::future<Result> future = promise.get_future();
    enqueue(Job{{}, {}, [&promise, &work] { promise.set_value(work()); }, {}});
    return future.get();
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
