/* Sizes as people write them in configs and on the command line, and back as people read them.
 *   counts (rows):  70M, 1.5k, 250000, 2G     decimal: k=1e3 M=1e6 G=1e9 T=1e12
 *   bytes:          8MiB, 1.5GiB, 32GB, 4096  KiB/MiB/GiB/TiB binary, KB/MB/GB/TB decimal, B
 *   sizes:          bytes, or a ratio of the output matrix: 2.0x
 *   percent:        90%  (stored as 0.90) */
#ifndef HW_SIZE_H
#define HW_SIZE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A peak, an expect or a budget: bytes, or a multiple of the output size. */
struct hw_size {
    bool is_ratio;
    double value;           /* ratio when is_ratio, else bytes */
};

/* Each returns 0, or -1 with a one-line reason in err ("expected a row count like 70M"). */
int hw_parse_count(const char *s, uint64_t *out, char *err, size_t errlen);
int hw_parse_bytes(const char *s, uint64_t *out, char *err, size_t errlen);
int hw_parse_size(const char *s, struct hw_size *out, char *err, size_t errlen);
int hw_parse_percent(const char *s, double *out, char *err, size_t errlen);

/* Resolve a size against the output size in bytes. */
double hw_size_bytes(const struct hw_size *sz, uint64_t output_bytes);

/* "1.50 GiB", "312.4 MiB", "812 B" into buf; returns buf. */
const char *hw_fmt_bytes(double bytes, char *buf, size_t len);
/* "1.2M", "70M", "250k" */
const char *hw_fmt_count(uint64_t n, char *buf, size_t len);
/* The same for a count read from a file (a double, maybe missing, negative or past 2^64):
 * "?" when it is no count at all, never an undefined cast. */
const char *hw_fmt_count_read(double v, char *buf, size_t len);
/* Whether v is a number a uint64_t can hold (0 <= v < 2^64): only then is the cast defined. */
bool hw_fits_u64(double v);

#endif
