#pragma once

// Searches on the embedded endpoint (issue 12): answers Algolia's search routes locally or relays them,
// records every search in the event log (kind Search) and in the history the linkage checks read, and
// serves GET /debugger/searches. The endpoint is given its route handlers and lookup before it starts.

#include "searchmode.h"

#include "log/eventlog.h"

#include <QList>
#include <QMutex>
#include <QObject>
#include <QStringList>

#include <atomic>
#include <memory>

class EndpointRouteHandler;
class IndexCatalog;
class SearchHistory;
class SearchLookup;
class SearchRelay;

struct RecordBatch;

class SearchService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SearchService)

public:
    explicit SearchService(EventLog* log, QObject* parent = nullptr);
    ~SearchService() override;

    // Thread-safe, take effect for the next request.
    void setMode(SearchMode mode);
    SearchMode mode() const;
    void setCatalogs(QList<std::shared_ptr<const IndexCatalog>> catalogs);
    // Relay targets in order (tests use local stand-ins); empty = Algolia's hosts for the request's app ID.
    void setRelayHosts(QStringList baseUrls);

    // For EmbeddedEndpoint::addRouteHandler(): the search routes, then GET /debugger/searches.
    QList<std::shared_ptr<EndpointRouteHandler>> routeHandlers();
    // What the validator's linkage checks read (EmbeddedEndpoint / ValidationContext).
    std::shared_ptr<const SearchLookup> lookup() const;
    // Thread-safe: remembers the logged clicks that cite a queryID (conversions are attributed through them).
    void noteLoggedEvents(const QList<LogRecord>& records);
    // The same for a batch the endpoint logged: connect EmbeddedEndpoint::batchLogged to it directly so a
    // conversion sent right after its click sees it.
    void noteLoggedBatch(const std::shared_ptr<const RecordBatch>& batch);
    // Reads the searches and clicks of the log's recent records into the history (blocking: a worker thread
    // or start-up, before the endpoint listens).
    void loadHistory(int maxRecords = 100'000);

Q_SIGNALS:
    // Emitted from the endpoint's threads after a request's searches were committed.
    void searchesRecorded(int count);

private:
    friend class SearchRoutesHandler;
    friend class AutomationSearchesHandler;
    struct Private;
    std::shared_ptr<Private> d; // shared with the route handlers, which may outlive a request in flight
};
