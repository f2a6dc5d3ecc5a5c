#include "compatibilityprofile.h"
