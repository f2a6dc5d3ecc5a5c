#include "embeddedendpoint.h"

#include "chunkedanswer.h"
#include "endpointhttp.h"
#include "httpserver.h"
#include "routehandler.h"

#include "catalog/indexcatalog.h"
#include "compression/gzip.h"
#include "event/compatibilityprofile.h"
#include "event/eventview.h"
#include "event/validator.h"
#include "log/recordbatch.h"
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

#include <algorithm>
#include <atomic>

using namespace EndpointHttp;

namespace {

Q_LOGGING_CATEGORY(lcEndpoint, "insights.endpoint", QtWarningMsg)

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

// A JSON error body for the automation API (not an Insights route, so not Algolia's wording).
QByteArray apiError(int status, const char* message)
{
    return statusBody(status, QString::fromLatin1(message));
}

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

// The endpoint's state for one HTTP request, from its head to its answer (HttpExchange::context).
struct Request
{
    bool begun = false; // counted in Private::activeRequests
    QByteArray target;  // the request target as sent (not percent-decoded), query included
    QByteArray path;    // target without the query
    QByteArray query;   // raw query string without '?'
    RouteMatch route;
    std::shared_ptr<EndpointRouteHandler> handler; // an extra route (INTERFACES.md §2) serves it
    QByteArray method;
    QByteArray body;
    bool overLimit = false; // the body passed the limit: the rest is read and dropped, the answer is 413
    // Bad credentials on a request whose body is on its way: the body is read and dropped (its start kept for
    // the log), then this is answered, so that the client reads the 401 instead of a reset upload.
    std::optional<Refusal> refusalAfterBody;
    qint64 dropped = 0;
    bool awaitingCommit = false; // counted in Private::pendingAnswers

    // Whether the body is read and kept (pushes and handler routes); others are drained and dropped.
    bool keepsBody() const { return handler || (route.route == Route::Events && method == "POST"); }
};

using ExchangePtr = std::shared_ptr<HttpExchange>;

Request& requestOf(const HttpExchange& exchange)
{
    return *static_cast<Request*>(exchange.context.get());
}

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

bool expectsContinue(const HttpExchange& exchange)
{
    return exchange.header("expect").trimmed().compare("100-continue", Qt::CaseInsensitive) == 0;
}

// Whether the client is sending (or about to send, without waiting for 100 Continue) a body.
bool bodyOnItsWay(const HttpExchange& exchange)
{
    return !expectsContinue(exchange) && (exchange.header("content-length").toLongLong() > 0 ||
                                          !exchange.header("transfer-encoding").isEmpty());
}

// The name and size of the largest header line: what to trim when the head is over the limit.
QPair<QByteArray, qint64> largestHeader(const HttpExchange& exchange)
{
    QPair<QByteArray, qint64> largest;
    for (const auto& [name, value] : exchange.headers) {
        const auto bytes = static_cast<qint64>(name.size() + value.size() + 4);
        if (bytes > largest.second)
            largest = {name, bytes};
    }
    return largest;
}

// The query's parameters, decoded as HTML forms encode them ('+' is a space, then %XX).
HeaderList queryArguments(const QByteArray& query)
{
    HeaderList arguments;
    for (const QByteArray& pair : query.split('&')) {
        if (pair.isEmpty())
            continue;
        const qsizetype equals = pair.indexOf('=');
        QByteArray key = equals < 0 ? pair : pair.left(equals);
        QByteArray value = equals < 0 ? QByteArray() : pair.mid(equals + 1);
        arguments.append({QByteArray::fromPercentEncoding(key.replace('+', ' ')),
                          QByteArray::fromPercentEncoding(value.replace('+', ' '))});
    }
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

Credentials credentialsOf(const HttpExchange& exchange, const HeaderList& arguments)
{
    QByteArray appId = exchange.header("x-algolia-application-id");
    QByteArray apiKey = exchange.header("x-algolia-api-key");
    if (appId.isEmpty())
        appId = queryValue(arguments, "x-algolia-application-id");
    if (apiKey.isEmpty())
        apiKey = queryValue(arguments, "x-algolia-api-key");
    return {QString::fromUtf8(appId), QString::fromUtf8(apiKey)};
}

QString newRequestId()
{
    const quint64 random = QRandomGenerator::global()->generate64();
    return QString::number(random, 16).rightJustified(16, QLatin1Char('0'));
}

} // namespace

struct EmbeddedEndpoint::Private final : HttpHandler
{
    EmbeddedEndpoint* q = nullptr;
    EventLog* log = nullptr;
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
    // Requests begun (head read) and not yet finished: stop() lets them finish.
    std::atomic<int> activeRequests{0};
    // Set by stop() before its last wait: from then on a push is answered 503 instead of waiting for its
    // commit, so that no answer is owed when the server stops. Guarded with pendingAnswers' increment.
    QMutex stoppingMutex;
    bool stopping = false;
    // Extra routes (INTERFACES.md §2), asked in order before the endpoint's own; changed only while stopped.
    QList<std::shared_ptr<EndpointRouteHandler>> handlers;
    bool listening = false;
    // Last: destroyed (its threads joined) before what its handlers use.
    HttpServer server{this};

    // HttpHandler
    void onHead(const ExchangePtr& exchange) override;
    bool onBody(HttpExchange& exchange, const char* data, qsizetype size) override;
    void onRequest(const ExchangePtr& exchange) override;
    void onFinished(HttpExchange& exchange) override;

    void onHeaders(const ExchangePtr& exchange, Request* request);
    void onHandlerHeaders(const ExchangePtr& exchange, Request* request);
    void admitBody(const ExchangePtr& exchange, Request* request, bool cors);
    void handOver(const ExchangePtr& exchange, Request* request);
    bool tryCorsPreflight(const ExchangePtr& exchange, Request* request);
    void pushEvents(const ExchangePtr& exchange, Request* request);
    void debuggerFeed(const ExchangePtr& exchange, Request* request);
    void deleteUserToken(const ExchangePtr& exchange, Request* request);
    void automationEvents(const ExchangePtr& exchange, Request* request);
    void automationStats(const ExchangePtr& exchange);

    // Why the request's credentials are refused (401 "Invalid credentials"), or nullopt when they pass.
    std::optional<Refusal> credentialRefusal(const HttpExchange& exchange, const HeaderList& arguments) const;
    // Why the request's Host headers are refused (400): none in HTTP/1.1, or more than one.
    static std::optional<Refusal> hostRefusal(const HttpExchange& exchange, bool cors);
    static HttpAnswer answerOf(int status, const QByteArray& body, bool cors, const HeaderList& headers,
                               const QByteArray& contentType);
    void respond(const ExchangePtr& exchange, int status, const QByteArray& body, bool cors,
                 const HeaderList& headers = {}, bool announce = true,
                 const QByteArray& contentType = kJsonContentType) const;
    // Answers a request refused before any event was judged and logs it as a record of kind Request
    // (RecordBuilder::refusedRequestRecord): the answer goes once the record is committed, or after
    // kRefusalLogWaitMs. Not for 429 (counted, not logged row by row) nor 5xx (nothing was refused).
    void refuse(const ExchangePtr& exchange, Request* request, Refusal refusal);
    // The facts every record of the request shares (never the API key).
    RequestFacts requestFacts(const HttpExchange& exchange, const Request& request, int status,
                              const QString& message) const;
    // The automation API's Host and Origin checks: a refusal (403) when the request fails them.
    std::optional<Refusal> automationRefusal(const HttpExchange& exchange) const;
    // A JSON answer written page by page as the producer makes it (chunked): 11 §5.
    void respondStream(const ExchangePtr& exchange, int status, bool cors, HttpChunkProducer producer) const;
};

namespace {

// The headers that let a page read an Insights answer (and its rate-limit headers) across origins.
HeaderList corsHeaders()
{
    return {{"Access-Control-Allow-Origin", "*"},
            {"Access-Control-Expose-Headers", "x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset"}};
}

} // namespace

HttpAnswer EmbeddedEndpoint::Private::answerOf(int status, const QByteArray& body, bool cors,
                                               const HeaderList& headers, const QByteArray& contentType)
{
    HttpAnswer answer;
    answer.status = status;
    answer.body = body;
    if (!body.isEmpty() && !contentType.isEmpty())
        answer.headers.append(qMakePair(QByteArray("Content-Type"), contentType));
    if (cors) {
        answer.headers.append(corsHeaders());
    }
    answer.headers.append(headers);
    return answer;
}

void EmbeddedEndpoint::Private::respond(const ExchangePtr& exchange, int status, const QByteArray& body,
                                        bool cors, const HeaderList& headers, bool announce,
                                        const QByteArray& contentType) const
{
    exchange->respond(answerOf(status, body, cors, headers, contentType));
    if (announce) {
        ++requestsAnswered;
        if (status >= 400)
            ++requestsRefused;
        emit q->requestHandled(status, 0);
    }
}

void EmbeddedEndpoint::Private::respondStream(const ExchangePtr& exchange, int status, bool cors,
                                              HttpChunkProducer producer) const
{
    HeaderList headers{{"Content-Type", kJsonContentType}};
    if (cors) {
        headers.append(corsHeaders());
    }
    exchange->respondStream(status, std::move(headers), std::move(producer));
    ++requestsAnswered;
    emit q->requestHandled(status, 0);
}
std::optional<Refusal> EmbeddedEndpoint::Private::credentialRefusal(const HttpExchange& exchange,
                                                                    const HeaderList& arguments) const
{
    const Credentials credentials = credentialsOf(exchange, arguments);
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

RequestFacts EmbeddedEndpoint::Private::requestFacts(const HttpExchange& exchange, const Request& request,
                                                     int status, const QString& message) const
{
    const HeaderList arguments = queryArguments(request.query);
    RequestFacts facts;
    facts.requestId = newRequestId();
    facts.receivedAtMs = QDateTime::currentMSecsSinceEpoch();
    facts.httpStatus = status;
    facts.accepted = status == 200;
    facts.message = message;
    facts.userAgent = QString::fromUtf8(exchange.header("user-agent"));
    QByteArray agent = exchange.header("x-algolia-agent");
    if (agent.isEmpty())
        agent = queryValue(arguments, "x-algolia-agent");
    facts.agent = QString::fromUtf8(agent);
    facts.origin = QString::fromUtf8(exchange.header("origin"));
    facts.referer = QString::fromUtf8(exchange.header("referer"));
    facts.remoteAddress = exchange.remoteAddress;
    facts.appId = credentialsOf(exchange, arguments).appId;
    facts.method = QString::fromUtf8(request.method);
    facts.path = QString::fromUtf8(request.path);
    if (exchange.header("x-insights-debugger-sent").trimmed() == "1") {
        // Sent by the app itself to "local": logged once, as sent.
        facts.source = EventSource::Sent;
        facts.target = QStringLiteral("local");
    }
    return facts;
}

void EmbeddedEndpoint::Private::refuse(const ExchangePtr& exchange, Request* request, Refusal refusal)
{
    const QString message = messageOf(refusal.body);
    RequestFacts facts = requestFacts(*exchange, *request, refusal.status, message);
    RawRequest raw =
        RecordBuilder::rawRequest(request->method, request->target, exchange->headers, request->body);
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
        if (stopping) { // answered at once, logged without waiting
            log->append(std::move(records));
            return respond(exchange, refusal.status, refusal.body, refusal.cors, refusal.headers, false);
        }
        ++pendingAnswers;
    }
    request->awaitingCommit = true;
    // Held until the record is committed (or the wait is over): a client reading the automation API right
    // after its refusal finds the record. The commit may come at once, from the writer thread.
    exchange->respondAfter(
        answerOf(refusal.status, refusal.body, refusal.cors, refusal.headers, kJsonContentType),
        kRefusalLogWaitMs);
    QList<LogRecord> announced = announce ? records : QList<LogRecord>();
    log->append(std::move(records),
                [this, exchange, announced](bool ok, qint64 firstId, qint64, const QString&) mutable {
                    if (ok && !announced.isEmpty()) {
                        announced[0].id = firstId;
                        emit q->recordsLogged(announced);
                    }
                    exchange->release();
                });
}

std::optional<Refusal> EmbeddedEndpoint::Private::automationRefusal(const HttpExchange& exchange) const
{
    const QByteArray host = exchange.header("host");
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
    const QByteArray origin = exchange.header("origin");
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

std::optional<Refusal> EmbeddedEndpoint::Private::hostRefusal(const HttpExchange& exchange, bool cors)
{
    // RFC 9112 §3.2: a server answers 400 to an HTTP/1.1 request without Host, and to any with two (which one
    // the automation API's loopback check would read is ambiguous).
    const int hosts = exchange.headerCount("host");
    if (hosts == 1 || (hosts == 0 && exchange.version < 11))
        return std::nullopt;
    const QString why =
        hosts == 0 ? QStringLiteral("An HTTP/1.1 request needs a Host header")
                   : QStringLiteral("The request has %1 Host headers; it needs exactly one").arg(hosts);
    return Refusal{400,
                   statusBody(400, QStringLiteral("Bad Request: ") + why),
                   cors,
                   {},
                   hosts == 0 ? QStringLiteral("request.missingHost")
                              : QStringLiteral("request.duplicateHost"),
                   QStringLiteral("host"),
                   why};
}

void EmbeddedEndpoint::Private::onHead(const ExchangePtr& exchange)
{
    // Routes see the target as sent, before any percent-decoding, so that a user token's "%2F" stays inside
    // the token.
    auto owned = std::make_shared<Request>();
    Request* request = owned.get();
    exchange->context = owned;
    request->target = exchange->target;
    const qsizetype question = request->target.indexOf('?');
    request->path = question < 0 ? request->target : request->target.left(question);
    if (question >= 0)
        request->query = request->target.mid(question + 1);
    request->begun = true;
    ++activeRequests;
    request->method = exchange->method;
    const bool insights = isInsightsRoute(matchRoute(request->path).route);
    // The server's parser stops far beyond the limit (HttpServerOptions::maxHeadBytes): the exact limit and
    // its readable, logged answer are ours.
    if (const qint64 head = exchange->headBytes; head > options.maxHeaderBytes) {
        const auto [name, bytes] = largestHeader(*exchange);
        return refuse(
            exchange, request,
            {431,
             headersTooLargeBody(head, options.maxHeaderBytes),
             insights,
             {},
             QStringLiteral("request.headersTooLarge"),
             QString::fromLatin1(name),
             QStringLiteral("%1 bytes of request line and headers, over the endpoint's %2; the largest "
                            "header is %3 (%4 bytes). Browsers send every cookie of the endpoint's "
                            "host: clear some")
                 .arg(head)
                 .arg(options.maxHeaderBytes)
                 .arg(QString::fromLatin1(name))
                 .arg(bytes)});
    }
    if (auto refusal = hostRefusal(*exchange, insights))
        return refuse(exchange, request, std::move(*refusal));
    if (const QByteArray transfer = exchange->header("transfer-encoding").trimmed().toLower();
        !transfer.isEmpty() && transfer != "chunked")
        return refuse(exchange, request,
                      {501,
                       unsupportedTransferEncodingBody(transfer),
                       insights,
                       {},
                       QStringLiteral("request.unsupportedTransferEncoding"),
                       QStringLiteral("transfer-encoding"),
                       QString()});
    // A preflight for a handler's Algolia route is the endpoint's to answer, never the handler's.
    if (tryCorsPreflight(exchange, request))
        return;
    for (const auto& handler : handlers) {
        if (handler->matches(request->method, request->path)) {
            request->handler = handler;
            return onHandlerHeaders(exchange, request);
        }
    }
    request->route = matchRoute(request->path);
    onHeaders(exchange, request);
}

bool EmbeddedEndpoint::Private::onBody(HttpExchange& exchange, const char* data, qsizetype size)
{
    Request* request = &requestOf(exchange);
    const qint64 limit = profile.load()->maxBodyBytes;
    if (!request->keepsBody())
        return true;
    if (!request->overLimit && request->body.size() + size > limit) {
        // A chunked body (no Content-Length) passed the limit: stop buffering, read on and answer 413,
        // unless the client goes on far beyond it, then the server answers 413 and closes.
        request->overLimit = true;
        request->dropped = request->body.size();
        request->body.truncate(RecordBuilder::kRequestBodyKept);
        request->body.squeeze();
    }
    if (request->overLimit || request->refusalAfterBody) {
        request->dropped += size;
        // Only the start is kept, for the refusal's log record.
        if (const qsizetype room = RecordBuilder::kRequestBodyKept - request->body.size(); room > 0)
            request->body.append(data, std::min(room, size));
        return request->dropped <= 8 * limit;
    }
    request->body.append(data, size);
    return true;
}

bool EmbeddedEndpoint::Private::tryCorsPreflight(const ExchangePtr& exchange, Request* request)
{
    // A browser asks before a cross-origin request to a handler's Algolia route: answer for the handler.
    if (request->method != "OPTIONS")
        return false;
    const QByteArray asked = exchange->header("access-control-request-method").trimmed().toUpper();
    const bool served = std::any_of(handlers.cbegin(), handlers.cend(), [&](const auto& handler) {
        return handler->isAlgoliaRoute() && handler->matches(asked.isEmpty() ? "GET" : asked, request->path);
    });
    if (!served)
        return false;
    const bool privateNetwork = exchange->header("access-control-request-private-network") == "true";
    respond(exchange, 204, {}, false,
            corsPreflightHeaders(exchange->header("access-control-request-headers"), privateNetwork));
    return true;
}

void EmbeddedEndpoint::Private::admitBody(const ExchangePtr& exchange, Request* request, bool cors)
{
    bool ok = false;
    const qint64 declared = exchange->header("content-length").toLongLong(&ok);
    const qint64 limit = profile.load()->maxBodyBytes;
    if (ok && declared > limit) {
        // A client waiting for 100 Continue has not sent the body: refuse it now. Others are already
        // sending: read the body and drop it, so that they get to read the 413 (an early answer and a
        // close would reset their upload), unless the body is absurdly large.
        if (expectsContinue(*exchange) || declared > 8 * limit)
            return refuse(exchange, request, bodyTooLarge(cors, declared, limit));
        request->overLimit = true;
        return;
    }
    if (ok && declared > 0)
        request->body.reserve(static_cast<qsizetype>(declared));
}

void EmbeddedEndpoint::Private::onHandlerHeaders(const ExchangePtr& exchange, Request* request)
{
    const EndpointRouteHandler& handler = *request->handler;
    const bool cors = handler.isAlgoliaRoute();
    if (handler.isAutomationRoute()) {
        if (auto refusal = automationRefusal(*exchange))
            return refuse(exchange, request, std::move(*refusal));
    }
    if (cors) {
        if (auto refusal = credentialRefusal(*exchange, queryArguments(request->query))) {
            // As for pushes: a client already uploading gets to read the 401 after its body is drained.
            if (!bodyOnItsWay(*exchange))
                return refuse(exchange, request, std::move(*refusal));
            request->refusalAfterBody = std::move(refusal);
            return;
        }
    }
    admitBody(exchange, request, cors);
}

void EmbeddedEndpoint::Private::handOver(const ExchangePtr& exchange, Request* request)
{
    const bool cors = request->handler->isAlgoliaRoute();
    if (request->refusalAfterBody)
        return refuse(exchange, request, std::move(*request->refusalAfterBody));
    if (request->overLimit)
        return refuse(exchange, request, bodyTooLarge(cors, request->dropped, profile.load()->maxBodyBytes));
    if (const QByteArray encoding = exchange->header("content-encoding");
        !request->body.isEmpty() && !encoding.trimmed().isEmpty()) {
        DecodedBody decodedBody =
            decodeContentEncoding(encoding, request->body, profile.load()->maxBodyBytes);
        switch (decodedBody.status) {
        case DecodedBody::Status::Ok:
            request->body = std::move(decodedBody.data);
            break;
        case DecodedBody::Status::TooLarge:
            return refuse(exchange, request, decodedTooLarge(cors, profile.load()->maxBodyBytes));
        case DecodedBody::Status::Unsupported:
            return refuse(exchange, request, unsupportedEncoding(cors, decodedBody.coding));
        case DecodedBody::Status::Corrupt:
            return refuse(exchange, request,
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
    handed.headers = exchange->headers;
    handed.body = std::move(request->body);
    handed.remoteAddress = exchange->remoteAddress;
    handed.requestId = newRequestId();
    request->body = QByteArray();
    {
        QMutexLocker locker(&stoppingMutex);
        if (stopping)
            return respond(exchange, 503, statusBody(503, QStringLiteral("The endpoint is stopping")), cors);
        ++pendingAnswers;
    }
    request->awaitingCommit = true;
    // The handler may respond at once, on this thread or another; the exchange drops an answer for a
    // connection that is gone.
    auto once = std::make_shared<std::atomic<bool>>(false);
    request->handler->handle(std::move(handed), [this, exchange, cors, once](EndpointResponse response) {
        if (once->exchange(true)) {
            qCWarning(lcEndpoint, "a route handler answered twice; the second answer is dropped");
            return;
        }
        exchange->respond(
            answerOf(response.status, response.body, cors, response.headers, response.contentType));
        ++requestsAnswered;
        emit q->requestHandled(response.status, 0);
    });
}

void EmbeddedEndpoint::Private::onHeaders(const ExchangePtr& exchange, Request* request)
{
    const Route route = request->route.route;
    const bool insights = isInsightsRoute(route);
    if (route == Route::NotFound)
        return refuse(exchange, request, unknownPath(*request));
    if (route == Route::DebuggerEvents || route == Route::DebuggerStats) {
        if (auto refusal = automationRefusal(*exchange))
            return refuse(exchange, request, std::move(*refusal));
    }
    if (insights && request->method == "OPTIONS") {
        const bool privateNetwork = exchange->header("access-control-request-private-network") == "true";
        return respond(
            exchange, 204, {}, false,
            corsPreflightHeaders(exchange->header("access-control-request-headers"), privateNetwork));
    }
    if (route == Route::InsightsUnknown)
        return refuse(exchange, request, unknownPath(*request));
    if (!isMethodAllowed(route, request->method)) {
        const QByteArray allowed = allowedMethods(route);
        return refuse(exchange, request,
                      {405, methodNotAllowedBody(), insights, HeaderList{{"Allow", allowed}},
                       QStringLiteral("request.methodNotAllowed"), QString(),
                       QStringLiteral("%1 %2: this route answers %3")
                           .arg(QString::fromUtf8(request->method), QString::fromUtf8(request->path),
                                QString::fromLatin1(allowed))});
    }
    if (insights) {
        if (auto refusal = credentialRefusal(*exchange, queryArguments(request->query))) {
            // A client already uploading a push must get to read the 401: answering before its body is read
            // and closing would reset the upload, and clients would report a network error instead.
            if (!(request->keepsBody() && bodyOnItsWay(*exchange)))
                return refuse(exchange, request, std::move(*refusal));
            request->refusalAfterBody = std::move(refusal);
            return;
        }
    }
    if (route == Route::Events && request->method == "POST")
        admitBody(exchange, request, true);
}

void EmbeddedEndpoint::Private::onRequest(const ExchangePtr& exchange)
{
    Request* request = &requestOf(*exchange);
    if (request->handler)
        return handOver(exchange, request);
    const Route route = request->route.route;
    if (route == Route::Events && request->method == "POST")
        return pushEvents(exchange, request);
    if (route == Route::Events)
        return debuggerFeed(exchange, request);
    if (route == Route::UserToken)
        return deleteUserToken(exchange, request);
    if (route == Route::DebuggerEvents)
        return automationEvents(exchange, request);
    if (route == Route::DebuggerStats)
        return automationStats(exchange);
    refuse(exchange, request, unknownPath(*request));
}

void EmbeddedEndpoint::Private::onFinished(HttpExchange& exchange)
{
    if (!exchange.context)
        return;
    const Request& request = requestOf(exchange);
    if (request.awaitingCommit)
        --pendingAnswers;
    if (request.begun)
        --activeRequests;
    exchange.context.reset();
}

void EmbeddedEndpoint::Private::pushEvents(const ExchangePtr& exchange, Request* request)
{
    const CompatibilityProfile* rules = profile.load();
    if (request->refusalAfterBody)
        return refuse(exchange, request, std::move(*request->refusalAfterBody));
    if (request->overLimit)
        return refuse(exchange, request, bodyTooLarge(true, request->dropped, rules->maxBodyBytes));

    if (const QByteArray encoding = exchange->header("content-encoding"); !encoding.trimmed().isEmpty()) {
        DecodedBody decodedBody = decodeContentEncoding(encoding, request->body, rules->maxBodyBytes);
        switch (decodedBody.status) {
        case DecodedBody::Status::Ok:
            request->body = std::move(decodedBody.data);
            break;
        case DecodedBody::Status::TooLarge:
            return refuse(exchange, request, decodedTooLarge(true, rules->maxBodyBytes));
        case DecodedBody::Status::Unsupported:
            return refuse(exchange, request, unsupportedEncoding(true, decodedBody.coding));
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
        return refuse(exchange, request, bodyTooLarge(true, request->body.size(), rules->maxBodyBytes));

    // The request facts every record of this request shares; never the API key.
    RequestFacts facts = requestFacts(*exchange, *request, verdict.httpStatus, verdict.message);
    facts.receivedAtMs = context.nowMs;
    facts.accepted = verdict.accepted();
    // Nothing decodable ("Invalid payload", "No events to process") still leaves one record, of kind
    // Request: the debugger shows the request as received (bounded, the key masked) and the request's issues.
    if (decoded.size() == 0)
        facts.rawRequest = std::make_shared<const RawRequest>(
            RecordBuilder::rawRequest(request->method, request->target, exchange->headers, request->body));
    const std::shared_ptr<const RecordBatch> batch =
        RecordBuilder::requestBatch(facts, decoded, verdict, std::move(request->body));
    request->body = QByteArray();

    {
        QMutexLocker locker(&stoppingMutex);
        if (stopping) // not logged: the client may retry (Algolia's clients retry 5xx)
            return respond(exchange, 503, statusBody(503, QStringLiteral("The endpoint is stopping")), true);
        ++pendingAnswers;
    }
    request->awaitingCommit = true;
    const bool announceRecords =
        q->isSignalConnected(QMetaMethod::fromSignal(&EmbeddedEndpoint::recordsLogged));
    const bool announceBatch = q->isSignalConnected(QMetaMethod::fromSignal(&EmbeddedEndpoint::batchLogged));
    // What the relay forwards once the records are stored: the request's credentials, for this request only.
    Credentials relayCredentials;
    if (relay)
        relayCredentials = credentialsOf(*exchange, queryArguments(request->query));
    const int eventCount = static_cast<int>(decoded.size());
    const auto storedCount = static_cast<qint64>(batch->size());
    const auto acceptedCount = static_cast<qint64>(std::count_if(
        batch->rows.cbegin(), batch->rows.cend(), [](const RecordBatch::Row& row) { return row.accepted; }));
    // Answered once the records are committed: the commit callback runs on the writer thread, and the
    // exchange hands the answer to its connection's thread (no thread waits meanwhile). The callback holds
    // the batch only when someone reads it afterwards.
    const bool keepBatch = announceRecords || announceBatch || (relay && eventCount > 0);
    log->append(batch, [this, exchange, status = verdict.httpStatus, answer = verdict.responseBody(),
                        eventCount, storedCount, acceptedCount, kept = keepBatch ? batch : nullptr,
                        announceRecords, announceBatch,
                        relayCredentials](bool ok, qint64 firstId, qint64, const QString& error) mutable {
        ++requestsAnswered;
        if (ok) {
            eventsStored += storedCount;
            eventsAccepted += acceptedCount;
        }
        if (!ok) {
            // Never 200 for an event not stored; 503 so that Algolia's clients retry (they retry 5xx), with
            // SQLite's reason for the developer.
            status = 503;
            answer =
                statusBody(503, QStringLiteral("The event log could not store the events: %1").arg(error));
        } else if (kept) {
            if (announceBatch)
                emit q->batchLogged(kept, firstId);
            if (announceRecords || (relay && eventCount > 0)) {
                const QList<LogRecord> records = kept->toRecords(firstId);
                if (relay && eventCount > 0) // events to forward, not a body that decoded to none
                    relay(relayCredentials.appId, relayCredentials.apiKey, records);
                if (announceRecords)
                    emit q->recordsLogged(records);
            }
        }
        emit q->requestHandled(status, eventCount);
        exchange->respond(answerOf(status, answer, true, {}, kJsonContentType));
    });
}

void EmbeddedEndpoint::Private::debuggerFeed(const ExchangePtr& exchange, Request* request)
{
    const HeaderList arguments = queryArguments(request->query);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    qint64 bounds[2] = {0, now};
    const char* names[2] = {"startDate", "endDate"};
    for (int i = 0; i < 2; ++i) {
        const QByteArray text = queryValue(arguments, names[i]);
        if (text.isEmpty())
            continue;
        const auto parsed = parseIsoDate(QString::fromUtf8(text));
        if (!parsed)
            return refuse(exchange, request,
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
    HttpChunkProducer producer = debuggerFeedProducer(log, bounds[0], bounds[1], limit, &error);
    if (!producer)
        return respond(exchange, 500,
                       statusBody(500, QStringLiteral("The event log could not be read: %1").arg(error)),
                       true);
    return respondStream(exchange, 200, true, std::move(producer));
}

void EmbeddedEndpoint::Private::deleteUserToken(const ExchangePtr& exchange, Request* request)
{
    const QString& token = request->route.userToken;
    if (!Validator::isValidUserToken(token))
        return refuse(exchange, request,
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
        return respond(exchange, 429, tooManyRequestsBody(), true, rate.headers);
    log->removeUserToken(token); // blocks until committed; this is a server thread, not the writer
    return respond(exchange, 204, {}, true, rate.headers);
}

void EmbeddedEndpoint::Private::automationEvents(const ExchangePtr& exchange, Request* request)
{
    const HeaderList arguments = queryArguments(request->query);
    const auto text = [&arguments](QByteArrayView name) {
        return QString::fromUtf8(queryValue(arguments, name));
    };
    if (request->method == "DELETE") {
        const QString token = text("userToken");
        const qint64 removed = log->remove(token.isEmpty() ? std::nullopt : std::optional<QString>(token));
        return respond(exchange, 200, "{\"deleted\":" + QByteArray::number(removed) + '}', false);
    }
    LogQuery query;
    const QString status = text("status");
    if (status == QLatin1String("accepted"))
        query.accepted = true;
    else if (status == QLatin1String("rejected"))
        query.accepted = false;
    else if (!status.isEmpty())
        return refuse(exchange, request,
                      {400,
                       apiError(400, "status must be accepted or rejected"),
                       false,
                       {},
                       QStringLiteral("request.invalidParameter"),
                       QStringLiteral("status"),
                       QString()});
    const std::optional<QList<RecordKind>> kinds = automationKinds(text("kind"));
    if (!kinds)
        return refuse(exchange, request,
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
    HttpChunkProducer producer = automationEventsProducer(log, query, *kinds, &error);
    if (!producer) // a short page would read as the whole log: say it could not be read
        return respond(exchange, 500,
                       statusBody(500, QStringLiteral("The event log could not be read: %1").arg(error)),
                       false);
    return respondStream(exchange, 200, false, std::move(producer));
}

void EmbeddedEndpoint::Private::automationStats(const ExchangePtr& exchange)
{
    respond(exchange, 200, statsJson(log->stats(), log->lastId()), false);
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
    if (d->listening)
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

    d->options = options;
    {
        QMutexLocker locker(&d->stoppingMutex);
        d->stopping = false;
    }
    HttpServerOptions server;
    server.host = address.toString();
    server.port = options.port;
    server.threads = options.threads > 0 ? options.threads : std::clamp(QThread::idealThreadCount(), 1, 4);
    server.connectionLimit = std::max(options.connectionLimit, 1);
    server.perAddressConnectionLimit =
        std::clamp(options.perAddressConnectionLimit, 1, std::max(options.connectionLimit, 1));
    server.headerTimeoutMs = std::max(options.headerTimeoutSeconds, 1) * 1000;
    server.idleTimeoutMs = std::max(options.idleTimeoutSeconds, 1) * 1000;
    server.minBodyBytesPerSecond = std::max<qint64>(options.minBodyBytesPerSecond, 0);
    // The parser's own limit is far beyond ours, so that a head over our limit reaches onHead(), which
    // enforces it exactly (431 with a readable body, logged); only a head beyond this gets the server's 431.
    server.maxHeadBytes = std::max<qint64>(qint64(std::max(options.maxHeaderBytes, 4096)) * 4, 256 * 1024);
    if (const auto error = d->server.listen(server))
        return QStringLiteral("cannot listen on %1:%2 (address in use or not available: %3)")
            .arg(options.host)
            .arg(options.port)
            .arg(*error);
    d->port = d->server.port();
    d->listening = true;
    return std::nullopt;
}

void EmbeddedEndpoint::stop()
{
    if (!d->listening)
        return;
    d->server.stopAccepting();
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
    d->server.stop();
    d->listening = false;
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
    return d->listening;
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
    Q_ASSERT(!d->listening);
    if (!d->listening)
        d->searches = std::move(searches);
}

void EmbeddedEndpoint::addRouteHandler(std::shared_ptr<EndpointRouteHandler> handler)
{
    Q_ASSERT(!d->listening); // the list is read without a lock by the endpoint's threads
    if (handler && !d->listening)
        d->handlers.append(std::move(handler));
}

void EmbeddedEndpoint::setProfile(const QString& profileName)
{
    if (const CompatibilityProfile* rules = CompatibilityProfile::byName(profileName))
        d->profile = rules;
}
