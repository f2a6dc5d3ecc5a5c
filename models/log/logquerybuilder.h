#pragma once

// How the event log's rows become LogRecords and LogQuerys become SQL: the record SELECT with its columns
// named (readRecord() reads them by name, never by a number that must match a list elsewhere), the WHERE
// clause of a query, and the compact issue form stored per record. Internal to models/log.

#include "log/eventlog.h"
#include "log/sqlitestatement.h"

#include <QByteArray>
#include <QList>
#include <QVariant>

namespace LogQueryBuilder {

// The columns of recordSelect(), in its order.
enum class RecordColumn
{
    Id,
    ReceivedAt,
    Source,
    HttpStatus,
    Accepted,
    IndexInRequest,
    EventType,
    EventSubtype,
    EventName,
    IndexName,
    UserToken,
    AuthToken,
    Timestamp,
    Issues,
    RawJson,
    RequestId,
    Message,
    UserAgent,
    Device,
    Agent,
    Origin,
    Referer,
    RemoteAddress,
    AppId,
    Target,
    AlgoliaStatus,
    AlgoliaErrors,
    Kind,
    QueryId,
    Method,
    Path,
};

// "SELECT <every RecordColumn> FROM events e JOIN ..." (no WHERE): one record per row.
const QByteArray& recordSelect();
// The record on the statement's current row of a recordSelect().
LogRecord readRecord(const EventLogDb::Statement& s);

// A WHERE clause and its parameters, built from a LogQuery.
struct Filter
{
    QByteArray where;     // " WHERE ..." or empty
    QList<QVariant> args; // qint64 or QString

    void bindTo(EventLogDb::Statement& s) const;
};
Filter buildFilter(const LogQuery& q);
// " ORDER BY e.id [DESC] [LIMIT n]"
QByteArray orderAndLimit(const LogQuery& q);

// The issues of a record as the log stores them, read back only by the log: a version byte, then per issue a
// flags byte (severity, unverified), the event index + 1 and the field, code and message as UTF-8, each
// length-prefixed (LEB128). Written into `out` (cleared first; its capacity is reused row after row); no
// issues is empty (stored as NULL).
void packIssues(const IssueList& issues, QByteArray& out);
// Reads what packIssues wrote, or the JSON array of schema 4 and before (rows written by older versions).
// A damaged value reads as the issues decoded before the damage.
IssueList unpackIssues(const QByteArray& packed);

} // namespace LogQueryBuilder
