#include "servecommand.h"

#include <cstdio>

int runServeCommand(int, char**)
{
    std::fputs("insights-debugger: serve is not available in this build yet\n", stderr);
    return 2;
}
