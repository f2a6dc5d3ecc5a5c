#include "presenterstats.h"

#include "event/eventcodec.h"
#include "event/vocabulary.h"
#include "log/recordbuilder.h"
#include "views/eventusefulness.h"

#include <algorithm>

namespace {

QString whatOf(const LogRecord& record)
{
    if (record.eventSubtype.isEmpty())
        return record.eventType;
    return record.eventType + QStringLiteral(" · ") + record.eventSubtype;
}

const Issue* firstNotable(const LogRecord& record)
{
    const Issue* warning = nullptr;
    for (const Issue& issue : record.issues) {
        if (issue.severity == Severity::Error)
            return &issue;
        if (issue.severity == Severity::Warning && !warning)
            warning = &issue;
    }
    return warning;
}

bool willCountForPersonalization(const LogRecord& record, const QList<const IndexCatalog*>& catalogs,
                                 qint64 nowMs)
{
    if (!record.accepted)
        return false;
    const DecodedBatch decoded = EventCodec::decodeEvent(record.rawJson);
    if (decoded.events.isEmpty())
        return false;
    const QList<FeatureUse> uses = EventUsefulness::judge(decoded.events.first(), record, catalogs, nowMs);
    return std::any_of(uses.begin(), uses.end(), [](const FeatureUse& use) {
        return use.feature == u"Advanced Personalization" && use.use == Usefulness::Counts;
    });
}

} // namespace

void PresenterStats::setCatalogs(QList<const IndexCatalog*> catalogs)
{
    m_catalogs = std::move(catalogs);
}

PresenterStats::Badge PresenterStats::badgeOf(const LogRecord& record)
{
    switch (verdictOf(record)) {
    case Verdict::Accepted:
        return Badge::Accepted;
    case Verdict::AcceptedWithWarnings:
        return Badge::Warning;
    case Verdict::Rejected:
        return Badge::Rejected;
    case Verdict::RejectedWithBatch:
        return Badge::RejectedWithBatch;
    case Verdict::NotDelivered:
        return Badge::NotDelivered;
    case Verdict::RequestRejected:
        return Badge::RequestRejected;
    }
    return Badge::Rejected;
}

std::optional<PresenterStats::Stage> PresenterStats::stageOf(const LogRecord& record)
{
    if (record.eventType == u"view")
        return Stage::View;
    if (record.eventType == u"click")
        return Stage::Click;
    if (record.eventType == u"conversion")
        return record.eventSubtype == u"addToCart" ? Stage::AddToCart : Stage::Purchase;
    return std::nullopt;
}

QString PresenterStats::stageName(Stage stage)
{
    switch (stage) {
    case Stage::View:
        return QStringLiteral("View");
    case Stage::Click:
        return QStringLiteral("Click");
    case Stage::AddToCart:
        return QStringLiteral("Add to cart");
    case Stage::Purchase:
        return QStringLiteral("Purchase");
    }
    return {};
}

QString PresenterStats::badgeText(Badge badge)
{
    switch (badge) {
    case Badge::Accepted:
        return QStringLiteral("✓ Accepted");
    case Badge::Warning:
        return QStringLiteral("! Warning");
    case Badge::Rejected:
        return QStringLiteral("✗ Rejected");
    case Badge::RejectedWithBatch:
        return QStringLiteral("✗ Rejected (batch)");
    case Badge::NotDelivered:
        return QStringLiteral("⌀ Not delivered");
    case Badge::RequestRejected:
        return QStringLiteral("⊘ Request rejected");
    }
    return {};
}

void PresenterStats::add(const LogRecord& record, qint64 nowMs)
{
    if (record.id <= m_lastId && record.id != 0)
        return; // already counted (a refresh may read an overlapping range)
    m_lastId = std::max(m_lastId, record.id);
    ++m_total;
    if (record.accepted)
        ++m_accepted;
    if (willCountForPersonalization(record, m_catalogs, nowMs))
        ++m_forPersonalization;

    const qint64 second = record.receivedAtMs / 1000;
    if (!m_perSecond.empty() && m_perSecond.back().first == second)
        ++m_perSecond.back().second;
    else if (m_perSecond.empty() || m_perSecond.back().first < second)
        m_perSecond.emplace_back(second, 1);
    while (!m_perSecond.empty() && m_perSecond.front().first <= second - kRateWindowMs / 1000)
        m_perSecond.pop_front();

    TickerEntry entry;
    entry.id = record.id;
    entry.receivedAtMs = record.receivedAtMs;
    entry.badge = badgeOf(record);
    entry.what = whatOf(record);
    entry.eventName = record.eventName;
    entry.userToken = record.userToken;
    if (const Issue* issue = firstNotable(record))
        entry.note = issue->message;
    m_ticker.push_front(std::move(entry));
    if (m_ticker.size() > static_cast<size_t>(kTickerSize))
        m_ticker.pop_back();

    for (const Issue& issue : record.issues) {
        if (issue.severity == Severity::Info)
            continue;
        Mistake& mistake = m_mistakes[issue.code];
        if (mistake.count == 0) {
            mistake.code = issue.code;
            mistake.message = issue.message;
        }
        ++mistake.count;
        mistake.lastUserToken = record.userToken;
    }

    if (record.userToken.isEmpty())
        return;
    ShopperState& state = m_shoppers[record.userToken];
    state.shopper.userToken = record.userToken;
    if (!record.authenticatedUserToken.isEmpty())
        state.shopper.authenticatedUserToken = record.authenticatedUserToken;
    state.shopper.lastSeenMs = std::max(state.shopper.lastSeenMs, record.receivedAtMs);
    if (record.accepted) {
        if (const std::optional<Stage> stage = stageOf(record))
            ++state.shopper.stages[static_cast<int>(*stage)];
        state.recent.push_back(record);
        if (state.recent.size() > static_cast<size_t>(kRecordsPerShopper))
            state.recent.pop_front();
    }
    if (m_shoppers.size() > kMaxShoppers) {
        auto oldest = std::min_element(m_shoppers.begin(), m_shoppers.end(),
                                       [](const ShopperState& a, const ShopperState& b) {
                                           return a.shopper.lastSeenMs < b.shopper.lastSeenMs;
                                       });
        m_shoppers.erase(oldest);
    }
}

PresenterStats::Snapshot PresenterStats::snapshot(qint64 nowMs, int shoppers, int mistakes) const
{
    Snapshot out;
    out.atMs = nowMs;
    out.eventsPerSecond = eventsPerSecond(nowMs);
    out.accepted = accepted();
    out.rejected = rejected();
    out.countsForPersonalization = countsForPersonalization();
    out.ticker = ticker();
    out.mistakes = this->mistakes(mistakes);
    out.shoppers = this->shoppers(shoppers);
    return out;
}

void PresenterStats::clear()
{
    const QList<const IndexCatalog*> catalogs = m_catalogs;
    *this = PresenterStats();
    m_catalogs = catalogs;
}

double PresenterStats::eventsPerSecond(qint64 nowMs) const
{
    const qint64 windowSeconds = kRateWindowMs / 1000;
    const qint64 nowSecond = nowMs / 1000;
    qint64 events = 0;
    for (const auto& [second, count] : m_perSecond) {
        if (second > nowSecond - windowSeconds && second <= nowSecond)
            events += count;
    }
    return static_cast<double>(events) / static_cast<double>(windowSeconds);
}

QList<PresenterStats::Shopper> PresenterStats::shoppers(int count) const
{
    QList<const ShopperState*> states;
    states.reserve(m_shoppers.size());
    for (const ShopperState& state : m_shoppers)
        states << &state;
    std::sort(states.begin(), states.end(), [](const ShopperState* a, const ShopperState* b) {
        if (a->shopper.lastSeenMs != b->shopper.lastSeenMs)
            return a->shopper.lastSeenMs > b->shopper.lastSeenMs;
        return a->shopper.userToken < b->shopper.userToken;
    });
    QList<Shopper> out;
    for (const ShopperState* state : states) {
        if (out.size() >= count)
            break;
        Shopper shopper = state->shopper;
        const QList<LogRecord> recent(state->recent.begin(), state->recent.end());
        shopper.affinities = ProfileEstimator::estimate(recent, m_catalogs, 3).affinities;
        out << shopper;
    }
    return out;
}

QList<PresenterStats::Mistake> PresenterStats::mistakes(int count) const
{
    QList<Mistake> out(m_mistakes.begin(), m_mistakes.end());
    std::sort(out.begin(), out.end(), [](const Mistake& a, const Mistake& b) {
        if (a.count != b.count)
            return a.count > b.count;
        return a.code < b.code;
    });
    if (out.size() > count)
        out.resize(count);
    return out;
}
