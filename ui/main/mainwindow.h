#pragma once

#include <functional>

#include "event/event.h"
#include "style/appearance.h"

#include <QList>
#include <QMainWindow>
#include <QPointer>
#include <QTimer>

class ComposerWidget;
class CredentialsPrompt;
class DebuggerPanel;
class DemoShoppers;
class DesktopSession;
class QAction;
class QActionGroup;
class QComboBox;
class QDockWidget;
class QLabel;
class QListWidget;
class QMenu;
class QPushButton;
class QToolButton;
class OutboxPanel;
class PresenterWindow;
class SettingsDialog;
class TestUsersPanel;

// The main window: the live table in the centre; the composer, test users, queue, details and charts as docks
// around it (movable, tabbable, floatable, closable, toggled from View > Panels, their arrangement saved in
// the data folder's window state); the endpoint's address in the status bar. It talks to services only
// through the session's interfaces and signals.
//
// A feature with a panel of its own (searches, plan checks, ...) adds it as a dock with one line in the
// constructor, e.g. `addFeatureDock(new SearchesDock(...), Qt::BottomDockWidgetArea);`.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    explicit MainWindow(DesktopSession* session, QWidget* parent = nullptr);
    ~MainWindow() override;

    ComposerWidget* composer() const { return m_composer; }
    DebuggerPanel* debuggerPanel() const { return m_debugger; }

    // Adds a feature's dock: movable, floatable, closable, listed in View > Panels, tabbed with the docks
    // already in `area` (so the table keeps its width), its place saved and restored with the window state.
    // The dock must have a unique objectName (the saved state knows docks by name). It may be called before
    // or after the saved layout is applied.
    void addFeatureDock(QDockWidget* dock, Qt::DockWidgetArea area);
    // Every dock of the window, built-in and added, in the order they were added.
    QList<QDockWidget*> docks() const { return m_docks; }
    // Shows a dock and brings it to the front of its tab group.
    void showDock(QDockWidget* dock);
    // The default arrangement of the docks and the table's default columns (View > Reset layout).
    void resetLayout();
    // View > Theme and View > Zoom (kept in the window state).
    void setTheme(Appearance::Theme theme);
    Appearance::Theme theme() const { return m_theme; }
    void setZoom(int percent);
    int zoom() const { return m_zoom; }
    TestUsersPanel* testUsersPanel() const { return m_usersPanel; }
    OutboxPanel* outboxPanel() const { return m_outboxPanel; }

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
    // View > Presenter view (F11): the presenter window for demos, full screen, or closed again.
    void togglePresenter();
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
    // Files that could not be read at start (kept aside, unreadable, refused): told in a message box.
    void showFileProblems();
    void createFeatureDocks();
    void createActions();
    void createMenusAndToolBar();
    void createStatusBar();
    void createDocks(QWidget* queueContent);
    QDockWidget* makeDock(const QString& name, const QString& title, QWidget* content, bool scrolled);
    void registerDock(QDockWidget* dock);
    void arrangeDefaultDocks();
    void placeFeatureDock(QDockWidget* dock, Qt::DockWidgetArea area);
    void restoreWindowState();
    void distributeCatalogs();
    void distributeTestUsers();
    void copySnippet(const QString& text, const QString& what);
    void refreshOutboxStatus();
    // Runs `send` now, or, when the target is Algolia and the app ID or its stored key is missing, once the
    // credentials prompt saved them (never, when it is cancelled). An empty `send` only asks.
    void withAlgoliaCredentials(std::function<void()> send);
    void promptCredentials(std::function<void()> send);
    void enqueueNow(const QList<Event>& events);
    void refreshQueue();
    void refreshQueueTitle();
    void saveQueue();
    void loadQueue();
    QString queuePath() const;
    void showAbout();
    void settingsApplied();

    DesktopSession* m_session;
    quint64 m_destinationGeneration = 0; // applyTarget(): only the latest call's destination is applied
    ComposerWidget* m_composer = nullptr;
    TestUsersPanel* m_usersPanel = nullptr;
    DebuggerPanel* m_debugger = nullptr;
    OutboxPanel* m_outboxPanel = nullptr;
    QDockWidget* m_composerDock = nullptr;
    QDockWidget* m_usersDock = nullptr;
    QDockWidget* m_outboxDock = nullptr;
    QDockWidget* m_detailsDock = nullptr;
    QDockWidget* m_chartsDock = nullptr;
    struct FeatureDock
    {
        QDockWidget* dock;
        Qt::DockWidgetArea area;
    };
    QList<QDockWidget*> m_docks;
    QList<FeatureDock> m_featureDocks;
    bool m_layoutRestored = false;
    QMenu* m_viewMenu = nullptr;
    QMenu* m_panelsMenu = nullptr;
    QListWidget* m_queueList = nullptr;
    QLabel* m_queueLabel = nullptr;
    QPushButton* m_sendQueueButton = nullptr;
    QPushButton* m_removeQueuedButton = nullptr;
    QComboBox* m_targetCombo = nullptr;
    QLabel* m_endpointLabel = nullptr;
    QToolButton* m_copyButton = nullptr;
    QLabel* m_secretsLabel = nullptr;
    QLabel* m_outboxLabel = nullptr;
    QLabel* m_feedLabel = nullptr;
    QPointer<CredentialsPrompt> m_credentialsPrompt;
    QList<std::function<void()>> m_sendsAwaitingCredentials;
    DemoShoppers* m_demoShoppers = nullptr;
    QToolButton* m_undoDeleteButton = nullptr;
    QTimer m_undoDeleteTimer;
    qint64 m_failedShown = 0; // failed events when the outbox dock was last brought to the front

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
    QAction* m_resetLayoutAction = nullptr;
    QAction* m_zoomInAction = nullptr;
    QAction* m_zoomOutAction = nullptr;
    QAction* m_zoomResetAction = nullptr;
    QActionGroup* m_themeActions = nullptr;
    Appearance::Theme m_theme = Appearance::Theme::System;
    int m_zoom = 100;
    PresenterWindow* m_presenter = nullptr;

    QList<Event> m_queue;
};
