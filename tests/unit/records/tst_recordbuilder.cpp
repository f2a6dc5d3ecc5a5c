// The one builder of log records, the one device rule and the one verdict: table tests with real
// User-Agents, every verdict and its wording, and the HAR import giving the device the live endpoint gives.

#include "event/eventcodec.h"
#include "event/validator.h"
#include "event/vocabulary.h"
#include "log/recordbuilder.h"
#include "search/searchrecord.h"
#include "views/eventexchange.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

namespace {

QByteArray readData(const QString& name)
{
    QFile file(QStringLiteral(INSIGHTS_TEST_DATA_DIR "/records/") + name);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read test data %s", qPrintable(file.fileName()));
    return file.readAll();
}

// name, device ("none" for not a browser), User-Agent
void addUserAgentRows()
{
    QTest::addColumn<QString>("userAgent");
    QTest::addColumn<QString>("device");
    const QList<QByteArray> lines = readData(QStringLiteral("user-agents.tsv")).split('\n');
    for (const QByteArray& line : lines) {
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const QList<QByteArray> fields = line.split('\t');
        QVERIFY2(fields.size() == 3, line.constData());
        const QString device = fields.at(1) == "none" ? QString() : QString::fromUtf8(fields.at(1));
        QTest::addRow("%s", fields.at(0).constData()) << QString::fromUtf8(fields.at(2)) << device;
    }
}

ValidationContext nowContext()
{
    ValidationContext context;
    context.nowMs = QDateTime::currentMSecsSinceEpoch();
    return context;
}

// One HAR file with one POST /1/events entry sent by `userAgent`.
QByteArray harWith(const QString& userAgent, const QByteArray& body)
{
    const QJsonObject request{
        {QStringLiteral("method"), QStringLiteral("POST")},
        {QStringLiteral("url"), QStringLiteral("https://insights.algolia.io/1/events")},
        {QStringLiteral("headers"),
         QJsonArray{QJsonObject{{QStringLiteral("name"), QStringLiteral("User-Agent")},
                                {QStringLiteral("value"), userAgent}}}},
        {QStringLiteral("postData"), QJsonObject{{QStringLiteral("text"), QString::fromUtf8(body)}}},
    };
    const QJsonObject entry{{QStringLiteral("startedDateTime"), QStringLiteral("2026-01-05T10:00:00.000Z")},
                            {QStringLiteral("request"), request}};
    const QJsonObject log{{QStringLiteral("entries"), QJsonArray{entry}}};
    return QJsonDocument(QJsonObject{{QStringLiteral("log"), log}}).toJson();
}

Issue issueOf(Severity severity)
{
    Issue issue;
    issue.severity = severity;
    issue.eventIndex = 0;
    issue.code = QStringLiteral("test");
    issue.message = QStringLiteral("test");
    return issue;
}

} // namespace

class TestRecordBuilder final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void deviceFromUserAgent_data() { addUserAgentRows(); }
    void deviceFromUserAgent();
    void importedDeviceIsTheLiveOne_data() { addUserAgentRows(); }
    void importedDeviceIsTheLiveOne();
    void verdicts_data();
    void verdicts();
    void verdictWordsAreOneTable();
    void eventRecordsCarryEventAndRequestFacts();
    void undecodableRequestKeepsABoundedBody();
    void refusedRequestRecord();
    void rawRequestMasksSecrets();
    void searchRecordMeansTheSame();
};

void TestRecordBuilder::deviceFromUserAgent()
{
    QFETCH(QString, userAgent);
    QFETCH(QString, device);
    QCOMPARE(::deviceFromUserAgent(userAgent), device);
}

void TestRecordBuilder::importedDeviceIsTheLiveOne()
{
    QFETCH(QString, userAgent);
    QFETCH(QString, device);
    const EventExchange::ImportResult imported =
        EventExchange::importData(harWith(userAgent, readData(QStringLiteral("batch-one-invalid.json"))),
                                  nowContext(), QDateTime::currentMSecsSinceEpoch());
    QVERIFY2(imported.error.isEmpty(), qPrintable(imported.error));
    QCOMPARE(imported.records.size(), 2);
    for (const LogRecord& record : imported.records) {
        QCOMPARE(record.userAgent, userAgent);
        QCOMPARE(record.device, device);
        QCOMPARE(record.source, EventSource::Imported);
    }
}

void TestRecordBuilder::verdicts_data()
{
    QTest::addColumn<int>("httpStatus");
    QTest::addColumn<bool>("accepted");
    QTest::addColumn<IssueList>("issues");
    QTest::addColumn<Verdict>("verdict");
    const IssueList none;
    const IssueList error{issueOf(Severity::Error)};
    const IssueList warning{issueOf(Severity::Warning)};
    const IssueList info{issueOf(Severity::Info)};
    QTest::addRow("200") << 200 << true << none << Verdict::Accepted;
    QTest::addRow("200 with an info") << 200 << true << info << Verdict::Accepted;
    QTest::addRow("200 with a warning") << 200 << true << warning << Verdict::AcceptedWithWarnings;
    QTest::addRow("422 culprit") << 422 << false << error << Verdict::Rejected;
    QTest::addRow("422 culprit with a warning too")
        << 422 << false << IssueList{issueOf(Severity::Warning), issueOf(Severity::Error)}
        << Verdict::Rejected;
    QTest::addRow("422 batch-mate") << 422 << false << none << Verdict::RejectedWithBatch;
    QTest::addRow("422 batch-mate with a warning") << 422 << false << warning << Verdict::RejectedWithBatch;
    QTest::addRow("transport error") << 0 << false << none << Verdict::NotDelivered;
    QTest::addRow("429 retries exhausted") << 429 << false << none << Verdict::NotDelivered;
    QTest::addRow("503 retries exhausted") << 503 << false << none << Verdict::NotDelivered;
    QTest::addRow("401") << 401 << false << none << Verdict::RequestRejected;
    QTest::addRow("404") << 404 << false << none << Verdict::RequestRejected;
    QTest::addRow("413") << 413 << false << none << Verdict::RequestRejected;
    QTest::addRow("400 with the request's error") << 400 << false << error << Verdict::Rejected;
}

void TestRecordBuilder::verdicts()
{
    QFETCH(int, httpStatus);
    QFETCH(bool, accepted);
    QFETCH(IssueList, issues);
    QFETCH(Verdict, verdict);
    QCOMPARE(verdictFor(httpStatus, accepted, issues), verdict);
    LogRecord record;
    record.httpStatus = httpStatus;
    record.accepted = accepted;
    record.issues = issues;
    QCOMPARE(verdictOf(record), verdict);
}

void TestRecordBuilder::verdictWordsAreOneTable()
{
    const QStringList names{QStringLiteral("Accepted"),      QStringLiteral("Accepted with warnings"),
                            QStringLiteral("Rejected"),      QStringLiteral("Rejected with its batch"),
                            QStringLiteral("Not delivered"), QStringLiteral("Request rejected")};
    const QList<Verdict> verdicts = allVerdicts();
    QCOMPARE(verdicts.size(), names.size());
    for (qsizetype i = 0; i < verdicts.size(); ++i) {
        QCOMPARE(verdictName(verdicts.at(i)), names.at(i));
        QCOMPARE(verdictPhrase(verdicts.at(i)), names.at(i).toLower());
        QCOMPARE(verdictFromKey(verdictKey(verdicts.at(i))), verdicts.at(i));
    }
    QCOMPARE(verdictKey(Verdict::RejectedWithBatch), QStringLiteral("rejectedWithBatch"));
    QVERIFY(!verdictFromKey(u"rejected with its batch"));
    QVERIFY(isAcceptedVerdict(Verdict::AcceptedWithWarnings));
    QVERIFY(!isAcceptedVerdict(Verdict::NotDelivered));
}

void TestRecordBuilder::eventRecordsCarryEventAndRequestFacts()
{
    const QByteArray body = readData(QStringLiteral("batch-one-invalid.json"));
    DecodedBatch decoded;
    const BatchVerdict verdict = Validator::validateBody(body, nowContext(), &decoded);
    QCOMPARE(verdict.httpStatus, 422);
    RequestFacts facts;
    facts.requestId = QStringLiteral("request-1");
    facts.receivedAtMs = 1'700'000'000'000;
    facts.source = EventSource::Endpoint;
    facts.httpStatus = verdict.httpStatus;
    facts.accepted = verdict.accepted();
    facts.message = verdict.message;
    facts.userAgent =
        QStringLiteral("Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/120 Mobile Safari/537.36");
    facts.agent = QStringLiteral("Algolia for JavaScript (5.20.0)");
    facts.origin = QStringLiteral("https://shop.example.com");
    facts.referer = QStringLiteral("https://shop.example.com/p/1");
    facts.remoteAddress = QStringLiteral("127.0.0.1");
    facts.appId = QStringLiteral("APP");
    const QList<LogRecord> records = RecordBuilder::requestRecords(facts, decoded, verdict, body);
    QCOMPARE(records.size(), 2);
    for (int i = 0; i < 2; ++i) {
        const LogRecord& record = records.at(i);
        QCOMPARE(record.indexInRequest, i);
        QCOMPARE(record.requestId, facts.requestId);
        QCOMPARE(record.receivedAtMs, facts.receivedAtMs);
        QCOMPARE(record.httpStatus, 422);
        QCOMPARE(record.message, verdict.message);
        QCOMPARE(record.device, QStringLiteral("mobile"));
        QCOMPARE(record.agent, facts.agent);
        QCOMPARE(record.origin, facts.origin);
        QCOMPARE(record.referer, facts.referer);
        QCOMPARE(record.remoteAddress, facts.remoteAddress);
        QCOMPARE(record.appId, facts.appId);
        QCOMPARE(record.rawJson, decoded.rawEvents.at(i));
        QCOMPARE(record.issues, verdict.events.at(i).issues);
    }
    QCOMPARE(records.at(0).eventType, QStringLiteral("view"));
    QCOMPARE(records.at(0).index, QStringLiteral("products"));
    QCOMPARE(verdictOf(records.at(0)), Verdict::RejectedWithBatch);
    QCOMPARE(records.at(1).eventType, QStringLiteral("click"));
    QCOMPARE(records.at(1).eventName, QStringLiteral("Product Clicked"));
    QCOMPARE(records.at(1).authenticatedUserToken, QStringLiteral("member-7"));
    QCOMPARE(verdictOf(records.at(1)), Verdict::Rejected);

    // The client's case: the same record from the event's JSON alone.
    const LogRecord fromJson =
        RecordBuilder::eventRecord(facts, decoded.rawEvents.at(1), 1, verdict.events.at(1).issues);
    QCOMPARE(fromJson.eventType, records.at(1).eventType);
    QCOMPARE(fromJson.userToken, records.at(1).userToken);
    QCOMPARE(fromJson.authenticatedUserToken, records.at(1).authenticatedUserToken);
    QCOMPARE(fromJson.rawJson, records.at(1).rawJson);
}

void TestRecordBuilder::undecodableRequestKeepsABoundedBody()
{
    const QByteArray body = QByteArray("not json ") + QByteArray(200 * 1024, 'x');
    DecodedBatch decoded;
    const BatchVerdict verdict = Validator::validateBody(body, nowContext(), &decoded);
    QCOMPARE(verdict.httpStatus, 422);
    RequestFacts facts;
    facts.httpStatus = verdict.httpStatus;
    const QList<LogRecord> records = RecordBuilder::requestRecords(facts, decoded, verdict, body);
    QCOMPARE(records.size(), 1);
    QCOMPARE(records.at(0).rawJson.size(), RecordBuilder::kRequestBodyKept);
    QVERIFY(records.at(0).rawJson.startsWith("not json"));
    QCOMPARE(records.at(0).issues, verdict.allIssues());
    // A request with no event to judge is a refused request (kind Request), not a rejected event.
    QCOMPARE(records.at(0).kind, RecordKind::Request);
    QCOMPARE(verdictOf(records.at(0)), Verdict::RequestRejected);
}

void TestRecordBuilder::refusedRequestRecord()
{
    RequestFacts facts;
    facts.requestId = QStringLiteral("refused-1");
    facts.httpStatus = 401;
    facts.message = QStringLiteral("Invalid credentials");
    facts.userAgent = QStringLiteral("Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36");
    facts.method = QStringLiteral("POST");
    facts.path = QStringLiteral("/1/events");
    facts.rawRequest = std::make_shared<const RawRequest>();
    const Issue why =
        RecordBuilder::requestIssue(QStringLiteral("request.missingCredentials"),
                                    QStringLiteral("x-algolia-api-key"), QStringLiteral("No key"));
    const LogRecord record = RecordBuilder::refusedRequestRecord(facts, "not json", why);
    QCOMPARE(record.kind, RecordKind::Request);
    QCOMPARE(record.httpStatus, 401);
    QVERIFY(!record.accepted);
    QCOMPARE(record.message, facts.message);
    QCOMPARE(record.issues, IssueList{why});
    QCOMPARE(record.issues.constFirst().eventIndex, -1);
    QCOMPARE(record.rawJson, QByteArray("not json"));
    QCOMPARE(record.method, facts.method);
    QCOMPARE(record.path, facts.path);
    QCOMPARE(record.device, QStringLiteral("desktop"));
    QCOMPARE(record.rawRequest, facts.rawRequest); // shared, not copied
    QVERIFY(record.eventType.isEmpty());
    QCOMPARE(verdictOf(record), Verdict::RequestRejected);
    // Whatever its status (501 for a framing the endpoint cannot read): a refusal, not a delivery to retry.
    LogRecord unframed = record;
    unframed.httpStatus = 501;
    QCOMPARE(verdictOf(unframed), Verdict::RequestRejected);
}

void TestRecordBuilder::rawRequestMasksSecrets()
{
    const QList<QPair<QByteArray, QByteArray>> headers{
        {"host", "127.0.0.1:8421"},
        {"x-algolia-api-key", "secret-key"},
        {"Authorization", "Bearer secret-token"},
        {"cookie", "session=secret-session; theme=dark"},
        {"user-agent", "curl/8.0"},
    };
    const QByteArray body(RecordBuilder::kRequestBodyKept + 10, 'b');
    const RawRequest raw = RecordBuilder::rawRequest(
        "POST", "/1/events?X-Algolia-API-Key=secret-key&x-algolia-agent=a%20b&x-algolia-api-key", headers,
        body);
    QCOMPARE(raw.method, QByteArray("POST"));
    QCOMPARE(raw.target,
             QByteArray("/1/events?X-Algolia-API-Key=***&x-algolia-agent=a%20b&x-algolia-api-key=***"));
    QCOMPARE(raw.headers,
             QByteArray("host: 127.0.0.1:8421\r\nx-algolia-api-key: ***\r\nAuthorization: ***\r\n"
                        "cookie: session=***; theme=***\r\nuser-agent: curl/8.0\r\n"));
    QVERIFY(!raw.headers.contains("secret"));
    QCOMPARE(raw.body.size(), RecordBuilder::kRequestBodyKept);
    QVERIFY(raw.bodyTruncated);
    const RawRequest small = RecordBuilder::rawRequest("GET", "/debugger/events", {}, "");
    QCOMPARE(small.target, QByteArray("/debugger/events"));
    QVERIFY(!small.bodyTruncated);
}

void TestRecordBuilder::searchRecordMeansTheSame()
{
    SearchRecord search;
    search.atMs = 1'700'000'000'123;
    search.index = QStringLiteral("movies");
    search.query = QStringLiteral("star");
    search.nbHits = 42;
    search.hits = {QStringLiteral("m1"), QStringLiteral("m2")};
    search.userToken = QStringLiteral("user-1");
    search.queryID = QStringLiteral("0123456789abcdef0123456789abcdef");
    RequestFacts facts;
    facts.requestId = QStringLiteral("search-request");
    facts.receivedAtMs = search.atMs;
    facts.httpStatus = 200;
    facts.accepted = true;
    facts.method = QStringLiteral("POST");
    facts.path = QStringLiteral("/1/indexes/*/queries");
    const LogRecord record = RecordBuilder::searchRecord(facts, search, 1);
    QCOMPARE(record.kind, RecordKind::Search);
    QCOMPARE(record.indexInRequest, 1);
    QCOMPARE(record.message, QStringLiteral("42 hits"));
    QCOMPARE(record.rawJson, search.toJsonBytes());
    QCOMPARE(record.index, search.index);
    QCOMPARE(record.userToken, search.userToken);
    QCOMPARE(record.queryId, search.queryID);
    QCOMPARE(record.timestampMs, search.atMs);
    QCOMPARE(record.method, facts.method);
    QCOMPARE(record.path, facts.path);
    QCOMPARE(verdictOf(record), Verdict::Accepted);
}

QTEST_GUILESS_MAIN(TestRecordBuilder)
#include "tst_recordbuilder.moc"
