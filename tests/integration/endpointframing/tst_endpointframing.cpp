// Issue 11 §3, over real loopback sockets: whatever a client sends, the endpoint writes exactly one
// well-framed HTTP response per request (status line, headers, a body framed by Content-Length or chunked,
// nothing after it), with the status expected and, for an error, a JSON body in Algolia's shape
// {"status":N,"message":"..."}. The cases are the HTTP fuzzer's seeds named framing-<status>[-<status>...]-*
// (tests/fuzz/corpus/fuzz_endpoint_http, "@PORT@" replaced by the endpoint's port), plus a few too large
// to keep as seeds. When the endpoint keeps the connection open after its answer, a second request must get
// its own answer on it: a stray second copy of the first answer would be read in its place.

#include "httpframing.h"
#include "httptestclient.h"

#include "endpoint/embeddedendpoint.h"
#include "endpointfixture.h"
#include "log/eventlog.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace {

QList<int> statusesOf(const FramedResponses& parsed)
{
    QList<int> statuses;
    for (const FramedResponse& response : parsed.responses)
        statuses.append(response.status);
    return statuses;
}

} // namespace

class EndpointFramingTest final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void oneWellFramedAnswer_data();
    void oneWellFramedAnswer();

private:
    QTemporaryDir m_dir;
    std::unique_ptr<EventLog> m_log;
    std::unique_ptr<EmbeddedEndpoint> m_endpoint;
};

void EndpointFramingTest::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString started = startEndpoint(m_dir, m_log, m_endpoint);
    QVERIFY2(started.isEmpty(), qPrintable(started));
}

void EndpointFramingTest::cleanupTestCase()
{
    m_endpoint.reset();
    m_log.reset();
}

void EndpointFramingTest::oneWellFramedAnswer_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QList<int>>("statuses"); // one per request sent, in order
    const QDir cases(QStringLiteral(FRAMING_CASES_DIR));
    const QStringList names = cases.entryList({QStringLiteral("framing-*")}, QDir::Files, QDir::Name);
    QVERIFY(names.size() >= 20);
    for (const QString& name : names) {
        QList<int> statuses;
        for (const QString& part : name.split(QLatin1Char('-')).mid(1)) {
            bool ok = false;
            const int status = part.toInt(&ok);
            if (!ok)
                break;
            statuses.append(status);
        }
        QFile file(cases.filePath(name));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QTest::newRow(qPrintable(name)) << file.readAll() << statuses;
    }
    const QByteArray host = "Host: 127.0.0.1:@PORT@\r\n";
    // Cookies past the endpoint's 64 KB: its own 431, readable, logged.
    QTest::newRow("headers of 70 KB") << QByteArray("GET /1/events HTTP/1.1\r\n" + host +
                                                    "Cookie: " + QByteArray(70 * 1024, 'c') + "\r\n\r\n")
                                      << QList<int>{431};
    QTest::newRow("request line of 100 KB")
        << QByteArray("GET /1/events?q=" + QByteArray(100 * 1024, 'q') + " HTTP/1.1\r\n" + host + "\r\n")
        << QList<int>{431};
    // Past the parser's own limit: the server's 431, as well framed.
    QTest::newRow("request line of 300 KB")
        << QByteArray("GET /" + QByteArray(300 * 1024, 'a') + " HTTP/1.1\r\n" + host + "\r\n")
        << QList<int>{431};
    QTest::newRow("headers of 1 MB") << QByteArray("GET /1/events HTTP/1.1\r\n" + host +
                                                   "X-Padding: " + QByteArray(1024 * 1024, 'p') + "\r\n\r\n")
                                     << QList<int>{431};
}

void EndpointFramingTest::oneWellFramedAnswer()
{
    QFETCH(QByteArray, request);
    QFETCH(QList<int>, statuses);
    const QByteArray port = QByteArray::number(m_endpoint->port());
    request.replace("@PORT@", port);
    const bool head = request.startsWith("HEAD ");
    RawClient client;
    QVERIFY(client.connectTo(m_endpoint->port()));
    client.write(request);
    // Until the endpoint closes, or every expected answer is whole (and a moment more, for a stray copy).
    QDeadlineTimer deadline(20'000);
    while (!client.isClosed() && !deadline.hasExpired()) {
        const FramedResponses parsed = parseFramedResponses(client.received(), head);
        if (parsed.error.isEmpty() && parsed.responses.size() >= statuses.size()) {
            client.waitForClose(300);
            break;
        }
        client.waitForClose(100);
    }
    QVERIFY2(!deadline.hasExpired(), client.received().left(300).constData());
    QList<int> expected = statuses;
    if (!client.isClosed()) {
        // Kept open: the connection must be usable for the next request, and answer it with its own answer.
        client.write("GET /debugger/stats HTTP/1.1\r\nHost: 127.0.0.1:" + port +
                     "\r\nConnection: close\r\n\r\n");
        QVERIFY2(client.waitForClose(10'000), client.received().left(300).constData());
        expected.append(200);
    }
    const FramedResponses parsed = parseFramedResponses(client.received(), head);
    QVERIFY2(parsed.error.isEmpty(),
             qPrintable(parsed.error + QStringLiteral(" in: ") +
                        QString::fromLatin1(client.received().left(600).toPercentEncoding(" :/{}\",\r\n"))));
    QCOMPARE(statusesOf(parsed), expected);
    for (const FramedResponse& response : parsed.responses) {
        if (response.status < 400)
            continue;
        QVERIFY2(response.header("content-type").startsWith("application/json"),
                 response.header("content-type"));
        QJsonParseError error;
        const QJsonDocument json = QJsonDocument::fromJson(response.body, &error);
        QVERIFY2(json.isObject(), response.body.constData());
        QCOMPARE(json.object().value(QStringLiteral("status")).toInt(), response.status);
        QVERIFY2(!json.object().value(QStringLiteral("message")).toString().isEmpty(),
                 response.body.constData());
        QCOMPARE(json.object().size(), 2);
    }
}

QTEST_GUILESS_MAIN(EndpointFramingTest)
#include "tst_endpointframing.moc"
