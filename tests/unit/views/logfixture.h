#pragma once

// Builds real event logs (SQLite files in a temporary folder) filled with synthetic but well-formed records,
// for the view model tests, the GUI tests and the benchmark.

#include "log/eventlog.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QTemporaryDir>

#include <memory>

namespace LogFixture {

// Record `n` of a deterministic stream: every 10th request is rejected (422) with its 2nd event invalid
// (userToken), the rest are accepted; event types rotate click / view / conversion·purchase; four users.
inline LogRecord record(qint64 n, qint64 receivedAtMs = 0)
{
    LogRecord r;
    const qint64 request = n / 4;
    r.requestId = QStringLiteral("req-") + QString::number(request);
    r.indexInRequest = static_cast<int>(n % 4);
    r.receivedAtMs = receivedAtMs > 0 ? receivedAtMs : QDateTime::currentMSecsSinceEpoch();
    r.source = EventSource::Endpoint;
    const bool rejected = request % 10 == 9;
    r.httpStatus = rejected ? 422 : 200;
    r.accepted = !rejected;
    static const char* const types[] = {"click", "view", "conversion"};
    r.eventType = QString::fromLatin1(types[n % 3]);
    r.eventSubtype = n % 3 == 2 ? QStringLiteral("purchase") : QString();
    r.eventName = n % 3 == 0 ? QStringLiteral("Product Clicked") : QStringLiteral("Product Viewed");
    r.index = QStringLiteral("products");
    r.userToken = QStringLiteral("user-") + QString::number(n % 4);
    r.device = QStringLiteral("desktop");
    r.agent = QStringLiteral("insights-js (2.17.0)");
    r.userAgent = QStringLiteral("Mozilla/5.0");
    r.target = QStringLiteral("local");
    if (rejected && r.indexInRequest == 1) {
        r.userToken = QStringLiteral("bad token!");
        Issue issue;
        issue.severity = Severity::Error;
        issue.eventIndex = 1;
        issue.field = QStringLiteral("userToken");
        issue.code = QStringLiteral("userToken.invalid");
        issue.message =
            QStringLiteral("UserToken must contain only alphanumeric, equal, plus, slash, hyphen, or "
                           "underscore characters, and be between 1 and 128 characters long");
        r.issues << issue;
    }
    r.message = rejected ? r.issues.isEmpty() ? QStringLiteral("UserToken must contain only alphanumeric")
                                              : r.issues.first().message
                         : QStringLiteral("OK");
    r.rawJson =
        QByteArrayLiteral("{\"eventType\":\"") + r.eventType.toUtf8() + QByteArrayLiteral("\",") +
        (r.eventSubtype.isEmpty() ? QByteArray()
                                  : QByteArrayLiteral("\"eventSubtype\":\"") + r.eventSubtype.toUtf8() +
                                        QByteArrayLiteral("\",")) +
        QByteArrayLiteral("\"eventName\":\"") + r.eventName.toUtf8() + QByteArrayLiteral("\",\"index\":\"") +
        r.index.toUtf8() + QByteArrayLiteral("\",\"userToken\":\"") + r.userToken.toUtf8() +
        QByteArrayLiteral("\",\"objectIDs\":[\"sku-") + QByteArray::number(n) + QByteArrayLiteral("\"]}");
    return r;
}

inline QList<LogRecord> records(qint64 first, qint64 count)
{
    QList<LogRecord> out;
    out.reserve(count);
    for (qint64 n = first; n < first + count; ++n)
        out << record(n);
    return out;
}

struct OpenLog
{
    std::unique_ptr<QTemporaryDir> dir;
    std::unique_ptr<EventLog> log;
};

inline OpenLog open(qint64 retention = 1'000'000)
{
    OpenLog out;
    out.dir = std::make_unique<QTemporaryDir>();
    EventLogOptions options;
    options.path = out.dir->filePath(QStringLiteral("events.sqlite"));
    options.retention = retention;
    EventLog::OpenResult opened = EventLog::open(options);
    out.log = std::move(opened.log);
    return out;
}

} // namespace LogFixture
