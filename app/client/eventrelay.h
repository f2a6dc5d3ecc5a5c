#pragma once

// The optional event relay (issue 12 §3): the embedded endpoint forwards the events a site sends it to
// Algolia's Insights API with the site's own credentials, after logging them, and stores Algolia's answer
// beside the local verdict (EventLog::attachAlgoliaVerdicts: the table's "Algolia" verdict), so that a
// staging site keeps real analytics while it is debugged. Off unless asked for.

#include "client/insightstarget.h"
#include "log/eventlog.h"

#include <QObject>
#include <QString>

#include <atomic>

class HttpTransport;

class EventRelay final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EventRelay)

public:
    // Requests waiting for Algolia's answer beyond this are not relayed (their events say so): a burst must
    // not grow memory without bound while Algolia is slow.
    static constexpr int kMaxInFlight = 64;

    // `target` is an Algolia region or a URL (never the embedded endpoint itself: that would loop).
    EventRelay(EventLog* log, InsightsTarget target, ClientHosts hosts = {}, QObject* parent = nullptr);
    ~EventRelay() override;

    InsightsTarget target() const { return m_target; }

    // Thread-safe (the endpoint calls it on its threads after a request's records were committed): forwards
    // the request's events, as received, with the credentials the request carried. The key is kept in memory
    // for the request only, never logged. Records that are not events received by the endpoint (searches,
    // refused requests, events the app sent itself) are not relayed.
    void relay(const QString& appId, const QString& apiKey, const QList<LogRecord>& records);

    qint64 relayedRequests() const { return m_relayed; }
    qint64 failedRequests() const { return m_failed; }

Q_SIGNALS:
    // After Algolia's answer (or the transport's failure) was attached to the request's events.
    void requestRelayed(const QString& requestId, int httpStatus, const QString& message);

private:
    void send(const QString& appId, const QString& apiKey, QList<LogRecord> records);

    EventLog* m_log;
    InsightsTarget m_target;
    ClientHosts m_hosts;
    HttpTransport* m_http = nullptr;
    std::atomic<int> m_inFlight{0};
    std::atomic<qint64> m_relayed{0};
    std::atomic<qint64> m_failed{0};
};
