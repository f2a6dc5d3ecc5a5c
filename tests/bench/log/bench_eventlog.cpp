// Event log benchmark: inserts records in 1000-record appends (as the endpoint does for 1000-event batches)
// and times the reads the views make over the result. Prints figures; asserts nothing about speed.
// Usage: bench_eventlog [records=1000000] [folder=a temporary one]
#include "log/eventlog.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QSemaphore>
#include <QStringList>
#include <QTemporaryDir>

#include <cstdio>
#include <ctime>

namespace {

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

qint64 fileSize(const QString& path)
{
    qint64 size = 0;
    for (const QString& suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")})
        size += QFileInfo(path + suffix).size();
    return size;
}

double msSince(const QElapsedTimer& timer)
{
    return double(timer.nsecsElapsed()) / 1e6;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    const qint64 total = args.size() > 1 ? args.at(1).toLongLong() : 1'000'000;
    constexpr int kBatch = 1000;
    QTemporaryDir tmp;
    const QString folder = args.size() > 2 ? args.at(2) : tmp.path();
    const QString path = QDir(folder).filePath(QStringLiteral("bench-events.sqlite"));
    QFile::remove(path);

    EventLogOptions options;
    options.path = path;
    options.retention = total;
    EventLog::OpenResult opened = EventLog::open(options);
    if (!opened.log) {
        std::fprintf(stderr, "%s\n", qPrintable(opened.error));
        return 1;
    }
    EventLog& log = *opened.log;

    // Build the batches first, so the timing is the log's and not the fixture's.
    QList<QList<LogRecord>> batches;
    for (qint64 b = 0; b < total / kBatch; ++b) {
        QList<LogRecord> records;
        records.reserve(kBatch);
        const bool rejected = b % 20 == 7; // 5% of requests are 422s
        for (int i = 0; i < kBatch; ++i) {
            const qint64 n = b * kBatch + i;
            LogRecord r;
            r.requestId = QStringLiteral("req-%1").arg(b);
            r.receivedAtMs = 1'700'000'000'000 + n;
            r.httpStatus = rejected ? 422 : 200;
            r.accepted = !rejected;
            r.message = rejected ? QStringLiteral("eventName must be set") : QStringLiteral("OK");
            r.indexInRequest = i;
            if (rejected && i == 3) {
                Issue issue;
                issue.eventIndex = i;
                issue.field = QStringLiteral("eventName");
                issue.code = QStringLiteral("eventName.missing");
                issue.message = QStringLiteral("eventName must be set");
                r.issues = {issue};
            }
            r.eventType = QStringLiteral("click");
            r.eventName = QStringLiteral("Product Clicked");
            r.index = QStringLiteral("products_en");
            r.userToken = QStringLiteral("user-%1").arg(n % 500);
            r.timestampMs = 1'700'000'000'000;
            r.rawJson = rawEvent(n, r.userToken);
            r.userAgent = QStringLiteral(
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36");
            r.device = QStringLiteral("desktop");
            r.agent = QStringLiteral("Algolia for JavaScript (4.20.0); Browser; insights-js (2.17.2)");
            r.remoteAddress = QStringLiteral("127.0.0.1");
            r.appId = QStringLiteral("LATENCY");
            records.append(r);
        }
        batches.append(records);
    }

    // Insert: one append in flight at a time, so every transaction holds exactly 1000 records; timed until
    // the last commit callback.
    const qint64 steadyBatches = std::max<qint64>(1, qint64(batches.size()) / 5);
    QList<QList<LogRecord>> steadyState = batches.mid(0, steadyBatches); // copies, for the retention phase
    QSemaphore committed(0);
    // The machine is shared: the load and the process CPU time make the wall-clock figures comparable.
    QFile loadavg(QStringLiteral("/proc/loadavg"));
    if (loadavg.open(QIODevice::ReadOnly))
        std::printf("load average before: %s", loadavg.readLine().constData());
    const std::clock_t cpuStart = std::clock();
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
    std::printf("insert: %lld records in %d-record appends (1 in flight): %.0f ms, %.0f rows/s "
                "(process CPU %.0f ms, all threads)\n",
                static_cast<long long>(log.count()), kBatch, insertMs,
                double(log.count()) / (insertMs / 1000.0), cpuMs);
    std::printf("file size: %.1f MB (%.0f bytes/record, with -wal/-shm)\n", double(fileSize(path)) / 1e6,
                double(fileSize(path)) / double(std::max<qint64>(1, log.count())));

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

    // Steady state: the log is full, retention trims the oldest in batches while appends keep coming, several
    // in flight (as from an endpoint with several connections), so commits group.
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
    return 0;
}
