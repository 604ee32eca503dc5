/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The transforms of docs/records.md 2.7 and 2.8 (transform.h): `value`
 * templates of computed columns, masks by characters, and the row filter.
 */
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "core/crypto.h"
#include "record/decode.h"
#include "record/transform.h"

/* The references a template may name, and ${header.COLUMN}. */
enum kf__ref {
	KF__REF_FILE_NAME,
	KF__REF_FILE_PATH,
	KF__REF_FILE_HASH,
	KF__REF_LOAD_ID,
	KF__REF_LINE,
	KF__REF_OFFSET,
	KF__REF_HEADER,
	KF__REF_BAD
};

static const char *const kf__refs[] = {
	[KF__REF_FILE_NAME] = "file.name", [KF__REF_FILE_PATH] = "file.path",
	[KF__REF_FILE_HASH] = "file.hash", [KF__REF_LOAD_ID] = "load.id",
	[KF__REF_LINE] = "record.line",	   [KF__REF_OFFSET] = "record.offset",
};

#define KF__HEADER "header."

/* The column a ${header.NAME} names: a column of the `first` record type
 * (a fixed file's header record), or -1. */
static int kf__header_col(const kf_schema_t *s, const char *name, size_t len)
{
	const kf_column_t *c;
	size_t i;

	for (i = 0; i < s->ncols; i++) {
		c = &s->cols[i];
		if (c->rectype >= 0 && (size_t)c->rectype < s->n_rectypes &&
		    s->rectypes[c->rectype].position == KF_POS_FIRST &&
		    strlen(c->name) == len && memcmp(c->name, name, len) == 0)
			return (int)i;
	}
	return -1;
}

/* The reference ${p[0..len)}; *col the header column of KF__REF_HEADER. */
static enum kf__ref kf__ref(const kf_schema_t *s, const char *p, size_t len,
			    int *col)
{
	size_t i, hl = strlen(KF__HEADER);

	for (i = 0; i < sizeof(kf__refs) / sizeof(kf__refs[0]); i++)
		if (strlen(kf__refs[i]) == len &&
		    memcmp(kf__refs[i], p, len) == 0)
			return (enum kf__ref)i;
	if (len > hl && memcmp(p, KF__HEADER, hl) == 0 &&
	    (*col = kf__header_col(s, p + hl, len - hl)) >= 0)
		return KF__REF_HEADER;
	return KF__REF_BAD;
}

/* Walks a template: each run of literal text and each reference, in
 * order, to one of the callbacks; stops at the first nonzero return. A
 * `${` without its `}` is KF__REF_BAD with col KF__UNCLOSED. */
#define KF__UNCLOSED (-2)

struct kf__walk {
	const kf_schema_t *s;
	int (*text)(struct kf__walk *w, const char *p, size_t len);
	int (*ref)(struct kf__walk *w, enum kf__ref r, int col, const char *p,
		   size_t len);
};

static int kf__walk(struct kf__walk *w, const char *t)
{
	const char *p, *end;
	enum kf__ref r;
	int col, rc;

	while ((p = strstr(t, "${"))) {
		if (p > t && (rc = w->text(w, t, (size_t)(p - t))))
			return rc;
		if (!(end = strchr(p + 2, '}')))
			return w->ref(w, KF__REF_BAD, KF__UNCLOSED, p + 2,
				      strlen(p + 2));
		col = -1;
		r = kf__ref(w->s, p + 2, (size_t)(end - p - 2), &col);
		if ((rc = w->ref(w, r, col, p + 2, (size_t)(end - p - 2))))
			return rc;
		t = end + 1;
	}
	return *t ? w->text(w, t, strlen(t)) : 0;
}

struct kf__check {
	struct kf__walk w;
	int col;
	char *errstr;
	size_t errstr_size;
};

static int kf__check_text(struct kf__walk *w, const char *p, size_t len)
{
	(void)w, (void)p, (void)len;
	return 0;
}

static int kf__check_ref(struct kf__walk *w, enum kf__ref r, int col,
			 const char *p, size_t len)
{
	struct kf__check *k = (struct kf__check *)w;

	if (r != KF__REF_BAD)
		return 0;
	if (col == KF__UNCLOSED)
		return kf_seterr(k->errstr, k->errstr_size, KF_EINVAL,
				 "column %s: value has ${%.*s without its "
				 "closing }",
				 w->s->cols[k->col].name, (int)len, p);
	return kf_seterr(k->errstr, k->errstr_size, KF_EINVAL,
			 "column %s: value names ${%.*s}, which is not known: "
			 "use ${file.name}, ${file.path}, ${file.hash}, "
			 "${load.id}, ${record.line}, ${record.offset} or "
			 "${header.COLUMN} (a column of the first record)",
			 w->s->cols[k->col].name, (int)len, p);
}

int kf_xform_check_template(const kf_schema_t *s, int col, char *errstr,
			    size_t errstr_size)
{
	struct kf__check k = {
		{s, kf__check_text, kf__check_ref}, col, errstr, errstr_size};

	if (!s->cols[col].value)
		return 0;
	return kf__walk(&k.w, s->cols[col].value);
}

struct kf__expand {
	struct kf__walk w;
	const kf_xform_ctx_t *ctx;
	uint64_t line, offset;
	kf_strbuf_t *out;
};

static int kf__expand_text(struct kf__walk *w, const char *p, size_t len)
{
	kf_strbuf_append(((struct kf__expand *)w)->out, p, len);
	return 0;
}

/* The text of header value v (a span as it is, others as their type's
 * default format reads them back). */
static void kf__header_text(const kf_value_t *v, int scale, kf_strbuf_t *out)
{
	char buf[64];

	if (v->null)
		return;
	if (v->type == KF_T_TEXT || v->type == KF_T_BYTES ||
	    v->type == KF_T_JSON)
		kf_strbuf_append(out, v->u.s.ptr, v->u.s.len);
	else
		kf_strbuf_append(out, buf, kf_value_format(v, scale, buf));
}

static int kf__expand_ref(struct kf__walk *w, enum kf__ref r, int col,
			  const char *p, size_t len)
{
	struct kf__expand *e = (struct kf__expand *)w;
	const kf_xform_ctx_t *c = e->ctx;
	const char *str = NULL;

	(void)p, (void)len;
	switch (r) {
	case KF__REF_FILE_NAME:
		str = c->file_name;
		break;
	case KF__REF_FILE_PATH:
		str = c->file_path;
		break;
	case KF__REF_FILE_HASH:
		str = c->hash_hex;
		break;
	case KF__REF_LOAD_ID:
		str = c->load_id;
		break;
	case KF__REF_LINE:
	case KF__REF_OFFSET:
		kf_strbuf_printf(e->out, "%llu",
				 (unsigned long long)(r == KF__REF_LINE
							      ? e->line
							      : e->offset));
		return 0;
	case KF__REF_HEADER:
		if (!c->header)
			return -1; /* the first record was not read yet */
		kf__header_text(&c->header[col], w->s->cols[col].scale, e->out);
		return 0;
	default:
		return -1; /* kf_xform_check_template refused it */
	}
	if (str)
		kf_strbuf_append(e->out, str, strlen(str));
	return 0;
}

int kf_xform_template(const kf_schema_t *s, int col, const kf_xform_ctx_t *ctx,
		      uint64_t line, uint64_t offset, kf_strbuf_t *out)
{
	struct kf__expand e = {
		{s, kf__expand_text, kf__expand_ref}, ctx, line, offset, out};

	return kf__walk(&e.w, s->cols[col].value ? s->cols[col].value : "");
}

/* ---- masks ---- */

/* Bytes of the UTF-8 character whose lead byte is b (valid UTF-8). */
static size_t kf__cp_len(unsigned char b)
{
	return b < 0xc0 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
}

/* 1 when the character at p (n bytes) is one of keep's characters. */
static int kf__kept(const char *keep, const char *p, size_t n)
{
	size_t k;

	for (; *keep; keep += k) {
		k = kf__cp_len((unsigned char)*keep);
		if (k == n && memcmp(keep, p, n) == 0)
			return 1;
	}
	return 0;
}

/* keep_first / keep_last / keep:A:B: the first a and last b characters
 * and every mask_keep character stay, every other character becomes one
 * '*' (characters, not bytes: 홍길동 keeps its shape). */
static void kf__mask_keep(const kf_column_t *c, const char *in, size_t len,
			  kf_strbuf_t *out)
{
	const char *keep = c->mask_keep ? c->mask_keep : "-";
	size_t i, n, total = kf_utf8_count(in, len), idx = 0;

	for (i = 0; i < len; i += n, idx++) {
		n = kf__cp_len((unsigned char)in[i]);
		if (n > len - i)
			n = len - i;
		if (idx < c->mask_a || idx + c->mask_b >= total ||
		    kf__kept(keep, in + i, n))
			kf_strbuf_append(out, in + i, n);
		else
			kf_strbuf_putc(out, '*');
	}
}

/* Hex SHA-256 of the salt and the value; a digest that fails fails the
 * buffer (nothing unmasked is ever written). */
static void kf__mask_hash(const kf_xform_ctx_t *ctx, const char *in, size_t len,
			  kf_strbuf_t *out)
{
	uint8_t md[KF_CRYPTO_SHA256_LEN];
	kf_sha256_t *h = kf_sha256_new();
	char hex[2 * KF_CRYPTO_SHA256_LEN + 1];
	int rc = h ? 0 : KF_ENOMEM;
	size_t i;

	if (!rc && ctx->salt_len)
		rc = kf_sha256_update(h, ctx->salt, ctx->salt_len);
	if (!rc)
		rc = kf_sha256_update(h, in, len);
	if (!rc)
		rc = kf_sha256_final(h, md);
	kf_sha256_free(h);
	if (rc) {
		out->failed = 1;
		return;
	}
	for (i = 0; i < sizeof(md); i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	kf_strbuf_append(out, hex, 2 * sizeof(md));
}

void kf_xform_mask(const kf_schema_t *s, int col, const kf_xform_ctx_t *ctx,
		   const char *in, size_t len, kf_strbuf_t *out, int *null)
{
	const kf_column_t *c = &s->cols[col];
	const char *redact;

	*null = 0;
	switch (c->mask) {
	case KF_MASK_KEEP:
		kf__mask_keep(c, in, len, out);
		break;
	case KF_MASK_HASH:
		kf__mask_hash(ctx, in, len, out);
		break;
	case KF_MASK_REDACT:
		redact = ctx->mask_text ? ctx->mask_text : "***";
		kf_strbuf_append(out, redact, strlen(redact));
		break;
	case KF_MASK_NULL:
		*null = 1;
		break;
	default:
		kf_strbuf_append(out, in, len);
	}
}

/* ---- the filter ---- */

/* One term on a value. A NULL fails every comparison, as in SQL: only
 * `is null` (and `is not null` otherwise) say anything of it. */
static int kf__term(const kf_filter_term_t *t, const kf_value_t *v)
{
	size_t i;
	int cmp;

	if (t->op == KF_OP_IS_NULL || t->op == KF_OP_NOT_NULL)
		return v->null == (t->op == KF_OP_IS_NULL);
	if (v->null || !t->n)
		return 0;
	if (t->op == KF_OP_IN || t->op == KF_OP_NOT_IN) {
		for (i = 0; i < t->n; i++)
			if (kf_value_cmp(v, &t->values[i]) == 0)
				return t->op == KF_OP_IN;
		return t->op == KF_OP_NOT_IN;
	}
	cmp = kf_value_cmp(v, &t->values[0]);
	switch (t->op) {
	case KF_OP_EQ:
		return cmp == 0;
	case KF_OP_NE:
		return cmp != 0;
	case KF_OP_LT:
		return cmp < 0;
	case KF_OP_LE:
		return cmp <= 0;
	case KF_OP_GT:
		return cmp > 0;
	default: /* KF_OP_GE */
		return cmp >= 0;
	}
}

int kf_xform_filter(const kf_schema_t *s, const kf_value_t *vals)
{
	size_t i;

	for (i = 0; i < s->n_filter; i++)
		if (!kf__term(&s->filter[i], &vals[s->filter[i].col]))
			return 0;
	return 1;
}
