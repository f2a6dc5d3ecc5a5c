#include "democommand.h"

#include "catalog/catalogset.h"
#include "catalog/indexcatalog.h"
#include "client/insightstarget.h"
#include "demo/demorunner.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFileInfo>

#include <cstdio>

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailures = 1;
constexpr int kExitUsage = 2;

int usageError(const QString& message)
{
    std::fprintf(stderr, "insights-debugger demo: %s\n", qPrintable(message));
    return kExitUsage;
}

QString mistakeList()
{
    QStringList names;
    for (const DemoMistake mistake : allDemoMistakes())
        names << demoMistakeName(mistake);
    return names.join(QStringLiteral(", "));
}

} // namespace

int runDemoCommand(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("insights-debugger"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Scripted demo shoppers: personas from the catalog search (with clickAnalytics, so events "
        "cite real queryIDs), click after search, view, add to cart, log in and purchase, sending "
        "searches and events to an endpoint. The API key is read from ALGOLIA_API_KEY."));
    parser.addHelpOption();
    const QCommandLineOption shoppers(QStringLiteral("shoppers"),
                                      QStringLiteral("how many shoppers (default 5)"), QStringLiteral("N"),
                                      QStringLiteral("5"));
    const QCommandLineOption rate(
        QStringLiteral("rate"), QStringLiteral("at most this many events a second (default: as they think)"),
        QStringLiteral("EVENTS_PER_S"), QStringLiteral("0"));
    const QCommandLineOption duration(
        QStringLiteral("duration"),
        QStringLiteral("run this many seconds, shoppers visiting again and again (default: 3 visits each)"),
        QStringLiteral("S"), QStringLiteral("0"));
    const QCommandLineOption seed(QStringLiteral("seed"), QStringLiteral("the journeys' seed (default 1)"),
                                  QStringLiteral("N"), QStringLiteral("1"));
    const QCommandLineOption speed(QStringLiteral("speed"),
                                   QStringLiteral("think faster: 1 (real time) to 100 (default 10)"),
                                   QStringLiteral("X"), QStringLiteral("10"));
    const QCommandLineOption to(
        QStringLiteral("to"),
        QStringLiteral("where events go: local (default), us, de, global or an http(s) URL"),
        QStringLiteral("TARGET"), QStringLiteral("local"));
    const QCommandLineOption localUrl(QStringLiteral("local-url"),
                                      QStringLiteral("where --to local finds the embedded endpoint"),
                                      QStringLiteral("URL"), QStringLiteral("http://127.0.0.1:8421"));
    const QCommandLineOption searchUrl(
        QStringLiteral("search-url"),
        QStringLiteral("where searches go (default: the embedded endpoint or the URL of --to; for Algolia "
                       "https://APPID-dsn.algolia.net)"),
        QStringLiteral("URL"));
    const QCommandLineOption mistakes(QStringLiteral("mistakes"),
                                      QStringLiteral("comma-separated mistakes to make: ") + mistakeList() +
                                          QStringLiteral(", or all"),
                                      QStringLiteral("LIST"));
    const QCommandLineOption catalogFile(
        QStringLiteral("catalog"),
        QStringLiteral("records to shop from (default: the bundled movies sample)"), QStringLiteral("FILE"));
    const QCommandLineOption index(
        QStringLiteral("index"),
        QStringLiteral("the index name (default: movies, or the catalog file's name)"),
        QStringLiteral("NAME"));
    const QCommandLineOption appId(QStringLiteral("app-id"),
                                   QStringLiteral("application ID (default DEMO for local endpoints; or "
                                                  "ALGOLIA_APP_ID)"),
                                   QStringLiteral("ID"));
    const QCommandLineOption quiet(QStringLiteral("quiet"),
                                   QStringLiteral("no line per action, only the summary"));
    parser.addOptions({shoppers, rate, duration, seed, speed, to, localUrl, searchUrl, mistakes, catalogFile,
                       index, appId, quiet});
    if (!parser.parse(QCoreApplication::arguments()))
        return usageError(parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        return kExitOk;
    }
    if (!parser.positionalArguments().isEmpty())
        return usageError(
            QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()));

    DemoRunOptions options;
    bool ok = false;
    options.shoppers = parser.value(shoppers).toInt(&ok);
    if (!ok || options.shoppers < 1 || options.shoppers > 1000)
        return usageError(QStringLiteral("--shoppers takes a number from 1 to 1000"));
    options.maxEventsPerSecond = parser.value(rate).toDouble(&ok);
    if (!ok || options.maxEventsPerSecond < 0)
        return usageError(QStringLiteral("--rate takes a number of events a second (0: no limit)"));
    options.durationSeconds = parser.value(duration).toInt(&ok);
    if (!ok || options.durationSeconds < 0)
        return usageError(QStringLiteral("--duration takes seconds (0: three visits per shopper)"));
    options.seed = parser.value(seed).toULongLong(&ok);
    if (!ok)
        return usageError(QStringLiteral("--seed takes a whole number"));
    options.speed = parser.value(speed).toDouble(&ok);
    if (!ok || options.speed < 1 || options.speed > 100)
        return usageError(QStringLiteral("--speed takes a number from 1 to 100"));
    if (parser.isSet(mistakes)) {
        for (const QString& name : parser.value(mistakes).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            if (name.trimmed() == u"all") {
                const QList<DemoMistake> all = allDemoMistakes();
                options.mistakes.unite(QSet<DemoMistake>(all.begin(), all.end()));
                continue;
            }
            const std::optional<DemoMistake> mistake = demoMistakeFromName(name.trimmed());
            if (!mistake)
                return usageError(
                    QStringLiteral("unknown mistake '%1' (known: %2)").arg(name.trimmed(), mistakeList()));
            options.mistakes.insert(*mistake);
        }
    }

    const std::optional<InsightsTarget> target = InsightsTarget::parse(parser.value(to));
    if (!target)
        return usageError(QStringLiteral("--to takes local, us, de, global or an http(s) URL, not '%1'")
                              .arg(parser.value(to)));
    ClientHosts hosts;
    hosts.local = QUrl(parser.value(localUrl));
    options.insightsBase = target->baseUrl(hosts);
    const QString environmentAppId = qEnvironmentVariable("ALGOLIA_APP_ID");
    const bool algolia = target->kind != TargetKind::Local && target->kind != TargetKind::Custom;
    if (parser.isSet(appId))
        options.appId = parser.value(appId);
    else if (!environmentAppId.isEmpty())
        options.appId = environmentAppId;
    else if (algolia)
        return usageError(QStringLiteral("--to %1 needs --app-id (or ALGOLIA_APP_ID)").arg(target->name()));
    const QString key = qEnvironmentVariable("ALGOLIA_API_KEY");
    if (!key.isEmpty())
        options.apiKey = key;
    else if (algolia)
        return usageError(QStringLiteral("--to %1 needs an API key in ALGOLIA_API_KEY").arg(target->name()));
    if (parser.isSet(searchUrl))
        options.searchBase = QUrl(parser.value(searchUrl));
    else if (algolia)
        options.searchBase = QUrl(QStringLiteral("https://%1-dsn.algolia.net").arg(options.appId.toLower()));
    else
        options.searchBase = options.insightsBase;
    if (!options.searchBase.isValid() || options.searchBase.scheme().isEmpty())
        return usageError(QStringLiteral("--search-url takes an http(s) URL"));

    IndexCatalog::LoadResult loaded;
    QString indexName = parser.value(index);
    if (parser.isSet(catalogFile)) {
        if (indexName.isEmpty())
            indexName = QFileInfo(parser.value(catalogFile)).completeBaseName();
        loaded = IndexCatalog::fromFile(parser.value(catalogFile), indexName);
    } else {
        if (indexName.isEmpty())
            indexName = CatalogSet::sampleIndexName();
        loaded = IndexCatalog::fromFile(CatalogSet::samplePath(), indexName);
    }
    if (!loaded.catalog)
        return usageError(QStringLiteral("cannot read the catalog: %1").arg(loaded.error));
    const IndexCatalog catalog = std::move(*loaded.catalog);

    DemoRunner runner(&catalog, options);
    if (!parser.isSet(quiet)) {
        QObject::connect(&runner, &DemoRunner::actionDone, &app, [](const QString& line) {
            std::fprintf(stdout, "%s\n", qPrintable(line));
            std::fflush(stdout);
        });
    }
    QObject::connect(&runner, &DemoRunner::finished, &app, &QCoreApplication::quit, Qt::QueuedConnection);
    if (const std::optional<QString> error = runner.start())
        return usageError(*error);
    app.exec();

    const DemoRunSummary& summary = runner.summary();
    std::fprintf(stdout,
                 "demo: %d shoppers, %lld searches (%lld failed), %lld events: %lld accepted, %lld rejected, "
                 "%lld failed; %lld logins; %.1f s\n",
                 summary.shoppers, static_cast<long long>(summary.searches),
                 static_cast<long long>(summary.searchesFailed), static_cast<long long>(summary.events),
                 static_cast<long long>(summary.accepted), static_cast<long long>(summary.rejected),
                 static_cast<long long>(summary.failed), static_cast<long long>(summary.logins),
                 static_cast<double>(summary.elapsedMs) / 1000.0);
    for (const DemoMistake mistake : allDemoMistakes()) {
        if (const qint64 count = summary.mistakes.value(mistake))
            std::fprintf(stdout, "  mistake %s: %lld events\n", qPrintable(demoMistakeName(mistake)),
                         static_cast<long long>(count));
    }
    if (!summary.firstFailure.isEmpty())
        std::fprintf(stderr, "insights-debugger demo: first failure: %s\n", qPrintable(summary.firstFailure));
    return summary.failed == 0 && summary.searchesFailed == 0 ? kExitOk : kExitFailures;
}
