// Appends records to the event log given as argument, forever, and prints each id on standard output as
// soon as its commit callback ran: what a test may assume is on disk. tst_eventlog kills it with SIGKILL.
#include "log/eventlog.h"

#include <QCoreApplication>
#include <QSemaphore>
#include <QStringList>

#include <cstdio>

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    if (args.size() < 2) {
        std::fprintf(stderr, "usage: eventlog_crash_helper FILE\n");
        return 2;
    }
    EventLogOptions options;
    options.path = args.at(1);
    EventLog::OpenResult opened = EventLog::open(options);
    if (!opened.log) {
        std::fprintf(stderr, "%s\n", qPrintable(opened.error));
        return 1;
    }
    // Several appends in flight, as an endpoint serving several connections has, so commits group.
    QSemaphore inFlight(8);
    for (int request = 0; request < 1'000'000; ++request) {
        QList<LogRecord> records;
        for (int i = 0; i < 10; ++i) {
            LogRecord r;
            r.requestId = QStringLiteral("crash-%1").arg(request);
            r.httpStatus = 200;
            r.accepted = true;
            r.indexInRequest = i;
            r.eventType = QStringLiteral("click");
            r.userToken = QStringLiteral("crash-user");
            r.rawJson = QByteArrayLiteral("{\"eventType\":\"click\",\"userToken\":\"crash-user\"}");
            records.append(r);
        }
        inFlight.acquire();
        opened.log->append(records, [&inFlight](bool ok, qint64 first, qint64 last, const QString&) {
            if (ok) {
                for (qint64 id = first; id <= last; ++id)
                    std::printf("%lld\n", static_cast<long long>(id));
                std::fflush(stdout);
            }
            inFlight.release();
        });
    }
    opened.log->flush();
    return 0;
}
