#include "httptestclient.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTcpSocket>
#include <QTest>

#include <memory>

QByteArray HttpResult::header(QByteArrayView name) const
{
    for (const auto& [key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

QString HttpResult::message() const
{
    return QJsonDocument::fromJson(body).object().value(QLatin1String("message")).toString();
}

HttpResult httpRequest(QNetworkAccessManager& manager, const QByteArray& method, const QUrl& url,
                       const RawHeaders& headers, const QByteArray& body, int timeoutMs)
{
    QNetworkRequest request(url);
    bool hasContentType = false;
    for (const auto& [name, value] : headers) {
        request.setRawHeader(name, value);
        hasContentType = hasContentType || name.compare("content-type", Qt::CaseInsensitive) == 0;
    }
    if (!body.isEmpty() && !hasContentType)
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setTransferTimeout(timeoutMs);
    std::unique_ptr<QNetworkReply> reply(manager.sendCustomRequest(request, method, body));
    HttpResult result;
    if (!QTest::qWaitFor([&reply] { return reply->isFinished(); }, timeoutMs + 1000)) {
        result.error = QStringLiteral("no answer within %1 ms").arg(timeoutMs);
        return result;
    }
    result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    result.body = reply->readAll();
    for (const auto& pair : reply->rawHeaderPairs())
        result.headers.append(pair);
    if (reply->error() != QNetworkReply::NoError && result.status == 0)
        result.error = reply->errorString();
    return result;
}

struct RawClient::Private
{
    QTcpSocket socket;
    QByteArray received;
    bool closed = false;
};

RawClient::RawClient()
    : d(new Private)
{
    QObject::connect(&d->socket, &QTcpSocket::readyRead, &d->socket,
                     [this] { d->received += d->socket.readAll(); });
    QObject::connect(&d->socket, &QTcpSocket::disconnected, &d->socket, [this] { d->closed = true; });
}

RawClient::~RawClient()
{
    d->socket.abort();
    delete d;
}

bool RawClient::connectTo(quint16 port, int timeoutMs)
{
    d->socket.connectToHost(QStringLiteral("127.0.0.1"), port);
    return QTest::qWaitFor([this] { return d->socket.state() == QAbstractSocket::ConnectedState; },
                           timeoutMs);
}

void RawClient::write(const QByteArray& data)
{
    d->socket.write(data);
}

void RawClient::abort()
{
    d->socket.abort();
}

bool RawClient::waitForText(QByteArrayView text, int timeoutMs)
{
    return QTest::qWaitFor([this, text] { return d->received.contains(text); }, timeoutMs);
}

bool RawClient::waitForClose(int timeoutMs)
{
    return QTest::qWaitFor([this] { return d->closed; }, timeoutMs);
}

const QByteArray& RawClient::received() const
{
    return d->received;
}

bool RawClient::isClosed() const
{
    return d->closed;
}

int RawClient::finalStatus() const
{
    qsizetype from = 0;
    while (true) {
        const qsizetype at = d->received.indexOf("HTTP/1.", from);
        if (at < 0 || at + 12 > d->received.size())
            return 0;
        const int status = d->received.mid(at + 9, 3).toInt();
        if (status >= 200)
            return status;
        from = at + 12;
    }
}
