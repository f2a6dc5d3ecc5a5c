// PresenterStats: the counters, ticker, funnels, profiles and mistakes of the presenter view, fed records as
// the event log gives them.

#include "catalog/indexcatalog.h"
#include "demo/presenterstats.h"

#include <QDateTime>
#include <QTest>

namespace {

constexpr qint64 kNow = 1'800'000'000'000;

IndexCatalog catalog()
{
    const QByteArray records =
        "[{\"objectID\":\"m1\",\"title\":\"One\",\"genres\":[\"Drama\"],\"year\":1994},"
        "{\"objectID\":\"m2\",\"title\":\"Two\",\"genres\":[\"Drama\",\"Crime\"],\"year\":1995},"
        "{\"objectID\":\"m3\",\"title\":\"Three\",\"genres\":[\"Comedy\"],\"year\":2004}]";
    return *IndexCatalog::fromJson(records, QStringLiteral("movies")).catalog;
}

struct RecordSpec
{
    qint64 id;
    QString type;
    QString subtype;
    QString user;
    QString object;
    bool accepted = true;
    QList<Issue> issues = {};
    QString authenticated = {};
    qint64 receivedAt = kNow;
};

LogRecord record(const RecordSpec& spec)
{
    LogRecord r;
    r.id = spec.id;
    r.requestId = QStringLiteral("req-%1").arg(spec.id);
    r.receivedAtMs = spec.receivedAt;
    r.accepted = spec.accepted;
    r.httpStatus = spec.accepted ? 200 : 422;
    r.eventType = spec.type;
    r.eventSubtype = spec.subtype;
    r.eventName = QStringLiteral("Event ") + spec.type;
    r.index = QStringLiteral("movies");
    r.userToken = spec.user;
    r.authenticatedUserToken = spec.authenticated;
    r.issues = spec.issues;
    QByteArray json = "{\"eventType\":\"" + spec.type.toUtf8() + "\",";
    if (!spec.subtype.isEmpty())
        json += "\"eventSubtype\":\"" + spec.subtype.toUtf8() + "\",";
    json += "\"eventName\":\"" + r.eventName.toUtf8() + "\",\"index\":\"movies\",\"userToken\":\"" +
            spec.user.toUtf8() + "\",";
    if (!spec.authenticated.isEmpty())
        json += "\"authenticatedUserToken\":\"" + spec.authenticated.toUtf8() + "\",";
    json += "\"timestamp\":" + QByteArray::number(spec.receivedAt) + ",\"objectIDs\":[\"" +
            spec.object.toUtf8() + "\"]}";
    r.rawJson = json;
    r.timestampMs = spec.receivedAt;
    return r;
}

Issue issue(Severity severity, const QString& code, const QString& message)
{
    Issue i;
    i.severity = severity;
    i.code = code;
    i.message = message;
    return i;
}

} // namespace

class TestPresenterStats final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void countersAndPersonalization()
    {
        const IndexCatalog movies = catalog();
        PresenterStats stats;
        stats.setCatalogs({&movies});
        stats.add(record({1, QStringLiteral("view"), {}, QStringLiteral("anon-a"), QStringLiteral("m1")}),
                  kNow);
        stats.add(record({2, QStringLiteral("click"), {}, QStringLiteral("anon-a"), QStringLiteral("m2")}),
                  kNow);
        // Not in the index: accepted, but Personalization cannot use it.
        stats.add(record({3, QStringLiteral("view"), {}, QStringLiteral("anon-a"), QStringLiteral("zz")}),
                  kNow);
        stats.add(
            record({4,
                    QStringLiteral("view"),
                    {},
                    QStringLiteral("bad token"),
                    QStringLiteral("m1"),
                    false,
                    {issue(Severity::Error, QStringLiteral("userToken.invalid"), QStringLiteral("bad"))}}),
            kNow);
        QCOMPARE(stats.total(), 4);
        QCOMPARE(stats.accepted(), 3);
        QCOMPARE(stats.rejected(), 1);
        QCOMPARE(stats.countsForPersonalization(), 2);
        QCOMPARE(stats.lastId(), 4);
        // The same record again (an overlapping read) is not counted twice.
        stats.add(record({4, QStringLiteral("view"), {}, QStringLiteral("x"), QStringLiteral("m1")}), kNow);
        QCOMPARE(stats.total(), 4);
    }

    void eventsPerSecondOverTheWindow()
    {
        PresenterStats stats;
        qint64 id = 0;
        for (int second = 0; second < 20; ++second) {
            for (int n = 0; n < 3; ++n)
                stats.add(record({++id,
                                  QStringLiteral("view"),
                                  {},
                                  QStringLiteral("u"),
                                  QStringLiteral("m1"),
                                  true,
                                  {},
                                  {},
                                  kNow + second * 1000}),
                          kNow);
        }
        const qint64 last = kNow + 19 * 1000;
        QCOMPARE(stats.eventsPerSecond(last), 3.0);
        QCOMPARE(stats.eventsPerSecond(last + 5000), 1.5); // five of the ten seconds are silent
        QCOMPARE(stats.eventsPerSecond(last + 60'000), 0.0);
    }

    void tickerNewestFirstWithBadges()
    {
        PresenterStats stats;
        const Issue error =
            issue(Severity::Error, QStringLiteral("userToken.invalid"), QStringLiteral("UserToken…"));
        const Issue warning =
            issue(Severity::Warning, QStringLiteral("queryID.missing"), QStringLiteral("No queryID"));
        for (qint64 id = 1; id <= 12; ++id)
            stats.add(record({id, QStringLiteral("view"), {}, QStringLiteral("u"), QStringLiteral("m1")}),
                      kNow);
        stats.add(record({13,
                          QStringLiteral("click"),
                          {},
                          QStringLiteral("u"),
                          QStringLiteral("m1"),
                          true,
                          {warning}}),
                  kNow);
        stats.add(
            record(
                {14, QStringLiteral("view"), {}, QStringLiteral("u"), QStringLiteral("m1"), false, {error}}),
            kNow);
        stats.add(record({15, QStringLiteral("conversion"), QStringLiteral("purchase"), QStringLiteral("u"),
                          QStringLiteral("m1"), false}),
                  kNow);
        const QList<PresenterStats::TickerEntry> ticker = stats.ticker();
        QCOMPARE(ticker.size(), PresenterStats::kTickerSize);
        QCOMPARE(ticker[0].id, 15);
        QCOMPARE(ticker[0].badge, PresenterStats::Badge::RejectedWithBatch);
        QCOMPARE(ticker[0].what, QStringLiteral("conversion · purchase"));
        QCOMPARE(ticker[1].badge, PresenterStats::Badge::Rejected);
        QCOMPARE(ticker[1].note, error.message);
        QCOMPARE(ticker[2].badge, PresenterStats::Badge::Warning);
        QCOMPARE(ticker[2].note, warning.message);
        QCOMPARE(ticker[3].badge, PresenterStats::Badge::Accepted);
        QCOMPARE(ticker.last().id, 8);
        // Badges read without colour.
        for (auto badge : {PresenterStats::Badge::Accepted, PresenterStats::Badge::Warning,
                           PresenterStats::Badge::Rejected, PresenterStats::Badge::RejectedWithBatch})
            QVERIFY(PresenterStats::badgeText(badge).size() > 3);
    }

    void funnelPerShopperThroughLogin()
    {
        const IndexCatalog movies = catalog();
        PresenterStats stats;
        stats.setCatalogs({&movies});
        const QString anon = QStringLiteral("anonymous-1");
        qint64 id = 0;
        auto add = [&](const QString& type, const QString& subtype, const QString& object,
                       bool accepted = true, const QString& authenticated = {},
                       const QString& user = QStringLiteral("anonymous-1")) {
            ++id;
            stats.add(record({id, type, subtype, user, object, accepted, {}, authenticated, kNow + id}),
                      kNow + id);
        };
        add(QStringLiteral("view"), {}, QStringLiteral("m1"));
        add(QStringLiteral("view"), {}, QStringLiteral("m2"));
        add(QStringLiteral("click"), {}, QStringLiteral("m2"));
        add(QStringLiteral("conversion"), QStringLiteral("addToCart"), QStringLiteral("m2"), true,
            QStringLiteral("customer-42"));
        add(QStringLiteral("conversion"), QStringLiteral("purchase"), QStringLiteral("m2"), false,
            QStringLiteral("customer-42")); // rejected: not in the funnel
        add(QStringLiteral("view"), {}, QStringLiteral("m3"), true, {}, QStringLiteral("anonymous-2"));

        const QList<PresenterStats::Shopper> shoppers = stats.shoppers(10);
        QCOMPARE(shoppers.size(), 2);
        QCOMPARE(shoppers[0].userToken, QStringLiteral("anonymous-2")); // seen last
        const PresenterStats::Shopper& first = shoppers[1];
        QCOMPARE(first.userToken, anon);
        QCOMPARE(first.authenticatedUserToken, QStringLiteral("customer-42"));
        QCOMPARE(first.stages[int(PresenterStats::Stage::View)], 2);
        QCOMPARE(first.stages[int(PresenterStats::Stage::Click)], 1);
        QCOMPARE(first.stages[int(PresenterStats::Stage::AddToCart)], 1);
        QCOMPARE(first.stages[int(PresenterStats::Stage::Purchase)], 0);
        // The profile leans to drama: both records touched are dramas, weighted by the click and the cart.
        QVERIFY(!first.affinities.isEmpty());
        QCOMPARE(first.affinities.first().value, QStringLiteral("Drama"));
        QCOMPARE(stats.shoppers(1).size(), 1);
    }

    void mistakesByCodeWithoutInfos()
    {
        PresenterStats stats;
        const Issue token =
            issue(Severity::Error, QStringLiteral("userToken.invalid"), QStringLiteral("UserToken…"));
        const Issue missing =
            issue(Severity::Warning, QStringLiteral("queryID.missing"), QStringLiteral("No queryID"));
        const Issue info = issue(Severity::Info, QStringLiteral("timestamp.stale"), QStringLiteral("old"));
        stats.add(
            record(
                {1, QStringLiteral("click"), {}, QStringLiteral("a"), QStringLiteral("m1"), true, {missing}}),
            kNow);
        stats.add(record({2,
                          QStringLiteral("click"),
                          {},
                          QStringLiteral("b"),
                          QStringLiteral("m1"),
                          true,
                          {missing, info}}),
                  kNow);
        stats.add(
            record(
                {3, QStringLiteral("view"), {}, QStringLiteral("c"), QStringLiteral("m1"), false, {token}}),
            kNow);
        const QList<PresenterStats::Mistake> mistakes = stats.mistakes(10);
        QCOMPARE(mistakes.size(), 2);
        QCOMPARE(mistakes[0].code, QStringLiteral("queryID.missing"));
        QCOMPARE(mistakes[0].count, 2);
        QCOMPARE(mistakes[0].lastUserToken, QStringLiteral("b"));
        QCOMPARE(mistakes[1].code, QStringLiteral("userToken.invalid"));
        QCOMPARE(stats.mistakes(1).size(), 1);
        stats.clear();
        QCOMPARE(stats.total(), 0);
        QVERIFY(stats.mistakes(10).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestPresenterStats)
#include "tst_presenterstats.moc"
