#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

// The one rule for reading and writing a file the user cares about (test users, templates, settings,
// catalogs): never lose it silently. Writes go through QSaveFile (a crash mid-write leaves the previous
// file); a file that cannot be parsed is kept aside as `name.broken-<time>` before a new one is started;
// every problem comes back as one readable line naming the file, for the window and for stderr.
namespace UserFile {

struct ReadResult
{
    std::optional<QByteArray> bytes; // set when the file was read
    bool missing = false;            // no file at that path (not a problem: a first run)
    QString problem;                 // one line when it exists but cannot be read, else empty
};

// Reads `path` whole. Refuses what is not a regular file (a directory, a FIFO, /dev/zero) and files larger
// than `maxBytes`, before reading anything: such a file would block or exhaust memory.
ReadResult read(const QString& path, qint64 maxBytes);

// Writes `bytes` to `path` atomically (creating its folder). Returns the problem, empty on success.
QString writeAtomically(const QString& path, const QByteArray& bytes);

struct SetAside
{
    QString keptAs;  // the new path, empty when the file could not be moved
    QString message; // for the user: what was wrong, where the file is now, what happens next
};
// Moves a file that cannot be parsed (`why`) to `path.broken-<yyyyMMdd-HHmmss>` (a numbered suffix when
// that exists already) and says so; the message is also written to stderr.
SetAside setAside(const QString& path, const QString& why);

// Writes a problem to stderr, one line, as every store reports it.
void report(const QString& problem);

} // namespace UserFile
