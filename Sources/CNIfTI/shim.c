#include "CNIfTI.h"

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

long iqkit_read_range(const char *path, int gz, long long offset, void *buffer, long count) {
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
