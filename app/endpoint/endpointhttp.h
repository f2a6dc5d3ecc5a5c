#pragma once

// Pure pieces of the embedded endpoint: routing, Algolia's exact answers, request facts, the Host check
// and the JSON shapes of the debugger feed and the automation API. No sockets here, so they are easy to test.

#include "log/eventlog.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringView>

#include <optional>

namespace EndpointHttp {

enum class Route
{
    Events,          // /1/events: POST (push), GET (debugger feed)
    UserToken,       // /1/usertokens/{token}: DELETE
    InsightsUnknown, // any other /1/... path: Algolia's 404
    DebuggerEvents,  // /debugger/events: GET, DELETE
    DebuggerStats,   // /debugger/stats: GET
    NotFound,        // anything else
};

// Why a path the Insights API does not serve was probably meant for one of its routes, and the fix: logged
// with the refusal so that the developer reads it beside Algolia's 404.
struct PathHint
{
    QString code;    // "request.hostEndsWithSlash", "request.pathPrefix", ...
    QString message; // what is wrong and how to fix it, naming the route meant
};

struct RouteMatch
{
    Route route = Route::NotFound;
    QString userToken; // for Route::UserToken, percent-decoded
    // "//1/events": a client whose host option ends with '/'. Algolia answers 404 (with CORS, so that the
    // browser shows it); the debugger says why.
    bool hostEndsWithSlash = false;
    // A near-miss of an Insights route ("//1/events", "/insights/1/events", "/1/Events", "/events"...):
    // routed as InsightsUnknown (Algolia's 404, with CORS and its preflight answered so a browser shows it).
    std::optional<PathHint> hint = std::nullopt;
};

RouteMatch matchRoute(QByteArrayView path);
// The hint for a path that is no route: why it was probably meant as one, or nullopt.
std::optional<PathHint> nearMissHint(QByteArrayView path);
// "x" in {"status":400,"message":"x"}: the message of one of the bodies below, empty when none.
QString messageOf(const QByteArray& body);
// Whether a route answers CORS (the Insights API does; the automation API does not).
bool isInsightsRoute(Route route);
// Whether the method is one the route serves (OPTIONS is handled separately, as a preflight).
bool isMethodAllowed(Route route, QByteArrayView method);
// The Allow header value for a route.
QByteArray allowedMethods(Route route);

// Algolia's exact bodies (insights-api.md §1.3).
QByteArray statusBody(int status, const QString& message);
QByteArray okBody();
QByteArray invalidCredentialsBody();
QByteArray notFoundBody();
QByteArray methodNotAllowedBody();
QByteArray tooLargeBody();
// 431 for a request line and headers over the limit; Algolia publishes no body for it (unverified).
QByteArray headersTooLargeBody(qint64 bytes, qint64 limit);
inline constexpr char kJsonContentType[] = "application/json; charset=utf-8";

// CORS answer headers (insights-api.md §5.4). `requestedHeaders` is Access-Control-Request-Headers, echoed so
// that any header a browser client adds passes.
QList<QPair<QByteArray, QByteArray>> corsPreflightHeaders(QByteArrayView requestedHeaders,
                                                          bool privateNetworkRequested);
inline constexpr char kAllowedRequestHeaders[] =
    "content-type, x-algolia-application-id, x-algolia-api-key, x-algolia-agent, request-id, "
    "x-algolia-request-id, x-insights-debugger-sent";

// The answer for an unsupported coding (Content-Encoding is decoded by compression/gzip.h). Algolia publishes
// none: the status and message are the debugger's (unverified), and say what it decodes.
QByteArray unsupportedEncodingBody(QByteArrayView coding);
inline constexpr int kUnsupportedEncodingStatus = 415;
// Transfer-Encoding other than chunked: 501 at once (RFC 9112 §6.1), never a wait for a body we cannot frame.
QByteArray unsupportedTransferEncodingBody(QByteArrayView transferEncoding);

// DNS-rebinding protection for the automation API: the Host header must name a loopback address or
// "localhost" with the port the endpoint listens on (or the exact address it listens on).
bool isAllowedAutomationHost(QByteArrayView hostHeader, const QString& listenHost, quint16 port);
// The automation API also refuses browser pages of other sites (a foreign page could otherwise DELETE the
// log through a simple request): an Origin, when sent, must be http(s) on localhost or a loopback address.
bool isAllowedAutomationOrigin(QByteArrayView originHeader);

// Unix ms from "2006-01-02T15:04:05.000Z" (also without milliseconds); nullopt when unparsable.
std::optional<qint64> parseIsoDate(QStringView text);

// One record in the shape of Algolia's debugger feed, GET /1/events (insights-api.md §1.5).
QByteArray feedRecordJson(const LogRecord& record);
// One record as the automation API returns it: its kind, verdict, issues, request facts (never a key).
QByteArray automationRecordJson(const LogRecord& record);
// The kinds GET /debugger/events lists, from its `kind` parameter: a kind's name ("event", "search",
// "request"), a comma list of them, or "all" (an empty list: every kind). Absent: events and refused
// requests, what the Insights routes received — searches have their own listing (/debugger/searches) and are
// not events a test counts. nullopt when a name is unknown.
std::optional<QList<RecordKind>> automationKinds(QStringView parameter);
// `lastId`: the highest id ever committed (ids keep growing when retention drops the oldest records).
QByteArray statsJson(const LogStats& stats, qint64 lastId);

// The rate limit of DELETE /1/usertokens (insights-api.md §1.4): `limit` calls per minute, counted in a
// window that starts with the first call; past the limit the call is refused (429) until the window resets.
struct RateLimitWindow
{
    qint64 windowStartSec = 0;
    int used = 0;
};
struct RateLimitDecision
{
    bool allowed = true;
    QList<QPair<QByteArray, QByteArray>> headers; // x-ratelimit-limit, -remaining, -reset (Unix seconds)
};
inline constexpr int kDeleteUserTokenLimitPerMinute = 100;
RateLimitDecision takeRateLimit(RateLimitWindow& window, qint64 nowMs,
                                int limit = kDeleteUserTokenLimitPerMinute);
QByteArray tooManyRequestsBody();

} // namespace EndpointHttp
