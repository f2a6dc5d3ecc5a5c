#include "eventcodec.h"
#include "eventview.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstring>
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
    // The length is known from the switch: a fixed-size comparison the compiler inlines.
    auto is = [key](const auto& name, Key known) {
        constexpr size_t length = sizeof(name) - 1;
        return key.size() == length && std::memcmp(key.data(), name, length) == 0 ? known : Key::Unknown;
    };
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

// The field a key names, read from the key's raw JSON text (after its opening quote) when it is written
// without escapes, as clients write them: the comparison takes in the closing quote, so no length is needed
// and an escaped key never matches here (it is decoded and looked up with knownKey instead). Reading a few
// bytes past a short key is safe: a value and the input's padding follow every key.
Key knownRawKey(const char* raw)
{
    auto is = [raw](const auto& quoted, Key known) {
        return std::memcmp(raw, quoted, sizeof(quoted) - 1) == 0 ? known : Key::Unknown;
    };
    switch (raw[0]) {
    case 'e':
        switch (raw[5]) {
        case 'T':
            return is("eventType\"", Key::EventType);
        case 'N':
            return is("eventName\"", Key::EventName);
        case 'S':
            return is("eventSubtype\"", Key::EventSubtype);
        }
        return Key::Unknown;
    case 'i':
        return is("index\"", Key::Index);
    case 'u':
        return is("userToken\"", Key::UserToken);
    case 'a':
        return raw[1] == 'u' ? is("authenticatedUserToken\"", Key::AuthenticatedUserToken)
                             : is("agentID\"", Key::AgentID);
    case 't':
        return is("timestamp\"", Key::Timestamp);
    case 'q':
        return is("queryID\"", Key::QueryID);
    case 'o':
        return raw[6] == 'I' ? is("objectIDs\"", Key::ObjectIDs) : is("objectData\"", Key::ObjectData);
    case 'f':
        return is("filters\"", Key::Filters);
    case 'p':
        return is("positions\"", Key::Positions);
    case 'v':
        return is("value\"", Key::Value);
    case 'c':
        return is("currency\"", Key::Currency);
    }
    return Key::Unknown;
}

// The same for an objectData item's fields.
enum class ItemKey
{
    Other,
    Price,
    Discount,
    Quantity,
    QueryID,
};

template <size_t N>
bool keyIs(std::string_view key, const char (&name)[N])
{
    return key.size() == N - 1 && std::memcmp(key.data(), name, N - 1) == 0;
}

// From the decoded key (escaped or unknown keys).
ItemKey itemKeyOf(std::string_view key)
{
    if (keyIs(key, "price"))
        return ItemKey::Price;
    if (keyIs(key, "discount"))
        return ItemKey::Discount;
    if (keyIs(key, "quantity"))
        return ItemKey::Quantity;
    if (keyIs(key, "queryID"))
        return ItemKey::QueryID;
    return ItemKey::Other;
}

// From the raw text after the opening quote, as knownRawKey reads it: Other when escaped or unknown.
ItemKey knownRawItemKey(const char* raw)
{
    auto is = [raw](const auto& quoted, ItemKey known) {
        return std::memcmp(raw, quoted, sizeof(quoted) - 1) == 0 ? known : ItemKey::Other;
    };
    switch (raw[0]) {
    case 'p':
        return is("price\"", ItemKey::Price);
    case 'd':
        return is("discount\"", ItemKey::Discount);
    case 'q':
        return raw[2] == 'a' ? is("quantity\"", ItemKey::Quantity) : is("queryID\"", ItemKey::QueryID);
    }
    return ItemKey::Other;
}

Issue payloadIssue(const QString& code, const QString& message, bool unverified = false)
{
    return Issue{Severity::Error, -1, QString(), code, message, unverified};
}

Issue invalidPayload()
{
    return payloadIssue(QStringLiteral("payload.invalid"), QStringLiteral("Invalid payload"));
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

// Events of one request mostly repeat their eventType, eventName, index, userToken and currency: reusing the
// previous QString (implicitly shared) saves most of the allocations when Events are built from views.
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

std::optional<QString> optionalText(const std::optional<std::string_view>& text)
{
    return text ? std::optional<QString>(toQString(*text)) : std::nullopt;
}

std::optional<QString> optionalText(const std::optional<std::string_view>& text, RepeatedStrings* strings,
                                    RepeatedStrings::Slot slot)
{
    if (!text)
        return std::nullopt;
    return strings ? strings->get(slot, *text) : toQString(*text);
}

std::optional<Amount> optionalAmount(const std::optional<std::string_view>& json)
{
    return json ? std::optional<Amount>(Amount{toBytes(*json)}) : std::nullopt;
}

QList<std::pair<QString, QByteArray>> extrasOf(const ViewList<ExtraView>& extras)
{
    QList<std::pair<QString, QByteArray>> list;
    list.reserve(extras.size());
    for (const ExtraView& extra : extras)
        list.append({toQString(extra.key), toBytes(extra.json)});
    return list;
}

std::optional<QStringList> optionalList(const std::optional<ViewList<std::string_view>>& views)
{
    if (!views)
        return std::nullopt;
    QStringList list;
    list.reserve(views->size());
    for (const std::string_view text : *views)
        list.append(toQString(text));
    return list;
}

Event toEvent(const EventView& view, RepeatedStrings* strings)
{
    Event event;
    event.eventType = optionalText(view.eventType, strings, RepeatedStrings::EventType);
    event.eventSubtype = optionalText(view.eventSubtype, strings, RepeatedStrings::EventSubtype);
    event.eventName = optionalText(view.eventName, strings, RepeatedStrings::EventName);
    event.index = optionalText(view.index, strings, RepeatedStrings::Index);
    event.userToken = optionalText(view.userToken, strings, RepeatedStrings::UserToken);
    event.authenticatedUserToken =
        optionalText(view.authenticatedUserToken, strings, RepeatedStrings::AuthenticatedUserToken);
    event.timestamp = view.timestamp;
    event.queryID = optionalText(view.queryID);
    event.objectIDs = optionalList(view.objectIDs);
    event.filters = optionalList(view.filters);
    if (view.positions)
        event.positions = QList<qint64>(view.positions->begin(), view.positions->end());
    if (view.objectData) {
        QList<ObjectDataItem> items;
        items.reserve(view.objectData->size());
        for (const ObjectDataView& itemView : *view.objectData) {
            ObjectDataItem item;
            item.price = optionalAmount(itemView.price);
            item.discount = optionalAmount(itemView.discount);
            item.quantity = itemView.quantity;
            item.queryID = optionalText(itemView.queryID);
            item.extras = extrasOf(itemView.extras);
            items.append(std::move(item));
        }
        event.objectData = std::move(items);
    }
    event.value = optionalAmount(view.value);
    event.currency = optionalText(view.currency, strings, RepeatedStrings::Currency);
    event.agentID = optionalText(view.agentID);
    event.extras = extrasOf(view.extras);
    return event;
}

} // namespace

// The bytes views point into. The vectors of list items only grow while decoding; lists are recorded as
// offsets and turned into pointers once the decode is complete. Storages are recycled per thread (see
// StoragePool): a request decoded on a worker thread reuses the capacity of the previous one, so that a
// valid event costs no allocation.
struct EventViewBatch::Storage
{
    // Where each list of an event starts in the vectors below, until the pointers can be fixed.
    struct ListStarts
    {
        size_t objectIDs = 0;
        size_t filters = 0;
        size_t positions = 0;
        size_t objectData = 0;
        size_t extras = 0;
        size_t extrasCount = 0;
    };
    struct ItemExtras
    {
        size_t start = 0;
        size_t count = 0;
    };

    // The input's bytes followed by simdjson's padding (zeroed); inputSize bytes are the input.
    std::unique_ptr<char[]> input;
    size_t inputCapacity = 0;
    size_t inputSize = 0;
    // Strings whose JSON text has escapes, decoded. Reserved to the input's size before the first one is
    // kept (decoding never makes a string longer), so that views into it stay valid.
    std::vector<char> decoded;
    std::vector<std::string_view> strings;
    std::vector<qint64> numbers;
    std::vector<ObjectDataView> items;
    std::vector<ExtraView> extras;
    std::vector<ExtraView> itemExtras;
    std::vector<ListStarts> starts;          // one per event
    std::vector<ItemExtras> itemExtraStarts; // one per objectData item
    std::vector<EventView> spareEvents;      // the events vector of the batch that last used this storage

    void setInput(QByteArrayView bytes)
    {
        inputSize = static_cast<size_t>(bytes.size());
        if (paddedSize() > inputCapacity) {
            input.reset(new char[paddedSize()]); // not value-initialised: the bytes are copied over it
            inputCapacity = paddedSize();
        }
        if (inputSize > 0)
            std::memcpy(input.get(), bytes.data(), inputSize);
        std::memset(input.get() + inputSize, 0, simdjson::SIMDJSON_PADDING);
    }
    const char* inputData() const { return input.get(); }
    size_t paddedSize() const { return inputSize + simdjson::SIMDJSON_PADDING; }

    std::string_view keep(std::string_view text)
    {
        if (decoded.empty() && decoded.capacity() < inputSize + 1)
            decoded.reserve(inputSize + 1);
        Q_ASSERT(decoded.size() + text.size() <= decoded.capacity());
        const size_t at = decoded.size();
        decoded.insert(decoded.end(), text.begin(), text.end());
        return std::string_view(decoded.data() + at, text.size());
    }

    // Empty again, capacity kept.
    void clear()
    {
        inputSize = 0;
        decoded.clear();
        strings.clear();
        numbers.clear();
        items.clear();
        extras.clear();
        itemExtras.clear();
        starts.clear();
        itemExtraStarts.clear();
        spareEvents.clear();
    }
    size_t capacityBytes() const
    {
        return inputCapacity + decoded.capacity() + strings.capacity() * sizeof(std::string_view) +
               numbers.capacity() * sizeof(qint64) + items.capacity() * sizeof(ObjectDataView) +
               (extras.capacity() + itemExtras.capacity()) * sizeof(ExtraView) +
               starts.capacity() * sizeof(ListStarts) + itemExtraStarts.capacity() * sizeof(ItemExtras) +
               spareEvents.capacity() * sizeof(EventView);
    }
};

namespace {

// A few storages per thread, kept with their capacity. A storage that grew past kMaxKeptBytes (a body far
// larger than Algolia's 2 MB limit, read by `validate`) is freed rather than kept.
class StoragePool
{
public:
    using StoragePtr = std::unique_ptr<EventViewBatch::Storage>;

    static StoragePtr take()
    {
        if (t_gone || pool().storages.empty())
            return std::make_unique<EventViewBatch::Storage>();
        StoragePtr storage = std::move(pool().storages.back());
        pool().storages.pop_back();
        return storage;
    }
    static void give(StoragePtr storage)
    {
        if (t_gone || pool().storages.size() >= kKept || storage->capacityBytes() > kMaxKeptBytes)
            return;
        storage->clear();
        pool().storages.push_back(std::move(storage));
    }

private:
    static constexpr size_t kKept = 4;
    static constexpr size_t kMaxKeptBytes = 32u * 1024 * 1024;
    struct Kept
    {
        std::vector<StoragePtr> storages;
        ~Kept() { t_gone = true; }
    };
    static Kept& pool()
    {
        thread_local Kept kept;
        return kept;
    }
    // Set once the thread's pool is destroyed (a batch outliving it at thread exit frees its own storage).
    static thread_local bool t_gone;
};
thread_local bool StoragePool::t_gone = false;

} // namespace

EventViewBatch::EventViewBatch()
    : m_storage(StoragePool::take())
{
    events = std::move(m_storage->spareEvents);
    events.clear();
}
EventViewBatch::~EventViewBatch()
{
    if (!m_storage)
        return; // moved from
    events.clear();
    m_storage->spareEvents = std::move(events);
    StoragePool::give(std::move(m_storage));
}
EventViewBatch::EventViewBatch(EventViewBatch&&) noexcept = default;
EventViewBatch& EventViewBatch::operator=(EventViewBatch&& other) noexcept
{
    if (this != &other) {
        EventViewBatch old(std::move(*this)); // gives this batch's storage back to the pool
        events = std::move(other.events);
        payloadError = std::move(other.payloadError);
        typeErrors = std::move(other.typeErrors);
        hadEventsKey = other.hadEventsKey;
        m_storage = std::move(other.m_storage);
    }
    return *this;
}

void EventViewBatch::reset()
{
    events.clear();
    payloadError.reset();
    typeErrors.clear();
    hadEventsKey = false;
    if (!m_storage) {
        m_storage = StoragePool::take();
        events = std::move(m_storage->spareEvents);
        events.clear();
    } else {
        m_storage->clear();
    }
}

QByteArrayView EventViewBatch::input() const
{
    return QByteArrayView(m_storage->inputData(), static_cast<qsizetype>(m_storage->inputSize));
}

QString EventView::text(const std::optional<std::string_view>& field)
{
    return field ? toQString(*field) : QString();
}

QByteArray EventView::rawJsonBytes() const
{
    return QByteArray(rawJson.data(), static_cast<qsizetype>(rawJson.size()));
}

Event EventView::toEvent() const
{
    return ::toEvent(*this, nullptr);
}

std::optional<EventViewField> eventViewFieldOf(QStringView fieldPath)
{
    qsizetype end = 0;
    while (end < fieldPath.size() && fieldPath.at(end) != QLatin1Char('[') &&
           fieldPath.at(end) != QLatin1Char('.'))
        ++end;
    const QByteArray name = fieldPath.left(end).toLatin1();
    switch (knownKey(std::string_view(name.constData(), static_cast<size_t>(name.size())))) {
    case Key::EventType:
        return EventViewField::EventType;
    case Key::EventName:
        return EventViewField::EventName;
    case Key::Index:
        return EventViewField::Index;
    case Key::UserToken:
        return EventViewField::UserToken;
    case Key::ObjectIDs:
        return EventViewField::ObjectIDs;
    case Key::Positions:
        return EventViewField::Positions;
    case Key::QueryID:
        return EventViewField::QueryID;
    case Key::Timestamp:
        return EventViewField::Timestamp;
    case Key::EventSubtype:
        return EventViewField::EventSubtype;
    case Key::AuthenticatedUserToken:
        return EventViewField::AuthenticatedUserToken;
    case Key::Filters:
        return EventViewField::Filters;
    case Key::ObjectData:
        return EventViewField::ObjectData;
    case Key::Value:
        return EventViewField::Value;
    case Key::Currency:
        return EventViewField::Currency;
    case Key::AgentID:
        return EventViewField::AgentID;
    case Key::Unknown:
        break;
    }
    return std::nullopt;
}

// Reads bodies into an EventViewBatch: the one decoder of the product (Events are built from its views).
struct EventViewDecoder
{
    using ListStarts = EventViewBatch::Storage::ListStarts;
    using ItemExtras = EventViewBatch::Storage::ItemExtras;

    EventViewBatch& batch;
    EventViewBatch::Storage& storage;
    ondemand::document document;
    std::vector<ListStarts>& starts;     // one per event
    std::vector<ItemExtras>& itemExtras; // one per objectData item
    int eventIndex = 0;

    // Where the vectors of list items were when the decode began.
    struct Bases
    {
        const std::string_view* strings;
        const qint64* numbers;
        const ObjectDataView* items;
        const ExtraView* extras;
        const ExtraView* itemExtras;
    };
    Bases bases;

    explicit EventViewDecoder(EventViewBatch& target)
        : batch(target)
        , storage(*target.m_storage)
        , starts(storage.starts)
        , itemExtras(storage.itemExtraStarts)
        , bases{storage.strings.data(), storage.numbers.data(), storage.items.data(), storage.extras.data(),
                storage.itemExtras.data()}
    {}

    // --- one event -------------------------------------------------------------------------------------

    error_code readEvent(ondemand::object& object, EventView& event, ListStarts& list)
    {
        list.extras = storage.extras.size();
        for (auto fieldResult : object) {
            ondemand::field field;
            RETURN_IF_ERROR(std::move(fieldResult).get(field));
            Key known = knownRawKey(field.key().raw());
            std::string_view key; // only needed for an unknown field
            if (known == Key::Unknown) {
                RETURN_IF_ERROR(keyOf(field, key));
                known = knownKey(key);
            }
            ondemand::value value = field.value();
            ondemand::json_type type;
            RETURN_IF_ERROR(value.type().get(type));
            RETURN_IF_ERROR(readField(known, key, value, type, event, list));
        }
        list.extrasCount = storage.extras.size() - list.extras;
        event.extras = ViewList<ExtraView>(storage.extras.data() + list.extras,
                                           static_cast<qsizetype>(list.extrasCount));
        return SUCCESS;
    }

    error_code readField(Key known, std::string_view key, ondemand::value& value, ondemand::json_type type,
                         EventView& event, ListStarts& list)
    {
        const auto mistyped = [&event](EventViewField field) {
            event.mistypedFields |= 1u << static_cast<int>(field);
        };
        bool typed = true;
        error_code result = SUCCESS;
        EventViewField which = EventViewField::EventType;
        switch (known) {
        case Key::EventType:
            which = EventViewField::EventType;
            result = readString(value, type, event.eventType, fieldPath("eventType"), typed);
            break;
        case Key::EventName:
            which = EventViewField::EventName;
            result = readString(value, type, event.eventName, fieldPath("eventName"), typed);
            break;
        case Key::Index:
            which = EventViewField::Index;
            result = readString(value, type, event.index, fieldPath("index"), typed);
            break;
        case Key::UserToken:
            which = EventViewField::UserToken;
            result = readString(value, type, event.userToken, fieldPath("userToken"), typed);
            break;
        case Key::ObjectIDs:
            which = EventViewField::ObjectIDs;
            result =
                readStringList(value, type, event.objectIDs, list.objectIDs, fieldPath("objectIDs"), typed);
            break;
        case Key::Positions:
            which = EventViewField::Positions;
            result = readPositions(value, type, event.positions, list.positions, typed);
            break;
        case Key::QueryID:
            which = EventViewField::QueryID;
            result = readString(value, type, event.queryID, fieldPath("queryID"), typed);
            break;
        case Key::Timestamp:
            which = EventViewField::Timestamp;
            result = readInteger(value, type, event.timestamp, fieldPath("timestamp"), QLatin1String("int64"),
                                 typed);
            break;
        case Key::EventSubtype:
            which = EventViewField::EventSubtype;
            result = readString(value, type, event.eventSubtype, fieldPath("eventSubtype"), typed);
            break;
        case Key::AuthenticatedUserToken:
            which = EventViewField::AuthenticatedUserToken;
            result = readString(value, type, event.authenticatedUserToken,
                                fieldPath("authenticatedUserToken"), typed);
            break;
        case Key::Filters:
            which = EventViewField::Filters;
            result = readStringList(value, type, event.filters, list.filters, fieldPath("filters"), typed);
            break;
        case Key::ObjectData:
            which = EventViewField::ObjectData;
            result = readObjectData(value, type, event.objectData, list.objectData, typed);
            break;
        case Key::Value:
            which = EventViewField::Value;
            result = readAmount(value, type, event.value, fieldPath("value"), typed);
            break;
        case Key::Currency:
            which = EventViewField::Currency;
            result = readString(value, type, event.currency, fieldPath("currency"), typed);
            break;
        case Key::AgentID:
            which = EventViewField::AgentID;
            result = readString(value, type, event.agentID, fieldPath("agentID"), typed);
            break;
        case Key::Unknown:
            return readExtra(key, value, list);
        }
        if (!typed)
            mistyped(which);
        return result;
    }

    error_code readExtra(std::string_view key, ondemand::value& value, const ListStarts& list)
    {
        std::string_view raw;
        RETURN_IF_ERROR(rawValue(document, value, raw));
        const std::string_view json = trimmedToken(raw);
        // A repeated key keeps the last value, as Go's decoder does.
        for (size_t i = list.extras; i < storage.extras.size(); ++i) {
            if (storage.extras[i].key == key) {
                storage.extras[i].json = json;
                return SUCCESS;
            }
        }
        storage.extras.push_back(ExtraView{key, json}); // key: a view into the input or kept
        return SUCCESS;
    }

    void typeError(const FieldPath& path, QLatin1String expected, ondemand::json_type got)
    {
        // Algolia's published example is "Invalid type for field events: expected string, got number"; the
        // path it prints is "events" whatever the field, the precise path goes into Issue::field.
        const bool verified = expected == QLatin1String("string") && got == ondemand::json_type::number;
        batch.typeErrors.append(Issue{Severity::Error, eventIndex, path.toString(),
                                      QStringLiteral("payload.invalidType"),
                                      QStringLiteral("Invalid type for field events: expected ") + expected +
                                          QStringLiteral(", got ") + goTypeName(got),
                                      !verified});
    }

    static std::string_view trimmedToken(std::string_view text)
    {
        // JSON tokens from simdjson may carry trailing whitespace up to the next structural character.
        while (!text.empty() &&
               (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' || text.back() == '\t'))
            text.remove_suffix(1);
        return text;
    }

    // A string's decoded text: a view into the input when the JSON text has no escape (escapes always
    // make the text longer than what it decodes to), else its decoded copy in the storage.
    error_code stringOf(ondemand::value& value, std::string_view& out)
    {
        // The token is the literal with its quotes (and whitespace up to the next structural character);
        // the parser's first pass has already checked its UTF-8 and control characters, so text without a
        // backslash is the string itself and needs no unescaping.
        const std::string_view quoted = trimmedToken(value.raw_json_token());
        if (quoted.size() >= 2 && quoted.find('\\', 1) == std::string_view::npos) {
            ondemand::raw_json_string raw;
            RETURN_IF_ERROR(value.get_raw_json_string().get(raw)); // consumes the string
            out = quoted.substr(1, quoted.size() - 2);
            return SUCCESS;
        }
        std::string_view text;
        RETURN_IF_ERROR(value.get_string().get(text));
        out = storage.keep(text);
        return SUCCESS;
    }

    // A field's key, decoded: a view into the input when it has no escape, else its decoded copy.
    error_code keyOf(ondemand::field& field, std::string_view& out)
    {
        // Keys are short: a plain scan to the closing quote (there is one: the parser checked the string).
        const char* start = field.key().raw();
        const char* end = start;
        while (*end != '"' && *end != '\\')
            ++end;
        if (*end == '"') {
            out = std::string_view(start, static_cast<size_t>(end - start));
            return SUCCESS;
        }
        std::string_view text;
        RETURN_IF_ERROR(field.unescaped_key().get(text));
        out = storage.keep(text);
        return SUCCESS;
    }

    error_code readString(ondemand::value& value, ondemand::json_type type,
                          std::optional<std::string_view>& out, const FieldPath& field, bool& typed)
    {
        if (type == ondemand::json_type::null) {
            out.reset();
            return walkValue(value, 1);
        }
        if (type != ondemand::json_type::string) {
            out.reset();
            typed = false;
            typeError(field, QLatin1String("string"), type);
            return walkValue(value, 1);
        }
        std::string_view text;
        RETURN_IF_ERROR(stringOf(value, text));
        out = text;
        return SUCCESS;
    }

    error_code readInteger(ondemand::value& value, ondemand::json_type type, std::optional<qint64>& out,
                           const FieldPath& field, QLatin1String goType, bool& typed)
    {
        out.reset();
        if (type == ondemand::json_type::null)
            return walkValue(value, 1);
        typed = false;
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
        // A field the spec declares int32 (objectData[].quantity) takes no value beyond 32 bits: Go's decoder
        // reports those as type errors (insights-api.md §9.8).
        if (goType == QLatin1String("int32") && (number < INT32_MIN || number > INT32_MAX)) {
            typeError(field, goType, type);
            return SUCCESS;
        }
        typed = true;
        out = number;
        return SUCCESS;
    }

    error_code readAmount(ondemand::value& value, ondemand::json_type type,
                          std::optional<std::string_view>& out, const FieldPath& field, bool& typed)
    {
        out.reset();
        if (type == ondemand::json_type::null)
            return walkValue(value, 1);
        if (type != ondemand::json_type::number && type != ondemand::json_type::string) {
            typed = false;
            typeError(field, QLatin1String("number or string"), type);
            return walkValue(value, 1);
        }
        const std::string_view raw = value.raw_json_token();
        RETURN_IF_ERROR(walkValue(value, 1)); // a malformed number or string is a broken payload
        out = trimmedToken(raw);
        return SUCCESS;
    }

    // An array field: null means absent, another JSON type is a type error. readItem reads one element and
    // says whether it had the right type; a field with a mistyped element is left unset, as Go leaves it.
    template <typename ReadItem>
    error_code readArray(ondemand::value& value, ondemand::json_type type, bool& present,
                         const FieldPath& field, QLatin1String goType, bool& typed, ReadItem&& readItem)
    {
        present = false;
        if (type == ondemand::json_type::null)
            return walkValue(value, 1);
        if (type != ondemand::json_type::array) {
            typed = false;
            typeError(field, goType, type);
            return walkValue(value, 1);
        }
        ondemand::array array;
        RETURN_IF_ERROR(value.get_array().get(array));
        int i = 0;
        bool allTyped = true;
        for (auto itemResult : array) {
            ondemand::value item;
            RETURN_IF_ERROR(std::move(itemResult).get(item));
            ondemand::json_type itemType;
            RETURN_IF_ERROR(item.type().get(itemType));
            bool itemTyped = true;
            RETURN_IF_ERROR(readItem(item, itemType, field.item(i), itemTyped));
            allTyped = allTyped && itemTyped;
            ++i;
        }
        present = allTyped;
        typed = allTyped;
        return SUCCESS;
    }

    // The list a field gets: its items are the vector's from `start` on. The pointer stays right unless the
    // vector grows later in the decode (see listsMoved).
    template <typename T>
    static void setList(std::optional<ViewList<T>>& out, bool present, const std::vector<T>& vector,
                        size_t start)
    {
        if (present)
            out = ViewList<T>(vector.data() + start, static_cast<qsizetype>(vector.size() - start));
        else
            out.reset();
    }

    error_code readStringList(ondemand::value& value, ondemand::json_type type,
                              std::optional<ViewList<std::string_view>>& out, size_t& start,
                              const FieldPath& field, bool& typed)
    {
        start = storage.strings.size();
        bool present = false;
        RETURN_IF_ERROR(readArray(value, type, present, field, QLatin1String("[]string"), typed,
                                  [this](ondemand::value& item, ondemand::json_type itemType,
                                         const FieldPath& path, bool& itemTyped) -> error_code {
                                      if (itemType == ondemand::json_type::string) {
                                          std::string_view text;
                                          RETURN_IF_ERROR(stringOf(item, text));
                                          storage.strings.push_back(text);
                                          return SUCCESS;
                                      }
                                      RETURN_IF_ERROR(walkValue(item, 2));
                                      if (itemType == ondemand::json_type::null) {
                                          // Go decodes null into "" for a string element
                                          storage.strings.push_back(std::string_view());
                                      } else {
                                          typeError(path, QLatin1String("string"), itemType);
                                          itemTyped = false;
                                      }
                                      return SUCCESS;
                                  }));
        setList(out, present, storage.strings, start);
        return SUCCESS;
    }

    error_code readPositions(ondemand::value& value, ondemand::json_type type,
                             std::optional<ViewList<qint64>>& out, size_t& start, bool& typed)
    {
        start = storage.numbers.size();
        bool present = false;
        RETURN_IF_ERROR(
            readArray(value, type, present, fieldPath("positions"), QLatin1String("[]int32"), typed,
                      [this](ondemand::value& item, ondemand::json_type itemType, const FieldPath& path,
                             bool& itemTyped) -> error_code {
                          int64_t number = 0;
                          const error_code error = itemType == ondemand::json_type::number
                                                       ? item.get_int64().get(number)
                                                       : simdjson::INCORRECT_TYPE;
                          if (error != SUCCESS && !isIntegerTypeMismatch(error))
                              return error;
                          if (error != SUCCESS && itemType == ondemand::json_type::number) {
                              double asDouble = 0;
                              RETURN_IF_ERROR(item.get_double().get(asDouble)); // malformed: broken payload
                          } else if (error != SUCCESS) {
                              RETURN_IF_ERROR(walkValue(item, 2));
                          }
                          if (error == SUCCESS && number >= INT32_MIN && number <= INT32_MAX) {
                              storage.numbers.push_back(number);
                          } else {
                              typeError(path, QLatin1String("int32"), itemType);
                              itemTyped = false;
                          }
                          return SUCCESS;
                      }));
        setList(out, present, storage.numbers, start);
        return SUCCESS;
    }

    error_code readObjectData(ondemand::value& value, ondemand::json_type type,
                              std::optional<ViewList<ObjectDataView>>& out, size_t& start, bool& typed)
    {
        start = storage.items.size();
        bool present = false;
        // A mistyped item is reported and kept empty, so that the items still line up with objectIDs.
        RETURN_IF_ERROR(readArray(
            value, type, present, fieldPath("objectData"), QLatin1String("[]insights.ObjectData"), typed,
            [this](ondemand::value& itemValue, ondemand::json_type itemType, const FieldPath& path,
                   bool&) -> error_code {
                ObjectDataView item;
                ItemExtras extras{storage.itemExtras.size(), 0};
                if (itemType == ondemand::json_type::object) {
                    ondemand::object object;
                    RETURN_IF_ERROR(itemValue.get_object().get(object));
                    RETURN_IF_ERROR(readObjectDataItem(object, item, path));
                } else {
                    RETURN_IF_ERROR(walkValue(itemValue, 2));
                    if (itemType != ondemand::json_type::null)
                        typeError(path, QLatin1String("insights.ObjectData"), itemType);
                }
                extras.count = storage.itemExtras.size() - extras.start;
                item.extras = ViewList<ExtraView>(storage.itemExtras.data() + extras.start,
                                                  static_cast<qsizetype>(extras.count));
                storage.items.push_back(item);
                itemExtras.push_back(extras);
                return SUCCESS;
            }));
        setList(out, present, storage.items, start);
        return SUCCESS;
    }

    error_code readObjectDataItem(ondemand::object& object, ObjectDataView& item, const FieldPath& prefix)
    {
        // Item fields have no say in the event's "required" rules: their type errors leave them unset only.
        bool typed = true;
        for (auto fieldResult : object) {
            ondemand::field field;
            RETURN_IF_ERROR(std::move(fieldResult).get(field));
            ItemKey known = knownRawItemKey(field.key().raw());
            std::string_view key; // only needed for an unknown field
            if (known == ItemKey::Other) {
                RETURN_IF_ERROR(keyOf(field, key));
                known = itemKeyOf(key);
            }
            ondemand::value value = field.value();
            ondemand::json_type type;
            RETURN_IF_ERROR(value.type().get(type));
            if (known == ItemKey::Price) {
                RETURN_IF_ERROR(readAmount(value, type, item.price,
                                           FieldPath{prefix.parent, prefix.index, QLatin1String("price")},
                                           typed));
            } else if (known == ItemKey::Discount) {
                RETURN_IF_ERROR(readAmount(value, type, item.discount,
                                           FieldPath{prefix.parent, prefix.index, QLatin1String("discount")},
                                           typed));
            } else if (known == ItemKey::Quantity) {
                RETURN_IF_ERROR(readInteger(value, type, item.quantity,
                                            FieldPath{prefix.parent, prefix.index, QLatin1String("quantity")},
                                            QLatin1String("int32"), typed));
            } else if (known == ItemKey::QueryID) {
                RETURN_IF_ERROR(readString(value, type, item.queryID,
                                           FieldPath{prefix.parent, prefix.index, QLatin1String("queryID")},
                                           typed));
            } else {
                std::string_view raw;
                RETURN_IF_ERROR(rawValue(document, value, raw));
                storage.itemExtras.push_back(ExtraView{key, trimmedToken(raw)});
            }
        }
        return SUCCESS;
    }

    // --- bodies ----------------------------------------------------------------------------------------

    // Reads one element of the `events` array (or a bare event) into the batch.
    error_code readEventElement(ondemand::value& element)
    {
        eventIndex = static_cast<int>(batch.events.size());
        ondemand::json_type type;
        RETURN_IF_ERROR(element.type().get(type));
        // Built in place: a failed read fails the whole body, which clears the events.
        EventView& event = batch.events.emplace_back();
        ListStarts& list = starts.emplace_back();
        if (type == ondemand::json_type::object) {
            const char* start = element.raw_json_token().data();
            ondemand::object object;
            RETURN_IF_ERROR(element.get_object().get(object));
            RETURN_IF_ERROR(readEvent(object, event, list));
            // After the object, the document stands on the next structural character (',' or ']'): the
            // event's text is everything in between, which keeps the event exactly as the client sent it.
            const char* end = nullptr;
            RETURN_IF_ERROR(document.current_location().get(end));
            event.rawJson = trimmedToken(std::string_view(start, static_cast<size_t>(end - start)));
        } else {
            std::string_view text;
            RETURN_IF_ERROR(rawValue(document, element, text));
            event.rawJson = trimmedToken(text);
            if (type != ondemand::json_type::null) {
                batch.typeErrors.append(Issue{
                    Severity::Error, eventIndex, QString(), QStringLiteral("payload.invalidType"),
                    QStringLiteral("Invalid type for field events: expected insights.EventsItems, got ") +
                        goTypeName(type),
                    true});
            }
        }
        return SUCCESS;
    }

    error_code readBody()
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
            // A repeated `events` key: the last one counts (its items' storage is simply left unused).
            batch.events.clear();
            starts.clear();
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
            // No reserve: the pooled storage keeps the capacity of earlier requests (counting the elements
            // first would cost a pass over the array).
            for (auto elementResult : array) {
                ondemand::value element;
                RETURN_IF_ERROR(std::move(elementResult).get(element));
                RETURN_IF_ERROR(readEventElement(element));
            }
        }
        return SUCCESS;
    }

    // Whether a vector of list items grew (moved) during the decode, leaving earlier lists' pointers stale.
    // A pooled storage usually has the capacity already: then every pointer set while decoding is right.
    bool listsMoved() const
    {
        return storage.strings.data() != bases.strings || storage.numbers.data() != bases.numbers ||
               storage.items.data() != bases.items || storage.extras.data() != bases.extras ||
               storage.itemExtras.data() != bases.itemExtras;
    }

    // The lists' pointers, now that the vectors no longer grow.
    void fixLists()
    {
        const auto fix = [](auto& list, const auto& vector, size_t start) {
            if (list)
                list = std::decay_t<decltype(*list)>(vector.data() + start, list->size());
        };
        for (size_t i = 0; i < storage.items.size(); ++i) {
            storage.items[i].extras = ViewList<ExtraView>(storage.itemExtras.data() + itemExtras[i].start,
                                                          static_cast<qsizetype>(itemExtras[i].count));
        }
        for (size_t i = 0; i < batch.events.size(); ++i) {
            EventView& event = batch.events[i];
            const ListStarts& list = starts[i];
            fix(event.objectIDs, storage.strings, list.objectIDs);
            fix(event.filters, storage.strings, list.filters);
            fix(event.positions, storage.numbers, list.positions);
            fix(event.objectData, storage.items, list.objectData);
            event.extras = ViewList<ExtraView>(storage.extras.data() + list.extras,
                                               static_cast<qsizetype>(list.extrasCount));
        }
    }

    // What any unreadable body becomes: one "Invalid payload", nothing else.
    void fail()
    {
        batch.events.clear();
        batch.typeErrors.clear();
        batch.hadEventsKey = false;
        batch.payloadError = invalidPayload();
    }

    void decodeBody(QByteArrayView body)
    {
        if (isBlank(body)) {
            batch.payloadError = invalidPayload();
            return;
        }
        storage.setInput(body);
        error_code error = threadParser()
                               .iterate(storage.inputData(), storage.inputSize, storage.paddedSize())
                               .get(document);
        if (error == SUCCESS)
            error = readBody();
        if (error == SUCCESS && !atEnd(document))
            error = simdjson::TRAILING_CONTENT;
        if (error != SUCCESS)
            return fail();
        if (listsMoved())
            fixLists();
    }

    // One event object from `length` bytes at `offset` of the storage's input (a whole document or one
    // NDJSON line): appended to the batch, or false when it is not one JSON object.
    bool decodeOneEvent(size_t offset, size_t length)
    {
        const qsizetype typeErrorsBefore = batch.typeErrors.size();
        const char* text = storage.inputData() + offset;
        auto readAll = [&]() -> error_code {
            // The input's padding lies past its end: a line in the middle is followed by the rest of the
            // input.
            RETURN_IF_ERROR(
                threadParser().iterate(text, length, storage.paddedSize() - offset).get(document));
            ondemand::json_type type;
            RETURN_IF_ERROR(document.type().get(type));
            if (type != ondemand::json_type::object)
                return simdjson::INCORRECT_TYPE;
            ondemand::object object;
            RETURN_IF_ERROR(document.get_object().get(object));
            eventIndex = static_cast<int>(batch.events.size());
            EventView event;
            ListStarts list;
            RETURN_IF_ERROR(readEvent(object, event, list));
            if (!atEnd(document))
                return simdjson::TRAILING_CONTENT;
            event.rawJson = trimmedToken(std::string_view(text, length));
            while (!event.rawJson.empty() && isBlank(QByteArrayView(event.rawJson.data(), 1)))
                event.rawJson.remove_prefix(1);
            batch.events.push_back(event);
            starts.push_back(list);
            return SUCCESS;
        };
        if (readAll() == SUCCESS)
            return true;
        batch.typeErrors.resize(typeErrorsBefore);
        return false;
    }
};

namespace {

DecodedBatch toDecodedBatch(const EventViewBatch& views)
{
    DecodedBatch batch;
    batch.payloadError = views.payloadError;
    batch.typeErrors = views.typeErrors;
    batch.hadEventsKey = views.hadEventsKey;
    batch.events.reserve(views.size());
    batch.rawEvents.reserve(views.size());
    RepeatedStrings strings;
    for (const EventView& view : views.events) {
        batch.events.append(toEvent(view, &strings));
        batch.rawEvents.append(toBytes(view.rawJson));
    }
    return batch;
}

DecodedBatch decodeSingleEvent(QByteArrayView json)
{
    return toDecodedBatch(EventCodec::decodeEventViews(json));
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

void appendEvent(QByteArray& out, const Event& event, EventCodec::UnknownFields unknown)
{
    const bool keepUnknown = unknown == EventCodec::UnknownFields::Keep;
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
            for (const auto& [name, json] : item.extras) {
                if (keepUnknown)
                    itemWriter.raw(name, json);
            }
        }
        out += ']';
    }
    if (event.value)
        w.raw(u"value", event.value->json);
    w.string(u"currency", event.currency);
    w.string(u"agentID", event.agentID);
    for (const auto& [name, json] : event.extras) {
        if (keepUnknown)
            w.raw(name, json);
    }
}

} // namespace

namespace EventCodec {

EventViewBatch decodeRequestViews(QByteArrayView body)
{
    EventViewBatch batch;
    EventViewDecoder(batch).decodeBody(body);
    return batch;
}

void decodeRequestViews(QByteArrayView body, EventViewBatch& into)
{
    into.reset();
    EventViewDecoder(into).decodeBody(body);
}

EventViewBatch decodeEventViews(QByteArrayView json)
{
    EventViewBatch batch;
    EventViewDecoder decoder(batch);
    decoder.storage.setInput(json);
    if (decoder.decodeOneEvent(0, static_cast<size_t>(json.size())))
        decoder.fixLists();
    else
        decoder.fail();
    return batch;
}

DecodedBatch decodedBatchOf(const EventViewBatch& views)
{
    return toDecodedBatch(views);
}

DecodedBatch decodeRequestBody(QByteArrayView body)
{
    return toDecodedBatch(decodeRequestViews(body));
}

DecodedBatch decodeEvent(QByteArrayView json)
{
    return decodeSingleEvent(json);
}

namespace {

// Why an input is no JSON text at all, if it is not.
std::optional<QString> unreadableInput(QByteArrayView input)
{
    if (isBlank(input))
        return QStringLiteral("the input is empty");
    if (input.contains('\0'))
        return QStringLiteral("the input is binary, not JSON text");
    return std::nullopt;
}

} // namespace

DecodedInputViews decodeInputViews(QByteArrayView input)
{
    DecodedInputViews result;
    if ((result.inputError = unreadableInput(input)))
        return result;
    // One JSON document: a request body, or a single event (an object without `events`).
    EventViewBatch whole = decodeRequestViews(input);
    if (!whole.payloadError || whole.payloadError->code != QLatin1String("payload.invalid")) {
        if (whole.hadEventsKey || whole.payloadError) {
            result.shape = InputShape::RequestBody;
            result.views = std::move(whole);
            return result;
        }
        result.shape = InputShape::SingleEvent;
        result.views = decodeEventViews(input);
        return result;
    }
    return decodeNdjsonViews(input);
}

DecodedInputViews decodeNdjsonViews(QByteArrayView input)
{
    // One event per non-blank line, each read in place from one copy of the input; a line that isn't an
    // event object is reported by line number.
    DecodedInputViews result;
    result.shape = InputShape::Ndjson;
    if ((result.inputError = unreadableInput(input)))
        return result;
    EventViewBatch views;
    EventViewDecoder decoder(views);
    decoder.storage.setInput(input);
    // An event per line at most: room for them all at once rather than growing (and copying) the
    // per-event vectors a dozen times over a large input. Capped at one event per 32 bytes, so that an
    // input of blank lines does not reserve hundreds of bytes for each of them.
    const auto lines = static_cast<size_t>(std::count(input.begin(), input.end(), '\n')) + 1;
    const size_t expected = std::min(lines, static_cast<size_t>(input.size()) / 32 + 1);
    views.events.reserve(expected);
    decoder.starts.reserve(expected);
    qsizetype lineStart = 0;
    int lineNumber = 0;
    while (lineStart < input.size()) {
        qsizetype lineEnd = input.indexOf('\n', lineStart);
        if (lineEnd < 0)
            lineEnd = input.size();
        ++lineNumber;
        const QByteArrayView line = input.sliced(lineStart, lineEnd - lineStart);
        const qsizetype offset = lineStart;
        lineStart = lineEnd + 1;
        if (isBlank(line))
            continue;
        if (!decoder.decodeOneEvent(static_cast<size_t>(offset), static_cast<size_t>(line.size()))) {
            result.inputError =
                QStringLiteral("line %1 is not a JSON event object (the input is neither one JSON "
                               "document nor NDJSON)")
                    .arg(lineNumber);
            return result;
        }
    }
    decoder.fixLists();
    views.hadEventsKey = true;
    result.views = std::move(views);
    return result;
}

DecodedInput decodeInput(QByteArrayView input)
{
    DecodedInputViews views = decodeInputViews(input);
    DecodedInput result;
    result.shape = views.shape;
    result.inputError = std::move(views.inputError);
    if (!result.inputError)
        result.batch = toDecodedBatch(views.views);
    return result;
}

QByteArray encodeEvent(const Event& event, UnknownFields unknown)
{
    QByteArray out;
    out.reserve(256);
    appendEvent(out, event, unknown);
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
        appendEvent(out, events.at(i), UnknownFields::Keep);
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
