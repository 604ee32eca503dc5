/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pgoutput protocol version 1 (PostgreSQL's "Logical Replication Message
 * Formats"), read with a cursor that never passes the message's end.
 */
#include "capture/pgoutput.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

struct kf_pgo_decoder_s {
	kf_pgo_col_t cols[KF_PGO_MAX_COLS];
	kf_pgo_value_t oldv[KF_PGO_MAX_COLS], newv[KF_PGO_MAX_COLS];
	uint32_t *relids;
	int cap_relids;
};

/* A cursor over one message; the first error sticks. */
struct kf__cur {
	const uint8_t *p;
	size_t len, at;
	char type;
	int err;
	char *errstr;
	size_t errstr_size;
};

kf_pgo_decoder_t *kf_pgo_decoder_new(void)
{
	return calloc(1, sizeof(kf_pgo_decoder_t));
}

void kf_pgo_decoder_destroy(kf_pgo_decoder_t *d)
{
	if (!d)
		return;
	free(d->relids);
	free(d);
}

static int kf__bad(struct kf__cur *c, int err, const char *what)
{
	if (!c->err)
		c->err =
			kf_seterr(c->errstr, c->errstr_size, err,
				  "pgoutput message '%c' of %zu bytes, at byte "
				  "%zu: %s",
				  c->type, c->len, c->at, what);
	return c->err;
}

/* Whether n more bytes are there; else the error. */
static int kf__have(struct kf__cur *c, size_t n, const char *what)
{
	if (c->err)
		return 0;
	if (c->len - c->at < n) {
		kf__bad(c, KF_EPROTO, what);
		return 0;
	}
	return 1;
}

static uint64_t kf__uint(struct kf__cur *c, size_t n, const char *what)
{
	uint64_t v = 0;
	size_t i;

	if (!kf__have(c, n, what))
		return 0;
	for (i = 0; i < n; i++)
		v = v << 8 | c->p[c->at + i];
	c->at += n;
	return v;
}

#define kf__u8(c, w) ((uint8_t)kf__uint(c, 1, w))
#define kf__u16(c, w) ((uint16_t)kf__uint(c, 2, w))
#define kf__u32(c, w) ((uint32_t)kf__uint(c, 4, w))
#define kf__u64(c, w) (kf__uint(c, 8, w))

/* A NUL-terminated string inside the message. */
static const char *kf__str(struct kf__cur *c, const char *what)
{
	const uint8_t *nul;
	const char *s;

	if (c->err)
		return "";
	nul = memchr(c->p + c->at, 0, c->len - c->at);
	if (!nul) {
		kf__bad(c, KF_EPROTO, what);
		return "";
	}
	s = (const char *)c->p + c->at;
	c->at = (size_t)(nul - c->p) + 1;
	return s;
}

static void kf__relation(kf_pgo_decoder_t *d, struct kf__cur *c,
			 kf_pgo_msg_t *m)
{
	uint16_t n;
	int i;

	m->relid = kf__u32(c, "relation id cut");
	m->nspname = kf__str(c, "namespace not terminated");
	m->name = kf__str(c, "relation name not terminated");
	m->replident = (char)kf__u8(c, "replica identity cut");
	n = kf__u16(c, "column count cut");
	if (c->err)
		return;
	if (n > KF_PGO_MAX_COLS) {
		kf__bad(c, KF_ELIMIT, "more than 1600 columns");
		return;
	}
	for (i = 0; i < n && !c->err; i++) {
		kf_pgo_col_t *col = &d->cols[i];
		uint8_t flags = kf__u8(c, "column flags cut");

		if (flags & ~1u)
			kf__bad(c, KF_EPROTO, "unknown column flags");
		col->key = flags & 1;
		col->name = kf__str(c, "column name not terminated");
		col->type_oid = kf__u32(c, "column type cut");
		col->typmod = (int32_t)kf__u32(c, "column type modifier cut");
		if (!c->err && !col->name[0])
			kf__bad(c, KF_EPROTO, "empty column name");
	}
	m->ncols = n;
	m->cols = d->cols;
}

static void kf__tuple(struct kf__cur *c, kf_pgo_value_t *v, kf_pgo_tuple_t *t)
{
	uint16_t n = kf__u16(c, "tuple column count cut");
	int i;

	if (c->err)
		return;
	if (n > KF_PGO_MAX_COLS) {
		kf__bad(c, KF_ELIMIT, "a tuple of more than 1600 columns");
		return;
	}
	for (i = 0; i < n && !c->err; i++) {
		v[i].kind = (char)kf__u8(c, "value kind cut");
		v[i].data = NULL;
		v[i].len = 0;
		if (c->err || v[i].kind == 'n' || v[i].kind == 'u')
			continue;
		if (v[i].kind != 't') {
			kf__bad(c, KF_EPROTO,
				"value kind is not 'n', 'u' nor 't' (a binary "
				"value was not asked for)");
			break;
		}
		v[i].len = kf__u32(c, "value length cut");
		if (!kf__have(c, v[i].len, "value longer than the message"))
			break;
		v[i].data = (const char *)c->p + c->at;
		c->at += v[i].len;
	}
	t->ncols = n;
	t->v = v;
}

/* The 'N' tuple, after its marker. */
static void kf__new_tuple(kf_pgo_decoder_t *d, struct kf__cur *c,
			  kf_pgo_msg_t *m, uint8_t marker)
{
	if (!c->err && marker != 'N') {
		kf__bad(c, KF_EPROTO, "the new tuple's marker is not 'N'");
		return;
	}
	kf__tuple(c, d->newv, &m->new_);
}

static void kf__change(kf_pgo_decoder_t *d, struct kf__cur *c, kf_pgo_msg_t *m)
{
	uint8_t marker;

	m->relid = kf__u32(c, "relation id cut");
	marker = kf__u8(c, "tuple marker cut");
	if (c->err)
		return;
	if (m->type == 'I') {
		kf__new_tuple(d, c, m, marker);
		return;
	}
	if (marker == 'K' || marker == 'O') {
		m->old_kind = (char)marker;
		kf__tuple(c, d->oldv, &m->old);
		if (m->type == 'D')
			return;
		marker = kf__u8(c, "new tuple marker cut");
	} else if (m->type == 'D') {
		kf__bad(c, KF_EPROTO, "a delete without 'K' or 'O' tuple");
		return;
	}
	kf__new_tuple(d, c, m, marker);
}

static void kf__truncate(kf_pgo_decoder_t *d, struct kf__cur *c,
			 kf_pgo_msg_t *m)
{
	uint32_t n = kf__u32(c, "relation count cut");
	uint32_t i;

	m->options = kf__u8(c, "options cut");
	if (c->err)
		return;
	if (n == 0 || n > KF_PGO_MAX_TRUNCATE) {
		kf__bad(c, KF_ELIMIT, "relation count 0 or above 65536");
		return;
	}
	if (!kf__have(c, (size_t)n * 4, "fewer relation ids than counted"))
		return;
	if ((int)n > d->cap_relids) {
		uint32_t *r = realloc(d->relids, n * sizeof(*r));

		if (!r) {
			kf__bad(c, KF_ENOMEM, "out of memory");
			return;
		}
		d->relids = r;
		d->cap_relids = (int)n;
	}
	for (i = 0; i < n; i++)
		d->relids[i] = kf__u32(c, "relation id cut");
	m->nrels = (int)n;
	m->relids = d->relids;
}

int kf_pgo_decode(kf_pgo_decoder_t *d, const uint8_t *buf, size_t len,
		  kf_pgo_msg_t *m, char *errstr, size_t errstr_size)
{
	struct kf__cur c = {buf, len, 1, 0, 0, errstr, errstr_size};

	memset(m, 0, sizeof(*m));
	if (len == 0)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "an empty pgoutput message");
	c.type = m->type = (char)buf[0];
	switch (m->type) {
	case 'B':
		m->final_lsn = kf__u64(&c, "final LSN cut");
		m->ts = (int64_t)kf__u64(&c, "commit time cut");
		m->xid = kf__u32(&c, "xid cut");
		break;
	case 'C':
		if (kf__u8(&c, "flags cut") != 0)
			kf__bad(&c, KF_EPROTO, "unknown commit flags");
		m->commit_lsn = kf__u64(&c, "commit LSN cut");
		m->end_lsn = kf__u64(&c, "end LSN cut");
		m->ts = (int64_t)kf__u64(&c, "commit time cut");
		break;
	case 'O':
		m->origin_lsn = kf__u64(&c, "origin LSN cut");
		m->name = kf__str(&c, "origin name not terminated");
		break;
	case 'R':
		kf__relation(d, &c, m);
		break;
	case 'Y':
		m->relid = kf__u32(&c, "type id cut");
		m->nspname = kf__str(&c, "namespace not terminated");
		m->name = kf__str(&c, "type name not terminated");
		break;
	case 'I':
	case 'U':
	case 'D':
		kf__change(d, &c, m);
		break;
	case 'T':
		kf__truncate(d, &c, m);
		break;
	default:
		c.at = 0;
		return kf__bad(&c, KF_EPROTO, "unknown message type");
	}
	if (!c.err && c.at != len)
		kf__bad(&c, KF_EPROTO, "bytes left after the message");
	return c.err;
}

void kf_pgo_lsn_text(uint64_t lsn, char *out, size_t out_size)
{
	snprintf(out, out_size, "%" PRIX32 "/%" PRIX32, (uint32_t)(lsn >> 32),
		 (uint32_t)lsn);
}
