#pragma once

// How one logged record reads in the views, whatever its kind (an event, a search, a refused request): the
// one rule the live table, the details pane, the user timeline and the exports share. The words come from
// the vocabulary (event/vocabulary.h); the verdict from verdictOf() (log/recordbuilder.h).

#include "log/eventlog.h"
#include "search/searchrecord.h"

#include <QString>

#include <optional>

struct RecordTexts
{
    QString status;    // "Accepted", "Request rejected"… (verdictName), or "Search"
    QString statusKey; // "accepted", "requestRejected"… (verdictKey), or "search"
    QString type;      // event: "conversion · purchase"; search: "12 hits"; request: "POST /1/events"
    QString name;      // event: its eventName; search: its query, “red shoes”; request: Algolia's message
};

namespace RecordText {

// The texts of a record. A search's query is read from its JSON (SearchRecord) once here: callers that show
// many rows keep the result rather than asking again.
RecordTexts of(const LogRecord& record);
QString status(const LogRecord& record);
QString statusKey(const LogRecord& record);
// "type · name" on one line (lists, the timeline, tooltips).
QString oneLine(const RecordTexts& texts);
// A refused request's request line: "POST /1/events" (the method, then the path).
QString requestLine(const LogRecord& record);
// The search a Search record holds, when its JSON reads as one.
std::optional<SearchRecord> searchOf(const LogRecord& record);
// The request as received, for people: the request line, the headers as received (the API key already
// masked by the producer), an empty line and the body, nothing cut off; a last line says when the body was
// kept only in part.
QString rawRequestText(const RawRequest& raw);

} // namespace RecordText
