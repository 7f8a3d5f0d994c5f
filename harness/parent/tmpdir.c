#include "tmpdir.h"
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A worker writes files, never directories, into its run directory. */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char p[PATH_MAX + 256];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

int hw_tmpdir_make(const char *under, char *dir, size_t dirlen, char *err, size_t errlen)
{
    if ((size_t)snprintf(dir, dirlen, "%s/highwater-%d-XXXXXX", under, (int)getpid()) >= dirlen ||
        !mkdtemp(dir)) {
        snprintf(err, errlen, "cannot create a run directory under %s: %s; set run.tmpdir", under,
                 strerror(errno));
        dir[0] = '\0';
        return -1;
    }
    return 0;
}

void hw_tmpdir_drop(char *dir)
{
    if (dir[0])
        remove_tree(dir);
    dir[0] = '\0';
}
