#include "checkcommand.h"

#include "plan/plan.h"
#include "plan/planchecker.h"
#include "plan/planreport.h"
#include "plan/runsource.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSaveFile>
#include <QStandardPaths>
#include <QUrl>
#include <QUrlQuery>

#include <cstdio>

namespace {

constexpr int kExitPassed = 0;
constexpr int kExitNotMet = 1;
constexpr int kExitUsage = 2;
constexpr int kPageSize = 1000;           // the automation API's largest page
constexpr int kRequestTimeoutMs = 30'000; // per page: a stuck server must not hang a CI job

int fail(const QString& message)
{
    std::fprintf(stderr, "insights-debugger check: %s\n", qPrintable(message));
    return kExitUsage;
}

// Every event of a running endpoint after `sinceId`, page by page through GET /debugger/events.
RunLoadResult fetchRun(const QUrl& base, qint64 sinceId)
{
    RunLoadResult result;
    QNetworkAccessManager manager;
    qint64 since = sinceId;
    for (;;) {
        QUrl url = base;
        url.setPath(base.path().chopped(base.path().endsWith(QLatin1Char('/')) ? 1 : 0) +
                    QStringLiteral("/debugger/events"));
        QUrlQuery query;
        query.addQueryItem(QStringLiteral("since"), QString::number(since));
        query.addQueryItem(QStringLiteral("limit"), QString::number(kPageSize));
        url.setQuery(query);
        QNetworkRequest request(url);
        request.setTransferTimeout(kRequestTimeoutMs);
        QNetworkReply* reply = manager.get(request);
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (reply->error() != QNetworkReply::NoError && status == 0) {
            result.error =
                QStringLiteral("cannot reach %1: %2").arg(url.toDisplayString(), reply->errorString());
            return result;
        }
        const QByteArray body = reply->readAll();
        if (status != 200) {
            result.error = QStringLiteral("%1 answered %2: %3")
                               .arg(url.toDisplayString())
                               .arg(status)
                               .arg(QString::fromUtf8(body.left(200)));
            return result;
        }
        qint64 lastId = since;
        RunLoadResult page = RunSource::fromAutomationPage(body, lastId);
        if (!page.error.isEmpty()) {
            result.error = QStringLiteral("%1: %2").arg(url.toDisplayString(), page.error);
            return result;
        }
        result.records += page.records;
        if (page.records.size() < kPageSize || lastId <= since)
            return result;
        since = lastId;
    }
}

bool writeFile(const QString& path, const QByteArray& data, QString& error)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size() || !file.commit()) {
        error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace

int runCheckCommand(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    // The same names as the desktop app and serve: the same default data folder.
    QCoreApplication::setOrganizationName(QStringLiteral("insights-debugger"));
    QCoreApplication::setApplicationName(QStringLiteral("insights-debugger"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Checks a run's events against an event plan (expected events, journeys, token rules) and gives a CI "
        "verdict. Exit status: 0 every check met, 1 something not met, 2 usage or I/O error."));
    parser.addHelpOption();
    const QCommandLineOption planOption(QStringLiteral("plan"), QStringLiteral("The plan file (JSON)."),
                                        QStringLiteral("FILE"));
    const QCommandLineOption dataDir(
        QStringLiteral("data-dir"),
        QStringLiteral("Data folder whose event log is checked (default: the app's data folder)."),
        QStringLiteral("DIR"));
    const QCommandLineOption from(
        QStringLiteral("from"),
        QStringLiteral(
            "Base URL of a running endpoint (serve or the desktop app), read through its automation "
            "API, e.g. http://127.0.0.1:8421."),
        QStringLiteral("URL"));
    const QCommandLineOption since(
        QStringLiteral("since"), QStringLiteral("Check only the events with an id above ID (a run's start)."),
        QStringLiteral("ID"), QStringLiteral("0"));
    const QCommandLineOption junit(QStringLiteral("junit"),
                                   QStringLiteral("Also write the verdict as JUnit XML to FILE."),
                                   QStringLiteral("FILE"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the report as JSON."));
    const QCommandLineOption catalog(
        QStringLiteral("catalog"),
        QStringLiteral("Records file for objectIDsInCatalog, for every index (repeatable; the plan's "
                       "\"catalogs\" name them per index)."),
        QStringLiteral("FILE"));
    parser.addOptions({planOption, dataDir, from, since, junit, json, catalog});
    if (!parser.parse(QCoreApplication::arguments()))
        return fail(parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        return kExitPassed;
    }

    if (!parser.positionalArguments().isEmpty())
        return fail(
            QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().constFirst()));
    if (!parser.isSet(planOption))
        return fail(QStringLiteral("--plan FILE is required"));
    if (parser.isSet(dataDir) && parser.isSet(from))
        return fail(QStringLiteral("--data-dir and --from are alternatives: give one"));
    bool sinceOk = false;
    const qint64 sinceId = parser.value(since).toLongLong(&sinceOk);
    if (!sinceOk || sinceId < 0)
        return fail(QStringLiteral("--since expects an event id (a whole number >= 0)"));

    const PlanLoadResult loaded = PlanFile::load(parser.value(planOption));
    if (!loaded.plan)
        return fail(loaded.error);
    const PlanFile::CatalogsLoad catalogs = PlanFile::loadCatalogs(*loaded.plan, parser.values(catalog));
    if (!catalogs.error.isEmpty())
        return fail(catalogs.error);

    RunLoadResult run;
    if (parser.isSet(from)) {
        const QUrl url(parser.value(from), QUrl::StrictMode);
        if (!url.isValid() ||
            (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
            return fail(QStringLiteral("--from expects an http URL, e.g. http://127.0.0.1:8421"));
        run = fetchRun(url, sinceId);
    } else {
        const QString folder = parser.isSet(dataDir)
                                   ? parser.value(dataDir)
                                   : QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
        run = RunSource::loadDataFolder(folder, sinceId);
    }
    if (!run.error.isEmpty())
        return fail(run.error);

    QList<CheckRecord> records;
    records.reserve(run.records.size());
    for (const LogRecord& record : std::as_const(run.records))
        records.append(checkRecordFromLog(record));
    run.records.clear();

    CheckOptions options;
    options.nowMs = QDateTime::currentMSecsSinceEpoch();
    options.runEnded = true; // a CI verdict: what has not happened by now is not met
    options.catalogs = catalogs.catalogs;
    const CheckReport report = checkPlan(*loaded.plan, records, options);

    if (parser.isSet(junit)) {
        QString error;
        if (!writeFile(parser.value(junit), PlanReport::toJunit(report, options.nowMs), error))
            return fail(error);
    }
    const QByteArray out =
        parser.isSet(json) ? PlanReport::toJson(report) + '\n' : PlanReport::toText(report).toUtf8();
    std::fwrite(out.constData(), 1, static_cast<size_t>(out.size()), stdout);
    std::fflush(stdout);
    return report.passed() ? kExitPassed : kExitNotMet;
}
