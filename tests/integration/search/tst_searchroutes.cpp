// The search routes on the embedded endpoint (issue 12): answered locally from a catalog, recorded, listed by
// GET /debugger/searches, and events checked against them; off answers 404; relay forwards untouched to the
// search hosts (a local stand-in here), falls back past a failing host, and returns the answer untouched.
#include "catalog/indexcatalog.h"
#include "endpoint/embeddedendpoint.h"
#include "faultserver.h"
#include "httptestclient.h"
#include "log/eventlog.h"
#include "search/searchservice.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QTemporaryDir>
#include <QTest>

namespace {

QByteArray fixture(const QString& name)
{
    QFile file(QStringLiteral(INSIGHTS_TEST_DATA_DIR "/search/") + name);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

const RawHeaders kCredentials{{"x-algolia-application-id", "APPID"}, {"x-algolia-api-key", "search-key-123"}};

QByteArray clickBody(const QString& queryID, const QString& objectID, int position, const QString& userToken)
{
    const QJsonObject event{{QStringLiteral("eventType"), QStringLiteral("click")},
                            {QStringLiteral("eventName"), QStringLiteral("Hit Clicked")},
                            {QStringLiteral("index"), QStringLiteral("films")},
                            {QStringLiteral("userToken"), userToken},
                            {QStringLiteral("queryID"), queryID},
                            {QStringLiteral("objectIDs"), QJsonArray{objectID}},
                            {QStringLiteral("positions"), QJsonArray{position}}};
    return QJsonDocument(QJsonObject{{QStringLiteral("events"), QJsonArray{event}}})
        .toJson(QJsonDocument::Compact);
}

QStringList codesOf(const QJsonObject& record)
{
    QStringList codes;
    for (const QJsonValue& issue : record.value(QLatin1String("issues")).toArray())
        codes.append(issue.toObject().value(QLatin1String("code")).toString());
    return codes;
}

} // namespace

class TestSearchRoutes final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void localSearchIsAnsweredAndRecorded();
    void clicksAreCheckedAgainstTheSearch();
    void bothParamStylesAndRoutes_data();
    void bothParamStylesAndRoutes();
    void badRequestsGetAlgoliasErrors_data();
    void badRequestsGetAlgoliasErrors();
    void offAnswers404();
    void relayPassesThroughUntouched();

private:
    QUrl url(const QString& path) const { return QUrl(m_endpoint->baseUrl() + path); }
    QJsonObject lastEvent();

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<EventLog> m_log;
    std::unique_ptr<SearchService> m_search;
    std::unique_ptr<EmbeddedEndpoint> m_endpoint;
    QNetworkAccessManager m_network;
};

void TestSearchRoutes::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    EventLogOptions options;
    options.path = m_dir->filePath(QStringLiteral("events.sqlite"));
    EventLog::OpenResult opened = EventLog::open(options);
    QVERIFY2(opened.log, qPrintable(opened.error));
    m_log = std::move(opened.log);
    IndexCatalog::LoadResult films =
        IndexCatalog::fromJson(fixture(QStringLiteral("films.json")), QStringLiteral("films"));
    QVERIFY(films.catalog);
    m_search = std::make_unique<SearchService>(m_log.get());
    m_search->setCatalogs({std::make_shared<const IndexCatalog>(std::move(*films.catalog))});
    m_endpoint = std::make_unique<EmbeddedEndpoint>(m_log.get());
    for (const auto& handler : m_search->routeHandlers())
        m_endpoint->addRouteHandler(handler);
    m_endpoint->setSearchLookup(m_search->lookup());
    connect(m_endpoint.get(), &EmbeddedEndpoint::batchLogged, m_search.get(), &SearchService::noteLoggedBatch,
            Qt::DirectConnection);
    EndpointOptions endpointOptions;
    endpointOptions.port = 0;
    QCOMPARE(m_endpoint->start(endpointOptions), std::nullopt);
}

void TestSearchRoutes::cleanup()
{
    m_endpoint.reset();
    m_search.reset();
    m_log.reset();
    m_dir.reset();
}

QJsonObject TestSearchRoutes::lastEvent()
{
    const HttpResult result =
        httpRequest(m_network, "GET", url(QStringLiteral("/debugger/events?eventType=click")));
    const QJsonArray events =
        QJsonDocument::fromJson(result.body).object().value(QLatin1String("events")).toArray();
    return events.isEmpty() ? QJsonObject() : events.last().toObject();
}

void TestSearchRoutes::localSearchIsAnsweredAndRecorded()
{
    RawHeaders headers = kCredentials;
    headers.append(qMakePair(QByteArray("x-algolia-usertoken"), QByteArray("user-1")));
    headers.append(qMakePair(QByteArray("origin"), QByteArray("http://shop.test")));
    const HttpResult answer = httpRequest(
        m_network, "POST",
        url(QStringLiteral("/1/indexes/*/queries?x-algolia-agent=Algolia%20for%20JavaScript")), headers,
        "{\"requests\":[{\"indexName\":\"films\",\"params\":\"query=river&page=1&hitsPerPage=3&"
        "clickAnalytics=true\"},"
        "{\"indexName\":\"films\",\"query\":\"river\",\"hitsPerPage\":0,\"facets\":[\"genres\"]}]}");
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.header("access-control-allow-origin"), QByteArray("*"));
    const QJsonArray results =
        QJsonDocument::fromJson(answer.body).object().value(QLatin1String("results")).toArray();
    QCOMPARE(results.size(), 2);
    const QJsonObject first = results.at(0).toObject();
    QCOMPARE(first.value(QLatin1String("index")).toString(), QStringLiteral("films"));
    QCOMPARE(first.value(QLatin1String("nbHits")).toInt(), 26);
    QCOMPARE(first.value(QLatin1String("hits"))
                 .toArray()
                 .at(0)
                 .toObject()
                 .value(QLatin1String("objectID"))
                 .toString(),
             QStringLiteral("film-04"));
    const QString queryID = first.value(QLatin1String("queryID")).toString();
    QCOMPARE(queryID.size(), 32);
    QVERIFY(!results.at(1).toObject().contains(QLatin1String("queryID")));
    QCOMPARE(results.at(1)
                 .toObject()
                 .value(QLatin1String("facets"))
                 .toObject()
                 .value(QLatin1String("genres"))
                 .toObject()
                 .value(QLatin1String("Comedy"))
                 .toInt(),
             12);

    // Both searches recorded once the site had its answer, oldest first.
    const HttpResult listed = httpRequest(m_network, "GET", url(QStringLiteral("/debugger/searches")));
    QCOMPARE(listed.status, 200);
    const QJsonArray searches =
        QJsonDocument::fromJson(listed.body).object().value(QLatin1String("searches")).toArray();
    QCOMPARE(searches.size(), 2);
    const QJsonObject search = searches.at(0).toObject();
    QCOMPARE(search.value(QLatin1String("queryID")).toString(), queryID);
    QCOMPARE(search.value(QLatin1String("query")).toString(), QStringLiteral("river"));
    QCOMPARE(search.value(QLatin1String("page")).toInt(), 1);
    QCOMPARE(search.value(QLatin1String("hitsPerPage")).toInt(), 3);
    QCOMPARE(search.value(QLatin1String("hits")).toArray(),
             (QJsonArray{QStringLiteral("film-04"), QStringLiteral("film-05"), QStringLiteral("film-06")}));
    QCOMPARE(search.value(QLatin1String("userToken")).toString(), QStringLiteral("user-1"));
    QCOMPARE(search.value(QLatin1String("origin")).toString(), QStringLiteral("http://shop.test"));
    QCOMPARE(search.value(QLatin1String("agent")).toString(), QStringLiteral("Algolia for JavaScript"));
    QVERIFY(search.value(QLatin1String("clickAnalytics")).toBool());
    QVERIFY(!searches.at(1).toObject().value(QLatin1String("clickAnalytics")).toBool());
    const qint64 firstId = search.value(QLatin1String("id")).toInteger();
    const HttpResult paged =
        httpRequest(m_network, "GET", url(QStringLiteral("/debugger/searches?since=%1").arg(firstId)));
    QCOMPARE(QJsonDocument::fromJson(paged.body).object().value(QLatin1String("searches")).toArray().size(),
             1);
    const HttpResult byQuery =
        httpRequest(m_network, "GET", url(QStringLiteral("/debugger/searches?queryID=") + queryID));
    QCOMPARE(QJsonDocument::fromJson(byQuery.body).object().value(QLatin1String("searches")).toArray().size(),
             1);

    // The API key is not kept anywhere in the log.
    m_log->flush();
    QFile file(m_log->path());
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(!file.readAll().contains("search-key-123"));
    QFile wal(m_log->path() + QStringLiteral("-wal"));
    if (wal.open(QIODevice::ReadOnly))
        QVERIFY(!wal.readAll().contains("search-key-123"));
}

void TestSearchRoutes::clicksAreCheckedAgainstTheSearch()
{
    RawHeaders headers = kCredentials;
    headers.append(qMakePair(QByteArray("x-algolia-usertoken"), QByteArray("user-1")));
    const HttpResult answer =
        httpRequest(m_network, "POST", url(QStringLiteral("/1/indexes/films/query")), headers,
                    "{\"query\":\"river\",\"page\":1,\"hitsPerPage\":3,\"clickAnalytics\":true}");
    QCOMPARE(answer.status, 200);
    const QString queryID =
        QJsonDocument::fromJson(answer.body).object().value(QLatin1String("queryID")).toString();
    QCOMPARE(queryID.size(), 32);

    QCOMPARE(httpRequest(m_network, "POST", url(QStringLiteral("/1/events")), kCredentials,
                         clickBody(queryID, QStringLiteral("film-05"), 5, QStringLiteral("user-1")))
                 .status,
             200);
    QJsonObject event = lastEvent();
    QCOMPARE(codesOf(event), QStringList());

    QCOMPARE(httpRequest(m_network, "POST", url(QStringLiteral("/1/events")), kCredentials,
                         clickBody(queryID, QStringLiteral("film-05"), 2, QStringLiteral("someone-else")))
                 .status,
             200);
    event = lastEvent();
    QCOMPARE(codesOf(event), (QStringList{QStringLiteral("position.mismatch"),
                                          QStringLiteral("userToken.differsFromSearch")}));

    // A conversion without queryID right after the click: attributed through it.
    const QByteArray conversion =
        "{\"events\":[{\"eventType\":\"conversion\",\"eventName\":\"Bought\",\"index\":\"films\","
        "\"userToken\":\"user-1\",\"objectIDs\":[\"film-05\"]}]}";
    QCOMPARE(
        httpRequest(m_network, "POST", url(QStringLiteral("/1/events")), kCredentials, conversion).status,
        200);
    const HttpResult conversions =
        httpRequest(m_network, "GET", url(QStringLiteral("/debugger/events?eventType=conversion")));
    const QJsonObject converted = QJsonDocument::fromJson(conversions.body)
                                      .object()
                                      .value(QLatin1String("events"))
                                      .toArray()
                                      .last()
                                      .toObject();
    QVERIFY2(codesOf(converted).contains(QStringLiteral("queryID.inferred")),
             qPrintable(codesOf(converted).join(u',')));

    // The search names the events citing it.
    const HttpResult listed =
        httpRequest(m_network, "GET", url(QStringLiteral("/debugger/searches?queryID=") + queryID));
    const QJsonObject search = QJsonDocument::fromJson(listed.body)
                                   .object()
                                   .value(QLatin1String("searches"))
                                   .toArray()
                                   .at(0)
                                   .toObject();
    QCOMPARE(search.value(QLatin1String("citedBy")).toArray().size(), 2);
}

void TestSearchRoutes::bothParamStylesAndRoutes_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addRow("v4 single query") << QByteArray("POST") << QStringLiteral("/1/indexes/films/query")
                                     << QByteArray("{\"params\":\"query=silent&hitsPerPage=1\"}");
    QTest::addRow("v5 single query") << QByteArray("POST") << QStringLiteral("/1/indexes/films/query")
                                     << QByteArray("{\"query\":\"silent\",\"hitsPerPage\":1}");
    QTest::addRow("GET with query string")
        << QByteArray("GET") << QStringLiteral("/1/indexes/films?query=silent&hitsPerPage=1") << QByteArray();
}

void TestSearchRoutes::bothParamStylesAndRoutes()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    const HttpResult answer = httpRequest(m_network, method, url(path), kCredentials, body);
    QCOMPARE(answer.status, 200);
    const QJsonObject result = QJsonDocument::fromJson(answer.body).object();
    QCOMPARE(result.value(QLatin1String("nbHits")).toInt(), 1);
    QCOMPARE(result.value(QLatin1String("hits"))
                 .toArray()
                 .at(0)
                 .toObject()
                 .value(QLatin1String("objectID"))
                 .toString(),
             QStringLiteral("film-99"));
    QVERIFY(!result.contains(QLatin1String("index"))); // single-query answers don't carry it
}

void TestSearchRoutes::badRequestsGetAlgoliasErrors_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("message");
    QTest::addRow("unknown index") << QStringLiteral("/1/indexes/nope/query") << QByteArray("{}") << 404
                                   << QStringLiteral("Index nope does not exist");
    QTest::addRow("not JSON") << QStringLiteral("/1/indexes/*/queries") << QByteArray("{") << 400
                              << QStringLiteral("Invalid JSON body");
    QTest::addRow("bad page") << QStringLiteral("/1/indexes/films/query") << QByteArray("{\"page\":\"x\"}")
                              << 400 << QStringLiteral("Invalid value for \"page\"");
}

void TestSearchRoutes::badRequestsGetAlgoliasErrors()
{
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, message);
    const HttpResult answer = httpRequest(m_network, "POST", url(path), kCredentials, body);
    QCOMPARE(answer.status, status);
    QVERIFY2(answer.message().startsWith(message), qPrintable(answer.message()));
    QCOMPARE(QJsonDocument::fromJson(answer.body).object().value(QLatin1String("status")).toInt(), status);
}

void TestSearchRoutes::offAnswers404()
{
    m_search->setMode(SearchMode::Off);
    const HttpResult answer =
        httpRequest(m_network, "POST", url(QStringLiteral("/1/indexes/films/query")), kCredentials, "{}");
    QCOMPARE(answer.status, 404);
    const HttpResult listed = httpRequest(m_network, "GET", url(QStringLiteral("/debugger/searches")));
    QCOMPARE(QJsonDocument::fromJson(listed.body).object().value(QLatin1String("searches")).toArray().size(),
             0);
}

void TestSearchRoutes::relayPassesThroughUntouched()
{
    FaultServer failing; // the first host fails, as a DSN host can: the relay must fall back
    QVERIFY(failing.listen());
    failing.setFallback(FaultAction::respond(503, "{\"message\":\"unavailable\",\"status\":503}"));
    FaultServer algolia;
    QVERIFY(algolia.listen());
    const QByteArray canned = fixture(QStringLiteral("relay-answer.json")).trimmed();
    algolia.setFallback(
        FaultAction::respond(200, canned, {{"Content-Type", "application/json; charset=UTF-8"}}));
    m_search->setMode(SearchMode::Relay);
    m_search->setRelayHosts(
        {failing.url().toString(QUrl::StripTrailingSlash), algolia.url().toString(QUrl::StripTrailingSlash)});

    RawHeaders headers = kCredentials;
    headers.append(qMakePair(QByteArray("x-algolia-usertoken"), QByteArray("user-7")));
    const QByteArray body =
        "{\"requests\":[{\"indexName\":\"films\",\"params\":\"query=relayed&clickAnalytics=true\"}]}";
    const HttpResult answer =
        httpRequest(m_network, "POST",
                    url(QStringLiteral("/1/indexes/*/queries?x-algolia-agent=Algolia%20for%20JavaScript")),
                    headers, body);
    QCOMPARE(answer.status, 200);
    QCOMPARE(answer.body, canned); // byte for byte
    QCOMPARE(failing.requests().size(), 1);
    QCOMPARE(algolia.requests().size(), 1);
    const ReceivedRequest& forwarded = algolia.requests().constFirst();
    QCOMPARE(forwarded.method, QByteArray("POST"));
    QCOMPARE(forwarded.target, QByteArray("/1/indexes/*/queries?x-algolia-agent=Algolia%20for%20JavaScript"));
    QCOMPARE(forwarded.body, body);
    QCOMPARE(forwarded.headers.value("x-algolia-api-key"), QByteArray("search-key-123")); // the site's own
    QCOMPARE(forwarded.headers.value("x-algolia-usertoken"), QByteArray("user-7"));

    // Recorded from Algolia's answer, and events are linked to it.
    const HttpResult listed = httpRequest(m_network, "GET", url(QStringLiteral("/debugger/searches")));
    const QJsonObject search = QJsonDocument::fromJson(listed.body)
                                   .object()
                                   .value(QLatin1String("searches"))
                                   .toArray()
                                   .at(0)
                                   .toObject();
    QCOMPARE(search.value(QLatin1String("queryID")).toString(),
             QStringLiteral("0123456789abcdef0123456789abcdef"));
    QCOMPARE(search.value(QLatin1String("hits")).toArray(),
             (QJsonArray{QStringLiteral("r-1"), QStringLiteral("r-2")}));
    QCOMPARE(search.value(QLatin1String("userToken")).toString(), QStringLiteral("user-7"));
    QCOMPARE(httpRequest(m_network, "POST", url(QStringLiteral("/1/events")), kCredentials,
                         clickBody(QStringLiteral("0123456789abcdef0123456789abcdef"), QStringLiteral("r-2"),
                                   2, QStringLiteral("user-7")))
                 .status,
             200);
    QCOMPARE(codesOf(lastEvent()), QStringList());

    // Algolia's errors pass through untouched too.
    algolia.setFallback(
        FaultAction::respond(403, "{\"message\":\"Invalid Application-ID or API key\",\"status\":403}"));
    const HttpResult refused =
        httpRequest(m_network, "POST", url(QStringLiteral("/1/indexes/films/query")), headers, "{}");
    QCOMPARE(refused.status, 403);
    QCOMPARE(refused.body, QByteArray("{\"message\":\"Invalid Application-ID or API key\",\"status\":403}"));
}

QTEST_GUILESS_MAIN(TestSearchRoutes)
#include "tst_searchroutes.moc"
