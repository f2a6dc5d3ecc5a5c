#include "demopersona.h"

#include "catalog/indexcatalog.h"

#include <QHash>
#include <QJsonArray>
#include <QSet>

#include <algorithm>

namespace {

constexpr int kMinDistinct = 2;
constexpr int kMaxDistinct = 60;

QStringList stringValues(const QJsonValue& value)
{
    if (value.isString())
        return {value.toString()};
    QStringList out;
    if (value.isArray()) {
        for (const QJsonValue& item : value.toArray()) {
            if (item.isString())
                out << item.toString();
        }
    }
    return out;
}

bool isIdentityAttribute(const QString& name)
{
    static const QSet<QString> identity{QStringLiteral("objectID"),    QStringLiteral("title"),
                                        QStringLiteral("name"),        QStringLiteral("label"),
                                        QStringLiteral("description"), QStringLiteral("image"),
                                        QStringLiteral("url")};
    return identity.contains(name);
}

int decadeOf(int year)
{
    return year - year % 10;
}

} // namespace

bool DemoPersona::likes(const IndexCatalog& catalog, const QString& objectID) const
{
    const IndexCatalog::Record* record = catalog.record(objectID);
    if (!record || !stringValues(record->attributes.value(attribute)).contains(value))
        return false;
    if (yearAttribute.isEmpty())
        return true;
    const int year = record->attributes.value(yearAttribute).toInt();
    return year >= fromYear && year <= toYear;
}

namespace DemoPersonas {

std::optional<QString> tasteAttribute(const IndexCatalog& catalog)
{
    QHash<QString, int> recordsWith;
    QHash<QString, QSet<QString>> distinct;
    for (const IndexCatalog::Record& record : catalog.records()) {
        for (auto it = record.attributes.begin(); it != record.attributes.end(); ++it) {
            if (isIdentityAttribute(it.key()))
                continue;
            const QStringList values = stringValues(it.value());
            if (values.isEmpty())
                continue;
            ++recordsWith[it.key()];
            QSet<QString>& seen = distinct[it.key()];
            if (seen.size() <= kMaxDistinct)
                seen.unite(QSet<QString>(values.begin(), values.end()));
        }
    }
    std::optional<QString> best;
    int bestCount = 0;
    for (auto it = recordsWith.begin(); it != recordsWith.end(); ++it) {
        const qsizetype values = distinct.value(it.key()).size();
        if (values < kMinDistinct || values > kMaxDistinct)
            continue;
        if (it.value() > bestCount || (it.value() == bestCount && best && it.key() < *best)) {
            best = it.key();
            bestCount = it.value();
        }
    }
    return best;
}

std::optional<QString> yearAttribute(const IndexCatalog& catalog)
{
    if (catalog.isEmpty())
        return std::nullopt;
    const IndexCatalog::Record& first = catalog.records().first();
    if (first.attributes.value(QStringLiteral("year")).isDouble())
        return QStringLiteral("year");
    for (auto it = first.attributes.begin(); it != first.attributes.end(); ++it) {
        const QString name = it.key();
        bool allYears = true;
        for (const IndexCatalog::Record& record : catalog.records()) {
            const QJsonValue value = record.attributes.value(name);
            const double number = value.toDouble(-1);
            if (!value.isDouble() || number < 1800 || number > 2200 || number != static_cast<int>(number)) {
                allYears = false;
                break;
            }
        }
        if (allYears)
            return name;
    }
    return std::nullopt;
}

QList<DemoPersona> fromCatalog(const IndexCatalog& catalog, int count)
{
    const std::optional<QString> attribute = tasteAttribute(catalog);
    if (!attribute || count <= 0)
        return {};
    const std::optional<QString> years = yearAttribute(catalog);

    QHash<QString, int> frequency;
    QHash<QString, QHash<int, int>> decades; // value -> decade -> records
    for (const IndexCatalog::Record& record : catalog.records()) {
        const QStringList values = stringValues(record.attributes.value(*attribute));
        const int year = years ? record.attributes.value(*years).toInt() : 0;
        for (const QString& value : values) {
            ++frequency[value];
            if (years)
                ++decades[value][decadeOf(year)];
        }
    }
    QList<QPair<QString, int>> ranked;
    for (auto it = frequency.begin(); it != frequency.end(); ++it)
        ranked.append({it.key(), it.value()});
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });

    QList<DemoPersona> personas;
    for (const auto& [value, records] : std::as_const(ranked)) {
        if (personas.size() >= count)
            break;
        DemoPersona persona;
        persona.attribute = *attribute;
        persona.value = value;
        persona.name = value + QStringLiteral(" lover");
        if (years && personas.size() % 2 == 1) {
            const QHash<int, int>& byDecade = decades.value(value);
            int decade = 0;
            int most = 0;
            for (auto it = byDecade.begin(); it != byDecade.end(); ++it) {
                if (it.value() > most || (it.value() == most && it.key() < decade)) {
                    decade = it.key();
                    most = it.value();
                }
            }
            if (most >= 3) { // a decade with too few records would leave the persona nothing to pick
                persona.yearAttribute = *years;
                persona.fromYear = decade;
                persona.toYear = decade + 9;
                persona.name = QStringLiteral("%1s %2 fan").arg(decade).arg(value);
            }
        }
        personas << persona;
    }
    return personas;
}

} // namespace DemoPersonas
