/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The streaming CSV reader (csv.h): a state machine over each chunk that
 * skips runs of ordinary bytes with a table lookup and stops only at the
 * few bytes that matter in its state (delimiter, quote, CR, LF).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/csv.h"

enum kf__state {
	S_FIELD,    /* at a field's first byte */
	S_UNQUOTED, /* inside an unquoted field */
	S_QUOTED,   /* inside quotes */
	S_QUOTE2,   /* a quote inside quotes: doubled, or the closing one */
	S_CRLF,	    /* after a CR that ended a record: an LF belongs to it */
	S_SKIP,	    /* after an error: up to the next CR or LF */
};

struct kf_csv {
	kf_csv_opts_t o;
	char *null_str;
	size_t null_len;
	kf_csv_record_cb on_record;
	kf_csv_error_cb on_error;
	void *opaque;
	unsigned char stop_unq[256], stop_q[256], stop_nl[256];

	int rc;	     /* a callback's nonzero return: stopped */
	int bom_len; /* bytes of the BOM matched so far; -1 decided */
	char head[3];
	enum kf__state state;
	int prev_cr;
	uint64_t pos;  /* offset of the chunk's first byte */
	uint64_t line; /* the current line */
	uint64_t num;

	int in_rec; /* a record has started */
	uint64_t rec_line, rec_off;
	uint64_t q_line, q_off; /* the last opening quote */
	int discard;		/* over a cap: parse, store nothing */
	kf_csv_error_t err;	/* pending, given at the record's end */
	char msg[256];

	char *val; /* the field values, back to back */
	size_t val_len, val_cap, fstart;
	kf_csv_field_t *f; /* ptr holds an offset into val until emitted */
	size_t nf, f_cap;
	char *raw; /* the record's raw bytes of earlier chunks */
	size_t raw_len, raw_cap;
	const char *chunk; /* the chunk being read */
	size_t raw_from;   /* its first byte of the record not in raw */

	size_t expect;
	int header_pending;
	char *hdr_val;
	kf_csv_field_t *hdr;
	size_t hdr_n;
};

static const char *const kf__what[] = {
	[KF_CSV_E_UNTERMINATED] = "unterminated quoted field",
	[KF_CSV_E_STRAY_QUOTE] = "quote inside an unquoted field",
	[KF_CSV_E_AFTER_QUOTE] = "bytes after a closing quote",
	[KF_CSV_E_FIELD_TOO_LONG] = "field too long",
	[KF_CSV_E_RECORD_TOO_LONG] = "record too long",
	[KF_CSV_E_FIELD_COUNT] = "wrong number of fields",
};

void kf_csv_opts_init(kf_csv_opts_t *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->dialect.delim = ',';
	opts->dialect.quote = '"';
	opts->strict_quotes = 1;
}

kf_csv_t *kf_csv_new(const kf_csv_opts_t *opts, kf_csv_record_cb on_record,
		     kf_csv_error_cb on_error, void *opaque, char *errstr,
		     size_t errstr_size)
{
	char d = opts->dialect.delim, q = opts->dialect.quote;
	kf_csv_t *p;

	if (d == '\r' || d == '\n' || d == '\0' || (q && d == q) || q == '\r' ||
	    q == '\n') {
		snprintf(errstr, errstr_size,
			 "csv: the delimiter must be one byte other than NUL, "
			 "CR, LF and the quote, and the quote not CR or LF");
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		goto out_nomem;
	p->o = *opts;
	if (!p->o.max_field)
		p->o.max_field = KF_CSV_MAX_FIELD_DEFAULT;
	if (!p->o.max_record)
		p->o.max_record = KF_CSV_MAX_RECORD_DEFAULT;
	p->null_str = strdup(opts->null_str ? opts->null_str : "");
	if (!p->null_str)
		goto out_free;
	p->null_len = strlen(p->null_str);
	p->o.null_str = p->null_str;
	p->on_record = on_record;
	p->on_error = on_error;
	p->opaque = opaque;
	p->stop_unq[(unsigned char)d] = 1;
	p->stop_unq['\r'] = p->stop_unq['\n'] = 1;
	p->stop_nl['\r'] = p->stop_nl['\n'] = 1;
	p->stop_q['\r'] = p->stop_q['\n'] = 1;
	if (q)
		p->stop_unq[(unsigned char)q] = p->stop_q[(unsigned char)q] = 1;
	p->line = 1;
	p->expect = opts->expect_fields;
	p->header_pending = opts->dialect.header;
	return p;

out_free:
	free(p);
out_nomem:
	snprintf(errstr, errstr_size, "csv: out of memory");
	return NULL;
}

void kf_csv_destroy(kf_csv_t *p)
{
	if (!p)
		return;
	free(p->null_str);
	free(p->val);
	free(p->f);
	free(p->raw);
	free(p->hdr_val);
	free(p->hdr);
	free(p);
}

const kf_csv_field_t *kf_csv_header(const kf_csv_t *p, size_t *nfields)
{
	*nfields = p->hdr_n;
	return p->hdr;
}

/* Grows *buf to hold need bytes (need is bounded by the caps). */
static int kf__reserve(void **buf, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 64;
	void *nb;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	nb = realloc(*buf, n * elem);
	if (!nb)
		return -ENOMEM;
	*buf = nb;
	*cap = n;
	return 0;
}

/* Remembers the record's first error; the reader reports it when the
 * record ends. */
static void kf__fail(kf_csv_t *p, enum kf_csv_err code, uint64_t off,
		     uint64_t line)
{
	p->err.code = code;
	p->err.err_offset = off;
	p->err.err_line = line;
}

static int kf__val_add(kf_csv_t *p, const char *b, size_t n)
{
	if (kf__reserve((void **)&p->val, &p->val_cap, p->val_len + n, 1))
		return -ENOMEM;
	memcpy(p->val + p->val_len, b, n);
	p->val_len += n;
	return 0;
}

static int kf__field_end(kf_csv_t *p, int quoted)
{
	kf_csv_field_t *f;

	if (p->discard || p->err.code)
		return 0;
	if (kf__reserve((void **)&p->f, &p->f_cap, p->nf + 1, sizeof(*p->f)))
		return -ENOMEM;
	f = &p->f[p->nf++];
	f->ptr = (const char *)(uintptr_t)p->fstart;
	f->len = p->val_len - p->fstart;
	f->quoted = (unsigned char)quoted;
	f->null = 0;
	p->fstart = p->val_len;
	return 0;
}

static int kf__raw_add(kf_csv_t *p, const char *b, size_t n)
{
	size_t room = p->o.max_record - p->raw_len;

	if (n > room)
		n = room;
	if (!n)
		return 0;
	if (kf__reserve((void **)&p->raw, &p->raw_cap, p->raw_len + n, 1))
		return -ENOMEM;
	memcpy(p->raw + p->raw_len, b, n);
	p->raw_len += n;
	return 0;
}

static int kf__is_null(const kf_csv_t *p, const kf_csv_field_t *f)
{
	if (p->o.null_rule == KF_CSV_NULL_NEVER ||
	    (f->quoted && p->o.null_rule == KF_CSV_NULL_UNQUOTED))
		return 0;
	return f->len == p->null_len && !memcmp(f->ptr, p->null_str, f->len);
}

static int kf__keep_header(kf_csv_t *p)
{
	size_t i;

	p->hdr_val = malloc(p->val_len ? p->val_len : 1);
	p->hdr = malloc(p->nf * sizeof(*p->hdr));
	if (!p->hdr_val || !p->hdr)
		return -ENOMEM;
	memcpy(p->hdr_val, p->val, p->val_len);
	for (i = 0; i < p->nf; i++) {
		p->hdr[i] = p->f[i];
		p->hdr[i].ptr = p->hdr_val + (p->f[i].ptr - p->val);
	}
	p->hdr_n = p->nf;
	p->header_pending = 0;
	return 0;
}

static int kf__emit_error(kf_csv_t *p, const char *raw, uint64_t total)
{
	kf_csv_error_t *e = &p->err;

	e->num = ++p->num;
	e->line = p->rec_line;
	e->offset = p->rec_off;
	e->raw = raw;
	e->raw_len = total < p->o.max_record ? total : p->o.max_record;
	e->raw_total = total;
	if (e->code == KF_CSV_E_FIELD_COUNT)
		snprintf(p->msg, sizeof(p->msg),
			 "record %llu (line %llu, byte %llu): %s: %zu, "
			 "expected %zu",
			 (unsigned long long)e->num,
			 (unsigned long long)e->line,
			 (unsigned long long)e->offset, kf__what[e->code],
			 e->nfields, e->expected);
	else
		snprintf(p->msg, sizeof(p->msg),
			 "record %llu (line %llu, byte %llu): %s at line "
			 "%llu, byte %llu",
			 (unsigned long long)e->num,
			 (unsigned long long)e->line,
			 (unsigned long long)e->offset, kf__what[e->code],
			 (unsigned long long)e->err_line,
			 (unsigned long long)e->err_offset);
	e->msg = p->msg;
	return p->on_error ? p->on_error(e, p->opaque) : 0;
}

/* The record ends before chunk byte i (its line end, or the input's
 * end): report it or its error, then start afresh. */
static int kf__record_end(kf_csv_t *p, size_t i)
{
	const char *raw = p->chunk + p->raw_from;
	uint64_t total = p->pos + i - p->rec_off;
	kf_csv_record_t r;
	int rc = 0;
	size_t k;

	/* fields point into val, allocated even for empty values */
	if (kf__reserve((void **)&p->val, &p->val_cap, 1, 1))
		return -ENOMEM;
	if (p->raw_len) {
		if (kf__raw_add(p, raw, i - p->raw_from))
			return -ENOMEM;
		raw = p->raw;
	}
	if (!p->err.code && p->expect != KF_CSV_ANY_FIELDS) {
		if (!p->expect)
			p->expect = p->nf;
		else if (p->nf != p->expect) {
			p->err.code = KF_CSV_E_FIELD_COUNT;
			p->err.err_line = p->rec_line;
			p->err.err_offset = p->rec_off;
			p->err.nfields = p->nf;
			p->err.expected = p->expect;
		}
	}
	if (p->err.code) {
		rc = kf__emit_error(p, raw, total);
	} else {
		for (k = 0; k < p->nf; k++) {
			p->f[k].ptr = p->val + (uintptr_t)p->f[k].ptr;
			p->f[k].null = (unsigned char)kf__is_null(p, &p->f[k]);
		}
		if (p->header_pending) {
			rc = kf__keep_header(p);
		} else if (p->on_record) {
			r.num = ++p->num;
			r.line = p->rec_line;
			r.offset = p->rec_off;
			r.raw = raw;
			r.raw_len = (size_t)total;
			r.fields = p->f;
			r.nfields = p->nf;
			rc = p->on_record(&r, p->opaque);
		}
	}
	memset(&p->err, 0, sizeof(p->err));
	p->in_rec = 0;
	p->discard = 0;
	p->nf = p->val_len = p->fstart = p->raw_len = 0;
	return rc;
}

/* Bytes from i that need no decision in this state, up to cap. */
static size_t kf__run(const unsigned char *stop, const char *b, size_t i,
		      size_t cap)
{
	size_t j = i;

	while (j < cap && !stop[(unsigned char)b[j]])
		j++;
	return j - i;
}

/* A cap is hit at chunk byte i: the record is rejected, and the reader
 * goes on parsing it without storing (its end is still known). */
static void kf__over(kf_csv_t *p, enum kf_csv_err code, size_t i)
{
	if (!p->err.code)
		kf__fail(p, code, p->pos + i, p->line);
	p->discard = 1;
}

static size_t kf__field_room(const kf_csv_t *p)
{
	return p->o.max_field - (p->val_len - p->fstart);
}

/* Takes the ordinary bytes from *i in a content state and stores them,
 * stopping at the state's next special byte or where a cap is hit. */
static int kf__content(kf_csv_t *p, const unsigned char *stop, const char *b,
		       size_t *i, size_t n)
{
	size_t end = n, k, fr = 0;
	uint64_t used;

	if (!p->discard) {
		used = p->pos + *i - p->rec_off; /* < max_record: checked */
		if (p->o.max_record - used < end - *i)
			end = *i + (size_t)(p->o.max_record - used);
		fr = kf__field_room(p);
		if (fr < end - *i)
			end = *i + fr;
	}
	k = kf__run(stop, b, *i, end);
	if (k && !p->discard && kf__val_add(p, b + *i, k))
		return -ENOMEM;
	if (k)
		p->prev_cr = 0;
	*i += k;
	/* an ordinary byte over the field cap (the record cap, when both
	 * are hit at one byte, wins at the loop's top) */
	if (*i < n && !p->discard && !stop[(unsigned char)b[*i]] &&
	    p->pos + *i - p->rec_off < p->o.max_record && fr == k)
		kf__over(p, KF_CSV_E_FIELD_TOO_LONG, *i);
	return 0;
}

/* One byte special in its state but stored as data (a doubled quote, a
 * newline inside quotes, a stray quote when not strict). */
static int kf__byte(kf_csv_t *p, char c, size_t i)
{
	if (p->discard)
		return 0;
	if (!kf__field_room(p)) {
		kf__over(p, KF_CSV_E_FIELD_TOO_LONG, i);
		return 0;
	}
	return kf__val_add(p, &c, 1);
}

/* An error that leaves the quoting in doubt: skip to the next line end. */
static void kf__structure_error(kf_csv_t *p, enum kf_csv_err code, size_t i)
{
	if (!p->err.code)
		kf__fail(p, code, p->pos + i, p->line);
	p->state = S_SKIP;
}

/* A CR or LF that ends a record at chunk byte i (never preceded by a CR
 * of the same line end: that one would have ended the record). */
static int kf__line_end(kf_csv_t *p, char c, size_t i, int quoted)
{
	int rc = p->state == S_SKIP ? 0 : kf__field_end(p, quoted);

	if (!rc)
		rc = kf__record_end(p, i);
	p->line++;
	p->state = c == '\r' ? S_CRLF : S_FIELD;
	return rc;
}

static int kf__is_nl(char c)
{
	return c == '\r' || c == '\n';
}

/* Starts a record at chunk byte i, unless it is an empty line to skip
 * (then 1). */
static int kf__record_start(kf_csv_t *p, char c, size_t i)
{
	if (kf__is_nl(c) && p->o.skip_empty_lines) {
		p->line++;
		p->state = c == '\r' ? S_CRLF : S_FIELD;
		return 1;
	}
	p->in_rec = 1;
	p->rec_off = p->pos + i;
	p->rec_line = p->line;
	p->raw_from = i;
	return 0;
}

static int kf__unquoted(kf_csv_t *p, const char *b, size_t *i, size_t n)
{
	size_t from = *i;
	char c;
	int rc;

	/* after a run, the next byte goes through the loop's cap check */
	rc = kf__content(p, p->stop_unq, b, i, n);
	if (rc || *i != from || *i == n || !p->stop_unq[(unsigned char)b[*i]])
		return rc;
	c = b[*i];
	if (kf__is_nl(c))
		rc = kf__line_end(p, c, *i, 0);
	else if (c == p->o.dialect.delim) {
		rc = kf__field_end(p, 0);
		p->state = S_FIELD;
	} else if (p->o.strict_quotes && !p->discard)
		kf__structure_error(p, KF_CSV_E_STRAY_QUOTE, *i);
	else
		rc = kf__byte(p, c, *i);
	(*i)++;
	return rc;
}

static int kf__quoted(kf_csv_t *p, const char *b, size_t *i, size_t n)
{
	size_t from = *i;
	char c;
	int rc;

	/* after a run, the next byte goes through the loop's cap check */
	rc = kf__content(p, p->stop_q, b, i, n);
	if (rc || *i != from || *i == n || !p->stop_q[(unsigned char)b[*i]])
		return rc;
	c = b[*i];
	if (c == p->o.dialect.quote) {
		p->state = S_QUOTE2;
		p->prev_cr = 0;
	} else {
		rc = kf__byte(p, c, *i);
		if (c == '\r' || !p->prev_cr)
			p->line++;
		p->prev_cr = c == '\r';
	}
	(*i)++;
	return rc;
}

static int kf__after_quote(kf_csv_t *p, const char *b, size_t *i)
{
	char c = b[*i];
	int rc = 0;

	if (kf__is_nl(c))
		rc = kf__line_end(p, c, *i, 1);
	else if (c == p->o.dialect.quote) {
		rc = kf__byte(p, c, *i);
		p->state = S_QUOTED;
	} else if (c == p->o.dialect.delim) {
		rc = kf__field_end(p, 1);
		p->state = S_FIELD;
	} else {
		kf__structure_error(p, KF_CSV_E_AFTER_QUOTE, *i);
		return 0; /* the byte is looked at again in S_SKIP */
	}
	(*i)++;
	return rc;
}

static int kf__field_start(kf_csv_t *p, const char *b, size_t *i)
{
	char c = b[*i];
	int rc = 0;

	if (kf__is_nl(c))
		rc = kf__line_end(p, c, *i, 0);
	else if (c == p->o.dialect.delim)
		rc = kf__field_end(p, 0);
	else if (p->o.dialect.quote && c == p->o.dialect.quote) {
		p->q_line = p->line;
		p->q_off = p->pos + *i;
		p->prev_cr = 0;
		p->state = S_QUOTED;
	} else {
		p->state = S_UNQUOTED;
		return 0;
	}
	(*i)++;
	return rc;
}

static int kf__parse(kf_csv_t *p, const char *b, size_t n)
{
	size_t i = 0;
	int rc = 0;
	char c;

	p->chunk = b;
	p->raw_from = 0;
	while (i < n && !rc) {
		c = b[i];
		if (p->state == S_CRLF) {
			p->state = S_FIELD;
			if (c == '\n') {
				i++;
				continue;
			}
		}
		if (!p->in_rec && kf__record_start(p, c, i)) {
			i++;
			continue;
		}
		/* the record cap, on every byte of the record but its end */
		if (!p->discard && !p->err.code &&
		    p->pos + i - p->rec_off >= p->o.max_record &&
		    (p->state == S_QUOTED || !kf__is_nl(c)))
			kf__over(p, KF_CSV_E_RECORD_TOO_LONG, i);
		switch (p->state) {
		case S_CRLF:
		case S_FIELD:
			rc = kf__field_start(p, b, &i);
			break;
		case S_UNQUOTED:
			rc = kf__unquoted(p, b, &i, n);
			break;
		case S_QUOTED:
			rc = kf__quoted(p, b, &i, n);
			break;
		case S_QUOTE2:
			rc = kf__after_quote(p, b, &i);
			break;
		case S_SKIP:
			i += kf__run(p->stop_nl, b, i, n);
			if (i < n)
				rc = kf__line_end(p, b[i], i, 0);
			i += i < n;
			break;
		}
	}
	if (!rc && p->in_rec && n > p->raw_from)
		rc = kf__raw_add(p, b + p->raw_from, n - p->raw_from);
	p->pos += n;
	return rc;
}

static const char kf__bom[3] = {'\xef', '\xbb', '\xbf'};

/* Holds back the first bytes until they are known to be a BOM or not. */
static int kf__feed_head(kf_csv_t *p, const char **b, size_t *n)
{
	int rc;

	while (p->bom_len >= 0 && *n) {
		if (**b != kf__bom[p->bom_len]) {
			rc = p->bom_len ? kf__parse(p, kf__bom, p->bom_len) : 0;
			p->bom_len = -1;
			return rc;
		}
		(*b)++;
		(*n)--;
		if (++p->bom_len == 3) {
			p->pos = 3;
			p->bom_len = -1;
		}
	}
	return 0;
}

int kf_csv_feed(kf_csv_t *p, const void *buf, size_t len)
{
	const char *b = buf;

	if (!p->rc)
		p->rc = kf__feed_head(p, &b, &len);
	if (!p->rc && len)
		p->rc = kf__parse(p, b, len);
	return p->rc;
}

int kf_csv_finish(kf_csv_t *p)
{
	int rc = p->rc;

	if (!rc && p->bom_len > 0)
		rc = kf__parse(p, kf__bom, p->bom_len);
	p->bom_len = -1;
	if (rc || !p->in_rec)
		return p->rc = rc;
	p->chunk = "";
	p->raw_from = 0;
	switch (p->state) {
	case S_QUOTED:
		if (!p->err.code)
			kf__fail(p, KF_CSV_E_UNTERMINATED, p->q_off, p->q_line);
		break;
	case S_CRLF:
	case S_FIELD:
	case S_UNQUOTED:
		rc = kf__field_end(p, 0);
		break;
	case S_QUOTE2:
		rc = kf__field_end(p, 1);
		break;
	case S_SKIP:
		break;
	}
	if (!rc)
		rc = kf__record_end(p, 0);
	return p->rc = rc;
}

/* Dialect sniffing: the sample read with each candidate delimiter by the
 * reader itself, counting fields per row and which columns hold numbers
 * or dates. */
#define KF__SNIFF_ROWS 100
#define KF__SNIFF_COLS 64

struct kf__sniff {
	uint64_t cut; /* a record ending here was cut by the sample's end */
	size_t rows, errors;
	int quoted;
	size_t count[KF__SNIFF_ROWS];
	uint64_t typed[KF__SNIFF_ROWS]; /* bit c: column c a number/date */
	uint64_t empty[KF__SNIFF_ROWS];
};

static size_t kf__digits(const char *s, size_t n, size_t *i)
{
	size_t from = *i;

	while (*i < n && s[*i] >= '0' && s[*i] <= '9')
		(*i)++;
	return *i - from;
}

/* [+-]digits[.digits][(e|E)[+-]digits], with a digit somewhere before
 * the exponent. */
static int kf__is_number(const char *s, size_t n)
{
	size_t i = 0, d;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	d = kf__digits(s, n, &i);
	if (i < n && s[i] == '.') {
		i++;
		d += kf__digits(s, n, &i);
	}
	if (d && i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (!kf__digits(s, n, &i))
			return 0;
	}
	return d && i == n;
}

/* A date or a time: digits and - / . : T or space, six digits at least
 * (2024-01-31, 31/01/2024, 2024-01-31 12:00:00). */
static int kf__is_datetime(const char *s, size_t n)
{
	size_t i, digits = 0;

	for (i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (!memchr("-/.: T", s[i], 6))
			return 0;
	}
	return digits >= 6 && digits < n;
}

static int kf__typed(const char *s, size_t n)
{
	return kf__is_number(s, n) || kf__is_datetime(s, n);
}

static int kf__sniff_record(const kf_csv_record_t *r, void *opaque)
{
	struct kf__sniff *s = opaque;
	size_t c;

	if (r->offset + r->raw_len == s->cut || s->rows == KF__SNIFF_ROWS)
		return 0;
	s->count[s->rows] = r->nfields;
	for (c = 0; c < r->nfields && c < KF__SNIFF_COLS; c++) {
		if (r->fields[c].quoted)
			s->quoted = 1;
		if (!r->fields[c].len)
			s->empty[s->rows] |= 1ull << c;
		else if (kf__typed(r->fields[c].ptr, r->fields[c].len))
			s->typed[s->rows] |= 1ull << c;
	}
	s->rows++;
	return 0;
}

static int kf__sniff_error(const kf_csv_error_t *e, void *opaque)
{
	struct kf__sniff *s = opaque;

	if (e->offset + e->raw_total != s->cut)
		s->errors++;
	return 0;
}

/* The most frequent field count and how many rows have it. */
static size_t kf__mode(const struct kf__sniff *s, size_t *fields)
{
	size_t i, j, best = 0, n;

	*fields = 0;
	for (i = 0; i < s->rows; i++) {
		for (n = 0, j = 0; j < s->rows; j++)
			n += s->count[j] == s->count[i];
		if (n > best || (n == best && s->count[i] > *fields)) {
			best = n;
			*fields = s->count[i];
		}
	}
	return best;
}

/* A header: the first row holds no number or date and no empty field,
 * and some column holds one in every row below that fills it; when no
 * column below is typed either, a first row of text is taken as the
 * header (exports name their columns). */
static int kf__sniff_header(const struct kf__sniff *s)
{
	uint64_t below = ~0ull, seen = 0;
	size_t i;

	if (!s->rows || s->typed[0] || s->empty[0])
		return 0;
	for (i = 1; i < s->rows; i++) {
		below &= s->typed[i] | s->empty[i];
		seen |= s->typed[i];
	}
	return s->rows == 1 || (below & seen) != 0 || !seen;
}

int kf_csv_sniff(const void *buf, size_t len, kf_csv_dialect_t *dialect)
{
	static const char delims[] = {',', ';', '|', '\t'};
	const unsigned char *b = buf;
	struct kf__sniff s, best;
	size_t d, fields, best_fields = 0, score, best_score = 0;
	kf_csv_opts_t o;
	kf_csv_t *p;
	char err[128];
	const void *nl;

	memset(dialect, 0, sizeof(*dialect));
	dialect->bom = len >= 3 && !memcmp(b, kf__bom, 3);
	nl = memchr(b, '\n', len);
	dialect->crlf = nl && nl != buf && ((const char *)nl)[-1] == '\r';
	dialect->delim = ',';
	dialect->quote = '"';
	memset(&best, 0, sizeof(best));
	for (d = 0; d < sizeof(delims); d++) {
		kf_csv_opts_init(&o);
		o.dialect.delim = delims[d];
		o.expect_fields = KF_CSV_ANY_FIELDS;
		o.skip_empty_lines = 1;
		memset(&s, 0, sizeof(s));
		s.cut = len && !kf__is_nl((char)b[len - 1]) ? len : UINT64_MAX;
		p = kf_csv_new(&o, kf__sniff_record, kf__sniff_error, &s, err,
			       sizeof(err));
		if (!p)
			return -1;
		if (kf_csv_feed(p, buf, len) || kf_csv_finish(p)) {
			kf_csv_destroy(p);
			return -1;
		}
		kf_csv_destroy(p);
		score = kf__mode(&s, &fields);
		score = score > s.errors ? score - s.errors : 0;
		if (fields < 2 && d)
			continue;
		if (d == 0 || score > best_score ||
		    (score == best_score && fields > best_fields)) {
			best = s;
			best_score = score;
			best_fields = fields;
			dialect->delim = delims[d];
		}
	}
	if (!best.rows)
		return -1;
	dialect->has_quotes = best.quoted;
	dialect->header = kf__sniff_header(&best);
	return 0;
}
