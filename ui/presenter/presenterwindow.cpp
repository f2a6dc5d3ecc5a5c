#include "presenterwindow.h"

#include "catalog/indexcatalog.h"
#include "log/eventlog.h"
#include "qrcode.h"

#include <QDateTime>
#include <QFrame>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLocale>
#include <QPixmap>
#include <QProgressBar>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <utility>

namespace {

constexpr int kRenderMs = 250;        // at most four repaints a second, however fast events arrive
constexpr int kInitialRecords = 2000; // what a freshly opened presenter reads back from the log
constexpr int kFetchLimit = 5000;     // records read per catch-up step
constexpr double kBaseScale = 1.5;    // the presenter's type relative to the application font

// Type sizes relative to the presenter's base size.
constexpr double kCounterScale = 2.0;
constexpr double kSmallScale = 0.75; // captions, stage names, mistake messages
constexpr int kTickerRows = 6;       // what fits 720 pixels at +50 % zoom
constexpr double kHeadingScale = 1.25;

QLabel* makeLabel(QWidget* parent, const QString& objectName, bool wrap = false)
{
    auto* label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setWordWrap(wrap);
    label->setTextFormat(Qt::PlainText);
    return label;
}

QString number(qint64 value)
{
    return QLocale().toString(value);
}

// Verdicts read without colour: the badge text carries a symbol and a word; colour only adds to it.
QString badgeStyle(PresenterStats::Badge badge)
{
    switch (badge) {
    case PresenterStats::Badge::Accepted:
        return QStringLiteral("color: white; background: #2e7d32; border-radius: 4px; padding: 2px 6px;");
    case PresenterStats::Badge::Warning:
        return QStringLiteral("color: black; background: #f9a825; border-radius: 4px; padding: 2px 6px;");
    case PresenterStats::Badge::Rejected:
        return QStringLiteral("color: white; background: #c62828; border-radius: 4px; padding: 2px 6px;");
    case PresenterStats::Badge::RejectedWithBatch:
    case PresenterStats::Badge::RequestRejected:
        return QStringLiteral(
            "color: #c62828; border: 2px solid #c62828; border-radius: 4px; padding: 0px 4px;");
    case PresenterStats::Badge::NotDelivered:
        return QStringLiteral(
            "color: #6d4c41; border: 2px dashed #6d4c41; border-radius: 4px; padding: 0px 4px;");
    }
    return {};
}

} // namespace

struct PresenterWindow::ShopperCard
{
    QFrame* frame = nullptr;
    QLabel* title = nullptr;
    QLabel* subtitle = nullptr;
    QList<QLabel*> stageNames;
    QList<QLabel*> stageCounts;
    QLabel* affinityHeading = nullptr;
    QList<QLabel*> affinityNames;
    QList<QProgressBar*> affinityBars;
};

PresenterWindow::PresenterWindow(EventLog* log, QWidget* parent)
    : QWidget(parent, Qt::Window)
    , m_log(log)
    , m_now([] { return QDateTime::currentMSecsSinceEpoch(); })
{
    setObjectName(QStringLiteral("presenterWindow"));
    setWindowTitle(tr("Insights Events Debugger — Presenter"));
    buildUi();
    applyFonts();

    m_renderTimer.setSingleShot(true);
    m_renderTimer.setInterval(kRenderMs);
    connect(&m_renderTimer, &QTimer::timeout, this, &PresenterWindow::render);
    connect(&m_jobWatcher, &QFutureWatcher<FetchResult>::finished, this, &PresenterWindow::jobFinished);
    // Events per second decays while nothing arrives: a fresh snapshot once a second regardless.
    auto* tick = new QTimer(this);
    tick->setInterval(1000);
    connect(tick, &QTimer::timeout, this, [this] {
        if (isVisible())
            fetchNew();
    });
    tick->start();

    if (m_log) {
        connect(m_log, &EventLog::recordsAppended, this, [this] {
            if (isVisible())
                fetchNew();
        });
        connect(m_log, &EventLog::recordsRemoved, this, [this] {
            if (isVisible())
                reload();
        });
    }
    render();
}

PresenterWindow::~PresenterWindow()
{
    m_job.waitForFinished(); // it reads the log, which may go right after the window
}

void PresenterWindow::buildUi()
{
    auto* root = new QVBoxLayout(this);
    root->setContentsMargins(24, 10, 24, 10);
    root->setSpacing(8);

    // Counters.
    auto* counters = new QHBoxLayout;
    counters->setSpacing(16);
    auto addCounter = [&](QLabel*& value, const QString& name, const QString& caption) {
        auto* box = new QVBoxLayout;
        value = makeLabel(this, name);
        value->setAlignment(Qt::AlignCenter);
        auto* text = makeLabel(this, name + QStringLiteral("Caption"), true);
        text->setText(caption);
        text->setAlignment(Qt::AlignCenter);
        m_counterCaptions << text;
        box->addWidget(value);
        box->addWidget(text);
        counters->addLayout(box, 1);
    };
    addCounter(m_rate, QStringLiteral("presenterRate"), tr("events per second"));
    addCounter(m_accepted, QStringLiteral("presenterAccepted"), tr("accepted"));
    addCounter(m_rejected, QStringLiteral("presenterRejected"), tr("rejected"));
    addCounter(m_personalization, QStringLiteral("presenterPersonalization"),
               tr("will count for Personalization"));
    auto* phone = new QVBoxLayout;
    m_qrCode = makeLabel(this, QStringLiteral("presenterQrCode"));
    m_qrCode->setAlignment(Qt::AlignCenter);
    m_qrCaption = makeLabel(this, QStringLiteral("presenterQrCaption"), true);
    m_qrCaption->setAlignment(Qt::AlignCenter);
    m_qrCaption->setMaximumWidth(340);
    phone->addWidget(m_qrCode);
    phone->addWidget(m_qrCaption);
    counters->addLayout(phone);
    m_qrCode->hide();
    m_qrCaption->hide();
    root->addLayout(counters);

    // Ticker and mistakes side by side.
    auto* middle = new QHBoxLayout;
    middle->setSpacing(24);
    auto* tickerBox = new QVBoxLayout;
    auto* tickerHeading = makeLabel(this, QStringLiteral("presenterTickerHeading"));
    tickerHeading->setText(tr("Latest events"));
    m_headings << tickerHeading;
    tickerBox->addWidget(tickerHeading);
    m_ticker = new QGridLayout;
    m_ticker->setHorizontalSpacing(12);
    m_ticker->setVerticalSpacing(2);
    for (int row = 0; row < kTickerRows; ++row) {
        QList<QLabel*> labels;
        for (const char* column : {"Badge", "What", "User"}) {
            QLabel* label = makeLabel(
                this, QStringLiteral("presenterTicker%1%2").arg(QString::fromLatin1(column)).arg(row));
            labels << label;
        }
        for (int column = 0; column < labels.size(); ++column)
            m_ticker->addWidget(labels[column], row, column);
        m_tickerRows << labels;
    }
    m_ticker->setColumnStretch(1, 1);
    tickerBox->addLayout(m_ticker);
    tickerBox->addStretch(1);
    middle->addLayout(tickerBox, 3);

    auto* mistakesBox = new QVBoxLayout;
    auto* mistakesHeading = makeLabel(this, QStringLiteral("presenterMistakesHeading"));
    mistakesHeading->setText(tr("Mistakes caught"));
    m_headings << mistakesHeading;
    mistakesBox->addWidget(mistakesHeading);
    m_noMistakes = makeLabel(this, QStringLiteral("presenterNoMistakes"), true);
    m_noMistakes->setText(tr("None so far."));
    mistakesBox->addWidget(m_noMistakes);
    m_mistakes = new QGridLayout;
    m_mistakes->setHorizontalSpacing(10);
    for (int row = 0; row < kMistakeRows; ++row) {
        QLabel* count = makeLabel(this, QStringLiteral("presenterMistakeCount%1").arg(row));
        count->setAlignment(Qt::AlignRight | Qt::AlignTop);
        QLabel* message = makeLabel(this, QStringLiteral("presenterMistakeMessage%1").arg(row), true);
        m_mistakes->addWidget(count, row, 0);
        m_mistakes->addWidget(message, row, 1);
        m_mistakeRows << QList<QLabel*>{count, message};
    }
    m_mistakes->setColumnStretch(1, 1);
    mistakesBox->addLayout(m_mistakes);
    mistakesBox->addStretch(1);
    middle->addLayout(mistakesBox, 2);
    root->addLayout(middle, 1);

    // Shoppers.
    auto* shoppersHeading = makeLabel(this, QStringLiteral("presenterShoppersHeading"));
    shoppersHeading->setText(tr("Shoppers"));
    m_headings << shoppersHeading;
    root->addWidget(shoppersHeading);
    m_noShoppers = makeLabel(this, QStringLiteral("presenterNoShoppers"), true);
    m_noShoppers->setText(
        tr("No shopper yet: start the demo shoppers, or send events from a website or a phone."));
    root->addWidget(m_noShoppers);
    auto* cards = new QHBoxLayout;
    cards->setSpacing(16);
    for (int i = 0; i < kShopperCards; ++i) {
        auto card = std::make_shared<ShopperCard>();
        card->frame = new QFrame(this);
        card->frame->setObjectName(QStringLiteral("presenterShopper%1").arg(i));
        card->frame->setFrameShape(QFrame::StyledPanel);
        auto* grid = new QGridLayout(card->frame);
        grid->setVerticalSpacing(3);
        card->title = makeLabel(card->frame, QStringLiteral("presenterShopperTitle%1").arg(i));
        card->subtitle = makeLabel(card->frame, QStringLiteral("presenterShopperSubtitle%1").arg(i));
        grid->addWidget(card->title, 0, 0, 1, 4);
        grid->addWidget(card->subtitle, 1, 0, 1, 4);
        int row = 2;
        // The funnel as four cells: stage name over its count of accepted events.
        for (int stage = 0; stage < PresenterStats::kStageCount; ++stage) {
            QLabel* name = makeLabel(card->frame, QStringLiteral("presenterStage%1_%2").arg(i).arg(stage));
            name->setText(PresenterStats::stageName(static_cast<PresenterStats::Stage>(stage)));
            name->setAlignment(Qt::AlignCenter);
            QLabel* count =
                makeLabel(card->frame, QStringLiteral("presenterStageCount%1_%2").arg(i).arg(stage));
            count->setAlignment(Qt::AlignCenter);
            grid->addWidget(name, row, stage);
            grid->addWidget(count, row + 1, stage);
            card->stageNames << name;
            card->stageCounts << count;
        }
        row += 2;
        card->affinityHeading = makeLabel(card->frame, QStringLiteral("presenterAffinityHeading%1").arg(i));
        card->affinityHeading->setText(tr("Profile (estimate)"));
        grid->addWidget(card->affinityHeading, row++, 0, 1, 4);
        for (int a = 0; a < 3; ++a, ++row) {
            QLabel* name = makeLabel(card->frame, QStringLiteral("presenterAffinity%1_%2").arg(i).arg(a));
            auto* bar = new QProgressBar(card->frame);
            bar->setObjectName(QStringLiteral("presenterAffinityBar%1_%2").arg(i).arg(a));
            bar->setTextVisible(false);
            bar->setRange(0, 100);
            grid->addWidget(name, row, 0, 1, 2);
            grid->addWidget(bar, row, 2, 1, 2);
            card->affinityNames << name;
            card->affinityBars << bar;
        }
        grid->setRowStretch(row, 1);
        cards->addWidget(card->frame, 1);
        m_cards << card;
    }
    root->addLayout(cards);
}

void PresenterWindow::applyFonts()
{
    QFont base = QWidget::font();
    base.setPointSizeF(std::max(6.0, base.pointSizeF()) * kBaseScale * m_zoom);
    for (QLabel* label : findChildren<QLabel*>())
        label->setFont(base);
    QFont counter = base;
    counter.setPointSizeF(base.pointSizeF() * kCounterScale);
    counter.setBold(true);
    for (QLabel* label : {m_rate, m_accepted, m_rejected, m_personalization})
        label->setFont(counter);
    QFont heading = base;
    heading.setPointSizeF(base.pointSizeF() * kHeadingScale);
    heading.setBold(true);
    for (QLabel* label : std::as_const(m_headings))
        label->setFont(heading);
    QFont small = base;
    small.setPointSizeF(base.pointSizeF() * kSmallScale);
    m_qrCaption->setFont(small);
    for (QLabel* label : std::as_const(m_counterCaptions))
        label->setFont(small);
    for (const QList<QLabel*>& row : std::as_const(m_mistakeRows))
        row[1]->setFont(small);
    for (const auto& card : std::as_const(m_cards)) {
        QFont title = base;
        title.setBold(true);
        card->title->setFont(title);
        card->subtitle->setFont(small);
        card->affinityHeading->setFont(small);
        for (QLabel* name : card->stageNames + card->affinityNames)
            name->setFont(small);
        QFont count = base;
        count.setBold(true);
        for (QLabel* label : std::as_const(card->stageCounts))
            label->setFont(count);
        const int barHeight = QFontMetrics(base).height() / 2;
        for (QProgressBar* bar : std::as_const(card->affinityBars))
            bar->setFixedHeight(barHeight);
    }
}

void PresenterWindow::setCatalogs(QList<std::shared_ptr<const IndexCatalog>> catalogs)
{
    m_catalogs = std::move(catalogs);
    if (isVisible())
        reload(); // else at the next show
}

void PresenterWindow::setClock(std::function<qint64()> nowMs)
{
    m_now = std::move(nowMs);
}

void PresenterWindow::setZoom(double zoom)
{
    m_zoom = std::clamp(zoom, 0.5, 3.0);
    applyFonts();
}

void PresenterWindow::setStorefrontUrl(const QString& url, bool reachable)
{
    const QImage code = QrCode::image(url, 3);
    m_qrCode->setPixmap(QPixmap::fromImage(code));
    m_qrCode->setToolTip(url);
    m_qrCaption->setText(reachable ? tr("Shop on your phone: %1").arg(url)
                                   : tr("Phones cannot reach %1: listen on this machine's network address "
                                        "(Settings) to let them shop.")
                                         .arg(url));
    m_qrCode->setVisible(!code.isNull());
    m_qrCaption->setVisible(true);
}

void PresenterWindow::toggleFullScreen()
{
    if (isFullScreen())
        showNormal();
    else
        showFullScreen();
}

void PresenterWindow::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    reload();
}

void PresenterWindow::keyPressEvent(QKeyEvent* event)
{
    if (event->key() == Qt::Key_F11) {
        toggleFullScreen();
        return;
    }
    if (event->key() == Qt::Key_Escape && isFullScreen()) {
        showNormal();
        return;
    }
    if (event->modifiers() & Qt::ControlModifier) {
        if (event->key() == Qt::Key_Equal || event->key() == Qt::Key_Plus) {
            setZoom(m_zoom + 0.1);
            return;
        }
        if (event->key() == Qt::Key_Minus) {
            setZoom(m_zoom - 0.1);
            return;
        }
        if (event->key() == Qt::Key_0) {
            setZoom(1.0);
            return;
        }
    }
    QWidget::keyPressEvent(event);
}

void PresenterWindow::reload()
{
    ++m_generation;
    // A fresh tally; the one a job may still be filling is dropped with its stale answer.
    m_stats = std::make_shared<PresenterStats>();
    QList<const IndexCatalog*> raw;
    for (const auto& catalog : std::as_const(m_catalogs))
        raw << catalog.get();
    m_stats->setCatalogs(raw);
    m_fetchAgain = false;
    fetchNew(); // what is shown stays until the new tally is ready: no flash of zeros
}

// Reading, decoding and tallying the records (profile estimates decode each event's objects) run on a worker
// thread, one job at a time; the window only paints the snapshot a job hands back.
void PresenterWindow::fetchNew()
{
    if (!m_log)
        return;
    if (m_job.isRunning()) {
        m_fetchAgain = true;
        return;
    }
    LogQuery query;
    query.kind = RecordKind::Event;
    if (m_stats->lastId() == 0) {
        // Start from the newest records, so that opening the presenter on a large log is quick.
        query.newestFirst = true;
        query.limit = kInitialRecords;
    } else {
        query.sinceId = m_stats->lastId();
        query.limit = kFetchLimit;
    }
    const int generation = m_generation;
    EventLog* log = m_log;
    const std::shared_ptr<PresenterStats> stats = m_stats;
    const QList<std::shared_ptr<const IndexCatalog>> catalogs = m_catalogs; // alive while the job reads them
    const qint64 now = m_now();
    m_job = QtConcurrent::run([log, stats, catalogs, query, now, generation] {
        QList<LogRecord> records = log->query(query);
        if (query.newestFirst)
            std::reverse(records.begin(), records.end());
        for (const LogRecord& record : std::as_const(records))
            stats->add(record, now);
        FetchResult result;
        result.generation = generation;
        result.fullPage = query.limit > 0 && records.size() >= query.limit && !query.newestFirst;
        result.snapshot = stats->snapshot(now, kShopperCards, kMistakeRows);
        return result;
    });
    m_jobWatcher.setFuture(m_job);
}

void PresenterWindow::jobFinished()
{
    const FetchResult result = m_job.result();
    if (result.generation != m_generation) {
        fetchNew(); // the log was cleared or the catalogs changed meanwhile: read again for the new tally
        return;
    }
    m_snapshot = result.snapshot;
    if (!m_renderTimer.isActive())
        m_renderTimer.start();
    if (std::exchange(m_fetchAgain, false) || result.fullPage)
        fetchNew();
}

void PresenterWindow::render()
{
    m_rate->setText(QLocale().toString(m_snapshot.eventsPerSecond, 'f', 1));
    m_accepted->setText(number(m_snapshot.accepted));
    m_rejected->setText(number(m_snapshot.rejected));
    m_personalization->setText(number(m_snapshot.countsForPersonalization));

    const QList<PresenterStats::TickerEntry>& ticker = m_snapshot.ticker;
    for (int row = 0; row < m_tickerRows.size(); ++row) {
        const QList<QLabel*>& labels = m_tickerRows[row];
        const bool used = row < ticker.size();
        for (QLabel* label : labels)
            label->setVisible(used);
        if (!used)
            continue;
        const PresenterStats::TickerEntry& entry = ticker[row];
        labels[0]->setText(PresenterStats::badgeText(entry.badge));
        labels[0]->setStyleSheet(badgeStyle(entry.badge));
        // One line per event: the kind of event; its name and what went wrong are in the tooltip, and the
        // mistakes are spelled out under "Mistakes caught".
        labels[1]->setText(entry.what);
        labels[1]->setToolTip(entry.note.isEmpty() ? entry.eventName
                                                   : entry.eventName + QStringLiteral(": ") + entry.note);
        // Tokens are long and carry no meaning for an audience: the middle is elided, the whole in the
        // tooltip.
        const QFontMetrics metrics(labels[2]->font());
        labels[2]->setText(
            metrics.elidedText(entry.userToken, Qt::ElideMiddle, metrics.averageCharWidth() * 16));
        labels[2]->setToolTip(entry.userToken);
    }

    const QList<PresenterStats::Mistake>& mistakes = m_snapshot.mistakes;
    m_noMistakes->setVisible(mistakes.isEmpty());
    for (int row = 0; row < m_mistakeRows.size(); ++row) {
        const bool used = row < mistakes.size();
        for (QLabel* label : m_mistakeRows[row])
            label->setVisible(used);
        if (!used)
            continue;
        m_mistakeRows[row][0]->setText(QStringLiteral("×") + number(mistakes[row].count));
        m_mistakeRows[row][1]->setText(mistakes[row].message);
        m_mistakeRows[row][1]->setToolTip(mistakes[row].code);
    }

    const QList<PresenterStats::Shopper>& shoppers = m_snapshot.shoppers;
    m_noShoppers->setVisible(shoppers.isEmpty());
    for (int i = 0; i < m_cards.size(); ++i) {
        ShopperCard& card = *m_cards[i];
        const bool used = i < shoppers.size();
        card.frame->setVisible(used);
        if (!used)
            continue;
        const PresenterStats::Shopper& shopper = shoppers[i];
        const QFontMetrics metrics(card.title->font());
        const int width = std::max(80, card.frame->contentsRect().width() - 16);
        card.title->setText(metrics.elidedText(shopper.userToken, Qt::ElideMiddle, width));
        card.title->setToolTip(shopper.userToken);
        card.subtitle->setText(
            shopper.authenticatedUserToken.isEmpty()
                ? tr("anonymous")
                : metrics.elidedText(tr("logged in: %1").arg(shopper.authenticatedUserToken), Qt::ElideMiddle,
                                     width));
        for (int stage = 0; stage < PresenterStats::kStageCount; ++stage)
            card.stageCounts[stage]->setText(number(shopper.stages[stage]));
        card.affinityHeading->setVisible(!shopper.affinities.isEmpty());
        for (int a = 0; a < card.affinityNames.size(); ++a) {
            const bool has = a < shopper.affinities.size();
            card.affinityNames[a]->setVisible(has);
            card.affinityBars[a]->setVisible(has);
            if (!has)
                continue;
            const Affinity& affinity = shopper.affinities[a];
            card.affinityNames[a]->setText(affinity.value);
            card.affinityNames[a]->setToolTip(affinity.attribute + QStringLiteral(": ") + affinity.value);
            // Scores are shares of the shopper's interest; the strongest fills its bar so that the others
            // read against it.
            card.affinityBars[a]->setRange(0,
                                           std::max(1, static_cast<int>(shopper.affinities.first().score)));
            card.affinityBars[a]->setValue(static_cast<int>(affinity.score));
        }
    }
}
