#pragma once

#include "log/eventlog.h"

#include <QDeadlineTimer>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>

// Waits until `query` matches `count` records. It reads the log again only when the log announces a change
// (or every 500 ms): reading in a tight loop on the GUI thread while the endpoint commits a request was seen
// to hold the test up for seconds.
inline bool waitForRecords(EventLog* log, const LogQuery& query, qsizetype count, int timeoutMs = 15000)
{
    QSignalSpy appended(log, &EventLog::recordsAppended);
    QSignalSpy removed(log, &EventLog::recordsRemoved);
    QDeadlineTimer deadline(timeoutMs);
    for (;;) {
        if (log->query(query).size() == count)
            return true;
        if (deadline.hasExpired())
            return false;
        appended.clear();
        removed.clear();
        const int slice =
            static_cast<int>(std::min<qint64>(500, std::max<qint64>(1, deadline.remainingTime())));
        // An announcement ends the wait early; without one, the log is read again after the slice anyway.
        [[maybe_unused]] const bool announced =
            QTest::qWaitFor([&] { return !appended.isEmpty() || !removed.isEmpty(); }, slice);
    }
}
