/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Binlog values as MariaDB's text (docs/cdc.md 10.8). Every value was
 * checked by the decoder for its length; what is checked here is what
 * the text must be: UTF-8, an ENUM index among the members.
 */
#include "capture/mdbrow.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/err.h"
#include "record/decode.h"

int kf_mdb_coldefs(const kf_bl_tablemap_t *tm, kf_cap_coldef_t *defs,
		   char *errstr, size_t errstr_size)
{
	uint32_t i;

	if (!tm->has_names || !tm->has_key)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "the binlog's table map of %s.%s has no "
				 "column names or primary key: set "
				 "binlog_row_metadata=FULL on the server",
				 tm->db, tm->table);
	for (i = 0; i < tm->ncols; i++) {
		const kf_bl_col_t *c = &tm->cols[i];

		memset(&defs[i], 0, sizeof(defs[i]));
		defs[i].name = c->name;
		defs[i].typmod = -1;
		defs[i].notnull = !c->nullable;
		defs[i].key_seq = c->key_seq;
		defs[i].mdb_type = c->type;
		defs[i].mdb_meta = c->meta;
		defs[i].mdb_unsigned = c->is_unsigned;
		defs[i].mdb_binary = c->collation == KF_BL_BINARY_COLLATION;
		defs[i].members = (const char *const *)c->members;
		defs[i].nmembers = c->nmembers;
	}
	return 0;
}

int kf_mdb_coldefs_match(const kf_cap_coldef_t *def, int ncols,
			 const kf_bl_tablemap_t *tm)
{
	uint32_t i;

	if (ncols < 0 || (uint32_t)ncols != tm->ncols || !tm->has_names)
		return 0;
	for (i = 0; i < tm->ncols; i++)
		if (def[i].mdb_type != tm->cols[i].type ||
		    strcasecmp(def[i].name, tm->cols[i].name))
			return 0;
	return 1;
}

int kf_mdb_coldefs_older(const kf_cap_coldef_t *def, int ncols,
			 const kf_bl_tablemap_t *tm, kf_cap_coldef_t *out,
			 char *errstr, size_t errstr_size)
{
	uint32_t i;
	int j, r = kf_mdb_coldefs(tm, out, errstr, errstr_size);

	for (i = 0; !r && i < tm->ncols; i++) {
		out[i].notnull = 0;
		for (j = 0; j < ncols; j++) {
			if (strcasecmp(def[j].name, out[i].name))
				continue;
			out[i].notnull = def[j].notnull;
			out[i].mdb_json = def[j].mdb_json &&
					  out[i].mdb_type == def[j].mdb_type;
			break;
		}
		/* a key column is never optional */
		out[i].notnull |= out[i].key_seq > 0;
	}
	return r;
}

/* MariaDB's latin1 is Windows-1252: 0x80..0x9f are these code points
 * (the five it leaves undefined map to themselves, as the server does). */
static const uint16_t kf__cp1252[32] = {
	0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
	0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178};

static int kf__is_latin1(uint16_t collation)
{
	static const uint16_t ids[] = {5, 8, 15, 31, 47, 48, 49, 94};
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (ids[i] == collation)
			return 1;
	return 0;
}

static void kf__latin1_utf8(kf_strbuf_t *b, const uint8_t *p, uint32_t n)
{
	uint32_t i, cp;
	char u[3];

	for (i = 0; i < n; i++) {
		cp = p[i] >= 0x80 && p[i] < 0xa0 ? kf__cp1252[p[i] - 0x80]
						 : p[i];
		if (cp < 0x80) {
			kf_strbuf_putc(b, (char)cp);
		} else if (cp < 0x800) {
			u[0] = (char)(0xc0 | cp >> 6);
			u[1] = (char)(0x80 | (cp & 0x3f));
			kf_strbuf_append(b, u, 2);
		} else {
			u[0] = (char)(0xe0 | cp >> 12);
			u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
			u[2] = (char)(0x80 | (cp & 0x3f));
			kf_strbuf_append(b, u, 3);
		}
	}
}

/* bytes as "\x..." (event's text of bytes); reversed for BIT, whose
 * Connect value is little-endian; a BINARY(n) padded to n with 0x00,
 * which the binlog strips. */
static void kf__hex(kf_strbuf_t *b, const uint8_t *p, uint32_t n, int reverse,
		    uint32_t pad_to)
{
	uint32_t i;

	kf_strbuf_printf(b, "\\x");
	for (i = 0; i < n; i++)
		kf_strbuf_printf(b, "%02x", p[reverse ? n - 1 - i : i]);
	for (; i < pad_to; i++)
		kf_strbuf_printf(b, "00");
}

/* The shortest text that reads back as the same float or double (the
 * number Debezium's JSON has for it). */
static void kf__float(kf_strbuf_t *b, double d, int single)
{
	char t[40];
	int prec;

	for (prec = 1; prec <= 17; prec++) {
		snprintf(t, sizeof(t), "%.*g", prec, d);
		if (single ? strtof(t, NULL) == (float)d : strtod(t, NULL) == d)
			break;
	}
	kf_strbuf_printf(b, "%s", t);
}

static int kf__strings(kf_strbuf_t *b, const kf_bl_col_t *c,
		       const kf_bl_value_t *v, char *errstr, size_t errstr_size)
{
	if (c->type == KF_BL_T_BIT) {
		uint32_t i, any = 0;

		for (i = 0; i < v->len; i++)
			any |= v->bytes[i];
		if (c->meta == 1)
			kf_strbuf_putc(b, any ? 't' : 'f');
		else
			kf__hex(b, v->bytes, v->len, 1, 0);
		return 0;
	}
	if (c->collation == KF_BL_BINARY_COLLATION) {
		kf__hex(b, v->bytes, v->len, 0,
			c->type == KF_BL_T_STRING ? c->meta : 0);
		return 0;
	}
	if (kf__is_latin1(c->collation)) {
		kf__latin1_utf8(b, v->bytes, v->len);
		return 0;
	}
	if (!kf_utf8_valid((const char *)v->bytes, v->len))
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "column %s: its text is not UTF-8 (its "
				 "collation %u is not one kferry converts: "
				 "use utf8mb4 or latin1)",
				 c->name, (unsigned)c->collation);
	kf_strbuf_append(b, v->bytes, v->len);
	return 0;
}

/* ENUM's member (index 0: the invalid value, "") or SET's, joined. */
static int kf__members(kf_strbuf_t *b, const kf_bl_col_t *c,
		       const kf_bl_value_t *v, char *errstr, size_t errstr_size)
{
	uint32_t i, first = 1;

	if (v->kind == KF_BL_V_ENUM) {
		if (v->u > c->nmembers)
			return kf_seterr(errstr, errstr_size, KF_EPROTO,
					 "column %s: ENUM index %" PRIu64
					 " of %u members",
					 c->name, v->u, (unsigned)c->nmembers);
		if (v->u)
			kf_strbuf_printf(b, "%s", c->members[v->u - 1]);
		return 0;
	}
	if (c->nmembers < 64 && v->u >> c->nmembers)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "column %s: SET bits 0x%" PRIx64
				 " beyond its %u members",
				 c->name, v->u, (unsigned)c->nmembers);
	for (i = 0; i < c->nmembers && i < 64; i++) {
		if (!(v->u >> i & 1))
			continue;
		if (!first)
			kf_strbuf_putc(b, ',');
		kf_strbuf_printf(b, "%s", c->members[i]);
		first = 0;
	}
	return 0;
}

/* One value's text; 1: it is NULL (a zero date, or NULL itself). */
static int kf__text(kf_strbuf_t *b, const kf_bl_col_t *c,
		    const kf_bl_value_t *v, int *zeroed, char *errstr,
		    size_t errstr_size)
{
	char dec[KF_BL_DECIMAL_TEXT_MAX];
	struct tm tm;
	time_t secs;
	uint64_t us;

	switch (v->kind) {
	case KF_BL_V_INT:
		if (!c->is_unsigned)
			kf_strbuf_printf(b, "%" PRId64, v->i);
		else if (c->type == KF_BL_T_LONGLONG)
			/* bigint.unsigned.handling.mode=long: its 64 bits */
			kf_strbuf_printf(b, "%" PRId64, (int64_t)v->u);
		else
			kf_strbuf_printf(b, "%" PRIu64, v->u);
		return 0;
	case KF_BL_V_FLOAT:
		kf__float(b, v->d, c->type == KF_BL_T_FLOAT);
		return 0;
	case KF_BL_V_DECIMAL:
		kf_bl_decimal_text(v, c->meta, dec);
		kf_strbuf_printf(b, "%s", dec);
		return 0;
	case KF_BL_V_DATE:
	case KF_BL_V_DATETIME:
		if (!v->year || !v->month || !v->day)
			return ++*zeroed, 1;
		kf_strbuf_printf(b, "%04u-%02u-%02u", v->year, v->month,
				 v->day);
		if (v->kind == KF_BL_V_DATETIME)
			kf_strbuf_printf(b, " %02u:%02u:%02u.%06" PRIu32,
					 v->hour, v->minute, v->second,
					 v->usec);
		return 0;
	case KF_BL_V_TIMESTAMP:
		secs = (time_t)v->i;
		if (!v->i && !v->usec)
			return ++*zeroed, 1; /* 0000-00-00 00:00:00 */
		if (!gmtime_r(&secs, &tm))
			break;
		kf_strbuf_printf(
			b, "%04d-%02d-%02d %02d:%02d:%02d.%06" PRIu32 "+00",
			tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			tm.tm_hour, tm.tm_min, tm.tm_sec, v->usec);
		return 0;
	case KF_BL_V_TIME:
		us = v->i < 0 ? (uint64_t)0 - (uint64_t)v->i : (uint64_t)v->i;
		kf_strbuf_printf(b, "%s%" PRIu64 ":%02u:%02u.%06u",
				 v->i < 0 ? "-" : "", us / 3600000000,
				 (unsigned)(us / 60000000 % 60),
				 (unsigned)(us / 1000000 % 60),
				 (unsigned)(us % 1000000));
		return 0;
	case KF_BL_V_YEAR:
		kf_strbuf_printf(b, "%" PRId64, v->i);
		return 0;
	case KF_BL_V_BYTES:
		return kf__strings(b, c, v, errstr, errstr_size) ? -1 : 0;
	case KF_BL_V_ENUM:
	case KF_BL_V_SET:
		return kf__members(b, c, v, errstr, errstr_size) ? -1 : 0;
	default: /* NULL, or absent from a row image that is not FULL */
		return 1;
	}
	return kf_seterr(errstr, errstr_size, KF_EPROTO,
			 "column %s: the timestamp %" PRId64
			 " has no calendar date",
			 c->name, v->i),
	       -1;
}

int kf_mdb_row_text(const kf_bl_tablemap_t *tm, const kf_bl_value_t *vals,
		    kf_strbuf_t *arena, kf_pgo_value_t *out, int *zeroed,
		    char *errstr, size_t errstr_size)
{
	size_t base = arena->len, at;
	uint32_t i;
	int r;

	/* the texts first: arena may move while it grows */
	for (i = 0; i < tm->ncols; i++) {
		at = arena->len;
		r = kf__text(arena, &tm->cols[i], &vals[i], zeroed, errstr,
			     errstr_size);
		if (r < 0)
			return KF_EPROTO;
		out[i].kind = r ? 'n' : 't';
		out[i].len = (uint32_t)(arena->len - at);
	}
	if (arena->failed)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	for (i = 0; i < tm->ncols; i++) {
		out[i].data = out[i].kind == 't' ? arena->p + base : NULL;
		base += out[i].len;
	}
	return 0;
}
