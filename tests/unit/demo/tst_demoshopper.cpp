// The scripted demo shoppers: personas from the catalog, journeys deterministic for a seed, and each mistake
// toggle producing exactly its intended issues. The shop they visit here is the product's own: the local
// search emulation answers their searches (recorded in a SearchHistory as the endpoint records them) and the
// one validator, with the linkage checks, judges their events.

#include "catalog/indexcatalog.h"
#include "demo/demopersona.h"
#include "demo/demoshopper.h"
#include "event/eventcodec.h"
#include "event/validator.h"
#include "search/localsearch.h"
#include "search/searchlinkage.h"
#include "search/searchquery.h"
#include "search/searchrecord.h"

#include <QDir>
#include <QJsonObject>
#include <QSet>
#include <QTest>

namespace {

constexpr qint64 kStart = 1'800'000'000'000;

IndexCatalog movies()
{
    const QString path =
        QDir(QStringLiteral(INSIGHTS_SOURCE_DIR)).filePath(QStringLiteral("resources/sample/movies.json"));
    IndexCatalog::LoadResult loaded = IndexCatalog::fromFile(path, QStringLiteral("movies"));
    if (!loaded.catalog)
        qFatal("cannot load the sample catalog: %s", qPrintable(loaded.error));
    return *loaded.catalog;
}

struct Judged
{
    int shopper = 0;
    DemoAction::Kind kind = DemoAction::Kind::Finished;
    QByteArray json; // the event sent, or the search made
    std::optional<DemoMistake> mistake;
    QStringList codes; // errors and warnings the debugger found
    bool accepted = true;
    bool loggedIn = false;
    std::optional<DemoSearchAnswer> answer; // for the click that follows a search
};

// Runs `count` shoppers to the end, interleaved by their think times, on a virtual clock.
QList<Judged> runShop(const IndexCatalog& catalog, int count, quint64 seed, QSet<DemoMistake> mistakes)
{
    const QList<DemoPersona> personas = DemoPersonas::fromCatalog(catalog, count);
    QList<DemoShopper> shoppers;
    QList<qint64> dueAt;
    QList<std::optional<DemoSearchAnswer>> answers;
    for (int i = 0; i < count; ++i) {
        DemoShopperOptions options;
        options.seed = seed;
        options.mistakes = mistakes;
        shoppers.append(DemoShopper(i + 1, personas[i % personas.size()], &catalog, options));
        dueAt << kStart;
        answers << std::nullopt;
    }
    SearchHistory history;
    QList<Judged> out;
    QList<DemoAction> pending(count);
    QList<bool> planned(count, false);
    for (int guard = 0; guard < 10'000; ++guard) {
        for (int i = 0; i < count; ++i) {
            if (!planned[i] && !shoppers[i].finished()) {
                pending[i] = shoppers[i].next(answers[i], dueAt[i]);
                dueAt[i] += pending[i].thinkMs;
                planned[i] = true;
            }
        }
        int chosen = -1;
        for (int i = 0; i < count; ++i) {
            if (planned[i] && pending[i].kind != DemoAction::Kind::Finished &&
                (chosen < 0 || dueAt[i] < dueAt[chosen]))
                chosen = i;
        }
        if (chosen < 0)
            break;
        const DemoAction action = pending[chosen];
        planned[chosen] = false;
        const qint64 now = dueAt[chosen];
        Judged judged;
        judged.shopper = chosen;
        judged.kind = action.kind;
        judged.mistake = action.mistake;
        if (action.kind == DemoAction::Kind::Search) {
            QJsonObject params{{QStringLiteral("query"), action.search.query},
                               {QStringLiteral("page"), action.search.page},
                               {QStringLiteral("hitsPerPage"), action.search.hitsPerPage},
                               {QStringLiteral("clickAnalytics"), true}};
            const SearchQuery query(action.search.index, params);
            const LocalSearchResult result = LocalSearch::run(query, catalog, false);
            SearchRecord record = SearchRecord::of(query, action.search.userToken);
            record.atMs = now;
            record.hits = result.hitObjectIDs;
            record.nbHits = result.nbHits;
            record.queryID = result.queryID;
            history.addSearch(record);
            DemoSearchAnswer answer;
            answer.queryID = result.queryID;
            answer.objectIDs = result.hitObjectIDs;
            answer.page = query.page();
            answer.hitsPerPage = query.hitsPerPage();
            answer.nbPages = result.response.value(QStringLiteral("nbPages")).toInt();
            answers[chosen] = answer;
            judged.answer = answer;
            judged.json = action.search.query.toUtf8();
        } else if (action.kind == DemoAction::Kind::Send) {
            answers[chosen].reset();
            ValidationContext context;
            context.nowMs = now;
            context.catalogs = {&catalog};
            context.searches = &history;
            const BatchVerdict verdict = Validator::validateEvents({action.event}, context);
            for (const Issue& issue : verdict.events.first().issues) {
                if (issue.severity != Severity::Info)
                    judged.codes << issue.code;
            }
            judged.accepted = verdict.httpStatus == 200;
            if (judged.accepted)
                history.addClicks(action.event, now);
            judged.json = EventCodec::encodeEvent(action.event);
        } else {
            answers[chosen].reset();
        }
        judged.loggedIn = shoppers[chosen].loggedIn();
        out << judged;
    }
    return out;
}

QStringList expectedCodes(DemoMistake mistake)
{
    switch (mistake) {
    case DemoMistake::MissingQueryId:
        return {QStringLiteral("queryID.missing")};
    case DemoMistake::WrongPosition:
        return {QString::fromLatin1(LinkageCode::position)};
    case DemoMistake::BadTokenCharacters:
        return {QStringLiteral("userToken.invalid")};
    case DemoMistake::EmailToken:
        // Algolia's token pattern refuses '@' and '.', and the address is personal data besides.
        return {QStringLiteral("authenticatedUserToken.invalid"), QStringLiteral("userToken.personalData")};
    case DemoMistake::StaleTimestamp:
        return {QStringLiteral("timestamp.tooOld")};
    case DemoMistake::ObjectNotInIndex:
        return {QStringLiteral("objectID.notInCatalog")};
    case DemoMistake::TokenSwitchedAtLogin:
        return {QString::fromLatin1(LinkageCode::tokenMismatch)};
    }
    return {};
}

} // namespace

class TestDemoShopper final : public QObject
{
    Q_OBJECT

private:
    IndexCatalog m_catalog = movies();

private Q_SLOTS:
    void personasFromTheCatalog()
    {
        const QList<DemoPersona> personas = DemoPersonas::fromCatalog(m_catalog, 6);
        QCOMPARE(personas.size(), 6);
        QCOMPARE(DemoPersonas::tasteAttribute(m_catalog), std::optional<QString>(QStringLiteral("genres")));
        QCOMPARE(DemoPersonas::yearAttribute(m_catalog), std::optional<QString>(QStringLiteral("year")));
        QSet<QString> names;
        for (const DemoPersona& persona : personas) {
            names << persona.name;
            int liked = 0;
            for (const IndexCatalog::Record& record : m_catalog.records())
                liked += persona.likes(m_catalog, record.objectID) ? 1 : 0;
            QVERIFY2(liked >= 3, qPrintable(persona.name));
        }
        QCOMPARE(names.size(), 6);
        QCOMPARE(personas.first().name, QStringLiteral("Western lover")); // the most common genre
        QVERIFY(personas[1].name.endsWith(QStringLiteral(" fan")));
        QVERIFY(personas[1].name.contains(QStringLiteral("0s ")));
        // The same catalog gives the same personas.
        const QList<DemoPersona> again = DemoPersonas::fromCatalog(m_catalog, 6);
        for (int i = 0; i < personas.size(); ++i)
            QCOMPARE(again[i].name, personas[i].name);
        QVERIFY(DemoPersonas::fromCatalog(IndexCatalog(QStringLiteral("empty")), 3).isEmpty());
    }

    void journeysAreDeterministicForASeed()
    {
        const QList<Judged> first = runShop(m_catalog, 4, 7, {});
        const QList<Judged> second = runShop(m_catalog, 4, 7, {});
        const QList<Judged> other = runShop(m_catalog, 4, 8, {});
        QCOMPARE(first.size(), second.size());
        QByteArrayList a, b, c;
        for (const Judged& j : first)
            a << j.json;
        for (const Judged& j : second)
            b << j.json;
        for (const Judged& j : other)
            c << j.json;
        // queryIDs are fresh random ids: compare with them blanked.
        auto blank = [](QByteArrayList list) {
            for (QByteArray& json : list) {
                static const QRegularExpression hex(QStringLiteral("[0-9a-f]{32}"));
                json = QString::fromUtf8(json).replace(hex, QStringLiteral("Q")).toUtf8();
            }
            return list;
        };
        QCOMPARE(blank(a), blank(b));
        QVERIFY(blank(a) != blank(c));
    }

    void withoutMistakesEverythingCountsAndIsLinked()
    {
        const QList<Judged> run = runShop(m_catalog, 6, 11, {});
        int clicks = 0, purchases = 0, secondPages = 0, liked = 0;
        const QList<DemoPersona> personas = DemoPersonas::fromCatalog(m_catalog, 6);
        std::optional<DemoSearchAnswer> lastAnswer[6];
        for (const Judged& j : run) {
            if (j.kind == DemoAction::Kind::Search) {
                lastAnswer[j.shopper] = j.answer;
                continue;
            }
            if (j.kind != DemoAction::Kind::Send)
                continue;
            QVERIFY2(j.accepted && j.codes.isEmpty(),
                     qPrintable(j.codes.join(u',') + u' ' + QString::fromUtf8(j.json)));
            const Event event = EventCodec::decodeEvent(j.json).events.first();
            if (*event.eventType == u"click") {
                ++clicks;
                QVERIFY(event.queryID && event.positions);
                const DemoSearchAnswer& answer = *lastAnswer[j.shopper];
                const int rank = static_cast<int>(answer.objectIDs.indexOf(event.objectIDs->first()));
                QCOMPARE(event.positions->first(), qint64(answer.page * answer.hitsPerPage + rank + 1));
                secondPages += answer.page > 0 ? 1 : 0;
                liked += personas[j.shopper].likes(m_catalog, event.objectIDs->first()) ? 1 : 0;
            }
            if (event.eventSubtype == u"purchase") {
                ++purchases;
                QVERIFY(event.objectData && event.objectData->first().queryID && event.value &&
                        event.currency);
            }
        }
        QVERIFY(clicks >= 12);
        QVERIFY(purchases >= 3);
        QVERIFY(secondPages >= 2); // positions across pages are exercised
        qInfo("%d of %d clicks on records the persona likes", liked, clicks);
        QVERIFY2(liked * 10 >= clicks * 8, "preferences show in what shoppers click");
    }

    void eachMistakeProducesExactlyItsIssues_data()
    {
        QTest::addColumn<int>("mistake");
        for (const DemoMistake mistake : allDemoMistakes())
            QTest::addRow("%s", qPrintable(demoMistakeName(mistake))) << static_cast<int>(mistake);
    }

    void eachMistakeProducesExactlyItsIssues()
    {
        QFETCH(int, mistake);
        const auto chosen = static_cast<DemoMistake>(mistake);
        QCOMPARE(demoMistakeFromName(demoMistakeName(chosen)), std::optional<DemoMistake>(chosen));
        const QList<Judged> run = runShop(m_catalog, 6, 23, {chosen});
        QSet<QString> seen;
        int tagged = 0;
        for (const Judged& j : run) {
            if (j.kind != DemoAction::Kind::Send)
                continue;
            if (!j.mistake) {
                QVERIFY2(j.codes.isEmpty(),
                         qPrintable(j.codes.join(u',') + u' ' + QString::fromUtf8(j.json)));
                continue;
            }
            QCOMPARE(*j.mistake, chosen);
            ++tagged;
            for (const QString& code : j.codes)
                seen << code;
        }
        QVERIFY(tagged > 0);
        const QStringList expected = expectedCodes(chosen);
        QCOMPARE(seen, QSet<QString>(expected.begin(), expected.end()));
    }

    void oneAnonymousTokenThenTheAuthenticatedOne()
    {
        const QList<Judged> run = runShop(m_catalog, 6, 31, {});
        for (int shopper = 0; shopper < 6; ++shopper) {
            QSet<QString> anonymous;
            bool sawLogin = false;
            for (const Judged& j : run) {
                if (j.shopper != shopper)
                    continue;
                if (j.kind == DemoAction::Kind::Login)
                    sawLogin = true;
                if (j.kind != DemoAction::Kind::Send)
                    continue;
                const Event event = EventCodec::decodeEvent(j.json).events.first();
                anonymous << *event.userToken;
                QCOMPARE(event.authenticatedUserToken.has_value(), sawLogin);
                if (sawLogin)
                    QCOMPARE(*event.authenticatedUserToken, QStringLiteral("customer-%1").arg(shopper + 1));
            }
            QCOMPARE(anonymous.size(), 1);
            QVERIFY(anonymous.begin()->startsWith(QStringLiteral("anonymous-")));
        }
    }
};

QTEST_GUILESS_MAIN(TestDemoShopper)
#include "tst_demoshopper.moc"
