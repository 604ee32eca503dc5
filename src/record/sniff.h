/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The schema of a CSV file loaded without --schema (docs/records.md 2.2,
 * last paragraph), and the writer of schema files (`kferry load
 * --print-schema`: start from the sniffed schema, then edit it).
 *
 * @locality any thread; pure (the writer writes to the FILE it is given).
 */
#ifndef KF_RECORD_SNIFF_H
#define KF_RECORD_SNIFF_H

#include <stddef.h>
#include <stdio.h>

#include "record/schema.h"

/* Guesses the schema of a CSV file from its first bytes (a sample of
 * load.sniff_bytes): the dialect (kf_csv_sniff), whether line 1 is a
 * header (some column's line-1 value does not fit the type the other
 * lines give it), and each column's type, the narrowest of boolean,
 * int64, decimal(p,s), date, timestamp, else text; every column optional.
 * Header names that are not valid column names become col_N with the
 * header text as source. name: the file's name, for messages and for the
 * struct name (its base name without extension). whole: the sample is
 * the whole file, so its last row counts even without a final newline
 * (else a last row without one is taken for cut and ignored).
 * 0 with *out prepared (kf_schema_free), or KF_EINVAL / KF_ENOMEM with
 * errstr (KF_EINVAL: the sample holds no row). */
int kf_schema_sniff(const void *sample, size_t len, int whole, const char *name,
		    kf_schema_t **out, char *errstr, size_t errstr_size);

/* Writes s as a schema file (format version 1) that kf_schema_load reads
 * back into the same schema: every section and column, keys only where
 * they differ from their defaults (the dialect's keys always). 0, KF_EIO
 * when writing to f fails, or KF_ENOMEM. */
int kf_schema_write(const kf_schema_t *s, FILE *f);

#endif /* KF_RECORD_SNIFF_H */
