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

// An answer given later, from another thread, to a suspended connection: a route handler's, or a refusal's
// once its log record is committed (or its wait is over). Whoever answers and the Request share it, so that
// a late answer (after the client went away or the endpoint stopped) finds no connection and is dropped
// instead of touching freed memory, and a second one (the refusal's deadline after its commit) does nothing.
struct AnswerExchange
{
    QMutex mutex;
    MHD_Connection* connection = nullptr; // null once the request completed
    bool responded = false;
};

// A request refused before any event was judged: the answer, and why, for its log record (kind Request).
struct Refusal
{
    int status = 400;
    QByteArray body; // the answer: Algolia's exact body where it defines one (its message is the record's)
    bool cors = false;
    HeaderList headers;
    QString code;  // the issue's code, e.g. "request.missingCredentials"
    QString field; // the header or parameter at fault, "" for the request as a whole
    QString why;   // the issue's message: what was wrong and how to fix it
};

// How long a refused request's answer waits for its record's commit: long enough that a client reading the
// automation API right after its 401 finds the record, short enough that a slow log never holds a client
// (a refusal acknowledges nothing, so answering before the commit breaks no promise).
constexpr int kRefusalLogWaitMs = 2'000;

Refusal bodyTooLarge(bool cors, qint64 bytes, qint64 limit)
{
    return {413,
            tooLargeBody(),
            cors,
            {},
            QStringLiteral("request.bodyTooLarge"),
            QString(),
            QStringLiteral("The body is %1 bytes; Algolia accepts bodies smaller than %2 bytes (at most 1000 "
                           "events): send them in smaller batches")
                .arg(bytes)
                .arg(limit)};
}

Refusal decodedTooLarge(bool cors, qint64 limit)
{
    return {413,
            tooLargeBody(),
            cors,
            {},
            QStringLiteral("request.bodyTooLarge"),
            QStringLiteral("content-encoding"),
            QStringLiteral("The body, once decoded, is over %1 bytes: Algolia's limit applies to the decoded "
                           "body")
                .arg(limit)};
}

Refusal unsupportedEncoding(bool cors, const QByteArray& coding)
{
    return {kUnsupportedEncodingStatus,
            unsupportedEncodingBody(coding),
            cors,
            {},
            QStringLiteral("request.unsupportedContentEncoding"),
            QStringLiteral("content-encoding"),
            QString()};
}

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
    std::shared_ptr<AnswerExchange> exchange;      // set while a handler or a refusal's log owes the answer
    QByteArray method;
    QByteArray body;
    bool overLimit = false; // the body passed the limit: the rest is read and dropped, the answer is 413
    // Bad credentials on a request whose body is on its way: the body is read and dropped (its start kept for
    // the log), then this is answered, so that the client reads the 401 instead of a reset upload.
    std::optional<Refusal> refusalAfterBody;
    qint64 dropped = 0;
    bool awaitingCommit = false; // counted in Private::pendingAnswers

    int status = 0;
    QByteArray answer;
    QByteArray answerContentType = kJsonContentType;
    HeaderList answerHeaders;
    bool answerCors = true;

    // Whether the body is read and kept (pushes and handler routes); others are drained and dropped.
    bool keepsBody() const { return handler || (route.route == Route::Events && method == "POST"); }
};

// Algolia's 404 for a path that is no route, with the hint of a near-miss ("//1/events": the client's host
// ends with '/') or the list of what the endpoint serves.
Refusal unknownPath(const Request& request)
{
    const QString line = QString::fromUtf8(request.method + ' ' + request.path);
    if (const auto& hint = request.route.hint)
        return {404, notFoundBody(), true, {}, hint->code, QString(), hint->message};
    return {404,
            notFoundBody(),
            false,
            {},
            QStringLiteral("request.unknownPath"),
            QString(),
            QStringLiteral("No route %1: this endpoint serves the Insights API (/1/events, "
                           "/1/usertokens/{userToken}), searches (/1/indexes/..., when search is on) and the "
                           "automation API (/debugger/...)")
                .arg(line)};
}

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

// The name and size of the largest header line: what to trim when the head is over the limit.
QPair<QByteArray, qint64> largestHeader(MHD_Connection* connection)
{
    QPair<QByteArray, qint64> largest;
    MHD_get_connection_values(
        connection, MHD_HEADER_KIND,
        [](void* cls, MHD_ValueKind, const char* key, const char* value) -> MHD_Result {
            auto* found = static_cast<QPair<QByteArray, qint64>*>(cls);
            const auto bytes = static_cast<qint64>(qstrlen(key) + qstrlen(value) + 4);
            if (bytes > found->second)
                *found = {QByteArray(key).toLower(), bytes};
            return MHD_YES;
        },
        &largest);
    return largest;
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
    MHD_Result debuggerFeed(MHD_Connection* connection, Request* request);
    MHD_Result deleteUserToken(MHD_Connection* connection, Request* request);
    MHD_Result automationEvents(MHD_Connection* connection, Request* request);
    MHD_Result automationStats(MHD_Connection* connection);

    // Why the request's credentials are refused (401 "Invalid credentials"), or nullopt when they pass.
    std::optional<Refusal> credentialRefusal(MHD_Connection* connection, const HeaderList& arguments) const;
    MHD_Result respond(MHD_Connection* connection, int status, const QByteArray& body, bool cors,
                       const HeaderList& headers = {}, bool announce = true,
                       const QByteArray& contentType = kJsonContentType) const;
    // Answers a request refused before any event was judged and logs it as a record of kind Request
    // (RecordBuilder::refusedRequestRecord): the answer goes once the record is committed, or after
    // kRefusalLogWaitMs. Not for 429 (counted, not logged row by row) nor 5xx (nothing was refused).
    MHD_Result refuse(MHD_Connection* connection, Request* request, Refusal refusal);
    // The facts every record of the request shares (never the API key).
    RequestFacts requestFacts(MHD_Connection* connection, const Request& request, int status,
                              const QString& message) const;
    // The automation API's Host and Origin checks: a refusal (403) when the request fails them.
    std::optional<Refusal> automationRefusal(MHD_Connection* connection) const;
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
            // MHD_CONTENT_READER_END_OF_STREAM (-1) and MHD_CONTENT_READER_END_WITH_ERROR (-2, the answer is
            // cut off without its last chunk), spelled without their C casts (-Wold-style-cast).
            if (count < 0)
                return static_cast<ssize_t>(-2);
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

std::optional<Refusal> EmbeddedEndpoint::Private::credentialRefusal(MHD_Connection* connection,
                                                                    const HeaderList& arguments) const
{
    const Credentials credentials = credentialsOf(connection, arguments);
    const auto refusal = [](const char* code, const char* field, const QString& why) {
        return Refusal{401, invalidCredentialsBody(),  true,
                       {},  QString::fromLatin1(code), QString::fromLatin1(field),
                       why};
    };
    // Algolia refuses a request without an app ID or key; a configured pair must match exactly.
    if (credentials.appId.isEmpty())
        return refusal("request.missingCredentials", "x-algolia-application-id",
                       QStringLiteral("No application ID: send the x-algolia-application-id header (or query "
                                      "parameter) with the API key"));
    if (credentials.apiKey.isEmpty())
        return refusal("request.missingCredentials", "x-algolia-api-key",
                       QStringLiteral("No API key: send the x-algolia-api-key header (or query parameter); "
                                      "Algolia refuses a request without one"));
    if (options.requiredApiKey.isEmpty())
        return std::nullopt;
    if (credentials.appId != options.requiredAppId)
        return refusal("request.invalidCredentials", "x-algolia-application-id",
                       QStringLiteral("The application ID %1 is not the one this endpoint requires (%2)")
                           .arg(credentials.appId, options.requiredAppId));
    if (credentials.apiKey != options.requiredApiKey)
        return refusal("request.invalidCredentials", "x-algolia-api-key",
                       QStringLiteral("The API key is not the one this endpoint requires for %1 (the "
                                      "settings, or serve --api-key-file)")
                           .arg(options.requiredAppId));
    return std::nullopt;
}

RequestFacts EmbeddedEndpoint::Private::requestFacts(MHD_Connection* connection, const Request& request,
                                                     int status, const QString& message) const
{
    const HeaderList arguments = queryArguments(connection);
    RequestFacts facts;
    facts.requestId = newRequestId();
    facts.receivedAtMs = QDateTime::currentMSecsSinceEpoch();
    facts.httpStatus = status;
    facts.accepted = status == 200;
    facts.message = message;
    facts.userAgent = QString::fromUtf8(headerValue(connection, MHD_HTTP_HEADER_USER_AGENT));
    QByteArray agent = headerValue(connection, "x-algolia-agent");
    if (agent.isEmpty())
        agent = queryValue(arguments, "x-algolia-agent");
    facts.agent = QString::fromUtf8(agent);
    facts.origin = QString::fromUtf8(headerValue(connection, "Origin"));
    facts.referer = QString::fromUtf8(headerValue(connection, "Referer"));
    facts.remoteAddress = remoteAddressOf(connection);
    facts.appId = credentialsOf(connection, arguments).appId;
    facts.method = QString::fromUtf8(request.method);
    facts.path = QString::fromUtf8(request.path);
    if (headerValue(connection, "x-insights-debugger-sent").trimmed() == "1") {
        // Sent by the app itself to "local": logged once, as sent.
        facts.source = EventSource::Sent;
        facts.target = QStringLiteral("local");
    }
    return facts;
}

MHD_Result EmbeddedEndpoint::Private::refuse(MHD_Connection* connection, Request* request, Refusal refusal)
{
    const QString message = messageOf(refusal.body);
    RequestFacts facts = requestFacts(connection, *request, refusal.status, message);
    RawRequest raw = RecordBuilder::rawRequest(request->method, request->target, requestHeaders(connection),
                                               request->body);
    raw.bodyTruncated = raw.bodyTruncated || request->dropped > raw.body.size(); // only its start was kept
    facts.rawRequest = std::make_shared<const RawRequest>(std::move(raw));
    QList<LogRecord> records{RecordBuilder::refusedRequestRecord(
        facts, request->body,
        RecordBuilder::requestIssue(refusal.code, refusal.field,
                                    refusal.why.isEmpty() ? message : refusal.why))};
    request->body = QByteArray();
    ++requestsAnswered;
    ++requestsRefused;
    emit q->requestHandled(refusal.status, 0);
    const bool announce = q->isSignalConnected(QMetaMethod::fromSignal(&EmbeddedEndpoint::recordsLogged));
    {
        QMutexLocker locker(&stoppingMutex);
        if (stopping) { // nothing is suspended any more: answered at once, logged without waiting
            log->append(std::move(records));
            return respond(connection, refusal.status, refusal.body, refusal.cors, refusal.headers, false);
        }
        ++pendingAnswers;
    }
    request->status = refusal.status;
    request->answer = std::move(refusal.body);
    request->answerHeaders = std::move(refusal.headers);
    request->answerCors = refusal.cors;
    request->phase = Request::Phase::Waiting;
    request->awaitingCommit = true;
    auto exchange = std::make_shared<AnswerExchange>();
    exchange->connection = connection;
    request->exchange = exchange;
    ConnectionWatchdog::answering(watchOf(connection));
    // Suspend before appending: the commit (or the deadline) may resume the connection at once.
    MHD_suspend_connection(connection);
    const auto release = [request, exchange] {
        QMutexLocker locker(&exchange->mutex);
        if (exchange->responded || !exchange->connection)
            return; // answered already (commit, then deadline), or the request is gone
        exchange->responded = true;
        request->phase = Request::Phase::Ready;
        MHD_resume_connection(exchange->connection); // thread-safe; `request` is not touched after this
    };
    watchdog.after(kRefusalLogWaitMs, release);
    QList<LogRecord> announced = announce ? records : QList<LogRecord>();
    log->append(std::move(records),
                [this, release, announced](bool ok, qint64 firstId, qint64, const QString&) mutable {
                    if (ok && !announced.isEmpty()) {
                        announced[0].id = firstId;
                        emit q->recordsLogged(announced);
                    }
                    release();
                });
    return MHD_YES;
}

std::optional<Refusal> EmbeddedEndpoint::Private::automationRefusal(MHD_Connection* connection) const
{
    const QByteArray host = headerValue(connection, "Host");
    if (!isAllowedAutomationHost(host, options.host, port))
        return Refusal{403,
                       apiError(403, "Forbidden: the automation API answers loopback hosts only"),
                       false,
                       {},
                       QStringLiteral("request.automationHost"),
                       QStringLiteral("host"),
                       QStringLiteral("The automation API answers requests whose Host names the loopback "
                                      "address or name it listens on, with its port (got '%1')")
                           .arg(QString::fromUtf8(host))};
    const QByteArray origin = headerValue(connection, "Origin");
    if (!isAllowedAutomationOrigin(origin))
        return Refusal{403,
                       apiError(403, "Forbidden: the automation API answers pages of loopback origins only"),
                       false,
                       {},
                       QStringLiteral("request.automationOrigin"),
                       QStringLiteral("origin"),
                       QStringLiteral("The automation API refuses pages of other sites (Origin '%1'): only "
                                      "pages on localhost or a loopback address may call it")
                           .arg(QString::fromUtf8(origin))};
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
        if (const qint64 head = requestHeadBytes(connection, *request); head > d->options.maxHeaderBytes) {
            const auto [name, bytes] = largestHeader(connection);
            return d->refuse(
                connection, request,
                {431,
                 headersTooLargeBody(head, d->options.maxHeaderBytes),
                 isInsightsRoute(matchRoute(request->path).route),
                 {},
                 QStringLiteral("request.headersTooLarge"),
                 QString::fromLatin1(name),
                 QStringLiteral("%1 bytes of request line and headers, over the endpoint's %2; the largest "
                                "header is %3 (%4 bytes). Browsers send every cookie of the endpoint's "
                                "host: clear some")
                     .arg(head)
                     .arg(d->options.maxHeaderBytes)
                     .arg(QString::fromLatin1(name))
                     .arg(bytes)});
        }
        if (const QByteArray transfer =
                headerValue(connection, MHD_HTTP_HEADER_TRANSFER_ENCODING).trimmed().toLower();
            !transfer.isEmpty() && transfer != "chunked")
            return d->refuse(connection, request,
                             {501,
                              unsupportedTransferEncodingBody(transfer),
                              isInsightsRoute(matchRoute(request->path).route),
                              {},
                              QStringLiteral("request.unsupportedTransferEncoding"),
                              QStringLiteral("transfer-encoding"),
                              QString()});
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
            request->body.truncate(RecordBuilder::kRequestBodyKept);
            request->body.squeeze();
        }
        if (request->overLimit || request->refusalAfterBody) {
            request->dropped += size;
            // Only the start is kept, for the refusal's log record.
            if (const qsizetype room = RecordBuilder::kRequestBodyKept - request->body.size(); room > 0)
                request->body.append(uploadData, std::min(room, static_cast<qsizetype>(size)));
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
            return refuse(connection, request, bodyTooLarge(cors, declared, limit));
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
        if (auto refusal = automationRefusal(connection))
            return refuse(connection, request, std::move(*refusal));
    }
    if (cors) {
        if (auto refusal = credentialRefusal(connection, queryArguments(connection))) {
            // As for pushes: a client already uploading gets to read the 401 after its body is drained.
            if (!bodyOnItsWay(connection))
                return refuse(connection, request, std::move(*refusal));
            request->refusalAfterBody = std::move(refusal);
            return MHD_YES;
        }
    }
    return admitBody(connection, request, cors);
}

MHD_Result EmbeddedEndpoint::Private::handOver(MHD_Connection* connection, Request* request)
{
    const bool cors = request->handler->isAlgoliaRoute();
    if (request->refusalAfterBody)
        return refuse(connection, request, std::move(*request->refusalAfterBody));
    if (request->overLimit)
        return refuse(connection, request,
                      bodyTooLarge(cors, request->dropped, profile.load()->maxBodyBytes));
    if (const QByteArray encoding = headerValue(connection, MHD_HTTP_HEADER_CONTENT_ENCODING);
        !request->body.isEmpty() && !encoding.trimmed().isEmpty()) {
        DecodedBody decodedBody =
            decodeContentEncoding(encoding, request->body, profile.load()->maxBodyBytes);
        switch (decodedBody.status) {
        case DecodedBody::Status::Ok:
            request->body = std::move(decodedBody.data);
            break;
        case DecodedBody::Status::TooLarge:
            return refuse(connection, request, decodedTooLarge(cors, profile.load()->maxBodyBytes));
        case DecodedBody::Status::Unsupported:
            return refuse(connection, request, unsupportedEncoding(cors, decodedBody.coding));
        case DecodedBody::Status::Corrupt:
            return refuse(connection, request,
                          {400,
                           statusBody(400, QStringLiteral("The body is not valid %1 data")
                                               .arg(QString::fromLatin1(decodedBody.coding))),
                           cors,
                           {},
                           QStringLiteral("request.corruptContentEncoding"),
                           QStringLiteral("content-encoding"),
                           QString()});
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
    auto exchange = std::make_shared<AnswerExchange>();
    exchange->connection = connection;
    request->exchange = exchange;
    // Suspend before handing over: the handler may respond at once, on this thread or another.
    MHD_suspend_connection(connection);
    request->handler->handle(std::move(handed), [this, request, exchange, cors](EndpointResponse response) {
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
        request->answerCors = cors;
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
        return refuse(connection, request, unknownPath(*request));
    if (route == Route::DebuggerEvents || route == Route::DebuggerStats) {
        if (auto refusal = automationRefusal(connection))
            return refuse(connection, request, std::move(*refusal));
    }
    if (insights && request->method == "OPTIONS") {
        const bool privateNetwork =
            headerValue(connection, "Access-Control-Request-Private-Network") == "true";
        return respond(
            connection, 204, {}, false,
            corsPreflightHeaders(headerValue(connection, "Access-Control-Request-Headers"), privateNetwork));
    }
    if (route == Route::InsightsUnknown)
        return refuse(connection, request, unknownPath(*request));
    if (!isMethodAllowed(route, request->method)) {
        const QByteArray allowed = allowedMethods(route);
        return refuse(connection, request,
                      {405, methodNotAllowedBody(), insights, HeaderList{{"Allow", allowed}},
                       QStringLiteral("request.methodNotAllowed"), QString(),
                       QStringLiteral("%1 %2: this route answers %3")
                           .arg(QString::fromUtf8(request->method), QString::fromUtf8(request->path),
                                QString::fromLatin1(allowed))});
    }
    if (insights) {
        if (auto refusal = credentialRefusal(connection, queryArguments(connection))) {
            // A client already uploading a push must get to read the 401: answering before its body is read
            // and closing would reset the upload, and clients would report a network error instead.
            if (!(request->keepsBody() && bodyOnItsWay(connection)))
                return refuse(connection, request, std::move(*refusal));
            request->refusalAfterBody = std::move(refusal);
            return MHD_YES;
        }
    }
    if (route == Route::Events && request->method == "POST")
        return admitBody(connection, request, true);
    return MHD_YES;
}

MHD_Result EmbeddedEndpoint::Private::onFullRequest(MHD_Connection* connection, Request* request)
{
    if (request->phase == Request::Phase::Ready)
        return respond(connection, request->status, request->answer, request->answerCors,
                       request->answerHeaders, false, request->answerContentType);
    if (request->phase == Request::Phase::Waiting)
        return MHD_YES;                                 // not resumed yet
    ConnectionWatchdog::answering(watchOf(connection)); // the request is whole: no deadline from here
    if (request->handler)
        return handOver(connection, request);
    const Route route = request->route.route;
    if (route == Route::Events && request->method == "POST")
        return pushEvents(connection, request);
    if (route == Route::Events)
        return debuggerFeed(connection, request);
    if (route == Route::UserToken)
        return deleteUserToken(connection, request);
    if (route == Route::DebuggerEvents)
        return automationEvents(connection, request);
    if (route == Route::DebuggerStats)
        return automationStats(connection);
    return refuse(connection, request, unknownPath(*request));
}

MHD_Result EmbeddedEndpoint::Private::pushEvents(MHD_Connection* connection, Request* request)
{
    const CompatibilityProfile* rules = profile.load();
    if (request->refusalAfterBody)
        return refuse(connection, request, std::move(*request->refusalAfterBody));
    if (request->overLimit)
        return refuse(connection, request, bodyTooLarge(true, request->dropped, rules->maxBodyBytes));

    if (const QByteArray encoding = headerValue(connection, MHD_HTTP_HEADER_CONTENT_ENCODING);
        !encoding.trimmed().isEmpty()) {
        DecodedBody decodedBody = decodeContentEncoding(encoding, request->body, rules->maxBodyBytes);
        switch (decodedBody.status) {
        case DecodedBody::Status::Ok:
            request->body = std::move(decodedBody.data);
            break;
        case DecodedBody::Status::TooLarge:
            return refuse(connection, request, decodedTooLarge(true, rules->maxBodyBytes));
        case DecodedBody::Status::Unsupported:
            return refuse(connection, request, unsupportedEncoding(true, decodedBody.coding));
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
        return refuse(connection, request, bodyTooLarge(true, request->body.size(), rules->maxBodyBytes));

    // The request facts every record of this request shares; never the API key.
    RequestFacts facts = requestFacts(connection, *request, verdict.httpStatus, verdict.message);
    facts.receivedAtMs = context.nowMs;
    facts.accepted = verdict.accepted();
    // Nothing decodable ("Invalid payload", "No events to process") still leaves one record, of kind
    // Request: the debugger shows the request as received (bounded, the key masked) and the request's issues.
    if (decoded.size() == 0)
        facts.rawRequest = std::make_shared<const RawRequest>(RecordBuilder::rawRequest(
            request->method, request->target, requestHeaders(connection), request->body));
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
        relayCredentials = credentialsOf(connection, queryArguments(connection));
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

MHD_Result EmbeddedEndpoint::Private::debuggerFeed(MHD_Connection* connection, Request* request)
{
    const HeaderList arguments = queryArguments(connection);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    qint64 bounds[2] = {0, now};
    const char* names[2] = {"startDate", "endDate"};
    for (int i = 0; i < 2; ++i) {
        const QByteArray text = queryValue(arguments, names[i]);
        if (text.isEmpty())
            continue;
        const auto parsed = parseIsoDate(QString::fromUtf8(text));
        if (!parsed)
            return refuse(connection, request,
                          {400,
                           statusBody(400, QStringLiteral("Invalid %1").arg(QLatin1String(names[i]))),
                           true,
                           {},
                           QStringLiteral("request.invalidDate"),
                           QLatin1String(names[i]),
                           QStringLiteral("%1 '%2' is not a date as the feed reads them "
                                          "(2006-01-02T15:04:05.000Z)")
                               .arg(QLatin1String(names[i]), QString::fromUtf8(text))});
        bounds[i] = *parsed;
    }
    int limit = 100;
    if (const QByteArray text = queryValue(arguments, "limit"); !text.isEmpty())
        limit = std::clamp(text.toInt(), 1, 1000);

    QString error;
    ChunkedAnswer::Producer producer = debuggerFeedProducer(log, bounds[0], bounds[1], limit, &error);
    if (!producer)
        return respond(connection, 500,
                       statusBody(500, QStringLiteral("The event log could not be read: %1").arg(error)),
                       true);
    return respondStream(connection, 200, true, std::move(producer));
}

MHD_Result EmbeddedEndpoint::Private::deleteUserToken(MHD_Connection* connection, Request* request)
{
    const QString& token = request->route.userToken;
    if (!Validator::isValidUserToken(token))
        return refuse(connection, request,
                      {422,
                       statusBody(422, Validator::userTokenMessage()),
                       true,
                       {},
                       QStringLiteral("request.invalidUserToken"),
                       QStringLiteral("userToken"),
                       QString()});
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
        return refuse(connection, request,
                      {400,
                       apiError(400, "status must be accepted or rejected"),
                       false,
                       {},
                       QStringLiteral("request.invalidParameter"),
                       QStringLiteral("status"),
                       QString()});
    const std::optional<QList<RecordKind>> kinds = automationKinds(text("kind"));
    if (!kinds)
        return refuse(connection, request,
                      {400,
                       apiError(400, "kind must be event, search, request, a comma list of them, or all"),
                       false,
                       {},
                       QStringLiteral("request.invalidParameter"),
                       QStringLiteral("kind"),
                       QString()});
    query.userToken = text("userToken");
    query.eventType = text("eventType");
    query.eventName = text("eventName");
    query.index = text("index");
    query.sinceId = text("since").toLongLong();
    query.limit = 1000;
    if (const QString limit = text("limit"); !limit.isEmpty())
        query.limit = std::clamp(limit.toInt(), 1, 10000);
    QString error;
    ChunkedAnswer::Producer producer = automationEventsProducer(log, query, *kinds, &error);
    if (!producer) // a short page would read as the whole log: say it could not be read
        return respond(connection, 500,
                       statusBody(500, QStringLiteral("The event log could not be read: %1").arg(error)),
                       false);
    return respondStream(connection, 200, false, std::move(producer));
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
