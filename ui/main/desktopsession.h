#pragma once

#include "client/insightstarget.h"
#include "search/searchmode.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

class AlgoliaFeed;
class AppSettings;
class CatalogSet;
class EmbeddedEndpoint;
class EventRelay;
class EventLog;
class InsightsClient;
class MainWindow;
class Outbox;
class QThread;
class SecretStore;
class TestUserModel;
class WindowState;

struct DesktopOptions
{
    QString dataDir;              // empty: DataFolder::defaultPath()
    std::optional<quint16> port;  // overrides the port setting; 0 = a free port
    bool inMemorySecrets = false; // tests: never touch the system keychain
    bool startEndpoint = true;
    // A first run (no saved draft) opens with an example event in the composer, ready to send.
    bool exampleOnFirstRun = true;
    // Tests: Algolia's hosts (a local stand-in instead of the real API), and how often Algolia's debugger
    // feed is polled.
    std::optional<ClientHosts> algoliaHosts;
    int algoliaFeedIntervalMs = 3000;
};

// The composition root of the desktop app: builds the services in dependency order (settings, event log,
// catalogs, test users, embedded endpoint, secrets, client) and the main window, and tears them down in
// the reverse order. Members are declared in build order, so the default destruction order is the reverse.
class DesktopSession final
{
public:
    struct CreateResult;
    static CreateResult create(const DesktopOptions& options);
    ~DesktopSession();
    DesktopSession(const DesktopSession&) = delete;
    DesktopSession& operator=(const DesktopSession&) = delete;

    QString dataDir() const { return m_dataDir; }
    // The port given with --port for this run (it wins over the setting), if any.
    std::optional<quint16> portOverride() const { return m_portOverride; }
    bool exampleOnFirstRun() const { return m_exampleOnFirstRun; }
    AppSettings* settings() const { return m_settings.get(); }
    WindowState* windowState() const { return m_windowState.get(); }
    EventLog* log() const { return m_log.get(); }
    CatalogSet* catalogs() const { return m_catalogs.get(); }
    TestUserModel* users() const { return m_users.get(); }
    EmbeddedEndpoint* endpoint() const; // null when the endpoint is not built into this version
    InsightsClient* client() const;     // null when the client is not built into this version
    SecretStore* secrets() const;       // null when no secret store is built in
    // Polls Algolia's debugger feed (lives on the client's thread) while the target is an Algolia region, a
    // key is set and the "Poll Algolia's debugger feed" setting is on; null when no client is built in.
    AlgoliaFeed* algoliaFeed() const;
    // Whether the feed is polling now (as last decided on the client's thread).
    bool isAlgoliaFeedRunning() const;
    MainWindow* window() const { return m_window.get(); }
    // Files of the data folder that could not be read at start (kept aside, unreadable, refused), one line
    // each, already written to stderr; the window shows them.
    QStringList fileProblems() const { return m_fileProblems; }

    // "http://127.0.0.1:8421" when listening, else empty; endpointError() says why not.
    QString endpointBaseUrl() const;
    QString endpointError() const { return m_endpointError; }
    // How the endpoint answers Algolia's search routes (the "search mode" setting).
    SearchMode searchMode() const;
    // Whether the searches recorded before this start are read back (events citing them are linked).
    bool isSearchHistoryLoaded() const;
    // The demo storefront (GET /demo/) at an address other machines can use when the endpoint listens on
    // the network ("http://192.168.1.20:8421/demo/"), else on loopback; empty when the endpoint is off.
    QString storefrontUrl() const;
    // Whether the endpoint listens on an address other machines can reach (not loopback only).
    bool isEndpointReachableFromNetwork() const;
    // The event relay forwarding what the endpoint receives to Algolia (the "relay events" setting); null
    // when off.
    EventRelay* eventRelay() const;
    // Restarts the endpoint with the current settings (after the settings dialog).
    void restartEndpoint();
    // The API key the endpoint requires (with the required app ID); kept in memory, never in the settings.
    void setEndpointApiKey(const QString& apiKey) { m_endpointApiKey = apiKey; }
    QString endpointApiKey() const { return m_endpointApiKey; }
    // The SecretStore entry of the key the endpoint requires (apart from the keys of Algolia apps).
    static QString endpointSecretName(const QString& requiredAppId)
    {
        return QStringLiteral("embedded-endpoint:") + requiredAppId;
    }

private:
    DesktopSession() = default;
    void updateClientLocalHost();
    void startAlgoliaFeed(int intervalMs);
    void setUpSearches();
    void updateEventRelay();
    struct Services;

    QString m_dataDir;
    std::optional<quint16> m_portOverride;
    ClientHosts m_relayHosts; // Algolia's hosts, or a test's stand-in
    bool m_exampleOnFirstRun = true;
    QString m_endpointError;
    QString m_endpointApiKey;
    QStringList m_fileProblems;
    std::unique_ptr<AppSettings> m_settings;
    std::unique_ptr<WindowState> m_windowState;
    std::unique_ptr<EventLog> m_log;
    std::unique_ptr<CatalogSet> m_catalogs;
    std::unique_ptr<TestUserModel> m_users;
    std::unique_ptr<Services> m_services; // endpoint, secrets, outbox, client (and the client's thread)
    std::unique_ptr<MainWindow> m_window;
};

struct DesktopSession::CreateResult
{
    std::unique_ptr<DesktopSession> session;
    QString error; // one line when the session could not be built (e.g. the log file is unusable)
};
