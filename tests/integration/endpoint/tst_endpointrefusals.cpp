// Requests the endpoint refuses before judging any event (issue 10 §5, the "Record kinds" contract), over
// real loopback sockets: each refusal is answered with Algolia's exact status and message and appears in the
// log as a record of kind Request, with its method, path, request facts, the key masked in its headers and
// query, and its body as received. A rate-limited request (429) is counted, not logged. The answer waits for
// the record's commit, but never long: a refusal acknowledges nothing.

#include "httptestclient.h"

#include "endpoint/embeddedendpoint.h"
#include "endpointfixture.h"
#include "event/vocabulary.h"
#include "log/eventlog.h"
#include "log/recordbuilder.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

#include <memory>

namespace {

const QByteArray kAppId = QByteArrayLiteral("REFUSALAPP");
const QByteArray kApiKey = QByteArrayLiteral("refusal-secret-key-51c3");
const QByteArray kWrongKey = QByteArrayLiteral("wrong-secret-key-77aa");
const QString kNotFound = QStringLiteral(
    "Path not supported by Insights REST API. Please have a look at "
    "[https://www.algolia.com/doc/rest-api/insights/](https://www.algolia.com/doc/rest-api/insights) for the "
    "list of valid commands.");

QByteArray credentialLines(const QByteArray& key = kApiKey)
{
    return "x-algolia-application-id: " + kAppId + "\r\nx-algolia-api-key: " + key + "\r\n";
}

QByteArray batch(const QString& userToken)
{
    return "{\"events\":[{\"eventType\":\"view\",\"eventName\":\"Product Viewed\",\"index\":\"products\","
           "\"userToken\":\"" +
           userToken.toUtf8() + "\",\"objectIDs\":[\"o1\"]}]}";
}

// A request as a client writes it: `headers` are "Name: value\r\n" lines after Host and the User-Agent;
// "PORT" in the Host stands for the endpoint's port.
QByteArray request(const QByteArray& method, const QByteArray& target, const QByteArray& headers,
                   const QByteArray& body = {}, const QByteArray& host = "127.0.0.1:PORT")
{
    QByteArray out =
        method + ' ' + target + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: refusal-test/1.0\r\n" +
        (headers.contains("Origin:") ? QByteArray() : "Origin: http://localhost:3000\r\n") + headers;
    if (!body.isEmpty())
        out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    return out + "Connection: close\r\n\r\n" + body;
}

QByteArray responseBody(const QByteArray& received)
{
    const qsizetype end = received.indexOf("\r\n\r\n");
    return end < 0 ? QByteArray() : received.mid(end + 4);
}

} // namespace

class EndpointRefusalsTest final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void refusalIsLogged_data();
    void refusalIsLogged();
    void drainedBodyIsKeptBounded();
    void undecodableBodiesAreRequests_data();
    void undecodableBodiesAreRequests();
    void rateLimitedIsCountedNotLogged();
    void automationListsRefusalsNotSearches();
    void slowLogDoesNotHoldTheAnswer();

private:
    // The record of kind Request logged after `afterId` (waits for it: the commit may trail the answer).
    std::optional<LogRecord> refusalAfter(qint64 afterId) const;

    QTemporaryDir m_dir;
    std::unique_ptr<EventLog> m_log;
    std::unique_ptr<EmbeddedEndpoint> m_endpoint;
    QNetworkAccessManager m_manager;
};

void EndpointRefusalsTest::initTestCase()
{
    QVERIFY(m_dir.isValid());
    EndpointOptions endpointOptions;
    endpointOptions.requiredAppId = QString::fromLatin1(kAppId);
    endpointOptions.requiredApiKey = QString::fromLatin1(kApiKey);
    const QString started = startEndpoint(m_dir, m_log, m_endpoint, endpointOptions);
    QVERIFY2(started.isEmpty(), qPrintable(started));
}

void EndpointRefusalsTest::cleanupTestCase()
{
    m_endpoint.reset();
    m_log.reset();
}

std::optional<LogRecord> EndpointRefusalsTest::refusalAfter(qint64 afterId) const
{
    LogQuery query;
    query.kind = RecordKind::Request;
    query.sinceId = afterId;
    QList<LogRecord> found;
    [[maybe_unused]] const bool appeared = QTest::qWaitFor(
        [&] {
            found = m_log->query(query);
            return !found.isEmpty();
        },
        10000);
    if (found.size() != 1)
        return std::nullopt;
    return found.constFirst();
}

void EndpointRefusalsTest::refusalIsLogged_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("message"); // Algolia's exact text where it defines one
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body"); // as the log keeps it
    QTest::addColumn<bool>("cors");

    const QByteArray events = batch(QStringLiteral("refused-user"));
    QTest::newRow("401 no key") << request("POST", "/1/events",
                                           "x-algolia-application-id: " + kAppId + "\r\n", events)
                                << 401 << QStringLiteral("Invalid credentials")
                                << QStringLiteral("request.missingCredentials")
                                << QStringLiteral("x-algolia-api-key") << QStringLiteral("POST")
                                << QStringLiteral("/1/events") << events << true;
    QTest::newRow("401 no application ID")
        << request("DELETE", "/1/usertokens/u1", "x-algolia-api-key: " + kApiKey + "\r\n") << 401
        << QStringLiteral("Invalid credentials") << QStringLiteral("request.missingCredentials")
        << QStringLiteral("x-algolia-application-id") << QStringLiteral("DELETE")
        << QStringLiteral("/1/usertokens/u1") << QByteArray() << true;
    QTest::newRow("401 wrong key") << request("POST", "/1/events", credentialLines(kWrongKey), events) << 401
                                   << QStringLiteral("Invalid credentials")
                                   << QStringLiteral("request.invalidCredentials")
                                   << QStringLiteral("x-algolia-api-key") << QStringLiteral("POST")
                                   << QStringLiteral("/1/events") << events << true;
    QTest::newRow("401 wrong key in the query")
        << request("POST",
                   "/1/events?X-Algolia-Application-Id=" + kAppId + "&X-Algolia-API-Key=" + kWrongKey +
                       "&x-algolia-agent=test",
                   {}, events)
        << 401 << QStringLiteral("Invalid credentials") << QStringLiteral("request.invalidCredentials")
        << QStringLiteral("x-algolia-api-key") << QStringLiteral("POST") << QStringLiteral("/1/events")
        << events << true;
    QTest::newRow("404 unknown path")
        << request("GET", "/nowhere", credentialLines()) << 404 << kNotFound
        << QStringLiteral("request.unknownPath") << QString() << QStringLiteral("GET")
        << QStringLiteral("/nowhere") << QByteArray() << false;
    QTest::newRow("404 host ending with /")
        << request("POST", "//1/events", credentialLines(), events) << 404 << kNotFound
        << QStringLiteral("request.hostEndsWithSlash") << QString() << QStringLiteral("POST")
        << QStringLiteral("//1/events") << QByteArray() << true;
    QTest::newRow("404 path prefix") << request("POST", "/insights/1/events", credentialLines(), events)
                                     << 404 << kNotFound << QStringLiteral("request.pathPrefix") << QString()
                                     << QStringLiteral("POST") << QStringLiteral("/insights/1/events")
                                     << QByteArray() << true;
    QTest::newRow("405") << request("PUT", "/1/events", credentialLines(), events) << 405
                         << QStringLiteral("Method Not Allowed") << QStringLiteral("request.methodNotAllowed")
                         << QString() << QStringLiteral("PUT") << QStringLiteral("/1/events") << QByteArray()
                         << true;
    QTest::newRow("413 declared, 100-continue")
        << request("POST", "/1/events",
                   credentialLines() + "Content-Length: 3000000\r\nExpect: 100-continue\r\n")
        << 413 << QStringLiteral("Request Entity Too Large") << QStringLiteral("request.bodyTooLarge")
        << QString() << QStringLiteral("POST") << QStringLiteral("/1/events") << QByteArray() << true;
    QTest::newRow("415 br")
        << request("POST", "/1/events", credentialLines() + "Content-Encoding: br\r\n", events) << 415
        << QStringLiteral("Unsupported Content-Encoding: br. The debugger decodes gzip and deflate (status "
                          "and message are the debugger's; Algolia's are unverified)")
        << QStringLiteral("request.unsupportedContentEncoding") << QStringLiteral("content-encoding")
        << QStringLiteral("POST") << QStringLiteral("/1/events") << events << true;
    QTest::newRow("501 Transfer-Encoding gzip")
        << request("POST", "/1/events", credentialLines() + "Transfer-Encoding: gzip\r\n") << 501
        << QStringLiteral("Transfer-Encoding gzip is not implemented: send the body with Content-Length or "
                          "Transfer-Encoding: chunked")
        << QStringLiteral("request.unsupportedTransferEncoding") << QStringLiteral("transfer-encoding")
        << QStringLiteral("POST") << QStringLiteral("/1/events") << QByteArray() << true;
    QTest::newRow("403 automation, foreign page")
        << request("GET", "/debugger/events", "Origin: https://evil.example\r\n") << 403
        << QStringLiteral("Forbidden: the automation API answers pages of loopback origins only")
        << QStringLiteral("request.automationOrigin") << QStringLiteral("origin") << QStringLiteral("GET")
        << QStringLiteral("/debugger/events") << QByteArray() << false;
    QTest::newRow("403 automation, foreign host")
        << request("DELETE", "/debugger/events", {}, {}, "rebinding.example") << 403
        << QStringLiteral("Forbidden: the automation API answers loopback hosts only")
        << QStringLiteral("request.automationHost") << QStringLiteral("host") << QStringLiteral("DELETE")
        << QStringLiteral("/debugger/events") << QByteArray() << false;
    QTest::newRow("400 feed date") << request("GET", "/1/events?startDate=yesterday", credentialLines())
                                   << 400 << QStringLiteral("Invalid startDate")
                                   << QStringLiteral("request.invalidDate") << QStringLiteral("startDate")
                                   << QStringLiteral("GET") << QStringLiteral("/1/events") << QByteArray()
                                   << true;
    QTest::newRow("400 automation kind")
        << request("GET", "/debugger/events?kind=purchases", {}) << 400
        << QStringLiteral("kind must be event, search, request, a comma list of them, or all")
        << QStringLiteral("request.invalidParameter") << QStringLiteral("kind") << QStringLiteral("GET")
        << QStringLiteral("/debugger/events") << QByteArray() << false;
}

void EndpointRefusalsTest::refusalIsLogged()
{
    QFETCH(QByteArray, raw);
    QFETCH(int, status);
    QFETCH(QString, message);
    QFETCH(QString, code);
    QFETCH(QString, field);
    QFETCH(QString, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(bool, cors);

    const qint64 before = m_log->lastId();
    const qint64 refusedBefore = m_endpoint->counters().refusedRequests;
    RawClient client;
    QVERIFY(client.connectTo(m_endpoint->port()));
    const QByteArray host = "Host: 127.0.0.1:" + QByteArray::number(m_endpoint->port());
    client.write(raw.replace("Host: 127.0.0.1:PORT", host));
    QVERIFY2(client.waitForClose(10000), client.received().constData());
    QCOMPARE(client.finalStatus(), status);
    const QByteArray answered = responseBody(client.received());
    QCOMPARE(QJsonDocument::fromJson(answered).object().value(QLatin1String("message")).toString(), message);
    QCOMPARE(client.received().contains("Access-Control-Allow-Origin: *"), cors);
    QVERIFY(!client.received().contains(kApiKey));

    const std::optional<LogRecord> record = refusalAfter(before);
    QVERIFY(record);
    QCOMPARE(record->kind, RecordKind::Request);
    QCOMPARE(record->httpStatus, status);
    QVERIFY(!record->accepted);
    QCOMPARE(record->message, message);
    QCOMPARE(verdictOf(*record), Verdict::RequestRejected);
    QCOMPARE(record->issues.size(), 1);
    const Issue& why = record->issues.constFirst();
    QCOMPARE(why.severity, Severity::Error);
    QCOMPARE(why.code, code);
    QCOMPARE(why.field, field);
    QVERIFY(!why.message.isEmpty());
    QCOMPARE(record->method, method);
    QCOMPARE(record->path, path);
    QCOMPARE(record->userAgent, QStringLiteral("refusal-test/1.0"));
    QCOMPARE(record->remoteAddress, QStringLiteral("127.0.0.1"));
    QCOMPARE(record->rawJson, body);
    QVERIFY(record->eventType.isEmpty());
    QCOMPARE(m_endpoint->counters().refusedRequests, refusedBefore + 1);

    // The request as received: its line, its headers with the key masked wherever it travelled, its body.
    const std::optional<RawRequest> stored = m_log->rawRequest(record->requestId);
    QVERIFY(stored);
    QCOMPARE(stored->method, method.toUtf8());
    QVERIFY2(stored->target.startsWith(path.toUtf8()), stored->target.constData());
    QVERIFY2(stored->headers.contains("user-agent: refusal-test/1.0\r\n"), stored->headers.constData());
    QCOMPARE(stored->body, body);
    for (const QByteArray& secret : {kApiKey, kWrongKey}) {
        QVERIFY2(!stored->headers.contains(secret), stored->headers.constData());
        QVERIFY2(!stored->target.contains(secret), stored->target.constData());
    }
    if (raw.contains("x-algolia-api-key: "))
        QVERIFY2(stored->headers.contains("x-algolia-api-key: ***\r\n"), stored->headers.constData());
    if (raw.contains("X-Algolia-API-Key="))
        QVERIFY2(stored->target.contains("X-Algolia-API-Key=***"), stored->target.constData());

    // Nothing of it counts as an event.
    LogQuery events;
    events.kind = RecordKind::Event;
    events.sinceId = before;
    QCOMPARE(m_log->count(events), qint64(0));
}

void EndpointRefusalsTest::drainedBodyIsKeptBounded()
{
    // A chunked body past the 2 MB limit is read and dropped before the 413 (so that the client reads it);
    // the log keeps its start, RecordBuilder::kRequestBodyKept bytes, marked truncated. Cookies are kept by
    // name only: other local sites' sessions are none of the debugger's business.
    const qint64 before = m_log->lastId();
    RawClient client;
    QVERIFY(client.connectTo(m_endpoint->port()));
    client.write("POST /1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n" + credentialLines() +
                 "Cookie: session=abc123secret; theme=dark\r\nTransfer-Encoding: chunked\r\n\r\n");
    const QByteArray piece(256 * 1024, 'x');
    for (int i = 0; i < 10; ++i)
        client.write(QByteArray::number(piece.size(), 16) + "\r\n" + piece + "\r\n");
    client.write("0\r\n\r\n");
    QVERIFY2(client.waitForText("\r\n\r\n", 20000), client.received().constData());
    QCOMPARE(client.finalStatus(), 413);
    const std::optional<LogRecord> record = refusalAfter(before);
    QVERIFY(record);
    QCOMPARE(record->httpStatus, 413);
    QCOMPARE(record->issues.constFirst().code, QStringLiteral("request.bodyTooLarge"));
    QCOMPARE(record->rawJson, piece.left(RecordBuilder::kRequestBodyKept));
    const std::optional<RawRequest> stored = m_log->rawRequest(record->requestId);
    QVERIFY(stored);
    QVERIFY(stored->bodyTruncated);
    QCOMPARE(stored->body.size(), RecordBuilder::kRequestBodyKept);
    QVERIFY2(stored->headers.contains("cookie: session=***; theme=***\r\n"), stored->headers.constData());
    QVERIFY(!stored->headers.contains("abc123secret"));
}

void EndpointRefusalsTest::undecodableBodiesAreRequests_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("message");
    QTest::addColumn<QString>("code");
    QTest::newRow("not JSON") << QByteArray("not json at all") << QStringLiteral("Invalid payload")
                              << QStringLiteral("payload.invalid");
    QTest::newRow("no events") << QByteArray("{\"events\":[]}") << QStringLiteral("No events to process")
                               << QStringLiteral("events.empty");
}

void EndpointRefusalsTest::undecodableBodiesAreRequests()
{
    // A body with no event to judge is a refused request too (kind Request), with the validator's issue.
    QFETCH(QByteArray, body);
    QFETCH(QString, message);
    QFETCH(QString, code);
    const qint64 before = m_log->lastId();
    const HttpResult result =
        httpRequest(m_manager, "POST", QUrl(m_endpoint->baseUrl() + QStringLiteral("/1/events")),
                    {qMakePair(QByteArray("x-algolia-application-id"), kAppId),
                     qMakePair(QByteArray("x-algolia-api-key"), kApiKey),
                     qMakePair(QByteArray("content-type"), QByteArray("text/plain"))},
                    body);
    QCOMPARE(result.status, 422);
    QCOMPARE(result.message(), message);
    // Answered once committed, like every push: no wait needed.
    LogQuery query;
    query.sinceId = before;
    const QList<LogRecord> records = m_log->query(query);
    QCOMPARE(records.size(), 1);
    const LogRecord& record = records.constFirst();
    QCOMPARE(record.kind, RecordKind::Request);
    QCOMPARE(record.httpStatus, 422);
    QCOMPARE(record.message, message);
    QCOMPARE(record.rawJson, body);
    QCOMPARE(record.issues.constFirst().code, code);
    QCOMPARE(verdictOf(record), Verdict::RequestRejected);
    QCOMPARE(record.method, QStringLiteral("POST"));
    QCOMPARE(record.path, QStringLiteral("/1/events"));
    const std::optional<RawRequest> stored = m_log->rawRequest(record.requestId);
    QVERIFY(stored);
    QCOMPARE(stored->body, body);
    QVERIFY(stored->headers.contains("x-algolia-api-key: ***\r\n"));
}

void EndpointRefusalsTest::rateLimitedIsCountedNotLogged()
{
    // A fresh endpoint (its own rate window) on the same log.
    EmbeddedEndpoint limited(m_log.get());
    EndpointOptions options;
    options.port = 0;
    QVERIFY(!limited.start(options));
    const QUrl url(limited.baseUrl() + QStringLiteral("/1/usertokens/nobody-at-all"));
    const RawHeaders credentials{qMakePair(QByteArray("x-algolia-application-id"), kAppId),
                                 qMakePair(QByteArray("x-algolia-api-key"), kApiKey)};
    for (int i = 0; i < 100; ++i)
        QCOMPARE(httpRequest(m_manager, "DELETE", url, credentials).status, 204);
    const qint64 before = m_log->lastId();
    for (int i = 0; i < 3; ++i)
        QCOMPARE(httpRequest(m_manager, "DELETE", url, credentials).status, 429);
    QCOMPARE(limited.counters().refusedRequests, qint64(3));
    m_log->flush();
    QCOMPARE(m_log->lastId(), before);
}

void EndpointRefusalsTest::automationListsRefusalsNotSearches()
{
    // GET /debugger/events lists events and refused requests (each with its "kind"); kind= picks kinds.
    const QString since = QString::number(m_log->lastId());
    const QUrl events(m_endpoint->baseUrl() + QStringLiteral("/1/events"));
    QCOMPARE(httpRequest(m_manager, "POST", events,
                         {qMakePair(QByteArray("x-algolia-application-id"), kAppId),
                          qMakePair(QByteArray("x-algolia-api-key"), kApiKey)},
                         batch(QStringLiteral("listed-user")))
                 .status,
             200);
    QCOMPARE(httpRequest(m_manager, "POST", events,
                         {qMakePair(QByteArray("x-algolia-application-id"), kAppId)},
                         batch(QStringLiteral("listed-user")))
                 .status,
             401);
    // A search record, as the search service writes them (searches are not listed unless asked).
    LogRecord search;
    search.kind = RecordKind::Search;
    search.httpStatus = 200;
    search.accepted = true;
    search.message = QStringLiteral("3 hits");
    search.rawJson = QByteArrayLiteral("{\"query\":\"shoes\"}");
    m_log->append({search});
    m_log->flush();

    const auto kinds = [&](const QString& parameter) {
        QStringList found;
        const HttpResult result = httpRequest(
            m_manager, "GET",
            QUrl(m_endpoint->baseUrl() + QStringLiteral("/debugger/events?since=") + since + parameter));
        if (result.status != 200)
            return QStringList{QString::number(result.status)};
        for (const QJsonValue& value :
             QJsonDocument::fromJson(result.body).object().value(QLatin1String("events")).toArray())
            found << value[QLatin1String("kind")].toString();
        return found;
    };
    QCOMPARE(kinds(QString()), (QStringList{QStringLiteral("event"), QStringLiteral("request")}));
    QCOMPARE(kinds(QStringLiteral("&kind=all")),
             (QStringList{QStringLiteral("event"), QStringLiteral("request"), QStringLiteral("search")}));
    QCOMPARE(kinds(QStringLiteral("&kind=search")), QStringList{QStringLiteral("search")});
    QCOMPARE(kinds(QStringLiteral("&kind=request,search")),
             (QStringList{QStringLiteral("request"), QStringLiteral("search")}));
    QCOMPARE(kinds(QStringLiteral("&kind=event&status=accepted")), QStringList{QStringLiteral("event")});
    QCOMPARE(kinds(QStringLiteral("&status=rejected")), QStringList{QStringLiteral("request")});

    // The refused request's facts, as a test suite reads them.
    const HttpResult result = httpRequest(
        m_manager, "GET",
        QUrl(m_endpoint->baseUrl() + QStringLiteral("/debugger/events?kind=request&since=") + since));
    const QJsonObject refused = QJsonDocument::fromJson(result.body)
                                    .object()
                                    .value(QLatin1String("events"))
                                    .toArray()
                                    .at(0)
                                    .toObject();
    QCOMPARE(refused.value(QLatin1String("httpStatus")).toInt(), 401);
    QCOMPARE(refused.value(QLatin1String("message")).toString(), QStringLiteral("Invalid credentials"));
    QCOMPARE(refused.value(QLatin1String("verdict")).toString(), QStringLiteral("requestRejected"));
    QCOMPARE(refused.value(QLatin1String("request")).toObject().value(QLatin1String("method")).toString(),
             QStringLiteral("POST"));
    QCOMPARE(refused.value(QLatin1String("request")).toObject().value(QLatin1String("path")).toString(),
             QStringLiteral("/1/events"));
    QCOMPARE(refused.value(QLatin1String("issues")).toArray().at(0)[QLatin1String("code")].toString(),
             QStringLiteral("request.missingCredentials"));
}

void EndpointRefusalsTest::slowLogDoesNotHoldTheAnswer()
{
    // Another process holds the log's write lock (the log waits up to EventLog::kBusyTimeoutMs for it): a
    // refused request is answered within its bound all the same, while a push waits for its commit.
    sqlite3* other = nullptr;
    QCOMPARE(sqlite3_open(QFile::encodeName(m_log->path()).constData(), &other), SQLITE_OK);
    QCOMPARE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    QElapsedTimer timer;
    timer.start();
    RawClient client;
    QVERIFY(client.connectTo(m_endpoint->port()));
    client.write(request("GET", "/nowhere/at/all", {}));
    QVERIFY2(client.waitForClose(EventLog::kBusyTimeoutMs), client.received().constData());
    const qint64 elapsed = timer.elapsed();
    QCOMPARE(client.finalStatus(), 404);
    QCOMPARE(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(other);
    // Its bound is 2 s (checked every 250 ms); the lock would have held it for 10.
    QVERIFY2(elapsed < EventLog::kBusyTimeoutMs * 3 / 4, qPrintable(QString::number(elapsed)));
    m_log->flush();
}

QTEST_GUILESS_MAIN(EndpointRefusalsTest)
#include "tst_endpointrefusals.moc"
