#pragma once

// One scripted demo shopper (issue 14 §1): a persona that visits the shop a few times, each visit a realistic
// journey — search, click a hit after the search (absolute position), view the product, add it to the cart,
// log in, purchase with objectData, value and currency — with think times between steps. Pure and
// deterministic for a seed: it says what to do next (search, send an event, log in) and is told the answers;
// app/demo/DemoRunner does the I/O. Mistakes can be injected one kind at a time, so that a presenter shows
// the debugger catching each.

#include "demo/demopersona.h"
#include "event/event.h"

#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

#include <optional>
#include <random>

class IndexCatalog;

enum class DemoMistake
{
    MissingQueryId,       // a click or conversion after search sent without its queryID (and positions)
    WrongPosition,        // the position within the page instead of the absolute one
    BadTokenCharacters,   // a userToken with characters Algolia refuses
    EmailToken,           // the authenticated token is the shopper's email address
    StaleTimestamp,       // a timestamp older than Algolia's window
    ObjectNotInIndex,     // an objectID that is not a record of the index
    TokenSwitchedAtLogin, // after login, userToken becomes the account id instead of authenticatedUserToken
};
inline constexpr int kDemoMistakeCount = 7;

QString demoMistakeName(DemoMistake mistake);        // "missing-queryid", "wrong-position", …
QString demoMistakeDescription(DemoMistake mistake); // "Missing queryID after search", …
std::optional<DemoMistake> demoMistakeFromName(QStringView name);
QList<DemoMistake> allDemoMistakes();

struct DemoSearch
{
    QString index;
    QString query;
    int page = 0; // 0-based, as Algolia's `page`
    int hitsPerPage = 10;
    QString userToken; // sent as X-Algolia-UserToken
};

struct DemoSearchAnswer
{
    QString queryID;       // empty when the search returned none
    QStringList objectIDs; // the hits of the page, in order
    int page = 0;
    int hitsPerPage = 10;
    int nbPages = 0;
};

struct DemoAction
{
    enum class Kind
    {
        Search, // run `search`, then call next() with its answer
        Send,   // send `event`
        Login,  // the shopper logs in: from now on its events carry authenticatedUserToken
        Finished,
    };
    Kind kind = Kind::Finished;
    qint64 thinkMs = 0; // how long the shopper thinks before this action, at 1× speed
    DemoSearch search;
    Event event;
    std::optional<DemoMistake> mistake; // the mistake this event carries, if any
};

struct DemoShopperOptions
{
    quint64 seed = 1;
    int visits = 3;
    int loginVisit = 1; // the visit (0-based) in which the shopper logs in, mid-journey
    QSet<DemoMistake> mistakes;
    QString currency = QStringLiteral("USD");
};

class DemoShopper
{
public:
    DemoShopper(int number, DemoPersona persona, const IndexCatalog* catalog, DemoShopperOptions options);

    // What to do next. `answer` is the answer to the previous action when it was a search (nullopt when the
    // search failed: the shopper then browses without a queryID). `nowMs` stamps events with the moment they
    // are collected.
    DemoAction next(const std::optional<DemoSearchAnswer>& answer, qint64 nowMs);

    int number() const { return m_number; }
    const DemoPersona& persona() const { return m_persona; }
    // The anonymous token, the same for every visit (as search-insights keeps it in a cookie).
    QString anonymousToken() const { return m_anonymousToken; }
    QString authenticatedToken() const { return m_authenticatedToken; }
    bool loggedIn() const { return m_loggedIn; }
    bool finished() const { return m_step == Step::Done; }

private:
    enum class Step
    {
        Search,
        Click,
        View,
        AddToCart,
        Login,
        Purchase,
        Done,
    };

    bool roll(double probability);
    qint64 think(qint64 minMs, qint64 maxMs);
    bool makes(DemoMistake mistake);
    Event baseEvent(const QString& type, const QString& name, qint64 nowMs);
    DemoAction send(Event event, qint64 thinkMs);
    void endVisit();
    int pickHit(const DemoSearchAnswer& answer);
    Amount priceOf(const QString& objectID) const;

    int m_number = 0;
    DemoPersona m_persona;
    const IndexCatalog* m_catalog = nullptr;
    DemoShopperOptions m_options;
    std::mt19937_64 m_random;
    QString m_anonymousToken;
    QString m_authenticatedToken;
    bool m_loggedIn = false;
    int m_visit = 0;
    Step m_step = Step::Search;
    std::optional<DemoMistake> m_pendingMistake; // set by makes() for the event being built

    // The journey of the current visit.
    DemoSearch m_search;
    std::optional<DemoSearchAnswer> m_answer;
    QString m_objectID;
    int m_position = 0;
    int m_pagesBrowsed = 0;
    qint64 m_quantity = 1;
};
