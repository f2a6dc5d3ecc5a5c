// Benchmark: 100,000 events sent by `insights-debugger send` and by the official JavaScript client
// (@algolia/client-insights pushEvents), whole process against whole process (start, read, decode, send in
// 1000-event batches, 2 in flight, exit), to two sinks in turn: a fresh `insights-debugger serve`
// (`send --to local`) and a plain HTTP sink that stores nothing, the bare Node server of the endpoint
// benchmark (`send --to URL`, as documented: the sent events logged in a data folder). Prints the figures
// side by side; asserts nothing about speed.

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

#include <cstdio>
#include <optional>

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
    std::printf("send %s: %s", qPrintable(arguments.mid(2, 2).join(QLatin1Char(' '))),
                send.readAllStandardOutput().constData());
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

void row(const char* label, const Run& run, const QString& extra = QString())
{
    if (run.seconds > 0)
        std::printf("%-66s %8.2f %10.0f %s\n", label, run.seconds, kEvents / run.seconds, qPrintable(extra));
    else
        std::printf("%-66s %8s %10s %s\n", label, "n/a", "", qPrintable(run.note));
}

QString ratio(const Run& ours, const Run& theirs)
{
    if (ours.seconds <= 0 || theirs.seconds <= 0)
        return QString();
    return QStringLiteral("%1x the JS client (target >= 1.5x)").arg(theirs.seconds / ours.seconds, 0, 'f', 2);
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
    {
        QFile file(input);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(makeInput());
    }
    const std::optional<QString> jsMissing = ensureJsClient();
    const auto pushEvents = [&](const QString& url) {
        return jsMissing ? Run{0, *jsMissing} : runPushEvents(url, input);
    };

    // To `serve`: send --to local, then pushEvents, each against a fresh serve.
    Run oursLocal;
    qint64 oursLogged = 0;
    {
        Serve serve(dir.filePath(QStringLiteral("serve-ours")));
        const QString url = serve.waitForUrl();
        QVERIFY2(!url.isEmpty(), "serve did not start");
        oursLocal =
            runSend({QStringLiteral("send"), input, QStringLiteral("--to"), QStringLiteral("local"),
                     QStringLiteral("--local-url"), url, QStringLiteral("--quiet"),
                     QStringLiteral("--outbox"), dir.filePath(QStringLiteral("outbox-local.sqlite"))});
        oursLogged = serve.loggedEvents();
    }
    Run jsLocal;
    qint64 jsLogged = 0;
    {
        Serve serve(dir.filePath(QStringLiteral("serve-js")));
        const QString url = serve.waitForUrl();
        QVERIFY(!url.isEmpty());
        jsLocal = pushEvents(url);
        jsLogged = serve.loggedEvents();
    }

    // To a plain HTTP sink that stores nothing: send --to URL (the sent events logged in its data folder, as
    // documented), then pushEvents.
    Run oursUrl;
    Run jsUrl;
    if (QStandardPaths::findExecutable(QStringLiteral("node")).isEmpty()) {
        oursUrl.note = jsUrl.note = QStringLiteral("node not found: no plain HTTP sink");
    } else {
        BareSink sink;
        QVERIFY2(!sink.url().isEmpty(), "the bare Node sink did not start");
        oursUrl = runSend({QStringLiteral("send"), input, QStringLiteral("--to"), sink.url(),
                           QStringLiteral("--app-id"), QStringLiteral("BENCHAPP"), QStringLiteral("--quiet"),
                           QStringLiteral("--data-dir"), dir.filePath(QStringLiteral("data-url")),
                           QStringLiteral("--outbox"), dir.filePath(QStringLiteral("outbox-url.sqlite"))});
        jsUrl = pushEvents(sink.url());
    }

    std::printf("\n%-66s %8s %10s\n", "100,000 events, 1000 per request, 2 in flight, whole process",
                "seconds", "events/s");
    row("send --to local (serve)", oursLocal,
        QStringLiteral("logged %1; %2").arg(oursLogged).arg(ratio(oursLocal, jsLocal)));
    row("@algolia/client-insights pushEvents to serve", jsLocal, QStringLiteral("logged %1").arg(jsLogged));
    row("send --to URL (plain HTTP sink, sent events logged)", oursUrl, ratio(oursUrl, jsUrl));
    row("@algolia/client-insights pushEvents to the plain HTTP sink", jsUrl);
    std::fflush(stdout);
    QCOMPARE(oursLogged, kEvents); // every event logged once
    QVERIFY2(oursUrl.seconds > 0 || !oursUrl.note.startsWith(QLatin1String("send")),
             qPrintable(oursUrl.note));
}

QTEST_GUILESS_MAIN(BenchClientSend)
#include "bench_client_send.moc"
