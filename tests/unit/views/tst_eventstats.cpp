// Chart counts and the profile estimate: rates per bin, totals per window, top errors, pruning; affinities
// weighted view < click < addToCart < purchase from catalog attributes.

#include "views/eventstats.h"
#include "views/profileestimate.h"

#include "catalog/indexcatalog.h"

#include <QTest>

class TestEventStats final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void ratesAndTotals();
    void topErrorsAndPruning();
    void weights_data();
    void weights();
    void profileFavoursStrongerEvents();
    void searchesAreNotEventsAndRefusedRequestsCount();
};

namespace {

constexpr qint64 kNow = 1'800'000'000'000; // a whole second

LogRecord at(qint64 msAgo, bool accepted, const QString& type = QStringLiteral("click"),
             const QString& error = QString())
{
    LogRecord r;
    r.receivedAtMs = kNow - msAgo;
    r.accepted = accepted;
    r.httpStatus = accepted ? 200 : 422;
    r.eventType = type;
    if (!error.isEmpty()) {
        Issue issue;
        issue.message = error;
        issue.field = QStringLiteral("userToken");
        r.issues << issue;
    }
    return r;
}

LogRecord viewed(const QString& type, const QString& subtype, const QString& objectID, bool accepted = true)
{
    LogRecord r;
    r.accepted = accepted;
    r.eventType = type;
    r.eventSubtype = subtype;
    r.index = QStringLiteral("products");
    r.rawJson = QByteArrayLiteral("{\"eventType\":\"") + type.toUtf8() +
                QByteArrayLiteral(
                    "\",\"eventName\":\"e\",\"index\":\"products\",\"userToken\":\"u\",\"objectIDs\":[\"") +
                objectID.toUtf8() + QByteArrayLiteral("\"]}");
    return r;
}

} // namespace

void TestEventStats::ratesAndTotals()
{
    EventStats stats;
    for (int i = 0; i < 10; ++i)
        stats.add(at(0, true)); // 10 accepted this second
    for (int i = 0; i < 4; ++i)
        stats.add(at(2000, false));      // 4 rejected two seconds ago
    stats.add(at(10 * 60 * 1000, true)); // 10 minutes ago: outside a 5-minute window
    QCOMPARE(stats.accepted(kNow, 300), 10);
    QCOMPARE(stats.rejected(kNow, 300), 4);
    QCOMPARE(stats.accepted(kNow, 900), 11);

    const QList<EventStats::Point> perSecond = stats.rate(kNow, 60, 60);
    QCOMPARE(perSecond.size(), 60);
    QCOMPARE(perSecond.last().acceptedPerSecond, 10.0);
    QCOMPARE(perSecond[57].rejectedPerSecond, 4.0);
    // 5-second bins average: the last bin holds 10 accepted over 5 s and 4 rejected over 5 s.
    const QList<EventStats::Point> coarse = stats.rate(kNow, 60, 12);
    QCOMPARE(coarse.last().acceptedPerSecond, 2.0);
    QCOMPARE(coarse.last().rejectedPerSecond, 0.8);

    const auto types = stats.byType(kNow, 300);
    QCOMPARE(types.value(QStringLiteral("click")).accepted, 10);
    QCOMPARE(types.value(QStringLiteral("click")).rejected, 4);
}

void TestEventStats::topErrorsAndPruning()
{
    EventStats stats;
    EventStats other;
    for (int i = 0; i < 3; ++i)
        stats.add(at(1000, false, QStringLiteral("view"), QStringLiteral("bad token")));
    other.add(at(2 * 3600 * 1000, false, QStringLiteral("view"), QStringLiteral("too old")));
    other.add(at(0, false, QStringLiteral("view"), QStringLiteral("bad queryID")));
    stats.merge(other);
    QList<QPair<QString, qint64>> top = stats.topErrors(5);
    QCOMPARE(top.size(), 3);
    QCOMPARE(top.first().first, QStringLiteral("bad token"));
    QCOMPARE(top.first().second, 3);
    stats.prune(kNow);
    top = stats.topErrors(5);
    QCOMPARE(top.size(), 2); // the two-hour-old error is gone
    QCOMPARE(stats.rejected(kNow, 3600), 4);
}

void TestEventStats::weights_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("subtype");
    QTest::addColumn<double>("weight");
    QTest::addRow("view") << QStringLiteral("view") << QString() << 1.0;
    QTest::addRow("click") << QStringLiteral("click") << QString() << 2.0;
    QTest::addRow("addToCart") << QStringLiteral("conversion") << QStringLiteral("addToCart") << 3.0;
    QTest::addRow("purchase") << QStringLiteral("conversion") << QStringLiteral("purchase") << 4.0;
    QTest::addRow("instantsearch") << QStringLiteral("instantsearch") << QString() << 0.0;
}

void TestEventStats::weights()
{
    QFETCH(QString, type);
    QFETCH(QString, subtype);
    QFETCH(double, weight);
    QCOMPARE(ProfileEstimator::weightOf(viewed(type, subtype, QStringLiteral("x"))), weight);
}

void TestEventStats::profileFavoursStrongerEvents()
{
    const IndexCatalog::LoadResult loaded = IndexCatalog::fromFile(
        QStringLiteral(INSIGHTS_TEST_DATA_DIR "/views/catalog.json"), QStringLiteral("products"));
    QVERIFY(loaded.catalog);
    // Two views of road shoes (running, Swift, 2023) against one purchase of hiking boots (outdoor, hiking,
    // Peak, 2022): the purchase weighs more (4 > 2 x 1).
    const QList<LogRecord> events{
        viewed(QStringLiteral("view"), {}, QStringLiteral("sku-2")),
        viewed(QStringLiteral("view"), {}, QStringLiteral("sku-2")),
        viewed(QStringLiteral("conversion"), QStringLiteral("purchase"), QStringLiteral("sku-3")),
        viewed(QStringLiteral("click"), {}, QStringLiteral("sku-404")),      // not in the catalog
        viewed(QStringLiteral("click"), {}, QStringLiteral("sku-1"), false), // rejected
    };
    const ProfileEstimate estimate = ProfileEstimator::estimate(events, {&*loaded.catalog});
    QCOMPARE(estimate.eventsUsed, 3);
    QCOMPARE(estimate.eventsSkipped, 2);
    QVERIFY(!estimate.affinities.isEmpty());
    // Relative affinity: shares of the weighted interest (2 views x 3 values + 1 purchase x 4 values = 22).
    QCOMPARE(estimate.affinities.first().score, 100.0 * 4 / 22);
    double total = 0;
    for (const Affinity& a : estimate.affinities)
        total += a.score;
    QCOMPARE(total, 100.0);
    double hiking = -1;
    double running = -1;
    for (const Affinity& a : estimate.affinities) {
        if (a.attribute == u"genre" && a.value == u"hiking")
            hiking = a.score;
        if (a.attribute == u"genre" && a.value == u"running")
            running = a.score;
        QVERIFY(a.attribute != u"title"); // names of records are not tastes
    }
    QCOMPARE(hiking, 100.0 * 4 / 22);
    QCOMPARE(running, 100.0 * 2 / 22);
}

void TestEventStats::searchesAreNotEventsAndRefusedRequestsCount()
{
    EventStats stats;
    stats.add(at(1000, true));
    stats.add(at(1000, false, QStringLiteral("click"), QStringLiteral("bad token")));
    LogRecord search = at(1000, true, QString());
    search.kind = RecordKind::Search;
    search.userToken = QStringLiteral("user-1");
    stats.add(search);
    LogRecord refused = at(2000, false, QString(), QStringLiteral("Invalid credentials"));
    refused.kind = RecordKind::Request;
    refused.httpStatus = 401;
    stats.add(refused);
    stats.add(refused);

    QCOMPARE(stats.accepted(kNow, 300), 1);
    QCOMPARE(stats.rejected(kNow, 300), 1);
    QCOMPARE(stats.refusedRequests(kNow, 300), 2);
    // Neither a search nor a refused request is an event type.
    QCOMPARE(stats.byType(kNow, 300).keys(), QStringList{QStringLiteral("click")});
    QVERIFY(stats.topUserTokens(10).isEmpty());
    // Why requests were refused is among the top errors.
    QCOMPARE(stats.topErrors(1).first().first, QStringLiteral("Invalid credentials"));
    double refusedRate = 0;
    for (const EventStats::Point& point : stats.rate(kNow, 300, 300))
        refusedRate += point.refusedPerSecond;
    QCOMPARE(refusedRate, 2.0);
    // Merged counts keep them apart too.
    EventStats merged;
    merged.merge(stats);
    QCOMPARE(merged.refusedRequests(kNow, 300), 2);
    QCOMPARE(merged.accepted(kNow, 300), 1);
}

QTEST_GUILESS_MAIN(TestEventStats)
#include "tst_eventstats.moc"
