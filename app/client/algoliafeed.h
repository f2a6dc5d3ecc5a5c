#pragma once

#include "httptransport.h"
#include "insightstarget.h"

#include "event/event.h"
#include "log/eventlog.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <deque>
#include <functional>
#include <optional>

class InsightsClient;

// One record of Algolia's debugger feed, GET /1/events (insights-api.md §1.5): an event as Algolia
// received it, with the status of its request and its own errors.
struct FeedRecord
{
    Event event;
    QByteArray rawEvent; // the event's JSON
    QString requestId;   // Algolia's requestID, shared by the events of one request
    int status = 0;      // HTTP status Algolia gave the request
    QStringList errors;  // this event's errors (empty for an accepted one or a batch-mate of a bad one)
    QString userAgent;   // from the recorded request headers
};

// Algolia's verdict on an event the app sent and logged: the composition root (or the event log) attaches
// it to the logged record (requestId + indexInRequest identify it in the log).
struct AlgoliaVerdict
{
    QString requestId; // our log's request id of the sent event
    int indexInRequest = 0;
    int status = 0;
    QStringList errors;
    QString algoliaRequestId;
};

namespace FeedParser {
// Parses a feed page; nullopt (and `error`) when the body is not the feed's shape.
std::optional<QList<FeedRecord>> parse(const QByteArray& body, QString* error = nullptr);
// 2026-08-21T10:00:00.000Z: the layout the feed takes (UTC, milliseconds).
QString isoDate(qint64 msSinceEpoch);
// What identifies an event when no request id is shared: userToken, eventName, timestamp, objectIDs.
QString fingerprint(const Event& event);
} // namespace FeedParser

// Polls Algolia's debugger feed every few seconds over an overlapping window (like `algolia events tail`),
// skips records already seen, attaches Algolia's verdict to the events this app sent (by request id when
// Algolia's is known, else by fingerprint), and logs the others (a live site's events) with source
// Algolia. Needs a key with the `analytics` ACL; uses the client's transport and credentials.
class AlgoliaFeed final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AlgoliaFeed)

public:
    explicit AlgoliaFeed(InsightsClient* client, QObject* parent = nullptr);
    ~AlgoliaFeed() override;

    void setRegion(Region region) { m_region = region; }
    void setIntervalMs(int intervalMs) { m_intervalMs = intervalMs; }
    void setOverlapMs(int overlapMs) { m_overlapMs = overlapMs; }
    // Where unmatched feed records go (the event log's append).
    void setLogSink(std::function<void(QList<LogRecord>)> sink) { m_logSink = std::move(sink); }

    void start();
    void stop();
    bool isRunning() const { return m_timer.isActive() || m_inFlight; }

    // Sent events to match feed records against (connected to InsightsClient::recordsSent).
    void rememberSent(const QList<LogRecord>& records);

Q_SIGNALS:
    void verdict(const AlgoliaVerdict& verdict);
    // Unmatched records were logged (count); matched ones signalled through verdict().
    void polled(int newRecords, int matched);
    // 401/403 (no `analytics` ACL, wrong region) stop the polling; other errors are retried next tick.
    void feedError(const SendResult& result, bool stopped);

private:
    void poll();
    void handle(const SendResult& result, qint64 windowEnd);

    struct Sent
    {
        QString requestId;
        int indexInRequest = 0;
        qint64 at = 0;
    };

    InsightsClient* m_client = nullptr;
    QTimer m_timer;
    Region m_region = Region::Us;
    int m_intervalMs = 3000;
    int m_overlapMs = 3000;
    qint64 m_windowStart = 0;
    bool m_inFlight = false;
    std::function<void(QList<LogRecord>)> m_logSink;
    QHash<QString, QList<Sent>> m_sentByFingerprint;
    std::deque<std::pair<qint64, QString>> m_sentOrder; // for expiry
    QSet<QString> m_seen;                               // requestID + fingerprint of records already handled
    std::deque<std::pair<qint64, QString>> m_seenOrder;
};

Q_DECLARE_METATYPE(AlgoliaVerdict)
