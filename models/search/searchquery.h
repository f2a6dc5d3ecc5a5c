#pragma once

// Algolia's search requests as the embedded endpoint receives them (issue 12 §1): the three routes, and both
// ways of passing parameters — the v4 clients' URL-encoded `params` string and the v5 clients' JSON
// parameters. Pure: bytes in, typed queries out.

#include <QByteArrayView>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

enum class SearchRoute
{
    MultipleQueries, // POST /1/indexes/*/queries
    SingleQuery,     // POST /1/indexes/{index}/query
    BrowseQuery,     // GET  /1/indexes/{index}?query=...
};

struct SearchRouteMatch
{
    SearchRoute route = SearchRoute::MultipleQueries;
    QString indexName; // percent-decoded; empty for MultipleQueries
};

// The route of a request, or nullopt when (method, path) is not a search route. `path` is as received,
// without the query string.
std::optional<SearchRouteMatch> matchSearchRoute(QByteArrayView method, QByteArrayView path);

// One query of a request, its parameters normalised to JSON types whatever the client sent.
class SearchQuery
{
public:
    SearchQuery() = default;
    SearchQuery(QString indexName, QJsonObject params);

    const QString& indexName() const { return m_indexName; }
    const QJsonObject& params() const { return m_params; }

    QString query() const;
    int page() const;        // 0-based, default 0
    int hitsPerPage() const; // default 20, at most 1000
    bool clickAnalytics() const;
    bool enablePersonalization() const;
    QString userToken() const;                               // the `userToken` parameter ("" when absent)
    QList<QStringList> facetFilters() const;                 // AND of OR-groups, each "attribute:value"
    QStringList facets() const;                              // attributes to count, "*" for all
    int maxValuesPerFacet() const;                           // default 100
    std::optional<QStringList> attributesToRetrieve() const; // nullopt = all
    QString highlightPreTag() const;                         // default "<em>"
    QString highlightPostTag() const;                        // default "</em>"
    // The parameters as Algolia echoes them in a result's `params`: URL-encoded, JSON values for arrays.
    QString paramsString() const;

private:
    QString m_indexName;
    QJsonObject m_params;
};

struct SearchRequestParse
{
    QList<SearchQuery> queries;
    // Set when the request cannot be answered: Algolia's 400 with this message.
    QString error;
    bool ok() const { return error.isEmpty(); }
};

namespace SearchRequest {

// `body` for POST routes, `urlQuery` (raw, without '?') for GET; `urlQuery` is also read for POST routes
// only for credentials, never for parameters.
SearchRequestParse parse(const SearchRouteMatch& route, QByteArrayView body, QByteArrayView urlQuery);

// A v4 `params` string ("query=a&hitsPerPage=2&facetFilters=%5B...%5D") as typed JSON parameters.
QJsonObject paramsFromString(QStringView params);

} // namespace SearchRequest
