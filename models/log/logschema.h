#pragma once

// The event log's schema and its migrations. A database records the last migration applied in PRAGMA
// user_version; opening runs the ones after it. Internal to models/log.

#include <QString>

#include <sqlite3.h>

namespace LogSchema {

// The newest schema this version knows; a file with a higher user_version was written by a newer version.
inline constexpr int kVersion = 5;

// Applies the migrations after `fromVersion`, each in its own transaction (re-reading the version under
// the write lock: another process may be opening the same file). Returns the error ("to schema N: why"),
// empty on success.
QString upgrade(sqlite3* db, qint64 fromVersion);

} // namespace LogSchema
