#pragma once

// Where a run's records come from for `check` and `diff`: a data folder (its event log), an export file
// (NDJSON, JSON or HAR, judged again by the shared validator) or pages of the automation API's
// GET /debugger/events (parsed here; fetching them over HTTP is the command's job, models have no network).

#include "log/eventlog.h"

#include <QByteArray>
#include <QList>
#include <QString>

struct RunLoadResult
{
    QList<LogRecord> records; // oldest first, with ids
    QString error;            // one line when the run cannot be read
};

namespace RunSource {

// A folder is read as a data folder (records with id > sinceId), a file as an export (its events numbered
// 1..n in file order; sinceId skips the first ones).
RunLoadResult load(const QString& path, qint64 sinceId = 0);
RunLoadResult loadDataFolder(const QString& dataDir, qint64 sinceId = 0);
RunLoadResult loadExport(const QString& path, qint64 sinceId = 0);

// One page of GET /debugger/events ({"events":[…],"lastId":N}); `lastId` is set to the page's lastId.
RunLoadResult fromAutomationPage(const QByteArray& json, qint64& lastId);

} // namespace RunSource
