#pragma once

// The one way to make log records: the embedded endpoint, the client, the importers and Algolia's feed all
// build their LogRecords here, from an event (or its JSON), its issues and the facts of its request, so that
// a record means the same whatever produced it. Also the one verdict of a record and the one device rule.

#include "event/vocabulary.h"
#include "log/eventlog.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringView>

#include <memory>

struct BatchVerdict;
struct DecodedBatch;
struct Event;
class EventViewBatch;
struct RecordBatch;
struct SearchRecord;

// What every record of one request shares; never the API key.
struct RequestFacts
{
    QString requestId;
    qint64 receivedAtMs = 0;
    EventSource source = EventSource::Endpoint;
    int httpStatus = 0; // the request's answer; 0 when none came (transport error)
    bool accepted = false;
    QString message;   // the answer's message, e.g. "OK" or the 422 text
    QString userAgent; // the record's device is derived from it (deviceFromUserAgent)
    QString agent;     // x-algolia-agent
    QString origin;
    QString referer;
    QString remoteAddress;
    QString appId;
    QString target; // where a sent event went: "local", "us", "de", "global", a URL, or "imported"
    QString method; // the request line's method, "POST"; empty when unknown (imported, sent)
    QString path;   // the request line's path without the query, "/1/events"
    // The request as received (RecordBuilder::rawRequest), shared by every record of the request; may be
    // null.
    std::shared_ptr<const RawRequest> rawRequest;
};

// "desktop", "mobile", "tablet", "bot", or "" when the User-Agent is not a browser's (curl, node, an API
// client). iPadOS Safari announces itself as a Mac by default and so reads "desktop", as in analytics tools.
QString deviceFromUserAgent(QStringView userAgent);

// The verdict people see for an event, from its request's answer and the event's own issues.
Verdict verdictFor(int httpStatus, bool accepted, const IssueList& ownIssues);
// The verdict of a logged record: the table, the details pane, exports and charts all use this.
Verdict verdictOf(const LogRecord& record);

namespace RecordBuilder {

// The record of one event of a request: the request's facts, the event's denormalized fields (type, name,
// index, tokens, timestamp), its JSON as received or sent, its position and its own issues.
LogRecord eventRecord(const RequestFacts& facts, const Event& event, QByteArray rawJson, int indexInRequest,
                      IssueList issues);
// The same from the event's JSON alone, decoded with the one codec (the client's case: it keeps JSON).
LogRecord eventRecord(const RequestFacts& facts, const QByteArray& rawJson, int indexInRequest,
                      IssueList issues);
// The records of the events of one judged request, as the endpoint logs them: every event gets the request's
// status, and only the events that broke a rule carry errors. Events without their JSON get it re-encoded.
QList<LogRecord> eventRecords(const RequestFacts& facts, const DecodedBatch& batch,
                              const BatchVerdict& verdict);
// The one record of a request that carried no decodable event ("Invalid payload", "No events to process"):
// kind Request, the body as received (at most kRequestBodyKept bytes) and the request's issues, so the
// debugger still shows it.
LogRecord requestRecord(const RequestFacts& facts, QByteArrayView body, IssueList issues);
inline constexpr qsizetype kRequestBodyKept = 64 * 1024;
// The record of a request refused before any event was judged (401, 403, 404, 405, 413, 415, 431, 501...):
// kind Request, not accepted, the status and exact message answered (facts.httpStatus, facts.message), `why`
// as its one issue (an error about the request: code such as "request.missingCredentials", field the header
// at fault or ""), the body as received (at most kRequestBodyKept bytes, possibly empty or not JSON).
LogRecord refusedRequestRecord(const RequestFacts& facts, QByteArrayView body, Issue why);
// The issue of a refusal: an error about the request as a whole (no event index).
Issue requestIssue(const QString& code, const QString& field, const QString& message);

// The record of a search the endpoint answered or relayed (kind Search): `search` as its JSON, "N hits", the
// queryID it returned, its index and user token, accepted when answered 200.
LogRecord searchRecord(const RequestFacts& facts, const SearchRecord& search, int indexInRequest);

// The request as the log keeps it: the secrets masked wherever they travel (the API key's header and query
// parameter, Authorization headers, cookie values; names kept), headers one "name: value\r\n" line each,
// the body cut to kRequestBodyKept bytes (bodyTruncated then set).
RawRequest rawRequest(QByteArrayView method, QByteArrayView target,
                      const QList<QPair<QByteArray, QByteArray>>& headers, QByteArrayView body);
// Whether a header or query parameter of that name carries a secret the log must never keep.
bool isSecretName(QByteArrayView name);
// What a judged POST /1/events request leaves in the log, live (the endpoint) or imported (HAR): its
// events' records, or its request record when it had none.
QList<LogRecord> requestRecords(const RequestFacts& facts, const DecodedBatch& batch,
                                const BatchVerdict& verdict, QByteArrayView body);
// The same from the parser's views, as the log's writer binds it (the endpoint's ingest path: no Event, no
// LogRecord and no QString per event). `body` is the request's body as decoded into `views` (whose input()
// is a copy of it): the events' JSON and their unescaped fields are slices of it, kept once.
// requestBatch(...)->toRecords() are the records requestRecords() makes of the same request.
std::shared_ptr<const RecordBatch> requestBatch(const RequestFacts& facts, const EventViewBatch& views,
                                                const BatchVerdict& verdict, QByteArray body);

} // namespace RecordBuilder
