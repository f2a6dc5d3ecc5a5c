#include "faultserver.h"

#include <QDateTime>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

#include <zlib.h>

namespace {

// The client gzips bodies for the embedded endpoint: the test server reads them as that endpoint does.
QByteArray gunzip(const QByteArray& data)
{
    z_stream stream{};
    if (inflateInit2(&stream, 15 + 32) != Z_OK)
        return {};
    QByteArray out;
    char buffer[65536];
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.constData()));
    stream.avail_in = static_cast<uInt>(data.size());
    int status = Z_OK;
    while (status == Z_OK) {
        stream.next_out = reinterpret_cast<Bytef*>(buffer);
        stream.avail_out = sizeof buffer;
        status = inflate(&stream, Z_NO_FLUSH);
        out.append(buffer, static_cast<qsizetype>(sizeof buffer - stream.avail_out));
    }
    inflateEnd(&stream);
    return status == Z_STREAM_END ? out : QByteArray();
}

} // namespace

FaultServer::FaultServer(QObject* parent)
    : QObject(parent)
{
    connect(&m_server, &QTcpServer::newConnection, this, &FaultServer::onNewConnection);
}

FaultServer::~FaultServer() = default;

bool FaultServer::listen()
{
    return m_server.listen(QHostAddress::LocalHost, 0);
}

quint16 FaultServer::port() const
{
    return m_server.serverPort();
}

QUrl FaultServer::url() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port()));
}

void FaultServer::onNewConnection()
{
    while (QTcpSocket* socket = m_server.nextPendingConnection()) {
        ++m_connections;
        socket->setParent(this);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            m_buffers.remove(socket);
            socket->deleteLater();
        });
    }
}

void FaultServer::onReadyRead(QTcpSocket* socket)
{
    QByteArray& buffer = m_buffers[socket];
    buffer.append(socket->readAll());
    for (;;) {
        const qsizetype headEnd = buffer.indexOf("\r\n\r\n");
        if (headEnd < 0)
            return;
        ReceivedRequest request;
        request.rawHead = buffer.left(headEnd);
        const QList<QByteArray> lines = request.rawHead.split('\n');
        const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
        request.method = requestLine.value(0);
        request.target = requestLine.value(1);
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines.at(i).trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon > 0)
                request.headers.insert(line.left(colon).trimmed().toLower(), line.mid(colon + 1).trimmed());
        }
        const qsizetype length = request.headers.value("content-length", "0").toLongLong();
        if (buffer.size() < headEnd + 4 + length)
            return;
        request.body = buffer.mid(headEnd + 4, length);
        request.wireBytes = request.body.size();
        if (request.headers.value("content-encoding") == "gzip")
            request.body = gunzip(request.body);
        buffer.remove(0, headEnd + 4 + length);
        request.receivedAtMs = QDateTime::currentMSecsSinceEpoch();
        handle(socket, std::move(request));
        if (!m_buffers.contains(socket))
            return; // dropped
    }
}

void FaultServer::handle(QTcpSocket* socket, ReceivedRequest request)
{
    FaultAction action = m_fallback;
    if (m_handler)
        action = m_handler(request);
    else if (!m_script.isEmpty())
        action = m_script.takeFirst();
    m_requests.append(std::move(request));
    Q_EMIT requestReceived(static_cast<int>(m_requests.size()));

    switch (action.kind) {
    case FaultAction::Kind::Drop:
        m_buffers.remove(socket);
        socket->abort();
        socket->deleteLater();
        return;
    case FaultAction::Kind::Hang:
        return;
    case FaultAction::Kind::Respond:
        break;
    }
    QByteArray response = "HTTP/1.1 " + QByteArray::number(action.status) + " Status\r\n";
    response += "Content-Type: application/json\r\n";
    response += "Content-Length: " + QByteArray::number(action.body.size()) + "\r\n";
    for (const auto& [name, value] : action.headers)
        response += name + ": " + value + "\r\n";
    response += "\r\n" + action.body;
    QPointer<QTcpSocket> guard(socket);
    const auto send = [guard, response] {
        if (guard && guard->state() == QAbstractSocket::ConnectedState)
            guard->write(response);
    };
    if (action.delayMs > 0)
        QTimer::singleShot(action.delayMs, this, send);
    else
        send();
}
