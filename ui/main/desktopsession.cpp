#include "desktopsession.h"

#include "catalog/catalogset.h"
#include "datafolder/datafolder.h"
#include "datafolder/userfile.h"
#include "log/eventlog.h"
#include "mainwindow.h"
#include "settings/appsettings.h"
#include "snippets.h"
#include "users/testusermodel.h"

#include <QDir>
#include <QHostAddress>
#include <QObject>
#include <QStandardPaths>
#include <QStatusBar>
#include <QThread>
#include <QUrl>

#include <atomic>
#include <memory>
#include <thread>

#include "client/algoliafeed.h"
#include "client/eventrelay.h"
#include "client/insightsclient.h"
#include "demo/storefrontroute.h"
#include "endpoint/embeddedendpoint.h"
#include "outbox/outbox.h"
#include "search/searchservice.h"
#include "secrets/inmemorysecretstore.h"
#include "secrets/keychainsecretstore.h"

// The services whose headers may not exist yet in a given checkout; built in this order, destroyed in
// reverse by ~Services().
struct DesktopSession::Services
{
    // Before the endpoint: the endpoint holds the search routes' handlers until it is gone.
    std::unique_ptr<SearchService> searches;
    std::thread historyLoader; // reads earlier searches from the log at start, off the GUI thread
    std::atomic<bool> historyLoaded{false};
    std::unique_ptr<EventRelay> relay; // the optional event relay; after the endpoint stops, it goes
    std::unique_ptr<EmbeddedEndpoint> endpoint;
    std::unique_ptr<SecretStore> secrets;
    // The client and its outbox live on their own thread: outbox writes never run on the GUI thread.
    QThread clientThread;
    QObject* clientAnchor = nullptr; // an object of that thread, to run code there
    std::unique_ptr<Outbox> outbox;
    InsightsClient* client = nullptr;

    // Algolia's debugger feed, on the client's thread too (it polls through the client's transport).
    AlgoliaFeed* feed = nullptr;
    // The client announces no change of target or credentials (the window sets them with queued calls,
    // the key arriving later from the keychain), so the client's thread looks at them every second:
    // in-memory reads only.
    std::atomic<bool> feedEnabled{true}; // the setting, mirrored for the client's thread
    std::atomic<bool> feedRunning{false};
    // Client thread only. What the feed polls with: target, app ID and a hash of the key headers (never the
    // key itself). A change restarts the feed; a 401/403 stops it until this changes (or the setting is
    // turned off and on), rather than asking Algolia again every second with a key it refused.
    QString feedSignature;
    QString feedRefusedFor;
    QMetaObject::Connection settingsChanged; // GUI thread: the setting's mirror

    void checkFeed();

    ~Services()
    {
        QObject::disconnect(settingsChanged);
        if (clientThread.isRunning()) {
            QMetaObject::invokeMethod(
                clientAnchor,
                [this] {
                    delete feed; // uses the client: goes first
                    feed = nullptr;
                    delete client;
                    client = nullptr;
                    outbox.reset();
                    delete clientAnchor;
                    clientAnchor = nullptr;
                },
                Qt::BlockingQueuedConnection);
            clientThread.quit();
            clientThread.wait();
        }
        secrets.reset();
        if (endpoint)
            endpoint->stop(); // lets in-flight requests commit before the log goes
        endpoint.reset();
        relay.reset();
        if (historyLoader.joinable())
            historyLoader.join();
        searches.reset();
    }
};

void DesktopSession::Services::checkFeed()
{
    if (!feed || !client)
        return;
    const InsightsTarget target = client->target();
    const bool algoliaTarget =
        target.kind == TargetKind::Us || target.kind == TargetKind::De || target.kind == TargetKind::Global;
    const bool enabled = feedEnabled.load();
    QString signature;
    if (enabled && algoliaTarget && client->hasApiKey() && !client->appId().isEmpty()) {
        size_t keyHash = 0;
        for (const auto& header : client->authHeaders())
            keyHash = qHash(header.second, keyHash);
        signature =
            target.name() + QLatin1Char('|') + client->appId() + QLatin1Char('|') + QString::number(keyHash);
    }
    if (signature.isEmpty() || signature == feedRefusedFor) {
        feed->stop();
        feedSignature.clear();
        feedRunning = false;
        return;
    }
    if (signature == feedSignature && feed->isRunning())
        return;
    feed->stop();
    feed->setRegion(target.region());
    feed->start();
    feedSignature = signature;
    feedRunning = true;
}

DesktopSession::CreateResult DesktopSession::create(const DesktopOptions& options)
{
    CreateResult result;
    std::unique_ptr<DesktopSession> session(new DesktopSession);
    session->m_portOverride = options.port;
    session->m_relayHosts = options.algoliaHosts.value_or(ClientHosts());
    session->m_exampleOnFirstRun = options.exampleOnFirstRun;
    const DataFolder::Resolved folder = DataFolder::resolve(options.dataDir);
    if (!folder.error.isEmpty()) {
        result.error = folder.error;
        return result;
    }
    session->m_dataDir = folder.path;
    const QDir data(session->m_dataDir);

    // 1. Preferences and window state.
    session->m_settings = std::make_unique<AppSettings>(session->m_dataDir);
    session->m_windowState = std::make_unique<WindowState>(session->m_dataDir);
    for (const QString& problem :
         {session->m_settings->loadProblem(), session->m_windowState->loadProblem()}) {
        if (!problem.isEmpty())
            session->m_fileProblems << problem;
    }

    // 2. The event log: everything else writes into it or reads from it.
    EventLogOptions logOptions;
    logOptions.path = DataFolder::eventLogPath(session->m_dataDir);
    logOptions.retention = session->m_settings->logRetention.value();
    EventLog::OpenResult opened = EventLog::open(logOptions);
    if (!opened.log) {
        result.error = opened.error;
        return result;
    }
    session->m_log = std::move(opened.log);

    // 3. Catalogs: the bundled sample first, then the files the user imported before.
    session->m_catalogs = std::make_unique<CatalogSet>();
    session->m_catalogs->loadSample();
    const QStringList imported = session->m_settings->importedCatalogs.value();
    for (const QString& entry : imported) {
        // Stored as "index=path".
        const qsizetype equals = entry.indexOf(QLatin1Char('='));
        if (equals <= 0)
            continue;
        const IndexCatalog::LoadResult loaded =
            session->m_catalogs->importFile(entry.mid(equals + 1), entry.left(equals));
        if (!loaded.catalog) {
            const QString problem =
                QObject::tr("Index %1 not loaded: %2").arg(entry.left(equals), loaded.error);
            UserFile::report(problem);
            session->m_fileProblems << problem;
        }
    }

    // 4. Test users; a first run gets one anonymous user, made global, so that events carry a token.
    session->m_users = std::make_unique<TestUserModel>(data.filePath(QStringLiteral("test-users.json")));
    if (!session->m_users->loadProblem().isEmpty())
        session->m_fileProblems << session->m_users->loadProblem();
    if (session->m_users->rowCount() == 0) {
        const QString id = session->m_users->create(QStringLiteral("Shopper 1"));
        session->m_users->setGlobalUser(id);
    }

    session->m_services = std::make_unique<Services>();
    // 5. Secrets, then the embedded endpoint, listening. When the endpoint requires credentials, it starts
    // once their key is read: never for a moment accepting any key.
    if (options.inMemorySecrets)
        session->m_services->secrets = std::make_unique<InMemorySecretStore>();
    else
        session->m_services->secrets = std::make_unique<KeychainSecretStore>();
    session->m_services->endpoint = std::make_unique<EmbeddedEndpoint>(session->m_log.get());
    session->m_services->endpoint->setCatalogs(session->m_catalogs->catalogs());
    session->setUpSearches();
    if (options.startEndpoint) {
        const QString requiredAppId = session->m_settings->endpointRequiredAppId.value();
        if (!requiredAppId.isEmpty()) {
            DesktopSession* self = session.get();
            SecretStore* secrets = session->m_services->secrets.get();
            secrets->readApiKey(endpointSecretName(requiredAppId), secrets,
                                [self](const SecretResult& result) {
                                    if (result.ok && result.value)
                                        self->m_endpointApiKey = *result.value;
                                    self->restartEndpoint();
                                    if (self->m_window) {
                                        self->m_window->applyTarget(); // the client's credentials for "local"
                                        self->m_window->refreshEndpointStatus();
                                    }
                                });
        } else {
            session->restartEndpoint();
        }
    }

    // 6. The client on its own thread.
    {
        Services& services = *session->m_services;
        services.clientThread.setObjectName(QStringLiteral("insights-client"));
        services.clientThread.start();
        services.clientAnchor = new QObject;
        services.clientAnchor->moveToThread(&services.clientThread);
        QString outboxError;
        EventLog* log = session->m_log.get();
        const QString outboxPath = data.filePath(QStringLiteral("outbox.sqlite"));
        const std::optional<ClientHosts> hosts = options.algoliaHosts;
        QMetaObject::invokeMethod(
            services.clientAnchor,
            [&services, &outboxError, log, outboxPath, hosts] {
                Outbox::OpenResult outbox = Outbox::open(outboxPath);
                if (!outbox.outbox) {
                    outboxError = outbox.error;
                    return;
                }
                services.outbox = std::move(outbox.outbox);
                services.client = new InsightsClient(services.outbox.get());
                services.client->setLogSink(
                    [log](std::shared_ptr<const RecordBatch> batch) { log->append(std::move(batch)); });
                if (hosts) {
                    ClientOptions clientOptions = services.client->options();
                    clientOptions.hosts = *hosts;
                    services.client->setOptions(clientOptions);
                }
            },
            Qt::BlockingQueuedConnection);
        if (!services.client) {
            result.error = outboxError;
            return result;
        }
        session->updateClientLocalHost();
        session->startAlgoliaFeed(options.algoliaFeedIntervalMs);
    }

    // 7. The window, last: it sees every service.
    session->m_window = std::make_unique<MainWindow>(session.get());
    // The window shows the feed's errors (a status bar label of their own, beside the sends' messages).
    result.session = std::move(session);
    return result;
}

// Algolia's search routes on the endpoint (issue 12), as `serve --search` has them: answered from the loaded
// catalogs (or relayed), recorded, and checked against the events that cite them; the demo storefront
// (GET /demo/) for phones, on the first catalog (the sample, always loaded first).
void DesktopSession::setUpSearches()
{
    Services& services = *m_services;
    services.searches = std::make_unique<SearchService>(m_log.get());
    services.searches->setMode(searchMode());
    services.searches->setCatalogs(m_catalogs->catalogs());
    EmbeddedEndpoint* endpoint = services.endpoint.get();
    for (const auto& handler : services.searches->routeHandlers())
        endpoint->addRouteHandler(handler);
    endpoint->setSearchLookup(services.searches->lookup());
    SearchService* searches = services.searches.get();
    // Direct: a conversion sent right after its click must see the click.
    QObject::connect(endpoint, &EmbeddedEndpoint::batchLogged, searches, &SearchService::noteLoggedBatch,
                     Qt::DirectConnection);
    QObject::connect(m_catalogs.get(), &CatalogSet::changed, searches,
                     [this, searches] { searches->setCatalogs(m_catalogs->catalogs()); });
    QObject::connect(m_settings.get(), &AppSettings::changed, searches,
                     [this, searches] { searches->setMode(searchMode()); });
    // Earlier searches, so that events citing them are linked after a restart; the history is thread-safe and
    // the endpoint answers meanwhile (an event citing a search not read yet gets the "no search" info).
    services.historyLoader = std::thread([searches, &services] {
        searches->loadHistory();
        services.historyLoaded = true;
    });
    if (const QList<std::shared_ptr<const IndexCatalog>> catalogs = m_catalogs->catalogs();
        !catalogs.isEmpty())
        if (const std::shared_ptr<StorefrontRoute> store =
                StorefrontRoute::create(catalogs.first()->indexName(), QObject::tr("Demo store")))
            endpoint->addRouteHandler(store);
}

void DesktopSession::updateEventRelay()
{
    Services& services = *m_services;
    const std::optional<InsightsTarget> target = InsightsTarget::parse(m_settings->relayEvents.value());
    const bool on = target && !target->isEmbeddedEndpoint(); // "off", or anything else unusable
    if (on && services.relay && services.relay->target() == *target)
        return;
    services.endpoint->setEventRelay({});
    services.relay.reset(); // answers still on their way are dropped with it
    if (!on)
        return;
    services.relay = std::make_unique<EventRelay>(m_log.get(), *target, m_relayHosts);
    EventRelay* relay = services.relay.get();
    services.endpoint->setEventRelay(
        [relay](const QString& appId, const QString& apiKey, const QList<LogRecord>& records) {
            relay->relay(appId, apiKey, records);
        });
}

EventRelay* DesktopSession::eventRelay() const
{
    return m_services ? m_services->relay.get() : nullptr;
}

bool DesktopSession::isSearchHistoryLoaded() const
{
    return m_services && m_services->historyLoaded;
}

SearchMode DesktopSession::searchMode() const
{
    return searchModeFromName(m_settings->searchMode.value()).value_or(SearchMode::Local);
}

QString DesktopSession::storefrontUrl() const
{
    const QString base = endpointBaseUrl();
    if (base.isEmpty() || m_catalogs->catalogs().isEmpty())
        return {};
    return Snippets::reachableBaseUrl(base) + QStringLiteral("/demo/");
}

bool DesktopSession::isEndpointReachableFromNetwork() const
{
    const EmbeddedEndpoint* endpoint = this->endpoint();
    return endpoint && endpoint->isListening() &&
           !QHostAddress(QUrl(endpoint->baseUrl()).host()).isLoopback();
}

void DesktopSession::startAlgoliaFeed(int intervalMs)
{
    Services& services = *m_services;
    EventLog* log = m_log.get();
    AppSettings* settings = m_settings.get();
    services.feedEnabled = settings->pollAlgoliaFeed.value();
    QMetaObject::invokeMethod(
        services.clientAnchor,
        [&services, log, intervalMs] {
            auto* feed = new AlgoliaFeed(services.client);
            services.feed = feed;
            feed->setIntervalMs(intervalMs);
            // Records it did not match (a live site's events) go to the log like any other.
            feed->setLogSink([log](QList<LogRecord> records) { log->append(std::move(records)); });
            // The verdicts of one poll are attached together: one writer operation per poll, not per event.
            auto pending = std::make_shared<QList<AlgoliaVerdictUpdate>>();
            QObject::connect(feed, &AlgoliaFeed::verdict, feed, [pending](const AlgoliaVerdict& verdict) {
                pending->append({verdict.requestId, verdict.indexInRequest, verdict.status, verdict.errors});
            });
            QObject::connect(feed, &AlgoliaFeed::polled, feed, [pending, log] {
                if (!pending->isEmpty())
                    log->attachAlgoliaVerdicts(std::exchange(*pending, {}));
            });
            QObject::connect(feed, &AlgoliaFeed::feedError, feed,
                             [&services](const SendResult&, bool stopped) {
                                 if (stopped) {
                                     services.feedRefusedFor = services.feedSignature;
                                     services.feedRunning = false;
                                 }
                             });
            QObject::connect(services.client, &InsightsClient::destinationChanged, services.clientAnchor,
                             [&services] { services.checkFeed(); });
            services.checkFeed();
        },
        Qt::BlockingQueuedConnection);
    // A change of the setting applies at once, as does a change of target or key (destinationChanged).
    services.settingsChanged =
        QObject::connect(settings, &AppSettings::changed, settings, [&services, settings] {
            const bool enabled = settings->pollAlgoliaFeed.value();
            services.feedEnabled = enabled;
            QMetaObject::invokeMethod(services.clientAnchor, [&services, enabled] {
                if (!enabled)
                    services.feedRefusedFor.clear(); // turning the setting off and on again asks again
                services.checkFeed();
            });
        });
}

AlgoliaFeed* DesktopSession::algoliaFeed() const
{
    return m_services ? m_services->feed : nullptr;
}

bool DesktopSession::isAlgoliaFeedRunning() const
{
    return m_services && m_services->feedRunning;
}

DesktopSession::~DesktopSession()
{
    // The window goes first (it holds pointers into everything), then the services, in reverse order.
    m_window.reset();
    m_services.reset();
    m_users.reset();
    m_catalogs.reset();
    if (m_log)
        m_log->flush();
    m_log.reset();
    m_windowState.reset();
    m_settings.reset();
}

EmbeddedEndpoint* DesktopSession::endpoint() const
{
    return m_services ? m_services->endpoint.get() : nullptr;
}

InsightsClient* DesktopSession::client() const
{
    return m_services ? m_services->client : nullptr;
}

SecretStore* DesktopSession::secrets() const
{
    return m_services ? m_services->secrets.get() : nullptr;
}

QString DesktopSession::endpointBaseUrl() const
{
    if (const EmbeddedEndpoint* endpoint = this->endpoint(); endpoint && endpoint->isListening())
        return endpoint->baseUrl();
    return {};
}

void DesktopSession::restartEndpoint()
{
    EmbeddedEndpoint* endpoint = this->endpoint();
    if (!endpoint)
        return;
    if (endpoint->isListening())
        endpoint->stop();
    EndpointOptions options;
    options.host = m_settings->endpointBindAddress.value();
    options.port = m_portOverride ? *m_portOverride : static_cast<quint16>(m_settings->endpointPort.value());
    options.requiredAppId = m_settings->endpointRequiredAppId.value();
    if (!options.requiredAppId.isEmpty()) {
        if (m_endpointApiKey.isEmpty()) {
            // Listening without the key would accept anyone: stay off and say why.
            m_endpointError =
                QStringLiteral("The endpoint requires application ID %1, but its API key is not "
                               "stored: enter it in Settings")
                    .arg(options.requiredAppId);
            return;
        }
        options.requiredApiKey = m_endpointApiKey;
    }
    options.profileName = m_settings->compatibilityProfile.value();
    updateEventRelay(); // while stopped: the endpoint reads its relay without a lock
    const std::optional<QString> error = endpoint->start(options);
    m_endpointError = error.value_or(QString());
    updateClientLocalHost();
}

void DesktopSession::updateClientLocalHost()
{
    InsightsClient* client = this->client();
    const EmbeddedEndpoint* endpoint = this->endpoint();
    if (!client || !endpoint || !endpoint->isListening())
        return;
    const QUrl local(endpoint->baseUrl());
    QMetaObject::invokeMethod(client, [client, local] {
        ClientOptions clientOptions = client->options();
        clientOptions.hosts.local = local; // "local" always means this app's endpoint, whatever its port
        client->setOptions(clientOptions);
    });
}
