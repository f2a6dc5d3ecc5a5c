#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QString>
#include <QUrl>

#include <functional>
#include <memory>
#include <optional>

// One HTTP request as a value (practice 5: request -> handler -> result).
struct SendRequest
{
    QByteArray method = QByteArrayLiteral("POST");
    QUrl url;
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers; // may hold the API key: never print a SendRequest
    int timeoutMs = 30'000;                       // transfer timeout (no bytes moving for this long)
    // Send the body gzip-encoded (Content-Encoding: gzip) when that makes it smaller: fewer bytes on the
    // wire (a choice per target; the sockets have Nagle's algorithm off either way).
    bool gzipBody = false;
    // `body` is already gzip-encoded (stored so in the outbox): sent with Content-Encoding: gzip as is.
    bool bodyIsGzip = false;
};

enum class SendStatus
{
    Success,        // 2xx
    HttpError,      // an HTTP answer outside 2xx (httpStatus says which)
    TransportError, // connection refused, reset, closed without an answer, TLS, DNS
    Timeout,        // the transfer timeout expired
    Cancelled,      // abort() by the caller (shutdown)
};

struct SendResult
{
    SendStatus status = SendStatus::TransportError;
    int httpStatus = 0;     // 0 without an HTTP answer
    QByteArray body;        // the response body
    QByteArray contentType; // the answer's Content-Type, as sent
    QString message;     // Algolia's `message` from a JSON body, else the body text (short), else the error
    QString errorString; // the transport error, for TransportError/Timeout
    QString requestId;   // x-request-id / x-algolia-request-id of the answer, else the one we sent
    std::optional<qint64> retryAfterMs;     // Retry-After, as a delay
    std::optional<qint64> rateLimitResetMs; // x-ratelimit-reset, as an absolute time (ms since epoch)
    qint64 elapsedMs = 0;

    bool isSuccess() const { return status == SendStatus::Success; }
    // Transport errors, timeouts, 5xx and 429 may succeed later; any other 4xx never will.
    bool isRetryable() const;
    // One line for logs and summaries: "HTTP 422: …", "timeout after 30000 ms", "connection refused".
    QString describe() const;
};

// Pure helpers, exposed for table tests.
namespace HttpHeaders {
// Retry-After: delta-seconds or an HTTP-date. nullopt when absent or unreadable.
std::optional<qint64> parseRetryAfterMs(const QByteArray& value, qint64 nowMs);
// Algolia's `message` of {"status":…,"message":…}; else the trimmed body when it is short text.
QString messageFromBody(const QByteArray& body);
} // namespace HttpHeaders

// The app's one HTTP client: every request the app makes goes through an HttpTransport. It wraps libcurl
// (a multi handle on a thread of its own, keep-alive connections reused, TCP_NODELAY on: Qt 6.4's
// QNetworkAccessManager leaves Nagle's algorithm on, so a request's last segment waited for the server's
// delayed ACK, about 40 ms, on every request). Results come back on this object's thread.
class HttpTransport final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpTransport)

public:
    using Handler = std::function<void(const SendResult&)>;

    explicit HttpTransport(QObject* parent = nullptr);
    ~HttpTransport() override;

    // Starts the request; `handler` runs on this object's thread once, unless `context` is gone by then.
    // Returns an id for abort().
    quint64 execute(const SendRequest& request, QObject* context, Handler handler);
    // Ends the request at once: its handler runs before abort() returns, with SendStatus::Cancelled.
    void abort(quint64 id);
    void abortAll();
    int inFlight() const;

    class Worker;

private:
    void finish(quint64 id, const SendResult& result);

    struct Pending
    {
        QPointer<QObject> context;
        Handler handler;
        QByteArray sentRequestId;
    };

    QHash<quint64, Pending> m_pending;
    quint64 m_nextId = 1;
    std::unique_ptr<Worker> m_worker; // last member: stopped (and joined) first
};

Q_DECLARE_METATYPE(SendResult)
