/* `highwater dataset`: the synthetic source as files the real libraries load without a
 * converter of ours, so a twin (scripts/twins/) works on the very cells a strategy does.
 *
 *   DIR/cNNN.npy        column NNN's values (numpy .npy 1.0, little-endian, its own dtype;
 *                       a null cell holds 0)
 *   DIR/cNNN.valid.npy  its validity, one numpy bool per row (1 = valid)
 *   DIR/schema.json     highwater.dataset/1: rows, cols, seed, the dataset's sha256 key, and
 *                       per column its name, dtype and files; written last, so a directory
 *                       with a schema.json is complete
 *
 * Files are written in row blocks of 64k (the harness stays small at any scale), each file
 * to a temp name and renamed, and every file is removed again when any write fails. */
#ifndef HW_EXPORT_H
#define HW_EXPORT_H
#include "dataset.h"
#include <stddef.h>

#define HW_DATASET_SCHEMA "highwater.dataset/1"

/* The dataset's identity: sha256 (hex) of every field that decides a cell. Two exports
 * with the same key hold the same bytes. */
void hw_dataset_key(const struct hw_dataset *ds, char out[65]);
/* The same without the row count: datasets of one dtype mix at any scale share it. */
void hw_dataset_mix_key(const struct hw_dataset *ds, char out[65]);
/* Write ds into dir (created if missing; existing export files are replaced). 0, or 2 (dir
 * unusable) / 3 (a write failed, e.g. a full disk) with one line in err. */
int hw_dataset_export(const struct hw_dataset *ds, const char *dir, char *err, size_t len);
/* Whether dir holds a complete export of exactly ds (its schema.json's key matches). */
int hw_dataset_export_current(const struct hw_dataset *ds, const char *dir);

#endif
