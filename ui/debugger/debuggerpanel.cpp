#include "debuggerpanel.h"

#include "chartspane.h"
#include "detailspane.h"
#include "eventtablestyle.h"
#include "filterbar.h"
#include "style/icons.h"

#include "catalog/indexcatalog.h"
#include "event/event.h"
#include "event/eventcodec.h"
#include "event/vocabulary.h"
#include "log/eventlog.h"
#include "views/eventtablemodel.h"
#include "views/recordtext.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QEvent>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QProgressDialog>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalBlocker>
#include <QStyle>
#include <QTableView>
#include <QThreadPool>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <utility>

namespace {

constexpr int kProgressThreshold = 10'000; // exports larger than this show progress and can be cancelled
constexpr int kSelectionLimit = 10'000;    // rows a copy or resend acts on at most

QThreadPool& workers()
{
    // One pool for the panel's file work; the panel waits for it when it goes away (see the destructor).
    static QThreadPool pool;
    return pool;
}

// The columns a first start shows, and their widths: the ones people read at a glance fit 1366 px beside the
// composer dock; the others are one click away in the Columns menu. Returns the header's state.
QByteArray defaultColumns(QHeaderView* header)
{
    using Column = EventTableModel::Column;
    const QFontMetrics metrics = header->fontMetrics();
    const auto width = [&](const QString& sample) { return metrics.horizontalAdvance(sample) + 24; };
    for (int column = 0; column < header->count(); ++column)
        header->setSectionHidden(column, true);
    // The Status column holds a badge and the longest status a row can read.
    int status = metrics.horizontalAdvance(QString(SearchWords::Status));
    for (const Verdict verdict : allVerdicts())
        status = std::max(status, metrics.horizontalAdvance(verdictName(verdict)));
    status += 24 + header->style()->pixelMetric(QStyle::PM_SmallIconSize) + 4;
    // The Event name column: an event's name, or a refused request's short reason, read whole. The reasons
    // get a smaller margin than the samples (still more than the item's own), so that the main columns
    // keep fitting 1366 px beside the composer.
    int name = width(QStringLiteral("Product Clicked"));
    for (const QString& reason : RecordText::shortReasonSamples())
        name = std::max(name, metrics.horizontalAdvance(reason) + 12);
    const std::pair<Column, int> shown[] = {
        {Column::Status, status},
        {Column::Http, width(QStringLiteral("HTTP"))},
        // "conversion · purchase", "POST /1/events" (a refused request), "43 hits" (a search).
        {Column::EventType, width(QStringLiteral("POST /1/events"))},
        {Column::EventName, name},
        // Tokens are longer than any column (UUIDs): their start tells them apart, the details show them.
        {Column::UserToken, width(QStringLiteral("anonymous-0f3c2a"))},
        {Column::Index, width(QStringLiteral("products"))},
        {Column::ReceivedAt, width(QStringLiteral("12:34:56.789 · 59 s ago"))},
    };
    for (const auto& [column, pixels] : shown) {
        header->setSectionHidden(static_cast<int>(column), false);
        header->resizeSection(static_cast<int>(column), pixels);
    }
    header->setStretchLastSection(false);
    return header->saveState();
}

QToolButton* makeButton(QWidget* parent, const QString& name, const QString& text, const QString& tip,
                        Icons::Icon icon)
{
    auto* button = new QToolButton(parent);
    button->setObjectName(name);
    button->setText(text);
    button->setToolTip(tip);
    button->setIcon(Icons::icon(icon));
    button->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    return button;
}

} // namespace

DebuggerPanel::DebuggerPanel(EventLog* log, QWidget* parent)
    : QWidget(parent)
    , m_log(log)
{
    setObjectName(QStringLiteral("debuggerPanel"));

    m_filterBar = new FilterBar(this);

    // Live controls.
    m_pause = makeButton(this, QStringLiteral("pauseButton"), tr("Pause"),
                         tr("Freeze the table; new events keep being recorded and are counted"),
                         Icons::Icon::Pause);
    m_pause->setCheckable(true);
    m_newEvents = makeButton(this, QStringLiteral("newEventsButton"), QString(),
                             tr("Show the new events now"), Icons::Icon::Follow);
    m_followTail = makeButton(this, QStringLiteral("followTailButton"), tr("Follow"),
                              tr("Keep the newest event in view"), Icons::Icon::Follow);
    m_followTail->setCheckable(true);
    m_followTail->setChecked(true);
    m_clear = makeButton(this, QStringLiteral("clearButton"), tr("Clear…"),
                         tr("Delete every event from the log"), Icons::Icon::Clear);
    m_columns = makeButton(this, QStringLiteral("columnsButton"), tr("Columns"), tr("Choose the columns"),
                           Icons::Icon::Columns);
    m_columns->setPopupMode(QToolButton::InstantPopup);

    auto* copy = makeButton(this, QStringLiteral("copyButton"), tr("Copy"), tr("Copy the selected events"),
                            Icons::Icon::Copy);
    copy->setPopupMode(QToolButton::InstantPopup);
    auto* copyMenu = new QMenu(copy);
    copyMenu->addAction(tr("Copy as JSON"), this, &DebuggerPanel::copyAsJson);
    copyMenu->addAction(tr("Copy as curl"), this, &DebuggerPanel::copyAsCurl);
    copyMenu->addAction(tr("Copy as search-insights aa(…)"), this, &DebuggerPanel::copyAsSearchInsights);
    copy->setMenu(copyMenu);

    m_resend = makeButton(this, QStringLiteral("resendButton"), tr("Resend"),
                          tr("Send the selected events again to the current target"), Icons::Icon::Resend);
    m_resend->setEnabled(false);
    m_resend->setPopupMode(QToolButton::InstantPopup);
    m_resend->setMenu(new QMenu(m_resend));
    rebuildResendMenu();

    auto* exportButton = makeButton(this, QStringLiteral("exportButton"), tr("Export"),
                                    tr("Save events to a file"), Icons::Icon::Export);
    exportButton->setPopupMode(QToolButton::InstantPopup);
    auto* exportMenu = new QMenu(exportButton);
    exportMenu->addAction(tr("Export the rows shown…"), this, [this] { chooseExport(true); });
    exportMenu->addAction(tr("Export every event…"), this, [this] { chooseExport(false); });
    exportButton->setMenu(exportMenu);
    auto* importButton =
        makeButton(this, QStringLiteral("importButton"), tr("Import…"),
                   tr("Read events from NDJSON, JSON, CSV or a HAR capture"), Icons::Icon::Import);
    connect(importButton, &QToolButton::clicked, this, &DebuggerPanel::chooseImport);

    m_counts = new QLabel(this);
    m_counts->setObjectName(QStringLiteral("rowCountLabel"));

    // A tool bar, not a row of buttons: in a narrow window the buttons that do not fit go to its overflow
    // menu instead of widening the window (minimum size 1024×640 with the docks).
    auto* toolBar = new QToolBar(this);
    toolBar->setObjectName(QStringLiteral("debuggerToolBar"));
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->setIconSize(QSize(16, 16));
    toolBar->addWidget(m_pause);
    // In a tool bar a widget is shown and hidden through its action.
    m_newEventsAction = toolBar->addWidget(m_newEvents);
    m_newEventsAction->setVisible(false);
    for (QWidget* w : std::initializer_list<QWidget*>{m_followTail, m_clear, m_columns})
        toolBar->addWidget(w);
    toolBar->addSeparator();
    for (QWidget* w : std::initializer_list<QWidget*>{copy, m_resend, exportButton, importButton})
        toolBar->addWidget(w);
    m_counts->setMinimumWidth(m_counts->fontMetrics().horizontalAdvance(QStringLiteral("000,000 rows")));
    auto* controls = new QHBoxLayout;
    controls->setContentsMargins(0, 0, 0, 0);
    controls->addWidget(toolBar, 1);
    controls->addWidget(m_counts);

    // The table.
    m_model = new EventTableModel(log, this);
    m_style = new EventTableStyle(this);
    m_style->setSourceModel(m_model);
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("eventTable"));
    m_table->setModel(m_style);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setWordWrap(false);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    // Uniform row heights: a fixed section size lets the view place any of a million rows without measuring.
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_fontHeight = m_table->fontMetrics().height();
    m_table->verticalHeader()->hide();
    QHeaderView* header = m_table->horizontalHeader();
    header->setSectionsMovable(true);
    header->setHighlightSections(false);
    header->setContextMenuPolicy(Qt::CustomContextMenu);
    header->setSortIndicator(static_cast<int>(EventTableModel::Column::ReceivedAt), Qt::AscendingOrder);
    m_defaultHeaderState = defaultColumns(header);
    m_table->setSortingEnabled(true);

    // Shown by the main window in docks of their own; a panel on its own (tests, benchmarks) keeps them
    // hidden.
    m_details = new DetailsPane(log, this);
    m_details->hide();
    m_charts = new ChartsPane(log, this);
    m_charts->hide();

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_filterBar);
    layout->addLayout(controls);
    layout->addWidget(m_table, 1);

    buildColumnsMenu();

    connect(m_filterBar, &FilterBar::filterChanged, this, &DebuggerPanel::onFilterChanged);
    connect(m_pause, &QToolButton::toggled, this, [this](bool paused) {
        m_model->setPaused(paused);
        m_pause->setText(paused ? tr("Resume") : tr("Pause"));
        m_pause->setIcon(Icons::icon(paused ? Icons::Icon::Resume : Icons::Icon::Pause));
        updateCounts();
    });
    connect(m_newEvents, &QToolButton::clicked, m_model, &EventTableModel::showPending);
    connect(m_clear, &QToolButton::clicked, this, &DebuggerPanel::requestClear);
    connect(m_model, &EventTableModel::pendingCountChanged, this, &DebuggerPanel::updateCounts);
    connect(m_model, &EventTableModel::loadingChanged, this, &DebuggerPanel::updateCounts);
    connect(m_model, &QAbstractItemModel::modelReset, this, &DebuggerPanel::updateCounts);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, &DebuggerPanel::updateCounts);
    // Follow keeps the newest row in view whatever the scroll position: as rows stream in, when the rows are
    // loaded (a restart, a new filter) and when it is switched on.
    connect(m_model, &QAbstractItemModel::rowsInserted, this, [this] {
        updateCounts();
        scheduleFollow();
    });
    connect(m_model, &EventTableModel::reloaded, this, &DebuggerPanel::scheduleFollow);
    connect(m_followTail, &QToolButton::toggled, this, [this](bool on) {
        if (on)
            scheduleFollow();
    });
    connect(m_model, &EventTableModel::recordsFetched, this, [this] {
        if (m_waitingForId > 0)
            onCurrentRowChanged();
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &DebuggerPanel::onCurrentRowChanged);
    connect(m_details, &DetailsPane::recordRequested, this, &DebuggerPanel::showRecordById);
    connect(m_model, &EventTableModel::sortRefused, this, [this, header](const QString& reason) {
        const QSignalBlocker blocker(header);
        header->setSortIndicator(static_cast<int>(EventTableModel::Column::ReceivedAt), Qt::AscendingOrder);
        m_counts->setToolTip(reason);
        m_counts->setText(reason);
    });
    // Ctrl+C copies the selected events as JSON.
    auto* copyShortcut = new QAction(tr("Copy as JSON"), m_table);
    copyShortcut->setShortcut(QKeySequence::Copy);
    copyShortcut->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(copyShortcut, &QAction::triggered, this, &DebuggerPanel::copyAsJson);
    m_table->addAction(copyShortcut);
    connect(m_table, &QTableView::customContextMenuRequested, this, &DebuggerPanel::onTableContextMenu);
    connect(header, &QHeaderView::customContextMenuRequested, this,
            [this, header](const QPoint& at) { m_columns->menu()->popup(header->mapToGlobal(at)); });
    connect(header, &QHeaderView::sectionMoved, this, &DebuggerPanel::saveHeaderState);
    connect(header, &QHeaderView::sortIndicatorChanged, this, &DebuggerPanel::saveHeaderState);
    // "3 s ago" ages: repaint the visible rows once a second (a repaint, not a dataChanged over the model).
    m_relativeTimeTimer = new QTimer(this);
    m_relativeTimeTimer->setInterval(1000);
    connect(m_relativeTimeTimer, &QTimer::timeout, this, [this] {
        if (m_table->isVisible() && !m_table->horizontalHeader()->isSectionHidden(
                                        static_cast<int>(EventTableModel::Column::ReceivedAt)))
            m_table->viewport()->update();
    });
    m_relativeTimeTimer->start();
    updateCounts();
}

DebuggerPanel::~DebuggerPanel()
{
    if (m_exportCancel)
        m_exportCancel->store(true);
    // Workers post back to this panel: wait for them before it goes away.
    workers().waitForDone();
}

QByteArray DebuggerPanel::saveHeaderState() const
{
    return m_table->horizontalHeader()->saveState();
}

void DebuggerPanel::restoreHeaderState(const QByteArray& state)
{
    // A header saved with another set of columns is refused (restoreState checks the count): defaults stay.
    if (state.isEmpty() || !m_table->horizontalHeader()->restoreState(state))
        return;
    syncColumnsMenu();
}

void DebuggerPanel::resetColumns()
{
    m_table->horizontalHeader()->restoreState(m_defaultHeaderState);
    syncColumnsMenu();
}

void DebuggerPanel::syncColumnsMenu()
{
    const QHeaderView* header = m_table->horizontalHeader();
    const QList<QAction*> actions = m_columns->menu()->actions();
    for (int column = 0; column < actions.size(); ++column) {
        const QSignalBlocker blocker(actions.at(column));
        actions.at(column)->setChecked(!header->isSectionHidden(column));
    }
}

void DebuggerPanel::buildColumnsMenu()
{
    auto* menu = new QMenu(m_columns);
    menu->setObjectName(QStringLiteral("columnsMenu"));
    QHeaderView* header = m_table->horizontalHeader();
    for (int column = 0; column < m_model->columnCount(); ++column) {
        QAction* action =
            menu->addAction(EventTableModel::columnName(static_cast<EventTableModel::Column>(column)));
        action->setCheckable(true);
        action->setChecked(!header->isSectionHidden(column));
        connect(action, &QAction::toggled, this,
                [header, column](bool shown) { header->setSectionHidden(column, !shown); });
    }
    m_columns->setMenu(menu);
}

void DebuggerPanel::setCatalogs(QList<std::shared_ptr<const IndexCatalog>> catalogs)
{
    m_catalogs = std::move(catalogs);
    m_details->setCatalogs(m_catalogs);
    m_charts->setCatalogs(m_catalogs);
}

QList<const IndexCatalog*> DebuggerPanel::catalogPointers() const
{
    QList<const IndexCatalog*> out;
    for (const auto& catalog : m_catalogs)
        out << catalog.get();
    return out;
}

void DebuggerPanel::setTestUsers(const QList<DebuggerTestUser>& users)
{
    m_testUsers = users;
    QHash<QString, QString> names;
    QHash<QString, QColor> colours;
    for (const DebuggerTestUser& user : users) {
        names.insert(user.userToken, user.name);
        if (user.colour.isValid())
            colours.insert(user.userToken, user.colour);
    }
    m_model->setTestUsers(names);
    m_style->setTestUserColours(colours);
    m_filterBar->setTestUsers(users);
    m_charts->setTestUsers(users);
    rebuildResendMenu();
}

void DebuggerPanel::setProfileFetcher(
    std::function<void(const QString& userToken, std::function<void(const QString&)> done)> fetcher)
{
    m_charts->setProfileFetcher(std::move(fetcher));
}

void DebuggerPanel::setResendHandler(ResendHandler handler)
{
    m_resendHandler = std::move(handler);
    m_resend->setEnabled(static_cast<bool>(m_resendHandler));
}

QString DebuggerPanel::filterText() const
{
    return m_filterBar->text();
}

void DebuggerPanel::setFilterText(const QString& text)
{
    m_filterBar->setText(text);
}

void DebuggerPanel::onFilterChanged(const EventFilter& filter)
{
    m_details->clear();
    m_model->setFilter(filter);
}

void DebuggerPanel::updateCounts()
{
    // Rows, not events: searches and refused requests are rows too.
    QString text = m_model->rowCount() == 1 ? tr("1 row") : tr("%1 rows").arg(m_model->rowCount());
    if (m_model->isLoading())
        text += tr(" · loading…");
    if (m_model->isPaused())
        text += tr(" · paused");
    m_counts->setText(text);
    const int pending = m_model->pendingCount();
    m_newEventsAction->setVisible(pending > 0);
    m_newEvents->setText(tr("%1 new").arg(pending));
}

void DebuggerPanel::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() != QEvent::FontChange)
        return;
    // Zoom: rows and columns grow with the font, so that nothing the user saw gets cut off.
    const int height = m_table->fontMetrics().height();
    if (height == m_fontHeight || m_fontHeight <= 0) {
        m_fontHeight = height;
        return;
    }
    QHeaderView* header = m_table->horizontalHeader();
    for (int section = 0; section < header->count(); ++section)
        header->resizeSection(section, header->sectionSize(section) * height / m_fontHeight);
    m_table->verticalHeader()->setDefaultSectionSize(height + 6);
    m_fontHeight = height;
}

void DebuggerPanel::scheduleFollow()
{
    const auto sort = m_model->currentSort();
    if (!m_followTail->isChecked() || m_scrollScheduled || sort.column != EventTableModel::Column::ReceivedAt)
        return;
    // Once per event-loop turn however many batches came in.
    m_scrollScheduled = true;
    QTimer::singleShot(0, this, [this] {
        m_scrollScheduled = false;
        if (m_model->currentSort().order == Qt::AscendingOrder)
            m_table->scrollToBottom();
        else
            m_table->scrollToTop();
    });
}

void DebuggerPanel::onCurrentRowChanged()
{
    const QModelIndex current = m_table->currentIndex();
    if (!current.isValid()) {
        m_waitingForId = 0;
        return;
    }
    const int row = m_style->mapToSource(current).row();
    const LogRecord* record = m_model->recordAt(row);
    if (!record) {
        m_waitingForId = m_model->idAt(row); // shown when the fetch lands
        return;
    }
    m_waitingForId = 0;
    if (record->id != m_details->recordId())
        m_details->showRecord(*record);
}

void DebuggerPanel::showRecordById(qint64 id)
{
    const int row = m_model->rowOfId(id);
    if (row >= 0) {
        const QModelIndex index = m_style->mapFromSource(m_model->index(row, 0));
        m_table->setCurrentIndex(index);
        m_table->scrollTo(index);
        return;
    }
    if (!m_log)
        return;
    // Not among the rows (filtered out): show it in the details anyway.
    m_log->recordsAsync({id}, this, [this](QList<LogRecord> records) {
        if (!records.isEmpty())
            m_details->showRecord(records.first());
    });
}

void DebuggerPanel::requestClear()
{
    if (!m_log)
        return;
    if (!m_clearConfirmation) {
        m_clearConfirmation = new QMessageBox(QMessageBox::Warning, tr("Clear the event log"), QString(),
                                              QMessageBox::Yes | QMessageBox::Cancel, this);
        m_clearConfirmation->setObjectName(QStringLiteral("clearConfirmation"));
        m_clearConfirmation->setDefaultButton(QMessageBox::Cancel);
        connect(m_clearConfirmation, &QMessageBox::finished, this, [this](int result) {
            if (result != QMessageBox::Yes)
                return;
            m_details->clear();
            m_log->removeAsync(std::nullopt, this, [](qint64) {});
        });
    }
    m_clearConfirmation->setText(
        tr("Delete all %1 events from the log? This cannot be undone.").arg(m_log->count()));
    m_clearConfirmation->open();
}

void DebuggerPanel::withSelectedRecords(std::function<void(const QList<LogRecord>&)> use)
{
    if (!m_log)
        return;
    QList<int> rows;
    const QModelIndexList selected = m_table->selectionModel()->selectedRows();
    for (const QModelIndex& index : selected)
        rows << m_style->mapToSource(index).row();
    if (rows.isEmpty() && m_table->currentIndex().isValid())
        rows << m_style->mapToSource(m_table->currentIndex()).row();
    std::sort(rows.begin(), rows.end());
    QList<qint64> ids;
    for (const int row : std::as_const(rows)) {
        if (ids.size() >= kSelectionLimit)
            break;
        ids << m_model->idAt(row);
    }
    if (ids.isEmpty())
        return;
    m_log->recordsAsync(ids, this, [use = std::move(use)](QList<LogRecord> records) { use(records); });
}

void DebuggerPanel::copyText(const QString& text)
{
    if (QClipboard* clipboard = QApplication::clipboard())
        clipboard->setText(text);
    Q_EMIT copied(text);
}

namespace {

// The events among selected records: a search or a refused request is not something to send again.
QList<LogRecord> eventsOnly(const QList<LogRecord>& records)
{
    QList<LogRecord> events;
    for (const LogRecord& r : records) {
        if (r.kind == RecordKind::Event)
            events << r;
    }
    return events;
}

// A record as JSON text: an event's JSON as received; a search or a refused request as its export line,
// which parses whatever the body was.
QByteArray recordJson(const LogRecord& record)
{
    return record.kind == RecordKind::Event ? EventExchange::singleLine(record.rawJson)
                                            : EventExchange::exportLine(record);
}

} // namespace

void DebuggerPanel::copyAsJson()
{
    withSelectedRecords([this](const QList<LogRecord>& records) {
        if (records.size() == 1) {
            copyText(QString::fromUtf8(EventExchange::prettyJson(recordJson(records.first()))));
            return;
        }
        QList<QByteArray> raws;
        for (const LogRecord& r : records)
            raws << recordJson(r);
        copyText(QString::fromUtf8(EventExchange::prettyJson(EventCodec::encodeRawBatch(raws))));
    });
}

void DebuggerPanel::copyAsCurl()
{
    withSelectedRecords([this](const QList<LogRecord>& selected) {
        const QList<LogRecord> records = eventsOnly(selected);
        QList<QByteArray> raws;
        for (const LogRecord& r : records)
            raws << r.rawJson;
        copyText(EventExchange::curlCommand(raws, records.isEmpty() ? QString() : records.first().appId));
    });
}

void DebuggerPanel::copyAsSearchInsights()
{
    withSelectedRecords([this](const QList<LogRecord>& selected) {
        QStringList calls;
        for (const LogRecord& r : eventsOnly(selected))
            calls << EventExchange::searchInsightsCall(r.rawJson);
        copyText(calls.join(QLatin1Char('\n')));
    });
}

void DebuggerPanel::rebuildResendMenu()
{
    QMenu* menu = m_resend->menu();
    menu->clear();
    QAction* same = menu->addAction(tr("Resend as they were"), this, [this] { resendSelected(false, {}); });
    same->setObjectName(QStringLiteral("resendSameAction"));
    QAction* fresh =
        menu->addAction(tr("Resend with fresh timestamps"), this, [this] { resendSelected(true, {}); });
    fresh->setObjectName(QStringLiteral("resendFreshAction"));
    if (!m_testUsers.isEmpty()) {
        QMenu* users = menu->addMenu(tr("Resend as test user"));
        // A menu longer than this cannot be read, and adding an action costs a scan of those before it:
        // 100,000 test users took seconds at every start and every change of a user.
        constexpr qsizetype kMaxListed = 200;
        for (const DebuggerTestUser& user : m_testUsers.mid(0, kMaxListed)) {
            QAction* action = users->addAction(
                user.name, this, [this, token = user.userToken] { resendSelected(true, token); });
            action->setObjectName(QStringLiteral("resendAsAction:") + user.userToken);
        }
        if (m_testUsers.size() > kMaxListed)
            users
                ->addAction(
                    tr("… %n more not listed", nullptr, static_cast<int>(m_testUsers.size() - kMaxListed)))
                ->setEnabled(false);
    }
}

void DebuggerPanel::resendSelected(bool freshTimestamps, const QString& asUserToken)
{
    if (!m_resendHandler)
        return;
    withSelectedRecords([this, freshTimestamps, asUserToken](const QList<LogRecord>& records) {
        QList<Event> events;
        for (const LogRecord& r : eventsOnly(records)) {
            const DecodedBatch decoded = EventCodec::decodeEvent(r.rawJson);
            if (decoded.events.isEmpty())
                continue;
            Event event = decoded.events.first();
            if (freshTimestamps)
                event.timestamp.reset(); // stamped again when queued for sending
            if (!asUserToken.isEmpty()) {
                event.userToken = asUserToken;
                event.authenticatedUserToken.reset();
            }
            events << event;
        }
        if (!events.isEmpty() && m_resendHandler)
            m_resendHandler(events);
    });
}

void DebuggerPanel::onTableContextMenu(const QPoint& position)
{
    QMenu menu(this);
    menu.addAction(tr("Copy as JSON"), this, &DebuggerPanel::copyAsJson);
    menu.addAction(tr("Copy as curl"), this, &DebuggerPanel::copyAsCurl);
    menu.addAction(tr("Copy as search-insights aa(…)"), this, &DebuggerPanel::copyAsSearchInsights);
    menu.addSeparator();
    QMenu* resend = menu.addMenu(tr("Resend"));
    resend->addActions(m_resend->menu()->actions());
    resend->setEnabled(static_cast<bool>(m_resendHandler));
    const QModelIndex index = m_table->indexAt(position);
    if (index.isValid()) {
        const QString token = index.data(EventTableModel::UserTokenRole).toString();
        const QString request = m_model->recordAt(m_style->mapToSource(index).row())
                                    ? m_model->recordAt(m_style->mapToSource(index).row())->requestId
                                    : QString();
        menu.addSeparator();
        if (!token.isEmpty()) {
            menu.addAction(tr("Only this user's events"), this, [this, token] {
                EventFilter filter;
                filter.userToken = token;
                m_filterBar->setText(filter.toString());
            });
        }
        if (!request.isEmpty()) {
            menu.addAction(tr("Only this request's events"), this, [this, request] {
                EventFilter filter;
                filter.requestId = request;
                m_filterBar->setText(filter.toString());
            });
        }
    }
    menu.exec(m_table->viewport()->mapToGlobal(position));
}

void DebuggerPanel::chooseExport(bool filteredOnly)
{
    const QString path = QFileDialog::getSaveFileName(
        this, filteredOnly ? tr("Export the rows shown") : tr("Export every event"),
        QStringLiteral("events.ndjson"),
        tr("NDJSON (*.ndjson *.jsonl);;JSON request body (*.json);;CSV (*.csv)"));
    if (!path.isEmpty())
        exportTo(path, filteredOnly);
}

void DebuggerPanel::chooseImport()
{
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Import events"), QString(),
                                     tr("Events (*.ndjson *.jsonl *.json *.csv *.har);;All files (*)"));
    if (!path.isEmpty())
        importFrom(path);
}

void DebuggerPanel::exportTo(const QString& path, bool filteredOnly)
{
    if (!m_log) {
        Q_EMIT exportFinished(EventExchange::ExportResult{0, false, tr("No event log is open")});
        return;
    }
    auto run = [this, path](QList<qint64> ids) {
        if (m_exportCancel)
            m_exportCancel->store(true);
        m_exportCancel = std::make_shared<std::atomic<bool>>(false);
        std::shared_ptr<std::atomic<bool>> cancel = m_exportCancel;
        const qint64 total = ids.size();
        if (total > kProgressThreshold) {
            if (!m_exportProgress) {
                m_exportProgress = new QProgressDialog(this);
                m_exportProgress->setObjectName(QStringLiteral("exportProgress"));
                m_exportProgress->setWindowTitle(tr("Exporting events"));
                m_exportProgress->setAutoClose(false);
                m_exportProgress->setAutoReset(false);
            }
            m_exportProgress->setLabelText(tr("Writing %1 events to %2").arg(total).arg(path));
            m_exportProgress->setRange(0, static_cast<int>(total));
            m_exportProgress->setValue(0);
            m_exportProgress->disconnect(this);
            connect(m_exportProgress, &QProgressDialog::canceled, this, [cancel] { cancel->store(true); });
            m_exportProgress->show();
        }
        const EventExchange::Format format = EventExchange::formatForPath(path);
        EventLog* log = m_log;
        workers().start([this, log, ids = std::move(ids), format, path, cancel, total]() {
            const auto progress = [this, total](qint64 written) {
                if (total <= kProgressThreshold)
                    return;
                QMetaObject::invokeMethod(
                    this,
                    [this, written] {
                        if (m_exportProgress)
                            m_exportProgress->setValue(static_cast<int>(written));
                    },
                    Qt::QueuedConnection);
            };
            const EventExchange::ExportResult result =
                EventExchange::exportRecords(*log, ids, format, path, progress, cancel.get());
            QMetaObject::invokeMethod(
                this,
                [this, result] {
                    if (m_exportProgress)
                        m_exportProgress->hide();
                    Q_EMIT exportFinished(result);
                },
                Qt::QueuedConnection);
        });
    };
    if (filteredOnly) {
        run(m_model->allIds());
        return;
    }
    LogQuery all;
    all.limit = 0;
    m_log->idsAsync(all, this, run);
}

void DebuggerPanel::importFrom(const QString& path)
{
    if (!m_log) {
        Q_EMIT importFinished(0, tr("No event log is open"));
        return;
    }
    // The catalogs travel with the job so that they outlive it.
    const QList<std::shared_ptr<const IndexCatalog>> catalogs = m_catalogs;
    workers().start([this, path, catalogs]() {
        EventExchange::ImportResult result;
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) {
            result.error = file.errorString();
        } else {
            ValidationContext context;
            context.nowMs = QDateTime::currentMSecsSinceEpoch();
            for (const auto& catalog : catalogs)
                context.catalogs << catalog.get();
            result = EventExchange::importData(file.readAll(), context, context.nowMs);
        }
        QMetaObject::invokeMethod(
            this,
            [this, result = std::move(result)]() mutable {
                const int count = static_cast<int>(result.records.size());
                if (count > 0)
                    m_log->append(std::move(result.records));
                Q_EMIT importFinished(count, result.error);
            },
            Qt::QueuedConnection);
    });
}
