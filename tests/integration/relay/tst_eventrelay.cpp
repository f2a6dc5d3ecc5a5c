#include "client/eventrelay.h"
#include "endpoint/embeddedendpoint.h"
#include "faultserver.h"
#include "httptestclient.h"
#include "log/eventlog.h"

#include "logwait.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

namespace {

const RawHeaders kSiteCredentials{
    {"x-algolia-application-id", "SITEAPP"},
    {"x-algolia-api-key", "site-write-key-42"},
    {"x-algolia-agent", "Algolia for JavaScript (5.0.0); Search Insights (2.17.0)"}};

QJsonObject viewEvent(const QString& objectId)
{
    return {{QStringLiteral("eventType"), QStringLiteral("view")},
            {QStringLiteral("eventName"), QStringLiteral("Product Viewed")},
            {QStringLiteral("index"), QStringLiteral("movies")},
            {QStringLiteral("userToken"), QStringLiteral("anonymous-1")},
            {QStringLiteral("objectIDs"), QJsonArray{objectId}},
            {QStringLiteral("timestamp"), QDateTime::currentMSecsSinceEpoch()}};
}

QByteArray batch(const QJsonArray& events)
{
    return QJsonDocument(QJsonObject{{QStringLiteral("events"), events}}).toJson(QJsonDocument::Compact);
}

} // namespace

class TestEventRelay final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void eventsAreForwardedAsReceivedWithTheSitesCredentials();
    void algoliasRefusalIsStoredBesideTheLocalVerdict();
    void noAnswerSaysNotRelayed();
    void refusedRequestsAreNotForwarded();

private:
    QUrl url(const QString& path) const { return QUrl(m_endpoint->baseUrl() + path); }
    QList<LogRecord> events() const
    {
        LogQuery query;
        query.kind = RecordKind::Event;
        return m_log->query(query);
    }
    // Waits until every event of the log carries Algolia's verdict.
    bool waitForVerdicts(qsizetype count)
    {
        return QTest::qWaitFor(
            [&] {
                const QList<LogRecord> all = events();
                return all.size() == count &&
                       std::all_of(all.cbegin(), all.cend(),
                                   [](const LogRecord& record) { return record.algoliaStatus.has_value(); });
            },
            20000);
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<EventLog> m_log;
    std::unique_ptr<FaultServer> m_algolia;
    std::unique_ptr<EventRelay> m_relay;
    std::unique_ptr<EmbeddedEndpoint> m_endpoint;
    QNetworkAccessManager m_network;
};

void TestEventRelay::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    EventLogOptions options;
    options.path = m_dir->filePath(QStringLiteral("events.sqlite"));
    EventLog::OpenResult opened = EventLog::open(options);
    QVERIFY2(opened.log, qPrintable(opened.error));
    m_log = std::move(opened.log);
    m_algolia = std::make_unique<FaultServer>();
    QVERIFY(m_algolia->listen());
    m_relay = std::make_unique<EventRelay>(m_log.get(), InsightsTarget::custom(m_algolia->url()));
    m_endpoint = std::make_unique<EmbeddedEndpoint>(m_log.get());
    EventRelay* relay = m_relay.get();
    m_endpoint->setEventRelay(
        [relay](const QString& appId, const QString& apiKey, const QList<LogRecord>& records) {
            relay->relay(appId, apiKey, records);
        });
    EndpointOptions endpointOptions;
    endpointOptions.port = 0;
    QCOMPARE(m_endpoint->start(endpointOptions), std::nullopt);
}

void TestEventRelay::cleanup()
{
    m_endpoint.reset();
    m_relay.reset();
    m_algolia.reset();
    m_log.reset();
    m_dir.reset();
}

void TestEventRelay::eventsAreForwardedAsReceivedWithTheSitesCredentials()
{
    // Spacing and key order as a site might send them: forwarded as they came, not re-serialised.
    const QByteArray first = QByteArrayLiteral(
        "{ \"eventName\": \"Product Viewed\", \"eventType\": \"view\", \"index\": \"movies\", "
        "\"userToken\": \"anonymous-1\", \"objectIDs\": [\"movie-1\"], \"price\": 49.99 }");
    const QByteArray second =
        QJsonDocument(viewEvent(QStringLiteral("movie-2"))).toJson(QJsonDocument::Compact);
    const QByteArray body = "{\"events\":[" + first + "," + second + "]}";
    const HttpResult answer =
        httpRequest(m_network, "POST", url(QStringLiteral("/1/events")), kSiteCredentials, body);
    QCOMPARE(answer.status, 200); // the local verdict answers the site; Algolia's comes after

    QSignalSpy received(m_algolia.get(), &FaultServer::requestReceived);
    QVERIFY(!m_algolia->requests().isEmpty() || received.wait(20000));
    const ReceivedRequest& forwarded = m_algolia->requests().first();
    QCOMPARE(forwarded.method, QByteArray("POST"));
    QCOMPARE(forwarded.target, QByteArray("/1/events"));
    QCOMPARE(forwarded.headers.value("x-algolia-application-id"), QByteArray("SITEAPP"));
    QCOMPARE(forwarded.headers.value("x-algolia-api-key"), QByteArray("site-write-key-42"));
    QCOMPARE(forwarded.headers.value("x-algolia-agent"), kSiteCredentials.at(2).second);
    QCOMPARE(forwarded.body, body);

    QVERIFY(waitForVerdicts(2));
    for (const LogRecord& record : events()) {
        QVERIFY(record.accepted);
        QCOMPARE(*record.algoliaStatus, 200);
        QVERIFY(record.algoliaErrors.isEmpty());
        QCOMPARE(algoliaVerdictText(record), QStringLiteral("Algolia: 200 accepted"));
    }
    QCOMPARE(m_relay->relayedRequests(), 1);
    // The site's key is in memory for the request only: nowhere in the data folder.
    m_log->flush();
    for (const QString& name : QDir(m_dir->path()).entryList(QDir::Files)) {
        QFile file(m_dir->filePath(name));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY2(!file.readAll().contains("site-write-key-42"), qPrintable(name));
    }
}

void TestEventRelay::algoliasRefusalIsStoredBesideTheLocalVerdict()
{
    const QByteArray refusal = QByteArrayLiteral("{\"status\":401,\"message\":\"Invalid credentials\"}");
    m_algolia->setFallback(FaultAction::respond(401, refusal));
    const HttpResult answer = httpRequest(m_network, "POST", url(QStringLiteral("/1/events")),
                                          kSiteCredentials, batch({viewEvent(QStringLiteral("movie-1"))}));
    QCOMPARE(answer.status, 200);
    QVERIFY(waitForVerdicts(1));
    const LogRecord record = events().first();
    QVERIFY(record.accepted); // the local verdict stays
    QCOMPARE(*record.algoliaStatus, 401);
    QCOMPARE(record.algoliaErrors, QStringList{QStringLiteral("Invalid credentials")});
    QCOMPARE(algoliaVerdictText(record), QStringLiteral("Algolia: 401 — Invalid credentials"));
    QCOMPARE(m_relay->failedRequests(), 1);
}

void TestEventRelay::noAnswerSaysNotRelayed()
{
    m_algolia->setFallback(FaultAction::drop());
    QCOMPARE(httpRequest(m_network, "POST", url(QStringLiteral("/1/events")), kSiteCredentials,
                         batch({viewEvent(QStringLiteral("movie-1"))}))
                 .status,
             200);
    QVERIFY(waitForVerdicts(1));
    const LogRecord record = events().first();
    QCOMPARE(*record.algoliaStatus, 0);
    QCOMPARE(record.algoliaErrors.size(), 1);
    QVERIFY2(record.algoliaErrors.first().startsWith(QLatin1String("not relayed: ")),
             qPrintable(record.algoliaErrors.first()));
}

void TestEventRelay::refusedRequestsAreNotForwarded()
{
    // No credentials: the endpoint refuses the request (as Algolia would); nothing goes to Algolia.
    QCOMPARE(httpRequest(m_network, "POST", url(QStringLiteral("/1/events")), {},
                         batch({viewEvent(QStringLiteral("movie-1"))}))
                 .status,
             401);
    // Not JSON: refused locally ("Invalid payload"), not forwarded either.
    const int invalid =
        httpRequest(m_network, "POST", url(QStringLiteral("/1/events")), kSiteCredentials, "not json").status;
    QVERIFY2(invalid >= 400 && invalid < 500, qPrintable(QString::number(invalid)));
    // A valid one afterwards is forwarded, alone.
    QCOMPARE(httpRequest(m_network, "POST", url(QStringLiteral("/1/events")), kSiteCredentials,
                         batch({viewEvent(QStringLiteral("movie-3"))}))
                 .status,
             200);
    QTRY_COMPARE_WITH_TIMEOUT(m_relay->relayedRequests(), 1, 20000);
    QCOMPARE(m_algolia->requests().size(), 1);
    QVERIFY(m_algolia->requests().first().body.contains("movie-3"));
}

QTEST_GUILESS_MAIN(TestEventRelay)
#include "tst_eventrelay.moc"
