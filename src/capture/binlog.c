/* SPDX-License-Identifier: Apache-2.0 */
#include "capture/binlog.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/err.h"

/* A cursor over bytes of an event: every read checks what is left and
 * sets bad instead of reading past the end (the caller tests bad once
 * per field group). */
typedef struct kf__cur_s {
	const uint8_t *p, *end;
	int bad;
} kf__cur_t;

static const uint8_t *kf__take(kf__cur_t *c, size_t n)
{
	const uint8_t *at = c->p;

	if (c->bad || (size_t)(c->end - c->p) < n) {
		c->bad = 1;
		return NULL;
	}
	c->p += n;
	return at;
}

/* little-endian unsigned of n bytes (1..8) */
static uint64_t kf__le(kf__cur_t *c, size_t n)
{
	const uint8_t *b = kf__take(c, n);
	uint64_t v = 0;

	if (!b)
		return 0;
	while (n--)
		v = v << 8 | b[n];
	return v;
}

/* big-endian unsigned of n bytes (1..8) */
static uint64_t kf__be(kf__cur_t *c, size_t n)
{
	const uint8_t *b = kf__take(c, n);
	uint64_t v = 0;
	size_t i;

	if (!b)
		return 0;
	for (i = 0; i < n; i++)
		v = v << 8 | b[i];
	return v;
}

/* A length-encoded integer of the client protocol. */
static uint64_t kf__lenenc(kf__cur_t *c)
{
	uint64_t first = kf__le(c, 1);

	if (first < 0xfb)
		return first;
	if (first == 0xfc)
		return kf__le(c, 2);
	if (first == 0xfd)
		return kf__le(c, 3);
	if (first == 0xfe)
		return kf__le(c, 8);
	c->bad = 1; /* 0xfb (NULL) and 0xff have no place here */
	return 0;
}

/* ---------------------------------------------------------- the events */

uint32_t kf_bl_crc32(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffu;
	int k;

	while (n--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = crc >> 1 ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

static int kf__event_body(kf_bl_event_t *ev, char *errstr, size_t errstr_size)
{
	kf__cur_t c = {ev->body, ev->body + ev->body_len, 0};
	uint8_t db_len;
	size_t vars_len;
	const uint8_t *nul;

	switch (ev->type) {
	case KF_BL_GTID:
		ev->seq = kf__le(&c, 8);
		ev->domain = (uint32_t)kf__le(&c, 4);
		ev->gtid_flags = (uint8_t)kf__le(&c, 1);
		break;
	case KF_BL_XID:
		ev->xid = kf__le(&c, 8);
		break;
	case KF_BL_ROTATE:
		ev->rotate_pos = kf__le(&c, 8);
		ev->query = (const char *)c.p;
		ev->query_len = (size_t)(c.end - c.p);
		break;
	case KF_BL_QUERY:
		ev->thread_id = (uint32_t)kf__le(&c, 4);
		kf__take(&c, 4); /* exec_time */
		db_len = (uint8_t)kf__le(&c, 1);
		kf__take(&c, 2); /* error_code */
		vars_len = (size_t)kf__le(&c, 2);
		kf__take(&c, vars_len);
		ev->db = (const char *)kf__take(&c, db_len);
		nul = kf__take(&c, 1); /* the database name's terminator */
		if (nul && *nul != 0)
			c.bad = 1;
		ev->db_len = db_len;
		ev->query = (const char *)c.p;
		ev->query_len = (size_t)(c.end - c.p);
		break;
	default:
		return 0;
	}
	if (c.bad)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "binlog event of type %u at %u: its body of "
				 "%zu bytes is cut",
				 ev->type, ev->next_pos, ev->body_len);
	return 0;
}

int kf_bl_event_parse(const uint8_t *buf, size_t len, int checksum,
		      kf_bl_event_t *ev, char *errstr, size_t errstr_size)
{
	kf__cur_t c = {buf, buf + len, 0};
	size_t trailer = checksum ? KF_BL_CRC_LEN : 0;

	memset(ev, 0, sizeof(*ev));
	ev->ts = (uint32_t)kf__le(&c, 4);
	ev->type = (uint8_t)kf__le(&c, 1);
	ev->server_id = (uint32_t)kf__le(&c, 4);
	ev->length = (uint32_t)kf__le(&c, 4);
	ev->next_pos = (uint32_t)kf__le(&c, 4);
	ev->flags = (uint16_t)kf__le(&c, 2);
	if (c.bad)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "binlog event of %zu bytes: shorter than its "
				 "%d-byte header",
				 len, KF_BL_HEADER_LEN);
	if (ev->length != len || len < KF_BL_HEADER_LEN + trailer)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "binlog event of type %u: its header says %u "
				 "bytes, %zu came",
				 ev->type, ev->length, len);
	if (trailer) {
		uint32_t want = (uint32_t)buf[len - 4] |
				(uint32_t)buf[len - 3] << 8 |
				(uint32_t)buf[len - 2] << 16 |
				(uint32_t)buf[len - 1] << 24;
		if (kf_bl_crc32(buf, len - 4) != want)
			return kf_seterr(errstr, errstr_size, KF_EPROTO,
					 "binlog event of type %u before "
					 "position %u: bad CRC32",
					 ev->type, ev->next_pos);
	}
	ev->body = buf + KF_BL_HEADER_LEN;
	ev->body_len = len - KF_BL_HEADER_LEN - trailer;
	return kf__event_body(ev, errstr, errstr_size);
}

/* -------------------------------------------------------- the table map */

/* The metadata bytes of a column type in the table map; -1: a type we
 * do not read. */
static int kf__meta_len(uint8_t type)
{
	switch (type) {
	case KF_BL_T_TINY:
	case KF_BL_T_SHORT:
	case KF_BL_T_LONG:
	case KF_BL_T_LONGLONG:
	case KF_BL_T_INT24:
	case KF_BL_T_DATE:
	case KF_BL_T_YEAR:
		return 0;
	case KF_BL_T_FLOAT:
	case KF_BL_T_DOUBLE:
	case KF_BL_T_BLOB:
	case KF_BL_T_TIMESTAMP2:
	case KF_BL_T_DATETIME2:
	case KF_BL_T_TIME2:
		return 1;
	case KF_BL_T_VARCHAR:
	case KF_BL_T_VAR_STRING:
	case KF_BL_T_BIT:
	case KF_BL_T_NEWDECIMAL:
	case KF_BL_T_STRING:
		return 2;
	default:
		return -1;
	}
}

/* Checks one column's metadata and stores it the header's way. */
static int kf__col_meta(kf_bl_col_t *col, kf__cur_t *c)
{
	uint8_t b0, b1;

	switch (kf__meta_len(col->type)) {
	case 0:
		col->meta = 0;
		return 0;
	case 1:
		col->meta = (uint16_t)kf__le(c, 1);
		break;
	default:
		b0 = (uint8_t)kf__le(c, 1);
		b1 = (uint8_t)kf__le(c, 1);
		if (col->type == KF_BL_T_STRING) {
			/* real type in b0; a length above 255 keeps its two
			 * high bits, inverted, in b0's bits 4 and 5 */
			if ((b0 & 0x30) != 0x30) {
				col->meta =
					(uint16_t)(((b0 & 0x30) ^ 0x30) << 4 |
						   b1);
				b0 |= 0x30;
			} else {
				col->meta = b1;
			}
			if (b0 != KF_BL_T_STRING && b0 != KF_BL_T_ENUM &&
			    b0 != KF_BL_T_SET)
				return -1;
			col->type = b0;
		} else if (col->type == KF_BL_T_BIT) {
			/* b0: bits in the last byte, b1: whole bytes */
			if (b0 > 7 || b1 > 8 || (b1 == 8 && b0))
				return -1;
			col->meta = (uint16_t)(b1 * 8 + b0);
		} else if (col->type == KF_BL_T_NEWDECIMAL) {
			/* precision 1..65, scale 0..38, scale <= precision */
			if (!b0 || b0 > 65 || b1 > 38 || b1 > b0)
				return -1;
			col->meta = (uint16_t)(b0 << 8 | b1);
		} else {
			col->meta = (uint16_t)(b0 | b1 << 8);
		}
	}
	if (c->bad)
		return -1;
	switch (col->type) {
	case KF_BL_T_FLOAT:
		return col->meta == 4 ? 0 : -1;
	case KF_BL_T_DOUBLE:
		return col->meta == 8 ? 0 : -1;
	case KF_BL_T_BLOB:
		return col->meta >= 1 && col->meta <= 4 ? 0 : -1;
	case KF_BL_T_TIMESTAMP2:
	case KF_BL_T_DATETIME2:
	case KF_BL_T_TIME2:
		return col->meta <= 6 ? 0 : -1;
	case KF_BL_T_ENUM:
		return col->meta == 1 || col->meta == 2 ? 0 : -1;
	case KF_BL_T_SET:
		return col->meta >= 1 && col->meta <= 8 ? 0 : -1;
	default:
		return 0;
	}
}

static int kf__is_numeric(uint8_t type)
{
	switch (type) {
	case KF_BL_T_TINY:
	case KF_BL_T_SHORT:
	case KF_BL_T_INT24:
	case KF_BL_T_LONG:
	case KF_BL_T_LONGLONG:
	case KF_BL_T_FLOAT:
	case KF_BL_T_DOUBLE:
	case KF_BL_T_NEWDECIMAL:
		return 1;
	default:
		return 0;
	}
}

/* Character columns (those of the charset metadata): the string types
 * and blobs, not ENUM and SET (they have their own). */
static int kf__is_character(uint8_t type)
{
	return type == KF_BL_T_STRING || type == KF_BL_T_VARCHAR ||
	       type == KF_BL_T_VAR_STRING || type == KF_BL_T_BLOB;
}

/* A copy of n bytes as a NUL-terminated string; NULL: no memory. */
static char *kf__strndup(const uint8_t *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

/* A lenenc string of c, copied. */
static int kf__lenenc_str(kf__cur_t *c, char **out)
{
	uint64_t n = kf__lenenc(c);
	const uint8_t *s = kf__take(c, (size_t)n);

	if (!s)
		return KF_EPROTO;
	*out = kf__strndup(s, (size_t)n);
	return *out ? 0 : KF_ENOMEM;
}

static int kf__opt_names(kf_bl_tablemap_t *tm, kf__cur_t *c)
{
	uint32_t i;
	int r;

	if (tm->has_names)
		return KF_EPROTO; /* names twice */
	tm->has_names = 1;
	for (i = 0; i < tm->ncols; i++)
		if ((r = kf__lenenc_str(c, &tm->cols[i].name)))
			return r;
	return 0;
}

static int kf__opt_signedness(kf_bl_tablemap_t *tm, kf__cur_t *c)
{
	uint32_t i, k = 0;
	const uint8_t *bits = c->p;
	size_t n = (size_t)(c->end - c->p);

	for (i = 0; i < tm->ncols; i++) {
		if (!kf__is_numeric(tm->cols[i].type))
			continue;
		if (k / 8 >= n)
			return KF_EPROTO;
		tm->cols[i].is_unsigned = bits[k / 8] >> (7 - k % 8) & 1;
		k++;
	}
	return (k + 7) / 8 == n ? (c->p = c->end, 0) : KF_EPROTO;
}

/* DEFAULT_CHARSET: the default collation, then (column index among the
 * character columns, collation) pairs for the others. COLUMN_CHARSET:
 * one collation per character column. */
static int kf__opt_charset(kf_bl_tablemap_t *tm, kf__cur_t *c, int per_col)
{
	uint64_t dflt = per_col ? 0 : kf__lenenc(c);
	uint32_t i;

	for (i = 0; i < tm->ncols; i++)
		if (kf__is_character(tm->cols[i].type))
			tm->cols[i].collation =
				(uint16_t)(per_col ? kf__lenenc(c) : dflt);
	while (!per_col && !c->bad && c->p < c->end) {
		uint64_t idx = kf__lenenc(c), coll = kf__lenenc(c);

		for (i = 0; i < tm->ncols && !c->bad; i++)
			if (kf__is_character(tm->cols[i].type) && !idx--) {
				tm->cols[i].collation = (uint16_t)coll;
				break;
			}
		if (i == tm->ncols)
			return KF_EPROTO;
	}
	return c->bad || c->p != c->end ? KF_EPROTO : 0;
}

static int kf__opt_members(kf_bl_tablemap_t *tm, kf__cur_t *c, uint8_t type)
{
	uint32_t i, j;
	int r;

	for (i = 0; i < tm->ncols; i++) {
		kf_bl_col_t *col = &tm->cols[i];
		uint64_t n;

		if (col->type != type)
			continue;
		n = kf__lenenc(c);
		/* an ENUM has at most 65535 members, a SET 64 */
		if (c->bad || n > (type == KF_BL_T_SET ? 64 : 65535) ||
		    col->members)
			return KF_EPROTO;
		col->members = calloc(n ? n : 1, sizeof(char *));
		if (!col->members)
			return KF_ENOMEM;
		col->nmembers = (uint32_t)n;
		for (j = 0; j < n; j++)
			if ((r = kf__lenenc_str(c, &col->members[j])))
				return r;
	}
	return 0;
}

static int kf__opt_key(kf_bl_tablemap_t *tm, kf__cur_t *c, int with_prefix)
{
	int seq = 0;

	while (!c->bad && c->p < c->end) {
		uint64_t idx = kf__lenenc(c);

		if (with_prefix)
			kf__lenenc(c); /* the prefix length: 0 whole */
		if (c->bad || idx >= tm->ncols || tm->cols[idx].key_seq)
			return KF_EPROTO;
		tm->cols[idx].key_seq = ++seq;
	}
	tm->has_key = 1;
	return c->bad ? KF_EPROTO : 0;
}

/* The optional metadata of binlog_row_metadata: type, lenenc length,
 * value; unknown types are skipped by their length. */
static int kf__optional(kf_bl_tablemap_t *tm, kf__cur_t *c)
{
	int r = 0;

	while (!r && c->p < c->end) {
		uint8_t type = (uint8_t)kf__le(c, 1);
		uint64_t n = kf__lenenc(c);
		kf__cur_t v = {c->p, NULL, 0};

		if (!kf__take(c, (size_t)n))
			return KF_EPROTO;
		v.end = v.p + n;
		switch (type) {
		case 1:
			r = kf__opt_signedness(tm, &v);
			break;
		case 2:
		case 3:
			r = kf__opt_charset(tm, &v, type == 3);
			break;
		case 4:
			r = kf__opt_names(tm, &v);
			break;
		case 5:
			r = kf__opt_members(tm, &v, KF_BL_T_SET);
			break;
		case 6:
			r = kf__opt_members(tm, &v, KF_BL_T_ENUM);
			break;
		case 8:
		case 9:
			r = kf__opt_key(tm, &v, type == 9);
			break;
		default:
			v.p = v.end;
		}
		if (!r && (v.bad || v.p != v.end))
			r = KF_EPROTO;
	}
	return r;
}

static int kf__tablemap_fixed(kf_bl_tablemap_t *tm, kf__cur_t *c)
{
	const uint8_t *types, *nulls, *s;
	uint64_t n, meta_len;
	kf__cur_t m;
	uint32_t i;
	uint8_t len;

	tm->table_id = kf__le(c, 6);
	kf__take(c, 2); /* flags */
	len = (uint8_t)kf__le(c, 1);
	if (!(s = kf__take(c, (size_t)len + 1)) || s[len])
		return KF_EPROTO;
	if (!(tm->db = kf__strndup(s, len)))
		return KF_ENOMEM;
	len = (uint8_t)kf__le(c, 1);
	if (!(s = kf__take(c, (size_t)len + 1)) || s[len])
		return KF_EPROTO;
	if (!(tm->table = kf__strndup(s, len)))
		return KF_ENOMEM;
	n = kf__lenenc(c);
	if (c->bad || !n || n > KF_BL_MAX_COLS)
		return KF_EPROTO;
	tm->ncols = (uint32_t)n;
	types = kf__take(c, (size_t)n);
	meta_len = kf__lenenc(c);
	m.p = kf__take(c, (size_t)meta_len);
	nulls = kf__take(c, ((size_t)n + 7) / 8);
	if (!types || !m.p || !nulls)
		return KF_EPROTO;
	m.end = m.p + meta_len;
	m.bad = 0;
	tm->cols = calloc(n, sizeof(*tm->cols));
	if (!tm->cols)
		return KF_ENOMEM;
	for (i = 0; i < n; i++) {
		tm->cols[i].type = types[i];
		tm->cols[i].nullable = nulls[i / 8] >> (i % 8) & 1;
		if (kf__col_meta(&tm->cols[i], &m))
			return KF_EPROTO;
	}
	return m.p == m.end ? 0 : KF_EPROTO;
}

int kf_bl_tablemap_parse(const uint8_t *body, size_t len,
			 kf_bl_tablemap_t **out, char *errstr,
			 size_t errstr_size)
{
	kf__cur_t c = {body, body + len, 0};
	kf_bl_tablemap_t *tm = calloc(1, sizeof(*tm));
	int r;

	*out = NULL;
	if (!tm)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory for a table map");
	r = kf__tablemap_fixed(tm, &c);
	if (!r)
		r = kf__optional(tm, &c);
	if (r) {
		kf_seterr(errstr, errstr_size, r,
			  r == KF_ENOMEM
				  ? "out of memory for the table map of %s.%s"
				  : "table map of %s.%s: cut, inconsistent "
				    "or of a column type we do not read "
				    "(docs/cdc.md 10.8)",
			  tm->db ? tm->db : "?", tm->table ? tm->table : "?");
		kf_bl_tablemap_destroy(tm);
		return r;
	}
	*out = tm;
	return 0;
}

void kf_bl_tablemap_destroy(kf_bl_tablemap_t *tm)
{
	uint32_t i, j;

	if (!tm)
		return;
	for (i = 0; tm->cols && i < tm->ncols; i++) {
		free(tm->cols[i].name);
		for (j = 0; tm->cols[i].members && j < tm->cols[i].nmembers;
		     j++)
			free(tm->cols[i].members[j]);
		free(tm->cols[i].members);
	}
	free(tm->cols);
	free(tm->db);
	free(tm->table);
	free(tm);
}

/* ------------------------------------------------------------- values */

/* Bytes of a binary decimal's group of d leftover digits. */
static const uint8_t kf__dig2bytes[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};

static size_t kf__decimal_size(uint16_t meta)
{
	int prec = meta >> 8, scale = meta & 0xff, intg = prec - scale;

	return (size_t)(intg / 9 * 4 + kf__dig2bytes[intg % 9] + scale / 9 * 4 +
			kf__dig2bytes[scale % 9]);
}

/* The next nb bytes of b at *pos, big-endian. */
static uint32_t kf__be_at(const uint8_t *b, size_t *pos, int nb)
{
	uint32_t v = 0;

	while (nb-- > 0)
		v = v << 8 | b[(*pos)++];
	return v;
}

/* Appends the nd digits of group value v to *d (zero-padded); -1 when v
 * has more digits than nd (a hostile decimal). */
static int kf__digits(char **d, uint32_t v, int nd)
{
	int i;

	for (i = nd - 1; i >= 0; i--) {
		(*d)[i] = (char)('0' + v % 10);
		v /= 10;
	}
	*d += nd;
	return v ? -1 : 0;
}

/* The intg + scale digits of binary decimal bytes (kf__decimal_size(meta)
 * of them) into digits, *neg its sign. 0, or -1: not a decimal. */
static int kf__decimal_digits(const uint8_t *bytes, uint16_t meta, char *digits,
			      int *neg)
{
	int scale = meta & 0xff, intg = (meta >> 8) - scale, g, bad = 0;
	size_t n = kf__decimal_size(meta), pos = 0, i;
	uint8_t b[32]; /* 65 digits take at most 30 bytes */
	char *d = digits;

	memcpy(b, bytes, n);
	/* the sign is the first bit, inverted; a negative value has all
	 * its bits inverted */
	*neg = !(b[0] & 0x80);
	b[0] ^= 0x80;
	for (i = 0; *neg && i < n; i++)
		b[i] ^= 0xff;
	/* the integer part's leftover digits come first, then its groups of
	 * 9 digits in 4 bytes, the fraction's groups, its leftover last */
	bad |= kf__digits(&d, kf__be_at(b, &pos, kf__dig2bytes[intg % 9]),
			  intg % 9);
	for (g = 0; g < intg / 9; g++)
		bad |= kf__digits(&d, kf__be_at(b, &pos, 4), 9);
	for (g = 0; g < scale / 9; g++)
		bad |= kf__digits(&d, kf__be_at(b, &pos, 4), 9);
	bad |= kf__digits(&d, kf__be_at(b, &pos, kf__dig2bytes[scale % 9]),
			  scale % 9);
	return bad;
}

void kf_bl_decimal_text(const kf_bl_value_t *v, uint16_t meta, char *out)
{
	int scale = meta & 0xff, intg = (meta >> 8) - scale, neg, i, zero = 1;
	char digits[80], *o = out;
	const char *first = digits;

	if (kf__decimal_digits(v->bytes, meta, digits, &neg)) {
		strcpy(out, "0"); /* refused by kf_bl_rows_next before */
		return;
	}
	for (i = 0; i < intg + scale; i++)
		zero &= digits[i] == '0';
	if (neg && !zero)
		*o++ = '-';
	while (first < digits + intg - 1 && *first == '0')
		first++;
	if (!intg)
		*o++ = '0';
	memcpy(o, first, (size_t)(digits + intg - first));
	o += digits + intg - first;
	if (scale) {
		*o++ = '.';
		memcpy(o, digits + intg, (size_t)scale);
		o += scale;
	}
	*o = 0;
}

/* The fraction of a temporal value of fsp digits: 0, 1, 2 or 3 bytes
 * big-endian, in units of 10^-fsp rounded up to an even fsp. */
static uint32_t kf__frac(kf__cur_t *c, uint16_t fsp)
{
	if (fsp == 0)
		return 0;
	if (fsp <= 2)
		return (uint32_t)kf__be(c, 1) * 10000;
	if (fsp <= 4)
		return (uint32_t)kf__be(c, 2) * 100;
	return (uint32_t)kf__be(c, 3);
}

/* TIME2: 3 bytes of hours/minutes/seconds offset by 0x800000 and a
 * fraction, or 6 bytes for fsp 5..6; the whole is a signed packed
 * value (int part << 24 | microseconds). */
static const char *kf__time2(const kf_bl_col_t *col, kf__cur_t *c,
			     kf_bl_value_t *v)
{
	int64_t packed, ip;
	uint64_t a, hms;
	uint32_t usec;

	if (col->meta >= 5) {
		packed = (int64_t)kf__be(c, 6) - 0x800000000000LL;
	} else {
		ip = (int64_t)kf__be(c, 3) - 0x800000;
		if (col->meta == 0) {
			packed = ip * (1 << 24);
		} else {
			/* the fraction is signed: a negative time's
			 * fraction counts down from the next second */
			int64_t fr = col->meta <= 2 ? (int64_t)kf__be(c, 1)
						    : (int64_t)kf__be(c, 2);
			int64_t unit = col->meta <= 2 ? 10000 : 100;

			if (ip < 0 && fr) {
				ip++;
				fr -= col->meta <= 2 ? 0x100 : 0x10000;
			}
			packed = ip * (1 << 24) + fr * unit;
		}
	}
	a = packed < 0 ? (uint64_t)-packed : (uint64_t)packed;
	hms = a >> 24;
	usec = (uint32_t)(a & 0xffffff);
	v->minute = (uint8_t)(hms >> 6 & 63);
	v->second = (uint8_t)(hms & 63);
	v->usec = usec;
	if (v->minute > 59 || v->second > 59 || usec > 999999 ||
	    (hms >> 12) > 838)
		return "a TIME out of range";
	v->i = (int64_t)(((hms >> 12) * 3600 + v->minute * 60u + v->second) *
				 1000000u +
			 usec);
	if (packed < 0)
		v->i = -v->i;
	v->kind = KF_BL_V_TIME;
	return NULL;
}

/* DATETIME2: 5 bytes, offset by 0x8000000000: a sign bit, year*13+month
 * (17 bits), day (5), hour (5), minute (6), second (6); the fraction. */
static const char *kf__datetime2(const kf_bl_col_t *col, kf__cur_t *c,
				 kf_bl_value_t *v)
{
	uint64_t raw = kf__be(c, 5), ymd, ym, hms;

	v->usec = kf__frac(c, col->meta);
	if (raw < 0x8000000000ULL)
		return "a negative DATETIME";
	raw -= 0x8000000000ULL;
	ymd = raw >> 17;
	ym = ymd >> 5;
	hms = raw & 0x1ffff;
	v->year = (uint16_t)(ym / 13);
	v->month = (uint8_t)(ym % 13);
	v->day = (uint8_t)(ymd & 31);
	v->hour = (uint8_t)(hms >> 12);
	v->minute = (uint8_t)(hms >> 6 & 63);
	v->second = (uint8_t)(hms & 63);
	if (v->year > 9999 || v->hour > 23 || v->minute > 59 ||
	    v->second > 59 || v->usec > 999999)
		return "a DATETIME out of range";
	v->kind = KF_BL_V_DATETIME;
	return NULL;
}

static const char *kf__int(const kf_bl_col_t *col, kf__cur_t *c,
			   kf_bl_value_t *v, size_t n)
{
	uint64_t raw = kf__le(c, n);
	int shift = (int)(64 - 8 * n);

	v->kind = KF_BL_V_INT;
	v->u = raw;
	/* sign-extend through the unsigned shift, defined behaviour */
	v->i = col->is_unsigned
		       ? (int64_t)raw
		       : (int64_t)(raw << shift) / ((int64_t)1 << shift);
	return NULL;
}

/* A length-prefixed byte string of at most max bytes (max 0: no cap). */
static const char *kf__lenstr(kf__cur_t *c, size_t prefix, uint32_t max,
			      kf_bl_value_t *v)
{
	uint64_t n = kf__le(c, prefix);

	if (max && n > max)
		return "a string longer than its column";
	v->kind = KF_BL_V_BYTES;
	v->len = (uint32_t)n;
	v->bytes = kf__take(c, (size_t)n);
	return NULL;
}

static const char *kf__members(const kf_bl_col_t *col, kf__cur_t *c,
			       kf_bl_value_t *v)
{
	v->u = kf__le(c, col->meta);
	if (col->type == KF_BL_T_ENUM) {
		v->kind = KF_BL_V_ENUM;
		return col->members && v->u > col->nmembers
			       ? "an ENUM index past its members"
			       : NULL;
	}
	v->kind = KF_BL_V_SET;
	return col->members && col->nmembers < 64 && v->u >> col->nmembers
		       ? "a SET with bits past its members"
		       : NULL;
}

static const char *kf__float(const kf_bl_col_t *col, kf__cur_t *c,
			     kf_bl_value_t *v)
{
	uint64_t raw = kf__le(c, col->meta);

	v->kind = KF_BL_V_FLOAT;
	if (col->meta == 4) {
		uint32_t r32 = (uint32_t)raw;
		float f;

		memcpy(&f, &r32, sizeof(f));
		v->d = f;
	} else {
		memcpy(&v->d, &raw, sizeof(v->d));
	}
	return NULL;
}

/* One value of col at c into v; NULL, or what is wrong with it. */
static const char *kf__value(const kf_bl_col_t *col, kf__cur_t *c,
			     kf_bl_value_t *v)
{
	static const size_t int_len[] = {[KF_BL_T_TINY] = 1,
					 [KF_BL_T_SHORT] = 2,
					 [KF_BL_T_INT24] = 3,
					 [KF_BL_T_LONG] = 4,
					 [KF_BL_T_LONGLONG] = 8};
	uint64_t raw;
	char digits[80];
	int neg;

	memset(v, 0, sizeof(*v));
	switch (col->type) {
	case KF_BL_T_TINY:
	case KF_BL_T_SHORT:
	case KF_BL_T_INT24:
	case KF_BL_T_LONG:
	case KF_BL_T_LONGLONG:
		return kf__int(col, c, v, int_len[col->type]);
	case KF_BL_T_FLOAT:
	case KF_BL_T_DOUBLE:
		return kf__float(col, c, v);
	case KF_BL_T_NEWDECIMAL:
		v->kind = KF_BL_V_DECIMAL;
		v->len = (uint32_t)kf__decimal_size(col->meta);
		v->bytes = kf__take(c, v->len);
		return v->bytes && kf__decimal_digits(v->bytes, col->meta,
						      digits, &neg)
			       ? "a DECIMAL whose digits are not digits"
			       : NULL;
	case KF_BL_T_DATE:
		raw = kf__le(c, 3);
		v->kind = KF_BL_V_DATE;
		v->day = (uint8_t)(raw & 31);
		v->month = (uint8_t)(raw >> 5 & 15);
		v->year = (uint16_t)(raw >> 9);
		return v->month > 12 || v->year > 9999 ? "a DATE out of range"
						       : NULL;
	case KF_BL_T_YEAR:
		raw = kf__le(c, 1);
		v->kind = KF_BL_V_YEAR;
		v->i = raw ? 1900 + (int64_t)raw : 0;
		return NULL;
	case KF_BL_T_TIMESTAMP2:
		v->kind = KF_BL_V_TIMESTAMP;
		v->i = (int64_t)kf__be(c, 4);
		v->usec = kf__frac(c, col->meta);
		return v->usec > 999999 ? "a TIMESTAMP fraction out of range"
					: NULL;
	case KF_BL_T_DATETIME2:
		return kf__datetime2(col, c, v);
	case KF_BL_T_TIME2:
		return kf__time2(col, c, v);
	case KF_BL_T_VARCHAR:
	case KF_BL_T_VAR_STRING:
	case KF_BL_T_STRING:
		return kf__lenstr(c, col->meta > 255 ? 2 : 1, col->meta, v);
	case KF_BL_T_BLOB:
		return kf__lenstr(c, col->meta, 0, v);
	case KF_BL_T_ENUM:
	case KF_BL_T_SET:
		return kf__members(col, c, v);
	case KF_BL_T_BIT:
		v->kind = KF_BL_V_BYTES;
		v->len = (uint32_t)(col->meta + 7) / 8;
		v->bytes = kf__take(c, v->len);
		return NULL;
	default:
		return "a column type we do not read";
	}
}

/* ---------------------------------------------------------- rows events */

/* 1 when none of the n bits of bitmap is set */
static int kf__none(const uint8_t *bitmap, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (bitmap[i / 8] >> (i % 8) & 1)
			return 0;
	return 1;
}

int kf_bl_rows_parse(uint8_t type, const uint8_t *body, size_t len,
		     kf_bl_rows_t *r, char *errstr, size_t errstr_size)
{
	kf__cur_t c = {body, body + len, 0};
	uint64_t n;
	int v2 = type >= KF_BL_WRITE_V2 && type <= KF_BL_DELETE_V2;

	memset(r, 0, sizeof(*r));
	switch (v2 ? type - (KF_BL_WRITE_V2 - KF_BL_WRITE_V1) : type) {
	case KF_BL_WRITE_V1:
		r->op = 'c';
		break;
	case KF_BL_UPDATE_V1:
		r->op = 'u';
		break;
	case KF_BL_DELETE_V1:
		r->op = 'd';
		break;
	default:
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "binlog event type %u is not a rows event",
				 type);
	}
	r->table_id = kf__le(&c, 6);
	r->flags = (uint16_t)kf__le(&c, 2);
	if (v2) {
		/* the extra data's length counts its own 2 bytes */
		n = kf__le(&c, 2);
		if (n < 2)
			c.bad = 1;
		else
			kf__take(&c, (size_t)n - 2);
	}
	n = kf__lenenc(&c);
	if (!c.bad && (!n || n > KF_BL_MAX_COLS))
		c.bad = 1;
	r->ncols = (uint32_t)n;
	r->present = kf__take(&c, ((size_t)n + 7) / 8);
	if (r->op == 'u')
		r->present_after = kf__take(&c, ((size_t)n + 7) / 8);
	if (c.bad)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "rows event of table id %llu: its header is "
				 "cut or has %llu columns",
				 (unsigned long long)r->table_id,
				 (unsigned long long)n);
	/* an image of no column takes no byte: its rows would never end */
	if (kf__none(r->present, r->ncols) ||
	    (r->present_after && kf__none(r->present_after, r->ncols)))
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "rows event of table id %llu: a row image of "
				 "no column",
				 (unsigned long long)r->table_id);
	r->p = c.p;
	r->end = c.end;
	return 0;
}

/* One row image: the null bitmap of the present columns, then their
 * values. */
static int kf__image(kf__cur_t *c, const kf_bl_tablemap_t *tm,
		     const uint8_t *present, kf_bl_value_t *vals, char *errstr,
		     size_t errstr_size)
{
	uint32_t i, k = 0, npresent = 0;
	const uint8_t *nulls;
	const char *why;

	for (i = 0; i < tm->ncols; i++)
		npresent += present[i / 8] >> (i % 8) & 1;
	nulls = kf__take(c, ((size_t)npresent + 7) / 8);
	for (i = 0; nulls && i < tm->ncols; i++) {
		const kf_bl_col_t *col = &tm->cols[i];

		if (!(present[i / 8] >> (i % 8) & 1)) {
			memset(&vals[i], 0, sizeof(vals[i]));
			continue;
		}
		if (nulls[k / 8] >> (k % 8) & 1) {
			memset(&vals[i], 0, sizeof(vals[i]));
			vals[i].kind = KF_BL_V_NULL;
			why = col->nullable ? NULL
					    : "NULL in a NOT NULL column";
		} else {
			why = kf__value(col, c, &vals[i]);
		}
		k++;
		if (why || c->bad)
			return kf_seterr(errstr, errstr_size, KF_EPROTO,
					 "row of %s.%s, column %u (%s): %s",
					 tm->db, tm->table, i + 1,
					 col->name ? col->name : "?",
					 why ? why : "the row is cut");
	}
	if (!nulls)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "row of %s.%s: cut before its null bitmap",
				 tm->db, tm->table);
	return 0;
}

int kf_bl_rows_next(kf_bl_rows_t *r, const kf_bl_tablemap_t *tm,
		    kf_bl_value_t *before, kf_bl_value_t *after, char *errstr,
		    size_t errstr_size)
{
	kf__cur_t c = {r->p, r->end, 0};
	int rc = 0;

	if (r->p == r->end)
		return 0;
	if (tm->table_id != r->table_id || tm->ncols != r->ncols)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "rows event of table id %llu with %u "
				 "columns: its table map (%s.%s, id %llu) "
				 "has %u",
				 (unsigned long long)r->table_id, r->ncols,
				 tm->db, tm->table,
				 (unsigned long long)tm->table_id, tm->ncols);
	if (r->op != 'c')
		rc = kf__image(&c, tm, r->present, before, errstr, errstr_size);
	if (!rc && r->op != 'd')
		rc = kf__image(&c, tm,
			       r->op == 'u' ? r->present_after : r->present,
			       after, errstr, errstr_size);
	if (rc)
		return rc;
	r->p = c.p;
	return 1;
}

/* ---------------------------------------------------------- transactions */

/* Whether query event ev's statement is word (BEGIN, COMMIT). */
static int kf__is_stmt(const kf_bl_event_t *ev, const char *word)
{
	size_t n = strlen(word);

	return ev->query_len == n && !strncasecmp(ev->query, word, n);
}

static int kf__txn_query(kf_bl_txn_t *t, const kf_bl_event_t *ev)
{
	if (t->standalone) {
		t->open = 0;
		return KF_BL_STEP_DDL;
	}
	if (kf__is_stmt(ev, "BEGIN")) {
		t->thread_id = ev->thread_id;
		return KF_BL_STEP_IN;
	}
	if (kf__is_stmt(ev, "COMMIT")) {
		t->open = 0;
		return KF_BL_STEP_COMMIT;
	}
	return KF_BL_STEP_IN;
}

int kf_bl_txn_step(kf_bl_txn_t *t, const kf_bl_event_t *ev, char *errstr,
		   size_t errstr_size)
{
	const char *where = t->open ? "inside" : "outside";

	switch (ev->type) {
	case KF_BL_ROTATE:
	case KF_BL_FORMAT_DESC:
	case KF_BL_GTID_LIST:
	case KF_BL_CHECKPOINT:
	case KF_BL_HEARTBEAT:
		return KF_BL_STEP_SKIP;
	case KF_BL_GTID:
		if (t->open)
			break;
		memset(t, 0, sizeof(*t));
		t->open = 1;
		t->standalone = ev->gtid_flags & KF_BL_GTID_STANDALONE;
		t->gtid = (kf_gtid_t){ev->domain, ev->server_id, ev->seq};
		t->ts = ev->ts;
		t->begin_pos = ev->next_pos >= ev->length
				       ? ev->next_pos - ev->length
				       : 0;
		return KF_BL_STEP_BEGIN;
	case KF_BL_QUERY:
		if (t->open)
			return kf__txn_query(t, ev);
		break;
	case KF_BL_XID:
		if (!t->open || t->standalone)
			break;
		t->open = 0;
		return KF_BL_STEP_COMMIT;
	case KF_BL_TABLE_MAP:
	case KF_BL_WRITE_V1:
	case KF_BL_UPDATE_V1:
	case KF_BL_DELETE_V1:
	case KF_BL_WRITE_V2:
	case KF_BL_UPDATE_V2:
	case KF_BL_DELETE_V2:
	case KF_BL_ANNOTATE:
	case KF_BL_INTVAR:
	case KF_BL_RAND:
	case KF_BL_USER_VAR:
		if (t->open)
			return KF_BL_STEP_IN;
		break;
	default:
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "binlog event of type %u before position %u: "
				 "a type the capture does not read (compressed "
				 "or encrypted binlog? docs/cdc.md 10.1)",
				 ev->type, ev->next_pos);
	}
	return kf_seterr(errstr, errstr_size, KF_EPROTO,
			 "binlog event of type %u before position %u %s a "
			 "transaction (GTID %" PRIu32 "-%" PRIu32 "-%" PRIu64
			 "): out of place",
			 ev->type, ev->next_pos, where, t->gtid.domain,
			 t->gtid.server, t->gtid.seq);
}
