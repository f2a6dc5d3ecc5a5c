#pragma once

// The Checks dock's content (issue 15 §3): an event plan checked live against the event log. Lists every
// expectation, journey and token rule with its status and counts, their findings and journey instances, and
// the unplanned events; clicking one asks the live table to show its events (filterRequested). Loads a plan,
// reloads it when its file changes (edit it in place in any editor), and writes a starter plan from the
// events seen so far. File reads, log reads and checks run off the GUI thread.

#include "plan/plan.h"
#include "plan/planchecker.h"

#include <QHash>
#include <QString>
#include <QStringList>
#include <QThreadPool>
#include <QWidget>

#include <memory>

class EventLog;
class QFileSystemWatcher;
class QLabel;
class QTimer;
class QToolButton;
class QTreeWidget;
class QTreeWidgetItem;

class ChecksPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChecksPanel)

public:
    enum Role
    {
        FilterRole = Qt::UserRole + 1, // QString: the live table's filter text for this item
        CheckKeyRole,                  // QString: the CheckResult key ("unplanned" for that group)
        StatusRole,                    // int: CheckStatus of a check item
    };

    // `log` may be null (no log): the panel then checks nothing. It must outlive the panel.
    explicit ChecksPanel(EventLog* log, QWidget* parent = nullptr);
    ~ChecksPanel() override;

    // Loads (and from then on watches) a plan file; planLoaded() tells the outcome.
    void loadPlan(const QString& path);
    QString planPath() const { return m_planPath; }
    // Writes a starter plan from the events seen so far to `path`, then loads it; planLoaded() follows.
    void writeStarterPlan(const QString& path);

    const CheckReport& report() const { return m_report; }
    // What the plan says about one event, a line per check: "✓ satisfied Product Viewed",
    // "✗ broke Purchased: objectData[1].queryID missing: required by the plan". Empty without a plan.
    QStringList notesFor(qint64 recordId) const;

    QTreeWidget* tree() const { return m_tree; }

Q_SIGNALS:
    // The user picked a check: show these events in the live table (a filter in the table's syntax).
    void filterRequested(const QString& filterText);
    void planLoaded(const QString& error); // empty error: loaded
    void reportUpdated();

private:
    struct State;
    struct Outcome;
    void choosePlan();
    void chooseStarterPlan();
    void editPlan();
    void scheduleRefresh();
    void refresh();
    void runJob();
    void apply(const Outcome& outcome);
    void rebuildTree();
    void watch(const QString& path);
    void onItemClicked(QTreeWidgetItem* item);

    EventLog* m_log = nullptr;
    QString m_planPath;
    std::shared_ptr<State> m_state; // touched by one job at a time, never by the GUI thread meanwhile
    bool m_jobRunning = false;
    bool m_refreshAgain = false;
    bool m_resetAgain = false;
    QString m_pendingLoad;    // a plan file to load at the next job
    QString m_pendingStarter; // a starter plan to write (then load) at the next job
    CheckReport m_report;
    QHash<qint64, QPair<QString, QString>> m_facts; // record id -> (userToken, eventName) of involved records

    QToolButton* m_load = nullptr;
    QToolButton* m_edit = nullptr;
    QToolButton* m_starter = nullptr;
    QLabel* m_summary = nullptr;
    QTreeWidget* m_tree = nullptr;
    QTimer* m_debounce = nullptr;
    QTimer* m_windows = nullptr; // re-checks while journeys wait, so open windows expire on time
    QFileSystemWatcher* m_watcher = nullptr;
    QThreadPool m_jobPool; // one thread: jobs run one after the other; waited for on destruction
};
