#include "diffcommand.h"

#include "plan/plan.h"
#include "plan/planchecker.h"
#include "plan/rundiff.h"
#include "plan/runsource.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>

namespace {

constexpr int kExitSame = 0;
constexpr int kExitDiffer = 1;
constexpr int kExitUsage = 2;

int fail(const QString& message)
{
    std::fprintf(stderr, "insights-debugger diff: %s\n", qPrintable(message));
    return kExitUsage;
}

} // namespace

int runDiffCommand(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Compares two runs, each an export (NDJSON, JSON or HAR) or a data folder: events by name and type, "
        "fields that appeared, vanished or became partial, and with --plan the checks (journeys first) met "
        "in "
        "one run and not the other. Exit status: 0 no difference, 1 the runs differ, 2 usage or I/O error."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("RUN_A"),
                                 QStringLiteral("The earlier run (export or data folder)."));
    parser.addPositionalArgument(QStringLiteral("RUN_B"),
                                 QStringLiteral("The later run (export or data folder)."));
    const QCommandLineOption planOption(QStringLiteral("plan"),
                                        QStringLiteral("Also compare the checks of this plan."),
                                        QStringLiteral("FILE"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the comparison as JSON."));
    parser.addOptions({planOption, json});
    if (!parser.parse(QCoreApplication::arguments()))
        return fail(parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        return kExitSame;
    }
    const QStringList runs = parser.positionalArguments();
    if (runs.size() != 2)
        return fail(QStringLiteral("give two runs: RUN_A RUN_B (exports or data folders)"));

    std::optional<Plan> plan;
    CheckOptions options;
    if (parser.isSet(planOption)) {
        PlanLoadResult loaded = PlanFile::load(parser.value(planOption));
        if (!loaded.plan)
            return fail(loaded.error);
        const PlanFile::CatalogsLoad catalogs = PlanFile::loadCatalogs(*loaded.plan);
        if (!catalogs.error.isEmpty())
            return fail(catalogs.error);
        options.catalogs = catalogs.catalogs;
        plan = std::move(loaded.plan);
    }
    QList<CheckRecord> records[2];
    for (int i = 0; i < 2; ++i) {
        const RunLoadResult run = RunSource::load(runs.at(i));
        if (!run.error.isEmpty())
            return fail(run.error);
        for (const LogRecord& record : run.records)
            records[i].append(checkRecordFromLog(record));
    }
    const RunDiff diff = diffRuns(records[0], records[1], plan ? &*plan : nullptr, options);
    const QByteArray out = parser.isSet(json) ? RunDiffReport::toJson(diff, runs.at(0), runs.at(1)) + '\n'
                                              : RunDiffReport::toText(diff, runs.at(0), runs.at(1)).toUtf8();
    std::fwrite(out.constData(), 1, static_cast<size_t>(out.size()), stdout);
    std::fflush(stdout);
    return diff.hasDifferences() ? kExitDiffer : kExitSame;
}
