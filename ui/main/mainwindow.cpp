#include "mainwindow.h"

#include "catalog/catalogset.h"
#include "checks/checkspanel.h"
#include "client/eventrelay.h"
#include "composer/composerwidget.h"
#include "composer/testuserspanel.h"
#include "debugger/chartspane.h"
#include "debugger/debuggerpanel.h"
#include "debugger/detailspane.h"
#include "debugger/filterbar.h"
#include "demoshoppers.h"
#include "desktopsession.h"
#include "event/eventcodec.h"
#include "event/eventkind.h"
#include "fetchindexdialog.h"
#include "outbox/credentialsprompt.h"
#include "outbox/outboxpanel.h"
#include "presenter/presenterwindow.h"
#include "settings/appsettings.h"
#include "settingsdialog.h"
#include "snippets.h"
#include "style/appearance.h"
#include "style/icons.h"
#include "users/testusermodel.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QScreen>
#include <QScrollArea>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include "client/algoliafeed.h"
#include "client/insightsclient.h"
#include "client/profiles.h"
#include "endpoint/embeddedendpoint.h"
#include "secrets/secretstore.h"

namespace {

// Bumped when the docks change in a way an older saved layout would not fit.
constexpr int kLayoutVersion = 2;

QString eventSummary(const Event& event)
{
    return QStringLiteral("%1 \u00b7 %2 \u00b7 %3")
        .arg(event.eventName.value_or(QStringLiteral("(no name)")),
             event.eventType.value_or(QStringLiteral("?")), event.effectiveUserToken());
}

} // namespace

MainWindow::MainWindow(DesktopSession* session, QWidget* parent)
    : QMainWindow(parent)
    , m_session(session)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Insights Events Debugger"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/insights-debugger.svg")));

    m_composer = new ComposerWidget(session->settings(), session->users());
    m_usersPanel = new TestUsersPanel(session->users());

    auto* queuePage = new QWidget;
    queuePage->setObjectName(QStringLiteral("queuePage"));
    auto* queueLayout = new QVBoxLayout(queuePage);
    m_queueList = new QListWidget;
    m_queueList->setObjectName(QStringLiteral("queueList"));
    m_queueList->setToolTip(tr("Double-click an event to edit it in the composer"));
    auto* queueButtons = new QHBoxLayout;
    m_queueLabel = new QLabel;
    m_queueLabel->setObjectName(QStringLiteral("queueLabel"));
    m_queueLabel->setToolTip(tr("Queue (in the toolbar) collects composed events here; Send queue sends "
                                "them as one request"));
    m_sendQueueButton = new QPushButton(tr("Send queue"));
    m_sendQueueButton->setObjectName(QStringLiteral("sendQueueButton"));
    m_removeQueuedButton = new QPushButton(tr("Remove"));
    m_removeQueuedButton->setObjectName(QStringLiteral("removeQueuedButton"));
    queueButtons->addWidget(m_queueLabel, 1);
    queueButtons->addWidget(m_sendQueueButton);
    queueButtons->addWidget(m_removeQueuedButton);
    queueLayout->setContentsMargins(0, 0, 0, 0);
    // The dock holds both: what the client's outbox still holds (first: failures need to be seen in a
    // short dock) and, under it, the events the user staged to send as one request (listed when any).
    m_outboxPanel = new OutboxPanel(session->client());
    queueLayout->addWidget(m_outboxPanel, 3);
    queueLayout->addLayout(queueButtons);
    queueLayout->addWidget(m_queueList, 1);
    connect(m_outboxPanel, &OutboxPanel::countsChanged, this, &MainWindow::refreshOutboxStatus);

    m_debugger = new DebuggerPanel(session->log());
    m_debugger->setObjectName(QStringLiteral("debuggerPanel"));
    m_debugger->setResendHandler([this](const QList<Event>& events) { sendEvents(events); });
    m_debugger->setProfileFetcher([this](const QString& userToken, std::function<void(const QString&)> done) {
        fetchAlgoliaProfile(userToken, std::move(done));
    });
    // The live table is the product's centre: it gets the window; everything else is a dock around it.
    setCentralWidget(m_debugger);

    createActions();
    createMenusAndToolBar();
    createStatusBar();
    createDocks(queuePage);
    createFeatureDocks();

    connect(m_composer, &ComposerWidget::sendRequested, this, &MainWindow::sendEvents);
    connect(m_composer, &ComposerWidget::queueRequested, this, &MainWindow::queueEvents);
    connect(m_usersPanel, &TestUsersPanel::selectedUserChanged, this,
            [this](const QString& id) { m_session->windowState()->selectedUserId.setValue(id); });
    connect(m_usersPanel, &TestUsersPanel::userDeleted, this, [this](const QStringList& tokens, bool reset) {
        // Deleting is one key away (Ctrl+Delete): offer an undo for a while.
        m_undoDeleteButton->setVisible(true);
        m_undoDeleteTimer.start();
        statusBar()->showMessage(
            reset ? tr("Test user deleted and reset on the target (the reset cannot be undone)")
                  : tr("Test user deleted"),
            10'000);
        if (reset) {
            if (InsightsClient* client = m_session->client()) {
                for (const QString& token : tokens)
                    QMetaObject::invokeMethod(client, [client, token] { client->deleteUserToken(token); });
            }
        }
    });
    connect(m_sendQueueButton, &QPushButton::clicked, this, &MainWindow::sendQueue);
    connect(m_removeQueuedButton, &QPushButton::clicked, this, [this] {
        const int row = m_queueList->currentRow();
        if (row < 0 || row >= m_queue.size())
            return;
        m_queue.removeAt(row);
        saveQueue();
        refreshQueue();
    });
    connect(m_queueList, &QListWidget::itemDoubleClicked, this, [this](QListWidgetItem* item) {
        const int row = m_queueList->row(item);
        if (row < 0 || row >= m_queue.size())
            return;
        m_composer->setEvent(m_queue.takeAt(row)); // edited in the composer, queued again from there
        saveQueue();
        refreshQueue();
    });

    TestUserModel* users = session->users();
    connect(users, &QAbstractItemModel::modelReset, this, &MainWindow::distributeTestUsers);
    connect(users, &QAbstractItemModel::rowsInserted, this, &MainWindow::distributeTestUsers);
    connect(users, &QAbstractItemModel::rowsRemoved, this, &MainWindow::distributeTestUsers);
    connect(users, &QAbstractItemModel::dataChanged, this, &MainWindow::distributeTestUsers);
    connect(session->catalogs(), &CatalogSet::changed, this, &MainWindow::distributeCatalogs);

    if (InsightsClient* client = session->client()) {
        m_usersPanel->setRemoteResetAvailable(true);
        connect(client, &InsightsClient::requestOutcome, this, [this](const BatchOutcome& outcome) {
            QString text;
            switch (outcome.kind) {
            case OutcomeKind::Accepted:
                text = tr("%n event(s) accepted: %1", nullptr, outcome.eventCount)
                           .arg(outcome.result.describe());
                break;
            case OutcomeKind::Rejected:
                text = tr("%n event(s) rejected: %1", nullptr, outcome.eventCount)
                           .arg(outcome.result.describe());
                break;
            case OutcomeKind::Retrying:
                text =
                    tr("%1; retrying in %2 s").arg(outcome.result.describe()).arg(outcome.retryInMs / 1000.0);
                break;
            case OutcomeKind::Failed:
                text = (outcome.retries > 0 ? tr("Retry failed again: %1") : tr("Not delivered: %1"))
                           .arg(outcome.failure);
                break;
            }
            statusBar()->showMessage(text, 10'000);
        });
        connect(m_retryFailedAction, &QAction::triggered, m_outboxPanel, [this] {
            showDock(m_outboxDock);
            m_outboxPanel->retryAllFailed();
        });
        if (AlgoliaFeed* feed = m_session->algoliaFeed()) {
            // Its own label: a send's message in the status bar never hides a feed error, nor the reverse.
            connect(feed, &AlgoliaFeed::feedError, this, [this](const SendResult& result, bool stopped) {
                // describe() carries the status and Algolia's message, never the request's headers (the key).
                m_feedLabel->setText(
                    stopped ? tr("\u26a0 Algolia's debugger feed: %1. Polling stopped").arg(result.describe())
                            : tr("\u26a0 Algolia's debugger feed: %1 (trying again)").arg(result.describe()));
                m_feedLabel->setToolTip(
                    stopped
                        ? tr("Polling stopped: the key needs the analytics ACL, and the app must be in the "
                             "chosen region")
                        : tr("Algolia's debugger feed did not answer; it is polled again"));
                m_feedLabel->setVisible(true);
            });
            connect(feed, &AlgoliaFeed::polled, this, [this] { m_feedLabel->setVisible(false); });
        }
        connect(client, &InsightsClient::userTokenDeleted, this, [this](const UserTokenDeletion& deletion) {
            statusBar()->showMessage(
                tr("DELETE /1/usertokens/%1: %2").arg(deletion.userToken, deletion.result.describe()),
                10'000);
        });
    }

    refreshOutboxStatus();
    loadQueue();
    distributeCatalogs();
    distributeTestUsers();
    restoreWindowState();
    applyTarget();
    refreshEndpointStatus();
    m_composer->setFocus();
    showFileProblems();
}

void MainWindow::showFileProblems()
{
    QStringList problems = m_session->fileProblems();
    if (!m_composer->templatesProblem().isEmpty())
        problems << m_composer->templatesProblem();
    if (problems.isEmpty())
        return;
    // Not modal: the window stays usable; the files are safe (kept aside, or left untouched).
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Some files could not be read"),
                                problems.join(QStringLiteral("\n\n")), QMessageBox::Close, this);
    box->setObjectName(QStringLiteral("fileProblemsBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setModal(false);
    box->show();
    statusBar()->showMessage(problems.constFirst(), 30'000);
}

MainWindow::~MainWindow()
{
    // The table goes first: it points at the details and charts, which live in their docks.
    delete takeCentralWidget();
}

void MainWindow::createActions()
{
    auto action = [this](const QString& name, const QString& text, const QKeySequence& shortcut) {
        auto* a = new QAction(text, this);
        a->setObjectName(name);
        if (!shortcut.isEmpty()) {
            a->setShortcut(shortcut);
            a->setToolTip(
                QStringLiteral("%1 (%2)").arg(text.chopped(text.endsWith(QLatin1String("…")) ? 1 : 0),
                                              shortcut.toString(QKeySequence::NativeText)));
        }
        return a;
    };
    m_sendAction = action(QStringLiteral("sendAction"), tr("Send"), QKeySequence(Qt::CTRL | Qt::Key_Return));
    m_sendAction->setShortcuts(
        {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
    m_queueAction = action(QStringLiteral("queueAction"), tr("Queue"),
                           QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Return));
    m_sendQueueAction = action(QStringLiteral("sendQueueAction"), tr("Send queue"),
                               QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_Return));
    m_retryFailedAction =
        action(QStringLiteral("retryFailedAction"), tr("Retry failed events"), QKeySequence());
    m_generateQueryIdAction = action(QStringLiteral("generateQueryIdAction"), tr("Generate queryID"),
                                     QKeySequence(Qt::CTRL | Qt::Key_G));
    m_jsonTabAction =
        action(QStringLiteral("jsonTabAction"), tr("Toggle form / JSON"), QKeySequence(Qt::CTRL | Qt::Key_J));
    m_newUserAction = action(QStringLiteral("newUserAction"), tr("New test user"),
                             QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N));
    m_importAction = action(QStringLiteral("importAction"), tr("Import records file…"), QKeySequence::Open);
    m_fetchAction = action(QStringLiteral("fetchAction"), tr("Fetch index from Algolia…"), QKeySequence());
    m_settingsAction =
        action(QStringLiteral("settingsAction"), tr("Settings…"), QKeySequence(Qt::CTRL | Qt::Key_Comma));
    m_quitAction = action(QStringLiteral("quitAction"), tr("Quit"), QKeySequence::Quit);
    m_aboutAction =
        action(QStringLiteral("aboutAction"), tr("About Insights Events Debugger"), QKeySequence());
    m_resetLayoutAction = action(QStringLiteral("resetLayoutAction"), tr("Reset layout"), QKeySequence());
    m_zoomInAction =
        action(QStringLiteral("zoomInAction"), tr("Zoom in"), QKeySequence(Qt::CTRL | Qt::Key_Equal));
    // Ctrl+= and Ctrl++ (the plus sign is shifted on most layouts), as browsers do.
    m_zoomInAction->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Equal),
                                  QKeySequence(Qt::CTRL | Qt::Key_Plus), QKeySequence::ZoomIn});
    m_zoomOutAction =
        action(QStringLiteral("zoomOutAction"), tr("Zoom out"), QKeySequence(Qt::CTRL | Qt::Key_Minus));
    m_zoomResetAction =
        action(QStringLiteral("zoomResetAction"), tr("Reset zoom"), QKeySequence(Qt::CTRL | Qt::Key_0));
    for (QAction* zoom : {m_zoomInAction, m_zoomOutAction, m_zoomResetAction})
        addAction(zoom); // the keys work wherever the focus is

    const std::pair<QAction*, Icons::Icon> icons[] = {
        {m_sendAction, Icons::Icon::Send},
        {m_queueAction, Icons::Icon::Queue},
        {m_sendQueueAction, Icons::Icon::SendQueue},
        {m_retryFailedAction, Icons::Icon::Retry},
        {m_generateQueryIdAction, Icons::Icon::GenerateQueryId},
        {m_jsonTabAction, Icons::Icon::JsonTab},
        {m_newUserAction, Icons::Icon::NewUser},
        {m_importAction, Icons::Icon::ImportRecords},
        {m_fetchAction, Icons::Icon::FetchIndex},
        {m_settingsAction, Icons::Icon::Settings},
        {m_quitAction, Icons::Icon::Quit},
        {m_aboutAction, Icons::Icon::About},
        {m_resetLayoutAction, Icons::Icon::ResetLayout},
        {m_zoomInAction, Icons::Icon::ZoomIn},
        {m_zoomOutAction, Icons::Icon::ZoomOut},
        {m_zoomResetAction, Icons::Icon::ZoomReset},
    };
    for (const auto& [action, icon] : icons)
        action->setIcon(Icons::icon(icon));

    connect(m_sendAction, &QAction::triggered, m_composer, &ComposerWidget::send);
    connect(m_queueAction, &QAction::triggered, m_composer, &ComposerWidget::queue);
    connect(m_sendQueueAction, &QAction::triggered, this, &MainWindow::sendQueue);
    connect(m_generateQueryIdAction, &QAction::triggered, m_composer, &ComposerWidget::generateQueryID);
    connect(m_jsonTabAction, &QAction::triggered, this, [this] {
        if (auto* tabs = m_composer->findChild<QTabWidget*>(QStringLiteral("composerTabs")))
            tabs->setCurrentIndex(tabs->currentIndex() == 0 ? 1 : 0);
    });
    connect(m_newUserAction, &QAction::triggered, this, [this] { m_usersPanel->createUser(); });
    connect(m_importAction, &QAction::triggered, this, &MainWindow::importRecords);
    connect(m_fetchAction, &QAction::triggered, this, &MainWindow::fetchIndex);
    connect(m_settingsAction, &QAction::triggered, this, [this] { showSettings(); });
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);
    connect(m_aboutAction, &QAction::triggered, this, &MainWindow::showAbout);
    connect(m_resetLayoutAction, &QAction::triggered, this, &MainWindow::resetLayout);
    connect(m_zoomInAction, &QAction::triggered, this, [this] { setZoom(m_zoom + Appearance::kZoomStep); });
    connect(m_zoomOutAction, &QAction::triggered, this, [this] { setZoom(m_zoom - Appearance::kZoomStep); });
    connect(m_zoomResetAction, &QAction::triggered, this, [this] { setZoom(100); });
}

QDockWidget* MainWindow::makeDock(const QString& name, const QString& title, QWidget* content, bool scrolled)
{
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(name);
    if (scrolled) {
        // Forms taller than a laptop screen scroll inside their dock instead of raising the window's
        // minimum size.
        auto* scroll = new QScrollArea(dock);
        scroll->setObjectName(name + QStringLiteral("Scroll"));
        scroll->setWidgetResizable(true);
        scroll->setFrameShape(QFrame::NoFrame);
        scroll->setWidget(content);
        dock->setWidget(scroll);
    } else {
        dock->setWidget(content);
    }
    return dock;
}

void MainWindow::registerDock(QDockWidget* dock)
{
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                      QDockWidget::DockWidgetClosable);
    QAction* toggle = dock->toggleViewAction();
    toggle->setObjectName(dock->objectName() + QStringLiteral("ToggleAction"));
    m_panelsMenu->addAction(toggle);
    m_docks.append(dock);
}

void MainWindow::createDocks(QWidget* queueContent)
{
    // The dock areas at the left take the full height: the bottom docks sit under the table only.
    setCorner(Qt::TopLeftCorner, Qt::LeftDockWidgetArea);
    setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
    setCorner(Qt::TopRightCorner, Qt::RightDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowNestedDocks |
                   QMainWindow::AllowTabbedDocks | QMainWindow::GroupedDragging);

    m_composerDock = makeDock(QStringLiteral("composerDock"), tr("Composer"), m_composer, false);
    m_usersDock = makeDock(QStringLiteral("testUsersDock"), tr("Test users"), m_usersPanel, false);
    m_outboxDock = makeDock(QStringLiteral("outboxDock"), tr("Queue"), queueContent, true);
    m_detailsDock = makeDock(QStringLiteral("detailsDock"), tr("Details"), m_debugger->detailsPane(), false);
    m_chartsDock = makeDock(QStringLiteral("chartsDock"), tr("Charts"), m_debugger->chartsPane(), true);
    for (QDockWidget* dock : {m_composerDock, m_usersDock, m_outboxDock, m_detailsDock, m_chartsDock})
        registerDock(dock);
    arrangeDefaultDocks();
}

void MainWindow::arrangeDefaultDocks()
{
    // Composer above test users and the queue at the left; details and charts under the table. At 1366 px
    // this leaves the table the width of its main columns.
    for (QDockWidget* dock : std::as_const(m_docks)) {
        dock->setFloating(false);
        removeDockWidget(dock);
    }
    addDockWidget(Qt::LeftDockWidgetArea, m_composerDock);
    addDockWidget(Qt::LeftDockWidgetArea, m_usersDock);
    splitDockWidget(m_composerDock, m_usersDock, Qt::Vertical);
    tabifyDockWidget(m_usersDock, m_outboxDock);
    addDockWidget(Qt::BottomDockWidgetArea, m_detailsDock);
    tabifyDockWidget(m_detailsDock, m_chartsDock);
    for (const FeatureDock& feature : std::as_const(m_featureDocks))
        placeFeatureDock(feature.dock, feature.area);
    for (QDockWidget* dock : std::as_const(m_docks))
        dock->show();
    m_usersDock->raise();
    m_detailsDock->raise();
    resizeDocks({m_composerDock}, {std::min(460, width() / 3)}, Qt::Horizontal);
    resizeDocks({m_composerDock, m_usersDock}, {3, 1}, Qt::Vertical);
    // The details get enough height for the verdict and "will it count" on a 768 px laptop (half of it),
    // two fifths of a taller window.
    resizeDocks({m_detailsDock}, {std::max(height() * 2 / 5, std::min(height() / 2, 400))}, Qt::Vertical);
}

void MainWindow::placeFeatureDock(QDockWidget* dock, Qt::DockWidgetArea area)
{
    // Tabbed with the docks already in that area, so that a new feature never narrows the table.
    for (QDockWidget* other : std::as_const(m_docks)) {
        if (other != dock && dockWidgetArea(other) == area && !other->isFloating()) {
            tabifyDockWidget(other, dock);
            return;
        }
    }
    addDockWidget(area, dock);
}

// The panels and windows of features beside the table: the event plan's checks (issue 15) and the presenter
// view for demos (issue 14).
void MainWindow::createFeatureDocks()
{
    auto* checks = new ChecksPanel(m_session->log());
    auto* checksDock = new QDockWidget(tr("Checks"), this);
    checksDock->setObjectName(QStringLiteral("checksDock"));
    checksDock->setWidget(checks);
    addFeatureDock(checksDock, Qt::BottomDockWidgetArea);
    connect(checks, &ChecksPanel::filterRequested, m_debugger, &DebuggerPanel::setFilterText);
    DetailsPane* details = m_debugger->detailsPane();
    details->setPlanNotes([checks](qint64 recordId) { return checks->notesFor(recordId); });
    connect(checks, &ChecksPanel::reportUpdated, details, &DetailsPane::refreshPlanNotes);

    auto* presenter = new QAction(tr("&Presenter view"), this);
    presenter->setObjectName(QStringLiteral("presenterAction"));
    presenter->setShortcut(QKeySequence(Qt::Key_F11));
    presenter->setToolTip(tr("A full-screen view for demos: counters, latest events, shoppers' funnels and "
                             "profiles, mistakes caught"));
    connect(presenter, &QAction::triggered, this, &MainWindow::togglePresenter);
    m_viewMenu->addSeparator();
    m_viewMenu->addAction(presenter);

    m_demoShoppers = new DemoShoppers(m_session, this);
    QMenu* demo = menuBar()->addMenu(tr("&Demo"));
    demo->setObjectName(QStringLiteral("demoMenu"));
    m_demoShoppers->populateMenu(demo);
    for (QAction* action : demo->actions())
        addAction(action); // shortcuts work wherever the focus is
    connect(m_demoShoppers, &DemoShoppers::statusChanged, this,
            [this](const QString& text) { statusBar()->showMessage(text, 10'000); });
}

void MainWindow::togglePresenter()
{
    if (!m_presenter) {
        m_presenter = new PresenterWindow(m_session->log(), this);
        m_presenter->setCatalogs(m_session->catalogs()->catalogs());
        connect(m_session->catalogs(), &CatalogSet::changed, m_presenter,
                [this] { m_presenter->setCatalogs(m_session->catalogs()->catalogs()); });
        m_presenter->setStorefrontUrl(m_session->storefrontUrl(),
                                      m_session->isEndpointReachableFromNetwork());
    }
    if (m_presenter->isVisible()) {
        m_presenter->close();
        return;
    }
    m_presenter->showFullScreen();
}

void MainWindow::addFeatureDock(QDockWidget* dock, Qt::DockWidgetArea area)
{
    Q_ASSERT(!dock->objectName().isEmpty()); // saveState() and restoreState() find docks by their name
    dock->setParent(this);
    registerDock(dock);
    m_featureDocks.append({dock, area});
    // Added after the saved layout was applied: its saved place, if the layout has one, comes back now.
    if (m_layoutRestored && restoreDockWidget(dock))
        return;
    placeFeatureDock(dock, area);
}

void MainWindow::setTheme(Appearance::Theme theme)
{
    m_theme = theme;
    Appearance::applyTheme(theme);
    for (QAction* choice : m_themeActions->actions())
        choice->setChecked(choice->data().toString() == Appearance::themeName(theme));
    m_session->windowState()->theme.setValue(Appearance::themeName(theme));
}

void MainWindow::setZoom(int percent)
{
    m_zoom = Appearance::clampZoom(percent);
    Appearance::applyZoom(m_zoom);
    m_zoomInAction->setEnabled(m_zoom < Appearance::kMaxZoom);
    m_zoomOutAction->setEnabled(m_zoom > Appearance::kMinZoom);
    m_session->windowState()->zoomPercent.setValue(m_zoom);
    statusBar()->showMessage(tr("Zoom %1 %").arg(m_zoom), 2000);
}

void MainWindow::showDock(QDockWidget* dock)
{
    dock->show();
    dock->raise();
}

void MainWindow::resetLayout()
{
    arrangeDefaultDocks();
    m_debugger->resetColumns();
}

void MainWindow::createMenusAndToolBar()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_importAction);
    file->addAction(m_fetchAction);
    // The catalogs loaded now, each with its size; imported and fetched ones can be forgotten.
    QMenu* catalogsMenu = file->addMenu(tr("Index catalogs"));
    catalogsMenu->setObjectName(QStringLiteral("catalogsMenu"));
    connect(catalogsMenu, &QMenu::aboutToShow, this, [this, catalogsMenu] {
        catalogsMenu->clear();
        const auto catalogs = m_session->catalogs()->catalogs();
        if (catalogs.isEmpty())
            catalogsMenu->addAction(tr("(none)"))->setEnabled(false);
        for (const auto& catalog : catalogs) {
            const QString index = catalog->indexName();
            QAction* forget =
                catalogsMenu->addAction(tr("Forget %1 (%n record(s))", nullptr, catalog->size()).arg(index));
            connect(forget, &QAction::triggered, this, [this, index] { forgetCatalog(index); });
        }
    });
    file->addSeparator();
    file->addAction(m_settingsAction);
    file->addSeparator();
    file->addAction(m_quitAction);

    QMenu* event = menuBar()->addMenu(tr("&Event"));
    event->addAction(m_sendAction);
    event->addAction(m_queueAction);
    event->addAction(m_sendQueueAction);
    event->addAction(m_retryFailedAction);
    event->addSeparator();
    event->addAction(m_generateQueryIdAction);
    event->addAction(m_jsonTabAction);

    QMenu* usersMenu = menuBar()->addMenu(tr("&Users"));
    usersMenu->addAction(m_newUserAction);
    auto userAction = [&](const QString& name, const QString& text, const QKeySequence& shortcut, auto slot) {
        QAction* a = usersMenu->addAction(text);
        a->setObjectName(name);
        a->setShortcut(shortcut);
        connect(a, &QAction::triggered, m_usersPanel, slot);
        addAction(a); // shortcuts work wherever the focus is in the window
    };
    userAction(QStringLiteral("renameUserAction"), tr("Rename…"), QKeySequence(Qt::Key_F2),
               &TestUsersPanel::renameSelected);
    userAction(QStringLiteral("logInAction"), tr("Log in…"), QKeySequence(Qt::CTRL | Qt::Key_L),
               &TestUsersPanel::logInSelected);
    userAction(QStringLiteral("logOutAction"), tr("Log out"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L),
               &TestUsersPanel::logOutSelected);
    userAction(QStringLiteral("rotateAction"), tr("Rotate anonymous token"),
               QKeySequence(Qt::CTRL | Qt::Key_R), &TestUsersPanel::rotateSelected);
    userAction(QStringLiteral("makeGlobalAction"), tr("Make global"),
               QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_G), &TestUsersPanel::makeSelectedGlobal);
    usersMenu->addSeparator();
    userAction(QStringLiteral("deleteUserAction"), tr("Delete"), QKeySequence(Qt::CTRL | Qt::Key_Delete),
               &TestUsersPanel::deleteSelected);

    m_viewMenu = menuBar()->addMenu(tr("&View"));
    m_viewMenu->setObjectName(QStringLiteral("viewMenu"));
    m_panelsMenu = m_viewMenu->addMenu(tr("Panels"));
    m_panelsMenu->setObjectName(QStringLiteral("panelsMenu"));
    m_viewMenu->addAction(m_resetLayoutAction);
    m_viewMenu->addSeparator();
    QMenu* themeMenu = m_viewMenu->addMenu(Icons::icon(Icons::Icon::Theme), tr("Theme"));
    themeMenu->setObjectName(QStringLiteral("themeMenu"));
    auto* themes = new QActionGroup(this);
    themes->setExclusive(true);
    const std::pair<Appearance::Theme, QString> themeChoices[] = {
        {Appearance::Theme::System, tr("System")},
        {Appearance::Theme::Light, tr("Light")},
        {Appearance::Theme::Dark, tr("Dark")},
    };
    for (const auto& [theme, label] : themeChoices) {
        QAction* choice = themeMenu->addAction(label);
        const QString name = Appearance::themeName(theme);
        choice->setObjectName(QStringLiteral("theme") + name.at(0).toUpper() + name.mid(1) +
                              QStringLiteral("Action"));
        choice->setCheckable(true);
        choice->setData(name);
        themes->addAction(choice);
        connect(choice, &QAction::triggered, this, [this, theme = theme] { setTheme(theme); });
    }
    m_themeActions = themes;
    m_viewMenu->addSeparator();
    m_viewMenu->addAction(m_zoomInAction);
    m_viewMenu->addAction(m_zoomOutAction);
    m_viewMenu->addAction(m_zoomResetAction);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    QAction* shortcuts = help->addAction(tr("Keyboard shortcuts"));
    shortcuts->setObjectName(QStringLiteral("shortcutsAction"));
    shortcuts->setIcon(Icons::icon(Icons::Icon::Shortcuts));
    shortcuts->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Slash));
    connect(shortcuts, &QAction::triggered, this, [this] {
        auto* box = new QMessageBox(QMessageBox::NoIcon, tr("Keyboard shortcuts"), shortcutsText(),
                                    QMessageBox::Close, this);
        box->setObjectName(QStringLiteral("shortcutsDialog"));
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    });
    help->addSeparator();
    help->addAction(m_aboutAction);
    help->addAction(tr("About Qt"), qApp, &QApplication::aboutQt);

    QToolBar* toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(QStringLiteral("mainToolBar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->setIconSize(QSize(18, 18));
    toolbar->addWidget(new QLabel(tr(" Send to: ")));
    m_targetCombo = new QComboBox;
    m_targetCombo->setObjectName(QStringLiteral("targetCombo"));
    for (const TargetChoice& choice : kTargetChoices)
        m_targetCombo->addItem(targetLabel(choice.kind), QString::fromLatin1(choice.name));
    toolbar->addWidget(m_targetCombo);
    toolbar->addAction(m_sendAction);
    toolbar->addAction(m_queueAction);
    toolbar->addSeparator();
    toolbar->addAction(m_newUserAction);
    toolbar->addAction(m_importAction);
    toolbar->addAction(m_settingsAction);

    connect(m_targetCombo, &QComboBox::currentIndexChanged, this, [this] {
        m_session->settings()->target.setValue(m_targetCombo->currentData().toString());
        applyTarget();
        withAlgoliaCredentials({}); // an Algolia target without credentials asks for them now
    });
}

void MainWindow::createStatusBar()
{
    m_endpointLabel = new QLabel;
    m_endpointLabel->setObjectName(QStringLiteral("endpointAddressLabel"));
    m_endpointLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_copyButton = new QToolButton;
    m_copyButton->setObjectName(QStringLiteral("copySnippetButton"));
    m_copyButton->setText(tr("Copy set-up"));
    m_copyButton->setToolTip(tr("Copy a snippet that points a client at the embedded endpoint"));
    m_copyButton->setPopupMode(QToolButton::InstantPopup);
    auto* menu = new QMenu(m_copyButton);
    auto addSnippet = [&](const QString& name, const QString& label, auto make) {
        QAction* a = menu->addAction(label);
        a->setObjectName(name);
        connect(a, &QAction::triggered, this, [this, label, make] {
            // Snippets must work where they are pasted: a wildcard bind address becomes this machine's.
            const QString base = Snippets::reachableBaseUrl(m_session->endpointBaseUrl());
            if (base.isEmpty())
                return;
            copySnippet(make(base, m_session->settings()->endpointRequiredAppId.value()), label);
        });
    };
    addSnippet(QStringLiteral("copySearchInsightsAction"), tr("search-insights (aa('init', …))"),
               &Snippets::searchInsights);
    addSnippet(QStringLiteral("copyApiClientAction"), tr("API client (custom hosts)"), &Snippets::apiClient);
    addSnippet(QStringLiteral("copyCurlAction"), tr("curl"), &Snippets::curl);
    addSnippet(QStringLiteral("copyBaseUrlAction"), tr("Base URL"),
               [](const QString& base, const QString&) { return base; });
    m_copyButton->setMenu(menu);
    m_secretsLabel = new QLabel;
    m_secretsLabel->setObjectName(QStringLiteral("secretsStatusLabel"));
    m_undoDeleteButton = new QToolButton;
    m_undoDeleteButton->setObjectName(QStringLiteral("undoDeleteUserButton"));
    m_undoDeleteButton->setText(tr("Undo delete"));
    m_undoDeleteButton->setVisible(false);
    statusBar()->addPermanentWidget(m_undoDeleteButton);
    m_undoDeleteTimer.setSingleShot(true);
    m_undoDeleteTimer.setInterval(10'000);
    connect(&m_undoDeleteTimer, &QTimer::timeout, m_undoDeleteButton, &QWidget::hide);
    connect(m_undoDeleteButton, &QToolButton::clicked, this, [this] {
        m_undoDeleteButton->hide();
        if (m_usersPanel->undoDelete())
            statusBar()->showMessage(tr("Test user restored"), 5000);
    });
    m_feedLabel = new QLabel;
    m_feedLabel->setObjectName(QStringLiteral("algoliaFeedStatusLabel"));
    m_feedLabel->setVisible(false);
    statusBar()->addPermanentWidget(m_feedLabel);
    m_outboxLabel = new QLabel;
    m_outboxLabel->setObjectName(QStringLiteral("outboxStatusLabel"));
    statusBar()->addPermanentWidget(m_outboxLabel);
    statusBar()->addPermanentWidget(m_secretsLabel);
    statusBar()->addPermanentWidget(m_endpointLabel);
    statusBar()->addPermanentWidget(m_copyButton);
}

void MainWindow::refreshOutboxStatus()
{
    const qint64 waiting = m_outboxPanel->waitingEvents();
    const qint64 failed = m_outboxPanel->failedEvents();
    QStringList parts;
    if (waiting > 0)
        parts << tr("%n event(s) waiting to be sent", nullptr, static_cast<int>(waiting));
    if (failed > 0)
        parts << tr("%n failed (Event \u25b8 Retry failed events)", nullptr, static_cast<int>(failed));
    m_outboxLabel->setText(parts.join(QStringLiteral(" \u00b7 ")));
    m_retryFailedAction->setEnabled(failed > 0);
    // More events failed (or a previous run left some): the dock that lists them comes to the front.
    if (failed > m_failedShown)
        showDock(m_outboxDock);
    m_failedShown = failed;
    refreshQueueTitle(); // the dock's title counts the failed events too
}

void MainWindow::copySnippet(const QString& text, const QString& what)
{
    QApplication::clipboard()->setText(text);
    statusBar()->showMessage(tr("Copied: %1").arg(what), 5000);
}

void MainWindow::refreshEndpointStatus()
{
    // An address that works where it is typed: a wildcard bind address shows as this machine's.
    const QString base = Snippets::reachableBaseUrl(m_session->endpointBaseUrl());
    if (m_presenter)
        m_presenter->setStorefrontUrl(m_session->storefrontUrl(),
                                      m_session->isEndpointReachableFromNetwork());
    if (!base.isEmpty()) {
        const EventRelay* relay = m_session->eventRelay();
        m_endpointLabel->setText(
            relay ? tr("Endpoint: %1 · relaying to Algolia (%2)").arg(base, relay->target().name())
                  : tr("Endpoint: %1").arg(base));
        m_endpointLabel->setToolTip(
            tr("The embedded Insights endpoint listens here: POST %1/1/events").arg(base) +
            (relay ? tr("\nThe events it receives are forwarded to %1 with the site's credentials")
                         .arg(relay->target().baseUrl({}).toString())
                   : QString()));
    } else {
        m_endpointLabel->setText(tr("Endpoint off"));
        m_endpointLabel->setToolTip(m_session->endpointError());
    }
    m_copyButton->setEnabled(!base.isEmpty());
    if (SecretStore* secrets = m_session->secrets())
        m_secretsLabel->setText(secrets->storage() == SecretStorage::MemoryFallback ? secrets->statusText()
                                                                                    : QString());
}

void MainWindow::restoreWindowState()
{
    WindowState* state = m_session->windowState();
    if (!restoreGeometry(state->geometry.value())) {
        // A first start: a laptop's screen, or less on a smaller one.
        const QSize available = screen() ? screen()->availableSize() : QSize(1366, 768);
        resize(QSize(1366, 768).boundedTo(available));
        arrangeDefaultDocks(); // the dock sizes follow the window's
    }
    // A state saved by another layout version (the splitters before the docks) is refused: the default
    // arrangement stays.
    restoreState(state->windowState.value(), kLayoutVersion);
    m_layoutRestored = true;
    setTheme(Appearance::themeFromName(state->theme.value()).value_or(Appearance::Theme::System));
    setZoom(state->zoomPercent.value());
    m_debugger->restoreHeaderState(state->tableHeader.value());
    m_debugger->filterBar()->setRecentFilters(state->recentFilters.value());
    if (auto* tabs = m_composer->findChild<QTabWidget*>(QStringLiteral("composerTabs")))
        tabs->setCurrentIndex(state->composerTab.value());
    const int target = m_targetCombo->findData(m_session->settings()->target.value());
    m_targetCombo->setCurrentIndex(target >= 0 ? target : 0);
    QString userId = state->selectedUserId.value();
    if (userId.isEmpty() || m_session->users()->rowOf(userId) < 0)
        userId = m_session->users()->globalUserId();
    m_usersPanel->selectUser(userId);
    // The event being composed when the window closed comes back; a first run gets a ready example.
    const QByteArray draft = state->composerDraft.value();
    const DecodedBatch decoded = EventCodec::decodeEvent(draft);
    if (!draft.isEmpty() && !decoded.events.isEmpty()) {
        m_composer->setEvent(decoded.events.constFirst());
        // A half-composed event may fit several kinds (a viewedFilters without filters looks like
        // viewedObjectIDs): the kind the user chose comes back too.
        const auto kind = eventKindFromName(state->composerKind.value());
        if (kind && *kind != m_composer->kind())
            m_composer->setKind(*kind);
    } else if (m_session->exampleOnFirstRun())
        m_composer->loadExample();
}

void MainWindow::saveWindowState()
{
    WindowState* state = m_session->windowState();
    state->geometry.setValue(saveGeometry());
    state->windowState.setValue(saveState(kLayoutVersion));
    state->tableHeader.setValue(m_debugger->saveHeaderState());
    state->recentFilters.setValue(m_debugger->filterBar()->recentFilters());
    if (auto* tabs = m_composer->findChild<QTabWidget*>(QStringLiteral("composerTabs")))
        state->composerTab.setValue(tabs->currentIndex());
    state->selectedUserId.setValue(m_usersPanel->selectedUserId());
    state->composerDraft.setValue(EventCodec::encodeEvent(m_composer->event()));
    state->composerKind.setValue(eventKindInfo(m_composer->kind()).name);
    state->sync();
    m_session->settings()->sync();
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    saveWindowState();
    QMainWindow::closeEvent(event);
}

void MainWindow::applyTarget()
{
    InsightsClient* client = m_session->client();
    if (!client)
        return;
    AppSettings* settings = m_session->settings();
    const QString name = settings->target.value();
    std::optional<InsightsTarget> target =
        InsightsTarget::parse(name == QLatin1String("custom") ? settings->customTargetUrl.value() : name);
    if (!target) {
        statusBar()->showMessage(tr("The custom URL \"%1\" is not an http(s) URL: events go to the embedded "
                                    "endpoint until it is set in Settings")
                                     .arg(settings->customTargetUrl.value()),
                                 10'000);
        target = InsightsTarget{};
    }
    const bool local = target->isEmbeddedEndpoint();
    const QString appId = local ? settings->endpointRequiredAppId.value() : settings->appId.value();
    const InsightsTarget chosen = *target;
    // Like Algolia, the endpoint answers 401 to a request without credentials; an endpoint that accepts
    // any credentials gets a placeholder pair (not a secret), a stored key replaces it when there is one.
    const Credentials placeholder{appId.isEmpty() ? QStringLiteral("LOCALAPP") : appId,
                                  !local ? QString()
                                  : m_session->endpointApiKey().isEmpty()
                                      ? QStringLiteral("local-placeholder-key")
                                      : m_session->endpointApiKey()};
    // The target and its credentials go to the client together: setting the target (or a key-less
    // placeholder) first let a feed poll or a profile look-up leave with the previous credentials or an
    // empty key before the stored key arrived. A complete pair (the embedded endpoint's) applies at once, so
    // that what is sent next goes there; an Algolia target waits for its key. A later call supersedes a
    // pending read.
    const quint64 generation = ++m_destinationGeneration;
    const auto apply = [this, client, chosen, generation](const Credentials& credentials) {
        if (generation != m_destinationGeneration)
            return;
        QMetaObject::invokeMethod(
            client, [client, chosen, credentials] { client->setDestination(chosen, credentials); });
    };
    SecretStore* secrets = m_session->secrets();
    const bool readKey = secrets && !appId.isEmpty();
    if (!placeholder.apiKey.isEmpty() || !readKey)
        apply(placeholder);
    if (!readKey)
        return;
    secrets->readApiKey(appId, this, [apply, appId, placeholder](const SecretResult& result) {
        if (result.ok && result.value)
            apply(Credentials{appId, *result.value});
        else if (placeholder.apiKey.isEmpty())
            apply(placeholder); // no key stored: Algolia will say so (401/403)
    });
}

void MainWindow::fetchAlgoliaProfile(const QString& userToken, std::function<void(const QString&)> done)
{
    InsightsClient* client = m_session->client();
    const std::optional<InsightsTarget> target = InsightsTarget::parse(m_session->settings()->target.value());
    if (!client || !target || target->kind == TargetKind::Local || target->kind == TargetKind::Custom) {
        done(tr("Algolia's own profile appears here when the target is Algolia (us, de or global) and "
                "credentials are set in Settings."));
        return;
    }
    // Both look-ups answer through the client's signal; the text goes out once both are in.
    struct Pending
    {
        QString classic;
        QString advanced;
        QMetaObject::Connection connection;
    };
    auto pending = std::make_shared<Pending>();
    pending->connection =
        connect(client, &InsightsClient::profileFetched, this,
                [pending, userToken, done](const ProfileLookup& lookup) {
                    if (lookup.userToken != userToken)
                        return;
                    (lookup.kind == ProfileKind::Advanced ? pending->advanced : pending->classic) =
                        describeProfile(lookup);
                    if (pending->advanced.isEmpty() || pending->classic.isEmpty())
                        return;
                    QObject::disconnect(pending->connection);
                    done(pending->advanced + QStringLiteral("\n\n") + pending->classic);
                });
    const Region region = target->region();
    QMetaObject::invokeMethod(client,
                              [client, userToken, region] { client->fetchProfiles(userToken, region); });
}

void MainWindow::sendEvents(const QList<Event>& events)
{
    if (events.isEmpty())
        return;
    withAlgoliaCredentials([this, events] { enqueueNow(events); });
}

void MainWindow::withAlgoliaCredentials(std::function<void()> send)
{
    AppSettings* settings = m_session->settings();
    const std::optional<InsightsTarget> target = InsightsTarget::parse(settings->target.value());
    const bool algolia = target && target->kind != TargetKind::Local && target->kind != TargetKind::Custom;
    SecretStore* secrets = m_session->secrets();
    if (!algolia || !secrets) {
        if (send)
            send();
        return;
    }
    const QString appId = settings->appId.value();
    if (appId.isEmpty()) {
        promptCredentials(std::move(send));
        return;
    }
    secrets->readApiKey(appId, this, [this, send = std::move(send)](const SecretResult& result) {
        if (result.ok && result.value && !result.value->isEmpty()) {
            if (send)
                send();
        } else {
            promptCredentials(send);
        }
    });
}

void MainWindow::promptCredentials(std::function<void()> send)
{
    if (send)
        m_sendsAwaitingCredentials.append(std::move(send));
    if (m_credentialsPrompt) {
        m_credentialsPrompt->raise();
        return;
    }
    const std::optional<InsightsTarget> target = InsightsTarget::parse(m_session->settings()->target.value());
    const QString label = targetLabel(target ? target->kind : TargetKind::Us);
    auto* prompt = new CredentialsPrompt(label, m_session->settings()->appId.value(), this);
    prompt->setAttribute(Qt::WA_DeleteOnClose);
    m_credentialsPrompt = prompt;
    connect(prompt, &QDialog::accepted, this, [this, prompt] {
        const Credentials credentials{prompt->appId(), prompt->apiKey()};
        m_session->settings()->appId.setValue(credentials.appId);
        // Used at once (queued before the events), stored in the keychain for the next runs. The key read
        // applyTarget() would start is superseded: it could answer "none" before the write lands.
        const std::optional<InsightsTarget> target =
            InsightsTarget::parse(m_session->settings()->target.value());
        ++m_destinationGeneration;
        if (InsightsClient* client = m_session->client(); client && target) {
            const InsightsTarget chosen = *target;
            QMetaObject::invokeMethod(
                client, [client, chosen, credentials] { client->setDestination(chosen, credentials); });
        }
        if (SecretStore* secrets = m_session->secrets()) {
            secrets->writeApiKey(credentials.appId, credentials.apiKey, this,
                                 [this](const SecretResult& result) {
                                     if (!result.ok)
                                         statusBar()->showMessage(
                                             tr("The API key could not be stored: %1. It is used until the "
                                                "app quits")
                                                 .arg(result.error),
                                             10'000);
                                 });
        }
        for (const auto& send : std::exchange(m_sendsAwaitingCredentials, {}))
            send();
    });
    connect(prompt, &QDialog::rejected, this, [this, label] {
        const qsizetype waiting = m_sendsAwaitingCredentials.size();
        m_sendsAwaitingCredentials.clear();
        if (waiting > 0)
            statusBar()->showMessage(
                tr("Not sent: %1 needs an application ID and an API key (Settings)").arg(label), 10'000);
    });
    prompt->open();
}

void MainWindow::enqueueNow(const QList<Event>& events)
{
    if (InsightsClient* client = m_session->client()) {
        QMetaObject::invokeMethod(client, [client, events] { client->enqueue(events); });
        statusBar()->showMessage(tr("Sending %n event(s) to %1…", nullptr, static_cast<int>(events.size()))
                                     .arg(m_targetCombo->currentText()),
                                 5000);
        return;
    }
    statusBar()->showMessage(tr("This build cannot send events yet"), 5000);
}

void MainWindow::queueEvents(const QList<Event>& events)
{
    m_queue.append(events);
    saveQueue();
    refreshQueue();
    showDock(m_outboxDock);
    statusBar()->showMessage(tr("%n event(s) queued", nullptr, queuedCount()), 5000);
}

void MainWindow::sendQueue()
{
    if (m_queue.isEmpty())
        return;
    // The queue stays until the events can go (credentials asked for first when they are missing).
    withAlgoliaCredentials([this] {
        if (m_queue.isEmpty())
            return;
        const QList<Event> events = std::exchange(m_queue, {});
        saveQueue();
        refreshQueue();
        enqueueNow(events);
    });
}

void MainWindow::refreshQueue()
{
    m_queueList->clear();
    for (const Event& event : std::as_const(m_queue))
        m_queueList->addItem(eventSummary(event));
    m_queueList->setVisible(!m_queue.isEmpty());
    m_sendQueueButton->setEnabled(!m_queue.isEmpty());
    m_removeQueuedButton->setEnabled(!m_queue.isEmpty());
    m_queueLabel->setText(m_queue.isEmpty()     ? tr("Your queue: empty")
                          : m_queue.size() == 1 ? tr("Your queue: 1 event")
                                                : tr("Your queue: %1 events").arg(m_queue.size()));
    refreshQueueTitle();
}

void MainWindow::refreshQueueTitle()
{
    QStringList counts;
    if (!m_queue.isEmpty())
        counts << QString::number(m_queue.size());
    if (const qint64 failed = m_outboxPanel->failedEvents(); failed > 0)
        counts << tr("%1 failed").arg(failed);
    m_outboxDock->setWindowTitle(
        counts.isEmpty() ? tr("Queue") : tr("Queue (%1)").arg(counts.join(QStringLiteral(" \u00b7 "))));
}

QString MainWindow::queuePath() const
{
    return QDir(m_session->dataDir()).filePath(QStringLiteral("queue.ndjson"));
}

void MainWindow::saveQueue()
{
    QSaveFile file(queuePath());
    if (!file.open(QIODevice::WriteOnly))
        return;
    for (const Event& event : std::as_const(m_queue)) {
        file.write(EventCodec::encodeEvent(event));
        file.write("\n");
    }
    file.commit();
}

void MainWindow::loadQueue()
{
    QFile file(queuePath());
    if (!file.open(QIODevice::ReadOnly))
        return;
    const QByteArray data = file.readAll();
    if (!data.trimmed().isEmpty())
        m_queue = EventCodec::decodeInput(data).batch.events;
    refreshQueue();
}

void MainWindow::distributeCatalogs()
{
    const auto catalogs = m_session->catalogs()->catalogs();
    m_composer->setCatalogs(catalogs);
    m_debugger->setCatalogs(catalogs);
    if (EmbeddedEndpoint* endpoint = m_session->endpoint())
        endpoint->setCatalogs(catalogs);
}

void MainWindow::distributeTestUsers()
{
    QList<DebuggerTestUser> users;
    for (const TestUser& user : m_session->users()->users()) {
        users.append({user.userToken, user.label, QColor(user.colour)});
        if (user.isLoggedIn())
            users.append({user.authenticatedUserToken, user.label, QColor(user.colour)});
    }
    m_debugger->setTestUsers(users);
}

SettingsDialog* MainWindow::showSettings()
{
    auto* dialog = new SettingsDialog(m_session, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &SettingsDialog::applied, this, &MainWindow::settingsApplied);
    dialog->open();
    return dialog;
}

void MainWindow::settingsApplied()
{
    applyTarget();
    const int target = m_targetCombo->findData(m_session->settings()->target.value());
    if (target >= 0 && target != m_targetCombo->currentIndex())
        m_targetCombo->setCurrentIndex(target);
    m_composer->revalidate(); // the compatibility profile may have changed
    refreshEndpointStatus();
}

void MainWindow::importRecords()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Import records"), QString(),
                                                      tr("Records (*.json *.ndjson *.jsonl);;All files (*)"));
    if (path.isEmpty())
        return;
    bool ok = false;
    const QString index = QInputDialog::getText(this, tr("Import records"), tr("Index name:"),
                                                QLineEdit::Normal, QFileInfo(path).completeBaseName(), &ok)
                              .trimmed();
    if (!ok || index.isEmpty())
        return;
    if (const QString error = importRecordsFile(path, index); !error.isEmpty())
        QMessageBox::warning(this, tr("Import records"), error);
}

QString MainWindow::importRecordsFile(const QString& path, const QString& index)
{
    const IndexCatalog::LoadResult result = m_session->catalogs()->importFile(path, index);
    if (!result.catalog)
        return result.error.isEmpty() ? tr("No records in %1").arg(path) : result.error;
    // Loaded again at the next start, from the same file.
    QStringList files = m_session->settings()->importedCatalogs.value();
    files.removeIf([&](const QString& entry) { return entry.startsWith(index + QLatin1Char('=')); });
    files << index + QLatin1Char('=') + QFileInfo(path).absoluteFilePath();
    m_session->settings()->importedCatalogs.setValue(files);
    m_session->settings()->sync();
    statusBar()->showMessage(tr("Index %1: %2 records loaded, %3 skipped")
                                 .arg(index)
                                 .arg(result.catalog->size())
                                 .arg(result.skipped),
                             8000);
    return {};
}

void MainWindow::forgetCatalog(const QString& index)
{
    m_session->catalogs()->remove(index);
    QStringList files = m_session->settings()->importedCatalogs.value();
    files.removeIf([&](const QString& entry) { return entry.startsWith(index + QLatin1Char('=')); });
    m_session->settings()->importedCatalogs.setValue(files);
    m_session->settings()->sync();
    statusBar()->showMessage(
        index == CatalogSet::sampleIndexName()
            ? tr("Index %1 forgotten until the next start (it is the bundled sample)").arg(index)
            : tr("Index %1 forgotten").arg(index),
        8000);
}

void MainWindow::fetchIndex()
{
    auto* dialog =
        new FetchIndexDialog(m_session->catalogs(), m_session->settings(), m_session->secrets(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &FetchIndexDialog::fetched, this, [this](const QString& index, int records) {
        statusBar()->showMessage(tr("Index %1: %2 records fetched from Algolia").arg(index).arg(records),
                                 8000);
    });
    dialog->show();
}

QString MainWindow::shortcutsText() const
{
    // Built from the actions themselves, so the list never drifts from what the keys do.
    QString rows;
    const QList<QAction*> actions = findChildren<QAction*>();
    for (const QAction* action : actions) {
        if (action->shortcut().isEmpty() || action->text().isEmpty())
            continue;
        rows += QStringLiteral("<tr><td><b>%1</b></td><td>&nbsp;&nbsp;%2</td></tr>")
                    .arg(action->shortcut().toString(QKeySequence::NativeText).toHtmlEscaped(),
                         QString(action->text()).remove(QLatin1Char('&')).toHtmlEscaped());
    }
    return QStringLiteral("<table>%1</table>").arg(rows);
}

void MainWindow::showAbout()
{
    QMessageBox::about(
        this, tr("About Insights Events Debugger"),
        tr("<h3>Insights Events Debugger %1</h3>"
           "<p>Compose Algolia Insights events, manage test users and their tokens, send them to Algolia or "
           "to "
           "the embedded Insights-compatible endpoint, and see every event accepted or rejected, with the "
           "reason.</p><p>Built with Qt %2.</p>")
            .arg(QApplication::applicationVersion(), QString::fromLatin1(qVersion())));
}
