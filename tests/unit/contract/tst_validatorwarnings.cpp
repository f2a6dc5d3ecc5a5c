// Warnings and infos: what Algolia accepts (200) but will not use, each with its stable code.
#include "catalog/indexcatalog.h"
#include "event/eventcodec.h"
#include "event/validator.h"

#include <QTest>

namespace {

constexpr qint64 kNow = 1'790'000'000'000; // a fixed clock keeps the timestamp rules deterministic

BatchVerdict judge(const QByteArray& body, const QList<const IndexCatalog*>& catalogs = {})
{
    ValidationContext context;
    context.nowMs = kNow;
    context.catalogs = catalogs;
    return Validator::validateBody(body, context);
}

QStringList codes(const BatchVerdict& verdict, int event = 0)
{
    QStringList result;
    for (const Issue& issue : verdict.events.value(event).issues)
        result.append(issue.code);
    return result;
}

QByteArray one(const QByteArray& event)
{
    return "{\"events\":[" + event + "]}";
}

} // namespace

class TestValidatorWarnings final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void warningsNeverReject_data();
    void warningsNeverReject();
    void objectIDsAreCheckedAgainstTheCatalogOfTheirIndex();
    void catalogMatchesTheDecodedText_data();
    void catalogMatchesTheDecodedText();
    void batchTimestampRules();
    void personalDataInTokensIsFlagged();
    void personalDataShapes_data();
    void personalDataShapes();
    void suggestedMessagesAreMarkedUnverified();
    void issuesPointAtTheField();
};

void TestValidatorWarnings::warningsNeverReject_data()
{
    QTest::addColumn<QByteArray>("event");
    QTest::addColumn<QString>("code");
    QTest::addColumn<bool>("expected");
    const QByteArray base = "\"eventName\":\"E\",\"index\":\"products\",\"userToken\":\"u1\"";
    const QByteArray cas =
        R"("eventType":"click",)" + base +
        R"(,"objectIDs":["a"],"positions":[1],"queryID":"43b15df305339e827f0ac0bdc5ebcaa7",)" + "\"x\":0";
    QTest::addRow("click without queryID") << "{\"eventType\":\"click\"," + base + ",\"objectIDs\":[\"a\"]}"
                                           << QStringLiteral("queryID.missing") << true;
    QTest::addRow("click after search has a queryID")
        << "{" + cas + "}" << QStringLiteral("queryID.missing") << false;
    QTest::addRow("view needs no queryID") << "{\"eventType\":\"view\"," + base + ",\"objectIDs\":[\"a\"]}"
                                           << QStringLiteral("queryID.missing") << false;
    QTest::addRow("purchase with per-item queryID")
        << "{\"eventType\":\"conversion\",\"eventSubtype\":\"purchase\"," + base +
               R"(,"objectIDs":["a"],"objectData":[{"price":2,"queryID":"43b15df305339e827f0ac0bdc5ebcaa7"}],"currency":"USD"})"
        << QStringLiteral("queryID.missing") << false;
    QTest::addRow("filter event") << "{\"eventType\":\"click\"," + base + ",\"filters\":[\"brand:apple\"]}"
                                  << QStringLiteral("filters.notPersonalization") << true;
    QTest::addRow("filter with a space")
        << "{\"eventType\":\"click\"," + base + ",\"filters\":[\"brand:Cool Brand\"]}"
        << QStringLiteral("filters.notUrlEncoded") << true;
    QTest::addRow("filter encoded per part")
        << "{\"eventType\":\"click\"," + base + ",\"filters\":[\"brand:Cool%20Brand\"]}"
        << QStringLiteral("filters.notUrlEncoded") << false;
    QTest::addRow("filter encoded whole (search-insights)")
        << "{\"eventType\":\"click\"," + base + ",\"filters\":[\"brand%3ACool%20Brand\"]}"
        << QStringLiteral("filters.notUrlEncoded") << false;
    QTest::addRow("filter without a colon")
        << "{\"eventType\":\"click\"," + base + ",\"filters\":[\"apple\"]}"
        << QStringLiteral("filters.malformed") << true;
    QTest::addRow("prices without currency")
        << "{\"eventType\":\"conversion\",\"eventSubtype\":\"purchase\"," + base +
               R"(,"objectIDs":["a"],"objectData":[{"price":2,"quantity":1}]})"
        << QStringLiteral("currency.missing") << true;
    QTest::addRow("value differs from items")
        << "{\"eventType\":\"conversion\",\"eventSubtype\":\"purchase\"," + base +
               R"(,"objectIDs":["a","b"],"objectData":[{"price":10,"quantity":2},{"price":5}],"value":30,"currency":"USD"})"
        << QStringLiteral("value.mismatch") << true;
    QTest::addRow("value equals price x quantity")
        << "{\"eventType\":\"conversion\",\"eventSubtype\":\"purchase\"," + base +
               R"(,"objectIDs":["a","b"],"objectData":[{"price":10,"quantity":2},{"price":5}],"value":25,"currency":"USD"})"
        << QStringLiteral("value.mismatch") << false;
    QTest::addRow("value net of discounts")
        << "{\"eventType\":\"conversion\",\"eventSubtype\":\"purchase\"," + base +
               R"(,"objectIDs":["a"],"objectData":[{"price":10,"quantity":2,"discount":1}],"value":18,"currency":"USD"})"
        << QStringLiteral("value.mismatch") << false;
    QTest::addRow("stale timestamp") << "{" + cas +
                                            ",\"timestamp\":" + QByteArray::number(kNow - 2 * 86'400'000) +
                                            "}"
                                     << QStringLiteral("timestamp.stale") << true;
    QTest::addRow("fresh timestamp") << "{" + cas + ",\"timestamp\":" + QByteArray::number(kNow - 60'000) +
                                            "}"
                                     << QStringLiteral("timestamp.stale") << false;
    QTest::addRow("far future timestamp")
        << "{" + cas + ",\"timestamp\":" + QByteArray::number(kNow + 3 * 86'400'000) + "}"
        << QStringLiteral("timestamp.future") << true;
    QTest::addRow("subtype on a click") << "{" + cas + ",\"eventSubtype\":\"purchase\"}"
                                        << QStringLiteral("eventSubtype.notConversion") << true;
}

void TestValidatorWarnings::warningsNeverReject()
{
    QFETCH(QByteArray, event);
    QFETCH(QString, code);
    QFETCH(bool, expected);
    const BatchVerdict verdict = judge(one(event));
    QCOMPARE(verdict.httpStatus, 200);
    QCOMPARE(verdict.message, QStringLiteral("OK"));
    QVERIFY(verdict.events.constFirst().valid);
    QVERIFY2(codes(verdict).contains(code) == expected, qPrintable(codes(verdict).join(u", ")));
    for (const Issue& issue : verdict.events.constFirst().issues) {
        QVERIFY(!issue.isError());
        QVERIFY(!issue.message.isEmpty());
    }
}

void TestValidatorWarnings::objectIDsAreCheckedAgainstTheCatalogOfTheirIndex()
{
    IndexCatalog movies(QStringLiteral("movies"));
    movies.addRecord({QStringLiteral("m1"), QStringLiteral("Metropolis"), {}});
    const QByteArray event =
        R"({"eventType":"view","eventName":"V","index":"movies","userToken":"u","objectIDs":["m1","m404"]})";
    const BatchVerdict verdict = judge(one(event), {&movies});
    QCOMPARE(verdict.httpStatus, 200);
    const IssueList& issues = verdict.events.constFirst().issues;
    QCOMPARE(issues.size(), 1);
    QCOMPARE(issues.constFirst().code, QStringLiteral("objectID.notInCatalog"));
    QCOMPARE(issues.constFirst().path(), QStringLiteral("events[0].objectIDs[1]"));
    QVERIFY(issues.constFirst().message.contains(QLatin1String("m404")));

    // Another index's events aren't judged against the movies records.
    QByteArray other = event;
    other.replace("\"movies\"", "\"products\"");
    QVERIFY(judge(one(other), {&movies}).events.constFirst().issues.isEmpty());
}

// The catalog is looked up with the parser's bytes: escaped JSON text must match as its decoded text, and
// non-ASCII objectIDs as their UTF-8.
void TestValidatorWarnings::catalogMatchesTheDecodedText_data()
{
    QTest::addColumn<QByteArray>("index");     // JSON text of the event's index
    QTest::addColumn<QByteArray>("objectIDs"); // JSON text of its objectIDs
    QTest::addColumn<QList<int>>("missing");   // the objectIDs warned about
    QTest::addColumn<QString>("named");        // the text the first warning names, as decoded
    QTest::addRow("plain") << QByteArray("\"movies\"") << QByteArray("[\"obj1\",\"obj2\"]") << QList<int>{1}
                           << QStringLiteral("obj2");
    QTest::addRow("unicode escape") << QByteArray("\"movies\"") << QByteArray("[\"obj\\u0031\"]")
                                    << QList<int>{} << QString();
    QTest::addRow("escaped miss") << QByteArray("\"movies\"") << QByteArray("[\"obj\\u0032\"]")
                                  << QList<int>{0} << QStringLiteral("obj2");
    QTest::addRow("utf-8 as sent") << QByteArray("\"movies\"") << QByteArray("[\"caf\xc3\xa9\"]")
                                   << QList<int>{} << QString();
    QTest::addRow("utf-8 escaped") << QByteArray("\"movies\"") << QByteArray("[\"caf\\u00e9\",\"cafe\"]")
                                   << QList<int>{1} << QStringLiteral("cafe");
    QTest::addRow("astral, surrogate pair")
        << QByteArray("\"movies\"") << QByteArray("[\"\\ud83c\\udf55\",\"\xf0\x9f\x8d\x95\"]") << QList<int>{}
        << QString();
    QTest::addRow("quote and slash") << QByteArray("\"movies\"") << QByteArray("[\"a\\\"b\",\"m\\/1\"]")
                                     << QList<int>{} << QString();
    QTest::addRow("escaped index") << QByteArray("\"mov\\u0069es\"") << QByteArray("[\"obj1\",\"x\\u00e9\"]")
                                   << QList<int>{1} << QStringLiteral("x\u00e9");
    QTest::addRow("another index") << QByteArray("\"movie\"") << QByteArray("[\"nothing\"]") << QList<int>{}
                                   << QString();
}

void TestValidatorWarnings::catalogMatchesTheDecodedText()
{
    QFETCH(QByteArray, index);
    QFETCH(QByteArray, objectIDs);
    QFETCH(QList<int>, missing);
    QFETCH(QString, named);
    IndexCatalog movies(QStringLiteral("movies"));
    for (const QString& id : {QStringLiteral("obj1"), QStringLiteral("caf\u00e9"), QStringLiteral("a\"b"),
                              QStringLiteral("m/1"), QStringLiteral("\U0001F355")})
        movies.addRecord({id, id, {}});
    const QByteArray event = "{\"eventType\":\"view\",\"eventName\":\"V\",\"index\":" + index +
                             ",\"userToken\":\"u\",\"objectIDs\":" + objectIDs + "}";
    const BatchVerdict verdict = judge(one(event), {&movies});
    QCOMPARE(verdict.httpStatus, 200);
    QList<int> warned;
    for (const Issue& issue : verdict.events.constFirst().issues) {
        QCOMPARE(issue.code, QStringLiteral("objectID.notInCatalog"));
        warned.append(issue.field.mid(issue.field.indexOf(QLatin1Char('[')) + 1).chopped(1).toInt());
    }
    QCOMPARE(warned, missing);
    if (!missing.isEmpty()) {
        const QString message = verdict.events.constFirst().issues.constFirst().message;
        QVERIFY2(message.contains(QLatin1Char('"') + named + QLatin1Char('"')), qPrintable(message));
        QVERIFY2(message.contains(QLatin1String("\"movies\"")), qPrintable(message));
    }
    // The composer's path (Events, then the same rules) gives the same warnings.
    const DecodedBatch decoded = EventCodec::decodeRequestBody(one(event));
    ValidationContext context;
    context.nowMs = kNow;
    context.catalogs = {&movies};
    QCOMPARE(Validator::validate(decoded, context).allIssues(), verdict.allIssues());
}

void TestValidatorWarnings::batchTimestampRules()
{
    const QByteArray a =
        R"({"eventType":"view","eventName":"V","index":"i","userToken":"u","objectIDs":["a"])";
    const QByteArray t1 = ",\"timestamp\":" + QByteArray::number(kNow - 1000) + "}";
    const QByteArray t2 = ",\"timestamp\":" + QByteArray::number(kNow - 2000) + "}";

    const BatchVerdict missing = judge("{\"events\":[" + a + t1 + "," + a + "}]}");
    QVERIFY(!codes(missing, 0).contains(QStringLiteral("timestamp.missingInBatch")));
    QVERIFY(codes(missing, 1).contains(QStringLiteral("timestamp.missingInBatch")));

    const BatchVerdict shared = judge("{\"events\":[" + a + t1 + "," + a + t1 + "]}");
    QVERIFY(codes(shared, 0).contains(QStringLiteral("timestamp.sharedInBatch")));
    QVERIFY(codes(shared, 1).contains(QStringLiteral("timestamp.sharedInBatch")));

    const BatchVerdict distinct = judge("{\"events\":[" + a + t1 + "," + a + t2 + "]}");
    QVERIFY(distinct.events.at(0).issues.isEmpty());
    QVERIFY(distinct.events.at(1).issues.isEmpty());

    // A single event without a timestamp is fine: Algolia dates it at receipt, which is when it was sent.
    QVERIFY(judge(one(a + "}")).events.constFirst().issues.isEmpty());
}

void TestValidatorWarnings::personalDataInTokensIsFlagged()
{
    const QByteArray phone =
        R"({"eventType":"view","eventName":"V","index":"i","userToken":"+15551234567","objectIDs":["a"]})";
    const BatchVerdict verdict = judge(one(phone));
    QCOMPARE(verdict.httpStatus, 200); // the pattern allows it; the warning says why it shouldn't be used
    QVERIFY(codes(verdict).contains(QStringLiteral("userToken.personalData")));

    const QByteArray email =
        R"({"eventType":"view","eventName":"V","index":"i","userToken":"jane@example.com","objectIDs":["a"]})";
    const BatchVerdict rejected = judge(one(email));
    QCOMPARE(rejected.httpStatus, 422);
    QVERIFY(codes(rejected).contains(QStringLiteral("userToken.invalid")));
    QVERIFY(codes(rejected).contains(QStringLiteral("userToken.personalData")));

    const QByteArray anonymous =
        R"({"eventType":"view","eventName":"V","index":"i","userToken":"anonymous-f8e8a8c7-5b5a-4b8c-9d8e-7f6e5d4c3b2a","objectIDs":["a"]})";
    QVERIFY(judge(one(anonymous)).events.constFirst().issues.isEmpty());
}

void TestValidatorWarnings::personalDataShapes_data()
{
    QTest::addColumn<QByteArray>("token"); // JSON text
    QTest::addColumn<bool>("personal");
    QTest::addRow("phone") << QByteArray("\"+15551234567\"") << true;
    QTest::addRow("phone with dashes") << QByteArray("\"555-123-4567\"") << true;
    QTest::addRow("too few digits") << QByteArray("\"555-123\"") << false;
    QTest::addRow("email") << QByteArray("\"jane@example.com\"") << true;
    QTest::addRow("at first") << QByteArray("\"@example.com\"") << false;
    QTest::addRow("encoded email") << QByteArray("\"jane%40example.com\"") << true;
    QTest::addRow("percent, no at") << QByteArray("\"jane%41example\"") << false;
    QTest::addRow("long digits") << QByteArray("\"user-12345678901234567890\"") << false;
    QTest::addRow("arabic-indic digits")
        << QByteArray("\"\\u0661\\u0662\\u0663\\u0664\\u0665\\u0666\\u0667\"") << true;
    QTest::addRow("anonymous") << QByteArray("\"anonymous-123\"") << false;
}

void TestValidatorWarnings::personalDataShapes()
{
    QFETCH(QByteArray, token);
    QFETCH(bool, personal);
    const QByteArray event =
        "{\"eventType\":\"view\",\"eventName\":\"V\",\"index\":\"i\",\"userToken\":" + token +
        ",\"objectIDs\":[\"a\"]}";
    QCOMPARE(codes(judge(one(event))).contains(QStringLiteral("userToken.personalData")), personal);
}

void TestValidatorWarnings::suggestedMessagesAreMarkedUnverified()
{
    const QByteArray currency =
        R"({"eventType":"conversion","eventName":"C","index":"i","userToken":"u","objectIDs":["a"],"currency":"US"})";
    const BatchVerdict verdict = judge(one(currency));
    QCOMPARE(verdict.httpStatus, 422);
    const Issue error = verdict.events.constFirst().issues.constFirst();
    QCOMPARE(error.code, QStringLiteral("currency.invalid"));
    QVERIFY(error.unverifiedMessage);

    const BatchVerdict index =
        judge(one(R"({"eventType":"view","eventName":"V","userToken":"u","objectIDs":["a"]})"));
    QVERIFY(!index.events.constFirst().issues.constFirst().unverifiedMessage);
}

void TestValidatorWarnings::issuesPointAtTheField()
{
    const QByteArray event =
        R"({"eventType":"click","eventName":"C","index":"i","userToken":"u","objectIDs":["a","b"],"positions":[1,0],"queryID":"43b15df305339e827f0ac0bdc5ebcaa7"})";
    const BatchVerdict verdict = judge("{\"events\":[" + event + "," + event + "]}");
    QCOMPARE(verdict.httpStatus, 422);
    QCOMPARE(verdict.events.at(1).issues.constFirst().path(), QStringLiteral("events[1].positions[1]"));
}

QTEST_GUILESS_MAIN(TestValidatorWarnings)
#include "tst_validatorwarnings.moc"
