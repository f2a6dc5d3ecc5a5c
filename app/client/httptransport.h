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
#include <optional>

class QNetworkAccessManager;
class QNetworkReply;

// One HTTP request as a value (practice 5: request -> handler -> result).
struct SendRequest
{
    QByteArray method = QByteArrayLiteral("POST");
    QUrl url;
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers; // may hold the API key: never print a SendRequest
    int timeoutMs = 30'000;                       // transfer timeout (no bytes moving for this long)
    // Send the body gzip-encoded (Content-Encoding: gzip) when that makes it smaller: fewer bytes, and a
    // request that fits in fewer TCP writes (Qt's HTTP sockets do not disable Nagle's algorithm).
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
    int httpStatus = 0;  // 0 without an HTTP answer
    QByteArray body;     // the response body
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

// Runs SendRequests on the one QNetworkAccessManager of the service that owns it. Keep-alive comes from
// reusing that manager's connections; every reply is deleteLater()'d once its handler has run.
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
    void abort(quint64 id);
    void abortAll();
    int inFlight() const;

private:
    void finish(QNetworkReply* reply);

    struct Pending
    {
        quint64 id = 0;
        QPointer<QObject> context;
        Handler handler;
        QElapsedTimer timer;
        QByteArray sentRequestId;
        bool aborted = false;
    };

    QNetworkAccessManager* m_network = nullptr;
    QHash<QNetworkReply*, Pending> m_pending;
    quint64 m_nextId = 1;
};

Q_DECLARE_METATYPE(SendResult)
