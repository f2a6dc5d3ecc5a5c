#pragma once

// Pure pieces of the embedded endpoint: routing, Algolia's exact answers, request facts, gzip, the Host check
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

struct RouteMatch
{
    Route route = Route::NotFound;
    QString userToken; // for Route::UserToken, percent-decoded
    // "//1/events": a client whose host option ends with '/'. Algolia answers 404 (with CORS, so that the
    // browser shows it); the debugger says why.
    bool hostEndsWithSlash = false;
};

RouteMatch matchRoute(QByteArrayView path);
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

// A body decoded along its Content-Encoding (RFC 9110 §8.4: codings listed in the order they were applied, so
// decoded last to first): gzip, x-gzip, deflate (zlib or raw), identity, stacked ("gzip, gzip"), each stage
// through the one gzip utility (models/compression) and capped. Any other coding is Unsupported and the body
// is never parsed as if plain.
struct DecodedBody
{
    enum class Status
    {
        Ok,
        TooLarge,    // a decoded stage would exceed the cap
        Corrupt,     // not a stream of the coding it claims
        Unsupported, // a coding we do not decode (br, zstd, compress...): `coding` names it
    };
    Status status = Status::Ok;
    QByteArray data;
    QByteArray coding; // the coding that failed or is unsupported
};
DecodedBody decodeContentEncoding(QByteArrayView contentEncoding, QByteArray body, qint64 maxOutput);
// The answer for an unsupported coding. Algolia publishes none: the status and message are the debugger's
// (unverified), and say what it decodes.
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
// One record as the automation API returns it: verdict, issues, request facts (never a key).
QByteArray automationRecordJson(const LogRecord& record);
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
