// The debugger panel as a user drives it (offscreen, widgets found by objectName): filter syntax selects
// rows, pause and resume keep every event, the details of a rejected batch mark the culprit event and field,
// export then import gives the same events, the charts follow new events, and the table remembers its
// columns.

#include "../../unit/views/logfixture.h"

#include "debugger/chartspane.h"
#include "debugger/debuggerpanel.h"
#include "debugger/detailspane.h"
#include "debugger/filterbar.h"

#include "catalog/indexcatalog.h"
#include "event/event.h"
#include "event/eventcodec.h"
#include "views/eventtablemodel.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QHeaderView>
#include <QIcon>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QMenu>
#include <QMessageBox>
#include <QProgressDialog>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollBar>
#include <QSet>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTest>
#include <QTextBrowser>
#include <QToolButton>
#include <QTreeWidget>
#include <QValueAxis>
#include <QtCharts/QChartView>

class TestDebuggerPanel final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void filterSyntaxSelectsRows();
    void pauseAndResumeKeepEveryEvent();
    void detailsMarkTheCulpritOfARejectedBatch();
    void exportThenImportGivesEqualEvents();
    void largeExportShowsProgressAndCancels();
    void chartsUpdateAsEventsArrive();
    void profilePreviewIsAnEstimate();
    void columnsAreRemembered();
    void clearAsksFirst();
    void copyAndResendSelectedEvents();
    void screenshotOfTableAndDetails();
    void followKeepsTheNewestRowInView();
    void detailsWrapTheirTextAtANarrowWidth();
    void verdictBadgesReadWithoutColour();

private:
    static void verifyDistinctTicks(QWidget* charts);
    struct Fixture
    {
        LogFixture::OpenLog log;
        std::unique_ptr<DebuggerPanel> panel;
        std::unique_ptr<QAbstractItemModelTester> modelTester;
        std::unique_ptr<QAbstractItemModelTester> proxyTester;
    };
    // `withTesters`: QAbstractItemModelTester on the model and its proxy. The tester walks every cell on each
    // change, so the 30,000-row fixture goes without it (every other fixture has it).
    static Fixture make(qint64 records, bool withTesters = true);
    template <typename T>
    static T* child(QObject* parent, const QString& name)
    {
        T* found = parent->findChild<T*>(name);
        if (!found)
            qWarning("no child %s", qPrintable(name));
        return found;
    }
    // The details and the charts live in the main window's docks; a panel alone keeps them hidden, so a
    // test shows one as a window of its own (still owned by the panel).
    static void showAsWindow(QWidget* pane)
    {
        pane->setWindowFlag(Qt::Window);
        pane->resize(700, 800);
        pane->show();
    }
};

TestDebuggerPanel::Fixture TestDebuggerPanel::make(qint64 records, bool withTesters)
{
    Fixture f;
    f.log = LogFixture::open();
    if (records > 0) {
        f.log.log->append(LogFixture::records(0, records));
        f.log.log->flush();
    }
    f.panel = std::make_unique<DebuggerPanel>(f.log.log.get());
    f.panel->resize(1400, 800);
    if (withTesters) {
        f.modelTester = std::make_unique<QAbstractItemModelTester>(
            f.panel->tableModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        f.proxyTester = std::make_unique<QAbstractItemModelTester>(
            f.panel->tableView()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    }
    f.panel->show();
    return f;
}

void TestDebuggerPanel::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("insights-debugger-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_debuggerpanel"));
}

void TestDebuggerPanel::init() {}

void TestDebuggerPanel::filterSyntaxSelectsRows()
{
    Fixture f = make(400);
    QTableView* table = child<QTableView>(f.panel.get(), QStringLiteral("eventTable"));
    QTRY_COMPARE(table->model()->rowCount(), 400);

    auto* edit = child<QLineEdit>(f.panel.get(), QStringLiteral("filterEdit"));
    QTest::keyClicks(edit, QStringLiteral("httpCode=422"));
    QTest::keyClick(edit, Qt::Key_Return);
    QTRY_COMPARE(table->model()->rowCount(), 40);

    // A filter that does not parse says why and where; the rows stay.
    edit->clear();
    QTest::keyClicks(edit, QStringLiteral("httpCode=42x"));
    QTest::keyClick(edit, Qt::Key_Return);
    auto* error = child<QLabel>(f.panel.get(), QStringLiteral("filterError"));
    QVERIFY(error->isVisible());
    QVERIFY2(error->text().startsWith(QStringLiteral("Column 10:")), qPrintable(error->text()));
    QCOMPARE(table->model()->rowCount(), 40);

    // One click: errors only (the events that broke a rule themselves).
    edit->clear();
    QTest::keyClick(edit, Qt::Key_Return);
    QTRY_COMPARE(table->model()->rowCount(), 400);
    auto* errorsOnly = child<QToolButton>(f.panel.get(), QStringLiteral("errorsOnlyButton"));
    errorsOnly->click();
    QCOMPARE(edit->text(), QStringLiteral("errors=true"));
    QTRY_COMPARE(table->model()->rowCount(), 10);
    for (int row = 0; row < 10; ++row)
        QTRY_COMPARE(table->model()->index(row, 0).data().toString(), QStringLiteral("Rejected"));

    // Per test user.
    errorsOnly->click();
    f.panel->setTestUsers({{QStringLiteral("user-2"), QStringLiteral("Bob"), QColor(Qt::blue)}});
    auto* users = child<QComboBox>(f.panel.get(), QStringLiteral("testUserFilter"));
    QCOMPARE(users->count(), 2);
    users->setCurrentIndex(1);
    Q_EMIT users->activated(1);
    QCOMPARE(edit->text(), QStringLiteral("userToken=user-2"));
    QTRY_COMPARE(table->model()->rowCount(), 100);
    const QModelIndex userCell =
        table->model()->index(0, static_cast<int>(EventTableModel::Column::TestUser));
    QTRY_COMPARE(userCell.data().toString(), QStringLiteral("Bob"));
    QCOMPARE(userCell.data(Qt::DecorationRole).value<QColor>(), QColor(Qt::blue));

    // Recent filters are remembered; the main window keeps them in the data folder's window state (nothing in
    // a global settings file: another panel starts without them).
    auto* recent = child<QToolButton>(f.panel.get(), QStringLiteral("recentFiltersButton"));
    QStringList texts;
    for (const QAction* action : recent->menu()->actions())
        texts << action->text();
    QVERIFY2(texts.contains(QStringLiteral("httpCode=422")), qPrintable(texts.join(QLatin1Char('|'))));
    QVERIFY(texts.contains(QStringLiteral("userToken=user-2")));
    QVERIFY(!texts.contains(QStringLiteral("httpCode=42x")));
    DebuggerPanel other(f.log.log.get());
    auto* otherRecent = child<QToolButton>(&other, QStringLiteral("recentFiltersButton"));
    QCOMPARE(otherRecent->menu()->actions().size(), 0);
    other.filterBar()->setRecentFilters(f.panel->filterBar()->recentFilters());
    QCOMPARE(otherRecent->menu()->actions().size(), recent->menu()->actions().size());
}

void TestDebuggerPanel::pauseAndResumeKeepEveryEvent()
{
    Fixture f = make(20);
    QTableView* table = child<QTableView>(f.panel.get(), QStringLiteral("eventTable"));
    QTRY_COMPARE(table->model()->rowCount(), 20);
    auto* pause = child<QToolButton>(f.panel.get(), QStringLiteral("pauseButton"));
    auto* newEvents = child<QToolButton>(f.panel.get(), QStringLiteral("newEventsButton"));
    pause->click();
    QVERIFY(pause->isChecked());
    for (int i = 0; i < 20; ++i)
        f.log.log->append(LogFixture::records(20 + i * 10, 10));
    QTRY_COMPARE(newEvents->text(), QStringLiteral("200 new"));
    QTRY_VERIFY(newEvents->isVisible()); // a tool bar shows it on its next layout
    QCOMPARE(table->model()->rowCount(), 20);

    pause->click();
    QCOMPARE(table->model()->rowCount(), 220);
    QTRY_VERIFY(!newEvents->isVisible());
    LogQuery all;
    all.limit = 0;
    const QList<qint64> logIds = f.log.log->ids(all);
    QCOMPARE(logIds.size(), 220);
    for (int row = 0; row < 220; ++row)
        QCOMPARE(table->model()->index(row, 0).data(EventTableModel::RecordIdRole).toLongLong(), logIds[row]);
    // Following the tail: the newest row is in view.
    QTRY_VERIFY(table->verticalScrollBar()->value() == table->verticalScrollBar()->maximum());
}

void TestDebuggerPanel::detailsMarkTheCulpritOfARejectedBatch()
{
    Fixture f = make(40);
    QTableView* table = child<QTableView>(f.panel.get(), QStringLiteral("eventTable"));
    QTRY_COMPARE(table->model()->rowCount(), 40);
    DetailsPane* details = f.panel->detailsPane();
    auto* requestEvents = child<QTreeWidget>(details, QStringLiteral("detailsRequestEvents"));
    QSignalSpy requestLoaded(details, &DetailsPane::requestEventsLoaded);

    // An innocent event of the rejected request 9 (records 36..39): its request list marks event #1.
    table->setCurrentIndex(table->model()->index(36, 0));
    QTRY_COMPARE(details->recordId(),
                 table->model()->index(36, 0).data(EventTableModel::RecordIdRole).toLongLong());
    QVERIFY(requestLoaded.wait(5000) || requestEvents->topLevelItemCount() == 4);
    QTRY_COMPARE(requestEvents->topLevelItemCount(), 4);
    int culprits = 0;
    for (int i = 0; i < 4; ++i) {
        const QTreeWidgetItem* item = requestEvents->topLevelItem(i);
        if (item->data(0, DetailsPane::CulpritRole).toBool()) {
            ++culprits;
            QCOMPARE(item->text(0), QStringLiteral("1"));
            QVERIFY2(item->text(3).contains(QStringLiteral("userToken")), qPrintable(item->text(3)));
        }
    }
    QCOMPARE(culprits, 1);
    QVERIFY(details->markedFields().isEmpty());
    auto* usefulness = child<QTreeWidget>(details, QStringLiteral("detailsUsefulness"));
    QCOMPARE(usefulness->topLevelItemCount(), 3);
    QVERIFY(usefulness->topLevelItem(0)->text(2).contains(QStringLiteral("whole batch")));

    // The culprit itself: its field is marked in the JSON and listed with Algolia's message.
    table->setCurrentIndex(table->model()->index(37, 0));
    QTRY_COMPARE(details->recordId(),
                 table->model()->index(37, 0).data(EventTableModel::RecordIdRole).toLongLong());
    QCOMPARE(details->markedFields(), QStringList{QStringLiteral("userToken")});
    auto* json = child<QTextBrowser>(details, QStringLiteral("detailsJson"));
    QVERIFY(json->toPlainText().contains(
        QStringLiteral("\"userToken\": \"bad token!\",  ◀ userToken: UserToken must")));
    auto* issues = child<QTreeWidget>(details, QStringLiteral("detailsIssues"));
    QCOMPARE(issues->topLevelItemCount(), 1);
    QCOMPARE(issues->topLevelItem(0)->text(1), QStringLiteral("userToken"));
    QVERIFY(issues->topLevelItem(0)->text(0).contains(QStringLiteral("error")));
    auto* headers = child<QTreeWidget>(details, QStringLiteral("detailsHeaders"));
    QVERIFY(!headers->findItems(QStringLiteral("insights-js (2.17.0)"), Qt::MatchExactly, 1).isEmpty());
    // The user's timeline lists that token's events.
    auto* timeline = child<QTreeWidget>(details, QStringLiteral("detailsTimeline"));
    QTRY_COMPARE(timeline->topLevelItemCount(), 1); // only record 37 has the invalid token
}

void TestDebuggerPanel::exportThenImportGivesEqualEvents()
{
    Fixture f = make(300);
    QTableView* table = child<QTableView>(f.panel.get(), QStringLiteral("eventTable"));
    QTRY_COMPARE(table->model()->rowCount(), 300);
    f.panel->setFilterText(QStringLiteral("eventType=click"));
    QTRY_COMPARE(table->model()->rowCount(), 100);

    QSignalSpy exported(f.panel.get(), &DebuggerPanel::exportFinished);
    const QString path = f.log.dir->filePath(QStringLiteral("clicks.ndjson"));
    f.panel->exportTo(path, true);
    QVERIFY(exported.wait(10000));
    const auto result = exported.first().first().value<EventExchange::ExportResult>();
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
    QCOMPARE(result.written, 100);

    QSignalSpy imported(f.panel.get(), &DebuggerPanel::importFinished);
    f.panel->importFrom(path);
    QVERIFY(imported.wait(10000));
    QCOMPARE(imported.first().at(0).toInt(), 100);
    QVERIFY(imported.first().at(1).toString().isEmpty());
    QTRY_COMPARE(f.log.log->count(), 400);
    QSignalSpy reloaded(f.panel->tableModel(), &EventTableModel::reloaded);
    f.panel->setFilterText(QStringLiteral("source=imported"));
    QVERIFY(reloaded.wait(5000));
    QCOMPARE(table->model()->rowCount(), 100);

    LogQuery clicks;
    clicks.eventType = QStringLiteral("click");
    clicks.source = EventSource::Endpoint;
    clicks.limit = 0;
    LogQuery importedQuery;
    importedQuery.source = EventSource::Imported;
    importedQuery.limit = 0;
    const QList<LogRecord> originals = f.log.log->query(clicks);
    const QList<LogRecord> copies = f.log.log->query(importedQuery);

    QCOMPARE(copies.size(), originals.size());
    for (qsizetype i = 0; i < originals.size(); ++i) {
        const DecodedBatch a = EventCodec::decodeEvent(originals[i].rawJson);
        const DecodedBatch b = EventCodec::decodeEvent(copies[i].rawJson);
        QVERIFY(a.events.first() == b.events.first());
    }
}

void TestDebuggerPanel::largeExportShowsProgressAndCancels()
{
    Fixture f = make(30'000, false);
    QTableView* table = child<QTableView>(f.panel.get(), QStringLiteral("eventTable"));
    QTRY_COMPARE(table->model()->rowCount(), 30'000);
    QSignalSpy exported(f.panel.get(), &DebuggerPanel::exportFinished);
    const QString path = f.log.dir->filePath(QStringLiteral("all.csv"));
    f.panel->exportTo(path, true);
    auto* progress = child<QProgressDialog>(f.panel.get(), QStringLiteral("exportProgress"));
    QVERIFY(progress);
    QVERIFY(progress->isVisible());
    QCOMPARE(progress->maximum(), 30'000);
    // The user presses Cancel.
    QPushButton* cancelButton = progress->findChild<QPushButton*>();
    QVERIFY(cancelButton);
    cancelButton->click();
    QVERIFY(exported.wait(10000));
    const auto result = exported.first().first().value<EventExchange::ExportResult>();
    QVERIFY(result.cancelled);
    QVERIFY(result.written < 30'000);
    QVERIFY(!QFile::exists(path));
    QTRY_VERIFY(!progress->isVisible());
}

void TestDebuggerPanel::chartsUpdateAsEventsArrive()
{
    Fixture f = make(0);
    auto* charts = child<ChartsPane>(f.panel.get(), QStringLiteral("chartsPane"));
    showAsWindow(charts);
    QTRY_VERIFY(charts->isVisible());
    QCOMPARE(charts->shownAccepted() + charts->shownRejected(), 0);

    f.log.log->append(LogFixture::records(0, 80)); // requests 9 and 19 are rejected: 8 events
    QTRY_COMPARE(charts->shownAccepted(), 72);
    QCOMPARE(charts->shownRejected(), 8);
    double plotted = 0;
    for (const QPointF& p : charts->acceptedSeries()->points())
        plotted += p.y();
    QVERIFY(plotted > 0);
    auto* topErrors = child<QTreeWidget>(charts, QStringLiteral("topErrors"));
    QTRY_COMPARE(topErrors->topLevelItemCount(), 1);
    QCOMPARE(topErrors->topLevelItem(0)->text(0), QStringLiteral("2"));
    QVERIFY(topErrors->topLevelItem(0)->text(1).startsWith(QStringLiteral("UserToken must")));
    auto* totals = child<QLabel>(charts, QStringLiteral("chartTotals"));
    QCOMPARE(totals->text(), QStringLiteral("72 accepted · 8 rejected"));

    verifyDistinctTicks(charts);

    // More events move the charts again.
    f.log.log->append(LogFixture::records(80, 40));
    QTRY_COMPARE(charts->shownAccepted() + charts->shownRejected(), 120);
    verifyDistinctTicks(charts);

    // A couple of events: counts of 0 to 2 on the axes.
    Fixture few = make(0);
    auto* fewCharts = child<ChartsPane>(few.panel.get(), QStringLiteral("chartsPane"));
    showAsWindow(fewCharts);
    few.log.log->append(LogFixture::records(0, 2));
    QTRY_COMPARE(fewCharts->shownAccepted(), 2);
    verifyDistinctTicks(fewCharts);
}

// Every value axis of the charts reads differently at each tick ("2, 1, 1, 0" was seen on 0..2 counts).
void TestDebuggerPanel::verifyDistinctTicks(QWidget* charts)
{
    int axes = 0;
    for (QChartView* view : charts->findChildren<QChartView*>()) {
        for (QAbstractAxis* abstract : view->chart()->axes()) {
            auto* axis = qobject_cast<QValueAxis*>(abstract);
            if (!axis)
                continue;
            ++axes;
            QStringList labels;
            const int ticks = axis->tickCount();
            for (int i = 0; i < ticks; ++i) {
                const double value = axis->min() + (axis->max() - axis->min()) * i / (ticks - 1);
                labels << QString::asprintf(axis->labelFormat().toLatin1().constData(), value);
            }
            QVERIFY2(QSet<QString>(labels.begin(), labels.end()).size() == labels.size(),
                     qPrintable(labels.join(QStringLiteral(", "))));
        }
    }
    QVERIFY(axes >= 2);
}

void TestDebuggerPanel::profilePreviewIsAnEstimate()
{
    Fixture f = make(8);
    const IndexCatalog::LoadResult loaded = IndexCatalog::fromFile(
        QStringLiteral(INSIGHTS_TEST_DATA_DIR "/views/catalog.json"), QStringLiteral("products"));
    QVERIFY(loaded.catalog);
    f.panel->setCatalogs({std::make_shared<const IndexCatalog>(*loaded.catalog)});
    f.panel->setTestUsers({{QStringLiteral("user-1"), QStringLiteral("Alice"), QColor(Qt::red)}});
    auto* charts = child<ChartsPane>(f.panel.get(), QStringLiteral("chartsPane"));
    QSignalSpy updated(charts, &ChartsPane::profileUpdated);
    charts->showProfile(QStringLiteral("user-1"));
    QVERIFY(updated.wait(5000));
    // user-1 viewed sku-1 (record 1): running, outdoor, Peak, 2024, all equal.
    QCOMPARE(charts->profile().eventsUsed, 1);
    QVERIFY(!charts->profile().affinities.isEmpty());
    // Relative affinity: the lone event's four values share the user's interest (they used to read 100 each).
    QCOMPARE(charts->profile().affinities.size(), 4);
    QCOMPARE(charts->profile().affinities.first().score, 25.0);
    QStringList values;
    for (const Affinity& a : charts->profile().affinities)
        values << a.attribute + QLatin1Char('=') + a.value;
    QVERIFY2(values.contains(QStringLiteral("genre=running")), qPrintable(values.join(QLatin1Char(' '))));
    QVERIFY(values.contains(QStringLiteral("year=2024")));
    auto* label = child<QLabel>(charts, QStringLiteral("profileEstimateLabel"));
    QVERIFY(label->text().startsWith(QStringLiteral("Estimate, not Algolia's profile")));
}

void TestDebuggerPanel::columnsAreRemembered()
{
    const int index = static_cast<int>(EventTableModel::Column::Index);
    const int http = static_cast<int>(EventTableModel::Column::Http);
    const int agent = static_cast<int>(EventTableModel::Column::Agent);
    QByteArray saved;
    {
        Fixture f = make(5);
        auto* columns = child<QToolButton>(f.panel.get(), QStringLiteral("columnsButton"));
        // A first start shows the columns read at a glance; the others are in the menu.
        QHeaderView* header = f.panel->tableView()->horizontalHeader();
        QVERIFY(header->isSectionHidden(agent));
        QVERIFY(!columns->menu()->actions().at(agent)->isChecked());
        QAction* indexAction = columns->menu()->actions().at(index);
        QVERIFY(indexAction->isChecked());
        indexAction->trigger();
        QVERIFY(header->isSectionHidden(index));
        header->moveSection(header->visualIndex(http), 0);
        header->resizeSection(http, 77);
        saved = f.panel->saveHeaderState(); // the main window keeps it in the data folder's window state
    }
    Fixture f = make(5);
    f.panel->restoreHeaderState(saved);
    QHeaderView* header = f.panel->tableView()->horizontalHeader();
    QVERIFY(header->isSectionHidden(index));
    QCOMPARE(header->visualIndex(http), 0);
    QCOMPARE(header->sectionSize(http), 77);
    auto* columns = child<QToolButton>(f.panel.get(), QStringLiteral("columnsButton"));
    QVERIFY(!columns->menu()->actions().at(index)->isChecked());
    // Reset: the first start's columns again.
    f.panel->resetColumns();
    QVERIFY(!header->isSectionHidden(index));
    QVERIFY(columns->menu()->actions().at(index)->isChecked());
    QCOMPARE(header->visualIndex(http), http);
}

void TestDebuggerPanel::clearAsksFirst()
{
    Fixture f = make(50);
    QTableView* table = child<QTableView>(f.panel.get(), QStringLiteral("eventTable"));
    QTRY_COMPARE(table->model()->rowCount(), 50);
    child<QToolButton>(f.panel.get(), QStringLiteral("clearButton"))->click();
    auto* confirm = child<QMessageBox>(f.panel.get(), QStringLiteral("clearConfirmation"));
    QVERIFY(confirm && confirm->isVisible());
    QVERIFY(confirm->text().contains(QStringLiteral("50 events")));
    confirm->button(QMessageBox::Cancel)->click();
    QTest::qWait(0);
    QCOMPARE(f.log.log->count(), 50);
    child<QToolButton>(f.panel.get(), QStringLiteral("clearButton"))->click();
    confirm->button(QMessageBox::Yes)->click();
    QTRY_COMPARE(table->model()->rowCount(), 0);
    QCOMPARE(f.log.log->count(), 0);
}

void TestDebuggerPanel::copyAndResendSelectedEvents()
{
    Fixture f = make(12);
    QTableView* table = child<QTableView>(f.panel.get(), QStringLiteral("eventTable"));
    QTRY_COMPARE(table->model()->rowCount(), 12);
    table->selectRow(0);
    QSignalSpy copied(f.panel.get(), &DebuggerPanel::copied);
    auto* copy = child<QToolButton>(f.panel.get(), QStringLiteral("copyButton"));
    copy->menu()->actions().at(1)->trigger(); // curl
    QVERIFY(copied.wait(5000));
    const QString curl = copied.last().first().toString();
    QVERIFY(curl.contains(QStringLiteral("$ALGOLIA_API_KEY")));
    QVERIFY(curl.contains(QStringLiteral("sku-0")));
    copy->menu()->actions().at(2)->trigger(); // aa(...)
    QVERIFY(copied.wait(5000));
    QVERIFY2(copied.last().first().toString().startsWith(QStringLiteral("aa('clickedObjectIDs', {")),
             qPrintable(copied.last().first().toString()));

    QList<Event> resent;
    f.panel->setResendHandler([&resent](const QList<Event>& events) { resent += events; });
    f.panel->setTestUsers({{QStringLiteral("tester-9"), QStringLiteral("Nine"), QColor(Qt::green)}});
    table->selectionModel()->select(table->model()->index(2, 0),
                                    QItemSelectionModel::Select | QItemSelectionModel::Rows);
    auto* resend = child<QToolButton>(f.panel.get(), QStringLiteral("resendButton"));
    QVERIFY(resend->isEnabled());
    QAction* asUser = resend->menu()->findChild<QAction*>(QStringLiteral("resendAsAction:tester-9"));
    QVERIFY(asUser);
    asUser->trigger();
    QTRY_COMPARE(resent.size(), 2);
    for (const Event& event : resent) {
        QCOMPARE(event.userToken.value_or(QString()), QStringLiteral("tester-9"));
        QVERIFY(!event.timestamp);
    }
    QCOMPARE(resent[1].eventSubtype.value_or(QString()), QStringLiteral("purchase"));
}

void TestDebuggerPanel::screenshotOfTableAndDetails()
{
    // The live table with accepted and rejected events and the details of a culprit, saved for the README
    // (build folder: screenshots/debugger.png).
    Fixture f = make(48);
    const IndexCatalog::LoadResult loaded = IndexCatalog::fromFile(
        QStringLiteral(INSIGHTS_TEST_DATA_DIR "/views/catalog.json"), QStringLiteral("products"));
    QVERIFY(loaded.catalog);
    f.panel->setCatalogs({std::make_shared<const IndexCatalog>(*loaded.catalog)});
    f.panel->setTestUsers({{QStringLiteral("user-1"), QStringLiteral("Alice"), QColor(0xe6, 0x7e, 0x22)},
                           {QStringLiteral("user-2"), QStringLiteral("Bob"), QColor(0x29, 0x80, 0xb9)}});
    QTableView* table = f.panel->tableView();
    QTRY_COMPARE(table->model()->rowCount(), 48);
    table->setCurrentIndex(table->model()->index(37, 0));
    QTRY_COMPARE(f.panel->detailsPane()->recordId(),
                 table->model()->index(37, 0).data(EventTableModel::RecordIdRole).toLongLong());
    QTRY_VERIFY(table->model()->index(47, 0).data().isValid());
    const QString folder = QStringLiteral(INSIGHTS_BINARY_DIR "/screenshots");
    QDir().mkpath(folder);
    const QImage shot = f.panel->grab().toImage();
    QVERIFY(!shot.isNull());
    QVERIFY(shot.save(folder + QStringLiteral("/debugger.png")));

    // And the charts, once they have counted the events.
    auto* charts = child<ChartsPane>(f.panel.get(), QStringLiteral("chartsPane"));
    showAsWindow(charts);
    charts->showProfile(QStringLiteral("user-1"));
    QTRY_COMPARE(charts->shownAccepted() + charts->shownRejected(), 48);
    QVERIFY(charts->grab().toImage().save(folder + QStringLiteral("/debugger-charts.png")));
}

void TestDebuggerPanel::followKeepsTheNewestRowInView()
{
    // A log that already holds events (as after a restart): Follow shows the newest at once.
    Fixture f = make(2000, false);
    QTableView* table = f.panel->tableView();
    auto* follow = child<QToolButton>(f.panel.get(), QStringLiteral("followTailButton"));
    QVERIFY(follow->isChecked());
    QTRY_COMPARE(table->model()->rowCount(), 2000);
    auto lastRowShown = [table] {
        const int bottom = table->rowAt(table->viewport()->height() - 2);
        return bottom == -1 || bottom == table->model()->rowCount() - 1;
    };
    QTRY_VERIFY(lastRowShown());
    QVERIFY(table->rowAt(0) > 0);

    // From any scroll position: new events bring the view to the newest.
    table->scrollToTop();
    QCOMPARE(table->rowAt(0), 0);
    f.log.log->append(LogFixture::records(2000, 10));
    QTRY_COMPARE(table->model()->rowCount(), 2010);
    QTRY_VERIFY(lastRowShown());

    // Off: the view stays where the user put it.
    follow->setChecked(false);
    table->scrollToTop();
    f.log.log->append(LogFixture::records(2010, 10));
    QTRY_COMPARE(table->model()->rowCount(), 2020);
    QCoreApplication::processEvents();
    QCOMPARE(table->rowAt(0), 0);
    // And on again: back to the newest.
    follow->setChecked(true);
    QTRY_VERIFY(lastRowShown());
}

void TestDebuggerPanel::detailsWrapTheirTextAtANarrowWidth()
{
    Fixture f = make(48);
    DetailsPane* details = f.panel->detailsPane();
    showAsWindow(details);
    details->resize(340, 700);
    QTableView* table = f.panel->tableView();
    QTRY_COMPARE(table->model()->rowCount(), 48);
    table->setCurrentIndex(table->model()->index(36, 0)); // rejected with its batch: long reasons
    QTRY_COMPARE(details->recordId(),
                 table->model()->index(36, 0).data(EventTableModel::RecordIdRole).toLongLong());
    auto* usefulness = child<QTreeWidget>(details, QStringLiteral("detailsUsefulness"));
    QTRY_VERIFY(usefulness->isVisible());
    const QFontMetrics metrics = usefulness->fontMetrics();
    int wrapped = 0;
    for (int i = 0; i < usefulness->topLevelItemCount(); ++i) {
        QTreeWidgetItem* item = usefulness->topLevelItem(i);
        const int width = usefulness->columnWidth(2);
        const QString why = item->text(2);
        // A reason wider than its column takes several lines instead of being cut off.
        if (metrics.horizontalAdvance(why) > width + width / 5) {
            QTRY_VERIFY2(usefulness->visualItemRect(item).height() >= 2 * metrics.height(),
                         qPrintable(QStringLiteral("%1 px for \"%2\"")
                                        .arg(usefulness->visualItemRect(item).height())
                                        .arg(why)));
            ++wrapped;
        }
        // The short columns are never cut: sized to their text.
        QVERIFY(usefulness->columnWidth(1) >= metrics.horizontalAdvance(item->text(1)));
    }
    QVERIFY(wrapped > 0);
    // The timeline shows the time of day in full.
    auto* timeline = child<QTreeWidget>(details, QStringLiteral("detailsTimeline"));
    QTRY_VERIFY(timeline->topLevelItemCount() > 0);
    child<QTabWidget>(details, QStringLiteral("detailsTabs"))->setCurrentWidget(timeline);
    QTRY_VERIFY(timeline->isVisible());
    const QString when = timeline->topLevelItem(0)->text(0);
    QVERIFY2(when.contains(QRegularExpression(QStringLiteral("\\d\\d:\\d\\d:\\d\\d"))), qPrintable(when));
    QVERIFY(timeline->columnWidth(0) >= timeline->fontMetrics().horizontalAdvance(when));
}

void TestDebuggerPanel::verdictBadgesReadWithoutColour()
{
    Fixture f = make(48);
    QTableView* table = f.panel->tableView();
    QTRY_COMPARE(table->model()->rowCount(), 48);
    // Accepted (0), rejected with its batch (36), the culprit (37): each has its own shape and word, so that
    // they differ in grey too (colour-blind readers, a black and white print).
    QList<QImage> shapes;
    QStringList words;
    for (const int row : {0, 36, 37}) {
        const QModelIndex status =
            table->model()->index(row, static_cast<int>(EventTableModel::Column::Status));
        QTRY_VERIFY(status.data(Qt::DecorationRole).isValid());
        const QIcon badge = status.data(Qt::DecorationRole).value<QIcon>();
        QVERIFY(!badge.isNull());
        const QImage drawn = badge.pixmap(24, 24).toImage();
        const QImage grey = drawn.convertToFormat(QImage::Format_Grayscale8);
        int inked = 0;
        for (int y = 0; y < drawn.height(); ++y) {
            for (int x = 0; x < drawn.width(); ++x)
                inked += qAlpha(drawn.pixel(x, y)) > 0 ? 1 : 0;
        }
        QVERIFY2(inked > 20, qPrintable(QStringLiteral("row %1: an empty badge").arg(row)));
        shapes << grey;
        words << status.data().toString();
    }
    QVERIFY(shapes[0] != shapes[1] && shapes[1] != shapes[2] && shapes[0] != shapes[2]);
    QCOMPARE(QSet<QString>(words.cbegin(), words.cend()).size(), 3);
    // The tool bar's buttons have icons.
    for (const QString& name : {QStringLiteral("pauseButton"), QStringLiteral("followTailButton"),
                                QStringLiteral("exportButton"), QStringLiteral("importButton")})
        QVERIFY2(!child<QToolButton>(f.panel.get(), name)->icon().isNull(), qPrintable(name));
}

QTEST_MAIN(TestDebuggerPanel)
#include "tst_debuggerpanel.moc"
