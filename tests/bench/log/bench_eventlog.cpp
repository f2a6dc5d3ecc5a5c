// Event log benchmark: inserts records in 1000-record appends (as the endpoint does for 1000-event batches),
// half of them carrying an issue as in mixed traffic, each request with its raw request as the endpoint keeps
// it, as LogRecords (the client's and importers' form) and then, into a second log, the same rows in the
// endpoint's form (RecordBatch, made beforehand); reports rows/s, CPU and allocations per row, the database
// file's bytes per row after a TRUNCATE checkpoint (the WAL not counted) against the raw JSON's; times the
// reads the views make; then compares single-event commit latency on a young log with the same on a log at
// its retention cap (trimming). Prints figures; asserts nothing about speed. Usage: bench_eventlog
// [records=1000000] [folder=a temporary one]
#include "log/eventlog.h"
#include "log/recordbatch.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QSemaphore>
#include <QStringList>
#include <QTemporaryDir>

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <thread>
#include <vector>

#include <unistd.h>

// Allocation counting, for this benchmark only: glibc lets the executable interpose malloc and friends, which
// every allocation goes through (Qt's containers, SQLite, operator new), on every thread.
extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* pointer, size_t size);
void __libc_free(void* pointer);
}

namespace {
std::atomic<long long> g_allocations{0};
} // namespace

extern "C" {
void* malloc(size_t size)
{
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    return __libc_malloc(size);
}
void* calloc(size_t count, size_t size)
{
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    return __libc_calloc(count, size);
}
void* realloc(void* pointer, size_t size)
{
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    return __libc_realloc(pointer, size);
}
void free(void* pointer)
{
    __libc_free(pointer);
}
}

namespace {

constexpr int kBatch = 1000;

// About 250 bytes of JSON, as a typical click with objectIDs and positions.
QByteArray rawEvent(qint64 n, const QString& userToken)
{
    return "{\"eventType\":\"click\",\"eventName\":\"Product "
           "Clicked\",\"index\":\"products_en\",\"userToken\":\"" +
           userToken.toUtf8() +
           "\",\"timestamp\":1700000000000,\"queryID\":\"43b15df305339e827f0ac0bdc5ebcaa7\"," +
           "\"objectIDs\":[\"sku-" + QByteArray::number(n) + "\",\"sku-" + QByteArray::number(n + 1) +
           "\"],\"positions\":[1,2]}";
}

// The records of one request of `size` events, numbered from `first`, as the endpoint logs them: 5% of the
// requests are 422s whose fourth event carries the error; every other event carries a warning (half the
// events have an issue, as in mixed traffic).
QList<LogRecord> request(qint64 number, qint64 first, int size)
{
    const bool rejected = number % 20 == 7;
    QList<LogRecord> records;
    records.reserve(size);
    QByteArray body = "{\"events\":[";
    for (int i = 0; i < size; ++i) {
        const qint64 n = first + i;
        LogRecord r;
        r.requestId = QStringLiteral("req-%1").arg(number);
        r.receivedAtMs = 1'700'000'000'000 + n;
        r.httpStatus = rejected ? 422 : 200;
        r.accepted = !rejected;
        r.message = rejected ? QStringLiteral("EventName is required") : QStringLiteral("OK");
        r.indexInRequest = i;
        if (rejected && i == 3) {
            r.issues.append(Issue{Severity::Error, i, QStringLiteral("eventName"),
                                  QStringLiteral("eventName.required"),
                                  QStringLiteral("EventName is required"), false});
        } else if (n % 2 == 0) {
            r.issues.append(Issue{Severity::Warning, i, QStringLiteral("timestamp"),
                                  QStringLiteral("timestamp.sharedInBatch"),
                                  QStringLiteral("Every event of this batch has the same timestamp: each "
                                                 "should carry the moment it was collected"),
                                  false});
        }
        r.eventType = QStringLiteral("click");
        r.eventName = QStringLiteral("Product Clicked");
        r.index = QStringLiteral("products_en");
        r.userToken = QStringLiteral("user-%1").arg(n % 500);
        r.timestampMs = 1'700'000'000'000;
        r.queryId = QStringLiteral("43b15df305339e827f0ac0bdc5ebcaa7");
        r.rawJson = rawEvent(n, r.userToken);
        r.userAgent =
            QStringLiteral("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36");
        r.device = QStringLiteral("desktop");
        r.agent = QStringLiteral("Algolia for JavaScript (4.20.0); Browser; insights-js (2.17.2)");
        r.remoteAddress = QStringLiteral("127.0.0.1");
        r.appId = QStringLiteral("LATENCY");
        r.method = QStringLiteral("POST");
        r.path = QStringLiteral("/1/events");
        body += (i ? "," : "") + r.rawJson;
        records.append(r);
    }
    body += "]}";
    auto raw = std::make_shared<const RawRequest>(RawRequest{
        "POST", "/1/events?x-algolia-agent=insights-js",
        "Host: 127.0.0.1\r\nContent-Type: application/json\r\nx-algolia-application-id: LATENCY\r\n"
        "x-algolia-api-key: ********\r\n",
        body, false});
    for (LogRecord& r : records)
        r.rawRequest = raw;
    return records;
}

double msSince(const QElapsedTimer& timer)
{
    return double(timer.nsecsElapsed()) / 1e6;
}

void printLoad(const char* when)
{
    QFile loadavg(QStringLiteral("/proc/loadavg"));
    if (loadavg.open(QIODevice::ReadOnly))
        std::printf("load average %s: %s", when, loadavg.readLine().constData());
}

// Empties the WAL into the database file (from a connection of our own, the log idle), so that the file's
// size is what the rows take, not what the WAL happens to hold.
bool checkpoint(const QString& path)
{
    sqlite3* db = nullptr;
    bool ok = sqlite3_open_v2(QFile::encodeName(path).constData(), &db, SQLITE_OPEN_READWRITE, nullptr) ==
              SQLITE_OK;
    ok = ok && sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr) == SQLITE_OK;
    if (!ok)
        std::fprintf(stderr, "checkpoint failed: %s\n", sqlite3_errmsg(db));
    sqlite3_close(db);
    return ok;
}

// Single-event appends at `rate` per second for `count` appends, as from an endpoint answering single-event
// requests: the latency of each, from append() to its commit callback. Prints p50, p90, p99 and max.
void commitLatency(EventLog& log, const char* label, qint64 firstNumber, int count, int rate)
{
    // What earlier phases left for the kernel to write back (hundreds of MB) would stall these commits
    // whichever log they go to: written out first, so both runs start from the same state.
    ::sync();
    std::vector<QList<LogRecord>> requests;
    requests.reserve(count);
    for (int i = 0; i < count; ++i)
        requests.push_back(request(firstNumber + i, (firstNumber + i) * kBatch, 1));
    std::vector<double> latencyMs(count, 0.0);
    QSemaphore done(0);
    const qint64 removedBefore = log.lastId() - log.count();
    const auto start = std::chrono::steady_clock::now();
    const auto interval = std::chrono::nanoseconds(1'000'000'000LL / rate);
    for (int i = 0; i < count; ++i) {
        std::this_thread::sleep_until(start + i * interval);
        const auto sent = std::chrono::steady_clock::now();
        log.append(std::move(requests[i]), [&, i, sent](bool, qint64, qint64, const QString&) {
            latencyMs[i] =
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - sent).count();
            done.release();
        });
    }
    done.acquire(count);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::sort(latencyMs.begin(), latencyMs.end());
    auto at = [&](double q) { return latencyMs[std::min<std::size_t>(count - 1, std::size_t(q * count))]; };
    std::printf("commit latency, %s: %d single-event appends at %d/s (%.1f s): p50 %.2f ms, p90 %.2f ms, "
                "p99 %.2f ms, max %.2f ms; %lld rows kept, %lld trimmed\n",
                label, count, rate, seconds, at(0.50), at(0.90), at(0.99), latencyMs.back(),
                static_cast<long long>(log.count()),
                static_cast<long long>(log.lastId() - log.count() - removedBefore));
}

std::unique_ptr<EventLog> openLog(const QString& path, qint64 retention)
{
    EventLogOptions options;
    options.path = path;
    options.retention = retention;
    EventLog::OpenResult opened = EventLog::open(options);
    if (!opened.log)
        std::fprintf(stderr, "%s\n", qPrintable(opened.error));
    return std::move(opened.log);
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    const qint64 total = std::max<qint64>(kBatch, args.size() > 1 ? args.at(1).toLongLong() : 1'000'000);
    QTemporaryDir tmp;
    const QString folder = args.size() > 2 ? args.at(2) : tmp.path();
    const QString path = QDir(folder).filePath(QStringLiteral("bench-events.sqlite"));
    const QString youngPath = QDir(folder).filePath(QStringLiteral("bench-young.sqlite"));
    const QString ingestPath = QDir(folder).filePath(QStringLiteral("bench-ingest.sqlite"));
    for (const QString& file : {path, youngPath, ingestPath}) {
        for (const QString& suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")})
            QFile::remove(file + suffix);
    }

    std::unique_ptr<EventLog> opened = openLog(path, total);
    if (!opened)
        return 1;
    EventLog& log = *opened;

    // Build the batches first, so the timing is the log's and not the fixture's.
    QList<QList<LogRecord>> batches;
    qint64 rawJsonBytes = 0;
    qint64 withIssues = 0;
    for (qint64 b = 0; b < total / kBatch; ++b) {
        batches.append(request(b, b * kBatch, kBatch));
        for (const LogRecord& r : batches.last()) {
            rawJsonBytes += r.rawJson.size();
            withIssues += r.issues.isEmpty() ? 0 : 1;
        }
    }
    const qint64 rows = qint64(batches.size()) * kBatch;
    // The same requests in the form the endpoint hands the log, for the second insert.
    std::vector<std::shared_ptr<const RecordBatch>> ingestForm;
    for (const QList<LogRecord>& records : std::as_const(batches)) {
        for (auto& batch : RecordBatch::fromRecords(records))
            ingestForm.push_back(std::move(batch));
    }

    // Insert: one append in flight at a time, so every transaction holds exactly 1000 records; timed until
    // the last commit callback.
    QSemaphore committed(0);
    // The machine is shared: the load and the process CPU time make the wall-clock figures comparable.
    printLoad("before");
    const std::clock_t cpuStart = std::clock();
    const long long allocationsBefore = g_allocations.load();
    QElapsedTimer timer;
    timer.start();
    for (QList<LogRecord>& records : batches) {
        log.append(std::move(records), [&](bool ok, qint64, qint64, const QString&) {
            if (!ok)
                std::fprintf(stderr, "append failed\n");
            committed.release();
        });
        committed.acquire();
    }
    const double insertMs = msSince(timer);
    const double cpuMs = double(std::clock() - cpuStart) * 1000.0 / CLOCKS_PER_SEC;
    const long long allocations = g_allocations.load() - allocationsBefore;
    batches.clear();
    std::printf("insert: %lld records (%lld with an issue) in %d-record appends (1 in flight): %.0f ms, "
                "%.0f rows/s, %.2f us/row wall, %.2f us/row CPU (all threads), %.1f allocations/row\n",
                static_cast<long long>(log.count()), static_cast<long long>(withIssues), kBatch, insertMs,
                double(rows) / (insertMs / 1000.0), insertMs * 1000.0 / double(rows),
                cpuMs * 1000.0 / double(rows), double(allocations) / double(rows));
    {
        // The endpoint's form into a log of its own, same rows, same one append in flight: what the writer
        // costs when the caller made the rows (the endpoint makes them on its HTTP threads).
        std::unique_ptr<EventLog> ingestLog = openLog(ingestPath, total);
        if (!ingestLog)
            return 1;
        const std::clock_t ingestCpuStart = std::clock();
        const long long ingestAllocationsBefore = g_allocations.load();
        timer.restart();
        for (std::shared_ptr<const RecordBatch>& batch : ingestForm) {
            ingestLog->append(std::move(batch), [&](bool ok, qint64, qint64, const QString&) {
                if (!ok)
                    std::fprintf(stderr, "append failed\n");
                committed.release();
            });
            committed.acquire();
        }
        const double ingestMs = msSince(timer);
        const double ingestCpuMs = double(std::clock() - ingestCpuStart) * 1000.0 / CLOCKS_PER_SEC;
        const long long ingestAllocations = g_allocations.load() - ingestAllocationsBefore;
        ingestForm.clear();
        std::printf("insert, the endpoint's form (RecordBatch made beforehand): %lld records, %.0f ms, %.0f "
                    "rows/s, %.2f us/row wall, %.2f us/row CPU (all threads), %.1f allocations/row\n",
                    static_cast<long long>(ingestLog->count()), ingestMs, double(rows) / (ingestMs / 1000.0),
                    ingestMs * 1000.0 / double(rows), ingestCpuMs * 1000.0 / double(rows),
                    double(ingestAllocations) / double(rows));
    }
    log.flush();
    if (checkpoint(path)) {
        const qint64 database = QFileInfo(path).size();
        std::printf("database file after a TRUNCATE checkpoint: %.1f MB, %.0f bytes/row on disk for %.0f "
                    "bytes of raw JSON per event (raw request bodies included, once per request)\n",
                    double(database) / 1e6, double(database) / double(rows),
                    double(rawJsonBytes) / double(rows));
    }

    auto timed = [](const char* label, auto&& work) {
        QElapsedTimer t;
        t.start();
        const qint64 result = work();
        std::printf("%s: %.1f ms (result %lld)\n", label, msSince(t), static_cast<long long>(result));
    };
    LogQuery status422;
    status422.httpStatus = 422;
    status422.limit = 0;
    // The first read pays for opening the connection and warming the page cache; the second is the steady
    // state.
    timed("count(httpStatus=422), first", [&] { return log.count(status422); });
    timed("count(httpStatus=422)", [&] { return log.count(status422); });
    timed("ids(httpStatus=422), all", [&] { return qint64(log.ids(status422).size()); });
    LogQuery page = status422;
    page.limit = 1000;
    page.newestFirst = true;
    timed("ids(httpStatus=422), newest 1000", [&] { return qint64(log.ids(page).size()); });
    LogQuery token;
    token.userToken = QStringLiteral("user-42");
    token.limit = 0;
    timed("count(userToken=user-42)", [&] { return log.count(token); });
    LogQuery errors;
    errors.hasErrors = true;
    errors.limit = 0;
    timed("count(hasErrors)", [&] { return log.count(errors); });
    LogQuery warnings;
    warnings.hasWarnings = true;
    warnings.limit = 0;
    timed("count(hasWarnings)", [&] { return log.count(warnings); });
    LogQuery text;
    text.freeText = {QStringLiteral("sku-777777\"")};
    text.limit = 0;
    timed("count(free text in raw JSON)", [&] { return log.count(text); });
    LogQuery tail;
    tail.newestFirst = true;
    tail.limit = 1000;
    timed("query(newest 1000 records)", [&] { return qint64(log.query(tail).size()); });
    const QList<qint64> someIds = log.ids(page);
    timed("records(1000 ids)", [&] { return qint64(log.records(someIds).size()); });
    timed("stats()", [&] { return log.stats().total; });

    // Commit latency of single-event requests at 5k/s, on a young log and on this one at its retention
    // cap (every append past the cap makes the oldest go), in the same run. Enough appends for the full log
    // to trim several times.
    constexpr int kRate = 5000;
    const int latencyAppends = int(std::clamp<qint64>(total / 25, 2000, 40'000));
    {
        std::unique_ptr<EventLog> young = openLog(youngPath, total);
        if (!young)
            return 1;
        printLoad("before the latency runs");
        commitLatency(*young, "young log", 0, latencyAppends, kRate);
    }
    commitLatency(log, "log at retention", total, latencyAppends, kRate);
    // What one trim costs the writer, and so the longest an append can wait for retention: a step (the
    // writer's retention removes at least 500 rows at a time between commits) against the whole slack at
    // once (10,000 rows at this size).
    for (const qint64 rows : {qint64(500), std::clamp<qint64>(total / 100, 1, 10'000)}) {
        log.flush();
        const qint64 kept = log.count();
        QElapsedTimer t;
        t.start();
        log.setRetention(kept - rows);
        log.flush();
        std::printf("trim of %lld rows from %lld (one transaction): %.1f ms\n", static_cast<long long>(rows),
                    static_cast<long long>(kept), msSince(t));
        log.setRetention(total);
    }

    // Steady state under batches: the log is full, retention trims the oldest while 1000-record appends keep
    // coming, several in flight (as from an endpoint with several connections), so commits group.
    const qint64 steadyBatches = std::max<qint64>(1, total / kBatch / 5);
    QList<QList<LogRecord>> steadyState;
    for (qint64 b = 0; b < steadyBatches; ++b)
        steadyState.append(request(total + latencyAppends + b, (total + b) * kBatch, kBatch));
    QSemaphore inFlight(4);
    QSemaphore finished(0);
    const qint64 before = log.lastId();
    timer.restart();
    for (QList<LogRecord>& records : steadyState) {
        inFlight.acquire();
        log.append(std::move(records), [&](bool, qint64, qint64, const QString&) {
            inFlight.release();
            finished.release();
        });
    }
    finished.acquire(int(steadyState.size()));
    const double steadyMs = msSince(timer);
    const qint64 added = log.lastId() - before;
    std::printf(
        "insert at retention %lld (trimming), 4 appends in flight: %lld records, %.0f ms, %.0f rows/s; "
        "%lld kept\n",
        static_cast<long long>(log.retention()), static_cast<long long>(added), steadyMs,
        double(added) / (steadyMs / 1000.0), static_cast<long long>(log.count()));
    timed("removeUserToken(user-7)", [&] { return log.removeUserToken(QStringLiteral("user-7")); });
    printLoad("after");
    return 0;
}
