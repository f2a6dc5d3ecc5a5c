#include "storefrontroute.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

namespace {

std::optional<QByteArray> readResource(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    return file.readAll();
}

} // namespace

std::shared_ptr<StorefrontRoute> StorefrontRoute::create(const QString& indexName, const QString& storeName)
{
    auto route = std::make_shared<StorefrontRoute>();
    const std::optional<QByteArray> html = readResource(QStringLiteral(":/demo/storefront.html"));
    const std::optional<QByteArray> script = readResource(QStringLiteral(":/demo/storefront.js"));
    if (!html || !script)
        return nullptr;
    route->m_files.insert("/demo/", {"text/html; charset=utf-8", *html});
    route->m_files.insert("/demo/storefront.js", {"text/javascript; charset=utf-8", *script});
    const QJsonObject config{{QStringLiteral("index"), indexName}, {QStringLiteral("name"), storeName}};
    route->m_files.insert("/demo/config.json", {"application/json; charset=utf-8",
                                                QJsonDocument(config).toJson(QJsonDocument::Compact)});
    return route;
}

bool StorefrontRoute::matches(QByteArrayView method, QByteArrayView path) const
{
    return (method == "GET" || method == "HEAD") && (path == "/demo" || path.startsWith("/demo/"));
}

void StorefrontRoute::handle(EndpointRequest request, std::function<void(EndpointResponse)> respond)
{
    EndpointResponse response;
    if (request.path == "/demo") {
        response.status = 308;
        response.contentType = "text/plain; charset=utf-8";
        response.body = "Moved to /demo/\n";
        response.headers.append(qMakePair(QByteArray("Location"), QByteArray("/demo/")));
        respond(std::move(response));
        return;
    }
    const auto file = m_files.constFind(request.path);
    if (file == m_files.constEnd()) {
        response.status = 404;
        response.contentType = "text/plain; charset=utf-8";
        response.body = "Not found: the demo store has /demo/, /demo/storefront.js and /demo/config.json.\n";
        respond(std::move(response));
        return;
    }
    response.contentType = file->contentType;
    response.body = request.method == "HEAD" ? QByteArray() : file->body;
    // The page changes only with the app: no caching keeps a phone from holding on to an older index name.
    response.headers.append(qMakePair(QByteArray("Cache-Control"), QByteArray("no-store")));
    respond(std::move(response));
}
