#include "eventexchange.h"

#include "event/event.h"
#include "event/eventcodec.h"
#include "event/eventkind.h"
#include "log/recordbuilder.h"
#include "search/searchrecord.h"
#include "views/recordtext.h"

#include <QDateTime>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSaveFile>
#include <QUrl>
#include <QUrlQuery>
#include <QUuid>

#include <algorithm>

namespace {

constexpr int kExportChunk = 2000;
// How an exported event starts: its kind, then its own keys as received.
const QByteArray kEventPrefix = QByteArrayLiteral("{\"kind\":\"event\"");

bool isJsonObject(const QByteArray& text)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(text, &error);
    return error.error == QJsonParseError::NoError && doc.isObject();
}

// The request facts of an exported search or refused request (never the key: the log does not hold it, and
// the headers were masked by the endpoint).
QJsonObject requestFacts(const LogRecord& record, const std::optional<RawRequest>& raw)
{
    QJsonObject facts;
    const auto put = [&facts](const char* name, const QString& value) {
        if (!value.isEmpty())
            facts.insert(QLatin1String(name), value);
    };
    put("method", record.method);
    put("path", record.path);
    put("userAgent", record.userAgent);
    put("device", record.device);
    put("agent", record.agent);
    put("origin", record.origin);
    put("referer", record.referer);
    put("remoteAddress", record.remoteAddress);
    put("appId", record.appId);
    put("source", eventSourceName(record.source));
    if (raw) {
        put("target", QString::fromUtf8(raw->target));
        put("headers", QString::fromUtf8(raw->headers));
        if (raw->bodyTruncated)
            facts.insert(QStringLiteral("bodyTruncated"), true);
    }
    return facts;
}

QString shellSingleQuoted(const QString& text)
{
    QString out = QStringLiteral("'");
    for (const QChar c : text) {
        if (c == QLatin1Char('\''))
            out += QStringLiteral("'\\''");
        else
            out += c;
    }
    out += QLatin1Char('\'');
    return out;
}

QByteArray csvField(const QString& text)
{
    QByteArray bytes = text.toUtf8();
    if (bytes.contains(',') || bytes.contains('"') || bytes.contains('\n') || bytes.contains('\r')) {
        bytes.replace('"', "\"\"");
        bytes = '"' + bytes + '"';
    }
    return bytes;
}

QString newRequestId()
{
    return QStringLiteral("import-") + QUuid::createUuid().toString(QUuid::WithoutBraces).left(13);
}

// One event of a collection as a request of its own.
DecodedBatch slice(const DecodedBatch& batch, qsizetype i)
{
    DecodedBatch one;
    one.hadEventsKey = true;
    one.events << batch.events[i];
    if (i < batch.rawEvents.size())
        one.rawEvents << batch.rawEvents[i];
    for (const Issue& issue : batch.typeErrors) {
        if (issue.eventIndex == i) {
            Issue moved = issue;
            moved.eventIndex = 0;
            one.typeErrors << moved;
        }
    }
    return one;
}

EventExchange::ImportResult importHar(const QJsonObject& harLog, const ValidationContext& context)
{
    EventExchange::ImportResult result;
    const QJsonArray entries = harLog.value(QLatin1String("entries")).toArray();
    for (const QJsonValue& value : entries) {
        const QJsonObject entry = value.toObject();
        const QJsonObject request = entry.value(QLatin1String("request")).toObject();
        const QUrl url(request.value(QLatin1String("url")).toString());
        const bool isEvents = request.value(QLatin1String("method"))
                                      .toString()
                                      .compare(QLatin1String("POST"), Qt::CaseInsensitive) == 0 &&
                              EventExchange::isInsightsHost(url.host()) &&
                              url.path().endsWith(QLatin1String("/1/events"));
        if (!isEvents) {
            ++result.skippedEntries;
            continue;
        }
        RequestFacts facts;
        facts.requestId = newRequestId();
        facts.source = EventSource::Imported;
        facts.target = QStringLiteral("imported");
        const QDateTime started = QDateTime::fromString(
            entry.value(QLatin1String("startedDateTime")).toString(), Qt::ISODateWithMs);
        facts.receivedAtMs =
            started.isValid() ? started.toMSecsSinceEpoch() : QDateTime::currentMSecsSinceEpoch();
        const auto take = [&facts](const QString& name, const QString& text) {
            const QString key = name.toLower();
            if (key == u"user-agent")
                facts.userAgent = text;
            else if (key == u"referer")
                facts.referer = text;
            else if (key == u"origin")
                facts.origin = text;
            else if (key == u"x-algolia-agent")
                facts.agent = text;
            else if (key == u"x-algolia-application-id")
                facts.appId = text;
            // x-algolia-api-key is deliberately never read.
        };
        for (const QJsonValue& header : request.value(QLatin1String("headers")).toArray())
            take(header[QLatin1String("name")].toString(), header[QLatin1String("value")].toString());
        const QUrlQuery query(url);
        for (const auto& [name, text] : query.queryItems(QUrl::FullyDecoded))
            take(name, text);
        const QByteArray body = request.value(QLatin1String("postData"))
                                    .toObject()
                                    .value(QLatin1String("text"))
                                    .toString()
                                    .toUtf8();
        DecodedBatch decoded;
        const BatchVerdict verdict = Validator::validateBody(body, context, &decoded);
        facts.httpStatus = verdict.httpStatus;
        facts.accepted = verdict.accepted();
        facts.message = verdict.message;
        ++result.requests;
        // As the endpoint would have logged it, the request record of an undecodable body included.
        result.records += RecordBuilder::requestRecords(facts, decoded, verdict, body);
    }
    if (result.requests == 0 && result.error.isEmpty())
        result.error = QStringLiteral("The HAR file has no POST /1/events request to an Insights host");
    return result;
}

} // namespace

namespace EventExchange {

QByteArray prettyJson(const QByteArray& rawJson)
{
    // Re-indents the text itself rather than going through QJsonDocument, which would sort the keys and
    // rewrite numbers: the user sees the event as it was sent.
    QByteArray out;
    out.reserve(rawJson.size() * 2);
    int depth = 0;
    bool inString = false;
    const auto newline = [&out, &depth]() {
        out += '\n';
        out += QByteArray(depth * 4, ' ');
    };
    for (qsizetype i = 0; i < rawJson.size(); ++i) {
        const char c = rawJson[i];
        if (inString) {
            out += c;
            if (c == '\\' && i + 1 < rawJson.size())
                out += rawJson[++i];
            else if (c == '"')
                inString = false;
            continue;
        }
        switch (c) {
        case '"':
            inString = true;
            out += c;
            break;
        case '{':
        case '[': {
            // Keep empty containers on one line.
            qsizetype j = i + 1;
            while (j < rawJson.size() && QChar::isSpace(static_cast<uchar>(rawJson[j])))
                ++j;
            if (j < rawJson.size() && (rawJson[j] == '}' || rawJson[j] == ']')) {
                out += c;
                out += rawJson[j];
                i = j;
                break;
            }
            out += c;
            ++depth;
            newline();
            break;
        }
        case '}':
        case ']':
            depth = std::max(0, depth - 1);
            newline();
            out += c;
            break;
        case ',':
            out += c;
            newline();
            break;
        case ':':
            out += ": ";
            break;
        case ' ':
        case '\n':
        case '\r':
        case '\t':
            break;
        default:
            out += c;
        }
    }
    return out;
}

QByteArray singleLine(const QByteArray& rawJson)
{
    QByteArray line = rawJson.trimmed();
    line.replace('\n', ' ');
    line.replace('\r', ' ');
    return line;
}

QString curlCommand(const QList<QByteArray>& rawEvents, const QString& appId, const QString& host)
{
    QList<QByteArray> lines;
    for (const QByteArray& raw : rawEvents)
        lines << singleLine(raw);
    const QString body = QString::fromUtf8(EventCodec::encodeRawBatch(lines));
    const QString appHeader =
        appId.isEmpty()
            ? QStringLiteral("-H \"X-Algolia-Application-Id: $ALGOLIA_APP_ID\"")
            : QStringLiteral("-H ") + shellSingleQuoted(QStringLiteral("X-Algolia-Application-Id: ") + appId);
    return QStringLiteral("curl -X POST ") + shellSingleQuoted(host + QStringLiteral("/1/events")) +
           QStringLiteral(" \\\n  -H 'Content-Type: application/json' \\\n  ") + appHeader +
           QStringLiteral(" \\\n  -H \"X-Algolia-API-Key: $ALGOLIA_API_KEY\" \\\n  --data-raw ") +
           shellSingleQuoted(body);
}

QString searchInsightsCall(const QByteArray& rawJson)
{
    const DecodedBatch decoded = EventCodec::decodeEvent(rawJson);
    if (decoded.events.isEmpty())
        return QStringLiteral("aa('sendEvents', [") + QString::fromUtf8(singleLine(rawJson)) +
               QStringLiteral("]);");
    const Event& event = decoded.events.first();
    const std::optional<EventKind> kind = kindOf(event);
    const QJsonObject canonical = QJsonDocument::fromJson(EventCodec::encodeEvent(event)).object();
    if (!kind || *kind == EventKind::InstantSearch) {
        return QStringLiteral("aa('sendEvents', [") +
               QString::fromUtf8(QJsonDocument(canonical).toJson(QJsonDocument::Compact)) +
               QStringLiteral("]);");
    }
    // The method name carries eventType and eventSubtype.
    QJsonObject params = canonical;
    params.remove(QLatin1String("eventType"));
    params.remove(QLatin1String("eventSubtype"));
    return QStringLiteral("aa('") + eventKindInfo(*kind).name + QStringLiteral("', ") +
           QString::fromUtf8(QJsonDocument(params).toJson(QJsonDocument::Indented).trimmed()) +
           QStringLiteral(");");
}

Format formatForPath(const QString& path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == u"csv")
        return Format::Csv;
    if (suffix == u"json")
        return Format::Json;
    return Format::Ndjson;
}

QByteArray csvHeader()
{
    return QByteArrayLiteral(
        "id,receivedAt,status,httpCode,source,requestId,indexInRequest,eventType,eventSubtype,"
        "eventName,index,userToken,authenticatedUserToken,device,agent,errors,warnings,message,"
        "event,kind\r\n");
}

QByteArray csvRow(const LogRecord& r)
{
    return csvRow(r, std::nullopt);
}

QByteArray csvRow(const LogRecord& r, const std::optional<RawRequest>& raw)
{
    QStringList errors;
    int warnings = 0;
    for (const Issue& issue : r.issues) {
        if (issue.isError())
            errors << issue.field + QStringLiteral(": ") + issue.message;
        else if (issue.severity == Severity::Warning)
            ++warnings;
    }
    const QList<QByteArray> fields{
        QByteArray::number(r.id),
        csvField(QDateTime::fromMSecsSinceEpoch(r.receivedAtMs).toUTC().toString(Qt::ISODateWithMs)),
        RecordText::statusKey(r).toUtf8(),
        QByteArray::number(r.httpStatus),
        csvField(eventSourceName(r.source)),
        csvField(r.requestId),
        QByteArray::number(r.indexInRequest),
        csvField(r.eventType),
        csvField(r.eventSubtype),
        csvField(r.eventName),
        csvField(r.index),
        csvField(r.userToken),
        csvField(r.authenticatedUserToken),
        csvField(r.device),
        csvField(r.agent),
        csvField(errors.join(QStringLiteral("; "))),
        QByteArray::number(warnings),
        csvField(r.message),
        // An event's JSON as received; a search or a refused request as its export line (which reads back).
        csvField(QString::fromUtf8(r.kind == RecordKind::Event ? singleLine(r.rawJson) : exportLine(r, raw))),
        recordKindName(r.kind).toUtf8(),
    };
    QByteArray row;
    for (qsizetype i = 0; i < fields.size(); ++i) {
        if (i > 0)
            row += ',';
        row += fields[i];
    }
    row += "\r\n";
    return row;
}

QByteArray exportLine(const LogRecord& record, const std::optional<RawRequest>& raw)
{
    const QByteArray line = singleLine(record.rawJson);
    const QString kind = recordKindName(record.kind);
    if (record.kind == RecordKind::Event && isJsonObject(line)) {
        // The event as received, its kind first: importData() takes exactly this prefix off again.
        const QByteArray rest = line.mid(1).trimmed();
        return kEventPrefix + (rest.startsWith('}') ? QByteArray() : QByteArrayLiteral(",")) + rest;
    }
    // Whatever was logged, the file parses: what is not a JSON object (a malformed request, a refused one)
    // travels as text, with the facts that say what it was.
    QJsonObject object;
    object.insert(QStringLiteral("kind"), kind);
    object.insert(QStringLiteral("requestId"), record.requestId);
    object.insert(QStringLiteral("receivedAt"),
                  QDateTime::fromMSecsSinceEpoch(record.receivedAtMs).toUTC().toString(Qt::ISODateWithMs));
    object.insert(QStringLiteral("httpStatus"), record.httpStatus);
    object.insert(QStringLiteral("message"), record.message);
    switch (record.kind) {
    case RecordKind::Event:
        object.insert(QStringLiteral("rawText"), QString::fromUtf8(record.rawJson));
        break;
    case RecordKind::Search:
        if (isJsonObject(line))
            object.insert(QStringLiteral("search"), QJsonDocument::fromJson(line).object());
        else
            object.insert(QStringLiteral("rawText"), QString::fromUtf8(record.rawJson));
        object.insert(QStringLiteral("request"), requestFacts(record, std::nullopt));
        break;
    case RecordKind::Request:
        object.insert(QStringLiteral("issues"), issuesToJson(record.issues));
        object.insert(QStringLiteral("request"), requestFacts(record, raw));
        object.insert(QStringLiteral("body"), QString::fromUtf8(record.rawJson));
        break;
    }
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

ExportResult exportRecords(const EventLog& log, const QList<qint64>& ids, Format format, const QString& path,
                           const std::function<void(qint64 written)>& progress,
                           const std::atomic<bool>* cancel)
{
    ExportResult result;
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        result.error = file.errorString();
        return result;
    }
    if (format == Format::Json)
        file.write("{\"events\":[\n");
    else if (format == Format::Csv)
        file.write(csvHeader());
    for (qsizetype at = 0; at < ids.size(); at += kExportChunk) {
        if (cancel && cancel->load()) {
            file.cancelWriting();
            result.cancelled = true;
            return result;
        }
        const QList<LogRecord> records = log.records(ids.mid(at, kExportChunk));
        QByteArray chunk;
        for (const LogRecord& record : records) {
            // A refused request's target and headers (masked) are what says why it was refused.
            const std::optional<RawRequest> raw =
                record.kind == RecordKind::Request ? log.rawRequest(record.requestId) : std::nullopt;
            switch (format) {
            case Format::Ndjson:
                chunk += exportLine(record, raw) + '\n';
                break;
            case Format::Json:
                if (result.written > 0)
                    chunk += ",\n";
                chunk += exportLine(record, raw);
                break;
            case Format::Csv:
                chunk += csvRow(record, raw);
                break;
            }
            ++result.written;
        }
        if (file.write(chunk) != chunk.size()) {
            result.error = file.errorString();
            file.cancelWriting();
            return result;
        }
        if (progress)
            progress(result.written);
    }
    if (format == Format::Json)
        file.write("\n]}\n");
    if (!file.commit())
        result.error = file.errorString();
    return result;
}

bool isInsightsHost(const QString& host)
{
    const QString h = host.toLower();
    if (h == u"127.0.0.1" || h == u"localhost" || h == u"::1")
        return true; // the local endpoint (or another local Insights-compatible server)
    return h.startsWith(QLatin1String("insights")) && h.endsWith(QLatin1String(".algolia.io"));
}

namespace {

// RFC 4180: fields separated by commas, quoted with "" when they hold a comma, a quote or a line break.
QList<QStringList> parseCsv(const QString& text)
{
    QList<QStringList> rows;
    QStringList row;
    QString field;
    bool quoted = false;
    bool fieldStarted = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (quoted) {
            if (c == u'"' && i + 1 < text.size() && text.at(i + 1) == u'"') {
                field += u'"';
                ++i;
            } else if (c == u'"') {
                quoted = false;
            } else {
                field += c;
            }
            continue;
        }
        if (c == u'"' && field.isEmpty()) {
            quoted = true;
            fieldStarted = true;
        } else if (c == u',') {
            row << field;
            field.clear();
            fieldStarted = true;
        } else if (c == u'\n' || c == u'\r') {
            if (c == u'\r' && i + 1 < text.size() && text.at(i + 1) == u'\n')
                ++i;
            if (fieldStarted || !field.isEmpty() || !row.isEmpty()) {
                row << field;
                rows << row;
            }
            row.clear();
            field.clear();
            fieldStarted = false;
        } else {
            field += c;
            fieldStarted = true;
        }
    }
    if (fieldStarted || !field.isEmpty() || !row.isEmpty()) {
        row << field;
        rows << row;
    }
    return rows;
}

bool looksLikeCsv(const QByteArray& trimmed)
{
    // A header line of column names: "id,receivedAt,…" (the debugger's export) or "eventType,eventName,…".
    static const QRegularExpression header(QStringLiteral("^[A-Za-z_][\\w .-]*(,[\\w .-]*)+\\r?$"));
    const qsizetype end = trimmed.indexOf('\n');
    return header.match(QString::fromUtf8(trimmed.left(end < 0 ? trimmed.size() : end))).hasMatch();
}

// The events of a CSV file as NDJSON: the "event" column (the debugger's own export) when there is one,
// else one event per row from the columns named like Insights fields (a cell that is JSON — a number, an
// array — is taken as such, any other text as a string; empty cells are left out).
QByteArray csvToNdjson(const QByteArray& data, QString* error)
{
    const QList<QStringList> rows = parseCsv(QString::fromUtf8(data));
    if (rows.size() < 2) {
        *error = QStringLiteral("The CSV file has no rows under its header");
        return {};
    }
    const QStringList header = rows.first();
    const qsizetype eventColumn = header.indexOf(QStringLiteral("event"));
    static const QStringList fields{
        QStringLiteral("eventType"), QStringLiteral("eventSubtype"), QStringLiteral("eventName"),
        QStringLiteral("index"),     QStringLiteral("userToken"),    QStringLiteral("authenticatedUserToken"),
        QStringLiteral("timestamp"), QStringLiteral("queryID"),      QStringLiteral("objectIDs"),
        QStringLiteral("positions"), QStringLiteral("filters"),      QStringLiteral("objectData"),
        QStringLiteral("value"),     QStringLiteral("currency")};
    if (eventColumn < 0 && !header.contains(QStringLiteral("eventType"))) {
        *error = QStringLiteral("The CSV file has neither an \"event\" column nor an \"eventType\" column");
        return {};
    }
    QByteArray ndjson;
    for (qsizetype r = 1; r < rows.size(); ++r) {
        const QStringList& row = rows.at(r);
        if (eventColumn >= 0) {
            if (eventColumn < row.size() && !row.at(eventColumn).trimmed().isEmpty())
                ndjson += singleLine(row.at(eventColumn).toUtf8()) + '\n';
            continue;
        }
        QJsonObject event;
        for (qsizetype c = 0; c < header.size() && c < row.size(); ++c) {
            const QString& name = header.at(c);
            const QString cell = row.at(c).trimmed();
            if (!fields.contains(name) || cell.isEmpty())
                continue;
            const QJsonDocument asJson = QJsonDocument::fromJson("[" + cell.toUtf8() + "]");
            const bool json = !asJson.isNull() && asJson.array().size() == 1 &&
                              !asJson.array().first().isString() && name != QLatin1String("userToken") &&
                              name != QLatin1String("authenticatedUserToken");
            event.insert(name, json ? asJson.array().first() : QJsonValue(cell));
        }
        ndjson += QJsonDocument(event).toJson(QJsonDocument::Compact) + '\n';
    }
    return ndjson;
}

// A search or refused request of the debugger's own export, read back as a record of its kind (a new
// request id: the original may still be in this log).
LogRecord importedRecord(const QJsonObject& object, RecordKind kind, qint64 nowMs)
{
    LogRecord r;
    r.kind = kind;
    r.requestId = newRequestId();
    r.receivedAtMs = nowMs;
    r.source = EventSource::Imported;
    r.target = QStringLiteral("imported");
    r.httpStatus = object.value(QLatin1String("httpStatus")).toInt();
    r.message = object.value(QLatin1String("message")).toString();
    const QJsonObject request = object.value(QLatin1String("request")).toObject();
    const auto text = [&request](const char* name) { return request.value(QLatin1String(name)).toString(); };
    r.method = text("method");
    r.path = text("path");
    r.userAgent = text("userAgent");
    r.device = text("device");
    r.agent = text("agent");
    r.origin = text("origin");
    r.referer = text("referer");
    r.remoteAddress = text("remoteAddress");
    r.appId = text("appId");
    if (kind == RecordKind::Search) {
        const QJsonObject searchJson = object.value(QLatin1String("search")).toObject();
        r.rawJson = searchJson.isEmpty() ? object.value(QLatin1String("rawText")).toString().toUtf8()
                                         : QJsonDocument(searchJson).toJson(QJsonDocument::Compact);
        const SearchRecord search = SearchRecord::fromJson(r.rawJson).value_or(SearchRecord());
        r.accepted = r.httpStatus / 100 == 2;
        r.index = search.index;
        r.userToken = search.userToken;
        r.queryId = search.queryID;
        r.timestampMs = search.atMs;
        return r;
    }
    r.accepted = false;
    r.issues = issuesFromJson(object.value(QLatin1String("issues")).toArray());
    r.rawJson = object.value(QLatin1String("body")).toString().toUtf8();
    if (request.contains(QLatin1String("headers")) || request.contains(QLatin1String("target"))) {
        auto raw = std::make_shared<RawRequest>();
        raw->method = r.method.toUtf8();
        raw->target = text("target").toUtf8();
        raw->headers = text("headers").toUtf8();
        raw->body = r.rawJson;
        raw->bodyTruncated = request.value(QLatin1String("bodyTruncated")).toBool();
        r.rawRequest = std::move(raw);
    }
    return r;
}

// One element of an import as the debugger's own export tagged it: an event (its text without the tag, to
// be judged), or a search or refused request (the record itself). Untagged elements are events.
struct ImportedElement
{
    QByteArray eventJson;
    std::optional<LogRecord> record;
};

ImportedElement readElement(const QByteArray& raw, qint64 nowMs)
{
    ImportedElement element;
    element.eventJson = raw;
    if (raw.startsWith(kEventPrefix)) {
        // exportLine()'s own prefix: taken off as text, so the event is judged exactly as it was received.
        const QByteArray rest = raw.mid(kEventPrefix.size()).trimmed();
        if (rest.startsWith(','))
            element.eventJson = '{' + rest.mid(1);
        else if (rest.startsWith('}'))
            element.eventJson = rest.mid(1).trimmed().isEmpty() ? QByteArrayLiteral("{}") : raw;
        return element;
    }
    if (!raw.contains("\"kind\""))
        return element;
    const QJsonDocument doc = QJsonDocument::fromJson(raw);
    QJsonObject object = doc.object();
    const std::optional<RecordKind> kind = recordKindFromName(object.value(QLatin1String("kind")).toString());
    if (!doc.isObject() || !kind)
        return element;
    if (*kind == RecordKind::Event) {
        object.remove(QLatin1String("kind"));
        element.eventJson = QJsonDocument(object).toJson(QJsonDocument::Compact);
        return element;
    }
    element.record = importedRecord(object, *kind, nowMs);
    return element;
}

// The events among `elements`, decoded again from their text without the tag.
DecodedBatch untaggedEvents(const QList<ImportedElement>& elements)
{
    QByteArray events;
    for (const ImportedElement& element : elements) {
        if (!element.record)
            events += singleLine(element.eventJson) + '\n';
    }
    return events.isEmpty() ? DecodedBatch() : EventCodec::decodeInput(events).batch;
}

} // namespace

std::optional<ExportedEvents> eventsOfExport(const DecodedBatch& batch)
{
    if (batch.rawEvents.size() != batch.events.size())
        return std::nullopt;
    QList<ImportedElement> elements;
    bool tagged = false;
    qsizetype others = 0;
    for (const QByteArray& raw : batch.rawEvents) {
        elements << readElement(raw, 0);
        tagged = tagged || elements.constLast().record || elements.constLast().eventJson != raw;
        others += elements.constLast().record ? 1 : 0;
    }
    if (!tagged)
        return std::nullopt;
    return ExportedEvents{untaggedEvents(elements), others};
}

ImportResult importData(const QByteArray& data, const ValidationContext& context, qint64 nowMs)
{
    QByteArray trimmed = data.trimmed();
    if (looksLikeCsv(trimmed)) {
        QString error;
        trimmed = csvToNdjson(trimmed, &error).trimmed();
        if (!error.isEmpty()) {
            ImportResult result;
            result.error = error;
            return result;
        }
    }
    if (trimmed.startsWith('{')) {
        // A HAR file is one JSON object with log.entries.
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(trimmed, &error);
        if (error.error == QJsonParseError::NoError && doc.isObject()) {
            const QJsonObject harLog = doc.object().value(QLatin1String("log")).toObject();
            if (harLog.contains(QLatin1String("entries")))
                return importHar(harLog, context);
        }
    }
    ImportResult result;
    DecodedBatch batch;
    if (trimmed.startsWith('[')) {
        // A bare array of events: a collection, as NDJSON is.
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(trimmed, &error);
        if (error.error != QJsonParseError::NoError || !doc.isArray()) {
            result.error = QStringLiteral("Not JSON: ") + error.errorString();
            return result;
        }
        QByteArray ndjson;
        for (const QJsonValue& value : doc.array())
            ndjson += QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact) + '\n';
        batch = EventCodec::decodeInput(ndjson).batch;
    } else {
        const DecodedInput input = EventCodec::decodeInput(trimmed);
        if (input.inputError) {
            result.error = *input.inputError;
            return result;
        }
        if (input.batch.payloadError) {
            result.error = input.batch.payloadError->message;
            return result;
        }
        batch = input.batch;
    }
    // The debugger's own exports tag every record with its kind: searches and refused requests come back as
    // records of their kind, events lose the tag and are judged again, all in file order.
    QList<ImportedElement> elements;
    bool tagged = false;
    for (const QByteArray& raw : std::as_const(batch.rawEvents)) {
        elements << readElement(raw, nowMs);
        tagged = tagged || elements.constLast().record || elements.constLast().eventJson != raw;
    }
    if (tagged && elements.size() == batch.events.size()) {
        batch = untaggedEvents(elements);
    } else {
        elements.clear();
        for (qsizetype i = 0; i < batch.events.size(); ++i)
            elements << ImportedElement{};
    }
    qsizetype next = 0; // the next event of `batch`
    for (ImportedElement& element : elements) {
        if (element.record) {
            result.records << std::move(*element.record);
            continue;
        }
        if (next >= batch.events.size())
            break;
        const DecodedBatch one = slice(batch, next++);
        const BatchVerdict verdict = Validator::validate(one, context);
        RequestFacts facts;
        facts.requestId = newRequestId();
        facts.receivedAtMs = nowMs;
        facts.source = EventSource::Imported;
        facts.target = QStringLiteral("imported");
        facts.httpStatus = verdict.httpStatus;
        facts.accepted = verdict.accepted();
        facts.message = verdict.message;
        result.records += RecordBuilder::eventRecords(facts, one, verdict);
        ++result.requests;
    }
    if (result.records.isEmpty())
        result.error = QStringLiteral("No events found in the file");
    return result;
}

} // namespace EventExchange
