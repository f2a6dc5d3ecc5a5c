#include "searchservice.h"

#include "searchrelay.h"

#include "catalog/indexcatalog.h"
#include "endpoint/endpointhttp.h"
#include "endpoint/routehandler.h"
#include "log/recordbatch.h"
#include "log/recordbuilder.h"
#include "search/localsearch.h"
#include "search/searchlinkage.h"
#include "search/searchquery.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QUrlQuery>

#include <algorithm>

namespace {

QByteArray errorBody(int status, const QString& message)
{
    return QJsonDocument(
               QJsonObject{{QStringLiteral("message"), message}, {QStringLiteral("status"), status}})
        .toJson(QJsonDocument::Compact);
}

EndpointResponse jsonResponse(int status, QByteArray body)
{
    EndpointResponse response;
    response.status = status;
    response.body = std::move(body);
    return response;
}

QByteArray queryValue(const QByteArray& query, QByteArrayView lowercaseName)
{
    for (const QByteArray& pair : query.split('&')) {
        const qsizetype equals = pair.indexOf('=');
        const QByteArray name =
            QByteArray::fromPercentEncoding(equals < 0 ? pair : pair.left(equals)).toLower();
        if (name == lowercaseName)
            return QByteArray::fromPercentEncoding(equals < 0 ? QByteArray() : pair.mid(equals + 1));
    }
    return {};
}

QByteArray credential(const EndpointRequest& request, QByteArrayView lowercaseName)
{
    QByteArray value = request.header(lowercaseName);
    return value.isEmpty() ? queryValue(request.query, lowercaseName) : value;
}

} // namespace

struct SearchService::Private
{
    SearchService* q = nullptr;
    EventLog* log = nullptr;
    std::atomic<SearchMode> mode{SearchMode::Local};
    mutable QMutex catalogMutex;
    QList<std::shared_ptr<const IndexCatalog>> catalogs;
    std::shared_ptr<SearchHistory> history = std::make_shared<SearchHistory>();
    std::unique_ptr<SearchRelay> relay = std::make_unique<SearchRelay>();

    std::shared_ptr<const IndexCatalog> catalog(const QString& index) const
    {
        // The catalog of that index, else one loaded without an index name (serve --catalog FILE).
        QMutexLocker locker(&catalogMutex);
        std::shared_ptr<const IndexCatalog> unnamed;
        for (const auto& candidate : catalogs) {
            if (candidate->indexName() == index)
                return candidate;
            if (!unnamed && candidate->appliesTo(index))
                unnamed = candidate;
        }
        return unnamed;
    }

    void handleSearch(const EndpointRequest& request, const std::function<void(EndpointResponse)>& respond);
    void answerLocally(const EndpointRequest& request, const SearchRouteMatch& route,
                       const SearchRequestParse& parsed,
                       const std::function<void(EndpointResponse)>& respond);
    void relaySearch(const EndpointRequest& request, const SearchRouteMatch& route, SearchRequestParse parsed,
                     const std::function<void(EndpointResponse)>& respond);
    // Logs the searches answered by `response`, then answers (once committed, so that /debugger/searches
    // and the linkage checks know them by the time the site sees its hits).
    void record(const EndpointRequest& request, QList<SearchRecord> searches, EndpointResponse response,
                const std::function<void(EndpointResponse)>& respond);
    EndpointResponse automationSearches(const EndpointRequest& request) const;
};

// POST /1/indexes/*/queries, POST /1/indexes/{index}/query, GET /1/indexes/{index}
class SearchRoutesHandler final : public EndpointRouteHandler
{
public:
    explicit SearchRoutesHandler(std::shared_ptr<SearchService::Private> d)
        : m_d(std::move(d))
    {}
    bool matches(QByteArrayView method, QByteArrayView path) const override
    {
        return m_d->mode.load() != SearchMode::Off && matchSearchRoute(method, path).has_value();
    }
    void handle(EndpointRequest request, std::function<void(EndpointResponse)> respond) override
    {
        m_d->handleSearch(request, respond);
    }
    bool isAlgoliaRoute() const override { return true; }

private:
    std::shared_ptr<SearchService::Private> m_d;
};

// GET /debugger/searches
class AutomationSearchesHandler final : public EndpointRouteHandler
{
public:
    explicit AutomationSearchesHandler(std::shared_ptr<SearchService::Private> d)
        : m_d(std::move(d))
    {}
    bool matches(QByteArrayView method, QByteArrayView path) const override
    {
        return method == "GET" && path == "/debugger/searches";
    }
    void handle(EndpointRequest request, std::function<void(EndpointResponse)> respond) override
    {
        respond(m_d->automationSearches(request));
    }
    bool isAutomationRoute() const override { return true; }

private:
    std::shared_ptr<SearchService::Private> m_d;
};

void SearchService::Private::handleSearch(const EndpointRequest& request,
                                          const std::function<void(EndpointResponse)>& respond)
{
    const std::optional<SearchRouteMatch> route = matchSearchRoute(request.method, request.path);
    if (!route) {
        respond(jsonResponse(404, errorBody(404, QStringLiteral("Path not found"))));
        return;
    }
    SearchRequestParse parsed = SearchRequest::parse(*route, request.body, request.query);
    if (mode.load() == SearchMode::Relay) {
        relaySearch(request, *route, std::move(parsed), respond);
        return;
    }
    if (!parsed.ok()) {
        respond(jsonResponse(400, errorBody(400, parsed.error)));
        return;
    }
    answerLocally(request, *route, parsed, respond);
}

void SearchService::Private::answerLocally(const EndpointRequest& request, const SearchRouteMatch& route,
                                           const SearchRequestParse& parsed,
                                           const std::function<void(EndpointResponse)>& respond)
{
    const QString headerToken = QString::fromUtf8(request.header("x-algolia-usertoken"));
    QList<SearchRecord> searches;
    QJsonArray results;
    for (const SearchQuery& query : parsed.queries) {
        const std::shared_ptr<const IndexCatalog> index = catalog(query.indexName());
        if (!index) {
            // Algolia's answer for an index that does not exist; the message says which is missing here.
            respond(jsonResponse(
                404, errorBody(404, QStringLiteral("Index %1 does not exist").arg(query.indexName()))));
            return;
        }
        const bool multiple = route.route == SearchRoute::MultipleQueries;
        LocalSearchResult result = LocalSearch::run(query, *index, multiple);
        SearchRecord search = SearchRecord::of(query, headerToken);
        search.readAnswer(result.response);
        searches.append(std::move(search));
        results.append(result.response);
    }
    const QJsonDocument answer = route.route == SearchRoute::MultipleQueries
                                     ? QJsonDocument(QJsonObject{{QStringLiteral("results"), results}})
                                     : QJsonDocument(results.at(0).toObject());
    record(request, std::move(searches), jsonResponse(200, answer.toJson(QJsonDocument::Compact)), respond);
}

void SearchService::Private::relaySearch(const EndpointRequest& request, const SearchRouteMatch& route,
                                         SearchRequestParse parsed,
                                         const std::function<void(EndpointResponse)>& respond)
{
    RelayRequest forwarded;
    forwarded.method = request.method;
    forwarded.path = request.path;
    forwarded.query = request.query;
    forwarded.headers = request.headers;
    forwarded.body = request.body;
    forwarded.appId = QString::fromUtf8(credential(request, "x-algolia-application-id"));
    const QString headerToken = QString::fromUtf8(request.header("x-algolia-usertoken"));
    const bool multiple = route.route == SearchRoute::MultipleQueries;
    relay->forward(std::move(forwarded), [this, request, parsed, headerToken, multiple,
                                          respond](const RelayAnswer& answer) {
        if (answer.status == 0) {
            // Algolia's clients see an unreachable host; say why instead of hanging.
            respond(jsonResponse(
                502,
                errorBody(502,
                          QStringLiteral("Search relay: no Algolia host answered (%1)").arg(answer.error))));
            return;
        }
        EndpointResponse response;
        response.status = answer.status;
        response.body = answer.body;
        if (!answer.contentType.isEmpty())
            response.contentType = answer.contentType;
        QList<SearchRecord> searches;
        if (answer.status == 200 && parsed.ok()) {
            const QJsonObject body = QJsonDocument::fromJson(answer.body).object();
            const QJsonArray results =
                multiple ? body.value(QLatin1String("results")).toArray() : QJsonArray{body};
            for (qsizetype i = 0; i < parsed.queries.size() && i < results.size(); ++i) {
                SearchRecord search = SearchRecord::of(parsed.queries.at(i), headerToken);
                search.readAnswer(results.at(i).toObject());
                searches.append(std::move(search));
            }
        }
        record(request, std::move(searches), std::move(response), respond);
    });
}

void SearchService::Private::record(const EndpointRequest& request, QList<SearchRecord> searches,
                                    EndpointResponse response,
                                    const std::function<void(EndpointResponse)>& respond)
{
    if (searches.isEmpty()) {
        respond(std::move(response));
        return;
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QByteArray agent = request.header("x-algolia-agent");
    if (agent.isEmpty())
        agent = queryValue(request.query, "x-algolia-agent");
    RequestFacts facts;
    facts.requestId = request.requestId;
    facts.receivedAtMs = now;
    facts.source = EventSource::Endpoint;
    facts.httpStatus = response.status;
    facts.accepted = response.status == 200;
    facts.userAgent = QString::fromUtf8(request.header("user-agent"));
    facts.agent = QString::fromUtf8(agent);
    facts.origin = QString::fromUtf8(request.header("origin"));
    facts.referer = QString::fromUtf8(request.header("referer"));
    facts.remoteAddress = request.remoteAddress;
    facts.appId = QString::fromUtf8(credential(request, "x-algolia-application-id"));
    facts.method = QString::fromUtf8(request.method);
    facts.path = QString::fromUtf8(request.path);
    facts.rawRequest = std::make_shared<const RawRequest>(RecordBuilder::rawRequest(
        request.method, request.query.isEmpty() ? request.path : request.path + '?' + request.query,
        request.headers, request.body));
    QList<LogRecord> records;
    for (qsizetype i = 0; i < searches.size(); ++i) {
        SearchRecord& search = searches[i];
        search.atMs = now;
        search.requestId = request.requestId;
        records.append(RecordBuilder::searchRecord(facts, search, static_cast<int>(i)));
    }
    const int count = static_cast<int>(searches.size());
    log->append(std::move(records), [this, searches = std::move(searches), response = std::move(response),
                                     respond, count](bool ok, qint64, qint64, const QString&) mutable {
        if (ok) {
            for (const SearchRecord& search : std::as_const(searches))
                history->addSearch(search);
            if (q)
                emit q->searchesRecorded(count);
        }
        respond(std::move(response));
    });
}

EndpointResponse SearchService::Private::automationSearches(const EndpointRequest& request) const
{
    const auto text = [&request](QByteArrayView name) {
        return QString::fromUtf8(queryValue(request.query, name));
    };
    LogQuery query;
    query.kind = RecordKind::Search;
    query.index = text("index");
    query.userToken = text("usertoken");
    query.queryId = text("queryid");
    query.sinceId = text("since").toLongLong();
    query.limit = 1000;
    if (const QString limit = text("limit"); !limit.isEmpty())
        query.limit = std::clamp(limit.toInt(), 1, 10000);
    QString error;
    const QList<LogRecord> records = log->query(query, &error);
    if (!error.isEmpty()) // a short page would read as "not recorded"
        return jsonResponse(500,
                            errorBody(500, QStringLiteral("The event log could not be read: %1").arg(error)));
    QJsonArray searches;
    for (const LogRecord& record : records) {
        QJsonObject object = SearchRecord::fromJson(record.rawJson).value_or(SearchRecord()).toJson();
        object.insert(QStringLiteral("id"), record.id);
        object.insert(QStringLiteral("requestId"), record.requestId);
        object.insert(
            QStringLiteral("time"),
            QDateTime::fromMSecsSinceEpoch(record.receivedAtMs, Qt::UTC).toString(Qt::ISODateWithMs));
        object.insert(QStringLiteral("httpStatus"), record.httpStatus);
        object.insert(QStringLiteral("agent"), record.agent);
        object.insert(QStringLiteral("origin"), record.origin);
        object.remove(QStringLiteral("atMs"));
        QJsonArray citedBy;
        if (!record.queryId.isEmpty()) {
            LogQuery events;
            events.kind = RecordKind::Event;
            events.queryId = record.queryId;
            events.limit = 100;
            for (qint64 id : log->ids(events, &error))
                citedBy.append(id);
            if (!error.isEmpty())
                return jsonResponse(
                    500, errorBody(500, QStringLiteral("The event log could not be read: %1").arg(error)));
        }
        object.insert(QStringLiteral("citedBy"), citedBy);
        searches.append(object);
    }
    const qint64 lastId = records.isEmpty() ? query.sinceId : records.constLast().id;
    const QJsonObject body{{QStringLiteral("searches"), searches},
                           {QStringLiteral("lastId"), lastId},
                           {QStringLiteral("hasMore"), records.size() >= query.limit}};
    return jsonResponse(200, QJsonDocument(body).toJson(QJsonDocument::Compact));
}

SearchService::SearchService(EventLog* log, QObject* parent)
    : QObject(parent)
    , d(std::make_shared<Private>())
{
    d->q = this;
    d->log = log;
}

SearchService::~SearchService()
{
    d->q = nullptr; // route handlers held by the endpoint may outlive the service
}

void SearchService::setMode(SearchMode mode)
{
    d->mode.store(mode);
}

SearchMode SearchService::mode() const
{
    return d->mode.load();
}

void SearchService::setCatalogs(QList<std::shared_ptr<const IndexCatalog>> catalogs)
{
    QMutexLocker locker(&d->catalogMutex);
    d->catalogs = std::move(catalogs);
}

void SearchService::setRelayHosts(QStringList baseUrls)
{
    d->relay->setHosts(std::move(baseUrls));
}

QList<std::shared_ptr<EndpointRouteHandler>> SearchService::routeHandlers()
{
    return {std::make_shared<SearchRoutesHandler>(d), std::make_shared<AutomationSearchesHandler>(d)};
}

std::shared_ptr<const SearchLookup> SearchService::lookup() const
{
    return d->history;
}

void SearchService::noteLoggedEvents(const QList<LogRecord>& records)
{
    // One batch of them all: the history reads the rows, not the requests' facts.
    auto batch = std::make_shared<RecordBatch>();
    for (const LogRecord& record : records)
        batch->addRecord(record);
    d->history->queueLoggedBatch(std::move(batch));
}

void SearchService::noteLoggedBatch(const std::shared_ptr<const RecordBatch>& batch)
{
    // Runs on the log's writer thread right after a commit (connected directly): only queue.
    d->history->queueLoggedBatch(batch);
}

void SearchService::loadHistory(int maxRecords)
{
    LogQuery searches;
    searches.kind = RecordKind::Search;
    searches.newestFirst = true;
    searches.limit = maxRecords;
    QList<LogRecord> records = d->log->query(searches);
    std::reverse(records.begin(), records.end());
    for (const LogRecord& record : std::as_const(records)) {
        if (std::optional<SearchRecord> search = SearchRecord::fromJson(record.rawJson)) {
            search->requestId = record.requestId;
            d->history->addSearch(*search);
        }
    }
    LogQuery clicks;
    clicks.kind = RecordKind::Event;
    clicks.eventType = QStringLiteral("click");
    clicks.accepted = true;
    clicks.newestFirst = true;
    clicks.limit = maxRecords;
    QList<LogRecord> events = d->log->query(clicks);
    std::reverse(events.begin(), events.end());
    noteLoggedEvents(events);
}
