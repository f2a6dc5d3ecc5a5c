#pragma once

// An event plan (issue 15): what a site must send, read from a JSON file documented by
// resources/plan/plan.schema.json. Pure data plus its reader and writer; the checker is planchecker.h.

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>

class IndexCatalog;

enum class QueryIdRule
{
    Optional,  // either way
    Required,  // the event must carry a queryID (click and conversion after search)
    Forbidden, // the event must not carry one
};
QString queryIdRuleName(QueryIdRule rule); // "optional", "required", "forbidden"

// One expected event, found in the log by its eventName.
struct PlannedEvent
{
    QString name;         // eventName, exactly as the site must send it
    QString description;  // for people
    QString eventType;    // click | conversion | view
    QString eventSubtype; // addToCart | purchase; empty = not checked
    QString index;        // empty = any index
    // Fields required beyond Algolia's own rules: "queryID", "positions", "value", "currency", "objectData",
    // any extra field name, or "objectData[].FIELD" for a field on every objectData item.
    QStringList requiredFields;
    QueryIdRule queryId = QueryIdRule::Optional;
    bool objectIdsInCatalog = false; // every objectID must be a record of the index's catalog
    int minCount = 1;                // how many must be seen; 0 = optional event
};

struct JourneyStep
{
    enum class Kind
    {
        Event,  // an event of the plan, by name
        Search, // a search (log records of kind Search), optionally on one index
    };
    Kind kind = Kind::Event;
    QString event; // Kind::Event: a PlannedEvent's name
    QString index; // Kind::Search: the index searched; empty = any
    // Time allowed since the previous step (ignored on the first step); nullopt = no limit.
    std::optional<qint64> withinMs;
    // The event's queryID (or every objectData item's) must be one that a search of this journey returned.
    bool queryIdFromSearch = false;

    QString label() const; // "search movies", "Product Viewed"
};

// Ordered steps taken by one user (one userToken).
struct Journey
{
    enum class Require
    {
        Any,   // met once enough users completed it; others may drop off (people browsing)
        Every, // every user who started it must complete it (scripted end-to-end tests)
    };
    QString name;
    QString description;
    QList<JourneyStep> steps;
    Require require = Require::Any;
    int minCompleted = 1;
};

struct TokenRules
{
    // One anonymous userToken per client (remote address + user agent): a new one on every page load is
    // token churn. Raise maxAnonymousTokensPerClient when one browser plays several users.
    bool anonymousTokenPersists = false;
    int maxAnonymousTokensPerClient = 1;
    // At login the site adds authenticatedUserToken and keeps userToken (the anonymous one) unchanged.
    bool loginKeepsUserToken = false;
    // No token that reads "null", "undefined", a bare number, an email address or a phone number.
    bool noSuspiciousTokens = false;
};

struct Plan
{
    QString name;
    QString description;
    QList<PlannedEvent> events;
    QList<Journey> journeys;
    TokenRules tokens;
    bool failOnUnplanned = false; // events matching no planned event fail the check
    QMap<QString, QString>
        catalogPaths; // index -> records file, absolute (resolved against the plan's folder)

    const PlannedEvent* event(const QString& name) const;
};

struct PlanLoadResult
{
    std::optional<Plan> plan;
    QString error; // one line naming the key at fault, e.g. "journeys[0].steps[2].event: ..."
};

namespace PlanFile {

// `baseDir` resolves relative catalog paths (the plan file's folder).
PlanLoadResult parse(const QByteArray& json, const QString& baseDir);
PlanLoadResult load(const QString& path);
// The plan as JSON (indented), readable by parse(); catalog paths are written as given.
QByteArray toJson(const Plan& plan);

// "30s", "10m", "2h", "1d" or a number of seconds; nullopt when unreadable or negative.
std::optional<qint64> parseDurationMs(const QString& text);
QString durationText(qint64 ms); // the shortest of the forms above

struct CatalogsLoad
{
    QList<std::shared_ptr<const IndexCatalog>> catalogs;
    QString error; // the first records file that could not be read
};
// The catalogs the plan names (index -> file) and extra records files (for every index), for
// objectIDsInCatalog; used by the Checks dock, `check`, `diff` and `serve --plan`.
CatalogsLoad loadCatalogs(const Plan& plan, const QStringList& extraFiles = {});

} // namespace PlanFile
