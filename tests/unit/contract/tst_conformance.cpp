// Every conformance case of insights-api.md §7 (tests/data/conformance) through the shared validator: the
// HTTP status and Algolia's message, and which events of a batch carry the detailed error.
#include "conformancecase.h"
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

void TestConformance::everyCaseOfTheReferenceIsCovered()
{
    QSet<int> numbers;
    for (const ConformanceCase& c : loadConformanceCases(0))
        numbers.insert(c.number);
    for (int n = 1; n <= 60; ++n)
        QVERIFY2(numbers.contains(n), qPrintable(QStringLiteral("case %1 has no fixture").arg(n)));
}

QTEST_GUILESS_MAIN(TestConformance)
#include "tst_conformance.moc"
