#include "profileestimate.h"

#include "catalog/indexcatalog.h"
#include "event/eventcodec.h"

#include <QHash>
#include <QJsonArray>

#include <algorithm>
#include <cmath>

namespace {

// Attributes that name or describe a single record carry no taste: skip them.
bool isIdentityAttribute(const QString& name)
{
    static const QStringList skipped{
        QStringLiteral("objectID"), QStringLiteral("title"),       QStringLiteral("name"),
        QStringLiteral("label"),    QStringLiteral("description"), QStringLiteral("image"),
        QStringLiteral("url"),      QStringLiteral("price"),       QStringLiteral("_highlightResult")};
    return skipped.contains(name);
}

void addValue(QHash<QPair<QString, QString>, double>& scores, const QString& attribute,
              const QJsonValue& value, double weight)
{
    if (value.isString()) {
        const QString text = value.toString();
        if (!text.isEmpty() && text.size() <= 40)
            scores[{attribute, text}] += weight;
    } else if (value.isDouble()) {
        const double number = value.toDouble();
        if (std::floor(number) == number) // integers such as a year; prices and ratings are not tastes
            scores[{attribute, QString::number(static_cast<qint64>(number))}] += weight;
    } else if (value.isBool()) {
        scores[{attribute, value.toBool() ? QStringLiteral("true") : QStringLiteral("false")}] += weight;
    }
}

} // namespace

namespace ProfileEstimator {

double weightOf(const LogRecord& record)
{
    if (record.eventType == u"view")
        return 1;
    if (record.eventType == u"click")
        return 2;
    if (record.eventType == u"conversion")
        return record.eventSubtype == u"purchase" ? 4 : 3;
    return 0;
}

ProfileEstimate estimate(const QList<LogRecord>& records, const QList<const IndexCatalog*>& catalogs, int top)
{
    ProfileEstimate result;
    QHash<QPair<QString, QString>, double> scores;
    for (const LogRecord& record : records) {
        const double weight = weightOf(record);
        const DecodedBatch decoded = EventCodec::decodeEvent(record.rawJson);
        if (!record.accepted || weight <= 0 || decoded.events.isEmpty() ||
            !decoded.events.first().objectIDs) {
            ++result.eventsSkipped;
            continue;
        }
        bool found = false;
        for (const QString& objectID : *decoded.events.first().objectIDs) {
            for (const IndexCatalog* catalog : catalogs) {
                if (!catalog || !catalog->appliesTo(record.index))
                    continue;
                const IndexCatalog::Record* item = catalog->record(objectID);
                if (!item)
                    continue;
                found = true;
                for (auto it = item->attributes.constBegin(); it != item->attributes.constEnd(); ++it) {
                    if (isIdentityAttribute(it.key()))
                        continue;
                    if (it.value().isArray()) {
                        for (const QJsonValue& element : it.value().toArray())
                            addValue(scores, it.key(), element, weight);
                    } else {
                        addValue(scores, it.key(), it.value(), weight);
                    }
                }
                break;
            }
        }
        if (found)
            ++result.eventsUsed;
        else
            ++result.eventsSkipped;
    }
    // Relative affinity: each value's share of all the weighted interest the user's events show, so the
    // bars sum to 100 % and compare with each other (scaled to the strongest, every value of a lone event
    // read 100).
    double total = 0;
    for (const double score : std::as_const(scores))
        total += score;
    for (auto it = scores.cbegin(); it != scores.cend(); ++it)
        result.affinities.append(
            {it.key().first, it.key().second, total > 0 ? 100.0 * it.value() / total : 0});
    std::sort(result.affinities.begin(), result.affinities.end(), [](const Affinity& a, const Affinity& b) {
        if (a.score != b.score)
            return a.score > b.score;
        return a.attribute != b.attribute ? a.attribute < b.attribute : a.value < b.value;
    });
    if (result.affinities.size() > top)
        result.affinities.resize(top);
    return result;
}

} // namespace ProfileEstimator
