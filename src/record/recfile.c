/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One record file being read (recfile.h): the format's reader hands
 * records to kf__record, which gets each column's text (kf__input), tests
 * NULL, trims and cases it, parses and checks it, then filters, masks and
 * serializes the row. A fixed file's header and trailer records go
 * through the same column code, and the trailer's control totals are
 * checked against what was read.
 *
 * Buffers: every column has its own scratch buffer for its decoded (or
 * computed, or masked) text, reused from row to row, so that the values
 * of a row stay valid until it is serialized without an arena that moves.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/strbuf.h"
#include "record/csv.h"
#include "record/decode.h"
#include "record/fixed.h"
#include "record/jsonl.h"
#include "record/recfile.h"
#include "record/serial.h"

#define KF__ERRLEN 512

/* A growable byte buffer of one column. */
struct kf__buf {
	char *p;
	size_t cap;
};

/* One record of any format, as the column code sees it. */
struct kf__rec {
	const kf_csv_record_t *csv;
	const kf_jsonl_line_t *jl;
	const kf_fixed_rec_t *fx;
	int type; /* fixed: the record type; else 0 */
	uint64_t num, line, offset;
	const char *raw;
	size_t raw_len;
};

/* r from any reader's record or error: they share these member names. */
#define KF__REC_FROM(r, x)                                                     \
	do {                                                                   \
		memset(&(r), 0, sizeof(r));                                    \
		(r).num = (x)->num;                                            \
		(r).line = (x)->line;                                          \
		(r).offset = (x)->offset;                                      \
		(r).raw = (x)->raw;                                            \
		(r).raw_len = (x)->raw_len;                                    \
	} while (0)

/* A running control total (docs/records.md 2.5). */
struct kf__sum {
	kf_i128_t total; /* at the summed column's scale */
	int broken;	 /* some row's summed field did not parse */
	uint64_t broken_line;
};

struct kf_recfile_s {
	const kf_schema_t *s;
	kf_recfile_opts_t o;
	kf_recfile_row_cb on_row;
	kf_recfile_reject_cb on_reject;
	void *opaque;
	kf_decoder_t *dec; /* NULL: UTF-8, validated in place */
	kf_serializer_t *ser;
	kf_serializer_t *kser; /* the key's when its format differs; NULL */
	kf_csv_t *csv;
	kf_jsonl_t *jsonl;
	kf_fixed_t *fixed;
	kf_value_t *vals;      /* by column */
	struct kf__buf *bufs;  /* by column: decoded or computed text */
	struct kf__buf *mbufs; /* by column: masked text */
	uint64_t *okgen;       /* by column: the row it last parsed in */
	uint64_t gen;	       /* the row being read */
	kf_strbuf_t tmp, key, value;
	kf_recfile_counts_t n;
	/* CSV: input field of each column (-1: absent) */
	int *map;
	int mapped;
	struct kf__buf hdr; /* a header field, decoded */
	size_t nfields;	    /* fields a record should have */
	/* fixed */
	kf_value_t *header;    /* by column: the `first` record's values */
	struct kf__buf *hbufs; /* their text */
	unsigned *seen;	       /* by record type: records read */
	uint64_t records;      /* records of any type */
	int after_last;	       /* the `last` record was read */
	struct kf__sum *sums;  /* every type's checks, flattened */
	size_t *sum_base;      /* by record type: its first in sums */
	const char **codes;    /* by record type, for the reader */
	int failed;	       /* the file failed: err says why */
	char err[KF__ERRLEN];
};

static int kf__fail(kf_recfile_t *f, int code, const char *fmt, ...)
	KF_PRINTF(3, 4);

static int kf__fail(kf_recfile_t *f, int code, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(f->err, sizeof(f->err), "%s: ",
			 f->o.ctx.file_path ? f->o.ctx.file_path : "input");

	if (n < 0 || (size_t)n >= sizeof(f->err))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(f->err + n, sizeof(f->err) - (size_t)n, fmt, ap);
	va_end(ap);
	f->failed = code;
	return code;
}

static char *kf__reserve(struct kf__buf *b, size_t len)
{
	char *p;

	if (len <= b->cap)
		return b->p;
	if (!(p = realloc(b->p, len + len / 2 + 16)))
		return NULL;
	b->p = p;
	b->cap = len + len / 2 + 16;
	return p;
}

static void kf__reset(kf_strbuf_t *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

/* The column belongs to the record type t (every column but a fixed
 * file's belongs to type 0). */
static int kf__of_type(const kf_schema_t *s, int c, int t)
{
	return s->format != KF_FMT_FIXED || s->cols[c].rectype == t;
}

/* -------------------------------------------------------------------------
 * One column's text
 */

static int kf__is_space(char ch, char pad)
{
	return ch == ' ' || (pad && ch == pad);
}

static void kf__trim(const kf_column_t *col, char pad, const char **p,
		     size_t *len)
{
	const char *s = *p;
	size_t n = *len;

	if (col->trim == KF_TRIM_LEFT || col->trim == KF_TRIM_BOTH)
		while (n && kf__is_space(*s, pad))
			s++, n--;
	if (col->trim == KF_TRIM_RIGHT || col->trim == KF_TRIM_BOTH)
		while (n && kf__is_space(s[n - 1], pad))
			n--;
	*p = s;
	*len = n;
}

/* Decodes len bytes of column c to UTF-8 into its buffer (or validates
 * them in place), then trims and cases. */
static int kf__text(kf_recfile_t *f, int c, const char *in, size_t len,
		    const char **out, size_t *outlen, kf_reject_t *rej)
{
	const kf_column_t *col = &f->s->cols[c];
	char pad = f->s->format == KF_FMT_FIXED ? col->pad : 0;
	size_t n = len, bad = 0, i;
	char *p;

	if (col->type == KF_T_BYTES) { /* raw bytes, base64 on the topic */
		*out = in;
		*outlen = len;
		return 0;
	}
	if (!f->dec) {
		if (!kf_utf8_valid(in, len))
			return kf_reject(
				rej, "encoding", c,
				"%s: not valid UTF-8 (or holds U+0000)",
				col->name);
		if (col->letter_case == KF_CASE_NONE) {
			kf__trim(col, pad, &in, &n);
			*out = in;
			*outlen = n;
			return 0;
		}
		if (!(p = kf__reserve(&f->bufs[c], len)))
			return kf_reject(rej, "serialize", c, "out of memory");
		memcpy(p, in, len);
	} else {
		if (!(p = kf__reserve(&f->bufs[c], kf_decode_bound(len))))
			return kf_reject(rej, "serialize", c, "out of memory");
		if (kf_decode(f->dec, in, len, p, &n, &bad))
			return kf_reject(rej, "encoding", c,
					 "%s: byte %zu of the field does not "
					 "decode as %s",
					 col->name, bad, f->s->encoding);
	}
	for (i = 0; i < n && col->letter_case != KF_CASE_NONE; i++)
		if (col->letter_case == KF_CASE_UPPER && p[i] >= 'a' &&
		    p[i] <= 'z')
			p[i] = (char)(p[i] - 'a' + 'A');
		else if (col->letter_case == KF_CASE_LOWER && p[i] >= 'A' &&
			 p[i] <= 'Z')
			p[i] = (char)(p[i] - 'A' + 'a');
	*out = p;
	kf__trim(col, pad, out, &n);
	*outlen = n;
	return 0;
}

/* A computed column's text: its template, expanded. */
static int kf__computed(kf_recfile_t *f, const struct kf__rec *r, int c,
			const char **out, size_t *len, int *null,
			kf_reject_t *rej)
{
	char *p;

	kf__reset(&f->tmp);
	if (kf_xform_template(f->s, c, &f->o.ctx, r->line, r->offset, &f->tmp))
		return kf_reject(rej, "type", c,
				 "%s: its value names a header field, and "
				 "no header record was read",
				 f->s->cols[c].name);
	if (f->tmp.failed ||
	    !(p = kf__reserve(&f->bufs[c], f->tmp.len ? f->tmp.len : 1)))
		return kf_reject(rej, "serialize", c, "out of memory");
	memcpy(p, f->tmp.p, f->tmp.len);
	*out = p;
	*len = f->tmp.len;
	*null = f->tmp.len == 0;
	return 0;
}

static int kf__csv_input(kf_recfile_t *f, const struct kf__rec *r, int c,
			 const char **out, size_t *len, int *null,
			 kf_reject_t *rej)
{
	const kf_csv_field_t *fld;
	int i = f->map[c];

	if (i < 0 || (size_t)i >= r->csv->nfields) {
		*null = 1;
		return 0;
	}
	fld = &r->csv->fields[i];
	if (fld->null) {
		*null = 1;
		return 0;
	}
	return kf__text(f, c, fld->ptr, fld->len, out, len, rej);
}

static int kf__jsonl_input(kf_recfile_t *f, const struct kf__rec *r, int c,
			   const char **out, size_t *len, int *null,
			   kf_reject_t *rej)
{
	const kf_column_t *col = &f->s->cols[c];
	const char *js = r->jl->raw;
	const kf_jtok_t *t;
	long n;
	char *p;
	int i;

	i = kf_jsonl_path(js, r->jl->toks, 0,
			  col->source ? col->source : col->name);
	if (i < 0 || r->jl->toks[i].type == KF_J_NULL) {
		*null = 1;
		return 0;
	}
	t = &r->jl->toks[i];
	if (col->type == KF_T_JSON || t->type == KF_J_NUMBER ||
	    t->type == KF_J_TRUE || t->type == KF_J_FALSE) {
		*out = js + t->start;
		*len = t->end - t->start;
		return 0;
	}
	if (t->type != KF_J_STRING)
		return kf_reject(rej, "type", c,
				 "%s: a JSON %s where a %s value is expected",
				 col->name,
				 t->type == KF_J_OBJECT ? "object" : "array",
				 col->type == KF_T_TEXT ? "text" : "scalar");
	if (!(p = kf__reserve(&f->bufs[c], t->end - t->start + 1)))
		return kf_reject(rej, "serialize", c, "out of memory");
	if ((n = kf_json_string(js, t, p, t->end - t->start + 1)) < 0)
		return kf_reject(rej, "encoding", c,
				 "%s: the string holds U+0000", col->name);
	*out = p;
	*len = (size_t)n;
	kf__trim(col, 0, out, len);
	return 0;
}

static int kf__fixed_input(kf_recfile_t *f, const struct kf__rec *r, int c,
			   const char **out, size_t *len, int *null,
			   kf_reject_t *rej)
{
	const kf_column_t *col = &f->s->cols[c];
	const char *p = r->raw + col->offset;
	size_t i, n = col->length_bytes;

	if (col->offset + n > r->raw_len)
		return kf_reject(rej, "record_length", c,
				 "%s: bytes %zu..%zu lie past the record's %zu",
				 col->name, col->offset, col->offset + n,
				 r->raw_len);
	for (i = 0; i < n && p[i] == ' '; i++)
		;
	if (i == n) {
		*null = 1;
		return 0;
	}
	return kf__text(f, c, p, n, out, len, rej);
}

/* Column c of record r into f->vals[c]: 0, or -1 with rej set. */
static int kf__column(kf_recfile_t *f, const struct kf__rec *r, int c,
		      kf_reject_t *rej)
{
	const kf_column_t *col = &f->s->cols[c];
	kf_value_t *v = &f->vals[c];
	const char *txt = "";
	size_t len = 0;
	int null = 0, rc;

	if (col->value)
		rc = kf__computed(f, r, c, &txt, &len, &null, rej);
	else if (r->csv)
		rc = kf__csv_input(f, r, c, &txt, &len, &null, rej);
	else if (r->jl)
		rc = kf__jsonl_input(f, r, c, &txt, &len, &null, rej);
	else
		rc = kf__fixed_input(f, r, c, &txt, &len, &null, rej);
	if (rc)
		return rc;
	memset(v, 0, sizeof(*v));
	v->type = col->type;
	if (null) {
		v->null = 1;
		if (col->required)
			return kf_reject(rej, "required", c,
					 "%s: no value, and the column is "
					 "required",
					 col->name);
	} else if (kf_value_parse(f->s, c, txt, len, v, rej) ||
		   kf_value_check(f->s, c, v, rej)) {
		return -1;
	}
	f->okgen[c] = f->gen;
	return 0;
}

/* Every column of r's type, in order; stops at the first failure. */
static int kf__columns(kf_recfile_t *f, const struct kf__rec *r,
		       kf_reject_t *rej)
{
	size_t c;

	for (c = 0; c < f->s->ncols; c++)
		if (kf__of_type(f->s, (int)c, r->type) &&
		    kf__column(f, r, (int)c, rej))
			return -1;
	return 0;
}

/* -------------------------------------------------------------------------
 * Rows out
 */

static int kf__reject_out(kf_recfile_t *f, const struct kf__rec *r,
			  const char *code, int col, const char *reason,
			  uint64_t raw_total)
{
	kf_recfile_reject_t o;

	if (r->num < f->o.skip_below) {
		f->n.rejected++;
		return 0;
	}
	memset(&o, 0, sizeof(o));
	o.code = code;
	o.field = col >= 0 ? f->s->cols[col].name : NULL;
	o.reason = reason;
	o.raw_total = raw_total;
	/* a column's bytes cannot be masked inside the raw record without
	 * cutting it: when anything masks, the raw record stays home */
	o.withheld = f->s->masks;
	if (!o.withheld) {
		o.raw = r->raw;
		o.raw_len = r->raw_len;
	}
	o.num = r->num;
	o.line = r->line;
	o.offset = r->offset;
	f->n.rejected++;
	return f->on_reject(&o, f->opaque);
}

static int kf__mask(kf_recfile_t *f)
{
	const kf_schema_t *s = f->s;
	size_t c;
	int null;
	char *p;

	for (c = 0; c < s->ncols; c++) {
		kf_value_t *v = &f->vals[c];

		if (s->cols[c].mask == KF_MASK_NONE || v->null)
			continue;
		kf__reset(&f->tmp);
		null = 0;
		kf_xform_mask(s, (int)c, &f->o.ctx, v->u.s.ptr, v->u.s.len,
			      &f->tmp, &null);
		if (f->tmp.failed ||
		    !(p = kf__reserve(&f->mbufs[c], f->tmp.len + 1)))
			return -1;
		memcpy(p, f->tmp.p, f->tmp.len);
		v->null = null;
		v->u.s.ptr = p;
		v->u.s.len = f->tmp.len;
	}
	return 0;
}

static int kf__emit(kf_recfile_t *f, const struct kf__rec *r)
{
	kf_strbuf_t *kb = f->o.out ? *f->o.out : &f->key;
	kf_strbuf_t *vb = f->o.out ? *f->o.out : &f->value;
	size_t kat, kend, vat;
	kf_recfile_row_t row;
	int k;

	if (f->s->n_filter && !kf_xform_filter(f->s, f->vals)) {
		f->n.filtered++;
		return 0;
	}
	if (r->num < f->o.skip_below) {
		f->n.emitted++;
		return 0;
	}
	if (!f->o.out) {
		kf__reset(&f->key);
		kf__reset(&f->value);
	}
	kat = kb->len;
	if (kf__mask(f) ||
	    (k = kf_serial_key(f->kser ? f->kser : f->ser, f->vals, kb)) < 0)
		goto out_nomem;
	kend = kb->len;
	vat = vb->len;
	if (kf_serial_value(f->ser, f->vals, vb) || kb->failed || vb->failed)
		goto out_nomem;
	/* pointers only now: the value's appends may have moved the key */
	memset(&row, 0, sizeof(row));
	row.key = k == 1 ? NULL : kb->p + kat;
	row.key_len = k == 1 ? 0 : kend - kat;
	row.value = vb->p + vat;
	row.value_len = vb->len - vat;
	row.num = r->num;
	row.line = r->line;
	row.offset = r->offset;
	f->n.emitted++;
	return f->on_row(&row, f->opaque);
out_nomem:
	return kf__fail(f, KF_ENOMEM,
			"out of memory serializing record %" PRIu64, r->num);
}

/* -------------------------------------------------------------------------
 * Control totals (fixed files)
 */

/* The value of a numeric column as (unscaled, scale). */
static int kf__numeric(const kf_schema_t *s, int c, const kf_value_t *v,
		       kf_i128_t *x, int *scale)
{
	if (v->null)
		return -1;
	switch (s->cols[c].type) {
	case KF_T_DECIMAL:
		*x = v->u.dec;
		*scale = s->cols[c].scale;
		return 0;
	case KF_T_INT8:
	case KF_T_INT16:
	case KF_T_INT32:
	case KF_T_INT64:
		*x = v->u.i;
		*scale = 0;
		return 0;
	default:
		return -1;
	}
}

/* a and b at their scales compare equal (scales differ by at most 38) */
static int kf__dec_equal(kf_i128_t a, int sa, kf_i128_t b, int sb)
{
	while (sa < sb) {
		if (a > (kf_i128_t)1e36 || a < -(kf_i128_t)1e36)
			return 0;
		a *= 10, sa++;
	}
	while (sb < sa) {
		if (b > (kf_i128_t)1e36 || b < -(kf_i128_t)1e36)
			return 0;
		b *= 10, sb++;
	}
	return a == b;
}

/* Adds this row's summed fields (rows read: emitted, filtered or
 * rejected) to the running totals; a field that did not parse breaks its
 * total. */
static void kf__sum_row(kf_recfile_t *f, const struct kf__rec *r)
{
	const kf_schema_t *s = f->s;
	size_t t, i;
	kf_reject_t rej;

	for (t = 0; t < s->n_rectypes; t++)
		for (i = 0; i < s->rectypes[t].n_sums; i++) {
			struct kf__sum *sum = &f->sums[f->sum_base[t] + i];
			int c = s->rectypes[t].sums[i].sum_of, scale;
			kf_i128_t x;

			if (sum->broken)
				continue;
			if ((f->okgen[c] == f->gen ||
			     (r && !kf__column(f, r, c, &rej))) &&
			    !kf__numeric(s, c, &f->vals[c], &x, &scale)) {
				sum->total += x;
				continue;
			}
			sum->broken = 1;
			sum->broken_line = r ? r->line : 0;
		}
}

/* The checks of the trailer-like record r of type t. */
static int kf__check_totals(kf_recfile_t *f, const struct kf__rec *r, int t)
{
	const kf_schema_t *s = f->s;
	const kf_rectype_t *rt = &s->rectypes[t];
	char a[48], b[48];
	kf_i128_t x = 0;
	size_t i;
	int scale = 0, c;

	if (rt->check_count >= 0) {
		c = rt->check_count;
		if (kf__numeric(s, c, &f->vals[c], &x, &scale) ||
		    !kf__dec_equal(x, scale, (kf_i128_t)f->n.read, 0)) {
			kf_dec_format(f->vals[c].null ? 0 : x, scale, a);
			return kf__fail(
				f, KF_EINVAL,
				"control total: %s %s says %s records, "
				"%" PRIu64 " were read (line %" PRIu64 ")",
				rt->name, s->cols[c].name,
				f->vals[c].null ? "no" : a, f->n.read, r->line);
		}
	}
	for (i = 0; i < rt->n_sums; i++) {
		const struct kf__sum *sum = &f->sums[f->sum_base[t] + i];
		int of = rt->sums[i].sum_of;

		c = rt->sums[i].col;
		if (sum->broken)
			return kf__fail(f, KF_EINVAL,
					"control total: %s cannot be checked: "
					"%s did not parse at line %" PRIu64,
					s->cols[c].name, s->cols[of].name,
					sum->broken_line);
		if (kf__numeric(s, c, &f->vals[c], &x, &scale) ||
		    !kf__dec_equal(x, scale, sum->total, s->cols[of].scale)) {
			kf_dec_format(f->vals[c].null ? 0 : x, scale, a);
			kf_dec_format(sum->total, s->cols[of].scale, b);
			return kf__fail(f, KF_EINVAL,
					"control total: %s says the sum of %s "
					"is %s, the records read sum to %s "
					"(line %" PRIu64 ")",
					s->cols[c].name, s->cols[of].name, a, b,
					r->line);
		}
	}
	return 0;
}

/* -------------------------------------------------------------------------
 * Records in
 */

/* A row of the emitted type. */
static int kf__row(kf_recfile_t *f, const struct kf__rec *r)
{
	kf_reject_t rej;
	int rc;

	f->n.read++;
	f->gen++;
	if (kf__columns(f, r, &rej))
		rc = kf__reject_out(f, r, rej.code, rej.col, rej.reason,
				    r->raw_len);
	else
		rc = kf__emit(f, r);
	if (f->sums)
		kf__sum_row(f, r);
	return rc;
}

/* Copies the `first` record's values for ${header.*} templates. */
static int kf__keep_header(kf_recfile_t *f, int t)
{
	size_t c;
	char *p;

	for (c = 0; c < f->s->ncols; c++) {
		kf_value_t *v = &f->vals[c];

		if (!kf__of_type(f->s, (int)c, t))
			continue;
		f->header[c] = *v;
		if (v->null || (v->type != KF_T_TEXT && v->type != KF_T_BYTES &&
				v->type != KF_T_JSON))
			continue;
		if (!(p = kf__reserve(&f->hbufs[c], v->u.s.len + 1)))
			return kf__fail(f, KF_ENOMEM, "out of memory");
		memcpy(p, v->u.s.ptr, v->u.s.len);
		f->header[c].u.s.ptr = p;
	}
	f->o.ctx.header = f->header;
	return 0;
}

/* A fixed record that is not a row: a header or a trailer (or another
 * type that is not emitted). Its fields must parse: it describes the
 * file. */
static int kf__control_record(kf_recfile_t *f, const struct kf__rec *r)
{
	const kf_rectype_t *rt = &f->s->rectypes[r->type];
	kf_reject_t rej;

	f->gen++;
	if (kf__columns(f, r, &rej))
		return kf__fail(f, KF_EINVAL,
				"line %" PRIu64 ": the %s record: %s", r->line,
				rt->name, rej.reason);
	if (rt->position == KF_POS_FIRST)
		return kf__keep_header(f, r->type);
	return kf__check_totals(f, r, r->type);
}

/* Where a fixed record may stand (docs/records.md 2.5). */
static int kf__fixed_order(kf_recfile_t *f, const struct kf__rec *r)
{
	const kf_schema_t *s = f->s;
	const kf_rectype_t *rt = &s->rectypes[r->type];
	size_t t;

	if (f->after_last)
		return kf__fail(f, KF_EINVAL,
				"line %" PRIu64 ": a %s record after the %s "
				"record, which must be the last",
				r->line, rt->name,
				s->rectypes[f->after_last - 1].name);
	if (rt->position != KF_POS_ANY && f->seen[r->type])
		return kf__fail(f, KF_EINVAL,
				"line %" PRIu64 ": a second %s record (it must "
				"appear once)",
				r->line, rt->name);
	if (rt->position == KF_POS_FIRST && f->records)
		return kf__fail(f, KF_EINVAL,
				"line %" PRIu64 ": the %s record must be the "
				"first record",
				r->line, rt->name);
	for (t = 0; t < s->n_rectypes && !f->records; t++)
		if (s->rectypes[t].position == KF_POS_FIRST &&
		    (int)t != r->type)
			return kf__fail(f, KF_EINVAL,
					"line %" PRIu64 ": the file does not "
					"start with its %s record",
					r->line, s->rectypes[t].name);
	f->seen[r->type]++;
	f->records++;
	if (rt->position == KF_POS_LAST)
		f->after_last = r->type + 1;
	return 0;
}

static int kf__on_fixed(const kf_fixed_rec_t *x, void *opaque)
{
	kf_recfile_t *f = opaque;
	struct kf__rec r;
	int rc;

	KF__REC_FROM(r, x);
	r.fx = x;
	r.type = x->type;
	if ((rc = kf__fixed_order(f, &r)))
		return rc;
	if (x->type == f->s->emit_rectype)
		return kf__row(f, &r);
	return kf__control_record(f, &r);
}

static int kf__on_fixed_error(const kf_fixed_error_t *e, void *opaque)
{
	kf_recfile_t *f = opaque;
	struct kf__rec r;

	KF__REC_FROM(r, e);
	r.type = f->s->emit_rectype;
	f->n.read++;
	f->records++;
	if (f->sums) /* its summed field is unknown: the total is too */
		kf__sum_row(f, NULL);
	return kf__reject_out(f, &r, e->code, -1, e->msg, e->raw_total);
}

/* A header field as UTF-8 (in the scratch buffer of the decoder). */
static int kf__header_text(kf_recfile_t *f, const kf_csv_field_t *h,
			   const char **p, size_t *n)
{
	size_t bad;
	char *out;

	if (!f->dec) {
		*p = h->ptr;
		*n = h->len;
		return kf_utf8_valid(h->ptr, h->len) ? 0 : -1;
	}
	if (!(out = kf__reserve(&f->hdr, kf_decode_bound(h->len))) ||
	    kf_decode(f->dec, h->ptr, h->len, out, n, &bad))
		return -1;
	*p = out;
	return 0;
}

/* CSV: the input field of each column, by the header or by position. */
static int kf__csv_map(kf_recfile_t *f)
{
	const kf_schema_t *s = f->s;
	const kf_csv_field_t *h;
	size_t nh = 0, c, j, k = 0;

	f->mapped = 1;
	if (!s->csv.header) {
		for (c = 0; c < s->ncols; c++)
			f->map[c] = s->cols[c].value ? -1 : (int)k++;
		f->nfields = k;
		return 0;
	}
	if (!(h = kf_csv_header(f->csv, &nh)))
		return 0; /* an empty file: nothing to map */
	f->nfields = nh;
	for (c = 0; c < s->ncols; c++) {
		const char *want =
			s->cols[c].source ? s->cols[c].source : s->cols[c].name;
		size_t wl = strlen(want);

		f->map[c] = -1;
		for (j = 0; j < nh && !s->cols[c].value; j++) {
			const char *p;
			size_t n;

			if (kf__header_text(f, &h[j], &p, &n))
				return kf__fail(f, KF_EINVAL,
						"line 1: header field %zu does "
						"not decode as %s",
						j + 1, s->encoding);
			while (n && *p == ' ')
				p++, n--;
			while (n && p[n - 1] == ' ')
				n--;
			if (n != wl || memcmp(p, want, n))
				continue;
			if (f->map[c] >= 0)
				return kf__fail(f, KF_EINVAL,
						"line 1: the header names "
						"column %s twice (fields %d "
						"and %zu)",
						want, f->map[c] + 1, j + 1);
			f->map[c] = (int)j;
		}
		if (f->map[c] < 0 && !s->cols[c].value && s->cols[c].required)
			return kf__fail(f, KF_EINVAL,
					"line 1: the header has no column %s, "
					"which the schema requires",
					want);
	}
	for (j = 0; j < nh && !s->extra_ignore; j++) {
		for (c = 0; c < s->ncols && f->map[c] != (int)j; c++)
			;
		if (c == s->ncols)
			return kf__fail(f, KF_EINVAL,
					"line 1: header field %zu (%.*s) is "
					"not a column of the schema; set "
					"on_extra_columns = ignore to skip it",
					j + 1,
					(int)(h[j].len > 64 ? 64 : h[j].len),
					h[j].ptr);
	}
	return 0;
}

static int kf__on_csv(const kf_csv_record_t *x, void *opaque)
{
	kf_recfile_t *f = opaque;
	const kf_schema_t *s = f->s;
	struct kf__rec r;
	char why[128];
	int rc;

	if (!f->mapped && (rc = kf__csv_map(f)))
		return rc;
	KF__REC_FROM(r, x);
	r.csv = x;
	if ((x->nfields < f->nfields && !s->missing_null) ||
	    (x->nfields > f->nfields && !s->extra_ignore)) {
		f->n.read++;
		snprintf(why, sizeof(why), "%zu fields where %zu are expected",
			 x->nfields, f->nfields);
		return kf__reject_out(f, &r,
				      x->nfields < f->nfields
					      ? "missing_columns"
					      : "extra_columns",
				      -1, why, x->raw_len);
	}
	return kf__row(f, &r);
}

static int kf__on_csv_error(const kf_csv_error_t *e, void *opaque)
{
	kf_recfile_t *f = opaque;
	struct kf__rec r;
	int too_long = e->code == KF_CSV_E_FIELD_TOO_LONG ||
		       e->code == KF_CSV_E_RECORD_TOO_LONG;

	KF__REC_FROM(r, e);
	f->n.read++;
	return kf__reject_out(f, &r, too_long ? "too_long" : "csv", -1, e->msg,
			      e->raw_total);
}

/* JSON lines: members the schema does not read (on_extra_columns). */
static int kf__jsonl_extra(kf_recfile_t *f, const kf_jsonl_line_t *l, char *why,
			   size_t whylen)
{
	const kf_jtok_t *t = l->toks;
	uint32_t k = 1, m;
	size_t c;

	for (m = 0; m < t[0].size; m++, k = t[k + 1].next) {
		const char *name = l->raw + t[k].start + 1;
		size_t n = t[k].end - t[k].start - 2;

		for (c = 0; c < f->s->ncols; c++) {
			const char *src = f->s->cols[c].source
						  ? f->s->cols[c].source
						  : f->s->cols[c].name;
			size_t sl = strcspn(src, ".");

			if (!f->s->cols[c].value && sl == n &&
			    !memcmp(src, name, n))
				break;
		}
		if (c == f->s->ncols) {
			snprintf(why, whylen,
				 "member %.*s is not a column of the schema",
				 (int)(n > 64 ? 64 : n), name);
			return 1;
		}
	}
	return 0;
}

static int kf__on_jsonl(const kf_jsonl_line_t *l, void *opaque)
{
	kf_recfile_t *f = opaque;
	struct kf__rec r;
	char why[160];

	KF__REC_FROM(r, l);
	r.jl = l;
	if (!f->s->extra_ignore && kf__jsonl_extra(f, l, why, sizeof(why))) {
		f->n.read++;
		return kf__reject_out(f, &r, "extra_columns", -1, why,
				      l->raw_len);
	}
	return kf__row(f, &r);
}

static int kf__on_jsonl_error(const kf_jsonl_error_t *e, void *opaque)
{
	kf_recfile_t *f = opaque;
	struct kf__rec r;

	KF__REC_FROM(r, e);
	f->n.read++;
	return kf__reject_out(f, &r, e->code, -1, e->msg, e->raw_total);
}

/* -------------------------------------------------------------------------
 * The reader of the schema's format
 */

static int kf__new_csv(kf_recfile_t *f, char *errstr, size_t errstr_size)
{
	const kf_schema_t *s = f->s;
	kf_csv_opts_t o;

	if (s->csv.skip_lines || s->csv.comment ||
	    (s->csv.escape && s->csv.escape != s->csv.quote)) {
		snprintf(errstr, errstr_size,
			 "%s: skip_lines, comment and an escape other than "
			 "the quote are not supported by this version",
			 s->path ? s->path : "schema");
		return KF_EINVAL;
	}
	kf_csv_opts_init(&o);
	o.dialect.delim = s->csv.delim;
	o.dialect.quote = s->csv.quote;
	o.dialect.header = s->csv.header;
	o.max_field = s->csv.max_field_bytes;
	o.expect_fields = KF_CSV_ANY_FIELDS; /* checked per row here */
	o.strict_quotes = 0; /* docs/records.md 2.2: ab"c is data */
	o.skip_empty_lines = 1;
	o.null_rule =
		s->csv.quoted_null ? KF_CSV_NULL_ANY : KF_CSV_NULL_UNQUOTED;
	o.null_str = s->csv.null_text;
	f->csv = kf_csv_new(&o, kf__on_csv, kf__on_csv_error, f, errstr,
			    errstr_size);
	return f->csv ? 0 : KF_EINVAL;
}

static int kf__new_fixed(kf_recfile_t *f, char *errstr, size_t errstr_size)
{
	const kf_schema_t *s = f->s;
	kf_fixed_opts_t o;
	size_t t, nsums = 0;

	f->codes = calloc(s->n_rectypes, sizeof(*f->codes));
	f->seen = calloc(s->n_rectypes, sizeof(*f->seen));
	f->sum_base = calloc(s->n_rectypes, sizeof(*f->sum_base));
	f->header = calloc(s->ncols, sizeof(*f->header));
	f->hbufs = calloc(s->ncols, sizeof(*f->hbufs));
	if (!f->codes || !f->seen || !f->sum_base || !f->header || !f->hbufs)
		return KF_ENOMEM;
	for (t = 0; t < s->n_rectypes; t++) {
		f->codes[t] = s->rectypes[t].match;
		f->sum_base[t] = nsums;
		nsums += s->rectypes[t].n_sums;
	}
	if (nsums && !(f->sums = calloc(nsums, sizeof(*f->sums))))
		return KF_ENOMEM;
	memset(&o, 0, sizeof(o));
	o.record_bytes = s->fixed.record_bytes;
	o.terminated = s->fixed.terminator != KF_TERM_NONE;
	o.has_disc = s->fixed.has_disc;
	o.disc_offset = s->fixed.disc_offset;
	o.disc_length = s->fixed.disc_length;
	o.codes = f->codes;
	o.ntypes = s->n_rectypes;
	f->fixed = kf_fixed_new(&o, kf__on_fixed, kf__on_fixed_error, f, errstr,
				errstr_size);
	return f->fixed ? 0 : KF_EINVAL;
}

static int kf__new_reader(kf_recfile_t *f, char *errstr, size_t errstr_size)
{
	const kf_schema_t *s = f->s;

	switch (s->format) {
	case KF_FMT_CSV:
		return kf__new_csv(f, errstr, errstr_size);
	case KF_FMT_JSONL:
		if (s->iconv_from) { /* RFC 8259 8.1 */
			snprintf(errstr, errstr_size,
				 "%s: JSON lines files are UTF-8 (RFC 8259); "
				 "encoding %s is for CSV and fixed-width files",
				 s->path ? s->path : "schema", s->encoding);
			return KF_EINVAL;
		}
		f->jsonl = kf_jsonl_new(s->jsonl.max_line_bytes, kf__on_jsonl,
					kf__on_jsonl_error, f);
		return f->jsonl ? 0 : KF_ENOMEM;
	case KF_FMT_FIXED:
		return kf__new_fixed(f, errstr, errstr_size);
	}
	return KF_EINVAL;
}

/* The serializer of one format (docs/schemas.md 1.1). */
static kf_serializer_t *kf__serializer(const kf_recfile_opts_t *o,
				       enum kf_rec_wire wire, char *errstr,
				       size_t errstr_size)
{
	if (wire == KF_WIRE_AVRO)
		return kf_serial_avro(o->schema, o->key_id, o->value_id, errstr,
				      errstr_size);
	if (wire == KF_WIRE_JSON_SCHEMA)
		return kf_serial_json_schema(o->schema, o->decimal_numeric,
					     o->key_id, o->value_id, errstr,
					     errstr_size);
	return kf_serial_connect_json(o->schema, o->decimal_numeric, errstr,
				      errstr_size);
}

kf_recfile_t *kf_recfile_new(const kf_recfile_opts_t *o,
			     kf_recfile_row_cb on_row,
			     kf_recfile_reject_cb on_reject, void *opaque,
			     char *errstr, size_t errstr_size)
{
	const kf_schema_t *s = o->schema;
	kf_recfile_t *f;
	int rc = KF_ENOMEM;

	if (!s->prepared) {
		snprintf(errstr, errstr_size, "recfile: schema not prepared");
		return NULL;
	}
	if (!(f = calloc(1, sizeof(*f))))
		goto nomem;
	f->s = s;
	f->o = *o;
	f->on_row = on_row;
	f->on_reject = on_reject;
	f->opaque = opaque;
	kf_strbuf_heap(&f->tmp, 256);
	kf_strbuf_heap(&f->key, 256);
	kf_strbuf_heap(&f->value, 4096);
	f->vals = calloc(s->ncols, sizeof(*f->vals));
	f->bufs = calloc(s->ncols, sizeof(*f->bufs));
	f->mbufs = calloc(s->ncols, sizeof(*f->mbufs));
	f->okgen = calloc(s->ncols, sizeof(*f->okgen));
	f->map = calloc(s->ncols, sizeof(*f->map));
	if (f->tmp.failed || f->key.failed || f->value.failed || !f->vals ||
	    !f->bufs || !f->mbufs || !f->okgen || !f->map)
		goto nomem;
	if (s->iconv_from &&
	    !(f->dec = kf_decoder_new(s->iconv_from, errstr, errstr_size)))
		goto fail;
	if (!(f->ser = kf__serializer(o, o->wire, errstr, errstr_size)))
		goto fail;
	if (o->key_wire != o->wire &&
	    !(f->kser = kf__serializer(o, o->key_wire, errstr, errstr_size)))
		goto fail;
	if (!(rc = kf__new_reader(f, errstr, errstr_size)))
		return f;
	if (rc != KF_ENOMEM)
		goto fail;
nomem:
	snprintf(errstr, errstr_size, "recfile: out of memory");
fail:
	kf_recfile_destroy(f);
	return NULL;
}

static void kf__free_bufs(struct kf__buf *b, size_t n)
{
	size_t i;

	for (i = 0; b && i < n; i++)
		free(b[i].p);
	free(b);
}

void kf_recfile_destroy(kf_recfile_t *f)
{
	if (!f)
		return;
	kf_csv_destroy(f->csv);
	kf_jsonl_destroy(f->jsonl);
	kf_fixed_destroy(f->fixed);
	kf_serial_free(f->ser);
	kf_serial_free(f->kser);
	kf_decoder_free(f->dec);
	kf__free_bufs(f->bufs, f->s->ncols);
	kf__free_bufs(f->mbufs, f->s->ncols);
	kf__free_bufs(f->hbufs, f->s->ncols);
	free(f->hdr.p);
	free(f->tmp.p);
	free(f->key.p);
	free(f->value.p);
	free(f->vals);
	free(f->okgen);
	free(f->map);
	free(f->header);
	free(f->seen);
	free(f->sums);
	free(f->sum_base);
	free(f->codes);
	free(f);
}

/* A reader's return: -ENOMEM as ours, a failure recorded by the column
 * code, or a callback's. */
static int kf__reader_rc(kf_recfile_t *f, int rc)
{
	if (f->failed)
		return f->failed;
	if (rc == -ENOMEM)
		return kf__fail(f, KF_ENOMEM, "out of memory reading");
	return rc;
}

int kf_recfile_feed(kf_recfile_t *f, const void *buf, size_t len)
{
	int rc;

	if (f->failed)
		return f->failed;
	f->n.bytes += len;
	if (f->csv)
		rc = kf_csv_feed(f->csv, buf, len);
	else if (f->jsonl)
		rc = kf_jsonl_feed(f->jsonl, buf, len);
	else
		rc = kf_fixed_feed(f->fixed, buf, len);
	return kf__reader_rc(f, rc);
}

/* A fixed file's `first` and `last` records must be there. */
static int kf__fixed_structure(kf_recfile_t *f)
{
	const kf_schema_t *s = f->s;
	size_t t;

	for (t = 0; t < s->n_rectypes; t++)
		if (s->rectypes[t].position != KF_POS_ANY && !f->seen[t])
			return kf__fail(f, KF_EINVAL,
					"no %s record (code %.*s): the file "
					"is incomplete",
					s->rectypes[t].name,
					(int)s->rectypes[t].match_len,
					s->rectypes[t].match
						? s->rectypes[t].match
						: "");
	return 0;
}

int kf_recfile_finish(kf_recfile_t *f)
{
	int rc;

	if (f->failed)
		return f->failed;
	if (f->csv)
		rc = kf_csv_finish(f->csv);
	else if (f->jsonl)
		rc = kf_jsonl_finish(f->jsonl);
	else
		rc = kf_fixed_finish(f->fixed);
	if ((rc = kf__reader_rc(f, rc)))
		return rc;
	if (f->csv && !f->mapped)
		return kf__csv_map(f);
	if (f->fixed)
		return kf__fixed_structure(f);
	return 0;
}

const char *kf_recfile_error(const kf_recfile_t *f)
{
	return f->failed ? f->err : NULL;
}

void kf_recfile_counts(const kf_recfile_t *f, kf_recfile_counts_t *c)
{
	*c = f->n;
}
