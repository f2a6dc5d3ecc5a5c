// "Will it count": each feature's answer and reason for typical events.

#include "views/eventusefulness.h"

#include "catalog/indexcatalog.h"
#include "event/eventcodec.h"
#include "log/eventlog.h"

#include <QFile>
#include <QTest>

class TestEventUsefulness final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void judges_data();
    void judges();
};

void TestEventUsefulness::judges_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<bool>("accepted");
    QTest::addColumn<qint64>("ageMs");
    QTest::addColumn<bool>("withCatalog");
    QTest::addColumn<QString>("click"); // usefulness names
    QTest::addColumn<QString>("search");
    QTest::addColumn<QString>("personal");
    QTest::addColumn<QString>("reasonPart"); // in one of the reasons

    const QByteArray clickAfterSearch =
        "{\"eventType\":\"click\",\"eventName\":\"c\",\"index\":\"products\","
        "\"userToken\":\"u\",\"queryID\":\"0123456789abcdef0123456789abcdef\","
        "\"objectIDs\":[\"sku-1\"],\"positions\":[2]}";
    const QByteArray plainClick = "{\"eventType\":\"click\",\"eventName\":\"c\",\"index\":\"products\","
                                  "\"userToken\":\"u\",\"objectIDs\":[\"sku-1\"]}";
    const QByteArray unknownObject = "{\"eventType\":\"view\",\"eventName\":\"v\",\"index\":\"products\","
                                     "\"userToken\":\"u\",\"objectIDs\":[\"sku-404\"]}";
    const QByteArray filters = "{\"eventType\":\"click\",\"eventName\":\"f\",\"index\":\"products\","
                               "\"userToken\":\"u\",\"filters\":[\"brand:Peak\"]}";
    const QByteArray purchase =
        "{\"eventType\":\"conversion\",\"eventSubtype\":\"purchase\",\"eventName\":\"p\","
        "\"index\":\"products\",\"userToken\":\"u\",\"objectIDs\":[\"sku-1\"],"
        "\"objectData\":[{\"queryID\":\"0123456789abcdef0123456789abcdef\",\"price\":10}]}";

    QTest::addRow("click after search")
        << clickAfterSearch << true << qint64(1000) << true << QStringLiteral("counts")
        << QStringLiteral("counts") << QStringLiteral("counts") << QStringLiteral("positions 2");
    QTest::addRow("click without queryID")
        << plainClick << true << qint64(1000) << true << QStringLiteral("does not count")
        << QStringLiteral("does not count") << QStringLiteral("counts") << QStringLiteral("No queryID");
    QTest::addRow("objectID not in index")
        << unknownObject << true << qint64(1000) << true << QStringLiteral("does not count")
        << QStringLiteral("does not count") << QStringLiteral("does not count") << QStringLiteral("sku-404");
    QTest::addRow("no catalog") << unknownObject << true << qint64(1000) << false
                                << QStringLiteral("does not count") << QStringLiteral("does not count")
                                << QStringLiteral("unknown") << QStringLiteral("No index catalog");
    QTest::addRow("filter event") << filters << true << qint64(1000) << true
                                  << QStringLiteral("does not count") << QStringLiteral("does not count")
                                  << QStringLiteral("does not count") << QStringLiteral("filter event");
    QTest::addRow("older than a day")
        << plainClick << true << qint64(25LL * 3600 * 1000) << true << QStringLiteral("does not count")
        << QStringLiteral("does not count") << QStringLiteral("does not count") << QStringLiteral("24 h");
    QTest::addRow("purchase with item queryID")
        << purchase << true << qint64(1000) << true << QStringLiteral("counts") << QStringLiteral("counts")
        << QStringLiteral("counts") << QStringLiteral("conversion rate");
    QTest::addRow("rejected") << clickAfterSearch << false << qint64(1000) << true
                              << QStringLiteral("does not count") << QStringLiteral("does not count")
                              << QStringLiteral("does not count") << QStringLiteral("whole batch");
}

void TestEventUsefulness::judges()
{
    QFETCH(QByteArray, json);
    QFETCH(bool, accepted);
    QFETCH(qint64, ageMs);
    QFETCH(bool, withCatalog);
    QFETCH(QString, click);
    QFETCH(QString, search);
    QFETCH(QString, personal);
    QFETCH(QString, reasonPart);

    const IndexCatalog::LoadResult loaded = IndexCatalog::fromFile(
        QStringLiteral(INSIGHTS_TEST_DATA_DIR "/views/catalog.json"), QStringLiteral("products"));
    QVERIFY2(loaded.catalog, qPrintable(loaded.error));
    const DecodedBatch decoded = EventCodec::decodeEvent(json);
    QCOMPARE(decoded.events.size(), 1);
    const qint64 now = 1'800'000'000'000;
    LogRecord record;
    record.accepted = accepted;
    record.httpStatus = accepted ? 200 : 422;
    record.receivedAtMs = now - ageMs;
    QList<const IndexCatalog*> catalogs;
    if (withCatalog)
        catalogs << &*loaded.catalog;
    const QList<FeatureUse> uses = EventUsefulness::judge(decoded.events.first(), record, catalogs, now);
    QCOMPARE(uses.size(), 3);
    QCOMPARE(EventUsefulness::usefulnessName(uses[0].use), click);
    QCOMPARE(EventUsefulness::usefulnessName(uses[1].use), search);
    QCOMPARE(EventUsefulness::usefulnessName(uses[2].use), personal);
    QString reasons;
    for (const FeatureUse& use : uses) {
        QVERIFY(!use.reason.isEmpty());
        reasons += use.reason + QLatin1Char('\n');
    }
    QVERIFY2(reasons.contains(reasonPart), qPrintable(reasons));
}

QTEST_GUILESS_MAIN(TestEventUsefulness)
#include "tst_eventusefulness.moc"
