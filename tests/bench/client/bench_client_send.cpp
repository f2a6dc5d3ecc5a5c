// Benchmark: 100,000 events sent by `insights-debugger send` and by the official JavaScript client
// (@algolia/client-insights pushEvents), whole process against whole process (start, read, decode, send in
// 1000-event batches, 2 in flight, exit), to two sinks in turn: a fresh `insights-debugger serve`
// (`send --to local`) and a plain HTTP sink that stores nothing, the bare Node server of the endpoint
// benchmark (`send --to URL`, as documented: the sent events logged in a data folder). Both sides read the
// same NDJSON file (every event with its timestamp), cut the same 1000-event requests and keep 2 in flight.
// Each pairing runs BENCH_REPEAT times (3 by default), ours and theirs alternating, each `serve` fresh;
// the medians are compared. Prints the figures side by side; asserts nothing about speed.

#include "event/eventcodec.h"
#include "log/eventlog.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <vector>

namespace {

constexpr int kEvents = 100'000;

QString exe()
{
    return qEnvironmentVariable("INSIGHTS_DEBUGGER_EXE");
}

QByteArray makeInput()
{
    QByteArray out;
    out.reserve(kEvents * 200);
    // Each event carries its own collection time (the last 100 s), as a real capture does: both clients
    // then send the same bytes, and ours has nothing to stamp.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const QStringList names{QStringLiteral("Product Viewed"), QStringLiteral("Product Clicked"),
                            QStringLiteral("Added To Cart")};
    for (int i = 0; i < kEvents; ++i) {
        Event event;
        event.eventType = i % 3 == 0 ? QStringLiteral("view") : QStringLiteral("click");
        event.eventName = names.at(i % 3);
        event.index = QStringLiteral("products");
        event.userToken = QStringLiteral("bench-user-%1").arg(i % 500);
        event.objectIDs =
            QStringList{QStringLiteral("sku-%1").arg(i % 9973), QStringLiteral("sku-%1").arg(i % 31)};
        event.timestamp = now - kEvents + i;
        out += EventCodec::encodeEvent(event) + '\n';
    }
    return out;
}

class Serve
{
public:
    explicit Serve(const QString& dataDir)
        : m_dataDir(dataDir)
    {
        m_process.start(exe(),
                        {QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                         QStringLiteral("--data-dir"), dataDir, QStringLiteral("--quiet")});
    }
    ~Serve() { stop(); }
    QString waitForUrl()
    {
        QByteArray out;
        [[maybe_unused]] const bool ready = QTest::qWaitFor(
            [&] {
                out += m_process.readAllStandardOutput();
                return out.contains('\n') || m_process.state() == QProcess::NotRunning;
            },
            15000);
        const qsizetype at = out.indexOf("listening on ");
        return at < 0 ? QString()
                      : QString::fromUtf8(out.mid(at + 13, out.indexOf('\n', at) - at - 13)).trimmed();
    }
    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.terminate();
        if (!m_process.waitForFinished(60000))
            m_process.kill();
    }
    qint64 loggedEvents()
    {
        stop();
        EventLog::OpenResult opened = EventLog::open(
            EventLogOptions{QDir(m_dataDir).filePath(QStringLiteral("events.sqlite")), 1'000'000});
        return opened.log ? opened.log->count() : -1;
    }

private:
    QString m_dataDir;
    QProcess m_process;
};

// npm install into the build folder on first use; returns the error, or nothing when ready.
std::optional<QString> ensureJsClient()
{
    const QString dir = QStringLiteral(BENCH_NODE_DIR);
    if (QFile::exists(dir + QStringLiteral("/node_modules/@algolia/client-insights/package.json")))
        return std::nullopt;
    QDir().mkpath(dir);
    QProcess npm;
    npm.setWorkingDirectory(dir);
    npm.start(QStringLiteral("npm"),
              {QStringLiteral("install"), QStringLiteral("--no-audit"), QStringLiteral("--no-fund"),
               QStringLiteral("--prefix"), dir, QStringLiteral("@algolia/client-insights@5")});
    if (!npm.waitForFinished(300000) || npm.exitCode() != 0)
        return QStringLiteral("npm install @algolia/client-insights failed: %1")
            .arg(QString::fromUtf8(npm.readAllStandardError()).simplified().left(300));
    return std::nullopt;
}

// The bare Node server of the endpoint benchmark: reads each body, parses it, answers 200, stores nothing.
class BareSink
{
public:
    BareSink()
    {
        m_process.start(QStringLiteral("node"), {QStringLiteral(BENCH_BARE_SERVER)});
        QByteArray out;
        [[maybe_unused]] const bool ready = QTest::qWaitFor(
            [&] {
                out += m_process.readAllStandardOutput();
                return out.contains('\n') || m_process.state() == QProcess::NotRunning;
            },
            15000);
        const qsizetype at = out.indexOf("listening on ");
        if (at >= 0)
            m_url = QString::fromUtf8(out.mid(at + 13, out.indexOf('\n', at) - at - 13)).trimmed();
    }
    ~BareSink()
    {
        m_process.terminate();
        if (!m_process.waitForFinished(10000))
            m_process.kill();
    }
    QString url() const { return m_url; }

private:
    QProcess m_process;
    QString m_url;
};

struct Run
{
    double seconds = 0;
    QString note; // why there is no figure, or what went wrong
};

// One `insights-debugger send` process, timed from start to exit.
Run runSend(const QStringList& arguments)
{
    QProcess send;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("ALGOLIA_API_KEY"),
                       QStringLiteral("bench-key")); // not on the command line
    send.setProcessEnvironment(environment);
    QElapsedTimer clock;
    clock.start();
    send.start(exe(), arguments);
    if (!send.waitForFinished(300000))
        return {0, QStringLiteral("send did not finish")};
    Run run{static_cast<double>(clock.nsecsElapsed()) / 1e9, {}};
    if (send.exitCode() != 0)
        return {
            0,
            QStringLiteral("send failed: %1").arg(QString::fromUtf8(send.readAllStandardError()).left(300))};
    return run;
}

// One Node process running pushEvents, timed from start to exit.
Run runPushEvents(const QString& url, const QString& input)
{
    QProcess node;
    QElapsedTimer clock;
    clock.start();
    node.start(QStringLiteral("node"), {QStringLiteral(BENCH_PUSH_SCRIPT), QStringLiteral(BENCH_NODE_DIR),
                                        url, input, QStringLiteral("2")});
    if (!node.waitForFinished(600000))
        return {0, QStringLiteral("node did not finish")};
    Run run{static_cast<double>(clock.nsecsElapsed()) / 1e9, {}};
    const QJsonObject result = QJsonDocument::fromJson(node.readAllStandardOutput().trimmed()).object();
    if (node.exitCode() != 0 || result.isEmpty())
        return {
            0,
            QStringLiteral("node failed: %1").arg(QString::fromUtf8(node.readAllStandardError()).left(300))};
    if (result.value(QLatin1String("failed")).toInt() > 0)
        return {0, QStringLiteral("%1 events failed").arg(result.value(QLatin1String("failed")).toInt())};
    return run;
}

// The runs of one side of a pairing: the median is what is compared, every run is printed.
struct Runs
{
    std::vector<double> seconds;
    QString note; // the first failure
    qint64 logged = -1;

    void add(const Run& run)
    {
        if (run.seconds > 0)
            seconds.push_back(run.seconds);
        else if (note.isEmpty())
            note = run.note;
    }
    bool ok() const { return note.isEmpty() && !seconds.empty(); }
    double median() const
    {
        std::vector<double> sorted = seconds;
        std::sort(sorted.begin(), sorted.end());
        return sorted.at(sorted.size() / 2);
    }
    QString all() const
    {
        QStringList texts;
        for (double value : seconds)
            texts.append(QString::number(value, 'f', 2));
        return texts.join(QLatin1Char(' '));
    }
};

QString loadAverage()
{
    QFile file(QStringLiteral("/proc/loadavg"));
    if (!file.open(QIODevice::ReadOnly))
        return QStringLiteral("unknown");
    return QString::fromLatin1(file.readAll()).section(QLatin1Char(' '), 0, 2);
}

void row(const char* label, const Runs& runs, const QString& extra = QString())
{
    if (runs.ok())
        std::printf("%-62s %8.2f %9.0f  %-16s %s\n", label, runs.median(), kEvents / runs.median(),
                    qPrintable(runs.all()), qPrintable(extra));
    else
        std::printf("%-62s %8s %9s  %-16s %s\n", label, "n/a", "", "",
                    qPrintable(runs.note.isEmpty() ? extra : runs.note));
}

QString ratio(const Runs& ours, const Runs& theirs)
{
    if (!ours.ok() || !theirs.ok())
        return QString();
    return QStringLiteral("%1x the JS client (target >= 1.5x)")
        .arg(theirs.median() / ours.median(), 0, 'f', 2);
}

} // namespace

class BenchClientSend final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sendVersusJsClient();
};

void BenchClientSend::sendVersusJsClient()
{
    QTemporaryDir dir;
    const QString input = dir.filePath(QStringLiteral("events.ndjson"));
    qint64 inputBytes = 0;
    {
        QFile file(input);
        QVERIFY(file.open(QIODevice::WriteOnly));
        inputBytes = file.write(makeInput());
    }
    const std::optional<QString> jsMissing = ensureJsClient();
    const auto pushEvents = [&](const QString& url) {
        return jsMissing ? Run{0, *jsMissing} : runPushEvents(url, input);
    };
    const int repeat = qMax(1, qEnvironmentVariableIntValue("BENCH_REPEAT") > 0
                                   ? qEnvironmentVariableIntValue("BENCH_REPEAT")
                                   : 3);
    const QString loadBefore = loadAverage();
    const bool haveNode = !QStandardPaths::findExecutable(QStringLiteral("node")).isEmpty();

    Runs oursLocal, jsLocal, oursUrl, jsUrl;
    for (int round = 0; round < repeat; ++round) {
        const QString tag = QString::number(round);
        // To `serve`: send --to local, then pushEvents, each against a fresh serve (not timed: started
        // before, stopped after, then its log counted).
        {
            Serve serve(dir.filePath(QStringLiteral("serve-ours-") + tag));
            const QString url = serve.waitForUrl();
            QVERIFY2(!url.isEmpty(), "serve did not start");
            oursLocal.add(runSend({QStringLiteral("send"), input, QStringLiteral("--to"),
                                   QStringLiteral("local"), QStringLiteral("--local-url"), url,
                                   QStringLiteral("--quiet"), QStringLiteral("--outbox"),
                                   dir.filePath(QStringLiteral("outbox-local-%1.sqlite").arg(tag))}));
            const qint64 logged = serve.loggedEvents();
            oursLocal.logged = oursLocal.logged < 0 ? logged : qMin(oursLocal.logged, logged);
        }
        {
            Serve serve(dir.filePath(QStringLiteral("serve-js-") + tag));
            const QString url = serve.waitForUrl();
            QVERIFY(!url.isEmpty());
            jsLocal.add(pushEvents(url));
            const qint64 logged = serve.loggedEvents();
            jsLocal.logged = jsLocal.logged < 0 ? logged : qMin(jsLocal.logged, logged);
        }
        // To a plain HTTP sink that stores nothing: send --to URL (the sent events logged in a data folder
        // of its own, as documented), then pushEvents.
        if (!haveNode) {
            oursUrl.note = jsUrl.note = QStringLiteral("node not found: no plain HTTP sink");
            continue;
        }
        BareSink sink;
        QVERIFY2(!sink.url().isEmpty(), "the bare Node sink did not start");
        const QString dataDir = dir.filePath(QStringLiteral("data-url-") + tag);
        oursUrl.add(runSend(
            {QStringLiteral("send"), input, QStringLiteral("--to"), sink.url(), QStringLiteral("--app-id"),
             QStringLiteral("BENCHAPP"), QStringLiteral("--quiet"), QStringLiteral("--data-dir"), dataDir,
             QStringLiteral("--outbox"), dir.filePath(QStringLiteral("outbox-url-%1.sqlite").arg(tag))}));
        {
            EventLog::OpenResult opened = EventLog::open(
                EventLogOptions{QDir(dataDir).filePath(QStringLiteral("events.sqlite")), 1'000'000});
            const qint64 logged = opened.log ? opened.log->count() : -1;
            oursUrl.logged = oursUrl.logged < 0 ? logged : qMin(oursUrl.logged, logged);
        }
        jsUrl.add(pushEvents(sink.url()));
    }

    std::printf(
        "\nSame input for both sides: %d events (%lld bytes of NDJSON, each event with its timestamp), "
        "1000 per request, 2 in flight;\nwhole process wall time (start, read, decode, send, exit), "
        "median of %d alternating runs; load average %s before, %s after.\n",
        kEvents, static_cast<long long>(inputBytes), repeat, qPrintable(loadBefore),
        qPrintable(loadAverage()));
    std::printf("send --to local gzips its bodies (its default for the embedded endpoint), pushEvents sends "
                "them plain;\nsend --to URL also logs every sent event in its data folder, pushEvents logs "
                "nothing.\n\n");
    std::printf("%-62s %8s %9s  %-16s\n", "", "seconds", "events/s", "runs");
    row("send --to local (serve)", oursLocal,
        QStringLiteral("serve logged %1; %2").arg(oursLocal.logged).arg(ratio(oursLocal, jsLocal)));
    row("@algolia/client-insights pushEvents to serve", jsLocal,
        QStringLiteral("serve logged %1").arg(jsLocal.logged));
    row("send --to URL (plain HTTP sink, sent events logged)", oursUrl,
        QStringLiteral("logged %1; %2").arg(oursUrl.logged).arg(ratio(oursUrl, jsUrl)));
    row("@algolia/client-insights pushEvents to the plain HTTP sink", jsUrl);
    std::fflush(stdout);
    QCOMPARE(oursLocal.logged, kEvents); // every event logged once, in every run
    QVERIFY2(oursLocal.ok(), qPrintable(oursLocal.note));
    if (haveNode) {
        QVERIFY2(oursUrl.ok(), qPrintable(oursUrl.note));
        QCOMPARE(oursUrl.logged, kEvents);
    }
}

QTEST_GUILESS_MAIN(BenchClientSend)
#include "bench_client_send.moc"
