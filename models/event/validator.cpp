#include "validator.h"

#include "catalog/indexcatalog.h"
#include "event.h"
#include "eventview.h"
#include "search/searchlinkage.h"
#include "vocabulary.h"

#include <QSet>
#include <QVarLengthArray>

#include <array>
#include <cmath>
#include <cstring>
#include <string_view>

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
const QString kAgentIDEmpty = QStringLiteral("AgentID must be at least 1 character long");

constexpr qint64 kHourMs = 3'600'000;
constexpr qint64 kDayMs = 24 * kHourMs;
constexpr int kMaxTokenLength = 129;
constexpr int kMaxEventNameLength = 64;
constexpr int kMaxValueLength = 16; // characters of the decoded string (insights-api.md §9.6)

// The number of characters (code points) of a JSON string literal once decoded, as JSON Schema's maxLength
// counts them: an escape is one character, an escaped surrogate pair one, a UTF-8 sequence one. The
// literal was checked by the codec, so it is well-formed.
qsizetype decodedLength(QByteArrayView literal)
{
    if (literal.size() < 2)
        return 0;
    const QByteArrayView text = literal.sliced(1, literal.size() - 2);
    qsizetype length = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text.at(i));
        if (byte == '\\') {
            const bool unicode = i + 1 < text.size() && text.at(i + 1) == 'u';
            i += unicode ? 5 : 1;
            // A high surrogate followed by an escaped low surrogate is one character.
            const bool highSurrogate = unicode && i < text.size() &&
                                       (text.at(i - 3) == 'd' || text.at(i - 3) == 'D') &&
                                       QByteArrayView("89abAB").contains(text.at(i - 2));
            if (highSurrogate && i + 2 < text.size() && text.at(i + 1) == '\\' && text.at(i + 2) == 'u')
                i += 6;
            ++length;
        } else if ((byte & 0xC0) != 0x80) {
            ++length; // not a UTF-8 continuation byte
        }
    }
    return length;
}

// The rules below read UTF-8 as the parser left it. Every check that looks at characters only accepts
// ASCII ones, so a byte test gives the same answer as a character test (a non-ASCII character fails both);
// where Unicode matters (digits in a phone number) the text is widened first.
using Text = std::string_view;

QString textOf(Text text)
{
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

// Whether the text is the vocabulary's word (a fixed-size comparison once inlined).
bool is(Text text, QLatin1String word)
{
    return text.size() == static_cast<size_t>(word.size()) &&
           std::memcmp(text.data(), word.data(), static_cast<size_t>(word.size())) == 0;
}

constexpr bool isTokenChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '=' || c == '/' || c == '+' || c == '-';
}

// Written with & and | rather than && and ||: no branches, so that a loop over a text's bytes vectorises.
constexpr bool isHexLower(char c)
{
    return ((c >= '0') & (c <= '9')) | ((c >= 'a') & (c <= 'f'));
}

constexpr bool isHexDigit(char c)
{
    return isHexLower(c) || (c >= 'A' && c <= 'F');
}

// Whether every byte of the text is accepted, without early exit and with a byte-wide accumulator: every
// valid event runs these checks over its tokens and IDs, and the compiler vectorises this form.
template <typename Accept>
bool everyByte(Text text, Accept accept)
{
    const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
    unsigned char all = 1;
    for (size_t i = 0; i < text.size(); ++i)
        all &= static_cast<unsigned char>(accept(static_cast<char>(bytes[i])));
    return all != 0;
}

// The token characters as a table: their test has too many cases to vectorise, a lookup is one load.
constexpr std::array<bool, 256> kTokenChars = [] {
    std::array<bool, 256> table{};
    for (int i = 0; i < 256; ++i)
        table[static_cast<size_t>(i)] = isTokenChar(static_cast<char>(i));
    return table;
}();

bool isValidToken(Text token)
{
    if (token.empty() || token.size() > static_cast<size_t>(kMaxTokenLength))
        return false;
    return everyByte(token, [](char c) { return kTokenChars[static_cast<unsigned char>(c)]; });
}

bool isValidQueryID(Text id, bool allowMessageIDs)
{
    if (id.size() == 32 && everyByte(id, isHexLower))
        return true;
    if (allowMessageIDs && id.substr(0, 8) == "message_" && id.size() > 8 && id.size() <= 128) {
        for (size_t i = 8; i < id.size(); ++i) {
            if (id[i] < '!' || id[i] > '~')
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

// A phone number: 7 to 15 digits (any script's, as QChar::isDigit reads them) among + - ( ) . and spaces.
bool looksLikePhoneNumber(QStringView token)
{
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

// A token that carries an email address or a phone number: personal data that must not be a userToken.
bool looksLikePersonalData(Text token)
{
    // One pass first: most tokens have no '@', no '%' and no byte beyond ASCII. Byte-wide accumulators and
    // an indexed loop: the compiler vectorises this form.
    unsigned char anyAt = 0;
    unsigned char anyPercent = 0;
    unsigned char bits = 0;
    const auto* bytes = reinterpret_cast<const unsigned char*>(token.data());
    for (size_t i = 0; i < token.size(); ++i) {
        anyAt |= bytes[i] == '@';
        anyPercent |= bytes[i] == '%';
        bits |= bytes[i];
    }
    const size_t at = anyAt ? token.find('@') : Text::npos;
    if (at != Text::npos && at > 0) {
        const size_t dot = token.find('.', at);
        if (dot != Text::npos && dot > at + 1)
            return true;
    }
    // "%40" is an encoded @ in an encoded email address.
    if (anyPercent && token.find("%40") != Text::npos)
        return true;
    // A phone number has at most 20 UTF-16 units: 20 bytes of ASCII, at most 60 bytes of UTF-8.
    if (token.size() > 60)
        return false;
    if (bits >= 0x80) // not ASCII
        return looksLikePhoneNumber(textOf(token));
    if (token.size() > 20)
        return false;
    char16_t wide[60];
    for (size_t i = 0; i < token.size(); ++i)
        wide[i] = static_cast<char16_t>(token[i]);
    return looksLikePhoneNumber(QStringView(wide, static_cast<qsizetype>(token.size())));
}

// encodeURIComponent leaves these unescaped; anything else in an attribute or value should be %-encoded.
bool isUriComponentChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '!' || c == '~' || c == '*' || c == '\'' || c == '(' || c == ')';
}

bool isEncodedComponent(Text part)
{
    for (size_t i = 0; i < part.size(); ++i) {
        const char c = part[i];
        if (c == '%') {
            if (i + 2 >= part.size() || !isHexDigit(part[i + 1]) || !isHexDigit(part[i + 2]))
                return false;
            i += 2;
        } else if (!isUriComponentChar(c)) {
            return false;
        }
    }
    return true;
}

bool containsEncodedColon(Text text)
{
    for (size_t i = 0; i + 2 < text.size(); ++i) {
        if (text[i] == '%' && text[i + 1] == '3' && (text[i + 2] == 'A' || text[i + 2] == 'a'))
            return true;
    }
    return false;
}

// The numeric value of an amount's JSON token; strings are read leniently ("8$" -> 8) as Amount does.
std::optional<double> amountValue(Text json)
{
    return Amount::valueOf(QByteArrayView(json.data(), static_cast<qsizetype>(json.size())));
}

bool isStringToken(Text json)
{
    return !json.empty() && json.front() == '"';
}

class EventChecker
{
public:
    EventChecker(const EventView& event, int eventIndex, const ValidationContext& context,
                 EventVerdict& verdict)
        : m_event(event)
        , m_index(eventIndex)
        , m_context(context)
        , m_profile(*context.profile)
        , m_verdict(verdict)
    {}

    void run()
    {
        checkEventName();
        checkEventType();
        const bool instantSearch = m_event.eventType && is(*m_event.eventType, EventTypes::InstantSearch);
        if (!instantSearch)
            checkIndex();
        checkUserTokens();
        if (!instantSearch)
            checkObjectsAndFilters();
        checkPositions();
        checkQueryID();
        checkTimestamp();
        checkCommerce();
        if (instantSearch)
            checkAgentID();
        else
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
    bool typed(EventViewField field) const { return m_event.isMistyped(field); }
    static bool isMissing(const std::optional<Text>& text) { return !text || text->empty(); }

    void checkEventName()
    {
        if (isMissing(m_event.eventName)) {
            if (!typed(EventViewField::EventName))
                error(QStringLiteral("eventName"), QStringLiteral("eventName.required"), kEventNameRequired);
            return;
        }
        const Text name = *m_event.eventName;
        const bool ok = name.size() <= static_cast<size_t>(kMaxEventNameLength) &&
                        everyByte(name, [](char c) { return (c >= 0x20) & (c <= 0x7E); }); // visible ASCII
        if (!ok)
            error(QStringLiteral("eventName"), QStringLiteral("eventName.invalid"), kEventNameInvalid);
    }

    void checkEventType()
    {
        if (isMissing(m_event.eventType)) {
            if (!typed(EventViewField::EventType))
                error(QStringLiteral("eventType"), QStringLiteral("eventType.required"), kEventTypeRequired);
            return;
        }
        const Text type = *m_event.eventType;
        const bool known = is(type, EventTypes::Click) || is(type, EventTypes::Conversion) ||
                           is(type, EventTypes::View) ||
                           (is(type, EventTypes::InstantSearch) && m_profile.allowInstantSearch);
        if (!known)
            error(QStringLiteral("eventType"), QStringLiteral("eventType.invalid"),
                  m_profile.eventTypeMessage);
    }

    void checkIndex()
    {
        if (isMissing(m_event.index) && !typed(EventViewField::Index))
            error(QStringLiteral("index"), QStringLiteral("index.required"), kIndexRequired);
    }

    void checkUserTokens()
    {
        if (isMissing(m_event.userToken)) {
            if (!typed(EventViewField::UserToken))
                error(QStringLiteral("userToken"), QStringLiteral("userToken.required"), kUserTokenRequired);
        } else if (!isValidToken(*m_event.userToken)) {
            error(QStringLiteral("userToken"), QStringLiteral("userToken.invalid"), kUserTokenInvalid);
        }
        if (m_event.authenticatedUserToken && !isValidToken(*m_event.authenticatedUserToken)) {
            error(QStringLiteral("authenticatedUserToken"), QStringLiteral("authenticatedUserToken.invalid"),
                  kAuthenticatedUserTokenInvalid, true);
        }
        for (const auto* token : {&m_event.userToken, &m_event.authenticatedUserToken}) {
            if (*token && looksLikePersonalData(**token)) {
                warning(token == &m_event.userToken ? QStringLiteral("userToken")
                                                    : QStringLiteral("authenticatedUserToken"),
                        QStringLiteral("userToken.personalData"),
                        QStringLiteral(
                            "This token looks like personal data (an email address or a phone number): "
                            "use a pseudonymous identifier instead"));
            }
        }
    }

    bool hasObjects() const { return m_event.objectIDs && !m_event.objectIDs->isEmpty(); }
    bool hasFilters() const { return m_event.filters && !m_event.filters->isEmpty(); }

    void checkObjectsAndFilters()
    {
        if (hasObjects() && hasFilters()) {
            error(QStringLiteral("filters"), QStringLiteral("objectIDsAndFilters.both"),
                  kBothObjectsAndFilters);
        } else if (!hasObjects() && !hasFilters()) {
            if (!typed(EventViewField::ObjectIDs) && !typed(EventViewField::Filters))
                error(QStringLiteral("objectIDs"), QStringLiteral("objectIDsAndFilters.missing"),
                      kNeitherObjectsNorFilters);
        }
        if (hasObjects() && m_event.objectIDs->size() > m_profile.maxObjectIDs)
            error(QStringLiteral("objectIDs"), QStringLiteral("objectIDs.tooMany"), kTooManyObjects);
        if (hasFilters() && m_event.filters->size() > m_profile.maxFilters) {
            error(QStringLiteral("filters"), QStringLiteral("filters.tooMany"),
                  QStringLiteral("Cannot process more than %1 filters in an event").arg(m_profile.maxFilters),
                  true);
        }
    }

    void checkPositions()
    {
        const bool isClick = m_event.eventType && is(*m_event.eventType, EventTypes::Click);
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
        const bool afterSearch = m_event.queryID && hasObjects();
        if (afterSearch && !typed(EventViewField::Positions) &&
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
        const bool isConversion = m_event.eventType && is(*m_event.eventType, EventTypes::Conversion);
        if (m_event.eventSubtype) {
            const Text subtype = *m_event.eventSubtype;
            if (!is(subtype, EventSubtypes::AddToCart) && !is(subtype, EventSubtypes::Purchase)) {
                error(QStringLiteral("eventSubtype"), QStringLiteral("eventSubtype.invalid"),
                      kEventSubtypeInvalid, true);
            } else if (!isConversion) {
                warning(QStringLiteral("eventSubtype"), QStringLiteral("eventSubtype.notConversion"),
                        QStringLiteral("eventSubtype only applies to conversion events"));
            }
        }
        if (m_event.currency) {
            const Text currency = *m_event.currency;
            bool ok = currency.size() == 3;
            for (const char c : currency)
                ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
            if (!ok)
                error(QStringLiteral("currency"), QStringLiteral("currency.invalid"), kCurrencyInvalid, true);
        }
        if (m_event.value && isStringToken(*m_event.value) &&
            decodedLength(QByteArrayView(m_event.value->data(),
                                         static_cast<qsizetype>(m_event.value->size()))) > kMaxValueLength)
            error(QStringLiteral("value"), QStringLiteral("value.tooLong"), kValueTooLong, true);

        bool anyPrice = false;
        if (m_event.objectData) {
            const ViewList<ObjectDataView>& items = *m_event.objectData;
            const qsizetype objects = m_event.objectIDs ? m_event.objectIDs->size() : 0;
            if (items.size() != objects)
                error(QStringLiteral("objectData"), QStringLiteral("objectData.count"), kObjectDataCount,
                      true);
            for (qsizetype i = 0; i < items.size(); ++i) {
                const ObjectDataView& item = items.at(i);
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

    void checkAgentID()
    {
        if (m_event.agentID && m_event.agentID->empty())
            error(QStringLiteral("agentID"), QStringLiteral("agentID.empty"), kAgentIDEmpty, true);
    }

    // value should equal Σ price × quantity (Algolia's docs; price already includes discounts). Some
    // integrations subtract the discount again; either reading is accepted so only real mismatches warn.
    void checkValueMatchesItems()
    {
        if (!m_event.value || !m_event.objectData || m_event.objectData->isEmpty())
            return;
        const std::optional<double> value = amountValue(*m_event.value);
        if (!value)
            return;
        QVarLengthArray<Validator::ValueLine, 8> lines;
        for (const ObjectDataView& item : *m_event.objectData) {
            Validator::ValueLine line;
            line.price = item.price ? amountValue(*item.price) : std::nullopt;
            line.quantity = static_cast<double>(item.quantity.value_or(1));
            line.discount = item.discount ? amountValue(*item.discount).value_or(0) : 0;
            lines.append(line);
        }
        const std::optional<Validator::ExpectedValue> expected =
            Validator::expectedValue(lines.constData(), lines.size());
        if (!expected)
            return; // can't compute
        const double gross = expected->gross;
        const double net = expected->net;
        if (std::abs(*value - gross) > 0.005 && std::abs(*value - net) > 0.005) {
            warning(QStringLiteral("value"), QStringLiteral("value.mismatch"),
                    QStringLiteral("value %1 differs from the sum of price × quantity over objectData (%2)")
                        .arg(QString::fromLatin1(m_event.value->data(),
                                                 static_cast<qsizetype>(m_event.value->size())),
                             QString::number(gross, 'f', 2)));
        }
    }

    void addUsageWarnings()
    {
        if (hasFilters()) {
            info(QStringLiteral("filters"), QStringLiteral("filters.notPersonalization"),
                 QStringLiteral("Filter-based events are not used by Advanced Personalization"));
            checkFilterEncoding();
        }
        const Text type = m_event.eventType.value_or(Text());
        if (hasObjects() && (is(type, EventTypes::Click) || is(type, EventTypes::Conversion)) &&
            !m_event.queryID && !hasItemQueryID()) {
            warning(
                QStringLiteral("queryID"), QStringLiteral("queryID.missing"),
                QStringLiteral("No queryID: the event counts for Personalization, not for Click and Search "
                               "Analytics"));
        }
        if (hasObjects() && m_event.index)
            checkCatalog();
    }

    bool hasItemQueryID() const
    {
        if (!m_event.objectData)
            return false;
        for (const ObjectDataView& item : *m_event.objectData) {
            if (item.queryID)
                return true;
        }
        return false;
    }

    void checkFilterEncoding()
    {
        const ViewList<Text>& filters = *m_event.filters;
        for (qsizetype i = 0; i < filters.size(); ++i) {
            const Text filter = filters.at(i);
            const size_t colon = filter.find(':');
            // search-insights encodes the whole "attribute:value" (brand%3AApple): read it back first.
            if (colon == Text::npos && containsEncodedColon(filter))
                continue;
            if (colon == Text::npos || colon == 0 || colon == filter.size() - 1) {
                warning(indexed(QStringLiteral("filters"), i), QStringLiteral("filters.malformed"),
                        QStringLiteral("A filter should read attribute:value"));
                continue;
            }
            if (!isEncodedComponent(filter.substr(0, colon)) ||
                !isEncodedComponent(filter.substr(colon + 1))) {
                warning(indexed(QStringLiteral("filters"), i), QStringLiteral("filters.notUrlEncoded"),
                        QStringLiteral("URL-encode the attribute and the value of a filter separately, e.g. "
                                       "brand:Cool%20Brand"));
            }
        }
    }

    void checkCatalog()
    {
        if (m_context.catalogs.isEmpty())
            return;
        // Looked up by the decoded UTF-8 bytes: text is built only for a warning.
        const Text index = *m_event.index;
        for (const IndexCatalog* catalog : m_context.catalogs) {
            if (!catalog || !catalog->appliesTo(index))
                continue;
            const ViewList<Text>& ids = *m_event.objectIDs;
            for (qsizetype i = 0; i < ids.size(); ++i) {
                if (!catalog->contains(ids.at(i))) {
                    warning(indexed(QStringLiteral("objectIDs"), i), QStringLiteral("objectID.notInCatalog"),
                            QStringLiteral(
                                "objectID \"%1\" is not a record of index \"%2\": Algolia ignores it when "
                                "it builds profiles")
                                .arg(textOf(ids.at(i)), textOf(index)));
                }
            }
            return;
        }
    }

    const EventView& m_event;
    int m_index;
    const ValidationContext& m_context;
    const CompatibilityProfile& m_profile;
    EventVerdict& m_verdict;
};

// Events of one request that carry no timestamp, or all the same one: the API then dates them at receipt (or
// all alike), not at collection.
void addBatchTimestampWarnings(const std::vector<EventView>& events, QList<EventVerdict>& verdicts)
{
    if (events.size() < 2)
        return;
    bool allSame = true;
    for (const EventView& event : events)
        allSame = allSame && event.timestamp && event.timestamp == events.front().timestamp;
    for (size_t i = 0; i < events.size(); ++i) {
        const int index = static_cast<int>(i);
        if (!events[i].timestamp) {
            verdicts[index].issues.append(Issue{
                Severity::Warning, index, QStringLiteral("timestamp"),
                QStringLiteral("timestamp.missingInBatch"),
                QStringLiteral("No timestamp in a batch of several events: Algolia dates it when the request "
                               "arrives, not when the event was collected"),
                false});
        } else if (allSame) {
            verdicts[index].issues.append(
                Issue{Severity::Warning, index, QStringLiteral("timestamp"),
                      QStringLiteral("timestamp.sharedInBatch"),
                      QStringLiteral(
                          "Every event of this batch has the same timestamp: each should carry the moment "
                          "it was collected"),
                      false});
        }
    }
}

// The verdict on decoded views: the one judgement of the product, whatever the events came from.
BatchVerdict judge(const EventViewBatch& batch, const IssueList& typeErrors, const ValidationContext& context)
{
    BatchVerdict verdict;
    auto reject = [&verdict](const QString& message) {
        verdict.httpStatus = 422;
        verdict.message = message;
    };
    if (batch.payloadError) {
        reject(batch.payloadError->message);
        verdict.requestIssues.append(*batch.payloadError);
        verdict.events.resize(batch.size());
        return verdict;
    }

    const qsizetype count = batch.size();
    verdict.events.resize(count);
    for (const Issue& issue : typeErrors) {
        if (issue.eventIndex >= 0 && issue.eventIndex < count) {
            verdict.events[issue.eventIndex].issues.append(issue);
            verdict.events[issue.eventIndex].valid = false;
        }
    }
    for (qsizetype i = 0; i < count; ++i) {
        EventChecker checker(batch.events[static_cast<size_t>(i)], static_cast<int>(i), context,
                             verdict.events[i]);
        checker.run();
    }
    addBatchTimestampWarnings(batch.events, verdict.events);
    if (context.searches) {
        // The linkage checks read Events: built here only for an event citing an index with recorded
        // searches.
        for (qsizetype i = 0; i < count; ++i) {
            const EventView& event = batch.events[static_cast<size_t>(i)];
            std::optional<IssueList> found = SearchLinkage::checkWithoutEvent(
                EventView::text(event.eventType), EventView::text(event.index), event.queryID.has_value(),
                static_cast<int>(i), *context.searches);
            if (!found)
                found = SearchLinkage::check(event.toEvent(), static_cast<int>(i), *context.searches,
                                             context.nowMs);
            verdict.events[i].issues += *found;
        }
    }

    // The response: Algolia decodes first (type errors), then checks the batch size, then the events in
    // order, answering with the first failure.
    if (!typeErrors.isEmpty()) {
        reject(typeErrors.constFirst().message);
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

BatchVerdict tooLarge()
{
    BatchVerdict verdict;
    verdict.httpStatus = 413;
    verdict.message = kTooLarge;
    verdict.requestIssues.append(
        Issue{Severity::Error, -1, QString(), QStringLiteral("payload.tooLarge"), kTooLarge, false});
    return verdict;
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

std::optional<ExpectedValue> expectedValue(const QList<ValueLine>& lines)
{
    return expectedValue(lines.constData(), lines.size());
}

std::optional<ExpectedValue> expectedValue(const ValueLine* lines, qsizetype count)
{
    if (count == 0)
        return std::nullopt;
    ExpectedValue expected;
    for (const ValueLine* line = lines; line != lines + count; ++line) {
        if (!line->price)
            return std::nullopt;
        expected.gross += *line->price * line->quantity;
        expected.net += *line->price * line->quantity - line->discount * line->quantity;
    }
    return expected;
}

std::optional<ExpectedValue> expectedValue(const QList<ObjectDataItem>& items)
{
    QList<ValueLine> lines;
    for (const ObjectDataItem& item : items) {
        ValueLine line;
        line.price = item.price ? item.price->toDouble() : std::nullopt;
        line.quantity = static_cast<double>(item.quantity.value_or(1));
        line.discount = item.discount ? item.discount->toDouble().value_or(0) : 0;
        lines.append(line);
    }
    return expectedValue(lines);
}

BatchVerdict validateBody(QByteArrayView body, const ValidationContext& context, DecodedBatch* decoded)
{
    EventViewBatch views;
    BatchVerdict verdict = validateBodyViews(body, context, views);
    if (decoded)
        *decoded = EventCodec::decodedBatchOf(views);
    return verdict;
}

BatchVerdict validateBodyViews(QByteArrayView body, const ValidationContext& context, EventViewBatch& views)
{
    if (body.size() > context.profile->maxBodyBytes) {
        views = EventViewBatch();
        return tooLarge();
    }
    EventCodec::decodeRequestViews(body, views);
    return validate(views, context);
}

BatchVerdict validate(const EventViewBatch& batch, const ValidationContext& context)
{
    return judge(batch, batch.typeErrors, context);
}

BatchVerdict validate(const DecodedBatch& batch, const ValidationContext& context)
{
    EventViewBatch views;
    if (!batch.payloadError) {
        // Events are judged through the views of their own canonical JSON (without unknown fields, which
        // no rule reads): the same rule code as the ingest path.
        QByteArray body;
        body.reserve(batch.events.size() * 256 + 16);
        body += "{\"events\":[";
        for (qsizetype i = 0; i < batch.events.size(); ++i) {
            if (i > 0)
                body += ',';
            body += EventCodec::encodeEvent(batch.events.at(i), EventCodec::UnknownFields::Leave);
        }
        body += "]}";
        views = EventCodec::decodeRequestViews(body);
        // Only an amount whose JSON text was set by hand can break the canonical body: "Invalid payload".
        if (!views.payloadError && views.size() != batch.events.size())
            views.payloadError = Issue{Severity::Error,
                                       -1,
                                       QString(),
                                       QStringLiteral("payload.invalid"),
                                       QStringLiteral("Invalid payload"),
                                       false};
    } else {
        views.payloadError = batch.payloadError;
    }
    if (views.payloadError) {
        BatchVerdict verdict = judge(views, {}, context);
        verdict.events.resize(batch.events.size());
        return verdict;
    }
    // The fields the original decode's type errors left unset are marked as the decoder marks them. A
    // value the decoder refuses (e.g. a quantity beyond int32 set in the composer) is refused here too.
    IssueList typeErrors = batch.typeErrors + views.typeErrors;
    for (const Issue& issue : batch.typeErrors) {
        if (issue.eventIndex < 0 || issue.eventIndex >= views.size())
            continue;
        if (const std::optional<EventViewField> field = eventViewFieldOf(issue.field))
            views.events[static_cast<size_t>(issue.eventIndex)].mistypedFields |= 1u
                                                                                  << static_cast<int>(*field);
    }
    return judge(views, typeErrors, context);
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
    if (!token.isEmpty() && token.size() <= kMaxTokenLength) {
        const QByteArray utf8 = token.toUtf8();
        return isValidToken(Text(utf8.constData(), static_cast<size_t>(utf8.size())));
    }
    return false;
}

QString userTokenMessage()
{
    return kUserTokenInvalid;
}

} // namespace Validator
