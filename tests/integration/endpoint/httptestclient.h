#pragma once

// Small HTTP helpers for the endpoint tests: a QNetworkAccessManager round trip, and a raw socket exchange
// for what QNetworkAccessManager cannot send (chunked bodies, malformed requests, stalls, 100-continue).
// Both wait on the event loop (QSignalSpy::wait), never with waitFor*: the endpoint may share the thread.

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrl>

#include <optional>

class QNetworkAccessManager;

struct HttpResult
{
    int status = 0; // 0 when no answer came
    QByteArray body;
    QList<QPair<QByteArray, QByteArray>> headers;
    QString error; // network error text, empty when none

    QByteArray header(QByteArrayView name) const;
    // The "message" of a JSON body, empty when none.
    QString message() const;
};

using RawHeaders = QList<QPair<QByteArray, QByteArray>>;

HttpResult httpRequest(QNetworkAccessManager& manager, const QByteArray& method, const QUrl& url,
                       const RawHeaders& headers = {}, const QByteArray& body = {}, int timeoutMs = 10000);

// A raw client over a QTcpSocket, for what QNetworkAccessManager cannot send: chunked bodies written by hand,
// malformed requests, a client that stalls, Expect: 100-continue.
class RawClient
{
public:
    RawClient();
    ~RawClient();
    bool connectTo(quint16 port, int timeoutMs = 5000);
    void write(const QByteArray& data);
    void abort();
    // Processes events until `received` contains `text` (true) or the time is up (false).
    bool waitForText(QByteArrayView text, int timeoutMs = 5000);
    // Processes events until the server closes the connection (true) or the time is up (false).
    bool waitForClose(int timeoutMs = 5000);
    const QByteArray& received() const;
    bool isClosed() const;
    // Status code of the first final (non-1xx) response received, 0 when none.
    int finalStatus() const;

private:
    struct Private;
    Private* d;
};
