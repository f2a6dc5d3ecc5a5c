#include "userfile.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include <cstdio>

namespace UserFile {

ReadResult read(const QString& path, qint64 maxBytes)
{
    ReadResult result;
    const QFileInfo info(path);
    if (!info.exists()) {
        result.missing = true;
        return result;
    }
    if (!info.isFile()) {
        result.problem = QStringLiteral("%1 is not a regular file (%2): refused")
                             .arg(path, info.isDir() ? QStringLiteral("a folder")
                                                     : QStringLiteral("a device, pipe or socket"));
        return result;
    }
    if (info.size() > maxBytes) {
        result.problem = QStringLiteral("%1 is %2 MB, over the limit of %3 MB: refused")
                             .arg(path)
                             .arg(info.size() / (1024 * 1024))
                             .arg(maxBytes / (1024 * 1024));
        return result;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        result.problem = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return result;
    }
    // Read at most one byte over the limit: the file may have grown since it was measured.
    QByteArray bytes = file.read(maxBytes + 1);
    if (file.error() != QFileDevice::NoError) {
        result.problem = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return result;
    }
    if (bytes.size() > maxBytes) {
        result.problem =
            QStringLiteral("%1 is over the limit of %2 MB: refused").arg(path).arg(maxBytes / (1024 * 1024));
        return result;
    }
    result.bytes = std::move(bytes);
    return result;
}

QString writeAtomically(const QString& path, const QByteArray& bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
        return QStringLiteral("cannot save %1: %2").arg(path, file.errorString());
    return {};
}

SetAside setAside(const QString& path, const QString& why)
{
    SetAside result;
    const QString base = path + QStringLiteral(".broken-") +
                         QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
    QString target = base;
    for (int n = 2; QFileInfo::exists(target); ++n)
        target = base + QLatin1Char('-') + QString::number(n);
    QFile file(path);
    if (file.rename(target)) {
        result.keptAs = target;
        result.message = QStringLiteral("%1 could not be read (%2); it was kept as %3 and a new one started")
                             .arg(path, why, target);
    } else {
        result.message = QStringLiteral("%1 could not be read (%2) nor kept aside (%3); it is left as it is "
                                        "and changes will not be saved over it")
                             .arg(path, why, file.errorString());
    }
    report(result.message);
    return result;
}

void report(const QString& problem)
{
    std::fprintf(stderr, "%s\n", problem.toLocal8Bit().constData());
    std::fflush(stderr);
}

} // namespace UserFile
