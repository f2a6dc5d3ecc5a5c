#pragma once

#include <QString>

// Ready-to-paste set-up snippets that point Algolia's clients at the embedded endpoint. They never contain
// an API key: the user pastes their own (any key works unless the endpoint requires one).
namespace Snippets {

// search-insights: aa('init', {appId, apiKey, host: 'http://127.0.0.1:PORT'}).
QString searchInsights(const QString& baseUrl, const QString& appId);
// @algolia/client-insights v5 with a custom host (the API clients' `hosts` form).
QString apiClient(const QString& baseUrl, const QString& appId);
// The base URL other devices use: a wildcard bind address (0.0.0.0, ::) becomes this machine's first
// non-loopback IPv4 address; any other URL is returned as it is.
QString reachableBaseUrl(const QString& baseUrl);
// A curl command that posts one valid event.
QString curl(const QString& baseUrl, const QString& appId);

} // namespace Snippets
