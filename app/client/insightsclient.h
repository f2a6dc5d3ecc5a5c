#pragma once

#include "httptransport.h"
#include "insightstarget.h"
#include "outbox/outbox.h"
#include "profiles.h"
#include "retrypolicy.h"

#include "event/event.h"
#include "event/issue.h"
#include "log/eventlog.h"

#include <QHash>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <random>

class SecretStore;

// Which request bodies go gzip-encoded. Algolia's own clients offer it as an option (off by default), so
// it is opt-in for Algolia; the embedded endpoint decodes gzip and gains from smaller requests.
enum class GzipBodies
{
    Never,
    EmbeddedEndpoint,
    Always,
};

struct ClientOptions
{
    GzipBodies gzip = GzipBodies::EmbeddedEndpoint;
    int concurrency = 2;            // requests in flight at once
    int transferTimeoutMs = 30'000; // per request: no byte moving for this long is a timeout
    RetryPolicy retry;
    BatchLimits limits; // at most RequestLimits' (event/compatibilityprofile.h)
    ClientHosts hosts;
    QByteArray agent = QByteArrayLiteral("insights-debugger"); // x-algolia-agent
};

// App ID and API key for the current target. The key is used in request headers only: never logged,
// never stored in the outbox, the event log or the settings.
struct Credentials
{
    QString appId;
    QString apiKey;
};

enum class OutcomeKind
{
    Accepted, // 2xx: the events are in
    Rejected, // 4xx: final, never retried; Algolia's message says why
    Retrying, // transport error, timeout, 5xx or 429: sent again after `retryInMs`
    Failed,   // retries exhausted (or the server asked to wait too long): kept in the outbox as failed
};

// What happened to one request's events. Signalled for every attempt.
struct BatchOutcome
{
    OutcomeKind kind = OutcomeKind::Accepted;
    int eventCount = 0;
    int attempt = 1;      // 1 for the first request of these events
    SendResult result;    // HTTP status, message, headers of interest (never the key)
    qint64 retryInMs = 0; // Retrying only
    QString requestId;    // the request's id as logged
    QList<qint64> rows;   // the outbox rows of these events (what the outbox dock lists)
    QString destination;  // their outbox destination ("us|APPID")
    QString failure;      // Failed only: why they were given up, as the outbox keeps it
    int retries = 0; // times the user retried these events: a Failed outcome with retries > 0 failed again
    // For a 422: the validator's account of which event(s) and field(s) caused it (Algolia returns one
    // message per request). Empty when the local rules find nothing wrong.
    IssueList blame;
};

// What the outbox holds, for the outbox dock: its batches (all destinations) and the event counts.
struct OutboxSnapshot
{
    QList<OutboxBatchInfo> batches; // oldest first, at most the limit asked for
    QString destination;            // the client's current destination (where queued batches are sent)
    qint64 queued = 0;              // events, all destinations
    qint64 inFlight = 0;
    qint64 failed = 0;
    QString error; // the outbox could not be read
};

// Running totals since the client was created (or resetStats()).
struct SendStats
{
    qint64 sent = 0;        // events that went out at least once
    qint64 accepted = 0;    // events of 2xx answers
    qint64 rejected = 0;    // events of 4xx answers
    qint64 failed = 0;      // events whose retries ran out
    qint64 retried = 0;     // events sent again after a retryable failure (each retry counts)
    qint64 requests = 0;    // HTTP requests made
    QString firstRejection; // "HTTP 422: …" of the first rejected request
    QString firstFailure;   // the reason of the first failed batch
};

// The results of a DELETE /1/usertokens/{token} on the current target.
struct UserTokenDeletion
{
    QString userToken;
    SendResult result; // 204 (Algolia) or 200 (embedded endpoint) on success
};

// The Insights client: queues events in a persistent outbox, sends them in batches to the current
// target with bounded concurrency, retries what may succeed later, and records every verdict.
//
// Lives in one thread (create it where it will run; in the desktop app a worker thread keeps outbox
// writes off the GUI thread). Every sent event is handed to the log sink with source Sent, except those
// sent to the embedded endpoint: that endpoint logs them itself, once.
class InsightsClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(InsightsClient)

public:
    // Takes the records of one request in the form the log stores (EventLog::append of a RecordBatch).
    using LogSink = std::function<void(std::shared_ptr<const RecordBatch>)>;

    // `outbox` must outlive the client.
    explicit InsightsClient(Outbox* outbox, QObject* parent = nullptr);
    ~InsightsClient() override;

    void setOptions(const ClientOptions& options);
    const ClientOptions& options() const { return m_options; }
    void setTarget(const InsightsTarget& target);
    InsightsTarget target() const { return m_target; }
    void setCredentials(const Credentials& credentials);
    // Both at once, announced once: no request (a feed poll, a profile look-up) ever goes out with the new
    // target and the old credentials, or with the new target before its key is known.
    void setDestination(const InsightsTarget& target, const Credentials& credentials);
    QString appId() const { return m_credentials.appId; }
    bool hasApiKey() const { return !m_credentials.apiKey.isEmpty(); }
    // Reads the app's key from the store (asynchronously) and uses it; credentialsLoaded() tells when.
    void loadCredentials(SecretStore* store, const QString& appId);
    // Where sent events are recorded (the event log's append). Empty: not recorded.
    void setLogSink(LogSink sink);

    // The outbox partition of the current target and app: "us|APPID", "local|", "http://…|APPID".
    QString destination() const;
    // How bodies are stored in the outbox: gzip-encoded (compressed once, by whoever queues, off the
    // thread that drives the network), whatever the target; sent as stored where gzip is on.
    BodyEncoding bodyEncoding() const;

    // Queues events (stamping a missing timestamp with the collection time, now) and starts sending.
    // Returns how many were queued; 0 and error() when the outbox cannot be written.
    qint64 enqueue(const QList<Event>& events);
    // Queues events' JSON as given (for input the codec could not fully decode: the server judges it).
    qint64 enqueueRaw(const QList<QByteArray>& jsons);
    // Starts or continues sending what the outbox holds for the current destination.
    void sendQueued();
    // Failed events of the current destination go back to the queue and are sent again.
    qint64 retryFailed();
    // Failed events of every destination go back to the queue; those of the current one are sent again.
    qint64 retryAllFailed();
    // These outbox rows, when failed, go back to the queue and are sent (when they are the current
    // destination's); returns how many events.
    qint64 retryBatches(const QList<qint64>& rows);
    // Drops these outbox rows, stopping their request first when they are in flight; returns how many
    // events. The events are gone: they are not logged as sent.
    qint64 discardBatches(const QList<qint64>& rows);
    qint64 discardAllFailed();
    // Reads the outbox's batches (at most `limit`) and answers with outboxListed().
    void listOutbox(int limit = 500);

    bool isIdle() const;
    qint64 queuedCount() const; // waiting or in flight for the current destination
    SendStats stats() const { return m_stats; }
    void resetStats() { m_stats = SendStats{}; }
    QString error() const { return m_error; }

    // DELETE /1/usertokens/{token} on the current target; answers with userTokenDeleted().
    void deleteUserToken(const QString& userToken);
    // Both profile look-ups for a token in a region; each answers with profileFetched().
    void fetchProfiles(const QString& userToken, Region region);
    void fetchProfile(ProfileKind kind, const QString& userToken, Region region);

    // The transport of this service (the app's HTTP client, one libcurl multi handle), for the feed poller.
    HttpTransport* transport() const { return m_transport; }
    // Headers carrying the credentials (x-algolia-application-id, x-algolia-api-key). Contains the key.
    QList<QPair<QByteArray, QByteArray>> authHeaders() const;

Q_SIGNALS:
    void requestOutcome(const BatchOutcome& outcome);
    // The outbox changed (events queued, taken, answered, failed, retried or discarded): what a view of it
    // shows is stale. Signalled often; a view coalesces and asks listOutbox().
    void outboxChanged();
    void outboxListed(const OutboxSnapshot& snapshot);
    // Events that got a final answer or failed, and how many still wait (in flight included).
    void progress(qint64 finished, qint64 waiting);
    // Nothing waits and nothing is in flight for the current destination.
    void idle();
    // Records of events this client sent and logged itself (not those the embedded endpoint logs), as
    // handed to the log sink: the debugger feed matches Algolia's verdicts against them.
    void recordsSent(const QList<LogRecord>& records);
    void credentialsLoaded(bool found);
    // The target or the credentials changed (what the debugger feed polls depends on both).
    void destinationChanged();
    void userTokenDeleted(const UserTokenDeletion& deletion);
    void profileFetched(const ProfileLookup& lookup);

private:
    struct ActiveBatch;
    void pump();
    void startAttempt(const std::shared_ptr<ActiveBatch>& batch);
    void handleResult(const std::shared_ptr<ActiveBatch>& batch, const SendResult& result);
    void finishBatch(const std::shared_ptr<ActiveBatch>& batch);
    void record(const ActiveBatch& batch, const SendResult& result, bool accepted, const QString& message,
                const IssueList& issues);
    IssueList blame422(const ActiveBatch& batch) const;
    bool gzipFor(const InsightsTarget& target) const;
    void checkIdle();

    Outbox* m_outbox = nullptr;
    HttpTransport* m_transport = nullptr;
    ClientOptions m_options;
    InsightsTarget m_target;
    Credentials m_credentials;
    LogSink m_logSink;
    QHash<ActiveBatch*, std::shared_ptr<ActiveBatch>> m_active;
    SendStats m_stats;
    qint64 m_finishedEvents = 0;
    qint64 m_queued = 0;      // queued for the current destination, as of the last count and batches taken
    bool m_outboxDry = false; // the last pump found nothing more to take
    QString m_error;
    std::mt19937 m_random;
    bool m_idleAnnounced = true;
};

Q_DECLARE_METATYPE(BatchOutcome)
Q_DECLARE_METATYPE(OutboxSnapshot)
Q_DECLARE_METATYPE(UserTokenDeletion)
Q_DECLARE_METATYPE(ProfileLookup)
