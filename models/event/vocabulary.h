#pragma once

// The debugger's vocabulary in one place: the names Algolia gives event types and subtypes, severities,
// record sources, and the verdicts people see. Every view, report, export and command takes its words from
// here, so that the table, the details pane, `validate`, `serve` and the charts never disagree.

#include <QLatin1String>
#include <QList>
#include <QString>
#include <QStringView>

#include <optional>

// How serious an issue is: an error rejects the request (422), a warning or an info never does.
enum class Severity
{
    Error,
    Warning,
    Info,
};
// "error", "warning", "info": in reports, JSON, filters and the log.
QString severityName(Severity severity);
std::optional<Severity> severityFromName(QStringView name);

// Where a logged record came from. Stored in the log as its number: never renumber.
enum class EventSource
{
    Endpoint = 0, // received by the embedded endpoint
    Sent = 1,     // sent by the app (to Algolia or elsewhere)
    Algolia = 2,  // seen in Algolia's debugger feed and not sent by the app
    Imported = 3, // imported from a file
};
// "endpoint", "sent", "algolia", "imported": in filters, exports and the automation API.
QString eventSourceName(EventSource source);
// Case-insensitive.
std::optional<EventSource> eventSourceFromName(QStringView name);

// Event types and subtypes as Algolia spells them (insights-api.md §2).
namespace EventTypes {
inline constexpr QLatin1String Click("click");
inline constexpr QLatin1String Conversion("conversion");
inline constexpr QLatin1String View("view");
inline constexpr QLatin1String InstantSearch("instantsearch"); // only in profiles that allow it
// Every type Algolia knows, in this order.
QList<QLatin1String> all();
} // namespace EventTypes

namespace EventSubtypes {
inline constexpr QLatin1String AddToCart("addToCart");
inline constexpr QLatin1String Purchase("purchase");
} // namespace EventSubtypes

// What became of one logged event, as people see it. The record's HTTP status alone cannot say it: a 422
// batch holds both the culprit and its innocent batch-mates, and an event the app could not deliver was
// never judged at all.
enum class Verdict
{
    Accepted,             // 2xx, no warning
    AcceptedWithWarnings, // 2xx, with a warning Algolia does not report (the event may not count)
    Rejected,             // the event itself broke a rule
    RejectedWithBatch,    // another event of its request broke a rule: the whole request got 422
    NotDelivered,    // the app could not deliver it (transport error, retries exhausted); never "rejected"
    RequestRejected, // the request was refused before its events were judged (401, 404, 413, ...)
};

// "Accepted", "Accepted with warnings", "Rejected", "Rejected with its batch", "Not delivered",
// "Request rejected".
QString verdictName(Verdict verdict);
// The same wording inside a sentence or a command's output line: "rejected with its batch".
QString verdictPhrase(Verdict verdict);
// Stable machine names for filters and JSON: "accepted", "acceptedWithWarnings", "rejected",
// "rejectedWithBatch", "notDelivered", "requestRejected".
QString verdictKey(Verdict verdict);
std::optional<Verdict> verdictFromKey(QStringView key);
// Every verdict, in the order above (legends, filters).
QList<Verdict> allVerdicts();
// An HTTP status as people read it: "422", or "—" when there was no answer (0: transport error, timeout).
QString httpStatusText(int httpStatus);
// Accepted or accepted with warnings: the events Algolia stored.
bool isAcceptedVerdict(Verdict verdict);

// How a recorded search reads where an event reads its verdict and its type (the table's Status and Event
// type columns, the details pane, the timeline, exports): a search has no verdict, it is a search.
namespace SearchWords {
inline constexpr QLatin1String Status("Search"); // the Status column and the details' title
inline constexpr QLatin1String Key("search");    // exports' "status" (beside the verdict keys above)
// "1 hit", "12 hits": the search's nbHits where an event shows its type.
QString hitCount(qint64 hits);
// A search for nothing (InstantSearch's first page load) reads "(empty query)" rather than "".
QString queryText(const QString& query);
} // namespace SearchWords
