// The event log's write-ahead log stays bounded under sustained ingest at retention (issue 9 §1, 13 §5):
// records appended as fast as the writer takes them for a bounded time, the WAL's size sampled all along.
#include "log/eventlog.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <thread>

class TestEventLogWal final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void walStaysBoundedUnderSustainedIngestAtRetention();
};

void TestEventLogWal::walStaysBoundedUnderSustainedIngestAtRetention()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    EventLogOptions options;
    options.path = dir.filePath(QStringLiteral("events.sqlite"));
    options.retention = 20'000;
    EventLog::OpenResult opened = EventLog::open(options);
    QVERIFY2(opened.log, qPrintable(opened.error));
    EventLog& log = *opened.log;
    const QString walPath = options.path + QStringLiteral("-wal");

    // A realistic event body (about 600 bytes), so the WAL grows as it does with real traffic.
    LogRecord record;
    record.requestId = QStringLiteral("req");
    record.httpStatus = 200;
    record.accepted = true;
    record.eventType = QStringLiteral("view");
    record.eventName = QStringLiteral("Product Viewed");
    record.index = QStringLiteral("products");
    record.userToken = QStringLiteral("wal-user");
    record.rawJson = "{\"eventType\":\"view\",\"eventName\":\"Product Viewed\",\"index\":\"products\","
                     "\"userToken\":\"wal-user\",\"objectIDs\":[\"" +
                     QByteArray(520, 'x') + "\"]}";
    QList<LogRecord> batch(1000, record);

    constexpr qint64 kSeconds = 20;
    constexpr qint64 kMaxInFlight = 20'000; // records appended and not yet committed
    std::atomic<qint64> inFlight{0};
    std::atomic<int> failures{0};
    qint64 appended = 0;
    qint64 maxWal = 0;
    int shrinks = 0; // times the WAL was seen smaller than at the previous sample: emptied by a checkpoint
    qint64 previousWal = 0;
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < kSeconds * 1000) {
        if (inFlight.load() < kMaxInFlight) {
            inFlight += batch.size();
            log.append(batch,
                       [&inFlight, &failures, size = batch.size()](bool ok, qint64, qint64, const QString&) {
                           inFlight -= size;
                           if (!ok)
                               ++failures;
                       });
            appended += batch.size();
        } else {
            std::this_thread::yield(); // the writer is the bottleneck; this thread only samples
        }
        const qint64 wal = QFileInfo(walPath).size();
        maxWal = std::max(maxWal, wal);
        shrinks += wal < previousWal;
        previousWal = wal;
    }
    log.flush();
    const qint64 database = QFileInfo(options.path).size();
    qInfo("appended %lld records in %lld s; WAL max %.1f MB (bound %.0f MB), emptied %d times; database %.1f "
          "MB",
          static_cast<long long>(appended), static_cast<long long>(kSeconds), double(maxWal) / 1e6,
          double(EventLog::kWalBoundBytes) / 1e6, shrinks, double(database) / 1e6);

    QCOMPARE(failures.load(), 0);
    QVERIFY2(maxWal < EventLog::kWalBoundBytes, qPrintable(QString::number(maxWal)));
    // Enough was written for the bound to matter: without checkpoints the WAL would hold all of it.
    QVERIFY2(appended * record.rawJson.size() > EventLog::kWalBoundBytes / 4,
             qPrintable(QString::number(appended)));
    QVERIFY(shrinks > 0);
    // Retention trims in steps between commits, so right after the last commit the log may still hold that
    // commit's rows on top of its slack; the steps that follow bring it down.
    QTRY_VERIFY_WITH_TIMEOUT(log.count() <= options.retention + 10'000, 30'000);
    // The kept rows are in the database file, not only in the WAL.
    QVERIFY2(database > options.retention * record.rawJson.size() / 2, qPrintable(QString::number(database)));
}

QTEST_GUILESS_MAIN(TestEventLogWal)
#include "tst_eventlogwal.moc"
