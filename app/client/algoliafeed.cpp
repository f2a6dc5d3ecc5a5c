#include "algoliafeed.h"

#include "insightsclient.h"

#include "event/eventcodec.h"
#include "log/recordbuilder.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimeZone>
#include <QUrlQuery>

namespace {

constexpr qint64 kMemoryMs = 60 * 60 * 1000; // sent events and seen records are remembered for an hour

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

namespace FeedParser {

QString isoDate(qint64 msSinceEpoch)
{
    return QDateTime::fromMSecsSinceEpoch(msSinceEpoch, QTimeZone::utc())
               .toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzz")) +
           QLatin1Char('Z');
}

QString fingerprint(const Event& event)
{
    return event.userToken.value_or(QString()) + QChar(0x1f) + event.eventName.value_or(QString()) +
           QChar(0x1f) + QString::number(event.timestamp.value_or(0)) + QChar(0x1f) +
           event.objectIDs.value_or(QStringList()).join(QChar(0x1e));
}

std::optional<QList<FeedRecord>> parse(const QByteArray& body, QString* error)
{
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject() ||
        !document.object().value(QLatin1String("events")).isArray()) {
        if (error)
            *error = QStringLiteral("the debugger feed answered something else than {\"events\":[…]}");
        return std::nullopt;
    }
    QList<FeedRecord> records;
    for (const QJsonValue& item : document.object().value(QLatin1String("events")).toArray()) {
        const QJsonObject entry = item.toObject();
        FeedRecord record;
        record.rawEvent =
            QJsonDocument(entry.value(QLatin1String("event")).toObject()).toJson(QJsonDocument::Compact);
        const DecodedBatch decoded = EventCodec::decodeEvent(record.rawEvent);
        if (!decoded.events.isEmpty())
            record.event = decoded.events.constFirst();
        record.requestId = entry.value(QLatin1String("requestID")).toString();
        record.status = entry.value(QLatin1String("status")).toInt();
        for (const QJsonValue& message : entry.value(QLatin1String("errors")).toArray())
            record.errors.append(message.toString());
        // Go's decoder matched the key case-insensitively (insights-api.md §1.5): accept both spellings.
        QJsonObject headers = entry.value(QLatin1String("headers")).toObject();
        if (headers.isEmpty())
            headers = entry.value(QLatin1String("Headers")).toObject();
        for (auto it = headers.begin(); it != headers.end(); ++it) {
            if (it.key().compare(QLatin1String("user-agent"), Qt::CaseInsensitive) == 0) {
                const QJsonValue value = it.value();
                record.userAgent = value.isArray() ? value.toArray().at(0).toString() : value.toString();
            }
        }
        records.append(std::move(record));
    }
    return records;
}

} // namespace FeedParser

AlgoliaFeed::AlgoliaFeed(InsightsClient* client, QObject* parent)
    : QObject(parent)
    , m_client(client)
{
    qRegisterMetaType<AlgoliaVerdict>();
    qRegisterMetaType<SendResult>();
    m_timer.setSingleShot(false);
    connect(&m_timer, &QTimer::timeout, this, &AlgoliaFeed::poll);
    connect(client, &InsightsClient::recordsSent, this, &AlgoliaFeed::rememberSent);
}

AlgoliaFeed::~AlgoliaFeed() = default;

void AlgoliaFeed::start()
{
    m_windowStart = nowMs() - m_overlapMs;
    m_timer.start(m_intervalMs);
    poll();
}

void AlgoliaFeed::stop()
{
    m_timer.stop();
}

void AlgoliaFeed::rememberSent(const QList<LogRecord>& records)
{
    const qint64 now = nowMs();
    for (const LogRecord& record : records) {
        const DecodedBatch decoded = EventCodec::decodeEvent(record.rawJson);
        if (decoded.events.isEmpty())
            continue;
        const QString key = FeedParser::fingerprint(decoded.events.constFirst());
        m_sentByFingerprint[key].append(Sent{record.requestId, record.indexInRequest, now});
        m_sentOrder.emplace_back(now, key);
    }
    while (!m_sentOrder.empty() && m_sentOrder.front().first < now - kMemoryMs) {
        auto it = m_sentByFingerprint.find(m_sentOrder.front().second);
        if (it != m_sentByFingerprint.end()) {
            if (!it->isEmpty())
                it->removeFirst();
            if (it->isEmpty())
                m_sentByFingerprint.erase(it);
        }
        m_sentOrder.pop_front();
    }
}

void AlgoliaFeed::poll()
{
    if (m_inFlight)
        return; // a slow feed answer: skip this tick, the overlapping window covers the gap
    const ClientHosts& hosts = m_client->options().hosts;
    const qint64 windowEnd = nowMs();
    QUrl url =
        joinUrl(m_region == Region::Eu ? hosts.insightsDe : hosts.insightsUs, QStringLiteral("/1/events"));
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("startDate"), FeedParser::isoDate(m_windowStart));
    query.addQueryItem(QStringLiteral("endDate"), FeedParser::isoDate(windowEnd));
    query.addQueryItem(QStringLiteral("limit"), QStringLiteral("1000"));
    url.setQuery(query);
    SendRequest request;
    request.method = QByteArrayLiteral("GET");
    request.url = url;
    request.timeoutMs = qMax(1000, m_intervalMs * 3);
    request.headers = m_client->authHeaders();
    request.headers.append({QByteArrayLiteral("accept"), QByteArrayLiteral("application/json")});
    m_inFlight = true;
    m_client->transport()->execute(
        request, this, [this, windowEnd](const SendResult& result) { handle(result, windowEnd); });
}

void AlgoliaFeed::handle(const SendResult& result, qint64 windowEnd)
{
    m_inFlight = false;
    if (!result.isSuccess()) {
        const bool fatal = result.httpStatus == 401 || result.httpStatus == 403;
        if (fatal)
            m_timer.stop();
        Q_EMIT feedError(result, fatal);
        return;
    }
    QString error;
    const std::optional<QList<FeedRecord>> records = FeedParser::parse(result.body, &error);
    if (!records) {
        SendResult unreadable = result;
        unreadable.message = error;
        Q_EMIT feedError(unreadable, false);
        return;
    }
    // Next window starts before this one's end: records land in the feed with some delay.
    m_windowStart = windowEnd - m_overlapMs;

    const qint64 now = nowMs();
    QList<LogRecord> unmatched;
    int matched = 0;
    QHash<QString, int> indexInFeedRequest;
    for (const FeedRecord& record : *records) {
        const QString key = FeedParser::fingerprint(record.event);
        const QString seenKey = record.requestId + QChar(0x1f) + key;
        if (m_seen.contains(seenKey))
            continue;
        m_seen.insert(seenKey);
        m_seenOrder.emplace_back(now, seenKey);

        // Same event fields; among several identical sends, the one whose request id Algolia reports (when
        // its answer carried the id the feed shows), else the oldest.
        std::optional<Sent> sent;
        auto it = m_sentByFingerprint.find(key);
        if (it != m_sentByFingerprint.end() && !it->isEmpty()) {
            qsizetype pick = 0;
            for (qsizetype i = 0; i < it->size(); ++i) {
                if (it->at(i).requestId == record.requestId) {
                    pick = i;
                    break;
                }
            }
            sent = it->takeAt(pick);
            if (it->isEmpty())
                m_sentByFingerprint.erase(it);
        }
        if (sent) {
            ++matched;
            Q_EMIT verdict(AlgoliaVerdict{sent->requestId, sent->indexInRequest, record.status, record.errors,
                                          record.requestId});
            continue;
        }
        RequestFacts facts;
        facts.source = EventSource::Algolia;
        facts.requestId = record.requestId;
        facts.receivedAtMs = record.event.timestamp.value_or(now);
        facts.httpStatus = record.status;
        facts.accepted = record.status >= 200 && record.status < 300;
        facts.message = record.errors.isEmpty() ? (facts.accepted ? QStringLiteral("OK") : QString())
                                                : record.errors.constFirst();
        facts.userAgent = record.userAgent;
        facts.appId = m_client->appId();
        facts.target = m_region == Region::Eu ? QStringLiteral("de") : QStringLiteral("us");
        const int indexInRequest = indexInFeedRequest[record.requestId]++;
        IssueList issues;
        for (const QString& message : record.errors)
            issues.append(Issue{Severity::Error, indexInRequest, QString(), QStringLiteral("algolia.error"),
                                message, false});
        LogRecord log = RecordBuilder::eventRecord(facts, record.event, record.rawEvent, indexInRequest,
                                                   std::move(issues));
        unmatched.append(std::move(log));
    }
    while (!m_seenOrder.empty() && m_seenOrder.front().first < now - kMemoryMs) {
        m_seen.remove(m_seenOrder.front().second);
        m_seenOrder.pop_front();
    }
    const int newRecords = static_cast<int>(unmatched.size());
    if (!unmatched.isEmpty() && m_logSink)
        m_logSink(std::move(unmatched));
    Q_EMIT polled(newRecords, matched);
}
