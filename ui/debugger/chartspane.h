#pragma once

#include "debuggerpanel.h"
#include "views/eventstats.h"
#include "views/profileestimate.h"

#include <QTimer>
#include <QWidget>

#include <functional>
#include <memory>

class EventLog;
class IndexCatalog;
class QBarCategoryAxis;
class QBarSeries;
class QBarSet;
class QChart;
class QComboBox;
class QDateTimeAxis;
class QHorizontalBarSeries;
class QLabel;
class QLineSeries;
class QThreadPool;
class QTreeWidget;
class QValueAxis;

// Charts of the live traffic (QtCharts): events per second over the last 5, 15 or 60 minutes, accepted
// against rejected, with the requests refused before any event was judged (a wrong key, a wrong path) as a
// series of their own, by event type (searches are not events: not counted); the most frequent error
// messages; and a profile preview for a test user, estimated from that user's events and the catalog's
// attributes (labelled as an estimate). The counts are gathered from the log off the GUI thread, and only
// while the charts are shown.
class ChartsPane final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ChartsPane)

public:
    explicit ChartsPane(EventLog* log, QWidget* parent = nullptr);
    ~ChartsPane() override;

    void setCatalogs(QList<std::shared_ptr<const IndexCatalog>> catalogs);
    void setTestUsers(const QList<DebuggerTestUser>& users);
    void setClock(std::function<qint64()> nowMs);
    // 300, 900 or 3600.
    void setWindowSeconds(int seconds);
    int windowSeconds() const { return m_windowSeconds; }
    // Shows the profile preview of this user token.
    void showProfile(const QString& userToken);
    // Fetches the real profile of a user token from Algolia and calls `done` with a readable text (or why it
    // could not). Provided by the main window when credentials allow; without it the real profile is not
    // shown.
    using ProfileFetcher =
        std::function<void(const QString& userToken, std::function<void(const QString&)> done)>;
    void setProfileFetcher(ProfileFetcher fetcher);

    // What the charts show now (tests, screenshots).
    const EventStats& stats() const { return m_stats; }
    qint64 shownAccepted() const { return m_shownAccepted; }
    qint64 shownRejected() const { return m_shownRejected; }
    qint64 shownRefused() const { return m_shownRefused; }
    const ProfileEstimate& profile() const { return m_profile; }
    QLineSeries* acceptedSeries() const { return m_acceptedSeries; }
    QLineSeries* rejectedSeries() const { return m_rejectedSeries; }
    QLineSeries* refusedSeries() const { return m_refusedSeries; }

Q_SIGNALS:
    // The charts were redrawn with new counts.
    void refreshed();
    void profileUpdated();

protected:
    void showEvent(QShowEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void feed();
    void refresh();
    void drawProfile();
    void rebuildProfileUsers();
    void updateTimeAxis();

    EventLog* m_log = nullptr;
    QList<std::shared_ptr<const IndexCatalog>> m_catalogs;
    std::function<qint64()> m_now;
    int m_windowSeconds = 300;
    EventStats m_stats;
    qint64 m_fedUpTo = -1; // -1: not started
    bool m_feeding = false;
    bool m_feedAgain = false;
    bool m_dirty = true;
    bool m_counted = false;      // the first count of the log is in (until then no totals are shown)
    bool m_profileStale = false; // events came or went since the profile preview was drawn
    QList<DebuggerTestUser> m_testUsers;
    QStringList m_profileTokens;
    qint64 m_shownAccepted = 0;
    qint64 m_shownRejected = 0;
    qint64 m_shownRefused = 0;
    QTimer m_refreshTimer;
    std::unique_ptr<QThreadPool> m_pool;
    std::shared_ptr<std::atomic<bool>> m_stop;

    QComboBox* m_window = nullptr;
    QLabel* m_totals = nullptr;
    QChart* m_rateChart = nullptr;
    QLineSeries* m_acceptedSeries = nullptr;
    QLineSeries* m_rejectedSeries = nullptr;
    QLineSeries* m_refusedSeries = nullptr;
    QDateTimeAxis* m_rateX = nullptr;
    QValueAxis* m_rateY = nullptr;
    QChart* m_typeChart = nullptr;
    QBarSet* m_typeAccepted = nullptr;
    QBarSet* m_typeRejected = nullptr;
    QBarCategoryAxis* m_typeX = nullptr;
    QValueAxis* m_typeY = nullptr;
    QTreeWidget* m_topErrors = nullptr;
    QComboBox* m_profileUser = nullptr;
    QLabel* m_profileLabel = nullptr;
    QChart* m_profileChart = nullptr;
    QBarSet* m_profileSet = nullptr;
    QBarCategoryAxis* m_profileY = nullptr;
    QValueAxis* m_profileX = nullptr;
    class QTextBrowser* m_realProfile = nullptr;
    ProfileFetcher m_profileFetcher;
    ProfileEstimate m_profile;
    QString m_profileToken;
    quint64 m_profileGeneration = 0;
};
