// search-insights and @algolia/client-insights (installed with npm into the build folder) send valid and
// invalid events to a real `insights-debugger serve`; the clients must see Algolia's answers, and the
// automation API must show every event received and judged as expected.

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace {

const QString kClientsDir = QStringLiteral(INSIGHTS_E2E_CLIENTS_DIR);

bool waitForExit(QProcess& process, int timeoutMs)
{
    return QTest::qWaitFor([&process] { return process.state() == QProcess::NotRunning; }, timeoutMs);
}

} // namespace

class E2eClientsTest final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void clientsSeeAlgoliasAnswers();
    void searchInsightsEventsJudged();
    void clientInsightsEventsJudged();

private:
    QJsonArray events(const QString& userToken);

    QTemporaryDir m_dataDir;
    QProcess m_serve;
    QByteArray m_serveOutput;
    QString m_baseUrl;
    QJsonObject m_clientResults;
    QNetworkAccessManager m_manager;
};

void E2eClientsTest::initTestCase()
{
    const QString npm = QStandardPaths::findExecutable(QStringLiteral("npm"));
    const QString node = QStandardPaths::findExecutable(QStringLiteral("node"));
    QVERIFY2(!npm.isEmpty() && !node.isEmpty(),
             "node and npm are needed (scripts/dev.sh test installs them)");

    // Pinned versions from package.json, into the build folder.
    QProcess install;
    install.setWorkingDirectory(kClientsDir);
    install.setProcessChannelMode(QProcess::MergedChannels);
    install.start(npm, {QStringLiteral("install"), QStringLiteral("--no-audit"), QStringLiteral("--no-fund"),
                        QStringLiteral("--prefer-offline")});
    QVERIFY(waitForExit(install, 150000));
    QVERIFY2(install.exitCode() == 0, install.readAll().constData());

    const QString exe = qEnvironmentVariable("INSIGHTS_DEBUGGER_EXE");
    QVERIFY(!exe.isEmpty());
    connect(&m_serve, &QProcess::readyReadStandardOutput, this,
            [this] { m_serveOutput += m_serve.readAllStandardOutput(); });
    m_serve.start(exe, {QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                        QStringLiteral("--data-dir"), m_dataDir.path(), QStringLiteral("--quiet")});
    QTRY_VERIFY_WITH_TIMEOUT(m_serveOutput.contains('\n'), 15000);
    const QRegularExpressionMatch match =
        QRegularExpression(QStringLiteral(R"(^listening on (http://127\.0\.0\.1:\d+)\n)"))
            .match(QString::fromUtf8(m_serveOutput));
    QVERIFY2(match.hasMatch(), m_serveOutput.constData());
    m_baseUrl = match.captured(1);

    QProcess clients;
    clients.setWorkingDirectory(kClientsDir);
    clients.start(node, {QStringLiteral("clients.mjs"), m_baseUrl});
    QVERIFY(waitForExit(clients, 60000));
    const QByteArray output = clients.readAllStandardOutput();
    QVERIFY2(clients.exitCode() == 0, QByteArray(output + clients.readAllStandardError()).constData());
    QJsonParseError error{};
    m_clientResults = QJsonDocument::fromJson(output.trimmed(), &error).object();
    QVERIFY2(error.error == QJsonParseError::NoError, output.constData());
}

void E2eClientsTest::cleanupTestCase()
{
    if (m_serve.state() == QProcess::NotRunning)
        return;
    m_serve.terminate();
    QVERIFY(waitForExit(m_serve, 10000));
    QCOMPARE(m_serve.exitCode(), 0);
}

QJsonArray E2eClientsTest::events(const QString& userToken)
{
    std::unique_ptr<QNetworkReply> reply(m_manager.get(
        QNetworkRequest(QUrl(m_baseUrl + QStringLiteral("/debugger/events?userToken=") + userToken))));
    if (!QTest::qWaitFor([&reply] { return reply->isFinished(); }, 10000))
        return {};
    return QJsonDocument::fromJson(reply->readAll()).object().value(QLatin1String("events")).toArray();
}

void E2eClientsTest::clientsSeeAlgoliasAnswers()
{
    const QJsonObject si = m_clientResults.value(QLatin1String("searchInsights")).toObject();
    QCOMPARE(si.value(QLatin1String("viewed")).toBool(), true);
    QCOMPARE(si.value(QLatin1String("filtered")).toBool(), true);
    QCOMPARE(si.value(QLatin1String("purchased")).toBool(), true);
    QCOMPARE(si.value(QLatin1String("invalid")).toBool(), false);
    QCOMPARE(si.value(QLatin1String("statuses")).toArray(), QJsonArray({200, 200, 200, 422}));

    const QJsonObject v5 = m_clientResults.value(QLatin1String("clientInsights")).toObject();
    QCOMPARE(v5.value(QLatin1String("ok"))[QLatin1String("status")].toInt(), 200);
    QCOMPARE(v5.value(QLatin1String("ok"))[QLatin1String("message")].toString(), QStringLiteral("OK"));
    QCOMPARE(v5.value(QLatin1String("invalid"))[QLatin1String("status")].toInt(), 422);
    QVERIFY(v5.value(QLatin1String("invalid"))[QLatin1String("message")].toString().startsWith(
        QStringLiteral("UserToken must contain only alphanumeric")));
    QCOMPARE(v5.value(QLatin1String("gzipped"))[QLatin1String("status")].toInt(), 200);
    QCOMPARE(v5.value(QLatin1String("deleted")).toBool(), true);
}

void E2eClientsTest::searchInsightsEventsJudged()
{
    const QJsonArray received = events(QStringLiteral("si-user"));
    QCOMPARE(received.size(), 4);
    QStringList verdicts;
    for (const QJsonValue& record : received) {
        verdicts << record[QLatin1String("eventType")].toString() + QLatin1Char(':') +
                        record[QLatin1String("status")].toString();
        QCOMPARE(record[QLatin1String("request")][QLatin1String("appId")].toString(),
                 QStringLiteral("E2EAPP"));
        QVERIFY(record[QLatin1String("request")][QLatin1String("agent")].toString().contains(
            QLatin1String("insights-js")));
    }
    QCOMPARE(verdicts,
             QStringList({QStringLiteral("view:accepted"), QStringLiteral("click:accepted"),
                          QStringLiteral("conversion:accepted"), QStringLiteral("click:rejected")}));
    // search-insights URL-encodes filters; the event is stored as the client sent it.
    QCOMPARE(received.at(1)[QLatin1String("event")][QLatin1String("filters")][0].toString(),
             QStringLiteral("brand%3AApple"));
    QCOMPARE(received.at(2)[QLatin1String("event")][QLatin1String("eventSubtype")].toString(),
             QStringLiteral("purchase"));
    const QJsonObject rejected = received.at(3).toObject();
    QCOMPARE(rejected.value(QLatin1String("httpStatus")).toInt(), 422);
    QCOMPARE(rejected.value(QLatin1String("message")).toString(),
             QStringLiteral("Event of type click should have the same number of ObjectIDs and Positions"));
}

void E2eClientsTest::clientInsightsEventsJudged()
{
    const QJsonArray accepted = events(QStringLiteral("v5-user"));
    QCOMPARE(accepted.size(), 2);
    for (const QJsonValue& record : accepted) {
        QCOMPARE(record[QLatin1String("status")].toString(), QStringLiteral("accepted"));
        QVERIFY(record[QLatin1String("request")][QLatin1String("agent")].toString().contains(
            QLatin1String("Algolia for JavaScript")));
    }
    QCOMPARE(accepted.at(0)[QLatin1String("requestId")], accepted.at(1)[QLatin1String("requestId")]);

    const QJsonArray rejected = events(QStringLiteral("jane@example.com"));
    QCOMPARE(rejected.size(), 1);
    QCOMPARE(rejected.at(0)[QLatin1String("status")].toString(), QStringLiteral("rejected"));
    QCOMPARE(rejected.at(0)[QLatin1String("issues")][0][QLatin1String("code")].toString().section(
                 QLatin1Char('.'), 0, 0),
             QStringLiteral("userToken"));

    // The gzip-compressed batch arrived whole.
    const QJsonArray gzipped = events(QStringLiteral("v5-gzip-user"));
    QCOMPARE(gzipped.size(), 30);
    QCOMPARE(gzipped.at(29)[QLatin1String("event")][QLatin1String("objectIDs")][0].toString(),
             QStringLiteral("o29"));
}

QTEST_GUILESS_MAIN(E2eClientsTest)
#include "tst_e2eclients.moc"
