#include "chartspane.h"

#include "debuggerpanel.h"

#include "catalog/indexcatalog.h"
#include "log/eventlog.h"

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
#include <QLineSeries>
#include <QPointer>
#include <QTextBrowser>
#include <QThreadPool>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QValueAxis>

#include <atomic>

namespace {

constexpr int kRefreshMs = 1000;
constexpr int kFeedChunk = 5000;
constexpr qint64 kFeedPerJob = 100'000; // records read by one job before it reports
constexpr qint64 kBackfill = 200'000;   // records looked at when the charts open on a full log
constexpr int kBins = 60;
constexpr int kTopErrors = 8;
constexpr int kProfileEvents = 1000;

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
    m_rateChart->addSeries(m_acceptedSeries);
    m_rateChart->addSeries(m_rejectedSeries);
    m_rateX = new QDateTimeAxis(m_rateChart);
    m_rateX->setFormat(QStringLiteral("HH:mm:ss"));
    m_rateX->setTickCount(4);
    m_rateY = new QValueAxis(m_rateChart);
    m_rateY->setLabelFormat(QStringLiteral("%.0f"));
    m_rateChart->addAxis(m_rateX, Qt::AlignBottom);
    m_rateChart->addAxis(m_rateY, Qt::AlignLeft);
    for (QLineSeries* series : {m_acceptedSeries, m_rejectedSeries}) {
        series->attachAxis(m_rateX);
        series->attachAxis(m_rateY);
    }

    // By event type.
    m_typeChart = new QChart;
    m_typeChart->setTitle(tr("By event type"));

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
    connect(m_profileUser, &QComboBox::activated, this,
            [this](int index) { showProfile(m_profileUser->itemData(index).toString()); });
    m_profileLabel = new QLabel(this);
    m_profileLabel->setObjectName(QStringLiteral("profileEstimateLabel"));
    m_profileLabel->setWordWrap(true);
    m_profileChart = new QChart;
    m_profileChart->setTitle(tr("Profile preview (estimate)"));
    m_profileChart->legend()->hide();
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
            if (isVisible())
                feed();
        });
    if (m_log)
        connect(m_log, &EventLog::recordsRemoved, this, [this] {
            // A clear or a deletion: count again from what is left.
            m_stats = EventStats();
            m_fedUpTo = -1;
            m_dirty = true;
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
    m_profileUser->clear();
    m_profileUser->addItem(tr("(choose a test user)"), QString());
    for (const DebuggerTestUser& user : users)
        m_profileUser->addItem(user.name + QStringLiteral(" (") + user.userToken + QLatin1Char(')'),
                               user.userToken);
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
    if (lastId <= m_fedUpTo)
        return;
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
                m_fedUpTo = std::max(m_fedUpTo, upTo);
                m_dirty = true;
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
    // The chart moves with the clock even when no event arrives, so redraw each tick while shown.
    m_stats.prune(now);
    m_dirty = false;

    const QList<EventStats::Point> points = m_stats.rate(now, m_windowSeconds, kBins);
    QList<QPointF> accepted;
    QList<QPointF> rejected;
    double peak = 1;
    for (const EventStats::Point& p : points) {
        accepted << QPointF(static_cast<double>(p.startMs), p.acceptedPerSecond);
        rejected << QPointF(static_cast<double>(p.startMs), p.rejectedPerSecond);
        peak = std::max({peak, p.acceptedPerSecond, p.rejectedPerSecond});
    }
    m_acceptedSeries->replace(accepted);
    m_rejectedSeries->replace(rejected);
    if (!points.isEmpty()) {
        m_rateX->setRange(QDateTime::fromMSecsSinceEpoch(points.first().startMs),
                          QDateTime::fromMSecsSinceEpoch(now));
    }
    m_rateY->setRange(0, peak * 1.1);
    m_rateY->applyNiceNumbers();

    m_shownAccepted = m_stats.accepted(now, m_windowSeconds);
    m_shownRejected = m_stats.rejected(now, m_windowSeconds);
    m_totals->setText(tr("%1 accepted · %2 rejected").arg(m_shownAccepted).arg(m_shownRejected));

    // By event type: accepted and rejected bars per type.
    m_typeChart->removeAllSeries();
    for (QAbstractAxis* axis : m_typeChart->axes())
        m_typeChart->removeAxis(axis);
    const QMap<QString, EventStats::TypeCounts> types = m_stats.byType(now, m_windowSeconds);
    auto* acceptedSet = new QBarSet(tr("Accepted"));
    acceptedSet->setColor(QColor(0x2e, 0x7d, 0x32));
    auto* rejectedSet = new QBarSet(tr("Rejected"));
    rejectedSet->setColor(QColor(0xc0, 0x39, 0x2b));
    QStringList categories;
    double typePeak = 1;
    for (auto it = types.cbegin(); it != types.cend(); ++it) {
        categories << it.key();
        *acceptedSet << static_cast<double>(it->accepted);
        *rejectedSet << static_cast<double>(it->rejected);
        typePeak = std::max({typePeak, static_cast<double>(it->accepted), static_cast<double>(it->rejected)});
    }
    auto* bars = new QBarSeries;
    bars->append(acceptedSet);
    bars->append(rejectedSet);
    m_typeChart->addSeries(bars);
    auto* typeX = new QBarCategoryAxis;
    typeX->append(categories);
    auto* typeY = new QValueAxis;
    typeY->setRange(0, typePeak * 1.1);
    typeY->applyNiceNumbers();
    typeY->setLabelFormat(QStringLiteral("%.0f"));
    m_typeChart->addAxis(typeX, Qt::AlignBottom);
    m_typeChart->addAxis(typeY, Qt::AlignLeft);
    bars->attachAxis(typeX);
    bars->attachAxis(typeY);

    m_topErrors->clear();
    for (const auto& [message, count] : m_stats.topErrors(kTopErrors)) {
        auto* item = new QTreeWidgetItem(m_topErrors, {QString::number(count), message});
        item->setToolTip(1, message);
    }
    Q_EMIT refreshed();
}

void ChartsPane::showProfile(const QString& userToken)
{
    m_profileToken = userToken;
    const quint64 generation = ++m_profileGeneration;
    const int index = m_profileUser->findData(userToken);
    if (index >= 0)
        m_profileUser->setCurrentIndex(index);
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
    m_profileChart->removeAllSeries();
    for (QAbstractAxis* axis : m_profileChart->axes())
        m_profileChart->removeAxis(axis);
    if (m_profileToken.isEmpty()) {
        m_profileLabel->setText(
            tr("Choose a test user to preview the affinities Personalization could learn."));
        return;
    }
    if (m_catalogs.isEmpty()) {
        m_profileLabel->setText(
            tr("Estimate unavailable: load the index catalog, whose attributes the estimate "
               "is made of."));
        return;
    }
    m_profileLabel->setText(tr("Estimate, not Algolia's profile: affinities from %1 of this user's events "
                               "and the index's attributes, "
                               "weighted view < click < add to cart < purchase (%2 events not usable).")
                                .arg(m_profile.eventsUsed)
                                .arg(m_profile.eventsSkipped));
    auto* set = new QBarSet(tr("Estimated affinity"));
    QStringList categories;
    // Strongest at the top: horizontal bars are drawn bottom-up.
    for (auto it = m_profile.affinities.crbegin(); it != m_profile.affinities.crend(); ++it) {
        categories << it->attribute + QStringLiteral(": ") + it->value;
        *set << it->score;
    }
    auto* series = new QHorizontalBarSeries;
    series->append(set);
    m_profileChart->addSeries(series);
    auto* y = new QBarCategoryAxis;
    y->append(categories);
    y->setTruncateLabels(false); // "genre: running" must be readable
    auto* x = new QValueAxis;
    x->setRange(0, 100);
    x->setLabelFormat(QStringLiteral("%.0f"));
    m_profileChart->addAxis(y, Qt::AlignLeft);
    m_profileChart->addAxis(x, Qt::AlignBottom);
    series->attachAxis(y);
    series->attachAxis(x);
}
