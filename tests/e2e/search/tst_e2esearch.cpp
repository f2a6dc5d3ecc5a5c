// The storefront page searches through `serve --search local` in headless Chromium, goes to page 2 and clicks
// a hit: the click must arrive linked to its search, at the hit's absolute position, with no linkage
// warning. The broken page (position on the page, a foreign userToken) must get exactly those two warnings.

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

namespace {

const QString kRunDir = QStringLiteral(INSIGHTS_E2E_SEARCH_DIR);

bool waitForExit(QProcess& process, int timeoutMs)
{
    return QTest::qWaitFor([&process] { return process.state() == QProcess::NotRunning; }, timeoutMs);
}

// The warning codes of an automation record.
QSet<QString> warningCodes(const QJsonObject& record)
{
    QSet<QString> codes;
    for (const QJsonValue& issue : record.value(QLatin1String("issues")).toArray()) {
        if (issue.toObject().value(QLatin1String("severity")).toString() == QLatin1String("warning"))
            codes.insert(issue.toObject().value(QLatin1String("code")).toString());
    }
    return codes;
}

} // namespace

class E2eSearchTest final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void clickOnPageTwoIsLinkedToItsSearch();
    void brokenPageGetsExactlyItsWarnings();

private:
    QJsonObject getJson(const QString& pathAndQuery);
    // The click event on the clicked objectID citing its queryID (sent with `userToken` when given), once the
    // endpoint logged it.
    QJsonObject clickFor(const QJsonObject& clicked, const QString& userToken = {});

    QTemporaryDir m_dataDir;
    QProcess m_serve;
    QByteArray m_serveOutput;
    QString m_baseUrl;
    QJsonObject m_clicks;
    QNetworkAccessManager m_manager;
};

void E2eSearchTest::initTestCase()
{
    const QString npm = QStandardPaths::findExecutable(QStringLiteral("npm"));
    const QString node = QStandardPaths::findExecutable(QStringLiteral("node"));
    QVERIFY2(!npm.isEmpty() && !node.isEmpty(),
             "node and npm are needed (scripts/dev.sh test installs them)");
    QVERIFY2(QFile::exists(QStringLiteral("/usr/bin/chromium")),
             "Debian's chromium is needed (scripts/dev.sh test installs it)");

    QProcess install;
    install.setWorkingDirectory(kRunDir);
    install.setProcessChannelMode(QProcess::MergedChannels);
    install.start(npm, {QStringLiteral("install"), QStringLiteral("--no-audit"), QStringLiteral("--no-fund"),
                        QStringLiteral("--prefer-offline")});
    QVERIFY(waitForExit(install, 200000));
    QVERIFY2(install.exitCode() == 0, install.readAll().constData());

    const QString exe = qEnvironmentVariable("INSIGHTS_DEBUGGER_EXE");
    QVERIFY(!exe.isEmpty());
    connect(&m_serve, &QProcess::readyReadStandardOutput, this,
            [this] { m_serveOutput += m_serve.readAllStandardOutput(); });
    m_serve.start(exe, {QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
                        QStringLiteral("--data-dir"), m_dataDir.path(), QStringLiteral("--quiet"),
                        QStringLiteral("--search"), QStringLiteral("local"), QStringLiteral("--catalog"),
                        QStringLiteral(INSIGHTS_SOURCE_DIR "/resources/sample/movies.json")});
    QTRY_VERIFY_WITH_TIMEOUT(m_serveOutput.contains('\n'), 15000);
    const QRegularExpressionMatch match =
        QRegularExpression(QStringLiteral("^listening on (http://127\\.0\\.0\\.1:\\d+)\\n"))
            .match(QString::fromUtf8(m_serveOutput));
    QVERIFY2(match.hasMatch(), m_serveOutput.constData());
    m_baseUrl = match.captured(1);

    QProcess storefront;
    storefront.setWorkingDirectory(kRunDir);
    storefront.start(node, {QStringLiteral("storefront.mjs"), m_baseUrl});
    QVERIFY(waitForExit(storefront, 150000));
    const QByteArray output = storefront.readAllStandardOutput();
    QVERIFY2(storefront.exitCode() == 0, QByteArray(output + storefront.readAllStandardError()).constData());
    m_clicks = QJsonDocument::fromJson(output.trimmed().split('\n').constLast()).object();
    QVERIFY2(!m_clicks.contains(QLatin1String("error")), output.constData());
}

void E2eSearchTest::cleanupTestCase()
{
    if (m_serve.state() != QProcess::NotRunning) {
        m_serve.terminate();
        waitForExit(m_serve, 10000);
    }
}

QJsonObject E2eSearchTest::getJson(const QString& pathAndQuery)
{
    QNetworkReply* reply = m_manager.get(QNetworkRequest(QUrl(m_baseUrl + pathAndQuery)));
    if (!QTest::qWaitFor([reply] { return reply->isFinished(); }, 10000))
        return {};
    reply->deleteLater();
    return QJsonDocument::fromJson(reply->readAll()).object();
}

QJsonObject E2eSearchTest::clickFor(const QJsonObject& clicked, const QString& userToken)
{
    const QString objectID = clicked.value(QLatin1String("objectID")).toString();
    QJsonObject found;
    [[maybe_unused]] const bool arrived = QTest::qWaitFor(
        [&] {
            for (const QJsonValue& value : getJson(QStringLiteral("/debugger/events?eventType=click"))
                                               .value(QLatin1String("events"))
                                               .toArray()) {
                const QJsonObject event = value.toObject().value(QLatin1String("event")).toObject();
                if (event.value(QLatin1String("objectIDs")).toArray().contains(objectID) &&
                    event.value(QLatin1String("queryID")) == clicked.value(QLatin1String("queryID")) &&
                    (userToken.isEmpty() || event.value(QLatin1String("userToken")).toString() == userToken))
                    found = value.toObject();
            }
            return !found.isEmpty();
        },
        20000);
    return found;
}

void E2eSearchTest::clickOnPageTwoIsLinkedToItsSearch()
{
    const QJsonObject clicked = m_clicks.value(QLatin1String("correct")).toObject();
    QCOMPARE(clicked.value(QLatin1String("errors")).toArray(), QJsonArray());
    QCOMPARE(clicked.value(QLatin1String("position")).toInt(), 8); // page 2 of 5, third hit
    const QString queryID = clicked.value(QLatin1String("queryID")).toString();
    QVERIFY2(QRegularExpression(QStringLiteral("^[0-9a-f]{32}$")).match(queryID).hasMatch(),
             qPrintable(queryID));

    // The search InstantSearch made, recorded: page 2, the clicked hit third, with the user's token.
    const QJsonArray searches = getJson(QStringLiteral("/debugger/searches?queryID=") + queryID)
                                    .value(QLatin1String("searches"))
                                    .toArray();
    QCOMPARE(searches.size(), 1);
    const QJsonObject search = searches.at(0).toObject();
    QCOMPARE(search.value(QLatin1String("index")).toString(), QStringLiteral("movies"));
    QCOMPARE(search.value(QLatin1String("query")).toString(), QStringLiteral("the"));
    QCOMPARE(search.value(QLatin1String("page")).toInt(), 1);
    QCOMPARE(search.value(QLatin1String("hitsPerPage")).toInt(), 5);
    QVERIFY(search.value(QLatin1String("clickAnalytics")).toBool());
    QCOMPARE(search.value(QLatin1String("hits")).toArray().at(2).toString(),
             clicked.value(QLatin1String("objectID")).toString());
    const QString searchToken = search.value(QLatin1String("userToken")).toString();
    QVERIFY2(!searchToken.isEmpty(), "InstantSearch's insights middleware searches with the user's token");

    const QJsonObject click = clickFor(clicked);
    QVERIFY2(!click.isEmpty(), "the click never reached the endpoint");
    QCOMPARE(click.value(QLatin1String("status")).toString(), QStringLiteral("accepted"));
    const QJsonObject event = click.value(QLatin1String("event")).toObject();
    QCOMPARE(event.value(QLatin1String("positions")).toArray(), QJsonArray{8});
    QCOMPARE(event.value(QLatin1String("userToken")).toString(), searchToken);
    QCOMPARE(warningCodes(click), QSet<QString>());
    for (const QJsonValue& issue : click.value(QLatin1String("issues")).toArray())
        QVERIFY2(issue.toObject().value(QLatin1String("code")).toString() !=
                     QLatin1String("search.notRecorded"),
                 "the click was not checked against its search");

    // The search now names the event citing it.
    const QJsonObject again = getJson(QStringLiteral("/debugger/searches?queryID=") + queryID)
                                  .value(QLatin1String("searches"))
                                  .toArray()
                                  .at(0)
                                  .toObject();
    QVERIFY(again.value(QLatin1String("citedBy")).toArray().contains(click.value(QLatin1String("id"))));
}

void E2eSearchTest::brokenPageGetsExactlyItsWarnings()
{
    const QJsonObject clicked = m_clicks.value(QLatin1String("broken")).toObject();
    QCOMPARE(clicked.value(QLatin1String("errors")).toArray(), QJsonArray());
    // The page's own click (InstantSearch may send its automatic one beside it, rightly).
    const QJsonObject click = clickFor(clicked, QStringLiteral("site-user-42"));
    QVERIFY2(!click.isEmpty(), "the click never reached the endpoint");
    QCOMPARE(click.value(QLatin1String("status")).toString(), QStringLiteral("accepted"));
    QCOMPARE(click.value(QLatin1String("event")).toObject().value(QLatin1String("positions")).toArray(),
             QJsonArray{3});
    QCOMPARE(warningCodes(click), (QSet<QString>{QStringLiteral("position.mismatch"),
                                                 QStringLiteral("userToken.differsFromSearch")}));
    for (const QJsonValue& issue : click.value(QLatin1String("issues")).toArray()) {
        if (issue.toObject().value(QLatin1String("code")).toString() == QLatin1String("position.mismatch"))
            QVERIFY2(issue.toObject()
                         .value(QLatin1String("message"))
                         .toString()
                         .contains(QLatin1String("absolute position 8")),
                     qPrintable(issue.toObject().value(QLatin1String("message")).toString()));
    }
}

QTEST_GUILESS_MAIN(E2eSearchTest)
#include "tst_e2esearch.moc"
