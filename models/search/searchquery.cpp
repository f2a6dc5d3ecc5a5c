#include "searchquery.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QSet>
#include <QUrl>

namespace {

constexpr int kDefaultHitsPerPage = 20;
constexpr int kMaxHitsPerPage = 1000; // Algolia's hitsPerPage maximum
constexpr int kDefaultMaxValuesPerFacet = 100;

const QSet<QString>& integerParams()
{
    static const QSet<QString> names{
        QStringLiteral("page"),
        QStringLiteral("hitsPerPage"),
        QStringLiteral("maxValuesPerFacet"),
        QStringLiteral("offset"),
        QStringLiteral("length"),
        QStringLiteral("minWordSizefor1Typo"),
        QStringLiteral("minWordSizefor2Typos"),
        QStringLiteral("minProximity"),
        QStringLiteral("maxFacetHits"),
        QStringLiteral("aroundPrecision"),
        QStringLiteral("minimumAroundRadius"),
        QStringLiteral("personalizationImpact"),
        QStringLiteral("relevancyStrictness"),
    };
    return names;
}

const QSet<QString>& booleanParams()
{
    static const QSet<QString> names{
        QStringLiteral("clickAnalytics"),
        QStringLiteral("analytics"),
        QStringLiteral("enablePersonalization"),
        QStringLiteral("getRankingInfo"),
        QStringLiteral("synonyms"),
        QStringLiteral("advancedSyntax"),
        QStringLiteral("allowTyposOnNumericTokens"),
        QStringLiteral("enableRules"),
        QStringLiteral("enableABTest"),
        QStringLiteral("enableReRanking"),
        QStringLiteral("facetingAfterDistinct"),
        QStringLiteral("sumOrFiltersScores"),
        QStringLiteral("restrictHighlightAndSnippetArrays"),
        QStringLiteral("replaceSynonymsInHighlight"),
        QStringLiteral("percentileComputation"),
        QStringLiteral("attributeCriteriaComputedByMinProximity"),
        QStringLiteral("aroundLatLngViaIP"),
    };
    return names;
}

QString decodeComponent(QStringView text)
{
    QString plus = text.toString();
    plus.replace(QLatin1Char('+'), QLatin1Char(' '));
    return QUrl::fromPercentEncoding(plus.toUtf8());
}

// A v4 value as the JSON type Algolia reads it as: arrays and objects are JSON text, booleans and integers
// for the parameters of those types; everything else (the query above all) stays a string.
QJsonValue typedValue(const QString& name, const QString& text)
{
    if (text.startsWith(QLatin1Char('[')) || text.startsWith(QLatin1Char('{'))) {
        QJsonParseError error{};
        const QJsonDocument document = QJsonDocument::fromJson(text.toUtf8(), &error);
        if (error.error == QJsonParseError::NoError)
            return document.isArray() ? QJsonValue(document.array()) : QJsonValue(document.object());
    }
    if (booleanParams().contains(name) && (text == QLatin1String("true") || text == QLatin1String("false")))
        return text == QLatin1String("true");
    if (integerParams().contains(name)) {
        bool ok = false;
        const qlonglong number = text.toLongLong(&ok);
        if (ok)
            return number;
    }
    return text;
}

QStringList stringList(const QJsonValue& value)
{
    QStringList list;
    if (value.isString()) {
        for (const QString& part : value.toString().split(QLatin1Char(','), Qt::SkipEmptyParts))
            list.append(part.trimmed());
    } else if (value.isArray()) {
        for (const QJsonValue& item : value.toArray()) {
            if (item.isString())
                list.append(item.toString());
        }
    }
    return list;
}

// Type checks Algolia makes before searching; the message names the parameter.
QString paramsError(const QJsonObject& params, const QString& where)
{
    for (auto it = params.constBegin(); it != params.constEnd(); ++it) {
        const QString& name = it.key();
        const QJsonValue value = it.value();
        if (integerParams().contains(name)) {
            const bool integral =
                value.isDouble() && value.toDouble() == static_cast<double>(value.toInteger());
            if (!integral || value.toInteger() < 0)
                return QStringLiteral("Invalid value for \"%1\"%2: expected a non-negative integer")
                    .arg(name, where);
        } else if (booleanParams().contains(name) && !value.isBool()) {
            return QStringLiteral("Invalid value for \"%1\"%2: expected a boolean").arg(name, where);
        } else if (name == QLatin1String("query") && !value.isString()) {
            return QStringLiteral("Invalid value for \"query\"%1: expected a string").arg(where);
        } else if (name == QLatin1String("facetFilters") && !value.isString() && !value.isArray()) {
            return QStringLiteral("Invalid value for \"facetFilters\"%1: expected a string or an array")
                .arg(where);
        }
    }
    if (params.value(QLatin1String("hitsPerPage")).toInteger(0) > kMaxHitsPerPage)
        return QStringLiteral("Invalid value for \"hitsPerPage\"%1: at most %2")
            .arg(where)
            .arg(kMaxHitsPerPage);
    return {};
}

// One query's parameters from a JSON object: a v4 `params` string, a `params` object, or v5 flat keys (all
// merged, flat keys first, `params` last as the v4 clients send only that).
QJsonObject queryParams(const QJsonObject& object)
{
    QJsonObject params;
    for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
        if (it.key() != QLatin1String("params") && it.key() != QLatin1String("indexName") &&
            it.key() != QLatin1String("type"))
            params.insert(it.key(), it.value());
    }
    const QJsonValue inner = object.value(QLatin1String("params"));
    QJsonObject innerParams;
    if (inner.isString())
        innerParams = SearchRequest::paramsFromString(inner.toString());
    else if (inner.isObject())
        innerParams = inner.toObject();
    for (auto it = innerParams.constBegin(); it != innerParams.constEnd(); ++it)
        params.insert(it.key(), it.value());
    return params;
}

QString decodedIndexName(QByteArrayView encoded)
{
    return QUrl::fromPercentEncoding(encoded.toByteArray());
}

SearchRequestParse failure(QString message)
{
    SearchRequestParse result;
    result.error = std::move(message);
    return result;
}

} // namespace

std::optional<SearchRouteMatch> matchSearchRoute(QByteArrayView method, QByteArrayView path)
{
    const QByteArrayView prefix("/1/indexes/");
    if (!path.startsWith(prefix))
        return std::nullopt;
    const QByteArrayView rest = path.sliced(prefix.size());
    if (method == "POST" && rest == "*/queries")
        return SearchRouteMatch{SearchRoute::MultipleQueries, {}};
    const qsizetype slash = rest.indexOf('/');
    if (method == "POST" && slash > 0 && rest.sliced(slash) == "/query")
        return SearchRouteMatch{SearchRoute::SingleQuery, decodedIndexName(rest.first(slash))};
    if (method == "GET" && slash < 0 && !rest.isEmpty() && rest != "*")
        return SearchRouteMatch{SearchRoute::BrowseQuery, decodedIndexName(rest)};
    return std::nullopt;
}

SearchQuery::SearchQuery(QString indexName, QJsonObject params)
    : m_indexName(std::move(indexName))
    , m_params(std::move(params))
{}

QString SearchQuery::query() const
{
    return m_params.value(QLatin1String("query")).toString();
}

int SearchQuery::page() const
{
    return static_cast<int>(m_params.value(QLatin1String("page")).toInteger(0));
}

int SearchQuery::hitsPerPage() const
{
    const qint64 value = m_params.value(QLatin1String("hitsPerPage")).toInteger(kDefaultHitsPerPage);
    return static_cast<int>(std::clamp<qint64>(value, 0, kMaxHitsPerPage));
}

bool SearchQuery::clickAnalytics() const
{
    return m_params.value(QLatin1String("clickAnalytics")).toBool(false);
}

bool SearchQuery::enablePersonalization() const
{
    return m_params.value(QLatin1String("enablePersonalization")).toBool(false);
}

QString SearchQuery::userToken() const
{
    return m_params.value(QLatin1String("userToken")).toString();
}

QList<QStringList> SearchQuery::facetFilters() const
{
    // Algolia's forms: "a:b", ["a:b","c:d"] (AND), [["a:b","a:c"],"d:e"] (OR groups inside an AND).
    QList<QStringList> groups;
    const QJsonValue value = m_params.value(QLatin1String("facetFilters"));
    if (value.isString()) {
        groups.append(QStringList{value.toString()});
    } else if (value.isArray()) {
        for (const QJsonValue& item : value.toArray()) {
            if (item.isString())
                groups.append(QStringList{item.toString()});
            else if (item.isArray())
                groups.append(stringList(item));
        }
    }
    return groups;
}

QStringList SearchQuery::facets() const
{
    return stringList(m_params.value(QLatin1String("facets")));
}

int SearchQuery::maxValuesPerFacet() const
{
    return static_cast<int>(
        m_params.value(QLatin1String("maxValuesPerFacet")).toInteger(kDefaultMaxValuesPerFacet));
}

std::optional<QStringList> SearchQuery::attributesToRetrieve() const
{
    const QJsonValue value = m_params.value(QLatin1String("attributesToRetrieve"));
    if (value.isUndefined() || value.isNull())
        return std::nullopt;
    const QStringList list = stringList(value);
    if (list.contains(QStringLiteral("*")))
        return std::nullopt;
    return list;
}

QString SearchQuery::highlightPreTag() const
{
    return m_params.value(QLatin1String("highlightPreTag")).toString(QStringLiteral("<em>"));
}

QString SearchQuery::highlightPostTag() const
{
    return m_params.value(QLatin1String("highlightPostTag")).toString(QStringLiteral("</em>"));
}

QString SearchQuery::paramsString() const
{
    QStringList parts;
    for (auto it = m_params.constBegin(); it != m_params.constEnd(); ++it) {
        const QJsonValue value = it.value();
        QByteArray text;
        if (value.isString())
            text = value.toString().toUtf8();
        else if (value.isBool())
            text = value.toBool() ? "true" : "false";
        else if (value.isDouble())
            text = QByteArray::number(value.toDouble(), 'g', 17);
        else if (value.isArray())
            text = QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact);
        else if (value.isObject())
            text = QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact);
        QByteArray pair = QUrl::toPercentEncoding(it.key());
        pair += '=';
        pair += QUrl::toPercentEncoding(QString::fromUtf8(text));
        parts.append(QString::fromLatin1(pair));
    }
    return parts.join(QLatin1Char('&'));
}

namespace SearchRequest {

QJsonObject paramsFromString(QStringView params)
{
    QJsonObject object;
    for (const QStringView pair : params.split(QLatin1Char('&'), Qt::SkipEmptyParts)) {
        const qsizetype equals = pair.indexOf(QLatin1Char('='));
        const QString name = decodeComponent(equals < 0 ? pair : pair.left(equals));
        const QString value = equals < 0 ? QString() : decodeComponent(pair.mid(equals + 1));
        // Credentials and the agent travel in the query string too; they are not search parameters.
        if (name.isEmpty() || name.startsWith(QLatin1String("x-algolia-"), Qt::CaseInsensitive))
            continue;
        object.insert(name, typedValue(name, value));
    }
    return object;
}

SearchRequestParse parse(const SearchRouteMatch& route, QByteArrayView body, QByteArrayView urlQuery)
{
    SearchRequestParse result;
    if (route.route == SearchRoute::BrowseQuery) {
        const QJsonObject params = paramsFromString(QString::fromUtf8(urlQuery));
        if (QString error = paramsError(params, {}); !error.isEmpty())
            return failure(error);
        result.queries.append(SearchQuery(route.indexName, params));
        return result;
    }

    QJsonObject object;
    if (!body.trimmed().isEmpty()) {
        QJsonParseError error{};
        const QJsonDocument document = QJsonDocument::fromJson(body.toByteArray(), &error);
        if (error.error != QJsonParseError::NoError)
            return failure(QStringLiteral("Invalid JSON body: %1 at offset %2")
                               .arg(error.errorString())
                               .arg(error.offset));
        if (!document.isObject())
            return failure(QStringLiteral("Invalid JSON body: expected an object"));
        object = document.object();
    }

    if (route.route == SearchRoute::SingleQuery) {
        const QJsonObject params = queryParams(object);
        if (QString error = paramsError(params, {}); !error.isEmpty())
            return failure(error);
        result.queries.append(SearchQuery(route.indexName, params));
        return result;
    }

    const QJsonValue requests = object.value(QLatin1String("requests"));
    if (!requests.isArray())
        return failure(QStringLiteral("Missing \"requests\": expected an array of queries"));
    const QJsonArray array = requests.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QString where = QStringLiteral(" in requests[%1]").arg(i);
        const QJsonObject request = array.at(i).toObject();
        const QString indexName = request.value(QLatin1String("indexName")).toString();
        if (!array.at(i).isObject() || indexName.isEmpty())
            return failure(QStringLiteral("Missing \"indexName\"%1").arg(where));
        const QJsonObject params = queryParams(request);
        if (QString error = paramsError(params, where); !error.isEmpty())
            return failure(error);
        result.queries.append(SearchQuery(indexName, params));
    }
    return result;
}

} // namespace SearchRequest
