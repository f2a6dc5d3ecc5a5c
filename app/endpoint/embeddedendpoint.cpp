#include "embeddedendpoint.h"

#include "chunkedanswer.h"
#include "connectionwatchdog.h"
#include "endpointhttp.h"
#include "routehandler.h"

#include "catalog/indexcatalog.h"
#include "compression/gzip.h"
#include "event/compatibilityprofile.h"
#include "event/eventview.h"
#include "event/validator.h"
#include "log/recordbuilder.h"
#include "search/searchlinkage.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QHostAddress>
#include <QLoggingCategory>
#include <QMetaMethod>
#include <QMutex>
#include <QRandomGenerator>
#include <QThread>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>

using namespace EndpointHttp;

namespace {

Q_LOGGING_CATEGORY(lcEndpoint, "insights.endpoint", QtWarningMsg)

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

// A JSON error body for the automation API (not an Insights route, so not Algolia's wording).
QByteArray apiError(int status, const char* message)
{
    return statusBody(status, QString::fromLatin1(message));
}

// The answer of a route handler, handed over from whatever thread the handler responds on. The handler's
// `respond` and the Request share it, so that a late answer (after the client went away or the endpoint
// stopped) finds no connection and is dropped instead of touching freed memory.
struct HandlerExchange
{
    QMutex mutex;
    MHD_Connection* connection = nullptr; // null once the request completed
    bool responded = false;
};

// One HTTP request from its request line to its answer. MHD owns the connection; this lives in *con_cls
// from the URI callback until MHD reports the request completed.
struct Request
{
    enum class Phase
    {
        Receiving, // headers seen, body (if any) arriving
        Waiting,   // judged, connection suspended until the log commits
        Ready,     // the answer below may be queued
    };
    Phase phase = Phase::Receiving;
    bool begun = false; // the access handler saw the headers (counted in Private::activeRequests)
    QByteArray target;  // the request target as sent (not percent-decoded), query included
    QByteArray path;    // target without the query
    QByteArray query;   // raw query string without '?'
    RouteMatch route;
    std::shared_ptr<EndpointRouteHandler> handler; // an extra route (INTERFACES.md §2) serves it
    std::shared_ptr<HandlerExchange> exchange;     // set while a handler owes the answer
    QByteArray method;
    QByteArray body;
    bool overLimit = false;    // the body passed the limit: the rest is read and dropped, the answer is 413
    bool unauthorized = false; // bad credentials on a push whose body is on its way: read it, drop it, 401
    qint64 dropped = 0;
    bool awaitingCommit = false; // counted in Private::pendingAnswers

    int status = 0;
    QByteArray answer;
    QByteArray answerContentType = kJsonContentType;
    HeaderList answerHeaders;

    // Whether the body is read and kept (pushes and handler routes); others are drained and dropped.
    bool keepsBody() const { return handler || (route.route == Route::Events && method == "POST"); }
};

QByteArray headerValue(MHD_Connection* connection, const char* name)
{
    // MHD compares header names case-insensitively.
    return QByteArray(MHD_lookup_connection_value(connection, MHD_HEADER_KIND, name));
}

bool expectsContinue(MHD_Connection* connection)
{
    return headerValue(connection, MHD_HTTP_HEADER_EXPECT)
               .trimmed()
               .compare("100-continue", Qt::CaseInsensitive) == 0;
}

// Whether the client is sending (or about to send, without waiting for 100 Continue) a body.
bool bodyOnItsWay(MHD_Connection* connection)
{
    return !expectsContinue(connection) &&
           (headerValue(connection, MHD_HTTP_HEADER_CONTENT_LENGTH).toLongLong() > 0 ||
            !headerValue(connection, MHD_HTTP_HEADER_TRANSFER_ENCODING).isEmpty());
}

HeaderList requestHeaders(MHD_Connection* connection)
{
    HeaderList headers;
    MHD_get_connection_values(
        connection, MHD_HEADER_KIND,
        [](void* cls, MHD_ValueKind, const char* key, const char* value) -> MHD_Result {
            static_cast<HeaderList*>(cls)->append(
                {QByteArray(key).toLower(), QByteArray(value ? value : "")});
            return MHD_YES;
        },
        &headers);
    return headers;
}

// The request line and headers as they were on the wire, give or take the line ends' spelling.
qint64 requestHeadBytes(MHD_Connection* connection, const Request& request)
{
    qint64 total = request.method.size() + request.target.size() + 12; // " ", " HTTP/1.1\r\n"
    MHD_get_connection_values(
        connection, MHD_HEADER_KIND,
        [](void* cls, MHD_ValueKind, const char* key, const char* value) -> MHD_Result {
            *static_cast<qint64*>(cls) += static_cast<qint64>(qstrlen(key) + qstrlen(value) + 4);
            return MHD_YES;
        },
        &total);
    return total + 2;
}

HeaderList queryArguments(MHD_Connection* connection)
{
    HeaderList arguments;
    MHD_get_connection_values(
        connection, MHD_GET_ARGUMENT_KIND,
        [](void* cls, MHD_ValueKind, const char* key, const char* value) -> MHD_Result {
            static_cast<HeaderList*>(cls)->append({QByteArray(key), QByteArray(value ? value : "")});
            return MHD_YES;
        },
        &arguments);
    return arguments;
}

// A query parameter whatever its case: search-insights writes X-Algolia-Application-Id, the v5 browser client
// x-algolia-application-id (insights-api.md §1.2).
QByteArray queryValue(const HeaderList& arguments, QByteArrayView name)
{
    for (const auto& [key, value] : arguments) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

struct Credentials
{
    QString appId;
    QString apiKey;
};

Credentials credentialsOf(MHD_Connection* connection, const HeaderList& arguments)
{
    QByteArray appId = headerValue(connection, "x-algolia-application-id");
    QByteArray apiKey = headerValue(connection, "x-algolia-api-key");
    if (appId.isEmpty())
        appId = queryValue(arguments, "x-algolia-application-id");
    if (apiKey.isEmpty())
        apiKey = queryValue(arguments, "x-algolia-api-key");
    return {QString::fromUtf8(appId), QString::fromUtf8(apiKey)};
}

QString remoteAddressOf(MHD_Connection* connection)
{
    const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!info || !info->client_addr)
        return {};
    return QHostAddress(info->client_addr).toString();
}

ConnectionWatchdog::Watch* watchOf(MHD_Connection* connection)
{
    const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? static_cast<ConnectionWatchdog::Watch*>(info->socket_context) : nullptr;
}

QString newRequestId()
{
    const quint64 random = QRandomGenerator::global()->generate64();
    return QString::number(random, 16).rightJustified(16, QLatin1Char('0'));
}

} // namespace

struct EmbeddedEndpoint::Private
{
    EmbeddedEndpoint* q = nullptr;
    EventLog* log = nullptr;
    MHD_Daemon* daemon = nullptr;
    EndpointOptions options;
    quint16 port = 0;
    std::atomic<const CompatibilityProfile*> profile{&CompatibilityProfile::current()};
    std::shared_ptr<const SearchLookup> searches; // set before start(), read without a lock
    EmbeddedEndpoint::EventRelayHook relay;       // the same
    mutable QMutex catalogMutex;
    std::shared_ptr<const QList<std::shared_ptr<const IndexCatalog>>> catalogs =
        std::make_shared<const QList<std::shared_ptr<const IndexCatalog>>>();
    QMutex rateMutex;
    RateLimitWindow rateWindow;
    mutable std::atomic<qint64> requestsAnswered{0};
    std::atomic<qint64> eventsStored{0};
    std::atomic<qint64> eventsAccepted{0};
    mutable std::atomic<qint64> requestsRefused{0};
    // Requests judged but not yet answered: stop() waits for them so that nothing committed goes unanswered.
    std::atomic<int> pendingAnswers{0};
    // Requests begun (headers read) and not yet completed: stop() lets them finish.
    std::atomic<int> activeRequests{0};
    // Set by stop() before its last wait: from then on a push is answered 503 instead of being suspended, so
    // that no connection is left suspended when the daemon stops. Guarded with pendingAnswers' increment.
    QMutex stoppingMutex;
    bool stopping = false;
    // Extra routes (INTERFACES.md §2), asked in order before the endpoint's own; changed only while stopped.
    QList<std::shared_ptr<EndpointRouteHandler>> handlers;

    ConnectionWatchdog watchdog;

    static void* onUri(void* cls, const char* uri, MHD_Connection* connection);
    static void onConnection(void* cls, MHD_Connection* connection, void** socketContext,
                             MHD_ConnectionNotificationCode code);
    static MHD_Result onAccess(void* cls, MHD_Connection* connection, const char* url, const char* method,
                               const char* version, const char* uploadData, size_t* uploadDataSize,
                               void** requestContext);
    static void onCompleted(void* cls, MHD_Connection* connection, void** requestContext,
                            MHD_RequestTerminationCode code);
    static void onLog(void* cls, const char* format, va_list arguments);

    MHD_Result onHeaders(MHD_Connection* connection, Request* request);
    MHD_Result onHandlerHeaders(MHD_Connection* connection, Request* request);
    MHD_Result admitBody(MHD_Connection* connection, Request* request, bool cors);
    MHD_Result handOver(MHD_Connection* connection, Request* request);
    bool tryCorsPreflight(MHD_Connection* connection, Request* request, MHD_Result* result);
    MHD_Result onFullRequest(MHD_Connection* connection, Request* request);
    MHD_Result pushEvents(MHD_Connection* connection, Request* request);
    MHD_Result debuggerFeed(MHD_Connection* connection);
    MHD_Result deleteUserToken(MHD_Connection* connection, const QString& token);
    MHD_Result automationEvents(MHD_Connection* connection, Request* request);
    MHD_Result automationStats(MHD_Connection* connection);

    std::optional<QByteArray> credentialFailure(MHD_Connection* connection,
                                                const HeaderList& arguments) const;
    MHD_Result respond(MHD_Connection* connection, int status, const QByteArray& body, bool cors,
                       const HeaderList& headers = {}, bool announce = true,
                       const QByteArray& contentType = kJsonContentType) const;
    MHD_Result automationGate(MHD_Connection* connection, bool* refused) const;
    // A JSON answer written page by page as the producer makes it (chunked): 11 §5.
    MHD_Result respondStream(MHD_Connection* connection, int status, bool cors,
                             ChunkedAnswer::Producer producer) const;
};

MHD_Result EmbeddedEndpoint::Private::respond(MHD_Connection* connection, int status, const QByteArray& body,
                                              bool cors, const HeaderList& headers, bool announce,
                                              const QByteArray& contentType) const
{
    MHD_Response* response = MHD_create_response_from_buffer(
        static_cast<size_t>(body.size()), const_cast<char*>(body.constData()), MHD_RESPMEM_MUST_COPY);
    if (!response)
        return MHD_NO;
    if (!body.isEmpty() && !contentType.isEmpty())
        MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, contentType.constData());
    if (cors) {
        MHD_add_response_header(response, "Access-Control-Allow-Origin", "*");
        MHD_add_response_header(response, "Access-Control-Expose-Headers",
                                "x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset");
    }
    for (const auto& [name, value] : headers)
        MHD_add_response_header(response, name.constData(), value.constData());
    const MHD_Result result = MHD_queue_response(connection, static_cast<unsigned int>(status), response);
    MHD_destroy_response(response);
    if (announce) {
        ++requestsAnswered;
        if (status >= 400)
            ++requestsRefused;
        emit q->requestHandled(status, 0);
    }
    return result;
}

MHD_Result EmbeddedEndpoint::Private::respondStream(MHD_Connection* connection, int status, bool cors,
                                                    ChunkedAnswer::Producer producer) const
{
    auto* answer = new ChunkedAnswer(std::move(producer));
    MHD_Response* response = MHD_create_response_from_callback(
        MHD_SIZE_UNKNOWN, 64 * 1024,
        [](void* cls, uint64_t, char* buffer, size_t max) -> ssize_t {
            const qsizetype count =
                static_cast<ChunkedAnswer*>(cls)->read(buffer, static_cast<qsizetype>(max));
            // MHD_CONTENT_READER_END_OF_STREAM, spelled without its C cast (-Wold-style-cast).
            return count > 0 ? static_cast<ssize_t>(count) : static_cast<ssize_t>(-1);
        },
        answer, [](void* cls) { delete static_cast<ChunkedAnswer*>(cls); });
    if (!response) {
        delete answer;
        return MHD_NO;
    }
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, kJsonContentType);
    if (cors) {
        MHD_add_response_header(response, "Access-Control-Allow-Origin", "*");
        MHD_add_response_header(response, "Access-Control-Expose-Headers",
                                "x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset");
    }
    const MHD_Result result = MHD_queue_response(connection, static_cast<unsigned int>(status), response);
    MHD_destroy_response(response);
    ++requestsAnswered;
    emit q->requestHandled(status, 0);
    return result;
}

std::optional<QByteArray> EmbeddedEndpoint::Private::credentialFailure(MHD_Connection* connection,
                                                                       const HeaderList& arguments) const
{
    const Credentials credentials = credentialsOf(connection, arguments);
    // Algolia refuses a request without an app ID or key; a configured pair must match exactly.
    if (credentials.appId.isEmpty() || credentials.apiKey.isEmpty())
        return invalidCredentialsBody();
    if (!options.requiredApiKey.isEmpty() &&
        (credentials.appId != options.requiredAppId || credentials.apiKey != options.requiredApiKey))
        return invalidCredentialsBody();
    return std::nullopt;
}

MHD_Result EmbeddedEndpoint::Private::onAccess(void* cls, MHD_Connection* connection, const char* url,
                                               const char* method, const char*, const char* uploadData,
                                               size_t* uploadDataSize, void** requestContext)
{
    auto* d = static_cast<Private*>(cls);
    auto* request = static_cast<Request*>(*requestContext);
    if (!request) { // no URI callback ran (cannot happen with ours; kept so that MHD changes stay safe)
        request = new Request;
        *requestContext = request;
        request->path = QByteArray(url);
    }
    if (!request->begun) {
        request->begun = true;
        ++d->activeRequests;
        ConnectionWatchdog::headersReceived(watchOf(connection));
        request->method = QByteArray(method);
        // libmicrohttpd's own limit is its memory pool (twice ours, see start()): the exact limit and its
        // readable answer are ours.
        if (const qint64 head = requestHeadBytes(connection, *request); head > d->options.maxHeaderBytes)
            return d->respond(connection, 431, headersTooLargeBody(head, d->options.maxHeaderBytes),
                              isInsightsRoute(matchRoute(request->path).route));
        if (const QByteArray transfer =
                headerValue(connection, MHD_HTTP_HEADER_TRANSFER_ENCODING).trimmed().toLower();
            !transfer.isEmpty() && transfer != "chunked")
            return d->respond(connection, 501, unsupportedTransferEncodingBody(transfer),
                              isInsightsRoute(matchRoute(request->path).route));
        // A preflight for a handler's Algolia route is the endpoint's to answer, never the handler's.
        if (MHD_Result result = MHD_YES; d->tryCorsPreflight(connection, request, &result))
            return result;
        for (const auto& handler : d->handlers) {
            if (handler->matches(request->method, request->path)) {
                request->handler = handler;
                return d->onHandlerHeaders(connection, request);
            }
        }
        request->route = matchRoute(request->path);
        return d->onHeaders(connection, request);
    }
    if (*uploadDataSize != 0) {
        const qint64 limit = d->profile.load()->maxBodyBytes;
        const auto size = static_cast<qint64>(*uploadDataSize);
        *uploadDataSize = 0;
        ConnectionWatchdog::bodyReceived(watchOf(connection), size);
        if (!request->keepsBody())
            return MHD_YES;
        if (!request->overLimit && request->body.size() + size > limit) {
            // A chunked body (no Content-Length) passed the limit: stop buffering, read on and answer 413,
            // unless the client goes on far beyond it, then drop the connection.
            request->overLimit = true;
            request->dropped = request->body.size();
            request->body = QByteArray();
        }
        if (request->overLimit || request->unauthorized) {
            request->dropped += size;
            return request->dropped > 8 * limit ? MHD_NO : MHD_YES;
        }
        request->body.append(uploadData, static_cast<qsizetype>(size));
        return MHD_YES;
    }
    return d->onFullRequest(connection, request);
}

void* EmbeddedEndpoint::Private::onUri(void*, const char* uri, MHD_Connection*)
{
    // The request target before MHD percent-decodes it: routes see the path as sent, so that a user token's
    // "%2F" stays inside the token.
    auto* request = new Request;
    request->target = QByteArray(uri);
    const qsizetype question = request->target.indexOf('?');
    request->path = question < 0 ? request->target : request->target.left(question);
    if (question >= 0)
        request->query = request->target.mid(question + 1);
    return request;
}

bool EmbeddedEndpoint::Private::tryCorsPreflight(MHD_Connection* connection, Request* request,
                                                 MHD_Result* result)
{
    // A browser asks before a cross-origin request to a handler's Algolia route: answer for the handler.
    if (request->method != "OPTIONS")
        return false;
    const QByteArray asked = headerValue(connection, "Access-Control-Request-Method").trimmed().toUpper();
    const bool served = std::any_of(handlers.cbegin(), handlers.cend(), [&](const auto& handler) {
        return handler->isAlgoliaRoute() && handler->matches(asked.isEmpty() ? "GET" : asked, request->path);
    });
    if (!served)
        return false;
    const bool privateNetwork = headerValue(connection, "Access-Control-Request-Private-Network") == "true";
    *result = respond(
        connection, 204, {}, false,
        corsPreflightHeaders(headerValue(connection, "Access-Control-Request-Headers"), privateNetwork));
    return true;
}

MHD_Result EmbeddedEndpoint::Private::automationGate(MHD_Connection* connection, bool* refused) const
{
    *refused = true;
    if (!isAllowedAutomationHost(headerValue(connection, "Host"), options.host, port))
        return respond(connection, 403,
                       apiError(403, "Forbidden: the automation API answers loopback hosts only"), false);
    if (!isAllowedAutomationOrigin(headerValue(connection, "Origin")))
        return respond(connection, 403,
                       apiError(403, "Forbidden: the automation API answers pages of loopback origins only"),
                       false);
    *refused = false;
    return MHD_YES;
}

MHD_Result EmbeddedEndpoint::Private::admitBody(MHD_Connection* connection, Request* request, bool cors)
{
    bool ok = false;
    const qint64 declared = headerValue(connection, MHD_HTTP_HEADER_CONTENT_LENGTH).toLongLong(&ok);
    const qint64 limit = profile.load()->maxBodyBytes;
    if (ok && declared > limit) {
        // A client waiting for 100 Continue has not sent the body: refuse it now. Others are already
        // sending: read the body and drop it, so that they get to read the 413 (an early answer and a
        // close would reset their upload), unless the body is absurdly large.
        if (expectsContinue(connection) || declared > 8 * limit)
            return respond(connection, 413, tooLargeBody(), cors);
        request->overLimit = true;
        return MHD_YES;
    }
    if (ok && declared > 0)
        request->body.reserve(static_cast<qsizetype>(declared));
    return MHD_YES;
}

MHD_Result EmbeddedEndpoint::Private::onHandlerHeaders(MHD_Connection* connection, Request* request)
{
    const EndpointRouteHandler& handler = *request->handler;
    const bool cors = handler.isAlgoliaRoute();
    if (handler.isAutomationRoute()) {
        bool refused = false;
        const MHD_Result result = automationGate(connection, &refused);
        if (refused)
            return result;
    }
    if (cors) {
        if (const auto failure = credentialFailure(connection, queryArguments(connection))) {
            // As for pushes: a client already uploading gets to read the 401 after its body is drained.
            if (!bodyOnItsWay(connection))
                return respond(connection, 401, *failure, true);
            request->unauthorized = true;
            return MHD_YES;
        }
    }
    return admitBody(connection, request, cors);
}

MHD_Result EmbeddedEndpoint::Private::handOver(MHD_Connection* connection, Request* request)
{
    const bool cors = request->handler->isAlgoliaRoute();
    if (request->unauthorized)
        return respond(connection, 401, invalidCredentialsBody(), true);
    if (request->overLimit)
        return respond(connection, 413, tooLargeBody(), cors);
    if (const QByteArray encoding = headerValue(connection, MHD_HTTP_HEADER_CONTENT_ENCODING);
        !request->body.isEmpty() && !encoding.trimmed().isEmpty()) {
        DecodedBody decodedBody =
            decodeContentEncoding(encoding, request->body, profile.load()->maxBodyBytes);
        switch (decodedBody.status) {
        case DecodedBody::Status::Ok:
            request->body = std::move(decodedBody.data);
            break;
        case DecodedBody::Status::TooLarge:
            return respond(connection, 413, tooLargeBody(), cors);
        case DecodedBody::Status::Unsupported:
            return respond(connection, kUnsupportedEncodingStatus,
                           unsupportedEncodingBody(decodedBody.coding), cors);
        case DecodedBody::Status::Corrupt:
            return respond(connection, 400,
                           statusBody(400, QStringLiteral("The body is not valid %1 data")
                                               .arg(QString::fromLatin1(decodedBody.coding))),
                           cors);
        }
    }

    EndpointRequest handed;
    handed.method = request->method;
    handed.path = request->path;
    handed.query = request->query;
    handed.headers = requestHeaders(connection);
    handed.body = std::move(request->body);
    handed.remoteAddress = remoteAddressOf(connection);
    handed.requestId = newRequestId();
    request->body = QByteArray();
    {
        QMutexLocker locker(&stoppingMutex);
        if (stopping)
            return respond(connection, 503, statusBody(503, QStringLiteral("The endpoint is stopping")),
                           cors);
        ++pendingAnswers;
    }
    request->awaitingCommit = true;
    request->phase = Request::Phase::Waiting;
    auto exchange = std::make_shared<HandlerExchange>();
    exchange->connection = connection;
    request->exchange = exchange;
    // Suspend before handing over: the handler may respond at once, on this thread or another.
    MHD_suspend_connection(connection);
    request->handler->handle(std::move(handed), [this, request, exchange](EndpointResponse response) {
        QMutexLocker locker(&exchange->mutex);
        if (exchange->responded) {
            qCWarning(lcEndpoint, "a route handler answered twice; the second answer is dropped");
            return;
        }
        exchange->responded = true;
        if (!exchange->connection)
            return; // the request is gone (the endpoint stopped before the handler answered)
        request->status = response.status;
        request->answer = std::move(response.body);
        request->answerContentType = std::move(response.contentType);
        request->answerHeaders = std::move(response.headers);
        request->phase = Request::Phase::Ready;
        ++requestsAnswered;
        emit q->requestHandled(request->status, 0);
        MHD_resume_connection(exchange->connection); // thread-safe
    });
    return MHD_YES;
}

MHD_Result EmbeddedEndpoint::Private::onHeaders(MHD_Connection* connection, Request* request)
{
    const Route route = request->route.route;
    const bool insights = isInsightsRoute(route);
    if (route == Route::NotFound)
        return respond(connection, 404, notFoundBody(), false);
    if (route == Route::DebuggerEvents || route == Route::DebuggerStats) {
        bool refused = false;
        const MHD_Result result = automationGate(connection, &refused);
        if (refused)
            return result;
    }
    if (insights && request->method == "OPTIONS") {
        const bool privateNetwork =
            headerValue(connection, "Access-Control-Request-Private-Network") == "true";
        return respond(
            connection, 204, {}, false,
            corsPreflightHeaders(headerValue(connection, "Access-Control-Request-Headers"), privateNetwork));
    }
    if (route == Route::InsightsUnknown)
        return respond(connection, 404, notFoundBody(), true);
    if (!isMethodAllowed(route, request->method)) {
        HeaderList allow{{"Allow", allowedMethods(route)}};
        return respond(connection, 405, methodNotAllowedBody(), insights, allow);
    }
    if (insights) {
        if (const auto failure = credentialFailure(connection, queryArguments(connection))) {
            // A client already uploading a push must get to read the 401: answering before its body is read
            // and closing would reset the upload, and clients would report a network error instead.
            if (!(request->keepsBody() && bodyOnItsWay(connection)))
                return respond(connection, 401, *failure, true);
            request->unauthorized = true;
            return MHD_YES;
        }
    }
    if (route == Route::Events && request->method == "POST")
        return admitBody(connection, request, true);
    return MHD_YES;
}

MHD_Result EmbeddedEndpoint::Private::onFullRequest(MHD_Connection* connection, Request* request)
{
    if (request->phase == Request::Phase::Ready) {
        const bool cors = !request->handler || request->handler->isAlgoliaRoute();
        return respond(connection, request->status, request->answer, cors, request->answerHeaders, false,
                       request->answerContentType);
    }
    if (request->phase == Request::Phase::Waiting)
        return MHD_YES;                                 // not resumed yet
    ConnectionWatchdog::answering(watchOf(connection)); // the request is whole: no deadline from here
    if (request->handler)
        return handOver(connection, request);
    const Route route = request->route.route;
    if (route == Route::Events && request->method == "POST")
        return pushEvents(connection, request);
    if (route == Route::Events)
        return debuggerFeed(connection);
    if (route == Route::UserToken)
        return deleteUserToken(connection, request->route.userToken);
    if (route == Route::DebuggerEvents)
        return automationEvents(connection, request);
    if (route == Route::DebuggerStats)
        return automationStats(connection);
    return respond(connection, 404, notFoundBody(), false);
}

MHD_Result EmbeddedEndpoint::Private::pushEvents(MHD_Connection* connection, Request* request)
{
    const CompatibilityProfile* rules = profile.load();
    if (request->unauthorized)
        return respond(connection, 401, invalidCredentialsBody(), true);
    if (request->overLimit)
        return respond(connection, 413, tooLargeBody(), true);

    if (const QByteArray encoding = headerValue(connection, MHD_HTTP_HEADER_CONTENT_ENCODING);
        !encoding.trimmed().isEmpty()) {
        DecodedBody decodedBody = decodeContentEncoding(encoding, request->body, rules->maxBodyBytes);
        switch (decodedBody.status) {
        case DecodedBody::Status::Ok:
            request->body = std::move(decodedBody.data);
            break;
        case DecodedBody::Status::TooLarge:
            return respond(connection, 413, tooLargeBody(), true);
        case DecodedBody::Status::Unsupported:
            return respond(connection, kUnsupportedEncodingStatus,
                           unsupportedEncodingBody(decodedBody.coding), true);
        case DecodedBody::Status::Corrupt:
            break; // judged like any undecodable body: 422 "Invalid payload", and logged
        }
    }

    std::shared_ptr<const QList<std::shared_ptr<const IndexCatalog>>> catalogSnapshot;
    {
        QMutexLocker locker(&catalogMutex);
        catalogSnapshot = catalogs;
    }
    ValidationContext context;
    context.profile = rules;
    context.nowMs = QDateTime::currentMSecsSinceEpoch();
    for (const auto& catalog : *catalogSnapshot)
        context.catalogs.append(catalog.get());
    context.searches = searches.get();
    EventViewBatch decoded; // views into the body: no Event built on the ingest path
    const BatchVerdict verdict = Validator::validateBodyViews(request->body, context, decoded);
    if (verdict.httpStatus == 413)
        return respond(connection, 413, tooLargeBody(), true);

    // The request facts every record of this request shares; never the API key.
    const HeaderList arguments = queryArguments(connection);
    RequestFacts facts;
    facts.requestId = newRequestId();
    facts.receivedAtMs = context.nowMs;
    facts.httpStatus = verdict.httpStatus;
    facts.accepted = verdict.accepted();
    facts.message = verdict.message;
    facts.userAgent = QString::fromUtf8(headerValue(connection, MHD_HTTP_HEADER_USER_AGENT));
    QByteArray agent = headerValue(connection, "x-algolia-agent");
    if (agent.isEmpty())
        agent = queryValue(arguments, "x-algolia-agent");
    facts.agent = QString::fromUtf8(agent);
    facts.origin = QString::fromUtf8(headerValue(connection, "Origin"));
    facts.referer = QString::fromUtf8(headerValue(connection, "Referer"));
    facts.remoteAddress = remoteAddressOf(connection);
    facts.appId = credentialsOf(connection, arguments).appId;
    if (headerValue(connection, "x-insights-debugger-sent").trimmed() == "1") {
        // Sent by the app itself to "local": logged once, as sent.
        facts.source = EventSource::Sent;
        facts.target = QStringLiteral("local");
    }
    // Nothing decodable ("Invalid payload", "No events to process") still leaves one record: the debugger
    // shows the request, with the body as received (bounded) and the request's issues.
    QList<LogRecord> records = RecordBuilder::requestRecords(facts, decoded, verdict, request->body);

    {
        QMutexLocker locker(&stoppingMutex);
        if (stopping) // not logged: the client may retry (Algolia's clients retry 5xx)
            return respond(connection, 503, statusBody(503, QStringLiteral("The endpoint is stopping")),
                           true);
        ++pendingAnswers;
    }
    request->status = verdict.httpStatus;
    request->answer = verdict.responseBody();
    request->phase = Request::Phase::Waiting;
    request->awaitingCommit = true;
    request->body = QByteArray();
    // Suspend before appending: the commit callback may resume the connection at once, from the writer
    // thread.
    MHD_suspend_connection(connection);
    const bool announce = q->isSignalConnected(QMetaMethod::fromSignal(&EmbeddedEndpoint::recordsLogged));
    // What the relay forwards once the records are stored: the request's credentials, for this request only.
    Credentials relayCredentials;
    if (relay)
        relayCredentials = credentialsOf(connection, arguments);
    const int eventCount = static_cast<int>(decoded.size());
    const auto storedCount = static_cast<qint64>(records.size());
    const auto acceptedCount = static_cast<qint64>(std::count_if(
        records.cbegin(), records.cend(), [](const LogRecord& record) { return record.accepted; }));
    QList<LogRecord> announced = announce || relay ? records : QList<LogRecord>();
    log->append(std::move(records), [this, connection, request, eventCount, storedCount, acceptedCount,
                                     announced, announce, relayCredentials](bool ok, qint64 firstId, qint64,
                                                                            const QString& error) mutable {
        ++requestsAnswered;
        if (ok) {
            eventsStored += storedCount;
            eventsAccepted += acceptedCount;
        }
        if (!ok) {
            // Never 200 for an event not stored; 503 so that Algolia's clients retry (they retry 5xx), with
            // SQLite's reason for the developer.
            request->status = 503;
            request->answer =
                statusBody(503, QStringLiteral("The event log could not store the events: %1").arg(error));
        } else if (!announced.isEmpty()) {
            for (qsizetype i = 0; i < announced.size(); ++i)
                announced[i].id = firstId + i;
            if (relay && eventCount > 0) // events to forward, not a body that decoded to none
                relay(relayCredentials.appId, relayCredentials.apiKey, announced);
            if (announce)
                emit q->recordsLogged(announced);
        }
        emit q->requestHandled(request->status, eventCount);
        request->phase = Request::Phase::Ready;
        MHD_resume_connection(connection); // thread-safe; `request` is not touched after this
    });
    return MHD_YES;
}

MHD_Result EmbeddedEndpoint::Private::debuggerFeed(MHD_Connection* connection)
{
    const HeaderList arguments = queryArguments(connection);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    qint64 start = 0;
    qint64 end = now;
    if (const QByteArray text = queryValue(arguments, "startDate"); !text.isEmpty()) {
        const auto parsed = parseIsoDate(QString::fromUtf8(text));
        if (!parsed)
            return respond(connection, 400, statusBody(400, QStringLiteral("Invalid startDate")), true);
        start = *parsed;
    }
    if (const QByteArray text = queryValue(arguments, "endDate"); !text.isEmpty()) {
        const auto parsed = parseIsoDate(QString::fromUtf8(text));
        if (!parsed)
            return respond(connection, 400, statusBody(400, QStringLiteral("Invalid endDate")), true);
        end = *parsed;
    }
    int limit = 100;
    if (const QByteArray text = queryValue(arguments, "limit"); !text.isEmpty())
        limit = std::clamp(text.toInt(), 1, 1000);

    return respondStream(connection, 200, true, debuggerFeedProducer(log, start, end, limit));
}

MHD_Result EmbeddedEndpoint::Private::deleteUserToken(MHD_Connection* connection, const QString& token)
{
    if (!Validator::isValidUserToken(token))
        return respond(connection, 422, statusBody(422, Validator::userTokenMessage()), true);
    RateLimitDecision rate;
    {
        QMutexLocker locker(&rateMutex);
        rate = takeRateLimit(rateWindow, QDateTime::currentMSecsSinceEpoch());
    }
    if (!rate.allowed) // the advertised limit is used: refused until the window resets, events kept
        return respond(connection, 429, tooManyRequestsBody(), true, rate.headers);
    log->removeUserToken(token); // blocks until committed; this is an MHD thread, not the writer
    return respond(connection, 204, {}, true, rate.headers);
}

MHD_Result EmbeddedEndpoint::Private::automationEvents(MHD_Connection* connection, Request* request)
{
    const HeaderList arguments = queryArguments(connection);
    const auto text = [&arguments](QByteArrayView name) {
        return QString::fromUtf8(queryValue(arguments, name));
    };
    if (request->method == "DELETE") {
        const QString token = text("userToken");
        const qint64 removed = log->remove(token.isEmpty() ? std::nullopt : std::optional<QString>(token));
        return respond(connection, 200, "{\"deleted\":" + QByteArray::number(removed) + '}', false);
    }
    LogQuery query;
    const QString status = text("status");
    if (status == QLatin1String("accepted"))
        query.accepted = true;
    else if (status == QLatin1String("rejected"))
        query.accepted = false;
    else if (!status.isEmpty())
        return respond(connection, 400, apiError(400, "status must be accepted or rejected"), false);
    query.userToken = text("userToken");
    query.eventType = text("eventType");
    query.eventName = text("eventName");
    query.index = text("index");
    query.sinceId = text("since").toLongLong();
    query.limit = 1000;
    if (const QString limit = text("limit"); !limit.isEmpty())
        query.limit = std::clamp(limit.toInt(), 1, 10000);
    return respondStream(connection, 200, false, automationEventsProducer(log, query));
}

MHD_Result EmbeddedEndpoint::Private::automationStats(MHD_Connection* connection)
{
    return respond(connection, 200, statsJson(log->stats(), log->lastId()), false);
}

void EmbeddedEndpoint::Private::onConnection(void* cls, MHD_Connection* connection, void** socketContext,
                                             MHD_ConnectionNotificationCode code)
{
    auto* d = static_cast<Private*>(cls);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const MHD_ConnectionInfo* info =
            MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socketContext = d->watchdog.add(info ? info->connect_fd : -1);
    } else {
        // Called before libmicrohttpd closes the socket: the watchdog forgets it first.
        d->watchdog.remove(static_cast<ConnectionWatchdog::Watch*>(*socketContext));
        *socketContext = nullptr;
    }
}

void EmbeddedEndpoint::Private::onCompleted(void* cls, MHD_Connection* connection, void** requestContext,
                                            MHD_RequestTerminationCode)
{
    auto* d = static_cast<Private*>(cls);
    d->watchdog.requestFinished(watchOf(connection));
    auto* request = static_cast<Request*>(*requestContext);
    if (!request)
        return;
    if (request->exchange) {
        QMutexLocker locker(&request->exchange->mutex);
        request->exchange->connection = nullptr;
    }
    if (request->awaitingCommit)
        --d->pendingAnswers;
    if (request->begun)
        --d->activeRequests;
    delete request;
    *requestContext = nullptr;
}

void EmbeddedEndpoint::Private::onLog(void*, const char* format, va_list arguments)
{
    char text[512];
    std::vsnprintf(text, sizeof text, format, arguments);
    qCDebug(lcEndpoint, "libmicrohttpd: %s", text);
}

EmbeddedEndpoint::EmbeddedEndpoint(EventLog* log, QObject* parent)
    : QObject(parent)
    , d(std::make_unique<Private>())
{
    d->q = this;
    d->log = log;
}

EmbeddedEndpoint::~EmbeddedEndpoint()
{
    stop();
}

std::optional<QString> EmbeddedEndpoint::start(const EndpointOptions& options)
{
    if (d->daemon)
        return QStringLiteral("the endpoint is already listening on %1").arg(baseUrl());
    if (!d->log)
        return QStringLiteral("no event log");
    const CompatibilityProfile* rules = CompatibilityProfile::byName(options.profileName);
    if (!rules)
        return QStringLiteral("unknown compatibility profile '%1' (known: %2)")
            .arg(options.profileName, CompatibilityProfile::names().join(QLatin1String(", ")));
    d->profile = rules;

    QHostAddress address(options.host);
    if (address.isNull() && options.host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        address = QHostAddress(QHostAddress::LocalHost);
    if (address.isNull())
        return QStringLiteral("'%1' is not an IP address to listen on").arg(options.host);

    sockaddr_in v4{};
    sockaddr_in6 v6{};
    const sockaddr* socketAddress = nullptr;
    unsigned int flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (address.protocol() == QAbstractSocket::IPv6Protocol) {
        v6.sin6_family = AF_INET6;
        v6.sin6_port = htons(options.port);
        const Q_IPV6ADDR raw = address.toIPv6Address();
        std::copy(std::begin(raw.c), std::end(raw.c), v6.sin6_addr.s6_addr);
        socketAddress = reinterpret_cast<const sockaddr*>(&v6);
        flags |= MHD_USE_IPv6;
    } else {
        v4.sin_family = AF_INET;
        v4.sin_port = htons(options.port);
        v4.sin_addr.s_addr = htonl(address.toIPv4Address());
        socketAddress = reinterpret_cast<const sockaddr*>(&v4);
    }
    const unsigned int threads =
        options.threads > 0 ? static_cast<unsigned int>(options.threads)
                            : static_cast<unsigned int>(std::clamp(QThread::idealThreadCount(), 1, 4));
    d->options = options;
    {
        QMutexLocker locker(&d->stoppingMutex);
        d->stopping = false;
    }
    // MHD keeps the request line and headers in the connection's memory pool, with its read buffer (which
    // grows by doubling) and the answer: at least twice the header limit plus room for those, so that every
    // request within our limit reaches the access handler, which enforces the limit exactly (431 with a JSON
    // body). Only heads too big for the pool get MHD's own 431 (an HTML body).
    // 512 KB by default: libmicrohttpd maps the pool lazily, so a connection costs what it uses.
    const auto memoryLimit =
        static_cast<size_t>(std::max(std::max(options.maxHeaderBytes, 4096) * 2 + 64 * 1024, 512 * 1024));
    // An option array, so that the thread pool option is passed only when there is a pool.
    QList<MHD_OptionItem> items{
        {MHD_OPTION_SOCK_ADDR, 0, const_cast<sockaddr*>(socketAddress)},
        {MHD_OPTION_CONNECTION_LIMIT, std::max(options.connectionLimit, 1), nullptr},
        {MHD_OPTION_CONNECTION_TIMEOUT, std::max(options.idleTimeoutSeconds, 1), nullptr},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<intptr_t>(memoryLimit), nullptr},
        // Strict: a request MHD cannot read unambiguously (no Host in HTTP/1.1, bad header lines) gets 400.
        {MHD_OPTION_STRICT_FOR_CLIENT, 1, nullptr},
        {MHD_OPTION_NOTIFY_COMPLETED, reinterpret_cast<intptr_t>(&Private::onCompleted), d.get()},
        {MHD_OPTION_URI_LOG_CALLBACK, reinterpret_cast<intptr_t>(&Private::onUri), d.get()},
        {MHD_OPTION_NOTIFY_CONNECTION, reinterpret_cast<intptr_t>(&Private::onConnection), d.get()},
        // 11 §4: one address (a slowloris, a runaway script) cannot take every slot.
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT,
         std::clamp(options.perAddressConnectionLimit, 1, std::max(options.connectionLimit, 1)), nullptr},
        {MHD_OPTION_EXTERNAL_LOGGER, reinterpret_cast<intptr_t>(&Private::onLog), d.get()},
    };
    if (threads > 1)
        items.append({MHD_OPTION_THREAD_POOL_SIZE, static_cast<intptr_t>(threads), nullptr});
    items.append({MHD_OPTION_END, 0, nullptr});
    WatchdogLimits limits;
    limits.headerTimeoutMs = std::max(options.headerTimeoutSeconds, 1) * 1000;
    limits.idleTimeoutMs = std::max(options.idleTimeoutSeconds, 1) * 1000;
    limits.minBodyBytesPerSecond = std::max<qint64>(options.minBodyBytesPerSecond, 0);
    d->watchdog.start(limits);
    d->daemon = MHD_start_daemon(flags, options.port, nullptr, nullptr, &Private::onAccess, d.get(),
                                 MHD_OPTION_ARRAY, items.data(), MHD_OPTION_END);
    if (!d->daemon)
        d->watchdog.stop();
    if (!d->daemon)
        return QStringLiteral("cannot listen on %1:%2 (address in use or not available)")
            .arg(options.host)
            .arg(options.port);
    const MHD_DaemonInfo* info = MHD_get_daemon_info(d->daemon, MHD_DAEMON_INFO_BIND_PORT);
    d->port = info ? info->port : options.port;
    return std::nullopt;
}

void EmbeddedEndpoint::stop()
{
    if (!d->daemon)
        return;
    const MHD_socket listener = MHD_quiesce_daemon(d->daemon);
    // No new connections from here. Let requests already begun finish (bounded: a stalled client does not
    // hold us up), then let every judged request commit and get its answer before the connections close.
    QDeadlineTimer finished(2'000);
    while (d->activeRequests.load() > 0 && !finished.hasExpired())
        QThread::msleep(2);
    {
        QMutexLocker locker(&d->stoppingMutex);
        d->stopping = true;
    }
    // Every push judged before the gate closed is now counted: wait for its commit and its answer.
    if (d->log)
        d->log->flush();
    QDeadlineTimer answered(10'000);
    while (d->pendingAnswers.load() > 0 && !answered.hasExpired())
        QThread::msleep(2);
    MHD_stop_daemon(d->daemon);
    if (listener != MHD_INVALID_SOCKET)
        ::close(listener);
    d->daemon = nullptr;
    d->watchdog.stop();
}

EndpointCounters EmbeddedEndpoint::counters() const
{
    EndpointCounters counters;
    counters.requests = d->requestsAnswered.load();
    counters.events = d->eventsStored.load();
    counters.accepted = d->eventsAccepted.load();
    counters.rejected = counters.events - counters.accepted;
    counters.refusedRequests = d->requestsRefused.load();
    return counters;
}

bool EmbeddedEndpoint::isListening() const
{
    return d->daemon != nullptr;
}

quint16 EmbeddedEndpoint::port() const
{
    return d->port;
}

QString EmbeddedEndpoint::baseUrl() const
{
    const QHostAddress address(d->options.host);
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
                             ? QLatin1Char('[') + d->options.host + QLatin1Char(']')
                             : d->options.host;
    return QStringLiteral("http://%1:%2").arg(host).arg(d->port);
}

void EmbeddedEndpoint::setCatalogs(QList<std::shared_ptr<const IndexCatalog>> catalogs)
{
    auto snapshot = std::make_shared<const QList<std::shared_ptr<const IndexCatalog>>>(std::move(catalogs));
    QMutexLocker locker(&d->catalogMutex);
    d->catalogs = std::move(snapshot);
}

void EmbeddedEndpoint::setEventRelay(EventRelayHook relay)
{
    d->relay = std::move(relay);
}

void EmbeddedEndpoint::setSearchLookup(std::shared_ptr<const SearchLookup> searches)
{
    Q_ASSERT(!d->daemon);
    if (!d->daemon)
        d->searches = std::move(searches);
}

void EmbeddedEndpoint::addRouteHandler(std::shared_ptr<EndpointRouteHandler> handler)
{
    Q_ASSERT(!d->daemon); // the list is read without a lock by the endpoint's threads
    if (handler && !d->daemon)
        d->handlers.append(std::move(handler));
}

void EmbeddedEndpoint::setProfile(const QString& profileName)
{
    if (const CompatibilityProfile* rules = CompatibilityProfile::byName(profileName))
        d->profile = rules;
}
