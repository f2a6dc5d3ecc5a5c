// Extra routes on the embedded endpoint (INTERFACES.md §2) over real loopback sockets: a small handler gets
// the request as sent (raw path and query, lowercased headers, decoded body) only after the endpoint's checks
// (credentials and CORS on Algolia routes, Host and Origin on automation routes, the body limit), and may
// answer later from another thread.

#include "httptestclient.h"

#include "endpoint/embeddedendpoint.h"
#include "endpoint/routehandler.h"
#include "log/eventlog.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTemporaryDir>
#include <QTest>

#include <zlib.h>

#include <atomic>
#include <memory>
#include <thread>

namespace {

const QByteArray kAppId = QByteArrayLiteral("ROUTESAPP");
const QByteArray kApiKey = QByteArrayLiteral("routes-secret-key-31b7");

RawHeaders credentialHeaders()
{
    return {qMakePair(QByteArray("x-algolia-application-id"), kAppId),
            qMakePair(QByteArray("x-algolia-api-key"), kApiKey)};
}

QByteArray gzip(const QByteArray& data)
{
    z_stream stream{};
    deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    QByteArray out(static_cast<qsizetype>(deflateBound(&stream, static_cast<uLong>(data.size())) + 32),
                   Qt::Uninitialized);
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.constData()));
    stream.avail_in = static_cast<uInt>(data.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    deflate(&stream, Z_FINISH);
    out.resize(static_cast<qsizetype>(stream.total_out));
    deflateEnd(&stream);
    return out;
}

// Echoes what it received as JSON. Algolia-shaped: answers on its own thread, a little later, as a relay to
// a remote search would.
class SearchLikeHandler final : public EndpointRouteHandler
{
public:
    bool matches(QByteArrayView, QByteArrayView path) const override
    {
        return path.startsWith("/1/indexes/");
    }
    void handle(EndpointRequest request, std::function<void(EndpointResponse)> respond) override
    {
        ++calls;
        std::thread([request = std::move(request), respond = std::move(respond)]() {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            QJsonObject echo{
                {QStringLiteral("method"), QString::fromLatin1(request.method)},
                {QStringLiteral("path"), QString::fromLatin1(request.path)},
                {QStringLiteral("query"), QString::fromLatin1(request.query)},
                {QStringLiteral("body"), QString::fromUtf8(request.body)},
                {QStringLiteral("agent"), QString::fromLatin1(request.header("x-algolia-agent"))},
                {QStringLiteral("requestId"), request.requestId},
                {QStringLiteral("remoteAddress"), request.remoteAddress},
            };
            EndpointResponse response;
            response.body = QJsonDocument(echo).toJson(QJsonDocument::Compact);
            response.headers.append(qMakePair(QByteArray("x-echo"), QByteArray("yes")));
            respond(std::move(response));
        }).detach();
    }
    bool isAlgoliaRoute() const override { return true; }

    std::atomic<int> calls{0};
};

// Automation-shaped: answers synchronously inside handle(), as plain text.
class ChecksLikeHandler final : public EndpointRouteHandler
{
public:
    bool matches(QByteArrayView method, QByteArrayView path) const override
    {
        return path == "/debugger/checks" && (method == "GET" || method == "POST");
    }
    void handle(EndpointRequest request, std::function<void(EndpointResponse)> respond) override
    {
        ++calls;
        EndpointResponse response;
        response.status = request.method == "POST" ? 201 : 200;
        response.contentType = "text/plain; charset=utf-8";
        response.body = "checks " + request.method;
        respond(std::move(response));
    }
    bool isAutomationRoute() const override { return true; }

    std::atomic<int> calls{0};
};

QJsonObject json(const HttpResult& result)
{
    return QJsonDocument::fromJson(result.body).object();
}

} // namespace

class EndpointRoutesTest final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void algoliaRouteGetsTheRequestAsSent();
    void algoliaRouteDecodesGzip();
    void algoliaRouteNeedsCredentials();
    void algoliaRoutePreflight();
    void bodyOverLimitNeverReachesTheHandler();
    void automationRouteAnswersSynchronously();
    void automationRouteChecksHostAndOrigin_data();
    void automationRouteChecksHostAndOrigin();
    void ownRoutesStillServed();
    void manyConcurrentAsyncAnswers();

private:
    QString url(const QString& pathAndQuery) const { return m_endpoint->baseUrl() + pathAndQuery; }

    QTemporaryDir m_dir;
    std::unique_ptr<EventLog> m_log;
    std::unique_ptr<EmbeddedEndpoint> m_endpoint;
    std::shared_ptr<SearchLikeHandler> m_search = std::make_shared<SearchLikeHandler>();
    std::shared_ptr<ChecksLikeHandler> m_checks = std::make_shared<ChecksLikeHandler>();
    QNetworkAccessManager m_manager;
};

void EndpointRoutesTest::initTestCase()
{
    QVERIFY(m_dir.isValid());
    EventLogOptions options;
    options.path = m_dir.filePath(QStringLiteral("events.sqlite"));
    EventLog::OpenResult opened = EventLog::open(options);
    QVERIFY2(opened.log, qPrintable(opened.error));
    m_log = std::move(opened.log);
    m_endpoint = std::make_unique<EmbeddedEndpoint>(m_log.get());
    m_endpoint->addRouteHandler(m_search);
    m_endpoint->addRouteHandler(m_checks);
    EndpointOptions endpointOptions;
    endpointOptions.port = 0;
    endpointOptions.requiredAppId = QString::fromLatin1(kAppId);
    endpointOptions.requiredApiKey = QString::fromLatin1(kApiKey);
    QVERIFY(!m_endpoint->start(endpointOptions));
}

void EndpointRoutesTest::cleanupTestCase()
{
    m_endpoint.reset();
    m_log.reset();
}

void EndpointRoutesTest::algoliaRouteGetsTheRequestAsSent()
{
    RawHeaders headers = credentialHeaders();
    headers.append(qMakePair(QByteArray("X-Algolia-Agent"), QByteArray("Algolia for JavaScript (5.0.0)")));
    const HttpResult result =
        httpRequest(m_manager, "POST", QUrl(url(QStringLiteral("/1/indexes/a%2Fb/query?x=%20y"))), headers,
                    R"({"query":"phone"})");
    QCOMPARE(result.status, 200);
    QCOMPARE(result.header("Access-Control-Allow-Origin"), QByteArray("*"));
    QCOMPARE(result.header("x-echo"), QByteArray("yes"));
    QVERIFY(result.header("Content-Type").startsWith("application/json"));
    const QJsonObject echo = json(result);
    QCOMPARE(echo.value(QLatin1String("method")).toString(), QStringLiteral("POST"));
    // Neither the path nor the query is percent-decoded for the handler.
    QCOMPARE(echo.value(QLatin1String("path")).toString(), QStringLiteral("/1/indexes/a%2Fb/query"));
    QCOMPARE(echo.value(QLatin1String("query")).toString(), QStringLiteral("x=%20y"));
    QCOMPARE(echo.value(QLatin1String("body")).toString(), QStringLiteral(R"({"query":"phone"})"));
    QCOMPARE(echo.value(QLatin1String("agent")).toString(), QStringLiteral("Algolia for JavaScript (5.0.0)"));
    QCOMPARE(echo.value(QLatin1String("requestId")).toString().size(), 16);
    QCOMPARE(echo.value(QLatin1String("remoteAddress")).toString(), QStringLiteral("127.0.0.1"));
}

void EndpointRoutesTest::algoliaRouteDecodesGzip()
{
    const QByteArray plain = R"({"query":"gzipped","hitsPerPage":3})";
    RawHeaders headers = credentialHeaders();
    headers.append(qMakePair(QByteArray("Content-Encoding"), QByteArray("gzip")));
    const HttpResult result = httpRequest(
        m_manager, "POST", QUrl(url(QStringLiteral("/1/indexes/products/query"))), headers, gzip(plain));
    QCOMPARE(result.status, 200);
    QCOMPARE(json(result).value(QLatin1String("body")).toString(), QString::fromLatin1(plain));

    // A corrupt stream is refused before the handler, never handed over compressed.
    const int callsBefore = m_search->calls;
    const HttpResult corrupt =
        httpRequest(m_manager, "POST", QUrl(url(QStringLiteral("/1/indexes/products/query"))), headers,
                    "not gzip at all");
    QCOMPARE(corrupt.status, 400);
    QCOMPARE(corrupt.header("Access-Control-Allow-Origin"), QByteArray("*"));
    QCOMPARE(m_search->calls.load(), callsBefore);
}

void EndpointRoutesTest::algoliaRouteNeedsCredentials()
{
    const int callsBefore = m_search->calls;
    const HttpResult none = httpRequest(m_manager, "POST", QUrl(url(QStringLiteral("/1/indexes/p/query"))),
                                        {}, R"({"query":""})");
    QCOMPARE(none.status, 401);
    QCOMPARE(none.message(), QStringLiteral("Invalid credentials"));
    QCOMPARE(none.header("Access-Control-Allow-Origin"), QByteArray("*"));
    const HttpResult wrong =
        httpRequest(m_manager, "GET",
                    QUrl(url(QStringLiteral("/1/indexes/p?x-algolia-application-id=") +
                             QString::fromLatin1(kAppId) + QStringLiteral("&x-algolia-api-key=wrong"))));
    QCOMPARE(wrong.status, 401);
    QCOMPARE(m_search->calls.load(), callsBefore);
    // Credentials in the query string are accepted as for pushes.
    const HttpResult query = httpRequest(
        m_manager, "GET",
        QUrl(url(QStringLiteral("/1/indexes/p?x-algolia-application-id=") + QString::fromLatin1(kAppId) +
                 QStringLiteral("&x-algolia-api-key=") + QString::fromLatin1(kApiKey))));
    QCOMPARE(query.status, 200);
    QCOMPARE(m_search->calls.load(), callsBefore + 1);
}

void EndpointRoutesTest::algoliaRoutePreflight()
{
    const int callsBefore = m_search->calls;
    const HttpResult result =
        httpRequest(m_manager, "OPTIONS", QUrl(url(QStringLiteral("/1/indexes/p/query"))),
                    {{"Origin", "https://shop.example"},
                     {"Access-Control-Request-Method", "POST"},
                     {"Access-Control-Request-Headers", "x-algolia-api-key"}});
    QCOMPARE(result.status, 204);
    QCOMPARE(result.header("Access-Control-Allow-Origin"), QByteArray("*"));
    QVERIFY(result.header("Access-Control-Allow-Methods").contains("POST"));
    QCOMPARE(result.header("Access-Control-Allow-Headers"), QByteArray("x-algolia-api-key"));
    QCOMPARE(m_search->calls.load(), callsBefore);
}

void EndpointRoutesTest::bodyOverLimitNeverReachesTheHandler()
{
    const int callsBefore = m_search->calls;
    const QByteArray big(3 * 1024 * 1024, 'x');
    const HttpResult result = httpRequest(m_manager, "POST", QUrl(url(QStringLiteral("/1/indexes/p/query"))),
                                          credentialHeaders(), big, 20000);
    QCOMPARE(result.status, 413);
    QCOMPARE(result.header("Access-Control-Allow-Origin"), QByteArray("*"));
    QCOMPARE(m_search->calls.load(), callsBefore);

    // A chunked body that passes the limit on the way is refused the same way.
    RawClient client;
    QVERIFY(client.connectTo(m_endpoint->port()));
    client.write("POST /1/indexes/p/query HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                 "x-algolia-application-id: " +
                 kAppId + "\r\nx-algolia-api-key: " + kApiKey + "\r\nConnection: close\r\n\r\n");
    const QByteArray chunk(512 * 1024, 'y');
    for (int i = 0; i < 6; ++i)
        client.write(QByteArray::number(chunk.size(), 16) + "\r\n" + chunk + "\r\n");
    client.write("0\r\n\r\n");
    QVERIFY(client.waitForClose(20000));
    QCOMPARE(client.finalStatus(), 413);
    QCOMPARE(m_search->calls.load(), callsBefore);
}

void EndpointRoutesTest::automationRouteAnswersSynchronously()
{
    const HttpResult get = httpRequest(m_manager, "GET", QUrl(url(QStringLiteral("/debugger/checks"))));
    QCOMPARE(get.status, 200);
    QCOMPARE(get.body, QByteArray("checks GET"));
    QCOMPARE(get.header("Content-Type"), QByteArray("text/plain; charset=utf-8"));
    QVERIFY(get.header("Access-Control-Allow-Origin").isEmpty()); // not an Algolia route: no CORS
    const HttpResult post =
        httpRequest(m_manager, "POST", QUrl(url(QStringLiteral("/debugger/checks"))), {}, "{}");
    QCOMPARE(post.status, 201);
    QCOMPARE(post.body, QByteArray("checks POST"));
    // No credentials needed on automation routes; a method the handler does not match is not its request.
    const HttpResult other = httpRequest(m_manager, "PUT", QUrl(url(QStringLiteral("/debugger/checks"))));
    QCOMPARE(other.status, 404);
}

void EndpointRoutesTest::automationRouteChecksHostAndOrigin_data()
{
    QTest::addColumn<QByteArray>("host"); // %1 = the endpoint's port
    QTest::addColumn<QByteArray>("origin");
    QTest::addColumn<int>("status");
    QTest::newRow("loopback, no origin") << QByteArray("127.0.0.1:%1") << QByteArray() << 200;
    QTest::newRow("loopback page") << QByteArray("localhost:%1") << QByteArray("http://localhost:5173")
                                   << 200;
    QTest::newRow("rebinding host") << QByteArray("attacker.example:%1") << QByteArray() << 403;
    QTest::newRow("foreign page") << QByteArray("127.0.0.1:%1") << QByteArray("https://attacker.example")
                                  << 403;
}

void EndpointRoutesTest::automationRouteChecksHostAndOrigin()
{
    QFETCH(QByteArray, host);
    QFETCH(QByteArray, origin);
    QFETCH(int, status);
    const int callsBefore = m_checks->calls;
    RawClient client;
    QVERIFY(client.connectTo(m_endpoint->port()));
    QByteArray request = "GET /debugger/checks HTTP/1.1\r\nHost: " +
                         host.replace("%1", QByteArray::number(m_endpoint->port())) + "\r\n";
    if (!origin.isEmpty())
        request += "Origin: " + origin + "\r\n";
    client.write(request + "Connection: close\r\n\r\n");
    QVERIFY(client.waitForClose());
    QCOMPARE(client.finalStatus(), status);
    QCOMPARE(m_checks->calls.load(), callsBefore + (status == 200 ? 1 : 0));
}

void EndpointRoutesTest::ownRoutesStillServed()
{
    // Paths no handler matches keep the endpoint's own answers.
    const HttpResult unknown =
        httpRequest(m_manager, "GET", QUrl(url(QStringLiteral("/1/somewhere"))), credentialHeaders());
    QCOMPARE(unknown.status, 404);
    QVERIFY(unknown.message().startsWith(QLatin1String("Path not supported")));
    const HttpResult push = httpRequest(
        m_manager, "POST", QUrl(url(QStringLiteral("/1/events"))), credentialHeaders(),
        R"({"events":[{"eventType":"view","eventName":"V","index":"p","userToken":"u","objectIDs":["o"]}]})");
    QCOMPARE(push.status, 200);
}

void EndpointRoutesTest::manyConcurrentAsyncAnswers()
{
    // Answers from other threads arrive on the right connections, whatever their order.
    constexpr int count = 40;
    QList<QNetworkReply*> replies;
    for (int i = 0; i < count; ++i) {
        QNetworkRequest request(QUrl(url(QStringLiteral("/1/indexes/p/query"))));
        for (const auto& [name, value] : credentialHeaders())
            request.setRawHeader(name, value);
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
        replies.append(m_manager.post(request, QByteArray::number(i)));
    }
    QTRY_VERIFY_WITH_TIMEOUT(std::all_of(replies.cbegin(), replies.cend(),
                                         [](const QNetworkReply* reply) { return reply->isFinished(); }),
                             30000);
    for (int i = 0; i < count; ++i) {
        QNetworkReply* reply = replies.at(i);
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        const QJsonObject echo = QJsonDocument::fromJson(reply->readAll()).object();
        QCOMPARE(echo.value(QLatin1String("body")).toString(), QString::number(i));
        reply->deleteLater();
    }
}

QTEST_GUILESS_MAIN(EndpointRoutesTest)
#include "tst_endpointroutes.moc"
