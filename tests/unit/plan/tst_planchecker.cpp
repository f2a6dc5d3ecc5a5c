// The one plan checker, table-driven (issue 15 §2): each rule met and broken, journeys with interleaved
// users, windows, login transitions, token churn, suspicious tokens, pending states and unplanned events.

#include "catalog/indexcatalog.h"
#include "log/eventlog.h"
#include "plan/plan.h"
#include "plan/planchecker.h"

#include <QTest>

namespace {

constexpr qint64 kStart = 1'760'000'000'000; // a fixed moment: windows are measured from it
const QString kClient = QStringLiteral("127.0.0.1 Mozilla/5.0 (X11; Linux x86_64) Chrome/124");

// One record in a row's sequence; ids follow the order they are added.
class Run
{
public:
    Run& event(const QString& name, const QString& type, const QString& user, qint64 atSeconds)
    {
        CheckRecord record;
        record.id = static_cast<qint64>(m_records.size()) + 1;
        record.timeMs = kStart + atSeconds * 1000;
        record.event.eventName = name;
        record.event.eventType = type;
        record.event.index = QStringLiteral("movies");
        record.event.userToken = user;
        record.userToken = user;
        record.client = kClient;
        m_records.append(record);
        return *this;
    }
    Run& click(const QString& user, qint64 at, const QString& queryId = QStringLiteral("q1"))
    {
        event(QStringLiteral("Search Result Clicked"), QStringLiteral("click"), user, at);
        last().event.queryID = queryId;
        last().event.objectIDs = QStringList{QStringLiteral("movie-0001")};
        last().event.positions = QList<qint64>{1};
        return *this;
    }
    Run& view(const QString& user, qint64 at)
    {
        event(QStringLiteral("Product Viewed"), QStringLiteral("view"), user, at);
        last().event.objectIDs = QStringList{QStringLiteral("movie-0001")};
        return *this;
    }
    Run& cart(const QString& user, qint64 at, const QString& queryId = QStringLiteral("q1"))
    {
        event(QStringLiteral("Added To Cart"), QStringLiteral("conversion"), user, at);
        last().event.eventSubtype = QStringLiteral("addToCart");
        last().event.queryID = queryId;
        last().event.objectIDs = QStringList{QStringLiteral("movie-0001")};
        return *this;
    }
    Run& purchase(const QString& user, qint64 at, const QStringList& itemQueryIds = {QStringLiteral("q1")})
    {
        event(QStringLiteral("Purchased"), QStringLiteral("conversion"), user, at);
        last().event.eventSubtype = QStringLiteral("purchase");
        QList<ObjectDataItem> items;
        QStringList objectIds;
        for (const QString& queryId : itemQueryIds) {
            ObjectDataItem item;
            item.price = Amount::fromNumber(9.99);
            item.quantity = 1;
            if (!queryId.isEmpty())
                item.queryID = queryId;
            items.append(item);
            objectIds.append(QStringLiteral("movie-0001"));
        }
        last().event.objectIDs = objectIds;
        last().event.objectData = items;
        last().event.value = Amount::fromNumber(9.99 * static_cast<double>(itemQueryIds.size()));
        last().event.currency = QStringLiteral("EUR");
        return *this;
    }
    Run& search(const QString& user, qint64 at, const QString& queryId = QStringLiteral("q1"))
    {
        CheckRecord record;
        record.id = static_cast<qint64>(m_records.size()) + 1;
        record.timeMs = kStart + at * 1000;
        record.isSearch = true;
        record.searchIndex = QStringLiteral("movies");
        record.searchQueryId = queryId;
        record.userToken = user;
        m_records.append(record);
        return *this;
    }
    // Changes the last record.
    CheckRecord& last() { return m_records.last(); }
    Run& with(const std::function<void(CheckRecord&)>& change)
    {
        change(last());
        return *this;
    }
    Run& authenticated(const QString& token)
    {
        last().authenticatedUserToken = token;
        last().event.authenticatedUserToken = token;
        return *this;
    }
    Run& fromClient(const QString& client)
    {
        last().client = client;
        return *this;
    }
    Run& rejected(const QString& field, const QString& message)
    {
        last().accepted = false;
        last().httpStatus = 422;
        Issue issue;
        issue.field = field;
        issue.code = QStringLiteral("test.error");
        issue.message = message;
        issue.eventIndex = 0;
        last().issues.append(issue);
        return *this;
    }
    operator QList<CheckRecord>() const { return m_records; }

private:
    QList<CheckRecord> m_records;
};

const QString kUserA = QStringLiteral("anonymous-0b6a4d1e-5b52-4c4f-9a55-1f3f1c6a9e01");
const QString kUserB = QStringLiteral("anonymous-7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f");

} // namespace

Q_DECLARE_METATYPE(CheckStatus)
Q_DECLARE_METATYPE(CheckRecord)

class PlanCheckerTest final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void checks_data();
    void checks();
    void unplannedEventsWithHint();
    void notesTellWhichExpectationAnEventSatisfiedOrBroke();
    void passedFollowsNotMetAndUnplanned();
    void interleavedUsersGetOneInstanceEach();
    void fieldHelpers();
    void logRecordsOfEveryKind();

private:
    CheckReport check(const QList<CheckRecord>& records, bool runEnded, qint64 nowSeconds) const;
    Plan m_plan;
    std::shared_ptr<const IndexCatalog> m_catalog;
};

void PlanCheckerTest::initTestCase()
{
    const PlanLoadResult loaded =
        PlanFile::load(QStringLiteral(INSIGHTS_TEST_DATA_DIR "/plan/checker-plan.json"));
    QVERIFY2(loaded.plan, qPrintable(loaded.error));
    m_plan = *loaded.plan;
    IndexCatalog catalog(QStringLiteral("movies"));
    for (const char* id : {"movie-0001", "movie-0002"})
        catalog.addRecord(IndexCatalog::Record{QLatin1String(id), QLatin1String(id), {}});
    m_catalog = std::make_shared<const IndexCatalog>(catalog);
}

CheckReport PlanCheckerTest::check(const QList<CheckRecord>& records, bool runEnded, qint64 nowSeconds) const
{
    CheckOptions options;
    options.runEnded = runEnded;
    options.nowMs = kStart + nowSeconds * 1000;
    options.catalogs = {m_catalog};
    return checkPlan(m_plan, records, options);
}

void PlanCheckerTest::checks_data()
{
    QTest::addColumn<QList<CheckRecord>>("records");
    QTest::addColumn<bool>("runEnded");
    QTest::addColumn<qint64>("nowSeconds");
    QTest::addColumn<QString>("key");
    QTest::addColumn<CheckStatus>("status");
    QTest::addColumn<QString>("field"); // the first finding's field ("" when none or no field)

    const QString click = QStringLiteral("event:Search Result Clicked");
    const QString purchase = QStringLiteral("event:Purchased");
    const QString funnel = QStringLiteral("journey:Search to purchase");
    const QString viewClick = QStringLiteral("journey:View then click");
    const QString churn = QStringLiteral("token:churn");
    const QString login = QStringLiteral("token:login");
    const QString suspicious = QStringLiteral("token:suspicious");
    const auto met = CheckStatus::Met;
    const auto notMet = CheckStatus::NotMet;
    const auto pending = CheckStatus::Pending;

    // Expectations: each rule met and broken.
    QTest::addRow("click met") << QList<CheckRecord>(Run().click(kUserA, 0)) << true << 10LL << click << met
                               << "";
    QTest::addRow("click without queryID")
        << QList<CheckRecord>(Run().click(kUserA, 0).with([](CheckRecord& r) { r.event.queryID.reset(); }))
        << true << 10LL << click << notMet << "queryID";
    QTest::addRow("click without positions (required field)")
        << QList<CheckRecord>(Run().click(kUserA, 0).with([](CheckRecord& r) { r.event.positions.reset(); }))
        << true << 10LL << click << notMet << "positions";
    QTest::addRow("click on an objectID not in the catalog")
        << QList<CheckRecord>(Run().click(kUserA, 0).with([](CheckRecord& r) {
               r.event.objectIDs = QStringList{QStringLiteral("movie-0001"), QStringLiteral("movie-9999")};
           }))
        << true << 10LL << click << notMet << "objectIDs[1]";
    QTest::addRow("click with the wrong eventType")
        << QList<CheckRecord>(Run().click(kUserA, 0).with(
               [](CheckRecord& r) { r.event.eventType = QStringLiteral("view"); }))
        << true << 10LL << click << notMet << "eventType";
    QTest::addRow("click on another index")
        << QList<CheckRecord>(
               Run().click(kUserA, 0).with([](CheckRecord& r) { r.event.index = QStringLiteral("books"); }))
        << true << 10LL << click << notMet << "index";
    QTest::addRow("click rejected by the endpoint")
        << QList<CheckRecord>(Run().click(kUserA, 0).rejected(QStringLiteral("positions[0]"),
                                                              QStringLiteral("bad position")))
        << true << 10LL << click << notMet << "positions[0]";
    QTest::addRow("click never seen, live: pending")
        << QList<CheckRecord>(Run().view(kUserA, 0)) << false << 10LL << click << pending << "";
    QTest::addRow("click never seen, run ended: not met")
        << QList<CheckRecord>(Run().view(kUserA, 0)) << true << 10LL << click << notMet << "";
    QTest::addRow("purchase met") << QList<CheckRecord>(Run().purchase(
                                         kUserA, 0, {QStringLiteral("q1"), QStringLiteral("q2")}))
                                  << true << 10LL << purchase << met << "";
    QTest::addRow("purchase with an item without queryID")
        << QList<CheckRecord>(Run().purchase(kUserA, 0, {QStringLiteral("q1"), QString()})) << true << 10LL
        << purchase << notMet << "objectData[1].queryID";
    QTest::addRow("purchase without currency") << QList<CheckRecord>(Run().purchase(kUserA, 0).with(
                                                      [](CheckRecord& r) { r.event.currency.reset(); }))
                                               << true << 10LL << purchase << notMet << "currency";
    QTest::addRow("purchase without subtype") << QList<CheckRecord>(Run().purchase(kUserA, 0).with(
                                                     [](CheckRecord& r) { r.event.eventSubtype.reset(); }))
                                              << true << 10LL << purchase << notMet << "eventSubtype";

    // Journeys.
    QTest::addRow("funnel with searches recorded: met") << QList<CheckRecord>(Run()
                                                                                  .search(kUserA, 0)
                                                                                  .view(kUserA, 30)
                                                                                  .click(kUserA, 60)
                                                                                  .cart(kUserA, 90)
                                                                                  .purchase(kUserA, 120))
                                                        << true << 200LL << funnel << met << "";
    QTest::addRow("funnel without searches recorded: pending, not checkable")
        << QList<CheckRecord>(Run().view(kUserA, 30).click(kUserA, 60).cart(kUserA, 90).purchase(kUserA, 120))
        << true << 200LL << funnel << pending << "";
    QTest::addRow("funnel without searches, a step missing at the end of the run: not met")
        << QList<CheckRecord>(Run().view(kUserA, 30).click(kUserA, 60).cart(kUserA, 90)) << true << 200LL
        << funnel << notMet << "";
    QTest::addRow("funnel click with a queryID no search returned")
        << QList<CheckRecord>(Run()
                                  .search(kUserA, 0, QStringLiteral("q1"))
                                  .view(kUserA, 30)
                                  .click(kUserA, 60, QStringLiteral("q-other")))
        << true << 200LL << funnel << notMet << "queryID";
    QTest::addRow("funnel purchase item queryID from a later search of the same user")
        << QList<CheckRecord>(Run()
                                  .search(kUserA, 0, QStringLiteral("q1"))
                                  .view(kUserA, 30)
                                  .click(kUserA, 60, QStringLiteral("q1"))
                                  .cart(kUserA, 90)
                                  .search(kUserA, 100, QStringLiteral("q2"))
                                  .purchase(kUserA, 120, {QStringLiteral("q1"), QStringLiteral("q2")}))
        << true << 200LL << funnel << met << "";
    QTest::addRow("funnel purchase item queryID from nowhere")
        << QList<CheckRecord>(Run()
                                  .search(kUserA, 0, QStringLiteral("q1"))
                                  .view(kUserA, 30)
                                  .click(kUserA, 60)
                                  .cart(kUserA, 90)
                                  .purchase(kUserA, 120, {QStringLiteral("q1"), QStringLiteral("q9")}))
        << true << 200LL << funnel << notMet << "objectData[1].queryID";
    QTest::addRow("funnel step after its window")
        << QList<CheckRecord>(Run().search(kUserA, 0).view(kUserA, 30).click(kUserA, 30 + 601)) << true
        << 2000LL << funnel << notMet << "";
    QTest::addRow("view then click within 60 s")
        << QList<CheckRecord>(Run().view(kUserA, 0).click(kUserA, 59)) << true << 100LL << viewClick << met
        << "";
    QTest::addRow("view then click after 61 s (every user must complete)")
        << QList<CheckRecord>(Run().view(kUserA, 0).click(kUserA, 61)) << true << 100LL << viewClick << notMet
        << "";
    QTest::addRow("view, window still open, live: pending")
        << QList<CheckRecord>(Run().view(kUserA, 0)) << false << 30LL << viewClick << pending << "";
    QTest::addRow("view, window expired, live: not met")
        << QList<CheckRecord>(Run().view(kUserA, 0)) << false << 61LL << viewClick << notMet << "";
    QTest::addRow("view again before the click restarts the window")
        << QList<CheckRecord>(Run().view(kUserA, 0).view(kUserA, 50).click(kUserA, 100)) << true << 200LL
        << viewClick << met << "";
    QTest::addRow("interleaved users both complete")
        << QList<CheckRecord>(Run().view(kUserA, 0).view(kUserB, 1).click(kUserB, 2).click(kUserA, 3)) << true
        << 100LL << viewClick << met << "";
    QTest::addRow("interleaved users, one does not complete")
        << QList<CheckRecord>(Run().view(kUserA, 0).view(kUserB, 1).click(kUserB, 2)) << true << 100LL
        << viewClick << notMet << "";
    QTest::addRow("another user's click does not complete a journey")
        << QList<CheckRecord>(Run().view(kUserA, 0).click(kUserB, 2)) << true << 100LL << viewClick << notMet
        << "";
    QTest::addRow("journey never started, run ended")
        << QList<CheckRecord>(Run().click(kUserA, 0)) << true << 100LL << viewClick << notMet << "";

    // Token churn.
    QTest::addRow("one anonymous token across page loads")
        << QList<CheckRecord>(Run().view(kUserA, 0).view(kUserA, 10).click(kUserA, 20)) << true << 100LL
        << churn << met << "";
    QTest::addRow("a new anonymous token on every page load")
        << QList<CheckRecord>(Run().view(kUserA, 0).view(kUserB, 10)) << true << 100LL << churn << notMet
        << "userToken";
    QTest::addRow("two browsers, one token each")
        << QList<CheckRecord>(
               Run().view(kUserA, 0).view(kUserB, 10).fromClient(QStringLiteral("127.0.0.2 Firefox")))
        << true << 100LL << churn << met << "";
    QTest::addRow("no client facts: not checkable")
        << QList<CheckRecord>(Run().view(kUserA, 0).fromClient({}).view(kUserB, 10).fromClient({})) << true
        << 100LL << churn << pending << "";

    // Login transitions.
    QTest::addRow("login keeps the anonymous userToken")
        << QList<CheckRecord>(Run()
                                  .view(kUserA, 0)
                                  .view(kUserA, 10)
                                  .authenticated(QStringLiteral("user-42"))
                                  .click(kUserA, 20)
                                  .authenticated(QStringLiteral("user-42")))
        << true << 100LL << login << met << "";
    QTest::addRow("login replaces userToken with another token")
        << QList<CheckRecord>(Run().view(kUserA, 0).view(kUserB, 10).authenticated(QStringLiteral("user-42")))
        << true << 100LL << login << notMet << "userToken";
    QTest::addRow("login puts the authenticated token in userToken")
        << QList<CheckRecord>(Run()
                                  .view(kUserA, 0)
                                  .view(QStringLiteral("user-42"), 10)
                                  .authenticated(QStringLiteral("user-42")))
        << true << 100LL << login << notMet << "userToken";
    QTest::addRow("userToken changes after login")
        << QList<CheckRecord>(Run()
                                  .view(kUserA, 0)
                                  .authenticated(QStringLiteral("user-42"))
                                  .view(kUserB, 10)
                                  .authenticated(QStringLiteral("user-42")))
        << true << 100LL << login << notMet << "userToken";
    QTest::addRow("no login seen: not checkable")
        << QList<CheckRecord>(Run().view(kUserA, 0)) << true << 100LL << login << pending << "";

    // Suspicious tokens.
    QTest::addRow("normal tokens") << QList<CheckRecord>(Run().view(kUserA, 0)) << true << 100LL << suspicious
                                   << met << "";
    for (const char* token : {"null", "undefined", "NaN", "[object Object]", "12345"}) {
        QTest::addRow("userToken %s", token) << QList<CheckRecord>(Run().view(QLatin1String(token), 0))
                                             << true << 100LL << suspicious << notMet << "userToken";
    }
    QTest::addRow("authenticatedUserToken undefined")
        << QList<CheckRecord>(Run().view(kUserA, 0).authenticated(QStringLiteral("undefined"))) << true
        << 100LL << suspicious << notMet << "authenticatedUserToken";
    QTest::addRow("email flagged by the validator")
        << QList<CheckRecord>(Run().view(QStringLiteral("jane@example.com"), 0).with([](CheckRecord& r) {
               Issue issue;
               issue.severity = Severity::Warning;
               issue.field = QStringLiteral("userToken");
               issue.code = QStringLiteral("userToken.personalData");
               r.issues.append(issue);
           }))
        << true << 100LL << suspicious << notMet << "userToken";
}

void PlanCheckerTest::checks()
{
    QFETCH(QList<CheckRecord>, records);
    QFETCH(bool, runEnded);
    QFETCH(qint64, nowSeconds);
    QFETCH(QString, key);
    QFETCH(CheckStatus, status);
    QFETCH(QString, field);

    const CheckReport report = check(records, runEnded, nowSeconds);
    const CheckResult* result = report.result(key);
    QVERIFY2(result, qPrintable(key));
    QVERIFY2(result->status == status, qPrintable(QStringLiteral("%1: %2 (%3), expected %4")
                                                      .arg(key, checkStatusName(result->status),
                                                           result->summary, checkStatusName(status))));
    if (status == CheckStatus::NotMet) {
        QVERIFY2(!result->findings.isEmpty(), "a check not met says why");
        QCOMPARE(result->findings.constFirst().field, field);
        QVERIFY(!result->findings.constFirst().message.isEmpty());
    } else {
        QVERIFY(result->findings.isEmpty());
    }
}

void PlanCheckerTest::unplannedEventsWithHint()
{
    const QList<CheckRecord> records =
        Run()
            .event(QStringLiteral("product viewed"), QStringLiteral("view"), kUserA, 0)
            .event(QStringLiteral("product viewed"), QStringLiteral("view"), kUserA, 1)
            .event(QStringLiteral("Wishlist Added"), QStringLiteral("conversion"), kUserA, 2)
            .view(kUserA, 3);
    const CheckReport report = check(records, true, 10);
    QCOMPARE(report.unplanned.size(), 2);
    QCOMPARE(report.unplanned.at(0).eventName, QStringLiteral("product viewed"));
    QCOMPARE(report.unplanned.at(0).count, 2);
    QCOMPARE(report.unplanned.at(0).recordIds, (QList<qint64>{1, 2}));
    QCOMPARE(report.unplanned.at(0).hint, QStringLiteral("did you mean 'Product Viewed'?"));
    QCOMPARE(report.unplanned.at(1).eventName, QStringLiteral("Wishlist Added"));
    QVERIFY(report.unplanned.at(1).hint.isEmpty());
    QCOMPARE(report.result(QStringLiteral("event:Product Viewed"))->matched, 1);
}

void PlanCheckerTest::notesTellWhichExpectationAnEventSatisfiedOrBroke()
{
    const QList<CheckRecord> records =
        Run().view(kUserA, 0).click(kUserA, 10).with([](CheckRecord& r) { r.event.positions.reset(); });
    const CheckReport report = check(records, true, 100);
    const QList<RecordNote> viewNotes = report.notesFor(1);
    const auto byKey = [](const QList<RecordNote>& notes, const QString& key) -> std::optional<RecordNote> {
        for (const RecordNote& note : notes) {
            if (note.checkKey == key)
                return note;
        }
        return std::nullopt;
    };
    const auto viewed = byKey(viewNotes, QStringLiteral("event:Product Viewed"));
    QVERIFY(viewed);
    QVERIFY(viewed->satisfied);
    const auto clicked = byKey(report.notesFor(2), QStringLiteral("event:Search Result Clicked"));
    QVERIFY(clicked);
    QVERIFY(!clicked->satisfied);
    QCOMPARE(clicked->field, QStringLiteral("positions"));
    // The journey the view started and the click completed in time.
    const auto journey = byKey(report.notesFor(2), QStringLiteral("journey:View then click"));
    QVERIFY(journey);
    QVERIFY(journey->satisfied);
    QCOMPARE(report.result(QStringLiteral("journey:View then click"))->recordIds(), (QList<qint64>{1, 2}));
}

void PlanCheckerTest::passedFollowsNotMetAndUnplanned()
{
    Plan plan;
    PlannedEvent view;
    view.name = QStringLiteral("Product Viewed");
    view.eventType = QStringLiteral("view");
    plan.events.append(view);
    CheckOptions options;
    options.runEnded = true;
    const QList<CheckRecord> planned = Run().view(kUserA, 0);
    QVERIFY(checkPlan(plan, planned, options).passed());
    const QList<CheckRecord> extra =
        Run().view(kUserA, 0).event(QStringLiteral("Other"), QStringLiteral("view"), kUserA, 1);
    QVERIFY(checkPlan(plan, extra, options).passed());
    plan.failOnUnplanned = true;
    QVERIFY(!checkPlan(plan, extra, options).passed());
    QVERIFY(!checkPlan(plan, {}, options).passed()); // the view never came
}

void PlanCheckerTest::interleavedUsersGetOneInstanceEach()
{
    const QList<CheckRecord> records =
        Run().view(kUserA, 0).view(kUserB, 1).click(kUserB, 2).click(kUserA, 200).view(kUserB, 300);
    const CheckReport report = check(records, false, 310);
    const CheckResult* journey = report.result(QStringLiteral("journey:View then click"));
    QVERIFY(journey);
    QCOMPARE(journey->instances.size(), 3);
    QCOMPARE(journey->instances.at(0).userToken, kUserA);
    QCOMPARE(journey->instances.at(0).status, CheckStatus::NotMet); // the click came 200 s later
    QCOMPARE(journey->instances.at(1).userToken, kUserB);
    QCOMPARE(journey->instances.at(1).status, CheckStatus::Met);
    QCOMPARE(journey->instances.at(1).recordIds, (QList<qint64>{2, 3}));
    QCOMPARE(journey->instances.at(2).status, CheckStatus::Pending); // B's second view, window open
    QCOMPARE(journey->status, CheckStatus::NotMet);
}

void PlanCheckerTest::fieldHelpers()
{
    Event event;
    event.eventType = QStringLiteral("conversion");
    event.queryID = QStringLiteral("q");
    ObjectDataItem withQuery;
    withQuery.queryID = QStringLiteral("q");
    withQuery.extras.append({QStringLiteral("color"), QByteArray("\"red\"")});
    event.objectData = QList<ObjectDataItem>{withQuery, ObjectDataItem{}};
    event.setExtra(QStringLiteral("pageType"), QByteArray("\"pdp\""));
    QVERIFY(eventHasField(event, QStringLiteral("queryID")));
    QVERIFY(!eventHasField(event, QStringLiteral("positions")));
    QVERIFY(eventHasField(event, QStringLiteral("pageType")));
    QCOMPARE(missingFields(event, QStringLiteral("objectData[].queryID")),
             QStringList{QStringLiteral("objectData[1].queryID")});
    QCOMPARE(missingFields(event, QStringLiteral("objectData[].color")),
             QStringList{QStringLiteral("objectData[1].color")});
    QCOMPARE(missingFields(Event{}, QStringLiteral("objectData[].price")),
             QStringList{QStringLiteral("objectData")});
    QCOMPARE(presentFields(event),
             (QStringList{QStringLiteral("eventType"), QStringLiteral("queryID"),
                          QStringLiteral("objectData"), QStringLiteral("pageType"),
                          QStringLiteral("objectData[].color"), QStringLiteral("objectData[].queryID")}));
}

void PlanCheckerTest::logRecordsOfEveryKind()
{
    // A search the endpoint answered, the view and click that followed it, and a refused request between.
    LogRecord search;
    search.id = 1;
    search.kind = RecordKind::Search;
    search.index = QStringLiteral("movies");
    search.userToken = kUserA;
    search.queryId = QStringLiteral("q1");
    search.receivedAtMs = kStart;
    search.accepted = true;
    LogRecord refused;
    refused.id = 2;
    refused.kind = RecordKind::Request;
    refused.httpStatus = 401;
    refused.receivedAtMs = kStart + 1000;
    LogRecord view;
    view.id = 3;
    view.userToken = kUserA;
    view.accepted = true;
    view.receivedAtMs = kStart + 2000;
    view.rawJson = "{\"eventType\":\"view\",\"eventName\":\"Product Viewed\",\"index\":\"movies\","
                   "\"userToken\":\"" +
                   kUserA.toUtf8() + "\",\"objectIDs\":[\"movie-0001\"]}";
    LogRecord click = view;
    click.id = 4;
    click.receivedAtMs = kStart + 3000;
    click.rawJson = "{\"eventType\":\"click\",\"eventName\":\"Search Result Clicked\",\"index\":\"movies\","
                    "\"userToken\":\"" +
                    kUserA.toUtf8() +
                    "\",\"queryID\":\"q1\",\"objectIDs\":[\"movie-0001\"],"
                    "\"positions\":[1]}";

    const CheckRecord asSearch = checkRecordFromLog(search);
    QVERIFY(asSearch.isSearch);
    QCOMPARE(asSearch.searchIndex, QStringLiteral("movies"));
    QCOMPARE(asSearch.searchQueryId, QStringLiteral("q1"));
    QVERIFY(checkRecordFromLog(refused).isRequest);
    QCOMPARE(checkRecordFromLog(click).event.queryID, std::optional<QString>(QStringLiteral("q1")));

    QList<CheckRecord> records;
    for (const LogRecord& record : {search, refused, view, click})
        records.append(checkRecordFromLog(record));
    const CheckReport report = check(records, false, 10);
    QCOMPARE(report.recordsChecked, 2); // the refused request is not an event
    QCOMPARE(report.searchesChecked, 1);
    QVERIFY(report.unplanned.isEmpty());
    // With searches recorded, the funnel's first steps are checked: it waits for the cart, not "not
    // checkable".
    const CheckResult* funnel = report.result(QStringLiteral("journey:Search to purchase"));
    QCOMPARE(funnel->status, CheckStatus::Pending);
    QCOMPARE(funnel->instances.constFirst().stepsDone, 3);
    QCOMPARE(funnel->instances.constFirst().recordIds, (QList<qint64>{1, 3, 4}));
    QVERIFY(!funnel->summary.contains(QLatin1String("not checkable")));
}

QTEST_GUILESS_MAIN(PlanCheckerTest)
#include "tst_planchecker.moc"
