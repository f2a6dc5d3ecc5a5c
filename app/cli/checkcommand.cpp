#include "checkcommand.h"

#include "client/httptransport.h"
#include "datafolder/datafolder.h"
#include "endpoint/endpointhttp.h"
#include "endpoint/routehandler.h"
#include "log/eventlog.h"
#include "plan/plan.h"
#include "plan/planchecker.h"
#include "plan/planreport.h"
#include "plan/runsource.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QEventLoop>
#include <QSaveFile>
#include <QStandardPaths>
#include <QUrl>
#include <QUrlQuery>

#include <cstdio>
#include <utility>

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

// Every record of a running endpoint after `sinceId`, page by page through GET /debugger/events.
RunLoadResult fetchRun(const QUrl& base, qint64 sinceId)
{
    RunLoadResult result;
    HttpTransport transport; // the app's one HTTP client
    qint64 since = sinceId;
    for (;;) {
        QUrl url = base;
        url.setPath(base.path().chopped(base.path().endsWith(QLatin1Char('/')) ? 1 : 0) +
                    QStringLiteral("/debugger/events"));
        QUrlQuery query;
        query.addQueryItem(QStringLiteral("since"), QString::number(since));
        // Every kind, as from a data folder: the plan's checks read searches and refused requests too.
        query.addQueryItem(QStringLiteral("kind"), QStringLiteral("all"));
        query.addQueryItem(QStringLiteral("limit"), QString::number(kPageSize));
        url.setQuery(query);
        SendRequest request;
        request.method = QByteArrayLiteral("GET");
        request.url = url;
        request.timeoutMs = kRequestTimeoutMs;
        SendResult answer;
        QEventLoop loop;
        transport.execute(request, &loop, [&](const SendResult& result) {
            answer = result;
            loop.quit();
        });
        loop.exec();
        const int status = answer.httpStatus;
        if (status == 0) {
            result.error =
                QStringLiteral("cannot reach %1: %2").arg(url.toDisplayString(), answer.errorString);
            return result;
        }
        const QByteArray body = answer.body;
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

QList<CheckRecord> checkRecords(QList<LogRecord> records)
{
    QList<CheckRecord> out;
    out.reserve(records.size());
    for (const LogRecord& record : std::as_const(records))
        out.append(checkRecordFromLog(record));
    return out;
}

// Records after `sinceId`, read page by page on the calling (endpoint) thread.
QList<LogRecord> recordsSince(const EventLog& log, qint64 sinceId)
{
    QList<LogRecord> records;
    LogQuery query;
    query.sinceId = sinceId;
    query.limit = 10'000;
    for (;;) {
        const QList<LogRecord> page = log.query(query);
        records += page;
        if (page.size() < query.limit)
            return records;
        query.sinceId = page.constLast().id;
    }
}

QByteArray queryValue(QByteArrayView query, QByteArrayView name)
{
    for (const QByteArrayView pair : QByteArray(query.toByteArray()).split('&')) {
        const qsizetype equals = pair.indexOf('=');
        if (pair.first(equals < 0 ? pair.size() : equals) == name)
            return QByteArray::fromPercentEncoding(equals < 0 ? QByteArray()
                                                              : pair.sliced(equals + 1).toByteArray());
    }
    return {};
}

class ChecksRouteHandler final : public EndpointRouteHandler
{
public:
    ChecksRouteHandler(Plan plan, QList<std::shared_ptr<const IndexCatalog>> catalogs, const EventLog* log)
        : m_plan(std::move(plan))
        , m_catalogs(std::move(catalogs))
        , m_log(log)
    {}

    bool matches(QByteArrayView method, QByteArrayView path) const override
    {
        if (path.size() > 1 && path.endsWith('/'))
            path.chop(1);
        Q_UNUSED(method) // other methods get their 405 from handle()
        return path == "/debugger/checks";
    }

    bool isAutomationRoute() const override { return true; }

    void handle(EndpointRequest request, std::function<void(EndpointResponse)> respond) override
    {
        EndpointResponse response;
        if (request.method != "GET" && request.method != "HEAD") {
            response.status = 405;
            response.body = EndpointHttp::methodNotAllowedBody();
            response.headers.append({QByteArrayLiteral("Allow"), QByteArrayLiteral("GET")});
            respond(std::move(response));
            return;
        }
        bool ok = true;
        const QByteArray since = queryValue(request.query, "since");
        const qint64 sinceId = since.isEmpty() ? 0 : since.toLongLong(&ok);
        const QByteArray format = queryValue(request.query, "format");
        const QByteArray final = queryValue(request.query, "final");
        if (!ok || sinceId < 0 || (!format.isEmpty() && format != "json" && format != "junit") ||
            (!final.isEmpty() && final != "true" && final != "false")) {
            response.status = 400;
            response.body = EndpointHttp::statusBody(
                400, QStringLiteral("Use since=<id>, final=true|false and format=json|junit"));
            respond(std::move(response));
            return;
        }
        CheckOptions options;
        options.nowMs = QDateTime::currentMSecsSinceEpoch();
        options.runEnded = final == "true";
        options.catalogs = m_catalogs;
        const CheckReport report = checkPlan(m_plan, checkRecords(recordsSince(*m_log, sinceId)), options);
        if (format == "junit") {
            response.contentType = "application/xml; charset=utf-8";
            response.body = PlanReport::toJunit(report, options.nowMs);
        } else {
            response.body = PlanReport::toJson(report);
        }
        respond(std::move(response));
    }

private:
    const Plan m_plan;
    const QList<std::shared_ptr<const IndexCatalog>> m_catalogs;
    const EventLog* m_log;
};

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
    QCoreApplication::setApplicationName(QStringLiteral("insights-debugger"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Checks a run's events against an event plan (expected events, journeys, token rules) and gives a CI "
        "verdict. Exit status: 0 every check met, 1 something not met, 2 usage or I/O error."));
    parser.addHelpOption();
    const QCommandLineOption planOption(QStringLiteral("plan"), QStringLiteral("The plan file (JSON)."),
                                        QStringLiteral("FILE"));
    const QCommandLineOption dataDir(QStringLiteral("data-dir"),
                                     DataFolder::optionHelp() + QStringLiteral(" Its event log is checked."),
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
        const QString folder = parser.isSet(dataDir) ? parser.value(dataDir) : DataFolder::defaultPath();
        run = RunSource::loadDataFolder(folder, sinceId);
    }
    if (!run.error.isEmpty())
        return fail(run.error);

    const QList<CheckRecord> records = checkRecords(std::exchange(run.records, {}));

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

PlanChecksRoute makePlanChecksRoute(const QString& planPath, const QStringList& extraCatalogs,
                                    const EventLog* log)
{
    PlanChecksRoute route;
    PlanLoadResult loaded = PlanFile::load(planPath);
    if (!loaded.plan) {
        route.error = loaded.error;
        return route;
    }
    PlanFile::CatalogsLoad catalogs = PlanFile::loadCatalogs(*loaded.plan, extraCatalogs);
    if (!catalogs.error.isEmpty()) {
        route.error = catalogs.error;
        return route;
    }
    route.handler =
        std::make_shared<ChecksRouteHandler>(std::move(*loaded.plan), std::move(catalogs.catalogs), log);
    return route;
}
