#include "indexcatalog.h"
