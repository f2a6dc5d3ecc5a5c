#include "validator.h"

#include "catalog/indexcatalog.h"
#include "event.h"
#include "search/searchlinkage.h"

#include <QSet>

#include <cmath>

namespace {

// Messages Algolia publishes (insights-api.md §2.4), verbatim.
const QString kEventNameRequired = QStringLiteral("EventName is required");
const QString kEventNameInvalid = QStringLiteral(
    "EventName must contain only visible ASCII characters, and be between 1 and 64 characters long");
const QString kEventTypeRequired = QStringLiteral("EventType is required");
const QString kIndexRequired = QStringLiteral("The index field is required");
const QString kUserTokenRequired = QStringLiteral("The userToken field is required");
const QString kUserTokenInvalid = QStringLiteral(
    "UserToken must contain only alphanumeric, equal, plus, slash, hyphen, or underscore characters, "
    "and be between 1 and 128 characters long");
const QString kNeitherObjectsNorFilters =
    QStringLiteral("Event should specify either some ObjectIDs or some Filters");
const QString kBothObjectsAndFilters =
    QStringLiteral("Event should specify ObjectIDs or Filters, but not both");
const QString kTooManyObjects = QStringLiteral("Cannot process more that 20 objects in an event"); // sic
const QString kPositionsOnlyOnClick =
    QStringLiteral("Only event of type click should specify the positions attribute");
const QString kPositionsNeedQueryID =
    QStringLiteral("Event of type click with positions should specify a queryID");
const QString kPositionsPositive =
    QStringLiteral("Event of type click may only have strictly positive positions");
const QString kPositionsCount =
    QStringLiteral("Event of type click should have the same number of ObjectIDs and Positions");
const QString kQueryIDInvalid =
    QStringLiteral("Query ID must be a search query ID (32 characters hexadecimal string)");
const QString kNoEvents = QStringLiteral("No events to process");
const QString kTooManyEvents = QStringLiteral("Cannot process more than 1000 events in a batch");
const QString kTooLarge = QStringLiteral("Request Entity Too Large");

// Algolia publishes no text for these (§2.4 last row): the reference's suggested wording, marked unverified.
const QString kAuthenticatedUserTokenInvalid = QStringLiteral(
    "AuthenticatedUserToken must contain only alphanumeric, equal, plus, slash, hyphen, or underscore "
    "characters, and be between 1 and 129 characters long");
const QString kEventSubtypeInvalid =
    QStringLiteral("EventSubtype must be one of \"addToCart\" or \"purchase\"");
const QString kCurrencyInvalid = QStringLiteral("Currency must be a 3-letter ISO 4217 code");
const QString kObjectDataCount =
    QStringLiteral("ObjectData should have the same number of items as ObjectIDs");
const QString kValueTooLong = QStringLiteral("Value must be a number or a string of at most 16 characters");

constexpr qint64 kHourMs = 3'600'000;
constexpr qint64 kDayMs = 24 * kHourMs;
constexpr int kMaxTokenLength = 129;
constexpr int kMaxEventNameLength = 64;

bool isTokenChar(QChar c)
{
    const char16_t u = c.unicode();
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '_' ||
           u == '=' || u == '/' || u == '+' || u == '-';
}

bool isHexLower(QChar c)
{
    const char16_t u = c.unicode();
    return (u >= '0' && u <= '9') || (u >= 'a' && u <= 'f');
}

bool isHexDigit(QChar c)
{
    return isHexLower(c) || (c.unicode() >= 'A' && c.unicode() <= 'F');
}

bool isValidQueryID(const QString& id, bool allowMessageIDs)
{
    if (id.size() == 32) {
        bool hex = true;
        for (QChar c : id)
            hex = hex && isHexLower(c);
        if (hex)
            return true;
    }
    if (allowMessageIDs && id.startsWith(QLatin1String("message_")) && id.size() > 8 && id.size() <= 128) {
        for (qsizetype i = 8; i < id.size(); ++i) {
            const char16_t u = id.at(i).unicode();
            if (u < '!' || u > '~')
                return false;
        }
        return true;
    }
    return false;
}

QString indexed(const QString& field, qsizetype i)
{
    return field + QLatin1Char('[') + QString::number(i) + QLatin1Char(']');
}

// A token that carries an email address or a phone number: personal data that must not be a userToken.
bool looksLikePersonalData(const QString& token)
{
    const qsizetype at = token.indexOf(QLatin1Char('@'));
    if (at > 0 && token.indexOf(QLatin1Char('.'), at) > at + 1)
        return true;
    // "%40" is an encoded @ in an encoded email address.
    if (token.contains(QLatin1String("%40")))
        return true;
    int digits = 0;
    bool phoneChars = true;
    for (qsizetype i = 0; i < token.size(); ++i) {
        const QChar c = token.at(i);
        if (c.isDigit())
            ++digits;
        else if (!(c == QLatin1Char('+') && i == 0) && c != QLatin1Char('-') && c != QLatin1Char(' ') &&
                 c != QLatin1Char('(') && c != QLatin1Char(')') && c != QLatin1Char('.'))
            phoneChars = false;
    }
    return phoneChars && digits >= 7 && digits <= 15 && token.size() <= 20;
}

// encodeURIComponent leaves these unescaped; anything else in an attribute or value should be %-encoded.
bool isUriComponentChar(QChar c)
{
    const char16_t u = c.unicode();
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' ||
           u == '_' || u == '.' || u == '!' || u == '~' || u == '*' || u == '\'' || u == '(' || u == ')';
}

bool isEncodedComponent(QStringView part)
{
    for (qsizetype i = 0; i < part.size(); ++i) {
        const QChar c = part.at(i);
        if (c == QLatin1Char('%')) {
            if (i + 2 >= part.size() || !isHexDigit(part.at(i + 1)) || !isHexDigit(part.at(i + 2)))
                return false;
            i += 2;
        } else if (!isUriComponentChar(c)) {
            return false;
        }
    }
    return true;
}

class EventChecker
{
public:
    EventChecker(const Event& event, int eventIndex, const ValidationContext& context,
                 const QSet<QString>& typedFields, EventVerdict& verdict)
        : m_event(event)
        , m_index(eventIndex)
        , m_context(context)
        , m_profile(*context.profile)
        , m_typedFields(typedFields)
        , m_verdict(verdict)
    {}

    void run()
    {
        checkEventName();
        checkEventType();
        const bool instantSearch = m_event.eventType && *m_event.eventType == u"instantsearch";
        if (!instantSearch)
            checkIndex();
        checkUserTokens();
        if (!instantSearch)
            checkObjectsAndFilters();
        checkPositions();
        checkQueryID();
        checkTimestamp();
        checkCommerce();
        if (!instantSearch)
            addUsageWarnings();
    }

private:
    void error(const QString& field, const QString& code, const QString& message, bool unverified = false)
    {
        m_verdict.valid = false;
        m_verdict.issues.append(Issue{Severity::Error, m_index, field, code, message, unverified});
    }
    void warning(const QString& field, const QString& code, const QString& message)
    {
        m_verdict.issues.append(Issue{Severity::Warning, m_index, field, code, message, false});
    }
    void info(const QString& field, const QString& code, const QString& message)
    {
        m_verdict.issues.append(Issue{Severity::Info, m_index, field, code, message, false});
    }
    // A field that failed to decode already carries its type error: don't also call it missing.
    bool typed(const QString& field) const { return m_typedFields.contains(field); }

    void checkEventName()
    {
        const QString field = QStringLiteral("eventName");
        if (!m_event.eventName || m_event.eventName->isEmpty()) {
            if (!typed(field))
                error(field, QStringLiteral("eventName.required"), kEventNameRequired);
            return;
        }
        const QString& name = *m_event.eventName;
        bool ok = name.size() <= kMaxEventNameLength;
        for (QChar c : name)
            ok = ok && c.unicode() >= 0x20 && c.unicode() <= 0x7E;
        if (!ok)
            error(field, QStringLiteral("eventName.invalid"), kEventNameInvalid);
    }

    void checkEventType()
    {
        const QString field = QStringLiteral("eventType");
        if (!m_event.eventType || m_event.eventType->isEmpty()) {
            if (!typed(field))
                error(field, QStringLiteral("eventType.required"), kEventTypeRequired);
            return;
        }
        const QString& type = *m_event.eventType;
        const bool known = type == u"click" || type == u"conversion" || type == u"view" ||
                           (type == u"instantsearch" && m_profile.allowInstantSearch);
        if (!known)
            error(field, QStringLiteral("eventType.invalid"), m_profile.eventTypeMessage);
    }

    void checkIndex()
    {
        if ((!m_event.index || m_event.index->isEmpty()) && !typed(QStringLiteral("index")))
            error(QStringLiteral("index"), QStringLiteral("index.required"), kIndexRequired);
    }

    void checkUserTokens()
    {
        const QString field = QStringLiteral("userToken");
        if (!m_event.userToken || m_event.userToken->isEmpty()) {
            if (!typed(field))
                error(field, QStringLiteral("userToken.required"), kUserTokenRequired);
        } else if (!Validator::isValidUserToken(*m_event.userToken)) {
            error(field, QStringLiteral("userToken.invalid"), kUserTokenInvalid);
        }
        if (m_event.authenticatedUserToken && !Validator::isValidUserToken(*m_event.authenticatedUserToken)) {
            error(QStringLiteral("authenticatedUserToken"), QStringLiteral("authenticatedUserToken.invalid"),
                  kAuthenticatedUserTokenInvalid, true);
        }
        for (const auto* token : {&m_event.userToken, &m_event.authenticatedUserToken}) {
            if (*token && looksLikePersonalData(**token)) {
                warning(token == &m_event.userToken ? field : QStringLiteral("authenticatedUserToken"),
                        QStringLiteral("userToken.personalData"),
                        QStringLiteral(
                            "This token looks like personal data (an email address or a phone number): "
                            "use a pseudonymous identifier instead"));
            }
        }
    }

    void checkObjectsAndFilters()
    {
        const bool hasObjects = m_event.objectIDs && !m_event.objectIDs->isEmpty();
        const bool hasFilters = m_event.filters && !m_event.filters->isEmpty();
        if (hasObjects && hasFilters) {
            error(QStringLiteral("filters"), QStringLiteral("objectIDsAndFilters.both"),
                  kBothObjectsAndFilters);
        } else if (!hasObjects && !hasFilters) {
            if (!typed(QStringLiteral("objectIDs")) && !typed(QStringLiteral("filters")))
                error(QStringLiteral("objectIDs"), QStringLiteral("objectIDsAndFilters.missing"),
                      kNeitherObjectsNorFilters);
        }
        if (hasObjects && m_event.objectIDs->size() > m_profile.maxObjectIDs)
            error(QStringLiteral("objectIDs"), QStringLiteral("objectIDs.tooMany"), kTooManyObjects);
        if (hasFilters && m_event.filters->size() > m_profile.maxFilters) {
            error(QStringLiteral("filters"), QStringLiteral("filters.tooMany"),
                  QStringLiteral("Cannot process more than %1 filters in an event").arg(m_profile.maxFilters),
                  true);
        }
    }

    void checkPositions()
    {
        const bool isClick = m_event.eventType && *m_event.eventType == u"click";
        const QString field = QStringLiteral("positions");
        if (m_event.positions && !isClick) {
            error(field, QStringLiteral("positions.notClick"), kPositionsOnlyOnClick);
            return;
        }
        if (!isClick)
            return;
        if (m_event.positions && !m_event.queryID)
            error(field, QStringLiteral("positions.queryIDMissing"), kPositionsNeedQueryID);
        if (m_event.positions) {
            for (qsizetype i = 0; i < m_event.positions->size(); ++i) {
                if (m_event.positions->at(i) <= 0) {
                    error(indexed(field, i), QStringLiteral("positions.notPositive"), kPositionsPositive);
                    break;
                }
            }
        }
        const bool afterSearch = m_event.queryID && m_event.objectIDs && !m_event.objectIDs->isEmpty();
        if (afterSearch && !typed(field) &&
            (!m_event.positions || m_event.positions->size() != m_event.objectIDs->size()))
            error(field, QStringLiteral("positions.count"), kPositionsCount);
    }

    void checkQueryID()
    {
        if (m_event.queryID && !isValidQueryID(*m_event.queryID, m_profile.allowMessageQueryIDs))
            error(QStringLiteral("queryID"), QStringLiteral("queryID.invalid"), kQueryIDInvalid);
    }

    void checkTimestamp()
    {
        if (!m_event.timestamp)
            return;
        const qint64 timestamp = *m_event.timestamp;
        const QString field = QStringLiteral("timestamp");
        if (timestamp < m_context.nowMs - m_profile.timestampWindowMs) {
            error(field, QStringLiteral("timestamp.tooOld"), m_profile.timestampTooOldMessage);
            if (timestamp > 0 && timestamp < 100'000'000'000LL) {
                info(field, QStringLiteral("timestamp.inSeconds"),
                     QStringLiteral(
                         "This timestamp looks like seconds since the epoch: Insights expects milliseconds"));
            }
            return;
        }
        if (timestamp > m_context.nowMs + 36 * kHourMs) {
            warning(field, QStringLiteral("timestamp.future"),
                    QStringLiteral(
                        "The timestamp is more than 1.5 days in the future: Algolia's limit for future "
                        "timestamps is not documented and the event may be rejected"));
        } else if (timestamp < m_context.nowMs - kDayMs) {
            info(field, QStringLiteral("timestamp.stale"),
                 QStringLiteral(
                     "The timestamp is more than 24 hours old: send events when they are collected; "
                     "Advanced Personalization only uses recent events"));
        }
    }

    void checkCommerce()
    {
        const bool isConversion = m_event.eventType && *m_event.eventType == u"conversion";
        if (m_event.eventSubtype) {
            const QString& subtype = *m_event.eventSubtype;
            if (subtype != u"addToCart" && subtype != u"purchase") {
                error(QStringLiteral("eventSubtype"), QStringLiteral("eventSubtype.invalid"),
                      kEventSubtypeInvalid, true);
            } else if (!isConversion) {
                warning(QStringLiteral("eventSubtype"), QStringLiteral("eventSubtype.notConversion"),
                        QStringLiteral("eventSubtype only applies to conversion events"));
            }
        }
        if (m_event.currency) {
            const QString& currency = *m_event.currency;
            bool ok = currency.size() == 3;
            for (QChar c : currency)
                ok = ok && c.unicode() < 0x80 && c.isLetter();
            if (!ok)
                error(QStringLiteral("currency"), QStringLiteral("currency.invalid"), kCurrencyInvalid, true);
        }
        if (m_event.value && m_event.value->isString() && m_event.value->json.size() - 2 > 16)
            error(QStringLiteral("value"), QStringLiteral("value.tooLong"), kValueTooLong, true);

        bool anyPrice = false;
        if (m_event.objectData) {
            const auto& items = *m_event.objectData;
            const qsizetype objects = m_event.objectIDs ? m_event.objectIDs->size() : 0;
            if (items.size() != objects) {
                error(QStringLiteral("objectData"), QStringLiteral("objectData.count"), kObjectDataCount,
                      true);
            }
            for (qsizetype i = 0; i < items.size(); ++i) {
                const ObjectDataItem& item = items.at(i);
                anyPrice = anyPrice || item.price.has_value();
                if (item.queryID && !isValidQueryID(*item.queryID, false)) {
                    error(indexed(QStringLiteral("objectData"), i) + QStringLiteral(".queryID"),
                          QStringLiteral("objectData.queryID.invalid"), kQueryIDInvalid, true);
                }
            }
        }
        if ((anyPrice || m_event.value) && !m_event.currency) {
            warning(QStringLiteral("currency"), QStringLiteral("currency.missing"),
                    QStringLiteral(
                        "Prices or a value without a currency: revenue can't be attributed; set currency"));
        }
        checkValueMatchesItems();
    }

    // value should equal Σ price × quantity (Algolia's docs; price already includes discounts). Some
    // integrations subtract the discount again; either reading is accepted so only real mismatches warn.
    void checkValueMatchesItems()
    {
        if (!m_event.value || !m_event.objectData || m_event.objectData->isEmpty())
            return;
        const std::optional<double> value = m_event.value->toDouble();
        if (!value)
            return;
        double gross = 0;
        double net = 0;
        for (const ObjectDataItem& item : *m_event.objectData) {
            const std::optional<double> price = item.price ? item.price->toDouble() : std::nullopt;
            if (!price)
                return; // can't compute
            const double quantity = static_cast<double>(item.quantity.value_or(1));
            const double discount = item.discount ? item.discount->toDouble().value_or(0) : 0;
            gross += *price * quantity;
            net += *price * quantity - discount * quantity;
        }
        if (std::abs(*value - gross) > 0.005 && std::abs(*value - net) > 0.005) {
            warning(QStringLiteral("value"), QStringLiteral("value.mismatch"),
                    QStringLiteral("value %1 differs from the sum of price × quantity over objectData (%2)")
                        .arg(QString::fromLatin1(m_event.value->json), QString::number(gross, 'f', 2)));
        }
    }

    void addUsageWarnings()
    {
        const bool hasFilters = m_event.filters && !m_event.filters->isEmpty();
        const bool hasObjects = m_event.objectIDs && !m_event.objectIDs->isEmpty();
        if (hasFilters) {
            info(QStringLiteral("filters"), QStringLiteral("filters.notPersonalization"),
                 QStringLiteral("Filter-based events are not used by Advanced Personalization"));
            checkFilterEncoding();
        }
        const QString type = m_event.eventType.value_or(QString());
        if (hasObjects && (type == u"click" || type == u"conversion") && !m_event.queryID &&
            !hasItemQueryID()) {
            warning(
                QStringLiteral("queryID"), QStringLiteral("queryID.missing"),
                QStringLiteral("No queryID: the event counts for Personalization, not for Click and Search "
                               "Analytics"));
        }
        if (hasObjects && m_event.index)
            checkCatalog();
    }

    bool hasItemQueryID() const
    {
        if (!m_event.objectData)
            return false;
        for (const ObjectDataItem& item : *m_event.objectData) {
            if (item.queryID)
                return true;
        }
        return false;
    }

    void checkFilterEncoding()
    {
        const QStringList& filters = *m_event.filters;
        for (qsizetype i = 0; i < filters.size(); ++i) {
            QString filter = filters.at(i);
            // search-insights encodes the whole "attribute:value" (brand%3AApple): read it back first.
            if (!filter.contains(QLatin1Char(':')) &&
                filter.contains(QLatin1String("%3A"), Qt::CaseInsensitive))
                continue;
            const qsizetype colon = filter.indexOf(QLatin1Char(':'));
            if (colon <= 0 || colon == filter.size() - 1) {
                warning(indexed(QStringLiteral("filters"), i), QStringLiteral("filters.malformed"),
                        QStringLiteral("A filter should read attribute:value"));
                continue;
            }
            if (!isEncodedComponent(QStringView(filter).left(colon)) ||
                !isEncodedComponent(QStringView(filter).mid(colon + 1))) {
                warning(indexed(QStringLiteral("filters"), i), QStringLiteral("filters.notUrlEncoded"),
                        QStringLiteral("URL-encode the attribute and the value of a filter separately, e.g. "
                                       "brand:Cool%20Brand"));
            }
        }
    }

    void checkCatalog()
    {
        for (const IndexCatalog* catalog : m_context.catalogs) {
            if (!catalog || !catalog->appliesTo(*m_event.index))
                continue;
            const QStringList& ids = *m_event.objectIDs;
            for (qsizetype i = 0; i < ids.size(); ++i) {
                if (!catalog->contains(ids.at(i))) {
                    warning(indexed(QStringLiteral("objectIDs"), i), QStringLiteral("objectID.notInCatalog"),
                            QStringLiteral(
                                "objectID \"%1\" is not a record of index \"%2\": Algolia ignores it when "
                                "it builds profiles")
                                .arg(ids.at(i), *m_event.index));
                }
            }
            return;
        }
    }

    const Event& m_event;
    int m_index;
    const ValidationContext& m_context;
    const CompatibilityProfile& m_profile;
    const QSet<QString>& m_typedFields;
    EventVerdict& m_verdict;
};

// Events of one request that carry no timestamp, or all the same one: the API then dates them at receipt (or
// all alike), not at collection.
void addBatchTimestampWarnings(const QList<Event>& events, QList<EventVerdict>& verdicts)
{
    if (events.size() < 2)
        return;
    bool allSame = true;
    for (const Event& event : events)
        allSame = allSame && event.timestamp && event.timestamp == events.constFirst().timestamp;
    for (qsizetype i = 0; i < events.size(); ++i) {
        const int index = static_cast<int>(i);
        if (!events.at(i).timestamp) {
            verdicts[i].issues.append(Issue{
                Severity::Warning, index, QStringLiteral("timestamp"),
                QStringLiteral("timestamp.missingInBatch"),
                QStringLiteral("No timestamp in a batch of several events: Algolia dates it when the request "
                               "arrives, not when the event was collected"),
                false});
        } else if (allSame) {
            verdicts[i].issues.append(
                Issue{Severity::Warning, index, QStringLiteral("timestamp"),
                      QStringLiteral("timestamp.sharedInBatch"),
                      QStringLiteral(
                          "Every event of this batch has the same timestamp: each should carry the moment "
                          "it was collected"),
                      false});
        }
    }
}

} // namespace

QByteArray BatchVerdict::responseBody() const
{
    return QByteArrayLiteral("{\"status\":") + QByteArray::number(httpStatus) +
           QByteArrayLiteral(",\"message\":") + EventCodec::jsonString(message) + '}';
}

IssueList BatchVerdict::allIssues() const
{
    IssueList all = requestIssues;
    for (const EventVerdict& event : events)
        all += event.issues;
    return all;
}

int BatchVerdict::errorCount() const
{
    int count = 0;
    for (const Issue& issue : allIssues())
        count += issue.severity == Severity::Error ? 1 : 0;
    return count;
}

int BatchVerdict::warningCount() const
{
    int count = 0;
    for (const Issue& issue : allIssues())
        count += issue.severity == Severity::Warning ? 1 : 0;
    return count;
}

namespace Validator {

BatchVerdict validateBody(QByteArrayView body, const ValidationContext& context, DecodedBatch* decoded)
{
    if (body.size() > context.profile->maxBodyBytes) {
        BatchVerdict verdict;
        verdict.httpStatus = 413;
        verdict.message = kTooLarge;
        verdict.requestIssues.append(
            Issue{Severity::Error, -1, QString(), QStringLiteral("payload.tooLarge"), kTooLarge, false});
        if (decoded)
            *decoded = DecodedBatch();
        return verdict;
    }
    DecodedBatch batch = EventCodec::decodeRequestBody(body);
    BatchVerdict verdict = validate(batch, context);
    if (decoded)
        *decoded = std::move(batch);
    return verdict;
}

BatchVerdict validate(const DecodedBatch& batch, const ValidationContext& context)
{
    BatchVerdict verdict;
    auto reject = [&verdict](const QString& message) {
        verdict.httpStatus = 422;
        verdict.message = message;
    };
    if (batch.payloadError) {
        reject(batch.payloadError->message);
        verdict.requestIssues.append(*batch.payloadError);
        verdict.events.resize(batch.events.size());
        return verdict;
    }

    const qsizetype count = batch.events.size();
    verdict.events.resize(count);
    // Fields whose JSON type was wrong, per event, so the rules don't also call them "required".
    QList<QSet<QString>> typedFields(count);
    for (const Issue& issue : batch.typeErrors) {
        if (issue.eventIndex >= 0 && issue.eventIndex < count) {
            const QString field = issue.field.section(QLatin1Char('['), 0, 0).section(QLatin1Char('.'), 0, 0);
            typedFields[issue.eventIndex].insert(field);
            verdict.events[issue.eventIndex].issues.append(issue);
            verdict.events[issue.eventIndex].valid = false;
        }
    }
    for (qsizetype i = 0; i < count; ++i) {
        EventChecker checker(batch.events.at(i), static_cast<int>(i), context, typedFields.at(i),
                             verdict.events[i]);
        checker.run();
    }
    addBatchTimestampWarnings(batch.events, verdict.events);
    if (context.searches) {
        for (qsizetype i = 0; i < count; ++i)
            verdict.events[i].issues += SearchLinkage::check(batch.events.at(i), static_cast<int>(i),
                                                             *context.searches, context.nowMs);
    }

    // The response: Algolia decodes first (type errors), then checks the batch size, then the events in
    // order, answering with the first failure.
    if (!batch.typeErrors.isEmpty()) {
        reject(batch.typeErrors.constFirst().message);
    } else if (count == 0) {
        reject(kNoEvents);
        verdict.requestIssues.append(Issue{Severity::Error, -1, QStringLiteral("events"),
                                           QStringLiteral("events.empty"), kNoEvents, false});
    } else if (count > context.profile->maxEvents) {
        reject(kTooManyEvents);
        verdict.requestIssues.append(Issue{Severity::Error, -1, QStringLiteral("events"),
                                           QStringLiteral("events.tooMany"), kTooManyEvents, false});
    } else {
        for (const EventVerdict& event : std::as_const(verdict.events)) {
            if (event.valid)
                continue;
            for (const Issue& issue : event.issues) {
                if (issue.isError()) {
                    reject(issue.message);
                    break;
                }
            }
            break;
        }
    }
    return verdict;
}

BatchVerdict validateEvents(const QList<Event>& events, const ValidationContext& context)
{
    DecodedBatch batch;
    batch.events = events;
    batch.hadEventsKey = true;
    return validate(batch, context);
}

bool isValidUserToken(QStringView token)
{
    if (token.isEmpty() || token.size() > kMaxTokenLength)
        return false;
    for (QChar c : token) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

QString userTokenMessage()
{
    return kUserTokenInvalid;
}

} // namespace Validator
