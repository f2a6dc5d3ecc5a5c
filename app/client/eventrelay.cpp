#include "eventrelay.h"

#include "client/httptransport.h"

#include <algorithm>

namespace {

bool isRelayed(const LogRecord& record)
{
    return record.kind == RecordKind::Event && record.source == EventSource::Endpoint &&
           !record.rawJson.isEmpty();
}

} // namespace

EventRelay::EventRelay(EventLog* log, InsightsTarget target, ClientHosts hosts, QObject* parent)
    : QObject(parent)
    , m_log(log)
    , m_target(std::move(target))
    , m_hosts(std::move(hosts))
    , m_http(new HttpTransport(this))
{}

EventRelay::~EventRelay() = default;

void EventRelay::relay(const QString& appId, const QString& apiKey, const QList<LogRecord>& records)
{
    QList<LogRecord> events;
    for (const LogRecord& record : records)
        if (isRelayed(record))
            events << record;
    if (events.isEmpty())
        return;
    QMetaObject::invokeMethod(this, [this, appId, apiKey, events = std::move(events)]() mutable {
        send(appId, apiKey, std::move(events));
    });
}

void EventRelay::send(const QString& appId, const QString& apiKey, QList<LogRecord> records)
{
    std::sort(records.begin(), records.end(),
              [](const LogRecord& a, const LogRecord& b) { return a.indexInRequest < b.indexInRequest; });
    const QString requestId = records.first().requestId;
    auto attach = [this, records, requestId](int status, const QStringList& errors, const QString& message) {
        QList<AlgoliaVerdictUpdate> updates;
        for (const LogRecord& record : records)
            updates.append({record.requestId, record.indexInRequest, status, errors});
        m_log->attachAlgoliaVerdicts(std::move(updates));
        Q_EMIT requestRelayed(requestId, status, message);
    };
    if (m_inFlight >= kMaxInFlight) {
        ++m_failed;
        const QString reason = tr("not relayed: %1 requests already waiting for Algolia").arg(kMaxInFlight);
        attach(0, {reason}, reason);
        return;
    }
    // The events as received (each one's JSON text as the site sent it), in their order, in one batch as
    // the site sent them.
    QByteArray body = QByteArrayLiteral("{\"events\":[");
    for (qsizetype i = 0; i < records.size(); ++i) {
        if (i > 0)
            body += ',';
        body += records[i].rawJson;
    }
    body += "]}";
    SendRequest request;
    request.url = joinUrl(m_target.baseUrl(m_hosts), QStringLiteral("/1/events"));
    request.body = std::move(body);
    request.headers = {
        {QByteArrayLiteral("content-type"), QByteArrayLiteral("application/json")},
        {QByteArrayLiteral("x-algolia-application-id"), appId.toUtf8()},
        {QByteArrayLiteral("x-algolia-api-key"), apiKey.toUtf8()},
    };
    // Algolia attributes events to the client that sent them: keep the site's agent.
    if (const QString agent = records.first().agent; !agent.isEmpty())
        request.headers.append({QByteArrayLiteral("x-algolia-agent"), agent.toUtf8()});
    ++m_inFlight;
    m_http->execute(request, this, [this, attach](const SendResult& result) {
        --m_inFlight;
        if (result.httpStatus >= 200 && result.httpStatus < 300) {
            ++m_relayed;
            attach(result.httpStatus, {}, result.message);
            return;
        }
        ++m_failed;
        // Algolia's own message for its refusals; the transport's reason when no answer came (status 0).
        const QString message =
            result.httpStatus > 0 ? result.message : tr("not relayed: %1").arg(result.describe());
        attach(result.httpStatus, {message}, message);
    });
}
