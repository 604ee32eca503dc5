/* SPDX-License-Identifier: Apache-2.0 */
#include "db/render.h"

#include <stdio.h>
#include <string.h>

#define KF__MS_PER_DAY 86400000LL

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

size_t kf_db_fmt_date(int64_t days, int bc, char out[KF_DB_FMT_MAX])
{
	int64_t y;
	int m, d, n;

	kf__civil(days, &y, &m, &d);
	if (bc && y <= 0) /* there is no year 0: 1 BC precedes 1 AD */
		n = snprintf(out, KF_DB_FMT_MAX, "%04lld-%02d-%02d BC",
			     (long long)(1 - y), m, d);
	else
		n = snprintf(out, KF_DB_FMT_MAX, "%04lld-%02d-%02d",
			     (long long)y, m, d);
	return (size_t)n;
}

size_t kf_db_fmt_time(int64_t ms, char out[KF_DB_FMT_MAX])
{
	int n = snprintf(out, KF_DB_FMT_MAX, "%02d:%02d:%02d.%03d",
			 (int)(ms / 3600000), (int)(ms / 60000 % 60),
			 (int)(ms / 1000 % 60), (int)(ms % 1000));
	return (size_t)n;
}

size_t kf_db_fmt_timestamp(int64_t ms, int bc, char out[KF_DB_FMT_MAX])
{
	int64_t days = ms / KF__MS_PER_DAY, rem = ms % KF__MS_PER_DAY;
	char date[KF_DB_FMT_MAX], *sp;
	size_t n;

	if (rem < 0) { /* floor: 1969-12-31 23:59:59.999 is -1 */
		rem += KF__MS_PER_DAY;
		days--;
	}
	kf_db_fmt_date(days, bc, date);
	/* PostgreSQL reads the era after the time: "0001-01-01 00:00:00 BC" */
	sp = strchr(date, ' ');
	if (sp)
		*sp = '\0';
	n = (size_t)snprintf(out, KF_DB_FMT_MAX, "%s ", date);
	n += kf_db_fmt_time(rem, out + n);
	if (sp)
		n += (size_t)snprintf(out + n, KF_DB_FMT_MAX - n, " BC");
	return n;
}

int kf_db_fmt_scalar(const kf_column_t *c, const kf_value_t *v,
		     enum kf_db_dialect d, char out[KF_DB_FMT_MAX])
{
	int bc = d == KF_DB_POSTGRES;

	if (v->type != c->type)
		return -1;
	switch (c->type) {
	case KF_T_BOOLEAN:
		out[0] = v->u.b ? (bc ? 't' : '1') : (bc ? 'f' : '0');
		out[1] = '\0';
		return 1;
	case KF_T_INT8:
	case KF_T_INT16:
	case KF_T_INT32:
	case KF_T_INT64:
		return snprintf(out, KF_DB_FMT_MAX, "%lld", (long long)v->u.i);
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
		return (int)kf_db_fmt_timestamp(v->u.i, bc, out);
	case KF_T_TEXT:
	case KF_T_BYTES:
	case KF_T_JSON:
		break;
	}
	return -1;
}
