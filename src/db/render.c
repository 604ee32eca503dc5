/* SPDX-License-Identifier: Apache-2.0 */
#include "db/render.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The civil date of a day count (H. Hinnant's days_from_civil inverse):
 * exact for every int64 day count this project can hold. */
static void kf__civil(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* v in decimal, zero-padded to at least width digits; returns the
 * digits written (at most 20). The COPY data of every row goes through
 * here: snprintf was a tenth of the sink's CPU. */
static size_t kf__digits(char *out, uint64_t v, int width)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < (size_t)width && n < sizeof(tmp))
		tmp[n++] = '0';
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

size_t kf_db_fmt_date(int64_t days, int bc, char out[KF_DB_FMT_MAX])
{
	int64_t y;
	int m, d, n;
	size_t k;

	kf__civil(days, &y, &m, &d);
	if (y > 0 && y <= 9999) { /* the common case, without snprintf */
		k = kf__digits(out, (uint64_t)y, 4);
		out[k++] = '-';
		k += kf__digits(out + k, (uint64_t)m, 2);
		out[k++] = '-';
		k += kf__digits(out + k, (uint64_t)d, 2);
		out[k] = '\0';
		return k;
	}
	if (bc && y <= 0) /* there is no year 0: 1 BC precedes 1 AD */
		n = snprintf(out, KF_DB_FMT_MAX, "%04lld-%02d-%02d BC",
			     (long long)(1 - y), m, d);
	else
		n = snprintf(out, KF_DB_FMT_MAX, "%04lld-%02d-%02d",
			     (long long)y, m, d);
	return (size_t)n;
}

/* "H:MM:SS.fff" of a count of units (per_sec a second, digits
 * fractional digits: 3, 6 or 9), hours unbounded, at least two digits. */
static size_t kf__fmt_clock(uint64_t units, uint64_t per_sec, int digits,
			    char *out, size_t cap)
{
	uint64_t secs = units / per_sec;
	char hours[20];
	size_t n = kf__digits(hours, secs / 3600, 2);

	/* ":MM:SS." and the fraction's digits, then the terminator */
	if (n + 7 + (size_t)digits + 1 > cap) {
		if (cap)
			out[0] = '\0';
		return 0; /* never within KF_DB_FMT_MAX */
	}
	memcpy(out, hours, n);
	out[n++] = ':';
	n += kf__digits(out + n, secs / 60 % 60, 2);
	out[n++] = ':';
	n += kf__digits(out + n, secs % 60, 2);
	out[n++] = '.';
	n += kf__digits(out + n, units % per_sec, digits);
	out[n] = '\0';
	return n;
}

size_t kf_db_fmt_time(int64_t ms, char out[KF_DB_FMT_MAX])
{
	return kf__fmt_clock((uint64_t)ms, 1000, 3, out, KF_DB_FMT_MAX);
}

/* "YYYY-MM-DD HH:MM:SS.fff" of units since the epoch (UTC). */
static size_t kf__fmt_stamp(int64_t v, int64_t per_sec, int digits, int bc,
			    char out[KF_DB_FMT_MAX])
{
	int64_t per_day = 86400 * per_sec;
	int64_t days = v / per_day, rem = v % per_day;
	char date[KF_DB_FMT_MAX], *sp;
	size_t n;

	if (rem < 0) { /* floor: 1969-12-31 23:59:59.999 is -1 */
		rem += per_day;
		days--;
	}
	kf_db_fmt_date(days, bc, date);
	/* PostgreSQL reads the era after the time: "0001-01-01 00:00:00 BC" */
	sp = strchr(date, ' ');
	if (sp)
		*sp = '\0';
	n = strlen(date);
	memcpy(out, date, n);
	out[n++] = ' ';
	n += kf__fmt_clock((uint64_t)rem, (uint64_t)per_sec, digits, out + n,
			   KF_DB_FMT_MAX - n);
	if (sp)
		n += (size_t)snprintf(out + n, KF_DB_FMT_MAX - n, " BC");
	return n;
}

size_t kf_db_fmt_timestamp(int64_t ms, int bc, char out[KF_DB_FMT_MAX])
{
	return kf__fmt_stamp(ms, 1000, 3, bc, out);
}

/* "[-]H:MM:SS.ffffff" of microseconds: both databases read it, as an
 * interval (PostgreSQL) and a TIME (MariaDB, up to 838:59:59). */
static size_t kf__fmt_interval(int64_t us, char out[KF_DB_FMT_MAX])
{
	uint64_t mag = us < 0 ? -(uint64_t)us : (uint64_t)us;
	size_t n = 0;

	if (us < 0)
		out[n++] = '-';
	return n + kf__fmt_clock(mag, 1000000, 6, out + n, KF_DB_FMT_MAX - n);
}

/* A word of PostgreSQL's (NaN, infinity). MariaDB has no such values:
 * the word quoted, which its strict mode refuses as the row's value (a
 * refused row, docs/sink.md 4.4), never a silent 0 or NULL. */
static int kf__fmt_word(const char *w, enum kf_db_dialect d,
			char out[KF_DB_FMT_MAX])
{
	return snprintf(out, KF_DB_FMT_MAX, d == KF_DB_POSTGRES ? "%s" : "'%s'",
			w);
}

/* A timestamp, or an infinity (INT64_MAX, INT64_MIN: record/envelope.h). */
static int kf__fmt_stamp_inf(int64_t v, int64_t per_sec, int digits,
			     enum kf_db_dialect d, char out[KF_DB_FMT_MAX])
{
	if (v == INT64_MAX || v == INT64_MIN)
		return kf__fmt_word(v > 0 ? "infinity" : "-infinity", d, out);
	return (int)kf__fmt_stamp(v, per_sec, digits, d == KF_DB_POSTGRES, out);
}

/* An INT64 in the unit of its column's sqltype (record/schema.h). */
static int kf__fmt_sql(enum kf_sqltype t, int64_t v, enum kf_db_dialect d,
		       char out[KF_DB_FMT_MAX])
{
	switch (t) {
	case KF_SQL_TIMESTAMP_US:
	case KF_SQL_TIMESTAMPTZ: /* the session's zone is UTC (conn.h) */
		return kf__fmt_stamp_inf(v, 1000000, 6, d, out);
	case KF_SQL_TIMESTAMP_NS:
		return kf__fmt_stamp_inf(v, 1000000000, 9, d, out);
	case KF_SQL_TIME_US:
	case KF_SQL_TIMETZ:
		return (int)kf__fmt_clock((uint64_t)v, 1000000, 6, out,
					  KF_DB_FMT_MAX);
	case KF_SQL_TIME_NS:
		return (int)kf__fmt_clock((uint64_t)v, 1000000000, 9, out,
					  KF_DB_FMT_MAX);
	case KF_SQL_INTERVAL:
		return (int)kf__fmt_interval(v, out);
	case KF_SQL_NONE:
	case KF_SQL_NUMERIC:
	case KF_SQL_UUID:
	case KF_SQL_XML:
	case KF_SQL_BITS:
		break;
	}
	return -1;
}

int kf_db_fmt_scalar(const kf_column_t *c, const kf_value_t *v,
		     enum kf_db_dialect d, char out[KF_DB_FMT_MAX])
{
	int bc = d == KF_DB_POSTGRES;
	size_t n;

	if (v->type != c->type)
		return -1;
	if (c->sqltype)
		return c->type == KF_T_INT64
			       ? kf__fmt_sql(c->sqltype, v->u.i, d, out)
			       : -1;
	if ((c->type == KF_T_FLOAT32 || c->type == KF_T_FLOAT64) &&
	    !isfinite(v->u.f))
		return kf__fmt_word(isnan(v->u.f) ? "NaN"
				    : v->u.f > 0  ? "Infinity"
						  : "-Infinity",
				    d, out);
	switch (c->type) {
	case KF_T_BOOLEAN:
		out[0] = v->u.b ? (bc ? 't' : '1') : (bc ? 'f' : '0');
		out[1] = '\0';
		return 1;
	case KF_T_INT8:
	case KF_T_INT16:
	case KF_T_INT32:
	case KF_T_INT64:
		if (v->u.i < 0) {
			out[0] = '-';
			n = 1 + kf__digits(out + 1, -(uint64_t)v->u.i, 1);
		} else {
			n = kf__digits(out, (uint64_t)v->u.i, 1);
		}
		out[n] = '\0';
		return (int)n;
	case KF_T_FLOAT32: /* 9 and 17 digits read back to the same value */
		return snprintf(out, KF_DB_FMT_MAX, "%.9g", v->u.f);
	case KF_T_FLOAT64:
		return snprintf(out, KF_DB_FMT_MAX, "%.17g", v->u.f);
	case KF_T_DECIMAL:
		return (int)kf_dec_format(v->u.dec, c->scale, out);
	case KF_T_DATE:
		return (int)kf_db_fmt_date(v->u.i, bc, out);
	case KF_T_TIME:
		return (int)kf_db_fmt_time(v->u.i, out);
	case KF_T_TIMESTAMP:
		return kf__fmt_stamp_inf(v->u.i, 1000, 3, d, out);
	case KF_T_TEXT:
	case KF_T_BYTES:
	case KF_T_JSON:
		break;
	}
	return -1;
}

/* The column types of docs/sink.md 2.3 for the sqltypes. */
const char *kf_db_sqltype_name(const kf_column_t *c, int key,
			       enum kf_db_dialect d, char *buf, size_t size)
{
	int pg = d == KF_DB_POSTGRES;

	switch (c->sqltype) {
	case KF_SQL_NONE:
		return NULL;
	case KF_SQL_TIMESTAMP_US:
	case KF_SQL_TIMESTAMP_NS:
		return pg ? "timestamp(6) without time zone" : "DATETIME(6)";
	case KF_SQL_TIMESTAMPTZ:
		return pg ? "timestamp(6) with time zone" : "DATETIME(6)";
	case KF_SQL_TIME_US:
	case KF_SQL_TIME_NS:
		return pg ? "time(6)" : "TIME(6)";
	case KF_SQL_TIMETZ:
		return pg ? "time(6) with time zone" : "TIME(6)";
	case KF_SQL_INTERVAL:
		return pg ? "interval" : "TIME(6)";
	case KF_SQL_NUMERIC:
		return pg ? "numeric" : "DECIMAL(65,30)";
	case KF_SQL_UUID:
		return pg ? "uuid" : "UUID";
	case KF_SQL_XML: /* InnoDB indexes at most 3072 bytes of a key */
		return pg ? "xml" : key ? "VARCHAR(255)" : "LONGTEXT";
	case KF_SQL_BITS:
		snprintf(buf, size, pg ? "bit(%d)" : "BIT(%d)", c->precision);
		return buf;
	}
	return NULL;
}
