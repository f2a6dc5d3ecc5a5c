#include "planchecker.h"

#include "catalog/indexcatalog.h"
#include "event/eventcodec.h"
#include "log/eventlog.h"

#include <QDateTime>
#include <QSet>

#include <algorithm>
#include <functional>

namespace {

// The fields of an event by name, one table for presence checks and for `diff`'s field lists.
struct FieldPresence
{
    const char* name;
    bool (*present)(const Event&);
};

constexpr FieldPresence kEventFields[] = {
    {"eventType", [](const Event& e) { return e.eventType.has_value(); }},
    {"eventSubtype", [](const Event& e) { return e.eventSubtype.has_value(); }},
    {"eventName", [](const Event& e) { return e.eventName.has_value(); }},
    {"index", [](const Event& e) { return e.index.has_value(); }},
    {"userToken", [](const Event& e) { return e.userToken.has_value(); }},
    {"authenticatedUserToken", [](const Event& e) { return e.authenticatedUserToken.has_value(); }},
    {"timestamp", [](const Event& e) { return e.timestamp.has_value(); }},
    {"queryID", [](const Event& e) { return e.queryID.has_value() && !e.queryID->isEmpty(); }},
    {"objectIDs", [](const Event& e) { return e.objectIDs.has_value(); }},
    {"filters", [](const Event& e) { return e.filters.has_value(); }},
    {"positions", [](const Event& e) { return e.positions.has_value(); }},
    {"objectData", [](const Event& e) { return e.objectData.has_value(); }},
    {"value", [](const Event& e) { return e.value.has_value(); }},
    {"currency", [](const Event& e) { return e.currency.has_value() && !e.currency->isEmpty(); }},
    {"agentID", [](const Event& e) { return e.agentID.has_value(); }},
};

struct ItemFieldPresence
{
    const char* name;
    bool (*present)(const ObjectDataItem&);
};

constexpr ItemFieldPresence kItemFields[] = {
    {"price", [](const ObjectDataItem& i) { return i.price.has_value(); }},
    {"discount", [](const ObjectDataItem& i) { return i.discount.has_value(); }},
    {"quantity", [](const ObjectDataItem& i) { return i.quantity.has_value(); }},
    {"queryID", [](const ObjectDataItem& i) { return i.queryID.has_value() && !i.queryID->isEmpty(); }},
};

const QLatin1String kItemPrefix("objectData[].");

bool itemHasField(const ObjectDataItem& item, QStringView field)
{
    for (const ItemFieldPresence& known : kItemFields) {
        if (field == QLatin1String(known.name))
            return known.present(item);
    }
    for (const auto& [key, json] : item.extras) {
        if (key == field)
            return json != "null";
    }
    return false;
}

QString shortToken(const QString& token)
{
    return token.size() > 40 ? token.left(37) + QStringLiteral("...") : token;
}

QString timeText(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(QStringLiteral("HH:mm:ss"));
}

QString plural(int n, const char* one, const char* many)
{
    return QString::number(n) + QLatin1Char(' ') + QLatin1String(n == 1 ? one : many);
}

// Names compared the way a drifted name differs: case, spaces, dashes and underscores.
QString normalizedName(const QString& name)
{
    QString out;
    for (const QChar c : name) {
        if (c.isLetterOrNumber())
            out += c.toLower();
    }
    return out;
}

class Checker
{
public:
    Checker(const Plan& plan, const QList<CheckRecord>& records, const CheckOptions& options)
        : m_plan(plan)
        , m_records(withoutRequests(records, m_owned))
        , m_options(options)
    {
        for (const CheckRecord& record : m_records) {
            if (record.isSearch) {
                m_searchesRecorded = true;
                ++m_report.searchesChecked;
            } else {
                ++m_report.recordsChecked;
            }
            m_report.lastRecordId = std::max(m_report.lastRecordId, record.id);
        }
        m_report.planName = plan.name;
        m_report.failOnUnplanned = plan.failOnUnplanned;
    }

    CheckReport run()
    {
        for (const PlannedEvent& planned : m_plan.events)
            m_report.results.append(expectation(planned));
        for (const Journey& journey : m_plan.journeys)
            m_report.results.append(journeyResult(journey));
        if (m_plan.tokens.noSuspiciousTokens)
            m_report.results.append(suspiciousTokens());
        if (m_plan.tokens.anonymousTokenPersists)
            m_report.results.append(tokenChurn());
        if (m_plan.tokens.loginKeepsUserToken)
            m_report.results.append(loginTransitions());
        unplanned();
        return std::move(m_report);
    }

private:
    void note(qint64 id, const CheckResult& result, bool satisfied, const QString& field = {},
              const QString& message = {})
    {
        if (id > 0)
            m_report.notes[id].append(RecordNote{result.key, result.name, satisfied, field, message});
    }

    void finding(CheckResult& result, qint64 id, const QString& field, const QString& message)
    {
        result.findings.append(CheckFinding{id, field, message});
        note(id, result, false, field, message);
    }

    const IndexCatalog* catalogFor(const QString& index) const
    {
        const IndexCatalog* any = nullptr;
        for (const auto& catalog : m_options.catalogs) {
            if (!catalog)
                continue;
            if (catalog->indexName() == index)
                return catalog.get();
            if (catalog->indexName().isEmpty())
                any = catalog.get();
        }
        return any;
    }

    // What in this event breaks the planned event's rules (empty: it satisfies them).
    QList<CheckFinding> eventFindings(const PlannedEvent& planned, const CheckRecord& record,
                                      QSet<QString>& uncheckedCatalogs) const
    {
        QList<CheckFinding> out;
        const Event& event = record.event;
        const auto add = [&](const QString& field, const QString& message) {
            out.append(CheckFinding{record.id, field, message});
        };
        if (!record.accepted) {
            const auto error = std::find_if(record.issues.cbegin(), record.issues.cend(),
                                            [](const Issue& issue) { return issue.isError(); });
            if (error != record.issues.cend())
                add(error->field,
                    QStringLiteral("rejected (%1): %2").arg(record.httpStatus).arg(error->message));
            else
                add({}, QStringLiteral("rejected with its batch (%1): %2")
                            .arg(record.httpStatus)
                            .arg(record.message));
        }
        const QString type = event.eventType.value_or(QString());
        if (type != planned.eventType)
            add(QStringLiteral("eventType"),
                QStringLiteral("is '%1', the plan expects '%2'").arg(type, planned.eventType));
        const QString subtype = event.eventSubtype.value_or(QString());
        if (!planned.eventSubtype.isEmpty() && subtype != planned.eventSubtype)
            add(QStringLiteral("eventSubtype"),
                subtype.isEmpty()
                    ? QStringLiteral("missing, the plan expects '%1'").arg(planned.eventSubtype)
                    : QStringLiteral("is '%1', the plan expects '%2'").arg(subtype, planned.eventSubtype));
        const QString index = event.index.value_or(QString());
        if (!planned.index.isEmpty() && index != planned.index)
            add(QStringLiteral("index"),
                QStringLiteral("is '%1', the plan expects '%2'").arg(index, planned.index));
        const bool hasQueryId = eventHasField(event, QStringLiteral("queryID"));
        if (planned.queryId == QueryIdRule::Required && !hasQueryId)
            add(QStringLiteral("queryID"),
                QStringLiteral("missing: the plan requires a queryID (from the search "
                               "that led to this event)"));
        if (planned.queryId == QueryIdRule::Forbidden && hasQueryId)
            add(QStringLiteral("queryID"), QStringLiteral("present: the plan expects none on this event"));
        for (const QString& field : planned.requiredFields) {
            for (const QString& missing : missingFields(event, field))
                add(missing, QStringLiteral("missing: required by the plan"));
        }
        if (planned.objectIdsInCatalog && event.objectIDs) {
            if (const IndexCatalog* catalog = catalogFor(index)) {
                for (qsizetype i = 0; i < event.objectIDs->size(); ++i) {
                    const QString& objectId = event.objectIDs->at(i);
                    if (!catalog->contains(objectId))
                        add(QStringLiteral("objectIDs[%1]").arg(i),
                            QStringLiteral("'%1' is not a record of index %2").arg(objectId, index));
                }
            } else {
                uncheckedCatalogs.insert(index);
            }
        }
        return out;
    }

    CheckResult expectation(const PlannedEvent& planned)
    {
        CheckResult result;
        result.kind = CheckKind::Event;
        result.key = QStringLiteral("event:") + planned.name;
        result.name = planned.name;
        QSet<QString> uncheckedCatalogs;
        int broken = 0;
        for (const CheckRecord& record : m_records) {
            if (record.isSearch || record.event.eventName.value_or(QString()) != planned.name)
                continue;
            ++result.matched;
            const QList<CheckFinding> found = eventFindings(planned, record, uncheckedCatalogs);
            if (found.isEmpty()) {
                result.satisfiedIds.append(record.id);
                note(record.id, result, true);
                continue;
            }
            ++broken;
            for (const CheckFinding& f : found)
                finding(result, f.recordId, f.field, f.message);
        }
        QStringList summary{QStringLiteral("%1 seen").arg(result.matched)};
        if (broken > 0)
            summary.append(QStringLiteral("%1 broke the plan").arg(broken));
        const bool tooFew = result.matched < planned.minCount;
        if (tooFew)
            summary.append(QStringLiteral("at least %1 expected").arg(planned.minCount));
        if (!uncheckedCatalogs.isEmpty()) {
            QStringList indices = uncheckedCatalogs.values();
            indices.sort();
            summary.append(QStringLiteral("objectIDs not checked: no catalog of %1")
                               .arg(indices.join(QLatin1String(", "))));
        }
        result.summary = summary.join(QLatin1String(", "));
        if (broken > 0)
            result.status = CheckStatus::NotMet;
        else if (!tooFew)
            result.status = CheckStatus::Met;
        else if (m_options.runEnded) {
            result.status = CheckStatus::NotMet;
            result.findings.append(CheckFinding{0,
                                                {},
                                                QStringLiteral("expected at least %1 '%2', received %3")
                                                    .arg(planned.minCount)
                                                    .arg(planned.name)
                                                    .arg(result.matched)});
        } else {
            result.status = CheckStatus::Pending;
        }
        return result;
    }

    static bool matchesStep(const JourneyStep& step, const CheckRecord& record)
    {
        if (step.kind == JourneyStep::Kind::Search)
            return record.isSearch && (step.index.isEmpty() || record.searchIndex == step.index);
        return !record.isSearch && record.event.eventName.value_or(QString()) == step.event;
    }

    static bool queryIdsFromSearches(const Event& event, const QSet<QString>& queryIds, QString& offending)
    {
        bool any = false;
        if (event.queryID && !event.queryID->isEmpty()) {
            any = true;
            if (!queryIds.contains(*event.queryID)) {
                offending = QStringLiteral("queryID");
                return false;
            }
        }
        if (event.objectData) {
            for (qsizetype i = 0; i < event.objectData->size(); ++i) {
                const auto& queryId = event.objectData->at(i).queryID;
                if (!queryId || queryId->isEmpty())
                    continue;
                any = true;
                if (!queryIds.contains(*queryId)) {
                    offending = QStringLiteral("objectData[%1].queryID").arg(i);
                    return false;
                }
            }
        }
        if (!any)
            offending = QStringLiteral("queryID");
        return any;
    }

    CheckResult journeyResult(const Journey& journey)
    {
        CheckResult result;
        result.kind = CheckKind::Journey;
        result.key = QStringLiteral("journey:") + journey.name;
        result.name = journey.name;

        // Without searches in the log, search steps cannot be checked: they are left out (their time
        // allowance carried to the next step) and the journey can at best be pending.
        QList<JourneyStep> steps;
        bool searchStepsSkipped = false;
        std::optional<qint64> carried = 0;
        for (const JourneyStep& step : journey.steps) {
            if (step.kind == JourneyStep::Kind::Search && !m_searchesRecorded) {
                searchStepsSkipped = true;
                carried = (carried && step.withinMs) ? std::optional<qint64>(*carried + *step.withinMs)
                                                     : std::nullopt;
                continue;
            }
            JourneyStep kept = step;
            if (!steps.isEmpty() && kept.withinMs)
                kept.withinMs = carried ? std::optional<qint64>(*carried + *kept.withinMs) : std::nullopt;
            if (!m_searchesRecorded)
                kept.queryIdFromSearch = false;
            steps.append(kept);
            carried = 0;
        }

        struct Progress
        {
            JourneyInstance instance;
            int next = 0;
            qint64 lastTimeMs = 0;
            QSet<QString> searchQueryIds;
        };
        QHash<QString, Progress> active;
        QList<JourneyInstance> finished;
        QList<qint64> failedAt; // parallel to finished: the record at fault (0 = none)
        QList<QString> failedField;
        const auto close = [&](Progress& progress, CheckStatus status, qint64 recordId, const QString& field,
                               const QString& reason) {
            progress.instance.status = status;
            progress.instance.reason = reason;
            progress.instance.stepsDone = progress.next;
            finished.append(progress.instance);
            failedAt.append(recordId);
            failedField.append(field);
        };
        const auto start = [&](const CheckRecord& record) {
            Progress progress;
            progress.instance.userToken = record.userToken;
            progress.instance.recordIds.append(record.id);
            progress.next = 1;
            progress.lastTimeMs = record.timeMs;
            if (record.isSearch && !record.searchQueryId.isEmpty())
                progress.searchQueryIds.insert(record.searchQueryId);
            if (progress.next == steps.size())
                close(progress, CheckStatus::Met, 0, {}, {});
            else
                active.insert(record.userToken, progress);
        };

        for (const CheckRecord& record : m_records) {
            if (record.userToken.isEmpty())
                continue;
            auto it = active.find(record.userToken);
            if (it != active.end()) {
                Progress& progress = it.value();
                const JourneyStep& step = steps.at(progress.next);
                if (matchesStep(step, record)) {
                    const qint64 elapsed = record.timeMs - progress.lastTimeMs;
                    if (step.withinMs && elapsed > *step.withinMs) {
                        close(
                            progress, CheckStatus::NotMet, record.id, {},
                            QStringLiteral("step %1 '%2' came %3 after the previous step; the plan allows %4")
                                .arg(progress.next + 1)
                                .arg(step.label(), PlanFile::durationText(elapsed),
                                     PlanFile::durationText(*step.withinMs)));
                        active.erase(it);
                        if (matchesStep(steps.constFirst(), record))
                            start(record);
                        continue;
                    }
                    QString offending;
                    if (step.queryIdFromSearch &&
                        !queryIdsFromSearches(record.event, progress.searchQueryIds, offending)) {
                        progress.instance.recordIds.append(record.id);
                        close(progress, CheckStatus::NotMet, record.id, offending,
                              QStringLiteral("step %1 '%2': %3 is not a queryID a search of this journey "
                                             "returned")
                                  .arg(progress.next + 1)
                                  .arg(step.label(), offending));
                        active.erase(it);
                        continue;
                    }
                    progress.instance.recordIds.append(record.id);
                    progress.lastTimeMs = record.timeMs;
                    if (record.isSearch && !record.searchQueryId.isEmpty())
                        progress.searchQueryIds.insert(record.searchQueryId);
                    ++progress.next;
                    if (progress.next == steps.size()) {
                        close(progress, CheckStatus::Met, 0, {}, {});
                        active.erase(it);
                    }
                    continue;
                }
                if (progress.next == 1 && matchesStep(steps.constFirst(), record)) {
                    // The first step again before the second: the journey starts over from here.
                    active.erase(it);
                    start(record);
                    continue;
                }
                // A later search of the same user may be the one a later click comes from.
                if (record.isSearch && !record.searchQueryId.isEmpty())
                    progress.searchQueryIds.insert(record.searchQueryId);
                continue;
            }
            if (matchesStep(steps.constFirst(), record))
                start(record);
        }
        for (auto it = active.begin(); it != active.end(); ++it) {
            Progress& progress = it.value();
            const JourneyStep& step = steps.at(progress.next);
            const QString waiting = QStringLiteral("step %1 '%2'").arg(progress.next + 1).arg(step.label());
            if (step.withinMs && m_options.nowMs > progress.lastTimeMs + *step.withinMs)
                close(progress, CheckStatus::NotMet, progress.instance.recordIds.constLast(), {},
                      waiting + QStringLiteral(" not seen within %1 of the previous step")
                                    .arg(PlanFile::durationText(*step.withinMs)));
            else if (m_options.runEnded)
                close(progress, CheckStatus::NotMet, progress.instance.recordIds.constLast(), {},
                      QStringLiteral("the run ended before ") + waiting);
            else
                close(progress, CheckStatus::Pending, 0, {},
                      QStringLiteral("waiting for ") + waiting +
                          (step.withinMs ? QStringLiteral(" until %1 UTC")
                                               .arg(timeText(progress.lastTimeMs + *step.withinMs))
                                         : QString()));
        }

        int completed = 0;
        int failed = 0;
        int pending = 0;
        for (qsizetype i = 0; i < finished.size(); ++i) {
            const JourneyInstance& instance = finished.at(i);
            result.instances.append(instance);
            switch (instance.status) {
            case CheckStatus::Met:
                ++completed;
                result.satisfiedIds.append(instance.recordIds);
                for (const qint64 id : instance.recordIds)
                    note(id, result, true);
                break;
            case CheckStatus::NotMet:
                ++failed;
                finding(result, failedAt.at(i), failedField.at(i),
                        QStringLiteral("user %1: %2").arg(shortToken(instance.userToken), instance.reason));
                for (const qint64 id : instance.recordIds) {
                    if (id != failedAt.at(i))
                        m_report.notes[id].append(
                            RecordNote{result.key, result.name, false, {}, instance.reason});
                }
                break;
            case CheckStatus::Pending:
                ++pending;
                break;
            }
        }
        // Instances in the order they started, as people read a run.
        std::stable_sort(result.instances.begin(), result.instances.end(),
                         [](const JourneyInstance& a, const JourneyInstance& b) {
                             return a.recordIds.constFirst() < b.recordIds.constFirst();
                         });
        result.matched = static_cast<int>(finished.size());

        if (journey.require == Journey::Require::Every) {
            if (failed > 0)
                result.status = CheckStatus::NotMet;
            else if (pending > 0)
                result.status = CheckStatus::Pending;
            else if (completed >= journey.minCompleted)
                result.status = CheckStatus::Met;
            else
                result.status = m_options.runEnded ? CheckStatus::NotMet : CheckStatus::Pending;
        } else {
            if (completed >= journey.minCompleted)
                result.status = CheckStatus::Met;
            else if (pending > 0)
                result.status = CheckStatus::Pending;
            else if (failed > 0 || m_options.runEnded)
                result.status = CheckStatus::NotMet;
            else
                result.status = CheckStatus::Pending;
        }
        QStringList summary{QStringLiteral("%1 completed").arg(completed)};
        if (failed > 0)
            summary.append(QStringLiteral("%1 not completed").arg(failed));
        if (pending > 0)
            summary.append(QStringLiteral("%1 in progress").arg(pending));
        if (completed < journey.minCompleted)
            summary.append(QStringLiteral("at least %1 expected").arg(journey.minCompleted));
        if (result.status == CheckStatus::NotMet && finished.isEmpty())
            result.findings.append(CheckFinding{
                0,
                {},
                QStringLiteral("no user started it ('%1' was never seen)").arg(steps.constFirst().label())});
        if (searchStepsSkipped) {
            summary.append(QStringLiteral("search steps not checkable: no searches recorded"));
            if (result.status == CheckStatus::Met)
                result.status = CheckStatus::Pending;
        }
        result.summary = summary.join(QLatin1String(", "));
        return result;
    }

    CheckResult suspiciousTokens()
    {
        CheckResult result;
        result.kind = CheckKind::Token;
        result.key = QStringLiteral("token:suspicious");
        result.name = QStringLiteral("No suspicious tokens");
        static const QSet<QString> placeholders{
            QStringLiteral("null"),
            QStringLiteral("undefined"),
            QStringLiteral("nan"),
            QStringLiteral("none"),
            QStringLiteral("nil"),
            QStringLiteral("false"),
            QStringLiteral("true"),
            QStringLiteral("[object object]"),
            QStringLiteral("anonymous"),
            QStringLiteral("anonymous-undefined"),
            QStringLiteral("anonymous-null"),
            QStringLiteral("{}"),
        };
        QSet<QString> tokens;
        QSet<QString> suspicious;
        for (const CheckRecord& record : m_records) {
            if (record.isSearch)
                continue;
            const std::pair<QString, const QString*> fields[] = {
                {QStringLiteral("userToken"), &record.userToken},
                {QStringLiteral("authenticatedUserToken"), &record.authenticatedUserToken}};
            bool broken = false;
            for (const auto& entry : fields) {
                // Not a structured binding: clang 14 (the sanitized tree) cannot capture one in a lambda.
                const QString& field = entry.first;
                const QString* value = entry.second;
                if (value->isEmpty())
                    continue;
                tokens.insert(*value);
                QString why;
                bool digitsOnly = true;
                for (const QChar c : *value)
                    digitsOnly =
                        digitsOnly && (c.isDigit() || c == QLatin1Char('-') || c == QLatin1Char('.'));
                if (placeholders.contains(value->trimmed().toLower()))
                    why = QStringLiteral("reads '%1': a missing value sent as text").arg(*value);
                else if (digitsOnly)
                    why = QStringLiteral("'%1' is a bare number (an id or a timestamp): use a pseudonymous "
                                         "token")
                              .arg(*value);
                else if (std::any_of(record.issues.cbegin(), record.issues.cend(), [&](const Issue& issue) {
                             return issue.code == QLatin1String("userToken.personalData") &&
                                    issue.field == field;
                         }))
                    why = QStringLiteral("'%1' looks like personal data (an email address or a phone number)")
                              .arg(shortToken(*value));
                if (why.isEmpty())
                    continue;
                suspicious.insert(*value);
                finding(result, record.id, field, why);
                broken = true;
            }
            ++result.matched;
            if (!broken)
                result.satisfiedIds.append(record.id);
        }
        result.status = !result.findings.isEmpty() ? CheckStatus::NotMet
                        : tokens.isEmpty()         ? CheckStatus::Pending
                                                   : CheckStatus::Met;
        result.summary = QStringLiteral("%1 checked, %2 suspicious")
                             .arg(plural(static_cast<int>(tokens.size()), "token", "tokens"))
                             .arg(suspicious.size());
        return result;
    }

    CheckResult tokenChurn()
    {
        CheckResult result;
        result.kind = CheckKind::Token;
        result.key = QStringLiteral("token:churn");
        result.name = QStringLiteral("Anonymous token persists across page loads");
        struct Client
        {
            QStringList tokens;
        };
        QHash<QString, Client> clients;
        QList<QString> order;
        int churned = 0;
        for (const CheckRecord& record : m_records) {
            // Logged-in events are the login rule's; searches carry no page facts.
            if (record.isSearch || record.client.isEmpty() || record.userToken.isEmpty() ||
                !record.authenticatedUserToken.isEmpty())
                continue;
            ++result.matched;
            Client& client = clients[record.client];
            if (client.tokens.contains(record.userToken)) {
                result.satisfiedIds.append(record.id);
                continue;
            }
            client.tokens.append(record.userToken);
            if (client.tokens.size() <= m_plan.tokens.maxAnonymousTokensPerClient) {
                result.satisfiedIds.append(record.id);
                continue;
            }
            ++churned;
            const QString previous = client.tokens.at(client.tokens.size() - 2);
            finding(result, record.id, QStringLiteral("userToken"),
                    QStringLiteral(
                        "new token '%1' from the client that sent '%2' (%3 tokens from one browser: %4): "
                        "the anonymous token must persist across page loads")
                        .arg(shortToken(record.userToken), shortToken(previous))
                        .arg(client.tokens.size())
                        .arg(record.client.left(80)));
        }
        result.status = churned > 0         ? CheckStatus::NotMet
                        : clients.isEmpty() ? CheckStatus::Pending
                                            : CheckStatus::Met;
        result.summary =
            clients.isEmpty()
                ? QStringLiteral("not checkable: no event with a client's address and user agent")
                : QStringLiteral("%1, %2 new tokens beyond the first")
                      .arg(plural(static_cast<int>(clients.size()), "client", "clients"))
                      .arg(churned);
        return result;
    }

    CheckResult loginTransitions()
    {
        CheckResult result;
        result.kind = CheckKind::Token;
        result.key = QStringLiteral("token:login");
        result.name = QStringLiteral("Login keeps the userToken");
        QHash<QString, QString> lastAnonymousByClient; // client -> its latest userToken before a login
        QHash<QString, QString> userTokenAtLogin; // authenticatedUserToken -> userToken of its first event
        int logins = 0;
        for (const CheckRecord& record : m_records) {
            if (record.isSearch)
                continue;
            const QString& authenticated = record.authenticatedUserToken;
            if (authenticated.isEmpty()) {
                if (!record.client.isEmpty() && !record.userToken.isEmpty())
                    lastAnonymousByClient.insert(record.client, record.userToken);
                continue;
            }
            ++result.matched;
            const auto known = userTokenAtLogin.constFind(authenticated);
            if (known == userTokenAtLogin.constEnd()) {
                ++logins;
                userTokenAtLogin.insert(authenticated, record.userToken);
                const QString before = lastAnonymousByClient.value(record.client);
                if (record.userToken == authenticated)
                    finding(
                        result, record.id, QStringLiteral("userToken"),
                        QStringLiteral("at login the userToken became the authenticated token '%1': keep the "
                                       "anonymous token in userToken")
                            .arg(shortToken(authenticated)));
                else if (!record.client.isEmpty() && !before.isEmpty() && before != record.userToken)
                    finding(
                        result, record.id, QStringLiteral("userToken"),
                        QStringLiteral("at login the userToken changed from '%1' to '%2': keep the anonymous "
                                       "token and add authenticatedUserToken")
                            .arg(shortToken(before), shortToken(record.userToken)));
                else
                    result.satisfiedIds.append(record.id);
                continue;
            }
            if (record.userToken != known.value())
                finding(result, record.id, QStringLiteral("userToken"),
                        QStringLiteral(
                            "after login the userToken changed from '%1' to '%2' for authenticated user '%3'")
                            .arg(shortToken(known.value()), shortToken(record.userToken),
                                 shortToken(authenticated)));
            else
                result.satisfiedIds.append(record.id);
        }
        result.status = !result.findings.isEmpty() ? CheckStatus::NotMet
                        : logins == 0              ? CheckStatus::Pending
                                                   : CheckStatus::Met;
        result.summary = logins == 0 ? QStringLiteral("not checkable yet: no login seen")
                                     : QStringLiteral("%1, %2 broke the rule")
                                           .arg(plural(logins, "login", "logins"))
                                           .arg(result.findings.size());
        return result;
    }

    void unplanned()
    {
        QHash<QString, QString> planned; // normalized -> planned name
        for (const PlannedEvent& event : m_plan.events)
            planned.insert(normalizedName(event.name), event.name);
        QHash<QPair<QString, QString>, qsizetype> groups;
        for (const CheckRecord& record : m_records) {
            if (record.isSearch)
                continue;
            const QString name = record.event.eventName.value_or(QString());
            if (m_plan.event(name))
                continue;
            const QString type = record.event.eventType.value_or(QString());
            const QPair<QString, QString> key{name, type};
            auto it = groups.find(key);
            if (it == groups.end()) {
                UnplannedEvent group;
                group.eventName = name;
                group.eventType = type;
                if (const QString match = planned.value(normalizedName(name));
                    !match.isEmpty() && !name.isEmpty())
                    group.hint = QStringLiteral("did you mean '%1'?").arg(match);
                m_report.unplanned.append(group);
                it = groups.insert(key, m_report.unplanned.size() - 1);
            }
            UnplannedEvent& group = m_report.unplanned[it.value()];
            ++group.count;
            group.recordIds.append(record.id);
            m_report.notes[record.id].append(RecordNote{
                QStringLiteral("unplanned"), QStringLiteral("Unplanned"), false, QStringLiteral("eventName"),
                QStringLiteral("no event of the plan is named '%1'").arg(name) +
                    (group.hint.isEmpty() ? QString() : QStringLiteral(": ") + group.hint)});
        }
    }

    // Refused requests carry no event: the checks never see them (copied only when there are some).
    static const QList<CheckRecord>& withoutRequests(const QList<CheckRecord>& records,
                                                     QList<CheckRecord>& owned)
    {
        if (std::none_of(records.cbegin(), records.cend(), [](const CheckRecord& r) { return r.isRequest; }))
            return records;
        for (const CheckRecord& record : records) {
            if (!record.isRequest)
                owned.append(record);
        }
        return owned;
    }

    const Plan& m_plan;
    QList<CheckRecord> m_owned; // declared before m_records, which may refer to it
    const QList<CheckRecord>& m_records;
    const CheckOptions& m_options;
    bool m_searchesRecorded = false;
    CheckReport m_report;
};

} // namespace

CheckRecord checkRecordFromLog(const LogRecord& record)
{
    CheckRecord out;
    out.id = record.id;
    out.isSearch = record.kind == RecordKind::Search;
    out.isRequest = record.kind == RecordKind::Request;
    if (out.isSearch) {
        out.searchIndex = record.index;
        out.searchQueryId = record.queryId;
    }
    out.timeMs = record.timestampMs > 0 ? record.timestampMs : record.receivedAtMs;
    out.userToken = record.userToken;
    out.authenticatedUserToken = record.authenticatedUserToken;
    out.accepted = record.accepted;
    out.httpStatus = record.httpStatus;
    out.message = record.message;
    out.issues = record.issues;
    if (!record.remoteAddress.isEmpty() || !record.userAgent.isEmpty())
        out.client = record.remoteAddress + QLatin1Char(' ') + record.userAgent;
    if (record.kind != RecordKind::Event)
        return out;
    DecodedBatch decoded = EventCodec::decodeEvent(record.rawJson);
    if (!decoded.events.isEmpty())
        out.event = std::move(decoded.events.first());
    return out;
}

QString checkStatusName(CheckStatus status)
{
    switch (status) {
    case CheckStatus::Met:
        return QStringLiteral("met");
    case CheckStatus::NotMet:
        return QStringLiteral("not met");
    case CheckStatus::Pending:
        break;
    }
    return QStringLiteral("pending");
}

QString checkKindName(CheckKind kind)
{
    switch (kind) {
    case CheckKind::Event:
        break;
    case CheckKind::Journey:
        return QStringLiteral("journey");
    case CheckKind::Token:
        return QStringLiteral("token");
    }
    return QStringLiteral("event");
}

QList<qint64> CheckResult::recordIds() const
{
    QList<qint64> ids = satisfiedIds;
    for (const CheckFinding& finding : findings) {
        if (finding.recordId > 0)
            ids.append(finding.recordId);
    }
    for (const JourneyInstance& instance : instances)
        ids.append(instance.recordIds);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

int CheckReport::count(CheckStatus status) const
{
    return static_cast<int>(std::count_if(results.cbegin(), results.cend(),
                                          [status](const CheckResult& r) { return r.status == status; }));
}

bool CheckReport::passed() const
{
    return count(CheckStatus::NotMet) == 0 && !(failOnUnplanned && !unplanned.isEmpty());
}

const CheckResult* CheckReport::result(const QString& key) const
{
    for (const CheckResult& candidate : results) {
        if (candidate.key == key)
            return &candidate;
    }
    return nullptr;
}

QList<RecordNote> CheckReport::notesFor(qint64 recordId) const
{
    return notes.value(recordId);
}

CheckReport checkPlan(const Plan& plan, const QList<CheckRecord>& records, const CheckOptions& options)
{
    return Checker(plan, records, options).run();
}

bool eventHasField(const Event& event, const QString& field)
{
    for (const FieldPresence& known : kEventFields) {
        if (field == QLatin1String(known.name))
            return known.present(event);
    }
    const QByteArray extra = event.extra(field);
    return !extra.isEmpty() && extra != "null";
}

QStringList missingFields(const Event& event, const QString& field)
{
    if (!field.startsWith(kItemPrefix))
        return eventHasField(event, field) ? QStringList() : QStringList{field};
    const QStringView itemField = QStringView(field).sliced(kItemPrefix.size());
    if (!event.objectData || event.objectData->isEmpty())
        return {QStringLiteral("objectData")};
    QStringList missing;
    for (qsizetype i = 0; i < event.objectData->size(); ++i) {
        if (!itemHasField(event.objectData->at(i), itemField))
            missing.append(QStringLiteral("objectData[%1].").arg(i) + itemField);
    }
    return missing;
}

QStringList presentFields(const Event& event)
{
    QStringList fields;
    for (const FieldPresence& known : kEventFields) {
        if (known.present(event))
            fields.append(QLatin1String(known.name));
    }
    for (const auto& [key, json] : event.extras)
        fields.append(key);
    if (event.objectData) {
        QSet<QString> itemFields;
        for (const ObjectDataItem& item : *event.objectData) {
            for (const ItemFieldPresence& known : kItemFields) {
                if (known.present(item))
                    itemFields.insert(kItemPrefix + QLatin1String(known.name));
            }
            for (const auto& [key, json] : item.extras)
                itemFields.insert(kItemPrefix + key);
        }
        QStringList sorted = itemFields.values();
        sorted.sort();
        fields.append(sorted);
    }
    return fields;
}
