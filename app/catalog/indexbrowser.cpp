#include "indexbrowser.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

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
    , m_network(new QNetworkAccessManager(this))
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
    if (!m_reply)
        return;
    QNetworkReply* reply = std::exchange(m_reply, nullptr);
    reply->disconnect(this);
    reply->abort();
    reply->deleteLater();
}

void IndexBrowser::requestPage(const QString& cursor)
{
    QUrl url = m_request.baseUrl;
    url.setPath(QStringLiteral("/1/indexes/%1/browse")
                    .arg(QString::fromLatin1(QUrl::toPercentEncoding(m_request.indexName))));
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    request.setRawHeader(QByteArrayLiteral("x-algolia-application-id"), m_request.appId.toUtf8());
    request.setRawHeader(QByteArrayLiteral("x-algolia-api-key"), m_request.apiKey.toUtf8());
    request.setTransferTimeout(m_request.transferTimeoutMs);
    // The cursor goes in the body: it can be longer than a URL may be.
    QJsonObject body{
        {QLatin1String("hitsPerPage"), m_request.hitsPerPage},
        {QLatin1String("attributesToRetrieve"),
         QJsonArray{QStringLiteral("objectID"), QStringLiteral("title"), QStringLiteral("name"),
                    QStringLiteral("label")}},
    };
    if (!cursor.isEmpty())
        body.insert(QLatin1String("cursor"), cursor);
    m_reply = m_network->post(request, QJsonDocument(body).toJson(QJsonDocument::Compact));
    QNetworkReply* reply = m_reply;
    connect(reply, &QNetworkReply::finished, this, [this, reply] { onReply(reply); });
}

void IndexBrowser::onReply(QNetworkReply* reply)
{
    if (reply != m_reply)
        return;
    m_reply = nullptr;
    reply->deleteLater();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray data = reply->readAll();
    const QJsonObject answer = QJsonDocument::fromJson(data).object();
    if (reply->error() != QNetworkReply::NoError || status != 200) {
        const QString message = answer.value(QLatin1String("message")).toString();
        QString error = status > 0 ? tr("HTTP %1").arg(status) : reply->errorString();
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
