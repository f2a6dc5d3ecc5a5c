#pragma once

// `insights-debugger diff RUN_A RUN_B [--plan FILE] [--json]`: two runs (exports or data folders) compared,
// the regression report after a release. Exit 0 no difference, 1 the runs differ, 2 usage or I/O error.
int runDiffCommand(int argc, char** argv);
