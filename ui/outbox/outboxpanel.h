#pragma once

#include "client/insightsclient.h"

#include <QTimer>
#include <QWidget>

class QAction;
class QLabel;
class QListWidget;
class QPushButton;
class QToolButton;

// The outbox dock's panel: the batches the Insights client still holds (queued, being sent, failed), read
// from the client's persistent outbox — so also those a previous run left — with Retry and Discard for the
// selected batches and for all failed ones. A retry that fails again says so on the batch itself (its
// state and reason) and in the notice line above the list.
//
// The outbox lives on the client's thread: this panel never reads it; it asks the client for a snapshot
// (InsightsClient::listOutbox) when the client says the outbox changed, at most every kRefreshMs.
class OutboxPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OutboxPanel)

public:
    // `client` may be null (a build without the client): the panel then says so and offers nothing.
    explicit OutboxPanel(InsightsClient* client, QWidget* parent = nullptr);
    ~OutboxPanel() override;

    // Events the outbox holds, as of the last snapshot.
    qint64 failedEvents() const { return m_snapshot.failed; }
    qint64 waitingEvents() const { return m_snapshot.queued + m_snapshot.inFlight; }
    int batchCount() const { return static_cast<int>(m_snapshot.batches.size()); }
    // A snapshot of the outbox arrived since the panel was made (until then the counts are zero).
    bool isListed() const { return m_listed; }

    // The selected batches (Retry / Discard buttons) and all failed ones.
    void retrySelected();
    void discardSelected();
    void retryAllFailed();
    void discardAllFailed();
    // Asks the client for a fresh snapshot now.
    void refresh();

    // "Algolia (US) · app ABC", "Embedded endpoint", "Custom URL http://…": what a destination is to the
    // user.
    static QString describeDestination(const QString& destination);

Q_SIGNALS:
    // The counts changed (failedEvents(), waitingEvents()): the status bar and the Retry action follow.
    void countsChanged();

private:
    void scheduleRefresh();
    void showSnapshot(const OutboxSnapshot& snapshot);
    void showOutcome(const BatchOutcome& outcome);
    void updateButtons();
    QList<qint64> selectedRows() const;
    void setNotice(const QString& text, bool problem);

    InsightsClient* m_client = nullptr;
    QLabel* m_summary = nullptr;
    QLabel* m_notice = nullptr;
    QListWidget* m_list = nullptr;
    QLabel* m_empty = nullptr;
    QPushButton* m_retry = nullptr;
    QPushButton* m_discard = nullptr;
    QToolButton* m_allFailed = nullptr;
    QAction* m_retryAll = nullptr;
    QAction* m_discardAll = nullptr;
    QTimer m_refreshTimer;
    OutboxSnapshot m_snapshot;
    bool m_refreshInFlight = false; // a snapshot was asked for and has not arrived yet
    bool m_staleAgain = false;      // the outbox changed while it was on its way
    bool m_listed = false;
};
