// The embedded endpoint's HTTP behaviour over real loopback sockets: encodings, chunked bodies, credentials,
// CORS, limits, timeouts and malformed requests (issue 3 §1 and §5).

#include "httptestclient.h"

#include "endpoint/embeddedendpoint.h"
#include "log/eventlog.h"
#include "log/recordbuilder.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>

#include <zlib.h>

#include <memory>

namespace {

const QByteArray kAppId = QByteArrayLiteral("TRANSPORTAPP");
const QByteArray kApiKey = QByteArrayLiteral("transport-secret-key-5f1c9a");

QByteArray viewEvent(const QString& userToken)
{
    return QStringLiteral(R"({"eventType":"view","eventName":"Product Viewed","index":"products",)"
                          R"("userToken":"%1","objectIDs":["o1"]})")
        .arg(userToken)
        .toUtf8();
}

QByteArray batch(const QString& userToken, int count = 1)
{
    QByteArray body = "{\"events\":[";
    for (int i = 0; i < count; ++i)
        body += (i ? "," : "") + viewEvent(userToken);
    return body + "]}";
}

QByteArray gzip(const QByteArray& data)
{
    z_stream stream{};
    deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    QByteArray out(static_cast<qsizetype>(deflateBound(&stream, static_cast<uLong>(data.size()))),
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

RawHeaders credentialHeaders()
{
    return {qMakePair(QByteArray("x-algolia-application-id"), kAppId),
            qMakePair(QByteArray("x-algolia-api-key"), kApiKey)};
}

QByteArray credentialLines()
{
    return "x-algolia-application-id: " + kAppId + "\r\nx-algolia-api-key: " + kApiKey + "\r\n";
}

} // namespace

class EndpointTransportTest final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void anyContentType_data();
    void anyContentType();
    void gzipBody();
    void gzipBombIsTooLarge();
    void corruptGzipIsInvalidPayload();
    void chunkedBody();
    void chunkedBodyOverLimit();
    void expectContinue();
    void expectContinueOverLimitRefusedEarly();
    void credentialsFromQueryInBothSpellings_data();
    void credentialsFromQueryInBothSpellings();
    void requiredCredentials();
    void corsPreflight();
    void unknownPath_data();
    void unknownPath();
    void wrongMethod_data();
    void wrongMethod();
    void malformedRequestGets400_data();
    void malformedRequestGets400();
    void oversizedHeadersRefused();
    void stalledClientIsDropped();
    void connectionCap();
    void keepAliveServesManyRequests();
    void sentByTheAppIsLoggedAsSent();
    void requestFactsRecorded();
    void deleteUserTokenRemovesItsEvents();
    void debuggerFeed();
    void portInUseAndRestart();
    void apiKeyNeverStored();

private:
    QUrl eventsUrl() const { return QUrl(m_endpoint->baseUrl() + QStringLiteral("/1/events")); }
    QList<LogRecord> recordsSince(qint64 id) const;

    QTemporaryDir m_dir;
    std::unique_ptr<EventLog> m_log;
    std::unique_ptr<EmbeddedEndpoint> m_endpoint;
    QNetworkAccessManager m_manager;
};

void EndpointTransportTest::initTestCase()
{
    QVERIFY(m_dir.isValid());
    EventLogOptions options;
    options.path = m_dir.filePath(QStringLiteral("events.sqlite"));
    EventLog::OpenResult opened = EventLog::open(options);
    QVERIFY2(opened.log, qPrintable(opened.error));
    m_log = std::move(opened.log);
    m_endpoint = std::make_unique<EmbeddedEndpoint>(m_log.get());
    EndpointOptions endpointOptions;
    endpointOptions.port = 0;
    endpointOptions.idleTimeoutSeconds = 2;
    const auto error = m_endpoint->start(endpointOptions);
    QVERIFY2(!error, qPrintable(error.value_or(QString())));
    QVERIFY(m_endpoint->isListening());
    QVERIFY(m_endpoint->port() != 0);
    QCOMPARE(m_endpoint->baseUrl(), QStringLiteral("http://127.0.0.1:%1").arg(m_endpoint->port()));
}

void EndpointTransportTest::cleanupTestCase()
{
    m_endpoint.reset();
    m_log.reset();
}

QList<LogRecord> EndpointTransportTest::recordsSince(qint64 id) const
{
    LogQuery query;
    query.sinceId = id;
    query.limit = 0;
    return m_log->query(query);
}

void EndpointTransportTest::anyContentType_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::newRow("application/json") << QByteArray("application/json");
    QTest::newRow("text/plain") << QByteArray("text/plain");
    QTest::newRow("text/plain;charset=UTF-8 (sendBeacon)") << QByteArray("text/plain;charset=UTF-8");
    QTest::newRow("form-urlencoded") << QByteArray("application/x-www-form-urlencoded");
}

void EndpointTransportTest::anyContentType()
{
    QFETCH(QByteArray, contentType);
    RawHeaders headers = credentialHeaders();
    headers.append(qMakePair(QByteArray("Content-Type"), contentType));
    const qint64 before = m_log->lastId();
    const HttpResult result =
        httpRequest(m_manager, "POST", eventsUrl(), headers, batch(QStringLiteral("ct-user")));
    QCOMPARE(result.status, 200);
    QCOMPARE(result.body, QByteArray(R"({"status":200,"message":"OK"})"));
    QCOMPARE(recordsSince(before).size(), 1);
}

void EndpointTransportTest::gzipBody()
{
    RawHeaders headers = credentialHeaders();
    headers.append(qMakePair(QByteArray("Content-Encoding"), QByteArray("gzip")));
    const qint64 before = m_log->lastId();
    const HttpResult result =
        httpRequest(m_manager, "POST", eventsUrl(), headers, gzip(batch(QStringLiteral("gzip-user"), 50)));
    QCOMPARE(result.status, 200);
    const QList<LogRecord> records = recordsSince(before);
    QCOMPARE(records.size(), 50);
    QCOMPARE(records.constFirst().userToken, QStringLiteral("gzip-user"));
    QCOMPARE(records.constFirst().rawJson, viewEvent(QStringLiteral("gzip-user")));
}

void EndpointTransportTest::gzipBombIsTooLarge()
{
    // 5 MB of JSON whitespace compresses to a few KB: the decoded size is what counts, and decoding stops
    // there.
    const QByteArray bomb =
        "{\"events\":[" + viewEvent(QStringLiteral("bomb")) + "]" + QByteArray(5'000'000, ' ') + "}";
    const QByteArray compressed = gzip(bomb);
    QVERIFY(compressed.size() < 100'000);
    RawHeaders headers = credentialHeaders();
    headers.append(qMakePair(QByteArray("Content-Encoding"), QByteArray("gzip")));
    const qint64 before = m_log->lastId();
    const HttpResult result = httpRequest(m_manager, "POST", eventsUrl(), headers, compressed);
    QCOMPARE(result.status, 413);
    QCOMPARE(result.body, QByteArray(R"({"status":413,"message":"Request Entity Too Large"})"));
    // No event: one refused request (kind Request), keeping the start of the body as received (compressed).
    QTRY_COMPARE_WITH_TIMEOUT(recordsSince(before).size(), 1, 10000);
    const LogRecord refused = recordsSince(before).constFirst();
    QCOMPARE(refused.kind, RecordKind::Request);
    QCOMPARE(refused.httpStatus, 413);
    QCOMPARE(refused.rawJson, compressed.left(RecordBuilder::kRequestBodyKept));
}

void EndpointTransportTest::corruptGzipIsInvalidPayload()
{
    RawHeaders headers = credentialHeaders();
    headers.append(qMakePair(QByteArray("Content-Encoding"), QByteArray("gzip")));
    QByteArray corrupt = gzip(batch(QStringLiteral("corrupt")));
    corrupt.truncate(corrupt.size() / 2);
    const HttpResult result = httpRequest(m_manager, "POST", eventsUrl(), headers, corrupt);
    QCOMPARE(result.status, 422);
    QCOMPARE(result.message(), QStringLiteral("Invalid payload"));
}

void EndpointTransportTest::chunkedBody()
{
    RawClient client;
    QVERIFY(client.connectTo(m_endpoint->port()));
    const QByteArray body = batch(QStringLiteral("chunked-user"), 3);
    QByteArray request = "POST /1/events HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: text/plain\r\n"
                         "Transfer-Encoding: chunked\r\n" +
                         credentialLines() + "\r\n";
    // Uneven chunks, as the v5 JS client's streamed bodies arrive.
    for (qsizetype at = 0; at < body.size(); at += 37) {
        const QByteArray chunk = body.mid(at, 37);
        request += QByteArray::number(chunk.size(), 16) + "\r\n" + chunk + "\r\n";
    }
    request += "0\r\n\r\n";
    const qint64 before = m_log->lastId();
    client.write(request);
    QVERIFY(client.waitForText(R"({"status":200,"message":"OK"})"));
    QCOMPARE(client.finalStatus(), 200);
    QCOMPARE(recordsSince(before).size(), 3);
}

void EndpointTransportTest::chunkedBodyOverLimit()
{
    RawClient client;
    QVERIFY(client.connectTo(m_endpoint->port()));
    client.write("POST /1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n" +
                 credentialLines() + "\r\n");
    const QByteArray chunk(256 * 1024, ' ');
    client.write("b\r\n{\"events\":[\r\n");
    for (int i = 0; i < 10; ++i) // 2.5 MB of chunks, over the 2 MB limit
        client.write(QByteArray::number(chunk.size(), 16) + "\r\n" + chunk + "\r\n");
    client.write("0\r\n\r\n");
    QVERIFY(client.waitForText("Request Entity Too Large", 10000));
    QCOMPARE(client.finalStatus(), 413);
}

void EndpointTransportTest::expectContinue()
{
    RawClient client;
    QVERIFY(client.connectTo(m_endpoint->port()));
    const QByteArray body = batch(QStringLiteral("continue-user"));
    client.write("POST /1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nExpect: "
                 "100-continue\r\n"
                 "Content-Length: " +
                 QByteArray::number(body.size()) + "\r\n" + credentialLines() + "\r\n");
    QVERIFY(client.waitForText("HTTP/1.1 100 Continue"));
    QVERIFY(!client.received().contains("200"));
    client.write(body);
    QVERIFY(client.waitForText(R"({"status":200,"message":"OK"})"));
    QCOMPARE(client.finalStatus(), 200);
}

void EndpointTransportTest::expectContinueOverLimitRefusedEarly()
{
    RawClient client;
    QVERIFY(client.connectTo(m_endpoint->port()));
    client.write(
        "POST /1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nContent-Length: 3000000\r\n" +
        credentialLines() + "\r\n");
    QVERIFY(client.waitForText("Request Entity Too Large"));
    QCOMPARE(client.finalStatus(), 413);
    QVERIFY(!client.received().contains("100 Continue"));
}

void EndpointTransportTest::credentialsFromQueryInBothSpellings_data()
{
    QTest::addColumn<QString>("appIdName");
    QTest::addColumn<QString>("apiKeyName");
    QTest::newRow("search-insights") << QStringLiteral("X-Algolia-Application-Id")
                                     << QStringLiteral("X-Algolia-API-Key");
    QTest::newRow("v5 browser client")
        << QStringLiteral("x-algolia-application-id") << QStringLiteral("x-algolia-api-key");
}

void EndpointTransportTest::credentialsFromQueryInBothSpellings()
{
    QFETCH(QString, appIdName);
    QFETCH(QString, apiKeyName);
    QUrl url = eventsUrl();
    QUrlQuery query;
    query.addQueryItem(appIdName, QString::fromLatin1(kAppId));
    query.addQueryItem(apiKeyName, QString::fromLatin1(kApiKey));
    query.addQueryItem(QStringLiteral("X-Algolia-Agent"),
                       QStringLiteral("insights-js (2.17.3); insights-js-node-cjs"));
    url.setQuery(query);
    const qint64 before = m_log->lastId();
    const HttpResult result = httpRequest(m_manager, "POST", url, {}, batch(QStringLiteral("query-user")));
    QCOMPARE(result.status, 200);
    const QList<LogRecord> records = recordsSince(before);
    QCOMPARE(records.size(), 1);
    QCOMPARE(records.constFirst().appId.toLatin1(), kAppId);
    QCOMPARE(records.constFirst().agent, QStringLiteral("insights-js (2.17.3); insights-js-node-cjs"));
}

void EndpointTransportTest::requiredCredentials()
{
    EmbeddedEndpoint strict(m_log.get());
    EndpointOptions options;
    options.port = 0;
    options.requiredAppId = QString::fromLatin1(kAppId);
    options.requiredApiKey = QString::fromLatin1(kApiKey);
    QVERIFY(!strict.start(options));
    const QUrl url(strict.baseUrl() + QStringLiteral("/1/events"));
    const QByteArray body = batch(QStringLiteral("strict-user"));

    const HttpResult right = httpRequest(m_manager, "POST", url, credentialHeaders(), body);
    QCOMPARE(right.status, 200);
    const RawHeaders wrongApp{qMakePair(QByteArray("x-algolia-application-id"), QByteArray("OTHERAPP")),
                              qMakePair(QByteArray("x-algolia-api-key"), kApiKey)};
    const RawHeaders wrongKey{qMakePair(QByteArray("x-algolia-application-id"), kAppId),
                              qMakePair(QByteArray("x-algolia-api-key"), QByteArray("guess"))};
    for (const RawHeaders& headers : {wrongApp, wrongKey, RawHeaders()}) {
        const HttpResult refused = httpRequest(m_manager, "POST", url, headers, body);
        QCOMPARE(refused.status, 401);
        QCOMPARE(refused.body, QByteArray(R"({"status":401,"message":"Invalid credentials"})"));
    }
    // A large push with wrong credentials still gets its 401 to read (the body is drained first), not a
    // reset connection that clients report as a network error.
    const HttpResult largeRefused =
        httpRequest(m_manager, "POST", url, wrongKey, batch(QStringLiteral("strict-user"), 1000));
    QCOMPARE(largeRefused.status, 401);
    QCOMPARE(largeRefused.body, QByteArray(R"({"status":401,"message":"Invalid credentials"})"));
    QCOMPARE(httpRequest(m_manager, "POST", url, credentialHeaders(), body).status, 200); // connection usable

    // Without a configured pair any credentials pass, but none at all do not (Algolia needs both).
    QCOMPARE(httpRequest(m_manager, "POST", eventsUrl(), wrongKey, body).status, 200);
    QCOMPARE(httpRequest(m_manager, "POST", eventsUrl(), {}, body).status, 401);
}

void EndpointTransportTest::corsPreflight()
{
    const RawHeaders preflight{
        qMakePair(QByteArray("Origin"), QByteArray("https://shop.example.com")),
        qMakePair(QByteArray("Access-Control-Request-Method"), QByteArray("POST")),
        qMakePair(QByteArray("Access-Control-Request-Headers"), QByteArray("content-type,x-algolia-agent")),
    };
    const HttpResult result = httpRequest(m_manager, "OPTIONS", eventsUrl(), preflight);
    QVERIFY(result.status == 204 || result.status == 200);
    QCOMPARE(result.header("Access-Control-Allow-Origin"), QByteArray("*"));
    QVERIFY(result.header("Access-Control-Allow-Methods").contains("POST"));
    QVERIFY(result.header("Access-Control-Allow-Headers").contains("content-type"));

    // The answer to the request itself carries the header too, so that the browser lets the page read it.
    RawHeaders headers = credentialHeaders();
    headers.append(qMakePair(QByteArray("Origin"), QByteArray("https://shop.example.com")));
    const HttpResult post =
        httpRequest(m_manager, "POST", eventsUrl(), headers, batch(QStringLiteral("cors-user")));
    QCOMPARE(post.status, 200);
    QCOMPARE(post.header("Access-Control-Allow-Origin"), QByteArray("*"));

    // The automation API answers no preflight: a web page cannot drive it. A foreign page's is refused by
    // its Origin (403); a loopback page's by its method (405).
    const HttpResult automation = httpRequest(
        m_manager, "OPTIONS", QUrl(m_endpoint->baseUrl() + QStringLiteral("/debugger/events")), preflight);
    QCOMPARE(automation.status, 403);
    QVERIFY(automation.header("Access-Control-Allow-Origin").isEmpty());
    RawHeaders loopbackPreflight = preflight;
    loopbackPreflight[0].second = "http://localhost:3000";
    const HttpResult loopback =
        httpRequest(m_manager, "OPTIONS", QUrl(m_endpoint->baseUrl() + QStringLiteral("/debugger/events")),
                    loopbackPreflight);
    QCOMPARE(loopback.status, 405);
    QVERIFY(automation.header("Access-Control-Allow-Origin").isEmpty());
}

void EndpointTransportTest::unknownPath_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::newRow("POST /1/event") << QByteArray("POST") << QStringLiteral("/1/event");
    QTest::newRow("GET /2/events") << QByteArray("GET") << QStringLiteral("/2/events");
    QTest::newRow("GET /") << QByteArray("GET") << QStringLiteral("/");
}

void EndpointTransportTest::unknownPath()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    const HttpResult result =
        httpRequest(m_manager, method, QUrl(m_endpoint->baseUrl() + path), credentialHeaders(),
                    method == "POST" ? batch(QStringLiteral("x")) : QByteArray());
    QCOMPARE(result.status, 404);
    QCOMPARE(result.message(),
             QStringLiteral(
                 "Path not supported by Insights REST API. Please have a look at "
                 "[https://www.algolia.com/doc/rest-api/insights/](https://www.algolia.com/doc/rest-api/"
                 "insights) for the list of valid commands."));
}

void EndpointTransportTest::wrongMethod_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::newRow("PUT /1/events") << QByteArray("PUT") << QStringLiteral("/1/events");
    QTest::newRow("PATCH /1/events") << QByteArray("PATCH") << QStringLiteral("/1/events");
    QTest::newRow("GET /1/usertokens/u1") << QByteArray("GET") << QStringLiteral("/1/usertokens/u1");
    QTest::newRow("POST /debugger/stats") << QByteArray("POST") << QStringLiteral("/debugger/stats");
}

void EndpointTransportTest::wrongMethod()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    const HttpResult result = httpRequest(m_manager, method, QUrl(m_endpoint->baseUrl() + path),
                                          credentialHeaders(), batch(QStringLiteral("x")));
    QCOMPARE(result.status, 405);
    QCOMPARE(result.body, QByteArray(R"({"status":405,"message":"Method Not Allowed"})"));
    QVERIFY(!result.header("Allow").isEmpty());
}

void EndpointTransportTest::malformedRequestGets400_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::newRow("no HTTP version") << QByteArray("POST /1/events\r\nHost: 127.0.0.1\r\n\r\n");
    QTest::newRow("bad Content-Length")
        << QByteArray("POST /1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: twelve\r\n\r\n");
    QTest::newRow("HTTP/1.1 without Host")
        << QByteArray("GET /1/events HTTP/1.1\r\n" + credentialLines() + "\r\n");
    QTest::newRow("bad chunk size") << QByteArray("POST /1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                                  "Transfer-Encoding: chunked\r\n" +
                                                  credentialLines() + "\r\nzz\r\nabc\r\n0\r\n\r\n");
}

void EndpointTransportTest::malformedRequestGets400()
{
    QFETCH(QByteArray, request);
    RawClient client;
    QVERIFY(client.connectTo(m_endpoint->port()));
    client.write(request);
    QVERIFY2(client.waitForText("\r\n\r\n", 5000), client.received().constData());
    QCOMPARE(client.finalStatus(), 400);
}

void EndpointTransportTest::oversizedHeadersRefused()
{
    RawClient client;
    QVERIFY(client.connectTo(m_endpoint->port()));
    client.write("GET /1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + QByteArray(100 * 1024, 'a') +
                 "\r\n\r\n");
    QVERIFY(client.waitForClose(5000));
    const int status = client.finalStatus();
    QVERIFY2(status == 431 || status == 413 || status == 400, client.received().left(200).constData());

    // A normal-sized header still passes.
    RawHeaders headers = credentialHeaders();
    headers.append(qMakePair(QByteArray("X-Padding"), QByteArray(8 * 1024, 'a')));
    QCOMPARE(httpRequest(m_manager, "POST", eventsUrl(), headers, batch(QStringLiteral("padded"))).status,
             200);
}

void EndpointTransportTest::stalledClientIsDropped()
{
    RawClient client;
    QVERIFY(client.connectTo(m_endpoint->port()));
    const qint64 before = m_log->lastId();
    // Promises 100 bytes, sends 10, then stalls: the 2-second idle timeout must drop it.
    client.write("POST /1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n" + credentialLines() +
                 "\r\n{\"events\":");
    QElapsedTimer timer;
    timer.start();
    QVERIFY(client.waitForClose(8000));
    QVERIFY(timer.elapsed() >= 1000);
    QCOMPARE(client.finalStatus(), 0);
    QCOMPARE(m_log->lastId(), before);
}

void EndpointTransportTest::connectionCap()
{
    EmbeddedEndpoint capped(m_log.get());
    EndpointOptions options;
    options.port = 0;
    options.connectionLimit = 2;
    options.threads = 1;
    QVERIFY(!capped.start(options));
    const QByteArray request = "GET /1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n" + credentialLines() + "\r\n";
    RawClient first;
    RawClient second;
    for (RawClient* client : {&first, &second}) {
        QVERIFY(client->connectTo(capped.port()));
        client->write(request);
        QVERIFY(client->waitForText("\r\n\r\n"));
        QCOMPARE(client->finalStatus(), 200);
    }
    // Two keep-alive connections hold the cap: a third is not served while they stay open...
    RawClient third;
    third.connectTo(capped.port(), 1000);
    third.write(request);
    QVERIFY(!third.waitForText("HTTP/1.1", 1500));
    // ...and is served as soon as one of them goes.
    first.abort();
    QVERIFY(third.waitForText("\r\n\r\n", 5000));
    QCOMPARE(third.finalStatus(), 200);
}

void EndpointTransportTest::keepAliveServesManyRequests()
{
    RawClient client;
    QVERIFY(client.connectTo(m_endpoint->port()));
    const QByteArray body = batch(QStringLiteral("keepalive-user"));
    const QByteArray request =
        "POST /1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + QByteArray::number(body.size()) +
        "\r\n" + credentialLines() + "\r\n" + body;
    for (int i = 1; i <= 5; ++i) {
        client.write(request);
        QVERIFY(QTest::qWaitFor(
            [&] { return client.received().count(R"({"status":200,"message":"OK"})") == i; }, 5000));
    }
    QVERIFY(!client.isClosed());
}

void EndpointTransportTest::sentByTheAppIsLoggedAsSent()
{
    RawHeaders headers = credentialHeaders();
    headers.append(qMakePair(QByteArray("x-insights-debugger-sent"), QByteArray("1")));
    const qint64 before = m_log->lastId();
    QCOMPARE(httpRequest(m_manager, "POST", eventsUrl(), headers, batch(QStringLiteral("sent-user"))).status,
             200);
    const QList<LogRecord> records = recordsSince(before);
    QCOMPARE(records.size(), 1);
    QCOMPARE(records.constFirst().source, EventSource::Sent);
    QCOMPARE(records.constFirst().target, QStringLiteral("local"));
}

void EndpointTransportTest::requestFactsRecorded()
{
    RawHeaders headers = credentialHeaders();
    headers.append(
        qMakePair(QByteArray("User-Agent"),
                  QByteArray("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148")));
    headers.append(qMakePair(QByteArray("Origin"), QByteArray("https://shop.example.com")));
    headers.append(qMakePair(QByteArray("Referer"), QByteArray("https://shop.example.com/search?q=tv")));
    headers.append(qMakePair(QByteArray("x-algolia-agent"), QByteArray("Algolia for JavaScript (5.20.0)")));
    QSignalSpy handled(m_endpoint.get(), &EmbeddedEndpoint::requestHandled);
    const qint64 before = m_log->lastId();
    const QByteArray body = "{\"events\":[" + viewEvent(QStringLiteral("facts-user")) + "," +
                            viewEvent(QStringLiteral("facts-user")).replace("\"index\":\"products\",", "") +
                            "]}";
    const HttpResult result = httpRequest(m_manager, "POST", eventsUrl(), headers, body);
    QCOMPARE(result.status, 422);
    QCOMPARE(result.message(), QStringLiteral("The index field is required"));
    const QList<LogRecord> records = recordsSince(before);
    QCOMPARE(records.size(), 2);
    for (const LogRecord& record : records) {
        QCOMPARE(record.httpStatus, 422);
        QVERIFY(!record.accepted);
        QCOMPARE(record.device, QStringLiteral("mobile"));
        QCOMPARE(record.origin, QStringLiteral("https://shop.example.com"));
        QCOMPARE(record.referer, QStringLiteral("https://shop.example.com/search?q=tv"));
        QCOMPARE(record.agent, QStringLiteral("Algolia for JavaScript (5.20.0)"));
        QCOMPARE(record.remoteAddress, QStringLiteral("127.0.0.1"));
        QCOMPARE(record.appId.toLatin1(), kAppId);
        QVERIFY(record.receivedAtMs > 0);
    }
    const auto hasError = [](const LogRecord& record) {
        return std::any_of(record.issues.cbegin(), record.issues.cend(),
                           [](const Issue& issue) { return issue.isError(); });
    };
    QVERIFY(!hasError(records.at(0))); // rejected with its batch, but not at fault
    QVERIFY(hasError(records.at(1)));
    QTRY_VERIFY(std::any_of(handled.cbegin(), handled.cend(), [](const QList<QVariant>& arguments) {
        return arguments.at(0).toInt() == 422 && arguments.at(1).toInt() == 2;
    }));
}

void EndpointTransportTest::deleteUserTokenRemovesItsEvents()
{
    QCOMPARE(httpRequest(m_manager, "POST", eventsUrl(), credentialHeaders(),
                         batch(QStringLiteral("forget-me"), 3))
                 .status,
             200);
    QCOMPARE(
        httpRequest(m_manager, "POST", eventsUrl(), credentialHeaders(), batch(QStringLiteral("keep-me"), 2))
            .status,
        200);
    const HttpResult result = httpRequest(
        m_manager, "DELETE", QUrl(m_endpoint->baseUrl() + QStringLiteral("/1/usertokens/forget-me")),
        credentialHeaders());
    QCOMPARE(result.status, 204);
    QVERIFY(result.body.isEmpty());
    QCOMPARE(result.header("x-ratelimit-limit"), QByteArray("100"));
    QVERIFY(result.header("x-ratelimit-remaining").toInt() < 100);
    QVERIFY(result.header("x-ratelimit-reset").toLongLong() > QDateTime::currentSecsSinceEpoch());
    LogQuery forgotten;
    forgotten.userToken = QStringLiteral("forget-me");
    QCOMPARE(m_log->count(forgotten), 0);
    LogQuery kept;
    kept.userToken = QStringLiteral("keep-me");
    QCOMPARE(m_log->count(kept), 2);
    const auto deletions = m_log->deletions();
    QVERIFY(std::any_of(deletions.cbegin(), deletions.cend(), [](const QPair<QString, qint64>& deletion) {
        return deletion.first == u"forget-me";
    }));

    const HttpResult invalid = httpRequest(
        m_manager, "DELETE", QUrl(m_endpoint->baseUrl() + QStringLiteral("/1/usertokens/bad@token")),
        credentialHeaders());
    QCOMPARE(invalid.status, 422);
    QVERIFY(invalid.message().startsWith(QStringLiteral("UserToken must contain only")));
    QCOMPARE(httpRequest(m_manager, "DELETE",
                         QUrl(m_endpoint->baseUrl() + QStringLiteral("/1/usertokens/keep-me")), {})
                 .status,
             401);
    QCOMPARE(m_log->count(kept), 2);
}

void EndpointTransportTest::debuggerFeed()
{
    const qint64 start = QDateTime::currentMSecsSinceEpoch() - 1000;
    RawHeaders headers = credentialHeaders();
    headers.append(qMakePair(QByteArray("User-Agent"), QByteArray("feed-test/1.0")));
    QCOMPARE(
        httpRequest(m_manager, "POST", eventsUrl(), headers, batch(QStringLiteral("feed-user"), 2)).status,
        200);
    const QString from = QDateTime::fromMSecsSinceEpoch(start, Qt::UTC).toString(Qt::ISODateWithMs);
    const QString to = QDateTime::fromMSecsSinceEpoch(start + 60'000, Qt::UTC).toString(Qt::ISODateWithMs);
    QUrl url = eventsUrl();
    url.setQuery(QStringLiteral("startDate=%1&endDate=%2&limit=1000").arg(from, to));
    const HttpResult result = httpRequest(m_manager, "GET", url, credentialHeaders());
    QVERIFY2(result.status == 200, result.body.constData());
    const QJsonArray events =
        QJsonDocument::fromJson(result.body).object().value(QLatin1String("events")).toArray();
    QJsonArray mine;
    for (const QJsonValue& value : events) {
        if (value[QLatin1String("event")][QLatin1String("userToken")].toString() == u"feed-user")
            mine.append(value);
    }
    QCOMPARE(mine.size(), 2);
    const QJsonObject first = mine.at(0).toObject();
    QCOMPARE(first.value(QLatin1String("status")).toInt(), 200);
    QVERIFY(!first.value(QLatin1String("requestID")).toString().isEmpty());
    QCOMPARE(first.value(QLatin1String("requestID")),
             mine.at(1).toObject().value(QLatin1String("requestID")));
    QVERIFY(first.value(QLatin1String("errors")).toArray().isEmpty());
    QCOMPARE(first.value(QLatin1String("headers"))[QLatin1String("User-Agent")][0].toString(),
             QStringLiteral("feed-test/1.0"));
    QCOMPARE(first.value(QLatin1String("event"))[QLatin1String("eventName")].toString(),
             QStringLiteral("Product Viewed"));

    // A window in the past holds none of them.
    url.setQuery(
        QStringLiteral("startDate=2020-01-01T00:00:00.000Z&endDate=2020-01-01T00:00:03.000Z&limit=1000"));
    const HttpResult past = httpRequest(m_manager, "GET", url, credentialHeaders());
    QCOMPARE(past.status, 200);
    QCOMPARE(past.body, QByteArray(R"({"events":[]})"));
}

void EndpointTransportTest::portInUseAndRestart()
{
    // A second endpoint on a taken port says so, in one line.
    EmbeddedEndpoint second(m_log.get());
    EndpointOptions options;
    options.port = m_endpoint->port();
    const auto error = second.start(options);
    QVERIFY(error);
    QVERIFY2(error->contains(QString::number(options.port)), qPrintable(*error));
    QVERIFY(!second.isListening());

    // Stop, then start again on the same port (the settings dialog does this when the port changes).
    const quint16 port = m_endpoint->port();
    m_endpoint->stop();
    QVERIFY(!m_endpoint->isListening());
    QVERIFY(httpRequest(m_manager, "POST", eventsUrl(), credentialHeaders(), batch(QStringLiteral("x")), 2000)
                .status == 0);
    options.idleTimeoutSeconds = 2;
    const auto restartError = m_endpoint->start(options);
    QVERIFY2(!restartError, qPrintable(restartError.value_or(QString())));
    QCOMPARE(m_endpoint->port(), port);
    QCOMPARE(
        httpRequest(m_manager, "POST", eventsUrl(), credentialHeaders(), batch(QStringLiteral("restarted")))
            .status,
        200);
}

void EndpointTransportTest::apiKeyNeverStored()
{
    m_log->flush();
    const QDir dir(m_dir.path());
    const QStringList files = dir.entryList(QDir::Files);
    QVERIFY(!files.isEmpty());
    for (const QString& name : files) {
        QFile file(dir.filePath(name));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY2(!file.readAll().contains(kApiKey), qPrintable(name));
    }
}

QTEST_GUILESS_MAIN(EndpointTransportTest)
#include "tst_endpointtransport.moc"
