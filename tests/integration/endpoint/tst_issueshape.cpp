// One issue JSON shape everywhere (event/issue.h): `validate --json` and the automation API write the same
// objects for the same event, and RunSource (`check`, `diff`) reads back what the API wrote, "unverified" and
// the event's index included.

#include "conformancecase.h"
#include "httptestclient.h"

#include "endpoint/embeddedendpoint.h"
#include "event/issue.h"
#include "log/eventlog.h"
#include "plan/runsource.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

class IssueShapeTest final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void validateAndAutomationApiAgreeAndRunSourceReadsItBack();
};

void IssueShapeTest::validateAndAutomationApiAgreeAndRunSourceReadsItBack()
{
    // Case 63: an error whose wording is ours (Algolia publishes none), on the first of one event.
    QByteArray body;
    for (const ConformanceCase& c : loadConformanceCases(QDateTime::currentMSecsSinceEpoch())) {
        if (c.number == 63 && c.expectUnverified.value_or(false))
            body = c.body;
    }
    QVERIFY(!body.isEmpty());

    QTemporaryDir dir;
    EventLogOptions options;
    options.path = dir.filePath(QStringLiteral("events.sqlite"));
    EventLog::OpenResult opened = EventLog::open(options);
    QVERIFY2(opened.log, qPrintable(opened.error));
    EmbeddedEndpoint endpoint(opened.log.get());
    EndpointOptions endpointOptions;
    endpointOptions.port = 0;
    QVERIFY(!endpoint.start(endpointOptions));
    QNetworkAccessManager manager;
    const RawHeaders credentials{qMakePair(QByteArray("x-algolia-application-id"), QByteArray("APP")),
                                 qMakePair(QByteArray("x-algolia-api-key"), QByteArray("key-123"))};
    QCOMPARE(httpRequest(manager, "POST", QUrl(endpoint.baseUrl() + QStringLiteral("/1/events")), credentials,
                         body)
                 .status,
             422);
    const HttpResult page =
        httpRequest(manager, "GET", QUrl(endpoint.baseUrl() + QStringLiteral("/debugger/events")));
    QCOMPARE(page.status, 200);
    const QJsonArray apiIssues = QJsonDocument::fromJson(page.body)
                                     .object()
                                     .value(QLatin1String("events"))
                                     .toArray()
                                     .at(0)
                                     .toObject()
                                     .value(QLatin1String("issues"))
                                     .toArray();
    QVERIFY(!apiIssues.isEmpty());

    // `validate --json` on the same body.
    QProcess validate;
    validate.start(qEnvironmentVariable("INSIGHTS_DEBUGGER_EXE"),
                   {QStringLiteral("validate"), QStringLiteral("--json"), QStringLiteral("-")});
    validate.write(body);
    validate.closeWriteChannel();
    QVERIFY(validate.waitForFinished(30'000));
    const QJsonArray validateIssues = QJsonDocument::fromJson(validate.readAllStandardOutput())
                                          .object()
                                          .value(QLatin1String("events"))
                                          .toArray()
                                          .at(0)
                                          .toObject()
                                          .value(QLatin1String("issues"))
                                          .toArray();
    QCOMPARE(apiIssues, validateIssues);
    const QJsonObject first = apiIssues.at(0).toObject();
    QCOMPARE(first.value(QLatin1String("unverified")), QJsonValue(true));
    QCOMPARE(first.value(QLatin1String("event")), QJsonValue(0));
    QVERIFY(!first.contains(QLatin1String("unverifiedMessage")));

    // RunSource reads back what the API wrote: the same issues as the log holds.
    qint64 lastId = 0;
    const RunLoadResult run = RunSource::fromAutomationPage(page.body, lastId);
    QVERIFY2(run.error.isEmpty(), qPrintable(run.error));
    QCOMPARE(run.records.size(), 1);
    const QList<LogRecord> logged = opened.log->query(LogQuery{});
    QCOMPARE(logged.size(), 1);
    QCOMPARE(run.records.at(0).issues, logged.at(0).issues);
    QVERIFY(run.records.at(0).issues.at(0).unverifiedMessage);
    QCOMPARE(issuesToJson(logged.at(0).issues), apiIssues);
    endpoint.stop();
}

QTEST_MAIN(IssueShapeTest)
#include "tst_issueshape.moc"
