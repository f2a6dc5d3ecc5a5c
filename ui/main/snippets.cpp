#include "snippets.h"

#include <QHostAddress>
#include <QNetworkInterface>
#include <QUrl>

namespace {

QString appIdOrPlaceholder(const QString& appId)
{
    return appId.isEmpty() ? QStringLiteral("YOUR_APP_ID") : appId;
}

} // namespace

namespace Snippets {

QString searchInsights(const QString& baseUrl, const QString& appId)
{
    return QStringLiteral("aa('init', {\n"
                          "  appId: '%1',\n"
                          "  apiKey: 'YOUR_SEARCH_API_KEY',\n"
                          "  host: '%2',\n"
                          "});\n")
        .arg(appIdOrPlaceholder(appId), baseUrl);
}

QString apiClient(const QString& baseUrl, const QString& appId)
{
    const QUrl url(baseUrl);
    return QStringLiteral("import { insightsClient } from '@algolia/client-insights';\n"
                          "\n"
                          "const client = insightsClient('%1', 'YOUR_SEARCH_API_KEY', undefined, {\n"
                          "  hosts: [{ url: '%2', port: %3, protocol: '%4', accept: 'readWrite' }],\n"
                          "});\n")
        .arg(appIdOrPlaceholder(appId), url.host())
        .arg(url.port(url.scheme() == QLatin1String("https") ? 443 : 80))
        .arg(url.scheme());
}

QString reachableBaseUrl(const QString& baseUrl)
{
    QUrl url(baseUrl);
    const QHostAddress host(url.host());
    if (host != QHostAddress::AnyIPv4 && host != QHostAddress::AnyIPv6 && host != QHostAddress::Any)
        return baseUrl;
    const QList<QHostAddress> addresses = QNetworkInterface::allAddresses();
    for (const QHostAddress& address : addresses) {
        if (address.protocol() == QAbstractSocket::IPv4Protocol && !address.isLoopback() &&
            !address.isLinkLocal()) {
            url.setHost(address.toString());
            return url.toString(QUrl::RemoveUserInfo);
        }
    }
    url.setHost(QStringLiteral("127.0.0.1"));
    return url.toString(QUrl::RemoveUserInfo);
}

QString curl(const QString& baseUrl, const QString& appId)
{
    return QStringLiteral(
               "curl -X POST '%1/1/events' \\\n"
               "  -H 'x-algolia-application-id: %2' \\\n"
               "  -H 'x-algolia-api-key: YOUR_SEARCH_API_KEY' \\\n"
               "  -H 'content-type: application/json' \\\n"
               "  -d '{\"events\":[{\"eventType\":\"view\",\"eventName\":\"Product Viewed\","
               "\"index\":\"movies\",\"userToken\":\"user-1\",\"objectIDs\":[\"movie-0001\"]}]}'\n")
        .arg(baseUrl, appIdOrPlaceholder(appId));
}

} // namespace Snippets
