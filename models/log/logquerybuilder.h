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
    QByteArray where; // " WHERE ..." or empty
    bool needsPayload = false;
    QList<QVariant> args; // qint64 or QString

    void bindTo(EventLogDb::Statement& s) const;
};
Filter buildFilter(const LogQuery& q);
// " ORDER BY e.id [DESC] [LIMIT n]"
QByteArray orderAndLimit(const LogQuery& q);

// Compact keys: the issues of a million events are stored, and read back only by the log.
QByteArray packIssues(const IssueList& issues);
IssueList unpackIssues(const QByteArray& json);

} // namespace LogQueryBuilder
