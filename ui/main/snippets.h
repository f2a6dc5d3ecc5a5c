#pragma once

#include <QString>

// Ready-to-paste set-up snippets that point Algolia's clients at the embedded endpoint. They never contain
// an API key: the user pastes their own (any key works unless the endpoint requires one).
namespace Snippets {

// search-insights: aa('init', {appId, apiKey, host: 'http://127.0.0.1:PORT'}).
QString searchInsights(const QString& baseUrl, const QString& appId);
// @algolia/client-insights v5 with a custom host (the API clients' `hosts` form).
QString apiClient(const QString& baseUrl, const QString& appId);
// A curl command that posts one valid event.
QString curl(const QString& baseUrl, const QString& appId);

} // namespace Snippets
