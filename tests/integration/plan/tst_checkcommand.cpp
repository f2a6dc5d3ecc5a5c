// `check` and `diff` as CI runs them: the real executable (INSIGHTS_DEBUGGER_EXE), events received by a real
// `serve` over loopback, the verdict from its data folder and from its automation API, exit statuses, JUnit
// validated with xmllint against the JUnit schema (tests/data/plan/junit.xsd), and two exports that differ
// in known ways.

#include "httptestclient.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

namespace {

const QString kPlanDir = QStringLiteral(INSIGHTS_TEST_DATA_DIR "/plan");
const QString kMoviesPlan = QStringLiteral(INSIGHTS_SOURCE_DIR "/resources/plan/movies-plan.json");
const QString kQueryId = QStringLiteral("7dfe2ada7bca48bdd0629649df0bee07");
const QString kUser = QStringLiteral("anonymous-1f0c6f5e-4a47-4a8e-9d3c-0c1b2a3d4e5f");

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

// Runs the executable to the end (these commands exit on their own); waits on the event loop.
Run runExe(const QStringList& arguments, int timeoutMs = 60000)
{
    Run run;
    QProcess process;
    process.start(qEnvironmentVariable("INSIGHTS_DEBUGGER_EXE"), arguments);
    if (!QTest::qWaitFor([&] { return process.state() == QProcess::NotRunning; }, timeoutMs)) {
        process.kill();
        process.waitForFinished(5000);
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

// One running `serve`, as in the endpoint's own tests.
class Serve
{
public:
    bool start(const QStringList& arguments)
    {
        QObject::connect(&m_process, &QProcess::readyReadStandardOutput, &m_process,
                         [this] { m_stdout += m_process.readAllStandardOutput(); });
        QObject::connect(&m_process, &QProcess::readyReadStandardError, &m_process,
                         [this] { m_stderr += m_process.readAllStandardError(); });
        m_process.start(qEnvironmentVariable("INSIGHTS_DEBUGGER_EXE"),
                        QStringList{QStringLiteral("serve"), QStringLiteral("--listen"),
                                    QStringLiteral("127.0.0.1:0"), QStringLiteral("--quiet")} +
                            arguments);
        if (!QTest::qWaitFor(
                [this] { return m_stdout.contains('\n') || m_process.state() == QProcess::NotRunning; },
                20000))
            return false;
        static const QRegularExpression line(QStringLiteral(R"(^listening on (http://127\.0\.0\.1:\d+)\n)"));
        const QRegularExpressionMatch match = line.match(QString::fromUtf8(m_stdout));
        m_baseUrl = match.captured(1);
        return match.hasMatch();
    }
    bool stop()
    {
        m_process.terminate();
        return QTest::qWaitFor([this] { return m_process.state() == QProcess::NotRunning; }, 20000) &&
               m_process.exitCode() == 0;
    }
    ~Serve()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }

    QProcess m_process;
    QByteArray m_stdout;
    QByteArray m_stderr;
    QString m_baseUrl;
};

QJsonObject baseEvent(const QString& type, const QString& name, const QString& user = kUser)
{
    return QJsonObject{{QStringLiteral("eventType"), type},
                       {QStringLiteral("eventName"), name},
                       {QStringLiteral("index"), QStringLiteral("movies")},
                       {QStringLiteral("userToken"), user},
                       {QStringLiteral("objectIDs"), QJsonArray{QStringLiteral("movie-0001")}}};
}

// A storefront's events for the movies example plan, one user: view, click after search, add to cart,
// purchase. `itemQueryId` false: the purchase's item lost its queryID (the regression the plan catches).
QJsonArray storefrontEvents(bool itemQueryId)
{
    QJsonObject view = baseEvent(QStringLiteral("view"), QStringLiteral("Product Viewed"));
    QJsonObject click = baseEvent(QStringLiteral("click"), QStringLiteral("Hit Clicked"));
    click.insert(QStringLiteral("queryID"), kQueryId);
    click.insert(QStringLiteral("positions"), QJsonArray{3});
    const QJsonObject item{{QStringLiteral("price"), 7.99}, {QStringLiteral("quantity"), 1}};
    QJsonObject cart = baseEvent(QStringLiteral("conversion"), QStringLiteral("Added To Cart"));
    cart.insert(QStringLiteral("eventSubtype"), QStringLiteral("addToCart"));
    cart.insert(QStringLiteral("queryID"), kQueryId);
    cart.insert(QStringLiteral("objectData"), QJsonArray{item});
    cart.insert(QStringLiteral("currency"), QStringLiteral("EUR"));
    QJsonObject purchasedItem = item;
    if (itemQueryId)
        purchasedItem.insert(QStringLiteral("queryID"), kQueryId);
    QJsonObject purchase = baseEvent(QStringLiteral("conversion"), QStringLiteral("Purchased"));
    purchase.insert(QStringLiteral("eventSubtype"), QStringLiteral("purchase"));
    purchase.insert(QStringLiteral("objectData"), QJsonArray{purchasedItem});
    purchase.insert(QStringLiteral("value"), 7.99);
    purchase.insert(QStringLiteral("currency"), QStringLiteral("EUR"));
    return QJsonArray{view, click, cart, purchase};
}

int post(QNetworkAccessManager& manager, const QString& baseUrl, const QJsonArray& events)
{
    const RawHeaders headers{{"x-algolia-application-id", "CHECKAPP"},
                             {"x-algolia-api-key", "check-test-key"},
                             {"user-agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/124 storefront-e2e"},
                             {"content-type", "application/json"}};
    const QByteArray body =
        QJsonDocument(QJsonObject{{QStringLiteral("events"), events}}).toJson(QJsonDocument::Compact);
    return httpRequest(manager, "POST", QUrl(baseUrl + QStringLiteral("/1/events")), headers, body).status;
}

QString xmllint()
{
    return QStandardPaths::findExecutable(QStringLiteral("xmllint"));
}

// xmllint --schema: exit 0 and "validates" when the file is a JUnit report.
QString validateJunit(const QString& path)
{
    const Run run = [&] {
        Run result;
        QProcess process;
        process.start(xmllint(), {QStringLiteral("--noout"), QStringLiteral("--schema"),
                                  kPlanDir + QStringLiteral("/junit.xsd"), path});
        if (!QTest::qWaitFor([&] { return process.state() == QProcess::NotRunning; }, 30000))
            return result;
        result.exitCode = process.exitCode();
        result.err = process.readAllStandardError();
        return result;
    }();
    return run.exitCode == 0 ? QString() : QString::fromUtf8(run.err);
}

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class CheckCommandTest final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void checkDataFolderPassesThenFails();
    void checkFromRunningEndpoint();
    void servePlanAnswersChecks();
    void usageErrors_data();
    void usageErrors();
    void diffTwoExports();

private:
    QNetworkAccessManager m_manager;
};

void CheckCommandTest::initTestCase()
{
    QVERIFY2(!qEnvironmentVariable("INSIGHTS_DEBUGGER_EXE").isEmpty(), "INSIGHTS_DEBUGGER_EXE is not set");
    QVERIFY2(!xmllint().isEmpty(),
             "xmllint (Debian libxml2-utils) is needed: scripts/dev.sh test installs it");
}

void CheckCommandTest::checkDataFolderPassesThenFails()
{
    QTemporaryDir dir;
    const QString data = dir.filePath(QStringLiteral("data"));
    {
        Serve serve;
        QVERIFY2(serve.start({QStringLiteral("--data-dir"), data}), serve.m_stderr.constData());
        QCOMPARE(post(m_manager, serve.m_baseUrl, storefrontEvents(true)), 200);
        QVERIFY(serve.stop());
    }
    const QString junit = dir.filePath(QStringLiteral("checks.xml"));
    const Run passed = runExe({QStringLiteral("check"), QStringLiteral("--plan"), kMoviesPlan,
                               QStringLiteral("--data-dir"), data, QStringLiteral("--junit"), junit});
    QVERIFY2(passed.exitCode == 0, QByteArray(passed.out + passed.err).constData());
    QVERIFY2(passed.out.contains("met      event   Purchased  (1 seen)"), passed.out.constData());
    // No searches recorded: the journey that starts with one is pending, not failed.
    QVERIFY2(passed.out.contains("pending  journey Search to purchase"), passed.out.constData());
    QVERIFY2(passed.out.contains("search steps not checkable"), passed.out.constData());
    QString invalid = validateJunit(junit);
    QVERIFY2(invalid.isEmpty(), qPrintable(invalid));
    QVERIFY(readAll(junit).contains("<skipped message=\""));
    QVERIFY(!readAll(junit).contains("<failure"));

    // The next release loses the purchase items' queryIDs: only that run (--since) is checked.
    {
        Serve serve;
        QVERIFY(serve.start({QStringLiteral("--data-dir"), data}));
        QCOMPARE(post(m_manager, serve.m_baseUrl, storefrontEvents(false)), 200);
        QVERIFY(serve.stop());
    }
    const Run failed =
        runExe({QStringLiteral("check"), QStringLiteral("--plan"), kMoviesPlan, QStringLiteral("--data-dir"),
                data, QStringLiteral("--since"), QStringLiteral("4"), QStringLiteral("--junit"), junit});
    QVERIFY2(failed.exitCode == 1, QByteArray(failed.out + failed.err).constData());
    QVERIFY2(failed.out.contains("NOT MET  event   Purchased  (1 seen, 1 broke the plan)"),
             failed.out.constData());
    QVERIFY2(failed.out.contains("event #8 objectData[0].queryID: missing: required by the plan"),
             failed.out.constData());
    QVERIFY2(failed.out.contains("4 events checked"), failed.out.constData());
    invalid = validateJunit(junit);
    QVERIFY2(invalid.isEmpty(), qPrintable(invalid));
    const QByteArray xml = readAll(junit);
    QVERIFY(xml.contains("<failure message=\"event #8 objectData[0].queryID: missing: required by the plan\" "
                         "type=\"notMet\">"));
    QVERIFY(xml.contains(
        "<testsuites name=\"insights-debugger check: Movies storefront\" tests=\"9\" failures=\"1\""));
}

void CheckCommandTest::checkFromRunningEndpoint()
{
    QTemporaryDir dir;
    Serve serve;
    QVERIFY(serve.start({QStringLiteral("--data-dir"), dir.path()}));
    QJsonArray events = storefrontEvents(true);
    // A second visitor from the same browser whose site forgot to persist the token, and a "null" token.
    QJsonObject churned = baseEvent(QStringLiteral("view"), QStringLiteral("Product Viewed"),
                                    QStringLiteral("anonymous-00000000-0000-4000-8000-000000000001"));
    events.append(churned);
    events.append(
        baseEvent(QStringLiteral("view"), QStringLiteral("Product Viewed"), QStringLiteral("null")));
    QCOMPARE(post(m_manager, serve.m_baseUrl, events), 200);

    const Run run = runExe({QStringLiteral("check"), QStringLiteral("--plan"), kMoviesPlan,
                            QStringLiteral("--from"), serve.m_baseUrl, QStringLiteral("--json")});
    QVERIFY2(run.exitCode == 1, QByteArray(run.out + run.err).constData());
    const QJsonObject report = QJsonDocument::fromJson(run.out).object();
    QCOMPARE(report.value(QStringLiteral("passed")).toBool(true), false);
    QCOMPARE(report.value(QStringLiteral("recordsChecked")).toInt(), 6);
    QHash<QString, QJsonObject> checks;
    for (const QJsonValue& value : report.value(QStringLiteral("checks")).toArray())
        checks.insert(value.toObject().value(QStringLiteral("key")).toString(), value.toObject());
    QCOMPARE(checks.value(QStringLiteral("event:Product Viewed")).value(QStringLiteral("status")).toString(),
             QStringLiteral("met"));
    const QJsonObject churn = checks.value(QStringLiteral("token:churn"));
    QCOMPARE(churn.value(QStringLiteral("status")).toString(), QStringLiteral("not met"));
    QCOMPARE(churn.value(QStringLiteral("findings"))
                 .toArray()
                 .at(0)
                 .toObject()
                 .value(QStringLiteral("recordId"))
                 .toInt(),
             5);
    const QJsonObject suspicious = checks.value(QStringLiteral("token:suspicious"));
    QCOMPARE(suspicious.value(QStringLiteral("status")).toString(), QStringLiteral("not met"));
    QCOMPARE(suspicious.value(QStringLiteral("findings"))
                 .toArray()
                 .at(0)
                 .toObject()
                 .value(QStringLiteral("field"))
                 .toString(),
             QStringLiteral("userToken"));
    // --since pages from the id given.
    const Run later =
        runExe({QStringLiteral("check"), QStringLiteral("--plan"), kMoviesPlan, QStringLiteral("--from"),
                serve.m_baseUrl, QStringLiteral("--since"), QStringLiteral("5"), QStringLiteral("--json")});
    QCOMPARE(QJsonDocument::fromJson(later.out).object().value(QStringLiteral("recordsChecked")).toInt(), 1);
}

void CheckCommandTest::servePlanAnswersChecks()
{
    QTemporaryDir dir;
    Serve serve;
    QVERIFY2(serve.start({QStringLiteral("--data-dir"), dir.path(), QStringLiteral("--plan"), kMoviesPlan}),
             serve.m_stderr.constData());
    const QUrl checks(serve.m_baseUrl + QStringLiteral("/debugger/checks"));
    // Nothing received yet: live, every expectation waits (pending); nothing is not met.
    HttpResult empty = httpRequest(m_manager, "GET", checks);
    QCOMPARE(empty.status, 200);
    QJsonObject report = QJsonDocument::fromJson(empty.body).object();
    QCOMPARE(report.value(QStringLiteral("plan")).toString(), QStringLiteral("Movies storefront"));
    QCOMPARE(report.value(QStringLiteral("counts")).toObject().value(QStringLiteral("notMet")).toInt(), 0);
    QCOMPARE(report.value(QStringLiteral("counts")).toObject().value(QStringLiteral("met")).toInt(), 0);

    QCOMPARE(post(m_manager, serve.m_baseUrl, storefrontEvents(false)), 200);
    report = QJsonDocument::fromJson(httpRequest(m_manager, "GET", checks).body).object();
    QCOMPARE(report.value(QStringLiteral("recordsChecked")).toInt(), 4);
    QCOMPARE(report.value(QStringLiteral("passed")).toBool(true), false);
    const QJsonObject purchase = report.value(QStringLiteral("checks")).toArray().at(3).toObject();
    QCOMPARE(purchase.value(QStringLiteral("key")).toString(), QStringLiteral("event:Purchased"));
    QCOMPARE(purchase.value(QStringLiteral("status")).toString(), QStringLiteral("not met"));
    QCOMPARE(purchase.value(QStringLiteral("findings"))
                 .toArray()
                 .at(0)
                 .toObject()
                 .value(QStringLiteral("field"))
                 .toString(),
             QStringLiteral("objectData[0].queryID"));
    QCOMPARE(QJsonDocument::fromJson(
                 httpRequest(m_manager, "GET", QUrl(checks.toString() + QStringLiteral("?since=4"))).body)
                 .object()
                 .value(QStringLiteral("recordsChecked"))
                 .toInt(),
             0);

    // The run as over, as JUnit: the same document `check --junit` writes, valid against the schema.
    const HttpResult junit =
        httpRequest(m_manager, "GET", QUrl(checks.toString() + QStringLiteral("?final=true&format=junit")));
    QCOMPARE(junit.status, 200);
    QVERIFY(junit.header("content-type").startsWith("application/xml"));
    const QString path = dir.filePath(QStringLiteral("served.xml"));
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(junit.body);
    }
    const QString invalid = validateJunit(path);
    QVERIFY2(invalid.isEmpty(), qPrintable(invalid));
    QVERIFY(junit.body.contains("failures=\"1\""));

    QCOMPARE(httpRequest(m_manager, "GET", QUrl(checks.toString() + QStringLiteral("?format=pdf"))).status,
             400);
    QCOMPARE(httpRequest(m_manager, "POST", checks, {}, "{}").status, 405);
    // An automation route: a page on another origin cannot read the verdict.
    QCOMPARE(httpRequest(m_manager, "GET", checks, {{"origin", "https://attacker.example"}}).status, 403);
    QVERIFY(serve.stop());

    // A plan that cannot be read stops serve before it listens, with the plan's error.
    const Run bad = runExe({QStringLiteral("serve"), QStringLiteral("--listen"),
                            QStringLiteral("127.0.0.1:0"), QStringLiteral("--data-dir"), dir.path(),
                            QStringLiteral("--plan"), kPlanDir + QStringLiteral("/run-a.ndjson")});
    QCOMPARE(bad.exitCode, 2);
    QVERIFY2(bad.err.contains("run-a.ndjson: not JSON"), bad.err.constData());
}

void CheckCommandTest::usageErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    const QString plan = kMoviesPlan;
    QTest::addRow("no plan") << QStringList{QStringLiteral("check")} << "--plan FILE is required";
    QTest::addRow("unknown option") << QStringList{QStringLiteral("check"), QStringLiteral("--plans"), plan}
                                    << "Unknown option 'plans'";
    QTest::addRow("missing plan file") << QStringList{QStringLiteral("check"), QStringLiteral("--plan"),
                                                      QStringLiteral("/nonexistent/p.json")}
                                       << "cannot read /nonexistent/p.json";
    QTest::addRow("invalid plan") << QStringList{QStringLiteral("check"), QStringLiteral("--plan"),
                                                 QStringLiteral(INSIGHTS_TEST_DATA_DIR "/plan/run-a.ndjson")}
                                  << "run-a.ndjson: not JSON";
    QTest::addRow("two sources") << QStringList{QStringLiteral("check"),
                                                QStringLiteral("--plan"),
                                                plan,
                                                QStringLiteral("--data-dir"),
                                                QStringLiteral("/tmp"),
                                                QStringLiteral("--from"),
                                                QStringLiteral("http://127.0.0.1:1")}
                                 << "--data-dir and --from are alternatives";
    QTest::addRow("folder without a log") << QStringList{QStringLiteral("check"), QStringLiteral("--plan"),
                                                         plan, QStringLiteral("--data-dir"), kPlanDir}
                                          << "has no event log";
    QTest::addRow("bad since") << QStringList{QStringLiteral("check"), QStringLiteral("--plan"), plan,
                                              QStringLiteral("--since"), QStringLiteral("x")}
                               << "--since expects an event id";
    QTest::addRow("bad URL") << QStringList{QStringLiteral("check"), QStringLiteral("--plan"), plan,
                                            QStringLiteral("--from"), QStringLiteral("ftp://x")}
                             << "--from expects an http URL";
    QTest::addRow("nothing listening")
        << QStringList{QStringLiteral("check"), QStringLiteral("--plan"), plan, QStringLiteral("--from"),
                       QStringLiteral("http://127.0.0.1:9")}
        << "cannot reach";
    QTest::addRow("diff of one run") << QStringList{QStringLiteral("diff"),
                                                    kPlanDir + QStringLiteral("/run-a.ndjson")}
                                     << "give two runs";
    QTest::addRow("diff of a missing run")
        << QStringList{QStringLiteral("diff"), kPlanDir + QStringLiteral("/run-a.ndjson"),
                       QStringLiteral("/nonexistent")}
        << "/nonexistent does not exist";
}

void CheckCommandTest::usageErrors()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    const Run run = runExe(arguments);
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(message.toUtf8()), run.err.constData());
    QVERIFY(run.out.isEmpty());
}

void CheckCommandTest::diffTwoExports()
{
    const QString a = kPlanDir + QStringLiteral("/run-a.ndjson");
    const QString b = kPlanDir + QStringLiteral("/run-b.ndjson");
    const Run same = runExe(
        {QStringLiteral("diff"), a, a, QStringLiteral("--plan"), kPlanDir + QStringLiteral("/ci-plan.json")});
    QVERIFY2(same.exitCode == 0, QByteArray(same.out + same.err).constData());
    QVERIFY(same.out.contains("No difference."));

    const Run text = runExe(
        {QStringLiteral("diff"), a, b, QStringLiteral("--plan"), kPlanDir + QStringLiteral("/ci-plan.json")});
    QVERIFY2(text.exitCode == 1, QByteArray(text.out + text.err).constData());
    for (const char* line :
         {"- conversion 'Added To Cart': 2 -> 0", "  view 'Product Viewed': 2 -> 2",
          "+ 'Product Viewed' pageType appeared: 0/2 -> 2/2",
          "- 'Purchased' objectData[].queryID vanished: 2/2 -> 0/2",
          "journey 'View to purchase': met -> not met", "event 'Purchased': met -> not met"})
        QVERIFY2(text.out.contains(line), qPrintable(QString::fromUtf8(text.out) +
                                                     QStringLiteral("\nmissing: ") + QLatin1String(line)));

    const Run json = runExe({QStringLiteral("diff"), a, b, QStringLiteral("--json")});
    QCOMPARE(json.exitCode, 1);
    const QJsonObject diff = QJsonDocument::fromJson(json.out).object();
    QCOMPARE(diff.value(QStringLiteral("differ")).toBool(), true);
    QCOMPARE(diff.value(QStringLiteral("eventsA")).toInt(), 8);
    QCOMPARE(diff.value(QStringLiteral("eventsB")).toInt(), 6);
    QCOMPARE(diff.value(QStringLiteral("fields")).toArray().size(), 2);
    QVERIFY(diff.value(QStringLiteral("checks")).toArray().isEmpty()); // no plan given

    // A data folder is a run too: the same events received by serve compare equal to their export.
    QTemporaryDir dir;
    {
        Serve serve;
        QVERIFY(serve.start({QStringLiteral("--data-dir"), dir.path()}));
        QJsonArray events;
        for (const QByteArray& line : readAll(a).split('\n')) {
            if (!line.isEmpty())
                events.append(QJsonDocument::fromJson(line).object());
        }
        // The fixture's timestamps are fixed in the past: serve stamps them itself.
        for (qsizetype i = 0; i < events.size(); ++i) {
            QJsonObject event = events.at(i).toObject();
            event.remove(QStringLiteral("timestamp"));
            events[i] = event;
        }
        QCOMPARE(post(m_manager, serve.m_baseUrl, events), 200);
        QVERIFY(serve.stop());
    }
    const Run folder = runExe({QStringLiteral("diff"), a, dir.path()});
    QVERIFY2(folder.out.contains("  conversion 'Purchased': 2 -> 2"), folder.out.constData());
    QVERIFY2(folder.out.contains("- 'Product Viewed' timestamp vanished"), folder.out.constData());
}

QTEST_MAIN(CheckCommandTest)
#include "tst_checkcommand.moc"
