// Issue 11 §3, over real loopback sockets: whatever a client sends, the endpoint writes exactly one
// well-framed HTTP response per request (status line, headers, a body framed by Content-Length or chunked,
// nothing after it), with the status expected and, for an error, a JSON body in Algolia's shape
// {"status":N,"message":"..."}. The cases are the HTTP fuzzer's seeds named framing-<status>[-<status>...]-*
// (tests/fuzz/corpus/fuzz_endpoint_http, "@PORT@" replaced by the endpoint's port), plus a few too large
// to keep as seeds. When the endpoint keeps the connection open after its answer, a second request must get
// its own answer on it: a stray second copy of the first answer would be read in its place.

#include "httptestclient.h"

#include "endpoint/embeddedendpoint.h"
#include "log/eventlog.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace {

struct Response
{
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;

    QByteArray header(QByteArrayView name) const
    {
        for (const auto& [key, value] : headers) {
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }
};

struct Parsed
{
    QList<Response> responses;
    QString error;           // why the bytes are not a sequence of well-framed responses
    bool incomplete = false; // the bytes end inside a response
};

// Reads `wire` as a sequence of HTTP/1.1 responses; `headFirst`: the first answers a HEAD (no body).
Parsed parseResponses(const QByteArray& wire, bool headFirst)
{
    Parsed parsed;
    qsizetype at = 0;
    static const QRegularExpression statusLine(QStringLiteral("^HTTP/1\\.[01] (\\d{3}) [^\\r\\n]*$"));
    while (at < wire.size()) {
        const qsizetype end = wire.indexOf("\r\n\r\n", at);
        if (end < 0) {
            parsed.incomplete = true;
            parsed.error = QStringLiteral("bytes after response %1 are not a whole head: %2")
                               .arg(parsed.responses.size())
                               .arg(QString::fromLatin1(wire.mid(at, 120).toPercentEncoding(" :/")));
            return parsed;
        }
        const QList<QByteArray> lines = wire.mid(at, end - at).split('\n');
        const auto match = statusLine.match(QString::fromLatin1(lines.first().trimmed()));
        if (!match.hasMatch()) {
            parsed.error =
                QStringLiteral("not a status line: %1").arg(QString::fromLatin1(lines.first().left(120)));
            return parsed;
        }
        Response response;
        response.status = match.captured(1).toInt();
        int contentLengths = 0;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines[i].trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0) {
                parsed.error =
                    QStringLiteral("not a header line: %1").arg(QString::fromLatin1(line.left(120)));
                return parsed;
            }
            response.headers.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
            if (line.left(colon).trimmed().compare("content-length", Qt::CaseInsensitive) == 0)
                ++contentLengths;
        }
        if (contentLengths > 1) {
            parsed.error = QStringLiteral("%1 Content-Length headers").arg(contentLengths);
            return parsed;
        }
        at = end + 4;
        if (response.status < 200) // an interim answer (100 Continue): the real one follows
            continue;
        const bool noBody =
            (headFirst && parsed.responses.isEmpty()) || response.status == 204 || response.status == 304;
        const bool chunked = response.header("transfer-encoding").toLower() == "chunked";
        if (noBody) {
        } else if (chunked) {
            while (true) {
                const qsizetype lineEnd = wire.indexOf("\r\n", at);
                if (lineEnd < 0) {
                    parsed.incomplete = true;
                    parsed.error = QStringLiteral("a chunked body cut off");
                    return parsed;
                }
                bool ok = false;
                const qint64 size =
                    wire.mid(at, lineEnd - at).split(';').first().trimmed().toLongLong(&ok, 16);
                if (!ok || size < 0 || lineEnd + 2 + size + 2 > wire.size()) {
                    parsed.incomplete = ok;
                    parsed.error = QStringLiteral("a bad or cut off chunk");
                    return parsed;
                }
                if (size == 0) {
                    const qsizetype trailerEnd = wire.indexOf("\r\n", lineEnd + 2);
                    if (trailerEnd != lineEnd + 2) {
                        parsed.incomplete = true;
                        parsed.error = QStringLiteral("no end after the last chunk");
                        return parsed;
                    }
                    at = trailerEnd + 2;
                    break;
                }
                response.body += wire.mid(lineEnd + 2, size);
                if (wire.mid(lineEnd + 2 + size, 2) != "\r\n") {
                    parsed.error = QStringLiteral("a chunk not followed by CRLF");
                    return parsed;
                }
                at = lineEnd + 2 + size + 2;
            }
        } else if (const QByteArray length = response.header("content-length"); !length.isEmpty()) {
            bool ok = false;
            const qint64 size = length.toLongLong(&ok);
            if (!ok || size < 0) {
                parsed.error = QStringLiteral("a bad Content-Length: %1").arg(QString::fromLatin1(length));
                return parsed;
            }
            if (at + size > wire.size()) {
                parsed.incomplete = true;
                parsed.error = QStringLiteral("a body shorter than its Content-Length");
                return parsed;
            }
            response.body = wire.mid(at, size);
            at += size;
        } else {
            parsed.error = QStringLiteral("a %1 answer with neither Content-Length nor chunked framing")
                               .arg(response.status);
            return parsed;
        }
        parsed.responses.append(response);
    }
    return parsed;
}

QList<int> statusesOf(const Parsed& parsed)
{
    QList<int> statuses;
    for (const Response& response : parsed.responses)
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
    EventLogOptions options;
    options.path = m_dir.filePath(QStringLiteral("events.sqlite"));
    EventLog::OpenResult opened = EventLog::open(options);
    QVERIFY2(opened.log, qPrintable(opened.error));
    m_log = std::move(opened.log);
    m_endpoint = std::make_unique<EmbeddedEndpoint>(m_log.get());
    EndpointOptions endpointOptions;
    endpointOptions.port = 0;
    QVERIFY(!m_endpoint->start(endpointOptions));
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
        const Parsed parsed = parseResponses(client.received(), head);
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
    const Parsed parsed = parseResponses(client.received(), head);
    QVERIFY2(parsed.error.isEmpty(),
             qPrintable(parsed.error + QStringLiteral(" in: ") +
                        QString::fromLatin1(client.received().left(600).toPercentEncoding(" :/{}\",\r\n"))));
    QCOMPARE(statusesOf(parsed), expected);
    for (const Response& response : parsed.responses) {
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
