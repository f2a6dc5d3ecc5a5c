#include "plan.h"

#include "catalog/indexcatalog.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

namespace {

// A key the reader does not know is an error: a typo ("requiredField") would otherwise silently check
// nothing.
struct Reader
{
    QString error;

    bool fail(const QString& where, const QString& message)
    {
        if (error.isEmpty())
            error = where.isEmpty() ? message : where + QStringLiteral(": ") + message;
        return false;
    }

    bool onlyKeys(const QJsonObject& object, const QString& where, const QStringList& known)
    {
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (!known.contains(it.key()) && it.key() != QLatin1String("description") &&
                it.key() != QLatin1String("$schema") && it.key() != QLatin1String("$comment"))
                return fail(where, QStringLiteral("unknown key '%1' (known: %2)")
                                       .arg(it.key(), known.join(QLatin1String(", "))));
        }
        return true;
    }

    std::optional<QString> string(const QJsonObject& object, const QString& where, const QString& key,
                                  bool required)
    {
        const QJsonValue value = object.value(key);
        if (value.isUndefined() || value.isNull()) {
            if (required)
                fail(where, QStringLiteral("'%1' is required").arg(key));
            return required ? std::nullopt : std::optional<QString>(QString());
        }
        if (!value.isString() || (required && value.toString().isEmpty())) {
            fail(where + QLatin1Char('.') + key, QStringLiteral("must be a non-empty string"));
            return std::nullopt;
        }
        return value.toString();
    }

    std::optional<bool> boolean(const QJsonObject& object, const QString& where, const QString& key,
                                bool fallback)
    {
        const QJsonValue value = object.value(key);
        if (value.isUndefined())
            return fallback;
        if (!value.isBool()) {
            fail(where + QLatin1Char('.') + key, QStringLiteral("must be true or false"));
            return std::nullopt;
        }
        return value.toBool();
    }

    std::optional<int> count(const QJsonObject& object, const QString& where, const QString& key,
                             int fallback)
    {
        const QJsonValue value = object.value(key);
        if (value.isUndefined())
            return fallback;
        const double number = value.toDouble(-1);
        if (!value.isDouble() || number < 0 || number != static_cast<double>(static_cast<int>(number))) {
            fail(where + QLatin1Char('.') + key, QStringLiteral("must be a whole number >= 0"));
            return std::nullopt;
        }
        return static_cast<int>(number);
    }

    std::optional<PlannedEvent> plannedEvent(const QJsonValue& value, const QString& where)
    {
        if (!value.isObject()) {
            fail(where, QStringLiteral("must be an object"));
            return std::nullopt;
        }
        const QJsonObject object = value.toObject();
        if (!onlyKeys(object, where,
                      {QStringLiteral("name"), QStringLiteral("eventType"), QStringLiteral("eventSubtype"),
                       QStringLiteral("index"), QStringLiteral("requiredFields"), QStringLiteral("queryID"),
                       QStringLiteral("objectIDsInCatalog"), QStringLiteral("minCount")}))
            return std::nullopt;
        PlannedEvent event;
        const auto name = string(object, where, QStringLiteral("name"), true);
        const auto type = string(object, where, QStringLiteral("eventType"), true);
        const auto subtype = string(object, where, QStringLiteral("eventSubtype"), false);
        const auto index = string(object, where, QStringLiteral("index"), false);
        const auto description = string(object, where, QStringLiteral("description"), false);
        const auto inCatalog = boolean(object, where, QStringLiteral("objectIDsInCatalog"), false);
        const auto minCount = count(object, where, QStringLiteral("minCount"), 1);
        if (!name || !type || !subtype || !index || !description || !inCatalog || !minCount)
            return std::nullopt;
        static const QStringList types{QStringLiteral("click"), QStringLiteral("conversion"),
                                       QStringLiteral("view")};
        if (!types.contains(*type))
            return fail(where + QStringLiteral(".eventType"),
                        QStringLiteral("'%1' is not click, conversion or view").arg(*type)),
                   std::nullopt;
        event.name = *name;
        event.eventType = *type;
        event.eventSubtype = *subtype;
        event.index = *index;
        event.description = *description;
        event.objectIdsInCatalog = *inCatalog;
        event.minCount = *minCount;
        const QJsonValue fields = object.value(QStringLiteral("requiredFields"));
        if (!fields.isUndefined()) {
            if (!fields.isArray())
                return fail(where + QStringLiteral(".requiredFields"), QStringLiteral("must be an array")),
                       std::nullopt;
            const QJsonArray array = fields.toArray();
            for (qsizetype i = 0; i < array.size(); ++i) {
                const QString field = array.at(i).toString();
                if (field.isEmpty() || field == QLatin1String("objectData[]."))
                    return fail(where + QStringLiteral(".requiredFields[%1]").arg(i),
                                QStringLiteral("must be a field name such as \"queryID\" or "
                                               "\"objectData[].price\"")),
                           std::nullopt;
                event.requiredFields.append(field);
            }
        }
        const QJsonValue queryIdValue = object.value(QStringLiteral("queryID"));
        const QString queryId =
            queryIdValue.isUndefined() ? QStringLiteral("optional") : queryIdValue.toString();
        if (queryId == QLatin1String("required"))
            event.queryId = QueryIdRule::Required;
        else if (queryId == QLatin1String("forbidden"))
            event.queryId = QueryIdRule::Forbidden;
        else if (queryId != QLatin1String("optional"))
            return fail(where + QStringLiteral(".queryID"),
                        QStringLiteral("must be \"required\", \"optional\" or \"forbidden\"")),
                   std::nullopt;
        return event;
    }

    std::optional<JourneyStep> step(const QJsonValue& value, const QString& where, const QSet<QString>& names)
    {
        if (!value.isObject()) {
            fail(where, QStringLiteral("must be an object"));
            return std::nullopt;
        }
        const QJsonObject object = value.toObject();
        if (!onlyKeys(object, where,
                      {QStringLiteral("event"), QStringLiteral("search"), QStringLiteral("within"),
                       QStringLiteral("queryIDFromSearch")}))
            return std::nullopt;
        JourneyStep step;
        const bool hasEvent = object.contains(QStringLiteral("event"));
        const bool hasSearch = object.contains(QStringLiteral("search"));
        if (hasEvent == hasSearch)
            return fail(where, QStringLiteral("needs exactly one of 'event' and 'search'")), std::nullopt;
        if (hasEvent) {
            const auto name = string(object, where, QStringLiteral("event"), true);
            if (!name)
                return std::nullopt;
            if (!names.contains(*name))
                return fail(where + QStringLiteral(".event"),
                            QStringLiteral("'%1' is not an event of the plan").arg(*name)),
                       std::nullopt;
            step.event = *name;
        } else {
            step.kind = JourneyStep::Kind::Search;
            const QJsonValue search = object.value(QStringLiteral("search"));
            if (!search.isObject())
                return fail(where + QStringLiteral(".search"),
                            QStringLiteral("must be an object, e.g. {\"index\": \"movies\"} or {}")),
                       std::nullopt;
            if (!onlyKeys(search.toObject(), where + QStringLiteral(".search"), {QStringLiteral("index")}))
                return std::nullopt;
            const auto index =
                string(search.toObject(), where + QStringLiteral(".search"), QStringLiteral("index"), false);
            if (!index)
                return std::nullopt;
            step.index = *index;
        }
        const QJsonValue within = object.value(QStringLiteral("within"));
        if (!within.isUndefined()) {
            const auto ms = within.isDouble()
                                ? (within.toDouble() >= 0
                                       ? std::optional<qint64>(static_cast<qint64>(within.toDouble() * 1000))
                                       : std::nullopt)
                                : PlanFile::parseDurationMs(within.toString());
            if (!ms)
                return fail(where + QStringLiteral(".within"),
                            QStringLiteral("must be a duration such as \"30s\", \"10m\", \"2h\" or a number "
                                           "of seconds")),
                       std::nullopt;
            step.withinMs = *ms;
        }
        const auto fromSearch = boolean(object, where, QStringLiteral("queryIDFromSearch"), false);
        if (!fromSearch)
            return std::nullopt;
        step.queryIdFromSearch = *fromSearch;
        return step;
    }

    std::optional<Journey> journey(const QJsonValue& value, const QString& where, const QSet<QString>& names)
    {
        if (!value.isObject())
            return fail(where, QStringLiteral("must be an object")), std::nullopt;
        const QJsonObject object = value.toObject();
        if (!onlyKeys(object, where,
                      {QStringLiteral("name"), QStringLiteral("steps"), QStringLiteral("require"),
                       QStringLiteral("minCompleted")}))
            return std::nullopt;
        Journey journey;
        const auto name = string(object, where, QStringLiteral("name"), true);
        const auto description = string(object, where, QStringLiteral("description"), false);
        const auto minCompleted = count(object, where, QStringLiteral("minCompleted"), 1);
        if (!name || !description || !minCompleted)
            return std::nullopt;
        journey.name = *name;
        journey.description = *description;
        journey.minCompleted = std::max(1, *minCompleted);
        const QJsonValue requireValue = object.value(QStringLiteral("require"));
        const QString require = requireValue.isUndefined() ? QStringLiteral("any") : requireValue.toString();
        if (require == QLatin1String("every"))
            journey.require = Journey::Require::Every;
        else if (require != QLatin1String("any"))
            return fail(where + QStringLiteral(".require"), QStringLiteral("must be \"any\" or \"every\"")),
                   std::nullopt;
        const QJsonArray steps = object.value(QStringLiteral("steps")).toArray();
        if (steps.size() < 2)
            return fail(where + QStringLiteral(".steps"), QStringLiteral("needs at least two steps")),
                   std::nullopt;
        for (qsizetype i = 0; i < steps.size(); ++i) {
            auto parsed = step(steps.at(i), where + QStringLiteral(".steps[%1]").arg(i), names);
            if (!parsed)
                return std::nullopt;
            journey.steps.append(*parsed);
        }
        bool anyEvent = false;
        for (const JourneyStep& s : journey.steps)
            anyEvent = anyEvent || s.kind == JourneyStep::Kind::Event;
        if (!anyEvent)
            return fail(where + QStringLiteral(".steps"), QStringLiteral("needs at least one event step")),
                   std::nullopt;
        return journey;
    }

    std::optional<TokenRules> tokens(const QJsonValue& value, const QString& where)
    {
        TokenRules rules;
        if (value.isUndefined())
            return rules;
        if (!value.isObject())
            return fail(where, QStringLiteral("must be an object")), std::nullopt;
        const QJsonObject object = value.toObject();
        if (!onlyKeys(object, where,
                      {QStringLiteral("anonymousTokenPersists"),
                       QStringLiteral("maxAnonymousTokensPerClient"), QStringLiteral("loginKeepsUserToken"),
                       QStringLiteral("noSuspiciousTokens")}))
            return std::nullopt;
        const auto persists = boolean(object, where, QStringLiteral("anonymousTokenPersists"), false);
        const auto perClient = count(object, where, QStringLiteral("maxAnonymousTokensPerClient"), 1);
        const auto login = boolean(object, where, QStringLiteral("loginKeepsUserToken"), false);
        const auto suspicious = boolean(object, where, QStringLiteral("noSuspiciousTokens"), false);
        if (!persists || !perClient || !login || !suspicious)
            return std::nullopt;
        rules.anonymousTokenPersists = *persists;
        rules.maxAnonymousTokensPerClient = std::max(1, *perClient);
        rules.loginKeepsUserToken = *login;
        rules.noSuspiciousTokens = *suspicious;
        return rules;
    }
};

QJsonObject eventJson(const PlannedEvent& event)
{
    QJsonObject object{{QStringLiteral("name"), event.name}, {QStringLiteral("eventType"), event.eventType}};
    if (!event.description.isEmpty())
        object.insert(QStringLiteral("description"), event.description);
    if (!event.eventSubtype.isEmpty())
        object.insert(QStringLiteral("eventSubtype"), event.eventSubtype);
    if (!event.index.isEmpty())
        object.insert(QStringLiteral("index"), event.index);
    if (event.queryId != QueryIdRule::Optional)
        object.insert(QStringLiteral("queryID"), queryIdRuleName(event.queryId));
    if (!event.requiredFields.isEmpty())
        object.insert(QStringLiteral("requiredFields"), QJsonArray::fromStringList(event.requiredFields));
    if (event.objectIdsInCatalog)
        object.insert(QStringLiteral("objectIDsInCatalog"), true);
    if (event.minCount != 1)
        object.insert(QStringLiteral("minCount"), event.minCount);
    return object;
}

} // namespace

QString queryIdRuleName(QueryIdRule rule)
{
    switch (rule) {
    case QueryIdRule::Optional:
        break;
    case QueryIdRule::Required:
        return QStringLiteral("required");
    case QueryIdRule::Forbidden:
        return QStringLiteral("forbidden");
    }
    return QStringLiteral("optional");
}

QString JourneyStep::label() const
{
    if (kind == Kind::Event)
        return event;
    return index.isEmpty() ? QStringLiteral("search") : QStringLiteral("search %1").arg(index);
}

const PlannedEvent* Plan::event(const QString& name) const
{
    for (const PlannedEvent& candidate : events) {
        if (candidate.name == name)
            return &candidate;
    }
    return nullptr;
}

namespace PlanFile {

PlanLoadResult parse(const QByteArray& json, const QString& baseDir)
{
    PlanLoadResult result;
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        result.error =
            QStringLiteral("not JSON: %1 at offset %2").arg(parseError.errorString()).arg(parseError.offset);
        return result;
    }
    if (!document.isObject()) {
        result.error = QStringLiteral("a plan is a JSON object with \"events\"");
        return result;
    }
    const QJsonObject root = document.object();
    Reader reader;
    Plan plan;
    if (!reader.onlyKeys(root, {},
                         {QStringLiteral("name"), QStringLiteral("events"), QStringLiteral("journeys"),
                          QStringLiteral("tokens"), QStringLiteral("failOnUnplanned"),
                          QStringLiteral("catalogs")})) {
        result.error = reader.error;
        return result;
    }
    const auto name = reader.string(root, {}, QStringLiteral("name"), false);
    const auto description = reader.string(root, {}, QStringLiteral("description"), false);
    const auto failOnUnplanned = reader.boolean(root, {}, QStringLiteral("failOnUnplanned"), false);
    if (!name || !description || !failOnUnplanned) {
        result.error = reader.error;
        return result;
    }
    plan.name = *name;
    plan.description = *description;
    plan.failOnUnplanned = *failOnUnplanned;

    const QJsonValue events = root.value(QStringLiteral("events"));
    if (!events.isArray()) {
        result.error = QStringLiteral("events: must be an array of expected events");
        return result;
    }
    QSet<QString> names;
    const QJsonArray eventArray = events.toArray();
    for (qsizetype i = 0; i < eventArray.size(); ++i) {
        const QString where = QStringLiteral("events[%1]").arg(i);
        auto event = reader.plannedEvent(eventArray.at(i), where);
        if (!event) {
            result.error = reader.error;
            return result;
        }
        if (names.contains(event->name)) {
            result.error = where + QStringLiteral(".name: '%1' is planned twice").arg(event->name);
            return result;
        }
        names.insert(event->name);
        plan.events.append(*event);
    }

    const QJsonValue journeys = root.value(QStringLiteral("journeys"));
    if (!journeys.isUndefined() && !journeys.isArray()) {
        result.error = QStringLiteral("journeys: must be an array");
        return result;
    }
    const QJsonArray journeyArray = journeys.toArray();
    QSet<QString> journeyNames;
    for (qsizetype i = 0; i < journeyArray.size(); ++i) {
        const QString where = QStringLiteral("journeys[%1]").arg(i);
        auto journey = reader.journey(journeyArray.at(i), where, names);
        if (!journey) {
            result.error = reader.error;
            return result;
        }
        if (journeyNames.contains(journey->name)) {
            result.error = where + QStringLiteral(".name: '%1' is planned twice").arg(journey->name);
            return result;
        }
        journeyNames.insert(journey->name);
        plan.journeys.append(*journey);
    }

    const auto tokens = reader.tokens(root.value(QStringLiteral("tokens")), QStringLiteral("tokens"));
    if (!tokens) {
        result.error = reader.error;
        return result;
    }
    plan.tokens = *tokens;

    const QJsonValue catalogs = root.value(QStringLiteral("catalogs"));
    if (!catalogs.isUndefined()) {
        if (!catalogs.isObject()) {
            result.error = QStringLiteral("catalogs: must be an object of index name -> records file");
            return result;
        }
        const QJsonObject object = catalogs.toObject();
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (!it.value().isString() || it.value().toString().isEmpty()) {
                result.error =
                    QStringLiteral("catalogs.%1: must be the path of a records file").arg(it.key());
                return result;
            }
            const QString path = it.value().toString();
            // ":/sample/movies.json" names the catalog bundled in the executable.
            plan.catalogPaths.insert(
                it.key(), path.startsWith(QLatin1String(":/")) ? path : QDir(baseDir).absoluteFilePath(path));
        }
    }
    result.plan = std::move(plan);
    return result;
}

PlanLoadResult load(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        PlanLoadResult result;
        result.error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return result;
    }
    PlanLoadResult result = parse(file.readAll(), QFileInfo(path).absolutePath());
    if (!result.plan)
        result.error = QStringLiteral("%1: %2").arg(QFileInfo(path).fileName(), result.error);
    return result;
}

QByteArray toJson(const Plan& plan)
{
    QJsonObject root;
    if (!plan.name.isEmpty())
        root.insert(QStringLiteral("name"), plan.name);
    if (!plan.description.isEmpty())
        root.insert(QStringLiteral("description"), plan.description);
    QJsonArray events;
    for (const PlannedEvent& event : plan.events)
        events.append(eventJson(event));
    root.insert(QStringLiteral("events"), events);
    QJsonArray journeys;
    for (const Journey& journey : plan.journeys) {
        QJsonObject object{{QStringLiteral("name"), journey.name}};
        if (!journey.description.isEmpty())
            object.insert(QStringLiteral("description"), journey.description);
        if (journey.require == Journey::Require::Every)
            object.insert(QStringLiteral("require"), QStringLiteral("every"));
        if (journey.minCompleted != 1)
            object.insert(QStringLiteral("minCompleted"), journey.minCompleted);
        QJsonArray steps;
        for (const JourneyStep& step : journey.steps) {
            QJsonObject s;
            if (step.kind == JourneyStep::Kind::Event)
                s.insert(QStringLiteral("event"), step.event);
            else
                s.insert(QStringLiteral("search"), step.index.isEmpty()
                                                       ? QJsonObject()
                                                       : QJsonObject{{QStringLiteral("index"), step.index}});
            if (step.withinMs)
                s.insert(QStringLiteral("within"), durationText(*step.withinMs));
            if (step.queryIdFromSearch)
                s.insert(QStringLiteral("queryIDFromSearch"), true);
            steps.append(s);
        }
        object.insert(QStringLiteral("steps"), steps);
        journeys.append(object);
    }
    if (!journeys.isEmpty())
        root.insert(QStringLiteral("journeys"), journeys);
    const TokenRules defaults;
    const TokenRules& t = plan.tokens;
    QJsonObject tokens;
    if (t.anonymousTokenPersists)
        tokens.insert(QStringLiteral("anonymousTokenPersists"), true);
    if (t.maxAnonymousTokensPerClient != defaults.maxAnonymousTokensPerClient)
        tokens.insert(QStringLiteral("maxAnonymousTokensPerClient"), t.maxAnonymousTokensPerClient);
    if (t.loginKeepsUserToken)
        tokens.insert(QStringLiteral("loginKeepsUserToken"), true);
    if (t.noSuspiciousTokens)
        tokens.insert(QStringLiteral("noSuspiciousTokens"), true);
    if (!tokens.isEmpty())
        root.insert(QStringLiteral("tokens"), tokens);
    if (plan.failOnUnplanned)
        root.insert(QStringLiteral("failOnUnplanned"), true);
    if (!plan.catalogPaths.isEmpty()) {
        QJsonObject catalogs;
        for (auto it = plan.catalogPaths.begin(); it != plan.catalogPaths.end(); ++it)
            catalogs.insert(it.key(), it.value());
        root.insert(QStringLiteral("catalogs"), catalogs);
    }
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

CatalogsLoad loadCatalogs(const Plan& plan, const QStringList& extraFiles)
{
    CatalogsLoad result;
    const auto add = [&](const QString& path, const QString& index) {
        IndexCatalog::LoadResult loaded = IndexCatalog::fromFile(path, index);
        if (!loaded.catalog) {
            if (result.error.isEmpty())
                result.error = QStringLiteral("cannot read catalog %1: %2").arg(path, loaded.error);
            return;
        }
        result.catalogs.append(std::make_shared<const IndexCatalog>(std::move(*loaded.catalog)));
    };
    for (auto it = plan.catalogPaths.begin(); it != plan.catalogPaths.end(); ++it)
        add(it.value(), it.key());
    for (const QString& path : extraFiles)
        add(path, {});
    return result;
}

std::optional<qint64> parseDurationMs(const QString& text)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return std::nullopt;
    qint64 unit = 1000;
    QStringView number = trimmed;
    switch (trimmed.back().toLatin1()) {
    case 's':
        number.chop(1);
        break;
    case 'm':
        unit = 60'000;
        number.chop(1);
        break;
    case 'h':
        unit = 3'600'000;
        number.chop(1);
        break;
    case 'd':
        unit = 86'400'000;
        number.chop(1);
        break;
    default:
        break;
    }
    bool ok = false;
    const double value = number.toDouble(&ok);
    if (!ok || value < 0)
        return std::nullopt;
    return static_cast<qint64>(value * static_cast<double>(unit));
}

QString durationText(qint64 ms)
{
    for (const auto& [unit, suffix] :
         {std::pair{86'400'000LL, 'd'}, std::pair{3'600'000LL, 'h'}, std::pair{60'000LL, 'm'}}) {
        if (ms >= unit && ms % unit == 0)
            return QString::number(ms / unit) + QLatin1Char(suffix);
    }
    if (ms % 1000 == 0)
        return QString::number(ms / 1000) + QLatin1Char('s');
    return QString::number(static_cast<double>(ms) / 1000.0) + QLatin1Char('s');
}

} // namespace PlanFile
