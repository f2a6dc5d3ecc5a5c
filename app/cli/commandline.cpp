#include "commandline.h"

#include "checkcommand.h"
#include "democommand.h"
#include "diffcommand.h"
#include "sendcommand.h"
#include "servecommand.h"
#include "validatecommand.h"

#include "datafolder/datafolder.h"

#include <QByteArray>

#include <cstdio>
#include <cstring>

namespace {

constexpr const char* kUsageHead =
    "Usage: insights-debugger [COMMAND] [OPTIONS]\n"
    "\n"
    "Without a command, the desktop window starts (embedded endpoint on, sample data loaded).\n"
    "Desktop options: --data-dir DIR, --port N (0 = any free port), --screenshot FILE (PNG, then exit)\n"
    "  [--size WxH (default 1366x768)] [--theme light|dark].\n";

constexpr const char* kUsageCommands =
    "\n"
    "Commands:\n"
    "  validate FILE|-   judge a request body, a single event or NDJSON as Algolia would\n"
    "  serve             run the embedded Insights-compatible endpoint headless\n"
    "  send FILE|-       send events to the embedded endpoint or to Algolia\n"
    "  check --plan FILE check a run's events against an event plan (CI verdict, JUnit)\n"
    "  diff RUN_A RUN_B  compare two runs (exports or data folders)\n"
    "  demo              scripted shoppers searching and sending events to an endpoint\n"
    "  help              show this help\n"
    "  version           show the version\n"
    "\n"
    "Run 'insights-debugger COMMAND --help' for a command's options.\n";

QByteArray usage()
{
    return QByteArray(kUsageHead) +
           "--data-dir, for the desktop, serve and send: " + DataFolder::optionHelp().toUtf8() + '\n' +
           kUsageCommands;
}

} // namespace

std::optional<int> runCommandLine(int argc, char** argv)
{
    if (argc < 2 || argv[1][0] == '-') {
        if (argc >= 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
            std::fputs(usage().constData(), stdout);
            return 0;
        }
        if (argc >= 2 && std::strcmp(argv[1], "--version") == 0) {
            std::printf("insights-debugger %s\n", INSIGHTS_VERSION);
            return 0;
        }
        return std::nullopt; // desktop window, possibly with options such as --screenshot
    }
    const char* command = argv[1];
    // Each command sees its own name as argv[0], so QCommandLineParser's help reads naturally.
    if (std::strcmp(command, "validate") == 0)
        return runValidateCommand(argc - 1, argv + 1);
    if (std::strcmp(command, "serve") == 0)
        return runServeCommand(argc - 1, argv + 1);
    if (std::strcmp(command, "send") == 0)
        return runSendCommand(argc - 1, argv + 1);
    if (std::strcmp(command, "check") == 0)
        return runCheckCommand(argc - 1, argv + 1);
    if (std::strcmp(command, "diff") == 0)
        return runDiffCommand(argc - 1, argv + 1);
    if (std::strcmp(command, "demo") == 0)
        return runDemoCommand(argc - 1, argv + 1);
    if (std::strcmp(command, "help") == 0) {
        std::fputs(usage().constData(), stdout);
        return 0;
    }
    if (std::strcmp(command, "version") == 0) {
        std::printf("insights-debugger %s\n", INSIGHTS_VERSION);
        return 0;
    }
    std::fprintf(stderr, "insights-debugger: unknown command '%s'\n\n%s", command, usage().constData());
    return 2;
}
