#pragma once

#include "event/event.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <memory>
#include <optional>

// One queued event: its JSON exactly as it will go on the wire, and what happened to it so far.
struct OutboxEntry
{
    qint64 id = 0;
    QByteArray json; // canonical event JSON (EventCodec), timestamp already stamped
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

// Limits of one POST /1/events request (insights-api.md §1.3): at most 1000 events, body under 2 MB.
// 2,000,000 rather than 2 MiB because Algolia does not say which one it means.
struct BatchLimits
{
    int maxEvents = 1000;
    qint64 maxBodyBytes = 2'000'000; // the body must be strictly smaller
};

// A batch taken from the outbox: ids and JSON texts in queue order, and the exact size of its body.
struct OutboxBatch
{
    QList<qint64> ids;
    QList<QByteArray> jsons;
    qint64 bodyBytes = 0;
    int maxAttempts = 0; // the highest attempt count among its entries
    bool isEmpty() const { return ids.isEmpty(); }
};

// The sender's persistent queue: one SQLite file (WAL), so that events waiting to be sent survive a
// restart or a crash. Each event waits with the timestamp of the moment it was collected: enqueue stamps
// events that have none, so a retry hours later still carries the collection time.
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
    // back to the queue.
    static OpenResult open(const QString& path, Recovery recovery = Recovery::RequeueInFlight);
    ~Outbox();
    Outbox(const Outbox&) = delete;
    Outbox& operator=(const Outbox&) = delete;

    QString path() const;

    // Queues events for a destination, stamping `timestamp` with nowMs where absent. Returns the ids,
    // in order, or an empty list when the write failed (then lastError() says why).
    QList<qint64> enqueue(const QList<Event>& events, const QString& destination, qint64 nowMs);
    // Queues JSON texts as they are (events that could not be decoded are sent verbatim so that the
    // server judges them as the user wrote them).
    QList<qint64> enqueueRaw(const QList<QByteArray>& jsons, const QString& destination, qint64 nowMs);

    // Takes the oldest queued entries of a destination that fit in one request and marks them in flight.
    OutboxBatch takeBatch(const QString& destination, const BatchLimits& limits);
    // A request carrying these entries got a final answer (accepted or rejected): they leave the outbox.
    bool remove(const QList<qint64>& ids);
    // A request failed and will be retried: count the attempt and remember the reason.
    bool recordAttempt(const QList<qint64>& ids, const QString& reason);
    // Retries exhausted: the entries stay, marked failed with the reason, until retried or discarded.
    bool markFailed(const QList<qint64>& ids, const QString& reason);
    // Puts in-flight entries back in the queue (a sender stopped before an answer).
    bool release(const QList<qint64>& ids);
    // Failed entries of a destination (all destinations when empty) go back to the queue; returns how many.
    qint64 requeueFailed(const QString& destination = {});
    qint64 discardFailed(const QString& destination = {});

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
