#include "outbox.h"

#include "compression/gzip.h"
#include "event/eventcodec.h"

#include <QAtomicInteger>
#include <QFileInfo>
#include <QHash>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>
#include <QVariant>
#include <QtEndian>

#include <mutex>

namespace {

// 1: one row per event; 2: + index on (destination, id); 3: one row per batch (table `batches`);
// 4: + batches.encoding (bodies stored gzip-encoded); 5: + batches.retries (times the user retried a batch,
// so that "failed again" survives a restart).
constexpr int kSchemaVersion = 5;
constexpr qsizetype kGzipFrom = 750; // smaller bodies gain nothing (the gzip framing alone is 18 bytes)
constexpr qsizetype kBodyOpen = 11;  // {"events":[
constexpr qsizetype kBodyClose = 2;  // ]}

QString connectionName()
{
    static QAtomicInteger<quint64> counter;
    return QStringLiteral("insights-outbox-%1").arg(counter.fetchAndAddRelaxed(1));
}

// Ids are integers we produced: joining them into the SQL text is safe.
QString idList(const QList<qint64>& ids)
{
    QStringList parts;
    parts.reserve(ids.size());
    for (qint64 id : ids)
        parts.append(QString::number(id));
    return parts.join(QLatin1Char(','));
}

QByteArray packLengths(const QList<quint32>& lengths)
{
    QByteArray packed(lengths.size() * 4, Qt::Uninitialized);
    for (qsizetype i = 0; i < lengths.size(); ++i)
        qToLittleEndian<quint32>(lengths.at(i), packed.data() + i * 4);
    return packed;
}

QList<quint32> unpackLengths(const QByteArray& packed)
{
    QList<quint32> lengths;
    lengths.reserve(packed.size() / 4);
    for (qsizetype at = 0; at + 4 <= packed.size(); at += 4)
        lengths.append(qFromLittleEndian<quint32>(packed.constData() + at));
    return lengths;
}

// A stored gzip body decoded. Its plain size is known from its events' lengths: that is the cap.
std::optional<QByteArray> gunzipStored(const QByteArray& body, qint64 plainSize)
{
    InflateResult inflated = inflateBody(body, plainSize);
    if (inflated.status != InflateStatus::Ok)
        return std::nullopt;
    return std::move(inflated.data);
}

// One stored row's worth of events: a request body and its events' lengths.
struct Part
{
    QByteArray body;
    QList<quint32> lengths;
    bool gzipped = false;
    QByteArray knownPlain; // a gzip-encoded body's plain bytes, when known without inflating

    qint64 jsonBytes() const
    {
        qint64 sum = 0;
        for (quint32 length : lengths)
            sum += length;
        return sum;
    }
    // The same part with a plain body; nullopt when a stored gzip body does not decode.
    std::optional<Part> plain() const
    {
        if (!gzipped)
            return *this;
        if (!knownPlain.isEmpty())
            return Part{knownPlain, lengths, false, {}};
        std::optional<QByteArray> data =
            gunzipStored(body, rawBatchBodySize(jsonBytes(), static_cast<int>(lengths.size())));
        if (!data)
            return std::nullopt;
        return Part{std::move(*data), lengths, false, {}};
    }
    // Gzip-encoded when asked and smaller.
    void encode(BodyEncoding encoding)
    {
        if (encoding != BodyEncoding::Gzip || gzipped || body.size() <= kGzipFrom)
            return;
        QByteArray compressed = gzipBody(body);
        if (!compressed.isEmpty() && compressed.size() < body.size()) {
            knownPlain = std::move(body);
            body = std::move(compressed);
            gzipped = true;
        }
    }
    // The events [from, from + count) of a plain part as a body of their own.
    Part slice(qsizetype from, qsizetype count) const
    {
        qsizetype start = kBodyOpen;
        for (qsizetype i = 0; i < from; ++i)
            start += lengths.at(i) + 1;
        qsizetype size = 0;
        for (qsizetype i = from; i < from + count; ++i)
            size += lengths.at(i) + (i > from ? 1 : 0);
        Part part;
        part.body.reserve(kBodyOpen + size + kBodyClose);
        part.body += "{\"events\":[";
        part.body.append(body.constData() + start, size);
        part.body += "]}";
        part.lengths = lengths.mid(from, count);
        return part;
    }
};

// Cuts JSON texts into request bodies that fit the limits (a single event over the byte limit goes
// alone: the server's 413 is the verdict the user needs to see).
QList<Part> cutIntoParts(const QList<QByteArrayView>& jsons, const BatchLimits& limits)
{
    QList<Part> parts;
    const int maxEvents = qMax(1, limits.maxEvents);
    qsizetype at = 0;
    while (at < jsons.size()) {
        qsizetype end = at;
        qint64 sum = 0;
        while (end < jsons.size() && end - at < maxEvents) {
            const qint64 size = jsons.at(end).size();
            if (end > at &&
                rawBatchBodySize(sum + size, static_cast<int>(end - at + 1)) >= limits.maxBodyBytes)
                break;
            sum += size;
            ++end;
        }
        Part part;
        part.body.reserve(rawBatchBodySize(sum, static_cast<int>(end - at)));
        part.body += "{\"events\":[";
        part.lengths.reserve(end - at);
        for (qsizetype i = at; i < end; ++i) {
            if (i > at)
                part.body += ',';
            part.body += jsons.at(i);
            part.lengths.append(static_cast<quint32>(jsons.at(i).size()));
        }
        part.body += "]}";
        parts.append(std::move(part));
        at = end;
    }
    return parts;
}

QList<QByteArrayView> viewsOf(const QList<QByteArray>& jsons)
{
    QList<QByteArrayView> views;
    views.reserve(jsons.size());
    for (const QByteArray& json : jsons)
        views.append(json);
    return views;
}

// The plain bodies of rows this process stored gzip-encoded, kept until a sender takes the row, so that
// the first attempt to a target that takes plain bodies (and the log records of what went out) need no
// inflate. Shared by the connections of one process to one file (`send` queues on one thread and sends
// on another); bounded, so that a queue far ahead of its sender costs an inflate per request rather than
// memory. An entry is used only when the row's stored body is byte for byte the one compressed from it:
// a row id that SQLite reuses after a delete never gets another row's body.
class PlainBodies final
{
public:
    static PlainBodies& instance()
    {
        static PlainBodies bodies;
        return bodies;
    }
    void keep(const QString& path, qint64 row, const QByteArray& stored, const QByteArray& plain)
    {
        std::lock_guard lock(m_mutex);
        const qint64 size = stored.size() + plain.size();
        if (m_bytes + size > kMaxBytes)
            return;
        Entry& entry = m_entries[path][row];
        m_bytes += size - entry.stored.size() - entry.plain.size();
        entry = Entry{stored, plain};
    }
    // The plain body of a row whose stored body is `stored`; empty when not kept. The entry is gone after.
    QByteArray take(const QString& path, qint64 row, const QByteArray& stored)
    {
        std::lock_guard lock(m_mutex);
        const auto file = m_entries.find(path);
        if (file == m_entries.end())
            return {};
        const auto it = file->find(row);
        if (it == file->end())
            return {};
        Entry entry = std::move(*it);
        file->erase(it);
        m_bytes -= entry.stored.size() + entry.plain.size();
        return entry.stored == stored ? entry.plain : QByteArray();
    }
    void forget(const QString& path, const QList<qint64>& rows)
    {
        std::lock_guard lock(m_mutex);
        const auto file = m_entries.find(path);
        if (file == m_entries.end())
            return;
        for (qint64 row : rows) {
            const auto it = file->find(row);
            if (it == file->end())
                continue;
            m_bytes -= it->stored.size() + it->plain.size();
            file->erase(it);
        }
    }
    void forgetFile(const QString& path)
    {
        std::lock_guard lock(m_mutex);
        const auto file = m_entries.find(path);
        if (file == m_entries.end())
            return;
        for (const Entry& entry : std::as_const(*file))
            m_bytes -= entry.stored.size() + entry.plain.size();
        m_entries.erase(file);
    }

private:
    static constexpr qint64 kMaxBytes = 64 * 1024 * 1024;
    struct Entry
    {
        QByteArray stored;
        QByteArray plain;
    };
    std::mutex m_mutex;
    QHash<QString, QHash<qint64, Entry>> m_entries; // guarded by m_mutex
    qint64 m_bytes = 0;                             // guarded by m_mutex
};

} // namespace

qint64 rawBatchBodySize(qint64 sumOfJsonSizes, int count)
{
    // {"events":[ + texts joined by ',' + ]}
    return kBodyOpen + sumOfJsonSizes + (count > 0 ? count - 1 : 0) + kBodyClose;
}

qint64 OutboxBatch::bodyBytes() const
{
    qint64 sum = 0;
    for (quint32 length : lengths)
        sum += length;
    return rawBatchBodySize(sum, static_cast<int>(lengths.size()));
}

QByteArray OutboxBatch::plainBody() const
{
    if (!gzipped)
        return body;
    if (!plain.isEmpty())
        return plain;
    return gunzipStored(body, bodyBytes()).value_or(QByteArray());
}

QList<QByteArray> OutboxBatch::jsons() const
{
    const QByteArray plain = plainBody();
    QList<QByteArray> result;
    result.reserve(lengths.size());
    qsizetype at = kBodyOpen;
    for (quint32 length : lengths) {
        result.append(plain.mid(at, length));
        at += length + 1;
    }
    return result;
}

struct Outbox::Private
{
    struct InFlightRow
    {
        QString destination;
        qint64 events = 0;
    };

    QString path;
    QString connection;
    QString lastError;
    bool owner = false; // opened with Recovery::RequeueInFlight: the file's sender
    // Rows taken by a sender and not answered yet: kept in memory, not in the file. After a crash the
    // file must say "queued" for them anyway (at-least-once), so writing the state would only cost.
    QHash<qint64, InFlightRow> inFlight;

    qint64 inFlightEvents(const QString& destination) const
    {
        qint64 events = 0;
        for (const InFlightRow& row : inFlight)
            events += destination.isEmpty() || row.destination == destination ? row.events : 0;
        return events;
    }
    qint64 inFlightRows(const QString& destination) const
    {
        qint64 rows = 0;
        for (const InFlightRow& row : inFlight)
            rows += destination.isEmpty() || row.destination == destination ? 1 : 0;
        return rows;
    }
    void forget(const QList<qint64>& rows)
    {
        for (qint64 row : rows)
            inFlight.remove(row);
    }

    // Rows of `rows` (all of them when empty) in a state, of a destination (any when empty).
    std::optional<QList<qint64>> rowsIn(OutboxState state, const QString& destination,
                                        const QList<qint64>& among = {})
    {
        QString sql = QStringLiteral("SELECT id FROM batches") + whereDestination(state, destination);
        if (!among.isEmpty())
            sql += QStringLiteral(" AND id IN (%1)").arg(idList(among));
        QSqlQuery query(db());
        query.setForwardOnly(true);
        query.prepare(sql);
        if (!destination.isEmpty())
            query.bindValue(QStringLiteral(":destination"), destination);
        if (!query.exec()) {
            fail(query);
            return std::nullopt;
        }
        QList<qint64> ids;
        while (query.next())
            ids.append(query.value(0).toLongLong());
        return ids;
    }

    qint64 eventsOf(const QList<qint64>& rows)
    {
        if (rows.isEmpty())
            return 0;
        QSqlQuery query(db());
        if (!query.exec(QStringLiteral("SELECT COALESCE(SUM(events), 0) FROM batches WHERE id IN (%1)")
                            .arg(idList(rows))) ||
            !query.next()) {
            fail(query);
            return 0;
        }
        return query.value(0).toLongLong();
    }

    // Failed rows back to the queue, counted as retried by the user.
    qint64 requeueRows(const QList<qint64>& rows)
    {
        if (rows.isEmpty())
            return 0;
        const qint64 events = eventsOf(rows);
        // Counted in the file: "failed again" is told from "failed" by it, also after a restart.
        if (!exec(QStringLiteral(
                      "UPDATE batches SET state = 0, attempts = 0, retries = retries + 1 WHERE id IN (%1)")
                      .arg(idList(rows))))
            return 0;
        return events;
    }

    qint64 deleteRows(const QList<qint64>& rows)
    {
        if (rows.isEmpty())
            return 0;
        const qint64 events = eventsOf(rows);
        PlainBodies::instance().forget(path, rows);
        if (!exec(QStringLiteral("DELETE FROM batches WHERE id IN (%1)").arg(idList(rows))))
            return 0;
        return events;
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

    bool fail(const QSqlQuery& query)
    {
        lastError = query.lastError().text();
        return false;
    }

    bool updateState(const QList<qint64>& rows, std::optional<OutboxState> state, const QString* reason,
                     bool countAttempt)
    {
        if (rows.isEmpty())
            return true;
        QString sql = QStringLiteral("UPDATE batches SET attempts = attempts + %1").arg(countAttempt ? 1 : 0);
        if (state)
            sql += QStringLiteral(", state = %1").arg(static_cast<int>(*state));
        if (reason)
            sql += QStringLiteral(", last_error = :reason");
        sql += QStringLiteral(" WHERE id IN (%1)").arg(idList(rows));
        QSqlQuery query(db());
        query.prepare(sql);
        if (reason)
            query.bindValue(QStringLiteral(":reason"), *reason);
        return query.exec() || fail(query);
    }

    // Inserts rows inside the caller's transaction; returns the new ids, or nullopt on error.
    std::optional<QList<qint64>> insertParts(const QList<Part>& parts, const QString& destination,
                                             qint64 enqueuedMs, OutboxState state = OutboxState::Queued,
                                             int attempts = 0, const QString& lastErrorText = {},
                                             int retries = 0)
    {
        QSqlQuery query(db());
        if (!query.prepare(QStringLiteral("INSERT INTO batches (destination, enqueued_ms, state, attempts, "
                                          "last_error, events, lengths, body, encoding, retries) VALUES (?, "
                                          "?, ?, ?, ?, ?, ?, ?, ?, ?)"))) {
            fail(query);
            return std::nullopt;
        }
        QList<qint64> ids;
        ids.reserve(parts.size());
        for (const Part& part : parts) {
            query.bindValue(0, destination);
            query.bindValue(1, enqueuedMs);
            query.bindValue(2, static_cast<int>(state));
            query.bindValue(3, attempts);
            query.bindValue(4, lastErrorText.isEmpty() ? QVariant() : QVariant(lastErrorText));
            query.bindValue(5, static_cast<qint64>(part.lengths.size()));
            query.bindValue(6, packLengths(part.lengths));
            query.bindValue(7, part.body);
            query.bindValue(8, static_cast<int>(part.gzipped ? BodyEncoding::Gzip : BodyEncoding::Identity));
            query.bindValue(9, retries);
            if (!query.exec()) {
                fail(query);
                return std::nullopt;
            }
            ids.append(query.lastInsertId().toLongLong());
        }
        return ids;
    }

    // After the commit: the plain bodies of the gzip-encoded parts just stored, for the sender.
    void keepPlainBodies(const QList<Part>& parts, const QList<qint64>& ids)
    {
        for (qsizetype i = 0; i < parts.size() && i < ids.size(); ++i) {
            if (parts.at(i).gzipped && !parts.at(i).knownPlain.isEmpty())
                PlainBodies::instance().keep(path, ids.at(i), parts.at(i).body, parts.at(i).knownPlain);
        }
    }

    qint64 insert(const QList<QByteArrayView>& jsons, const QString& destination, qint64 nowMs,
                  const BatchLimits& limits, BodyEncoding encoding)
    {
        if (jsons.isEmpty())
            return 0;
        QList<Part> parts = cutIntoParts(jsons, limits);
        for (Part& part : parts)
            part.encode(encoding); // before the transaction: the file is locked only to write

        QSqlDatabase database = db();
        if (!database.transaction()) {
            lastError = database.lastError().text();
            return -1;
        }
        const std::optional<QList<qint64>> ids = insertParts(parts, destination, nowMs);
        if (!ids) {
            database.rollback();
            return -1;
        }
        if (!database.commit()) {
            lastError = database.lastError().text();
            database.rollback();
            return -1;
        }
        keepPlainBodies(parts, *ids);
        return jsons.size();
    }

    QString whereDestination(OutboxState state, const QString& destination) const
    {
        QString where = QStringLiteral(" WHERE state = %1").arg(static_cast<int>(state));
        if (!destination.isEmpty())
            where += QStringLiteral(" AND destination = :destination");
        return where;
    }

    // Schema 1/2 kept one row per event in `outbox`: pack consecutive rows of the same destination and
    // state into batch rows, in one transaction, and drop the old table.
    bool migrateFromRowPerEvent()
    {
        QSqlDatabase database = db();
        if (!database.transaction()) {
            lastError = database.lastError().text();
            return false;
        }
        QSqlQuery rows(database);
        rows.setForwardOnly(true);
        if (!rows.exec(QStringLiteral("SELECT destination, enqueued_ms, state, attempts, last_error, json "
                                      "FROM outbox ORDER BY id"))) {
            fail(rows);
            database.rollback();
            return false;
        }
        struct Group
        {
            QString destination;
            qint64 enqueuedMs = 0;
            OutboxState state = OutboxState::Queued;
            int attempts = 0;
            QString lastError;
            QList<QByteArray> jsons;
        };
        QList<Group> groups;
        while (rows.next()) {
            const QString destination = rows.value(0).toString();
            // Schema 1 wrote in-flight states to the file: whoever had them is gone, so they are queued.
            const OutboxState state = rows.value(2).toInt() == static_cast<int>(OutboxState::Failed)
                                          ? OutboxState::Failed
                                          : OutboxState::Queued;
            const int attempts = rows.value(3).toInt();
            const QString reason = rows.value(4).toString();
            if (groups.isEmpty() || groups.constLast().destination != destination ||
                groups.constLast().state != state || groups.constLast().attempts != attempts ||
                groups.constLast().lastError != reason)
                groups.append(Group{destination, rows.value(1).toLongLong(), state, attempts, reason, {}});
            groups.last().jsons.append(rows.value(5).toByteArray());
        }
        rows.finish();
        for (const Group& group : std::as_const(groups)) {
            if (!insertParts(cutIntoParts(viewsOf(group.jsons), BatchLimits{}), group.destination,
                             group.enqueuedMs, group.state, group.attempts, group.lastError)) {
                database.rollback();
                return false;
            }
        }
        if (!exec(QStringLiteral("DROP TABLE outbox")) || !database.commit()) {
            if (lastError.isEmpty())
                lastError = database.lastError().text();
            database.rollback();
            return false;
        }
        return true;
    }
};

Outbox::Outbox()
    : d(std::make_unique<Private>())
{}

Outbox::~Outbox()
{
    if (d->owner)
        PlainBodies::instance().forgetFile(d->path);
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
    // A file created here gets its schema without a sync per statement (about 6 of them, 20-30 ms): synced
    // once, by a checkpoint, when it is complete and before any event is stored in it.
    const QFileInfo existing(path);
    const bool creating = !existing.exists() || existing.size() == 0;
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
    // The sender's connection (RequeueInFlight) checkpoints rarely: a checkpoint syncs the file, and on
    // the thread that drives the network it delays the next request. A queueing connection (None)
    // checkpoints at SQLite's default, so in `send` the worker thread does it while requests run.
    const int checkpointPages = recovery == Recovery::RequeueInFlight ? 16384 : 1000;
    const bool ok = p.exec(QStringLiteral("PRAGMA synchronous=%1")
                               .arg(creating ? QLatin1String("OFF") : QLatin1String("NORMAL"))) &&
                    p.exec(QStringLiteral("PRAGMA journal_mode=WAL")) &&
                    p.exec(QStringLiteral("PRAGMA busy_timeout=5000")) &&
                    p.exec(QStringLiteral("PRAGMA wal_autocheckpoint=%1").arg(checkpointPages)) &&
                    // A checkpointed WAL is cut back to this size rather than left at its peak.
                    p.exec(QStringLiteral("PRAGMA journal_size_limit=%1").arg(8 * 1024 * 1024));
    if (!ok) {
        result.error = QStringLiteral("cannot prepare the outbox %1: %2").arg(path, p.lastError);
        return result;
    }
    int found = 0;
    {
        QSqlQuery version(p.db());
        if (!version.exec(QStringLiteral("PRAGMA user_version")) || !version.next()) {
            result.error =
                QStringLiteral("cannot read the outbox %1: %2").arg(path, version.lastError().text());
            return result;
        }
        found = version.value(0).toInt();
    }
    if (found > kSchemaVersion) {
        result.error = QStringLiteral("the outbox %1 was written by a newer version (schema %2; this version "
                                      "reads up to %3): use that version, or pass another --outbox")
                           .arg(path)
                           .arg(found)
                           .arg(kSchemaVersion);
        return result;
    }
    bool hasOldTable = false;
    {
        QSqlQuery old(p.db());
        hasOldTable = old.exec(QStringLiteral(
                          "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outbox'")) &&
                      old.next();
    }
    const bool created =
        p.exec(
            QStringLiteral("CREATE TABLE IF NOT EXISTS batches ("
                           "id INTEGER PRIMARY KEY AUTOINCREMENT, destination TEXT NOT NULL, "
                           "enqueued_ms INTEGER NOT NULL, state INTEGER NOT NULL, "
                           "attempts INTEGER NOT NULL, last_error TEXT, events INTEGER NOT NULL, "
                           "lengths BLOB NOT NULL, body BLOB NOT NULL, encoding INTEGER NOT NULL DEFAULT 0, "
                           "retries INTEGER NOT NULL DEFAULT 0)")) &&
        p.exec(QStringLiteral(
            "CREATE INDEX IF NOT EXISTS batches_by_destination ON batches (destination, state, id)"));
    if (!created) {
        result.error = QStringLiteral("cannot prepare the outbox %1: %2").arg(path, p.lastError);
        return result;
    }
    // Schema 3 had no encoding column: its bodies are plain, the column's default.
    if (found == 3 &&
        !p.exec(QStringLiteral("ALTER TABLE batches ADD COLUMN encoding INTEGER NOT NULL DEFAULT 0"))) {
        result.error = QStringLiteral("cannot migrate the outbox %1 (schema 3) to schema %2: %3")
                           .arg(path)
                           .arg(kSchemaVersion)
                           .arg(p.lastError);
        return result;
    }
    // Schemas 3 and 4 had no retries column: their batches were never retried as far as the file knows.
    if ((found == 3 || found == 4) &&
        !p.exec(QStringLiteral("ALTER TABLE batches ADD COLUMN retries INTEGER NOT NULL DEFAULT 0"))) {
        result.error = QStringLiteral("cannot migrate the outbox %1 (schema %2) to schema %3: %4")
                           .arg(path)
                           .arg(found)
                           .arg(kSchemaVersion)
                           .arg(p.lastError);
        return result;
    }
    if (hasOldTable && !p.migrateFromRowPerEvent()) {
        result.error = QStringLiteral("cannot migrate the outbox %1 (schema %2) to schema %3: %4")
                           .arg(path)
                           .arg(found)
                           .arg(kSchemaVersion)
                           .arg(p.lastError);
        return result;
    }
    if (found < kSchemaVersion && !p.exec(QStringLiteral("PRAGMA user_version=%1").arg(kSchemaVersion))) {
        result.error = QStringLiteral("cannot prepare the outbox %1: %2").arg(path, p.lastError);
        return result;
    }
    if (creating && !(p.exec(QStringLiteral("PRAGMA synchronous=NORMAL")) &&
                      p.exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)")))) {
        result.error = QStringLiteral("cannot prepare the outbox %1: %2").arg(path, p.lastError);
        return result;
    }
    // Whoever had these in flight is gone: send them again (at-least-once; the receiver may see twice).
    // Nothing to do in the file: in-flight rows are only in memory and the file says queued.
    outbox->d->owner = recovery == Recovery::RequeueInFlight;
    result.outbox = std::move(outbox);
    return result;
}

QString Outbox::path() const
{
    return d->path;
}

qint64 Outbox::enqueue(const QList<Event>& events, const QString& destination, qint64 nowMs,
                       const BatchLimits& limits, BodyEncoding encoding)
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
    return d->insert(viewsOf(jsons), destination, nowMs, limits, encoding);
}

qint64 Outbox::enqueueRaw(const QList<QByteArray>& jsons, const QString& destination, qint64 nowMs,
                          const BatchLimits& limits, BodyEncoding encoding)
{
    return d->insert(viewsOf(jsons), destination, nowMs, limits, encoding);
}

qint64 Outbox::enqueueViews(const QList<QByteArrayView>& jsons, const QString& destination, qint64 nowMs,
                            const BatchLimits& limits, BodyEncoding encoding)
{
    return d->insert(jsons, destination, nowMs, limits, encoding);
}

OutboxBatch Outbox::takeBatch(const QString& destination, const BatchLimits& limits)
{
    OutboxBatch batch;
    const int maxEvents = qMax(1, limits.maxEvents);
    QSqlQuery query(d->db());
    query.setForwardOnly(true);
    query.prepare(QStringLiteral(
        "SELECT id, events, attempts, lengths, body, enqueued_ms, last_error, encoding, retries "
        "FROM batches WHERE destination = ? AND state = 0 ORDER BY id LIMIT ?"));
    query.bindValue(0, destination);
    // Small rows are joined up to maxEvents of them; the oldest queued rows include those in flight.
    query.bindValue(1, maxEvents + d->inFlightRows(destination));
    if (!query.exec()) {
        d->fail(query);
        return batch;
    }
    QList<Part> parts;
    qint64 events = 0;
    qint64 jsonBytes = 0;
    while (query.next()) {
        const qint64 id = query.value(0).toLongLong();
        if (d->inFlight.contains(id))
            continue;
        const qint64 rowEvents = query.value(1).toLongLong();
        const auto fits = [&](qint64 moreEvents, qint64 moreBytes) {
            return events + moreEvents <= maxEvents &&
                   rawBatchBodySize(jsonBytes + moreBytes, static_cast<int>(events + moreEvents)) <
                       limits.maxBodyBytes;
        };
        if (!parts.isEmpty() && events + rowEvents > maxEvents)
            break;
        Part part{query.value(4).toByteArray(),
                  unpackLengths(query.value(3).toByteArray()),
                  query.value(7).toInt() == static_cast<int>(BodyEncoding::Gzip),
                  {}};
        if (part.lengths.isEmpty())
            continue; // cannot happen (rows hold at least one event); never send an empty request
        if (!parts.isEmpty() && !fits(part.lengths.size(), part.jsonBytes()))
            break;
        if (part.gzipped)
            part.knownPlain = PlainBodies::instance().take(d->path, id, part.body);
        if (!parts.isEmpty()) {
            // Joined rows make one plain body (the transport compresses it again if asked). A stored
            // body that does not decode is not joined: it goes alone, as stored, for the server to judge.
            std::optional<Part> plainPart = part.plain();
            std::optional<Part> plainFirst = parts.constFirst().plain();
            if (!plainPart || !plainFirst)
                break;
            parts.first() = std::move(*plainFirst);
            part = std::move(*plainPart);
        }
        const std::optional<Part> plainForSplit =
            parts.isEmpty() && !fits(part.lengths.size(), part.jsonBytes()) ? part.plain() : std::nullopt;
        if (plainForSplit) {
            part = *plainForSplit;
            // Queued under larger limits: send the part that fits now, leave the rest where it is (first
            // in line for the next batch). The part gets a row of its own, in the same transaction.
            qsizetype n = 0;
            qint64 sum = 0;
            while (n < part.lengths.size() && n < maxEvents &&
                   (n == 0 || rawBatchBodySize(sum + part.lengths.at(n), static_cast<int>(n + 1)) <
                                  limits.maxBodyBytes)) {
                sum += part.lengths.at(n);
                ++n;
            }
            if (n < part.lengths.size()) {
                const Part head = part.slice(0, n);
                const Part rest = part.slice(n, part.lengths.size() - n);
                const qint64 enqueuedMs = query.value(5).toLongLong();
                const int attempts = query.value(2).toInt();
                const QString reason = query.value(6).toString();
                const int retries = query.value(8).toInt();
                query.finish();
                QSqlDatabase database = d->db();
                if (!database.transaction()) {
                    d->lastError = database.lastError().text();
                    return batch;
                }
                QSqlQuery update(database);
                update.prepare(QStringLiteral(
                    "UPDATE batches SET events = ?, lengths = ?, body = ?, encoding = 0 WHERE id = ?"));
                update.bindValue(0, static_cast<qint64>(rest.lengths.size()));
                update.bindValue(1, packLengths(rest.lengths));
                update.bindValue(2, rest.body);
                update.bindValue(3, id);
                const std::optional<QList<qint64>> headId =
                    update.exec() ? d->insertParts({head}, destination, enqueuedMs, OutboxState::Queued,
                                                   attempts, reason, retries)
                                  : std::nullopt;
                if (!headId || !database.commit()) {
                    if (!headId && d->lastError.isEmpty())
                        d->fail(update);
                    database.rollback();
                    return batch;
                }
                batch.rows.append(headId->constFirst());
                batch.body = head.body;
                batch.lengths = head.lengths;
                batch.maxAttempts = attempts;
                batch.maxRetries = retries;
                d->inFlight.insert(headId->constFirst(), Private::InFlightRow{destination, n});
                return batch;
            }
        }
        batch.rows.append(id);
        batch.maxAttempts = qMax(batch.maxAttempts, query.value(2).toInt());
        batch.maxRetries = qMax(batch.maxRetries, query.value(8).toInt());
        events += part.lengths.size();
        jsonBytes += part.jsonBytes();
        parts.append(std::move(part));
    }
    query.finish();
    for (qsizetype i = 0; i < batch.rows.size(); ++i)
        d->inFlight.insert(batch.rows.at(i), Private::InFlightRow{destination, parts.at(i).lengths.size()});
    if (parts.size() == 1) {
        // The usual case: one row is one request, its body as stored.
        batch.body = std::move(parts.first().body);
        batch.gzipped = parts.first().gzipped;
        batch.plain = std::move(parts.first().knownPlain);
        batch.lengths = std::move(parts.first().lengths);
    } else if (!parts.isEmpty()) {
        batch.body.reserve(rawBatchBodySize(jsonBytes, static_cast<int>(events)));
        batch.body += "{\"events\":[";
        for (qsizetype i = 0; i < parts.size(); ++i) {
            const Part& part = parts.at(i);
            if (i > 0)
                batch.body += ',';
            batch.body.append(part.body.constData() + kBodyOpen, part.body.size() - kBodyOpen - kBodyClose);
            batch.lengths += part.lengths;
        }
        batch.body += "]}";
    }
    return batch;
}

bool Outbox::remove(const QList<qint64>& rows)
{
    if (rows.isEmpty())
        return true;
    d->forget(rows);
    PlainBodies::instance().forget(d->path, rows);
    return d->exec(QStringLiteral("DELETE FROM batches WHERE id IN (%1)").arg(idList(rows)));
}

bool Outbox::recordAttempt(const QList<qint64>& rows, const QString& reason)
{
    return d->updateState(rows, std::nullopt, &reason, true);
}

bool Outbox::markFailed(const QList<qint64>& rows, const QString& reason)
{
    d->forget(rows);
    return d->updateState(rows, OutboxState::Failed, &reason, false);
}

bool Outbox::release(const QList<qint64>& rows)
{
    d->forget(rows);
    return true;
}

qint64 Outbox::requeueFailed(const QString& destination)
{
    const std::optional<QList<qint64>> rows = d->rowsIn(OutboxState::Failed, destination);
    return rows ? d->requeueRows(*rows) : 0;
}

qint64 Outbox::discardFailed(const QString& destination)
{
    const std::optional<QList<qint64>> rows = d->rowsIn(OutboxState::Failed, destination);
    return rows ? d->deleteRows(*rows) : 0;
}

qint64 Outbox::requeue(const QList<qint64>& rows)
{
    if (rows.isEmpty())
        return 0;
    const std::optional<QList<qint64>> failed = d->rowsIn(OutboxState::Failed, {}, rows);
    return failed ? d->requeueRows(*failed) : 0;
}

qint64 Outbox::discard(const QList<qint64>& rows)
{
    QList<qint64> idle;
    for (qint64 row : rows) {
        if (!d->inFlight.contains(row))
            idle.append(row);
    }
    return d->deleteRows(idle);
}

int Outbox::retries(qint64 row) const
{
    QSqlQuery query(d->db());
    query.prepare(QStringLiteral("SELECT retries FROM batches WHERE id = ?"));
    query.bindValue(0, row);
    if (!query.exec()) {
        d->fail(query);
        return 0;
    }
    return query.next() ? query.value(0).toInt() : 0;
}

bool Outbox::isInFlight(qint64 row) const
{
    return d->inFlight.contains(row);
}

QList<OutboxBatchInfo> Outbox::batches(int limit) const
{
    QList<OutboxBatchInfo> result;
    QSqlQuery query(d->db());
    query.setForwardOnly(true);
    query.prepare(QStringLiteral("SELECT id, destination, state, events, enqueued_ms, attempts, last_error, "
                                 "retries FROM batches ORDER BY id LIMIT ?"));
    query.bindValue(0, qMax(0, limit));
    if (!query.exec()) {
        d->fail(query);
        return result;
    }
    while (query.next()) {
        OutboxBatchInfo info;
        info.row = query.value(0).toLongLong();
        info.destination = query.value(1).toString();
        const bool failed = query.value(2).toInt() == static_cast<int>(OutboxState::Failed);
        info.state = failed                           ? OutboxState::Failed
                     : d->inFlight.contains(info.row) ? OutboxState::InFlight
                                                      : OutboxState::Queued;
        info.eventCount = query.value(3).toInt();
        info.enqueuedAtMs = query.value(4).toLongLong();
        info.attempts = query.value(5).toInt();
        info.lastError = query.value(6).toString();
        info.retries = query.value(7).toInt();
        result.append(info);
    }
    return result;
}

qint64 Outbox::count(OutboxState state, const QString& destination) const
{
    if (state == OutboxState::InFlight)
        return d->inFlightEvents(destination);
    QSqlQuery query(d->db());
    query.prepare(QStringLiteral("SELECT COALESCE(SUM(events), 0) FROM batches") +
                  d->whereDestination(state, destination));
    if (!destination.isEmpty())
        query.bindValue(QStringLiteral(":destination"), destination);
    if (!query.exec() || !query.next()) {
        d->lastError = query.lastError().text();
        return 0;
    }
    const qint64 events = query.value(0).toLongLong();
    return state == OutboxState::Queued ? events - d->inFlightEvents(destination) : events;
}

QList<OutboxEntry> Outbox::entries(OutboxState state, const QString& destination, int limit) const
{
    QList<OutboxEntry> result;
    QSqlQuery query(d->db());
    query.setForwardOnly(true);
    // In-flight rows are queued rows in the file; tell them apart by the in-memory set.
    const OutboxState stored = state == OutboxState::InFlight ? OutboxState::Queued : state;
    query.prepare(QStringLiteral("SELECT id, lengths, body, enqueued_ms, attempts, last_error, encoding FROM "
                                 "batches") +
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
        OutboxBatch rowBatch;
        rowBatch.lengths = unpackLengths(query.value(1).toByteArray());
        rowBatch.body = query.value(2).toByteArray();
        rowBatch.gzipped = query.value(6).toInt() == static_cast<int>(BodyEncoding::Gzip);
        const qint64 enqueuedMs = query.value(3).toLongLong();
        const int attempts = query.value(4).toInt();
        const QString reason = query.value(5).toString();
        const QList<QByteArray> jsons = rowBatch.jsons();
        for (qsizetype i = 0; i < jsons.size() && result.size() < limit; ++i)
            result.append(OutboxEntry{id, jsons.at(i), enqueuedMs, attempts, reason});
    }
    return result;
}

QStringList Outbox::destinations() const
{
    QStringList result;
    QSqlQuery query(d->db());
    if (!query.exec(QStringLiteral("SELECT DISTINCT destination FROM batches ORDER BY destination"))) {
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
