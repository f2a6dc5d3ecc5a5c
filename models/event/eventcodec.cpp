#include "eventcodec.h"
