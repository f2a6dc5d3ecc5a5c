#pragma once

#include "views/eventexchange.h"

#include <QColor>
#include <QList>
#include <QString>
#include <QWidget>

#include <atomic>
#include <functional>
#include <memory>

class ChartsPane;
class QAction;
class DetailsPane;
class EventLog;
class EventTableModel;
class EventTableStyle;
class FilterBar;
class IndexCatalog;
class QLabel;
class QMessageBox;
class QProgressDialog;
class QTableView;
class QToolButton;
struct Event;
struct EventFilter;

// A test user as the debugger shows it: rows of that token get the user's colour, and the filter bar offers
// a one-click filter per user.
struct DebuggerTestUser
{
    QString userToken;
    QString name;
    QColor colour;
};

// The live events debugger: filter bar, live table over the event log and its actions; it also drives the
// details pane and the charts, which the main window shows in docks of their own (detailsPane(),
// chartsPane()). The main window embeds it as its central widget; the composition root passes the services
// in.
class DebuggerPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DebuggerPanel)

public:
    using ResendHandler = std::function<void(const QList<Event>&)>;

    // `log` may be null (no log open): the panel then shows an empty table. It must outlive the panel.
    explicit DebuggerPanel(EventLog* log, QWidget* parent = nullptr);
    ~DebuggerPanel() override;

    // Catalogs for the "will it count" objectID check, the import validator and the profile estimate.
    void setCatalogs(QList<std::shared_ptr<const IndexCatalog>> catalogs);
    // Test users: their rows are coloured and each gets a filter entry.
    void setTestUsers(const QList<DebuggerTestUser>& users);
    // Called with the selected events when the user chooses "Resend"; without a handler the action is off.
    void setResendHandler(ResendHandler handler);

    // Fetches Algolia's real profile of a user token for the profile preview (see ChartsPane).
    void setProfileFetcher(
        std::function<void(const QString& userToken, std::function<void(const QString&)> done)> fetcher);

    // The filter bar's text (dashboard syntax, e.g. "httpCode=422 eventType=click").
    QString filterText() const;
    void setFilterText(const QString& text);

    // Exports every row of the log, or only the rows the filter shows, to `path` (format from the extension:
    // .ndjson, .json, .csv) off the GUI thread; over 10,000 rows a progress dialog offers to cancel.
    // exportFinished() reports the outcome.
    void exportTo(const QString& path, bool filteredOnly);
    // Imports NDJSON, JSON, CSV or HAR as source "imported", judged by the validator; importFinished()
    // reports.
    void importFrom(const QString& path);

    // For the main window's menus and tests.
    EventTableModel* tableModel() const { return m_model; }
    QTableView* tableView() const { return m_table; }
    DetailsPane* detailsPane() const { return m_details; }
    ChartsPane* chartsPane() const { return m_charts; }
    FilterBar* filterBar() const { return m_filterBar; }

    // The table header (columns shown, their order and widths, the sort), for the window state.
    QByteArray saveHeaderState() const;
    void restoreHeaderState(const QByteArray& state);
    // The columns of a first start.
    void resetColumns();

protected:
    void changeEvent(QEvent* event) override;

Q_SIGNALS:
    void exportFinished(const EventExchange::ExportResult& result);
    void importFinished(int events, const QString& error);
    // Text put on the clipboard by a copy action (also for tests).
    void copied(const QString& text);

private:
    void buildColumnsMenu();
    void syncColumnsMenu();
    void scheduleFollow();
    void onFilterChanged(const EventFilter& filter);
    void updateCounts();
    void onCurrentRowChanged();
    void showRecordById(qint64 id);
    void requestClear();
    // Fetches the selected rows' records (off the GUI thread) and hands them to `use`.
    void withSelectedRecords(std::function<void(const QList<LogRecord>&)> use);
    void copyText(const QString& text);
    void copyAsJson();
    void copyAsCurl();
    void copyAsSearchInsights();
    void rebuildResendMenu();
    // Resends the selected events, with their timestamps removed (stamped again) or kept, and optionally as
    // another test user.
    void resendSelected(bool freshTimestamps, const QString& asUserToken);
    void chooseExport(bool filteredOnly);
    void chooseImport();
    void onTableContextMenu(const QPoint& position);
    QList<const IndexCatalog*> catalogPointers() const;

    EventLog* m_log = nullptr;
    QList<std::shared_ptr<const IndexCatalog>> m_catalogs;
    QList<DebuggerTestUser> m_testUsers;
    ResendHandler m_resendHandler;

    FilterBar* m_filterBar = nullptr;
    EventTableModel* m_model = nullptr;
    EventTableStyle* m_style = nullptr;
    QTableView* m_table = nullptr;
    DetailsPane* m_details = nullptr;
    ChartsPane* m_charts = nullptr;
    QToolButton* m_pause = nullptr;
    QToolButton* m_newEvents = nullptr;
    QAction* m_newEventsAction = nullptr; // its place in the tool bar (shows and hides it)
    QToolButton* m_followTail = nullptr;
    QToolButton* m_clear = nullptr;
    QToolButton* m_columns = nullptr;
    QToolButton* m_resend = nullptr;
    QLabel* m_counts = nullptr;
    QMessageBox* m_clearConfirmation = nullptr;
    QProgressDialog* m_exportProgress = nullptr;
    std::shared_ptr<std::atomic<bool>> m_exportCancel;
    QByteArray m_defaultHeaderState;
    int m_fontHeight = 0; // the table's font height the column widths were made for
    bool m_scrollScheduled = false;
    qint64 m_waitingForId = 0;
    class QTimer* m_relativeTimeTimer = nullptr;
};
