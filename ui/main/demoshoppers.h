#pragma once

#include "demo/demoshopper.h"

#include <QObject>
#include <QSet>
#include <QString>

#include <memory>

class DemoRunner;
class DesktopSession;
class IndexCatalog;
class QMenu;

// The desktop's scripted demo shoppers (issue 14): Demo > Start shoppers runs the same DemoRunner as the
// `demo` command against this app's own endpoint (its local search answers the shoppers' searches, so their
// clicks carry real queryIDs), on the GUI thread's event loop (the runner's HTTP is asynchronous). The
// mistakes to inject are toggles in the same menu, so a presenter shows the debugger catching each one.
class DemoShoppers final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DemoShoppers)

public:
    static constexpr int kShoppers = 5;
    static constexpr double kSpeed = 10; // think times ÷ 10: a lively table without a flood
    // Shoppers keep visiting until stopped, at most this long (a demo left running overnight stops).
    static constexpr int kMaxDurationSeconds = 2 * 60 * 60;

    explicit DemoShoppers(DesktopSession* session, QObject* parent = nullptr);
    ~DemoShoppers() override;

    // Fills the Demo menu: start/stop, then one toggle per mistake.
    void populateMenu(QMenu* menu);
    // nullopt when started; else why not (endpoint off, no catalog, search not local...).
    std::optional<QString> start();
    void stop();
    bool isRunning() const;
    QSet<DemoMistake> mistakes() const { return m_mistakes; }
    void setMistake(DemoMistake mistake, bool on);

Q_SIGNALS:
    // A line for the status bar: started, stopped with its summary, or why it could not start.
    void statusChanged(const QString& text);
    void runningChanged(bool running);

private:
    DesktopSession* m_session;
    QSet<DemoMistake> m_mistakes;
    std::shared_ptr<const IndexCatalog> m_catalog; // outlives the runner, which points into it
    std::unique_ptr<DemoRunner> m_runner;
};
