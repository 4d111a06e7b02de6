#ifndef IQKIT_CMALLOC_SHIM_H
#define IQKIT_CMALLOC_SHIM_H
/* glibc's allocator tuning (mallopt); part of libc, nothing to link. */
#if defined(__linux__)
#include <malloc.h>
#endif
#endif
