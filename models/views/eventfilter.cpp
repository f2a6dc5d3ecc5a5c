#include "eventfilter.h"

#include "event/vocabulary.h"

#include <QList>

#include <algorithm>
#include <utility>

namespace {

// The fields a condition can set. Two conditions on the same slot are refused rather than silently
// intersected: `status=4XX httpCode=500` is a typo far more often than an intent.
enum class Slot
{
    Http,
    Accepted,
    Errors,
    Warnings,
    EventType,
    EventSubtype,
    UserToken,
    Index,
    EventName,
    RequestId,
    Source,
    Kind,
    QueryId,
};

const QList<QLatin1String>& knownKeys()
{
    static const QList<QLatin1String> keys{
        QLatin1String("httpCode"),     QLatin1String("status"), QLatin1String("eventType"),
        QLatin1String("eventSubtype"), QLatin1String("errors"), QLatin1String("warnings"),
        QLatin1String("userToken"),    QLatin1String("index"),  QLatin1String("eventName"),
        QLatin1String("requestId"),    QLatin1String("source"), QLatin1String("kind"),
        QLatin1String("queryID"),
    };
    return keys;
}

std::optional<QString> canonicalKey(QStringView key)
{
    for (const QLatin1String& known : knownKeys()) {
        if (key.compare(known, Qt::CaseInsensitive) == 0)
            return QString(known);
    }
    return std::nullopt;
}

struct Token
{
    enum class Kind
    {
        Text,
        Condition,
        And,
    };
    Kind kind = Kind::Text;
    int position = 0;
    int length = 0;
    QString key;
    QString value;
    int valuePosition = 0;
};

struct TokenizeResult
{
    QList<Token> tokens;
    int errorPosition = -1;
    int errorLength = 0;
    QString error;
};

// Reads a double-quoted string starting at text[pos] == '"'. Backslash escapes the next character.
// Returns the position after the closing quote, or -1 when the quote is never closed.
int readQuoted(QStringView text, int pos, QString* out)
{
    int i = pos + 1;
    while (i < text.size()) {
        const QChar c = text[i];
        if (c == QLatin1Char('\\') && i + 1 < text.size()) {
            out->append(text[i + 1]);
            i += 2;
            continue;
        }
        if (c == QLatin1Char('"'))
            return i + 1;
        out->append(c);
        ++i;
    }
    return -1;
}

TokenizeResult tokenize(QStringView text)
{
    TokenizeResult result;
    const int n = static_cast<int>(text.size());
    int i = 0;
    while (i < n) {
        if (text[i].isSpace()) {
            ++i;
            continue;
        }
        Token token;
        token.position = i;
        if (text[i] == QLatin1Char('"')) {
            const int end = readQuoted(text, i, &token.value);
            if (end < 0) {
                result.errorPosition = i;
                result.errorLength = n - i;
                result.error = QStringLiteral("Missing closing quote");
                return result;
            }
            token.kind = Token::Kind::Text;
            token.length = end - i;
            i = end;
            if (i < n && !text[i].isSpace()) {
                result.errorPosition = i;
                result.errorLength = 1;
                result.error = QStringLiteral("Put a space after the closing quote");
                return result;
            }
            result.tokens.append(token);
            continue;
        }
        int j = i;
        while (j < n && !text[j].isSpace() && text[j] != QLatin1Char('=') && text[j] != QLatin1Char('"'))
            ++j;
        if (j < n && text[j] == QLatin1Char('=')) {
            token.kind = Token::Kind::Condition;
            token.key = text.mid(i, j - i).toString();
            token.valuePosition = j + 1;
            int k = j + 1;
            if (k < n && text[k] == QLatin1Char('"')) {
                const int end = readQuoted(text, k, &token.value);
                if (end < 0) {
                    result.errorPosition = k;
                    result.errorLength = n - k;
                    result.error = QStringLiteral("Missing closing quote");
                    return result;
                }
                k = end;
                if (k < n && !text[k].isSpace()) {
                    result.errorPosition = k;
                    result.errorLength = 1;
                    result.error = QStringLiteral("Put a space after the closing quote");
                    return result;
                }
                // An explicitly quoted empty value is still a missing value.
                if (token.value.isEmpty())
                    token.value = QString();
            } else {
                while (k < n && !text[k].isSpace())
                    ++k;
                token.value = text.mid(j + 1, k - j - 1).toString();
            }
            token.length = k - i;
            i = k;
            result.tokens.append(token);
            continue;
        }
        if (j < n && text[j] == QLatin1Char('"')) {
            result.errorPosition = j;
            result.errorLength = 1;
            result.error = QStringLiteral("A quote must start a word or a value");
            return result;
        }
        token.value = text.mid(i, j - i).toString();
        token.length = j - i;
        token.kind = token.value == u"AND" || token.value == u"and" || token.value == u"&&"
                         ? Token::Kind::And
                         : Token::Kind::Text;
        i = j;
        result.tokens.append(token);
    }
    return result;
}

std::optional<bool> parseBool(const QString& value)
{
    if (value.compare(QLatin1String("true"), Qt::CaseInsensitive) == 0)
        return true;
    if (value.compare(QLatin1String("false"), Qt::CaseInsensitive) == 0)
        return false;
    return std::nullopt;
}

// "422" -> code, "4XX"/"4xx" -> class; nullopt otherwise.
struct HttpValue
{
    std::optional<int> code;
    std::optional<int> cls;
};
std::optional<HttpValue> parseHttp(const QString& value)
{
    if (value.size() != 3 || !value[0].isDigit())
        return std::nullopt;
    const int first = value[0].digitValue();
    if (first < 1 || first > 5)
        return std::nullopt;
    if ((value[1] == QLatin1Char('X') || value[1] == QLatin1Char('x')) &&
        (value[2] == QLatin1Char('X') || value[2] == QLatin1Char('x')))
        return HttpValue{std::nullopt, first};
    if (!value[1].isDigit() || !value[2].isDigit())
        return std::nullopt;
    return HttpValue{value.toInt(), std::nullopt};
}

QString quoted(const QString& value)
{
    bool needsQuotes =
        value.isEmpty() || value.contains(QLatin1Char('"')) || value.contains(QLatin1Char('='));
    for (const QChar c : value)
        needsQuotes = needsQuotes || c.isSpace();
    if (!needsQuotes && value != u"AND" && value != u"and" && value != u"&&")
        return value;
    QString out = QStringLiteral("\"");
    for (const QChar c : value) {
        if (c == QLatin1Char('"') || c == QLatin1Char('\\'))
            out += QLatin1Char('\\');
        out += c;
    }
    out += QLatin1Char('"');
    return out;
}

// "a, b, c or d": the values a key takes, for its error message.
QString oneOf(const QStringList& values)
{
    if (values.size() < 2)
        return values.join(QString());
    return values.mid(0, values.size() - 1).join(QStringLiteral(", ")) + QStringLiteral(" or ") +
           values.last();
}

QStringList sourceNames()
{
    QStringList names;
    for (const EventSource source :
         {EventSource::Endpoint, EventSource::Sent, EventSource::Algolia, EventSource::Imported})
        names << eventSourceName(source);
    return names;
}

QStringList kindNames()
{
    QStringList names;
    for (const RecordKind kind : {RecordKind::Event, RecordKind::Search, RecordKind::Request})
        names << recordKindName(kind);
    return names;
}

EventFilterParseResult failure(int position, int length, QString message)
{
    EventFilterParseResult result;
    result.errorPosition = position;
    result.errorLength = std::max(1, length);
    result.error = std::move(message);
    return result;
}

} // namespace

bool EventFilter::isEmpty() const
{
    return *this == EventFilter{};
}

bool EventFilter::operator==(const EventFilter& other) const
{
    return httpCode == other.httpCode && httpClass == other.httpClass && accepted == other.accepted &&
           hasErrors == other.hasErrors && hasWarnings == other.hasWarnings && eventType == other.eventType &&
           eventSubtype == other.eventSubtype && userToken == other.userToken && index == other.index &&
           eventName == other.eventName && requestId == other.requestId && source == other.source &&
           kind == other.kind && queryId == other.queryId && freeText == other.freeText;
}

bool EventFilter::matches(const LogRecord& record) const
{
    if (httpCode && record.httpStatus != *httpCode)
        return false;
    if (httpClass && record.httpStatus / 100 != *httpClass)
        return false;
    if (accepted && record.accepted != *accepted)
        return false;
    if (hasErrors || hasWarnings) {
        bool errors = false;
        bool warnings = false;
        for (const Issue& issue : record.issues) {
            errors = errors || issue.severity == Severity::Error;
            warnings = warnings || issue.severity == Severity::Warning;
        }
        if (hasErrors && errors != *hasErrors)
            return false;
        if (hasWarnings && warnings != *hasWarnings)
            return false;
    }
    // Exact, as in the log's SQL: parse() already spelled the value as Algolia does ("Click" sent by a client
    // is a different, invalid eventType).
    if (!eventType.isEmpty() && record.eventType != eventType)
        return false;
    if (!eventSubtype.isEmpty() && record.eventSubtype != eventSubtype)
        return false;
    if (!userToken.isEmpty() && record.userToken != userToken && record.authenticatedUserToken != userToken)
        return false;
    if (!index.isEmpty() && record.index != index)
        return false;
    if (!eventName.isEmpty() && record.eventName != eventName)
        return false;
    if (!requestId.isEmpty() && record.requestId != requestId)
        return false;
    if (source && record.source != *source)
        return false;
    if (kind && record.kind != *kind)
        return false;
    if (!queryId.isEmpty() && record.queryId != queryId)
        return false;
    if (!freeText.isEmpty()) {
        const QString raw = QString::fromUtf8(record.rawJson);
        for (const QString& word : freeText) {
            if (!raw.contains(word, Qt::CaseInsensitive))
                return false;
        }
    }
    return true;
}

LogQuery EventFilter::toLogQuery() const
{
    LogQuery query;
    query.limit = 0;
    query.httpStatus = httpCode;
    query.httpClass = httpClass;
    query.accepted = accepted;
    query.hasErrors = hasErrors;
    query.hasWarnings = hasWarnings;
    query.eventType = eventType;
    query.eventSubtype = eventSubtype;
    query.userToken = userToken;
    query.index = index;
    query.eventName = eventName;
    query.requestId = requestId;
    query.source = source;
    query.kind = kind;
    query.queryId = queryId;
    query.freeText = freeText;
    return query;
}

QString EventFilter::toString() const
{
    QStringList parts;
    if (httpCode)
        parts << QStringLiteral("httpCode=") + QString::number(*httpCode);
    if (httpClass)
        parts << QStringLiteral("status=") + QString::number(*httpClass) + QStringLiteral("XX");
    if (accepted)
        parts << (*accepted ? QStringLiteral("status=accepted") : QStringLiteral("status=rejected"));
    if (hasErrors)
        parts << (*hasErrors ? QStringLiteral("errors=true") : QStringLiteral("errors=false"));
    if (hasWarnings)
        parts << (*hasWarnings ? QStringLiteral("warnings=true") : QStringLiteral("warnings=false"));
    if (!eventType.isEmpty())
        parts << QStringLiteral("eventType=") + quoted(eventType);
    if (!eventSubtype.isEmpty())
        parts << QStringLiteral("eventSubtype=") + quoted(eventSubtype);
    if (!userToken.isEmpty())
        parts << QStringLiteral("userToken=") + quoted(userToken);
    if (!index.isEmpty())
        parts << QStringLiteral("index=") + quoted(index);
    if (!eventName.isEmpty())
        parts << QStringLiteral("eventName=") + quoted(eventName);
    if (!requestId.isEmpty())
        parts << QStringLiteral("requestId=") + quoted(requestId);
    if (source)
        parts << QStringLiteral("source=") + eventSourceName(*source);
    if (kind)
        parts << QStringLiteral("kind=") + recordKindName(*kind);
    if (!queryId.isEmpty())
        parts << QStringLiteral("queryID=") + quoted(queryId);
    for (const QString& word : freeText)
        parts << quoted(word);
    return parts.join(QLatin1Char(' '));
}

QStringList EventFilter::keys()
{
    QStringList out;
    for (const QLatin1String& key : knownKeys())
        out << QString(key);
    return out;
}

EventFilterParseResult EventFilter::parse(QStringView text)
{
    const TokenizeResult tokens = tokenize(text);
    if (tokens.errorPosition >= 0)
        return failure(tokens.errorPosition, tokens.errorLength, tokens.error);

    EventFilter filter;
    QList<Slot> used;
    bool previousWasAnd = true; // AND may not open the text
    for (qsizetype t = 0; t < tokens.tokens.size(); ++t) {
        const Token& token = tokens.tokens[t];
        if (token.kind == Token::Kind::And) {
            if (previousWasAnd || t + 1 == tokens.tokens.size())
                return failure(token.position, token.length,
                               QStringLiteral("AND needs a condition on each side"));
            previousWasAnd = true;
            continue;
        }
        previousWasAnd = false;
        if (token.kind == Token::Kind::Text) {
            filter.freeText << token.value;
            continue;
        }

        if (token.key.isEmpty())
            return failure(token.position, 1, QStringLiteral("A condition needs a field name before '='"));
        const std::optional<QString> key = canonicalKey(token.key);
        if (!key) {
            return failure(token.position, static_cast<int>(token.key.size()),
                           QStringLiteral("Unknown field \"") + token.key +
                               QStringLiteral("\"; known fields: ") + keys().join(QStringLiteral(", ")));
        }
        const QString& value = token.value;
        const int valuePos = token.valuePosition;
        const int valueLen = static_cast<int>(token.position + token.length - token.valuePosition);
        if (value.isEmpty())
            return failure(token.position, token.length, *key + QStringLiteral(" needs a value after '='"));

        auto claim = [&](Slot slot) -> bool {
            if (used.contains(slot))
                return false;
            used << slot;
            return true;
        };
        const auto twice = [&]() {
            return failure(token.position, token.length,
                           *key +
                               QStringLiteral(" conflicts with an earlier condition; give each field once"));
        };

        if (*key == u"httpCode" || *key == u"status") {
            const std::optional<HttpValue> http = parseHttp(value);
            if (http) {
                if (!claim(Slot::Http))
                    return twice();
                filter.httpCode = http->code;
                filter.httpClass = http->cls;
                continue;
            }
            if (*key == u"status") {
                const bool isAccepted = value.compare(QLatin1String("accepted"), Qt::CaseInsensitive) == 0 ||
                                        value.compare(QLatin1String("ok"), Qt::CaseInsensitive) == 0;
                const bool isRejected = value.compare(QLatin1String("rejected"), Qt::CaseInsensitive) == 0 ||
                                        value.compare(QLatin1String("error"), Qt::CaseInsensitive) == 0;
                if (isAccepted || isRejected) {
                    if (!claim(Slot::Accepted))
                        return twice();
                    filter.accepted = isAccepted;
                    continue;
                }
                return failure(
                    valuePos, valueLen,
                    QStringLiteral("status takes accepted, rejected, a code such as 422 or a class "
                                   "such as 4XX"));
            }
            return failure(valuePos, valueLen,
                           QStringLiteral("httpCode takes a code such as 422 or a class such as 4XX"));
        }
        if (*key == u"errors" || *key == u"warnings") {
            const std::optional<bool> flag = parseBool(value);
            if (!flag)
                return failure(valuePos, valueLen, *key + QStringLiteral(" takes true or false"));
            if (!claim(*key == u"errors" ? Slot::Errors : Slot::Warnings))
                return twice();
            (*key == u"errors" ? filter.hasErrors : filter.hasWarnings) = flag;
            continue;
        }
        if (*key == u"eventType" || *key == u"eventSubtype") {
            QStringList types;
            for (const QLatin1String& type : EventTypes::all())
                types << QString(type);
            const QStringList subtypes{EventSubtypes::AddToCart, EventSubtypes::Purchase};
            const auto find = [&](const QStringList& list) -> QString {
                for (const QString& item : list) {
                    if (item.compare(value, Qt::CaseInsensitive) == 0)
                        return item;
                }
                return {};
            };
            const QString type = *key == u"eventType" ? find(types) : QString();
            const QString subtype = find(subtypes);
            if (!type.isEmpty()) {
                if (!claim(Slot::EventType))
                    return twice();
                filter.eventType = type;
                continue;
            }
            if (!subtype.isEmpty()) {
                if (!claim(Slot::EventSubtype))
                    return twice();
                filter.eventSubtype = subtype;
                continue;
            }
            return failure(valuePos, valueLen,
                           *key == u"eventType" ? QStringLiteral("eventType takes ") + oneOf(types + subtypes)
                                                : QStringLiteral("eventSubtype takes ") + oneOf(subtypes));
        }
        if (*key == u"source") {
            const std::optional<EventSource> source = eventSourceFromName(value);
            if (!source)
                return failure(valuePos, valueLen, QStringLiteral("source takes ") + oneOf(sourceNames()));
            if (!claim(Slot::Source))
                return twice();
            filter.source = source;
            continue;
        }
        if (*key == u"kind") {
            const std::optional<RecordKind> kind = recordKindFromName(value);
            if (!kind)
                return failure(valuePos, valueLen, QStringLiteral("kind takes ") + oneOf(kindNames()));
            if (!claim(Slot::Kind))
                return twice();
            filter.kind = kind;
            continue;
        }
        struct TextKey
        {
            const char16_t* name;
            Slot slot;
            QString EventFilter::*member;
        };
        static const TextKey textKeys[] = {
            {u"userToken", Slot::UserToken, &EventFilter::userToken},
            {u"index", Slot::Index, &EventFilter::index},
            {u"eventName", Slot::EventName, &EventFilter::eventName},
            {u"requestId", Slot::RequestId, &EventFilter::requestId},
            {u"queryID", Slot::QueryId, &EventFilter::queryId},
        };
        for (const TextKey& textKey : textKeys) {
            if (*key == QStringView(textKey.name)) {
                if (!claim(textKey.slot))
                    return twice();
                filter.*textKey.member = value;
                break;
            }
        }
    }
    EventFilterParseResult result;
    result.filter = std::move(filter);
    return result;
}
