#ifndef IQKIT_CZLIB_SHIM_H
#define IQKIT_CZLIB_SHIM_H
#include <zlib.h>
#endif
