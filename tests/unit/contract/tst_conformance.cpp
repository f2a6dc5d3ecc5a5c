// Every conformance case of insights-api.md §7 (tests/data/conformance) through the shared validator: the
// HTTP status and Algolia's message, and which events of a batch carry the detailed error.
#include "conformancecase.h"
#include "event/eventview.h"
#include "event/validator.h"

#include <QDateTime>
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
