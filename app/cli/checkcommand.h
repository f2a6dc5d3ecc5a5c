#pragma once

#include <QString>

#include <memory>
#include <optional>

class EndpointRouteHandler;
class EventLog;
struct Plan;

// `insights-debugger check --plan FILE [--data-dir DIR | --from URL] [--since ID] [--junit FILE] [--json]`:
// a run's events against an event plan, as a CI verdict. Exit 0 all met, 1 something not met, 2 usage or
// I/O error.
int runCheckCommand(int argc, char** argv);

struct PlanChecksRoute
{
    std::shared_ptr<EndpointRouteHandler> handler; // set on success
    QString error;                                 // the plan or one of its catalogs cannot be read
};
// `serve --plan FILE`: GET /debugger/checks on the endpoint (an automation route: loopback Host/Origin only)
// answers the plan's check of the log, as `check --json` prints it. Query: since=ID (events after it),
// final=true (judge the run as over: what is missing is not met, as `check` does; default: live, so open
// windows are pending), format=junit (the JUnit XML `check --junit` writes). `log` must outlive the handler.
PlanChecksRoute makePlanChecksRoute(const QString& planPath, const QStringList& extraCatalogs,
                                    const EventLog* log);
