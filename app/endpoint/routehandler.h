#pragma once

// Extra routes on the embedded endpoint (INTERFACES.md §2): searches (/1/indexes/..., /debugger/searches),
// plan checks (/debugger/checks), the demo page (/demo/) are served by handlers that know nothing of the
// endpoint's HTTP code. The endpoint keeps the transport's rules for them: it reads the body within the
// profile's body limit (413 beyond), decodes its Content-Encoding, answers CORS preflights and adds CORS
// headers and checks credentials on Algolia routes (401 "Invalid credentials"), and checks Host and Origin on
// automation routes (403). A handler sees only requests that passed those checks.

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>
#include <QString>

#include <functional>

struct EndpointRequest
{
    QByteArray method;                            // "GET", "POST", ...
    QByteArray path;                              // as received, not percent-decoded, without the query
    QByteArray query;                             // raw query string without '?'
    QList<QPair<QByteArray, QByteArray>> headers; // names lowercased, in order
    QByteArray body;                              // after Content-Encoding decoding, within the body limit
    QString remoteAddress;
    QString requestId; // the endpoint's id for this request

    // The first header of that name (give it lowercase), empty when absent.
    QByteArray header(QByteArrayView lowercaseName) const
    {
        for (const auto& [name, value] : headers) {
            if (name == lowercaseName)
                return value;
        }
        return {};
    }
};

struct EndpointResponse
{
    int status = 200;
    QByteArray contentType = "application/json; charset=utf-8";
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers; // added after the endpoint's own (CORS, framing)
};

class EndpointRouteHandler
{
public:
    virtual ~EndpointRouteHandler() = default;
    // Whether this handler serves the request. Called on an endpoint thread for every request, first come
    // first asked, before the endpoint's own routes: keep it cheap and thread-safe. An OPTIONS preflight on
    // an Algolia route is answered by the endpoint when the handler matches the preflight's
    // Access-Control-Request-Method for that path.
    virtual bool matches(QByteArrayView method, QByteArrayView path) const = 0;
    // Called on an endpoint thread. `respond` must be called exactly once, from any thread (synchronously
    // inside handle() too); the client waits for it, and stopping the endpoint waits for it (up to 10 s).
    virtual void handle(EndpointRequest request, std::function<void(EndpointResponse)> respond) = 0;
    // true: CORS answers and headers and Algolia's credentials check and error shapes apply.
    virtual bool isAlgoliaRoute() const { return false; }
    // true: the automation API's Host and Origin checks (loopback only) apply.
    virtual bool isAutomationRoute() const { return false; }
};
