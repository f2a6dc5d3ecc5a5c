// Copy formats, export and import: the key never leaks, HAR entries are judged as requests by the shared
// validator, and an export read back gives the same events.

#include "logfixture.h"
#include "views/eventexchange.h"

#include "event/eventcodec.h"
#include "log/recordbuilder.h"
#include "search/searchrecord.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

class TestEventExchange final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void curlUsesTheKeyVariable();
    void searchInsightsCallNamesTheKind();
    void importsHarRequestsToInsightsHosts();
    void exportImportRoundTrip_data();
    void exportImportRoundTrip();
    void csvHasOneRowPerEvent();
    void exportCanBeCancelled();
    void refusesUnusableFiles();
    void exportsParseWithAMalformedRequestLogged_data();
    void exportsParseWithAMalformedRequestLogged();
    void importsCsv();
    void exportsEveryKindAndReadsItBack_data();
    void exportsEveryKindAndReadsItBack();
};

namespace {

ValidationContext context()
{
    ValidationContext c;
    c.nowMs = QDateTime::currentMSecsSinceEpoch();
    return c;
}

QByteArray readFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

} // namespace

void TestEventExchange::curlUsesTheKeyVariable()
{
    const QByteArray raw = LogFixture::record(0).rawJson;
    const QString curl =
        EventExchange::curlCommand({raw, LogFixture::record(1).rawJson}, QStringLiteral("APP1"));
    QVERIFY(curl.startsWith(QStringLiteral("curl -X POST 'https://insights.algolia.io/1/events'")));
    QVERIFY(curl.contains(QStringLiteral("\"X-Algolia-API-Key: $ALGOLIA_API_KEY\"")));
    QVERIFY(curl.contains(QStringLiteral("X-Algolia-Application-Id: APP1")));
    QVERIFY(curl.contains(QStringLiteral("--data-raw '{\"events\":[")));
    QVERIFY(curl.contains(QStringLiteral("sku-1")));
    // Without an app ID, the variable.
    QVERIFY(EventExchange::curlCommand({raw}, {}).contains(QStringLiteral("$ALGOLIA_APP_ID")));
    // A quote in the body is escaped for the shell.
    QVERIFY(EventExchange::curlCommand({QByteArrayLiteral("{\"eventName\":\"it's\"}")}, {})
                .contains(QStringLiteral("it'\\''s")));
}

void TestEventExchange::searchInsightsCallNamesTheKind()
{
    const QString click = EventExchange::searchInsightsCall(QByteArrayLiteral(
        "{\"eventType\":\"click\",\"eventName\":\"Clicked\",\"index\":\"products\",\"userToken\":\"u1\","
        "\"queryID\":\"0123456789abcdef0123456789abcdef\",\"objectIDs\":[\"a\"],\"positions\":[1]}"));
    QVERIFY2(click.startsWith(QStringLiteral("aa('clickedObjectIDsAfterSearch', {")), qPrintable(click));
    QVERIFY(!click.contains(QStringLiteral("eventType")));
    QVERIFY(click.contains(QStringLiteral("\"positions\"")));
    QVERIFY(click.endsWith(QStringLiteral(");")));
    const QString purchase = EventExchange::searchInsightsCall(QByteArrayLiteral(
        "{\"eventType\":\"conversion\",\"eventSubtype\":\"purchase\",\"eventName\":\"Bought\","
        "\"index\":\"products\",\"userToken\":\"u1\",\"objectIDs\":[\"a\"]}"));
    QVERIFY2(purchase.startsWith(QStringLiteral("aa('purchasedObjectIDs', {")), qPrintable(purchase));
    const QString unknown = EventExchange::searchInsightsCall(QByteArrayLiteral("{\"eventName\":\"x\"}"));
    QVERIFY2(unknown.startsWith(QStringLiteral("aa('sendEvents', [")), qPrintable(unknown));
}

void TestEventExchange::importsHarRequestsToInsightsHosts()
{
    const QByteArray har = readFile(QStringLiteral(INSIGHTS_TEST_DATA_DIR "/views/capture.har"));
    QVERIFY(!har.isEmpty());
    const EventExchange::ImportResult result = EventExchange::importData(har, context(), 0);
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
    QCOMPARE(result.requests, 2);
    QCOMPARE(result.skippedEntries, 1);
    QCOMPARE(result.records.size(), 4);
    for (const LogRecord& r : result.records)
        QCOMPARE(r.source, EventSource::Imported);

    const LogRecord& click = result.records[0];
    QCOMPARE(click.httpStatus, 200);
    QVERIFY(click.accepted);
    QCOMPARE(click.appId, QStringLiteral("APPID123"));
    QCOMPARE(click.agent, QStringLiteral("insights-js (2.17.0)"));
    QCOMPARE(click.referer, QStringLiteral("https://shop.example/search?q=shoes"));
    QCOMPARE(click.device, QStringLiteral("mobile"));
    QCOMPARE(click.receivedAtMs,
             QDateTime::fromString(QStringLiteral("2026-11-28T10:00:00.123Z"), Qt::ISODateWithMs)
                 .toMSecsSinceEpoch());
    QCOMPARE(result.records[1].requestId, click.requestId);

    // The second request is rejected as a batch; only its culprit carries the error, on its field.
    const LogRecord& purchase = result.records[2];
    const LogRecord& culprit = result.records[3];
    QCOMPARE(purchase.httpStatus, 422);
    QCOMPARE(culprit.httpStatus, 422);
    QVERIFY(!purchase.accepted);
    QVERIFY(std::none_of(purchase.issues.cbegin(), purchase.issues.cend(),
                         [](const Issue& i) { return i.isError(); }));
    const auto error = std::find_if(culprit.issues.cbegin(), culprit.issues.cend(),
                                    [](const Issue& i) { return i.isError(); });
    QVERIFY(error != culprit.issues.cend());
    QCOMPARE(error->field, QStringLiteral("userToken"));
    QCOMPARE(culprit.message, error->message);
    // The API key is never kept.
    for (const LogRecord& r : result.records) {
        QVERIFY(!r.rawJson.contains("secret-key"));
        QVERIFY(!r.userAgent.contains(QLatin1String("secret-key")));
        QVERIFY(!r.agent.contains(QLatin1String("secret-key")));
    }
}

void TestEventExchange::exportImportRoundTrip_data()
{
    QTest::addColumn<QString>("fileName");
    QTest::addRow("ndjson") << QStringLiteral("events.ndjson");
    QTest::addRow("json") << QStringLiteral("events.json");
}

void TestEventExchange::exportImportRoundTrip()
{
    QFETCH(QString, fileName);
    LogFixture::OpenLog fixture = LogFixture::open();
    fixture.log->append(LogFixture::records(0, 5000));
    fixture.log->flush();
    LogQuery all;
    all.limit = 0;
    const QList<qint64> ids = fixture.log->ids(all);
    QCOMPARE(ids.size(), 5000);
    const QString path = fixture.dir->filePath(fileName);
    qint64 lastProgress = 0;
    const EventExchange::ExportResult exported = EventExchange::exportRecords(
        *fixture.log, ids, EventExchange::formatForPath(path), path,
        [&lastProgress](qint64 written) { lastProgress = written; }, nullptr);
    QVERIFY2(exported.error.isEmpty(), qPrintable(exported.error));
    QCOMPARE(exported.written, 5000);
    QCOMPARE(lastProgress, 5000);

    const EventExchange::ImportResult imported = EventExchange::importData(readFile(path), context(), 1);
    QVERIFY2(imported.error.isEmpty(), qPrintable(imported.error));
    QCOMPARE(imported.records.size(), 5000);
    const QList<LogRecord> originals = fixture.log->records(ids);
    for (qsizetype i = 0; i < originals.size(); ++i) {
        const DecodedBatch a = EventCodec::decodeEvent(originals[i].rawJson);
        const DecodedBatch b = EventCodec::decodeEvent(imported.records[i].rawJson);
        QCOMPARE(a.events.size(), 1);
        QCOMPARE(b.events.size(), 1);
        QVERIFY2(a.events.first() == b.events.first(), qPrintable(QString::number(i)));
        QCOMPARE(imported.records[i].source, EventSource::Imported);
    }
    // Judged again by the validator, each event alone: the invalid token is still an error, its innocent
    // batch neighbours now pass.
    QCOMPARE(imported.records[37].httpStatus, 422);
    QCOMPARE(imported.records[36].httpStatus, 200);
}

void TestEventExchange::csvHasOneRowPerEvent()
{
    LogFixture::OpenLog fixture = LogFixture::open();
    fixture.log->append(LogFixture::records(0, 40));
    fixture.log->flush();
    LogQuery all;
    all.limit = 0;
    const QString path = fixture.dir->filePath(QStringLiteral("events.csv"));
    const auto result = EventExchange::exportRecords(*fixture.log, fixture.log->ids(all),
                                                     EventExchange::Format::Csv, path, {}, nullptr);
    QVERIFY(result.error.isEmpty());
    const QList<QByteArray> lines = readFile(path).split('\n');
    QCOMPARE(lines.size(), 42); // header, 40 rows, the empty piece after the last CRLF
    QVERIFY(lines[0].startsWith("id,receivedAt,status,httpCode"));
    QVERIFY(lines[38].contains(",rejected,422,"));
    QVERIFY(lines[38].contains("userToken: UserToken must contain"));
    // The event JSON is one quoted field.
    QVERIFY(lines[1].contains(",\"{\"\"eventType\"\":\"\"click\"\""));
}

void TestEventExchange::exportCanBeCancelled()
{
    LogFixture::OpenLog fixture = LogFixture::open();
    fixture.log->append(LogFixture::records(0, 12'000));
    fixture.log->flush();
    LogQuery all;
    all.limit = 0;
    const QString path = fixture.dir->filePath(QStringLiteral("events.ndjson"));
    std::atomic<bool> cancel{false};
    const auto result = EventExchange::exportRecords(
        *fixture.log, fixture.log->ids(all), EventExchange::Format::Ndjson, path,
        [&cancel](qint64 written) {
            if (written >= 4000)
                cancel = true;
        },
        &cancel);
    QVERIFY(result.cancelled);
    QVERIFY(result.written < 12'000);
    QVERIFY(!QFile::exists(path)); // no half file left behind
}

void TestEventExchange::refusesUnusableFiles()
{
    QVERIFY(!EventExchange::importData(QByteArrayLiteral("not json at all"), context(), 0).error.isEmpty());
    QVERIFY(!EventExchange::importData(QByteArrayLiteral("{\"log\":{\"entries\":[]}}"), context(), 0)
                 .error.isEmpty());
}

QTEST_GUILESS_MAIN(TestEventExchange)
void TestEventExchange::exportsParseWithAMalformedRequestLogged_data()
{
    QTest::addColumn<int>("format");
    QTest::addRow("ndjson") << static_cast<int>(EventExchange::Format::Ndjson);
    QTest::addRow("json") << static_cast<int>(EventExchange::Format::Json);
}

void TestEventExchange::exportsParseWithAMalformedRequestLogged()
{
    QFETCH(int, format);
    LogFixture::OpenLog fixture = LogFixture::open();
    QList<LogRecord> records = LogFixture::records(0, 3);
    // What a broken client sent: not JSON at all, and a body cut in the middle (with a line break).
    records[1].rawJson = QByteArrayLiteral("eventType=click&userToken=abc");
    records[1].httpStatus = 400;
    records[1].accepted = false;
    records[2].rawJson = QByteArrayLiteral("{\"events\":[{\"eventType\":\n\"cli");
    records[2].httpStatus = 400;
    records[2].accepted = false;
    fixture.log->append(records);
    fixture.log->flush();
    LogQuery all;
    all.limit = 0;
    const QString path = fixture.dir->filePath(QStringLiteral("export.out"));
    const auto result = EventExchange::exportRecords(
        *fixture.log, fixture.log->ids(all), static_cast<EventExchange::Format>(format), path, {}, nullptr);
    QVERIFY(result.error.isEmpty());
    QCOMPARE(result.written, 3);
    const QByteArray written = readFile(path);
    QList<QJsonObject> objects;
    if (static_cast<EventExchange::Format>(format) == EventExchange::Format::Ndjson) {
        for (const QByteArray& line : written.trimmed().split('\n')) {
            QJsonParseError error;
            const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
            QVERIFY2(error.error == QJsonParseError::NoError && doc.isObject(), line.constData());
            objects << doc.object();
        }
    } else {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(written, &error);
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
        for (const QJsonValue& value : doc.object().value(QLatin1String("events")).toArray())
            objects << value.toObject();
    }
    QCOMPARE(objects.size(), 3);
    QCOMPARE(objects[0].value(QLatin1String("eventType")).toString(), QStringLiteral("click"));
    // The raw text is kept, as a string, with what the request was.
    QCOMPARE(objects[1].value(QLatin1String("rawText")).toString(),
             QStringLiteral("eventType=click&userToken=abc"));
    QCOMPARE(objects[1].value(QLatin1String("httpStatus")).toInt(), 400);
    QCOMPARE(objects[2].value(QLatin1String("rawText")).toString(), QString::fromUtf8(records[2].rawJson));
}

void TestEventExchange::importsCsv()
{
    // The debugger's own CSV export reads back.
    LogFixture::OpenLog fixture = LogFixture::open();
    fixture.log->append(LogFixture::records(0, 10));
    fixture.log->flush();
    LogQuery all;
    all.limit = 0;
    const QString path = fixture.dir->filePath(QStringLiteral("events.csv"));
    QVERIFY(EventExchange::exportRecords(*fixture.log, fixture.log->ids(all), EventExchange::Format::Csv,
                                         path, {}, nullptr)
                .error.isEmpty());
    EventExchange::ImportResult imported = EventExchange::importData(readFile(path), context(), 1);
    QVERIFY2(imported.error.isEmpty(), qPrintable(imported.error));
    QCOMPARE(imported.records.size(), 10);
    QCOMPARE(imported.records[3].eventName, LogFixture::record(3).eventName);
    QCOMPARE(imported.records[3].source, EventSource::Imported);

    // A hand-made sheet: one event per row, columns named like the fields; JSON cells for arrays.
    const QByteArray sheet = "eventType,eventName,index,userToken,objectIDs,timestamp\r\n"
                             "view,Viewed,products,user-1,\"[\"\"sku-1\"\",\"\"sku-2\"\"]\",\r\n"
                             "click,\"Clicked, twice\",products,user-2,\"[\"\"sku-3\"\"]\",\r\n";
    imported = EventExchange::importData(sheet, context(), 1);
    QVERIFY2(imported.error.isEmpty(), qPrintable(imported.error));
    QCOMPARE(imported.records.size(), 2);
    QCOMPARE(imported.records[0].eventType, QStringLiteral("view"));
    QCOMPARE(imported.records[1].eventName, QStringLiteral("Clicked, twice"));
    QCOMPARE(imported.records[1].userToken, QStringLiteral("user-2"));
    QVERIFY(imported.records[0].rawJson.contains("\"objectIDs\":[\"sku-1\",\"sku-2\"]"));

    // A CSV that is not about events says so.
    imported = EventExchange::importData("name,price\r\nshoe,12\r\n", context(), 1);
    QVERIFY(imported.records.isEmpty());
    QVERIFY2(imported.error.contains(QLatin1String("eventType")), qPrintable(imported.error));
}

void TestEventExchange::exportsEveryKindAndReadsItBack_data()
{
    QTest::addColumn<QString>("fileName");
    QTest::addRow("ndjson") << QStringLiteral("all.ndjson");
    QTest::addRow("json") << QStringLiteral("all.json");
    QTest::addRow("csv") << QStringLiteral("all.csv");
}

void TestEventExchange::exportsEveryKindAndReadsItBack()
{
    QFETCH(QString, fileName);
    LogFixture::OpenLog fixture = LogFixture::open();
    const QList<LogRecord> logged = LogFixture::everyKind();
    fixture.log->append(logged);
    fixture.log->flush();
    LogQuery all;
    all.limit = 0;
    const QString path = fixture.dir->filePath(fileName);
    const EventExchange::Format format = EventExchange::formatForPath(path);
    const auto exported =
        EventExchange::exportRecords(*fixture.log, fixture.log->ids(all), format, path, {}, nullptr);
    QVERIFY2(exported.error.isEmpty(), qPrintable(exported.error));
    QCOMPARE(exported.written, 7);
    const QByteArray written = readFile(path);
    const QStringList kinds{QStringLiteral("search"),  QStringLiteral("event"),  QStringLiteral("event"),
                            QStringLiteral("request"), QStringLiteral("search"), QStringLiteral("request"),
                            QStringLiteral("event")};

    if (format != EventExchange::Format::Csv) {
        // Every record parses and carries its kind, whatever was logged.
        QList<QJsonObject> objects;
        if (format == EventExchange::Format::Ndjson) {
            for (const QByteArray& line : written.trimmed().split('\n')) {
                QJsonParseError error;
                const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
                QVERIFY2(error.error == QJsonParseError::NoError && doc.isObject(), line.constData());
                objects << doc.object();
            }
        } else {
            QJsonParseError error;
            const QJsonDocument doc = QJsonDocument::fromJson(written, &error);
            QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
            for (const QJsonValue& value : doc.object().value(QLatin1String("events")).toArray())
                objects << value.toObject();
        }
        QCOMPARE(objects.size(), 7);
        for (qsizetype i = 0; i < objects.size(); ++i)
            QCOMPARE(objects[i].value(QLatin1String("kind")).toString(), kinds[i]);
        // An event is its own JSON (re-sendable), a search its search, a refused request its facts and body.
        QCOMPARE(objects[1].value(QLatin1String("queryID")).toString(), QStringLiteral("q-red"));
        QCOMPARE(
            objects[0].value(QLatin1String("search")).toObject().value(QLatin1String("query")).toString(),
            QStringLiteral("red shoes"));
        QCOMPARE(objects[5].value(QLatin1String("httpStatus")).toInt(), 404);
        QCOMPARE(objects[5].value(QLatin1String("body")).toString(),
                 QStringLiteral("eventType=click&userToken=abc\nsecond line"));
        const QJsonObject request = objects[3].value(QLatin1String("request")).toObject();
        QCOMPARE(request.value(QLatin1String("path")).toString(), QStringLiteral("/1/events"));
        QVERIFY(request.value(QLatin1String("headers"))
                    .toString()
                    .contains(QStringLiteral("X-Algolia-API-Key: ••")));
        QCOMPARE(objects[3].value(QLatin1String("issues")).toArray().size(), 1);
    } else {
        QVERIFY(written.startsWith("id,receivedAt,status,httpCode"));
        QVERIFY(written.left(written.indexOf('\n')).trimmed().endsWith(",event,kind"));
        QVERIFY(written.contains(",search\r\n"));
        QVERIFY(written.contains(",request\r\n"));
    }

    // Read back: each kind as itself, in file order; events judged again, exactly as they were received.
    const EventExchange::ImportResult imported = EventExchange::importData(written, context(), 1);
    QVERIFY2(imported.error.isEmpty(), qPrintable(imported.error));
    QCOMPARE(imported.records.size(), 7);
    for (qsizetype i = 0; i < imported.records.size(); ++i) {
        QCOMPARE(recordKindName(imported.records[i].kind), kinds[i]);
        QCOMPARE(imported.records[i].source, EventSource::Imported);
    }
    QCOMPARE(imported.requests, 3); // the events were judged; searches and refused requests were not
    QCOMPARE(imported.records[1].rawJson, logged[1].rawJson);
    QCOMPARE(imported.records[1].queryId, QStringLiteral("q-red"));
    const LogRecord& search = imported.records[0];
    QCOMPARE(search.queryId, QStringLiteral("q-red"));
    QCOMPARE(search.userToken, QStringLiteral("user-1"));
    QCOMPARE(search.index, QStringLiteral("products"));
    QCOMPARE(search.httpStatus, 200);
    const std::optional<SearchRecord> hits = SearchRecord::fromJson(search.rawJson);
    QVERIFY(hits);
    QCOMPARE(hits->hits,
             (QStringList{QStringLiteral("sku-1"), QStringLiteral("sku-2"), QStringLiteral("sku-3")}));
    const LogRecord& refused = imported.records[5];
    QCOMPARE(refused.httpStatus, 404);
    QVERIFY(!refused.accepted);
    QCOMPARE(refused.message, QStringLiteral("Not Found"));
    QCOMPARE(refused.path, QStringLiteral("/1/eventz"));
    QCOMPARE(refused.method, QStringLiteral("POST"));
    QCOMPARE(refused.rawJson, logged[5].rawJson);
    QCOMPARE(refused.issues.size(), 1);
    QCOMPARE(verdictOf(refused), Verdict::RequestRejected);
    QVERIFY(refused.rawRequest);
    QVERIFY(refused.rawRequest->headers.contains("X-Algolia-API-Key: ••"));
    // And into a log: the refused request's raw request is stored with it.
    LogFixture::OpenLog second = LogFixture::open();
    second.log->append(imported.records);
    second.log->flush();
    const std::optional<RawRequest> raw = second.log->rawRequest(refused.requestId);
    QVERIFY(raw);
    QCOMPARE(raw->body, logged[5].rawJson);
}

#include "tst_eventexchange.moc"
