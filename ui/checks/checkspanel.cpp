#include "checkspanel.h"

#include "log/eventlog.h"
#include "plan/starterplan.h"
#include "views/eventfilter.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDesktopServices>
#include <QFileDialog>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIcon>
#include <QLabel>
#include <QPainter>
#include <QPixmap>
#include <QPointer>
#include <QSaveFile>
#include <QSet>
#include <QThreadPool>
#include <QTimer>
#include <QToolButton>
#include <QTreeWidget>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>

namespace {

// The panel keeps this many recent records to check; older ones drop out (the log keeps them all).
constexpr qsizetype kMaxRecords = 200'000;
constexpr int kReadPage = 10'000;
constexpr int kShownChildren = 100;
constexpr int kWindowRecheckMs = 5000;

enum Column
{
    NameColumn,
    StatusColumn,
    CountColumn,
    DetailsColumn,
};

QString statusText(CheckStatus status)
{
    switch (status) {
    case CheckStatus::Met:
        return QStringLiteral("✓ met");
    case CheckStatus::NotMet:
        return QStringLiteral("✗ not met");
    case CheckStatus::Pending:
        break;
    }
    return QStringLiteral("… pending");
}

// Readable on light and dark palettes alike: mid-tone hues, lighter on a dark base.
QColor statusColour(CheckStatus status, const QPalette& palette)
{
    const bool dark = palette.color(QPalette::Base).lightness() < 128;
    switch (status) {
    case CheckStatus::Met:
        return dark ? QColor(0x6f, 0xd0, 0x8c) : QColor(0x1e, 0x7e, 0x34);
    case CheckStatus::NotMet:
        return dark ? QColor(0xff, 0x7b, 0x72) : QColor(0xc0, 0x29, 0x2b);
    case CheckStatus::Pending:
        break;
    }
    return dark ? QColor(0xa0, 0xa6, 0xad) : QColor(0x6b, 0x72, 0x80);
}

// A dot of the status colour before the name: the status stays visible when a narrow dock cuts the columns.
QIcon statusIcon(CheckStatus status, const QPalette& palette)
{
    QPixmap pixmap(12, 12);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(Qt::NoPen);
    painter.setBrush(statusColour(status, palette));
    painter.drawEllipse(QRectF(1.5, 1.5, 9, 9));
    return QIcon(pixmap);
}

QString filterText(const QString& userToken, const QString& eventName)
{
    EventFilter filter;
    filter.userToken = userToken;
    filter.eventName = eventName;
    return filter.toString();
}

} // namespace

// What the background job owns: the plan, its catalogs and the records read so far.
struct ChecksPanel::State
{
    std::optional<Plan> plan;
    QString planPath;
    QList<std::shared_ptr<const IndexCatalog>> catalogs;
    QList<CheckRecord> records; // ascending ids
    qint64 lastId = 0;
};

struct ChecksPanel::Outcome
{
    bool planChanged = false;
    QString planPath;
    QString planError;
    bool hasPlan = false;
    CheckReport report;
    QHash<qint64, QPair<QString, QString>> facts;
};

namespace {

struct JobRequest
{
    bool reset = false;
    QString loadPath;    // load (again) this plan file
    QString starterPath; // write a starter plan here first, then load it
};

} // namespace

ChecksPanel::ChecksPanel(EventLog* log, QWidget* parent)
    : QWidget(parent)
    , m_log(log)
    , m_state(std::make_shared<State>())
{
    setObjectName(QStringLiteral("checksPanel"));
    m_jobPool.setMaxThreadCount(1);
    m_load = new QToolButton;
    m_load->setObjectName(QStringLiteral("loadPlanButton"));
    m_load->setText(tr("Load plan…"));
    m_load->setToolTip(tr("Open an event plan (JSON): expected events, journeys and token rules"));
    m_edit = new QToolButton;
    m_edit->setObjectName(QStringLiteral("editPlanButton"));
    m_edit->setText(tr("Edit"));
    m_edit->setToolTip(tr("Open the plan in your editor; it is checked again each time you save it"));
    m_edit->setEnabled(false);
    m_starter = new QToolButton;
    m_starter->setObjectName(QStringLiteral("starterPlanButton"));
    m_starter->setText(tr("Starter plan…"));
    m_starter->setToolTip(tr("Write a plan from the events seen so far, then load it"));
    m_summary = new QLabel(tr("No plan loaded"));
    m_summary->setObjectName(QStringLiteral("checksSummary"));
    m_summary->setWordWrap(true);
    m_tree = new QTreeWidget;
    m_tree->setObjectName(QStringLiteral("checksTree"));
    m_tree->setHeaderLabels({tr("Check"), tr("Status"), tr("Events"), tr("Details")});
    m_tree->setUniformRowHeights(true);
    m_tree->setRootIsDecorated(true);
    m_tree->header()->setStretchLastSection(true);
    m_tree->header()->setSectionResizeMode(NameColumn, QHeaderView::Interactive);
    m_tree->setColumnWidth(NameColumn, 200);
    m_tree->header()->setSectionResizeMode(StatusColumn, QHeaderView::ResizeToContents);
    m_tree->header()->setSectionResizeMode(CountColumn, QHeaderView::ResizeToContents);

    auto* buttons = new QHBoxLayout;
    buttons->setContentsMargins(0, 0, 0, 0);
    buttons->addWidget(m_load);
    buttons->addWidget(m_edit);
    buttons->addWidget(m_starter);
    buttons->addStretch();
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(buttons);
    layout->addWidget(m_summary);
    layout->addWidget(m_tree, 1);

    m_debounce = new QTimer(this);
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(150);
    connect(m_debounce, &QTimer::timeout, this, &ChecksPanel::refresh);
    m_windows = new QTimer(this);
    m_windows->setSingleShot(true);
    m_windows->setInterval(kWindowRecheckMs);
    connect(m_windows, &QTimer::timeout, this, &ChecksPanel::refresh);
    m_watcher = new QFileSystemWatcher(this);
    // Editors save by replacing the file: the watcher may lose it, so the path is watched again after reload.
    connect(m_watcher, &QFileSystemWatcher::fileChanged, this, [this](const QString& path) {
        if (path == m_planPath)
            QTimer::singleShot(200, this, [this] { loadPlan(m_planPath); });
    });

    connect(m_load, &QToolButton::clicked, this, &ChecksPanel::choosePlan);
    connect(m_edit, &QToolButton::clicked, this, &ChecksPanel::editPlan);
    connect(m_starter, &QToolButton::clicked, this, &ChecksPanel::chooseStarterPlan);
    connect(m_tree, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem* item) { onItemClicked(item); });
    connect(m_tree, &QTreeWidget::itemActivated, this,
            [this](QTreeWidgetItem* item) { onItemClicked(item); });
    if (m_log) {
        connect(m_log, &EventLog::recordsAppended, this, &ChecksPanel::scheduleRefresh);
        connect(m_log, &EventLog::recordsRemoved, this, [this] {
            m_resetAgain = true;
            scheduleRefresh();
        });
    }
}

ChecksPanel::~ChecksPanel()
{
    // The job reads the log: it must be over before the log can go.
    m_jobPool.waitForDone();
}

void ChecksPanel::loadPlan(const QString& path)
{
    m_pendingLoad = path;
    runJob();
}

void ChecksPanel::writeStarterPlan(const QString& path)
{
    m_pendingStarter = path;
    runJob();
}

QStringList ChecksPanel::notesFor(qint64 recordId) const
{
    QStringList lines;
    for (const RecordNote& note : m_report.notesFor(recordId)) {
        if (note.satisfied) {
            lines.append(tr("✓ satisfied %1").arg(note.checkName));
            continue;
        }
        QString line = tr("✗ broke %1").arg(note.checkName);
        if (!note.field.isEmpty() || !note.message.isEmpty())
            line += QStringLiteral(": ") +
                    (note.field.isEmpty() ? QString() : note.field + QLatin1Char(' ')) + note.message;
        lines.append(line);
    }
    return lines;
}

void ChecksPanel::choosePlan()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Load an event plan"), m_planPath,
                                                      tr("Event plans (*.json);;All files (*)"));
    if (!path.isEmpty())
        loadPlan(path);
}

void ChecksPanel::chooseStarterPlan()
{
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Write a starter plan"), QStringLiteral("event-plan.json"), tr("Event plans (*.json)"));
    if (!path.isEmpty())
        writeStarterPlan(path);
}

void ChecksPanel::editPlan()
{
    if (!m_planPath.isEmpty())
        QDesktopServices::openUrl(QUrl::fromLocalFile(m_planPath));
}

void ChecksPanel::scheduleRefresh()
{
    if (!m_debounce->isActive())
        m_debounce->start();
}

void ChecksPanel::refresh()
{
    runJob();
}

void ChecksPanel::runJob()
{
    if (m_jobRunning) {
        m_refreshAgain = true;
        return;
    }
    JobRequest request;
    request.reset = std::exchange(m_resetAgain, false);
    request.loadPath = std::exchange(m_pendingLoad, QString());
    request.starterPath = std::exchange(m_pendingStarter, QString());
    m_jobRunning = true;
    m_refreshAgain = false;
    const QPointer<ChecksPanel> guard(this);
    m_jobPool.start([state = m_state, log = m_log, request, guard] {
        auto outcome = std::make_shared<Outcome>();
        if (request.reset) {
            state->records.clear();
            state->lastId = 0;
        }
        if (log) {
            LogQuery query;
            query.sinceId = state->lastId;
            query.limit = kReadPage;
            for (;;) {
                const QList<LogRecord> page = log->query(query);
                for (const LogRecord& record : page)
                    state->records.append(checkRecordFromLog(record));
                if (!page.isEmpty())
                    state->lastId = page.constLast().id;
                if (page.size() < kReadPage)
                    break;
                query.sinceId = state->lastId;
            }
            if (state->records.size() > kMaxRecords)
                state->records.remove(0, state->records.size() - kMaxRecords);
        }
        QString loadPath = request.loadPath;
        if (!request.starterPath.isEmpty()) {
            QSaveFile file(request.starterPath);
            const QByteArray json = PlanFile::toJson(starterPlan(state->records));
            if (file.open(QIODevice::WriteOnly) && file.write(json) == json.size() && file.commit()) {
                loadPath = request.starterPath;
            } else {
                outcome->planChanged = true;
                outcome->planPath = state->planPath;
                outcome->planError = tr("Cannot write %1: %2").arg(request.starterPath, file.errorString());
            }
        }
        if (!loadPath.isEmpty()) {
            outcome->planChanged = true;
            outcome->planPath = loadPath;
            PlanLoadResult loaded = PlanFile::load(loadPath);
            if (loaded.plan) {
                PlanFile::CatalogsLoad catalogs = PlanFile::loadCatalogs(*loaded.plan);
                outcome->planError = catalogs.error; // the plan still applies; objectIDs go unchecked
                state->catalogs = catalogs.catalogs;
                state->plan = std::move(loaded.plan);
                state->planPath = loadPath;
            } else {
                // A broken edit keeps the last good plan checking, and says why the new one was refused.
                outcome->planError = loaded.error;
            }
        }
        outcome->hasPlan = state->plan.has_value();
        if (state->plan) {
            CheckOptions options;
            options.nowMs = QDateTime::currentMSecsSinceEpoch();
            options.catalogs = state->catalogs;
            outcome->report = checkPlan(*state->plan, state->records, options);
            // The user token and name of the records a click may filter on.
            QSet<qint64> ids;
            for (const CheckResult& result : std::as_const(outcome->report.results)) {
                for (const CheckFinding& finding : result.findings)
                    ids.insert(finding.recordId);
                for (const JourneyInstance& instance : result.instances)
                    ids.insert(instance.recordIds.constFirst());
            }
            for (const qint64 id : std::as_const(ids)) {
                const auto it =
                    std::lower_bound(state->records.cbegin(), state->records.cend(), id,
                                     [](const CheckRecord& r, qint64 value) { return r.id < value; });
                if (it != state->records.cend() && it->id == id)
                    outcome->facts.insert(id, {it->userToken, it->event.eventName.value_or(QString())});
            }
        }
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [guard, outcome] {
                if (guard)
                    guard->apply(*outcome);
            },
            Qt::QueuedConnection);
    });
}

void ChecksPanel::apply(const Outcome& outcome)
{
    m_jobRunning = false;
    if (outcome.planChanged) {
        if (outcome.planError.isEmpty() || outcome.hasPlan) {
            m_planPath = outcome.planPath;
            watch(m_planPath);
        }
        m_edit->setEnabled(!m_planPath.isEmpty());
    }
    if (outcome.hasPlan) {
        m_report = outcome.report;
        m_facts = outcome.facts;
    }
    rebuildTree();
    if (outcome.planChanged && !outcome.planError.isEmpty())
        m_summary->setText(tr("Plan not loaded: %1").arg(outcome.planError));
    if (outcome.planChanged)
        emit planLoaded(outcome.planError);
    emit reportUpdated();

    const bool waiting = std::any_of(m_report.results.cbegin(), m_report.results.cend(),
                                     [](const CheckResult& r) { return r.status == CheckStatus::Pending; });
    if (waiting && !m_windows->isActive())
        m_windows->start();
    if (m_refreshAgain || !m_pendingLoad.isEmpty() || !m_pendingStarter.isEmpty() || m_resetAgain)
        runJob();
}

void ChecksPanel::watch(const QString& path)
{
    if (!m_watcher->files().isEmpty())
        m_watcher->removePaths(m_watcher->files());
    if (!path.isEmpty() && QFileInfo::exists(path))
        m_watcher->addPath(path);
}

void ChecksPanel::rebuildTree()
{
    // Keep what the user opened and where they were across live updates.
    QSet<QString> expanded;
    QString current;
    for (int g = 0; g < m_tree->topLevelItemCount(); ++g) {
        QTreeWidgetItem* group = m_tree->topLevelItem(g);
        if (group->isExpanded())
            expanded.insert(group->text(NameColumn));
        for (int c = 0; c < group->childCount(); ++c) {
            if (group->child(c)->isExpanded())
                expanded.insert(group->child(c)->data(NameColumn, CheckKeyRole).toString());
        }
    }
    if (QTreeWidgetItem* item = m_tree->currentItem())
        current = item->data(NameColumn, CheckKeyRole).toString();

    m_tree->clear();
    if (m_planPath.isEmpty()) {
        m_summary->setText(
            tr("No plan loaded: load one, or write a starter plan from the events seen so far"));
        return;
    }
    const QPalette palette = m_tree->palette();
    const auto user = [this](qint64 id) { return m_facts.value(id).first; };
    const auto name = [this](qint64 id) { return m_facts.value(id).second; };

    const QPair<CheckKind, QString> groups[] = {{CheckKind::Event, tr("Expected events")},
                                                {CheckKind::Journey, tr("Journeys")},
                                                {CheckKind::Token, tr("Tokens")}};
    for (const auto& [kind, title] : groups) {
        auto* group = new QTreeWidgetItem(m_tree);
        int met = 0;
        int total = 0;
        for (const CheckResult& result : m_report.results) {
            if (result.kind != kind)
                continue;
            ++total;
            met += result.status == CheckStatus::Met ? 1 : 0;
            auto* item = new QTreeWidgetItem(group);
            item->setText(NameColumn, result.name);
            item->setIcon(NameColumn, statusIcon(result.status, palette));
            item->setText(StatusColumn, statusText(result.status));
            item->setForeground(StatusColumn, statusColour(result.status, palette));
            item->setText(CountColumn, QString::number(result.matched));
            item->setText(DetailsColumn, result.summary);
            item->setToolTip(DetailsColumn, result.summary);
            item->setData(NameColumn, CheckKeyRole, result.key);
            item->setData(NameColumn, StatusRole, static_cast<int>(result.status));
            QString filter;
            if (kind == CheckKind::Event) {
                filter = filterText({}, result.name);
            } else if (kind == CheckKind::Journey) {
                const auto failing =
                    std::find_if(result.instances.cbegin(), result.instances.cend(),
                                 [](const JourneyInstance& i) { return i.status == CheckStatus::NotMet; });
                if (failing != result.instances.cend())
                    filter = filterText(failing->userToken, {});
                else if (!result.instances.isEmpty())
                    filter = filterText(result.instances.constFirst().userToken, {});
            } else if (!result.findings.isEmpty()) {
                filter = filterText(user(result.findings.constFirst().recordId), {});
            }
            item->setData(NameColumn, FilterRole, filter);

            int shown = 0;
            for (const CheckFinding& finding : result.findings) {
                if (++shown > kShownChildren)
                    break;
                auto* child = new QTreeWidgetItem(item);
                child->setText(NameColumn,
                               finding.recordId > 0 ? tr("event #%1").arg(finding.recordId) : tr("—"));
                child->setText(StatusColumn, finding.field);
                child->setText(DetailsColumn, finding.message);
                child->setToolTip(DetailsColumn, finding.message);
                child->setForeground(StatusColumn, statusColour(CheckStatus::NotMet, palette));
                if (finding.recordId > 0)
                    child->setData(NameColumn, FilterRole,
                                   filterText(user(finding.recordId), name(finding.recordId)));
            }
            for (const JourneyInstance& instance : result.instances) {
                if (++shown > kShownChildren)
                    break;
                if (instance.status == CheckStatus::NotMet)
                    continue; // already listed as a finding
                auto* child = new QTreeWidgetItem(item);
                child->setText(NameColumn, instance.userToken);
                child->setText(StatusColumn, statusText(instance.status));
                child->setForeground(StatusColumn, statusColour(instance.status, palette));
                child->setText(CountColumn, QString::number(instance.recordIds.size()));
                child->setText(DetailsColumn, instance.reason);
                child->setData(NameColumn, FilterRole, filterText(instance.userToken, {}));
            }
            const qsizetype more = result.findings.size() + result.instances.size() - kShownChildren;
            if (more > 0)
                (new QTreeWidgetItem(item))->setText(NameColumn, tr("… and %1 more").arg(more));
            if (expanded.contains(result.key))
                item->setExpanded(true);
            if (result.key == current)
                m_tree->setCurrentItem(item);
        }
        group->setText(NameColumn, title);
        group->setText(StatusColumn, tr("%1/%2 met").arg(met).arg(total));
        group->setExpanded(total > 0 && (expanded.isEmpty() || expanded.contains(title)));
        if (total == 0)
            group->setText(DetailsColumn, tr("none in the plan"));
    }
    auto* unplanned = new QTreeWidgetItem(m_tree);
    const QString unplannedTitle = tr("Unplanned events");
    unplanned->setText(NameColumn, unplannedTitle);
    unplanned->setData(NameColumn, CheckKeyRole, QStringLiteral("unplanned"));
    int unplannedCount = 0;
    for (const UnplannedEvent& event : m_report.unplanned) {
        unplannedCount += event.count;
        auto* child = new QTreeWidgetItem(unplanned);
        child->setText(NameColumn, event.eventName.isEmpty() ? tr("(no eventName)") : event.eventName);
        child->setText(StatusColumn, event.eventType);
        child->setText(CountColumn, QString::number(event.count));
        child->setText(DetailsColumn, event.hint);
        child->setData(NameColumn, FilterRole, filterText({}, event.eventName));
    }
    unplanned->setText(CountColumn, QString::number(unplannedCount));
    unplanned->setText(DetailsColumn, m_report.failOnUnplanned ? tr("the plan fails on unplanned events")
                                                               : tr("reported, not failing"));
    if (m_report.failOnUnplanned && unplannedCount > 0)
        unplanned->setForeground(StatusColumn, statusColour(CheckStatus::NotMet, palette));
    unplanned->setExpanded(expanded.contains(unplannedTitle));

    m_summary->setText(
        tr("%1 — %2 met, %3 not met, %4 pending · %5 unplanned · %6 events checked")
            .arg(m_report.planName.isEmpty() ? QFileInfo(m_planPath).fileName() : m_report.planName)
            .arg(m_report.count(CheckStatus::Met))
            .arg(m_report.count(CheckStatus::NotMet))
            .arg(m_report.count(CheckStatus::Pending))
            .arg(unplannedCount)
            .arg(m_report.recordsChecked));
}

void ChecksPanel::onItemClicked(QTreeWidgetItem* item)
{
    if (!item)
        return;
    const QVariant filter = item->data(NameColumn, FilterRole);
    if (filter.isValid())
        emit filterRequested(filter.toString());
}
