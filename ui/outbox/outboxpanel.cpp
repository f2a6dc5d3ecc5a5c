#include "outboxpanel.h"

#include "style/appearance.h"
#include "style/icons.h"

#include <QApplication>
#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QPushButton>
#include <QSet>
#include <QToolButton>
#include <QVBoxLayout>

namespace {

// Often enough to follow a send, rarely enough that a run of thousands of batches costs a few snapshots.
constexpr int kRefreshMs = 250;
constexpr int kListLimit = 500; // batches listed; the summary still counts every event

constexpr int kRowRole = Qt::UserRole;
constexpr int kStateRole = Qt::UserRole + 1;

// "1 event", "3 events": the app loads no translation, so tr()'s %n would leave "event(s)".
QString count(qint64 n, const char* one, const char* many)
{
    return QStringLiteral("%1 %2").arg(n).arg(QObject::tr(n == 1 ? one : many));
}

QString stateWord(const OutboxBatchInfo& batch)
{
    switch (batch.state) {
    case OutboxState::Queued:
        return QObject::tr("Queued");
    case OutboxState::InFlight:
        return QObject::tr("Sending");
    case OutboxState::Failed:
        return batch.retries > 0 ? QObject::tr("Failed again") : QObject::tr("Failed");
    }
    return {};
}

// The second line of a batch: why it is where it is.
QString explanation(const OutboxBatchInfo& batch, const QString& currentDestination)
{
    switch (batch.state) {
    case OutboxState::Failed:
        return batch.retries > 0 ? QObject::tr("Retried %1, not delivered again: %2")
                                       .arg(count(batch.retries, "time", "times"), batch.lastError)
                                 : QObject::tr("Not delivered: %1").arg(batch.lastError);
    case OutboxState::InFlight:
        return batch.attempts > 0 ? QObject::tr("Attempt %1 failed (%2); trying again")
                                        .arg(batch.attempts)
                                        .arg(batch.lastError)
                                  : QString();
    case OutboxState::Queued:
        if (batch.destination != currentDestination)
            return QObject::tr("Waits for its target: choose %1 to send it")
                .arg(OutboxPanel::describeDestination(batch.destination));
        return batch.lastError.isEmpty() ? QString()
                                         : QObject::tr("Retrying; last time: %1").arg(batch.lastError);
    }
    return {};
}

} // namespace

OutboxPanel::OutboxPanel(InsightsClient* client, QWidget* parent)
    : QWidget(parent)
    , m_client(client)
{
    setObjectName(QStringLiteral("outboxPanel"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);

    m_summary = new QLabel;
    m_summary->setObjectName(QStringLiteral("outboxSummaryLabel"));
    m_summary->setWordWrap(true);
    m_notice = new QLabel;
    m_notice->setObjectName(QStringLiteral("outboxNoticeLabel"));
    m_notice->setWordWrap(true);
    m_notice->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_notice->setVisible(false);

    m_list = new QListWidget;
    m_list->setObjectName(QStringLiteral("outboxList"));
    m_list->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_list->setWordWrap(true); // reasons are long: wrapped, never cut off
    m_list->setTextElideMode(Qt::ElideNone);
    m_list->setResizeMode(QListView::Adjust);
    m_list->setUniformItemSizes(false);
    m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_empty = new QLabel(tr("Nothing waiting. Events you send pass through here; those that cannot be "
                            "delivered stay, with the reason, until you retry or discard them."));
    m_empty->setObjectName(QStringLiteral("outboxEmptyLabel"));
    m_empty->setWordWrap(true);
    m_empty->setAlignment(Qt::AlignTop | Qt::AlignLeft);

    m_retry = new QPushButton(Icons::icon(Icons::Icon::Retry), tr("Retry"));
    m_retry->setObjectName(QStringLiteral("outboxRetryButton"));
    m_retry->setToolTip(tr("Send the selected failed batches again"));
    m_discard = new QPushButton(Icons::icon(Icons::Icon::Discard), tr("Discard"));
    m_discard->setObjectName(QStringLiteral("outboxDiscardButton"));
    m_discard->setToolTip(tr("Drop the selected batches: their events are not sent"));
    // One row (the dock is short beside the composer): the selected batches, then all failed ones.
    m_allFailed = new QToolButton;
    m_allFailed->setObjectName(QStringLiteral("outboxAllFailedButton"));
    m_allFailed->setText(tr("All failed"));
    m_allFailed->setPopupMode(QToolButton::InstantPopup);
    m_allFailed->setToolButtonStyle(Qt::ToolButtonTextOnly);
    auto* allMenu = new QMenu(m_allFailed);
    m_retryAll = allMenu->addAction(Icons::icon(Icons::Icon::Retry), tr("Retry all failed"));
    m_retryAll->setObjectName(QStringLiteral("outboxRetryAllAction"));
    m_discardAll = allMenu->addAction(Icons::icon(Icons::Icon::Discard), tr("Discard all failed"));
    m_discardAll->setObjectName(QStringLiteral("outboxDiscardAllAction"));
    m_allFailed->setMenu(allMenu);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_retry);
    buttons->addWidget(m_discard);
    buttons->addWidget(m_allFailed);
    buttons->addStretch(1);

    // The actions above the list: in a short dock they stay in view while the list scrolls.
    layout->addLayout(buttons);
    layout->addWidget(m_summary);
    layout->addWidget(m_notice);
    layout->addWidget(m_list, 1);
    layout->addWidget(m_empty, 1);

    connect(m_retry, &QPushButton::clicked, this, &OutboxPanel::retrySelected);
    connect(m_discard, &QPushButton::clicked, this, &OutboxPanel::discardSelected);
    connect(m_retryAll, &QAction::triggered, this, &OutboxPanel::retryAllFailed);
    connect(m_discardAll, &QAction::triggered, this, &OutboxPanel::discardAllFailed);
    connect(m_list, &QListWidget::itemSelectionChanged, this, &OutboxPanel::updateButtons);

    m_refreshTimer.setSingleShot(true);
    m_refreshTimer.setInterval(kRefreshMs);
    connect(&m_refreshTimer, &QTimer::timeout, this, &OutboxPanel::refresh);

    if (!m_client) {
        m_empty->setText(tr("This build cannot send events: there is no outbox."));
        m_list->setVisible(false);
        updateButtons();
        return;
    }
    // Queued across threads: the client signals from its own thread, this panel handles on the GUI's.
    connect(m_client, &InsightsClient::outboxChanged, this, &OutboxPanel::scheduleRefresh);
    connect(m_client, &InsightsClient::outboxListed, this, &OutboxPanel::showSnapshot);
    connect(m_client, &InsightsClient::requestOutcome, this, &OutboxPanel::showOutcome);
    connect(m_client, &InsightsClient::destinationChanged, this, &OutboxPanel::scheduleRefresh);
    showSnapshot(OutboxSnapshot{});
    m_listed = false;
    refresh(); // what a previous run left
}

OutboxPanel::~OutboxPanel() = default;

QString OutboxPanel::describeDestination(const QString& destination)
{
    const qsizetype bar = destination.lastIndexOf(QLatin1Char('|'));
    const QString targetName = bar < 0 ? destination : destination.left(bar);
    const QString appId = bar < 0 ? QString() : destination.mid(bar + 1);
    const std::optional<InsightsTarget> target = InsightsTarget::parse(targetName);
    QString text = !target                              ? targetName
                   : target->kind == TargetKind::Custom ? targetName
                                                        : targetLabel(target->kind);
    if (!appId.isEmpty() && (!target || !target->isEmbeddedEndpoint()))
        text += tr(" \u00b7 app %1").arg(appId);
    return text;
}

void OutboxPanel::scheduleRefresh()
{
    if (m_refreshInFlight) {
        m_staleAgain = true;
        return;
    }
    if (!m_refreshTimer.isActive())
        m_refreshTimer.start();
}

void OutboxPanel::refresh()
{
    if (!m_client)
        return;
    m_refreshTimer.stop();
    m_refreshInFlight = true;
    m_staleAgain = false;
    InsightsClient* client = m_client;
    QMetaObject::invokeMethod(client, [client] { client->listOutbox(kListLimit); });
}

void OutboxPanel::showSnapshot(const OutboxSnapshot& snapshot)
{
    m_refreshInFlight = false;
    m_listed = true;
    const qint64 failedBefore = m_snapshot.failed;
    const qint64 waitingBefore = waitingEvents();
    m_snapshot = snapshot;

    QSet<qint64> selected;
    for (const QListWidgetItem* item : m_list->selectedItems())
        selected.insert(item->data(kRowRole).toLongLong());
    const bool dark = Appearance::isDark(palette());
    m_list->clear();
    for (const OutboxBatchInfo& batch : std::as_const(snapshot.batches)) {
        QString text = tr("%1 \u00b7 %2 \u00b7 %3 \u00b7 queued %4")
                           .arg(stateWord(batch), count(batch.eventCount, "event", "events"),
                                describeDestination(batch.destination),
                                QDateTime::fromMSecsSinceEpoch(batch.enqueuedAtMs)
                                    .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
        const QString why = explanation(batch, snapshot.destination);
        if (!why.isEmpty())
            text += QLatin1Char('\n') + why;
        auto* item = new QListWidgetItem(text);
        item->setData(kRowRole, batch.row);
        item->setData(kStateRole, static_cast<int>(batch.state));
        item->setToolTip(text);
        switch (batch.state) {
        case OutboxState::Failed:
            item->setIcon(Icons::badge(Icons::Badge::NotDelivered, dark));
            break;
        case OutboxState::InFlight:
            item->setIcon(Icons::icon(Icons::Icon::Send));
            break;
        case OutboxState::Queued:
            item->setIcon(Icons::icon(Icons::Icon::Queue));
            break;
        }
        m_list->addItem(item);
        if (selected.contains(batch.row))
            item->setSelected(true);
    }

    QStringList parts;
    if (snapshot.failed > 0)
        parts << tr("%1 not delivered").arg(count(snapshot.failed, "event", "events"));
    if (snapshot.inFlight > 0)
        parts << tr("%1 being sent").arg(snapshot.inFlight);
    if (snapshot.queued > 0)
        parts << tr("%1 queued").arg(snapshot.queued);
    QString summary = parts.join(QStringLiteral(" \u00b7 "));
    if (snapshot.batches.size() >= kListLimit)
        summary += tr(" (the oldest %1 batches listed)").arg(kListLimit);
    if (!snapshot.error.isEmpty())
        summary += tr(" \u2014 the outbox could not be read: %1").arg(snapshot.error);
    m_summary->setText(summary);
    m_summary->setVisible(!summary.isEmpty());
    const bool empty = snapshot.batches.isEmpty();
    m_list->setVisible(!empty);
    m_empty->setVisible(empty);
    updateButtons();
    if (m_staleAgain)
        scheduleRefresh();
    if (failedBefore != m_snapshot.failed || waitingBefore != waitingEvents())
        Q_EMIT countsChanged();
}

void OutboxPanel::showOutcome(const BatchOutcome& outcome)
{
    const QString where = describeDestination(outcome.destination);
    switch (outcome.kind) {
    case OutcomeKind::Failed:
        setNotice(outcome.retries > 0
                      ? tr("Retry failed again: %1 to %2 not delivered: %3")
                            .arg(count(outcome.eventCount, "event", "events"), where, outcome.failure)
                      : tr("%1 to %2 not delivered: %3. They stay here until you retry or discard them.")
                            .arg(count(outcome.eventCount, "event", "events"), where, outcome.failure),
                  true);
        break;
    case OutcomeKind::Accepted:
    case OutcomeKind::Rejected:
        if (outcome.retries > 0)
            setNotice(
                tr("Retry delivered %1 to %2: %3")
                    .arg(count(outcome.eventCount, "event", "events"), where, outcome.result.describe()),
                false);
        break;
    case OutcomeKind::Retrying:
        break;
    }
}

void OutboxPanel::setNotice(const QString& text, bool problem)
{
    m_notice->setText(text);
    m_notice->setProperty("problem", problem);
    m_notice->setStyleSheet(problem ? QStringLiteral("font-weight: bold") : QString());
    m_notice->setVisible(!text.isEmpty());
}

QList<qint64> OutboxPanel::selectedRows() const
{
    QList<qint64> rows;
    for (const QListWidgetItem* item : m_list->selectedItems())
        rows.append(item->data(kRowRole).toLongLong());
    return rows;
}

void OutboxPanel::updateButtons()
{
    bool failedSelected = false;
    bool anySelected = false;
    for (const QListWidgetItem* item : m_list->selectedItems()) {
        anySelected = true;
        failedSelected |= item->data(kStateRole).toInt() == static_cast<int>(OutboxState::Failed);
    }
    const bool hasClient = m_client != nullptr;
    m_retry->setEnabled(hasClient && failedSelected);
    m_discard->setEnabled(hasClient && anySelected);
    m_allFailed->setEnabled(hasClient && m_snapshot.failed > 0);
    m_retryAll->setEnabled(hasClient && m_snapshot.failed > 0);
    m_discardAll->setEnabled(hasClient && m_snapshot.failed > 0);
}

void OutboxPanel::retrySelected()
{
    const QList<qint64> rows = selectedRows();
    if (!m_client || rows.isEmpty())
        return;
    setNotice(tr("Retrying the selected batches\u2026"), false);
    InsightsClient* client = m_client;
    QMetaObject::invokeMethod(client, [client, rows] { client->retryBatches(rows); });
}

void OutboxPanel::discardSelected()
{
    const QList<qint64> rows = selectedRows();
    if (!m_client || rows.isEmpty())
        return;
    setNotice(tr("Discarded %1: their events are not sent").arg(count(rows.size(), "batch", "batches")),
              false);
    InsightsClient* client = m_client;
    QMetaObject::invokeMethod(client, [client, rows] { client->discardBatches(rows); });
}

void OutboxPanel::retryAllFailed()
{
    if (!m_client || m_snapshot.failed == 0)
        return;
    setNotice(tr("Retrying %1\u2026").arg(count(m_snapshot.failed, "failed event", "failed events")), false);
    InsightsClient* client = m_client;
    QMetaObject::invokeMethod(client, [client] { client->retryAllFailed(); });
}

void OutboxPanel::discardAllFailed()
{
    if (!m_client || m_snapshot.failed == 0)
        return;
    setNotice(tr("Discarded %1").arg(count(m_snapshot.failed, "failed event", "failed events")), false);
    InsightsClient* client = m_client;
    QMetaObject::invokeMethod(client, [client] { client->discardAllFailed(); });
}
