/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The transforms of docs/records.md 2.7 and 2.8: computed columns
 * (`value` templates), masks, and the row filter. Masks count characters,
 * not bytes (Hangul masks correctly), and leave `mask_keep` characters
 * alone; `hash` is the hex SHA-256 of the salt and the value.
 *
 * @locality any thread; pure functions of their arguments.
 */
#ifndef KF_RECORD_TRANSFORM_H
#define KF_RECORD_TRANSFORM_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "record/schema.h"

/* What templates and masks need of the load. Strings are borrowed. */
typedef struct kf_xform_ctx_s {
	const char *file_name; /* ${file.name}: the base name */
	const char *file_path; /* ${file.path}: as in the kferry.file header */
	const char *hash_hex;  /* ${file.hash}: 32 hex */
	const char *load_id;   /* ${load.id}: 32 hex */
	const void *salt;      /* load.mask_salt, for KF_MASK_HASH */
	size_t salt_len;
	const char *mask_text; /* KF_MASK_REDACT; NULL: "***" */
	/* ${header.FIELD}: values of the `first` record of a fixed file, by
	 * column index (text of its columns); NULL until it was read */
	const kf_value_t *header;
} kf_xform_ctx_t;

/* Checks the template of computed column col at prepare time: known
 * references only (${file.name} ${file.path} ${file.hash} ${load.id}
 * ${record.line} ${record.offset} ${header.COLUMN}). KF_EINVAL with
 * errstr naming the column and the reference. */
int kf_xform_check_template(const kf_schema_t *s, int col, char *errstr,
			    size_t errstr_size);

/* Appends the expanded template of column col for the record at line and
 * offset to out (text, to be parsed as the column's type). 0, or -1 when
 * a ${header.*} it names is not known yet. */
int kf_xform_template(const kf_schema_t *s, int col, const kf_xform_ctx_t *ctx,
		      uint64_t line, uint64_t offset, kf_strbuf_t *out);

/* Appends the masked form of the text value in (UTF-8) of column col to
 * out; KF_MASK_NULL appends nothing and sets *null. */
void kf_xform_mask(const kf_schema_t *s, int col, const kf_xform_ctx_t *ctx,
		   const char *in, size_t len, kf_strbuf_t *out, int *null);

/* 1 when the row (values by column index, after transforms but before
 * masks) passes [schema] filter, 0 when it is filtered out. */
int kf_xform_filter(const kf_schema_t *s, const kf_value_t *vals);

#endif /* KF_RECORD_TRANSFORM_H */
