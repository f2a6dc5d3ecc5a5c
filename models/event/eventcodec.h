#pragma once

#include "event.h"
#include "issue.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

#include <optional>

// What the codec made of a request body: the events it could decode and the problems found while decoding.
struct DecodedBatch
{
    QList<Event> events;
    // Each event's JSON text as received (same length as `events`), for the log and the details pane.
    QList<QByteArray> rawEvents;
    // A problem with the body as a whole that decides the answer before any event is looked at: not JSON
    // ("Invalid payload"), a top-level array, `events` not an array. eventIndex is -1.
    std::optional<Issue> payloadError;
    // "Invalid type for field …" errors, each with its eventIndex and field, in document order. Algolia's
    // decoder reports the first of them; a field with the wrong type is left unset in its Event.
    IssueList typeErrors;
    // Whether the body was the {"events":[…]} object (false for a bare event or anything else).
    bool hadEventsKey = false;
};

// Where validate-style input came from: one JSON document or NDJSON lines.
enum class InputShape
{
    RequestBody, // {"events":[…]}
    SingleEvent, // one event object
    Ndjson,      // one event per line
};

struct DecodedInput
{
    InputShape shape = InputShape::RequestBody;
    DecodedBatch batch;
    // Set when the input is unusable as a whole (empty, binary, not JSON on any reading); a one-line text.
    std::optional<QString> inputError;
};

// The one JSON codec of the product (simdjson on-demand on the way in, a direct writer on the way out).
// Decoding is pure and thread-safe: each thread reuses its own parser.
namespace EventCodec {

// Decodes a POST /1/events body exactly as Algolia reads it: a bare event gives no events, a top-level
// array is a type error, non-JSON is "Invalid payload".
DecodedBatch decodeRequestBody(QByteArrayView body);

// Decodes what a user hands to `validate` or an import: a request body, a single event, or NDJSON.
DecodedInput decodeInput(QByteArrayView input);

// Decodes one event object (the composer's JSON tab). Errors come back as issues with eventIndex 0.
DecodedBatch decodeEvent(QByteArrayView json);

enum class UnknownFields
{
    Keep,  // as received, after the known fields
    Leave, // left out (the validator reads only known fields)
};
// Canonical JSON of one event: known fields in a fixed order, then unknown fields as received.
QByteArray encodeEvent(const Event& event, UnknownFields unknown = UnknownFields::Keep);
// {"events":[…]} of canonical events.
QByteArray encodeBatch(const QList<Event>& events);
// {"events":[…]} from events' JSON texts, joined without re-encoding.
QByteArray encodeRawBatch(const QList<QByteArray>& rawEvents);

// JSON string literal (with quotes) of a text, escaped as JSON requires.
QByteArray jsonString(QStringView text);

} // namespace EventCodec
