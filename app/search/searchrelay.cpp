#include "searchrelay.h"

#include "client/httptransport.h"

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

// Owns the relay's HTTP client (the app's one, HttpTransport) on the relay's thread.
struct SearchRelay::Worker final : QObject
{
    HttpTransport* transport = nullptr;

    void send(std::shared_ptr<RelayRequest> request, QStringList hosts, int attempt,
              std::function<void(RelayAnswer)> done, QString lastError)
    {
        if (attempt >= hosts.size()) {
            RelayAnswer answer;
            answer.error = lastError.isEmpty() ? QStringLiteral("no search host to relay to") : lastError;
            done(answer);
            return;
        }
        if (!transport)
            transport = new HttpTransport(this);
        QString target = hosts.at(attempt) + QString::fromUtf8(request->path);
        if (!request->query.isEmpty())
            target += QLatin1Char('?') + QString::fromUtf8(request->query);
        SendRequest outgoing;
        outgoing.method = request->method;
        outgoing.url = QUrl::fromEncoded(target.toUtf8());
        outgoing.body = request->body;
        outgoing.timeoutMs = kTimeoutMs;
        for (const auto& [name, value] : std::as_const(request->headers)) {
            if (!isHopHeader(name.toLower()))
                outgoing.headers.append({name, value});
        }
        // Redirects are not followed (HttpTransport never does): the site gets Algolia's answer as it is.
        transport->execute(outgoing, this, [this, request, hosts, attempt, done](const SendResult& result) {
            if (result.httpStatus > 0 && result.httpStatus < 500) {
                RelayAnswer answer;
                answer.status = result.httpStatus;
                answer.body = result.body;
                answer.contentType = result.contentType;
                done(answer);
                return;
            }
            const QString error =
                result.httpStatus > 0
                    ? QStringLiteral("HTTP %1 from %2").arg(result.httpStatus).arg(hosts.at(attempt))
                    : result.errorString;
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
