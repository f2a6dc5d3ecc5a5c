#pragma once

// `insights-debugger send`: send events from a file or standard input. Owns its QCoreApplication.
int runSendCommand(int argc, char** argv);
