#include "httptransport.h"

#include "compression/gzip.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QMetaEnum>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUuid>

bool SendResult::isRetryable() const
{
    switch (status) {
    case SendStatus::Success:
    case SendStatus::Cancelled:
        return false;
    case SendStatus::TransportError:
    case SendStatus::Timeout:
        return true;
    case SendStatus::HttpError:
        return httpStatus == 429 || httpStatus >= 500;
    }
    return false;
}

QString SendResult::describe() const
{
    switch (status) {
    case SendStatus::Success:
    case SendStatus::HttpError:
        return message.isEmpty() ? QStringLiteral("HTTP %1").arg(httpStatus)
                                 : QStringLiteral("HTTP %1: %2").arg(httpStatus).arg(message);
    case SendStatus::Timeout:
        return QStringLiteral("timeout: %1").arg(errorString);
    case SendStatus::TransportError:
        return QStringLiteral("network error: %1").arg(errorString);
    case SendStatus::Cancelled:
        return QStringLiteral("cancelled");
    }
    return {};
}

namespace HttpHeaders {

std::optional<qint64> parseRetryAfterMs(const QByteArray& value, qint64 nowMs)
{
    const QByteArray trimmed = value.trimmed();
    if (trimmed.isEmpty())
        return std::nullopt;
    bool ok = false;
    const qint64 seconds = trimmed.toLongLong(&ok);
    if (ok)
        return seconds < 0 ? std::nullopt : std::optional<qint64>(seconds * 1000);
    // HTTP-date (IMF-fixdate): "Wed, 21 Oct 2015 07:28:00 GMT".
    const QDateTime date = QLocale::c().toDateTime(QString::fromLatin1(trimmed).chopped(4),
                                                   QStringLiteral("ddd, dd MMM yyyy HH:mm:ss"));
    if (!date.isValid() || !trimmed.endsWith("GMT"))
        return std::nullopt;
    QDateTime utc = date;
    utc.setTimeSpec(Qt::UTC);
    return qMax<qint64>(0, utc.toMSecsSinceEpoch() - nowMs);
}

QString messageFromBody(const QByteArray& body)
{
    if (body.isEmpty())
        return {};
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(body, &error);
    if (error.error == QJsonParseError::NoError && document.isObject()) {
        const QJsonValue message = document.object().value(QLatin1String("message"));
        if (message.isString())
            return message.toString();
    }
    // Algolia's 400 is text/html; a proxy may answer anything. Keep it short and on one line.
    QString text = QString::fromUtf8(body.left(300)).simplified();
    return text;
}

} // namespace HttpHeaders

HttpTransport::HttpTransport(QObject* parent)
    : QObject(parent)
    , m_network(new QNetworkAccessManager(this))
{}

HttpTransport::~HttpTransport()
{
    abortAll();
}

quint64 HttpTransport::execute(const SendRequest& request, QObject* context, Handler handler)
{
    QNetworkRequest networkRequest(request.url);
    networkRequest.setTransferTimeout(request.timeoutMs);
    networkRequest.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                                QNetworkRequest::ManualRedirectPolicy);
    networkRequest.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    Pending pending;
    for (const auto& [name, value] : request.headers) {
        networkRequest.setRawHeader(name, value);
        if (name.compare("x-algolia-request-id", Qt::CaseInsensitive) == 0)
            pending.sentRequestId = value;
    }
    QByteArray body = request.body;
    if (request.bodyIsGzip) {
        networkRequest.setRawHeader("content-encoding", "gzip");
    } else if (request.gzipBody && body.size() > 750) {
        QByteArray compressed = gzipBody(body);
        if (!compressed.isEmpty() && compressed.size() < body.size()) {
            body = std::move(compressed);
            networkRequest.setRawHeader("content-encoding", "gzip");
        }
    }
    QNetworkReply* reply = nullptr;
    if (request.method == "GET")
        reply = m_network->get(networkRequest);
    else if (request.method == "DELETE")
        reply = m_network->deleteResource(networkRequest);
    else
        reply = m_network->sendCustomRequest(networkRequest, request.method, body);
    pending.id = m_nextId++;
    pending.context = context;
    pending.handler = std::move(handler);
    pending.timer.start();
    const quint64 id = pending.id;
    m_pending.insert(reply, std::move(pending));
    connect(reply, &QNetworkReply::finished, this, [this, reply] { finish(reply); });
    return id;
}

void HttpTransport::abort(quint64 id)
{
    for (auto it = m_pending.begin(); it != m_pending.end(); ++it) {
        if (it->id == id) {
            it->aborted = true;
            it.key()->abort(); // emits finished synchronously
            return;
        }
    }
}

void HttpTransport::abortAll()
{
    const QList<QNetworkReply*> replies = m_pending.keys();
    for (QNetworkReply* reply : replies) {
        auto it = m_pending.find(reply);
        if (it == m_pending.end())
            continue;
        it->aborted = true;
        reply->abort();
    }
}

int HttpTransport::inFlight() const
{
    return static_cast<int>(m_pending.size());
}

void HttpTransport::finish(QNetworkReply* reply)
{
    reply->deleteLater();
    Pending pending = m_pending.take(reply);
    if (!pending.handler)
        return;
    SendResult result;
    result.elapsedMs = pending.timer.elapsed();
    const QVariant statusAttribute = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    result.httpStatus = statusAttribute.isValid() ? statusAttribute.toInt() : 0;
    result.body = reply->isOpen() ? reply->readAll() : QByteArray();
    const QNetworkReply::NetworkError error = reply->error();
    if (pending.aborted) {
        result.status = SendStatus::Cancelled;
        result.errorString = QStringLiteral("cancelled");
    } else if (result.httpStatus > 0) {
        result.status =
            result.httpStatus >= 200 && result.httpStatus < 300 ? SendStatus::Success : SendStatus::HttpError;
    } else if (error == QNetworkReply::OperationCanceledError || error == QNetworkReply::TimeoutError) {
        // Qt 6.4 reports an expired transfer timeout as OperationCanceledError; we did not abort it.
        result.status = SendStatus::Timeout;
        result.errorString = QStringLiteral("no answer within the transfer timeout");
    } else {
        result.status = SendStatus::TransportError;
        // Qt's text is sometimes just "Unknown error": the enum name says what happened.
        const char* name = QMetaEnum::fromType<QNetworkReply::NetworkError>().valueToKey(error);
        result.errorString = name ? QStringLiteral("%1 (%2)").arg(reply->errorString(), QLatin1String(name))
                                  : reply->errorString();
    }
    if (result.httpStatus > 0) {
        result.message = HttpHeaders::messageFromBody(result.body);
        const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
        if (reply->hasRawHeader("Retry-After"))
            result.retryAfterMs = HttpHeaders::parseRetryAfterMs(reply->rawHeader("Retry-After"), nowMs);
        if (reply->hasRawHeader("x-ratelimit-reset")) {
            bool ok = false;
            const qint64 resetSeconds = reply->rawHeader("x-ratelimit-reset").trimmed().toLongLong(&ok);
            if (ok && resetSeconds > 0)
                result.rateLimitResetMs = resetSeconds * 1000;
        }
        for (const char* name : {"x-request-id", "x-algolia-request-id", "request-id"}) {
            if (reply->hasRawHeader(name)) {
                result.requestId = QString::fromLatin1(reply->rawHeader(name));
                break;
            }
        }
    } else {
        result.message = result.errorString;
    }
    if (result.requestId.isEmpty())
        result.requestId = QString::fromLatin1(pending.sentRequestId);
    if (pending.context)
        pending.handler(result);
}
