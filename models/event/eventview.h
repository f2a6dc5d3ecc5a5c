#pragma once

#include "event.h"
#include "eventcodec.h"
#include "issue.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

// A read-only run of items kept in an EventViewBatch's flat arrays (no allocation per event).
template <typename T>
class ViewList
{
public:
    ViewList() = default;
    ViewList(const T* data, qsizetype size)
        : m_data(data)
        , m_size(size)
    {}
    qsizetype size() const { return m_size; }
    bool isEmpty() const { return m_size == 0; }
    const T& at(qsizetype i) const { return m_data[i]; }
    const T* begin() const { return m_data; }
    const T* end() const { return m_data + m_size; }

private:
    const T* m_data = nullptr;
    qsizetype m_size = 0;
};

// An unknown field: its key (decoded) and its value's JSON text as received.
struct ExtraView
{
    std::string_view key;
    std::string_view json;
};

// One objectData item as parsed. Amounts are JSON tokens (49.99 or "30%"), strings are decoded UTF-8.
struct ObjectDataView
{
    std::optional<std::string_view> price;
    std::optional<std::string_view> discount;
    std::optional<qint64> quantity;
    std::optional<std::string_view> queryID;
    ViewList<ExtraView> extras;
};

// The top-level fields of an event, for the type errors that leave a field unset.
enum class EventViewField : quint8
{
    EventType,
    EventSubtype,
    EventName,
    Index,
    UserToken,
    AuthenticatedUserToken,
    Timestamp,
    QueryID,
    ObjectIDs,
    Filters,
    Positions,
    ObjectData,
    Value,
    Currency,
    AgentID,
};
// The field a top-level key or an issue's field path ("positions[1]", "objectData[0].price") starts with.
std::optional<EventViewField> eventViewFieldOf(QStringView fieldPath);

// An Insights event as the parser read it: the same fields as Event, as string views into the request's
// bytes (or, for strings with escapes, into their decoded copy in the batch) and numbers as parsed. The
// ingest path validates these in place; an Event is built from one only where a QString is needed.
struct EventView
{
    std::optional<std::string_view> eventType;
    std::optional<std::string_view> eventSubtype;
    std::optional<std::string_view> eventName;
    std::optional<std::string_view> index;
    std::optional<std::string_view> userToken;
    std::optional<std::string_view> authenticatedUserToken;
    std::optional<qint64> timestamp;
    std::optional<std::string_view> queryID;
    std::optional<ViewList<std::string_view>> objectIDs;
    std::optional<ViewList<std::string_view>> filters;
    std::optional<ViewList<qint64>> positions;
    std::optional<ViewList<ObjectDataView>> objectData;
    std::optional<std::string_view> value; // JSON token: 69.97 or "69.97"
    std::optional<std::string_view> currency;
    std::optional<std::string_view> agentID;
    ViewList<ExtraView> extras; // in input order, a repeated key once with its last value
    std::string_view rawJson;   // the event's JSON text as received
    quint32 mistypedFields = 0; // bits of EventViewField whose JSON type was wrong (a type error names them)

    bool isMistyped(EventViewField field) const { return mistypedFields & (1u << static_cast<int>(field)); }
    // A field's text (empty when absent), and the event's JSON text as received.
    static QString text(const std::optional<std::string_view>& field);
    QByteArray rawJsonBytes() const;
    // The Event with these values (QStrings built here).
    Event toEvent() const;
};

class EventViewBatch;
namespace EventCodec {
void decodeRequestViews(QByteArrayView body, EventViewBatch& into);
} // namespace EventCodec

// What the codec read from a body, as views. Owns the bytes the views point into; moving keeps them valid,
// copying is not allowed.
class EventViewBatch final
{
public:
    EventViewBatch();
    ~EventViewBatch();
    EventViewBatch(EventViewBatch&&) noexcept;
    EventViewBatch& operator=(EventViewBatch&&) noexcept;
    EventViewBatch(const EventViewBatch&) = delete;
    EventViewBatch& operator=(const EventViewBatch&) = delete;

    std::vector<EventView> events;
    // As in DecodedBatch: a problem with the body as a whole, the type errors in document order, and
    // whether the body was the {"events":[…]} object.
    std::optional<Issue> payloadError;
    IssueList typeErrors;
    bool hadEventsKey = false;

    qsizetype size() const { return static_cast<qsizetype>(events.size()); }
    // The bytes as received (the views' rawJson point into them).
    QByteArrayView input() const;

    struct Storage;

private:
    friend struct EventViewDecoder;
    friend void EventCodec::decodeRequestViews(QByteArrayView body, EventViewBatch& into);
    // Empty, as a new batch, keeping the storage's capacity.
    void reset();
    std::unique_ptr<Storage> m_storage;
};

// What decodeInputViews read: the same shapes and errors as DecodedInput.
struct DecodedInputViews
{
    InputShape shape = InputShape::RequestBody;
    EventViewBatch views;
    std::optional<QString> inputError; // as DecodedInput::inputError
};

namespace EventCodec {

// The ingest path's decode: a POST /1/events body read exactly as decodeRequestBody reads it (same type
// errors, same payload errors), into views. The body is copied once, into the batch.
EventViewBatch decodeRequestViews(QByteArrayView body);
// The same into an existing batch, which is emptied first and keeps its storage's capacity: a thread that
// decodes request after request into one batch works in the same memory each time.
void decodeRequestViews(QByteArrayView body, EventViewBatch& into);
// One event object, as decodeEvent reads it.
EventViewBatch decodeEventViews(QByteArrayView json);
// The Events (and their raw JSON) of decoded views, as decodeRequestBody returns them.
DecodedBatch decodedBatchOf(const EventViewBatch& views);

// decodeInput's reading into views, for callers that need each event's JSON and a few fields rather than an
// Event per event (`send`).
DecodedInputViews decodeInputViews(QByteArrayView input);
// Its NDJSON reading alone (one event per non-blank line), for a caller that splits a large input into
// runs of lines (`send`, on two threads): when every run reads so with at least one event, the whole input
// is no single JSON document, and decodeInputViews reads it as NDJSON into the same events.
DecodedInputViews decodeNdjsonViews(QByteArrayView input);

} // namespace EventCodec
