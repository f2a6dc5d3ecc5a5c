// The endpoint under real-world and hostile traffic (issue 11), over real loopback sockets: user tokens with
// '/', a host option ending with '/', a developer browser's 60 KB of cookies, the DELETE rate limit, stacked
// and unsupported Content-Encodings, unsupported Transfer-Encodings.

#include "httptestclient.h"

#include "endpoint/embeddedendpoint.h"
#include "endpointfixture.h"
#include "log/eventlog.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QTemporaryDir>
#include <QTest>

#include <zlib.h>

#include <memory>

namespace {

const QByteArray kAppId = QByteArrayLiteral("HOSTILEAPP");
const QByteArray kApiKey = QByteArrayLiteral("hostile-secret-key-9e02");

RawHeaders credentialHeaders()
{
    return {qMakePair(QByteArray("x-algolia-application-id"), kAppId),
            qMakePair(QByteArray("x-algolia-api-key"), kApiKey)};
}

QByteArray credentialLines()
{
    return "x-algolia-application-id: " + kAppId + "\r\nx-algolia-api-key: " + kApiKey + "\r\n";
}

QByteArray batch(const QString& userToken, int count = 1)
{
    QByteArray body = "{\"events\":[";
    for (int i = 0; i < count; ++i) {
        body += (i ? "," : "");
        body += "{\"eventType\":\"view\",\"eventName\":\"Product "
                "Viewed\",\"index\":\"products\",\"userToken\":\"" +
                userToken.toUtf8() + "\",\"objectIDs\":[\"o1\"]}";
    }
    return body + "]}";
}

// windowBits: 16 + MAX_WBITS gzip, MAX_WBITS zlib ("deflate" as RFC 9110 means it), -MAX_WBITS raw deflate.
QByteArray compress(const QByteArray& data, int windowBits)
{
    z_stream stream{};
    deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
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

// What Chromium sends to a page's endpoint on 127.0.0.1, cookies of every local dev server included.
QByteArray browserLikeHeaders(qsizetype cookieBytes)
{
    QByteArray cookie = "Cookie: ";
    for (int i = 0; cookie.size() < cookieBytes; ++i) {
        cookie += (i ? "; " : "") + QByteArray("dev_session_") + QByteArray::number(i) + '=' +
                  QByteArray(180, static_cast<char>('a' + i % 26));
    }
    return "Accept: */*\r\n"
           "Accept-Encoding: gzip, deflate, br\r\n"
           "Accept-Language: en-GB,en;q=0.9,fr;q=0.8\r\n"
           "Origin: http://localhost:3000\r\n"
           "Referer: http://localhost:3000/products/1234?utm_source=test\r\n"
           "Sec-Fetch-Dest: empty\r\nSec-Fetch-Mode: cors\r\nSec-Fetch-Site: cross-site\r\n"
           "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/131.0.0.0 Safari/537.36\r\n"
           "sec-ch-ua: \"Chromium\";v=\"131\", \"Not_A Brand\";v=\"24\"\r\n"
           "sec-ch-ua-mobile: ?0\r\nsec-ch-ua-platform: \"Linux\"\r\n" +
           cookie.left(cookieBytes) + "\r\n";
}

QByteArray post(const QByteArray& target, const QByteArray& extraHeaders, const QByteArray& body)
{
    return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + credentialLines() + extraHeaders +
           "Content-Length: " + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

// The body of the one response in `received` (Content-Length framed), empty when none.
QByteArray responseBody(const QByteArray& received)
{
    const qsizetype end = received.indexOf("\r\n\r\n");
    return end < 0 ? QByteArray() : received.mid(end + 4);
}

} // namespace

class EndpointHostileTest final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void userTokenWithEncodedSlashIsDeleted();
    void hostEndingWithSlashGetsCorsNotFound();
    void browserCookiesOf60KBAccepted();
    void headersOverTheLimitGet431_data();
    void headersOverTheLimitGet431();
    void deleteUserTokenRateLimited();
    void contentEncodings_data();
    void contentEncodings();
    void unsupportedContentEncodingNeverParsed_data();
    void unsupportedContentEncodingNeverParsed();
    void unsupportedTransferEncodingAnsweredAtOnce();

private:
    qint64 count(const QString& userToken) const
    {
        LogQuery query;
        query.userToken = userToken;
        return m_log->count(query);
    }

    QTemporaryDir m_dir;
    std::unique_ptr<EventLog> m_log;
    std::unique_ptr<EmbeddedEndpoint> m_endpoint;
    QNetworkAccessManager m_manager;
};

void EndpointHostileTest::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString started = startEndpoint(m_dir, m_log, m_endpoint);
    QVERIFY2(started.isEmpty(), qPrintable(started));
}

void EndpointHostileTest::cleanupTestCase()
{
    m_endpoint.reset();
    m_log.reset();
}

void EndpointHostileTest::userTokenWithEncodedSlashIsDeleted()
{
    // 11 §1: a token valid per Algolia's pattern, with '/', '+' and '=', as the v5 clients send it.
    const QString token = QStringLiteral("a=b/c+d_e-f");
    const QUrl events(m_endpoint->baseUrl() + QStringLiteral("/1/events"));
    QCOMPARE(httpRequest(m_manager, "POST", events, credentialHeaders(), batch(token, 2)).status, 200);
    QCOMPARE(httpRequest(m_manager, "POST", events, credentialHeaders(), batch(QStringLiteral("a"))).status,
             200);
    QCOMPARE(count(token), 2);
    RawClient client;
    QVERIFY(client.connectTo(m_endpoint->port()));
    client.write("DELETE /1/usertokens/a%3Db%2Fc%2Bd_e-f HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                 credentialLines() + "Connection: close\r\n\r\n");
    QVERIFY(client.waitForClose());
    QCOMPARE(client.finalStatus(), 204);
    QCOMPARE(count(token), 0);
    QCOMPARE(count(QStringLiteral("a")), 1); // a prefix of the token is another user
}

void EndpointHostileTest::hostEndingWithSlashGetsCorsNotFound()
{
    // 11 §1: host "http://127.0.0.1:PORT/" makes the clients post to "//1/events". Algolia's 404, with the
    // CORS header so that the browser lets the page (and its developer) see it.
    RawClient client;
    QVERIFY(client.connectTo(m_endpoint->port()));
    client.write(post("//1/events", "Origin: http://localhost:3000\r\n", batch(QStringLiteral("slash"))));
    QVERIFY(client.waitForClose());
    QCOMPARE(client.finalStatus(), 404);
    QVERIFY(client.received().contains("Access-Control-Allow-Origin: *"));
    QVERIFY(responseBody(client.received()).startsWith("{\"status\":404,\"message\":\"Path not supported"));
    QCOMPARE(count(QStringLiteral("slash")), 0);
}

void EndpointHostileTest::browserCookiesOf60KBAccepted()
{
    // 11 §2, insights-api.md §9.13: browsers send every cookie of 127.0.0.1 to every port.
    QByteArray headers = browserLikeHeaders(60 * 1024);
    // Up to 64 KB of request line and headers in all (the accepted minimum, 11 §2).
    const QByteArray request = post("/1/events", headers, batch(QStringLiteral("cookie-monster")));
    const qsizetype head = request.indexOf("\r\n\r\n") + 4;
    headers += "X-Padding: " + QByteArray(64 * 1024 - head - 13, 'p') + "\r\n";
    const QByteArray padded = post("/1/events", headers, batch(QStringLiteral("cookie-monster")));
    QCOMPARE(padded.indexOf("\r\n\r\n") + 4, 64 * 1024);
    RawClient client;
    QVERIFY(client.connectTo(m_endpoint->port()));
    client.write(padded);
    QVERIFY(client.waitForClose(10000));
    QCOMPARE(client.finalStatus(), 200);
    QCOMPARE(count(QStringLiteral("cookie-monster")), 1);
}

void EndpointHostileTest::headersOverTheLimitGet431_data()
{
    QTest::addColumn<int>("headBytes");
    QTest::addColumn<bool>("ours"); // answered by the endpoint with its detailed 431 (else by the server)
    for (const int kb : {65, 80, 100, 128, 150, 180, 200})
        QTest::newRow(qPrintable(QStringLiteral("%1 KB").arg(kb))) << kb * 1024 << true;
    // Beyond the parser's own limit (256 KB): the server's 431, in the same JSON shape (httpserver.h).
    for (const int kb : {300, 512, 1024})
        QTest::newRow(qPrintable(QStringLiteral("%1 KB").arg(kb))) << kb * 1024 << false;
}

void EndpointHostileTest::headersOverTheLimitGet431()
{
    // 11 §2: beyond the limit, 431 with a readable body, never a close without an answer; not logged as an
    // event.
    QFETCH(int, headBytes);
    QFETCH(bool, ours);
    QByteArray headers = browserLikeHeaders(headBytes - 2048);
    const QByteArray request = post("/1/events", headers, batch(QStringLiteral("too-many-cookies")));
    const qsizetype head = request.indexOf("\r\n\r\n") + 4;
    headers += "X-Padding: " + QByteArray(headBytes - head - 13, 'p') + "\r\n";
    RawClient client;
    QVERIFY(client.connectTo(m_endpoint->port()));
    client.write(post("/1/events", headers, batch(QStringLiteral("too-many-cookies"))));
    QVERIFY(client.waitForClose(10000));
    QCOMPARE(client.finalStatus(), 431);
    const QByteArray body = responseBody(client.received());
    QVERIFY2(body.startsWith("{\"status\":431,\"message\":\"Request Header Fields Too Large"),
             body.constData());
    if (ours) // the detailed one names the limit
        QVERIFY2(body.contains(QByteArray::number(64 * 1024)), body.constData());
    QCOMPARE(count(QStringLiteral("too-many-cookies")), 0);
}

void EndpointHostileTest::deleteUserTokenRateLimited()
{
    // 11 §8: a fresh endpoint (its own window) on the same log; the advertised 100 a minute, then 429.
    EmbeddedEndpoint limited(m_log.get());
    EndpointOptions options;
    options.port = 0;
    QVERIFY(!limited.start(options));
    const QUrl events(limited.baseUrl() + QStringLiteral("/1/events"));
    QCOMPARE(
        httpRequest(m_manager, "POST", events, credentialHeaders(), batch(QStringLiteral("kept"))).status,
        200);
    const QUrl other(limited.baseUrl() + QStringLiteral("/1/usertokens/nobody-at-all"));
    for (int i = 1; i <= 100; ++i) {
        const HttpResult result = httpRequest(m_manager, "DELETE", other, credentialHeaders());
        QCOMPARE(result.status, 204);
        QCOMPARE(result.header("x-ratelimit-remaining").toInt(), 100 - i);
    }
    const HttpResult refused =
        httpRequest(m_manager, "DELETE", QUrl(limited.baseUrl() + QStringLiteral("/1/usertokens/kept")),
                    credentialHeaders());
    QCOMPARE(refused.status, 429);
    QCOMPARE(refused.message(), QStringLiteral("Too Many Requests. This operation is rate-limited."));
    QCOMPARE(refused.header("x-ratelimit-limit"), QByteArray("100"));
    QCOMPARE(refused.header("x-ratelimit-remaining"), QByteArray("0"));
    QVERIFY(refused.header("x-ratelimit-reset").toLongLong() >= QDateTime::currentSecsSinceEpoch());
    QCOMPARE(refused.header("Access-Control-Allow-Origin"), QByteArray("*"));
    QCOMPARE(count(QStringLiteral("kept")), 1);
}

void EndpointHostileTest::contentEncodings_data()
{
    QTest::addColumn<QByteArray>("coding");
    QTest::addColumn<QList<int>>("layers"); // window bits, applied first to last
    QTest::newRow("gzip") << QByteArray("gzip") << QList<int>{16 + MAX_WBITS};
    QTest::newRow("x-gzip") << QByteArray("x-gzip") << QList<int>{16 + MAX_WBITS};
    QTest::newRow("deflate (zlib)") << QByteArray("deflate") << QList<int>{MAX_WBITS};
    QTest::newRow("deflate (raw)") << QByteArray("deflate") << QList<int>{-MAX_WBITS};
    QTest::newRow("gzip, gzip") << QByteArray("gzip, gzip") << QList<int>{16 + MAX_WBITS, 16 + MAX_WBITS};
    QTest::newRow("deflate, gzip") << QByteArray("deflate, gzip") << QList<int>{MAX_WBITS, 16 + MAX_WBITS};
    QTest::newRow("identity, gzip") << QByteArray("identity, gzip") << QList<int>{16 + MAX_WBITS};
}

void EndpointHostileTest::contentEncodings()
{
    QFETCH(QByteArray, coding);
    QFETCH(QList<int>, layers);
    const QString token = QStringLiteral("coded-") + QString::number(qHash(QTest::currentDataTag()));
    QByteArray body = batch(token, 3);
    for (const int windowBits : layers)
        body = compress(body, windowBits);
    RawClient client;
    QVERIFY(client.connectTo(m_endpoint->port()));
    client.write(post("/1/events", "Content-Encoding: " + coding + "\r\n", body));
    QVERIFY(client.waitForClose());
    QCOMPARE(client.finalStatus(), 200);
    QCOMPARE(count(token), 3);
}

void EndpointHostileTest::unsupportedContentEncodingNeverParsed_data()
{
    QTest::addColumn<QByteArray>("coding");
    QTest::newRow("br") << QByteArray("br");
    QTest::newRow("zstd") << QByteArray("zstd");
    QTest::newRow("compress") << QByteArray("compress");
    QTest::newRow("gzip, br") << QByteArray("gzip, br");
}

void EndpointHostileTest::unsupportedContentEncodingNeverParsed()
{
    // 11 §9: the body is plain JSON here, so that parsing it "as if plain" would accept it: it must not be.
    QFETCH(QByteArray, coding);
    const QString token = QStringLiteral("unsupported-") + QString::fromLatin1(coding.left(4));
    const qint64 before = m_log->lastId();
    RawClient client;
    QVERIFY(client.connectTo(m_endpoint->port()));
    client.write(post("/1/events", "Content-Encoding: " + coding + "\r\n", batch(token)));
    QVERIFY(client.waitForClose());
    QCOMPARE(client.finalStatus(), 415);
    const QByteArray body = responseBody(client.received());
    QVERIFY2(body.contains("Unsupported Content-Encoding: br") || body.contains(coding), body.constData());
    QVERIFY2(body.contains("unverified"), body.constData());
    QVERIFY(client.received().contains("Access-Control-Allow-Origin: *"));
    QCOMPARE(count(token), 0);
    // Logged as a refused request, never as an event.
    LogQuery after;
    after.sinceId = before;
    QTRY_COMPARE_WITH_TIMEOUT(m_log->count(after), qint64(1), 10000);
    const QList<LogRecord> logged = m_log->query(after);
    QCOMPARE(logged.constFirst().kind, RecordKind::Request);
    QCOMPARE(logged.constFirst().httpStatus, 415);
}

void EndpointHostileTest::unsupportedTransferEncodingAnsweredAtOnce()
{
    // 11 §3: not a wait for the idle timeout (30 s here) with a body nobody can frame: 501 at once.
    RawClient client;
    QVERIFY(client.connectTo(m_endpoint->port()));
    QElapsedTimer timer;
    timer.start();
    client.write("POST /1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n" + credentialLines() +
                 "Transfer-Encoding: gzip\r\n\r\n" + compress(batch(QStringLiteral("te")), 16 + MAX_WBITS));
    QVERIFY2(client.waitForText("\r\n\r\n", 10000), client.received().constData());
    QCOMPARE(client.finalStatus(), 501);
    QVERIFY(timer.elapsed() < 10000);
    QCOMPARE(count(QStringLiteral("te")), 0);
}

QTEST_GUILESS_MAIN(EndpointHostileTest)
#include "tst_endpointhostile.moc"
