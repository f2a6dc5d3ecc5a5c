#include "localsearch.h"

#include "catalog/indexcatalog.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QMap>
#include <QRandomGenerator>

#include <algorithm>

namespace {

struct Word
{
    qsizetype start = 0;
    qsizetype length = 0;
    QString folded;
};

// Words as Algolia separates them: runs of letters and digits, compared case-insensitively.
QList<Word> wordsOf(const QString& text)
{
    QList<Word> words;
    qsizetype i = 0;
    while (i < text.size()) {
        while (i < text.size() && !text.at(i).isLetterOrNumber())
            ++i;
        const qsizetype start = i;
        while (i < text.size() && text.at(i).isLetterOrNumber())
            ++i;
        if (i > start)
            words.append(Word{start, i - start, text.mid(start, i - start).toCaseFolded()});
    }
    return words;
}

struct QueryWords
{
    QStringList folded;   // the query's words, case-folded
    QStringList original; // as typed, for matchedWords
};

// The length of `word` matched by query word `q` (prefix only for the last query word), 0 for no match.
qsizetype matchLength(const QString& word, const QString& q, bool isLast)
{
    if (isLast)
        return word.startsWith(q) ? q.size() : 0;
    return word == q ? q.size() : 0;
}

// The string values of a record that full-text search reads: top-level strings and arrays of strings.
void forEachText(const QJsonObject& record,
                 const std::function<void(const QString&, const QJsonValue&)>& visit)
{
    for (auto it = record.constBegin(); it != record.constEnd(); ++it) {
        if (it.key() == QLatin1String("objectID"))
            continue;
        if (it.value().isString())
            visit(it.key(), it.value());
        else if (it.value().isArray())
            visit(it.key(), it.value());
    }
}

// Which query words occur in `text`.
QList<bool> matchedIn(const QString& text, const QueryWords& query)
{
    QList<bool> matched(query.folded.size(), false);
    for (const Word& word : wordsOf(text)) {
        for (qsizetype q = 0; q < query.folded.size(); ++q) {
            if (matchLength(word.folded, query.folded.at(q), q == query.folded.size() - 1) > 0)
                matched[q] = true;
        }
    }
    return matched;
}

bool recordMatches(const QJsonObject& record, const QueryWords& query)
{
    if (query.folded.isEmpty())
        return true;
    QList<bool> all(query.folded.size(), false);
    forEachText(record, [&](const QString&, const QJsonValue& value) {
        auto add = [&](const QString& text) {
            const QList<bool> matched = matchedIn(text, query);
            for (qsizetype q = 0; q < matched.size(); ++q)
                all[q] = all[q] || matched.at(q);
        };
        if (value.isString()) {
            add(value.toString());
        } else {
            for (const QJsonValue& item : value.toArray()) {
                if (item.isString())
                    add(item.toString());
            }
        }
    });
    return std::all_of(all.cbegin(), all.cend(), [](bool b) { return b; });
}

QJsonObject highlightOf(const QString& text, const QueryWords& query, const QString& pre, const QString& post)
{
    QString value;
    qsizetype copied = 0;
    qsizetype highlightedChars = 0;
    qsizetype wordChars = 0;
    QList<bool> matched(query.folded.size(), false);
    for (const Word& word : wordsOf(text)) {
        wordChars += word.length;
        qsizetype length = 0;
        for (qsizetype q = 0; q < query.folded.size(); ++q) {
            const qsizetype l = matchLength(word.folded, query.folded.at(q), q == query.folded.size() - 1);
            if (l > 0) {
                matched[q] = true;
                length = std::max(length, l);
            }
        }
        if (length == 0)
            continue;
        value += QStringView(text).mid(copied, word.start - copied) + pre +
                 QStringView(text).mid(word.start, length) + post;
        copied = word.start + length;
        highlightedChars += length;
    }
    value += QStringView(text).mid(copied);

    QJsonArray matchedWords;
    for (qsizetype q = 0; q < matched.size(); ++q) {
        if (matched.at(q))
            matchedWords.append(query.original.at(q));
    }
    const qsizetype count = matchedWords.size();
    QJsonObject result{{QStringLiteral("value"), value},
                       {QStringLiteral("matchLevel"), count == 0 ? QStringLiteral("none")
                                                      : count == query.folded.size()
                                                          ? QStringLiteral("full")
                                                          : QStringLiteral("partial")},
                       {QStringLiteral("matchedWords"), matchedWords}};
    if (count > 0)
        result.insert(QStringLiteral("fullyHighlighted"), highlightedChars == wordChars);
    return result;
}

QJsonObject highlightResultOf(const QJsonObject& record, const QueryWords& query, const SearchQuery& search)
{
    const QString pre = search.highlightPreTag();
    const QString post = search.highlightPostTag();
    QJsonObject result;
    forEachText(record, [&](const QString& key, const QJsonValue& value) {
        if (value.isString()) {
            result.insert(key, highlightOf(value.toString(), query, pre, post));
            return;
        }
        QJsonArray items;
        for (const QJsonValue& item : value.toArray()) {
            if (!item.isString())
                return; // arrays of other things are not highlighted
            items.append(highlightOf(item.toString(), query, pre, post));
        }
        result.insert(key, items);
    });
    return result;
}

// The facet values of an attribute, as strings (Algolia's facet keys): strings, numbers and booleans, or an
// array of them.
QStringList facetValuesOf(const QJsonValue& value)
{
    QStringList values;
    auto add = [&values](const QJsonValue& v) {
        if (v.isString())
            values.append(v.toString());
        else if (v.isBool())
            values.append(v.toBool() ? QStringLiteral("true") : QStringLiteral("false"));
        else if (v.isDouble())
            values.append(QString::number(v.toDouble(), 'g', 15));
    };
    if (value.isArray()) {
        for (const QJsonValue& item : value.toArray())
            add(item);
    } else {
        add(value);
    }
    return values;
}

// "genres:Drama" or "genres:-Drama" (negated), on the record's attribute.
bool filterMatches(const QJsonObject& record, const QString& filter)
{
    const qsizetype colon = filter.indexOf(QLatin1Char(':'));
    if (colon <= 0)
        return false;
    const QString attribute = filter.left(colon);
    QString wanted = filter.mid(colon + 1);
    const bool negated = wanted.startsWith(QLatin1Char('-'));
    if (negated)
        wanted.remove(0, 1);
    const QStringList values = facetValuesOf(record.value(attribute));
    const bool found = std::any_of(values.cbegin(), values.cend(), [&wanted](const QString& v) {
        return v.compare(wanted, Qt::CaseInsensitive) == 0;
    });
    return negated ? !found : found;
}

bool facetFiltersMatch(const QJsonObject& record, const QList<QStringList>& groups)
{
    for (const QStringList& group : groups) {
        if (group.isEmpty())
            continue;
        if (std::none_of(group.cbegin(), group.cend(),
                         [&](const QString& f) { return filterMatches(record, f); }))
            return false;
    }
    return true;
}

QJsonObject facetsOf(const QList<const IndexCatalog::Record*>& hits, const SearchQuery& query)
{
    QStringList attributes = query.facets();
    const bool all = attributes.contains(QStringLiteral("*"));
    QMap<QString, QHash<QString, int>> counts;
    for (const IndexCatalog::Record* record : hits) {
        for (auto it = record->attributes.constBegin(); it != record->attributes.constEnd(); ++it) {
            if (it.key() == QLatin1String("objectID") || (!all && !attributes.contains(it.key())))
                continue;
            for (const QString& value : facetValuesOf(it.value()))
                ++counts[it.key()][value];
        }
    }
    if (!all) {
        for (const QString& attribute : std::as_const(attributes))
            counts[attribute]; // a requested facet without values is still answered, empty
    }
    QJsonObject facets;
    for (auto it = counts.constBegin(); it != counts.constEnd(); ++it) {
        QList<std::pair<QString, int>> values(it.value().constKeyValueBegin(), it.value().constKeyValueEnd());
        std::sort(values.begin(), values.end(), [](const auto& a, const auto& b) {
            return a.second != b.second ? a.second > b.second : a.first < b.first;
        });
        QJsonObject object;
        for (qsizetype i = 0; i < values.size() && i < query.maxValuesPerFacet(); ++i)
            object.insert(values.at(i).first, values.at(i).second);
        facets.insert(it.key(), object);
    }
    return facets;
}

QJsonObject hitOf(const IndexCatalog::Record& record, const QueryWords& words, const SearchQuery& query)
{
    QJsonObject hit;
    const std::optional<QStringList> retrieve = query.attributesToRetrieve();
    for (auto it = record.attributes.constBegin(); it != record.attributes.constEnd(); ++it) {
        if (!retrieve || retrieve->contains(it.key()))
            hit.insert(it.key(), it.value());
    }
    hit.insert(QStringLiteral("objectID"), record.objectID);
    hit.insert(QStringLiteral("_highlightResult"), highlightResultOf(record.attributes, words, query));
    return hit;
}

} // namespace

namespace LocalSearch {

LocalSearchResult run(const SearchQuery& query, const IndexCatalog& catalog, bool withIndex)
{
    QElapsedTimer timer;
    timer.start();
    QueryWords words;
    const QString text = query.query();
    for (const Word& word : wordsOf(text)) {
        words.folded.append(word.folded);
        words.original.append(text.mid(word.start, word.length));
    }
    const QList<QStringList> filters = query.facetFilters();

    QList<const IndexCatalog::Record*> matches;
    for (const IndexCatalog::Record& record : catalog.records()) {
        if (recordMatches(record.attributes, words) && facetFiltersMatch(record.attributes, filters))
            matches.append(&record);
    }

    LocalSearchResult result;
    result.nbHits = static_cast<int>(matches.size());
    const int hitsPerPage = query.hitsPerPage();
    const int page = query.page();
    QJsonArray hits;
    const qsizetype first = static_cast<qsizetype>(page) * hitsPerPage;
    for (qsizetype i = first; i < matches.size() && i < first + hitsPerPage; ++i) {
        hits.append(hitOf(*matches.at(i), words, query));
        result.hitObjectIDs.append(matches.at(i)->objectID);
    }

    QJsonObject& response = result.response;
    response.insert(QStringLiteral("hits"), hits);
    response.insert(QStringLiteral("nbHits"), result.nbHits);
    response.insert(QStringLiteral("page"), page);
    response.insert(QStringLiteral("nbPages"),
                    hitsPerPage > 0 ? (result.nbHits + hitsPerPage - 1) / hitsPerPage : 0);
    response.insert(QStringLiteral("hitsPerPage"), hitsPerPage);
    response.insert(QStringLiteral("exhaustiveNbHits"), true);
    response.insert(QStringLiteral("exhaustiveTypo"), true);
    response.insert(QStringLiteral("exhaustive"),
                    QJsonObject{{QStringLiteral("nbHits"), true}, {QStringLiteral("typo"), true}});
    response.insert(QStringLiteral("query"), text);
    response.insert(QStringLiteral("params"), query.paramsString());
    if (!query.facets().isEmpty()) {
        response.insert(QStringLiteral("facets"), facetsOf(matches, query));
        response.insert(QStringLiteral("exhaustiveFacetsCount"), true);
    }
    if (query.clickAnalytics()) {
        result.queryID = newQueryId();
        response.insert(QStringLiteral("queryID"), result.queryID);
    }
    if (withIndex)
        response.insert(QStringLiteral("index"), query.indexName());
    response.insert(QStringLiteral("processingTimeMS"), std::max<qint64>(1, timer.elapsed()));
    return result;
}

QString newQueryId()
{
    quint32 words[4];
    QRandomGenerator::system()->fillRange(words);
    QString id;
    for (quint32 word : words)
        id += QStringLiteral("%1").arg(word, 8, 16, QLatin1Char('0'));
    return id;
}

} // namespace LocalSearch
