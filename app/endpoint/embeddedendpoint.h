#pragma once

// The embedded Insights-compatible endpoint (issue 3): POST /1/events, DELETE /1/usertokens/{token},
// GET /1/events (debugger feed), CORS, and the automation API under /debugger/. HTTP is httpserver.h's
// (limits, timeouts, 100-continue, chunked bodies, 400s); the verdict is the product's one Validator; a
// request is answered only after its events are committed to the EventLog.

#include "log/eventlog.h"

#include <QList>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

class EndpointRouteHandler;
class IndexCatalog;
class SearchLookup;

struct EndpointOptions
{
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 8421; // 0 = free port
    QString requiredAppId;
    QString requiredApiKey; // empty = accept any credentials
    QString profileName = QStringLiteral("current");

    // Transport limits (issue 3 §1). Defaults suit a developer machine; tests shorten the timeout.
    int idleTimeoutSeconds = 30; // a client silent this long mid-request (or idle) is dropped
    int connectionLimit = 1000;  // concurrent connections
    // Slow clients (issue 11 §4): one address holds at most this many connections; a request's line and
    // headers must arrive within headerTimeoutSeconds of the connection (of the previous answer plus the idle
    // timeout on keep-alive), its body at minBodyBytesPerSecond on average after that long.
    int perAddressConnectionLimit = 256;
    int headerTimeoutSeconds = 10;
    qint64 minBodyBytesPerSecond = 8 * 1024;
    // Request line + headers. Browsers send every cookie of 127.0.0.1 to every port (11 §2): 64 KB at least.
    int maxHeaderBytes = 64 * 1024;
    int threads = 0; // server threads; 0 = one per core (at most 4)
};

// What the endpoint answered since it was created: cheap to read at any time (atomic counters), for
// summaries instead of a line per event.
struct EndpointCounters
{
    qint64 requests = 0;        // answered, whatever the status
    qint64 events = 0;          // stored (accepted or rejected)
    qint64 accepted = 0;        // stored and accepted
    qint64 rejected = 0;        // stored and rejected
    qint64 refusedRequests = 0; // answered >= 400 before any event was judged (401, 404, 405, 413, ...)
};

class EmbeddedEndpoint final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EmbeddedEndpoint)

public:
    explicit EmbeddedEndpoint(EventLog* log, QObject* parent = nullptr);
    ~EmbeddedEndpoint() override;

    // nullopt on success, else the error (one line).
    std::optional<QString> start(const EndpointOptions& options);
    // Stops accepting, lets in-flight requests commit and get their answer, then closes.
    void stop();
    bool isListening() const;
    quint16 port() const;
    QString baseUrl() const; // "http://127.0.0.1:8421"

    EndpointCounters counters() const;

    void setCatalogs(QList<std::shared_ptr<const IndexCatalog>> catalogs); // for the objectID warning
    void setProfile(const QString& profileName);
    // An extra route (routehandler.h, INTERFACES.md §2), asked before the endpoint's own routes. Only while
    // the endpoint is stopped (before start()); handlers stay across restarts.
    void addRouteHandler(std::shared_ptr<EndpointRouteHandler> handler);
    // The recorded searches clicks and conversions are checked against (issue 12, search/searchlinkage.h);
    // null (the default): no linkage checks. Before start().
    void setSearchLookup(std::shared_ptr<const SearchLookup> searches);
    // The optional event relay (client/eventrelay.h): called on the endpoint's threads once a POST /1/events
    // request's records are committed, with the credentials that request carried (in memory only, never
    // logged). Empty (the default): nothing is forwarded. Only while the endpoint is stopped.
    using EventRelayHook =
        std::function<void(const QString& appId, const QString& apiKey, const QList<LogRecord>& records)>;
    void setEventRelay(EventRelayHook relay);

Q_SIGNALS:
    // Emitted from the endpoint's threads (connect with a context object: delivery is queued).
    void requestHandled(int httpStatus, int eventCount);
    // The records of one request, with their ids, once committed (the serve command prints them). Made
    // only while something is connected: at full rate, building them costs more than storing them.
    void recordsLogged(const QList<LogRecord>& records);
    // The same as the log stored it, for those who read a few fields of many events (the search history):
    // the batch of one POST /1/events request and its first row's id, emitted on the log's writer thread
    // once committed, before the answer goes (connect directly, and keep it short).
    void batchLogged(const std::shared_ptr<const RecordBatch>& batch, qint64 firstId);

private:
    struct Private;
    std::unique_ptr<Private> d;
};
