#pragma once

#include <QString>

// The one rule for where the app keeps its files: the desktop app, `serve`, `send` and `check` all resolve
// their data folder here, so that by default they share one event log (and the live table shows what the
// others logged).
namespace DataFolder {

// $XDG_DATA_HOME/insights-debugger, i.e. ~/.local/share/insights-debugger: independent of the Qt
// application and organisation names, which differ between the commands.
QString defaultPath();

struct Resolved
{
    QString path;  // absolute; set on success
    QString error; // one line for the user when the folder cannot be created, else empty
};
// `requested` (from --data-dir; relative to the working folder) or the default when empty, created if
// missing.
Resolved resolve(const QString& requested);

// The files inside it.
QString eventLogPath(const QString& folder);   // events.sqlite
QString sendOutboxPath(const QString& folder); // send-outbox.sqlite

// The --data-dir option's help, the same in every command's --help.
QString optionHelp();

} // namespace DataFolder
