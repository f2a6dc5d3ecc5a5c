#pragma once

#include "event/validator.h"
#include "log/eventlog.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <atomic>
#include <functional>
#include <optional>

struct Event;

// Copy, export and import of debugger events. Pure functions and a blocking exporter meant for a worker
// thread; the API key never appears in anything produced here (curl uses $ALGOLIA_API_KEY).
namespace EventExchange {

// The event's JSON, indented, for the clipboard and the details pane.
QByteArray prettyJson(const QByteArray& rawJson);
// One line of JSON (NDJSON): raw newlines can only be whitespace between tokens in valid JSON.
QByteArray singleLine(const QByteArray& rawJson);

// A curl command that sends these events to Algolia, with the key read from $ALGOLIA_API_KEY.
// `appId` empty gives $ALGOLIA_APP_ID.
QString curlCommand(const QList<QByteArray>& rawEvents, const QString& appId,
                    const QString& host = QStringLiteral("https://insights.algolia.io"));
// The search-insights call for one event: aa('clickedObjectIDsAfterSearch', {...}); events of no known kind
// give aa('sendEvents', [{...}]).
QString searchInsightsCall(const QByteArray& rawJson);

enum class Format
{
    Ndjson, // one event per line
    Json,   // {"events":[…]}, re-sendable
    Csv,    // one row per record with the debugger's columns (its kind included) and the record's JSON
};
// From a file name's extension (.ndjson/.jsonl, .json, .csv); Ndjson otherwise.
Format formatForPath(const QString& path);

struct ExportResult
{
    qint64 written = 0;
    bool cancelled = false;
    QString error; // empty on success
};

// Writes the records with these ids to `path`, reading them from the log in chunks so memory stays flat.
// Blocking: run it on a worker thread (it uses the log's synchronous reads). `progress` is called after each
// chunk with the count written so far; `cancel` stops it (the partial file is removed).
ExportResult exportRecords(const EventLog& log, const QList<qint64>& ids, Format format, const QString& path,
                           const std::function<void(qint64 written)>& progress,
                           const std::atomic<bool>* cancel);
// One record as an NDJSON line / JSON array element, always a JSON object with its "kind":
// - an event: its JSON as received with "kind":"event" first (Algolia accepts extra keys, so the JSON
//   export stays re-sendable), or, when what was logged is not a JSON object (a malformed request), an
//   object carrying that text as a string ("rawText") with the request's id, status, message and time;
// - a search: {"kind":"search", "requestId", "receivedAt", "httpStatus", "search": its SearchRecord JSON,
//   "request": {method, path, userAgent…}};
// - a refused request: {"kind":"request", "requestId", "receivedAt", "httpStatus", "message", "issues",
//   "request": {method, path, userAgent…, "target", "headers"}, "body": the body as received, as a string}.
// `raw` is the request as received (EventLog::rawRequest), for a refused request's target and headers (the
// key masked by the producer). Every export parses, whatever was logged; importData() reads each kind back.
QByteArray exportLine(const LogRecord& record, const std::optional<RawRequest>& raw = std::nullopt);
// The CSV header and one row, for tests and small copies.
QByteArray csvHeader();
QByteArray csvRow(const LogRecord& record);
QByteArray csvRow(const LogRecord& record, const std::optional<RawRequest>& raw);

struct ImportResult
{
    QList<LogRecord> records; // source Imported, judged by the validator, ready for EventLog::append
    int requests = 0;         // requests judged (one per event for NDJSON/JSON, one per HAR entry)
    int skippedEntries = 0;   // HAR entries that are not Insights event requests
    QString error;            // the file is unusable as a whole
};

// Reads NDJSON, a JSON request body / single event / array, CSV (the debugger's own export, with its "event"
// column, or one event per row with columns named like the event's fields), or a HAR file (its POSTs to
// Insights hosts) and judges the events with the shared validator. The searches and refused requests of the
// debugger's own exports come back as records of their kind (in file order), with new request ids. A HAR
// entry is a real request and is judged as a batch; events of an NDJSON, JSON or CSV file are a collection
// (an export of mixed verdicts), so each is judged on its own.
ImportResult importData(const QByteArray& data, const ValidationContext& context, qint64 nowMs);
bool isInsightsHost(const QString& host);

// For `validate` and `send`, which judge and send events only: the events of one of the debugger's own
// exports (NDJSON or a JSON array whose records are tagged with their "kind") without the tag, in file order,
// and how many searches and refused requests were left out. nullopt when nothing is tagged (a plain file of
// events, which is used as it is).
struct ExportedEvents
{
    DecodedBatch batch;
    qsizetype otherRecords = 0;
};
std::optional<ExportedEvents> eventsOfExport(const DecodedBatch& batch);

} // namespace EventExchange
