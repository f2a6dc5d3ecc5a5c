// Endpoint benchmark (label "bench"): the real `insights-debugger serve` under 1000-event batches,
// single-event requests flat out, and single events at a fixed 1,000 requests/s, over keep-alive loopback
// connections; then the same load against a bare Node.js server that only parses the JSON and answers 200.
// Prints figures side by side with the targets of issue 3; asserts nothing about speed.

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

constexpr double kPhaseSeconds = 4.0;
constexpr int kBatchConnections = 2;
constexpr int kSingleConnections = 8;

std::string requestFor(quint16 port, const QByteArray& body)
{
    const QByteArray head =
        "POST /1/events HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port) +
        "\r\nContent-Type: application/json\r\nx-algolia-application-id: BENCHAPP\r\n"
        "x-algolia-api-key: bench-key\r\nUser-Agent: bench-endpoint/1.0\r\nContent-Length: " +
        QByteArray::number(body.size()) + "\r\n\r\n";
    return QByteArray(head + body).toStdString();
}

// A click after search stamped when it was "collected" (1 ms apart, as a real client does): about 260 bytes,
// like the batches of build-env.md.
QByteArray clickEvent(int i, qint64 now)
{
    return "{\"eventType\":\"click\",\"eventName\":\"Product "
           "Clicked\",\"index\":\"products\",\"userToken\":\"user-" +
           QByteArray::number(i % 97) + "\",\"timestamp\":" + QByteArray::number(now - i) +
           ",\"objectIDs\":[\"9780545139700\",\"97804397845" + QByteArray::number(i % 10) +
           "\"],\"positions\":[7,8],\"queryID\":\"43b15df305339e827f0ac0bdc5ebcaa7\","
           "\"authenticatedUserToken\":\"customer-" +
           QByteArray::number(i % 89) + "\"}";
}

QByteArray batchBody(int count)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QByteArray body = "{\"events\":[";
    for (int i = 0; i < count; ++i)
        body += (i ? "," : "") + clickEvent(i, now);
    return body + "]}";
}

struct Server
{
    QString name;
    QProcess process;
    quint16 port = 0;
    bool hasStats = false;

    bool start(const QString& program, const QStringList& arguments)
    {
        process.setProcessChannelMode(QProcess::SeparateChannels);
        process.start(program, arguments);
        QByteArray out;
        while (!out.contains('\n') && process.waitForReadyRead(15000))
            out += process.readAllStandardOutput();
        const QRegularExpressionMatch match =
            QRegularExpression(QStringLiteral(R"(listening on http://127\.0\.0\.1:(\d+))"))
                .match(QString::fromUtf8(out));
        if (!match.hasMatch()) {
            std::fprintf(stderr, "%s did not start: %s %s\n", qPrintable(name), out.constData(),
                         process.readAllStandardError().constData());
            return false;
        }
        port = static_cast<quint16>(match.captured(1).toUInt());
        return true;
    }
    // Peak resident set (VmHWM), in MB.
    double peakRssMb() const
    {
        QFile status(QStringLiteral("/proc/%1/status").arg(process.processId()));
        if (!status.open(QIODevice::ReadOnly))
            return 0;
        for (const QByteArray& line : status.readAll().split('\n')) {
            if (line.startsWith("VmHWM:"))
                return line.mid(6).trimmed().split(' ').value(0).toDouble() / 1024.0;
        }
        return 0;
    }
    // CPU time used by the server so far (user + system), in seconds.
    double cpuSeconds() const
    {
        QFile stat(QStringLiteral("/proc/%1/stat").arg(process.processId()));
        if (!stat.open(QIODevice::ReadOnly))
            return 0;
        const QByteArray text = stat.readAll();
        // Fields after the command name (which may contain spaces) start after the last ')'.
        const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
        const double ticks = fields.value(11).toDouble() + fields.value(12).toDouble();
        return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
    std::optional<qint64> storedEvents() const
    {
        if (!hasStats)
            return std::nullopt;
        const std::string body = httpGet(port, "/debugger/stats");
        const QRegularExpressionMatch match =
            QRegularExpression(QStringLiteral(R"("lastId":(\d+))")).match(QString::fromStdString(body));
        return match.hasMatch() ? std::optional<qint64>(match.captured(1).toLongLong()) : std::nullopt;
    }
    ~Server()
    {
        if (process.state() != QProcess::NotRunning) {
            process.terminate();
            if (!process.waitForFinished(10000))
                process.kill();
            process.waitForFinished(5000);
        }
    }
};

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
};

Figures measure(Server& server)
{
    Figures f;
    const std::string batch = requestFor(server.port, batchBody(1000));
    const std::string single = requestFor(server.port, batchBody(1));
    // Warm-up: connections, caches, the log's first pages.
    runClosedLoop(server.port, single, 2, 0.5);

    // 1,000 req/s on a young log (a developer's session), then again at the end, when the batches have filled
    // the log past its retention and every commit may trim.
    LoadResult fresh = runFixedRate(server.port, single, 1000, 4, kPhaseSeconds);
    f.freshP50 = fresh.percentileMs(50);
    f.freshP99 = fresh.percentileMs(99);
    f.freshMax = fresh.percentileMs(100);
    f.fixedFailures += fresh.failures;

    const std::optional<qint64> storedBefore = server.storedEvents();
    double cpu = server.cpuSeconds();
    LoadResult batches = runClosedLoop(server.port, batch, kBatchConnections, kPhaseSeconds);
    f.batchEventsPerCpuSecond =
        static_cast<double>(batches.ok) * 1000.0 / std::max(0.001, server.cpuSeconds() - cpu);
    f.batchEventsAccepted = static_cast<double>(batches.ok) * 1000.0 / batches.seconds;
    if (const std::optional<qint64> storedAfter = server.storedEvents(); storedBefore && storedAfter)
        f.batchEventsStored = static_cast<double>(*storedAfter - *storedBefore) / batches.seconds;
    f.batchP50 = batches.percentileMs(50);
    f.batchP99 = batches.percentileMs(99);
    f.batchFailures = batches.failures;

    cpu = server.cpuSeconds();
    LoadResult singles = runClosedLoop(server.port, single, kSingleConnections, kPhaseSeconds);
    f.singlePerCpuSecond = static_cast<double>(singles.ok) / std::max(0.001, server.cpuSeconds() - cpu);
    f.singleRps = singles.requestsPerSecond();
    f.singleP50 = singles.percentileMs(50);
    f.singleP99 = singles.percentileMs(99);
    f.singleFailures = singles.failures;

    LoadResult fixed = runFixedRate(server.port, single, 1000, 4, kPhaseSeconds);
    f.fixedRps = fixed.requestsPerSecond();
    f.fixedP50 = fixed.percentileMs(50);
    f.fixedP99 = fixed.percentileMs(99);
    f.fixedMax = fixed.percentileMs(100);
    f.fixedFailures += fixed.failures;
    f.peakRssMb = server.peakRssMb();
    return f;
}

QByteArray loadAverage()
{
    QFile file(QStringLiteral("/proc/loadavg"));
    return file.open(QIODevice::ReadOnly) ? file.readAll().split(' ').mid(0, 3).join(' ') : QByteArray("?");
}

QString number(double value, int decimals = 0)
{
    return QLocale(QLocale::English).toString(value, 'f', decimals);
}

void row(const char* label, const QString& serve, const QString& node, const char* target)
{
    std::printf("%-44s %22s %22s   %s\n", label, qPrintable(serve), qPrintable(node), target);
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
        Server serve;
        serve.name = QStringLiteral("serve");
        serve.hasStats = true;
        QVERIFY(serve.start(exe, QStringList{QStringLiteral("serve"), QStringLiteral("--listen"),
                                             QStringLiteral("127.0.0.1:0"), QStringLiteral("--data-dir"),
                                             dir.path(), QStringLiteral("--quiet")} +
                                     extra));
        serveFigures = measure(serve);
    }
    std::optional<Figures> nodeFigures;
    if (!node.isEmpty()) {
        Server bare;
        bare.name = QStringLiteral("node");
        QVERIFY(bare.start(node, {QStringLiteral(INSIGHTS_BENCH_DIR "/bare-server.mjs")}));
        nodeFigures = measure(bare);
    }

    const auto nodeValue = [&nodeFigures](auto get) {
        return nodeFigures ? get(*nodeFigures) : QStringLiteral("n/a");
    };
    std::printf(
        "\nEmbedded endpoint benchmark: %d cores, %.0f s per phase, keep-alive loopback connections\n",
        QThread::idealThreadCount(), kPhaseSeconds);
    std::printf("load average before: %s, after: %s (other work on the machine skews the figures)\n",
                loadBefore.constData(), loadAverage().constData());
    std::printf("%-44s %22s %22s   %s\n", "", "insights-debugger serve", "bare Node.js server", "target");
    row("1000-event batches (2 conns): events/s accepted", number(serveFigures.batchEventsAccepted),
        nodeValue([](const Figures& f) -> QString { return number(f.batchEventsAccepted); }), ">= 250,000");
    row("  events per CPU-second of the server", number(serveFigures.batchEventsPerCpuSecond),
        nodeValue([](const Figures& f) -> QString { return number(f.batchEventsPerCpuSecond); }), "");
    row("  events/s stored (committed to the log)",
        serveFigures.batchEventsStored ? number(*serveFigures.batchEventsStored) : QStringLiteral("?"),
        QStringLiteral("(stores nothing)"), "");
    row("  latency p50 / p99 (ms)",
        number(serveFigures.batchP50, 2) + QStringLiteral(" / ") + number(serveFigures.batchP99, 2),
        nodeValue([](const Figures& f) -> QString {
            return number(f.batchP50, 2) + QStringLiteral(" / ") + number(f.batchP99, 2);
        }),
        "");
    row("single-event requests (8 conns): requests/s", number(serveFigures.singleRps),
        nodeValue([](const Figures& f) -> QString { return number(f.singleRps); }), ">= 20,000");
    row("  requests per CPU-second of the server", number(serveFigures.singlePerCpuSecond),
        nodeValue([](const Figures& f) -> QString { return number(f.singlePerCpuSecond); }), "");
    row("  latency p50 / p99 (ms)",
        number(serveFigures.singleP50, 2) + QStringLiteral(" / ") + number(serveFigures.singleP99, 2),
        nodeValue([](const Figures& f) -> QString {
            return number(f.singleP50, 2) + QStringLiteral(" / ") + number(f.singleP99, 2);
        }),
        "");
    const auto triple = [](double p50, double p99, double max) -> QString {
        return number(p50, 2) + QStringLiteral(" / ") + number(p99, 2) + QStringLiteral(" / ") +
               number(max, 1);
    };
    row("single events at 1,000 req/s, young log:", QString(), QString(), "");
    row("  latency p50 / p99 / max (ms)",
        triple(serveFigures.freshP50, serveFigures.freshP99, serveFigures.freshMax),
        nodeValue(
            [&triple](const Figures& f) -> QString { return triple(f.freshP50, f.freshP99, f.freshMax); }),
        "p99 < 5 ms");
    row("single events at 1,000 req/s, log at retention:", QString(), QString(), "");
    row("  achieved req/s", number(serveFigures.fixedRps),
        nodeValue([](const Figures& f) -> QString { return number(f.fixedRps); }), "");
    row("  latency p50 / p99 / max (ms)",
        triple(serveFigures.fixedP50, serveFigures.fixedP99, serveFigures.fixedMax),
        nodeValue(
            [&triple](const Figures& f) -> QString { return triple(f.fixedP50, f.fixedP99, f.fixedMax); }),
        "p99 < 5 ms");
    row("failed or non-200 requests (all phases)",
        number(static_cast<double>(serveFigures.batchFailures + serveFigures.singleFailures +
                                   serveFigures.fixedFailures)),
        nodeValue([](const Figures& f) -> QString {
            return number(static_cast<double>(f.batchFailures + f.singleFailures + f.fixedFailures));
        }),
        "");
    row("peak RSS (MB)", number(serveFigures.peakRssMb, 1),
        nodeValue([](const Figures& f) -> QString { return number(f.peakRssMb, 1); }), "");
    std::fflush(stdout);
}

QTEST_GUILESS_MAIN(EndpointBenchmark)
#include "bench_endpoint.moc"
