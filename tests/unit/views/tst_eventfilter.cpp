// The filter bar's syntax, table-tested: what parses to what, what is refused and where, and which records
// each filter keeps.

#include "views/eventfilter.h"

#include <QTest>

Q_DECLARE_METATYPE(EventFilter)

namespace {

LogRecord record(int http, bool accepted, const QString& type, const QString& subtype, const QString& token,
                 bool error, const QByteArray& raw)
{
    LogRecord r;
    r.httpStatus = http;
    r.accepted = accepted;
    r.eventType = type;
    r.eventSubtype = subtype;
    r.userToken = token;
    r.index = QStringLiteral("products");
    r.eventName = QStringLiteral("Product Clicked");
    r.requestId = QStringLiteral("req-1");
    r.rawJson = raw;
    if (error) {
        Issue issue;
        issue.eventIndex = 0;
        issue.field = QStringLiteral("userToken");
        issue.code = QStringLiteral("userToken.invalid");
        issue.message = QStringLiteral("bad token");
        r.issues << issue;
    }
    return r;
}

} // namespace

class TestEventFilter final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parsesValidText_data();
    void parsesValidText();
    void refusesBadText_data();
    void refusesBadText();
    void matchesRecords_data();
    void matchesRecords();
    void mapsOntoLogQuery();
    void selectsKindsAndQueryIds_data();
    void selectsKindsAndQueryIds();
};

void TestEventFilter::parsesValidText_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("canonical");

    QTest::addRow("empty") << QString() << QString();
    QTest::addRow("blank") << QStringLiteral("   ") << QString();
    QTest::addRow("httpCode") << QStringLiteral("httpCode=422") << QStringLiteral("httpCode=422");
    QTest::addRow("status class") << QStringLiteral("status=4XX") << QStringLiteral("status=4XX");
    QTest::addRow("status class lower") << QStringLiteral("status=4xx") << QStringLiteral("status=4XX");
    QTest::addRow("status code") << QStringLiteral("status=400") << QStringLiteral("httpCode=400");
    QTest::addRow("status accepted") << QStringLiteral("status=accepted")
                                     << QStringLiteral("status=accepted");
    QTest::addRow("status rejected") << QStringLiteral("status=rejected")
                                     << QStringLiteral("status=rejected");
    QTest::addRow("eventType") << QStringLiteral("eventType=click") << QStringLiteral("eventType=click");
    QTest::addRow("eventType case") << QStringLiteral("eventtype=Conversion")
                                    << QStringLiteral("eventType=conversion");
    QTest::addRow("eventType subtype")
        << QStringLiteral("eventType=addtocart") << QStringLiteral("eventSubtype=addToCart");
    QTest::addRow("errors") << QStringLiteral("errors=true") << QStringLiteral("errors=true");
    QTest::addRow("userToken") << QStringLiteral("userToken=user-42") << QStringLiteral("userToken=user-42");
    QTest::addRow("index") << QStringLiteral("index=prod_EN") << QStringLiteral("index=prod_EN");
    QTest::addRow("quoted eventName")
        << QStringLiteral("eventName=\"Product Clicked\"") << QStringLiteral("eventName=\"Product Clicked\"");
    QTest::addRow("space AND") << QStringLiteral("httpCode=422 eventType=click")
                               << QStringLiteral("httpCode=422 eventType=click");
    QTest::addRow("word AND") << QStringLiteral("httpCode=422 AND eventType=click AND errors=true")
                              << QStringLiteral("httpCode=422 errors=true eventType=click");
    QTest::addRow("free text") << QStringLiteral("sku-123") << QStringLiteral("sku-123");
    QTest::addRow("quoted free text")
        << QStringLiteral("\"add to cart\" index=a") << QStringLiteral("index=a \"add to cart\"");
    QTest::addRow("source") << QStringLiteral("source=Imported") << QStringLiteral("source=imported");
    QTest::addRow("kind search") << QStringLiteral("kind=Search") << QStringLiteral("kind=search");
    QTest::addRow("kind request") << QStringLiteral("KIND=request") << QStringLiteral("kind=request");
    QTest::addRow("kind event") << QStringLiteral("kind=event") << QStringLiteral("kind=event");
    QTest::addRow("queryID") << QStringLiteral("queryid=0123456789abcdef0123456789abcdef")
                             << QStringLiteral("queryID=0123456789abcdef0123456789abcdef");
    QTest::addRow("kind and queryID")
        << QStringLiteral("queryID=q1 AND kind=event shoes") << QStringLiteral("kind=event queryID=q1 shoes");
}

void TestEventFilter::parsesValidText()
{
    QFETCH(QString, text);
    QFETCH(QString, canonical);
    const EventFilterParseResult result = EventFilter::parse(text);
    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.filter->toString(), canonical);
    // The canonical text reads back to the same filter (recent filters are stored as text).
    const EventFilterParseResult again = EventFilter::parse(canonical);
    QVERIFY(again.ok());
    QVERIFY(*again.filter == *result.filter);
}

void TestEventFilter::refusesBadText_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("position");
    QTest::addColumn<QString>("messagePart");

    QTest::addRow("unknown field") << QStringLiteral("httpCode=422 colour=red") << 13
                                   << QStringLiteral("Unknown field \"colour\"");
    QTest::addRow("bad code") << QStringLiteral("httpCode=42") << 9 << QStringLiteral("code such as 422");
    QTest::addRow("bad code text") << QStringLiteral("httpCode=abc") << 9 << QStringLiteral("httpCode takes");
    QTest::addRow("bad status") << QStringLiteral("status=maybe") << 7 << QStringLiteral("status takes");
    QTest::addRow("missing value") << QStringLiteral("index=") << 0 << QStringLiteral("needs a value");
    QTest::addRow("missing key") << QStringLiteral("=422") << 0 << QStringLiteral("field name");
    QTest::addRow("bad bool") << QStringLiteral("errors=yes") << 7 << QStringLiteral("true or false");
    QTest::addRow("bad eventType") << QStringLiteral("eventType=clik") << 10
                                   << QStringLiteral("eventType takes");
    QTest::addRow("leading AND") << QStringLiteral("AND httpCode=422") << 0 << QStringLiteral("AND needs");
    QTest::addRow("trailing AND") << QStringLiteral("httpCode=422 AND") << 13 << QStringLiteral("AND needs");
    QTest::addRow("double AND") << QStringLiteral("a AND AND b") << 6 << QStringLiteral("AND needs");
    QTest::addRow("open quote") << QStringLiteral("eventName=\"Product") << 10
                                << QStringLiteral("Missing closing quote");
    QTest::addRow("twice") << QStringLiteral("status=4XX httpCode=500") << 11 << QStringLiteral("conflicts");
    QTest::addRow("bad source") << QStringLiteral("source=browser") << 7 << QStringLiteral("source takes");
    QTest::addRow("bad kind") << QStringLiteral("kind=searches") << 5
                              << QStringLiteral("kind takes event, search or request");
    QTest::addRow("kind twice") << QStringLiteral("kind=event kind=search") << 11
                                << QStringLiteral("conflicts");
    QTest::addRow("empty queryID") << QStringLiteral("queryID=\"\"") << 0 << QStringLiteral("needs a value");
}

void TestEventFilter::refusesBadText()
{
    QFETCH(QString, text);
    QFETCH(int, position);
    QFETCH(QString, messagePart);
    const EventFilterParseResult result = EventFilter::parse(text);
    QVERIFY(!result.ok());
    QCOMPARE(result.errorPosition, position);
    QVERIFY(result.errorLength >= 1);
    QVERIFY2(result.error.contains(messagePart), qPrintable(result.error));
}

void TestEventFilter::matchesRecords_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("rejectedInvalid");  // 422, the event itself invalid
    QTest::addColumn<bool>("rejectedInnocent"); // 422, another event of the batch was invalid
    QTest::addColumn<bool>("acceptedClick");
    QTest::addColumn<bool>("acceptedPurchase");

    QTest::addRow("everything") << QString() << true << true << true << true;
    QTest::addRow("httpCode=422") << QStringLiteral("httpCode=422") << true << true << false << false;
    QTest::addRow("status=4XX") << QStringLiteral("status=4XX") << true << true << false << false;
    QTest::addRow("status=2XX") << QStringLiteral("status=2XX") << false << false << true << true;
    QTest::addRow("errors=true") << QStringLiteral("errors=true") << true << false << false << false;
    QTest::addRow("errors=false") << QStringLiteral("errors=false") << false << true << true << true;
    QTest::addRow("accepted") << QStringLiteral("status=accepted") << false << false << true << true;
    QTest::addRow("click") << QStringLiteral("eventType=click") << true << true << true << false;
    QTest::addRow("purchase") << QStringLiteral("eventType=purchase") << false << false << false << true;
    QTest::addRow("token") << QStringLiteral("userToken=alice") << false << true << true << false;
    QTest::addRow("free text") << QStringLiteral("SKU-9") << false << false << false << true;
    QTest::addRow("and") << QStringLiteral("eventType=click AND status=accepted") << false << false << true
                         << false;
    QTest::addRow("nothing") << QStringLiteral("httpCode=500") << false << false << false << false;
}

void TestEventFilter::matchesRecords()
{
    QFETCH(QString, text);
    QFETCH(bool, rejectedInvalid);
    QFETCH(bool, rejectedInnocent);
    QFETCH(bool, acceptedClick);
    QFETCH(bool, acceptedPurchase);

    const EventFilterParseResult result = EventFilter::parse(text);
    QVERIFY2(result.ok(), qPrintable(result.error));
    const EventFilter& filter = *result.filter;
    QCOMPARE(filter.matches(record(422, false, QStringLiteral("click"), {}, QStringLiteral("bad token!"),
                                   true, QByteArrayLiteral("{\"objectIDs\":[\"sku-1\"]}"))),
             rejectedInvalid);
    QCOMPARE(filter.matches(record(422, false, QStringLiteral("click"), {}, QStringLiteral("alice"), false,
                                   QByteArrayLiteral("{\"objectIDs\":[\"sku-2\"]}"))),
             rejectedInnocent);
    QCOMPARE(filter.matches(record(200, true, QStringLiteral("click"), {}, QStringLiteral("alice"), false,
                                   QByteArrayLiteral("{\"objectIDs\":[\"sku-3\"]}"))),
             acceptedClick);
    QCOMPARE(filter.matches(record(200, true, QStringLiteral("conversion"), QStringLiteral("purchase"),
                                   QStringLiteral("bob"), false,
                                   QByteArrayLiteral("{\"objectIDs\":[\"sku-9\"]}"))),
             acceptedPurchase);
}

void TestEventFilter::mapsOntoLogQuery()
{
    const EventFilterParseResult result =
        EventFilter::parse(QStringLiteral("status=4XX errors=true eventType=click userToken=u1 index=i "
                                          "eventName=\"N 1\" word"));
    QVERIFY(result.ok());
    const LogQuery query = result.filter->toLogQuery();
    QCOMPARE(query.httpClass, std::optional<int>(4));
    QVERIFY(!query.httpStatus);
    QCOMPARE(query.hasErrors, std::optional<bool>(true));
    QCOMPARE(query.eventType, QStringLiteral("click"));
    QCOMPARE(query.userToken, QStringLiteral("u1"));
    QCOMPARE(query.index, QStringLiteral("i"));
    QCOMPARE(query.eventName, QStringLiteral("N 1"));
    QCOMPARE(query.freeText, QStringList{QStringLiteral("word")});
    QCOMPARE(query.limit, 0);
}

void TestEventFilter::selectsKindsAndQueryIds_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("click");   // an event citing queryID q1
    QTest::addColumn<bool>("search");  // the search that returned q1, query "red shoes"
    QTest::addColumn<bool>("refused"); // a 401 request whose body names no queryID
    QTest::addColumn<bool>("other");   // a search that returned q2

    QTest::addRow("everything") << QString() << true << true << true << true;
    QTest::addRow("kind=event") << QStringLiteral("kind=event") << true << false << false << false;
    QTest::addRow("kind=search") << QStringLiteral("kind=search") << false << true << false << true;
    QTest::addRow("kind=request") << QStringLiteral("kind=request") << false << false << true << false;
    QTest::addRow("queryID") << QStringLiteral("queryID=q1") << true << true << false << false;
    QTest::addRow("queryID of searches")
        << QStringLiteral("queryID=q1 kind=search") << false << true << false << false;
    // Free text reads each kind's JSON: a search's query, a request's body.
    QTest::addRow("free text query") << QStringLiteral("\"red shoes\"") << false << true << false << false;
    QTest::addRow("free text body") << QStringLiteral("not-json") << false << false << true << false;
    QTest::addRow("status=4XX") << QStringLiteral("status=4XX") << false << false << true << false;
}

void TestEventFilter::selectsKindsAndQueryIds()
{
    QFETCH(QString, text);
    QFETCH(bool, click);
    QFETCH(bool, search);
    QFETCH(bool, refused);
    QFETCH(bool, other);
    const EventFilterParseResult result = EventFilter::parse(text);
    QVERIFY2(result.ok(), qPrintable(result.error));
    const EventFilter& filter = *result.filter;

    LogRecord event = record(200, true, QStringLiteral("click"), {}, QStringLiteral("alice"), false,
                             QByteArrayLiteral("{\"queryID\":\"q1\"}"));
    event.queryId = QStringLiteral("q1");
    LogRecord searchRecord;
    searchRecord.kind = RecordKind::Search;
    searchRecord.httpStatus = 200;
    searchRecord.accepted = true;
    searchRecord.queryId = QStringLiteral("q1");
    searchRecord.rawJson = QByteArrayLiteral("{\"query\":\"red shoes\",\"queryID\":\"q1\"}");
    LogRecord refusedRecord;
    refusedRecord.kind = RecordKind::Request;
    refusedRecord.httpStatus = 401;
    refusedRecord.rawJson = QByteArrayLiteral("this is not-json");
    LogRecord otherSearch = searchRecord;
    otherSearch.queryId = QStringLiteral("q2");
    otherSearch.rawJson = QByteArrayLiteral("{\"query\":\"hat\",\"queryID\":\"q2\"}");

    QCOMPARE(filter.matches(event), click);
    QCOMPARE(filter.matches(searchRecord), search);
    QCOMPARE(filter.matches(refusedRecord), refused);
    QCOMPARE(filter.matches(otherSearch), other);
    // The log runs the same conditions.
    const LogQuery query = filter.toLogQuery();
    QCOMPARE(query.kind, filter.kind);
    QCOMPARE(query.queryId, filter.queryId);
}

QTEST_APPLESS_MAIN(TestEventFilter)
#include "tst_eventfilter.moc"
