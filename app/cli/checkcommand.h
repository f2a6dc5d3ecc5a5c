#pragma once

// `insights-debugger check --plan FILE [--data-dir DIR | --from URL] [--since ID] [--junit FILE] [--json]`:
// a run's events against an event plan, as a CI verdict. Exit 0 all met, 1 something not met, 2 usage or
// I/O error.
int runCheckCommand(int argc, char** argv);
