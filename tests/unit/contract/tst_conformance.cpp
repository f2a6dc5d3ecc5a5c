// Every conformance case of insights-api.md §7 (tests/data/conformance) through the shared validator: the
// HTTP status and Algolia's message, and which events of a batch carry the detailed error.
#include "conformancecase.h"
#include "event/eventview.h"
#include "event/validator.h"
#include "log/recordbatch.h"
#include "log/recordbuilder.h"

#include <QDateTime>
#include <QFile>
#include <QSet>
#include <QTest>

#include <algorithm>

Q_DECLARE_METATYPE(ConformanceCase)

class TestConformance final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void validatorAnswersLikeAlgolia_data();
    void validatorAnswersLikeAlgolia();
    void viewsAndEventsGiveTheSameVerdict_data();
    void viewsAndEventsGiveTheSameVerdict();
    void ingestRecordsAreTheRequestsRecords_data();
    void ingestRecordsAreTheRequestsRecords();
    void everyCaseOfTheReferenceIsCovered();
};

void TestConformance::validatorAnswersLikeAlgolia_data()
{
    QTest::addColumn<ConformanceCase>("testCase");
    QTest::addColumn<qint64>("now");
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const ConformanceCase& c : loadConformanceCases(now)) {
        if (!c.httpOnly)
            QTest::addRow("%s", qPrintable(c.rowName())) << c << now;
    }
}

void TestConformance::validatorAnswersLikeAlgolia()
{
    QFETCH(ConformanceCase, testCase);
    QFETCH(qint64, now);
    ValidationContext context;
    context.profile = CompatibilityProfile::byName(testCase.profile);
    QVERIFY2(context.profile, qPrintable(testCase.profile));
    context.nowMs = now;

    const BatchVerdict verdict = Validator::validateBody(testCase.body, context);
    QCOMPARE(verdict.httpStatus, testCase.expectStatus);
    QCOMPARE(verdict.message, testCase.expectMessage);
    QCOMPARE(verdict.responseBody(),
             QByteArray("{\"status\":" + QByteArray::number(testCase.expectStatus) + ",\"message\":\"" +
                        testCase.expectMessage.toUtf8().replace("\"", "\\\"") + "\"}"));
    if (testCase.expectUnverified) {
        const IssueList issues = verdict.allIssues();
        const auto carrier = std::find_if(issues.cbegin(), issues.cend(), [&](const Issue& issue) {
            return issue.isError() && issue.message == testCase.expectMessage;
        });
        QVERIFY2(carrier != issues.cend(), "no error carries the expected message");
        QCOMPARE(carrier->unverifiedMessage, *testCase.expectUnverified);
    }
    for (const ConformanceCase::ExpectedEvent& expected : testCase.expectEvents) {
        QVERIFY(expected.index < verdict.events.size());
        const EventVerdict& event = verdict.events.at(expected.index);
        QCOMPARE(event.valid, expected.valid);
        if (!expected.code.isEmpty()) {
            const bool found = std::any_of(event.issues.cbegin(), event.issues.cend(),
                                           [&](const Issue& issue) { return issue.code == expected.code; });
            QVERIFY2(found, qPrintable(expected.code));
        }
        // A valid event of a rejected batch shows the batch's status but no error of its own (KBbatch).
        if (expected.valid) {
            for (const Issue& issue : event.issues)
                QVERIFY2(!issue.isError(), qPrintable(issue.message));
        }
    }
}

void TestConformance::viewsAndEventsGiveTheSameVerdict_data()
{
    validatorAnswersLikeAlgolia_data();
}

// The ingest path judges views of the request's bytes; the composer, `validate` and the importers judge
// Events. One rule code serves both: the verdicts must be identical, issue for issue.
void TestConformance::viewsAndEventsGiveTheSameVerdict()
{
    QFETCH(ConformanceCase, testCase);
    QFETCH(qint64, now);
    ValidationContext context;
    context.profile = CompatibilityProfile::byName(testCase.profile);
    context.nowMs = now;

    EventViewBatch views;
    const BatchVerdict fromViews = Validator::validateBodyViews(testCase.body, context, views);
    DecodedBatch decoded;
    const BatchVerdict fromBody = Validator::validateBody(testCase.body, context, &decoded);
    const BatchVerdict fromEvents = Validator::validate(decoded, context);
    // Over the size limit nothing is decoded: only the body's verdict says 413.
    QList<const BatchVerdict*> others{&fromBody};
    if (fromViews.httpStatus != 413)
        others.append(&fromEvents);
    for (const BatchVerdict* other : std::as_const(others)) {
        QCOMPARE(other->httpStatus, fromViews.httpStatus);
        QCOMPARE(other->message, fromViews.message);
        QCOMPARE(other->responseBody(), fromViews.responseBody());
        QCOMPARE(other->requestIssues, fromViews.requestIssues);
        QCOMPARE(other->events.size(), fromViews.events.size());
        for (qsizetype i = 0; i < fromViews.events.size(); ++i) {
            QCOMPARE(other->events.at(i).valid, fromViews.events.at(i).valid);
            QCOMPARE(other->events.at(i).issues, fromViews.events.at(i).issues);
        }
    }
    QCOMPARE(decoded.events.size(), views.size());
    for (qsizetype i = 0; i < views.size(); ++i) {
        const EventView& view = views.events.at(static_cast<size_t>(i));
        QCOMPARE(view.toEvent(), decoded.events.at(i));
        QCOMPARE(QByteArray(view.rawJson.data(), static_cast<qsizetype>(view.rawJson.size())),
                 decoded.rawEvents.at(i));
    }
}

void TestConformance::ingestRecordsAreTheRequestsRecords_data()
{
    validatorAnswersLikeAlgolia_data();
    QFile escapes(QStringLiteral(INSIGHTS_TEST_DATA_DIR "/records/batch-escapes.json"));
    QVERIFY(escapes.open(QIODevice::ReadOnly));
    ConformanceCase withEscapes;
    withEscapes.name = QStringLiteral("escaped strings, raw UTF-8 and issues");
    withEscapes.profile = QStringLiteral("current");
    withEscapes.body = escapes.readAll();
    QTest::addRow("escapes") << withEscapes << QDateTime::currentMSecsSinceEpoch();
}

// The endpoint stores the batch it builds from the parser's views; the importers store the records they
// build from Events. A request must leave the same records either way, field for field.
void TestConformance::ingestRecordsAreTheRequestsRecords()
{
    QFETCH(ConformanceCase, testCase);
    QFETCH(qint64, now);
    ValidationContext context;
    context.profile = CompatibilityProfile::byName(testCase.profile);
    context.nowMs = now;
    EventViewBatch views;
    const BatchVerdict fromViews = Validator::validateBodyViews(testCase.body, context, views);
    if (fromViews.httpStatus == 413)
        QSKIP("refused before any record is made");
    DecodedBatch decoded;
    const BatchVerdict fromBody = Validator::validateBody(testCase.body, context, &decoded);
    RequestFacts facts;
    facts.requestId = QStringLiteral("req-1");
    facts.receivedAtMs = now;
    facts.httpStatus = fromViews.httpStatus;
    facts.accepted = fromViews.accepted();
    facts.message = fromViews.message;
    facts.userAgent = QStringLiteral("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148");
    facts.agent = QStringLiteral("Algolia for JavaScript (5.20.0); Search-Insights (2.17.3)");
    facts.origin = QStringLiteral("https://shop.example.com");
    facts.remoteAddress = QStringLiteral("127.0.0.1");
    facts.appId = QStringLiteral("APP");
    facts.method = QStringLiteral("POST");
    facts.path = QStringLiteral("/1/events");
    const std::shared_ptr<const RecordBatch> batch =
        RecordBuilder::requestBatch(facts, views, fromViews, testCase.body);
    const QList<LogRecord> ingest = batch->toRecords(41);
    const QList<LogRecord> expected = RecordBuilder::requestRecords(facts, decoded, fromBody, testCase.body);
    QCOMPARE(ingest.size(), expected.size());
    for (qsizetype i = 0; i < ingest.size(); ++i) {
        const LogRecord& a = ingest.at(i);
        const LogRecord& b = expected.at(i);
        QCOMPARE(a.id, 41 + i);
        QCOMPARE(a.kind, b.kind);
        QCOMPARE(a.requestId, b.requestId);
        QCOMPARE(a.receivedAtMs, b.receivedAtMs);
        QCOMPARE(a.source, b.source);
        QCOMPARE(a.httpStatus, b.httpStatus);
        QCOMPARE(a.accepted, b.accepted);
        QCOMPARE(a.indexInRequest, b.indexInRequest);
        QCOMPARE(a.issues, b.issues);
        QCOMPARE(a.message, b.message);
        QCOMPARE(a.rawJson, b.rawJson);
        QCOMPARE(a.eventType, b.eventType);
        QCOMPARE(a.eventSubtype, b.eventSubtype);
        QCOMPARE(a.eventName, b.eventName);
        QCOMPARE(a.index, b.index);
        QCOMPARE(a.userToken, b.userToken);
        QCOMPARE(a.authenticatedUserToken, b.authenticatedUserToken);
        QCOMPARE(a.timestampMs, b.timestampMs);
        QCOMPARE(a.queryId, b.queryId);
        QCOMPARE(a.userAgent, b.userAgent);
        QCOMPARE(a.device, b.device);
        QCOMPARE(a.agent, b.agent);
        QCOMPARE(a.origin, b.origin);
        QCOMPARE(a.referer, b.referer);
        QCOMPARE(a.remoteAddress, b.remoteAddress);
        QCOMPARE(a.appId, b.appId);
        QCOMPARE(a.target, b.target);
        QCOMPARE(a.method, b.method);
        QCOMPARE(a.path, b.path);
    }
    // Each event's JSON and its unescaped fields are slices of the one body, not copies.
    if (views.size() > 0) {
        for (const RecordBatch::Row& row : batch->rows)
            QVERIFY(!row.rawJson.inText);
        if (QTest::currentDataTag() == QByteArray("escapes")) {
            QVERIFY(batch->rows.at(0).eventName.inText);  // "Product \"Clicked\"...": decoded
            QVERIFY(!batch->rows.at(1).eventName.inText); // raw UTF-8 without escape: in place
        }
    }
}

void TestConformance::everyCaseOfTheReferenceIsCovered()
{
    QSet<int> numbers;
    for (const ConformanceCase& c : loadConformanceCases(0))
        numbers.insert(c.number);
    // 1-60: insights-api.md §7; 61-63: §9.6-9.8 (value length after decoding, agentID, int32 ranges).
    for (int n = 1; n <= 63; ++n)
        QVERIFY2(numbers.contains(n), qPrintable(QStringLiteral("case %1 has no fixture").arg(n)));
}

QTEST_GUILESS_MAIN(TestConformance)
#include "tst_conformance.moc"
