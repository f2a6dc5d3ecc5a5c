#pragma once

// The presenter view (issue 14 §2): a full-screen window for demos on a projector (1280×720 and up) with
// large type — live counters, the latest events as a ticker with verdict badges, a funnel and a profile
// estimate per shopper, and the mistakes caught. It follows the event log, so it shows scripted shoppers, a
// website and a phone alike.

#include "demo/presenterstats.h"

#include <QFuture>
#include <QFutureWatcher>
#include <QList>
#include <QTimer>
#include <QWidget>

#include <functional>
#include <memory>

class EventLog;
class IndexCatalog;
class QGridLayout;
class QLabel;
class QVBoxLayout;

class PresenterWindow final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PresenterWindow)

public:
    static constexpr int kShopperCards = 4;
    static constexpr int kMistakeRows = 3;

    explicit PresenterWindow(EventLog* log, QWidget* parent = nullptr);
    ~PresenterWindow() override;

    void setCatalogs(QList<std::shared_ptr<const IndexCatalog>> catalogs);
    void setClock(std::function<qint64()> nowMs);
    // Type size relative to the application font: 1.0 is the presenter's own large type; Ctrl+= / Ctrl+- /
    // Ctrl+0 change it by 10 % steps (0.5 to 3.0).
    void setZoom(double zoom);
    double zoom() const { return m_zoom; }
    // The demo storefront's address (GET /demo/ on the endpoint), shown as a QR code for phones in the room;
    // `reachable` false when the endpoint listens on loopback only, which the caption then says.
    void setStorefrontUrl(const QString& url, bool reachable);
    // Full screen on, or back to a normal window (F11, Esc).
    void toggleFullScreen();

    // What the window shows now (the latest tally of a worker thread).
    const PresenterStats::Snapshot& snapshot() const { return m_snapshot; }

protected:
    void showEvent(QShowEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

private:
    struct ShopperCard;
    void buildUi();
    void applyFonts();
    void reload();
    void fetchNew();
    void render();
    void jobFinished();
    struct FetchResult
    {
        int generation = 0;
        bool fullPage = false; // more records may be waiting
        PresenterStats::Snapshot snapshot;
    };

    EventLog* m_log = nullptr;
    QList<std::shared_ptr<const IndexCatalog>> m_catalogs;
    std::function<qint64()> m_now;
    // Touched by one job at a time on a worker thread; replaced (not cleared) by reload().
    std::shared_ptr<PresenterStats> m_stats = std::make_shared<PresenterStats>();
    PresenterStats::Snapshot m_snapshot;
    QFuture<FetchResult> m_job;
    QFutureWatcher<FetchResult> m_jobWatcher;
    double m_zoom = 1.0;
    bool m_fetchAgain = false;
    int m_generation = 0; // a clear of the log makes answers of earlier fetches stale
    QTimer m_renderTimer;

    QLabel* m_rate = nullptr;
    QLabel* m_accepted = nullptr;
    QLabel* m_rejected = nullptr;
    QLabel* m_personalization = nullptr;
    QList<QLabel*> m_counterCaptions;
    QList<QLabel*> m_headings;
    QGridLayout* m_ticker = nullptr;
    QList<QList<QLabel*>> m_tickerRows; // badge, what, user, note
    QGridLayout* m_mistakes = nullptr;
    QList<QList<QLabel*>> m_mistakeRows; // count, code, message
    QLabel* m_noMistakes = nullptr;
    QList<std::shared_ptr<ShopperCard>> m_cards;
    QLabel* m_noShoppers = nullptr;
    QLabel* m_qrCode = nullptr;
    QLabel* m_qrCaption = nullptr;
};
