// The window's layout as people meet it on a laptop: the live table in the centre with its main columns in
// view, the panels as docks they can close, move and get back, everything saved per data folder (and nothing
// in a global settings file), a minimum size that fits small screens. CMake runs this test twice: on a
// 1366×768 screen at 100 % and on a 2732×1536 screen at 200 % (tests/data/screens/).

#include "../../unit/views/logfixture.h"

#include "debugger/debuggerpanel.h"
#include "debugger/detailspane.h"
#include "debugger/filterbar.h"
#include "main/desktopsession.h"
#include "main/mainwindow.h"
#include "settings/appsettings.h"
#include "style/appearance.h"
#include "views/eventtablemodel.h"
#include "views/recordtext.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QDockWidget>
#include <QFile>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QScreen>
#include <QScrollBar>
#include <QSettings>
#include <QStandardPaths>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QTreeWidget>

namespace {

const QStringList kBuiltInDocks = {
    QStringLiteral("composerDock"), QStringLiteral("testUsersDock"), QStringLiteral("outboxDock"),
    QStringLiteral("detailsDock"),  QStringLiteral("chartsDock"),
};

QDockWidget* dockNamed(MainWindow* window, const QString& name)
{
    return window->findChild<QDockWidget*>(name);
}

} // namespace

class TestWindowLayout final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void tableShowsItsMainColumnsOnALaptop();
    void minimumSizeFitsSmallScreens();
    void docksCanBeClosedMovedAndComeBack();
    void layoutIsSavedPerDataFolderOnly();
    void featureDocksJoinTheLayout();
    void themeAndZoomApplyAndAreKept();
    void refusedRequestsReadWholeInTheNameColumn();
    void detailsShowTheVerdictAndWillItCountOnALaptop();

private:
    static std::unique_ptr<DesktopSession> open(const QString& dataDir);
};

std::unique_ptr<DesktopSession> TestWindowLayout::open(const QString& dataDir)
{
    DesktopOptions options;
    options.dataDir = dataDir;
    options.port = 0;
    options.inMemorySecrets = true;
    DesktopSession::CreateResult created = DesktopSession::create(options);
    if (!created.session)
        qWarning("session: %s", qPrintable(created.error));
    return std::move(created.session);
}

void TestWindowLayout::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    const QSize screen = QGuiApplication::primaryScreen()->size();
    qInfo("screen: %dx%d logical, device pixel ratio %.1f", screen.width(), screen.height(),
          QGuiApplication::primaryScreen()->devicePixelRatio());
    // Both screens of this test are 1366×768 in logical pixels (the second at 200 %).
    QCOMPARE(screen, QSize(1366, 768));
}

void TestWindowLayout::tableShowsItsMainColumnsOnALaptop()
{
    QTemporaryDir dir;
    auto session = open(dir.path());
    QVERIFY(session);
    MainWindow* window = session->window();
    window->show(); // a first start: the default size is the laptop's screen
    QVERIFY(QTest::qWaitForWindowExposed(window));
    QCOMPARE(window->size(), QSize(1366, 768));

    QTableView* table = window->debuggerPanel()->tableView();
    QCOMPARE(window->centralWidget(), window->debuggerPanel());
    using Column = EventTableModel::Column;
    const QHeaderView* header = table->horizontalHeader();
    int used = 0;
    for (const Column column : {Column::Status, Column::Http, Column::EventType, Column::EventName,
                                Column::UserToken, Column::Index, Column::ReceivedAt}) {
        const int section = static_cast<int>(column);
        QVERIFY2(!header->isSectionHidden(section), qPrintable(EventTableModel::columnName(column)));
        QVERIFY(header->sectionSize(section) > 0);
        used += header->sectionSize(section);
    }
    // Every shown column fits the table's width: no horizontal scrolling.
    QTRY_COMPARE(table->horizontalScrollBar()->maximum(), 0);
    QVERIFY2(
        used <= table->viewport()->width(),
        qPrintable(QStringLiteral("%1 px of columns in %2 px").arg(used).arg(table->viewport()->width())));
    // The table, not the panels, has most of the window.
    QVERIFY2(table->width() > window->width() / 2, qPrintable(QString::number(table->width())));
    for (const QString& name : kBuiltInDocks)
        QVERIFY2(dockNamed(window, name) && !dockNamed(window, name)->isHidden(), qPrintable(name));
}

void TestWindowLayout::minimumSizeFitsSmallScreens()
{
    QTemporaryDir dir;
    auto session = open(dir.path());
    QVERIFY(session);
    MainWindow* window = session->window();
    window->show();
    QVERIFY(QTest::qWaitForWindowExposed(window));
    const QSize minimum = window->minimumSizeHint().expandedTo(window->minimumSize());
    QVERIFY2(minimum.width() <= 1024 && minimum.height() <= 640,
             qPrintable(QStringLiteral("%1x%2").arg(minimum.width()).arg(minimum.height())));
    window->resize(1024, 640);
    QTRY_COMPARE(window->size(), QSize(1024, 640));
    // The filter box stays readable (it used to shrink to "Fi…").
    auto* filter = window->findChild<QLineEdit*>(QStringLiteral("filterEdit"));
    QVERIFY(filter);
    const int readable =
        filter->fontMetrics().horizontalAdvance(QStringLiteral("httpCode=422 eventType=click"));
    QTRY_VERIFY2(filter->width() >= readable, qPrintable(QString::number(filter->width())));
    QVERIFY(filter->isVisible());
}

void TestWindowLayout::docksCanBeClosedMovedAndComeBack()
{
    QTemporaryDir dir;
    auto session = open(dir.path());
    QVERIFY(session);
    MainWindow* window = session->window();
    window->show();
    QVERIFY(QTest::qWaitForWindowExposed(window));
    auto* panels = window->findChild<QMenu*>(QStringLiteral("panelsMenu"));
    QVERIFY(panels);
    for (const QString& name : kBuiltInDocks) {
        QDockWidget* dock = dockNamed(window, name);
        QVERIFY(dock->features().testFlag(QDockWidget::DockWidgetClosable));
        QVERIFY(dock->features().testFlag(QDockWidget::DockWidgetMovable));
        QVERIFY(dock->features().testFlag(QDockWidget::DockWidgetFloatable));
        // View > Panels toggles each dock.
        QAction* toggle = window->findChild<QAction*>(name + QStringLiteral("ToggleAction"));
        QVERIFY2(toggle && panels->actions().contains(toggle), qPrintable(name));
        toggle->trigger();
        QTRY_VERIFY2(dock->isHidden(), qPrintable(name));
        toggle->trigger();
        QTRY_VERIFY2(!dock->isHidden(), qPrintable(name));
    }
    // Details and charts share a place under the table, as tabs.
    QDockWidget* details = dockNamed(window, QStringLiteral("detailsDock"));
    QDockWidget* charts = dockNamed(window, QStringLiteral("chartsDock"));
    QCOMPARE(window->dockWidgetArea(details), Qt::BottomDockWidgetArea);
    QVERIFY(window->tabifiedDockWidgets(details).contains(charts));
    QCOMPARE(window->dockWidgetArea(dockNamed(window, QStringLiteral("composerDock"))),
             Qt::LeftDockWidgetArea);

    // Rearranged, then View > Reset layout.
    window->addDockWidget(Qt::RightDockWidgetArea, details);
    charts->setFloating(true);
    dockNamed(window, QStringLiteral("composerDock"))->close();
    window->debuggerPanel()->tableView()->horizontalHeader()->setSectionHidden(
        static_cast<int>(EventTableModel::Column::Index), true);
    window->findChild<QAction*>(QStringLiteral("resetLayoutAction"))->trigger();
    QCOMPARE(window->dockWidgetArea(details), Qt::BottomDockWidgetArea);
    QVERIFY(!charts->isFloating());
    QVERIFY(!dockNamed(window, QStringLiteral("composerDock"))->isHidden());
    QVERIFY(!window->debuggerPanel()->tableView()->horizontalHeader()->isSectionHidden(
        static_cast<int>(EventTableModel::Column::Index)));
}

void TestWindowLayout::layoutIsSavedPerDataFolderOnly()
{
    QTemporaryDir dir;
    const int index = static_cast<int>(EventTableModel::Column::Index);
    const int agent = static_cast<int>(EventTableModel::Column::Agent);
    // Nothing goes to a global settings file: the test mode's QSettings location stays empty.
    const QString globalSettings = QSettings().fileName();
    QFile::remove(globalSettings);
    {
        auto session = open(dir.path());
        QVERIFY(session);
        MainWindow* window = session->window();
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window));
        dockNamed(window, QStringLiteral("chartsDock"))->close();
        window->addDockWidget(Qt::RightDockWidgetArea, dockNamed(window, QStringLiteral("detailsDock")));
        QHeaderView* header = window->debuggerPanel()->tableView()->horizontalHeader();
        header->setSectionHidden(index, true);
        header->setSectionHidden(agent, false);
        FilterBar* filters = window->debuggerPanel()->filterBar();
        filters->setText(QStringLiteral("httpCode=422"));
        auto* edit = filters->findChild<QLineEdit*>(QStringLiteral("filterEdit"));
        QTest::keyClick(edit, Qt::Key_Return); // Return remembers a filter
        QCOMPARE(filters->recentFilters(), QStringList{QStringLiteral("httpCode=422")});
        window->close(); // closing saves the state
    }
    {
        auto session = open(dir.path());
        QVERIFY(session);
        MainWindow* window = session->window();
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window));
        QVERIFY(dockNamed(window, QStringLiteral("chartsDock"))->isHidden());
        QCOMPARE(window->dockWidgetArea(dockNamed(window, QStringLiteral("detailsDock"))),
                 Qt::RightDockWidgetArea);
        const QHeaderView* header = window->debuggerPanel()->tableView()->horizontalHeader();
        QVERIFY(header->isSectionHidden(index));
        QVERIFY(!header->isSectionHidden(agent));
        QCOMPARE(window->debuggerPanel()->filterBar()->recentFilters(),
                 QStringList{QStringLiteral("httpCode=422")});
    }
    // Another data folder has its own layout: the defaults.
    QTemporaryDir other;
    auto session = open(other.path());
    QVERIFY(session);
    MainWindow* window = session->window();
    window->show();
    QVERIFY(QTest::qWaitForWindowExposed(window));
    QVERIFY(!dockNamed(window, QStringLiteral("chartsDock"))->isHidden());
    QCOMPARE(window->dockWidgetArea(dockNamed(window, QStringLiteral("detailsDock"))),
             Qt::BottomDockWidgetArea);
    QVERIFY(!window->debuggerPanel()->tableView()->horizontalHeader()->isSectionHidden(index));
    QVERIFY(window->debuggerPanel()->filterBar()->recentFilters().isEmpty());
    window->close();
    QVERIFY2(!QFile::exists(globalSettings), qPrintable(globalSettings));
}

void TestWindowLayout::featureDocksJoinTheLayout()
{
    QTemporaryDir dir;
    auto makeFeature = [] {
        auto* dock = new QDockWidget(QStringLiteral("Feature"));
        dock->setObjectName(QStringLiteral("featureDock"));
        dock->setWidget(new QWidget);
        return dock;
    };
    {
        auto session = open(dir.path());
        QVERIFY(session);
        MainWindow* window = session->window();
        QDockWidget* feature = makeFeature();
        window->addFeatureDock(feature, Qt::BottomDockWidgetArea);
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window));
        // Tabbed with the details: the table keeps its width.
        QVERIFY(
            window->tabifiedDockWidgets(dockNamed(window, QStringLiteral("detailsDock"))).contains(feature));
        QVERIFY(window->docks().contains(feature));
        QAction* toggle = window->findChild<QAction*>(QStringLiteral("featureDockToggleAction"));
        QVERIFY(toggle);
        QVERIFY(window->findChild<QMenu*>(QStringLiteral("panelsMenu"))->actions().contains(toggle));
        QVERIFY(feature->features().testFlag(QDockWidget::DockWidgetClosable));
        window->addDockWidget(Qt::RightDockWidgetArea, feature);
        window->close();
    }
    // Added after the saved layout was applied, the dock still gets its saved place.
    auto session = open(dir.path());
    QVERIFY(session);
    MainWindow* window = session->window();
    window->show();
    QVERIFY(QTest::qWaitForWindowExposed(window));
    QDockWidget* feature = makeFeature();
    window->addFeatureDock(feature, Qt::BottomDockWidgetArea);
    QCOMPARE(window->dockWidgetArea(feature), Qt::RightDockWidgetArea);
    QVERIFY(!feature->isHidden());
}

void TestWindowLayout::themeAndZoomApplyAndAreKept()
{
    QTemporaryDir dir;
    const qreal systemPoints = QApplication::font().pointSizeF();
    {
        auto session = open(dir.path());
        QVERIFY(session);
        MainWindow* window = session->window();
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window));
        window->findChild<QAction*>(QStringLiteral("themeDarkAction"))->trigger();
        QVERIFY(Appearance::isDark(QApplication::palette()));
        QTRY_VERIFY(Appearance::isDark(window->palette()));
        QTRY_VERIFY(Appearance::isDark(window->debuggerPanel()->tableView()->palette()));
        window->findChild<QAction*>(QStringLiteral("themeLightAction"))->trigger();
        QTRY_VERIFY(!Appearance::isDark(window->palette()));
        window->findChild<QAction*>(QStringLiteral("themeDarkAction"))->trigger();
        // Ctrl+= five times: +50 %, for presenting.
        window->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(window));
        for (int i = 0; i < 5; ++i)
            QTest::keyClick(window, Qt::Key_Equal, Qt::ControlModifier);
        QCOMPARE(window->zoom(), 150);
        QCOMPARE(QApplication::font().pointSizeF(), systemPoints * 1.5);
        // Layouts stay intact: every button and field in the window gets at least the room it asks for, the
        // table's rows are as tall as the bigger text, the filter box stays readable.
        QTRY_VERIFY(window->debuggerPanel()->tableView()->verticalHeader()->defaultSectionSize() >=
                    window->debuggerPanel()->tableView()->fontMetrics().height());
        QCoreApplication::processEvents();
        const QList<QAbstractButton*> buttons = window->findChildren<QAbstractButton*>();
        for (QAbstractButton* button : buttons) {
            if (!button->isVisible() || button->text().isEmpty() || qobject_cast<QCheckBox*>(button))
                continue;
            QVERIFY2(button->height() >= button->fontMetrics().height(),
                     qPrintable(button->objectName() + QStringLiteral(" ") + button->text()));
        }
        auto* filter = window->findChild<QLineEdit*>(QStringLiteral("filterEdit"));
        QVERIFY(filter->width() >= filter->fontMetrics().horizontalAdvance(QStringLiteral("httpCode=422")));
        window->close();
    }
    // Both are kept in the data folder's window state.
    {
        auto session = open(dir.path());
        QVERIFY(session);
        MainWindow* window = session->window();
        QCOMPARE(window->theme(), Appearance::Theme::Dark);
        QCOMPARE(window->zoom(), 150);
        QVERIFY(Appearance::isDark(QApplication::palette()));
        window->findChild<QAction*>(QStringLiteral("zoomResetAction"))->trigger(); // Ctrl+0
        QCOMPARE(window->zoom(), 100);
        QCOMPARE(QApplication::font().pointSizeF(), systemPoints);
        window->findChild<QAction*>(QStringLiteral("themeSystemAction"))->trigger();
        QVERIFY(!Appearance::isDark(QApplication::palette()));
    }
}

void TestWindowLayout::refusedRequestsReadWholeInTheNameColumn()
{
    // Algolia's long refusals (the 404's paragraph, the endpoint's 431 advice) used to be cut in the Event
    // name cell: the cell shows a short reason that fits the column, the whole message is on hover and in
    // the details.
    QTemporaryDir dir;
    auto session = open(dir.path());
    QVERIFY(session);
    MainWindow* window = session->window();
    window->show();
    QVERIFY(QTest::qWaitForWindowExposed(window));
    QCOMPARE(window->size(), QSize(1366, 768));
    const QString notFound = QStringLiteral(
        "Path not supported by Insights REST API. Please have a look at "
        "[https://www.algolia.com/doc/rest-api/insights/](https://www.algolia.com/doc/rest-api/insights) for "
        "the list of valid commands.");
    const QList<std::pair<int, QString>> refusals = {
        {401, QStringLiteral("Invalid credentials")},
        {404, notFound},
        {405, QStringLiteral("Method Not Allowed")},
        {413, QStringLiteral("Request Entity Too Large")},
        {431, QStringLiteral("Request Header Fields Too Large: 9000 bytes of request line and headers, the "
                             "debugger accepts 8192. Browsers send every cookie of the endpoint's host: "
                             "clear some, or raise the limit")},
        {400, QStringLiteral("No events to process")},
        {400, QStringLiteral("The body is not valid gzip data")},
        {403, QStringLiteral("Forbidden: the automation API answers loopback hosts only")},
        {501, QStringLiteral("Not Implemented: Transfer-Encoding gzip")},
    };
    QList<LogRecord> records;
    for (const auto& [status, message] : refusals)
        records << LogFixture::refusedRequest(QStringLiteral("req-%1").arg(records.size()), status, message,
                                              QStringLiteral("/1/events"), QByteArrayLiteral("{}"));
    session->log()->append(records);
    session->log()->flush();

    DebuggerPanel* panel = window->debuggerPanel();
    QTableView* table = panel->tableView();
    QAbstractItemModel* model = table->model();
    auto requestRows = [&] {
        QList<int> rows;
        for (int row = 0; row < model->rowCount(); ++row) {
            if (model->index(row, 0).data(EventTableModel::KindRole).toInt() ==
                static_cast<int>(RecordKind::Request))
                rows << row;
        }
        return rows;
    };
    QTRY_COMPARE_WITH_TIMEOUT(requestRows().size(), refusals.size(), 10000);
    const int nameColumn = static_cast<int>(EventTableModel::Column::EventName);
    const int columnWidth = table->horizontalHeader()->sectionSize(nameColumn);
    QTRY_COMPARE(table->horizontalScrollBar()->maximum(), 0); // the wider name column still fits 1366 px
    for (const int row : requestRows()) {
        const QModelIndex cell = model->index(row, nameColumn);
        const QString message = cell.data(Qt::ToolTipRole).toString().section(QStringLiteral(" \u00b7 "), 1);
        const int status = model->index(row, static_cast<int>(EventTableModel::Column::Http)).data().toInt();
        const QString text = cell.data().toString();
        QCOMPARE(text, RecordText::shortReason(status, message));
        QVERIFY2(!text.endsWith(QStringLiteral("\u2026")), qPrintable(text)); // never cut by us either
        // The width the view's delegate needs for the text, its margins included, fits the column.
        QStyleOptionViewItem option;
        option.initFrom(table->viewport());
        option.font = table->font();
        option.fontMetrics = QFontMetrics(table->font());
        const int needed = table->itemDelegateForIndex(cell)->sizeHint(option, cell).width();
        QVERIFY2(
            needed <= columnWidth,
            qPrintable(QStringLiteral("\"%1\" needs %2 px in %3").arg(text).arg(needed).arg(columnWidth)));
        // The whole message: on hover (after the request line) and in the details.
        QVERIFY2(refusals.contains(std::pair<int, QString>(status, message)), qPrintable(message));
    }
    const int notFoundRow = [&] {
        for (const int row : requestRows()) {
            if (model->index(row, static_cast<int>(EventTableModel::Column::Http)).data().toInt() == 404)
                return row;
        }
        return -1;
    }();
    QVERIFY(notFoundRow >= 0);
    QCOMPARE(model->index(notFoundRow, nameColumn).data().toString(), QStringLiteral("Path not supported"));
    table->setCurrentIndex(model->index(notFoundRow, 0));
    const qint64 id = model->index(notFoundRow, 0).data(EventTableModel::RecordIdRole).toLongLong();
    QTRY_COMPARE(panel->detailsPane()->recordId(), id);
    auto* summary = panel->detailsPane()->findChild<QLabel*>(QStringLiteral("detailsSummary"));
    QVERIFY(summary);
    QTRY_VERIFY2(summary->text().contains(QStringLiteral("for the list of valid commands.")),
                 qPrintable(summary->text()));
}

void TestWindowLayout::detailsShowTheVerdictAndWillItCountOnALaptop()
{
    // At 1366x768 the details dock under the table showed a row or two of the verdict and of "will it
    // count" (the JSON took the height): the default layout gives the dock half the height, and the Event
    // tab gives their rows the height they need, the JSON the rest.
    QTemporaryDir dir;
    auto session = open(dir.path());
    QVERIFY(session);
    MainWindow* window = session->window();
    window->show();
    QVERIFY(QTest::qWaitForWindowExposed(window));
    QCOMPARE(window->size(), QSize(1366, 768));
    // A rejected event with an issue (the fixture's 38th record: a bad userToken), and accepted ones.
    session->log()->append(LogFixture::records(28, 12));
    session->log()->flush();
    DebuggerPanel* panel = window->debuggerPanel();
    QTableView* table = panel->tableView();
    QAbstractItemModel* model = table->model();
    int rejected = -1;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (int row = 0; row < model->rowCount(); ++row) {
                const QModelIndex user =
                    model->index(row, static_cast<int>(EventTableModel::Column::UserToken));
                if (user.data().toString() == QLatin1String("bad token!"))
                    rejected = row;
            }
            return rejected >= 0;
        }(),
        10000);
    table->setCurrentIndex(model->index(rejected, 0));
    DetailsPane* details = panel->detailsPane();
    QTRY_COMPARE(details->recordId(),
                 model->index(rejected, 0).data(EventTableModel::RecordIdRole).toLongLong());

    auto* dock = window->findChild<QDockWidget*>(QStringLiteral("detailsDock"));
    QVERIFY2(dock->height() >= window->height() * 2 / 5, qPrintable(QString::number(dock->height())));
    // The table keeps room for several rows above it.
    QVERIFY2(table->viewport()->height() >= 6 * table->verticalHeader()->defaultSectionSize(),
             qPrintable(QString::number(table->viewport()->height())));
    // The verdict line in full.
    auto* summary = details->findChild<QLabel*>(QStringLiteral("detailsSummary"));
    QVERIFY(summary->isVisible());
    QTRY_VERIFY2(summary->height() >= summary->heightForWidth(summary->width()),
                 qPrintable(QStringLiteral("%1 px of %2")
                                .arg(summary->height())
                                .arg(summary->heightForWidth(summary->width()))));
    // Every row of the verdict and of "will it count" whole in its list: nothing to scroll to.
    auto* issues = details->findChild<QTreeWidget*>(QStringLiteral("detailsIssues"));
    auto* usefulness = details->findChild<QTreeWidget*>(QStringLiteral("detailsUsefulness"));
    QVERIFY(issues && usefulness);
    QVERIFY(issues->topLevelItemCount() >= 1);
    QVERIFY(usefulness->topLevelItemCount() >= 3);
    auto allRowsShown = [](QTreeWidget* tree) -> QString {
        for (int row = 0; row < tree->topLevelItemCount(); ++row) {
            const QRect rect = tree->visualItemRect(tree->topLevelItem(row));
            if (rect.isEmpty() || !tree->viewport()->rect().contains(rect))
                return QStringLiteral("%1: row %2 at %3..%4 of %5 px")
                    .arg(tree->objectName())
                    .arg(row)
                    .arg(rect.top())
                    .arg(rect.bottom())
                    .arg(tree->viewport()->height());
        }
        return {};
    };
    QTRY_VERIFY2(allRowsShown(issues).isEmpty(), qPrintable(allRowsShown(issues)));
    QTRY_VERIFY2(allRowsShown(usefulness).isEmpty(), qPrintable(allRowsShown(usefulness)));
    // And the JSON's first lines.
    auto* json = details->findChild<QTextBrowser*>(QStringLiteral("detailsJson"));
    QVERIFY2(json->viewport()->height() >= 3 * json->fontMetrics().lineSpacing(),
             qPrintable(QString::number(json->viewport()->height())));
}

QTEST_MAIN(TestWindowLayout)
#include "tst_windowlayout.moc"
