#pragma once

#include "event/compatibilityprofile.h"
#include "event/event.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

#include <memory>
#include <optional>

// One queued event: its JSON exactly as it will go on the wire, and what happened to it so far.
struct OutboxEntry
{
    qint64 id = 0;   // the outbox row (one batch) that holds the event
    QByteArray json; // the event's JSON, timestamp already stamped
    qint64 enqueuedAtMs = 0;
    int attempts = 0;  // requests that carried this event and got no final answer
    QString lastError; // why the last attempt failed (failed entries: the final reason)
};

enum class OutboxState
{
    Queued = 0,   // waiting to be sent
    InFlight = 1, // taken by this process's sender (in memory only: the file says Queued, so a crash resends)
    Failed = 2,   // retries exhausted: kept with the reason until retried or discarded by the user
};

// One stored batch (an outbox row) as the outbox dock lists it: no body, only what tells it apart.
struct OutboxBatchInfo
{
    qint64 row = 0;
    QString destination; // "us|APPID", "local|", "http://…|APPID"
    OutboxState state = OutboxState::Queued;
    int eventCount = 0;
    qint64 enqueuedAtMs = 0;
    int attempts = 0;  // requests that carried it and got no final answer (since the last retry)
    QString lastError; // why the last attempt failed; for a failed batch, why it was given up
    int retries = 0;   // times the user retried it (kept in the file: also after a restart)
};

// Limits of one request the outbox cuts; Algolia's by default (RequestLimits), smaller ones for tests and
// `send --batch-size`.
struct BatchLimits
{
    int maxEvents = RequestLimits::kMaxEvents;
    qint64 maxBodyBytes = RequestLimits::kMaxBodyBytes; // the body must be strictly smaller
};

// How a stored request body is encoded. Gzip is chosen at enqueue for destinations that take gzip
// bodies (the embedded endpoint): compressing on the queueing side keeps it off the thread that drives
// the network, and the outbox reads and writes a tenth of the bytes.
enum class BodyEncoding
{
    Identity = 0,
    Gzip = 1, // stored gzip-encoded when that is smaller (bodies over 750 bytes)
};

// A request's worth of events taken from the outbox: the rows that hold them and the request body, built
// when the events were queued ({"events":[…]}, as EventCodec::encodeRawBatch joins them).
struct OutboxBatch
{
    QList<qint64> rows;     // outbox rows: what remove(), recordAttempt(), markFailed(), release() take
    QByteArray body;        // the request body as stored: gzip-encoded when `gzipped`
    bool gzipped = false;   // `body` is gzip-encoded (Content-Encoding: gzip)
    QByteArray plain;       // a gzip-encoded body's plain bytes, when known (queued by this process)
    QList<quint32> lengths; // each event's JSON length, in order: the events are slices of the plain body
    int maxAttempts = 0;    // the highest attempt count among its rows
    int maxRetries = 0;     // the most times the user retried one of its rows (as retries() says)
    bool isEmpty() const { return rows.isEmpty(); }
    int eventCount() const { return static_cast<int>(lengths.size()); }
    // Size of the plain body (what the 2 MB limit is about).
    qint64 bodyBytes() const;
    // The plain {"events":[…]} body (decompressed when stored gzip-encoded).
    QByteArray plainBody() const;
    // The events' JSON texts (copies of the slices of the plain body): for logging and 422 blame only.
    QList<QByteArray> jsons() const;
};

// The sender's persistent queue: one SQLite file (WAL), so that events waiting to be sent survive a
// restart or a crash. Each event waits with the timestamp of the moment it was collected: enqueue stamps
// events that have none, so a retry hours later still carries the collection time.
//
// One row per batch: enqueue cuts the events into request bodies (<= limits) and stores each body as one
// row, in one transaction per call, so a request is one row read and an answer one row deleted. A crash
// mid-enqueue leaves no partial batch: the transaction is all or nothing.
//
// Entries belong to a destination (target + app ID, e.g. "us|APPID"): events queued for the embedded
// endpoint never leak to Algolia when the user switches target.
//
// Not thread-safe: one Outbox is used from one thread (the client's); another thread of the same process
// may queue through its own Outbox (Recovery::None) on the same file. Two processes must not share a
// file; the `send` command guards it with a lock file.
class Outbox final
{
public:
    struct OpenResult;
    enum class Recovery
    {
        RequeueInFlight, // the owner of the file: what a previous process left in flight is sent again
        None,            // a second connection of the same process (a queueing thread): leave them be
    };
    // Opens or creates the file; with RequeueInFlight, entries left in flight by a previous process go
    // back to the queue. A file of the earlier one-row-per-event schema is migrated in place.
    static OpenResult open(const QString& path, Recovery recovery = Recovery::RequeueInFlight);
    ~Outbox();
    Outbox(const Outbox&) = delete;
    Outbox& operator=(const Outbox&) = delete;

    QString path() const;

    // Queues events for a destination, stamping `timestamp` with nowMs where absent, in batches that fit
    // `limits`. Returns how many events were queued, or -1 when the write failed (lastError() says why;
    // then none of them is queued).
    qint64 enqueue(const QList<Event>& events, const QString& destination, qint64 nowMs,
                   const BatchLimits& limits = {}, BodyEncoding encoding = BodyEncoding::Identity);
    // Queues JSON texts as they are (events that could not be decoded are sent verbatim so that the
    // server judges them as the user wrote them).
    qint64 enqueueRaw(const QList<QByteArray>& jsons, const QString& destination, qint64 nowMs,
                      const BatchLimits& limits = {}, BodyEncoding encoding = BodyEncoding::Identity);
    // The same from views of texts the caller keeps alive for the call (no copy per event).
    qint64 enqueueViews(const QList<QByteArrayView>& jsons, const QString& destination, qint64 nowMs,
                        const BatchLimits& limits = {}, BodyEncoding encoding = BodyEncoding::Identity);

    // Takes the oldest queued events of a destination that fit in one request and marks them in flight.
    // Consecutive small rows are joined; a row larger than `limits` (queued under larger ones) is split.
    OutboxBatch takeBatch(const QString& destination, const BatchLimits& limits);
    // A request carrying these rows got a final answer (accepted or rejected): they leave the outbox.
    bool remove(const QList<qint64>& rows);
    // A request failed and will be retried: count the attempt and remember the reason.
    bool recordAttempt(const QList<qint64>& rows, const QString& reason);
    // Retries exhausted: the rows stay, marked failed with the reason, until retried or discarded.
    bool markFailed(const QList<qint64>& rows, const QString& reason);
    // Puts in-flight rows back in the queue (a sender stopped before an answer).
    bool release(const QList<qint64>& rows);
    // Failed events of a destination (all destinations when empty) go back to the queue; returns how many.
    qint64 requeueFailed(const QString& destination = {});
    qint64 discardFailed(const QString& destination = {});
    // The failed rows among `rows` go back to the queue (their attempts start again, their last reason
    // stays until the next answer); returns how many events.
    qint64 requeue(const QList<qint64>& rows);
    // Deletes the rows among `rows` that are not in flight (the sender holds those: it discards them
    // itself once it stopped their request); returns how many events.
    qint64 discard(const QList<qint64>& rows);

    // The stored batches of every destination, oldest first, at most `limit` (in-flight ones told apart
    // from queued ones by this process's sender). Reads no bodies.
    QList<OutboxBatchInfo> batches(int limit = 500) const;
    // How often the user retried this row (0: never, or no such row), as the file says.
    int retries(qint64 row) const;
    // Whether a row is in flight (taken by this process's sender, not answered yet).
    bool isInFlight(qint64 row) const;

    // Events (not rows) in a state.
    qint64 count(OutboxState state, const QString& destination = {}) const;
    QList<OutboxEntry> entries(OutboxState state, const QString& destination = {}, int limit = 1000) const;
    QStringList destinations() const; // destinations that have queued or failed entries

    QString lastError() const;

private:
    Outbox();
    struct Private;
    std::unique_ptr<Private> d;
};

struct Outbox::OpenResult
{
    std::unique_ptr<Outbox> outbox;
    QString error;
};

// Size in bytes of {"events":[…]} made of JSON texts of these sizes (as EventCodec::encodeRawBatch joins
// them): used to fill a batch without encoding it twice.
qint64 rawBatchBodySize(qint64 sumOfJsonSizes, int count);
