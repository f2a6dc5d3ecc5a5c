#pragma once

// What the presenter view shows while someone demos personalization: live counters, the latest events as a
// ticker, a funnel and a profile estimate per shopper, and the mistakes the debugger caught. Pure: it is fed
// log records (from scripted shoppers, a website or a phone alike) and knows nothing of widgets or threads.

#include "log/eventlog.h"
#include "views/profileestimate.h"

#include <QHash>
#include <QList>
#include <QString>

#include <deque>

class IndexCatalog;

class PresenterStats
{
public:
    static constexpr int kTickerSize = 8;           // events kept for the ticker, newest first
    static constexpr qint64 kRateWindowMs = 10'000; // events/s is measured over the last 10 s
    static constexpr int kRecordsPerShopper = 200;  // a shopper's newest events kept for its profile estimate
    static constexpr int kMaxShoppers = 500;        // least recently seen shoppers are forgotten beyond this

    // How an event reads on a badge: by words and a symbol as well as by colour. One badge per verdict of the
    // vocabulary (verdictOf decides which), in the presenter's short words for large type.
    enum class Badge
    {
        Accepted,          // accepted, nothing to say
        Warning,           // accepted, but with a warning (it may not count)
        Rejected,          // the event broke a rule
        RejectedWithBatch, // another event of its request broke a rule
        NotDelivered,      // sent by the app, never judged (transport error, 5xx, 429)
        RequestRejected,   // refused before its events were judged (401, 404, 413, ...)
    };

    struct TickerEntry
    {
        qint64 id = 0;
        qint64 receivedAtMs = 0;
        Badge badge = Badge::Accepted;
        QString what; // "click", "conversion · purchase"
        QString eventName;
        QString userToken;
        QString note; // the first error or warning, else empty
    };

    enum class Stage
    {
        View,
        Click,
        AddToCart,
        Purchase,
    };
    static constexpr int kStageCount = 4;

    struct Shopper
    {
        QString userToken;                      // the (anonymous) userToken the shopper's events share
        QString authenticatedUserToken;         // the latest one seen, after a login
        int stages[kStageCount] = {0, 0, 0, 0}; // accepted events per funnel stage
        qint64 lastSeenMs = 0;
        QList<Affinity> affinities; // strongest first, scores relative to the strongest (0..100)
    };

    struct Mistake
    {
        QString code;
        QString message; // as first seen
        qint64 count = 0;
        QString lastUserToken;
    };

    void setCatalogs(QList<const IndexCatalog*> catalogs);
    // Records in log order (increasing ids). `nowMs` is the clock used for "will count" (24 h rule).
    void add(const LogRecord& record, qint64 nowMs);
    void clear();

    qint64 total() const { return m_total; }
    qint64 accepted() const { return m_accepted; }
    qint64 rejected() const { return m_total - m_accepted; }
    // Accepted events that Advanced Personalization will use (the details pane's "will it count" rule).
    qint64 countsForPersonalization() const { return m_forPersonalization; }
    double eventsPerSecond(qint64 nowMs) const;
    qint64 lastId() const { return m_lastId; }

    QList<TickerEntry> ticker() const { return {m_ticker.begin(), m_ticker.end()}; }
    // The shoppers seen most recently first, at most `count`, with their profile estimate computed now.
    QList<Shopper> shoppers(int count) const;
    // Most frequent first.
    QList<Mistake> mistakes(int count) const;

    // What the presenter shows at one moment, computed where the records are read (a worker thread): the
    // window only paints it.
    struct Snapshot
    {
        qint64 atMs = 0;
        double eventsPerSecond = 0;
        qint64 accepted = 0;
        qint64 rejected = 0;
        qint64 countsForPersonalization = 0;
        QList<TickerEntry> ticker;
        QList<Mistake> mistakes;
        QList<Shopper> shoppers; // with their profile estimates
    };
    Snapshot snapshot(qint64 nowMs, int shoppers, int mistakes) const;

    static QString stageName(Stage stage); // "View", "Click", "Add to cart", "Purchase"
    static QString badgeText(Badge badge); // "✓ Accepted", "! Warning", "✗ Rejected", "✗ Rejected (batch)", …
    static Badge badgeOf(const LogRecord& record);
    static std::optional<Stage> stageOf(const LogRecord& record);

private:
    struct ShopperState
    {
        Shopper shopper;
        std::deque<LogRecord> recent; // for the profile estimate
    };

    QList<const IndexCatalog*> m_catalogs;
    qint64 m_total = 0;
    qint64 m_accepted = 0;
    qint64 m_forPersonalization = 0;
    qint64 m_lastId = 0;
    std::deque<std::pair<qint64, qint64>> m_perSecond; // (second since the epoch, events), last rate window
    std::deque<TickerEntry> m_ticker;
    QHash<QString, ShopperState> m_shoppers;
    QHash<QString, Mistake> m_mistakes;
};
