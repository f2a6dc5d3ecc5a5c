#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPair>
#include <QTcpServer>
#include <QUrl>

#include <functional>

class QTcpSocket;

// What the fault server does with one request.
struct FaultAction
{
    enum class Kind
    {
        Respond, // answer `status` with `body` and `headers` after `delayMs`
        Drop,    // close the connection without answering
        Hang,    // never answer (the client's transfer timeout has to act)
    };
    Kind kind = Kind::Respond;
    int status = 200;
    QByteArray body = QByteArrayLiteral("{\"status\":200,\"message\":\"OK\"}");
    QList<QPair<QByteArray, QByteArray>> headers;
    int delayMs = 0;

    static FaultAction ok() { return {}; }
    static FaultAction respond(int status, const QByteArray& body,
                               QList<QPair<QByteArray, QByteArray>> headers = {})
    {
        FaultAction action;
        action.status = status;
        action.body = body;
        action.headers = std::move(headers);
        return action;
    }
    static FaultAction drop()
    {
        FaultAction action;
        action.kind = Kind::Drop;
        return action;
    }
    static FaultAction hang()
    {
        FaultAction action;
        action.kind = Kind::Hang;
        return action;
    }
    static FaultAction slow(int delayMs)
    {
        FaultAction action;
        action.delayMs = delayMs;
        return action;
    }
};

struct ReceivedRequest
{
    QByteArray method;
    QByteArray target;                     // path and query as sent
    QHash<QByteArray, QByteArray> headers; // lower-case names
    QByteArray body;                       // decoded (gunzipped when the request was)
    qint64 wireBytes = 0;                  // body size as sent
    qint64 receivedAtMs = 0;
    QByteArray rawHead; // request line + headers, for "is the key anywhere" checks
};

// A small HTTP/1.1 server on a real loopback socket that misbehaves on purpose: scripted answers per
// request (500, 429 with Retry-After, 413, slow, dropped, hung), keep-alive, Content-Length bodies.
// Runs in the test's thread, driven by its event loop (never block on it with waitFor*).
class FaultServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FaultServer)

public:
    explicit FaultServer(QObject* parent = nullptr);
    ~FaultServer() override;

    bool listen();
    QUrl url() const;
    quint16 port() const;

    // Actions for the next requests, in order; when none is left, `fallback` (200 OK by default).
    void script(const QList<FaultAction>& actions) { m_script.append(actions); }
    void setFallback(const FaultAction& action) { m_fallback = action; }
    // Decides per request instead of the script (takes precedence when set).
    void setHandler(std::function<FaultAction(const ReceivedRequest&)> handler)
    {
        m_handler = std::move(handler);
    }

    const QList<ReceivedRequest>& requests() const { return m_requests; }
    int connectionsAccepted() const { return m_connections; }

Q_SIGNALS:
    void requestReceived(int total);

private:
    void onNewConnection();
    void onReadyRead(QTcpSocket* socket);
    void handle(QTcpSocket* socket, ReceivedRequest request);

    QTcpServer m_server;
    QHash<QTcpSocket*, QByteArray> m_buffers;
    QList<FaultAction> m_script;
    FaultAction m_fallback;
    std::function<FaultAction(const ReceivedRequest&)> m_handler;
    QList<ReceivedRequest> m_requests;
    int m_connections = 0;
};
