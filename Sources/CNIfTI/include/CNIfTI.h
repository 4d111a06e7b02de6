#ifndef IQKIT_CNIFTI_H
#define IQKIT_CNIFTI_H
#include "znzlib.h"
#include <nifti/nifti2_io.h>

/* Reads the first bytes of a (possibly gzipped) file through znzlib so that
   the Swift side can validate a header before nifticlib allocates anything.
   Returns the number of bytes read, or -1 when the file cannot be opened. */
long iqkit_read_prefix(const char *path, int gz, void *buffer, long count);

/* Reads count bytes from byte offset of a (possibly gzipped) file. Returns
   the number of bytes read (short when the file ends early), -1 when the
   file cannot be opened or the offset cannot be reached. */
long iqkit_read_range(const char *path, int gz, long long offset, void *buffer, long count);

/* Writes bytes to a file, gzip-compressed when gz != 0 (znzlib). Used by
   tests to craft malformed files. Returns 0 on success, -1 on failure. */
int iqkit_write_bytes(const char *path, int gz, const void *buffer, long count);

/* Writes a header (plus the 4-byte empty extension flag when single != 0)
   followed by the voxel bytes, to one file; gzip at level gz (1–9) when
   gz != 0. Returns 0 on
   success, -1 on failure. nifticlib 3.0.1's own writer cannot write
   single-file NIfTI-2, so iqkit encodes headers with nifticlib and writes
   the bytes itself. */
int iqkit_write_header_and_data(const char *path, int gz, const void *header, long header_size, int single,
                                const void *data, long data_size);
#endif
