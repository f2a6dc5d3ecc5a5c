#pragma once

#include <functional>

#include "event/event.h"

#include <QList>
#include <QMainWindow>
#include <QTimer>

class ComposerWidget;
class DebuggerPanel;
class DesktopSession;
class QAction;
class QComboBox;
class QLabel;
class QListWidget;
class QSplitter;
class QTabWidget;
class QToolButton;
class SettingsDialog;
class TestUsersPanel;

// The main window: composer and test users on the left, the live debugger in the centre, the endpoint's
// address in the status bar. It talks to services only through the session's interfaces and signals.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    explicit MainWindow(DesktopSession* session, QWidget* parent = nullptr);
    ~MainWindow() override;

    ComposerWidget* composer() const { return m_composer; }
    TestUsersPanel* testUsersPanel() const { return m_usersPanel; }

    // Sends events now to the current target (through the Insights client).
    void sendEvents(const QList<Event>& events);
    // Adds events to the visible, persisted queue; sendQueue() sends them as one request.
    void queueEvents(const QList<Event>& events);
    void sendQueue();
    int queuedCount() const { return static_cast<int>(m_queue.size()); }

    // Saves geometry, splitters, tabs and the selected user (also done on close).
    void saveWindowState();
    void refreshEndpointStatus();
    // The window's keyboard shortcuts as an HTML table (Help > Keyboard shortcuts).
    QString shortcutsText() const;
    // Points the client at the chosen target with its credentials.
    void applyTarget();
    // Algolia's real profiles of a token (both APIs) for the debugger's profile preview, as text.
    void fetchAlgoliaProfile(const QString& userToken, std::function<void(const QString&)> done);
    // Opens the settings dialog (non-modal, deleted on close) and returns it.
    SettingsDialog* showSettings();
    void importRecords();
    // Loads a records file as index `index` and remembers it for the next start. Returns the error, if any.
    QString importRecordsFile(const QString& path, const QString& index);
    // Drops an index catalog (and, when it was imported, stops loading it at start).
    void forgetCatalog(const QString& index);
    void fetchIndex();

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void createActions();
    void createMenusAndToolBar();
    void createStatusBar();
    void restoreWindowState();
    void distributeCatalogs();
    void distributeTestUsers();
    void copySnippet(const QString& text, const QString& what);
    void refreshOutboxStatus();
    void refreshQueue();
    void saveQueue();
    void loadQueue();
    QString queuePath() const;
    void showAbout();
    void settingsApplied();

    DesktopSession* m_session;
    ComposerWidget* m_composer = nullptr;
    TestUsersPanel* m_usersPanel = nullptr;
    DebuggerPanel* m_debugger = nullptr;
    QWidget* m_centre = nullptr;
    QSplitter* m_mainSplitter = nullptr;
    QSplitter* m_sideSplitter = nullptr;
    QTabWidget* m_sideTabs = nullptr;
    QListWidget* m_queueList = nullptr;
    QComboBox* m_targetCombo = nullptr;
    QLabel* m_endpointLabel = nullptr;
    QToolButton* m_copyButton = nullptr;
    QLabel* m_secretsLabel = nullptr;
    QLabel* m_outboxLabel = nullptr;
    QToolButton* m_undoDeleteButton = nullptr;
    QTimer m_undoDeleteTimer;
    qint64 m_waitingEvents = 0;
    qint64 m_failedEvents = 0;

    QAction* m_sendAction = nullptr;
    QAction* m_queueAction = nullptr;
    QAction* m_sendQueueAction = nullptr;
    QAction* m_retryFailedAction = nullptr;
    QAction* m_generateQueryIdAction = nullptr;
    QAction* m_newUserAction = nullptr;
    QAction* m_importAction = nullptr;
    QAction* m_fetchAction = nullptr;
    QAction* m_settingsAction = nullptr;
    QAction* m_quitAction = nullptr;
    QAction* m_aboutAction = nullptr;
    QAction* m_jsonTabAction = nullptr;

    QList<Event> m_queue;
};
