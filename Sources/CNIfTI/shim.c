#include "CNIfTI.h"
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

long iqkit_read_prefix(const char *path, int gz, void *buffer, long count) {
    znzFile fp = znzopen(path, "rb", gz);
    if (znz_isnull(fp)) return -1;
    long got = (long)znzread(buffer, 1, (size_t)count, fp);
    znzclose(fp);
    return got;
}

int iqkit_write_bytes(const char *path, int gz, const void *buffer, long count) {
    return iqkit_write_header_and_data(path, gz ? 6 : 0, buffer, count, 0, NULL, 0);
}

/* The gzip fast path of iqkit_read_range: the whole file inflated at once
   by libdeflate (several times zlib's stream speed). It applies only to a
   single gzip member whose uncompressed size is exactly offset + count
   (what a .nii.gz holds); anything else (truncated, longer, several
   members, unreadable) returns -2 and the caller reads through znzlib,
   which reports such files as before. */
static long read_range_libdeflate(const char *path, long long offset, void *buffer, long count) {
    if (offset < 0 || count < 0) return -2;
    FILE *f = fopen(path, "rb");
    if (!f) return -2;
    long result = -2;
    unsigned char *in = NULL, *out = NULL;
    struct libdeflate_decompressor *d = NULL;
    /* ISIZE, the uncompressed size modulo 2^32, is the file's last 4 bytes:
       checked before the whole file is read, so a file for the stream
       path is not read twice. */
    unsigned char trailer[4];
    if (fseeko(f, -4, SEEK_END) != 0 || fread(trailer, 1, 4, f) != 4) goto done;
    off_t size = ftello(f);
    unsigned long long total = (unsigned long long)offset + (unsigned long long)count;
    unsigned long isize = (unsigned long)trailer[0] | ((unsigned long)trailer[1] << 8) | ((unsigned long)trailer[2] << 16) |
                          ((unsigned long)trailer[3] << 24);
    if (size < 18 || isize != (unsigned long)(total & 0xffffffffULL) || fseeko(f, 0, SEEK_SET) != 0) goto done;
    in = malloc((size_t)size);
    if (!in || fread(in, 1, (size_t)size, f) != (size_t)size) goto done;
    out = malloc((size_t)total);
    d = libdeflate_alloc_decompressor();
    if (!out || !d) goto done;
    size_t used = 0, produced = 0;
    if (libdeflate_gzip_decompress_ex(d, in, (size_t)size, out, (size_t)total, &used, &produced) != LIBDEFLATE_SUCCESS) goto done;
    if (used != (size_t)size || produced != (size_t)total) goto done;
    memcpy(buffer, out + offset, (size_t)count);
    result = count;
done:
    if (d) libdeflate_free_decompressor(d);
    free(out);
    free(in);
    fclose(f);
    return result;
}

long iqkit_read_range(const char *path, int gz, long long offset, void *buffer, long count) {
    if (gz) {
        long fast = read_range_libdeflate(path, offset, buffer, count);
        if (fast >= 0) return fast;
    }
    znzFile fp = znzopen(path, "rb", gz);
    if (znz_isnull(fp)) return -1;
    if (offset > 0 && znzseek(fp, (znz_off_t)offset, SEEK_SET) < 0) {
        znzclose(fp);
        return -1;
    }
    long total = 0;
    char *out = (char *)buffer;
    while (total < count) {
        /* znzread takes size_t but gzread an unsigned int: read in 1 GiB steps. */
        long step = count - total > (1L << 30) ? (1L << 30) : count - total;
        size_t got = znzread(out + total, 1, (size_t)step, fp);
        if (got == 0) break;
        total += (long)got;
    }
    znzclose(fp);
    return total;
}

static int write_all(znzFile fp, const void *buffer, long count) {
    const char *p = (const char *)buffer;
    long done = 0;
    while (done < count) {
        long step = count - done > (1L << 30) ? (1L << 30) : count - done;
        size_t put = znzwrite(p + done, 1, (size_t)step, fp);
        if (put == 0) return -1;
        done += (long)put;
    }
    return 0;
}

int iqkit_write_header_and_data(const char *path, int gz, const void *header, long header_size, int single,
                                const void *data, long data_size) {
    /* gz: 0 plain, 1–9 the gzip level (zlib's default is 6). */
    char mode[4] = {'w', 'b', 0, 0};
    if (gz > 0 && gz <= 9) mode[2] = (char)('0' + gz);
    znzFile fp = znzopen(path, mode, gz != 0);
    if (znz_isnull(fp)) return -1;
    const char extension[4] = {0, 0, 0, 0};
    int status = write_all(fp, header, header_size);
    if (status == 0 && single) status = write_all(fp, extension, 4);
    if (status == 0 && data_size > 0) status = write_all(fp, data, data_size);
    if (Xznzclose(&fp) != 0) status = -1;
    return status;
}
