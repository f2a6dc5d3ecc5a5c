#include "log/recordbatch.h"

#include "log/logquerybuilder.h"
#include "log/sqlitestatement.h"

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
    requestId = record.requestId.toUtf8();
    message = record.message.toUtf8();
    userAgent = record.userAgent.toUtf8();
    device = record.device.toUtf8();
    agent = record.agent.toUtf8();
    origin = record.origin.toUtf8();
    referer = record.referer.toUtf8();
    remoteAddress = record.remoteAddress.toUtf8();
    appId = record.appId.toUtf8();
    target = record.target.toUtf8();
    method = record.method.toUtf8();
    path = record.path.toUtf8();
    rawRequest = record.rawRequest;
}

namespace {

// Whether two records share their request facts, and so one request row.
bool sameFacts(const LogRecord& a, const LogRecord& b)
{
    return a.requestId == b.requestId && a.rawRequest == b.rawRequest && a.message == b.message &&
           a.userAgent == b.userAgent && a.device == b.device && a.agent == b.agent && a.origin == b.origin &&
           a.referer == b.referer && a.remoteAddress == b.remoteAddress && a.appId == b.appId &&
           a.target == b.target && a.method == b.method && a.path == b.path;
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
    row.eventType = addText(QStringView(record.eventType));
    row.eventSubtype = addText(QStringView(record.eventSubtype));
    row.eventName = addText(QStringView(record.eventName));
    row.index = addText(QStringView(record.index));
    row.userToken = addText(QStringView(record.userToken));
    row.authenticatedUserToken = addText(QStringView(record.authenticatedUserToken));
    row.queryId = addText(QStringView(record.queryId));
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
    const QString facts[] = {textOf(requestId), textOf(message), textOf(userAgent), textOf(device),
                             textOf(agent),     textOf(origin),  textOf(referer),   textOf(remoteAddress),
                             textOf(appId),     textOf(target),  textOf(method),    textOf(path)};
    for (const Row& row : rows) {
        LogRecord& r = records.emplace_back();
        r.id = firstId ? firstId + records.size() - 1 : 0;
        r.kind = row.kind;
        r.source = row.source;
        r.accepted = row.accepted;
        r.httpStatus = row.httpStatus;
        r.indexInRequest = row.indexInRequest;
        r.receivedAtMs = row.receivedAtMs;
        r.timestampMs = row.timestampMs;
        r.rawJson = bytes(row.rawJson).toByteArray();
        r.eventType = textOf(bytes(row.eventType));
        r.eventSubtype = textOf(bytes(row.eventSubtype));
        r.eventName = textOf(bytes(row.eventName));
        r.index = textOf(bytes(row.index));
        r.userToken = textOf(bytes(row.userToken));
        r.authenticatedUserToken = textOf(bytes(row.authenticatedUserToken));
        r.queryId = textOf(bytes(row.queryId));
        if (row.issues.size > 0)
            r.issues = LogQueryBuilder::unpackIssues(bytes(row.issues).toByteArray());
        r.requestId = facts[0];
        r.message = facts[1];
        r.userAgent = facts[2];
        r.device = facts[3];
        r.agent = facts[4];
        r.origin = facts[5];
        r.referer = facts[6];
        r.remoteAddress = facts[7];
        r.appId = facts[8];
        r.target = facts[9];
        r.method = facts[10];
        r.path = facts[11];
        r.rawRequest = rawRequest;
    }
    return records;
}
