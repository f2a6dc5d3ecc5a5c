// The one JSON codec: what it reads, what it keeps (unknown fields, exact numbers, non-ASCII text) and how it
// tells bad input apart.
#include "event/eventcodec.h"
#include "event/eventview.h"

#include <QFile>
#include <QTest>

class TestEventCodec final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readsEveryKnownField();
    void roundTripKeepsUnknownFieldsAndExactValues();
    void rawEventTextIsKeptAsSent();
    void nullMeansAbsentAndLastDuplicateWins();
    void wrongTypesBecomeTypeErrors_data();
    void wrongTypesBecomeTypeErrors();
    void brokenBodiesAreInvalidPayloads_data();
    void brokenBodiesAreInvalidPayloads();
    void inputShapes();
    void ndjsonErrorNamesTheLine();
    void unusableInputIsExplained_data();
    void unusableInputIsExplained();
    void encodeEscapesStrings();
    void viewsPointIntoTheBodyOrItsDecodedCopy();
    void viewsSurviveAMoveAndTheNextDecode();
    void ndjsonLinesAreReadInPlace();
    void escapedKeysAreTheirDecodedNames();
    void aReusedBatchStorageStartsClean();

private:
    static QByteArray fixture(const char* name);
};

QByteArray TestEventCodec::fixture(const char* name)
{
    QFile file(QStringLiteral(INSIGHTS_TEST_DATA_DIR "/contract/") + QLatin1String(name));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("missing fixture %s", name);
    return file.readAll().trimmed();
}

void TestEventCodec::readsEveryKnownField()
{
    const DecodedBatch batch = EventCodec::decodeEvent(fixture("mixed-unknown-fields.json"));
    QVERIFY(!batch.payloadError);
    QVERIFY(batch.typeErrors.isEmpty());
    QCOMPARE(batch.events.size(), 1);
    const Event& e = batch.events.constFirst();
    QCOMPARE(e.eventType, QStringLiteral("conversion"));
    QCOMPARE(e.eventSubtype, QStringLiteral("purchase"));
    QCOMPARE(e.eventName, QString::fromUtf8("Produit acheté — 🛒"));
    QCOMPARE(e.timestamp, 1732796400123LL);
    QCOMPARE(e.objectIDs, QStringList({QStringLiteral("p1"), QStringLiteral("p\"2")}));
    QCOMPARE(e.objectData->size(), 2);
    QCOMPARE(e.objectData->at(0).price->json, QByteArray("49.99"));
    QCOMPARE(e.objectData->at(0).discount->json, QByteArray("\"10%\""));
    QCOMPARE(e.objectData->at(0).queryID, QStringLiteral("7dfe2ada7bca48bdd0629649df0bee07"));
    QCOMPARE(e.objectData->at(0).extras.size(), 1);
    QCOMPARE(*e.objectData->at(1).price->toDouble(), 8.0);
    QCOMPARE(e.value->json, QByteArray("65.99"));
    QCOMPARE(e.currency, QStringLiteral("EUR"));
    QCOMPARE(e.extras.size(), 4);
    QCOMPARE(e.extra(u"nested"), QByteArray("{\"a\":[1,2.5e3,null,{\"b\":\"ü\"}]}"));
    QCOMPARE(e.extra(u"flag"), QByteArray("false"));
    QCOMPARE(e.extra(u"count"), QByteArray("-0.0001"));
}

void TestEventCodec::roundTripKeepsUnknownFieldsAndExactValues()
{
    const DecodedBatch first = EventCodec::decodeEvent(fixture("mixed-unknown-fields.json"));
    const QByteArray encoded = EventCodec::encodeEvent(first.events.constFirst());
    const DecodedBatch second = EventCodec::decodeEvent(encoded);
    QVERIFY(second.typeErrors.isEmpty());
    QCOMPARE(second.events.constFirst(), first.events.constFirst());
    // The canonical form is stable: encoding again gives the same bytes.
    QCOMPARE(EventCodec::encodeEvent(second.events.constFirst()), encoded);
    QVERIFY(encoded.contains("\"timestamp\":1732796400123"));
    QVERIFY(encoded.contains("\"price\":49.99"));
    QVERIFY(encoded.contains(QString::fromUtf8("Produit acheté — 🛒").toUtf8()));

    // And through a batch body.
    const QByteArray body = EventCodec::encodeBatch({first.events.constFirst(), first.events.constFirst()});
    const DecodedBatch batch = EventCodec::decodeRequestBody(body);
    QVERIFY(!batch.payloadError);
    QCOMPARE(batch.events.size(), 2);
    QCOMPARE(batch.events.at(1), first.events.constFirst());
}

void TestEventCodec::rawEventTextIsKeptAsSent()
{
    const QByteArray a = "{ \"eventType\" : \"view\",\n \"x\": [1, 2] }";
    const QByteArray b = "{\"eventType\":\"click\"}";
    const DecodedBatch batch =
        EventCodec::decodeRequestBody(QByteArray("{\"other\":1, \"events\": [ " + a + " ,\n" + b + "  ] }"));
    QCOMPARE(batch.rawEvents, QList<QByteArray>({a, b}));
    QCOMPARE(EventCodec::encodeRawBatch(batch.rawEvents), "{\"events\":[" + a + "," + b + "]}");
}

void TestEventCodec::nullMeansAbsentAndLastDuplicateWins()
{
    const DecodedBatch batch =
        EventCodec::decodeEvent(R"({"userToken":null,"index":"a","index":"b","x":1,"x":2,"objectIDs":null})");
    const Event& e = batch.events.constFirst();
    QVERIFY(!e.userToken);
    QVERIFY(!e.objectIDs);
    QCOMPARE(e.index, QStringLiteral("b"));
    QCOMPARE(e.extras.size(), 1);
    QCOMPARE(e.extra(u"x"), QByteArray("2"));
}

void TestEventCodec::wrongTypesBecomeTypeErrors_data()
{
    QTest::addColumn<QByteArray>("event");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("message");
    QTest::addRow("numeric userToken")
        << QByteArray(R"({"userToken":12345})") << QStringLiteral("userToken")
        << QStringLiteral("Invalid type for field events: expected string, got number");
    QTest::addRow("numeric objectID")
        << QByteArray(R"({"objectIDs":["a",123]})") << QStringLiteral("objectIDs[1]")
        << QStringLiteral("Invalid type for field events: expected string, got number");
    QTest::addRow("string timestamp")
        << QByteArray(R"({"timestamp":"1687193127000"})") << QStringLiteral("timestamp")
        << QStringLiteral("Invalid type for field events: expected int64, got string");
    QTest::addRow("fractional timestamp")
        << QByteArray(R"({"timestamp":1.5})") << QStringLiteral("timestamp")
        << QStringLiteral("Invalid type for field events: expected int64, got number");
    QTest::addRow("objectIDs as a string")
        << QByteArray(R"({"objectIDs":"o1"})") << QStringLiteral("objectIDs")
        << QStringLiteral("Invalid type for field events: expected []string, got string");
    QTest::addRow("position as text")
        << QByteArray(R"({"positions":["1"]})") << QStringLiteral("positions[0]")
        << QStringLiteral("Invalid type for field events: expected int32, got string");
    QTest::addRow("price as bool")
        << QByteArray(R"({"objectData":[{"price":true}]})") << QStringLiteral("objectData[0].price")
        << QStringLiteral("Invalid type for field events: expected number or string, got bool");
}

void TestEventCodec::wrongTypesBecomeTypeErrors()
{
    QFETCH(QByteArray, event);
    QFETCH(QString, field);
    QFETCH(QString, message);
    const DecodedBatch batch = EventCodec::decodeRequestBody(QByteArray("{\"events\":[{}," + event + "]}"));
    QVERIFY(!batch.payloadError);
    QCOMPARE(batch.events.size(), 2);
    QCOMPARE(batch.typeErrors.size(), 1);
    const Issue& issue = batch.typeErrors.constFirst();
    QCOMPARE(issue.eventIndex, 1);
    QCOMPARE(issue.field, field);
    QCOMPARE(issue.message, message);
    QCOMPARE(issue.path(), QStringLiteral("events[1].") + field);
}

void TestEventCodec::brokenBodiesAreInvalidPayloads_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addRow("text") << QByteArray("not json");
    QTest::addRow("truncated") << QByteArray("{\"events\":[{\"eventType\":\"view\"");
    QTest::addRow("trailing garbage") << QByteArray(R"({"events":[]} x)");
    QTest::addRow("two documents") << QByteArray(R"({"events":[]}{"events":[]})");
    QTest::addRow("bad number") << QByteArray(R"({"events":[{"timestamp":12.}]})");
    QTest::addRow("invalid utf-8") << QByteArray("{\"events\":[{\"eventName\":\"\xff\xfe\"}]}");
    QTest::addRow("empty") << QByteArray("");
    QTest::addRow("whitespace") << QByteArray(" \n ");
}

void TestEventCodec::brokenBodiesAreInvalidPayloads()
{
    QFETCH(QByteArray, body);
    const DecodedBatch batch = EventCodec::decodeRequestBody(body);
    QVERIFY(batch.payloadError);
    QCOMPARE(batch.payloadError->message, QStringLiteral("Invalid payload"));
    QVERIFY(batch.events.isEmpty());
}

void TestEventCodec::inputShapes()
{
    const DecodedInput body =
        EventCodec::decodeInput(R"({"events":[{"eventType":"view"},{"eventType":"click"}]})");
    QCOMPARE(body.shape, InputShape::RequestBody);
    QCOMPARE(body.batch.events.size(), 2);

    const DecodedInput single = EventCodec::decodeInput(R"({"eventType":"view","userToken":"u"})");
    QCOMPARE(single.shape, InputShape::SingleEvent);
    QCOMPARE(single.batch.events.size(), 1);
    QCOMPARE(single.batch.events.constFirst().userToken, QStringLiteral("u"));

    const DecodedInput ndjson =
        EventCodec::decodeInput("{\"eventType\":\"view\"}\n\n{\"eventType\":\"click\",\"userToken\":7}\r\n");
    QVERIFY(!ndjson.inputError);
    QCOMPARE(ndjson.shape, InputShape::Ndjson);
    QCOMPARE(ndjson.batch.events.size(), 2);
    QCOMPARE(ndjson.batch.typeErrors.size(), 1);
    QCOMPARE(ndjson.batch.typeErrors.constFirst().eventIndex, 1);
}

void TestEventCodec::ndjsonErrorNamesTheLine()
{
    const DecodedInput input = EventCodec::decodeInput("{\"eventType\":\"view\"}\n{\"eventType\":\n{}\n");
    QVERIFY(input.inputError);
    QVERIFY2(input.inputError->contains(QLatin1String("line 2")), qPrintable(*input.inputError));
}

void TestEventCodec::unusableInputIsExplained_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("expected");
    QTest::addRow("empty") << QByteArray() << QStringLiteral("empty");
    QTest::addRow("binary") << QByteArray("\x89PNG\r\n\x1a\n\0\0\0", 11) << QStringLiteral("binary");
    QTest::addRow("prose") << QByteArray("hello world") << QStringLiteral("line 1");
}

void TestEventCodec::unusableInputIsExplained()
{
    QFETCH(QByteArray, input);
    QFETCH(QString, expected);
    const DecodedInput decoded = EventCodec::decodeInput(input);
    QVERIFY(decoded.inputError);
    QVERIFY2(decoded.inputError->contains(expected), qPrintable(*decoded.inputError));
}

void TestEventCodec::encodeEscapesStrings()
{
    Event event;
    event.eventName = QStringLiteral("Tab\tand \"quote\" \\ \x01");
    const QByteArray json = EventCodec::encodeEvent(event);
    QCOMPARE(json, QByteArray("{\"eventName\":\"Tab\\tand \\\"quote\\\" \\\\ \\u0001\"}"));
    QCOMPARE(EventCodec::decodeEvent(json).events.constFirst().eventName, event.eventName);
}

// The ingest path reads views: text without escapes stays in the body's bytes, escaped text is decoded once
// into the batch, and lists, items and unknown fields come out as the Event decoder reads them.
void TestEventCodec::viewsPointIntoTheBodyOrItsDecodedCopy()
{
    const QByteArray body = "{\"events\":[{\"eventType\":\"click\",\"eventName\":\"Tab\\there\","
                            "\"objectIDs\":[\"a\",null,\"\\u00e9t\\u00e9\"],\"positions\":[1,2,3],"
                            "\"objectData\":[{\"price\":\"8$\",\"x\":1},{}],\"extra\":{\"k\":[1]}},"
                            "{\"eventType\":\"view\",\"extra\":1,\"extra\":2}]}";
    const EventViewBatch views = EventCodec::decodeRequestViews(body);
    QVERIFY(!views.payloadError);
    QCOMPARE(views.size(), 2);
    const QByteArrayView input = views.input();
    const auto inInput = [input](std::string_view text) {
        return text.data() >= input.data() && text.data() + text.size() <= input.data() + input.size();
    };
    const EventView& click = views.events.at(0);
    QCOMPARE(*click.eventType, std::string_view("click"));
    QVERIFY(inInput(*click.eventType));
    QCOMPARE(*click.eventName, std::string_view("Tab\there"));
    QVERIFY(!inInput(*click.eventName));
    QCOMPARE(click.objectIDs->size(), 3);
    QCOMPARE(click.objectIDs->at(1), std::string_view());
    QCOMPARE(click.objectIDs->at(2), std::string_view("\xc3\xa9t\xc3\xa9"));
    QCOMPARE(click.positions->size(), 3);
    QCOMPARE(click.positions->at(2), 3);
    QCOMPARE(click.objectData->size(), 2);
    QCOMPARE(*click.objectData->at(0).price, std::string_view("\"8$\""));
    QCOMPARE(click.objectData->at(0).extras.size(), 1);
    QCOMPARE(click.objectData->at(1).extras.size(), 0);
    QCOMPARE(click.extras.size(), 1);
    QCOMPARE(click.extras.at(0).json, std::string_view("{\"k\":[1]}"));
    const EventView& view = views.events.at(1);
    QCOMPARE(view.extras.size(), 1); // a repeated key once, with its last value
    QCOMPARE(view.extras.at(0).json, std::string_view("2"));
    QCOMPARE(view.rawJson, std::string_view("{\"eventType\":\"view\",\"extra\":1,\"extra\":2}"));

    const DecodedBatch events = EventCodec::decodeRequestBody(body);
    QCOMPARE(events.events.size(), 2);
    QCOMPARE(click.toEvent(), events.events.at(0));
    QCOMPARE(view.toEvent(), events.events.at(1));
}

void TestEventCodec::viewsSurviveAMoveAndTheNextDecode()
{
    EventViewBatch first =
        EventCodec::decodeRequestViews("{\"events\":[{\"userToken\":\"u\\u0031\",\"index\":\"i\"}]}");
    const EventViewBatch other =
        EventCodec::decodeRequestViews("{\"events\":[{\"userToken\":\"zz\\u0032\"}]}");
    const EventViewBatch moved = std::move(first);
    QCOMPARE(*moved.events.at(0).userToken, std::string_view("u1"));
    QCOMPARE(*moved.events.at(0).index, std::string_view("i"));
    QCOMPARE(*other.events.at(0).userToken, std::string_view("zz2"));
}

void TestEventCodec::ndjsonLinesAreReadInPlace()
{
    const DecodedInput input = EventCodec::decodeInput(
        "{\"eventType\":\"view\",\"objectIDs\":[\"a\"]}\r\n\n  {\"eventType\":\"click\","
        "\"positions\":[1,\"x\"]}\n{\"eventType\":\"conversion\",\"value\":12}");
    QVERIFY(!input.inputError);
    QCOMPARE(input.shape, InputShape::Ndjson);
    QCOMPARE(input.batch.events.size(), 3);
    QCOMPARE(input.batch.rawEvents.at(0), QByteArray("{\"eventType\":\"view\",\"objectIDs\":[\"a\"]}"));
    QCOMPARE(input.batch.rawEvents.at(1), QByteArray("{\"eventType\":\"click\",\"positions\":[1,\"x\"]}"));
    QCOMPARE(input.batch.events.at(0).objectIDs, QStringList{QStringLiteral("a")});
    QVERIFY(!input.batch.events.at(1).positions);
    QCOMPARE(input.batch.typeErrors.size(), 1);
    QCOMPARE(input.batch.typeErrors.at(0).eventIndex, 1);
    QCOMPARE(input.batch.typeErrors.at(0).field, QStringLiteral("positions[1]"));
    QCOMPARE(input.batch.events.at(2).value->json, QByteArray("12"));
}

// Keys are read in place unless they have an escape: an escaped key is still the field it decodes to.
void TestEventCodec::escapedKeysAreTheirDecodedNames()
{
    const QByteArray body = "{\"events\":[{\"eventT\\u0079pe\":\"click\",\"userToken\":\"u\","
                            "\"obj\\u0065ctData\":[{\"pri\\u0063e\":1,\"n\\u00e9\":2}],\"x\\u0031\":3,"
                            "\"\\\"quoted\\\"\":4}]}";
    const EventViewBatch views = EventCodec::decodeRequestViews(body);
    QVERIFY(!views.payloadError);
    QCOMPARE(views.size(), 1);
    const EventView& event = views.events.at(0);
    QCOMPARE(*event.eventType, std::string_view("click"));
    QCOMPARE(*event.userToken, std::string_view("u"));
    QCOMPARE(event.objectData->size(), 1);
    QCOMPARE(*event.objectData->at(0).price, std::string_view("1"));
    QCOMPARE(event.objectData->at(0).extras.size(), 1);
    QCOMPARE(event.objectData->at(0).extras.at(0).key, std::string_view("n\xc3\xa9"));
    QCOMPARE(event.extras.size(), 2);
    QCOMPARE(event.extras.at(0).key, std::string_view("x1"));
    QCOMPARE(event.extras.at(1).key, std::string_view("\"quoted\""));
    QCOMPARE(event.extras.at(1).json, std::string_view("4"));
    const Event decoded = event.toEvent();
    QCOMPARE(decoded.extra(u"x1"), QByteArray("3"));
    // An invalid escape in a key is a broken payload, as anywhere else.
    const EventViewBatch broken =
        EventCodec::decodeRequestViews("{\"events\":[{\"eventT\\qpe\":\"click\"}]}");
    QVERIFY(broken.payloadError);
    QCOMPARE(broken.payloadError->code, QStringLiteral("payload.invalid"));
}

// Batches reuse their thread's storage once they are gone: what a later decode reads never shows an earlier
// batch's lists, extras or decoded strings, however the sizes differ.
void TestEventCodec::aReusedBatchStorageStartsClean()
{
    QByteArray large = "{\"events\":[";
    for (int i = 0; i < 300; ++i) {
        if (i > 0)
            large += ',';
        large += "{\"eventType\":\"view\",\"userToken\":\"t\\u00e9" + QByteArray::number(i) +
                 "\",\"objectIDs\":[\"a\",\"b\"],\"positions\":[1,2],\"objectData\":[{\"price\":1,\"k\":2}],"
                 "\"x\":" +
                 QByteArray::number(i) + "}";
    }
    large += "]}";
    const QByteArray small = "{\"events\":[{\"eventType\":\"click\",\"filters\":[\"f:\\u0031\"]}]}";
    for (int round = 0; round < 3; ++round) {
        {
            const EventViewBatch first = EventCodec::decodeRequestViews(large);
            QCOMPARE(first.size(), 300);
            QCOMPARE(*first.events.at(299).userToken, std::string_view("t\xc3\xa9"
                                                                       "299"));
            QCOMPARE(first.events.at(299).extras.at(0).json, std::string_view("299"));
            QCOMPARE(first.events.at(299).objectIDs->at(1), std::string_view("b"));
        }
        const EventViewBatch second = EventCodec::decodeRequestViews(small);
        QCOMPARE(second.size(), 1);
        const EventView& event = second.events.at(0);
        QVERIFY(!event.objectIDs);
        QVERIFY(!event.objectData);
        QVERIFY(event.extras.isEmpty());
        QCOMPARE(event.filters->size(), 1);
        QCOMPARE(event.filters->at(0), std::string_view("f:1"));
        QCOMPARE(second.input().toByteArray(), small);
        QCOMPARE(event.toEvent(), EventCodec::decodeRequestBody(small).events.at(0));
    }
    // One batch decoded into again and again (the endpoint's worker threads), moved from in between.
    EventViewBatch reused;
    for (int round = 0; round < 3; ++round) {
        EventCodec::decodeRequestViews(large, reused);
        QCOMPARE(reused.size(), 300);
        QCOMPARE(*reused.events.at(150).userToken, std::string_view("t\xc3\xa9"
                                                                    "150"));
        QCOMPARE(reused.events.at(150).objectData->at(0).extras.at(0).json, std::string_view("2"));
        EventCodec::decodeRequestViews("{\"events\":[{\"eventType\":\"view\"}]}", reused);
        QCOMPARE(reused.size(), 1);
        QVERIFY(!reused.events.at(0).objectIDs);
        QVERIFY(reused.events.at(0).extras.isEmpty());
        EventCodec::decodeRequestViews("not json", reused);
        QVERIFY(reused.payloadError);
        QCOMPARE(reused.size(), 0);
        const EventViewBatch taken = std::move(reused); // leaves `reused` without storage
        EventCodec::decodeRequestViews(small, reused);
        QCOMPARE(reused.events.at(0).filters->at(0), std::string_view("f:1"));
        QVERIFY(!reused.payloadError);
    }
}

QTEST_GUILESS_MAIN(TestEventCodec)
#include "tst_eventcodec.moc"
