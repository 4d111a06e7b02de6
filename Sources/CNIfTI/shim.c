#include "CNIfTI.h"

long iqkit_read_prefix(const char *path, int gz, void *buffer, long count) {
    znzFile fp = znzopen(path, "rb", gz);
    if (znz_isnull(fp)) return -1;
    long got = (long)znzread(buffer, 1, (size_t)count, fp);
    znzclose(fp);
    return got;
}
