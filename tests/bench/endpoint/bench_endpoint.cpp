// Endpoint benchmark (label "bench"): the real `insights-debugger serve` under 1000-event batches,
// single-event requests flat out, and single events at a fixed 5,000 requests/s (on a young log, then at
// retention), over keep-alive loopback connections; then the same load against a bare Node.js server that
// only parses the JSON and answers 200. Prints the figures side by side with issue 13's targets; asserts
// nothing about speed.

#include "benchserver.h"
#include "loadgenerator.h"

#include <QDateTime>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <unistd.h>

namespace {

using namespace bench;

constexpr double kPhaseSeconds = 4.0;
constexpr int kBatchConnections = 2;
constexpr int kSingleConnections = 8;
// The rate issue 13 measures retention at: single events, a busy website's worth.
constexpr int kFixedRate = 5000;

struct Figures
{
    double batchEventsAccepted = 0;
    double batchEventsPerCpuSecond = 0;
    double singlePerCpuSecond = 0;
    std::optional<double> batchEventsStored;
    double batchP50 = 0, batchP99 = 0;
    qint64 batchFailures = 0;
    double singleRps = 0;
    double singleP50 = 0, singleP99 = 0;
    qint64 singleFailures = 0;
    double fixedRps = 0, fixedP50 = 0, fixedP99 = 0, fixedMax = 0;
    double freshP50 = 0, freshP99 = 0, freshMax = 0; // the same on a fresh log, before the batches
    qint64 fixedFailures = 0;
    double peakRssMb = 0;
    double batchCores = 0, singleCores = 0; // CPU-seconds of the server per wall-second
};

Figures measure(ServerProcess& server, bool hasStats)
{
    Figures f;
    const std::string batch = insightsRequest(server.port(), clickBatch(1000));
    const std::string single = insightsRequest(server.port(), clickBatch(1));
    const auto stored = [&] { return hasStats ? server.storedEvents() : std::nullopt; };
    // Warm-up: connections, caches, the log's first pages.
    runClosedLoop(server.port(), single, 2, 0.5);

    // A fixed rate of single events on a young log (a developer's session), then again at the end, when the
    // batches have filled the log past its retention and trimming runs.
    LoadResult fresh = runFixedRate(server.port(), single, kFixedRate, 4, kPhaseSeconds);
    f.freshP50 = fresh.percentileMs(50);
    f.freshP99 = fresh.percentileMs(99);
    f.freshMax = fresh.percentileMs(100);
    f.fixedFailures += fresh.failures;

    const std::optional<qint64> storedBefore = stored();
    double cpu = server.cpuSeconds();
    LoadResult batches = runClosedLoop(server.port(), batch, kBatchConnections, kPhaseSeconds);
    const double batchCpu = std::max(0.001, server.cpuSeconds() - cpu);
    f.batchEventsPerCpuSecond = static_cast<double>(batches.ok) * 1000.0 / batchCpu;
    f.batchCores = batchCpu / batches.seconds;
    f.batchEventsAccepted = static_cast<double>(batches.ok) * 1000.0 / batches.seconds;
    if (const std::optional<qint64> storedAfter = stored(); storedBefore && storedAfter)
        f.batchEventsStored = static_cast<double>(*storedAfter - *storedBefore) / batches.seconds;
    f.batchP50 = batches.percentileMs(50);
    f.batchP99 = batches.percentileMs(99);
    f.batchFailures = batches.failures;

    cpu = server.cpuSeconds();
    LoadResult singles = runClosedLoop(server.port(), single, kSingleConnections, kPhaseSeconds);
    const double singleCpu = std::max(0.001, server.cpuSeconds() - cpu);
    f.singlePerCpuSecond = static_cast<double>(singles.ok) / singleCpu;
    f.singleCores = singleCpu / singles.seconds;
    f.singleRps = singles.requestsPerSecond();
    f.singleP50 = singles.percentileMs(50);
    f.singleP99 = singles.percentileMs(99);
    f.singleFailures = singles.failures;

    LoadResult fixed = runFixedRate(server.port(), single, kFixedRate, 4, kPhaseSeconds);
    f.fixedRps = fixed.requestsPerSecond();
    f.fixedP50 = fixed.percentileMs(50);
    f.fixedP99 = fixed.percentileMs(99);
    f.fixedMax = fixed.percentileMs(100);
    f.fixedFailures += fixed.failures;
    f.peakRssMb = server.peakResidentMb();
    return f;
}

void row(const char* label, const QString& serve, const QString& node, const QString& target)
{
    std::printf("%-46s %22s %22s   %s\n", label, qPrintable(serve), qPrintable(node), qPrintable(target));
}

// "1.23x Node (target >= 1x)": how serve compares with the bare server on the same load, in the same run.
QString versus(double serve, std::optional<double> node, const char* target)
{
    if (!node || *node <= 0)
        return QStringLiteral("target %1").arg(QLatin1String(target));
    return QStringLiteral("%1x Node (target %2)").arg(number(serve / *node, 2), QLatin1String(target));
}

QString pair(double a, double b)
{
    return number(a, 2) + QStringLiteral(" / ") + number(b, 2);
}

QString triple(double p50, double p99, double max)
{
    return number(p50, 2) + QStringLiteral(" / ") + number(p99, 2) + QStringLiteral(" / ") + number(max, 1);
}

} // namespace

class EndpointBenchmark final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void serveVersusNode();
};

void EndpointBenchmark::serveVersusNode()
{
    const QString exe = qEnvironmentVariable("INSIGHTS_DEBUGGER_EXE");
    QVERIFY(!exe.isEmpty());
    // BENCH_SERVE_ARGS adds options to serve, e.g. "--threads 1", to compare settings.
    const QStringList extra =
        qEnvironmentVariable("BENCH_SERVE_ARGS").split(QLatin1Char(' '), Qt::SkipEmptyParts);
    const QString node = QStandardPaths::findExecutable(QStringLiteral("node"));
    QTemporaryDir dir;
    const QByteArray loadBefore = loadAverage();

    Figures serveFigures;
    {
        ServerProcess serve(QStringLiteral("serve"));
        QVERIFY(serve.start(exe, QStringList{QStringLiteral("serve"), QStringLiteral("--listen"),
                                             QStringLiteral("127.0.0.1:0"), QStringLiteral("--data-dir"),
                                             dir.path(), QStringLiteral("--quiet")} +
                                     extra));
        serveFigures = measure(serve, true);
    }
    std::optional<Figures> nodeFigures;
    if (!node.isEmpty()) {
        ServerProcess bare(QStringLiteral("node"));
        QVERIFY(bare.start(node, {QStringLiteral(INSIGHTS_BENCH_DIR "/bare-server.mjs")}));
        nodeFigures = measure(bare, false);
    }

    const auto nodeValue = [&nodeFigures](auto get) {
        return nodeFigures ? get(*nodeFigures) : QStringLiteral("n/a");
    };
    const auto nodeNumber = [&nodeFigures](auto get) -> std::optional<double> {
        return nodeFigures ? std::optional<double>(get(*nodeFigures)) : std::nullopt;
    };
    const Figures& s = serveFigures;
    std::printf("\nEmbedded endpoint benchmark: %d cores, %.0f s per phase, keep-alive loopback connections, "
                "whole server process against whole server process\n",
                QThread::idealThreadCount(), kPhaseSeconds);
    std::printf("load average before: %s, after: %s (other work on the machine skews the figures)\n",
                loadBefore.constData(), loadAverage().constData());
    row("", QStringLiteral("insights-debugger serve"), QStringLiteral("bare Node.js server"),
        QStringLiteral("serve vs Node"));
    row("1000-event batches (2 conns): events/s accepted", number(s.batchEventsAccepted),
        nodeValue([](const Figures& f) { return number(f.batchEventsAccepted); }),
        versus(s.batchEventsAccepted, nodeNumber([](const Figures& f) { return f.batchEventsAccepted; }),
               ">= 1x, stretch 2x"));
    row("  events/s stored (committed to the log)",
        s.batchEventsStored ? number(*s.batchEventsStored) : QStringLiteral("?"),
        QStringLiteral("(stores nothing)"), QString());
    row("  events per CPU-second of the server", number(s.batchEventsPerCpuSecond),
        nodeValue([](const Figures& f) { return number(f.batchEventsPerCpuSecond); }), QString());
    row("  cores used by the server", number(s.batchCores, 2),
        nodeValue([](const Figures& f) { return number(f.batchCores, 2); }), QStringLiteral("serve > 1.7"));
    row("  latency p50 / p99 (ms)", pair(s.batchP50, s.batchP99),
        nodeValue([](const Figures& f) { return pair(f.batchP50, f.batchP99); }), QString());
    row("single-event requests (8 conns): requests/s", number(s.singleRps),
        nodeValue([](const Figures& f) { return number(f.singleRps); }),
        versus(s.singleRps, nodeNumber([](const Figures& f) { return f.singleRps; }), ">= 1x"));
    row("  requests per CPU-second of the server", number(s.singlePerCpuSecond),
        nodeValue([](const Figures& f) { return number(f.singlePerCpuSecond); }), QString());
    row("  cores used by the server", number(s.singleCores, 2),
        nodeValue([](const Figures& f) { return number(f.singleCores, 2); }), QString());
    row("  latency p50 / p99 (ms)", pair(s.singleP50, s.singleP99),
        nodeValue([](const Figures& f) { return pair(f.singleP50, f.singleP99); }), QString());
    const QByteArray fixedTitle = "single events at " + QByteArray::number(kFixedRate) + " req/s:";
    row(fixedTitle.constData(), QString(), QString(), QString());
    row("  young log: latency p50 / p99 / max (ms)", triple(s.freshP50, s.freshP99, s.freshMax),
        nodeValue([](const Figures& f) { return triple(f.freshP50, f.freshP99, f.freshMax); }), QString());
    row("  log at retention: achieved req/s", number(s.fixedRps),
        nodeValue([](const Figures& f) { return number(f.fixedRps); }), QString());
    row("  log at retention: latency p50 / p99 / max", triple(s.fixedP50, s.fixedP99, s.fixedMax),
        nodeValue([](const Figures& f) { return triple(f.fixedP50, f.fixedP99, f.fixedMax); }),
        QStringLiteral("p99 %1x the young log's (target <= 2x)")
            .arg(number(s.fixedP99 / std::max(0.001, s.freshP99), 2)));
    row("failed or non-200 requests (all phases)",
        number(static_cast<double>(s.batchFailures + s.singleFailures + s.fixedFailures)),
        nodeValue([](const Figures& f) {
            return number(static_cast<double>(f.batchFailures + f.singleFailures + f.fixedFailures));
        }),
        QString());
    row("peak RSS (MB)", number(s.peakRssMb, 1),
        nodeValue([](const Figures& f) { return number(f.peakRssMb, 1); }), QString());
    std::fflush(stdout);
}

QTEST_GUILESS_MAIN(EndpointBenchmark)
#include "bench_endpoint.moc"
