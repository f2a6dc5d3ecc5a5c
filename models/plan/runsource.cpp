#include "runsource.h"

#include "datafolder/datafolder.h"
#include "event/eventcodec.h"
#include "event/validator.h"
#include "views/eventexchange.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace {

// Records of one read of the log at a time, so a large log is read in pages.
constexpr int kPage = 10'000;

} // namespace

namespace RunSource {

RunLoadResult load(const QString& path, qint64 sinceId)
{
    const QFileInfo info(path);
    if (!info.exists()) {
        RunLoadResult result;
        result.error = QStringLiteral("%1 does not exist").arg(path);
        return result;
    }
    return info.isDir() ? loadDataFolder(path, sinceId) : loadExport(path, sinceId);
}

RunLoadResult loadDataFolder(const QString& dataDir, qint64 sinceId)
{
    RunLoadResult result;
    const QString path = DataFolder::eventLogPath(dataDir);
    // Opening would create an empty log: a folder without one is a mistake worth saying.
    if (!QFileInfo::exists(path)) {
        result.error = QStringLiteral("%1 has no event log (events.sqlite)").arg(dataDir);
        return result;
    }
    EventLogOptions options;
    options.path = path;
    EventLog::OpenResult opened = EventLog::open(options);
    if (!opened.log) {
        result.error = QStringLiteral("cannot open the event log %1: %2").arg(path, opened.error);
        return result;
    }
    LogQuery query;
    query.sinceId = sinceId;
    query.limit = kPage;
    for (;;) {
        const QList<LogRecord> page = opened.log->query(query);
        result.records += page;
        if (page.size() < kPage)
            break;
        query.sinceId = page.constLast().id;
    }
    return result;
}

RunLoadResult loadExport(const QString& path, qint64 sinceId)
{
    RunLoadResult result;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        result.error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return result;
    }
    const QByteArray data = file.readAll();
    // An export is judged as of its own time, not today's: its newest timestamp stands for "now", so old
    // events are not rejected for their age.
    qint64 nowMs = 0;
    for (const Event& event : EventCodec::decodeInput(data.trimmed()).batch.events)
        nowMs = std::max(nowMs, event.timestamp.value_or(0));
    if (nowMs == 0)
        nowMs = QDateTime::currentMSecsSinceEpoch();
    ValidationContext context;
    context.nowMs = nowMs;
    EventExchange::ImportResult imported = EventExchange::importData(data, context, nowMs);
    if (!imported.error.isEmpty() && imported.records.isEmpty()) {
        result.error = QStringLiteral("%1: %2").arg(QFileInfo(path).fileName(), imported.error);
        return result;
    }
    qint64 id = 0;
    for (LogRecord& record : imported.records) {
        record.id = ++id;
        if (record.id > sinceId)
            result.records.append(std::move(record));
    }
    return result;
}

RunLoadResult fromAutomationPage(const QByteArray& json, qint64& lastId)
{
    RunLoadResult result;
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject() ||
        !document.object().value(QStringLiteral("events")).isArray()) {
        result.error = QStringLiteral("not an answer of GET /debugger/events");
        return result;
    }
    const QJsonObject root = document.object();
    lastId = static_cast<qint64>(root.value(QStringLiteral("lastId")).toDouble(static_cast<double>(lastId)));
    for (const QJsonValue& value : root.value(QStringLiteral("events")).toArray()) {
        const QJsonObject object = value.toObject();
        LogRecord record;
        record.id = static_cast<qint64>(object.value(QStringLiteral("id")).toDouble());
        record.kind =
            recordKindFromName(object.value(QStringLiteral("kind")).toString()).value_or(RecordKind::Event);
        record.queryId = object.value(QStringLiteral("queryID")).toString();
        record.requestId = object.value(QStringLiteral("requestId")).toString();
        record.receivedAtMs = static_cast<qint64>(object.value(QStringLiteral("receivedAt")).toDouble());
        record.source = eventSourceFromName(object.value(QStringLiteral("source")).toString())
                            .value_or(EventSource::Endpoint);
        record.accepted = object.value(QStringLiteral("status")).toString() == QLatin1String("accepted");
        record.httpStatus = object.value(QStringLiteral("httpStatus")).toInt();
        record.message = object.value(QStringLiteral("message")).toString();
        record.indexInRequest = object.value(QStringLiteral("indexInRequest")).toInt();
        record.eventType = object.value(QStringLiteral("eventType")).toString();
        record.eventSubtype = object.value(QStringLiteral("eventSubtype")).toString();
        record.eventName = object.value(QStringLiteral("eventName")).toString();
        record.index = object.value(QStringLiteral("index")).toString();
        record.userToken = object.value(QStringLiteral("userToken")).toString();
        record.authenticatedUserToken = object.value(QStringLiteral("authenticatedUserToken")).toString();
        record.timestampMs = static_cast<qint64>(object.value(QStringLiteral("timestamp")).toDouble());
        record.issues = issuesFromJson(object.value(QStringLiteral("issues")).toArray());
        const QJsonValue event = object.value(QStringLiteral("event"));
        record.rawJson = event.isObject() ? QJsonDocument(event.toObject()).toJson(QJsonDocument::Compact)
                                          : event.toString().toUtf8();
        const QJsonObject request = object.value(QStringLiteral("request")).toObject();
        record.userAgent = request.value(QStringLiteral("userAgent")).toString();
        record.device = request.value(QStringLiteral("device")).toString();
        record.agent = request.value(QStringLiteral("agent")).toString();
        record.origin = request.value(QStringLiteral("origin")).toString();
        record.referer = request.value(QStringLiteral("referer")).toString();
        record.remoteAddress = request.value(QStringLiteral("remoteAddress")).toString();
        record.appId = request.value(QStringLiteral("appId")).toString();
        record.target = request.value(QStringLiteral("target")).toString();
        result.records.append(std::move(record));
    }
    return result;
}

} // namespace RunSource
