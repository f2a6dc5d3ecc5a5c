// Searches linked to events in the desktop app (issue 12) and its demo tools (issue 14): the embedded
// endpoint answers Algolia's search routes from the loaded catalog, records each search and links the events
// that cite it, also after a restart; the Demo menu's shoppers fill the log through it; the presenter's QR
// code opens the demo storefront at an address a phone can use; Settings lists this machine's addresses.

#include "catalog/catalogset.h"
#include "client/eventrelay.h"
#include "faultserver.h"
#include "log/eventlog.h"
#include "main/desktopsession.h"
#include "main/mainwindow.h"
#include "main/settingsdialog.h"
#include "search/searchlinkage.h"
#include "settings/appsettings.h"

#include "logwait.h"

#include <QComboBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMenuBar>
#include <QNetworkAccessManager>
#include <QNetworkInterface>
#include <QNetworkReply>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

namespace {

struct Answer
{
    int status = 0;
    QByteArray body;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

Answer request(const QByteArray& method, const QUrl& url, const QByteArray& body = {},
               const QList<QPair<QByteArray, QByteArray>>& headers = {})
{
    QNetworkAccessManager network;
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setRawHeader("x-algolia-application-id", "TESTAPP");
    request.setRawHeader("x-algolia-api-key", "test-key");
    for (const auto& [name, value] : headers)
        request.setRawHeader(name, value);
    QNetworkReply* reply = network.sendCustomRequest(request, method, body);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!finished.wait(20000))
        return {};
    Answer answer{reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), reply->readAll()};
    reply->deleteLater();
    return answer;
}

QStringList issueCodes(const LogRecord& record)
{
    QStringList codes;
    for (const Issue& issue : record.issues)
        codes << issue.code;
    return codes;
}

bool isLinkageWarning(const QString& code)
{
    using namespace LinkageCode;
    for (const char* linkage : {unknownQueryId, otherIndex, notInHits, position, tokenMismatch,
                                searchWithoutToken, lateClick, notChecked})
        if (code == QLatin1String(linkage))
            return true;
    return false;
}

QAction* findAction(QWidget* window, const QString& name)
{
    return window->findChild<QAction*>(name);
}

} // namespace

class TestDesktopSearch final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void searchesAreAnsweredRecordedAndLinkedAcrossARestart();
    void searchModeOffAnswers404();
    void demoShoppersFillTheLogFromTheMenu();
    void presenterQrCodeOpensTheStorefront();
    void settingsListThisMachinesAddresses();
    void relayForwardsEventsAndShowsAlgoliasAnswer();

private:
    static std::unique_ptr<DesktopSession> open(const QString& dataDir)
    {
        DesktopOptions options;
        options.dataDir = dataDir;
        options.port = 0;
        options.inMemorySecrets = true;
        options.exampleOnFirstRun = false;
        return std::move(DesktopSession::create(options).session);
    }
    // Searches `query` on the sample index as InstantSearch does with clickAnalytics: returns the answer.
    static QJsonObject search(DesktopSession* session, const QString& query, const QByteArray& userToken)
    {
        const QUrl url(session->endpointBaseUrl() + QStringLiteral("/1/indexes/") +
                       CatalogSet::sampleIndexName() + QStringLiteral("/query"));
        const QJsonObject params{{QStringLiteral("query"), query}, {QStringLiteral("clickAnalytics"), true}};
        const Answer answer = request("POST", url, QJsonDocument(params).toJson(QJsonDocument::Compact),
                                      {{"X-Algolia-UserToken", userToken}});
        if (answer.status != 200)
            qWarning() << "search answered" << answer.status << answer.body;
        return answer.json();
    }
    static int sendClick(DesktopSession* session, const QString& queryId, const QString& objectId,
                         int position, const QString& userToken)
    {
        // Without a queryID: a click that is not after a search (no positions either).
        QJsonObject event{
            {QStringLiteral("eventType"), QStringLiteral("click")},
            {QStringLiteral("eventName"), QStringLiteral("Hit clicked")},
            {QStringLiteral("index"), CatalogSet::sampleIndexName()},
            {QStringLiteral("userToken"), userToken},
            {QStringLiteral("objectIDs"), QJsonArray{objectId}},
            {QStringLiteral("timestamp"), QDateTime::currentMSecsSinceEpoch()},
        };
        if (!queryId.isEmpty()) {
            event.insert(QStringLiteral("queryID"), queryId);
            event.insert(QStringLiteral("positions"), QJsonArray{position});
        }
        const QJsonObject batch{{QStringLiteral("events"), QJsonArray{event}}};
        return request("POST", QUrl(session->endpointBaseUrl() + QStringLiteral("/1/events")),
                       QJsonDocument(batch).toJson(QJsonDocument::Compact))
            .status;
    }
};

void TestDesktopSearch::searchesAreAnsweredRecordedAndLinkedAcrossARestart()
{
    QTemporaryDir dir;
    QString queryId;
    QString objectId;
    {
        auto session = open(dir.path());
        QVERIFY(session);
        QCOMPARE(session->searchMode(), SearchMode::Local); // the default: no Algolia account needed
        QTRY_VERIFY(session->isSearchHistoryLoaded());
        const QJsonObject answer = search(session.get(), QString(), "shopper-1");
        const QJsonArray hits = answer.value(QStringLiteral("hits")).toArray();
        QVERIFY2(hits.size() >= 2, QJsonDocument(answer).toJson().constData());
        queryId = answer.value(QStringLiteral("queryID")).toString();
        QCOMPARE(queryId.size(), 32);
        objectId = hits.at(1).toObject().value(QStringLiteral("objectID")).toString();

        LogQuery searches;
        searches.kind = RecordKind::Search;
        QVERIFY(waitForRecords(session->log(), searches, 1));
        const LogRecord recorded = session->log()->query(searches).first();
        QCOMPARE(recorded.queryId, queryId);
        QCOMPARE(recorded.userToken, QStringLiteral("shopper-1"));

        // The second hit, clicked at position 2 by the same user: linked, nothing to warn about.
        QCOMPARE(sendClick(session.get(), queryId, objectId, 2, QStringLiteral("shopper-1")), 200);
        LogQuery events;
        events.kind = RecordKind::Event;
        QVERIFY(waitForRecords(session->log(), events, 1));
        const LogRecord click = session->log()->query(events).first();
        QVERIFY2(click.accepted, qPrintable(click.message));
        for (const QString& code : issueCodes(click))
            QVERIFY2(!isLinkageWarning(code), qPrintable(code));
    }
    // After a restart the earlier search is read back: a click citing it is checked, not "not recorded".
    auto session = open(dir.path());
    QVERIFY(session);
    QTRY_VERIFY_WITH_TIMEOUT(session->isSearchHistoryLoaded(), 20000);
    QCOMPARE(sendClick(session.get(), queryId, objectId, 5, QStringLiteral("someone-else")), 200);
    LogQuery events;
    events.kind = RecordKind::Event;
    QVERIFY(waitForRecords(session->log(), events, 2));
    const QStringList codes = issueCodes(session->log()->query(events).last());
    QVERIFY2(codes.contains(QLatin1String(LinkageCode::position)), qPrintable(codes.join(u' ')));
    QVERIFY2(codes.contains(QLatin1String(LinkageCode::tokenMismatch)), qPrintable(codes.join(u' ')));
    QVERIFY2(!codes.contains(QLatin1String(LinkageCode::notChecked)), qPrintable(codes.join(u' ')));
}

void TestDesktopSearch::searchModeOffAnswers404()
{
    QTemporaryDir dir;
    auto session = open(dir.path());
    QVERIFY(session);
    SettingsDialog* dialog = session->window()->showSettings();
    auto* mode = dialog->findChild<QComboBox*>(QStringLiteral("searchModeCombo"));
    QVERIFY(mode);
    mode->setCurrentIndex(mode->findData(QStringLiteral("off")));
    QTest::mouseClick(dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok), Qt::LeftButton);
    QCOMPARE(session->settings()->searchMode.value(), QStringLiteral("off"));
    const QUrl url(session->endpointBaseUrl() + QStringLiteral("/1/indexes/") +
                   CatalogSet::sampleIndexName() + QStringLiteral("/query"));
    QCOMPARE(request("POST", url, QByteArrayLiteral("{\"query\":\"\"}")).status, 404);
    // The demo shoppers need the local search: they say so instead of failing one request at a time.
    QAction* shoppers = findAction(session->window(), QStringLiteral("demoShoppersAction"));
    QVERIFY(shoppers);
    shoppers->trigger();
    QVERIFY(!shoppers->isChecked());
}

void TestDesktopSearch::demoShoppersFillTheLogFromTheMenu()
{
    QTemporaryDir dir;
    auto session = open(dir.path());
    QVERIFY(session);
    MainWindow* window = session->window();
    auto* demoMenu = window->menuBar()->findChild<QMenu*>(QStringLiteral("demoMenu"));
    QVERIFY(demoMenu);
    QAction* shoppers = findAction(window, QStringLiteral("demoShoppersAction"));
    QVERIFY(shoppers && demoMenu->actions().contains(shoppers));
    shoppers->trigger();
    QVERIFY(shoppers->isChecked());
    QCOMPARE(shoppers->text(), QStringLiteral("Stop demo shoppers"));

    // Clicks after search, linked to their searches with the right positions: no linkage warning.
    LogQuery clicks;
    clicks.kind = RecordKind::Event;
    clicks.eventType = QStringLiteral("click");
    clicks.limit = 0;
    QDeadlineTimer deadline(60000);
    QList<LogRecord> linked;
    while (!deadline.hasExpired() && linked.size() < 3) {
        QTest::qWait(200);
        linked.clear();
        for (const LogRecord& record : session->log()->query(clicks))
            if (!record.queryId.isEmpty())
                linked << record;
    }
    QVERIFY2(linked.size() >= 3, "demo shoppers sent no clicks after search");
    for (const LogRecord& click : linked) {
        QVERIFY2(click.accepted, qPrintable(click.message));
        for (const QString& code : issueCodes(click))
            QVERIFY2(!isLinkageWarning(code), qPrintable(code));
    }
    LogQuery searches;
    searches.kind = RecordKind::Search;
    QVERIFY(!session->log()->query(searches).isEmpty());

    shoppers->trigger(); // stop: requests in flight finish, then the status bar has the summary
    // Stopping waits for the requests in flight (disabled meanwhile), then the action is back to "Start".
    QTRY_VERIFY_WITH_TIMEOUT(shoppers->isEnabled(), 20000);
    QVERIFY(!shoppers->isChecked());
    QCOMPARE(shoppers->text(), QStringLiteral("Start demo shoppers"));
}

void TestDesktopSearch::presenterQrCodeOpensTheStorefront()
{
    const QString zbarimg = QStandardPaths::findExecutable(QStringLiteral("zbarimg"));
    QVERIFY2(!zbarimg.isEmpty(), "zbarimg is needed (scripts/dev.sh test installs zbar-tools)");
    QTemporaryDir dir;
    auto session = open(dir.path());
    QVERIFY(session);
    // Phones in the room: listen on every network of this machine.
    session->settings()->endpointBindAddress.setValue(QStringLiteral("0.0.0.0"));
    session->restartEndpoint();
    session->window()->refreshEndpointStatus();
    const QString storefront = session->storefrontUrl();
    QVERIFY(storefront.endsWith(QLatin1String("/demo/")));
    const QUrl url(storefront);
    QVERIFY2(QHostAddress(url.host()) != QHostAddress::AnyIPv4, qPrintable(storefront)); // never 0.0.0.0
    QVERIFY(session->isEndpointReachableFromNetwork());
    auto* status = session->window()->findChild<QLabel*>(QStringLiteral("endpointAddressLabel"));
    QVERIFY2(!status->text().contains(QLatin1String("0.0.0.0")), qPrintable(status->text()));

    session->window()->togglePresenter();
    QWidget* presenter = nullptr;
    QTRY_VERIFY((presenter = session->window()->findChild<QWidget*>(QStringLiteral("presenterWindow"))) &&
                presenter->isVisible());
    auto* code = presenter->findChild<QLabel*>(QStringLiteral("presenterQrCode"));
    QVERIFY(code && code->isVisibleTo(presenter) && !code->pixmap().isNull());
    const QString shot = dir.filePath(QStringLiteral("qr.png"));
    QVERIFY(code->pixmap().toImage().save(shot));
    QProcess decode;
    decode.start(zbarimg, {QStringLiteral("--raw"), QStringLiteral("-q"), shot});
    QVERIFY(decode.waitForFinished(30000));
    QCOMPARE(QString::fromUtf8(decode.readAllStandardOutput()).trimmed(), storefront);
    // What the phone gets at that address: the shop page.
    const Answer page = request("GET", url);
    QCOMPARE(page.status, 200);
    QVERIFY(page.body.contains("<html") || page.body.contains("<!DOCTYPE") ||
            page.body.contains("<!doctype"));
    session->window()->togglePresenter();
    QTRY_VERIFY(!presenter->isVisible());
}

void TestDesktopSearch::settingsListThisMachinesAddresses()
{
    QTemporaryDir dir;
    auto session = open(dir.path());
    QVERIFY(session);
    SettingsDialog* dialog = session->window()->showSettings();
    auto* bind = dialog->findChild<QComboBox*>(QStringLiteral("bindCombo"));
    auto* warning = dialog->findChild<QLabel*>(QStringLiteral("bindWarningLabel"));
    QVERIFY(bind && warning);
    QStringList listed;
    for (int i = 0; i < bind->count(); ++i)
        listed << bind->itemText(i);
    QCOMPARE(listed.first(), QStringLiteral("127.0.0.1"));
    QVERIFY(listed.contains(QStringLiteral("0.0.0.0")));
    for (const QHostAddress& address : QNetworkInterface::allAddresses())
        if (address.protocol() == QAbstractSocket::IPv4Protocol && !address.isLoopback() &&
            !address.isLinkLocal())
            QVERIFY2(listed.contains(address.toString()), qPrintable(address.toString()));
    QVERIFY(!warning->isVisibleTo(dialog));
    bind->setCurrentText(QStringLiteral("0.0.0.0"));
    QVERIFY(warning->isVisibleTo(dialog));
    QVERIFY(warning->text().contains(QLatin1String("required application ID")));
    bind->setCurrentText(QStringLiteral("127.0.0.1"));
    QVERIFY(!warning->isVisibleTo(dialog));
    dialog->reject();
}

void TestDesktopSearch::relayForwardsEventsAndShowsAlgoliasAnswer()
{
    FaultServer algolia; // a local stand-in for Algolia's Insights host
    QVERIFY(algolia.listen());
    QTemporaryDir dir;
    DesktopOptions options;
    options.dataDir = dir.path();
    options.port = 0;
    options.inMemorySecrets = true;
    options.exampleOnFirstRun = false;
    ClientHosts hosts;
    hosts.insightsUs = algolia.url();
    options.algoliaHosts = hosts;
    auto session = std::move(DesktopSession::create(options).session);
    QVERIFY(session);
    QVERIFY(!session->eventRelay()); // off by default
    auto* status = session->window()->findChild<QLabel*>(QStringLiteral("endpointAddressLabel"));
    QVERIFY(!status->text().contains(QLatin1String("relaying")));

    SettingsDialog* dialog = session->window()->showSettings();
    auto* relay = dialog->findChild<QComboBox*>(QStringLiteral("relayEventsCombo"));
    QVERIFY(relay);
    relay->setCurrentIndex(relay->findData(QStringLiteral("us")));
    QTest::mouseClick(dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok), Qt::LeftButton);
    QVERIFY(session->eventRelay());
    QVERIFY2(status->text().contains(QLatin1String("relaying to Algolia (us)")), qPrintable(status->text()));

    QCOMPARE(sendClick(session.get(), QString(), QStringLiteral("movie-1"), 1, QStringLiteral("shopper-9")),
             200);
    QTRY_COMPARE_WITH_TIMEOUT(algolia.requests().size(), 1, 20000);
    QCOMPARE(algolia.requests().first().headers.value("x-algolia-application-id"), QByteArray("TESTAPP"));
    LogQuery events;
    events.kind = RecordKind::Event;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const QList<LogRecord> logged = session->log()->query(events);
            return logged.size() == 1 && logged.first().algoliaStatus == 200;
        }(),
        20000);

    // Off again: nothing more is forwarded.
    dialog = session->window()->showSettings();
    relay = dialog->findChild<QComboBox*>(QStringLiteral("relayEventsCombo"));
    relay->setCurrentIndex(relay->findData(QStringLiteral("off")));
    QTest::mouseClick(dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok), Qt::LeftButton);
    QVERIFY(!session->eventRelay());
    QCOMPARE(sendClick(session.get(), QString(), QStringLiteral("movie-2"), 1, QStringLiteral("shopper-9")),
             200);
    QVERIFY(waitForRecords(session->log(), events, 2));
    QTest::qWait(300);
    QCOMPARE(algolia.requests().size(), 1);
}

QTEST_MAIN(TestDesktopSearch)
#include "tst_desktopsearch.moc"
