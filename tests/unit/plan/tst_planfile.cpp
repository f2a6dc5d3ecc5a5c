// The plan file's reader (errors name the key at fault), durations, the writer's round trip, the shipped
// example, the starter plan, the reports' shapes, the run comparison and the automation page reader.

#include "plan/plan.h"
#include "plan/planchecker.h"
#include "plan/planreport.h"
#include "plan/rundiff.h"
#include "plan/runsource.h"
#include "plan/starterplan.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QXmlStreamReader>

namespace {

QByteArray readFile(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

CheckRecord record(qint64 id, const QString& name, const QString& type, const QString& user)
{
    CheckRecord r;
    r.id = id;
    r.timeMs = 1'760'000'000'000 + id * 1000;
    r.event.eventName = name;
    r.event.eventType = type;
    r.event.index = QStringLiteral("movies");
    r.event.userToken = user;
    r.event.objectIDs = QStringList{QStringLiteral("movie-0001")};
    r.userToken = user;
    return r;
}

} // namespace

class PlanFileTest final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void errorsNameTheKey_data();
    void errorsNameTheKey();
    void durations_data();
    void durations();
    void shippedExampleReadsAndRoundTrips();
    void starterPlanFromEvents();
    void reportsShapes();
    void diffOfTwoRuns();
    void automationPage();
};

void PlanFileTest::errorsNameTheKey_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error"); // a part of the one-line error

    const QByteArray view = "{\"name\":\"V\",\"eventType\":\"view\"}";
    QTest::addRow("not JSON") << QByteArray("{") << "not JSON";
    QTest::addRow("array") << QByteArray("[]") << "a plan is a JSON object";
    QTest::addRow("no events") << QByteArray("{}") << "events: must be an array";
    QTest::addRow("unknown top-level key")
        << QByteArray("{\"events\":[],\"journey\":[]}") << "unknown key 'journey'";
    QTest::addRow("event without name")
        << QByteArray("{\"events\":[{\"eventType\":\"view\"}]}") << "events[0]: 'name' is required";
    QTest::addRow("bad eventType") << QByteArray("{\"events\":[{\"name\":\"V\",\"eventType\":\"purchase\"}]}")
                                   << "events[0].eventType: 'purchase' is not click";
    QTest::addRow("typo in an event key")
        << QByteArray("{\"events\":[{\"name\":\"V\",\"eventType\":\"view\",\"requiredField\":[]}]}")
        << "events[0]: unknown key 'requiredField'";
    QTest::addRow("bad queryID rule")
        << QByteArray("{\"events\":[{\"name\":\"V\",\"eventType\":\"view\",\"queryID\":true}]}")
        << "events[0].queryID: must be";
    QTest::addRow("twice the same name")
        << QByteArray("{\"events\":[" + view + "," + view + "]}") << "events[1].name: 'V' is planned twice";
    QTest::addRow("journey step names no event")
        << QByteArray("{\"events\":[" + view +
                      "],\"journeys\":[{\"name\":\"J\",\"steps\":[{\"event\":\"V\"},{\"event\":\"W\"}]}]}")
        << "journeys[0].steps[1].event: 'W' is not an event of the plan";
    QTest::addRow("journey of one step")
        << QByteArray("{\"events\":[" + view +
                      "],\"journeys\":[{\"name\":\"J\",\"steps\":[{\"event\":\"V\"}]}]}")
        << "journeys[0].steps: needs at least two steps";
    QTest::addRow("step with event and search")
        << QByteArray("{\"events\":[" + view +
                      "],\"journeys\":[{\"name\":\"J\",\"steps\":[{\"event\":\"V\",\"search\":{}},{\"event\":"
                      "\"V\"}]}]}")
        << "journeys[0].steps[0]: needs exactly one of 'event' and 'search'";
    QTest::addRow("bad window") << QByteArray("{\"events\":[" + view +
                                              "],\"journeys\":[{\"name\":\"J\",\"steps\":[{\"event\":\"V\"},{"
                                              "\"event\":\"V\",\"within\":\"soon\"}]}]}")
                                << "journeys[0].steps[1].within: must be a duration";
    QTest::addRow("only searches")
        << QByteArray("{\"events\":[" + view +
                      "],\"journeys\":[{\"name\":\"J\",\"steps\":[{\"search\":{}},{\"search\":{}}]}]}")
        << "needs at least one event step";
    QTest::addRow("bad token rule") << QByteArray(
                                           "{\"events\":[],\"tokens\":{\"anonymousTokenPersists\":\"yes\"}}")
                                    << "tokens.anonymousTokenPersists: must be true or false";
    QTest::addRow("bad catalog") << QByteArray("{\"events\":[],\"catalogs\":{\"movies\":1}}")
                                 << "catalogs.movies: must be the path";
}

void PlanFileTest::errorsNameTheKey()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    const PlanLoadResult result = PlanFile::parse(json, QStringLiteral("/tmp"));
    QVERIFY(!result.plan);
    QVERIFY2(result.error.contains(error), qPrintable(result.error));
}

void PlanFileTest::durations_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("ms"); // -1: unreadable
    QTest::addRow("seconds") << "30s" << 30'000LL;
    QTest::addRow("bare number") << "45" << 45'000LL;
    QTest::addRow("minutes") << "10m" << 600'000LL;
    QTest::addRow("hours") << "2h" << 7'200'000LL;
    QTest::addRow("day") << "1d" << 86'400'000LL;
    QTest::addRow("fraction") << "1.5s" << 1'500LL;
    QTest::addRow("negative") << "-5s" << -1LL;
    QTest::addRow("word") << "soon" << -1LL;
    QTest::addRow("empty") << "" << -1LL;
}

void PlanFileTest::durations()
{
    QFETCH(QString, text);
    QFETCH(qint64, ms);
    const auto parsed = PlanFile::parseDurationMs(text);
    QCOMPARE(parsed.value_or(-1), ms);
    if (parsed)
        QCOMPARE(PlanFile::parseDurationMs(PlanFile::durationText(*parsed)), parsed);
}

void PlanFileTest::shippedExampleReadsAndRoundTrips()
{
    const PlanLoadResult loaded =
        PlanFile::load(QStringLiteral(INSIGHTS_SOURCE_DIR "/resources/plan/movies-plan.json"));
    QVERIFY2(loaded.plan, qPrintable(loaded.error));
    const Plan& plan = *loaded.plan;
    QCOMPARE(plan.events.size(), 4);
    QCOMPARE(plan.journeys.size(), 1);
    QCOMPARE(plan.journeys.constFirst().steps.constFirst().kind, JourneyStep::Kind::Search);
    QCOMPARE(plan.catalogPaths.value(QStringLiteral("movies")), QStringLiteral(":/sample/movies.json"));
    QVERIFY(plan.tokens.anonymousTokenPersists && plan.tokens.loginKeepsUserToken &&
            plan.tokens.noSuspiciousTokens);
    const PlannedEvent* purchase = plan.event(QStringLiteral("Purchased"));
    QVERIFY(purchase);
    QVERIFY(purchase->requiredFields.contains(QStringLiteral("objectData[].queryID")));

    // Every key the schema documents is one the reader knows: the writer's output of the example reads back
    // the same, and the schema is valid JSON naming the same top-level keys.
    const PlanLoadResult again = PlanFile::parse(PlanFile::toJson(plan), QStringLiteral("/"));
    QVERIFY2(again.plan, qPrintable(again.error));
    QCOMPARE(PlanFile::toJson(*again.plan), PlanFile::toJson(plan));
    const QJsonObject schema =
        QJsonDocument::fromJson(
            readFile(QStringLiteral(INSIGHTS_SOURCE_DIR "/resources/plan/plan.schema.json")))
            .object();
    const QJsonObject properties = schema.value(QStringLiteral("properties")).toObject();
    for (const QString& key :
         {QStringLiteral("name"), QStringLiteral("events"), QStringLiteral("journeys"),
          QStringLiteral("tokens"), QStringLiteral("failOnUnplanned"), QStringLiteral("catalogs")})
        QVERIFY2(properties.contains(key), qPrintable(key));
    const QJsonObject defs = schema.value(QStringLiteral("$defs")).toObject();
    for (const QString& key : defs.value(QStringLiteral("tokens"))
                                  .toObject()
                                  .value(QStringLiteral("properties"))
                                  .toObject()
                                  .keys()) {
        const QByteArray json = "{\"events\":[],\"tokens\":{\"" + key.toUtf8() +
                                "\":" + (key.startsWith(QLatin1String("max")) ? "2" : "true") + "}}";
        QVERIFY2(PlanFile::parse(json, {}).plan, qPrintable(key));
    }
    for (const QString& key :
         defs.value(QStringLiteral("event")).toObject().value(QStringLiteral("properties")).toObject().keys())
        QVERIFY2(!PlanFile::parse(
                      "{\"events\":[{\"name\":\"V\",\"eventType\":\"view\",\"" + key.toUtf8() + "\":0}]}", {})
                      .error.contains(QLatin1String("unknown key")),
                 qPrintable(key));
}

void PlanFileTest::starterPlanFromEvents()
{
    QList<CheckRecord> records{
        record(1, QStringLiteral("Product Viewed"), QStringLiteral("view"), QStringLiteral("u1")),
        record(2, QStringLiteral("Hit Clicked"), QStringLiteral("click"), QStringLiteral("u1")),
        record(3, QStringLiteral("Hit Clicked"), QStringLiteral("click"), QStringLiteral("u2"))};
    for (CheckRecord& r : records) {
        if (r.event.eventType == QStringLiteral("click")) {
            r.event.queryID = QStringLiteral("q");
            r.event.positions = QList<qint64>{1};
        }
    }
    const Plan plan = starterPlan(records);
    QCOMPARE(plan.events.size(), 2);
    QCOMPARE(plan.events.at(0).name, QStringLiteral("Product Viewed"));
    QCOMPARE(plan.events.at(1).queryId, QueryIdRule::Required);
    QCOMPARE(plan.events.at(1).requiredFields, QStringList{QStringLiteral("positions")});
    QCOMPARE(plan.events.at(1).index, QStringLiteral("movies"));
    QCOMPARE(plan.journeys.size(), 1);
    QCOMPARE(plan.journeys.constFirst().steps.size(), 2);
    // What it generated reads back, and the events it came from meet it.
    const PlanLoadResult reread = PlanFile::parse(PlanFile::toJson(plan), {});
    QVERIFY2(reread.plan, qPrintable(reread.error));
    CheckOptions options;
    options.runEnded = true;
    options.nowMs = records.constLast().timeMs;
    const CheckReport report = checkPlan(*reread.plan, records, options);
    QCOMPARE(report.count(CheckStatus::NotMet), 0);
    QVERIFY(report.result(QStringLiteral("event:Hit Clicked"))->status == CheckStatus::Met);
}

void PlanFileTest::reportsShapes()
{
    const PlanLoadResult loaded =
        PlanFile::load(QStringLiteral(INSIGHTS_TEST_DATA_DIR "/plan/checker-plan.json"));
    QVERIFY(loaded.plan);
    QList<CheckRecord> records{
        record(1, QStringLiteral("Product Viewed"), QStringLiteral("view"), QStringLiteral("null")),
        record(2, QStringLiteral("Wish"), QStringLiteral("view"), QStringLiteral("u1"))};
    CheckOptions options;
    options.runEnded = true;
    const CheckReport report = checkPlan(*loaded.plan, records, options);
    QVERIFY(!report.passed());

    const QJsonObject json = QJsonDocument::fromJson(PlanReport::toJson(report)).object();
    QCOMPARE(json.value(QStringLiteral("passed")).toBool(true), false);
    QCOMPARE(json.value(QStringLiteral("recordsChecked")).toInt(), 2);
    QCOMPARE(json.value(QStringLiteral("checks")).toArray().size(), report.results.size());
    const QJsonObject viewed = json.value(QStringLiteral("checks")).toArray().at(1).toObject();
    QCOMPARE(viewed.value(QStringLiteral("key")).toString(), QStringLiteral("event:Product Viewed"));
    QCOMPARE(viewed.value(QStringLiteral("status")).toString(), QStringLiteral("met"));
    QCOMPARE(viewed.value(QStringLiteral("recordIds")).toArray(), QJsonArray{1});
    QCOMPARE(json.value(QStringLiteral("unplanned"))
                 .toArray()
                 .at(0)
                 .toObject()
                 .value(QStringLiteral("eventName"))
                 .toString(),
             QStringLiteral("Wish"));

    const QByteArray junit = PlanReport::toJunit(report, 1'760'000'000'000);
    QXmlStreamReader xml(junit);
    int testcases = 0;
    int failures = 0;
    int skipped = 0;
    while (!xml.atEnd()) {
        if (xml.readNext() == QXmlStreamReader::StartElement) {
            testcases += xml.name() == QLatin1String("testcase") ? 1 : 0;
            failures += xml.name() == QLatin1String("failure") ? 1 : 0;
            skipped += xml.name() == QLatin1String("skipped") ? 1 : 0;
        }
    }
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    QCOMPARE(testcases, report.results.size() + 1);
    QCOMPARE(failures, report.count(CheckStatus::NotMet));
    QCOMPARE(skipped, report.count(CheckStatus::Pending));
    QVERIFY(PlanReport::toText(report).contains(QLatin1String("NOT MET  token   No suspicious tokens")));
}

void PlanFileTest::diffOfTwoRuns()
{
    const PlanLoadResult loaded =
        PlanFile::load(QStringLiteral(INSIGHTS_TEST_DATA_DIR "/plan/checker-plan.json"));
    QVERIFY(loaded.plan);
    QList<CheckRecord> a{
        record(1, QStringLiteral("Product Viewed"), QStringLiteral("view"), QStringLiteral("u1")),
        record(2, QStringLiteral("Search Result Clicked"), QStringLiteral("click"), QStringLiteral("u1")),
        record(3, QStringLiteral("Old Event"), QStringLiteral("view"), QStringLiteral("u1"))};
    a[1].event.queryID = QStringLiteral("q");
    a[1].event.positions = QList<qint64>{1};
    QList<CheckRecord> b{
        record(1, QStringLiteral("Product Viewed"), QStringLiteral("view"), QStringLiteral("u1")),
        record(2, QStringLiteral("Search Result Clicked"), QStringLiteral("click"), QStringLiteral("u1")),
        record(3, QStringLiteral("New Event"), QStringLiteral("view"), QStringLiteral("u1"))};
    b[0].event.setExtra(QStringLiteral("pageType"), "\"pdp\"");
    b[1].event.positions = QList<qint64>{1}; // lost its queryID
    const RunDiff diff = diffRuns(a, b, &*loaded.plan);
    QVERIFY(diff.hasDifferences());
    QCOMPARE(diff.events.size(), 4);
    const auto count = [&](const QString& name) {
        for (const EventCountChange& change : diff.events) {
            if (change.eventName == name)
                return qMakePair(change.countA, change.countB);
        }
        return qMakePair(-1, -1);
    };
    QCOMPARE(count(QStringLiteral("Old Event")), qMakePair(1, 0));
    QCOMPARE(count(QStringLiteral("New Event")), qMakePair(0, 1));
    QCOMPARE(diff.fields.size(), 2);
    QCOMPARE(diff.fields.at(0).eventName, QStringLiteral("Product Viewed"));
    QCOMPARE(diff.fields.at(0).field, QStringLiteral("pageType"));
    QCOMPARE(diff.fields.at(0).kind, FieldChange::Kind::Appeared);
    QCOMPARE(diff.fields.at(1).field, QStringLiteral("queryID"));
    QCOMPARE(diff.fields.at(1).kind, FieldChange::Kind::Vanished);
    // The journey "View then click" was met in A and not in B (the click broke its expectation, not the
    // journey); the click's expectation went from met to not met.
    bool clickChanged = false;
    for (const CheckChange& change : diff.checks) {
        if (change.key == QStringLiteral("event:Search Result Clicked")) {
            clickChanged = true;
            QCOMPARE(change.statusA, CheckStatus::Met);
            QCOMPARE(change.statusB, CheckStatus::NotMet);
        }
    }
    QVERIFY(clickChanged);
    QVERIFY(!diffRuns(a, a, &*loaded.plan).hasDifferences());
    const QString text = RunDiffReport::toText(diff, QStringLiteral("a"), QStringLiteral("b"));
    QVERIFY2(text.contains(QLatin1String("- 'Search Result Clicked' queryID vanished: 1/1 -> 0/1")),
             qPrintable(text));
}

void PlanFileTest::automationPage()
{
    const QByteArray page =
        "{\"events\":[{\"id\":7,\"requestId\":\"r1\",\"receivedAt\":1760000000000,\"source\":\"endpoint\","
        "\"status\":\"rejected\",\"httpStatus\":422,\"message\":\"m\",\"indexInRequest\":0,\"eventType\":"
        "\"view\","
        "\"eventSubtype\":\"\",\"eventName\":\"V\",\"index\":\"movies\",\"userToken\":\"u\","
        "\"authenticatedUserToken\":\"\",\"timestamp\":0,\"issues\":[{\"severity\":\"error\",\"field\":"
        "\"index\","
        "\"code\":\"index.required\",\"message\":\"x\"}],\"event\":{\"eventType\":\"view\",\"eventName\":"
        "\"V\"},"
        "\"request\":{\"userAgent\":\"UA\",\"remoteAddress\":\"127.0.0.1\"}}],\"lastId\":7}";
    qint64 lastId = 0;
    const RunLoadResult result = RunSource::fromAutomationPage(page, lastId);
    QVERIFY(result.error.isEmpty());
    QCOMPARE(lastId, 7);
    QCOMPARE(result.records.size(), 1);
    const CheckRecord r = checkRecordFromLog(result.records.constFirst());
    QCOMPARE(r.id, 7);
    QVERIFY(!r.accepted);
    QCOMPARE(r.event.eventName, std::optional<QString>(QStringLiteral("V")));
    QCOMPARE(r.client, QStringLiteral("127.0.0.1 UA"));
    QCOMPARE(r.timeMs, 1'760'000'000'000);
    QCOMPARE(r.issues.size(), 1);
    QVERIFY(!RunSource::fromAutomationPage("{\"nope\":1}", lastId).error.isEmpty());
}

QTEST_GUILESS_MAIN(PlanFileTest)
#include "tst_planfile.moc"
