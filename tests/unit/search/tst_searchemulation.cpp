// The local search emulation: Algolia's routes, v4 `params` strings and v5 JSON parameters alike, pagination,
// facets and facetFilters, highlighting, and a queryID only with clickAnalytics.
#include "catalog/indexcatalog.h"
#include "search/localsearch.h"
#include "search/searchquery.h"
#include "search/searchrecord.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTest>

class TestSearchEmulation final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void routes_data();
    void routes();
    void bothParamStylesReadAlike_data();
    void bothParamStylesReadAlike();
    void refusesMalformedRequests_data();
    void refusesMalformedRequests();
    void paginates_data();
    void paginates();
    void matchesEveryWordTheLastAsPrefix_data();
    void matchesEveryWordTheLastAsPrefix();
    void facetFiltersAndFacets_data();
    void facetFiltersAndFacets();
    void highlightsWithTheRequestedTags();
    void queryIdOnlyWithClickAnalytics();
    void answersInAlgoliasShape();
    void recordsTheSearchFacts();

private:
    std::optional<IndexCatalog> m_catalog;
    SearchQuery single(const QJsonObject& params) const
    {
        return SearchQuery(QStringLiteral("films"), params);
    }
};

void TestSearchEmulation::initTestCase()
{
    IndexCatalog::LoadResult loaded = IndexCatalog::fromFile(
        QStringLiteral(INSIGHTS_TEST_DATA_DIR "/search/films.json"), QStringLiteral("films"));
    QVERIFY2(loaded.catalog, qPrintable(loaded.error));
    m_catalog = std::move(loaded.catalog);
    QCOMPARE(m_catalog->size(), 26);
}

void TestSearchEmulation::routes_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<int>("route"); // -1: not a search route
    QTest::addColumn<QString>("index");
    QTest::addRow("multiple queries") << QByteArray("POST") << QByteArray("/1/indexes/*/queries")
                                      << int(SearchRoute::MultipleQueries) << QString();
    QTest::addRow("single query") << QByteArray("POST") << QByteArray("/1/indexes/films/query")
                                  << int(SearchRoute::SingleQuery) << QStringLiteral("films");
    QTest::addRow("encoded index name") << QByteArray("POST") << QByteArray("/1/indexes/my%20films/query")
                                        << int(SearchRoute::SingleQuery) << QStringLiteral("my films");
    QTest::addRow("browse query") << QByteArray("GET") << QByteArray("/1/indexes/films")
                                  << int(SearchRoute::BrowseQuery) << QStringLiteral("films");
    QTest::addRow("events are not searches")
        << QByteArray("POST") << QByteArray("/1/events") << -1 << QString();
    QTest::addRow("GET on queries") << QByteArray("GET") << QByteArray("/1/indexes/*/queries") << -1
                                    << QString();
    QTest::addRow("settings") << QByteArray("GET") << QByteArray("/1/indexes/films/settings") << -1
                              << QString();
}

void TestSearchEmulation::routes()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(int, route);
    QFETCH(QString, index);
    const std::optional<SearchRouteMatch> match = matchSearchRoute(method, path);
    QCOMPARE(match.has_value(), route >= 0);
    if (match) {
        QCOMPARE(int(match->route), route);
        QCOMPARE(match->indexName, index);
    }
}

void TestSearchEmulation::bothParamStylesReadAlike_data()
{
    QTest::addColumn<int>("route");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("urlQuery");
    const QByteArray v4 =
        "query=green%20river&page=1&hitsPerPage=5&clickAnalytics=true&userToken=user-1"
        "&facetFilters=%5B%5B%22genres%3ADrama%22%2C%22genres%3AComedy%22%5D%2C%22year%3A2001%22%5D"
        "&facets=%5B%22genres%22%5D";
    const QByteArray v5Params =
        "\"query\":\"green river\",\"page\":1,\"hitsPerPage\":5,\"clickAnalytics\":true,"
        "\"userToken\":\"user-1\",\"facetFilters\":[[\"genres:Drama\",\"genres:Comedy\"],"
        "\"year:2001\"],\"facets\":[\"genres\"]";
    QTest::addRow("v4 multiple queries")
        << int(SearchRoute::MultipleQueries)
        << QByteArray("{\"requests\":[{\"indexName\":\"films\",\"params\":\"" + v4 + "\"}]}") << QByteArray();
    QTest::addRow("v5 multiple queries")
        << int(SearchRoute::MultipleQueries)
        << QByteArray("{\"requests\":[{\"indexName\":\"films\"," + v5Params + "}]}") << QByteArray();
    QTest::addRow("v4 single query") << int(SearchRoute::SingleQuery)
                                     << QByteArray("{\"params\":\"" + v4 + "\"}") << QByteArray();
    QTest::addRow("v5 single query") << int(SearchRoute::SingleQuery) << QByteArray("{" + v5Params + "}")
                                     << QByteArray();
    QTest::addRow("browse with query string")
        << int(SearchRoute::BrowseQuery) << QByteArray()
        << QByteArray(v4 + "&x-algolia-api-key=secret&x-algolia-application-id=APP");
    QTest::addRow("plus as space, comma lists")
        << int(SearchRoute::BrowseQuery) << QByteArray()
        << QByteArray(
               "query=green+river&page=1&hitsPerPage=5&clickAnalytics=true&userToken=user-1"
               "&facetFilters=%5B%5B%22genres%3ADrama%22%2C%22genres%3AComedy%22%5D%2C%22year%3A2001%22%5D"
               "&facets=genres");
}

void TestSearchEmulation::bothParamStylesReadAlike()
{
    QFETCH(int, route);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, urlQuery);
    const SearchRouteMatch match{
        SearchRoute(route), route == int(SearchRoute::MultipleQueries) ? QString() : QStringLiteral("films")};
    const SearchRequestParse parsed = SearchRequest::parse(match, body, urlQuery);
    QVERIFY2(parsed.ok(), qPrintable(parsed.error));
    QCOMPARE(parsed.queries.size(), 1);
    const SearchQuery& query = parsed.queries.constFirst();
    QCOMPARE(query.indexName(), QStringLiteral("films"));
    QCOMPARE(query.query(), QStringLiteral("green river"));
    QCOMPARE(query.page(), 1);
    QCOMPARE(query.hitsPerPage(), 5);
    QVERIFY(query.clickAnalytics());
    QVERIFY(!query.enablePersonalization());
    QCOMPARE(query.userToken(), QStringLiteral("user-1"));
    QCOMPARE(query.facetFilters(),
             (QList<QStringList>{{QStringLiteral("genres:Drama"), QStringLiteral("genres:Comedy")},
                                 {QStringLiteral("year:2001")}}));
    QCOMPARE(query.facets(), QStringList{QStringLiteral("genres")});
    QVERIFY(!query.params().contains(QStringLiteral("x-algolia-api-key")));
}

void TestSearchEmulation::refusesMalformedRequests_data()
{
    QTest::addColumn<int>("route");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("message");
    QTest::addRow("not JSON") << int(SearchRoute::MultipleQueries) << QByteArray("{oops")
                              << QStringLiteral("Invalid JSON body");
    QTest::addRow("no requests") << int(SearchRoute::MultipleQueries) << QByteArray("{}")
                                 << QStringLiteral("Missing \"requests\"");
    QTest::addRow("no indexName") << int(SearchRoute::MultipleQueries)
                                  << QByteArray(
                                         "{\"requests\":[{\"indexName\":\"films\"},{\"query\":\"a\"}]}")
                                  << QStringLiteral("Missing \"indexName\" in requests[1]");
    QTest::addRow("page not a number")
        << int(SearchRoute::SingleQuery) << QByteArray("{\"params\":\"page=two\"}")
        << QStringLiteral("Invalid value for \"page\"");
    QTest::addRow("negative hitsPerPage")
        << int(SearchRoute::SingleQuery) << QByteArray("{\"hitsPerPage\":-1}")
        << QStringLiteral("Invalid value for \"hitsPerPage\"");
    QTest::addRow("too many hits per page")
        << int(SearchRoute::SingleQuery) << QByteArray("{\"hitsPerPage\":1001}")
        << QStringLiteral("at most 1000");
    QTest::addRow("clickAnalytics not a boolean")
        << int(SearchRoute::SingleQuery) << QByteArray("{\"clickAnalytics\":\"yes\"}")
        << QStringLiteral("Invalid value for \"clickAnalytics\"");
    QTest::addRow("query not a string") << int(SearchRoute::SingleQuery) << QByteArray("{\"query\":3}")
                                        << QStringLiteral("Invalid value for \"query\"");
}

void TestSearchEmulation::refusesMalformedRequests()
{
    QFETCH(int, route);
    QFETCH(QByteArray, body);
    QFETCH(QString, message);
    const SearchRequestParse parsed =
        SearchRequest::parse(SearchRouteMatch{SearchRoute(route), QStringLiteral("films")}, body, {});
    QVERIFY(!parsed.ok());
    QVERIFY2(parsed.error.contains(message), qPrintable(parsed.error));
}

void TestSearchEmulation::paginates_data()
{
    QTest::addColumn<int>("page");
    QTest::addColumn<int>("hitsPerPage");
    QTest::addColumn<QStringList>("hits");
    QTest::addColumn<int>("nbPages");
    QTest::addRow("first page") << 0 << 3
                                << QStringList{QStringLiteral("film-01"), QStringLiteral("film-02"),
                                               QStringLiteral("film-03")}
                                << 9;
    QTest::addRow("second page") << 1 << 3
                                 << QStringList{QStringLiteral("film-04"), QStringLiteral("film-05"),
                                                QStringLiteral("film-06")}
                                 << 9;
    QTest::addRow("last, partial page")
        << 8 << 3 << QStringList{QStringLiteral("film-25"), QStringLiteral("film-99")} << 9;
    QTest::addRow("past the end") << 9 << 3 << QStringList() << 9;
    QTest::addRow("facet-only query") << 0 << 0 << QStringList() << 0;
}

void TestSearchEmulation::paginates()
{
    QFETCH(int, page);
    QFETCH(int, hitsPerPage);
    QFETCH(QStringList, hits);
    QFETCH(int, nbPages);
    const LocalSearchResult result =
        LocalSearch::run(single({{QStringLiteral("query"), QStringLiteral("river")},
                                 {QStringLiteral("page"), page},
                                 {QStringLiteral("hitsPerPage"), hitsPerPage}}),
                         *m_catalog, false);
    QCOMPARE(result.hitObjectIDs, hits);
    QCOMPARE(result.nbHits, 26);
    QCOMPARE(result.response.value(QLatin1String("nbHits")).toInt(), 26);
    QCOMPARE(result.response.value(QLatin1String("nbPages")).toInt(), nbPages);
    QCOMPARE(result.response.value(QLatin1String("page")).toInt(), page);
    QCOMPARE(result.response.value(QLatin1String("hitsPerPage")).toInt(), hitsPerPage);
    QCOMPARE(result.response.value(QLatin1String("hits")).toArray().size(), hits.size());
}

void TestSearchEmulation::matchesEveryWordTheLastAsPrefix_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<int>("nbHits");
    QTest::addRow("empty query matches all") << QString() << 26;
    QTest::addRow("case-insensitive") << QStringLiteral("SILENT") << 1;
    QTest::addRow("last word as prefix") << QStringLiteral("silent har") << 1;
    QTest::addRow("earlier words whole") << QStringLiteral("sil harbor") << 0;
    QTest::addRow("every word required") << QStringLiteral("green harbor") << 0;
    QTest::addRow("any text attribute") << QStringLiteral("ada") << 1;
    QTest::addRow("arrays of strings") << QStringLiteral("thriller") << 1;
    QTest::addRow("words across attributes") << QStringLiteral("silent ada") << 1;
    QTest::addRow("punctuation separates") << QStringLiteral("green-river") << 5;
    QTest::addRow("objectID is not text") << QStringLiteral("film") << 0;
}

void TestSearchEmulation::matchesEveryWordTheLastAsPrefix()
{
    QFETCH(QString, query);
    QFETCH(int, nbHits);
    const LocalSearchResult result =
        LocalSearch::run(single({{QStringLiteral("query"), query}}), *m_catalog, false);
    QCOMPARE(result.nbHits, nbHits);
}

void TestSearchEmulation::facetFiltersAndFacets_data()
{
    QTest::addColumn<QJsonValue>("facetFilters");
    QTest::addColumn<int>("nbHits");
    QTest::addColumn<QJsonObject>("genres"); // the facet counts of genres
    QTest::addRow("no filter") << QJsonValue() << 26
                               << QJsonObject{{QStringLiteral("Drama"), 25},
                                              {QStringLiteral("Comedy"), 12},
                                              {QStringLiteral("Thriller"), 1}};
    QTest::addRow("one string") << QJsonValue(QStringLiteral("genres:Comedy")) << 12
                                << QJsonObject{{QStringLiteral("Drama"), 12}, {QStringLiteral("Comedy"), 12}};
    // Built by append: `QJsonArray{QJsonArray{...}}` is a copy for clang (one element of the same type), not
    // a nested array.
    QJsonArray orGroup;
    orGroup.append(QJsonArray{QStringLiteral("genres:Comedy"), QStringLiteral("genres:Thriller")});
    QTest::addRow("OR group") << QJsonValue(orGroup) << 13
                              << QJsonObject{{QStringLiteral("Drama"), 12},
                                             {QStringLiteral("Comedy"), 12},
                                             {QStringLiteral("Thriller"), 1}};
    QTest::addRow("AND of numbers and booleans")
        << QJsonValue(QJsonArray{QStringLiteral("year:2001"), QStringLiteral("inStock:false")}) << 2
        << QJsonObject{{QStringLiteral("Drama"), 2}, {QStringLiteral("Comedy"), 2}};
    QTest::addRow("negation") << QJsonValue(QJsonArray{QStringLiteral("genres:-Drama")}) << 1
                              << QJsonObject{{QStringLiteral("Thriller"), 1}};
    QTest::addRow("unknown value") << QJsonValue(QStringLiteral("genres:Western")) << 0 << QJsonObject();
}

void TestSearchEmulation::facetFiltersAndFacets()
{
    QFETCH(QJsonValue, facetFilters);
    QFETCH(int, nbHits);
    QFETCH(QJsonObject, genres);
    QJsonObject params{
        {QStringLiteral("facets"), QJsonArray{QStringLiteral("genres"), QStringLiteral("year")}}};
    if (!facetFilters.isUndefined() && !facetFilters.isNull())
        params.insert(QStringLiteral("facetFilters"), facetFilters);
    const LocalSearchResult result = LocalSearch::run(single(params), *m_catalog, false);
    QCOMPARE(result.nbHits, nbHits);
    const QJsonObject facets = result.response.value(QLatin1String("facets")).toObject();
    QCOMPARE(facets.value(QLatin1String("genres")).toObject(), genres);
    QVERIFY(facets.contains(QLatin1String("year")));
    QVERIFY(!facets.contains(QLatin1String("title"))); // only the facets asked for
}

void TestSearchEmulation::highlightsWithTheRequestedTags()
{
    const LocalSearchResult result =
        LocalSearch::run(single({{QStringLiteral("query"), QStringLiteral("silent har")},
                                 {QStringLiteral("highlightPreTag"), QStringLiteral("__ais-highlight__")},
                                 {QStringLiteral("highlightPostTag"), QStringLiteral("__/ais-highlight__")}}),
                         *m_catalog, false);
    QCOMPARE(result.hitObjectIDs, QStringList{QStringLiteral("film-99")});
    const QJsonObject highlight = result.response.value(QLatin1String("hits"))
                                      .toArray()
                                      .at(0)
                                      .toObject()
                                      .value(QLatin1String("_highlightResult"))
                                      .toObject();
    const QJsonObject title = highlight.value(QLatin1String("title")).toObject();
    QCOMPARE(title.value(QLatin1String("value")).toString(),
             QStringLiteral(
                 "__ais-highlight__Silent__/ais-highlight__ __ais-highlight__Har__/ais-highlight__bor"));
    QCOMPARE(title.value(QLatin1String("matchLevel")).toString(), QStringLiteral("full"));
    QCOMPARE(title.value(QLatin1String("matchedWords")).toArray(),
             (QJsonArray{QStringLiteral("silent"), QStringLiteral("har")}));
    QCOMPARE(title.value(QLatin1String("fullyHighlighted")).toBool(), false);
    const QJsonObject director = highlight.value(QLatin1String("director")).toObject();
    QCOMPARE(director.value(QLatin1String("matchLevel")).toString(), QStringLiteral("none"));
    QCOMPARE(director.value(QLatin1String("value")).toString(), QStringLiteral("Ada River"));
    const QJsonArray genres = highlight.value(QLatin1String("genres")).toArray();
    QCOMPARE(genres.size(), 1);
    QCOMPARE(genres.at(0).toObject().value(QLatin1String("value")).toString(), QStringLiteral("Thriller"));
}

void TestSearchEmulation::queryIdOnlyWithClickAnalytics()
{
    const LocalSearchResult without = LocalSearch::run(single({}), *m_catalog, false);
    QVERIFY(without.queryID.isEmpty());
    QVERIFY(!without.response.contains(QLatin1String("queryID")));

    const SearchQuery withClicks = single({{QStringLiteral("clickAnalytics"), true}});
    const LocalSearchResult first = LocalSearch::run(withClicks, *m_catalog, false);
    const LocalSearchResult second = LocalSearch::run(withClicks, *m_catalog, false);
    static const QRegularExpression hex32(QStringLiteral("^[0-9a-f]{32}$"));
    QVERIFY2(hex32.match(first.queryID).hasMatch(), qPrintable(first.queryID));
    QCOMPARE(first.response.value(QLatin1String("queryID")).toString(), first.queryID);
    QVERIFY(first.queryID != second.queryID); // a fresh one per search
}

void TestSearchEmulation::answersInAlgoliasShape()
{
    const SearchRequestParse parsed =
        SearchRequest::parse(SearchRouteMatch{SearchRoute::MultipleQueries, {}},
                             "{\"requests\":[{\"indexName\":\"films\",\"params\":\"query=blue&hitsPerPage=2&"
                             "attributesToRetrieve=title\"}]}",
                             {});
    QVERIFY2(parsed.ok(), qPrintable(parsed.error));
    const LocalSearchResult result = LocalSearch::run(parsed.queries.constFirst(), *m_catalog, true);
    const QJsonObject& r = result.response;
    for (const char* key : {"hits", "nbHits", "page", "nbPages", "hitsPerPage", "exhaustiveNbHits", "query",
                            "params", "processingTimeMS", "index"})
        QVERIFY2(r.contains(QLatin1String(key)), key);
    QCOMPARE(r.value(QLatin1String("index")).toString(), QStringLiteral("films"));
    QCOMPARE(r.value(QLatin1String("query")).toString(), QStringLiteral("blue"));
    QVERIFY(r.value(QLatin1String("processingTimeMS")).toInt() >= 1);
    // params echoes the query's parameters, URL-encoded as Algolia does
    const QJsonObject echoed = SearchRequest::paramsFromString(r.value(QLatin1String("params")).toString());
    QCOMPARE(echoed, parsed.queries.constFirst().params());
    const QJsonObject hit = r.value(QLatin1String("hits")).toArray().at(0).toObject();
    QCOMPARE(hit.value(QLatin1String("objectID")).toString(), QStringLiteral("film-01"));
    QCOMPARE(hit.value(QLatin1String("title")).toString(), QStringLiteral("Blue River 1"));
    QVERIFY(!hit.contains(QLatin1String("year"))); // attributesToRetrieve
    QVERIFY(hit.contains(QLatin1String("_highlightResult")));
}

void TestSearchEmulation::recordsTheSearchFacts()
{
    const SearchQuery query = single({{QStringLiteral("query"), QStringLiteral("river")},
                                      {QStringLiteral("page"), 2},
                                      {QStringLiteral("hitsPerPage"), 4},
                                      {QStringLiteral("clickAnalytics"), true},
                                      {QStringLiteral("enablePersonalization"), true},
                                      {QStringLiteral("userToken"), QStringLiteral("param-token")}});
    const LocalSearchResult result = LocalSearch::run(query, *m_catalog, false);
    SearchRecord record = SearchRecord::of(query, QStringLiteral("header-token"));
    record.readAnswer(result.response);
    QCOMPARE(record.userToken, QStringLiteral("header-token"));
    QCOMPARE(SearchRecord::of(query, {}).userToken, QStringLiteral("param-token"));
    QCOMPARE(record.hits, result.hitObjectIDs);
    QCOMPARE(record.queryID, result.queryID);
    QVERIFY(record.clickAnalytics);
    QVERIFY(record.enablePersonalization);
    QCOMPARE(record.positionOf(QStringLiteral("film-09")), std::optional<int>(9)); // page 2 × 4 + rank 1
    QCOMPARE(record.positionOf(QStringLiteral("film-01")), std::nullopt);
    const std::optional<SearchRecord> back = SearchRecord::fromJson(record.toJsonBytes());
    QVERIFY(back);
    QCOMPARE(back->toJson(), record.toJson());
}

QTEST_GUILESS_MAIN(TestSearchEmulation)
#include "tst_searchemulation.moc"
