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
    // The name as a table cell shows it: the name, but for a refused request its short reason
    // (shortReason()), which reads whole in the narrow name column beside the "Request rejected" status;
    // Algolia's whole message stays in `name` (tooltips, the details, exports).
    QString cell;
};

namespace RecordText {

// The texts of a record. A search's query is read from its JSON (SearchRecord) once here: callers that show
// many rows keep the result rather than asking again.
RecordTexts of(const LogRecord& record);
QString status(const LogRecord& record);
QString statusKey(const LogRecord& record);
// "type · name" on one line (lists, the timeline, tooltips).
QString oneLine(const RecordTexts& texts);
// Algolia's messages up to this length are short reasons as they are ("Invalid credentials").
inline constexpr int kShortReasonChars = 20;
// A refused request's reason in a few words: its message when short, else a phrase for its status ("Path
// not supported" for the 404's paragraph, "Headers too large" for the 431's), else the message's start
// cut at a word ("…").
QString shortReason(int httpStatus, const QString& message);
// Every phrase shortReason() gives for a status, and the short messages Algolia answers: what the name
// column's default width is made for.
QStringList shortReasonSamples();
// A refused request's request line: "POST /1/events" (the method, then the path).
QString requestLine(const LogRecord& record);
// The search a Search record holds, when its JSON reads as one.
std::optional<SearchRecord> searchOf(const LogRecord& record);
// The request as received, for people: the request line, the headers as received (the API key already
// masked by the producer), an empty line and the body, nothing cut off; a last line says when the body was
// kept only in part.
QString rawRequestText(const RawRequest& raw);

} // namespace RecordText
