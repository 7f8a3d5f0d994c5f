/* The helper workers' results kept on disk between runs: the calibration once per host and
 * boot, the reference once per dataset, output dtype and build. A run otherwise spends its
 * first seconds measuring a machine it measured a minute ago and recomputing medians and a
 * checksum that depend only on the config and the code (README, "Calibration and reference
 * caches", has the times measured here).
 *
 * One JSON file per key, named by the key's sha256, in the cache directory: HW_CACHE_DIR when
 * set, else $XDG_CACHE_HOME/highwater (when absolute, as the XDG spec asks), else
 * $HOME/.cache/highwater. Each file holds its whole key as a string, compared exactly on load,
 * so a hash collision or a file copied under another name is a miss, never a wrong answer.
 * Written through hw_atomic_write: a reader sees a whole file or none; two runs writing one key
 * at once each rename a whole file (with the same content). A file that is not what we wrote
 * (bad JSON, another key, a field missing or out of range) is ignored with one line on stderr,
 * and the caller measures or computes again and rewrites it. */
#ifndef HW_HELPER_CACHE_H
#define HW_HELPER_CACHE_H
#include "dataset.h"
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#define HW_CALIBRATION_CACHE_SCHEMA "highwater.calibration-cache/1"
#define HW_REFERENCE_CACHE_SCHEMA "highwater.reference-cache/1"
/* Room for any key: a dataset's 16 groups of three rates each, a CPU name, a compiler line. */
#define HW_CACHE_KEY_MAX 4096
/* Files kept of each kind; past it the oldest (by mtime) go when a new one is written. A dirty
 * build's reference key changes at every rebuild and a boot's calibration key at every boot,
 * so without a bound the directory grows for ever. 256 references of 114 columns are ~0.7 MB. */
#define HW_CACHE_KEEP_CALIBRATIONS 16
#define HW_CACHE_KEEP_REFERENCES 256
/* Larger than any file we write (114 medians took 3.0 kB here, so 4096 are ~90 kB): past it a
 * file is refused unread. */
#define HW_CACHE_FILE_MAX (1u << 20)

/* ---- keys (helper_cache_key.c) ---- */

/* What the reference's code is. For a clean build (commit without "-dirty"), the commit with
 * the compiler, flags and glibc: it names the source exactly and survives a relink, make clean
 * or a copy of the binary. For a "-dirty" or "unknown" build the commit says nothing about the
 * edits, so the bytes of the binary at exe stand in (sha256; 50-57 ms for the 2 MB binary,
 * README). -1 when exe cannot be read (then nothing may be cached). */
int hw_cache_build_identity(const char *commit, const char *exe, char *out, size_t len);

/* The reference's key: everything its medians and checksum depend on (rows, cols, seed, every
 * group's dtype, count and rates as exact bit patterns, the all-null columns, the output dtype)
 * and build. -1 when it does not fit in len. */
int hw_cache_reference_key(const struct hw_dataset *ds, enum hw_dtype out_dtype, const char *build,
                           char *key, size_t len);

/* The calibration's key: the host facts that change its figures, from the report's host block
 * (cpu, cpus, mem_total_bytes, kernel, thp), the THP defrag mode, the boot id (a reboot measures
 * again) and the commit without "-dirty" (a new version may measure differently). -1 when
 * the boot id is "" (unreadable: a reboot could not be told) or the key does not fit. */
int hw_cache_calibration_key(const cJSON *host, const char *defrag, const char *boot_id, const char *commit,
                             char *key, size_t len);
/* This machine's THP defrag mode ("madvise") and boot id, "" when unreadable. */
void hw_cache_host_facts(char *defrag, size_t dlen, char *boot_id, size_t blen);

/* ---- files (helper_cache.c) ---- */

/* The cache directory, made (0700, with its parents) when missing. 0, or -1 with err
 * "cache directory D: why; set HW_CACHE_DIR to a writable directory". */
int hw_cache_dir(char *out, size_t len, char *err, size_t errlen);

/* Now as "2026-12-01T21:30:00Z" (UTC); out holds 21 bytes. */
void hw_cache_now_utc(char out[21]);

/* The file a key lives in: DIR/PREFIX-<first 32 hex digits of sha256(key)>.json. */
void hw_cache_path(const char *dir, const char *prefix, const char *key, char *path, size_t len);

/* The cached calibration (the object hw_calibration_json made, every field checked) and when it
 * was measured, or NULL: silently when there is no file, after one line on stderr when the
 * file is not a good one. */
cJSON *hw_cache_calibration_load(const char *path, const char *key, char measured_at[21]);
/* 0, or -1 with err. */
int hw_cache_calibration_store(const char *path, const char *key, const cJSON *cal, const char *measured_at,
                               char *err, size_t len);

/* 1 with the cached checksum and cols medians (bit for bit what was stored) and when they were
 * computed; 0 when there is none (silently) or the file is not a good one (one line on stderr). */
int hw_cache_reference_load(const char *path, const char *key, uint32_t cols, uint64_t *checksum, double *medians,
                            char computed_at[21]);
int hw_cache_reference_store(const char *path, const char *key, uint32_t cols, uint64_t checksum,
                             const double *medians, const char *computed_at, char *err, size_t len);

/* Removes the oldest PREFIX-*.json files of dir past keep, and PREFIX-* temp files an
 * interrupted write left over an hour ago. Best effort: a file another run removed first is
 * no error. */
void hw_cache_prune(const char *dir, const char *prefix, unsigned keep);

#endif
