#include "indexbrowser.h"

#include "client/httptransport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace {

QString titleOf(const QJsonObject& hit)
{
    for (const char* key : {"title", "name", "label"}) {
        const QJsonValue value = hit.value(QLatin1String(key));
        if (value.isString() && !value.toString().isEmpty())
            return value.toString();
    }
    return hit.value(QLatin1String("objectID")).toString();
}

} // namespace

IndexBrowser::IndexBrowser(QObject* parent)
    : QObject(parent)
    , m_transport(new HttpTransport(this))
{}

IndexBrowser::~IndexBrowser()
{
    cancel();
}

QUrl IndexBrowser::defaultBaseUrl(const QString& appId)
{
    return QUrl(QStringLiteral("https://%1-dsn.algolia.net").arg(appId.toLower()));
}

void IndexBrowser::start(const BrowseRequest& request)
{
    cancel();
    m_request = request;
    if (m_request.baseUrl.isEmpty())
        m_request.baseUrl = defaultBaseUrl(request.appId);
    m_catalog = IndexCatalog(request.indexName);
    m_total = 0;
    if (request.appId.isEmpty() || request.apiKey.isEmpty() || request.indexName.isEmpty()) {
        finish({std::nullopt, tr("An application ID, an API key and an index name are needed"), 0});
        return;
    }
    requestPage(QString());
}

void IndexBrowser::cancel()
{
    if (!m_running)
        return;
    m_running = false;
    ++m_generation; // the aborted page's answer is ignored
    m_transport->abort(m_requestId);
}

void IndexBrowser::requestPage(const QString& cursor)
{
    QUrl url = m_request.baseUrl;
    url.setPath(QStringLiteral("/1/indexes/%1/browse")
                    .arg(QString::fromLatin1(QUrl::toPercentEncoding(m_request.indexName))));
    SendRequest request;
    request.method = QByteArrayLiteral("POST");
    request.url = url;
    request.headers = {{QByteArrayLiteral("content-type"), QByteArrayLiteral("application/json")},
                       {QByteArrayLiteral("x-algolia-application-id"), m_request.appId.toUtf8()},
                       {QByteArrayLiteral("x-algolia-api-key"), m_request.apiKey.toUtf8()}};
    request.timeoutMs = m_request.transferTimeoutMs;
    // The cursor goes in the body: it can be longer than a URL may be.
    QJsonObject body{
        {QLatin1String("hitsPerPage"), m_request.hitsPerPage},
        {QLatin1String("attributesToRetrieve"),
         QJsonArray{QStringLiteral("objectID"), QStringLiteral("title"), QStringLiteral("name"),
                    QStringLiteral("label")}},
    };
    if (!cursor.isEmpty())
        body.insert(QLatin1String("cursor"), cursor);
    request.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    m_running = true;
    const quint64 generation = ++m_generation;
    m_requestId = m_transport->execute(request, this, [this, generation](const SendResult& result) {
        if (generation == m_generation)
            onResult(result);
    });
}

void IndexBrowser::onResult(const SendResult& result)
{
    m_running = false;
    const int status = result.httpStatus;
    const QJsonObject answer = QJsonDocument::fromJson(result.body).object();
    if (!result.isSuccess() || status != 200) {
        const QString message = answer.value(QLatin1String("message")).toString();
        QString error = status > 0 ? tr("HTTP %1").arg(status) : result.errorString;
        if (!message.isEmpty())
            error += QStringLiteral(": ") + message;
        finish({std::nullopt, error, status});
        return;
    }
    const QJsonArray hits = answer.value(QLatin1String("hits")).toArray();
    for (const QJsonValue& value : hits) {
        const QJsonObject hit = value.toObject();
        const QString objectID = hit.value(QLatin1String("objectID")).toString();
        if (objectID.isEmpty())
            continue;
        m_catalog.addRecord({objectID, titleOf(hit), hit});
    }
    m_total = answer.value(QLatin1String("nbHits")).toInt(m_total);
    Q_EMIT progress(m_catalog.size(), std::max(m_total, m_catalog.size()));
    const QString cursor = answer.value(QLatin1String("cursor")).toString();
    if (cursor.isEmpty()) {
        finish({m_catalog, QString(), status});
        return;
    }
    requestPage(cursor);
}

void IndexBrowser::finish(BrowseResult result)
{
    Q_EMIT finished(result);
}
