#include "log/logschema.h"

#include "log/sqlitestatement.h"

#include <QByteArray>

#include <iterator>
#include <optional>

using namespace EventLogDb;

namespace {

// Schema history. A database records the last migration applied in PRAGMA user_version; opening runs the
// ones after it, each in its own transaction. Never edit a shipped migration: append a new one.
struct Migration
{
    int version;
    const char* sql;
};

// No secondary indexes: they would cost the insert path several times their worth, and a full scan over a
// million rows stays fast. The request facts, identical for every event of a request, are stored once per
// request in `requests` (and the request as received in `raw_requests`).
constexpr Migration kMigrations[] = {
    {1,
     "CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
     "CREATE TABLE requests(rid INTEGER PRIMARY KEY, request_id TEXT, message TEXT, user_agent TEXT,"
     " device TEXT, agent TEXT, origin TEXT, referer TEXT, remote_address TEXT, app_id TEXT, target TEXT);"
     "CREATE TABLE events(id INTEGER PRIMARY KEY, rid INTEGER, received_at INTEGER NOT NULL,"
     " source INTEGER NOT NULL, http_status INTEGER NOT NULL, accepted INTEGER NOT NULL,"
     " idx INTEGER NOT NULL, errors INTEGER NOT NULL, warnings INTEGER NOT NULL, event_type TEXT,"
     " event_subtype TEXT, event_name TEXT, index_name TEXT, user_token TEXT, auth_token TEXT, ts INTEGER);"
     "CREATE TABLE payloads(id INTEGER PRIMARY KEY, issues TEXT, raw_json TEXT);"},
    // Version 2: Algolia's DELETE /1/usertokens/{userToken} is recorded, so a tester can see it happened.
    {2, "CREATE TABLE deletions(id INTEGER PRIMARY KEY, user_token TEXT NOT NULL, deleted_at INTEGER NOT "
        "NULL);"},
    // Version 3: Algolia's own verdict on an event (from its debugger feed), keyed by the event's id. A table
    // of its own, written only when a verdict arrives, so that the insert path stays as it was.
    {3, "CREATE TABLE algolia_verdicts(id INTEGER PRIMARY KEY, status INTEGER NOT NULL, errors TEXT NOT "
        "NULL);"},
    // Version 4: record kinds (searches and refused requests beside events), queryID, the request line, the
    // raw request once per request, and the counters several processes share: `lastId` (the ids' high-water
    // mark) and `count` (records in the log), both updated in every writing transaction, so that each
    // process learns the other processes' writes from one row instead of a count(*) over the table.
    {4,
     "ALTER TABLE events ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE events ADD COLUMN query_id TEXT;"
     "ALTER TABLE requests ADD COLUMN method TEXT;"
     "ALTER TABLE requests ADD COLUMN path TEXT;"
     "CREATE TABLE raw_requests(rid INTEGER PRIMARY KEY, method BLOB, target BLOB, headers BLOB, body BLOB,"
     " body_truncated INTEGER NOT NULL);"
     "INSERT OR IGNORE INTO meta(key, value) VALUES('lastId', coalesce((SELECT max(id) FROM events), 0));"
     "INSERT OR REPLACE INTO meta(key, value) VALUES('count', (SELECT count(*) FROM events));"
     "INSERT OR REPLACE INTO meta(key, value) VALUES('generation', 1);"},
    // Version 5: one row per record. The raw JSON and the issues move into `events` (the issues in the
    // compact form of LogQueryBuilder::packIssues; the JSON text of older rows is still read), so an append
    // is one insert per record instead of two; `payloads` goes. The table is rebuilt rather than altered so
    // that every row is written once, at its final size.
    {5, "CREATE TABLE events_v5(id INTEGER PRIMARY KEY, rid INTEGER, received_at INTEGER NOT NULL,"
        " source INTEGER NOT NULL, http_status INTEGER NOT NULL, accepted INTEGER NOT NULL,"
        " idx INTEGER NOT NULL, errors INTEGER NOT NULL, warnings INTEGER NOT NULL, event_type TEXT,"
        " event_subtype TEXT, event_name TEXT, index_name TEXT, user_token TEXT, auth_token TEXT, ts INTEGER,"
        " kind INTEGER NOT NULL DEFAULT 0, query_id TEXT, issues BLOB, raw_json TEXT);"
        "INSERT INTO events_v5 SELECT e.id, e.rid, e.received_at, e.source, e.http_status, e.accepted, e.idx,"
        " e.errors, e.warnings, e.event_type, e.event_subtype, e.event_name, e.index_name, e.user_token,"
        " e.auth_token, e.ts, e.kind, e.query_id, p.issues, p.raw_json"
        " FROM events e LEFT JOIN payloads p ON p.id = e.id ORDER BY e.id;"
        "DROP TABLE events;"
        "DROP TABLE payloads;"
        "ALTER TABLE events_v5 RENAME TO events;"},
};
static_assert(std::size(kMigrations) > 0 &&
                  kMigrations[std::size(kMigrations) - 1].version == LogSchema::kVersion,
              "the last migration is the schema version");

} // namespace

namespace LogSchema {

QString upgrade(sqlite3* db, qint64 fromVersion)
{
    QString error;
    for (const Migration& migration : kMigrations) {
        if (migration.version <= fromVersion)
            continue;
        // Another process opening the same file at the same time may have applied it already: the version
        // is read again under the write lock.
        bool ok = exec(db, "BEGIN IMMEDIATE", &error);
        const std::optional<qint64> current = ok ? scalar(db, "PRAGMA user_version") : std::nullopt;
        if (ok && !current) {
            error = sqliteError(db);
            ok = false;
        }
        if (ok && *current < migration.version) {
            const QByteArray sql =
                migration.sql + QByteArray(";PRAGMA user_version=") + QByteArray::number(migration.version);
            ok = exec(db, sql.constData(), &error);
        }
        ok = ok && exec(db, "COMMIT", &error);
        if (!ok) {
            rollback(db);
            return QStringLiteral("to schema %1: %2").arg(migration.version).arg(error);
        }
    }

    return {};
}

} // namespace LogSchema
