#include "log/recordbatch.h"

#include "log/logquerybuilder.h"
#include "log/sqlitestatement.h"

#include <algorithm>
#include <iterator>

namespace {

QString textOf(QByteArrayView bytes)
{
    return bytes.isEmpty() ? QString() : QString::fromUtf8(bytes);
}

} // namespace

RecordBatch::Slice RecordBatch::sliceOf(std::string_view view, QByteArrayView bodyCopy)
{
    if (view.empty())
        return {};
    const char* const begin = bodyCopy.data();
    if (view.data() >= begin && view.data() + view.size() <= begin + bodyCopy.size())
        return Slice{static_cast<quint32>(view.data() - begin), static_cast<quint32>(view.size()), false};
    return addText(QByteArrayView(view.data(), static_cast<qsizetype>(view.size())));
}

RecordBatch::Slice RecordBatch::addText(QByteArrayView bytes)
{
    if (bytes.isEmpty())
        return {};
    const auto offset = static_cast<quint32>(text.size());
    text.append(bytes);
    return Slice{offset, static_cast<quint32>(bytes.size()), true};
}

RecordBatch::Slice RecordBatch::addText(QStringView value)
{
    if (value.isEmpty())
        return {};
    const auto offset = static_cast<quint32>(text.size());
    EventLogDb::appendUtf8(text, value);
    return Slice{offset, static_cast<quint32>(text.size() - offset), true};
}

void RecordBatch::setIssues(Row& row, const IssueList& issues)
{
    row.errors = 0;
    row.warnings = 0;
    if (issues.isEmpty()) {
        row.issues = {};
        return;
    }
    for (const Issue& issue : issues) {
        row.errors += issue.severity == Severity::Error;
        row.warnings += issue.severity == Severity::Warning;
    }
    thread_local QByteArray packed; // its capacity is reused, issue list after issue list
    LogQueryBuilder::packIssues(issues, packed);
    row.issues = addText(packed);
}

void RecordBatch::setFacts(const LogRecord& record)
{
    for (const RequestColumn& column : kRequestColumns)
        this->*column.batch = (record.*column.record).toUtf8();
    rawRequest = record.rawRequest;
}

namespace {

// Whether two records share their request facts, and so one request row.
bool sameFacts(const LogRecord& a, const LogRecord& b)
{
    return a.rawRequest == b.rawRequest &&
           std::all_of(std::begin(kRequestColumns), std::end(kRequestColumns),
                       [&](const RequestColumn& column) { return a.*column.record == b.*column.record; });
}

} // namespace

void RecordBatch::addRecord(const LogRecord& record)
{
    Row row;
    row.kind = record.kind;
    row.source = record.source;
    row.accepted = record.accepted;
    row.httpStatus = record.httpStatus;
    row.indexInRequest = record.indexInRequest;
    row.receivedAtMs = record.receivedAtMs;
    row.timestampMs = record.timestampMs;
    row.rawJson = addText(QByteArrayView(record.rawJson));
    for (const EventColumn& column : kEventColumns)
        row.*column.row = addText(QStringView(record.*column.record));
    setIssues(row, record.issues);
    rows.push_back(row);
}

std::vector<std::shared_ptr<const RecordBatch>> RecordBatch::fromRecords(const QList<LogRecord>& records)
{
    std::vector<std::shared_ptr<const RecordBatch>> batches;
    std::shared_ptr<RecordBatch> current;
    const LogRecord* previous = nullptr;
    for (const LogRecord& record : records) {
        if (!previous || !sameFacts(*previous, record)) {
            current = std::make_shared<RecordBatch>();
            current->setFacts(record);
            batches.push_back(current);
        }
        current->addRecord(record);
        previous = &record;
    }
    return batches;
}

QList<LogRecord> RecordBatch::toRecords(qint64 firstId) const
{
    QList<LogRecord> records;
    records.reserve(size());
    LogRecord facts; // the request's, shared by every record made
    for (const RequestColumn& column : kRequestColumns)
        facts.*column.record = textOf(this->*column.batch);
    for (const Row& row : rows) {
        LogRecord& r = records.emplace_back();
        for (const RequestColumn& column : kRequestColumns)
            r.*column.record = facts.*column.record;
        r.id = firstId ? firstId + records.size() - 1 : 0;
        r.kind = row.kind;
        r.source = row.source;
        r.accepted = row.accepted;
        r.httpStatus = row.httpStatus;
        r.indexInRequest = row.indexInRequest;
        r.receivedAtMs = row.receivedAtMs;
        r.timestampMs = row.timestampMs;
        r.rawJson = bytes(row.rawJson).toByteArray();
        for (const EventColumn& column : kEventColumns)
            r.*column.record = textOf(bytes(row.*column.row));
        if (row.issues.size > 0)
            r.issues = LogQueryBuilder::unpackIssues(bytes(row.issues).toByteArray());
        r.rawRequest = rawRequest;
    }
    return records;
}
