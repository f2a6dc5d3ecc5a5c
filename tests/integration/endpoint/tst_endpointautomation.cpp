// The automation API (GET/DELETE /debugger/events, GET /debugger/stats) that test suites use to assert what
// the endpoint received, and its DNS-rebinding protection (issue 3 §3).

#include "httptestclient.h"

#include "endpoint/embeddedendpoint.h"
#include "endpointfixture.h"
#include "log/eventlog.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace {

const QByteArray kApiKey = QByteArrayLiteral("automation-secret-key-77aa");

RawHeaders credentialHeaders()
{
    return {qMakePair(QByteArray("x-algolia-application-id"), QByteArray("AUTOAPP")),
            qMakePair(QByteArray("x-algolia-api-key"), kApiKey)};
}

QByteArray makeEvent(const QString& type, const QString& name, const QString& userToken,
                     bool withIndex = true)
{
    QByteArray json = "{\"eventType\":\"" + type.toUtf8() + "\",\"eventName\":\"" + name.toUtf8() + "\",";
    if (withIndex)
        json += "\"index\":\"products\",";
    return json + "\"userToken\":\"" + userToken.toUtf8() + "\",\"objectIDs\":[\"o1\"]}";
}

QJsonObject json(const HttpResult& result)
{
    return QJsonDocument::fromJson(result.body).object();
}

} // namespace

class EndpointAutomationTest final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void filters_data();
    void filters();
    void recordShape();
    void pagingBySince();
    void stats();
    void badFilterIsRefused();
    void deleteOneUsersEvents();
    void hostCheck_data();
    void hostCheck();
    void foreignOriginRefused_data();
    void foreignOriginRefused();
    void deleteAll();
    void readErrorIsNotAShortPage();

private:
    HttpResult get(const QString& pathAndQuery);
    void push(const QList<QByteArray>& events, int expectedStatus);

    QTemporaryDir m_dir;
    std::unique_ptr<EventLog> m_log;
    std::unique_ptr<EmbeddedEndpoint> m_endpoint;
    QNetworkAccessManager m_manager;
};

void EndpointAutomationTest::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString started = startEndpoint(m_dir, m_log, m_endpoint);
    QVERIFY2(started.isEmpty(), qPrintable(started));

    // user-a: two accepted views and an accepted click; user-b: a rejected batch of two (one bad event).
    push({makeEvent(QStringLiteral("view"), QStringLiteral("Product Viewed"), QStringLiteral("user-a")),
          makeEvent(QStringLiteral("view"), QStringLiteral("Product Viewed"), QStringLiteral("user-a"))},
         200);
    push({makeEvent(QStringLiteral("click"), QStringLiteral("Product Clicked"), QStringLiteral("user-a"))},
         200);
    push({makeEvent(QStringLiteral("view"), QStringLiteral("Product Viewed"), QStringLiteral("user-b")),
          makeEvent(QStringLiteral("view"), QStringLiteral("Product Viewed"), QStringLiteral("user-b"),
                    false)},
         422);
}

void EndpointAutomationTest::cleanupTestCase()
{
    m_endpoint.reset();
    m_log.reset();
}

HttpResult EndpointAutomationTest::get(const QString& pathAndQuery)
{
    return httpRequest(m_manager, "GET", QUrl(m_endpoint->baseUrl() + pathAndQuery));
}

void EndpointAutomationTest::push(const QList<QByteArray>& events, int expectedStatus)
{
    const QByteArray body = "{\"events\":[" + events.join(',') + "]}";
    const HttpResult result =
        httpRequest(m_manager, "POST", QUrl(m_endpoint->baseUrl() + QStringLiteral("/1/events")),
                    credentialHeaders(), body);
    QCOMPARE(result.status, expectedStatus);
}

void EndpointAutomationTest::filters_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<int>("expected");
    QTest::newRow("all") << QString() << 5;
    QTest::newRow("userToken=user-a") << QStringLiteral("userToken=user-a") << 3;
    QTest::newRow("status=accepted") << QStringLiteral("status=accepted") << 3;
    QTest::newRow("status=rejected") << QStringLiteral("status=rejected") << 2;
    QTest::newRow("eventType=click") << QStringLiteral("eventType=click") << 1;
    QTest::newRow("eventName=Product%20Viewed") << QStringLiteral("eventName=Product%20Viewed") << 4;
    QTest::newRow("index=products") << QStringLiteral("index=products") << 4;
    QTest::newRow("userToken=user-b&status=accepted")
        << QStringLiteral("userToken=user-b&status=accepted") << 0;
    QTest::newRow("userToken=nobody") << QStringLiteral("userToken=nobody") << 0;
}

void EndpointAutomationTest::filters()
{
    QFETCH(QString, query);
    QFETCH(int, expected);
    const HttpResult result = get(QStringLiteral("/debugger/events?") + query);
    QCOMPARE(result.status, 200);
    QVERIFY(result.header("Access-Control-Allow-Origin").isEmpty());
    QCOMPARE(json(result).value(QLatin1String("events")).toArray().size(), expected);
}

void EndpointAutomationTest::recordShape()
{
    const HttpResult result = get(QStringLiteral("/debugger/events?userToken=user-b"));
    QCOMPARE(result.status, 200);
    QVERIFY(!result.body.contains(kApiKey));
    const QJsonArray events = json(result).value(QLatin1String("events")).toArray();
    QCOMPARE(events.size(), 2);
    const QJsonObject valid = events.at(0).toObject();
    const QJsonObject invalid = events.at(1).toObject();
    // One bad event poisons the batch: both are rejected with the batch's answer, only one has the detail.
    for (const QJsonObject& record : {valid, invalid}) {
        QCOMPARE(record.value(QLatin1String("status")).toString(), QStringLiteral("rejected"));
        QCOMPARE(record.value(QLatin1String("httpStatus")).toInt(), 422);
        QCOMPARE(record.value(QLatin1String("message")).toString(),
                 QStringLiteral("The index field is required"));
        QCOMPARE(record.value(QLatin1String("request"))[QLatin1String("appId")].toString(),
                 QStringLiteral("AUTOAPP"));
        QCOMPARE(record.value(QLatin1String("event"))[QLatin1String("userToken")].toString(),
                 QStringLiteral("user-b"));
        QVERIFY(record.value(QLatin1String("id")).toInteger() > 0);
    }
    const auto errors = [](const QJsonObject& record) {
        QJsonArray found;
        for (const QJsonValue& issue : record.value(QLatin1String("issues")).toArray()) {
            if (issue[QLatin1String("severity")].toString() == u"error")
                found.append(issue);
        }
        return found;
    };
    QCOMPARE(errors(valid).size(), 0);
    const QJsonArray issues = errors(invalid);
    QCOMPARE(issues.size(), 1);
    QCOMPARE(issues.at(0)[QLatin1String("code")].toString(), QStringLiteral("index.required"));
    QCOMPARE(issues.at(0)[QLatin1String("path")].toString(), QStringLiteral("events[1].index"));
    QCOMPARE(issues.at(0)[QLatin1String("message")].toString(),
             QStringLiteral("The index field is required"));
    QCOMPARE(valid.value(QLatin1String("requestId")), invalid.value(QLatin1String("requestId")));
}

void EndpointAutomationTest::pagingBySince()
{
    QList<qint64> seen;
    qint64 since = 0;
    for (int page = 0; page < 10; ++page) {
        const HttpResult result = get(QStringLiteral("/debugger/events?limit=2&since=%1").arg(since));
        QCOMPARE(result.status, 200);
        const QJsonObject object = json(result);
        const QJsonArray events = object.value(QLatin1String("events")).toArray();
        for (const QJsonValue& value : events)
            seen.append(value[QLatin1String("id")].toInteger());
        since = object.value(QLatin1String("lastId")).toInteger();
        if (events.isEmpty())
            break;
    }
    QCOMPARE(seen.size(), 5);
    QVERIFY(std::is_sorted(seen.cbegin(), seen.cend()));
    QCOMPARE(std::adjacent_find(seen.cbegin(), seen.cend()), seen.cend());
}

void EndpointAutomationTest::stats()
{
    const HttpResult result = get(QStringLiteral("/debugger/stats"));
    QCOMPARE(result.status, 200);
    const QJsonObject object = json(result);
    QCOMPARE(object.value(QLatin1String("total")).toInt(), 5);
    QCOMPARE(object.value(QLatin1String("lastId")).toInteger(), m_log->lastId());
    QCOMPARE(object.value(QLatin1String("accepted")).toInt(), 3);
    QCOMPARE(object.value(QLatin1String("rejected")).toInt(), 2);
    QCOMPARE(object.value(QLatin1String("byEventType"))[QLatin1String("view")].toInt(), 4);
    QCOMPARE(object.value(QLatin1String("byEventType"))[QLatin1String("click")].toInt(), 1);
    QCOMPARE(object.value(QLatin1String("byUserToken"))[QLatin1String("user-a")].toInt(), 3);
    QCOMPARE(object.value(QLatin1String("byUserToken"))[QLatin1String("user-b")].toInt(), 2);
}

void EndpointAutomationTest::badFilterIsRefused()
{
    QCOMPARE(get(QStringLiteral("/debugger/events?status=maybe")).status, 400);
    QCOMPARE(httpRequest(m_manager, "PUT", QUrl(m_endpoint->baseUrl() + QStringLiteral("/debugger/events")))
                 .status,
             405);
}

void EndpointAutomationTest::deleteOneUsersEvents()
{
    const HttpResult removed =
        httpRequest(m_manager, "DELETE",
                    QUrl(m_endpoint->baseUrl() + QStringLiteral("/debugger/events?userToken=user-b")));
    QCOMPARE(removed.status, 200);
    QCOMPARE(json(removed).value(QLatin1String("deleted")).toInt(), 2);
    QCOMPARE(json(get(QStringLiteral("/debugger/events?userToken=user-b")))
                 .value(QLatin1String("events"))
                 .toArray()
                 .size(),
             0);
    QCOMPARE(json(get(QStringLiteral("/debugger/events?userToken=user-a")))
                 .value(QLatin1String("events"))
                 .toArray()
                 .size(),
             3);
}

void EndpointAutomationTest::hostCheck_data()
{
    QTest::addColumn<QString>("host"); // %1 = the endpoint's port
    QTest::addColumn<int>("status");
    QTest::newRow("127.0.0.1:port") << QStringLiteral("127.0.0.1:%1") << 200;
    QTest::newRow("localhost:port") << QStringLiteral("localhost:%1") << 200;
    QTest::newRow("LOCALHOST:port") << QStringLiteral("LOCALHOST:%1") << 200;
    QTest::newRow("[::1]:port") << QStringLiteral("[::1]:%1") << 200;
    QTest::newRow("127.0.0.2:port (loopback range)") << QStringLiteral("127.0.0.2:%1") << 200;
    QTest::newRow("rebinding name") << QStringLiteral("attacker.example.com:%1") << 403;
    QTest::newRow("localhost.attacker.example") << QStringLiteral("localhost.attacker.example:%1") << 403;
    QTest::newRow("LAN address") << QStringLiteral("192.168.1.20:%1") << 403;
    QTest::newRow("other port") << QStringLiteral("127.0.0.1:1") << 403;
    QTest::newRow("no port") << QStringLiteral("localhost") << 403;
}

void EndpointAutomationTest::hostCheck()
{
    QFETCH(QString, host);
    QFETCH(int, status);
    const QByteArray hostHeader =
        (host.contains(QLatin1String("%1")) ? host.arg(m_endpoint->port()) : host).toLatin1();
    for (const QByteArray& request :
         {QByteArray("GET /debugger/events HTTP/1.1\r\n"), QByteArray("GET /debugger/stats HTTP/1.1\r\n"),
          QByteArray("DELETE /debugger/events?userToken=nobody HTTP/1.1\r\n")}) {
        RawClient client;
        QVERIFY(client.connectTo(m_endpoint->port()));
        client.write(request + "Host: " + hostHeader + "\r\nConnection: close\r\n\r\n");
        QVERIFY(client.waitForClose());
        QCOMPARE(client.finalStatus(), status);
        QVERIFY(!client.received().contains("Access-Control-Allow-Origin"));
    }
    // The Insights routes themselves take any Host: phones on the LAN and proxies reach them by other names.
    RawClient insights;
    QVERIFY(insights.connectTo(m_endpoint->port()));
    insights.write("GET /1/events HTTP/1.1\r\nHost: " + hostHeader +
                   "\r\nx-algolia-application-id: A\r\nx-algolia-api-key: K\r\nConnection: close\r\n\r\n");
    QVERIFY(insights.waitForClose());
    QCOMPARE(insights.finalStatus(), 200);
}

void EndpointAutomationTest::foreignOriginRefused_data()
{
    QTest::addColumn<QByteArray>("origin");
    QTest::addColumn<int>("status");
    QTest::newRow("page on localhost") << QByteArray("http://localhost:3000") << 200;
    QTest::newRow("page on 127.0.0.1") << QByteArray("http://127.0.0.1:8080") << 200;
    QTest::newRow("foreign site") << QByteArray("https://attacker.example") << 403;
    QTest::newRow("null origin") << QByteArray("null") << 403;
}

void EndpointAutomationTest::foreignOriginRefused()
{
    // 11 §6: a loopback Host is not enough; a browser page of another site (whose simple DELETE needs no
    // preflight) is refused by its Origin, and nothing is deleted.
    QFETCH(QByteArray, origin);
    QFETCH(int, status);
    LogQuery events;
    events.kind = RecordKind::Event;
    const qint64 before = m_log->count(events);
    RawClient client;
    QVERIFY(client.connectTo(m_endpoint->port()));
    // Allowed rows delete nobody's events, so that the later tests keep theirs.
    const QByteArray token = status == 403 ? "user-a" : "nobody";
    client.write("DELETE /debugger/events?userToken=" + token +
                 " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(m_endpoint->port()) +
                 "\r\nOrigin: " + origin + "\r\nConnection: close\r\n\r\n");
    QVERIFY(client.waitForClose());
    QCOMPARE(client.finalStatus(), status);
    if (status == 403) {
        QVERIFY(client.received().contains("loopback origins"));
        QCOMPARE(m_log->count(events), before); // no event deleted; the refusal itself is logged
        LogQuery refusals;
        refusals.kind = RecordKind::Request;
        QTRY_VERIFY_WITH_TIMEOUT(m_log->count(refusals) > 0, 10000);
    }
}

void EndpointAutomationTest::deleteAll()
{
    // Everything goes: the 3 events left, and the refused requests the tests above logged.
    LogQuery events;
    events.kind = RecordKind::Event;
    QCOMPARE(m_log->count(events), qint64(3));
    const qint64 all = m_log->count(LogQuery{});
    const HttpResult removed =
        httpRequest(m_manager, "DELETE", QUrl(m_endpoint->baseUrl() + QStringLiteral("/debugger/events")));
    QCOMPARE(removed.status, 200);
    QCOMPARE(json(removed).value(QLatin1String("deleted")).toInt(), all);
    QCOMPARE(json(get(QStringLiteral("/debugger/stats"))).value(QLatin1String("total")).toInt(), 0);
}

void EndpointAutomationTest::readErrorIsNotAShortPage()
{
    // A log whose pages are damaged (9 §5): a listing that cannot be read whole answers 500 with SQLite's
    // reason when the first read fails, and is cut off (an error for the client) when a later one does —
    // never a complete answer with records missing, which a test suite would read as "not received".
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("events.sqlite"));
    constexpr int kRecords = 3000;
    {
        EventLogOptions options;
        options.path = path;
        auto log = EventLog::open(options).log;
        QVERIFY(log);
        QList<LogRecord> records;
        for (int i = 0; i < kRecords; ++i) {
            LogRecord record;
            record.httpStatus = 200;
            record.accepted = true;
            record.eventType = QStringLiteral("view");
            record.userToken = QStringLiteral("user-%1").arg(i);
            record.rawJson = "{\"eventType\":\"view\",\"pad\":\"" + QByteArray(400, 'p') + "\"}";
            records.append(record);
        }
        log->append(records);
        log->flush();
    } // closed: everything is checkpointed into the file
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadWrite));
        const qint64 size = file.size();
        QVERIFY(size > 1'000'000);
        QVERIFY(file.seek(size / 3));
        QVERIFY(file.write(QByteArray(int(size / 3), '\xa5')) == size / 3);
    }
    EventLogOptions options;
    options.path = path;
    auto log = EventLog::open(options).log;
    QVERIFY(log);
    EmbeddedEndpoint endpoint(log.get());
    EndpointOptions endpointOptions;
    endpointOptions.port = 0;
    QVERIFY(!endpoint.start(endpointOptions));
    int failedAtOnce = 0;
    for (int since = 0; since < kRecords; since += 250) {
        RawClient client;
        QVERIFY(client.connectTo(endpoint.port()));
        client.write("GET /debugger/events?limit=10000&since=" + QByteArray::number(since) +
                     " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(endpoint.port()) +
                     "\r\nConnection: close\r\n\r\n");
        QVERIFY(client.waitForClose(20000));
        const QByteArray& received = client.received();
        const QByteArray body = received.mid(received.indexOf("\r\n\r\n") + 4);
        if (client.finalStatus() == 500) {
            const QString message =
                QJsonDocument::fromJson(body).object().value(QLatin1String("message")).toString();
            QVERIFY2(message.startsWith(QLatin1String("The event log could not be read: ")) &&
                         message.contains(QLatin1String("malformed")),
                     qPrintable(message));
            ++failedAtOnce;
            continue;
        }
        QCOMPARE(client.finalStatus(), 200);
        QVERIFY(received.contains("Transfer-Encoding: chunked"));
        if (!received.endsWith("\r\n0\r\n\r\n"))
            continue; // cut off without its last chunk: every HTTP client reports the answer incomplete
        // Complete: then it holds every record.
        QByteArray json;
        for (qsizetype at = 0; at < body.size();) {
            const qsizetype lineEnd = body.indexOf("\r\n", at);
            const qsizetype size = body.mid(at, lineEnd - at).toLongLong(nullptr, 16);
            json += body.mid(lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
            if (size == 0)
                break;
        }
        QJsonParseError error{};
        const QJsonDocument document = QJsonDocument::fromJson(json, &error);
        QCOMPARE(error.error, QJsonParseError::NoError);
        QCOMPARE(document.object().value(QLatin1String("events")).toArray().size(), kRecords - since);
    }
    QVERIFY(failedAtOnce > 0);
}

QTEST_GUILESS_MAIN(EndpointAutomationTest)
#include "tst_endpointautomation.moc"
