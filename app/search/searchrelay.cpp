#include "searchrelay.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QThread>
#include <QUrl>

namespace {

constexpr int kTimeoutMs = 5'000; // Algolia's browser clients use 2 s reads; allow for slow test stand-ins

// Headers a proxy must not copy: they describe this hop, or the body as the endpoint received it (the body
// forwarded is already decoded).
bool isHopHeader(const QByteArray& lowercaseName)
{
    static const QList<QByteArray> names{"host",
                                         "content-length",
                                         "connection",
                                         "keep-alive",
                                         "transfer-encoding",
                                         "content-encoding",
                                         "accept-encoding",
                                         "te",
                                         "upgrade",
                                         "expect",
                                         "proxy-connection"};
    return names.contains(lowercaseName);
}

} // namespace

// Owns the network access manager on the relay's thread.
struct SearchRelay::Worker final : QObject
{
    QNetworkAccessManager* network = nullptr;

    void send(std::shared_ptr<RelayRequest> request, QStringList hosts, int attempt,
              std::function<void(RelayAnswer)> done, QString lastError)
    {
        if (attempt >= hosts.size()) {
            RelayAnswer answer;
            answer.error = lastError.isEmpty() ? QStringLiteral("no search host to relay to") : lastError;
            done(answer);
            return;
        }
        if (!network)
            network = new QNetworkAccessManager(this);
        QString target = hosts.at(attempt) + QString::fromUtf8(request->path);
        if (!request->query.isEmpty())
            target += QLatin1Char('?') + QString::fromUtf8(request->query);
        QNetworkRequest outgoing(QUrl::fromEncoded(target.toUtf8()));
        outgoing.setTransferTimeout(kTimeoutMs);
        outgoing.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                              QNetworkRequest::ManualRedirectPolicy);
        for (const auto& [name, value] : std::as_const(request->headers)) {
            if (!isHopHeader(name.toLower()))
                outgoing.setRawHeader(name, value);
        }
        QNetworkReply* reply = network->sendCustomRequest(outgoing, request->method, request->body);
        connect(reply, &QNetworkReply::finished, this, [this, reply, request, hosts, attempt, done]() {
            reply->deleteLater();
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            if (status > 0 && status < 500) {
                RelayAnswer answer;
                answer.status = status;
                answer.body = reply->readAll();
                answer.contentType = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
                done(answer);
                return;
            }
            const QString error = status > 0
                                      ? QStringLiteral("HTTP %1 from %2").arg(status).arg(hosts.at(attempt))
                                      : reply->errorString();
            send(request, hosts, attempt + 1, done, error);
        });
    }
};

SearchRelay::SearchRelay(QObject* parent)
    : QObject(parent)
    , m_thread(new QThread())
{
    m_thread->setObjectName(QStringLiteral("search-relay"));
    auto* worker = new Worker();
    worker->moveToThread(m_thread);
    m_worker = worker;
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread->start();
}

SearchRelay::~SearchRelay()
{
    m_thread->quit();
    m_thread->wait();
    delete m_thread;
}

void SearchRelay::setHosts(QStringList baseUrls)
{
    QMutexLocker locker(&m_mutex);
    m_hosts = std::move(baseUrls);
}

QStringList SearchRelay::algoliaSearchHosts(const QString& appId)
{
    const QString id = appId.toLower();
    return {QStringLiteral("https://%1-dsn.algolia.net").arg(id),
            QStringLiteral("https://%1-1.algolianet.com").arg(id),
            QStringLiteral("https://%1-2.algolianet.com").arg(id),
            QStringLiteral("https://%1-3.algolianet.com").arg(id)};
}

void SearchRelay::forward(RelayRequest request, std::function<void(RelayAnswer)> done)
{
    QStringList hosts;
    {
        QMutexLocker locker(&m_mutex);
        hosts = m_hosts;
    }
    if (hosts.isEmpty() && !request.appId.isEmpty())
        hosts = algoliaSearchHosts(request.appId);
    auto shared = std::make_shared<RelayRequest>(std::move(request));
    auto* worker = static_cast<Worker*>(m_worker);
    QMetaObject::invokeMethod(
        worker, [worker, shared, hosts, done]() { worker->send(shared, hosts, 0, done, {}); },
        Qt::QueuedConnection);
}
