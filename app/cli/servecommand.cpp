#include "servecommand.h"

#include "checkcommand.h"

#include "catalog/indexcatalog.h"
#include "client/eventrelay.h"
#include "datafolder/datafolder.h"
#include "demo/storefrontroute.h"
#include "endpoint/embeddedendpoint.h"
#include "event/compatibilityprofile.h"
#include "event/eventcodec.h"
#include "log/eventlog.h"
#include "log/recordbuilder.h"
#include "search/searchservice.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QLocale>
#include <QSocketNotifier>
#include <QStandardPaths>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

namespace {

// Self-pipe: the signal handler only writes a byte; the event loop reads it and shuts down in order.
int g_signalPipe[2] = {-1, -1};

void onTerminationSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const ssize_t written = ::write(g_signalPipe[1], &byte, 1);
}

bool installSignalHandlers()
{
    if (::pipe2(g_signalPipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return false;
    struct sigaction action
    {
    };
    action.sa_handler = &onTerminationSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    return ::sigaction(SIGINT, &action, nullptr) == 0 && ::sigaction(SIGTERM, &action, nullptr) == 0;
}

struct ListenAddress
{
    QString host;
    quint16 port = 8421;
};

// "ADDR:PORT", "[v6]:PORT", ":PORT", "PORT" or "ADDR".
std::optional<ListenAddress> parseListen(const QString& text)
{
    ListenAddress result{QStringLiteral("127.0.0.1"), 8421};
    QString host = text;
    QString port;
    if (text.startsWith(QLatin1Char('['))) {
        const qsizetype close = text.indexOf(QLatin1Char(']'));
        if (close < 0)
            return std::nullopt;
        host = text.mid(1, close - 1);
        const QString rest = text.mid(close + 1);
        if (!rest.isEmpty() && !rest.startsWith(QLatin1Char(':')))
            return std::nullopt;
        port = rest.mid(1);
    } else if (const qsizetype colon = text.lastIndexOf(QLatin1Char(':')); colon >= 0) {
        if (text.count(QLatin1Char(':')) > 1)
            return std::nullopt; // a bare IPv6 address needs brackets
        host = text.left(colon);
        port = text.mid(colon + 1);
    } else if (!text.isEmpty() && text.front().isDigit() && !text.contains(QLatin1Char('.'))) {
        host.clear();
        port = text;
    }
    if (!host.isEmpty())
        result.host = host;
    if (!port.isEmpty()) {
        bool ok = false;
        const uint value = port.toUInt(&ok);
        if (!ok || value > 65535)
            return std::nullopt;
        result.port = static_cast<quint16>(value);
    }
    return result;
}

bool isLoopback(const QString& host)
{
    if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

QString firstError(const LogRecord& record)
{
    for (const Issue& issue : record.issues) {
        if (issue.isError())
            return issue.message;
    }
    // A valid event of a rejected batch: the batch's answer is the reason.
    return record.accepted ? QString() : QStringLiteral("(batch) ") + record.message;
}

QByteArray textLine(const LogRecord& record)
{
    const QString time =
        QDateTime::fromMSecsSinceEpoch(record.receivedAtMs, Qt::UTC).toString(Qt::ISODateWithMs);
    const auto orDash = [](const QString& value) { return value.isEmpty() ? QStringLiteral("-") : value; };
    if (record.kind == RecordKind::Request) // refused before any event was judged: what came, and why
        return (time + QLatin1Char(' ') + verdictPhrase(verdictOf(record)) + QLatin1Char(' ') +
                QString::number(record.httpStatus) + QLatin1Char(' ') + orDash(record.method) +
                QLatin1Char(' ') + orDash(record.path) + QStringLiteral(" \"") + record.message +
                QStringLiteral("\" why=\"") + firstError(record) + QStringLiteral("\"\n"))
            .toUtf8();
    QString line = time + QLatin1Char(' ') + verdictPhrase(verdictOf(record)) + QLatin1Char(' ') +
                   QString::number(record.httpStatus) + QLatin1Char(' ') + orDash(record.eventType) +
                   QStringLiteral(" \"") + record.eventName + QStringLiteral("\" index=") +
                   orDash(record.index) + QStringLiteral(" userToken=") + orDash(record.userToken);
    if (const QString error = firstError(record); !error.isEmpty())
        line += QStringLiteral(" error=\"") + error + QLatin1Char('"');
    return line.toUtf8() + '\n';
}

QByteArray jsonLine(const LogRecord& record)
{
    using EventCodec::jsonString;
    const QString time =
        QDateTime::fromMSecsSinceEpoch(record.receivedAtMs, Qt::UTC).toString(Qt::ISODateWithMs);
    const QString error = firstError(record);
    return "{\"id\":" + QByteArray::number(record.id) +
           ",\"kind\":" + jsonString(recordKindName(record.kind)) + ",\"time\":" + jsonString(time) +
           ",\"verdict\":" + jsonString(verdictKey(verdictOf(record))) +
           ",\"httpStatus\":" + QByteArray::number(record.httpStatus) +
           ",\"eventType\":" + jsonString(record.eventType) +
           ",\"eventName\":" + jsonString(record.eventName) + ",\"index\":" + jsonString(record.index) +
           ",\"userToken\":" + jsonString(record.userToken) +
           ",\"error\":" + (error.isEmpty() ? QByteArray("null") : jsonString(error)) +
           ",\"requestId\":" + jsonString(record.requestId) +
           ",\"source\":" + jsonString(eventSourceName(record.source)) +
           ",\"method\":" + jsonString(record.method) + ",\"path\":" + jsonString(record.path) +
           ",\"message\":" + jsonString(record.message) + "}\n";
}

int fail(const QString& message, int status = 2)
{
    std::fprintf(stderr, "insights-debugger serve: %s\n", qPrintable(message));
    return status;
}

// The required API key, from the first of: --api-key, --api-key-file, $ALGOLIA_API_KEY (11 §7: a command line
// is visible to every user of the machine in `ps`, a file or the environment is not). Empty when none.
struct RequiredKey
{
    QString key;
    QString error;
};
RequiredKey requiredApiKey(const QCommandLineParser& parser, const QCommandLineOption& flag,
                           const QCommandLineOption& file)
{
    if (parser.isSet(flag))
        return {parser.value(flag), {}};
    if (parser.isSet(file)) {
        QFile keyFile(parser.value(file));
        if (!keyFile.open(QIODevice::ReadOnly))
            return {{},
                    QStringLiteral("cannot read the API key file %1: %2")
                        .arg(parser.value(file), keyFile.errorString())};
        // The first line, without its line end: `echo KEY > file` and editors add one.
        const QString key = QString::fromUtf8(keyFile.readLine(4096)).trimmed();
        if (key.isEmpty())
            return {{}, QStringLiteral("the API key file %1 is empty").arg(parser.value(file))};
        return {key, {}};
    }
    return {qEnvironmentVariable("ALGOLIA_API_KEY").trimmed(), {}};
}

// "12:00:10 summary: 1,204 requests, 98,000 events (97,100 accepted, 900 rejected), 3 refused requests"
QByteArray summaryLine(const EndpointCounters& now, const EndpointCounters& before)
{
    const auto count = [](qint64 value) { return QLocale::c().toString(value); };
    QString line = QDateTime::currentDateTimeUtc().toString(QStringLiteral("HH:mm:ss")) +
                   QStringLiteral(" summary: +%1 requests, +%2 events (%3 accepted, %4 rejected)")
                       .arg(count(now.requests - before.requests), count(now.events - before.events),
                            count(now.accepted - before.accepted), count(now.rejected - before.rejected));
    if (const qint64 refused = now.refusedRequests - before.refusedRequests; refused > 0)
        line += QStringLiteral(", %1 requests refused before judging").arg(count(refused));
    line += QStringLiteral("; %1 events since start").arg(count(now.events));
    return line.toUtf8() + '\n';
}

} // namespace

int runServeCommand(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("insights-debugger"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Runs the embedded Insights-compatible endpoint headless: point search-insights (host option) or an "
        "Algolia API client (custom hosts) at it. Prints 'listening on URL' once ready, then a summary line "
        "every few seconds while requests arrive (one line per event with --log-events or --json)."));
    parser.addHelpOption();
    const QCommandLineOption listen(
        QStringLiteral("listen"),
        QStringLiteral("Address and port (default 127.0.0.1:8421; port 0 picks one)."),
        QStringLiteral("ADDR:PORT"), QStringLiteral("127.0.0.1:8421"));
    const QCommandLineOption dataDir(QStringLiteral("data-dir"), DataFolder::optionHelp(),
                                     QStringLiteral("DIR"));
    const QCommandLineOption profile(QStringLiteral("profile"),
                                     QStringLiteral("Compatibility profile: %1 (default current).")
                                         .arg(CompatibilityProfile::names().join(QLatin1String(", "))),
                                     QStringLiteral("NAME"), QStringLiteral("current"));
    const QCommandLineOption catalog(
        QStringLiteral("catalog"),
        QStringLiteral("Records file (JSON array or NDJSON with objectID) for the "
                       "'objectID not in the index' warning; repeatable."),
        QStringLiteral("FILE"));
    const QCommandLineOption appId(
        QStringLiteral("app-id"),
        QStringLiteral("Require this application ID and an API key (from --api-key-file, ALGOLIA_API_KEY or "
                       "--api-key); others get 401."),
        QStringLiteral("ID"));
    const QCommandLineOption apiKey(
        QStringLiteral("api-key"),
        QStringLiteral("Require this API key (prefer --api-key-file or ALGOLIA_API_KEY: a command line is "
                       "visible to other users)."),
        QStringLiteral("KEY"));
    const QCommandLineOption apiKeyFile(QStringLiteral("api-key-file"),
                                        QStringLiteral("Require the API key written in this file."),
                                        QStringLiteral("FILE"));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Print a line per event, as NDJSON."));
    const QCommandLineOption logEvents(QStringLiteral("log-events"),
                                       QStringLiteral("Print a line per event instead of a summary."));
    const QCommandLineOption quiet(QStringLiteral("quiet"),
                                   QStringLiteral("Print neither event lines nor summaries."));
    const QCommandLineOption summaryInterval(
        QStringLiteral("summary-interval"),
        QStringLiteral("Seconds between summary lines (default 10; printed only when requests arrived)."),
        QStringLiteral("SECONDS"), QStringLiteral("10"));
    const QCommandLineOption idleTimeout(
        QStringLiteral("idle-timeout"),
        QStringLiteral("Seconds before a silent client is dropped (default 30)."), QStringLiteral("SECONDS"),
        QStringLiteral("30"));
    const QCommandLineOption threads(
        QStringLiteral("threads"), QStringLiteral("HTTP worker threads (default: one per core, at most 4)."),
        QStringLiteral("N"), QStringLiteral("0"));
    const QCommandLineOption plan(
        QStringLiteral("plan"),
        QStringLiteral("Event plan checked by GET /debugger/checks (see check --help)."),
        QStringLiteral("FILE"));
    const QCommandLineOption search(
        QStringLiteral("search"),
        QStringLiteral(
            "Algolia's search routes: local (answered from --catalog records), relay (forwarded to "
            "the app's Algolia hosts) or off (default local)."),
        QStringLiteral("MODE"), QStringLiteral("local"));
    const QCommandLineOption searchHosts(
        QStringLiteral("search-hosts"),
        QStringLiteral("Relay to these base URLs, comma-separated, instead of Algolia's hosts (tests)."),
        QStringLiteral("URLS"));
    const QCommandLineOption relayEvents(
        QStringLiteral("relay-events"),
        QStringLiteral("Also forward the events received to Algolia's Insights API (us, de, global or a URL) "
                       "with the site's own credentials, and keep Algolia's answer beside the local verdict "
                       "(default: off)."),
        QStringLiteral("TARGET"));
    parser.addOptions({listen, dataDir, profile, catalog, appId, apiKey, apiKeyFile, json, logEvents, quiet,
                       summaryInterval, idleTimeout, threads, plan, search, searchHosts, relayEvents});
    parser.process(app);
    if (!parser.positionalArguments().isEmpty())
        return fail(
            QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().constFirst()));

    const auto address = parseListen(parser.value(listen));
    if (!address)
        return fail(QStringLiteral("--listen expects ADDR:PORT, e.g. 127.0.0.1:8421"));
    const RequiredKey key = requiredApiKey(parser, apiKey, apiKeyFile);
    if (!key.error.isEmpty())
        return fail(key.error);
    if (parser.isSet(apiKey) && parser.isSet(apiKeyFile))
        return fail(QStringLiteral("give the API key once: --api-key or --api-key-file"));
    if (parser.isSet(appId) && key.key.isEmpty())
        return fail(QStringLiteral("--app-id needs an API key: --api-key-file FILE, ALGOLIA_API_KEY or "
                                   "--api-key"));
    if (!parser.isSet(appId) && (parser.isSet(apiKey) || parser.isSet(apiKeyFile)))
        return fail(QStringLiteral("--app-id and --api-key go together"));
    if (!CompatibilityProfile::byName(parser.value(profile)))
        return fail(QStringLiteral("unknown profile '%1' (known: %2)")
                        .arg(parser.value(profile), CompatibilityProfile::names().join(QLatin1String(", "))));

    const std::optional<SearchMode> searchMode = searchModeFromName(parser.value(search));
    if (!searchMode)
        return fail(QStringLiteral("--search expects %1").arg(searchModeNames().join(QLatin1Char('|'))));

    QList<std::shared_ptr<const IndexCatalog>> catalogs;
    for (const QString& file : parser.values(catalog)) {
        IndexCatalog::LoadResult loaded = IndexCatalog::fromFile(file);
        if (!loaded.catalog)
            return fail(QStringLiteral("cannot read catalog %1: %2").arg(file, loaded.error));
        catalogs.append(std::make_shared<const IndexCatalog>(std::move(*loaded.catalog)));
    }

    std::optional<InsightsTarget> relayTarget;
    if (parser.isSet(relayEvents)) {
        relayTarget = InsightsTarget::parse(parser.value(relayEvents));
        if (!relayTarget || relayTarget->isEmbeddedEndpoint())
            return fail(QStringLiteral("--relay-events expects us, de, global or an http(s) URL"));
    }

    const DataFolder::Resolved folder = DataFolder::resolve(parser.value(dataDir));
    if (!folder.error.isEmpty())
        return fail(folder.error);
    EventLogOptions logOptions;
    logOptions.path = DataFolder::eventLogPath(folder.path);
    EventLog::OpenResult opened = EventLog::open(logOptions);
    if (!opened.log)
        return fail(QStringLiteral("cannot open the event log %1: %2").arg(logOptions.path, opened.error), 1);
    EventLog* log = opened.log.get();

    if (!installSignalHandlers())
        return fail(QStringLiteral("cannot install signal handlers"), 1);
    QSocketNotifier signalNotifier(g_signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&signalNotifier, &QSocketNotifier::activated, &app, [] {
        char buffer[16];
        while (::read(g_signalPipe[0], buffer, sizeof buffer) > 0) {
        }
        QCoreApplication::quit();
    });

    // Searches before the endpoint: it holds their route handlers until it is gone.
    SearchService searches(log);
    searches.setMode(*searchMode);
    searches.setCatalogs(catalogs);
    searches.setRelayHosts(parser.value(searchHosts).split(QLatin1Char(','), Qt::SkipEmptyParts));
    if (*searchMode != SearchMode::Off)
        searches.loadHistory();
    EmbeddedEndpoint endpoint(log);
    endpoint.setCatalogs(catalogs);
    for (const auto& handler : searches.routeHandlers())
        endpoint.addRouteHandler(handler);
    if (*searchMode != SearchMode::Off)
        endpoint.setSearchLookup(searches.lookup());
    if (*searchMode != SearchMode::Off) // clicks cited by later conversions, before their answer goes
        QObject::connect(&endpoint, &EmbeddedEndpoint::batchLogged, &searches,
                         &SearchService::noteLoggedBatch, Qt::DirectConnection);
    // The demo storefront (/demo/) for phones in the room, when there is a catalog to shop and a search to
    // answer it (issue 14 §4).
    if (!catalogs.isEmpty() && *searchMode == SearchMode::Local) {
        const QString storeIndex = catalogs.first()->indexName().isEmpty()
                                       ? QFileInfo(parser.values(catalog).first()).completeBaseName()
                                       : catalogs.first()->indexName();
        if (const std::shared_ptr<StorefrontRoute> store =
                StorefrontRoute::create(storeIndex, QStringLiteral("Demo store")))
            endpoint.addRouteHandler(store);
    }
    std::unique_ptr<EventRelay> relay;
    if (relayTarget) {
        relay = std::make_unique<EventRelay>(log, *relayTarget);
        EventRelay* forward = relay.get();
        endpoint.setEventRelay(
            [forward](const QString& relayAppId, const QString& relayKey, const QList<LogRecord>& records) {
                forward->relay(relayAppId, relayKey, records);
            });
    }
    if (parser.isSet(plan)) {
        const PlanChecksRoute route = makePlanChecksRoute(parser.value(plan), parser.values(catalog), log);
        if (!route.handler)
            return fail(route.error);
        endpoint.addRouteHandler(route.handler);
    }
    // A line per event costs the main thread a fifth of a core at full rate (issue 13 §6): only on request.
    const bool perEvent = !parser.isSet(quiet) && (parser.isSet(json) || parser.isSet(logEvents));
    QTimer summaryTimer;
    EndpointCounters lastSummary;
    const auto printSummary = [&endpoint, &lastSummary] {
        const EndpointCounters now = endpoint.counters();
        if (now.requests == lastSummary.requests)
            return;
        const QByteArray line = summaryLine(now, lastSummary);
        lastSummary = now;
        std::fwrite(line.constData(), 1, static_cast<size_t>(line.size()), stdout);
        std::fflush(stdout);
    };
    if (!parser.isSet(quiet) && !perEvent) {
        summaryTimer.setInterval(std::max(1, parser.value(summaryInterval).toInt()) * 1000);
        QObject::connect(&summaryTimer, &QTimer::timeout, &app, printSummary);
        summaryTimer.start();
    }
    if (perEvent) {
        const bool asJson = parser.isSet(json);
        QObject::connect(&endpoint, &EmbeddedEndpoint::recordsLogged, &app,
                         [asJson](const QList<LogRecord>& records) {
                             QByteArray out;
                             for (const LogRecord& record : records)
                                 out += asJson ? jsonLine(record) : textLine(record);
                             std::fwrite(out.constData(), 1, static_cast<size_t>(out.size()), stdout);
                             std::fflush(stdout);
                         });
    }

    EndpointOptions options;
    options.host = address->host;
    options.port = address->port;
    options.profileName = parser.value(profile);
    options.requiredAppId = parser.value(appId);
    options.requiredApiKey = parser.isSet(appId) ? key.key : QString();
    options.idleTimeoutSeconds = std::max(1, parser.value(idleTimeout).toInt());
    options.threads = std::clamp(parser.value(threads).toInt(), 0, 64);
    if (const auto error = endpoint.start(options))
        return fail(*error, 1);
    if (!isLoopback(address->host))
        std::fprintf(
            stderr,
            "insights-debugger serve: warning: listening on %s, reachable from other machines; anyone "
            "who can reach it can send events and read the event log\n",
            qPrintable(address->host));
    std::printf("listening on %s\n", qPrintable(endpoint.baseUrl()));
    if (relay)
        std::printf("relaying events to %s\n", qPrintable(relay->target().baseUrl({}).toString()));
    std::fflush(stdout);

    const int status = app.exec();
    endpoint.stop(); // finishes in-flight requests: every acknowledged event is committed
    log->flush();
    QCoreApplication::sendPostedEvents(); // print the events answered while stopping
    if (summaryTimer.isActive())
        printSummary(); // the last requests' summary
    return status;
}
