#pragma once

#include <optional>

// The headless commands of insights-debugger. Returns the process exit status when argv names a command
// (validate, serve, send, check, diff, help, version), or nothing when the desktop window should start
// instead.
std::optional<int> runCommandLine(int argc, char** argv);
