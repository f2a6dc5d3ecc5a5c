// The same request, received live by the embedded endpoint over a real socket and imported from a HAR file,
// gives the same records: device, verdict, issues and every denormalized field (issue 9 §3).

#include "httptestclient.h"

#include "endpoint/embeddedendpoint.h"
#include "log/eventlog.h"
#include "log/recordbuilder.h"
#include "views/eventexchange.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace {

QByteArray readData(const QString& name)
{
    QFile file(QStringLiteral(INSIGHTS_TEST_DATA_DIR "/records/") + name);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read test data %s", qPrintable(file.fileName()));
    return file.readAll();
}

QByteArray harOf(const RawHeaders& headers, const QByteArray& body)
{
    QJsonArray harHeaders;
    for (const auto& [name, value] : headers)
        harHeaders.append(QJsonObject{{QStringLiteral("name"), QString::fromUtf8(name)},
                                      {QStringLiteral("value"), QString::fromUtf8(value)}});
    const QJsonObject request{
        {QStringLiteral("method"), QStringLiteral("POST")},
        {QStringLiteral("url"), QStringLiteral("https://insights.algolia.io/1/events")},
        {QStringLiteral("headers"), harHeaders},
        {QStringLiteral("postData"), QJsonObject{{QStringLiteral("text"), QString::fromUtf8(body)}}},
    };
    const QJsonObject entry{{QStringLiteral("startedDateTime"), QStringLiteral("2026-01-05T10:00:00.000Z")},
                            {QStringLiteral("request"), request}};
    return QJsonDocument(QJsonObject{{QStringLiteral("log"),
                                      QJsonObject{{QStringLiteral("entries"), QJsonArray{entry}}}}})
        .toJson();
}

} // namespace

class TestLiveAndImported final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void sameRecords_data();
    void sameRecords();

private:
    QTemporaryDir m_dir;
    std::unique_ptr<EventLog> m_log;
    std::unique_ptr<EmbeddedEndpoint> m_endpoint;
    QNetworkAccessManager m_manager;
};

void TestLiveAndImported::initTestCase()
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
    const auto error = m_endpoint->start(endpointOptions);
    QVERIFY2(!error, qPrintable(error.value_or(QString())));
}

void TestLiveAndImported::sameRecords_data()
{
    QTest::addColumn<QByteArray>("userAgent");
    QTest::addColumn<QString>("bodyFile");
    QTest::addColumn<int>("records");
    const QList<QByteArray> lines = readData(QStringLiteral("user-agents.tsv")).split('\n');
    for (const QByteArray& line : lines) {
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const QList<QByteArray> fields = line.split('\t');
        QVERIFY(fields.size() == 3);
        QTest::addRow("%s", fields.at(0).constData())
            << fields.at(2) << QStringLiteral("batch-one-invalid.json") << 2;
    }
    QTest::addRow("undecodable body")
        << QByteArray("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) Mobile/15E148")
        << QStringLiteral("not-json.txt") << 1;
}

void TestLiveAndImported::sameRecords()
{
    QFETCH(QByteArray, userAgent);
    QFETCH(QString, bodyFile);
    QFETCH(int, records);
    const QByteArray body = readData(bodyFile);
    const RawHeaders headers{{"User-Agent", userAgent},
                             {"Origin", "https://shop.example.com"},
                             {"Referer", "https://shop.example.com/p/1"},
                             {"x-algolia-agent", "Algolia for JavaScript (5.20.0)"},
                             {"x-algolia-application-id", "LIVEAPP"},
                             {"x-algolia-api-key", "live-key-never-stored"}};

    const qint64 before = m_log->lastId();
    const HttpResult answer = httpRequest(
        m_manager, "POST", QUrl(m_endpoint->baseUrl() + QStringLiteral("/1/events")), headers, body);
    QCOMPARE(answer.status, 422);
    LogQuery query;
    query.sinceId = before;
    const QList<LogRecord> live = m_log->query(query);
    QCOMPARE(live.size(), records);

    ValidationContext context;
    context.nowMs = QDateTime::currentMSecsSinceEpoch();
    const EventExchange::ImportResult imported =
        EventExchange::importData(harOf(headers, body), context, context.nowMs);
    QVERIFY2(imported.error.isEmpty(), qPrintable(imported.error));
    QCOMPARE(imported.records.size(), records);

    for (int i = 0; i < records; ++i) {
        const LogRecord& a = live.at(i);
        const LogRecord& b = imported.records.at(i);
        QCOMPARE(a.source, EventSource::Endpoint);
        QCOMPARE(b.source, EventSource::Imported);
        QCOMPARE(b.device, a.device);
        QCOMPARE(b.device, deviceFromUserAgent(QString::fromUtf8(userAgent)));
        QCOMPARE(verdictOf(b), verdictOf(a));
        QCOMPARE(b.httpStatus, a.httpStatus);
        QCOMPARE(b.accepted, a.accepted);
        QCOMPARE(b.message, a.message);
        QCOMPARE(b.indexInRequest, a.indexInRequest);
        QCOMPARE(b.issues, a.issues);
        QCOMPARE(b.rawJson, a.rawJson);
        QCOMPARE(b.eventType, a.eventType);
        QCOMPARE(b.eventSubtype, a.eventSubtype);
        QCOMPARE(b.eventName, a.eventName);
        QCOMPARE(b.index, a.index);
        QCOMPARE(b.userToken, a.userToken);
        QCOMPARE(b.authenticatedUserToken, a.authenticatedUserToken);
        QCOMPARE(b.timestampMs, a.timestampMs);
        QCOMPARE(b.userAgent, a.userAgent);
        QCOMPARE(b.agent, a.agent);
        QCOMPARE(b.origin, a.origin);
        QCOMPARE(b.referer, a.referer);
        QCOMPARE(b.appId, a.appId);
    }
}

QTEST_GUILESS_MAIN(TestLiveAndImported)
#include "tst_liveandimported.moc"
