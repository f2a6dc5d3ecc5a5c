// Sustained-ingest benchmark (label "bench"): `insights-debugger serve` under 1000-event batches at the
// maximum rate for BENCH_SUSTAIN_SECONDS (600 by default), the log at its retention cap after the first
// seconds. Every BENCH_SUSTAIN_INTERVAL seconds (60) it prints the events/s of that interval, the server's
// CPU use and resident set, and the sizes of the database file and its WAL, beside the WAL bound the log
// promises (EventLog::kWalBoundBytes). Asserts nothing about speed; it does fail if the server stops
// answering.

#include "benchserver.h"
#include "loadgenerator.h"

#include "log/eventlog.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cstdio>

namespace {

using namespace bench;

constexpr int kConnections = 2; // one per core: the load generator shares the machine with the server

int environmentSeconds(const char* name, int fallback)
{
    bool ok = false;
    const int value = qEnvironmentVariableIntValue(name, &ok);
    return ok && value > 0 ? value : fallback;
}

double fileMb(const QString& path)
{
    return static_cast<double>(QFileInfo(path).size()) / (1024.0 * 1024.0);
}

} // namespace

class SustainedIngestBenchmark final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void tenMinutesAtRetention();
};

void SustainedIngestBenchmark::tenMinutesAtRetention()
{
    const QString exe = qEnvironmentVariable("INSIGHTS_DEBUGGER_EXE");
    QVERIFY(!exe.isEmpty());
    const int total = environmentSeconds("BENCH_SUSTAIN_SECONDS", 600);
    const int interval = std::min(total, environmentSeconds("BENCH_SUSTAIN_INTERVAL", 60));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString database = dir.filePath(QStringLiteral("events.sqlite"));

    ServerProcess serve(QStringLiteral("serve"));
    QVERIFY(
        serve.start(exe, {QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                          QStringLiteral("--data-dir"), dir.path(), QStringLiteral("--quiet")}));
    QVERIFY(QFileInfo::exists(database));
    const std::string batch = insightsRequest(serve.port(), clickBatch(1000));

    std::printf("\nSustained ingest: serve, 1000-event batches on %d keep-alive connections for %d s, "
                "figures every %d s; retention %s records; WAL bound %s MB\n",
                kConnections, total, interval, qPrintable(number(EventLogOptions{}.retention)),
                qPrintable(number(static_cast<double>(EventLog::kWalBoundBytes) / (1024.0 * 1024.0))));
    std::printf("load average before: %s\n", loadAverage().constData());
    std::printf("%8s %14s %14s %8s %10s %10s %10s %10s %9s\n", "t (s)", "events/s", "stored/s", "cores",
                "RSS MB", "WAL MB", "WAL max", "DB MB", "failures");

    QElapsedTimer clock;
    clock.start();
    double walMax = 0;
    std::int64_t failures = 0;
    std::optional<qint64> storedBefore = serve.storedEvents();
    while (clock.elapsed() < qint64(total) * 1000) {
        const double cpuBefore = serve.cpuSeconds();
        // The WAL is sampled while the load runs too, so a peak between two printed lines is not missed.
        double walPeak = 0;
        double seconds = 0;
        std::int64_t ok = 0;
        for (int slice = 0; slice < interval; ++slice) {
            LoadResult result = runClosedLoop(serve.port(), batch, kConnections, 1.0);
            seconds += result.seconds;
            ok += result.ok;
            failures += result.failures;
            walPeak = std::max(walPeak, fileMb(database + QStringLiteral("-wal")));
        }
        walMax = std::max(walMax, walPeak);
        const std::optional<qint64> storedAfter = serve.storedEvents();
        const double stored =
            storedBefore && storedAfter ? static_cast<double>(*storedAfter - *storedBefore) / seconds : 0;
        storedBefore = storedAfter;
        std::printf("%8.0f %14s %14s %8.2f %10.1f %10.1f %10.1f %10.1f %9lld\n", clock.elapsed() / 1000.0,
                    qPrintable(number(static_cast<double>(ok) * 1000.0 / seconds)),
                    qPrintable(number(stored)), (serve.cpuSeconds() - cpuBefore) / seconds,
                    serve.residentMb(), fileMb(database + QStringLiteral("-wal")), walPeak, fileMb(database),
                    static_cast<long long>(failures));
        std::fflush(stdout);
        QVERIFY2(storedAfter.has_value(), "the server stopped answering /debugger/stats");
    }
    std::printf("largest WAL seen: %.1f MB (bound %.0f MB); load average after: %s\n", walMax,
                static_cast<double>(EventLog::kWalBoundBytes) / (1024.0 * 1024.0), loadAverage().constData());
}

QTEST_GUILESS_MAIN(SustainedIngestBenchmark)
#include "bench_sustained.moc"
