/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fixed-width reader (fixed.h). Terminated layouts take their lines
 * from record/lines.h (a line is kept up to record_bytes + 1 bytes: a
 * longer one is a record_length reject anyway); back-to-back layouts cut
 * every record_bytes bytes, gathering a record that spans chunks in a
 * buffer of that size. A record that lies whole in a chunk is given
 * where it is.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/fixed.h"
#include "record/lines.h"

#define KF__MAX_RECORD ((size_t)16 << 20)

struct kf_fixed {
	kf_fixed_opts_t o; /* o.codes unused: the copy is codes */
	char *codes;	   /* ntypes codes of disc_length bytes, back to back */
	kf_fixed_rec_cb on_rec;
	kf_fixed_error_cb on_error;
	void *opaque;

	int rc; /* a callback's nonzero return: stopped */
	uint64_t num;
	kf_lines_t lines; /* terminated */
	char *rec;	  /* back to back: the record that spans chunks */
	size_t rec_len;
	uint64_t pos;
	char msg[256];
};

static int kf__check_opts(const kf_fixed_opts_t *o, char *errstr,
			  size_t errstr_size)
{
	size_t i, j;

	if (!o->record_bytes || o->record_bytes > KF__MAX_RECORD) {
		snprintf(errstr, errstr_size,
			 "fixed: record_bytes must be 1 to %zu, not %zu",
			 KF__MAX_RECORD, o->record_bytes);
		return -1;
	}
	if (!o->has_disc)
		return 0;
	if (!o->disc_length || o->disc_offset > o->record_bytes ||
	    o->disc_length > o->record_bytes - o->disc_offset) {
		snprintf(errstr, errstr_size,
			 "fixed: the discriminator (offset %zu, length %zu) "
			 "must lie inside the record of %zu bytes",
			 o->disc_offset, o->disc_length, o->record_bytes);
		return -1;
	}
	if (!o->ntypes || !o->codes) {
		snprintf(errstr, errstr_size,
			 "fixed: a discriminator needs the code of each "
			 "record type");
		return -1;
	}
	for (i = 0; i < o->ntypes; i++) {
		if (!o->codes[i]) {
			snprintf(errstr, errstr_size,
				 "fixed: record type %zu has no code", i + 1);
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (!memcmp(o->codes[i], o->codes[j], o->disc_length)) {
				snprintf(errstr, errstr_size,
					 "fixed: record types %zu and %zu "
					 "have the same code: give each type "
					 "its own",
					 j + 1, i + 1);
				return -1;
			}
		}
	}
	return 0;
}

kf_fixed_t *kf_fixed_new(const kf_fixed_opts_t *o, kf_fixed_rec_cb on_rec,
			 kf_fixed_error_cb on_error, void *opaque, char *errstr,
			 size_t errstr_size)
{
	kf_fixed_t *p;
	size_t i;

	if (kf__check_opts(o, errstr, errstr_size))
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		goto out_nomem;
	p->o = *o;
	p->o.codes = NULL;
	if (o->has_disc) {
		p->codes = malloc(o->ntypes * o->disc_length);
		if (!p->codes)
			goto out_free;
		for (i = 0; i < o->ntypes; i++)
			memcpy(p->codes + i * o->disc_length, o->codes[i],
			       o->disc_length);
	}
	if (!o->terminated) {
		p->rec = malloc(o->record_bytes);
		if (!p->rec)
			goto out_free_codes;
	}
	p->on_rec = on_rec;
	p->on_error = on_error;
	p->opaque = opaque;
	kf_lines_init(&p->lines, o->record_bytes + 1);
	return p;

out_free_codes:
	free(p->codes);
out_free:
	free(p);
out_nomem:
	snprintf(errstr, errstr_size, "fixed: out of memory");
	return NULL;
}

void kf_fixed_destroy(kf_fixed_t *p)
{
	if (!p)
		return;
	kf_lines_free(&p->lines);
	free(p->codes);
	free(p->rec);
	free(p);
}

/* The type whose code the record holds, or -1. */
static int kf__type(const kf_fixed_t *p, const char *s)
{
	size_t i, n = p->o.disc_length;

	if (!p->o.has_disc)
		return 0;
	for (i = 0; i < p->o.ntypes; i++)
		if (!memcmp(s + p->o.disc_offset, p->codes + i * n, n))
			return (int)i;
	return -1;
}

/* The code bytes for a message: printable ASCII as is, others as \xNN. */
static void kf__code_text(const kf_fixed_t *p, const char *s, char *out,
			  size_t cap)
{
	const unsigned char *c = (const unsigned char *)s + p->o.disc_offset;
	size_t i, n = 0;

	for (i = 0; i < p->o.disc_length && n + 5 < cap; i++) {
		if (c[i] >= 0x20 && c[i] < 0x7f && c[i] != '\\')
			out[n++] = (char)c[i];
		else
			n += (size_t)snprintf(out + n, cap - n, "\\x%02x",
					      c[i]);
	}
	out[n] = '\0';
}

/* One record of len bytes (s holds record_bytes of them at least, or
 * all), at offset off on line `line`. */
static int kf__record(kf_fixed_t *p, const char *s, uint64_t len, uint64_t off,
		      uint64_t line)
{
	kf_fixed_error_t e = {.num = ++p->num, .line = line, .offset = off};
	kf_fixed_rec_t r;
	char code[64];
	int type = -1;

	if (len == p->o.record_bytes)
		type = kf__type(p, s);
	if (type >= 0) {
		r.num = p->num;
		r.line = line;
		r.offset = off;
		r.raw = s;
		r.raw_len = (size_t)len;
		r.type = type;
		return p->on_rec ? p->on_rec(&r, p->opaque) : 0;
	}
	if (len != p->o.record_bytes) {
		e.code = "record_length";
		snprintf(p->msg, sizeof(p->msg),
			 "record %llu (line %llu, byte %llu): length %llu, "
			 "the layout's records are %zu bytes",
			 (unsigned long long)e.num, (unsigned long long)line,
			 (unsigned long long)off, (unsigned long long)len,
			 p->o.record_bytes);
	} else {
		e.code = "record_type";
		kf__code_text(p, s, code, sizeof(code));
		snprintf(p->msg, sizeof(p->msg),
			 "record %llu (line %llu, byte %llu): the code '%s' at "
			 "byte %zu is no record type's",
			 (unsigned long long)e.num, (unsigned long long)line,
			 (unsigned long long)off, code, p->o.disc_offset);
	}
	e.msg = p->msg;
	e.raw = s;
	e.raw_len = len < p->o.record_bytes ? (size_t)len : p->o.record_bytes;
	e.raw_total = len;
	return p->on_error ? p->on_error(&e, p->opaque) : 0;
}

/* A terminated record (kf_lines_cb); an empty line is none. */
static int kf__line(void *opaque, const char *s, size_t stored, uint64_t len,
		    uint64_t off, uint64_t line)
{
	(void)stored; /* record_bytes + 1 at least, or all */
	return len ? kf__record(opaque, s, len, off, line) : 0;
}

/* Back to back: every record_bytes bytes a record. */
static int kf__cut(kf_fixed_t *p, const char *b, size_t n)
{
	size_t i = 0, k, rb = p->o.record_bytes;
	int rc = 0;

	while (i < n && !rc) {
		if (!p->rec_len && n - i >= rb) { /* whole: given in place */
			rc = kf__record(p, b + i, rb, p->pos, p->num + 1);
			i += rb;
			p->pos += rb;
			continue;
		}
		k = rb - p->rec_len < n - i ? rb - p->rec_len : n - i;
		memcpy(p->rec + p->rec_len, b + i, k);
		p->rec_len += k;
		i += k;
		p->pos += k;
		if (p->rec_len == rb) {
			p->rec_len = 0;
			rc = kf__record(p, p->rec, rb, p->pos - rb, p->num + 1);
		}
	}
	return rc;
}

int kf_fixed_feed(kf_fixed_t *p, const void *buf, size_t len)
{
	if (p->rc)
		return p->rc;
	if (p->o.terminated)
		p->rc = kf_lines_feed(&p->lines, buf, len, kf__line, p);
	else
		p->rc = kf__cut(p, buf, len);
	return p->rc;
}

int kf_fixed_finish(kf_fixed_t *p)
{
	size_t n = p->rec_len;

	if (p->rc)
		return p->rc;
	if (p->o.terminated)
		return p->rc = kf_lines_finish(&p->lines, kf__line, p);
	/* a line end after the last record is no record */
	if (n && !(n == 1 && p->rec[0] == '\n') &&
	    !(n == 2 && !memcmp(p->rec, "\r\n", 2)))
		p->rc = kf__record(p, p->rec, n, p->pos - n, p->num + 1);
	p->rec_len = 0;
	return p->rc;
}
