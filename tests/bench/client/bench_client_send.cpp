// Benchmark: 100,000 events sent to a fresh `insights-debugger serve`, by `insights-debugger send` (the
// whole process: start, read, decode, queue in the SQLite outbox, send in 1000-event batches, 2 in flight,
// exit) and by
// the official JavaScript client (@algolia/client-insights pushEvents, 1000-event batches, 2 in flight,
// timed from the first request only, after its input is parsed). Prints both side by side; asserts nothing
// about speed.

#include "event/eventcodec.h"
#include "log/eventlog.h"
#include "outbox/outbox.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <cstdio>

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

    // insights-debugger send
    double ourSeconds = 0;
    qint64 ourLogged = 0;
    {
        Serve serve(dir.filePath(QStringLiteral("serve-ours")));
        const QString url = serve.waitForUrl();
        QVERIFY2(!url.isEmpty(), "serve did not start");
        QProcess send;
        QElapsedTimer clock;
        clock.start();
        send.start(exe(), {QStringLiteral("send"), input, QStringLiteral("--to"), QStringLiteral("local"),
                           QStringLiteral("--local-url"), url, QStringLiteral("--quiet"),
                           QStringLiteral("--outbox"), dir.filePath(QStringLiteral("outbox.sqlite"))});
        QVERIFY(send.waitForFinished(300000));
        ourSeconds = static_cast<double>(clock.nsecsElapsed()) / 1e9;
        const QByteArray out = send.readAllStandardOutput();
        QVERIFY2(send.exitCode() == 0, out.constData());
        std::printf("send output: %s", out.constData());
        ourLogged = serve.loggedEvents();
    }

    // insights-debugger send --resume: the requests alone, from an outbox already holding the events (filled
    // by a send to a closed port that gives up at once), to compare with the JS client's requests alone.
    // Run with gzip bodies (the default for the embedded endpoint) and without: Qt's HTTP client leaves
    // Nagle's algorithm on, and gzip is what keeps a request's last segment from waiting for an ACK.
    const auto timeResume = [&](const QString& name, const QString& gzip) -> double {
        const QString outbox = dir.filePath(name + QStringLiteral(".sqlite"));
        QProcess fill;
        fill.start(exe(), {QStringLiteral("send"), input, QStringLiteral("--to"), QStringLiteral("local"),
                           QStringLiteral("--local-url"), QStringLiteral("http://127.0.0.1:9"),
                           QStringLiteral("--max-attempts"), QStringLiteral("1"), QStringLiteral("--quiet"),
                           QStringLiteral("--outbox"), outbox});
        if (!fill.waitForFinished(300000))
            return 0;
        Serve serve(dir.filePath(QStringLiteral("serve-") + name));
        const QString url = serve.waitForUrl();
        if (url.isEmpty())
            return 0;
        QProcess send;
        send.start(exe(),
                   {QStringLiteral("send"), QStringLiteral("--resume"), QStringLiteral("--to"),
                    QStringLiteral("local"), QStringLiteral("--local-url"), url, QStringLiteral("--gzip"),
                    gzip, QStringLiteral("--quiet"), QStringLiteral("--outbox"), outbox});
        if (!send.waitForFinished(300000) || send.exitCode() != 0)
            return 0;
        const QByteArray out = send.readAllStandardOutput();
        // "sent N event(s) to URL in R request(s), S s (…)": the sending time as send measured it.
        const qsizetype at = out.indexOf("request(s), ");
        std::printf("send --resume --gzip %s output: %s", qPrintable(gzip), out.constData());
        return at < 0 ? 0 : out.mid(at + 12, out.indexOf(" s ", at) - at - 12).toDouble();
    };
    const double resumeSeconds = timeResume(QStringLiteral("resume"), QStringLiteral("auto"));
    QVERIFY(resumeSeconds > 0);
    const double plainSeconds = timeResume(QStringLiteral("resume-plain"), QStringLiteral("never"));

    // @algolia/client-insights pushEvents
    double jsSeconds = 0;
    double jsProcessSeconds = 0;
    qint64 jsLogged = 0;
    QString jsNote;
    if (const std::optional<QString> error = ensureJsClient()) {
        jsNote = *error;
    } else {
        Serve serve(dir.filePath(QStringLiteral("serve-js")));
        const QString url = serve.waitForUrl();
        QVERIFY(!url.isEmpty());
        QProcess node;
        QElapsedTimer clock;
        clock.start();
        node.start(QStringLiteral("node"), {QStringLiteral(BENCH_PUSH_SCRIPT), QStringLiteral(BENCH_NODE_DIR),
                                            url, input, QStringLiteral("2")});
        QVERIFY(node.waitForFinished(600000));
        jsProcessSeconds = static_cast<double>(clock.nsecsElapsed()) / 1e9;
        const QByteArray out = node.readAllStandardOutput();
        const QJsonObject result = QJsonDocument::fromJson(out.trimmed()).object();
        if (node.exitCode() != 0 || result.isEmpty()) {
            jsNote = QStringLiteral("node failed: %1")
                         .arg(QString::fromUtf8(node.readAllStandardError()).left(300));
        } else {
            jsSeconds = result.value(QLatin1String("seconds")).toDouble();
            if (result.value(QLatin1String("failed")).toInt() > 0)
                jsNote =
                    QStringLiteral("%1 events failed").arg(result.value(QLatin1String("failed")).toInt());
        }
        jsLogged = serve.loggedEvents();
    }

    // serve alone: curl posting the same 100 bodies, gzip-encoded beforehand, 2 at a time (TCP_NODELAY,
    // no JSON work on the client). What no client can beat against this serve.
    double curlSeconds = 0;
    {
        QStringList arguments{QStringLiteral("--parallel"), QStringLiteral("--parallel-max"),
                              QStringLiteral("2"), QStringLiteral("-s")};
        QFile inputFile(input);
        QVERIFY(inputFile.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = inputFile.readAll().split('\n');
        Serve serve(dir.filePath(QStringLiteral("serve-curl")));
        const QString url = serve.waitForUrl();
        QVERIFY(!url.isEmpty());
        for (int batch = 0; batch * 1000 < kEvents; ++batch) {
            const QString path = dir.filePath(QStringLiteral("body-%1.gz").arg(batch));
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(OutboxBodies::gzip(EventCodec::encodeRawBatch(lines.mid(batch * 1000, 1000))));
            if (batch > 0)
                arguments << QStringLiteral("--next") << QStringLiteral("-s");
            arguments << QStringLiteral("-o") << QStringLiteral("/dev/null") << QStringLiteral("-H")
                      << QStringLiteral("x-algolia-application-id: BENCHAPP") << QStringLiteral("-H")
                      << QStringLiteral("x-algolia-api-key: bench-key") << QStringLiteral("-H")
                      << QStringLiteral("content-type: application/json") << QStringLiteral("-H")
                      << QStringLiteral("content-encoding: gzip") << QStringLiteral("-H")
                      << QStringLiteral("x-insights-debugger-sent: 1") << QStringLiteral("-H")
                      << QStringLiteral("Expect:") << QStringLiteral("--data-binary")
                      << QLatin1Char('@') + path << url + QStringLiteral("/1/events");
        }
        QProcess curl;
        QElapsedTimer clock;
        clock.start();
        curl.start(QStringLiteral("curl"), arguments);
        const bool finished = curl.waitForFinished(300000);
        const double seconds = static_cast<double>(clock.nsecsElapsed()) / 1e9;
        if (finished && curl.exitStatus() == QProcess::NormalExit && curl.exitCode() == 0 &&
            serve.loggedEvents() == kEvents)
            curlSeconds = seconds; // else curl is missing or failed: the line is left out
    }

    const double ours = kEvents / ourSeconds;
    std::printf("\n%-62s %9s %10s %9s\n", "100,000 events to serve, 1000 per request, 2 in flight", "seconds",
                "events/s", "logged");
    std::printf("%-62s %9.2f %10.0f %9lld\n", "insights-debugger send, whole process (read, outbox, send)",
                ourSeconds, ours, static_cast<long long>(ourLogged));
    if (resumeSeconds > 0)
        std::printf("%-62s %9.2f %10.0f\n", "insights-debugger send --resume, requests only (queued outbox)",
                    resumeSeconds, kEvents / resumeSeconds);
    if (plainSeconds > 0)
        std::printf("%-62s %9.2f %10.0f\n", "  the same with --gzip never (Nagle left on by Qt)",
                    plainSeconds, kEvents / plainSeconds);
    if (jsSeconds > 0) {
        const double js = kEvents / jsSeconds;
        const double jsProcess = kEvents / jsProcessSeconds;
        std::printf("%-62s %9.2f %10.0f %9lld\n", "@algolia/client-insights pushEvents, whole Node process",
                    jsProcessSeconds, jsProcess, static_cast<long long>(jsLogged));
        std::printf("%-62s %9.2f %10.0f\n", "@algolia/client-insights pushEvents, requests only", jsSeconds,
                    js);
        std::printf("ratio whole process / whole process: %.2fx; requests only / requests only: %.2fx "
                    "(target >= 3x)\n",
                    ours / jsProcess, resumeSeconds > 0 ? (kEvents / resumeSeconds) / js : 0.0);
    }
    if (curlSeconds > 0)
        std::printf("%-62s %9.2f %10.0f\n", "serve alone: curl, pre-gzipped bodies, requests only",
                    curlSeconds, kEvents / curlSeconds);
    if (!jsNote.isEmpty())
        std::printf("JavaScript client: %s\n", qPrintable(jsNote));
    std::fflush(stdout);
    QCOMPARE(ourLogged, kEvents); // every event logged once
}

QTEST_GUILESS_MAIN(BenchClientSend)
#include "bench_client_send.moc"
