#include "chartspane.h"

#include "debuggerpanel.h"

#include "style/icons.h"

#include "catalog/indexcatalog.h"
#include "event/vocabulary.h"
#include "log/eventlog.h"

#include <QAbstractItemView>
#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QHorizontalBarSeries>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QPen>
#include <QPointer>
#include <QResizeEvent>
#include <QSignalBlocker>
#include <QTextBrowser>
#include <QThreadPool>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <atomic>
#include <cmath>

namespace {

// A value axis whose ticks all read differently: a step of 1, 2 or 5 × 10^n (at least `minStep`), at most
// five intervals from 0, labels with the decimals the step needs. applyNiceNumbers() put four ticks on 0..2
// for counts, which "%.0f" printed as 2, 1, 1, 0.
void setReadableRange(QValueAxis* axis, double peak, double minStep)
{
    constexpr int kMaxIntervals = 5;
    peak = std::max(peak, minStep);
    double step = minStep;
    for (double decade = minStep; step * kMaxIntervals < peak; decade *= 10) {
        for (const double factor : {1.0, 2.0, 5.0}) {
            step = decade * factor;
            if (step * kMaxIntervals >= peak)
                break;
        }
    }
    const int intervals = std::max(1, static_cast<int>(std::ceil(peak / step - 1e-9)));
    axis->setRange(0, step * intervals);
    axis->setTickCount(intervals + 1);
    axis->setLabelFormat(step < 1 ? QStringLiteral("%.1f") : QStringLiteral("%.0f"));
}

constexpr int kRefreshMs = 1000;
constexpr int kFeedChunk = 5000;
constexpr qint64 kFeedPerJob = 100'000; // records read by one job before it reports
constexpr qint64 kBackfill = 200'000;   // records looked at when the charts open on a full log
constexpr int kBins = 60;
constexpr int kTopErrors = 8;
constexpr int kProfileEvents = 1000;
constexpr int kProfileTokens = 50; // tokens of the log offered for the profile preview

QChartView* makeView(QChart* chart, QWidget* parent, const QString& name)
{
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->legend()->setAlignment(Qt::AlignBottom);
    auto* view = new QChartView(chart, parent);
    view->setObjectName(name);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(180);
    return view;
}

} // namespace

ChartsPane::ChartsPane(EventLog* log, QWidget* parent)
    : QWidget(parent)
    , m_log(log)
    , m_now([] { return QDateTime::currentMSecsSinceEpoch(); })
    , m_pool(std::make_unique<QThreadPool>())
    , m_stop(std::make_shared<std::atomic<bool>>(false))
{
    setObjectName(QStringLiteral("chartsPane"));
    m_pool->setMaxThreadCount(1);

    m_window = new QComboBox(this);
    m_window->setObjectName(QStringLiteral("chartWindow"));
    m_window->addItem(tr("Last 5 minutes"), 300);
    m_window->addItem(tr("Last 15 minutes"), 900);
    m_window->addItem(tr("Last 60 minutes"), 3600);
    connect(m_window, &QComboBox::activated, this,
            [this](int index) { setWindowSeconds(m_window->itemData(index).toInt()); });
    m_totals = new QLabel(this);
    m_totals->setObjectName(QStringLiteral("chartTotals"));

    // Events per second, accepted and rejected.
    m_rateChart = new QChart;
    m_rateChart->setTitle(tr("Events per second"));
    m_acceptedSeries = new QLineSeries(m_rateChart);
    m_acceptedSeries->setName(tr("Accepted"));
    m_acceptedSeries->setColor(QColor(0x2e, 0x7d, 0x32));
    m_rejectedSeries = new QLineSeries(m_rateChart);
    m_rejectedSeries->setName(tr("Rejected"));
    m_rejectedSeries->setColor(QColor(0xc0, 0x39, 0x2b));
    // Refused requests carry no event: a wrong key or path would otherwise look like "nothing arrives".
    m_refusedSeries = new QLineSeries(m_rateChart);
    m_refusedSeries->setName(verdictName(Verdict::RequestRejected));
    m_refusedSeries->setColor(Icons::badgeColour(Icons::Badge::RequestRejected, false));
    QPen refusedPen = m_refusedSeries->pen();
    refusedPen.setStyle(Qt::DashLine); // tells it from "Rejected" without colour
    refusedPen.setWidth(2);
    m_refusedSeries->setPen(refusedPen);
    m_rateChart->addSeries(m_acceptedSeries);
    m_rateChart->addSeries(m_rejectedSeries);
    m_rateChart->addSeries(m_refusedSeries);
    m_rateX = new QDateTimeAxis(m_rateChart);
    m_rateX->setFormat(QStringLiteral("HH:mm:ss"));
    m_rateX->setTickCount(4);
    m_rateY = new QValueAxis(m_rateChart);
    m_rateY->setLabelFormat(QStringLiteral("%.0f"));
    m_rateChart->addAxis(m_rateX, Qt::AlignBottom);
    m_rateChart->addAxis(m_rateY, Qt::AlignLeft);
    for (QLineSeries* series : {m_acceptedSeries, m_rejectedSeries, m_refusedSeries}) {
        series->attachAxis(m_rateX);
        series->attachAxis(m_rateY);
    }

    // By event type.
    m_typeChart = new QChart;
    m_typeChart->setTitle(tr("By event type"));
    m_typeAccepted = new QBarSet(tr("Accepted"), m_typeChart);
    m_typeAccepted->setColor(QColor(0x2e, 0x7d, 0x32));
    m_typeRejected = new QBarSet(tr("Rejected"), m_typeChart);
    m_typeRejected->setColor(QColor(0xc0, 0x39, 0x2b));
    auto* typeBars = new QBarSeries(m_typeChart);
    typeBars->append(m_typeAccepted);
    typeBars->append(m_typeRejected);
    m_typeChart->addSeries(typeBars);
    m_typeX = new QBarCategoryAxis(m_typeChart);
    m_typeY = new QValueAxis(m_typeChart);
    m_typeY->setLabelFormat(QStringLiteral("%.0f"));
    m_typeChart->addAxis(m_typeX, Qt::AlignBottom);
    m_typeChart->addAxis(m_typeY, Qt::AlignLeft);
    typeBars->attachAxis(m_typeX);
    typeBars->attachAxis(m_typeY);

    m_topErrors = new QTreeWidget(this);
    m_topErrors->setObjectName(QStringLiteral("topErrors"));
    m_topErrors->setHeaderLabels({tr("Count"), tr("Top error messages (last hour)")});
    m_topErrors->setRootIsDecorated(false);
    m_topErrors->setUniformRowHeights(true);
    m_topErrors->header()->setStretchLastSection(true);
    m_topErrors->setMaximumHeight(160);

    // Profile preview.
    m_profileUser = new QComboBox(this);
    m_profileUser->setObjectName(QStringLiteral("profileUser"));
    m_profileUser->setEditable(true);
    m_profileUser->setInsertPolicy(QComboBox::NoInsert);
    m_profileUser->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_profileUser->setMinimumContentsLength(20);
    connect(m_profileUser, &QComboBox::activated, this,
            [this](int index) { showProfile(m_profileUser->itemData(index).toString()); });
    connect(m_profileUser->lineEdit(), &QLineEdit::returnPressed, this, [this] {
        const int index = m_profileUser->findText(m_profileUser->currentText());
        showProfile(index >= 0 ? m_profileUser->itemData(index).toString()
                               : m_profileUser->currentText().trimmed());
    });
    m_profileLabel = new QLabel(this);
    m_profileLabel->setObjectName(QStringLiteral("profileEstimateLabel"));
    m_profileLabel->setWordWrap(true);
    m_profileChart = new QChart;
    m_profileChart->setTitle(tr("Profile preview (estimate, relative affinity %)"));
    m_profileChart->legend()->hide();
    m_profileSet = new QBarSet(tr("Estimated affinity"), m_profileChart);
    auto* profileBars = new QHorizontalBarSeries(m_profileChart);
    profileBars->append(m_profileSet);
    m_profileChart->addSeries(profileBars);
    m_profileY = new QBarCategoryAxis(m_profileChart);
    m_profileY->setTruncateLabels(false); // "genre: running" must be readable
    m_profileX = new QValueAxis(m_profileChart);
    m_profileX->setLabelFormat(QStringLiteral("%.0f"));
    m_profileChart->addAxis(m_profileY, Qt::AlignLeft);
    m_profileChart->addAxis(m_profileX, Qt::AlignBottom);
    profileBars->attachAxis(m_profileY);
    profileBars->attachAxis(m_profileX);
    m_realProfile = new QTextBrowser(this);
    m_realProfile->setObjectName(QStringLiteral("realProfile"));
    m_realProfile->setPlaceholderText(tr("Algolia's own profile appears here when credentials allow."));
    m_realProfile->setMaximumWidth(320);

    auto* top = new QHBoxLayout;
    top->addWidget(m_window);
    top->addWidget(m_totals, 1);
    auto* profileRow = new QHBoxLayout;
    profileRow->addWidget(new QLabel(tr("Profile of"), this));
    profileRow->addWidget(m_profileUser, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(makeView(m_rateChart, this, QStringLiteral("rateChartView")), 2);
    layout->addWidget(makeView(m_typeChart, this, QStringLiteral("typeChartView")), 2);
    layout->addWidget(m_topErrors, 1);
    layout->addLayout(profileRow);
    layout->addWidget(m_profileLabel);
    auto* profiles = new QHBoxLayout;
    profiles->addWidget(makeView(m_profileChart, this, QStringLiteral("profileChartView")), 2);
    profiles->addWidget(m_realProfile, 1);
    layout->addLayout(profiles, 2);

    m_refreshTimer.setInterval(kRefreshMs);
    connect(&m_refreshTimer, &QTimer::timeout, this, &ChartsPane::refresh);
    if (m_log)
        connect(m_log, &EventLog::recordsAppended, this, [this] {
            m_profileStale = !m_profileToken.isEmpty();
            if (isVisible())
                feed();
        });
    if (m_log)
        connect(m_log, &EventLog::recordsRemoved, this, [this] {
            // A clear or a deletion: count again from what is left.
            m_stats = EventStats();
            m_fedUpTo = -1;
            m_counted = false;
            m_dirty = true;
            m_profileStale = !m_profileToken.isEmpty();
            if (isVisible())
                feed();
        });
    setTestUsers({});
    drawProfile();
}

ChartsPane::~ChartsPane()
{
    m_stop->store(true);
    m_pool->waitForDone();
}

void ChartsPane::setCatalogs(QList<std::shared_ptr<const IndexCatalog>> catalogs)
{
    m_catalogs = std::move(catalogs);
    if (!m_profileToken.isEmpty())
        showProfile(m_profileToken);
}

void ChartsPane::setTestUsers(const QList<DebuggerTestUser>& users)
{
    m_testUsers = users;
    rebuildProfileUsers();
    // A renamed, logged-in or rotated user: the preview follows.
    if (!m_profileToken.isEmpty())
        showProfile(m_profileToken);
}

void ChartsPane::rebuildProfileUsers()
{
    // The test users first, then the tokens the log holds (a website's visitors too), most events first.
    // The box is editable: any token can be typed.
    QStringList tokens;
    const QSignalBlocker blocker(m_profileUser);
    m_profileUser->clear();
    m_profileUser->addItem(tr("(choose or type a user token)"), QString());
    for (const DebuggerTestUser& user : std::as_const(m_testUsers)) {
        m_profileUser->addItem(user.name + QStringLiteral(" (") + user.userToken + QLatin1Char(')'),
                               user.userToken);
        tokens << user.userToken;
    }
    for (const auto& [token, count] : m_stats.topUserTokens(kProfileTokens)) {
        if (tokens.contains(token))
            continue;
        m_profileUser->addItem(tr("%1 (%n event(s))", nullptr, static_cast<int>(count)).arg(token), token);
        tokens << token;
    }
    m_profileTokens = tokens;
    const int index = m_profileUser->findData(m_profileToken);
    if (index >= 0)
        m_profileUser->setCurrentIndex(index);
    else
        m_profileUser->setEditText(m_profileToken);
}

void ChartsPane::setClock(std::function<qint64()> nowMs)
{
    m_now = std::move(nowMs);
}

void ChartsPane::setWindowSeconds(int seconds)
{
    m_windowSeconds = seconds;
    const int index = m_window->findData(seconds);
    if (index >= 0)
        m_window->setCurrentIndex(index);
    m_dirty = true;
    refresh();
}

void ChartsPane::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    m_refreshTimer.start();
    feed();
    refresh();
}

void ChartsPane::hideEvent(QHideEvent* event)
{
    QWidget::hideEvent(event);
    m_refreshTimer.stop();
}

void ChartsPane::feed()
{
    if (!m_log)
        return;
    if (m_feeding) {
        m_feedAgain = true;
        return;
    }
    const qint64 lastId = m_log->lastId();
    if (m_fedUpTo < 0)
        m_fedUpTo = std::max<qint64>(0, lastId - kBackfill);
    if (lastId <= m_fedUpTo) {
        m_counted = true; // nothing (more) to count
        return;
    }
    m_feeding = true;
    const qint64 from = m_fedUpTo;
    const qint64 oldestMs = m_now() - static_cast<qint64>(EventStats::kHorizonSeconds) * 1000;
    EventLog* log = m_log;
    std::shared_ptr<std::atomic<bool>> stop = m_stop;
    m_pool->start([this, log, from, lastId, oldestMs, stop] {
        EventStats delta;
        qint64 upTo = from;
        while (upTo < lastId && upTo - from < kFeedPerJob && !stop->load()) {
            LogQuery query;
            query.sinceId = upTo;
            query.beforeId = lastId + 1;
            query.limit = kFeedChunk;
            const QList<LogRecord> records = log->query(query);
            if (records.isEmpty()) {
                upTo = lastId;
                break;
            }
            for (const LogRecord& record : records) {
                if (record.receivedAtMs >= oldestMs)
                    delta.add(record);
            }
            upTo = records.last().id;
        }
        if (stop->load())
            return;
        QMetaObject::invokeMethod(
            this,
            [this, delta = std::move(delta), upTo]() {
                m_feeding = false;
                m_stats.merge(delta);
                m_counted = true;
                m_fedUpTo = std::max(m_fedUpTo, upTo);
                m_dirty = true;
                if (isVisible())
                    refresh(); // now, not at the next tick: the totals shown until then are stale
                if (m_feedAgain || (m_log && m_log->lastId() > m_fedUpTo)) {
                    m_feedAgain = false;
                    if (isVisible())
                        feed();
                }
            },
            Qt::QueuedConnection);
    });
}

void ChartsPane::refresh()
{
    const qint64 now = m_now();
    if (!m_counted) {
        // Not "0 accepted · 0 rejected" while the log is still being counted.
        m_totals->setText(tr("Counting the log's events…"));
        return;
    }
    if (m_profileStale && !m_profileToken.isEmpty()) {
        m_profileStale = false;
        showProfile(m_profileToken);
    }
    // New tokens in the log join the profile's list (not while the user is choosing in it).
    QStringList tokens;
    for (const DebuggerTestUser& user : std::as_const(m_testUsers))
        tokens << user.userToken;
    for (const auto& entry : m_stats.topUserTokens(kProfileTokens)) {
        if (!tokens.contains(entry.first))
            tokens << entry.first;
    }
    if (tokens != m_profileTokens && !m_profileUser->view()->isVisible() &&
        !m_profileUser->lineEdit()->hasFocus())
        rebuildProfileUsers();
    updateTimeAxis();
    // The chart moves with the clock even when no event arrives, so redraw each tick while shown.
    m_stats.prune(now);
    m_dirty = false;

    const QList<EventStats::Point> points = m_stats.rate(now, m_windowSeconds, kBins);
    QList<QPointF> accepted;
    QList<QPointF> rejected;
    QList<QPointF> refused;
    double peak = 1;
    for (const EventStats::Point& p : points) {
        accepted << QPointF(static_cast<double>(p.startMs), p.acceptedPerSecond);
        rejected << QPointF(static_cast<double>(p.startMs), p.rejectedPerSecond);
        refused << QPointF(static_cast<double>(p.startMs), p.refusedPerSecond);
        peak = std::max({peak, p.acceptedPerSecond, p.rejectedPerSecond, p.refusedPerSecond});
    }
    m_acceptedSeries->replace(accepted);
    m_rejectedSeries->replace(rejected);
    m_refusedSeries->replace(refused);
    if (!points.isEmpty()) {
        m_rateX->setRange(QDateTime::fromMSecsSinceEpoch(points.first().startMs),
                          QDateTime::fromMSecsSinceEpoch(now));
    }
    setReadableRange(m_rateY, peak, 0.1); // events per second: tenths when the traffic is light

    m_shownAccepted = m_stats.accepted(now, m_windowSeconds);
    m_shownRejected = m_stats.rejected(now, m_windowSeconds);
    m_shownRefused = m_stats.refusedRequests(now, m_windowSeconds);
    QString totals = tr("%1 accepted · %2 rejected").arg(m_shownAccepted).arg(m_shownRejected);
    if (m_shownRefused > 0)
        totals += m_shownRefused == 1 ? tr(" · 1 request refused")
                                      : tr(" · %1 requests refused").arg(m_shownRefused);
    m_totals->setText(totals);

    // By event type: accepted and rejected bars per type. The series and axes are made once and refilled:
    // removing an axis from a chart hands it back to the caller, so rebuilding them each second leaked them.
    const QMap<QString, EventStats::TypeCounts> types = m_stats.byType(now, m_windowSeconds);
    QStringList categories;
    QList<qreal> acceptedCounts;
    QList<qreal> rejectedCounts;
    double typePeak = 1;
    for (auto it = types.cbegin(); it != types.cend(); ++it) {
        categories << it.key();
        acceptedCounts << static_cast<qreal>(it->accepted);
        rejectedCounts << static_cast<qreal>(it->rejected);
        typePeak = std::max({typePeak, static_cast<double>(it->accepted), static_cast<double>(it->rejected)});
    }
    if (m_typeX->categories() != categories) {
        m_typeX->clear();
        m_typeX->append(categories);
    }
    m_typeAccepted->remove(0, m_typeAccepted->count());
    m_typeAccepted->append(acceptedCounts);
    m_typeRejected->remove(0, m_typeRejected->count());
    m_typeRejected->append(rejectedCounts);
    setReadableRange(m_typeY, typePeak, 1); // counts: whole numbers

    m_topErrors->clear();
    for (const auto& [message, count] : m_stats.topErrors(kTopErrors)) {
        auto* item = new QTreeWidgetItem(m_topErrors, {QString::number(count), message});
        item->setToolTip(1, message);
    }
    Q_EMIT refreshed();
}

void ChartsPane::updateTimeAxis()
{
    // Labels that read: seconds only when the window is short enough for them to differ, and no more ticks
    // than fit the plot's width side by side (QtCharts elides labels that do not fit: "…").
    const QString format = m_windowSeconds <= 300 ? QStringLiteral("HH:mm:ss") : QStringLiteral("HH:mm");
    const QFontMetrics metrics(m_rateX->labelsFont());
    const int labelWidth = metrics.horizontalAdvance(QStringLiteral("00:00:00").left(format.size())) + 16;
    const qreal plotWidth = m_rateChart->plotArea().width() > 0 ? m_rateChart->plotArea().width() : 300;
    const int fit = static_cast<int>(plotWidth / (labelWidth * 1.5)) + 1;
    // Ticks at least a minute apart in HH:mm, so that no two read the same.
    const int distinct = format.size() == 5 ? std::max(2, m_windowSeconds / 60 + 1) : 60;
    const int ticks = std::clamp(std::min(fit, distinct), 2, 7);
    if (m_rateX->format() != format)
        m_rateX->setFormat(format);
    if (m_rateX->tickCount() != ticks)
        m_rateX->setTickCount(ticks);
}

void ChartsPane::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    updateTimeAxis();
}

void ChartsPane::showProfile(const QString& userToken)
{
    m_profileToken = userToken;
    const quint64 generation = ++m_profileGeneration;
    const int index = m_profileUser->findData(userToken);
    if (index >= 0)
        m_profileUser->setCurrentIndex(index);
    else
        m_profileUser->setEditText(userToken);
    m_realProfile->clear();
    if (userToken.isEmpty() || !m_log) {
        m_profile = ProfileEstimate();
        drawProfile();
        return;
    }
    if (m_profileFetcher) {
        m_realProfile->setPlainText(tr("Asking Algolia for the profile of %1…").arg(userToken));
        QPointer<ChartsPane> self(this);
        m_profileFetcher(userToken, [self, generation](const QString& text) {
            if (self && generation == self->m_profileGeneration)
                self->m_realProfile->setPlainText(text);
        });
    }
    LogQuery query;
    query.kind = RecordKind::Event; // a profile is learnt from events, not from the user's searches
    query.userToken = userToken;
    query.newestFirst = true;
    query.limit = kProfileEvents;
    const QList<std::shared_ptr<const IndexCatalog>> catalogs = m_catalogs;
    m_log->queryAsync(query, this, [this, generation, catalogs](QList<LogRecord> records) {
        if (generation != m_profileGeneration)
            return;
        QList<const IndexCatalog*> pointers;
        for (const auto& catalog : catalogs)
            pointers << catalog.get();
        m_profile = ProfileEstimator::estimate(records, pointers);
        drawProfile();
        Q_EMIT profileUpdated();
    });
}

void ChartsPane::setProfileFetcher(ProfileFetcher fetcher)
{
    m_profileFetcher = std::move(fetcher);
}

void ChartsPane::drawProfile()
{
    QStringList categories;
    QList<qreal> scores;
    double strongest = 0;
    if (!m_profileToken.isEmpty() && !m_catalogs.isEmpty()) {
        // Strongest at the top: horizontal bars are drawn bottom-up.
        for (auto it = m_profile.affinities.crbegin(); it != m_profile.affinities.crend(); ++it) {
            categories << it->attribute + QStringLiteral(": ") + it->value;
            scores << it->score;
            strongest = std::max(strongest, it->score);
        }
    }
    if (m_profileY->categories() != categories) {
        m_profileY->clear();
        m_profileY->append(categories);
    }
    m_profileSet->remove(0, m_profileSet->count());
    m_profileSet->append(scores);
    // The axis fits the strongest share, so that the bars compare (relative affinity, in %).
    m_profileX->setRange(0, std::max(10.0, std::min(100.0, strongest * 1.15)));
    m_profileX->applyNiceNumbers();

    if (m_profileToken.isEmpty()) {
        m_profileLabel->setText(
            tr("Choose a user token to preview the affinities Personalization could learn."));
        return;
    }
    if (m_catalogs.isEmpty()) {
        m_profileLabel->setText(
            tr("Estimate unavailable: load the index catalog, whose attributes the estimate "
               "is made of."));
        return;
    }
    m_profileLabel->setText(
        tr("Estimate, not Algolia's profile: each value's share (%) of the interest shown "
           "by %1 of this user's events and the index's attributes, "
           "weighted view < click < add to cart < purchase (%2 events not usable).")
            .arg(m_profile.eventsUsed)
            .arg(m_profile.eventsSkipped));
}
