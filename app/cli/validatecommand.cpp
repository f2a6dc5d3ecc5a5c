#include "validatecommand.h"

int runValidateCommand(int, char**)
{
    return 2;
}
