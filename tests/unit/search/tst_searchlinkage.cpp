// Events checked against recorded searches: positions across pages, hits, indices, user tokens, the one-hour
// window, and the search Algolia attributes a conversion without queryID to through an earlier click.
#include "event/event.h"
#include "event/validator.h"
#include "search/searchlinkage.h"

#include <QTest>

namespace {

constexpr qint64 kT0 = 1'780'000'000'000;
const QString kQueryA = QString(32, QLatin1Char('a')); // films, page 1 × 3, user-1
const QString kQueryB = QString(32, QLatin1Char('b')); // another index
const QString kQueryC = QString(32, QLatin1Char('c')); // films, no userToken

SearchRecord search(const QString& queryID, const QString& index, const QString& userToken, int page,
                    QStringList hits)
{
    SearchRecord record;
    record.atMs = kT0;
    record.index = index;
    record.query = QStringLiteral("river");
    record.page = page;
    record.hitsPerPage = 3;
    record.hits = std::move(hits);
    record.nbHits = 26;
    record.clickAnalytics = true;
    record.userToken = userToken;
    record.queryID = queryID;
    return record;
}

Event click(const QString& queryID, const QString& objectID, qint64 position)
{
    Event event;
    event.eventType = QStringLiteral("click");
    event.eventName = QStringLiteral("Hit Clicked");
    event.index = QStringLiteral("films");
    event.userToken = QStringLiteral("user-1");
    event.timestamp = kT0 + 60'000;
    event.queryID = queryID;
    event.objectIDs = QStringList{objectID};
    event.positions = QList<qint64>{position};
    return event;
}

Event conversion(const QStringList& objectIDs)
{
    Event event;
    event.eventType = QStringLiteral("conversion");
    event.eventSubtype = QStringLiteral("purchase");
    event.eventName = QStringLiteral("Purchased");
    event.index = QStringLiteral("films");
    event.userToken = QStringLiteral("user-1");
    event.timestamp = kT0 + 120'000;
    event.objectIDs = objectIDs;
    return event;
}

QStringList codesOf(const IssueList& issues)
{
    QStringList codes;
    for (const Issue& issue : issues)
        codes.append(issue.code);
    return codes;
}

} // namespace

Q_DECLARE_METATYPE(Event)

class TestSearchLinkage final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void checks_data();
    void checks();
    void linkedThroughTheValidator();
    void noLookupNoChecks();
    void historyForgetsTheOldestFirst();

private:
    std::unique_ptr<SearchHistory> m_history;
};

void TestSearchLinkage::init()
{
    m_history = std::make_unique<SearchHistory>();
    m_history->addSearch(
        search(kQueryA, QStringLiteral("films"), QStringLiteral("user-1"), 1,
               {QStringLiteral("film-04"), QStringLiteral("film-05"), QStringLiteral("film-06")}));
    m_history->addSearch(
        search(kQueryB, QStringLiteral("other"), QStringLiteral("user-1"), 0, {QStringLiteral("film-05")}));
    m_history->addSearch(
        search(kQueryC, QStringLiteral("films"), QString(), 0,
               {QStringLiteral("film-01"), QStringLiteral("film-02"), QStringLiteral("film-05")}));
    // user-1 clicked film-05 from search A, one second after it
    Event earlier = click(kQueryA, QStringLiteral("film-05"), 5);
    earlier.timestamp = kT0 + 1'000;
    m_history->addClicks(earlier, kT0 + 1'000);
}

void TestSearchLinkage::checks_data()
{
    QTest::addColumn<Event>("event");
    QTest::addColumn<qint64>("nowMs");
    QTest::addColumn<QStringList>("codes");
    QTest::addColumn<QString>("field"); // of the first issue
    QTest::addColumn<QString>("says");  // in the first issue's message

    const qint64 now = kT0 + 90'000;
    QTest::addRow("page 2 hit at its absolute position")
        << click(kQueryA, QStringLiteral("film-05"), 5) << now << QStringList() << QString() << QString();
    QTest::addRow("position counted from the page, not absolute")
        << click(kQueryA, QStringLiteral("film-05"), 2) << now
        << QStringList{QStringLiteral("position.mismatch")} << QStringLiteral("positions[0]")
        << QStringLiteral("absolute position 5");
    QTest::addRow("position counted from 0")
        << click(kQueryA, QStringLiteral("film-04"), 3) << now
        << QStringList{QStringLiteral("position.mismatch")} << QStringLiteral("positions[0]")
        << QStringLiteral("hit 1 of page 1 with 3 hits per page");
    QTest::addRow("object not among the hits")
        << click(kQueryA, QStringLiteral("film-01"), 1) << now
        << QStringList{QStringLiteral("objectID.notInSearchHits")} << QStringLiteral("objectIDs[0]")
        << QStringLiteral("\"film-01\" was not among the hits");
    QTest::addRow("queryID of no recorded search")
        << click(QString(32, QLatin1Char('d')), QStringLiteral("film-05"), 5) << now
        << QStringList{QStringLiteral("queryID.unknown")} << QStringLiteral("queryID")
        << QStringLiteral("matches no recorded search of index \"films\"");
    QTest::addRow("queryID of another index")
        << click(kQueryB, QStringLiteral("film-05"), 1) << now
        << QStringList{QStringLiteral("queryID.otherIndex")} << QStringLiteral("queryID")
        << QStringLiteral("search of index \"other\"");
    {
        Event foreign = click(kQueryA, QStringLiteral("film-05"), 5);
        foreign.userToken = QStringLiteral("someone-else");
        QTest::addRow("foreign userToken")
            << foreign << now << QStringList{QStringLiteral("userToken.differsFromSearch")}
            << QStringLiteral("userToken") << QStringLiteral("\"user-1\"");
        foreign.authenticatedUserToken = QStringLiteral("user-1");
        QTest::addRow("authenticated token is the search's")
            << foreign << now << QStringList() << QString() << QString();
    }
    QTest::addRow("search without userToken")
        << click(kQueryC, QStringLiteral("film-05"), 3) << now
        << QStringList{QStringLiteral("search.noUserToken")} << QStringLiteral("queryID")
        << QStringLiteral("carried no userToken");
    {
        Event late = click(kQueryA, QStringLiteral("film-05"), 5);
        late.timestamp = kT0 + 3'600'001;
        QTest::addRow("click over an hour after its search")
            << late << late.timestamp.value() << QStringList{QStringLiteral("click.afterOneHour")}
            << QStringLiteral("timestamp") << QStringLiteral("60 minutes after");
        late.timestamp = kT0 + 3'600'000;
        QTest::addRow("click exactly an hour after")
            << late << late.timestamp.value() << QStringList() << QString() << QString();
        late.timestamp.reset();
        QTest::addRow("no timestamp: dated now")
            << late << kT0 + 7'200'000 << QStringList{QStringLiteral("click.afterOneHour")}
            << QStringLiteral("queryID") << QStringLiteral("120 minutes");
    }
    {
        Event elsewhere = click(kQueryA, QStringLiteral("film-05"), 5);
        elsewhere.index = QStringLiteral("unsearched");
        QTest::addRow("index without recorded searches: cannot be checked")
            << elsewhere << now << QStringList{QStringLiteral("search.notRecorded")}
            << QStringLiteral("queryID") << QStringLiteral("cannot be checked");
        Event view = click(kQueryA, QStringLiteral("film-01"), 9);
        view.eventType = QStringLiteral("view");
        view.queryID.reset();
        view.positions.reset();
        QTest::addRow("views are not linked") << view << now << QStringList() << QString() << QString();
    }
    {
        Event converted = conversion({QStringLiteral("film-05")});
        converted.queryID = kQueryA;
        QTest::addRow("conversion citing its search")
            << converted << now << QStringList() << QString() << QString();
        converted.queryID.reset();
        QTest::addRow("conversion inferred through an earlier click")
            << converted << now << QStringList{QStringLiteral("queryID.inferred")}
            << QStringLiteral("objectIDs[0]") << QStringLiteral("to search \"") + kQueryA + QLatin1Char('"');
        Event other = converted;
        other.userToken = QStringLiteral("user-3");
        QTest::addRow("no click by that user")
            << other << now << QStringList{QStringLiteral("queryID.notInferable")}
            << QStringLiteral("objectIDs[0]") << QStringLiteral("cannot attribute");
        Event before = converted;
        before.timestamp = kT0 + 500; // before the click
        QTest::addRow("the click came after the conversion")
            << before << now << QStringList{QStringLiteral("queryID.notInferable")}
            << QStringLiteral("objectIDs[0]") << QString();
        Event mixed = conversion({QStringLiteral("film-06"), QStringLiteral("film-05")});
        ObjectDataItem cited;
        cited.queryID = kQueryC;
        mixed.objectData = QList<ObjectDataItem>{cited, ObjectDataItem{}};
        QTest::addRow("objectData queryID checked, the other object inferred")
            << mixed << now
            << QStringList{QStringLiteral("objectID.notInSearchHits"), QStringLiteral("search.noUserToken"),
                           QStringLiteral("queryID.inferred")}
            << QStringLiteral("objectIDs[0]") << QStringLiteral("\"film-06\"");
    }
}

void TestSearchLinkage::checks()
{
    QFETCH(Event, event);
    QFETCH(qint64, nowMs);
    QFETCH(QStringList, codes);
    QFETCH(QString, field);
    QFETCH(QString, says);
    const IssueList issues = SearchLinkage::check(event, 3, *m_history, nowMs);
    QCOMPARE(codesOf(issues), codes);
    for (const Issue& issue : issues) {
        QVERIFY(!issue.isError()); // linkage never rejects
        QCOMPARE(issue.eventIndex, 3);
    }
    if (!issues.isEmpty()) {
        QCOMPARE(issues.constFirst().field, field);
        QVERIFY2(issues.constFirst().message.contains(says), qPrintable(issues.constFirst().message));
    }
}

void TestSearchLinkage::linkedThroughTheValidator()
{
    ValidationContext context;
    context.nowMs = kT0 + 90'000;
    context.searches = m_history.get();
    const BatchVerdict verdict = Validator::validateEvents(
        {click(kQueryA, QStringLiteral("film-05"), 5), click(kQueryA, QStringLiteral("film-06"), 3)},
        context);
    QCOMPARE(verdict.httpStatus, 200);
    QCOMPARE(verdict.events.size(), 2);
    QVERIFY(!codesOf(verdict.events.at(0).issues).contains(QStringLiteral("position.mismatch")));
    QVERIFY(codesOf(verdict.events.at(1).issues).contains(QStringLiteral("position.mismatch")));
    const Issue mismatch = verdict.events.at(1).issues.at(
        codesOf(verdict.events.at(1).issues).indexOf(QStringLiteral("position.mismatch")));
    QCOMPARE(mismatch.path(), QStringLiteral("events[1].positions[0]"));
    QCOMPARE(mismatch.severity, Severity::Warning);
}

void TestSearchLinkage::noLookupNoChecks()
{
    ValidationContext context;
    context.nowMs = kT0 + 90'000;
    const BatchVerdict verdict = Validator::validateEvents(
        {click(QString(32, QLatin1Char('d')), QStringLiteral("film-05"), 2)}, context);
    for (const Issue& issue : verdict.events.at(0).issues)
        QVERIFY2(!issue.code.startsWith(QLatin1String("search.")) &&
                     issue.code != QLatin1String("queryID.unknown"),
                 qPrintable(issue.code));
}

void TestSearchLinkage::historyForgetsTheOldestFirst()
{
    SearchHistory history(2);
    for (const QChar c : {QLatin1Char('1'), QLatin1Char('2'), QLatin1Char('3')})
        history.addSearch(search(QString(32, c), QStringLiteral("films"), QStringLiteral("u"), 0, {}));
    QVERIFY(!history.searchByQueryId(QString(32, QLatin1Char('1'))));
    QVERIFY(history.searchByQueryId(QString(32, QLatin1Char('2'))));
    QVERIFY(history.searchByQueryId(QString(32, QLatin1Char('3'))));
    QCOMPARE(history.searchCount(), 2);
    QVERIFY(history.hasSearches(QStringLiteral("films")));
    history.clear();
    QVERIFY(!history.hasSearches(QStringLiteral("films")));
}

QTEST_GUILESS_MAIN(TestSearchLinkage)
#include "tst_searchlinkage.moc"
