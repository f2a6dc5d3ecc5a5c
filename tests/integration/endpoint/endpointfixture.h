#pragma once

// What most endpoint tests start from: a fresh event log in a temporary folder and the embedded endpoint on
// it, on a free loopback port.

#include "endpoint/embeddedendpoint.h"
#include "log/eventlog.h"

#include <QString>
#include <QTemporaryDir>

#include <memory>

// Opens `dir`/events.sqlite into `log` and starts `endpoint` on it with `options` (port 0: a free one). The
// error text, empty on success.
inline QString startEndpoint(const QTemporaryDir& dir, std::unique_ptr<EventLog>& log,
                             std::unique_ptr<EmbeddedEndpoint>& endpoint, EndpointOptions options = {})
{
    EventLogOptions logOptions;
    logOptions.path = dir.filePath(QStringLiteral("events.sqlite"));
    EventLog::OpenResult opened = EventLog::open(logOptions);
    if (!opened.log)
        return opened.error;
    log = std::move(opened.log);
    endpoint = std::make_unique<EmbeddedEndpoint>(log.get());
    options.port = 0;
    if (const std::optional<QString> error = endpoint->start(options))
        return *error;
    return {};
}
