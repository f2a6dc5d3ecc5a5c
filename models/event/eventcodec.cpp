#include "eventcodec.h"

#include <simdjson.h>

#include <array>
#include <string>
#include <string_view>

// simdjson's on-demand API reads each field once, in document order, straight into the Event: the ingest
// hot path never builds a DOM. Errors come back as codes (no exceptions) so bad input costs no unwinding.

namespace {

using simdjson::error_code;
using simdjson::SUCCESS;
namespace ondemand = simdjson::ondemand;

#define RETURN_IF_ERROR(expr)                                                                                \
    do {                                                                                                     \
        if (const error_code err_ = (expr); err_ != SUCCESS)                                                 \
            return err_;                                                                                     \
    } while (false)

ondemand::parser& threadParser()
{
    thread_local ondemand::parser parser;
    return parser;
}

QString toQString(std::string_view text)
{
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

QByteArray toBytes(std::string_view text)
{
    // JSON tokens from simdjson may carry trailing whitespace up to the next structural character.
    while (!text.empty() &&
           (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' || text.back() == '\t'))
        text.remove_suffix(1);
    return QByteArray(text.data(), static_cast<qsizetype>(text.size()));
}

// Go's encoding/json names JSON types this way in its type errors, which Algolia's messages carry.
QLatin1String goTypeName(ondemand::json_type type)
{
    switch (type) {
    case ondemand::json_type::array:
        return QLatin1String("array");
    case ondemand::json_type::object:
        return QLatin1String("object");
    case ondemand::json_type::number:
        return QLatin1String("number");
    case ondemand::json_type::string:
        return QLatin1String("string");
    case ondemand::json_type::boolean:
        return QLatin1String("bool");
    case ondemand::json_type::null:
        return QLatin1String("null");
    }
    return QLatin1String("value");
}

bool isIntegerTypeMismatch(error_code error)
{
    return error == simdjson::INCORRECT_TYPE || error == simdjson::NUMBER_OUT_OF_RANGE;
}

constexpr int kMaxDepth = 256;

// Reads a value completely, checking every token: on-demand parsing only validates what it reads, and the
// debugger must not accept, store or forward malformed JSON hidden in a field it does not interpret.
error_code walkValue(ondemand::value& value, int depth)
{
    if (depth > kMaxDepth)
        return simdjson::DEPTH_ERROR;
    ondemand::json_type type;
    RETURN_IF_ERROR(value.type().get(type));
    switch (type) {
    case ondemand::json_type::object: {
        ondemand::object object;
        RETURN_IF_ERROR(value.get_object().get(object));
        for (auto fieldResult : object) {
            ondemand::field field;
            RETURN_IF_ERROR(std::move(fieldResult).get(field));
            std::string_view key;
            RETURN_IF_ERROR(field.unescaped_key().get(key));
            ondemand::value child = field.value();
            RETURN_IF_ERROR(walkValue(child, depth + 1));
        }
        return SUCCESS;
    }
    case ondemand::json_type::array: {
        ondemand::array array;
        RETURN_IF_ERROR(value.get_array().get(array));
        for (auto elementResult : array) {
            ondemand::value child;
            RETURN_IF_ERROR(std::move(elementResult).get(child));
            RETURN_IF_ERROR(walkValue(child, depth + 1));
        }
        return SUCCESS;
    }
    case ondemand::json_type::string: {
        std::string_view text;
        return value.get_string().get(text);
    }
    case ondemand::json_type::number: {
        ondemand::number number;
        return value.get_number().get(number);
    }
    case ondemand::json_type::boolean: {
        bool flag = false;
        return value.get_bool().get(flag);
    }
    case ondemand::json_type::null: {
        bool isNull = false;
        RETURN_IF_ERROR(value.is_null().get(isNull));
        return isNull ? SUCCESS : simdjson::N_ATOM_ERROR;
    }
    }
    return simdjson::INCORRECT_TYPE;
}

// The JSON text of any value (object, array or scalar), read and checked completely. After a value, the
// document stands on the next structural character: the text is everything in between.
error_code rawValue(ondemand::document& document, ondemand::value& value, std::string_view& out)
{
    const std::string_view token = value.raw_json_token();
    ondemand::json_type type;
    RETURN_IF_ERROR(value.type().get(type));
    RETURN_IF_ERROR(walkValue(value, 0));
    if (type != ondemand::json_type::object && type != ondemand::json_type::array) {
        out = token;
        return SUCCESS;
    }
    const char* end = nullptr;
    RETURN_IF_ERROR(document.current_location().get(end));
    out = std::string_view(token.data(), static_cast<size_t>(end - token.data()));
    return SUCCESS;
}

// Where a value sits in an event, e.g. objectData[1].price; turned into text only when an issue names it, so
// the decode path builds no strings for paths.
struct FieldPath
{
    QLatin1String parent;
    int index = -1;
    QLatin1String name;

    QString toString() const
    {
        QString text = parent;
        if (index >= 0)
            text += QLatin1Char('[') + QString::number(index) + QLatin1Char(']');
        if (!name.isEmpty())
            text += (text.isEmpty() ? QString() : QStringLiteral(".")) + name;
        return text;
    }
    FieldPath item(int i) const { return FieldPath{parent, i, name}; }
};

FieldPath fieldPath(const char* name)
{
    return FieldPath{QLatin1String(name), -1, QLatin1String()};
}

enum class Key
{
    Unknown,
    EventType,
    EventName,
    Index,
    UserToken,
    ObjectIDs,
    Positions,
    QueryID,
    Timestamp,
    EventSubtype,
    AuthenticatedUserToken,
    Filters,
    ObjectData,
    Value,
    Currency,
    AgentID,
};

// The field a key names: dispatched on length and one letter first, since every event pays this for every
// key.
Key knownKey(std::string_view key)
{
    auto is = [key](std::string_view name, Key known) { return key == name ? known : Key::Unknown; };
    switch (key.size()) {
    case 5:
        return key[0] == 'i' ? is("index", Key::Index) : is("value", Key::Value);
    case 7:
        switch (key[0]) {
        case 'q':
            return is("queryID", Key::QueryID);
        case 'f':
            return is("filters", Key::Filters);
        case 'a':
            return is("agentID", Key::AgentID);
        }
        return Key::Unknown;
    case 8:
        return is("currency", Key::Currency);
    case 9:
        switch (key[0]) {
        case 'e':
            return key[5] == 'T' ? is("eventType", Key::EventType) : is("eventName", Key::EventName);
        case 'u':
            return is("userToken", Key::UserToken);
        case 'o':
            return is("objectIDs", Key::ObjectIDs);
        case 'p':
            return is("positions", Key::Positions);
        case 't':
            return is("timestamp", Key::Timestamp);
        }
        return Key::Unknown;
    case 10:
        return is("objectData", Key::ObjectData);
    case 12:
        return is("eventSubtype", Key::EventSubtype);
    case 22:
        return is("authenticatedUserToken", Key::AuthenticatedUserToken);
    }
    return Key::Unknown;
}

// Events of one request mostly repeat their eventType, eventName, index, userToken and currency: reusing the
// previous QString (implicitly shared) saves most of the allocations of the decode path.
class RepeatedStrings
{
public:
    enum Slot
    {
        EventType,
        EventSubtype,
        EventName,
        Index,
        UserToken,
        AuthenticatedUserToken,
        Currency,
        SlotCount,
    };

    QString get(Slot slot, std::string_view text)
    {
        // A few recent values per field: a batch that mixes kinds cycles through a handful of eventTypes and
        // eventNames.
        std::array<Entry, kWays>& ways = m_entries[slot];
        for (Entry& entry : ways) {
            if (entry.valid && entry.bytes == text)
                return entry.value;
        }
        Entry& entry = ways[m_next[slot]];
        m_next[slot] = (m_next[slot] + 1) % kWays;
        entry.bytes.assign(text);
        entry.value = toQString(text);
        entry.valid = true;
        return entry.value;
    }

private:
    static constexpr int kWays = 8;
    struct Entry
    {
        std::string bytes;
        QString value;
        bool valid = false;
    };
    std::array<std::array<Entry, kWays>, SlotCount> m_entries;
    std::array<int, SlotCount> m_next{};
};

class EventReader
{
public:
    EventReader(ondemand::document& document, int eventIndex, IssueList& typeErrors, RepeatedStrings& strings)
        : m_document(document)
        , m_eventIndex(eventIndex)
        , m_typeErrors(typeErrors)
        , m_strings(strings)
    {}

    error_code read(ondemand::object& object, Event& event)
    {
        for (auto fieldResult : object) {
            ondemand::field field;
            RETURN_IF_ERROR(std::move(fieldResult).get(field));
            std::string_view key;
            RETURN_IF_ERROR(field.unescaped_key().get(key));
            ondemand::value value = field.value();
            ondemand::json_type type;
            RETURN_IF_ERROR(value.type().get(type));
            RETURN_IF_ERROR(readField(key, value, type, event));
        }
        return SUCCESS;
    }

private:
    error_code readField(std::string_view key, ondemand::value& value, ondemand::json_type type, Event& event)
    {
        switch (knownKey(key)) {
        case Key::EventType:
            return readString(value, type, event.eventType, fieldPath("eventType"),
                              RepeatedStrings::EventType);
        case Key::EventName:
            return readString(value, type, event.eventName, fieldPath("eventName"),
                              RepeatedStrings::EventName);
        case Key::Index:
            return readString(value, type, event.index, fieldPath("index"), RepeatedStrings::Index);
        case Key::UserToken:
            return readString(value, type, event.userToken, fieldPath("userToken"),
                              RepeatedStrings::UserToken);
        case Key::ObjectIDs:
            return readStringList(value, type, event.objectIDs, fieldPath("objectIDs"));
        case Key::Positions:
            return readPositions(value, type, event.positions);
        case Key::QueryID:
            return readString(value, type, event.queryID, fieldPath("queryID"));
        case Key::Timestamp:
            return readInteger(value, type, event.timestamp, fieldPath("timestamp"), QLatin1String("int64"));
        case Key::EventSubtype:
            return readString(value, type, event.eventSubtype, fieldPath("eventSubtype"),
                              RepeatedStrings::EventSubtype);
        case Key::AuthenticatedUserToken:
            return readString(value, type, event.authenticatedUserToken, fieldPath("authenticatedUserToken"),
                              RepeatedStrings::AuthenticatedUserToken);
        case Key::Filters:
            return readStringList(value, type, event.filters, fieldPath("filters"));
        case Key::ObjectData:
            return readObjectData(value, type, event.objectData);
        case Key::Value:
            return readAmount(value, type, event.value, fieldPath("value"));
        case Key::Currency:
            return readString(value, type, event.currency, fieldPath("currency"), RepeatedStrings::Currency);
        case Key::AgentID:
            return readString(value, type, event.agentID, fieldPath("agentID"));
        case Key::Unknown:
            break;
        }
        std::string_view raw;
        RETURN_IF_ERROR(rawValue(m_document, value, raw));
        const QString name = toQString(key);
        const QByteArray json = toBytes(raw);
        // A repeated key keeps the last value, as Go's decoder does.
        for (auto& entry : event.extras) {
            if (entry.first == name) {
                entry.second = json;
                return SUCCESS;
            }
        }
        event.extras.append({name, json});
        return SUCCESS;
    }

    void typeError(const FieldPath& path, QLatin1String expected, ondemand::json_type got)
    {
        // Algolia's published example is "Invalid type for field events: expected string, got number"; the
        // path it prints is "events" whatever the field, the precise path goes into Issue::field.
        const bool verified = expected == QLatin1String("string") && got == ondemand::json_type::number;
        m_typeErrors.append(Issue{Severity::Error, m_eventIndex, path.toString(),
                                  QStringLiteral("payload.invalidType"),
                                  QStringLiteral("Invalid type for field events: expected ") + expected +
                                      QStringLiteral(", got ") + goTypeName(got),
                                  !verified});
    }

    error_code readString(ondemand::value& value, ondemand::json_type type, std::optional<QString>& out,
                          const FieldPath& field, RepeatedStrings::Slot slot = RepeatedStrings::SlotCount)
    {
        if (type == ondemand::json_type::null) {
            out.reset();
            return walkValue(value, 1);
        }
        if (type != ondemand::json_type::string) {
            out.reset();
            typeError(field, QLatin1String("string"), type);
            return walkValue(value, 1);
        }
        std::string_view text;
        RETURN_IF_ERROR(value.get_string().get(text));
        out = slot == RepeatedStrings::SlotCount ? toQString(text) : m_strings.get(slot, text);
        return SUCCESS;
    }

    error_code readInteger(ondemand::value& value, ondemand::json_type type, std::optional<qint64>& out,
                           const FieldPath& field, QLatin1String goType)
    {
        out.reset();
        if (type == ondemand::json_type::null)
            return walkValue(value, 1);
        if (type != ondemand::json_type::number) {
            typeError(field, goType, type);
            return walkValue(value, 1);
        }
        int64_t number = 0;
        if (const error_code error = value.get_int64().get(number); error != SUCCESS) {
            // A fraction or an out-of-range number is a type error for an integer field; a malformed number
            // is a broken payload.
            if (!isIntegerTypeMismatch(error))
                return error;
            double asDouble = 0;
            RETURN_IF_ERROR(value.get_double().get(asDouble));
            typeError(field, goType, type);
            return SUCCESS;
        }
        out = number;
        return SUCCESS;
    }

    error_code readAmount(ondemand::value& value, ondemand::json_type type, std::optional<Amount>& out,
                          const FieldPath& field)
    {
        out.reset();
        if (type == ondemand::json_type::null)
            return walkValue(value, 1);
        if (type != ondemand::json_type::number && type != ondemand::json_type::string) {
            typeError(field, QLatin1String("number or string"), type);
            return walkValue(value, 1);
        }
        const std::string_view raw = value.raw_json_token();
        RETURN_IF_ERROR(walkValue(value, 1)); // a malformed number or string is a broken payload
        out = Amount{toBytes(raw)};
        return SUCCESS;
    }

    // An array field: null means absent, another JSON type is a type error. readItem reads one element and
    // says whether it had the right type; a field with a mistyped element is left unset, as Go leaves it.
    template <typename List, typename ReadItem>
    error_code readArray(ondemand::value& value, ondemand::json_type type, std::optional<List>& out,
                         const FieldPath& field, QLatin1String goType, ReadItem&& readItem)
    {
        out.reset();
        if (type == ondemand::json_type::null)
            return walkValue(value, 1);
        if (type != ondemand::json_type::array) {
            typeError(field, goType, type);
            return walkValue(value, 1);
        }
        ondemand::array array;
        RETURN_IF_ERROR(value.get_array().get(array));
        List list;
        int i = 0;
        bool typed = true;
        for (auto itemResult : array) {
            ondemand::value item;
            RETURN_IF_ERROR(std::move(itemResult).get(item));
            ondemand::json_type itemType;
            RETURN_IF_ERROR(item.type().get(itemType));
            bool itemTyped = true;
            RETURN_IF_ERROR(readItem(item, itemType, field.item(i), list, itemTyped));
            typed = typed && itemTyped;
            ++i;
        }
        if (typed)
            out = std::move(list);
        return SUCCESS;
    }

    error_code readStringList(ondemand::value& value, ondemand::json_type type,
                              std::optional<QStringList>& out, const FieldPath& field)
    {
        return readArray(value, type, out, field, QLatin1String("[]string"),
                         [this](ondemand::value& item, ondemand::json_type itemType, const FieldPath& path,
                                QStringList& list, bool& typed) -> error_code {
                             if (itemType == ondemand::json_type::string) {
                                 std::string_view text;
                                 RETURN_IF_ERROR(item.get_string().get(text));
                                 list.append(toQString(text));
                                 return SUCCESS;
                             }
                             RETURN_IF_ERROR(walkValue(item, 2));
                             if (itemType == ondemand::json_type::null) {
                                 list.append(QString()); // Go decodes null into "" for a string element
                             } else {
                                 typeError(path, QLatin1String("string"), itemType);
                                 typed = false;
                             }
                             return SUCCESS;
                         });
    }

    error_code readPositions(ondemand::value& value, ondemand::json_type type,
                             std::optional<QList<qint64>>& out)
    {
        return readArray(value, type, out, fieldPath("positions"), QLatin1String("[]int32"),
                         [this](ondemand::value& item, ondemand::json_type itemType, const FieldPath& path,
                                QList<qint64>& list, bool& typed) -> error_code {
                             int64_t number = 0;
                             const error_code error = itemType == ondemand::json_type::number
                                                          ? item.get_int64().get(number)
                                                          : simdjson::INCORRECT_TYPE;
                             if (error != SUCCESS && !isIntegerTypeMismatch(error))
                                 return error;
                             if (error != SUCCESS && itemType == ondemand::json_type::number) {
                                 double asDouble = 0;
                                 RETURN_IF_ERROR(
                                     item.get_double().get(asDouble)); // malformed: broken payload
                             } else if (error != SUCCESS) {
                                 RETURN_IF_ERROR(walkValue(item, 2));
                             }
                             if (error == SUCCESS && number >= INT32_MIN && number <= INT32_MAX) {
                                 list.append(number);
                             } else {
                                 typeError(path, QLatin1String("int32"), itemType);
                                 typed = false;
                             }
                             return SUCCESS;
                         });
    }

    error_code readObjectData(ondemand::value& value, ondemand::json_type type,
                              std::optional<QList<ObjectDataItem>>& out)
    {
        // A mistyped item is reported and kept empty, so that the items still line up with objectIDs.
        return readArray(value, type, out, fieldPath("objectData"), QLatin1String("[]insights.ObjectData"),
                         [this](ondemand::value& itemValue, ondemand::json_type itemType,
                                const FieldPath& path, QList<ObjectDataItem>& items, bool&) -> error_code {
                             ObjectDataItem item;
                             if (itemType == ondemand::json_type::object) {
                                 ondemand::object object;
                                 RETURN_IF_ERROR(itemValue.get_object().get(object));
                                 RETURN_IF_ERROR(readObjectDataItem(object, item, path));
                             } else {
                                 RETURN_IF_ERROR(walkValue(itemValue, 2));
                                 if (itemType != ondemand::json_type::null)
                                     typeError(path, QLatin1String("insights.ObjectData"), itemType);
                             }
                             items.append(std::move(item));
                             return SUCCESS;
                         });
    }

    error_code readObjectDataItem(ondemand::object& object, ObjectDataItem& item, const FieldPath& prefix)
    {
        for (auto fieldResult : object) {
            ondemand::field field;
            RETURN_IF_ERROR(std::move(fieldResult).get(field));
            std::string_view key;
            RETURN_IF_ERROR(field.unescaped_key().get(key));
            ondemand::value value = field.value();
            ondemand::json_type type;
            RETURN_IF_ERROR(value.type().get(type));
            if (key == "price") {
                RETURN_IF_ERROR(readAmount(value, type, item.price,
                                           FieldPath{prefix.parent, prefix.index, QLatin1String("price")}));
            } else if (key == "discount") {
                RETURN_IF_ERROR(
                    readAmount(value, type, item.discount,
                               FieldPath{prefix.parent, prefix.index, QLatin1String("discount")}));
            } else if (key == "quantity") {
                RETURN_IF_ERROR(readInteger(value, type, item.quantity,
                                            FieldPath{prefix.parent, prefix.index, QLatin1String("quantity")},
                                            QLatin1String("int32")));
            } else if (key == "queryID") {
                RETURN_IF_ERROR(readString(value, type, item.queryID,
                                           FieldPath{prefix.parent, prefix.index, QLatin1String("queryID")}));
            } else {
                std::string_view raw;
                RETURN_IF_ERROR(rawValue(m_document, value, raw));
                item.extras.append({toQString(key), toBytes(raw)});
            }
        }
        return SUCCESS;
    }

    ondemand::document& m_document;
    int m_eventIndex;
    IssueList& m_typeErrors;
    RepeatedStrings& m_strings;
};

Issue payloadIssue(const QString& code, const QString& message, bool unverified = false)
{
    return Issue{Severity::Error, -1, QString(), code, message, unverified};
}

Issue invalidPayload()
{
    return payloadIssue(QStringLiteral("payload.invalid"), QStringLiteral("Invalid payload"));
}

// Reads one element of the `events` array (or a bare event) into the batch.
error_code readEventElement(ondemand::document& document, ondemand::value& element, DecodedBatch& batch,
                            RepeatedStrings& strings)
{
    const int eventIndex = static_cast<int>(batch.events.size());
    ondemand::json_type type;
    RETURN_IF_ERROR(element.type().get(type));
    Event event;
    QByteArray raw;
    if (type == ondemand::json_type::object) {
        const char* start = element.raw_json_token().data();
        ondemand::object object;
        RETURN_IF_ERROR(element.get_object().get(object));
        EventReader reader(document, eventIndex, batch.typeErrors, strings);
        RETURN_IF_ERROR(reader.read(object, event));
        // After the object, the document stands on the next structural character (',' or ']'): the event's
        // text is everything in between, which keeps the event exactly as the client sent it.
        const char* end = nullptr;
        if (document.current_location().get(end) == SUCCESS && end > start)
            raw = toBytes(std::string_view(start, static_cast<size_t>(end - start)));
        else
            raw = EventCodec::encodeEvent(event);
    } else {
        std::string_view text;
        RETURN_IF_ERROR(rawValue(document, element, text));
        raw = toBytes(text);
        if (type != ondemand::json_type::null) {
            batch.typeErrors.append(
                Issue{Severity::Error, eventIndex, QString(), QStringLiteral("payload.invalidType"),
                      QStringLiteral("Invalid type for field events: expected insights.EventsItems, got ") +
                          goTypeName(type),
                      true});
        }
    }
    batch.events.append(std::move(event));
    batch.rawEvents.append(std::move(raw));
    return SUCCESS;
}

error_code readBody(ondemand::document& document, DecodedBatch& batch)
{
    ondemand::json_type type;
    RETURN_IF_ERROR(document.type().get(type));
    if (type != ondemand::json_type::object) {
        // on-demand only peeks at the first character: read the value to be sure it is JSON at all.
        std::string_view scalar;
        switch (type) {
        case ondemand::json_type::null: {
            bool isNull = false;
            RETURN_IF_ERROR(document.is_null().get(isNull));
            if (!isNull)
                return simdjson::N_ATOM_ERROR;
            return SUCCESS; // Go decodes null into an empty batch: "No events to process"
        }
        case ondemand::json_type::array: {
            ondemand::array array;
            RETURN_IF_ERROR(document.get_array().get(array));
            for (auto elementResult : array) {
                ondemand::value element;
                RETURN_IF_ERROR(std::move(elementResult).get(element));
                RETURN_IF_ERROR(walkValue(element, 1));
            }
            break;
        }
        case ondemand::json_type::string:
            RETURN_IF_ERROR(document.get_string().get(scalar));
            break;
        case ondemand::json_type::number: {
            double number = 0;
            RETURN_IF_ERROR(document.get_double().get(number));
            break;
        }
        case ondemand::json_type::boolean: {
            bool flag = false;
            RETURN_IF_ERROR(document.get_bool().get(flag));
            break;
        }
        case ondemand::json_type::object:
            break;
        }
        batch.payloadError = payloadIssue(
            QStringLiteral("payload.invalidType"),
            QStringLiteral("Invalid type for field : expected insights.PublicEventsBatch, got ") +
                goTypeName(type),
            type != ondemand::json_type::array);
        return SUCCESS;
    }
    ondemand::object object;
    RETURN_IF_ERROR(document.get_object().get(object));
    for (auto fieldResult : object) {
        ondemand::field field;
        RETURN_IF_ERROR(std::move(fieldResult).get(field));
        std::string_view key;
        RETURN_IF_ERROR(field.unescaped_key().get(key));
        ondemand::value value = field.value();
        if (key != "events") {
            RETURN_IF_ERROR(walkValue(value, 0)); // extra top-level keys are allowed, broken JSON is not
            continue;
        }
        RETURN_IF_ERROR(value.type().get(type));
        batch.hadEventsKey = true;
        batch.events.clear();
        batch.rawEvents.clear();
        batch.typeErrors.clear();
        if (type != ondemand::json_type::array) {
            RETURN_IF_ERROR(walkValue(value, 1));
            if (type == ondemand::json_type::null)
                continue;
            batch.payloadError = payloadIssue(
                QStringLiteral("payload.invalidType"),
                QStringLiteral("Invalid type for field events: expected []insights.EventsItems, got ") +
                    goTypeName(type),
                true);
            continue;
        }
        ondemand::array array;
        RETURN_IF_ERROR(value.get_array().get(array));
        size_t count = 0;
        RETURN_IF_ERROR(array.count_elements().get(count)); // a quick structural pass; the array rewinds
        batch.events.reserve(static_cast<qsizetype>(count));
        batch.rawEvents.reserve(static_cast<qsizetype>(count));
        RepeatedStrings strings;
        for (auto elementResult : array) {
            ondemand::value element;
            RETURN_IF_ERROR(std::move(elementResult).get(element));
            RETURN_IF_ERROR(readEventElement(document, element, batch, strings));
        }
    }
    return SUCCESS;
}

// simdjson reads up to SIMDJSON_PADDING bytes past the end: give it a padded copy.
simdjson::padded_string padded(QByteArrayView bytes)
{
    return simdjson::padded_string(bytes.data(), static_cast<size_t>(bytes.size()));
}

// True when the document has been read to its last token (anything after it is trailing garbage).
bool atEnd(ondemand::document& document)
{
    const char* location = nullptr;
    return document.current_location().get(location) == simdjson::OUT_OF_BOUNDS;
}

bool isBlank(QByteArrayView bytes)
{
    for (char c : bytes) {
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
            return false;
    }
    return true;
}

DecodedBatch decodeSingleEvent(QByteArrayView json)
{
    DecodedBatch batch;
    const simdjson::padded_string input = padded(json);
    ondemand::document document;
    auto readAll = [&]() -> error_code {
        RETURN_IF_ERROR(threadParser().iterate(input).get(document));
        ondemand::json_type type;
        RETURN_IF_ERROR(document.type().get(type));
        if (type != ondemand::json_type::object)
            return simdjson::INCORRECT_TYPE;
        ondemand::object object;
        RETURN_IF_ERROR(document.get_object().get(object));
        Event event;
        RepeatedStrings strings;
        EventReader reader(document, 0, batch.typeErrors, strings);
        RETURN_IF_ERROR(reader.read(object, event));
        if (!atEnd(document))
            return simdjson::TRAILING_CONTENT;
        batch.events.append(std::move(event));
        batch.rawEvents.append(
            toBytes(std::string_view(json.data(), static_cast<size_t>(json.size()))).trimmed());
        return SUCCESS;
    };
    if (readAll() != SUCCESS) {
        batch = DecodedBatch();
        batch.payloadError = invalidPayload();
    }
    return batch;
}

void appendJsonString(QByteArray& out, QStringView text)
{
    out += '"';
    const QByteArray utf8 = text.toUtf8();
    for (const char c : utf8) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        default:
            if (u < 0x20) {
                static const char hex[] = "0123456789abcdef";
                out += "\\u00";
                out += hex[u >> 4];
                out += hex[u & 0xf];
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

class ObjectWriter
{
public:
    explicit ObjectWriter(QByteArray& out)
        : m_out(out)
    {
        m_out += '{';
    }
    ~ObjectWriter() { m_out += '}'; }
    Q_DISABLE_COPY_MOVE(ObjectWriter)

    void key(QStringView name)
    {
        if (!m_first)
            m_out += ',';
        m_first = false;
        appendJsonString(m_out, name);
        m_out += ':';
    }
    void string(QStringView name, const std::optional<QString>& value)
    {
        if (!value)
            return;
        key(name);
        appendJsonString(m_out, *value);
    }
    void raw(QStringView name, const QByteArray& json)
    {
        key(name);
        m_out += json;
    }

private:
    QByteArray& m_out;
    bool m_first = true;
};

void appendStringArray(QByteArray& out, const QStringList& list)
{
    out += '[';
    for (qsizetype i = 0; i < list.size(); ++i) {
        if (i > 0)
            out += ',';
        appendJsonString(out, list.at(i));
    }
    out += ']';
}

void appendEvent(QByteArray& out, const Event& event)
{
    ObjectWriter w(out);
    w.string(u"eventType", event.eventType);
    w.string(u"eventSubtype", event.eventSubtype);
    w.string(u"eventName", event.eventName);
    w.string(u"index", event.index);
    w.string(u"userToken", event.userToken);
    w.string(u"authenticatedUserToken", event.authenticatedUserToken);
    if (event.timestamp)
        w.raw(u"timestamp", QByteArray::number(*event.timestamp));
    w.string(u"queryID", event.queryID);
    if (event.objectIDs) {
        w.key(u"objectIDs");
        appendStringArray(out, *event.objectIDs);
    }
    if (event.filters) {
        w.key(u"filters");
        appendStringArray(out, *event.filters);
    }
    if (event.positions) {
        w.key(u"positions");
        out += '[';
        for (qsizetype i = 0; i < event.positions->size(); ++i) {
            if (i > 0)
                out += ',';
            out += QByteArray::number(event.positions->at(i));
        }
        out += ']';
    }
    if (event.objectData) {
        w.key(u"objectData");
        out += '[';
        for (qsizetype i = 0; i < event.objectData->size(); ++i) {
            if (i > 0)
                out += ',';
            const ObjectDataItem& item = event.objectData->at(i);
            ObjectWriter itemWriter(out);
            if (item.price)
                itemWriter.raw(u"price", item.price->json);
            if (item.discount)
                itemWriter.raw(u"discount", item.discount->json);
            if (item.quantity)
                itemWriter.raw(u"quantity", QByteArray::number(*item.quantity));
            itemWriter.string(u"queryID", item.queryID);
            for (const auto& [name, json] : item.extras)
                itemWriter.raw(name, json);
        }
        out += ']';
    }
    if (event.value)
        w.raw(u"value", event.value->json);
    w.string(u"currency", event.currency);
    w.string(u"agentID", event.agentID);
    for (const auto& [name, json] : event.extras)
        w.raw(name, json);
}

} // namespace

namespace EventCodec {

DecodedBatch decodeRequestBody(QByteArrayView body)
{
    DecodedBatch batch;
    if (isBlank(body)) {
        batch.payloadError = invalidPayload();
        return batch;
    }
    const simdjson::padded_string input = padded(body);
    ondemand::document document;
    error_code error = threadParser().iterate(input).get(document);
    if (error == SUCCESS)
        error = readBody(document, batch);
    if (error == SUCCESS && !atEnd(document))
        error = simdjson::TRAILING_CONTENT;
    if (error != SUCCESS) {
        batch = DecodedBatch();
        batch.payloadError = invalidPayload();
    }
    return batch;
}

DecodedBatch decodeEvent(QByteArrayView json)
{
    return decodeSingleEvent(json);
}

DecodedInput decodeInput(QByteArrayView input)
{
    DecodedInput result;
    if (isBlank(input)) {
        result.inputError = QStringLiteral("the input is empty");
        return result;
    }
    if (input.contains('\0')) {
        result.inputError = QStringLiteral("the input is binary, not JSON text");
        return result;
    }
    // One JSON document: a request body, or a single event (an object without `events`).
    DecodedBatch whole = decodeRequestBody(input);
    if (!whole.payloadError || whole.payloadError->code != QLatin1String("payload.invalid")) {
        if (whole.hadEventsKey || whole.payloadError) {
            result.shape = InputShape::RequestBody;
            result.batch = std::move(whole);
            return result;
        }
        result.shape = InputShape::SingleEvent;
        result.batch = decodeSingleEvent(input);
        return result;
    }
    // NDJSON: one event per non-blank line; a line that isn't an event object is reported by line number.
    result.shape = InputShape::Ndjson;
    qsizetype lineStart = 0;
    int lineNumber = 0;
    int events = 0;
    while (lineStart < input.size()) {
        qsizetype lineEnd = input.indexOf('\n', lineStart);
        if (lineEnd < 0)
            lineEnd = input.size();
        ++lineNumber;
        const QByteArrayView line = input.sliced(lineStart, lineEnd - lineStart);
        lineStart = lineEnd + 1;
        if (isBlank(line))
            continue;
        DecodedBatch one = decodeSingleEvent(line);
        if (one.payloadError) {
            result.inputError =
                QStringLiteral("line %1 is not a JSON event object (the input is neither one JSON "
                               "document nor NDJSON)")
                    .arg(lineNumber);
            result.batch = DecodedBatch();
            return result;
        }
        for (Issue issue : std::as_const(one.typeErrors)) {
            issue.eventIndex = events;
            result.batch.typeErrors.append(issue);
        }
        result.batch.events.append(std::move(one.events.first()));
        result.batch.rawEvents.append(std::move(one.rawEvents.first()));
        ++events;
    }
    result.batch.hadEventsKey = true;
    return result;
}

QByteArray encodeEvent(const Event& event)
{
    QByteArray out;
    out.reserve(256);
    appendEvent(out, event);
    return out;
}

QByteArray encodeBatch(const QList<Event>& events)
{
    QByteArray out;
    out.reserve(events.size() * 256 + 16);
    out += "{\"events\":[";
    for (qsizetype i = 0; i < events.size(); ++i) {
        if (i > 0)
            out += ',';
        appendEvent(out, events.at(i));
    }
    out += "]}";
    return out;
}

QByteArray encodeRawBatch(const QList<QByteArray>& rawEvents)
{
    qsizetype size = 16;
    for (const QByteArray& raw : rawEvents)
        size += raw.size() + 1;
    QByteArray out;
    out.reserve(size);
    out += "{\"events\":[";
    for (qsizetype i = 0; i < rawEvents.size(); ++i) {
        if (i > 0)
            out += ',';
        out += rawEvents.at(i);
    }
    out += "]}";
    return out;
}

QByteArray jsonString(QStringView text)
{
    QByteArray out;
    appendJsonString(out, text);
    return out;
}

} // namespace EventCodec
