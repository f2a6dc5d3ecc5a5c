// Benchmark of the live debugger over a log of 1,000,000 events (offscreen). Prints figures, asserts nothing
// about speed: window open time, RSS, httpCode=422 filter time, scroll-to-row time, and an event-loop latency
// probe (p99 / max) while another thread appends 50,000 events/s.
//
// The 1M-event log is built once in the build folder and reused by later runs.

#include "../../unit/views/logfixture.h"

#include "debugger/debuggerpanel.h"
#include "views/eventtablemodel.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>

#include <QEventLoop>
#include <QFile>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>
#include <QThread>
#include <QTimer>
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <cstdio>

namespace {

constexpr qint64 kEvents = 1'000'000;
constexpr int kIngestPerSecond = 50'000;
constexpr int kIngestSeconds = 5;

qint64 statusKb(const char* field)
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (line.startsWith(field))
            return line.mid(static_cast<qsizetype>(qstrlen(field))).trimmed().split(' ').first().toLongLong();
    }
    return -1;
}

QByteArray loadAverage()
{
    QFile file(QStringLiteral("/proc/loadavg"));
    return file.open(QIODevice::ReadOnly) ? file.readAll().trimmed() : QByteArray("?");
}

void report(const char* name, double value, const char* unit)
{
    std::printf("bench_debuggerpanel: %-36s %10.1f %s\n", name, value, unit);
    std::fflush(stdout);
}

// Waits until the visible rows of the table have their records.
bool waitForVisibleRows(QTableView* table, EventTableModel* model, int timeoutMs = 10000)
{
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < timeoutMs) {
        const int top = table->rowAt(0);
        const int bottom = table->rowAt(table->viewport()->height() - 1);
        bool all = top >= 0;
        for (int row = top; all && row <= (bottom < 0 ? top : bottom); ++row)
            all = model->recordAt(row) != nullptr;
        if (all)
            return true;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    }
    return false;
}

} // namespace

class BenchDebuggerPanel final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void run();
};

void BenchDebuggerPanel::run()
{
    QCoreApplication::setOrganizationName(QStringLiteral("insights-debugger-bench"));
    const QString folder = QStringLiteral(INSIGHTS_BINARY_DIR "/bench-data");
    QDir().mkpath(folder);
    EventLogOptions options;
    options.path = folder + QStringLiteral("/debugger-1m.sqlite");
    options.retention = kEvents;

    qint64 kbBeforeLog = statusKb("VmRSS:");
    {
        // Build (or top up) the log, in a scope of its own so that the filling costs are not counted below.
        EventLog::OpenResult opened = EventLog::open(options);
        QVERIFY2(opened.log, qPrintable(opened.error));
        const qint64 have = opened.log->count();
        if (have < kEvents) {
            QElapsedTimer fill;
            fill.start();
            for (qint64 n = have; n < kEvents; n += 10'000)
                opened.log->append(LogFixture::records(n, std::min<qint64>(10'000, kEvents - n)));
            opened.log->flush();
            report("fill_log_s (one-off)", static_cast<double>(fill.elapsed()) / 1000.0, "s");
        }
    }
    // The fill queued a million records in this process; give the heap it freed back to the system so that
    // the RSS figures below are the window's, as when the app opens a log another process filled.
    malloc_trim(0);
    kbBeforeLog = statusKb("VmRSS:");

    EventLog::OpenResult opened = EventLog::open(options);
    QVERIFY(opened.log);
    EventLog* log = opened.log.get();
    report("events_in_log", static_cast<double>(log->count()), "events");
    std::printf("bench_debuggerpanel: loadavg at start: %s (2 shared cores)\n", loadAverage().constData());

    // Window open: from construction to a full table with its first screen of records.
    QElapsedTimer timer;
    timer.start();
    auto panel = std::make_unique<DebuggerPanel>(log);
    panel->resize(1400, 900);
    panel->show();
    EventTableModel* model = panel->tableModel();
    QTableView* table = panel->tableView();
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), static_cast<int>(log->count()), 30000);
    QVERIFY(waitForVisibleRows(table, model));
    report("window_open_ms", static_cast<double>(timer.elapsed()), "ms");
    report("rss_after_open_mb", static_cast<double>(statusKb("VmRSS:")) / 1024.0, "MB");
    report("rss_growth_for_panel_mb", static_cast<double>(statusKb("VmRSS:") - kbBeforeLog) / 1024.0, "MB");
    // RssFile is the SQLite file mapped by the log's readers (page cache the kernel can drop); RssAnon is
    // heap.
    report("rss_anon_after_open_mb", static_cast<double>(statusKb("RssAnon:")) / 1024.0, "MB");
    report("rss_file_after_open_mb", static_cast<double>(statusKb("RssFile:")) / 1024.0, "MB");

    // Filter httpCode=422 over the whole log.
    QSignalSpy reloaded(model, &EventTableModel::reloaded);
    timer.restart();
    panel->setFilterText(QStringLiteral("httpCode=422"));
    QVERIFY(reloaded.wait(30000));
    QVERIFY(waitForVisibleRows(table, model));
    report("filter_httpCode_422_ms", static_cast<double>(timer.elapsed()), "ms");
    report("rows_after_filter", model->rowCount(), "rows");

    reloaded.clear();
    timer.restart();
    panel->setFilterText(QString());
    QVERIFY(reloaded.wait(30000));
    report("filter_cleared_ms", static_cast<double>(timer.elapsed()), "ms");

    // Scroll to far rows: the model fetches only the window the view shows.
    QList<qint64> jumps;
    for (const int row : {777'777, 12'345, 999'000, 500'000, 250'001}) {
        timer.restart();
        table->scrollTo(table->model()->index(row, 0), QAbstractItemView::PositionAtCenter);
        QVERIFY(waitForVisibleRows(table, model));
        jumps << timer.elapsed();
    }
    std::sort(jumps.begin(), jumps.end());
    report("scroll_to_row_median_ms", static_cast<double>(jumps[jumps.size() / 2]), "ms");
    report("scroll_to_row_max_ms", static_cast<double>(jumps.last()), "ms");
    report("records_cached", model->cachedCount(), "records");
    report("rss_after_scrolls_mb", static_cast<double>(statusKb("VmRSS:")) / 1024.0, "MB");

    // Event-loop latency while another thread appends 50,000 events/s; the table follows the tail.
    table->scrollToBottom();
    QCoreApplication::processEvents();
    std::atomic<bool> stop{false};
    std::atomic<qint64> appended{0};
    QThread* producer = QThread::create([log, &stop, &appended] {
        QElapsedTimer clock;
        clock.start();
        qint64 n = kEvents * 10; // a fresh range of record numbers
        const int perTick = kIngestPerSecond / 100;
        int tick = 0;
        while (!stop.load() && clock.elapsed() < kIngestSeconds * 1000) {
            log->append(LogFixture::records(n, perTick));
            n += perTick;
            appended += perTick;
            ++tick;
            const qint64 due = static_cast<qint64>(tick) * 10;
            const qint64 wait = due - clock.elapsed();
            if (wait > 0)
                QThread::msleep(static_cast<unsigned long>(wait));
        }
    });
    QList<qint64> lateness;
    QElapsedTimer probeClock;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(5);
    qint64 last = -1;
    connect(&probe, &QTimer::timeout, this, [&] {
        const qint64 now = probeClock.nsecsElapsed() / 1000;
        if (last >= 0)
            lateness << std::max<qint64>(0, now - last - 5000);
        last = now;
    });
    // How long the model and views spend on one insertion / removal announcement.
    qint64 inserted = 0;
    qint64 removed = 0;
    qint64 worstInsertUs = 0;
    qint64 worstRemoveUs = 0;
    QElapsedTimer change;
    connect(model, &QAbstractItemModel::rowsAboutToBeInserted, this, [&] { change.start(); });
    connect(model, &QAbstractItemModel::rowsInserted, this, [&](const QModelIndex&, int first, int last) {
        inserted += last - first + 1;
        worstInsertUs = std::max(worstInsertUs, change.nsecsElapsed() / 1000);
    });
    connect(model, &QAbstractItemModel::rowsAboutToBeRemoved, this, [&] { change.start(); });
    connect(model, &QAbstractItemModel::rowsRemoved, this, [&](const QModelIndex&, int first, int last) {
        removed += last - first + 1;
        worstRemoveUs = std::max(worstRemoveUs, change.nsecsElapsed() / 1000);
    });
    probeClock.start();
    probe.start();
    timer.restart();
    // A plain event loop, as the app runs (QTest::qWait would sleep between its own event passes).
    QEventLoop loop;
    connect(producer, &QThread::finished, &loop, &QEventLoop::quit);
    producer->start();
    loop.exec();
    const double seconds = static_cast<double>(timer.elapsed()) / 1000.0;
    QTimer::singleShot(500, &loop, &QEventLoop::quit); // let the last announcements land
    loop.exec();
    probe.stop();
    producer->wait();
    delete producer;
    std::sort(lateness.begin(), lateness.end());
    const auto at = [&lateness](double q) {
        return lateness.isEmpty() ? 0.0
                                  : static_cast<double>(lateness[std::min<qsizetype>(
                                        lateness.size() - 1,
                                        static_cast<qsizetype>(q * static_cast<double>(lateness.size())))]) /
                                        1000.0;
    };
    report("ingest_rate_achieved", static_cast<double>(appended.load()) / seconds, "events/s");
    report("event_loop_probe_samples", static_cast<double>(lateness.size()), "");
    report("event_loop_lateness_p50_ms", at(0.50), "ms");
    report("event_loop_lateness_p99_ms", at(0.99), "ms");
    report("event_loop_lateness_max_ms",
           lateness.isEmpty() ? 0.0 : static_cast<double>(lateness.last()) / 1000.0, "ms");
    report("rows_inserted_during_ingest", static_cast<double>(inserted), "rows");
    report("rows_trimmed_during_ingest", static_cast<double>(removed), "rows");
    report("worst_insert_announcement_ms", static_cast<double>(worstInsertUs) / 1000.0, "ms");
    report("worst_trim_announcement_ms", static_cast<double>(worstRemoveUs) / 1000.0, "ms");
    log->flush();
    QTRY_COMPARE_WITH_TIMEOUT(static_cast<qint64>(model->rowCount()), log->count(), 10000);
    report("rows_shown_after_settle", model->rowCount(), "rows");
    std::printf("bench_debuggerpanel: loadavg at end: %s\n", loadAverage().constData());
    report("rss_end_mb", static_cast<double>(statusKb("VmRSS:")) / 1024.0, "MB");
    report("rss_peak_mb", static_cast<double>(statusKb("VmHWM:")) / 1024.0, "MB");
    panel.reset();
}

QTEST_MAIN(BenchDebuggerPanel)
#include "bench_debuggerpanel.moc"
