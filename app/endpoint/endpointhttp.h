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
inline constexpr char kJsonContentType[] = "application/json; charset=utf-8";

// CORS answer headers (insights-api.md §5.4). `requestedHeaders` is Access-Control-Request-Headers, echoed so
// that any header a browser client adds passes.
QList<QPair<QByteArray, QByteArray>> corsPreflightHeaders(QByteArrayView requestedHeaders,
                                                          bool privateNetworkRequested);
inline constexpr char kAllowedRequestHeaders[] =
    "content-type, x-algolia-application-id, x-algolia-api-key, x-algolia-agent, request-id, "
    "x-algolia-request-id, x-insights-debugger-sent";

// "desktop", "mobile", "tablet", "bot", or "" when the User-Agent is not a browser's.
QString deviceFromUserAgent(QStringView userAgent);

enum class InflateStatus
{
    Ok,
    TooLarge, // the decoded body would exceed the cap
    Corrupt,  // not a gzip/zlib stream
};
struct InflateResult
{
    InflateStatus status = InflateStatus::Ok;
    QByteArray data;
};
// Decodes a gzip (or zlib) body, stopping as soon as the output would exceed `maxOutput` bytes, so that a
// small compressed bomb cannot make the endpoint allocate more than the body limit.
InflateResult inflateBody(QByteArrayView compressed, qint64 maxOutput);

// DNS-rebinding protection for the automation API: the Host header must name a loopback address or
// "localhost" with the port the endpoint listens on (or the exact address it listens on).
bool isAllowedAutomationHost(QByteArrayView hostHeader, const QString& listenHost, quint16 port);

// Unix ms from "2006-01-02T15:04:05.000Z" (also without milliseconds); nullopt when unparsable.
std::optional<qint64> parseIsoDate(QStringView text);

// One record in the shape of Algolia's debugger feed, GET /1/events (insights-api.md §1.5).
QByteArray feedRecordJson(const LogRecord& record);
// One record as the automation API returns it: verdict, issues, request facts (never a key).
QByteArray automationRecordJson(const LogRecord& record);
// `lastId`: the highest id ever committed (ids keep growing when retention drops the oldest records).
QByteArray statsJson(const LogStats& stats, qint64 lastId);

// The 204 rate-limit headers of DELETE /1/usertokens (values from a per-minute counter).
struct RateLimitWindow
{
    qint64 windowStartSec = 0;
    int used = 0;
};
QList<QPair<QByteArray, QByteArray>> rateLimitHeaders(RateLimitWindow& window, qint64 nowMs, int limit = 100);

} // namespace EndpointHttp
