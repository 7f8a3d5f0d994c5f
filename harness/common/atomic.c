#include "atomic.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* PATH.XXXXXX, created O_EXCL by mkostemp: never an existing file, never through a symlink. */
static int make_temp(const char *path, char *tmp, size_t len)
{
    if ((size_t)snprintf(tmp, len, "%s.XXXXXX", path) >= len) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return mkostemp(tmp, O_CLOEXEC);
}

int hw_atomic_write(const char *path, hw_write_fn fn, const void *ctx, char *err, size_t len)
{
    char tmp[PATH_MAX + 8], why[512] = "";
    FILE *f = NULL;
    int rc = -1, fd = make_temp(path, tmp, sizeof tmp);
    if (fd < 0) {
        snprintf(err, len, "%s: cannot write: %s; choose a writable path", path, strerror(errno));
        return -1;
    }
    /* mkstemp makes 0600; results are for reading by others (CI artifacts, a web server). */
    if (fchmod(fd, 0644) != 0 || !(f = fdopen(fd, "w"))) {
        snprintf(err, len, "%s: cannot write: %s; choose a writable path", path, strerror(errno));
        close(fd);
        goto out;
    }
    if (fn(f, ctx, why, sizeof why) != 0) {
        snprintf(err, len, "%s: %s", path, why);
        goto out;
    }
    /* fsync before rename: after a crash the name holds the old file or the whole new one. */
    if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0) {
        snprintf(err, len, "%s: writing failed: %s; free some space or choose another path", path,
                 strerror(errno ? errno : EIO));
        goto out;
    }
    int e = fclose(f);
    f = NULL;
    if (e != 0) {
        snprintf(err, len, "%s: writing failed: %s; free some space or choose another path", path,
                 strerror(errno));
        goto out;
    }
    if (rename(tmp, path) != 0) {
        snprintf(err, len, "%s: cannot rename %s into place: %s", path, tmp, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (f)
        fclose(f);
    if (rc != 0)
        unlink(tmp);
    return rc;
}

struct text { const char *p; size_t n; };

static int put_text(FILE *f, const void *ctx, char *err, size_t len)
{
    const struct text *t = ctx;
    if (fwrite(t->p, 1, t->n, f) != t->n) {
        snprintf(err, len, "writing failed: %s; free some space or choose another path", strerror(errno));
        return -1;
    }
    return 0;
}

int hw_atomic_write_text(const char *path, const char *text, size_t n, char *err, size_t len)
{
    struct text t = {text, n};
    return hw_atomic_write(path, put_text, &t, err, len);
}

int hw_path_check(const char *flag, const char *path, char *err, size_t len)
{
    char dir[PATH_MAX], tmp[PATH_MAX + 8];
    struct stat st;
    if (!path[0] || (size_t)snprintf(dir, sizeof dir, "%s", path) >= sizeof dir) {
        snprintf(err, len, "%s '%s': expected a file name such as out/report.json", flag, path);
        return -1;
    }
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        dir[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, len, "%s %s: directory %s does not exist; create it or choose another path",
                 flag, path, dir);
        return -1;
    }
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, len, "%s %s: is a directory; give a file name such as %s/report.json", flag,
                 path, path);
        return -1;
    }
    int fd = make_temp(path, tmp, sizeof tmp);
    if (fd < 0) {
        snprintf(err, len, "%s %s: cannot write there: %s; choose another path", flag, path,
                 strerror(errno));
        return -1;
    }
    close(fd);
    unlink(tmp);
    return 0;
}
