#ifndef IQKIT_CNIFTI_H
#define IQKIT_CNIFTI_H
#include "znzlib.h"
#include <nifti/nifti2_io.h>

/* Reads the first bytes of a (possibly gzipped) file through znzlib so that
   the Swift side can validate a header before nifticlib allocates anything.
   Returns the number of bytes read, or -1 when the file cannot be opened. */
long iqkit_read_prefix(const char *path, int gz, void *buffer, long count);
#endif
