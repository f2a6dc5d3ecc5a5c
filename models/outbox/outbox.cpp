#include "outbox.h"

#include "event/eventcodec.h"

#include <QAtomicInteger>
#include <QFileInfo>
#include <QHash>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>
#include <QVariant>

namespace {

constexpr int kSchemaVersion = 2; // 2: index on (destination, id)

QString connectionName()
{
    static QAtomicInteger<quint64> counter;
    return QStringLiteral("insights-outbox-%1").arg(counter.fetchAndAddRelaxed(1));
}

// Ids are integers we produced: joining them into the SQL text is safe and avoids 1000 bind calls.
QString idList(const QList<qint64>& ids)
{
    QStringList parts;
    parts.reserve(ids.size());
    for (qint64 id : ids)
        parts.append(QString::number(id));
    return parts.join(QLatin1Char(','));
}

} // namespace

qint64 rawBatchBodySize(qint64 sumOfJsonSizes, int count)
{
    // {"events":[ + texts joined by ',' + ]}
    return 11 + sumOfJsonSizes + (count > 0 ? count - 1 : 0) + 2;
}

struct Outbox::Private
{
    QString path;
    QString connection;
    QString lastError;
    // Entries taken by a sender and not answered yet: kept in memory, not in the file. Writing a state for
    // 1000 rows per batch cost a third of the client's time, and after a crash the file must say "queued"
    // for them anyway (at-least-once).
    QHash<qint64, QString> inFlight; // id -> destination

    qint64 inFlightCount(const QString& destination) const
    {
        if (destination.isEmpty())
            return inFlight.size();
        qint64 count = 0;
        for (const QString& of : inFlight)
            count += of == destination ? 1 : 0;
        return count;
    }
    void forget(const QList<qint64>& ids)
    {
        for (qint64 id : ids)
            inFlight.remove(id);
    }

    QSqlDatabase db() const { return QSqlDatabase::database(connection, false); }

    bool exec(const QString& sql)
    {
        QSqlQuery query(db());
        if (!query.exec(sql)) {
            lastError = query.lastError().text();
            return false;
        }
        return true;
    }

    bool updateState(const QList<qint64>& ids, std::optional<OutboxState> state, const QString* reason,
                     bool countAttempt)
    {
        if (ids.isEmpty())
            return true;
        QString sql = QStringLiteral("UPDATE outbox SET attempts = attempts + %1").arg(countAttempt ? 1 : 0);
        if (state)
            sql += QStringLiteral(", state = %1").arg(static_cast<int>(*state));
        if (reason)
            sql += QStringLiteral(", last_error = :reason");
        sql += QStringLiteral(" WHERE id IN (%1)").arg(idList(ids));
        QSqlQuery query(db());
        query.prepare(sql);
        if (reason)
            query.bindValue(QStringLiteral(":reason"), *reason);
        if (!query.exec()) {
            lastError = query.lastError().text();
            return false;
        }
        return true;
    }

    QList<qint64> insert(const QList<QByteArray>& jsons, const QString& destination, qint64 nowMs)
    {
        QSqlDatabase database = db();
        if (!database.transaction()) {
            lastError = database.lastError().text();
            return {};
        }
        // Many rows per statement: binding and stepping one statement per event costs more than the
        // event itself. Row ids of one INSERT are consecutive (one writer, inside a transaction).
        constexpr qsizetype kRowsPerStatement = 200;
        QList<qint64> ids;
        ids.reserve(jsons.size());
        QSqlQuery full(database);
        QSqlQuery tail(database);
        const auto statement = [](qsizetype rows) {
            QString sql = QStringLiteral(
                "INSERT INTO outbox (destination, enqueued_ms, state, attempts, json) VALUES ");
            for (qsizetype i = 0; i < rows; ++i)
                sql += i == 0 ? QStringLiteral("(?, ?, 0, 0, ?)") : QStringLiteral(",(?, ?, 0, 0, ?)");
            return sql;
        };
        full.prepare(statement(kRowsPerStatement));
        for (qsizetype start = 0; start < jsons.size(); start += kRowsPerStatement) {
            const qsizetype rows = qMin(kRowsPerStatement, jsons.size() - start);
            QSqlQuery& query = rows == kRowsPerStatement ? full : tail;
            if (rows != kRowsPerStatement)
                query.prepare(statement(rows));
            for (qsizetype i = 0; i < rows; ++i) {
                query.bindValue(static_cast<int>(i * 3), destination);
                query.bindValue(static_cast<int>(i * 3 + 1), nowMs);
                query.bindValue(static_cast<int>(i * 3 + 2), jsons.at(start + i));
            }
            if (!query.exec()) {
                lastError = query.lastError().text();
                database.rollback();
                return {};
            }
            const qint64 last = query.lastInsertId().toLongLong();
            for (qint64 id = last - rows + 1; id <= last; ++id)
                ids.append(id);
        }
        if (!database.commit()) {
            lastError = database.lastError().text();
            return {};
        }
        return ids;
    }

    QString whereDestination(OutboxState state, const QString& destination) const
    {
        QString where = QStringLiteral(" WHERE state = %1").arg(static_cast<int>(state));
        if (!destination.isEmpty())
            where += QStringLiteral(" AND destination = :destination");
        return where;
    }
};

Outbox::Outbox()
    : d(std::make_unique<Private>())
{}

Outbox::~Outbox()
{
    {
        QSqlDatabase database = d->db();
        if (database.isOpen())
            database.close();
    }
    QSqlDatabase::removeDatabase(d->connection);
}

Outbox::OpenResult Outbox::open(const QString& path, Recovery recovery)
{
    OpenResult result;
    std::unique_ptr<Outbox> outbox(new Outbox());
    outbox->d->path = path;
    outbox->d->connection = connectionName();
    {
        QSqlDatabase database = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), outbox->d->connection);
        database.setDatabaseName(path);
        if (!database.open()) {
            result.error =
                QStringLiteral("cannot open the outbox %1: %2").arg(path, database.lastError().text());
            return result;
        }
    }
    Private& p = *outbox->d;
    // WAL + synchronous=NORMAL: a committed enqueue survives the process being killed.
    const bool ok =
        p.exec(QStringLiteral("PRAGMA journal_mode=WAL")) &&
        p.exec(QStringLiteral("PRAGMA synchronous=NORMAL")) &&
        p.exec(QStringLiteral("PRAGMA busy_timeout=5000")) &&
        p.exec(QStringLiteral("PRAGMA cache_size=-16384")) && // 16 MB: a large queue is read back once
        // Checkpoint less often: rows are inserted and soon deleted, so most pages change again before a
        // later checkpoint would copy them (and each checkpoint syncs the file).
        p.exec(QStringLiteral("PRAGMA wal_autocheckpoint=8192")) &&
        p.exec(QStringLiteral("CREATE TABLE IF NOT EXISTS outbox ("
                              "id INTEGER PRIMARY KEY AUTOINCREMENT, destination TEXT NOT NULL, "
                              "enqueued_ms INTEGER NOT NULL, state INTEGER NOT NULL, "
                              "attempts INTEGER NOT NULL, last_error TEXT, json BLOB NOT NULL)")) &&
        // Not on `state`: taking a batch flips it for 1000 rows, and keeping an index on it in step costs
        // more than scanning past the few batches in flight.
        p.exec(QStringLiteral("DROP INDEX IF EXISTS outbox_by_state")) &&
        p.exec(
            QStringLiteral("CREATE INDEX IF NOT EXISTS outbox_by_destination ON outbox (destination, id)"));
    if (!ok) {
        result.error = QStringLiteral("cannot prepare the outbox %1: %2").arg(path, p.lastError);
        return result;
    }
    QSqlQuery version(p.db());
    if (version.exec(QStringLiteral("PRAGMA user_version")) && version.next()) {
        const int found = version.value(0).toInt();
        if (found > kSchemaVersion) {
            result.error = QStringLiteral("the outbox %1 was written by a newer version (schema %2)")
                               .arg(path)
                               .arg(found);
            return result;
        }
        if (found < kSchemaVersion)
            p.exec(QStringLiteral("PRAGMA user_version=%1").arg(kSchemaVersion));
    }
    // Whoever had these in flight is gone: send them again (at-least-once; the receiver may see twice).
    if (recovery == Recovery::RequeueInFlight &&
        !p.exec(QStringLiteral("UPDATE outbox SET state = 0 WHERE state = 1"))) {
        result.error = QStringLiteral("cannot recover the outbox %1: %2").arg(path, p.lastError);
        return result;
    }
    result.outbox = std::move(outbox);
    return result;
}

QString Outbox::path() const
{
    return d->path;
}

QList<qint64> Outbox::enqueue(const QList<Event>& events, const QString& destination, qint64 nowMs)
{
    QList<QByteArray> jsons;
    jsons.reserve(events.size());
    for (const Event& event : events) {
        if (event.timestamp) {
            jsons.append(EventCodec::encodeEvent(event));
        } else {
            Event stamped = event;
            stamped.timestamp = nowMs;
            jsons.append(EventCodec::encodeEvent(stamped));
        }
    }
    return d->insert(jsons, destination, nowMs);
}

QList<qint64> Outbox::enqueueRaw(const QList<QByteArray>& jsons, const QString& destination, qint64 nowMs)
{
    return d->insert(jsons, destination, nowMs);
}

OutboxBatch Outbox::takeBatch(const QString& destination, const BatchLimits& limits)
{
    OutboxBatch batch;
    QSqlQuery query(d->db());
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT id, json, attempts FROM outbox WHERE destination = ? AND state = 0 "
                                 "ORDER BY id LIMIT ?"));
    query.bindValue(0, destination);
    // The oldest queued rows include those already in flight: read past them.
    query.bindValue(1, qMax(1, limits.maxEvents) + d->inFlightCount(destination));
    if (!query.exec()) {
        d->lastError = query.lastError().text();
        return batch;
    }
    qint64 sum = 0;
    while (query.next() && batch.ids.size() < limits.maxEvents) {
        const qint64 id = query.value(0).toLongLong();
        if (d->inFlight.contains(id))
            continue;
        QByteArray json = query.value(1).toByteArray();
        const qint64 size = rawBatchBodySize(sum + json.size(), static_cast<int>(batch.ids.size()) + 1);
        // A single event over the limit still goes alone: the server's 413 is the verdict to show.
        if (!batch.ids.isEmpty() && size >= limits.maxBodyBytes)
            break;
        sum += json.size();
        batch.ids.append(id);
        batch.jsons.append(std::move(json));
        batch.maxAttempts = qMax(batch.maxAttempts, query.value(2).toInt());
    }
    query.finish();
    batch.bodyBytes = rawBatchBodySize(sum, static_cast<int>(batch.ids.size()));
    for (qint64 id : std::as_const(batch.ids))
        d->inFlight.insert(id, destination);
    return batch;
}

bool Outbox::remove(const QList<qint64>& ids)
{
    if (ids.isEmpty())
        return true;
    d->forget(ids);
    // A batch is usually a run of consecutive ids: a range is cheaper for SQLite than a 1000-value list.
    bool consecutive = true;
    for (qsizetype i = 1; consecutive && i < ids.size(); ++i)
        consecutive = ids.at(i) == ids.at(i - 1) + 1;
    if (consecutive)
        return d->exec(QStringLiteral("DELETE FROM outbox WHERE id BETWEEN %1 AND %2")
                           .arg(ids.constFirst())
                           .arg(ids.constLast()));
    return d->exec(QStringLiteral("DELETE FROM outbox WHERE id IN (%1)").arg(idList(ids)));
}

bool Outbox::recordAttempt(const QList<qint64>& ids, const QString& reason)
{
    return d->updateState(ids, std::nullopt, &reason, true);
}

bool Outbox::markFailed(const QList<qint64>& ids, const QString& reason)
{
    d->forget(ids);
    return d->updateState(ids, OutboxState::Failed, &reason, false);
}

bool Outbox::release(const QList<qint64>& ids)
{
    d->forget(ids);
    return true;
}

qint64 Outbox::requeueFailed(const QString& destination)
{
    QSqlQuery query(d->db());
    query.prepare(QStringLiteral("UPDATE outbox SET state = 0, attempts = 0") +
                  d->whereDestination(OutboxState::Failed, destination));
    if (!destination.isEmpty())
        query.bindValue(QStringLiteral(":destination"), destination);
    if (!query.exec()) {
        d->lastError = query.lastError().text();
        return 0;
    }
    return query.numRowsAffected();
}

qint64 Outbox::discardFailed(const QString& destination)
{
    QSqlQuery query(d->db());
    query.prepare(QStringLiteral("DELETE FROM outbox") +
                  d->whereDestination(OutboxState::Failed, destination));
    if (!destination.isEmpty())
        query.bindValue(QStringLiteral(":destination"), destination);
    if (!query.exec()) {
        d->lastError = query.lastError().text();
        return 0;
    }
    return query.numRowsAffected();
}

qint64 Outbox::count(OutboxState state, const QString& destination) const
{
    if (state == OutboxState::InFlight)
        return d->inFlightCount(destination);
    QSqlQuery query(d->db());
    query.prepare(QStringLiteral("SELECT COUNT(*) FROM outbox") + d->whereDestination(state, destination));
    if (!destination.isEmpty())
        query.bindValue(QStringLiteral(":destination"), destination);
    if (!query.exec() || !query.next()) {
        d->lastError = query.lastError().text();
        return 0;
    }
    const qint64 rows = query.value(0).toLongLong();
    return state == OutboxState::Queued ? rows - d->inFlightCount(destination) : rows;
}

QList<OutboxEntry> Outbox::entries(OutboxState state, const QString& destination, int limit) const
{
    QList<OutboxEntry> result;
    QSqlQuery query(d->db());
    query.setForwardOnly(true);
    // In-flight rows are queued rows in the file; tell them apart by the in-memory set.
    const OutboxState stored = state == OutboxState::InFlight ? OutboxState::Queued : state;
    query.prepare(QStringLiteral("SELECT id, json, enqueued_ms, attempts, last_error FROM outbox") +
                  d->whereDestination(stored, destination) + QStringLiteral(" ORDER BY id"));
    if (!destination.isEmpty())
        query.bindValue(QStringLiteral(":destination"), destination);
    if (!query.exec()) {
        d->lastError = query.lastError().text();
        return result;
    }
    while (result.size() < limit && query.next()) {
        const qint64 id = query.value(0).toLongLong();
        if (stored == OutboxState::Queued && d->inFlight.contains(id) != (state == OutboxState::InFlight))
            continue;
        OutboxEntry entry;
        entry.id = id;
        entry.json = query.value(1).toByteArray();
        entry.enqueuedAtMs = query.value(2).toLongLong();
        entry.attempts = query.value(3).toInt();
        entry.lastError = query.value(4).toString();
        result.append(std::move(entry));
    }
    return result;
}

QStringList Outbox::destinations() const
{
    QStringList result;
    QSqlQuery query(d->db());
    if (!query.exec(QStringLiteral("SELECT DISTINCT destination FROM outbox ORDER BY destination"))) {
        d->lastError = query.lastError().text();
        return result;
    }
    while (query.next())
        result.append(query.value(0).toString());
    return result;
}

QString Outbox::lastError() const
{
    return d->lastError;
}
