#include "log/logquerybuilder.h"

#include <QByteArrayList>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstring>
#include <iterator>
#include <utility>

using namespace EventLogDb;

namespace LogQueryBuilder {

namespace {

// Each column once, with the SQL that reads it: the SELECT is built from this table.
constexpr std::pair<RecordColumn, const char*> kColumnSql[] = {
    {RecordColumn::Id, "e.id"},
    {RecordColumn::ReceivedAt, "e.received_at"},
    {RecordColumn::Source, "e.source"},
    {RecordColumn::HttpStatus, "e.http_status"},
    {RecordColumn::Accepted, "e.accepted"},
    {RecordColumn::IndexInRequest, "e.idx"},
    {RecordColumn::EventType, "e.event_type"},
    {RecordColumn::EventSubtype, "e.event_subtype"},
    {RecordColumn::EventName, "e.event_name"},
    {RecordColumn::IndexName, "e.index_name"},
    {RecordColumn::UserToken, "e.user_token"},
    {RecordColumn::AuthToken, "e.auth_token"},
    {RecordColumn::Timestamp, "e.ts"},
    {RecordColumn::Issues, "e.issues"},
    {RecordColumn::RawJson, "e.raw_json"},
    {RecordColumn::RequestId, "r.request_id"},
    {RecordColumn::Message, "r.message"},
    {RecordColumn::UserAgent, "r.user_agent"},
    {RecordColumn::Device, "r.device"},
    {RecordColumn::Agent, "r.agent"},
    {RecordColumn::Origin, "r.origin"},
    {RecordColumn::Referer, "r.referer"},
    {RecordColumn::RemoteAddress, "r.remote_address"},
    {RecordColumn::AppId, "r.app_id"},
    {RecordColumn::Target, "r.target"},
    {RecordColumn::AlgoliaStatus, "v.status"},
    {RecordColumn::AlgoliaErrors, "v.errors"},
    {RecordColumn::Kind, "e.kind"},
    {RecordColumn::QueryId, "e.query_id"},
    {RecordColumn::Method, "r.method"},
    {RecordColumn::Path, "r.path"},
};

constexpr bool columnsInOrder()
{
    for (std::size_t i = 0; i < std::size(kColumnSql); ++i) {
        if (static_cast<std::size_t>(kColumnSql[i].first) != i)
            return false;
    }
    return true;
}
static_assert(columnsInOrder(), "kColumnSql lists the columns in RecordColumn order");
static_assert(std::size(kColumnSql) == static_cast<std::size_t>(RecordColumn::Path) + 1,
              "every RecordColumn has its SQL");

constexpr int at(RecordColumn column)
{
    return static_cast<int>(column);
}

QString likePattern(const QString& word)
{
    QString escaped;
    escaped.reserve(word.size() + 2);
    escaped.append(QLatin1Char('%'));
    for (const QChar c : word) {
        if (c == QLatin1Char('%') || c == QLatin1Char('_') || c == QLatin1Char('\\'))
            escaped.append(QLatin1Char('\\'));
        escaped.append(c);
    }
    escaped.append(QLatin1Char('%'));
    return escaped;
}

} // namespace

const QByteArray& recordSelect()
{
    static const QByteArray sql = [] {
        QByteArrayList columns;
        for (const auto& [column, expression] : kColumnSql)
            columns.append(QByteArray(expression));
        const QByteArray select = "SELECT " + columns.join(", ") +
                                  " FROM events e LEFT JOIN requests r ON r.rid = e.rid"
                                  " LEFT JOIN algolia_verdicts v ON v.id = e.id";
        return select;
    }();
    return sql;
}

LogRecord readRecord(const Statement& s)
{
    LogRecord r;
    r.id = s.integer(at(RecordColumn::Id));
    r.receivedAtMs = s.integer(at(RecordColumn::ReceivedAt));
    const qint64 source = s.integer(at(RecordColumn::Source));
    r.source =
        source >= 0 && source <= qint64(EventSource::Imported) ? EventSource(source) : EventSource::Endpoint;
    r.httpStatus = int(s.integer(at(RecordColumn::HttpStatus)));
    r.accepted = s.integer(at(RecordColumn::Accepted)) != 0;
    r.indexInRequest = int(s.integer(at(RecordColumn::IndexInRequest)));
    r.eventType = s.text(at(RecordColumn::EventType));
    r.eventSubtype = s.text(at(RecordColumn::EventSubtype));
    r.eventName = s.text(at(RecordColumn::EventName));
    r.index = s.text(at(RecordColumn::IndexName));
    r.userToken = s.text(at(RecordColumn::UserToken));
    r.authenticatedUserToken = s.text(at(RecordColumn::AuthToken));
    r.timestampMs = s.integer(at(RecordColumn::Timestamp));
    r.issues = unpackIssues(s.blob(at(RecordColumn::Issues)));
    r.rawJson = s.bytes(at(RecordColumn::RawJson));
    r.requestId = s.text(at(RecordColumn::RequestId));
    r.message = s.text(at(RecordColumn::Message));
    r.userAgent = s.text(at(RecordColumn::UserAgent));
    r.device = s.text(at(RecordColumn::Device));
    r.agent = s.text(at(RecordColumn::Agent));
    r.origin = s.text(at(RecordColumn::Origin));
    r.referer = s.text(at(RecordColumn::Referer));
    r.remoteAddress = s.text(at(RecordColumn::RemoteAddress));
    r.appId = s.text(at(RecordColumn::AppId));
    r.target = s.text(at(RecordColumn::Target));
    if (sqlite3_column_type(s.get(), at(RecordColumn::AlgoliaStatus)) != SQLITE_NULL) {
        r.algoliaStatus = int(s.integer(at(RecordColumn::AlgoliaStatus)));
        for (const QJsonValue& error :
             QJsonDocument::fromJson(s.bytes(at(RecordColumn::AlgoliaErrors))).array())
            r.algoliaErrors.append(error.toString());
    }
    const qint64 kind = s.integer(at(RecordColumn::Kind));
    r.kind = kind >= 0 && kind <= qint64(RecordKind::Request) ? RecordKind(kind) : RecordKind::Event;
    r.queryId = s.text(at(RecordColumn::QueryId));
    r.method = s.text(at(RecordColumn::Method));
    r.path = s.text(at(RecordColumn::Path));
    return r;
}

void Filter::bindTo(Statement& s) const
{
    for (int i = 0; i < args.size(); ++i) {
        const QVariant& v = args.at(i);
        if (v.typeId() == QMetaType::QString)
            s.bind(i + 1, *static_cast<const QString*>(v.constData()));
        else
            s.bind(i + 1, v.toLongLong());
    }
}

Filter buildFilter(const LogQuery& q)
{
    Filter f;
    QList<QByteArray> terms;
    auto text = [&](const char* column, const QString& value) {
        if (value.isEmpty())
            return;
        terms.append(QByteArray(column) + " = ?");
        f.args.append(value);
    };
    if (q.accepted) {
        terms.append("e.accepted = ?");
        f.args.append(qint64(*q.accepted ? 1 : 0));
    }
    if (!q.userToken.isEmpty()) {
        terms.append("(e.user_token = ? OR e.auth_token = ?)");
        f.args.append(q.userToken);
        f.args.append(q.userToken);
    }
    text("e.event_type", q.eventType);
    text("e.event_subtype", q.eventSubtype);
    text("e.event_name", q.eventName);
    text("e.index_name", q.index);
    if (q.source) {
        terms.append("e.source = ?");
        f.args.append(qint64(*q.source));
    }
    if (q.kind) {
        terms.append("e.kind = ?");
        f.args.append(qint64(*q.kind));
    }
    text("e.query_id", q.queryId);
    if (q.sinceId > 0) {
        terms.append("e.id > ?");
        f.args.append(q.sinceId);
    }
    if (q.beforeId > 0) {
        terms.append("e.id < ?");
        f.args.append(q.beforeId);
    }
    if (q.httpStatus) {
        terms.append("e.http_status = ?");
        f.args.append(qint64(*q.httpStatus));
    }
    if (q.httpClass) {
        terms.append("e.http_status BETWEEN ? AND ?");
        f.args.append(qint64(*q.httpClass) * 100);
        f.args.append(qint64(*q.httpClass) * 100 + 99);
    }
    if (q.hasErrors)
        terms.append(*q.hasErrors ? "e.errors > 0" : "e.errors = 0");
    if (q.hasWarnings)
        terms.append(*q.hasWarnings ? "e.warnings > 0" : "e.warnings = 0");
    if (!q.requestId.isEmpty()) {
        terms.append("e.rid IN (SELECT rid FROM requests WHERE request_id = ?)");
        f.args.append(q.requestId);
    }
    for (const QString& word : q.freeText) {
        if (word.isEmpty())
            continue;
        terms.append("e.raw_json LIKE ? ESCAPE '\\'");
        f.args.append(likePattern(word));
    }
    if (!terms.isEmpty())
        f.where = " WHERE " + terms.join(" AND ");
    return f;
}

QByteArray orderAndLimit(const LogQuery& q)
{
    QByteArray sql = q.newestFirst ? " ORDER BY e.id DESC" : " ORDER BY e.id";
    if (q.limit > 0)
        sql += " LIMIT " + QByteArray::number(q.limit);
    return sql;
}

namespace {

// The first byte of a packed list; the JSON of older rows starts with '['.
constexpr char kPackedIssuesVersion = 1;
// The severity's number in the flags byte: fixed here, whatever the enum's order.
constexpr std::pair<Severity, quint8> kSeverityCodes[] = {
    {Severity::Error, 0},
    {Severity::Warning, 1},
    {Severity::Info, 2},
};
constexpr quint8 kSeverityMask = 0x03;
constexpr quint8 kUnverified = 0x04;
// Room for the length prefix of a string up to 4 GiB, written before the string is encoded.
constexpr int kMaxLengthBytes = 5;

char* writeLength(char* out, quint64 value)
{
    do {
        quint8 byte = value & 0x7f;
        value >>= 7;
        if (value)
            byte |= 0x80;
        *out++ = char(byte);
    } while (value);
    return out;
}

int lengthBytes(quint64 value)
{
    int bytes = 1;
    while (value >>= 7)
        ++bytes;
    return bytes;
}

// `text` as a length-prefixed UTF-8 string at the end of `out`: encoded once, straight into place.
void appendString(QByteArray& out, QStringView text)
{
    const qsizetype start = out.size();
    out.resize(start + kMaxLengthBytes);
    appendUtf8(out, text);
    const qsizetype length = out.size() - start - kMaxLengthBytes;
    char* const at = out.data() + start;
    char* const text8 = writeLength(at, quint64(length));
    std::memmove(text8, at + kMaxLengthBytes, std::size_t(length));
    out.resize(start + lengthBytes(quint64(length)) + length);
}

// Reads what writeLength wrote; false at the end of the input or on an overlong value.
bool readLength(const char*& in, const char* end, quint64& value)
{
    value = 0;
    for (int shift = 0; in < end && shift < 7 * kMaxLengthBytes; shift += 7) {
        const auto byte = quint8(*in++);
        value |= quint64(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            return true;
    }
    return false;
}

bool readString(const char*& in, const char* end, QString& text)
{
    quint64 length = 0;
    if (!readLength(in, end, length) || length > quint64(end - in))
        return false;
    text = QString::fromUtf8(in, qsizetype(length));
    in += length;
    return true;
}

// Schema 4 and before: a JSON array of {"s","e","f","c","m","u"}.
IssueList unpackJsonIssues(const QByteArray& json)
{
    IssueList issues;
    const QJsonArray array = QJsonDocument::fromJson(json).array();
    issues.reserve(array.size());
    for (const QJsonValue& value : array) {
        const QJsonObject o = value.toObject();
        Issue issue;
        issue.severity = severityFromName(o.value(QLatin1String("s")).toString()).value_or(Severity::Error);
        issue.eventIndex = o.value(QLatin1String("e")).toInt(-1);
        issue.field = o.value(QLatin1String("f")).toString();
        issue.code = o.value(QLatin1String("c")).toString();
        issue.message = o.value(QLatin1String("m")).toString();
        issue.unverifiedMessage = o.value(QLatin1String("u")).toBool();
        issues.append(issue);
    }
    return issues;
}

} // namespace

void packIssues(const IssueList& issues, QByteArray& out)
{
    out.resize(0);
    if (issues.isEmpty())
        return;
    out.append(kPackedIssuesVersion);
    for (const Issue& issue : issues) {
        quint8 flags = 0;
        for (const auto& [severity, code] : kSeverityCodes) {
            if (severity == issue.severity)
                flags = code;
        }
        if (issue.unverifiedMessage)
            flags |= kUnverified;
        out.append(char(flags));
        const qsizetype at = out.size();
        out.resize(at + kMaxLengthBytes);
        // -1 (about the request) is 0.
        char* const end = writeLength(out.data() + at, quint64(qint64(issue.eventIndex) + 1));
        out.resize(end - out.constData());
        appendString(out, issue.field);
        appendString(out, issue.code);
        appendString(out, issue.message);
    }
}

IssueList unpackIssues(const QByteArray& packed)
{
    if (packed.isEmpty())
        return {};
    if (packed.front() != kPackedIssuesVersion)
        return unpackJsonIssues(packed);
    IssueList issues;
    const char* in = packed.constData() + 1;
    const char* const end = packed.constData() + packed.size();
    while (in < end) {
        Issue issue;
        const auto flags = quint8(*in++);
        for (const auto& [severity, code] : kSeverityCodes) {
            if (code == (flags & kSeverityMask))
                issue.severity = severity;
        }
        issue.unverifiedMessage = (flags & kUnverified) != 0;
        quint64 index = 0;
        if (!readLength(in, end, index) || !readString(in, end, issue.field) ||
            !readString(in, end, issue.code) || !readString(in, end, issue.message))
            break;
        issue.eventIndex = int(qint64(index) - 1);
        issues.append(issue);
    }
    return issues;
}

} // namespace LogQueryBuilder
