#pragma once

// The local mode of the search emulation (issue 12 §1): answers a search from a loaded index catalog in
// Algolia's response shape, enough for InstantSearch.js's searchBox, hits, pagination and refinementList.
// Full-text matching is Algolia's default "prefixLast" (every word whole, the last one as a prefix) over the
// records' string attributes; no typo tolerance, synonyms or custom ranking.

#include "searchquery.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

class IndexCatalog;

struct LocalSearchResult
{
    QJsonObject response;     // one result object, as in a multi-queries answer's `results`
    QStringList hitObjectIDs; // the page's hits, in order
    int nbHits = 0;
    QString queryID; // set only with clickAnalytics
};

namespace LocalSearch {

// `withIndex`: add `index` (multi-queries answers carry it, single-query answers don't).
LocalSearchResult run(const SearchQuery& query, const IndexCatalog& catalog, bool withIndex);

// A fresh queryID as Algolia makes them: 32 lowercase hexadecimal digits.
QString newQueryId();

} // namespace LocalSearch
