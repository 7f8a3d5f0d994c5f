#include "numpy_env.h"
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>

/* Python's int() of a string: optional blanks, a sign, digits with single underscores
 * between them, blanks. */
static bool python_int(const char *s, long long *v)
{
    while (isspace((unsigned char)*s))
        s++;
    bool neg = *s == '-';
    if (*s == '+' || *s == '-')
        s++;
    if (!isdigit((unsigned char)*s))
        return false;
    long long n = 0;
    for (; isdigit((unsigned char)*s) || (*s == '_' && isdigit((unsigned char)s[1])); s++)
        if (*s != '_')
            n = n > (LLONG_MAX - 9) / 10 ? LLONG_MAX : n * 10 + (*s - '0');
    while (isspace((unsigned char)*s))
        s++;
    *v = neg ? -n : n;
    return *s == '\0';
}

int hw_numpy_hugepage_setting(bool *on, char *err, size_t len)
{
    const char *env = getenv("NUMPY_MADVISE_HUGEPAGE");
    if (env) {
        long long v;
        if (!python_int(env, &v)) {
            snprintf(err, len, "NUMPY_MADVISE_HUGEPAGE='%.64s' is not an integer (numpy's import "
                     "fails on it); set it to 0 or 1, or unset it", env);
            return -1;
        }
        *on = v != 0;
        return 0;
    }
    struct utsname u;
    unsigned major = 0, minor = 0;
    *on = uname(&u) == 0 && sscanf(u.release, "%u.%u", &major, &minor) == 2 &&
          (major > 4 || (major == 4 && minor >= 6));
    return 0;
}
