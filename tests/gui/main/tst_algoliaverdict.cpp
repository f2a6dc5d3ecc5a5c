// Algolia's own verdict, end to end in the desktop app, against a local stand-in for Algolia on a real
// socket: events sent to the "us" region get the status and errors Algolia's debugger feed recorded for them
// (in the event log, the live table and the details pane), the feed's other events (a live site's) are logged
// with source "algolia", the setting and the target start and stop the polling, a refused key stops it with a
// message, and the key never reaches the event log file or the status bar.

#include "faultserver.h"

#include "client/algoliafeed.h"
#include "debugger/chartspane.h"
#include "debugger/detailspane.h"
#include "event/eventcodec.h"
#include "log/eventlog.h"
#include "main/desktopsession.h"
#include "main/mainwindow.h"
#include "secrets/secretstore.h"
#include "settings/appsettings.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QTreeWidget>

namespace {

const QString kApiKey = QStringLiteral("analytics-key-4f1d9c");

Event makeEvent(const QString& token, const QString& objectID)
{
    Event event;
    event.eventType = QStringLiteral("view");
    event.eventName = QStringLiteral("Product Viewed");
    event.index = QStringLiteral("products");
    event.userToken = token;
    event.objectIDs = QStringList{objectID};
    return event;
}

QJsonObject feedEntry(const QByteArray& eventJson, const QString& requestId, int status,
                      const QStringList& errors)
{
    QJsonObject entry;
    entry.insert(QStringLiteral("event"), QJsonDocument::fromJson(eventJson).object());
    entry.insert(QStringLiteral("requestID"), requestId);
    entry.insert(QStringLiteral("status"), status);
    entry.insert(QStringLiteral("errors"), QJsonArray::fromStringList(errors));
    return entry;
}

int feedPolls(const FaultServer& server)
{
    int polls = 0;
    for (const ReceivedRequest& request : server.requests())
        polls += request.method == "GET" && request.target.startsWith("/1/events");
    return polls;
}

// Whether the feed polls or waits for an answer, asked on its own thread.
bool feedBusy(DesktopSession* session)
{
    AlgoliaFeed* feed = session->algoliaFeed();
    bool busy = false;
    QMetaObject::invokeMethod(
        feed, [feed, &busy] { busy = feed->isRunning(); }, Qt::BlockingQueuedConnection);
    return busy;
}

// Every byte of the log's files (database and write-ahead log).
QByteArray logFiles(const QString& dataDir)
{
    QByteArray all;
    const QDir dir(dataDir);
    for (const QString& name : dir.entryList({QStringLiteral("events.sqlite*")}, QDir::Files)) {
        QFile file(dir.filePath(name));
        if (file.open(QIODevice::ReadOnly))
            all += file.readAll();
    }
    return all;
}

} // namespace

class TestAlgoliaVerdict final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sentEventsGetAlgoliasVerdict();
    void settingAndTargetStartAndStopPolling();
    void refusedKeyStopsPollingWithAMessage();
    void realProfileShownBesideTheEstimate();

private:
    struct Fixture
    {
        std::unique_ptr<QTemporaryDir> dir = std::make_unique<QTemporaryDir>();
        std::unique_ptr<FaultServer> server = std::make_unique<FaultServer>();
        QByteArray feedBody = R"({"events":[]})";
        int feedStatus = 200;
        std::unique_ptr<DesktopSession> session;
    };
    // A session whose Algolia hosts are the stand-in, with app APP1, its key stored, and target "us".
    static bool open(Fixture& f);
};

bool TestAlgoliaVerdict::open(Fixture& f)
{
    if (!f.dir->isValid() || !f.server->listen())
        return false;
    Fixture* fixture = &f;
    f.server->setHandler([fixture](const ReceivedRequest& request) {
        if (request.method == "GET" && request.target.startsWith("/2/users/")) {
            return FaultAction::respond(
                200, R"({"userID":"tester-7","type":"basic","lastUpdatedAt":"2026-11-28T10:00:00Z",)"
                     R"("affinities":[{"name":"genres","indices":["movies"],"value":"Drama","score":12,)"
                     R"("lastUpdatedAt":"2026-11-28T10:00:00Z"}]})");
        }
        if (request.method == "GET" && request.target.startsWith("/1/profiles/personalization/"))
            return FaultAction::respond(404, R"({"message":"No profile found for this user token"})");
        if (request.method == "GET") {
            if (fixture->feedStatus != 200)
                return FaultAction::respond(
                    fixture->feedStatus,
                    R"({"status":403,"message":"Method not allowed with this API key"})");
            return FaultAction::respond(200, fixture->feedBody);
        }
        return FaultAction::ok();
    });
    DesktopOptions options;
    options.dataDir = f.dir->path();
    options.port = 0;
    options.inMemorySecrets = true;
    ClientHosts hosts;
    hosts.insightsUs = f.server->url();
    hosts.insightsDe = f.server->url();
    hosts.insightsGlobal = f.server->url();
    hosts.personalizationUs = f.server->url();
    hosts.advancedPersonalizationUs = f.server->url();
    options.algoliaHosts = hosts;
    options.algoliaFeedIntervalMs = 100;
    f.session = std::move(DesktopSession::create(options).session);
    if (!f.session)
        return false;
    bool stored = false;
    f.session->secrets()->writeApiKey(QStringLiteral("APP1"), kApiKey, f.session->window(),
                                      [&stored](const SecretResult& result) { stored = result.ok; });
    if (!QTest::qWaitFor([&stored] { return stored; }, 5000))
        return false;
    f.session->settings()->appId.setValue(QStringLiteral("APP1"));
    f.session->settings()->target.setValue(QStringLiteral("us"));
    f.session->settings()->sync();
    f.session->window()->applyTarget();
    return true;
}

void TestAlgoliaVerdict::sentEventsGetAlgoliasVerdict()
{
    Fixture f;
    QVERIFY(open(f));
    DesktopSession* session = f.session.get();
    EventLog* log = session->log();
    QTRY_VERIFY(session->isAlgoliaFeedRunning());
    QTRY_VERIFY(feedPolls(*f.server) >= 1);

    // Two events sent to the "us" region (the stand-in), logged by the app as sent.
    session->window()->sendEvents({makeEvent(QStringLiteral("tester-1"), QStringLiteral("sku-1")),
                                   makeEvent(QStringLiteral("tester-1"), QStringLiteral("sku-2"))});
    LogQuery sentQuery;
    sentQuery.source = EventSource::Sent;
    QTRY_COMPARE(log->query(sentQuery).size(), 2);
    const QList<LogRecord> sent = log->query(sentQuery);
    QVERIFY(!sent.at(0).algoliaStatus);

    // The details pane shows the second event before Algolia's verdict is known.
    auto* details = session->window()->findChild<DetailsPane*>();
    QVERIFY(details);
    auto* summary = details->findChild<QLabel*>(QStringLiteral("detailsSummary"));
    details->showRecord(sent.at(1));
    QVERIFY(!summary->text().contains(QLatin1String("Algolia:")));

    // Algolia's feed then holds both (the second with its own error) and an event a live site sent.
    ReceivedRequest post;
    for (const ReceivedRequest& request : f.server->requests()) {
        if (request.method == "POST")
            post = request;
    }
    QCOMPARE(post.method, QByteArray("POST"));
    QCOMPARE(post.headers.value("x-algolia-api-key"), kApiKey.toUtf8());
    const DecodedBatch posted = EventCodec::decodeRequestBody(post.body);
    QCOMPARE(posted.rawEvents.size(), 2);
    QJsonArray entries;
    entries.append(feedEntry(posted.rawEvents.at(0), QStringLiteral("alg-1"), 422, {}));
    entries.append(feedEntry(posted.rawEvents.at(1), QStringLiteral("alg-1"), 422,
                             {QStringLiteral("objectID sku-2 is not in index products")}));
    Event site = makeEvent(QStringLiteral("site-visitor"), QStringLiteral("sku-9"));
    site.timestamp = QDateTime::currentMSecsSinceEpoch() - 1000;
    entries.append(feedEntry(EventCodec::encodeEvent(site), QStringLiteral("site-1"), 200, {}));
    f.feedBody =
        QJsonDocument(QJsonObject{{QStringLiteral("events"), entries}}).toJson(QJsonDocument::Compact);

    QTRY_VERIFY(log->records({sent.at(1).id}).value(0).algoliaStatus.has_value());
    const QList<LogRecord> judged = log->records({sent.at(0).id, sent.at(1).id});
    QCOMPARE(judged.at(0).algoliaStatus, std::optional<int>(422));
    QVERIFY(judged.at(0).algoliaErrors.isEmpty());
    QCOMPARE(judged.at(1).algoliaStatus, std::optional<int>(422));
    QCOMPARE(judged.at(1).algoliaErrors,
             QStringList{QStringLiteral("objectID sku-2 is not in index products")});
    // Still two sent events: a matched feed record is a verdict, not a new row.
    QCOMPARE(log->query(sentQuery).size(), 2);
    LogQuery algoliaQuery;
    algoliaQuery.source = EventSource::Algolia;
    QTRY_COMPARE(log->query(algoliaQuery).size(), 1);
    QCOMPARE(log->query(algoliaQuery).constFirst().userToken, QStringLiteral("site-visitor"));

    // The details pane on screen picks the verdict up by itself, beside the local verdict.
    QTRY_VERIFY2(
        summary->text().contains(QStringLiteral("Algolia: 422 — objectID sku-2 is not in index products")),
        qPrintable(summary->text()));
    QVERIFY(summary->text().contains(QLatin1String("accepted (200)")));
    details->showRecord(judged.at(0));
    QVERIFY2(summary->text().contains(QStringLiteral("Algolia: 422 — rejected with its batch")),
             qPrintable(summary->text()));
    // The request's events and the user's timeline carry it too.
    auto* requestEvents = details->findChild<QTreeWidget*>(QStringLiteral("detailsRequestEvents"));
    QTRY_COMPARE(requestEvents->topLevelItemCount(), 2);
    QVERIFY2(requestEvents->topLevelItem(1)->text(3).contains(
                 QStringLiteral("Algolia: 422 — objectID sku-2 is not in index products")),
             qPrintable(requestEvents->topLevelItem(1)->text(3)));
    auto* timeline = details->findChild<QTreeWidget*>(QStringLiteral("detailsTimeline"));
    QTRY_COMPARE(timeline->topLevelItemCount(), 2);
    QVERIFY(timeline->topLevelItem(0)->text(4).contains(QLatin1String("Algolia: 422")));

    // The key is nowhere in the event log's files, nor in the status bar.
    log->flush();
    QVERIFY(!logFiles(f.dir->path()).contains(kApiKey.toUtf8()));
    QVERIFY(!session->window()->statusBar()->currentMessage().contains(kApiKey));
}

void TestAlgoliaVerdict::settingAndTargetStartAndStopPolling()
{
    Fixture f;
    QVERIFY(open(f));
    DesktopSession* session = f.session.get();
    AppSettings* settings = session->settings();
    QVERIFY(settings->pollAlgoliaFeed.value()); // on by default
    QTRY_VERIFY(session->isAlgoliaFeedRunning());
    QTRY_VERIFY(feedPolls(*f.server) >= 2); // polling, every interval

    // The setting off: polling stops.
    settings->pollAlgoliaFeed.setValue(false);
    settings->sync();
    QTRY_VERIFY(!session->isAlgoliaFeedRunning());
    QTRY_VERIFY(!feedBusy(session)); // a poll already in flight has been answered
    const int pollsAfterOff = feedPolls(*f.server);
    QSignalSpy requests(f.server.get(), &FaultServer::requestReceived);
    QVERIFY(!requests.wait(1500));
    QCOMPARE(feedPolls(*f.server), pollsAfterOff);

    // On again: polling resumes.
    settings->pollAlgoliaFeed.setValue(true);
    settings->sync();
    QTRY_VERIFY(session->isAlgoliaFeedRunning());
    QTRY_VERIFY(feedPolls(*f.server) > pollsAfterOff);

    // The embedded endpoint as the target: nothing to ask Algolia, polling stops.
    settings->target.setValue(QStringLiteral("local"));
    session->window()->applyTarget();
    QTRY_VERIFY(!session->isAlgoliaFeedRunning());

    // The DE region: polling again (the stand-in serves both regions here).
    settings->target.setValue(QStringLiteral("de"));
    session->window()->applyTarget();
    QTRY_VERIFY(session->isAlgoliaFeedRunning());
}

void TestAlgoliaVerdict::refusedKeyStopsPollingWithAMessage()
{
    Fixture f;
    f.feedStatus = 403; // a key without the analytics ACL
    QVERIFY(open(f));
    DesktopSession* session = f.session.get();
    // A label of its own in the status bar: a send's message does not hide it.
    auto* feedLabel = session->window()->findChild<QLabel*>(QStringLiteral("algoliaFeedStatusLabel"));
    QVERIFY(feedLabel);
    QTRY_VERIFY(feedLabel->text().contains(QLatin1String("Polling stopped")));
    QVERIFY2(feedLabel->text().contains(QLatin1String("Method not allowed with this API key")),
             qPrintable(feedLabel->text()));
    QVERIFY(!feedLabel->text().contains(kApiKey));
    session->window()->statusBar()->showMessage(QStringLiteral("1 event(s) accepted: HTTP 200"));
    QVERIFY(feedLabel->isVisibleTo(session->window()));
    QVERIFY(feedLabel->text().contains(QLatin1String("Polling stopped")));
    QTRY_VERIFY(!session->isAlgoliaFeedRunning());
    QTRY_VERIFY(!feedBusy(session));
    // Not asked again every second with the key Algolia refused.
    const int polls = feedPolls(*f.server);
    QSignalSpy requests(f.server.get(), &FaultServer::requestReceived);
    QVERIFY(!requests.wait(2500));
    QCOMPARE(feedPolls(*f.server), polls);

    // Turning the setting off and on asks again (e.g. after the key got the ACL).
    f.feedStatus = 200;
    session->settings()->pollAlgoliaFeed.setValue(false);
    session->settings()->sync();
    session->settings()->pollAlgoliaFeed.setValue(true);
    session->settings()->sync();
    QTRY_VERIFY(session->isAlgoliaFeedRunning());
    QTRY_VERIFY(feedPolls(*f.server) > polls);
}

void TestAlgoliaVerdict::realProfileShownBesideTheEstimate()
{
    Fixture f;
    QVERIFY(open(f));
    auto* charts = f.session->window()->findChild<ChartsPane*>(QStringLiteral("chartsPane"));
    QVERIFY(charts);
    auto* real = charts->findChild<QTextBrowser*>(QStringLiteral("realProfile"));
    QVERIFY(real);

    // Both APIs are asked with the stored key (loaded once the feed runs); Algolia's answers are shown as
    // they came, errors included.
    QTRY_VERIFY(f.session->isAlgoliaFeedRunning());
    charts->showProfile(QStringLiteral("tester-7"));
    QTRY_VERIFY(real->toPlainText().contains(QLatin1String("genres: Drama (score 12)")));
    QVERIFY(real->toPlainText().contains(QLatin1String("Advanced Personalization (basic profile")));
    QVERIFY(real->toPlainText().contains(QLatin1String("Personalization: HTTP 404")));
    bool askedAdvanced = false;
    for (const ReceivedRequest& request : f.server->requests()) {
        if (request.target == "/2/users/tester-7") {
            askedAdvanced = true;
            QCOMPARE(request.headers.value("x-algolia-api-key"), kApiKey.toUtf8());
        }
    }
    QVERIFY(askedAdvanced);

    // With the embedded endpoint as target there is no Algolia profile to ask for: the pane says why.
    f.session->settings()->target.setValue(QStringLiteral("local"));
    f.session->window()->applyTarget();
    charts->showProfile(QStringLiteral("tester-8"));
    QTRY_VERIFY(real->toPlainText().contains(QLatin1String("when the target is Algolia")));
}

QTEST_MAIN(TestAlgoliaVerdict)
#include "tst_algoliaverdict.moc"
