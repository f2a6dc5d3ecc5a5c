#include "mainwindow.h"

#include "catalog/catalogset.h"
#include "composer/composerwidget.h"
#include "composer/testuserspanel.h"
#include "debugger/debuggerpanel.h"
#include "desktopsession.h"
#include "event/eventcodec.h"
#include "event/eventkind.h"
#include "fetchindexdialog.h"
#include "settings/appsettings.h"
#include "settingsdialog.h"
#include "snippets.h"
#include "users/testusermodel.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
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
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include "client/insightsclient.h"
#include "client/profiles.h"
#include "endpoint/embeddedendpoint.h"
#include "secrets/secretstore.h"

namespace {

struct TargetChoice
{
    const char* name;
    const char* label;
};

constexpr TargetChoice kTargets[] = {
    {"local", "Embedded endpoint"},         {"us", "Algolia (US)"},   {"de", "Algolia (DE)"},
    {"global", "Algolia (closest region)"}, {"custom", "Custom URL"},
};

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
    auto* queueLayout = new QVBoxLayout(queuePage);
    queueLayout->setContentsMargins(0, 0, 0, 0);
    m_queueList = new QListWidget;
    m_queueList->setObjectName(QStringLiteral("queueList"));
    m_queueList->setToolTip(tr("Double-click an event to edit it in the composer"));
    auto* queueButtons = new QHBoxLayout;
    auto* sendQueue = new QPushButton(tr("Send queue"));
    sendQueue->setObjectName(QStringLiteral("sendQueueButton"));
    auto* removeQueued = new QPushButton(tr("Remove"));
    removeQueued->setObjectName(QStringLiteral("removeQueuedButton"));
    queueButtons->addWidget(sendQueue);
    queueButtons->addWidget(removeQueued);
    queueButtons->addStretch(1);
    queueLayout->addWidget(m_queueList, 1);
    queueLayout->addLayout(queueButtons);

    m_sideTabs = new QTabWidget;
    m_sideTabs->setObjectName(QStringLiteral("sideTabs"));
    m_sideTabs->addTab(m_usersPanel, tr("Test users"));
    m_sideTabs->addTab(queuePage, tr("Queue"));

    m_sideSplitter = new QSplitter(Qt::Vertical);
    m_sideSplitter->setObjectName(QStringLiteral("sideSplitter"));
    m_sideSplitter->addWidget(m_composer);
    m_sideSplitter->addWidget(m_sideTabs);
    m_sideSplitter->setStretchFactor(0, 3);
    m_sideSplitter->setStretchFactor(1, 1);

    m_debugger = new DebuggerPanel(session->log());
    m_debugger->setObjectName(QStringLiteral("debuggerPanel"));
    m_debugger->setResendHandler([this](const QList<Event>& events) { sendEvents(events); });
    m_debugger->setProfileFetcher([this](const QString& userToken, std::function<void(const QString&)> done) {
        fetchAlgoliaProfile(userToken, std::move(done));
    });

    m_mainSplitter = new QSplitter(Qt::Horizontal);
    m_mainSplitter->setObjectName(QStringLiteral("mainSplitter"));
    m_mainSplitter->addWidget(m_sideSplitter);
    m_mainSplitter->addWidget(m_debugger);
    m_mainSplitter->setStretchFactor(0, 2);
    m_mainSplitter->setStretchFactor(1, 3);
    m_mainSplitter->setSizes({560, 880}); // first run; restoreWindowState() applies the user's layout
    setCentralWidget(m_mainSplitter);

    createActions();
    createMenusAndToolBar();
    createStatusBar();

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
    connect(sendQueue, &QPushButton::clicked, this, &MainWindow::sendQueue);
    connect(removeQueued, &QPushButton::clicked, this, [this] {
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
                text = tr("Sending failed: %1").arg(outcome.result.describe());
                m_failedEvents += outcome.eventCount;
                break;
            }
            refreshOutboxStatus();
            statusBar()->showMessage(text, 10'000);
        });
        connect(client, &InsightsClient::progress, this, [this](qint64, qint64 waiting) {
            m_waitingEvents = waiting;
            refreshOutboxStatus();
        });
        connect(m_retryFailedAction, &QAction::triggered, this, [this, client] {
            m_failedEvents = 0;
            refreshOutboxStatus();
            QMetaObject::invokeMethod(client, [client] { client->retryFailed(); });
        });
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
}

MainWindow::~MainWindow() = default;

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

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    QAction* shortcuts = help->addAction(tr("Keyboard shortcuts"));
    shortcuts->setObjectName(QStringLiteral("shortcutsAction"));
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
    toolbar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    toolbar->addWidget(new QLabel(tr(" Send to: ")));
    m_targetCombo = new QComboBox;
    m_targetCombo->setObjectName(QStringLiteral("targetCombo"));
    for (const TargetChoice& choice : kTargets)
        m_targetCombo->addItem(tr(choice.label), QString::fromLatin1(choice.name));
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
    m_outboxLabel = new QLabel;
    m_outboxLabel->setObjectName(QStringLiteral("outboxStatusLabel"));
    statusBar()->addPermanentWidget(m_outboxLabel);
    statusBar()->addPermanentWidget(m_secretsLabel);
    statusBar()->addPermanentWidget(m_endpointLabel);
    statusBar()->addPermanentWidget(m_copyButton);
}

void MainWindow::refreshOutboxStatus()
{
    QStringList parts;
    if (m_waitingEvents > 0)
        parts << tr("%n event(s) waiting to be sent", nullptr, static_cast<int>(m_waitingEvents));
    if (m_failedEvents > 0)
        parts << tr("%n failed (Event \u25b8 Retry failed events)", nullptr,
                    static_cast<int>(m_failedEvents));
    m_outboxLabel->setText(parts.join(QStringLiteral(" \u00b7 ")));
    m_retryFailedAction->setEnabled(m_failedEvents > 0);
}

void MainWindow::copySnippet(const QString& text, const QString& what)
{
    QApplication::clipboard()->setText(text);
    statusBar()->showMessage(tr("Copied: %1").arg(what), 5000);
}

void MainWindow::refreshEndpointStatus()
{
    const QString base = m_session->endpointBaseUrl();
    if (!base.isEmpty()) {
        m_endpointLabel->setText(tr("Endpoint: %1").arg(base));
        m_endpointLabel->setToolTip(
            tr("The embedded Insights endpoint listens here: POST %1/1/events").arg(base));
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
    if (!restoreGeometry(state->geometry.value()))
        resize(1400, 860);
    restoreState(state->windowState.value());
    m_mainSplitter->restoreState(state->mainSplitter.value());
    m_sideSplitter->restoreState(state->sideSplitter.value());
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
    state->windowState.setValue(saveState());
    state->mainSplitter.setValue(m_mainSplitter->saveState());
    state->sideSplitter.setValue(m_sideSplitter->saveState());
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
    QMetaObject::invokeMethod(client, [client, chosen] { client->setTarget(chosen); });
    // Like Algolia, the endpoint answers 401 to a request without credentials; an endpoint that accepts
    // any credentials gets a placeholder pair (not a secret), a stored key replaces it when there is one.
    const Credentials placeholder{appId.isEmpty() ? QStringLiteral("LOCALAPP") : appId,
                                  !local ? QString()
                                  : m_session->endpointApiKey().isEmpty()
                                      ? QStringLiteral("local-placeholder-key")
                                      : m_session->endpointApiKey()};
    QMetaObject::invokeMethod(client, [client, placeholder] { client->setCredentials(placeholder); });
    if (SecretStore* secrets = m_session->secrets(); secrets && !appId.isEmpty()) {
        secrets->readApiKey(appId, this, [client, appId](const SecretResult& result) {
            if (!result.ok || !result.value)
                return;
            const Credentials credentials{appId, *result.value};
            QMetaObject::invokeMethod(client, [client, credentials] { client->setCredentials(credentials); });
        });
    }
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
    m_sideTabs->setCurrentIndex(1);
    statusBar()->showMessage(tr("%n event(s) queued", nullptr, queuedCount()), 5000);
}

void MainWindow::sendQueue()
{
    if (m_queue.isEmpty())
        return;
    const QList<Event> events = std::exchange(m_queue, {});
    saveQueue();
    refreshQueue();
    sendEvents(events);
}

void MainWindow::refreshQueue()
{
    m_queueList->clear();
    for (const Event& event : std::as_const(m_queue))
        m_queueList->addItem(eventSummary(event));
    m_sideTabs->setTabText(1, m_queue.isEmpty() ? tr("Queue") : tr("Queue (%1)").arg(m_queue.size()));
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
