// Searches and refused requests in the debugger window, as a user meets them (offscreen, widgets found by
// objectName): each kind reads as itself in the live table, the kind= and queryID= filters, the details
// linking a search and the events citing it both ways (selecting the row), the Raw tab with the request as
// received, the user timeline interleaving searches and events, and the charts counting refused requests.
// The log is written directly through EventLog::append, as the endpoint writes it.

#include "../../unit/views/logfixture.h"

#include "debugger/chartspane.h"
#include "debugger/debuggerpanel.h"
#include "debugger/detailspane.h"

#include "style/appearance.h"
#include "views/eventtablemodel.h"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QHeaderView>
#include <QIcon>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QPlainTextEdit>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QScrollBar>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTest>
#include <QTextBrowser>
#include <QTreeWidget>

class TestRecordKinds final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void tableShowsEachKind();
    void kindAndQueryIdFiltersFromTheBar_data();
    void kindAndQueryIdFiltersFromTheBar();
    void detailsLinkSearchesAndEventsBothWays();
    void eventCitingAnUnrecordedSearchSaysSo();
    void rawTabShowsTheRequestAsReceived();
    void timelineInterleavesSearchesAndEvents();
    void chartsCountRefusedRequestsNotSearches();
    void screenshotWithEveryKind();
    void darkThemeAndZoomKeepEveryKindReadable();

private:
    struct Fixture
    {
        LogFixture::OpenLog log;
        std::unique_ptr<DebuggerPanel> panel;
        std::unique_ptr<QAbstractItemModelTester> tester;
    };
    static Fixture make(const QList<LogRecord>& records = LogFixture::everyKind());
    template <typename T>
    static T* child(QObject* parent, const QString& name)
    {
        T* found = parent->findChild<T*>(name);
        if (!found)
            qWarning("no child %s", qPrintable(name));
        return found;
    }
    static void select(DebuggerPanel* panel, qint64 id);
    static QModelIndex cell(DebuggerPanel* panel, int row, EventTableModel::Column column)
    {
        return panel->tableView()->model()->index(row, static_cast<int>(column));
    }
    static qint64 currentId(DebuggerPanel* panel)
    {
        return panel->tableView()->currentIndex().data(EventTableModel::RecordIdRole).toLongLong();
    }
};

TestRecordKinds::Fixture TestRecordKinds::make(const QList<LogRecord>& records)
{
    Fixture f;
    f.log = LogFixture::open();
    f.log.log->append(records);
    f.log.log->flush();
    f.panel = std::make_unique<DebuggerPanel>(f.log.log.get());
    f.panel->resize(1366, 700);
    f.tester = std::make_unique<QAbstractItemModelTester>(
        f.panel->tableView()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    f.panel->show();
    // The details live in a dock of the main window; alone, the pane is a window of its own.
    DetailsPane* details = f.panel->detailsPane();
    details->setWindowFlag(Qt::Window);
    details->resize(620, 700);
    details->show();
    return f;
}

void TestRecordKinds::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
}

void TestRecordKinds::select(DebuggerPanel* panel, qint64 id)
{
    QTableView* table = panel->tableView();
    const int row = panel->tableModel()->rowOfId(id);
    QVERIFY2(row >= 0, qPrintable(QString::number(id)));
    table->setCurrentIndex(table->model()->index(row, 0));
    QTRY_COMPARE(panel->detailsPane()->recordId(), id);
}

void TestRecordKinds::tableShowsEachKind()
{
    Fixture f = make();
    using Column = EventTableModel::Column;
    DebuggerPanel* p = f.panel.get();
    QTRY_COMPARE(p->tableView()->model()->rowCount(), 7);
    QTRY_VERIFY(cell(p, 6, Column::Status).data().isValid());
    QTRY_VERIFY(cell(p, 0, Column::Status).data().isValid());

    // The search: its own status and badge, no verdict colour, its hits and query, index, token.
    QCOMPARE(cell(p, 0, Column::Status).data().toString(), QStringLiteral("Search"));
    const QIcon searchBadge = cell(p, 0, Column::Status).data(Qt::DecorationRole).value<QIcon>();
    const QIcon acceptedBadge = cell(p, 1, Column::Status).data(Qt::DecorationRole).value<QIcon>();
    QVERIFY(!searchBadge.isNull());
    QVERIFY(searchBadge.pixmap(16).toImage() != acceptedBadge.pixmap(16).toImage());
    QVERIFY(!cell(p, 0, Column::Status).data(Qt::BackgroundRole).isValid());
    QCOMPARE(cell(p, 0, Column::EventType).data().toString(), QStringLiteral("43 hits"));
    QCOMPARE(cell(p, 0, Column::EventName).data().toString(), QStringLiteral("“red shoes”"));
    QCOMPARE(cell(p, 0, Column::Index).data().toString(), QStringLiteral("products"));
    QCOMPARE(cell(p, 0, Column::UserToken).data().toString(), QStringLiteral("user-1"));

    // The refused request: its verdict, badge and colour, its status, request line and Algolia's message.
    QCOMPARE(cell(p, 3, Column::Status).data().toString(), QStringLiteral("Request rejected"));
    QCOMPARE(cell(p, 3, Column::Http).data().toInt(), 401);
    QCOMPARE(cell(p, 3, Column::EventType).data().toString(), QStringLiteral("POST /1/events"));
    QCOMPARE(cell(p, 3, Column::EventName).data().toString(), QStringLiteral("Invalid credentials"));
    QVERIFY(cell(p, 3, Column::Status).data(Qt::BackgroundRole).isValid());
    QVERIFY(!cell(p, 3, Column::Status).data(Qt::DecorationRole).value<QIcon>().isNull());

    // The events are unchanged.
    QCOMPARE(cell(p, 1, Column::Status).data().toString(), QStringLiteral("Accepted"));
    QCOMPARE(cell(p, 1, Column::EventType).data().toString(), QStringLiteral("click"));
}

void TestRecordKinds::kindAndQueryIdFiltersFromTheBar_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QList<qint64>>("ids");
    QTest::addRow("kind=search") << QStringLiteral("kind=search") << QList<qint64>{1, 5};
    QTest::addRow("kind=request") << QStringLiteral("kind=request") << QList<qint64>{4, 6};
    QTest::addRow("kind=event") << QStringLiteral("kind=event") << QList<qint64>{2, 3, 7};
    QTest::addRow("queryID") << QStringLiteral("queryID=q-red") << QList<qint64>{1, 2};
    QTest::addRow("free text still works") << QStringLiteral("hat") << QList<qint64>{5};
    QTest::addRow("and") << QStringLiteral("kind=request AND httpCode=404") << QList<qint64>{6};
}

void TestRecordKinds::kindAndQueryIdFiltersFromTheBar()
{
    QFETCH(QString, text);
    QFETCH(QList<qint64>, ids);
    Fixture f = make();
    QTableView* table = f.panel->tableView();
    QTRY_COMPARE(table->model()->rowCount(), 7);
    auto* edit = child<QLineEdit>(f.panel.get(), QStringLiteral("filterEdit"));
    edit->setFocus();
    edit->selectAll();
    QTest::keyClicks(edit, text);
    QTest::keyClick(edit, Qt::Key_Return);
    QTRY_COMPARE(table->model()->rowCount(), static_cast<int>(ids.size()));
    QList<qint64> shown;
    for (int row = 0; row < table->model()->rowCount(); ++row)
        shown << table->model()->index(row, 0).data(EventTableModel::RecordIdRole).toLongLong();
    QCOMPARE(shown, ids);
    // The filter box's help names the new keys.
    for (const char* key : {"kind=search", "kind=request", "queryID="})
        QVERIFY2(edit->toolTip().contains(QLatin1String(key)), qPrintable(edit->toolTip()));

    // A wrong kind says which kinds there are, and the table keeps the last good filter.
    edit->selectAll();
    QTest::keyClicks(edit, QStringLiteral("kind=searches"));
    QTest::keyClick(edit, Qt::Key_Return);
    auto* error = child<QLabel>(f.panel.get(), QStringLiteral("filterError"));
    QTRY_VERIFY(error->isVisible());
    QVERIFY2(error->text().contains(QLatin1String("kind takes event, search or request")),
             qPrintable(error->text()));
    QCOMPARE(table->model()->rowCount(), static_cast<int>(ids.size()));
    // Fixed, the help comes back.
    edit->selectAll();
    QTest::keyClicks(edit, QStringLiteral("kind=search"));
    QTest::keyClick(edit, Qt::Key_Return);
    QTRY_VERIFY(!error->isVisible());
    QVERIFY(edit->toolTip().contains(QLatin1String("queryID=")));
}

void TestRecordKinds::detailsLinkSearchesAndEventsBothWays()
{
    Fixture f = make();
    DebuggerPanel* p = f.panel.get();
    QTRY_COMPARE(p->tableView()->model()->rowCount(), 7);
    DetailsPane* details = p->detailsPane();
    auto* tabs = child<QTabWidget>(details, QStringLiteral("detailsTabs"));
    auto* searchTab = child<QWidget>(details, QStringLiteral("detailsSearchTab"));
    auto* hits = child<QTreeWidget>(details, QStringLiteral("detailsSearchHits"));
    auto* params = child<QTreeWidget>(details, QStringLiteral("detailsSearchParams"));
    auto* links = child<QTreeWidget>(details, QStringLiteral("detailsSearchLinks"));
    auto* searchSummary = child<QLabel>(details, QStringLiteral("detailsSearchSummary"));
    auto* summary = child<QLabel>(details, QStringLiteral("detailsSummary"));

    // The search: its query, parameters, hits in order with their positions, and the event citing it.
    QSignalSpy linksLoaded(details, &DetailsPane::searchLinksLoaded);
    select(p, 1);
    QVERIFY(summary->text().contains(QLatin1String("search (200)")));
    QVERIFY(summary->text().contains(QStringLiteral("“red shoes”")));
    QVERIFY(tabs->isTabVisible(tabs->indexOf(searchTab)));
    QTRY_VERIFY(!linksLoaded.isEmpty());
    QVERIFY(searchSummary->text().contains(QLatin1String("q-red")));
    QCOMPARE(hits->topLevelItemCount(), 3);
    QCOMPARE(hits->topLevelItem(1)->text(0), QStringLiteral("2"));
    QCOMPARE(hits->topLevelItem(1)->text(1), QStringLiteral("sku-2"));
    // Which hits the citing events name: the click is on sku-2.
    QCOMPARE(hits->topLevelItem(1)->text(2), QStringLiteral("1 event"));
    QVERIFY(hits->topLevelItem(0)->text(2).isEmpty());
    QList<QString> paramNames;
    for (int i = 0; i < params->topLevelItemCount(); ++i)
        paramNames << params->topLevelItem(i)->text(0);
    QVERIFY(paramNames.contains(QStringLiteral("clickAnalytics")));
    QCOMPARE(params->topLevelItem(0)->text(1), QStringLiteral("red shoes"));
    QCOMPARE(links->topLevelItemCount(), 1);
    QTreeWidgetItem* click = links->topLevelItem(0);
    QCOMPARE(click->data(0, Qt::UserRole + 1).toLongLong(), 2);
    QVERIFY(click->text(1).contains(QLatin1String("click")));

    // Following the link selects the click's row; its Search tab leads back to the search.
    linksLoaded.clear();
    Q_EMIT links->itemActivated(click, 0);
    QTRY_COMPARE(currentId(p), 2);
    QTRY_COMPARE(details->recordId(), 2);
    QVERIFY(tabs->isTabVisible(tabs->indexOf(searchTab)));
    QTRY_VERIFY(!linksLoaded.isEmpty());
    QVERIFY2(searchSummary->text().contains(QStringLiteral("“red shoes”")),
             qPrintable(searchSummary->text()));
    // The clicked objectID is marked among the hits.
    QCOMPARE(hits->topLevelItem(1)->text(2), QStringLiteral("◀ this event's objectID"));
    QVERIFY(hits->topLevelItem(0)->text(2).isEmpty());
    QTreeWidgetItem* toSearch = links->topLevelItem(0);
    QCOMPARE(toSearch->data(0, Qt::UserRole + 1).toLongLong(), 1);
    QVERIFY(toSearch->text(1).contains(QLatin1String("red shoes")));
    Q_EMIT links->itemActivated(toSearch, 0);
    QTRY_COMPARE(currentId(p), 1);
    QTRY_COMPARE(details->recordId(), 1);
    auto* note = child<QLabel>(details, QStringLiteral("detailsSearchNote"));
    QTRY_VERIFY(note->isVisible());
    QVERIFY2(note->text().contains(QLatin1String("1 event cites this search")), qPrintable(note->text()));
    QCOMPARE(tabs->tabText(0), QStringLiteral("Search JSON"));

    // At a glance, above the tabs: the click's search, a link that selects it.
    linksLoaded.clear();
    select(p, 2);
    QTRY_VERIFY(!linksLoaded.isEmpty());
    QCOMPARE(tabs->tabText(0), QStringLiteral("Event"));
    QVERIFY(note->isVisible());
    QVERIFY2(note->text().contains(QLatin1String("href=\"record:1\"")), qPrintable(note->text()));
    QVERIFY(note->text().contains(QStringLiteral("“red shoes”")));
    Q_EMIT note->linkActivated(QStringLiteral("record:1"));
    QTRY_COMPARE(currentId(p), 1);

    // A record with no search side hides the tab.
    select(p, 3);
    QVERIFY(!tabs->isTabVisible(tabs->indexOf(searchTab)));
    // A search no event cites says so.
    linksLoaded.clear();
    select(p, 5);
    QTRY_VERIFY(!linksLoaded.isEmpty());
    QCOMPARE(links->topLevelItemCount(), 1);
    QVERIFY(links->topLevelItem(0)->text(1).contains(QLatin1String("No event cites")));
}

void TestRecordKinds::eventCitingAnUnrecordedSearchSaysSo()
{
    Fixture f = make();
    DebuggerPanel* p = f.panel.get();
    QTRY_COMPARE(p->tableView()->model()->rowCount(), 7);
    QSignalSpy linksLoaded(p->detailsPane(), &DetailsPane::searchLinksLoaded);
    select(p, 7);
    QTRY_VERIFY(!linksLoaded.isEmpty());
    auto* searchSummary = child<QLabel>(p->detailsPane(), QStringLiteral("detailsSearchSummary"));
    QVERIFY2(
        searchSummary->text().contains(QLatin1String("No search with this queryID (q-none) was recorded")),
        qPrintable(searchSummary->text()));
    QCOMPARE(child<QTreeWidget>(p->detailsPane(), QStringLiteral("detailsSearchHits"))->topLevelItemCount(),
             0);
    auto* note = child<QLabel>(p->detailsPane(), QStringLiteral("detailsSearchNote"));
    QVERIFY(note->isVisible());
    QCOMPARE(note->text(), QStringLiteral("queryID q-none · no search with this queryID was recorded"));
}

void TestRecordKinds::rawTabShowsTheRequestAsReceived()
{
    // A long body without a single space: wrapped, never cut off.
    QList<LogRecord> records = LogFixture::everyKind();
    const QByteArray longBody = "{\"events\":[" + QByteArray(6000, 'x') + "END]";
    records << LogFixture::refusedRequest(QStringLiteral("req-r3"), 413, QStringLiteral("Payload Too Large"),
                                          QStringLiteral("/1/events"), longBody);
    Fixture f = make(records);
    DebuggerPanel* p = f.panel.get();
    QTRY_COMPARE(p->tableView()->model()->rowCount(), 8);
    DetailsPane* details = p->detailsPane();
    auto* raw = child<QPlainTextEdit>(details, QStringLiteral("detailsRaw"));
    auto* summary = child<QLabel>(details, QStringLiteral("detailsSummary"));
    QSignalSpy rawLoaded(details, &DetailsPane::rawRequestLoaded);

    // The refused request: its status, Algolia's message, method and path; the issue; the raw request.
    select(p, 6);
    for (const char* part : {"request rejected (404)", "POST /1/eventz", "Not Found"})
        QVERIFY2(summary->text().contains(QLatin1String(part)), qPrintable(summary->text()));
    auto* issues = child<QTreeWidget>(details, QStringLiteral("detailsIssues"));
    QCOMPARE(issues->topLevelItemCount(), 1);
    QCOMPARE(issues->topLevelItem(0)->text(2), QStringLiteral("Not Found"));
    // The body that is not JSON is shown as it came.
    QVERIFY(child<QTextBrowser>(details, QStringLiteral("detailsJson"))
                ->toPlainText()
                .contains(QLatin1String("eventType=click&userToken=abc\nsecond line")));
    QTRY_VERIFY(!rawLoaded.isEmpty());
    const QString text = raw->toPlainText();
    QVERIFY2(text.startsWith(QLatin1String("POST /1/eventz?x-algolia-agent=curl\n")), qPrintable(text));
    QVERIFY(text.contains(QLatin1String("X-Algolia-Application-Id: APP1\n")));
    QVERIFY(text.contains(QStringLiteral("X-Algolia-API-Key: ••••••••\n")));
    QVERIFY(text.endsWith(QLatin1String("\n\neventType=click&userToken=abc\nsecond line")));
    QVERIFY(raw->isReadOnly());
    QCOMPARE(raw->lineWrapMode(), QPlainTextEdit::WidgetWidth);
    QVERIFY(QFontInfo(raw->font()).fixedPitch());

    // Every kind has it: a search, an event.
    rawLoaded.clear();
    select(p, 1);
    QTRY_VERIFY(!rawLoaded.isEmpty());
    QVERIFY(raw->toPlainText().startsWith(QLatin1String("POST /1/indexes/*/queries?")));
    QVERIFY(raw->toPlainText().contains(QLatin1String("X-Algolia-UserToken: user-1")));
    rawLoaded.clear();
    select(p, 2);
    QTRY_VERIFY(!rawLoaded.isEmpty());
    QVERIFY(raw->toPlainText().contains(QLatin1String("\"positions\":[2]")));

    // A long body is there in full, wrapped: no horizontal scrolling, the end reachable by scrolling down.
    rawLoaded.clear();
    select(p, 8);
    QTRY_VERIFY(!rawLoaded.isEmpty());
    QVERIFY(raw->toPlainText().endsWith(QString::fromUtf8(longBody)));
    auto* tabs = child<QTabWidget>(details, QStringLiteral("detailsTabs"));
    tabs->setCurrentWidget(raw);
    QTRY_VERIFY(raw->isVisible());
    QCOMPARE(raw->horizontalScrollBar()->maximum(), 0);
    QTRY_VERIFY(raw->verticalScrollBar()->maximum() > 0);
}

void TestRecordKinds::timelineInterleavesSearchesAndEvents()
{
    Fixture f = make();
    DebuggerPanel* p = f.panel.get();
    QTRY_COMPARE(p->tableView()->model()->rowCount(), 7);
    QSignalSpy timelineLoaded(p->detailsPane(), &DetailsPane::timelineLoaded);
    select(p, 2);
    QTRY_VERIFY(!timelineLoaded.isEmpty());
    auto* timeline = child<QTreeWidget>(p->detailsPane(), QStringLiteral("detailsTimeline"));
    // user-1: the view, the click and the search before them, newest first, each with its time of day.
    QCOMPARE(timeline->topLevelItemCount(), 3);
    QCOMPARE(timeline->topLevelItem(0)->text(1), QStringLiteral("view"));
    QCOMPARE(timeline->topLevelItem(1)->text(1), QStringLiteral("click"));
    QCOMPARE(timeline->topLevelItem(2)->text(1), QStringLiteral("43 hits"));
    QCOMPARE(timeline->topLevelItem(2)->text(2), QStringLiteral("“red shoes”"));
    QVERIFY(timeline->topLevelItem(2)->text(4).startsWith(QLatin1String("search")));
    QVERIFY(!timeline->topLevelItem(2)->icon(4).isNull());
    const QRegularExpression timeOfDay(QStringLiteral("\\d\\d:\\d\\d:\\d\\d\\.\\d{3}$"));
    for (int i = 0; i < timeline->topLevelItemCount(); ++i)
        QVERIFY2(timeOfDay.match(timeline->topLevelItem(i)->text(0)).hasMatch(),
                 qPrintable(timeline->topLevelItem(i)->text(0)));
    // The search entry leads to the search.
    Q_EMIT timeline->itemActivated(timeline->topLevelItem(2), 0);
    QTRY_COMPARE(currentId(p), 1);
}

void TestRecordKinds::chartsCountRefusedRequestsNotSearches()
{
    Fixture f = make();
    auto* charts = child<ChartsPane>(f.panel.get(), QStringLiteral("chartsPane"));
    auto* totals = child<QLabel>(charts, QStringLiteral("chartTotals"));
    QStringList seen;
    connect(charts, &ChartsPane::refreshed, charts, [&] { seen << totals->text(); });
    charts->setWindowFlag(Qt::Window);
    charts->resize(700, 800);
    charts->show();
    // Three events (all accepted), two refused requests; the searches are not events.
    QTRY_COMPARE(charts->shownRefused(), 2);
    QCOMPARE(charts->shownAccepted(), 3);
    QCOMPARE(charts->shownRejected(), 0);
    QVERIFY2(totals->text().contains(QLatin1String("2 requests refused")), qPrintable(totals->text()));
    double refused = 0;
    for (const QPointF& point : charts->refusedSeries()->points())
        refused += point.y();
    QVERIFY(refused > 0);
    QCOMPARE(charts->refusedSeries()->name(), QStringLiteral("Request rejected"));
    // No "0 accepted" flash before the log was counted.
    for (const QString& text : std::as_const(seen))
        QVERIFY2(!text.startsWith(QLatin1String("0 accepted")), qPrintable(text));

    // A refused request arriving live is counted.
    f.log.log->append(
        {LogFixture::refusedRequest(QStringLiteral("req-live"), 403, QStringLiteral("Forbidden"),
                                    QStringLiteral("/1/events"), QByteArray())});
    QTRY_COMPARE(charts->shownRefused(), 3);
    QCOMPARE(charts->shownAccepted(), 3);
}

void TestRecordKinds::screenshotWithEveryKind()
{
    // For looking at: the table and the details of a search, of a refused request (Raw tab), at 1366 px
    // (build folder: screenshots/record-kinds-*.png). Nothing in them may be cut off.
    Fixture f = make();
    DebuggerPanel* p = f.panel.get();
    QTRY_COMPARE(p->tableView()->model()->rowCount(), 7);
    QTRY_VERIFY(cell(p, 6, EventTableModel::Column::Status).data().isValid());
    QSignalSpy linksLoaded(p->detailsPane(), &DetailsPane::searchLinksLoaded);
    select(p, 2);
    QTRY_VERIFY(!linksLoaded.isEmpty());
    const QString folder = QStringLiteral(INSIGHTS_BINARY_DIR "/screenshots");
    QDir().mkpath(folder);
    QVERIFY(p->grab().toImage().save(folder + QStringLiteral("/record-kinds-table.png")));
    auto* tabs = child<QTabWidget>(p->detailsPane(), QStringLiteral("detailsTabs"));
    tabs->setCurrentWidget(child<QWidget>(p->detailsPane(), QStringLiteral("detailsSearchTab")));
    QVERIFY(p->detailsPane()->grab().toImage().save(folder + QStringLiteral("/record-kinds-search.png")));
    QSignalSpy rawLoaded(p->detailsPane(), &DetailsPane::rawRequestLoaded);
    select(p, 6);
    QTRY_VERIFY(!rawLoaded.isEmpty());
    QVERIFY(p->detailsPane()->grab().toImage().save(folder + QStringLiteral("/record-kinds-request.png")));
    tabs->setCurrentWidget(child<QWidget>(p->detailsPane(), QStringLiteral("detailsRaw")));
    QVERIFY(p->detailsPane()->grab().toImage().save(folder + QStringLiteral("/record-kinds-raw.png")));

    // And a data folder holding every kind, for the whole window:
    // insights-debugger --data-dir build/screenshots/record-kinds-data --screenshot FILE --size 1366x768
    QDir data(folder + QStringLiteral("/record-kinds-data"));
    data.removeRecursively();
    QVERIFY(QDir().mkpath(data.path()));
    EventLogOptions options;
    options.path = data.filePath(QStringLiteral("events.sqlite"));
    EventLog::OpenResult opened = EventLog::open(options);
    QVERIFY(opened.log);
    opened.log->append(LogFixture::everyKind());
    opened.log->flush();
}

void TestRecordKinds::darkThemeAndZoomKeepEveryKindReadable()
{
    // Dark palette, fonts at +50 %: the badges take the dark tones and the Status column still holds the
    // longest status (build folder: screenshots/record-kinds-dark-*.png, for looking at).
    Appearance::captureSystemDefaults();
    Appearance::applyTheme(Appearance::Theme::Dark);
    Appearance::applyZoom(150);
    const auto restore = qScopeGuard([] {
        Appearance::applyZoom(100);
        Appearance::applyTheme(Appearance::Theme::System);
    });
    Fixture f = make();
    DebuggerPanel* p = f.panel.get();
    p->resize(1366 * 3 / 2, 700);
    QTRY_COMPARE(p->tableView()->model()->rowCount(), 7);
    QTRY_VERIFY(cell(p, 6, EventTableModel::Column::Status).data().isValid());
    QTRY_VERIFY(cell(p, 0, EventTableModel::Column::Status).data().isValid());
    QTableView* table = p->tableView();
    const QFontMetrics metrics = table->fontMetrics();
    const int statusWidth =
        table->horizontalHeader()->sectionSize(static_cast<int>(EventTableModel::Column::Status));
    for (const QString& text : {QStringLiteral("Request rejected"), QStringLiteral("Search"),
                                QStringLiteral("Rejected with its batch")})
        QVERIFY2(metrics.horizontalAdvance(text) + 16 < statusWidth,
                 qPrintable(QStringLiteral("%1 in %2 px").arg(text).arg(statusWidth)));
    const int typeWidth =
        table->horizontalHeader()->sectionSize(static_cast<int>(EventTableModel::Column::EventType));
    QVERIFY2(metrics.horizontalAdvance(QStringLiteral("POST /1/events")) < typeWidth,
             qPrintable(QString::number(typeWidth)));
    QSignalSpy linksLoaded(p->detailsPane(), &DetailsPane::searchLinksLoaded);
    select(p, 1);
    QTRY_VERIFY(!linksLoaded.isEmpty());
    auto* tabs = child<QTabWidget>(p->detailsPane(), QStringLiteral("detailsTabs"));
    tabs->setCurrentWidget(child<QWidget>(p->detailsPane(), QStringLiteral("detailsSearchTab")));
    const QString folder = QStringLiteral(INSIGHTS_BINARY_DIR "/screenshots");
    QDir().mkpath(folder);
    QVERIFY(p->grab().toImage().save(folder + QStringLiteral("/record-kinds-dark-table.png")));
    QVERIFY(
        p->detailsPane()->grab().toImage().save(folder + QStringLiteral("/record-kinds-dark-search.png")));
}

QTEST_MAIN(TestRecordKinds)
#include "tst_recordkinds.moc"
