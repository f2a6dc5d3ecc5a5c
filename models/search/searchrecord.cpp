#include "searchrecord.h"

#include "searchquery.h"

#include <QJsonArray>
#include <QJsonDocument>

std::optional<int> SearchRecord::positionOf(const QString& objectID) const
{
    const qsizetype rank = hits.indexOf(objectID);
    if (rank < 0)
        return std::nullopt;
    return page * hitsPerPage + static_cast<int>(rank) + 1;
}

QJsonObject SearchRecord::toJson() const
{
    return QJsonObject{
        {QStringLiteral("index"), index},
        {QStringLiteral("query"), query},
        {QStringLiteral("page"), page},
        {QStringLiteral("hitsPerPage"), hitsPerPage},
        {QStringLiteral("nbHits"), nbHits},
        {QStringLiteral("hits"), QJsonArray::fromStringList(hits)},
        {QStringLiteral("clickAnalytics"), clickAnalytics},
        {QStringLiteral("enablePersonalization"), enablePersonalization},
        {QStringLiteral("userToken"), userToken},
        {QStringLiteral("queryID"), queryID},
        {QStringLiteral("atMs"), atMs},
    };
}

QByteArray SearchRecord::toJsonBytes() const
{
    return QJsonDocument(toJson()).toJson(QJsonDocument::Compact);
}

std::optional<SearchRecord> SearchRecord::fromJson(const QByteArray& json)
{
    const QJsonDocument document = QJsonDocument::fromJson(json);
    if (!document.isObject())
        return std::nullopt;
    const QJsonObject o = document.object();
    SearchRecord record;
    record.index = o.value(QLatin1String("index")).toString();
    record.query = o.value(QLatin1String("query")).toString();
    record.page = o.value(QLatin1String("page")).toInt();
    record.hitsPerPage = o.value(QLatin1String("hitsPerPage")).toInt(20);
    record.nbHits = o.value(QLatin1String("nbHits")).toInt();
    for (const QJsonValue& hit : o.value(QLatin1String("hits")).toArray())
        record.hits.append(hit.toString());
    record.clickAnalytics = o.value(QLatin1String("clickAnalytics")).toBool();
    record.enablePersonalization = o.value(QLatin1String("enablePersonalization")).toBool();
    record.userToken = o.value(QLatin1String("userToken")).toString();
    record.queryID = o.value(QLatin1String("queryID")).toString();
    record.atMs = o.value(QLatin1String("atMs")).toInteger();
    return record;
}

SearchRecord SearchRecord::of(const SearchQuery& query, const QString& headerUserToken)
{
    SearchRecord record;
    record.index = query.indexName();
    record.query = query.query();
    record.page = query.page();
    record.hitsPerPage = query.hitsPerPage();
    record.clickAnalytics = query.clickAnalytics();
    record.enablePersonalization = query.enablePersonalization();
    record.userToken = headerUserToken.isEmpty() ? query.userToken() : headerUserToken;
    return record;
}

void SearchRecord::readAnswer(const QJsonObject& result)
{
    hits.clear();
    for (const QJsonValue& hit : result.value(QLatin1String("hits")).toArray())
        hits.append(hit.toObject().value(QLatin1String("objectID")).toString());
    nbHits = result.value(QLatin1String("nbHits")).toInt(static_cast<int>(hits.size()));
    page = result.value(QLatin1String("page")).toInt(page);
    hitsPerPage = result.value(QLatin1String("hitsPerPage")).toInt(hitsPerPage);
    queryID = result.value(QLatin1String("queryID")).toString();
}
