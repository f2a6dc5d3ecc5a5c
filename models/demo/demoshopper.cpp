#include "demoshopper.h"

#include "catalog/indexcatalog.h"

#include <QUuid>

#include <algorithm>
#include <cmath>

namespace {

constexpr qint64 kDayMs = 24LL * 3600 * 1000;
constexpr double kMistakeRate = 0.5; // an enabled mistake is made on about half of the events it applies to
constexpr qint64 kFallbackPriceCents = 1499;
constexpr int kMaxPagesBrowsed = 3; // pages a shopper turns looking for something to its taste

struct MistakeName
{
    DemoMistake mistake;
    const char* name;
    const char* description;
};
constexpr MistakeName kMistakeNames[] = {
    {DemoMistake::MissingQueryId, "missing-queryid", "Missing queryID after search"},
    {DemoMistake::WrongPosition, "wrong-position", "Position within the page, not absolute"},
    {DemoMistake::BadTokenCharacters, "bad-token", "userToken with characters Algolia refuses"},
    {DemoMistake::EmailToken, "email-token", "Authenticated token is an email address"},
    {DemoMistake::StaleTimestamp, "stale-timestamp", "Timestamp older than Algolia's window"},
    {DemoMistake::ObjectNotInIndex, "unknown-object", "objectID not in the index"},
    {DemoMistake::TokenSwitchedAtLogin, "token-switch", "userToken switched at login"},
};

} // namespace

QString demoMistakeName(DemoMistake mistake)
{
    for (const MistakeName& entry : kMistakeNames) {
        if (entry.mistake == mistake)
            return QString::fromLatin1(entry.name);
    }
    return {};
}

QString demoMistakeDescription(DemoMistake mistake)
{
    for (const MistakeName& entry : kMistakeNames) {
        if (entry.mistake == mistake)
            return QString::fromLatin1(entry.description);
    }
    return {};
}

std::optional<DemoMistake> demoMistakeFromName(QStringView name)
{
    for (const MistakeName& entry : kMistakeNames) {
        if (name == QLatin1String(entry.name))
            return entry.mistake;
    }
    return std::nullopt;
}

QList<DemoMistake> allDemoMistakes()
{
    QList<DemoMistake> out;
    for (const MistakeName& entry : kMistakeNames)
        out << entry.mistake;
    return out;
}

DemoShopper::DemoShopper(int number, DemoPersona persona, const IndexCatalog* catalog,
                         DemoShopperOptions options)
    : m_number(number)
    , m_persona(std::move(persona))
    , m_catalog(catalog)
    , m_options(std::move(options))
    , m_random(m_options.seed * 1'000'003ULL + static_cast<quint64>(number))
{
    // A version-4 UUID from the shopper's own random stream, as search-insights makes anonymous tokens.
    QByteArray bytes(16, Qt::Uninitialized);
    for (char& byte : bytes)
        byte = static_cast<char>(m_random() & 0xff);
    bytes[6] = static_cast<char>((bytes[6] & 0x0f) | 0x40);
    bytes[8] = static_cast<char>((bytes[8] & 0x3f) | 0x80);
    m_anonymousToken =
        QStringLiteral("anonymous-") + QUuid::fromRfc4122(bytes).toString(QUuid::WithoutBraces);
    m_authenticatedToken = m_options.mistakes.contains(DemoMistake::EmailToken)
                               ? QStringLiteral("shopper%1@example.com").arg(number)
                               : QStringLiteral("customer-%1").arg(number);
}

bool DemoShopper::roll(double probability)
{
    return std::uniform_real_distribution<double>(0.0, 1.0)(m_random) < probability;
}

qint64 DemoShopper::think(qint64 minMs, qint64 maxMs)
{
    return std::uniform_int_distribution<qint64>(minMs, maxMs)(m_random);
}

bool DemoShopper::makes(DemoMistake mistake)
{
    // The roll happens whether or not the mistake is enabled, so that enabling one mistake does not change
    // the rest of a seeded journey.
    const bool rolled = roll(kMistakeRate);
    if (!rolled || !m_options.mistakes.contains(mistake) || m_pendingMistake)
        return false;
    m_pendingMistake = mistake;
    return true;
}

Event DemoShopper::baseEvent(const QString& type, const QString& name, qint64 nowMs)
{
    Event event;
    event.eventType = type;
    event.eventName = name;
    event.index = m_search.index;
    const bool switched = m_loggedIn && m_options.mistakes.contains(DemoMistake::TokenSwitchedAtLogin);
    if (switched) {
        event.userToken = m_authenticatedToken; // the mistake: the account id replaces the anonymous token
        m_pendingMistake = DemoMistake::TokenSwitchedAtLogin;
    } else {
        event.userToken = m_anonymousToken;
        if (m_loggedIn)
            event.authenticatedUserToken = m_authenticatedToken;
    }
    if (m_loggedIn && m_options.mistakes.contains(DemoMistake::EmailToken) && !switched)
        m_pendingMistake = DemoMistake::EmailToken;
    event.timestamp = nowMs;
    return event;
}

DemoAction DemoShopper::send(Event event, qint64 thinkMs)
{
    DemoAction action;
    action.kind = DemoAction::Kind::Send;
    action.thinkMs = thinkMs;
    action.event = std::move(event);
    action.mistake = m_pendingMistake;
    m_pendingMistake.reset();
    return action;
}

Amount DemoShopper::priceOf(const QString& objectID) const
{
    const IndexCatalog::Record* record = m_catalog ? m_catalog->record(objectID) : nullptr;
    const double price = record ? record->attributes.value(QStringLiteral("price")).toDouble(-1) : -1;
    if (price > 0)
        return Amount::fromNumber(price);
    return Amount::fromNumber(static_cast<double>(kFallbackPriceCents) / 100.0);
}

int DemoShopper::pickHit(const DemoSearchAnswer& answer)
{
    // Preferences show in what the shopper picks: a hit the persona likes when there is one, else any.
    QList<int> liked;
    for (int i = 0; i < answer.objectIDs.size(); ++i) {
        if (m_catalog && m_persona.likes(*m_catalog, answer.objectIDs[i]))
            liked << i;
    }
    if (!liked.isEmpty())
        return liked[static_cast<int>(
            std::uniform_int_distribution<qsizetype>(0, liked.size() - 1)(m_random))];
    return static_cast<int>(
        std::uniform_int_distribution<qsizetype>(0, answer.objectIDs.size() - 1)(m_random));
}

void DemoShopper::endVisit()
{
    ++m_visit;
    m_answer.reset();
    m_objectID.clear();
    m_step = m_visit >= m_options.visits ? Step::Done : Step::Search;
}

DemoAction DemoShopper::next(const std::optional<DemoSearchAnswer>& answer, qint64 nowMs)
{
    switch (m_step) {
    case Step::Search: {
        m_search = DemoSearch();
        m_search.index = m_catalog ? m_catalog->indexName() : QString();
        m_search.query = m_persona.query();
        // A second page now and then: positions must then count the hits of the pages before.
        m_search.page = roll(0.35) ? 1 : 0;
        m_search.hitsPerPage = 10;
        m_pagesBrowsed = 0;
        // The site's search keeps the anonymous token (InstantSearch does); only the events may switch.
        m_search.userToken = m_anonymousToken;
        m_step = Step::Click;
        DemoAction action;
        action.kind = DemoAction::Kind::Search;
        action.thinkMs = m_visit == 0 ? think(200, 1500) : think(8000, 20000);
        action.search = m_search;
        return action;
    }
    case Step::Click: {
        m_answer = answer;
        if (!m_answer || m_answer->objectIDs.isEmpty()) {
            // Nothing found (or the search failed): the shopper leaves; the visit ends without events.
            endVisit();
            return next(std::nullopt, nowMs);
        }
        const bool anyLiked = m_catalog && std::any_of(m_answer->objectIDs.begin(), m_answer->objectIDs.end(),
                                                       [this](const QString& objectID) {
                                                           return m_persona.likes(*m_catalog, objectID);
                                                       });
        if (!anyLiked && m_pagesBrowsed < kMaxPagesBrowsed && m_answer->page + 1 < m_answer->nbPages) {
            // Nothing to the shopper's taste on this page: on to the next one, as people do.
            ++m_pagesBrowsed;
            m_search.page = m_answer->page + 1;
            DemoAction action;
            action.kind = DemoAction::Kind::Search;
            action.thinkMs = think(800, 2500);
            action.search = m_search;
            return action;
        }
        const int hit = pickHit(*m_answer);
        m_objectID = m_answer->objectIDs[hit];
        m_position = m_answer->page * m_answer->hitsPerPage + hit + 1;
        Event event = baseEvent(QStringLiteral("click"), QStringLiteral("Product Clicked"), nowMs);
        event.objectIDs = QStringList{m_objectID};
        // Every roll is made whichever mistakes are enabled, so that enabling one keeps the rest of the
        // journey.
        const bool withoutQueryId = makes(DemoMistake::MissingQueryId);
        bool relative = makes(DemoMistake::WrongPosition);
        if (relative && m_answer->page == 0) {
            relative = false; // on the first page the position within the page is the absolute one
            m_pendingMistake.reset();
        }
        if (!withoutQueryId && !m_answer->queryID.isEmpty()) {
            // clickedObjectIDsAfterSearch; without the queryID it is clickedObjectIDs, with no positions
            // either.
            event.queryID = m_answer->queryID;
            event.positions = QList<qint64>{relative ? hit + 1 : m_position};
        }
        m_step = Step::View;
        return send(std::move(event), think(1500, 4000));
    }
    case Step::View: {
        Event event = baseEvent(QStringLiteral("view"), QStringLiteral("Product Viewed"), nowMs);
        QString objectID = m_objectID;
        // At most one mistake per event: makes() refuses a second one once one is pending.
        if (makes(DemoMistake::ObjectNotInIndex))
            objectID = m_objectID + QStringLiteral("-discontinued");
        if (makes(DemoMistake::BadTokenCharacters))
            event.userToken = QStringLiteral("shopper #%1").arg(m_number);
        if (makes(DemoMistake::StaleTimestamp))
            event.timestamp = nowMs - 31 * kDayMs;
        event.objectIDs = QStringList{objectID};
        m_step = roll(0.65) ? Step::AddToCart : Step::Done;
        if (m_step == Step::Done) {
            DemoAction action = send(std::move(event), think(500, 1500));
            endVisit();
            return action;
        }
        return send(std::move(event), think(500, 1500));
    }
    case Step::AddToCart: {
        Event event = baseEvent(QStringLiteral("conversion"), QStringLiteral("Product Added To Cart"), nowMs);
        event.eventSubtype = QStringLiteral("addToCart");
        event.objectIDs = QStringList{m_objectID};
        m_quantity = roll(0.25) ? 2 : 1;
        ObjectDataItem item;
        item.price = priceOf(m_objectID);
        item.quantity = m_quantity;
        const bool withQueryId =
            !makes(DemoMistake::MissingQueryId) && m_answer && !m_answer->queryID.isEmpty();
        if (withQueryId) {
            event.queryID = m_answer->queryID;
            item.queryID = m_answer->queryID;
        }
        const double total = std::round(item.price->toDouble().value_or(0) * m_quantity * 100.0) / 100.0;
        event.objectData = QList<ObjectDataItem>{item};
        event.value = Amount::fromNumber(total);
        event.currency = m_options.currency;
        m_step = !m_loggedIn && m_visit >= m_options.loginVisit ? Step::Login : Step::Purchase;
        return send(std::move(event), think(2000, 6000));
    }
    case Step::Login: {
        m_loggedIn = true;
        m_step = Step::Purchase;
        DemoAction action;
        action.kind = DemoAction::Kind::Login;
        action.thinkMs = think(3000, 8000);
        return action;
    }
    case Step::Purchase: {
        if (!roll(0.7)) { // the cart is left for another day
            endVisit();
            return next(std::nullopt, nowMs);
        }
        Event event = baseEvent(QStringLiteral("conversion"), QStringLiteral("Products Purchased"), nowMs);
        event.eventSubtype = QStringLiteral("purchase");
        event.objectIDs = QStringList{m_objectID};
        ObjectDataItem item;
        item.price = priceOf(m_objectID);
        item.quantity = m_quantity;
        if (m_answer && !m_answer->queryID.isEmpty())
            item.queryID = m_answer->queryID; // per-item attribution to the search that found it
        const double total = std::round(item.price->toDouble().value_or(0) * m_quantity * 100.0) / 100.0;
        event.objectData = QList<ObjectDataItem>{item};
        event.value = Amount::fromNumber(total);
        event.currency = m_options.currency;
        DemoAction action = send(std::move(event), think(4000, 10000));
        endVisit();
        return action;
    }
    case Step::Done:
        break;
    }
    DemoAction done;
    done.kind = DemoAction::Kind::Finished;
    return done;
}
