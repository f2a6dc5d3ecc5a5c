#include "endpointhttp.h"

#include "event/eventcodec.h"
#include "log/recordbuilder.h"

#include <QDateTime>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

#include <algorithm>
#include <utility>

namespace EndpointHttp {

namespace {

QByteArray str(QStringView text)
{
    return EventCodec::jsonString(text);
}

// A record's raw JSON when it is a JSON value (so it can be embedded as is), else as a JSON string: a
// rejected body ("not json") is stored verbatim and must not break the document that carries it.
QByteArray embeddedJson(const QByteArray& raw)
{
    if (raw.isEmpty())
        return QByteArrayLiteral("null");
    // Parsing a large event only to embed it would cost several times its size (11 §5). A body that decoded
    // to no event is logged cut to RecordBuilder::kRequestBodyKept bytes, so every longer raw text is an
    // event sliced from a parsed body, hence JSON.
    if (raw.size() > RecordBuilder::kRequestBodyKept)
        return raw;
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(raw, &error);
    if (error.error == QJsonParseError::NoError && !document.isNull())
        return raw;
    return str(QString::fromUtf8(raw));
}

// The one issue shape (event/issue.h), as `validate --json` writes it and RunSource reads it back.
QByteArray issuesJson(const IssueList& issues)
{
    return QJsonDocument(issuesToJson(issues)).toJson(QJsonDocument::Compact);
}

QByteArray countsJson(const QMap<QString, qint64>& counts)
{
    QByteArray out = "{";
    bool first = true;
    for (auto it = counts.cbegin(); it != counts.cend(); ++it) {
        if (!first)
            out += ',';
        first = false;
        out += str(it.key()) + ':' + QByteArray::number(it.value());
    }
    out += '}';
    return out;
}

QString isoTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

} // namespace

namespace {

// "/a//b///c" -> "/a/b/c"
QByteArray collapsedSlashes(QByteArrayView path)
{
    QByteArray out;
    out.reserve(path.size());
    for (const char c : path) {
        if (c != '/' || !out.endsWith('/'))
            out += c;
    }
    return out;
}

// Whether `path` (no query, slashes as sent) is one of the Insights routes, a trailing slash tolerated.
bool isInsightsRoutePath(QByteArrayView path)
{
    if (path.size() > 1 && path.endsWith('/'))
        path.chop(1);
    static constexpr QByteArrayView tokenPrefix = "/1/usertokens/";
    return path == "/1/events" || (path.startsWith(tokenPrefix) && path.size() > tokenPrefix.size());
}

PathHint hint(const char* code, const QString& message)
{
    return PathHint{QString::fromLatin1(code), message};
}

} // namespace

std::optional<PathHint> nearMissHint(QByteArrayView path)
{
    const QString shown = QString::fromUtf8(path.data(), path.size());
    const QByteArray collapsed = collapsedSlashes(path);
    if (collapsed != path && (collapsed == "/1" || collapsed.startsWith("/1/"))) {
        if (path.startsWith("//"))
            return hint(
                "request.hostEndsWithSlash",
                QStringLiteral("The path %1 starts with '//': the client's host option ends with '/'. "
                               "Remove the trailing slash from the host (http://127.0.0.1:8421, not "
                               "http://127.0.0.1:8421/)")
                    .arg(shown));
        return hint("request.emptyPathSegment",
                    QStringLiteral("The path %1 has an empty segment ('//'): the client joins its host and "
                                   "the route with one '/' too many; the route is %2")
                        .arg(shown, QString::fromUtf8(collapsed)));
    }
    // A host option carrying a path ("http://127.0.0.1:8421/insights") puts it before the route.
    for (const auto& [route, label] :
         {std::pair{"/1/events", "/1/events"}, std::pair{"/1/usertokens/", "/1/usertokens/{userToken}"}}) {
        const qsizetype at = collapsed.indexOf(route);
        if (at > 0 && isInsightsRoutePath(QByteArrayView(collapsed).sliced(at)))
            return hint("request.pathPrefix",
                        QStringLiteral("The Insights routes are at the host's root (%1): the path starts "
                                       "with '%2'. Give the client the endpoint's address without a path")
                            .arg(QLatin1String(label), QString::fromUtf8(collapsed.left(at))));
    }
    if (!isInsightsRoutePath(collapsed) && isInsightsRoutePath(collapsed.toLower()))
        return hint("request.pathCase", QStringLiteral("Paths are case-sensitive: %1 is not a route, %2 is")
                                            .arg(shown, QString::fromUtf8(collapsed.toLower())));
    if (collapsed == "/1/usertokens" || collapsed == "/1/usertokens/")
        return hint("request.missingUserToken",
                    QStringLiteral("DELETE /1/usertokens/{userToken}: the user token goes in the path"));
    if (collapsed.startsWith("/1/indexes"))
        return hint("request.searchOff",
                    QStringLiteral("Search routes (/1/indexes/...) are answered only in search mode local "
                                   "or relay (the settings, or serve --search local)"));
    if (collapsed == "/events" || collapsed == "/events/" || collapsed == "/v1/events" ||
        collapsed == "/1/event" || collapsed == "/1/insights/events")
        return hint("request.unknownInsightsPath",
                    QStringLiteral("No route %1: events are sent with POST /1/events").arg(shown));
    if (collapsed == "/1" || collapsed.startsWith("/1/"))
        return hint("request.unknownInsightsPath",
                    QStringLiteral("No route %1: the Insights API serves POST /1/events, GET /1/events and "
                                   "DELETE /1/usertokens/{userToken}")
                        .arg(shown));
    return std::nullopt;
}

QString messageOf(const QByteArray& body)
{
    return QJsonDocument::fromJson(body).object().value(QLatin1String("message")).toString();
}

RouteMatch matchRoute(QByteArrayView path)
{
    if (path.startsWith("//")) {
        // A host option ending with '/' ("http://127.0.0.1:8421/") makes the clients post to "//1/events".
        RouteMatch match;
        match.hint = nearMissHint(path);
        match.hostEndsWithSlash =
            match.hint && match.hint->code == QLatin1String("request.hostEndsWithSlash");
        match.route = match.hint ? Route::InsightsUnknown : Route::NotFound;
        return match;
    }
    const QByteArrayView asSent = path;
    // A trailing slash is tolerated, as most HTTP APIs do; the query string never reaches here (MHD strips
    // it).
    if (path.size() > 1 && path.endsWith('/'))
        path.chop(1);
    if (path == "/1/events")
        return {Route::Events, {}};
    static constexpr QByteArrayView tokenPrefix = "/1/usertokens/";
    if (path.startsWith(tokenPrefix) && path.size() > tokenPrefix.size()) {
        // Everything after the prefix, percent-decoded once: "%2F" is a '/' inside the token (the v5 clients
        // encode the token with encodeURIComponent), and the validator judges what remains.
        const QByteArray encoded = path.sliced(tokenPrefix.size()).toByteArray();
        return {Route::UserToken, QString::fromUtf8(QByteArray::fromPercentEncoding(encoded))};
    }
    if (path == "/debugger/events")
        return {Route::DebuggerEvents, {}};
    if (path == "/debugger/stats")
        return {Route::DebuggerStats, {}};
    RouteMatch match;
    match.hint = nearMissHint(asSent);
    match.route = match.hint ? Route::InsightsUnknown : Route::NotFound;
    return match;
}

bool isInsightsRoute(Route route)
{
    return route == Route::Events || route == Route::UserToken || route == Route::InsightsUnknown;
}

bool isMethodAllowed(Route route, QByteArrayView method)
{
    switch (route) {
    case Route::Events:
        return method == "POST" || method == "GET" || method == "HEAD";
    case Route::UserToken:
        return method == "DELETE";
    case Route::DebuggerEvents:
        return method == "GET" || method == "HEAD" || method == "DELETE";
    case Route::DebuggerStats:
        return method == "GET" || method == "HEAD";
    case Route::InsightsUnknown:
    case Route::NotFound:
        return true; // answered 404 whatever the method
    }
    return false;
}

QByteArray allowedMethods(Route route)
{
    switch (route) {
    case Route::Events:
        return QByteArrayLiteral("GET, POST, OPTIONS");
    case Route::UserToken:
        return QByteArrayLiteral("DELETE, OPTIONS");
    case Route::DebuggerEvents:
        return QByteArrayLiteral("GET, DELETE");
    case Route::DebuggerStats:
        return QByteArrayLiteral("GET");
    case Route::InsightsUnknown:
    case Route::NotFound:
        break;
    }
    return {};
}

QByteArray statusBody(int status, const QString& message)
{
    return "{\"status\":" + QByteArray::number(status) + ",\"message\":" + str(message) + '}';
}

QByteArray okBody()
{
    return QByteArrayLiteral(R"({"status":200,"message":"OK"})");
}

QByteArray invalidCredentialsBody()
{
    return QByteArrayLiteral(R"({"status":401,"message":"Invalid credentials"})");
}

QByteArray notFoundBody()
{
    return QByteArrayLiteral(
        R"({"status":404,"message":"Path not supported by Insights REST API. Please have a look at )"
        R"([https://www.algolia.com/doc/rest-api/insights/](https://www.algolia.com/doc/rest-api/insights) )"
        R"(for the list of valid commands."})");
}

QByteArray methodNotAllowedBody()
{
    return QByteArrayLiteral(R"({"status":405,"message":"Method Not Allowed"})");
}

QByteArray tooLargeBody()
{
    return QByteArrayLiteral(R"({"status":413,"message":"Request Entity Too Large"})");
}

QByteArray headersTooLargeBody(qint64 bytes, qint64 limit)
{
    return statusBody(431,
                      QStringLiteral("Request Header Fields Too Large: %1 bytes of request line and headers, "
                                     "the debugger accepts %2. Browsers send every cookie of the "
                                     "endpoint's host: clear some, or raise the limit")
                          .arg(bytes)
                          .arg(limit));
}

QList<QPair<QByteArray, QByteArray>> corsPreflightHeaders(QByteArrayView requestedHeaders,
                                                          bool privateNetworkRequested)
{
    QList<QPair<QByteArray, QByteArray>> headers{
        {"Access-Control-Allow-Origin", "*"},
        {"Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS"},
        {"Access-Control-Allow-Headers",
         requestedHeaders.isEmpty() ? QByteArray(kAllowedRequestHeaders) : requestedHeaders.toByteArray()},
        {"Access-Control-Max-Age", "86400"},
    };
    // Chrome's Private Network Access asks before a public page may reach loopback.
    if (privateNetworkRequested)
        headers.append(qMakePair(QByteArray("Access-Control-Allow-Private-Network"), QByteArray("true")));
    return headers;
}

QByteArray unsupportedEncodingBody(QByteArrayView coding)
{
    return statusBody(
        kUnsupportedEncodingStatus,
        QStringLiteral("Unsupported Content-Encoding: %1. The debugger decodes gzip and deflate "
                       "(status and message are the debugger's; Algolia's are unverified)")
            .arg(QString::fromLatin1(coding.data(), coding.size())));
}

QByteArray unsupportedTransferEncodingBody(QByteArrayView transferEncoding)
{
    return statusBody(501, QStringLiteral("Transfer-Encoding %1 is not implemented: send the body with "
                                          "Content-Length or Transfer-Encoding: chunked")
                               .arg(QString::fromLatin1(transferEncoding.data(), transferEncoding.size())));
}

bool isAllowedAutomationHost(QByteArrayView hostHeader, const QString& listenHost, quint16 port)
{
    QString host = QString::fromLatin1(hostHeader.data(), hostHeader.size()).trimmed().toLower();
    if (host.isEmpty())
        return false;
    QString portText;
    if (host.startsWith(QLatin1Char('['))) {
        const qsizetype close = host.indexOf(QLatin1Char(']'));
        if (close < 0)
            return false;
        portText = host.mid(close + 1);
        host = host.mid(1, close - 1);
        if (!portText.isEmpty() && !portText.startsWith(QLatin1Char(':')))
            return false;
        portText = portText.mid(1);
    } else if (const qsizetype colon = host.lastIndexOf(QLatin1Char(':')); colon >= 0) {
        portText = host.mid(colon + 1);
        host = host.left(colon);
    }
    // Port 80 may be omitted by clients; any other port must be spelled and match.
    if (portText.isEmpty() ? port != 80 : portText != QString::number(port))
        return false;
    if (host == QLatin1String("localhost") || host == listenHost.toLower())
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

bool isAllowedAutomationOrigin(QByteArrayView originHeader)
{
    const QByteArray origin = originHeader.trimmed().toByteArray();
    if (origin.isEmpty())
        return true; // not a browser page (curl, scripts, tests): the Host check is the guard
    const QUrl url(QString::fromLatin1(origin), QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
        return false; // "null" (sandboxed pages, file://) included
    const QString host = url.host().toLower();
    if (host == QLatin1String("localhost"))
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

std::optional<qint64> parseIsoDate(QStringView text)
{
    // A '+' of "+01:00" arrives as a space when the client did not percent-encode it (form decoding).
    QString value = text.trimmed().toString();
    value.replace(QLatin1Char(' '), QLatin1Char('+'));
    QDateTime time = QDateTime::fromString(value, Qt::ISODateWithMs);
    if (!time.isValid())
        time = QDateTime::fromString(value, Qt::ISODate);
    if (!time.isValid())
        return std::nullopt;
    return time.toMSecsSinceEpoch();
}

QByteArray feedRecordJson(const LogRecord& record)
{
    QByteArray errors = "[";
    bool first = true;
    for (const Issue& issue : record.issues) {
        if (!issue.isError())
            continue;
        if (!first)
            errors += ',';
        first = false;
        errors += str(issue.message);
    }
    errors += ']';
    QByteArray headers = "{";
    bool firstHeader = true;
    const auto header = [&](const char* name, const QString& value) {
        if (value.isEmpty())
            return;
        if (!firstHeader)
            headers += ',';
        firstHeader = false;
        headers += str(QString::fromLatin1(name)) + ":[" + str(value) + ']';
    };
    header("User-Agent", record.userAgent);
    header("X-Algolia-Agent", record.agent);
    header("Origin", record.origin);
    header("Referer", record.referer);
    header("X-Algolia-Application-Id", record.appId);
    headers += '}';
    return "{\"event\":" + embeddedJson(record.rawJson) + ",\"requestID\":" + str(record.requestId) +
           ",\"status\":" + QByteArray::number(record.httpStatus) + ",\"errors\":" + errors +
           ",\"headers\":" + headers + '}';
}

QByteArray automationRecordJson(const LogRecord& record)
{
    QByteArray out =
        "{\"id\":" + QByteArray::number(record.id) + ",\"kind\":" + str(recordKindName(record.kind)) +
        ",\"requestId\":" + str(record.requestId) +
        ",\"receivedAt\":" + QByteArray::number(record.receivedAtMs) +
        ",\"receivedAtIso\":" + str(isoTime(record.receivedAtMs)) +
        ",\"source\":" + str(eventSourceName(record.source)) +
        ",\"status\":" + (record.accepted ? "\"accepted\"" : "\"rejected\"") +
        ",\"verdict\":" + str(verdictKey(verdictOf(record))) +
        ",\"httpStatus\":" + QByteArray::number(record.httpStatus) + ",\"message\":" + str(record.message) +
        ",\"indexInRequest\":" + QByteArray::number(record.indexInRequest) +
        ",\"eventType\":" + str(record.eventType) + ",\"eventSubtype\":" + str(record.eventSubtype) +
        ",\"eventName\":" + str(record.eventName) + ",\"index\":" + str(record.index) +
        ",\"userToken\":" + str(record.userToken) +
        ",\"authenticatedUserToken\":" + str(record.authenticatedUserToken) +
        ",\"timestamp\":" + QByteArray::number(record.timestampMs) + ",\"queryID\":" + str(record.queryId) +
        ",\"issues\":" + issuesJson(record.issues) + ",\"event\":" + embeddedJson(record.rawJson) +
        ",\"request\":{\"userAgent\":" + str(record.userAgent) + ",\"device\":" + str(record.device) +
        ",\"agent\":" + str(record.agent) + ",\"origin\":" + str(record.origin) +
        ",\"referer\":" + str(record.referer) + ",\"remoteAddress\":" + str(record.remoteAddress) +
        ",\"appId\":" + str(record.appId) + ",\"target\":" + str(record.target) +
        ",\"method\":" + str(record.method) + ",\"path\":" + str(record.path) + "}}";
    return out;
}

std::optional<QList<RecordKind>> automationKinds(QStringView parameter)
{
    if (parameter.trimmed().isEmpty())
        return QList<RecordKind>{RecordKind::Event, RecordKind::Request};
    QList<RecordKind> kinds;
    for (const QStringView name : parameter.split(QLatin1Char(','))) {
        if (name.trimmed().compare(QLatin1String("all"), Qt::CaseInsensitive) == 0)
            return QList<RecordKind>();
        const std::optional<RecordKind> kind = recordKindFromName(name.trimmed());
        if (!kind)
            return std::nullopt;
        if (!kinds.contains(*kind))
            kinds.append(*kind);
    }
    // Every kind named is the same as no filter.
    return kinds.size() == int(RecordKind::Request) + 1 ? QList<RecordKind>() : kinds;
}

QByteArray statsJson(const LogStats& stats, qint64 lastId)
{
    return "{\"total\":" + QByteArray::number(stats.total) + ",\"lastId\":" + QByteArray::number(lastId) +
           ",\"accepted\":" + QByteArray::number(stats.accepted) +
           ",\"rejected\":" + QByteArray::number(stats.rejected) +
           ",\"byEventType\":" + countsJson(stats.byEventType) +
           ",\"byUserToken\":" + countsJson(stats.byUserToken) + '}';
}

RateLimitDecision takeRateLimit(RateLimitWindow& window, qint64 nowMs, int limit)
{
    const qint64 nowSec = nowMs / 1000;
    if (window.used == 0 || nowSec - window.windowStartSec >= 60) {
        window.windowStartSec = nowSec;
        window.used = 0;
    }
    RateLimitDecision decision;
    decision.allowed = window.used < limit;
    if (decision.allowed)
        ++window.used; // a refused call does not use the allowance
    const int remaining = std::max(0, limit - window.used);
    decision.headers = {
        {"x-ratelimit-limit", QByteArray::number(limit)},
        {"x-ratelimit-remaining", QByteArray::number(remaining)},
        {"x-ratelimit-reset", QByteArray::number(window.windowStartSec + 60)},
    };
    return decision;
}

QByteArray tooManyRequestsBody()
{
    return QByteArrayLiteral(
        R"({"status":429,"message":"Too Many Requests. This operation is rate-limited."})");
}

} // namespace EndpointHttp
