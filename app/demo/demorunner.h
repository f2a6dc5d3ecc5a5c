#pragma once

// Runs scripted demo shoppers (models/demo/demoshopper.h) against a real endpoint over HTTP (issue 14 §1,
// §3): each shopper's searches go to Algolia's search route (`POST /1/indexes/{index}/query` with
// clickAnalytics, so answers carry real queryIDs: the embedded endpoint's local search, or Algolia) and its
// events to `POST /1/events`, one request per event as a browser sends them, with the shopper's think times
// scaled by the speed. The same runner serves the `demo` command and the desktop app.

#include "demo/demoshopper.h"

#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QObject>
#include <QSet>
#include <QTimer>
#include <QUrl>

#include <memory>

class HttpTransport;
class IndexCatalog;

struct DemoRunOptions
{
    QUrl insightsBase; // "/1/events" is appended
    QUrl searchBase;   // "/1/indexes/{index}/query" is appended
    QString appId = QStringLiteral("DEMO");
    QString apiKey = QStringLiteral("demo-key"); // never printed
    int shoppers = 5;
    double speed = 10;             // 1× to 100×: think times are divided by it
    double maxEventsPerSecond = 0; // 0: as fast as the shoppers think
    int durationSeconds = 0;       // 0: until every shopper's visits are done; else shoppers keep visiting
    int visits = 3;                // per shopper, when no duration is set
    quint64 seed = 1;
    QSet<DemoMistake> mistakes;
};

struct DemoRunSummary
{
    int shoppers = 0;
    qint64 searches = 0;
    qint64 searchesFailed = 0;
    qint64 events = 0;
    qint64 accepted = 0;
    qint64 rejected = 0;                 // answered 4xx
    qint64 failed = 0;                   // no answer, or 5xx
    QHash<DemoMistake, qint64> mistakes; // events sent with each mistake
    qint64 logins = 0;
    qint64 elapsedMs = 0;
    QString firstFailure; // the first transport or search failure, for the summary
};

class DemoRunner final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DemoRunner)

public:
    // `catalog` must outlive the runner: personas come from it, and its index is the one searched.
    DemoRunner(const IndexCatalog* catalog, DemoRunOptions options, QObject* parent = nullptr);
    ~DemoRunner() override;

    // nullopt when started; else why not (e.g. the catalog has no attribute to derive personas from).
    std::optional<QString> start();
    // Stops scheduling; requests in flight finish, then finished() is emitted.
    void stop();
    bool isRunning() const { return m_running; }
    const DemoRunSummary& summary() const { return m_summary; }
    const QList<DemoShopper>& shoppers() const { return m_shoppers; }

Q_SIGNALS:
    // One line per action, for progress output ("shopper 2 (Drama lover): click movie-0042 at 13 → 200").
    void actionDone(const QString& line);
    void finished();

private:
    void schedule(int shopper, const std::optional<DemoSearchAnswer>& answer);
    void perform(int shopper);
    void search(int shopper, const DemoSearch& search);
    void sendEvent(int shopper, const DemoAction& action);
    void maybeFinish();

    const IndexCatalog* m_catalog = nullptr;
    DemoRunOptions m_options;
    HttpTransport* m_http = nullptr;
    QList<DemoShopper> m_shoppers;
    QList<DemoAction> m_next; // the action each shopper will perform when its timer fires
    QList<QTimer*> m_timers;
    QSet<int> m_busy; // shoppers with a request in flight
    QTimer m_deadline;
    QElapsedTimer m_clock;
    qint64 m_eventsThisSecond = 0;
    qint64 m_rateSecond = -1;
    bool m_running = false;
    DemoRunSummary m_summary;
};
