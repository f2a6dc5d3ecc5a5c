#pragma once

// Personas of the scripted demo shoppers (issue 14 §1), derived from the loaded catalog's attributes: the
// most common values of its taste attribute (e.g. genres), some narrowed to a decade when the records have a
// year
// ("Drama lover", "1990s Action fan"). Deterministic for a catalog: the same catalog gives the same personas.

#include <QList>
#include <QString>

#include <optional>

class IndexCatalog;

struct DemoPersona
{
    QString name;          // "Drama lover", "1990s Action fan"
    QString attribute;     // the taste attribute, e.g. "genres"
    QString value;         // e.g. "Drama"
    QString yearAttribute; // e.g. "year"; empty when the persona has no decade
    int fromYear = 0;      // inclusive, when yearAttribute is set
    int toYear = 0;        // inclusive

    // Whether a record (its attributes as JSON) matches the persona's taste.
    bool likes(const IndexCatalog& catalog, const QString& objectID) const;
    // The words the persona types in a search box.
    QString query() const { return value.toLower(); }
};

namespace DemoPersonas {

// The taste attribute: the string or string-array attribute most records have, with a handful of distinct
// values (2 to 60); nullopt when the catalog has none.
std::optional<QString> tasteAttribute(const IndexCatalog& catalog);
// An integer attribute that holds years (named "year", or values all between 1800 and 2200).
std::optional<QString> yearAttribute(const IndexCatalog& catalog);
// Up to `count` personas, most common tastes first; every second one narrowed to its most common decade.
QList<DemoPersona> fromCatalog(const IndexCatalog& catalog, int count);

} // namespace DemoPersonas
