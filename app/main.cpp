#include "cli/commandline.h"
#include "main/desktopapp.h"

int main(int argc, char** argv)
{
    if (const auto status = runCommandLine(argc, argv))
        return *status;
    return runDesktopApp(argc, argv);
}
