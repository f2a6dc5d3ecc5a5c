#pragma once

// The records of one request in the form the log stores them: the request's facts once, then a narrow row
// per record whose text columns are byte slices, of the request's body as received (an event's JSON, and
// its fields when they had no escape) or of one side buffer (decoded escapes, packed issues, text that came
// as QStrings). The endpoint builds one straight from the parser's views (RecordBuilder::requestBatch): no
// LogRecord, no QString and no allocation per event, and the writer binds the slices as they are.
// LogRecords are made from a batch only for those who ask for them (toRecords).

#include "event/eventview.h"
#include "log/eventlog.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

#include <memory>
#include <string_view>
#include <vector>

struct RecordBatch
{
    // Where a text column's bytes are; an empty slice is stored as NULL, as an empty QString was.
    struct Slice
    {
        quint32 offset = 0;
        quint32 size = 0;
        bool inText = false; // in `text`, else in `body`
    };
    struct Row
    {
        RecordKind kind = RecordKind::Event;
        EventSource source = EventSource::Endpoint;
        bool accepted = false;
        int httpStatus = 0;
        int indexInRequest = 0;
        int errors = 0;   // error-severity issues of the record itself
        int warnings = 0; // warning-severity ones
        qint64 receivedAtMs = 0;
        qint64 timestampMs = 0;
        Slice rawJson;
        Slice eventType;
        Slice eventSubtype;
        Slice eventName;
        Slice index;
        Slice userToken;
        Slice authenticatedUserToken;
        Slice queryId;
        Slice issues; // LogQueryBuilder::packIssues' form
    };

    // The facts every row shares, as UTF-8 (LogRecord's request fields; never the API key).
    QByteArray requestId;
    QByteArray message;
    QByteArray userAgent;
    QByteArray device;
    QByteArray agent;
    QByteArray origin;
    QByteArray referer;
    QByteArray remoteAddress;
    QByteArray appId;
    QByteArray target;
    QByteArray method;
    QByteArray path;
    std::shared_ptr<const RawRequest> rawRequest; // stored once with the request's row when set

    QByteArray body; // the bytes `rawJson` slices point into; never changed once rows refer to it
    QByteArray text; // the other bytes rows refer to
    std::vector<Row> rows;

    qsizetype size() const { return static_cast<qsizetype>(rows.size()); }
    QByteArrayView bytes(Slice slice) const
    {
        const QByteArray& in = slice.inText ? text : body;
        return QByteArrayView(in.constData() + slice.offset, slice.size);
    }
    // `view`'s bytes as a slice: of the body when they lie in `bodyCopy` (a copy of `body` the views point
    // into, at the same offsets), else copied into `text`.
    Slice sliceOf(std::string_view view, QByteArrayView bodyCopy);
    Slice addText(QByteArrayView bytes);
    Slice addText(QStringView text);
    // The issues packed into `text`, and counted into the row.
    void setIssues(Row& row, const IssueList& issues);

    // The request facts of a record (the first of a group), as the batch keeps them.
    void setFacts(const LogRecord& record);
    // One row from a record; its request facts are the batch's.
    void addRecord(const LogRecord& record);

    // The batches of `records`: one per run of consecutive records sharing their request facts (the
    // request's row is stored once per batch).
    static std::vector<std::shared_ptr<const RecordBatch>> fromRecords(const QList<LogRecord>& records);
    // The rows as LogRecords, with ids from `firstId` on (those who want records of a committed batch).
    QList<LogRecord> toRecords(qint64 firstId = 0) const;
};

// The request facts a batch keeps once, in one list: the `requests` table's column, the record's field and
// the batch's.
struct RequestColumn
{
    const char* sqlName;
    QString LogRecord::*record;
    QByteArray RecordBatch::*batch;
};
inline constexpr RequestColumn kRequestColumns[] = {
    {"request_id", &LogRecord::requestId, &RecordBatch::requestId},
    {"message", &LogRecord::message, &RecordBatch::message},
    {"user_agent", &LogRecord::userAgent, &RecordBatch::userAgent},
    {"device", &LogRecord::device, &RecordBatch::device},
    {"agent", &LogRecord::agent, &RecordBatch::agent},
    {"origin", &LogRecord::origin, &RecordBatch::origin},
    {"referer", &LogRecord::referer, &RecordBatch::referer},
    {"remote_address", &LogRecord::remoteAddress, &RecordBatch::remoteAddress},
    {"app_id", &LogRecord::appId, &RecordBatch::appId},
    {"target", &LogRecord::target, &RecordBatch::target},
    {"method", &LogRecord::method, &RecordBatch::method},
    {"path", &LogRecord::path, &RecordBatch::path},
};

// The event's fields a row keeps as text columns (for the table and the filters), in one list: the
// `events` table's column, the record's field, the row's slice and the parser view's field.
struct EventColumn
{
    const char* sqlName;
    QString LogRecord::*record;
    RecordBatch::Slice RecordBatch::Row::*row;
    std::optional<std::string_view> EventView::*view;
};
inline constexpr EventColumn kEventColumns[] = {
    {"event_type", &LogRecord::eventType, &RecordBatch::Row::eventType, &EventView::eventType},
    {"event_subtype", &LogRecord::eventSubtype, &RecordBatch::Row::eventSubtype, &EventView::eventSubtype},
    {"event_name", &LogRecord::eventName, &RecordBatch::Row::eventName, &EventView::eventName},
    {"index_name", &LogRecord::index, &RecordBatch::Row::index, &EventView::index},
    {"user_token", &LogRecord::userToken, &RecordBatch::Row::userToken, &EventView::userToken},
    {"auth_token", &LogRecord::authenticatedUserToken, &RecordBatch::Row::authenticatedUserToken,
     &EventView::authenticatedUserToken},
    // Links the event to its search (issue 12); a search's record holds the queryID it returned.
    {"query_id", &LogRecord::queryId, &RecordBatch::Row::queryId, &EventView::queryID},
};
