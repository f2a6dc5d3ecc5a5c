#include "datafolder.h"

#include <QDir>
#include <QStandardPaths>

namespace DataFolder {

QString defaultPath()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation))
        .filePath(QStringLiteral("insights-debugger"));
}

Resolved resolve(const QString& requested)
{
    Resolved resolved;
    const QString path = requested.isEmpty() ? defaultPath() : QDir(requested).absolutePath();
    if (!QDir().mkpath(path)) {
        resolved.error = QStringLiteral("cannot create the data folder %1").arg(path);
        return resolved;
    }
    resolved.path = QDir::cleanPath(path);
    return resolved;
}

QString eventLogPath(const QString& folder)
{
    return QDir(folder).filePath(QStringLiteral("events.sqlite"));
}

QString sendOutboxPath(const QString& folder)
{
    return QDir(folder).filePath(QStringLiteral("send-outbox.sqlite"));
}

QString optionHelp()
{
    return QStringLiteral("Data folder: settings, test users, the event log and send's outbox, shared by the "
                          "desktop app, serve and send (default %1).")
        .arg(QDir::toNativeSeparators(defaultPath()));
}

} // namespace DataFolder
