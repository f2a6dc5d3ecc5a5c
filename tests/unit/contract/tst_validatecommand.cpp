// `insights-debugger validate` as a user runs it: the built executable, real files, exit statuses, reports.
#include "conformancecase.h"
#include "views/eventexchange.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

Q_DECLARE_METATYPE(ConformanceCase)

namespace {

struct Run
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run validate(const QStringList& arguments, const QByteArray& standardInput = {})
{
    QProcess process;
    process.start(qEnvironmentVariable("INSIGHTS_DEBUGGER_EXE"),
                  QStringList{QStringLiteral("validate")} + arguments);
    if (!standardInput.isNull())
        process.write(standardInput);
    process.closeWriteChannel();
    if (!process.waitForFinished(30'000))
        qFatal("validate did not finish");
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            process.readAllStandardOutput(), process.readAllStandardError()};
}

} // namespace

class TestValidateCommand final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void conformanceCases_data();
    void conformanceCases();
    void singleEventAndNdjson();
    void textReportNamesEventsAndFields();
    void debuggerExportJudgesItsEventsOnly();
    void catalogOptionWarnsAboutUnknownObjectIDs();
    void badInputGetsOneLineAndStatus2_data();
    void badInputGetsOneLineAndStatus2();

private:
    QString write(const QString& name, const QByteArray& content);
    QTemporaryDir m_dir;
};

void TestValidateCommand::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY(QFile::exists(qEnvironmentVariable("INSIGHTS_DEBUGGER_EXE")));
}

QString TestValidateCommand::write(const QString& name, const QByteArray& content)
{
    QFile file(m_dir.filePath(name));
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size())
        qFatal("cannot write %s", qPrintable(file.fileName()));
    return file.fileName();
}

void TestValidateCommand::conformanceCases_data()
{
    QTest::addColumn<ConformanceCase>("testCase");
    QTest::addColumn<qint64>("now");
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const ConformanceCase& c : loadConformanceCases(now)) {
        if (!c.httpOnly)
            QTest::addRow("%s", qPrintable(c.rowName())) << c << now;
    }
}

void TestValidateCommand::conformanceCases()
{
    QFETCH(ConformanceCase, testCase);
    QFETCH(qint64, now);
    const QString file = write(testCase.file, testCase.body);
    const Run run =
        validate({QStringLiteral("--as-request"), QStringLiteral("--json"), QStringLiteral("--profile"),
                  testCase.profile, QStringLiteral("--now"), QString::number(now), file});
    QCOMPARE(run.exitCode, testCase.expectStatus == 200 ? 0 : 1);
    const QJsonObject report = QJsonDocument::fromJson(run.out).object();
    QCOMPARE(report.value(QLatin1String("status")).toInt(), testCase.expectStatus);
    QCOMPARE(report.value(QLatin1String("message")).toString(), testCase.expectMessage);
    const QJsonArray events = report.value(QLatin1String("events")).toArray();
    for (const ConformanceCase::ExpectedEvent& expected : testCase.expectEvents)
        QCOMPARE(events.at(expected.index).toObject().value(QLatin1String("valid")).toBool(), expected.valid);
}

void TestValidateCommand::singleEventAndNdjson()
{
    const QByteArray view =
        R"({"eventType":"view","eventName":"Product Viewed","index":"products","userToken":"u1","objectIDs":["o1"]})";
    Run run = validate({QStringLiteral("--json"), QStringLiteral("-")}, view);
    QCOMPARE(run.exitCode, 0);
    QJsonObject report = QJsonDocument::fromJson(run.out).object();
    QCOMPARE(report.value(QLatin1String("input")).toString(), QStringLiteral("singleEvent"));
    QCOMPARE(report.value(QLatin1String("events")).toArray().size(), 1);

    QByteArray broken = view;
    broken.replace("\"index\":\"products\",", "");
    run = validate(
        {QStringLiteral("--json"), write(QStringLiteral("events.ndjson"), view + "\n" + broken + "\n")});
    QCOMPARE(run.exitCode, 1);
    report = QJsonDocument::fromJson(run.out).object();
    QCOMPARE(report.value(QLatin1String("input")).toString(), QStringLiteral("ndjson"));
    QCOMPARE(report.value(QLatin1String("message")).toString(),
             QStringLiteral("The index field is required"));
    const QJsonArray events = report.value(QLatin1String("events")).toArray();
    QCOMPARE(events.size(), 2);
    QCOMPARE(events.at(0).toObject().value(QLatin1String("valid")).toBool(), true);
    const QJsonObject issue =
        events.at(1).toObject().value(QLatin1String("issues")).toArray().at(0).toObject();
    QCOMPARE(issue.value(QLatin1String("path")).toString(), QStringLiteral("events[1].index"));
    QCOMPARE(issue.value(QLatin1String("severity")).toString(), QStringLiteral("error"));
}

void TestValidateCommand::textReportNamesEventsAndFields()
{
    const QByteArray body =
        R"({"events":[{"eventType":"click","eventName":"Clicked","index":"products","userToken":"u1","objectIDs":["a"],"positions":[0],"queryID":"43b15df305339e827f0ac0bdc5ebcaa7"}]})";
    const Run run = validate({write(QStringLiteral("body.json"), body)});
    QCOMPARE(run.exitCode, 1);
    const QString text = QString::fromUtf8(run.out);
    QVERIFY2(text.contains(QLatin1String("events[0]  rejected  clickedObjectIDsAfterSearch")),
             qPrintable(text));
    QVERIFY(text.contains(QLatin1String("error  events[0].positions[0]  positions.notPositive")));
    QVERIFY(text.contains(QLatin1String("HTTP 422 {\"status\":422,\"message\":\"Event of type click may only "
                                        "have strictly positive positions\"}")));
}

// An export of the debugger carries searches and refused requests beside its events, each tagged with its
// kind: validate judges the events (without their tag) and says how many other records it left out.
void TestValidateCommand::debuggerExportJudgesItsEventsOnly()
{
    const QByteArray view =
        R"({"eventType":"view","eventName":"Product Viewed","index":"products","userToken":"u1","objectIDs":["o1"]})";
    LogRecord event;
    event.kind = RecordKind::Event;
    event.accepted = true;
    event.httpStatus = 200;
    event.rawJson = view;
    LogRecord search;
    search.kind = RecordKind::Search;
    search.httpStatus = 200;
    search.rawJson = R"({"index":"products","query":"shoe","queryID":"43b15df305339e827f0ac0bdc5ebcaa7"})";
    LogRecord refused;
    refused.kind = RecordKind::Request;
    refused.httpStatus = 401;
    refused.message = QStringLiteral("Invalid credentials");
    refused.method = QStringLiteral("POST");
    refused.path = QStringLiteral("/1/events");
    refused.rawJson = "not json";
    QByteArray exported;
    for (const LogRecord& record : {event, search, refused, event})
        exported += EventExchange::exportLine(record) + '\n';
    QVERIFY(exported.contains("\"kind\":\"search\"") && exported.contains("\"kind\":\"request\""));

    Run run = validate({QStringLiteral("--json"), write(QStringLiteral("export.ndjson"), exported)});
    QCOMPARE(run.exitCode, 0);
    QJsonObject report = QJsonDocument::fromJson(run.out).object();
    QCOMPARE(report.value(QLatin1String("events")).toArray().size(), 2);
    QVERIFY2(run.err.contains("2 search or refused-request record(s) of the export left out"), run.err);

    // A broken event of the export is still found, under its position among the events.
    QByteArray broken = view;
    broken.replace("\"index\":\"products\",", "");
    event.rawJson = broken;
    exported += EventExchange::exportLine(event) + '\n';
    run = validate({QStringLiteral("--json"), write(QStringLiteral("export.ndjson"), exported)});
    QCOMPARE(run.exitCode, 1);
    report = QJsonDocument::fromJson(run.out).object();
    const QJsonArray events = report.value(QLatin1String("events")).toArray();
    QCOMPARE(events.size(), 3);
    QCOMPARE(events.at(2).toObject().value(QLatin1String("valid")).toBool(), false);

    // Only searches: nothing to judge is a usage error, not a pass.
    run = validate({write(QStringLiteral("searches.ndjson"), EventExchange::exportLine(search) + '\n')});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains("no events in"), run.err);
}

void TestValidateCommand::catalogOptionWarnsAboutUnknownObjectIDs()
{
    const QString catalog =
        write(QStringLiteral("records.ndjson"), "{\"objectID\":\"m1\",\"title\":\"Metropolis\"}\n");
    const QByteArray event =
        R"({"eventType":"view","eventName":"Viewed","index":"movies","userToken":"u1","objectIDs":["m1","m2"]})";
    const Run run = validate(
        {QStringLiteral("--json"), QStringLiteral("--catalog"), catalog, QStringLiteral("-")}, event);
    QCOMPARE(run.exitCode, 0);
    const QJsonArray issues = QJsonDocument::fromJson(run.out)
                                  .object()
                                  .value(QLatin1String("events"))
                                  .toArray()
                                  .at(0)
                                  .toObject()
                                  .value(QLatin1String("issues"))
                                  .toArray();
    QCOMPARE(issues.size(), 1);
    QCOMPARE(issues.at(0).toObject().value(QLatin1String("code")).toString(),
             QStringLiteral("objectID.notInCatalog"));
    QCOMPARE(issues.at(0).toObject().value(QLatin1String("path")).toString(),
             QStringLiteral("events[0].objectIDs[1]"));
}

void TestValidateCommand::badInputGetsOneLineAndStatus2_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QByteArray>("standardInput");
    QTest::addColumn<QString>("expected");
    QTest::addRow("missing file") << QStringList{QStringLiteral("/nonexistent/events.json")} << QByteArray()
                                  << QStringLiteral("cannot read /nonexistent/events.json");
    QTest::addRow("empty input") << QStringList{QStringLiteral("-")} << QByteArray("")
                                 << QStringLiteral("empty");
    QTest::addRow("binary input") << QStringList{QStringLiteral("-")}
                                  << QByteArray("\x7f"
                                                "ELF\x02\x01\0\0",
                                                8)
                                  << QStringLiteral("binary");
    QTest::addRow("not JSON") << QStringList{QStringLiteral("-")} << QByteArray("hello")
                              << QStringLiteral("line 1");
    QTest::addRow("unknown profile") << QStringList{QStringLiteral("--profile"), QStringLiteral("2019"),
                                                    QStringLiteral("-")}
                                     << QByteArray("{}") << QStringLiteral("unknown profile '2019'");
    QTest::addRow("no file") << QStringList{} << QByteArray() << QStringLiteral("give one input file");
    QTest::addRow("catalog is a device")
        << QStringList{QStringLiteral("--catalog"), QStringLiteral("/dev/zero"), QStringLiteral("-")}
        << QByteArray("{}") << QStringLiteral("/dev/zero is not a regular file");
    QTest::addRow("catalog is a folder")
        << QStringList{QStringLiteral("--catalog"), m_dir.path(), QStringLiteral("-")} << QByteArray("{}")
        << QStringLiteral("is not a regular file (a folder)");
    {
        QFile large(m_dir.filePath(QStringLiteral("large-catalog.json")));
        if (!large.open(QIODevice::WriteOnly) || !large.resize(512LL * 1024 * 1024 + 1))
            qFatal("cannot make a sparse file");
        QTest::addRow("catalog over 512 MB")
            << QStringList{QStringLiteral("--catalog"), large.fileName(), QStringLiteral("-")}
            << QByteArray("{}") << QStringLiteral("over the limit of 512 MB");
    }
    QTest::addRow("unknown option") << QStringList{QStringLiteral("--frobnicate"), QStringLiteral("-")}
                                    << QByteArray() << QStringLiteral("frobnicate");
}

void TestValidateCommand::badInputGetsOneLineAndStatus2()
{
    QFETCH(QStringList, arguments);
    QFETCH(QByteArray, standardInput);
    QFETCH(QString, expected);
    const Run run = validate(arguments, standardInput);
    QCOMPARE(run.exitCode, 2);
    QVERIFY(run.out.isEmpty());
    const QString error = QString::fromUtf8(run.err).trimmed();
    QVERIFY2(error.contains(expected), qPrintable(error));
    QVERIFY2(!error.contains(QLatin1Char('\n')), qPrintable(error));
}

QTEST_GUILESS_MAIN(TestValidateCommand)
#include "tst_validatecommand.moc"
