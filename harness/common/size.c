/* Sizes as people write them, parsed strictly: a plain decimal (no sign, exponent, inf or
 * nan: strtod would take all of those, and "1e3k" or "inf" in a config is a typo, not a
 * size), then exactly one known unit. Counts are computed in integers, so 1.1k is 1100 and
 * not 1100.0000000000002, and a fraction of a row is an error rather than a rounding. */
#include "size.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Results stay below 2^63 so that every size also fits an int64 (JSON, off_t, ssize_t). */
#define SIZE_LIMIT ((uint64_t)INT64_MAX)
/* Fraction digits kept; more cannot change a byte count and only matter for "is it whole". */
#define FRAC_KEEP 18

struct decimal {
    uint64_t whole;
    uint64_t frac;          /* the first frac_digits digits after the point */
    unsigned frac_digits;
    bool frac_lost;         /* a non-zero digit beyond FRAC_KEEP */
    bool overflow;          /* the whole part alone passes 2^64 */
};

struct unit {
    const char *suffix;
    uint64_t mult;
};

static const struct unit count_units[] = {
    {"", 1}, {"k", 1000}, {"K", 1000}, {"M", 1000000}, {"G", 1000000000},
    {"T", 1000000000000}, {NULL, 0},
};

static const struct unit byte_units[] = {
    {"", 1}, {"B", 1},
    {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30}, {"TiB", 1ull << 40},
    {"KB", 1000}, {"kB", 1000}, {"MB", 1000000}, {"GB", 1000000000}, {"TB", 1000000000000},
    {NULL, 0},
};

static const char *const count_what = "a row count like 70M or 250k";
static const char *const count_whole_what = "a whole row count like 70M or 1.5k";
static const char *const bytes_what = "a byte size like 1.5GiB, 512MiB or 4096";
static const char *const size_what = "a size like 2.0x (times the output) or 1.5GiB";
static const char *const percent_what = "a percentage like 90%";

/* Why a text is not a size; the caller words the expectation, this adds the detail. */
enum verdict { SIZE_OK, SIZE_BAD, SIZE_NEGATIVE, SIZE_NOT_WHOLE, SIZE_TOO_LARGE, SIZE_ZERO };

static const char *const verdict_detail[] = {
    [SIZE_NEGATIVE] = "negative", [SIZE_TOO_LARGE] = "more than 2^63",
    [SIZE_ZERO] = "must be more than 0",
};

/* Echo the user's text, shortened: a pasted paragraph must not swamp the message. */
static int fail(char *err, size_t errlen, const char *what, const char *s, enum verdict v)
{
    const char *detail = verdict_detail[v];

    if (!err || errlen == 0)
        return -1;
    if (!*s)
        snprintf(err, errlen, "expected %s, got nothing", what);
    else
        snprintf(err, errlen, "expected %s, got '%.64s%s'%s%s%s", what, s,
                 strlen(s) > 64 ? "..." : "", detail ? " (" : "", detail ? detail : "",
                 detail ? ")" : "");
    return -1;
}

/* Digits, optionally '.' and digits (at least one digit in all). Returns the end, or NULL. */
static const char *scan_decimal(const char *s, struct decimal *d)
{
    const char *p = s;
    bool any = false;

    memset(d, 0, sizeof *d);
    for (; *p >= '0' && *p <= '9'; p++, any = true) {
        unsigned digit = (unsigned)(*p - '0');
        if (d->whole > (UINT64_MAX - digit) / 10)
            d->overflow = true;
        else
            d->whole = d->whole * 10 + digit;
    }
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++, any = true) {
            if (d->frac_digits < FRAC_KEEP) {
                d->frac = d->frac * 10 + (uint64_t)(*p - '0');
                d->frac_digits++;
            } else if (*p != '0') {
                d->frac_lost = true;
            }
        }
    }
    if (!any)
        return NULL;
    while (d->frac_digits > 0 && d->frac % 10 == 0) {
        d->frac /= 10;
        d->frac_digits--;
    }
    return p;
}

static const struct unit *find_unit(const struct unit *units, const char *suffix)
{
    /* "1.50 GiB" is how hw_fmt_bytes writes it, so it must read back; a bare number may
     * not end in a space. */
    if (*suffix == ' ') {
        while (*suffix == ' ')
            suffix++;
        if (!*suffix)
            return NULL;
    }
    for (const struct unit *u = units; u->suffix; u++)
        if (strcmp(u->suffix, suffix) == 0)
            return u;
    return NULL;
}

static uint64_t pow10u(unsigned n)
{
    uint64_t v = 1;
    while (n--)
        v *= 10;
    return v;
}

/* whole * mult + part, or false when that passes SIZE_LIMIT. */
static bool scale(uint64_t whole, uint64_t mult, uint64_t part, uint64_t *out)
{
    if (whole > SIZE_LIMIT / mult)
        return false;
    whole *= mult;
    if (part > SIZE_LIMIT - whole)
        return false;
    *out = whole + part;
    return true;
}

/* Number and unit. whole_only: the units are powers of ten and a fraction of one is an
 * error (rows); otherwise the fraction is rounded to the nearest unit (bytes). */
static enum verdict scan_scaled(const char *s, const struct unit *units, bool whole_only,
                                uint64_t *out)
{
    struct decimal d;
    const char *end;
    const struct unit *u;
    uint64_t part = 0;

    if (*s == '-')
        return SIZE_NEGATIVE;
    end = scan_decimal(s, &d);
    u = end ? find_unit(units, end) : NULL;
    if (!u)
        return SIZE_BAD;
    if (whole_only) {
        /* mult is 10^k: the fraction, trailing zeros stripped, is whole iff it has at
         * most k digits. */
        unsigned k = 0;
        for (uint64_t m = u->mult; m > 1; m /= 10)
            k++;
        if (d.frac_lost || d.frac_digits > k)
            return SIZE_NOT_WHOLE;
        part = d.frac * pow10u(k - d.frac_digits);
    } else if (d.frac_digits > 0) {
        part = (uint64_t)llround((double)d.frac / (double)pow10u(d.frac_digits) *
                                 (double)u->mult);
    }
    if (d.overflow || !scale(d.whole, u->mult, part, out))
        return SIZE_TOO_LARGE;
    return SIZE_OK;
}

int hw_parse_count(const char *s, uint64_t *out, char *err, size_t errlen)
{
    enum verdict v = scan_scaled(s, count_units, true, out);
    if (v == SIZE_NOT_WHOLE)
        return fail(err, errlen, count_whole_what, s, SIZE_BAD);
    return v == SIZE_OK ? 0 : fail(err, errlen, count_what, s, v);
}

int hw_parse_bytes(const char *s, uint64_t *out, char *err, size_t errlen)
{
    enum verdict v = scan_scaled(s, byte_units, false, out);
    return v == SIZE_OK ? 0 : fail(err, errlen, bytes_what, s, v);
}

/* A plain decimal followed by exactly one mark character ('x', '%'). */
static enum verdict scan_marked(const char *s, const char *marks, double *out)
{
    struct decimal d;
    const char *end;

    if (*s == '-')
        return SIZE_NEGATIVE;
    end = scan_decimal(s, &d);
    if (!end || !*end || !strchr(marks, *end) || end[1])
        return SIZE_BAD;
    /* The scan vouched for the syntax, so strtod reads exactly those digits. */
    *out = strtod(s, NULL);
    return isfinite(*out) ? SIZE_OK : SIZE_TOO_LARGE;
}

int hw_parse_size(const char *s, struct hw_size *out, char *err, size_t errlen)
{
    size_t n = strlen(s);
    struct hw_size sz = {0};
    enum verdict v;

    if (n > 0 && (s[n - 1] == 'x' || s[n - 1] == 'X')) {
        sz.is_ratio = true;
        v = scan_marked(s, "xX", &sz.value);
    } else {
        uint64_t bytes = 0;
        v = scan_scaled(s, byte_units, false, &bytes);
        sz.value = (double)bytes;
    }
    /* A peak, an expect or a budget of nothing is always a mistake. */
    if (v == SIZE_OK && !(sz.value > 0))
        v = SIZE_ZERO;
    if (v != SIZE_OK)
        return fail(err, errlen, size_what, s, v);
    *out = sz;
    return 0;
}

int hw_parse_percent(const char *s, double *out, char *err, size_t errlen)
{
    double v = 0;
    enum verdict r = scan_marked(s, "%", &v);
    if (r != SIZE_OK)
        return fail(err, errlen, percent_what, s, r);
    *out = v / 100.0;
    return 0;
}

double hw_size_bytes(const struct hw_size *sz, uint64_t output_bytes)
{
    return sz->is_ratio ? sz->value * (double)output_bytes : sz->value;
}

const char *hw_fmt_bytes(double bytes, char *buf, size_t len)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    const size_t nunits = sizeof units / sizeof units[0];
    double v = fabs(bytes);
    const char *sign = bytes < 0 ? "-" : "";
    size_t u = 0;

    if (!isfinite(bytes)) {
        snprintf(buf, len, "%g B", bytes);
        return buf;
    }
    if (v < 1024) {
        snprintf(buf, len, "%s%.0f B", sign, v);
        return buf;
    }
    /* Move up while the rounded figure would read 1024.0 or more. */
    while (u + 1 < nunits && v >= 1024 - 0.05) {
        v /= 1024;
        u++;
    }
    snprintf(buf, len, v < 9.995 ? "%s%.2f %s" : "%s%.1f %s", sign, v, units[u]);
    return buf;
}

const char *hw_fmt_count(uint64_t n, char *buf, size_t len)
{
    static const struct { uint64_t mult; const char *suffix; } units[] = {
        {1000000000000, "T"}, {1000000000, "G"}, {1000000, "M"}, {1000, "k"},
    };

    if (n < 1000) {
        snprintf(buf, len, "%llu", (unsigned long long)n);
        return buf;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        uint64_t m = units[i].mult;
        double v = (double)n / (double)m;
        if (n < m)
            continue;
        if (n % m == 0)
            snprintf(buf, len, "%llu%s", (unsigned long long)(n / m), units[i].suffix);
        else if (v < 99.95)
            snprintf(buf, len, "%.1f%s", v, units[i].suffix);
        else if (v < 999.5 || i == 0)
            snprintf(buf, len, "%.0f%s", v, units[i].suffix);
        else /* 999.6k reads better as 1.0M */
            snprintf(buf, len, "%.1f%s", v / 1000, units[i - 1].suffix);
        return buf;
    }
    return buf; /* not reached: n >= 1000 matches "k" */
}

bool hw_fits_u64(double v) { return v >= 0 && v < 18446744073709551616.0; }

const char *hw_fmt_count_read(double v, char *buf, size_t len)
{
    if (!hw_fits_u64(v)) {
        snprintf(buf, len, "?");
        return buf;
    }
    return hw_fmt_count((uint64_t)v, buf, len);
}
