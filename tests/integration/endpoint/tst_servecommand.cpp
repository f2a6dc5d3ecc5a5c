// `insights-debugger serve` as a user runs it: the real executable (INSIGHTS_DEBUGGER_EXE), its one
// "listening on" line, its per-event lines, clean exits on SIGINT/SIGTERM, and durability: after SIGKILL in
// the middle of a stream of requests, every event that got a 200 is in the log when serve restarts.

#include "httptestclient.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <memory>

namespace {

const QByteArray kApiKey = QByteArrayLiteral("serve-secret-key-d41d8cd9");

RawHeaders credentialHeaders()
{
    return {qMakePair(QByteArray("x-algolia-application-id"), QByteArray("SERVEAPP")),
            qMakePair(QByteArray("x-algolia-api-key"), kApiKey)};
}

QByteArray batch(const QString& userToken, int count, bool valid = true)
{
    QByteArray body = "{\"events\":[";
    for (int i = 0; i < count; ++i) {
        body += (i ? "," : "");
        body += "{\"eventType\":\"view\",\"eventName\":\"Product Viewed\"," +
                QByteArray(valid ? "\"index\":\"products\"," : "") + "\"userToken\":\"" + userToken.toUtf8() +
                "\",\"objectIDs\":[\"o" + QByteArray::number(i) + "\"]}";
    }
    return body + "]}";
}

// One running `serve`, its output collected as it comes.
class Serve
{
public:
    // `environment`: extra variables for the process (NAME=value); ALGOLIA_API_KEY is never inherited.
    bool start(const QStringList& arguments, const QStringList& environment = {})
    {
        QProcessEnvironment variables = QProcessEnvironment::systemEnvironment();
        variables.remove(QStringLiteral("ALGOLIA_API_KEY"));
        for (const QString& variable : environment)
            variables.insert(variable.section(QLatin1Char('='), 0, 0), variable.section(QLatin1Char('='), 1));
        m_process.setProcessEnvironment(variables);
        const QString exe = qEnvironmentVariable("INSIGHTS_DEBUGGER_EXE");
        if (exe.isEmpty())
            return false;
        QObject::connect(&m_process, &QProcess::readyReadStandardOutput, &m_process,
                         [this] { m_stdout += m_process.readAllStandardOutput(); });
        QObject::connect(&m_process, &QProcess::readyReadStandardError, &m_process,
                         [this] { m_stderr += m_process.readAllStandardError(); });
        m_process.start(exe, QStringList{QStringLiteral("serve")} + arguments);
        if (!QTest::qWaitFor(
                [this] { return m_stdout.contains('\n') || m_process.state() == QProcess::NotRunning; },
                15000))
            return false;
        static const QRegularExpression line(
            QStringLiteral(R"(^listening on (http://127\.0\.0\.1:(\d+))\n)"));
        const QRegularExpressionMatch match = line.match(QString::fromUtf8(m_stdout));
        if (!match.hasMatch())
            return false;
        m_baseUrl = match.captured(1);
        m_port = static_cast<quint16>(match.captured(2).toUInt());
        return m_port != 0;
    }
    bool waitForExit(int timeoutMs = 10000)
    {
        return QTest::qWaitFor([this] { return m_process.state() == QProcess::NotRunning; }, timeoutMs);
    }
    ~Serve()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000); // a child process, not a socket of this thread
        }
    }

    QProcess m_process;
    QByteArray m_stdout;
    QByteArray m_stderr;
    QString m_baseUrl;
    quint16 m_port = 0;
};

} // namespace

class ServeCommandTest final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void listeningLineThenOneLinePerEvent();
    void summaryLinesByDefault();
    void jsonLines();
    void exitsCleanlyOnSignal_data();
    void exitsCleanlyOnSignal();
    void requiredCredentials();
    void requiredKeyFromFileOrEnvironment_data();
    void requiredKeyFromFileOrEnvironment();
    void catalogWarnsAboutUnknownObjectIDs();
    void nonLoopbackWarns();
    void badArguments_data();
    void badArguments();
    void noAcknowledgedEventLost_data();
    void noAcknowledgedEventLost();

private:
    QNetworkAccessManager m_manager;
};

void ServeCommandTest::initTestCase()
{
    QVERIFY2(!qEnvironmentVariable("INSIGHTS_DEBUGGER_EXE").isEmpty(), "INSIGHTS_DEBUGGER_EXE is not set");
}

void ServeCommandTest::listeningLineThenOneLinePerEvent()
{
    QTemporaryDir dir;
    Serve serve;
    QVERIFY2(serve.start({QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                          QStringLiteral("--data-dir"), dir.path(), QStringLiteral("--log-events")}),
             QByteArray(serve.m_stdout + serve.m_stderr).constData());
    const QUrl url(serve.m_baseUrl + QStringLiteral("/1/events"));
    QCOMPARE(httpRequest(m_manager, "POST", url, credentialHeaders(), batch(QStringLiteral("line-user"), 1))
                 .status,
             200);
    QCOMPARE(
        httpRequest(m_manager, "POST", url, credentialHeaders(), batch(QStringLiteral("bad-user"), 1, false))
            .status,
        422);
    QTRY_COMPARE(serve.m_stdout.count('\n'), 3);
    const QList<QByteArray> lines = serve.m_stdout.split('\n');
    QCOMPARE(lines.at(0), "listening on " + serve.m_baseUrl.toUtf8());
    QVERIFY2(lines.at(1).contains("accepted") && lines.at(1).contains("view") &&
                 lines.at(1).contains("\"Product Viewed\"") && lines.at(1).contains("index=products") &&
                 lines.at(1).contains("userToken=line-user"),
             lines.at(1).constData());
    QVERIFY2(lines.at(2).contains("rejected") && lines.at(2).contains("userToken=bad-user") &&
                 lines.at(2).contains("The index field is required"),
             lines.at(2).constData());
    QVERIFY(!serve.m_stdout.contains(kApiKey));
    serve.m_process.terminate();
    QVERIFY(serve.waitForExit());
    QCOMPARE(serve.m_process.exitCode(), 0);
}

void ServeCommandTest::summaryLinesByDefault()
{
    // Issue 13 §6: without --log-events or --json, a summary now and then instead of a line per event.
    QTemporaryDir dir;
    Serve serve;
    QVERIFY(
        serve.start({QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--data-dir"),
                     dir.path(), QStringLiteral("--summary-interval"), QStringLiteral("1")}));
    const QUrl url(serve.m_baseUrl + QStringLiteral("/1/events"));
    QCOMPARE(
        httpRequest(m_manager, "POST", url, credentialHeaders(), batch(QStringLiteral("sum-user"), 3)).status,
        200);
    QCOMPARE(
        httpRequest(m_manager, "POST", url, credentialHeaders(), batch(QStringLiteral("sum-bad"), 2, false))
            .status,
        422);
    QCOMPARE(httpRequest(m_manager, "POST", url, {}, batch(QStringLiteral("sum-nokey"), 1)).status, 401);
    // The three requests may straddle two summaries: wait for the total to reach them.
    QTRY_VERIFY_WITH_TIMEOUT(serve.m_stdout.contains("5 events since start"), 15000);
    QVERIFY2(serve.m_stdout.contains("summary: +"), serve.m_stdout.constData());
    QVERIFY2(!serve.m_stdout.contains("userToken="), serve.m_stdout.constData());
    // Nothing new: no summary.
    const qsizetype lines = serve.m_stdout.count('\n');
    QTest::qWait(2500);
    QCOMPARE(serve.m_stdout.count('\n'), lines);
    serve.m_process.terminate();
    QVERIFY(serve.waitForExit());
    QCOMPARE(serve.m_process.exitCode(), 0);
}

void ServeCommandTest::jsonLines()
{
    QTemporaryDir dir;
    Serve serve;
    QVERIFY(serve.start({QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                         QStringLiteral("--data-dir"), dir.path(), QStringLiteral("--json")}));
    const QUrl url(serve.m_baseUrl + QStringLiteral("/1/events"));
    QCOMPARE(
        httpRequest(m_manager, "POST", url, credentialHeaders(), batch(QStringLiteral("json-user"), 2, false))
            .status,
        422);
    QTRY_COMPARE(serve.m_stdout.count('\n'), 3);
    const QList<QByteArray> lines = serve.m_stdout.split('\n');
    for (int i = 1; i <= 2; ++i) {
        QJsonParseError error{};
        const QJsonObject object = QJsonDocument::fromJson(lines.at(i), &error).object();
        QCOMPARE(error.error, QJsonParseError::NoError);
        QCOMPARE(object.value(QLatin1String("verdict")).toString(), QStringLiteral("rejected"));
        QCOMPARE(object.value(QLatin1String("httpStatus")).toInt(), 422);
        QCOMPARE(object.value(QLatin1String("userToken")).toString(), QStringLiteral("json-user"));
        QCOMPARE(object.value(QLatin1String("error")).toString(),
                 QStringLiteral("The index field is required"));
        QVERIFY(object.value(QLatin1String("id")).toInteger() > 0);
    }
}

void ServeCommandTest::exitsCleanlyOnSignal_data()
{
    QTest::addColumn<int>("signalNumber");
    QTest::newRow("SIGTERM") << int(SIGTERM);
    QTest::newRow("SIGINT") << int(SIGINT);
}

void ServeCommandTest::exitsCleanlyOnSignal()
{
    QFETCH(int, signalNumber);
    QTemporaryDir dir;
    Serve serve;
    QVERIFY(serve.start({QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                         QStringLiteral("--data-dir"), dir.path(), QStringLiteral("--quiet")}));
    QVERIFY(::kill(static_cast<pid_t>(serve.m_process.processId()), signalNumber) == 0);
    QVERIFY(serve.waitForExit());
    QCOMPARE(serve.m_process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(serve.m_process.exitCode(), 0);
}

void ServeCommandTest::requiredCredentials()
{
    QTemporaryDir dir;
    Serve serve;
    QVERIFY(
        serve.start({QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--data-dir"),
                     dir.path(), QStringLiteral("--app-id"), QStringLiteral("SERVEAPP"),
                     QStringLiteral("--api-key"), QString::fromLatin1(kApiKey)}));
    const QUrl url(serve.m_baseUrl + QStringLiteral("/1/events"));
    QCOMPARE(httpRequest(m_manager, "POST", url, credentialHeaders(), batch(QStringLiteral("u"), 1)).status,
             200);
    const RawHeaders wrong{qMakePair(QByteArray("x-algolia-application-id"), QByteArray("SERVEAPP")),
                           qMakePair(QByteArray("x-algolia-api-key"), QByteArray("wrong"))};
    const HttpResult refused = httpRequest(m_manager, "POST", url, wrong, batch(QStringLiteral("u"), 1));
    QCOMPARE(refused.status, 401);
    QCOMPARE(refused.message(), QStringLiteral("Invalid credentials"));
    QVERIFY(!serve.m_stdout.contains(kApiKey));
    QVERIFY(!serve.m_stderr.contains(kApiKey));
}

void ServeCommandTest::requiredKeyFromFileOrEnvironment_data()
{
    QTest::addColumn<bool>("fromFile");
    QTest::newRow("--api-key-file") << true;
    QTest::newRow("ALGOLIA_API_KEY") << false;
}

void ServeCommandTest::requiredKeyFromFileOrEnvironment()
{
    // 11 §7: the required key need not be on the command line, where `ps` shows it to every user.
    QFETCH(bool, fromFile);
    QTemporaryDir dir;
    const QString keyPath = dir.filePath(QStringLiteral("key.txt"));
    {
        QFile file(keyPath);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(kApiKey + "\n");
    }
    QStringList arguments{QStringLiteral("--listen"),   QStringLiteral("127.0.0.1:0"),
                          QStringLiteral("--data-dir"), dir.path(),
                          QStringLiteral("--app-id"),   QStringLiteral("SERVEAPP")};
    QStringList environment;
    if (fromFile)
        arguments << QStringLiteral("--api-key-file") << keyPath;
    else
        environment << QStringLiteral("ALGOLIA_API_KEY=") + QString::fromLatin1(kApiKey);
    Serve serve;
    QVERIFY2(serve.start(arguments, environment), QByteArray(serve.m_stdout + serve.m_stderr).constData());
    QFile commandLine(QStringLiteral("/proc/%1/cmdline").arg(serve.m_process.processId()));
    QVERIFY(commandLine.open(QIODevice::ReadOnly));
    QVERIFY(!commandLine.readAll().contains(kApiKey));
    const QUrl url(serve.m_baseUrl + QStringLiteral("/1/events"));
    QCOMPARE(httpRequest(m_manager, "POST", url, credentialHeaders(), batch(QStringLiteral("u"), 1)).status,
             200);
    const RawHeaders wrong{qMakePair(QByteArray("x-algolia-application-id"), QByteArray("SERVEAPP")),
                           qMakePair(QByteArray("x-algolia-api-key"), QByteArray("wrong"))};
    QCOMPARE(httpRequest(m_manager, "POST", url, wrong, batch(QStringLiteral("u"), 1)).status, 401);
    QVERIFY(!serve.m_stdout.contains(kApiKey));
    QVERIFY(!serve.m_stderr.contains(kApiKey));
}

void ServeCommandTest::catalogWarnsAboutUnknownObjectIDs()
{
    QTemporaryDir dir;
    const QString catalogPath = dir.filePath(QStringLiteral("products.json"));
    QFile catalog(catalogPath);
    QVERIFY(catalog.open(QIODevice::WriteOnly));
    catalog.write(R"([{"objectID":"o0","title":"Known product"}])");
    catalog.close();
    Serve serve;
    QVERIFY(
        serve.start({QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--data-dir"),
                     dir.path(), QStringLiteral("--catalog"), catalogPath, QStringLiteral("--quiet")}));
    // o0 is in the index, o1 is not: Algolia accepts both, the debugger warns about the second.
    QCOMPARE(httpRequest(m_manager, "POST", QUrl(serve.m_baseUrl + QStringLiteral("/1/events")),
                         credentialHeaders(), batch(QStringLiteral("catalog-user"), 2))
                 .status,
             200);
    const HttpResult result =
        httpRequest(m_manager, "GET", QUrl(serve.m_baseUrl + QStringLiteral("/debugger/events")));
    const QJsonArray events =
        QJsonDocument::fromJson(result.body).object().value(QLatin1String("events")).toArray();
    QCOMPARE(events.size(), 2);
    const auto codes = [](const QJsonValue& record) {
        QStringList found;
        for (const QJsonValue& issue : record[QLatin1String("issues")].toArray())
            found << issue[QLatin1String("code")].toString();
        return found;
    };
    QVERIFY(!codes(events.at(0)).contains(QStringLiteral("objectID.notInCatalog")));
    QVERIFY(codes(events.at(1)).contains(QStringLiteral("objectID.notInCatalog")));
    QCOMPARE(events.at(1)[QLatin1String("status")].toString(), QStringLiteral("accepted"));
}

void ServeCommandTest::nonLoopbackWarns()
{
    QTemporaryDir dir;
    QProcess process;
    process.start(qEnvironmentVariable("INSIGHTS_DEBUGGER_EXE"),
                  {QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("0.0.0.0:0"),
                   QStringLiteral("--data-dir"), dir.path(), QStringLiteral("--quiet")});
    QByteArray out;
    QByteArray err;
    QTRY_VERIFY_WITH_TIMEOUT((out += process.readAllStandardOutput()).contains('\n'), 15000);
    QVERIFY2(out.startsWith("listening on http://0.0.0.0:"), out.constData());
    QTRY_VERIFY((err += process.readAllStandardError()).contains("warning"));
    process.terminate();
    QVERIFY(QTest::qWaitFor([&process] { return process.state() == QProcess::NotRunning; }, 10000));
    QCOMPARE(process.exitCode(), 0);
}

void ServeCommandTest::badArguments_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::newRow("bad --listen") << QStringList{QStringLiteral("--listen"), QStringLiteral("here:port")};
    QTest::newRow("--app-id without a key") << QStringList{QStringLiteral("--app-id"), QStringLiteral("A")};
    QTest::newRow("--api-key alone") << QStringList{QStringLiteral("--api-key"), QStringLiteral("K")};
    QTest::newRow("missing key file")
        << QStringList{QStringLiteral("--app-id"), QStringLiteral("A"), QStringLiteral("--api-key-file"),
                       QStringLiteral("/nonexistent/key")};
    QTest::newRow("unknown profile") << QStringList{QStringLiteral("--profile"), QStringLiteral("nope")};
    QTest::newRow("missing catalog") << QStringList{QStringLiteral("--catalog"),
                                                    QStringLiteral("/nonexistent.json")};
}

void ServeCommandTest::badArguments()
{
    QFETCH(QStringList, arguments);
    QTemporaryDir dir;
    QProcess process;
    QProcessEnvironment variables = QProcessEnvironment::systemEnvironment();
    variables.remove(QStringLiteral("ALGOLIA_API_KEY"));
    process.setProcessEnvironment(variables);
    process.start(qEnvironmentVariable("INSIGHTS_DEBUGGER_EXE"),
                  QStringList{QStringLiteral("serve"), QStringLiteral("--data-dir"), dir.path()} + arguments);
    QVERIFY(QTest::qWaitFor([&process] { return process.state() == QProcess::NotRunning; }, 10000));
    QCOMPARE(process.exitCode(), 2);
    QVERIFY(process.readAllStandardOutput().isEmpty());
    QVERIFY(!process.readAllStandardError().isEmpty());
}

void ServeCommandTest::noAcknowledgedEventLost_data()
{
    QTest::addColumn<int>("signalNumber");
    QTest::newRow("SIGKILL") << int(SIGKILL);
    QTest::newRow("SIGTERM") << int(SIGTERM);
}

void ServeCommandTest::noAcknowledgedEventLost()
{
    QFETCH(int, signalNumber);
    QTemporaryDir dir;
    constexpr int eventsPerRequest = 20;
    constexpr int inFlight = 8;
    QSet<int> acknowledged;
    int sent = 0;
    {
        Serve serve;
        QVERIFY(serve.start({QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                             QStringLiteral("--data-dir"), dir.path(), QStringLiteral("--quiet")}));
        const QUrl url(serve.m_baseUrl + QStringLiteral("/1/events"));
        int pending = 0;
        bool killed = false;
        std::function<void()> sendNext = [&] {
            if (killed)
                return;
            const int number = sent++;
            QNetworkRequest request(url);
            for (const auto& [name, value] : credentialHeaders())
                request.setRawHeader(name, value);
            request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
            QNetworkReply* reply =
                m_manager.post(request, batch(QStringLiteral("dur-%1").arg(number), eventsPerRequest));
            ++pending;
            QObject::connect(reply, &QNetworkReply::finished, reply, [&, reply, number] {
                --pending;
                if (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 200)
                    acknowledged.insert(number);
                reply->deleteLater();
                sendNext();
            });
        };
        for (int i = 0; i < inFlight; ++i)
            sendNext();
        QTRY_VERIFY_WITH_TIMEOUT(acknowledged.size() >= 300, 30000);
        // The signal arrives with requests in flight. SIGKILL: no chance to flush anything. SIGTERM: serve
        // finishes what it judged, answers, and exits 0.
        killed = true;
        QVERIFY(::kill(static_cast<pid_t>(serve.m_process.processId()), signalNumber) == 0);
        QVERIFY(serve.waitForExit());
        if (signalNumber == SIGKILL) {
            QCOMPARE(serve.m_process.exitStatus(), QProcess::CrashExit);
        } else {
            QVERIFY2(serve.m_process.exitStatus() == QProcess::NormalExit, serve.m_stderr.constData());
            QCOMPARE(serve.m_process.exitCode(), 0);
        }
        QTRY_COMPARE_WITH_TIMEOUT(pending, 0, 15000);
    }
    qInfo("%d requests sent, %lld acknowledged before the signal", sent,
          static_cast<long long>(acknowledged.size()));

    Serve restarted;
    QVERIFY(restarted.start({QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                             QStringLiteral("--data-dir"), dir.path(), QStringLiteral("--quiet")}));
    QHash<QString, int> stored;
    qint64 since = 0;
    while (true) {
        const HttpResult page = httpRequest(
            m_manager, "GET",
            QUrl(restarted.m_baseUrl + QStringLiteral("/debugger/events?limit=5000&since=%1").arg(since)));
        QCOMPARE(page.status, 200);
        const QJsonObject object = QJsonDocument::fromJson(page.body).object();
        const QJsonArray events = object.value(QLatin1String("events")).toArray();
        if (events.isEmpty())
            break;
        for (const QJsonValue& event : events) {
            QCOMPARE(event[QLatin1String("status")].toString(), QStringLiteral("accepted"));
            ++stored[event[QLatin1String("userToken")].toString()];
        }
        since = object.value(QLatin1String("lastId")).toInteger();
    }
    for (const int number : std::as_const(acknowledged))
        QCOMPARE(stored.value(QStringLiteral("dur-%1").arg(number)), eventsPerRequest);
    // A request is all or nothing: its events were committed together or not at all.
    for (auto it = stored.cbegin(); it != stored.cend(); ++it)
        QCOMPARE(it.value(), eventsPerRequest);
}

QTEST_GUILESS_MAIN(ServeCommandTest)
#include "tst_servecommand.moc"
