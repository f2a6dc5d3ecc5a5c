#pragma once

#include <QStringList>

// `insights-debugger serve`: the embedded endpoint without a window. Owns its QCoreApplication.
int runServeCommand(int argc, char** argv);
