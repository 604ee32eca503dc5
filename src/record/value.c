/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Typed values of record fields (value.h): parsing a field's text into
 * the column's type, the checks of docs/records.md 2.4, exact decimals on
 * a 128-bit unscaled integer, and the calendar arithmetic of dates and
 * timestamps (no time zone database: a fixed offset only).
 */
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "record/decode.h"
#include "record/schema.h"
#include "record/value.h"

#define KF__MS_DAY INT64_C(86400000)
#define KF__NUM_MAX 128 /* a number's text, sign handled: longer is `type` */

/* 10^38 - 1: the largest unscaled magnitude of a decimal(38,s). */
#define KF__DEC_LIM                                                            \
	((unsigned __int128)UINT64_C(9999999999999999999) *                    \
		 UINT64_C(10000000000000000000) +                              \
	 UINT64_C(9999999999999999999))

int kf_reject(kf_reject_t *rej, const char *code, int col, const char *fmt, ...)
{
	va_list ap;

	if (!rej)
		return -1;
	rej->code = code;
	rej->col = col;
	va_start(ap, fmt);
	vsnprintf(rej->reason, sizeof(rej->reason), fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- locales: regexes run under C.UTF-8, numbers read under C ---- */

static struct {
	pthread_once_t once;
	locale_t utf8, c;
} kf__loc = {PTHREAD_ONCE_INIT, (locale_t)0, (locale_t)0};

static void kf__loc_init(void)
{
	kf__loc.utf8 = newlocale(LC_ALL_MASK, "C.UTF-8", (locale_t)0);
	kf__loc.c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* ---- calendar ---- */

int kf_date_valid(int y, int m, int d)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30,
				      31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
		return -1;
	return d <= mdays[m - 1] + (m == 2 && leap) ? 0 : -1;
}

/* Howard Hinnant's days_from_civil: eras of 400 years, March-based. */
int64_t kf_days_from_civil(int y, int m, int d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

/* The inverse, for messages. */
static void kf__civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* ---- decimals ---- */

/* Whether dropping digits rounds the kept magnitude up: last is its last
 * digit, first the first dropped digit, rest whether any later dropped
 * digit is not zero. Magnitudes: half_up rounds ties away from zero, as
 * Java's RoundingMode.HALF_UP does. */
static int kf__round_up(int round, int last, int first, int rest)
{
	switch (round) {
	case KF_ROUND_HALF_UP:
		return first >= 5;
	case KF_ROUND_HALF_EVEN:
		return first > 5 || (first == 5 && (rest || last % 2));
	default:
		return 0;
	}
}

static int kf__digits(unsigned __int128 v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* mag = mag * 10 + dig, or -1 past 38 digits. */
static int kf__dec_push(unsigned __int128 *mag, int dig)
{
	if (*mag > (KF__DEC_LIM - (unsigned)dig) / 10)
		return -1;
	*mag = *mag * 10 + (unsigned)dig;
	return 0;
}

int kf_dec_parse(const char *txt, size_t len, char point, char thousands,
		 int precision, int scale, int round, kf_i128_t *out,
		 kf_reject_t *rej, int col)
{
	unsigned __int128 mag = 0;
	int neg = 0, any = 0, seen_point = 0, frac = 0, nfrac = 0;
	int first = -1, rest = 0;
	size_t i = 0;

	if (i < len && (txt[i] == '+' || txt[i] == '-'))
		neg = txt[i++] == '-';
	for (; i < len; i++) {
		char c = txt[i];

		if (c >= '0' && c <= '9') {
			any = 1;
			if (seen_point)
				nfrac++;
			if (seen_point && frac >= scale) {
				if (first < 0)
					first = c - '0';
				else if (c != '0')
					rest = 1;
				continue;
			}
			frac += seen_point;
			if (kf__dec_push(&mag, c - '0') < 0)
				goto too_long;
		} else if (point && c == point && !seen_point) {
			seen_point = 1;
		} else if (!(thousands && c == thousands && !seen_point)) {
			return kf_reject(rej, "type", col,
					 "expected a decimal number, found a "
					 "'%c' at byte %zu",
					 c, i);
		}
	}
	if (!any)
		return kf_reject(rej, "type", col,
				 "expected a decimal number, found no digit");
	if (first >= 0 && round == KF_ROUND_NONE)
		return kf_reject(rej, "scale", col,
				 "%d fractional digits, decimal(%d,%d) allows "
				 "%d",
				 nfrac, precision, scale, scale);
	for (; frac < scale; frac++)
		if (kf__dec_push(&mag, 0) < 0)
			goto too_long;
	if (first >= 0 && kf__round_up(round, (int)(mag % 10), first, rest)) {
		if (mag == KF__DEC_LIM)
			goto too_long;
		mag++;
	}
	if (kf__digits(mag) > precision)
		return kf_reject(rej, "precision", col,
				 "%d digits, decimal(%d,%d) allows %d",
				 kf__digits(mag), precision, scale, precision);
	*out = neg ? -(kf_i128_t)mag : (kf_i128_t)mag;
	return 0;
too_long:
	return kf_reject(rej, "precision", col,
			 "more than 38 digits, decimal(%d,%d) allows %d",
			 precision, scale, precision);
}

size_t kf_dec_format(kf_i128_t v, int scale, char out[48])
{
	unsigned __int128 mag =
		v < 0 ? -(unsigned __int128)v : (unsigned __int128)v;
	char tmp[48];
	size_t n = 0, o = 0;

	do {
		tmp[n++] = (char)('0' + (int)(mag % 10));
		mag /= 10;
	} while (mag);
	while (n <= (size_t)scale)
		tmp[n++] = '0'; /* a digit before the point */
	if (v < 0)
		out[o++] = '-';
	while (n) {
		if (n == (size_t)scale)
			out[o++] = '.';
		out[o++] = tmp[--n];
	}
	out[o] = '\0';
	return o;
}

size_t kf_dec_bytes(kf_i128_t v, uint8_t out[16])
{
	unsigned __int128 u = (unsigned __int128)v;
	size_t n = 16, i;

	/* Drop a leading byte while the next one's top bit says the same
	 * sign: 00 80 stays (128), FF 7F stays (-129). */
	while (n > 1) {
		uint8_t top = (uint8_t)(u >> (8 * (n - 1)));
		uint8_t next = (uint8_t)(u >> (8 * (n - 2)));

		if (!((top == 0x00 && !(next & 0x80)) ||
		      (top == 0xff && (next & 0x80))))
			break;
		n--;
	}
	for (i = 0; i < n; i++)
		out[i] = (uint8_t)(u >> (8 * (n - 1 - i)));
	return n;
}

/* ---- messages ---- */

/* The text as found, quoted and cut, or a word when the column masks:
 * a reason never carries a masked value. */
static const char *kf__found(const kf_column_t *c, const char *txt, size_t len,
			     char *buf, size_t size)
{
	if (c->mask != KF_MASK_NONE)
		return "a masked value";
	if (len > 40)
		snprintf(buf, size, "'%.40s...'", txt);
	else
		snprintf(buf, size, "'%.*s'", (int)len, txt);
	return buf;
}

/* Moves "name: " in front of the reason of a reject made without the
 * schema (kf_dec_parse). */
static int kf__prefix(const kf_column_t *c, kf_reject_t *rej)
{
	size_t cap, n, r;

	if (!rej)
		return -1;
	cap = sizeof(rej->reason) - 1;
	n = strlen(c->name) + 2;
	if (n > cap)
		n = cap;
	r = strlen(rej->reason);
	if (r > cap - n)
		r = cap - n;
	memmove(rej->reason + n, rej->reason, r);
	rej->reason[n + r] = '\0';
	memcpy(rej->reason, c->name, n - 2);
	memcpy(rej->reason + n - 2, ": ", 2);
	return -1;
}

static const char *kf__type_name(enum kf_type t)
{
	static const char *const names[] = {
		[KF_T_BOOLEAN] = "boolean",	[KF_T_INT8] = "int8",
		[KF_T_INT16] = "int16",		[KF_T_INT32] = "int32",
		[KF_T_INT64] = "int64",		[KF_T_FLOAT32] = "float32",
		[KF_T_FLOAT64] = "float64",	[KF_T_DECIMAL] = "decimal",
		[KF_T_DATE] = "date",		[KF_T_TIME] = "time",
		[KF_T_TIMESTAMP] = "timestamp", [KF_T_TEXT] = "text",
		[KF_T_BYTES] = "bytes",		[KF_T_JSON] = "json",
	};

	return t >= KF_T_BOOLEAN && t <= KF_T_JSON ? names[t] : "?";
}

static int kf__bad(const kf_schema_t *s, int col, const char *txt, size_t len,
		   kf_reject_t *rej, const char *what)
{
	const kf_column_t *c = &s->cols[col];
	char buf[64];

	return kf_reject(rej, "type", col, "%s: expected %s%s%s, found %s",
			 c->name, kf__type_name(c->type), what ? " " : "",
			 what ? what : "",
			 kf__found(c, txt, len, buf, sizeof(buf)));
}

/* ---- numbers ---- */

/* The decimal point; a column filled without one reads '.' (the
 * default of docs/records.md 2.4). */
static char kf__point(const kf_column_t *c)
{
	return c->decimal_point ? c->decimal_point : '.';
}

/* A separate sign byte: '+', '-' or a space; 0 when there is none (a
 * digit: the space was trimmed away as padding). -1: not a sign. */
static int kf__sign_byte(char b)
{
	if (b >= '0' && b <= '9')
		return 0;
	return b == '+' || b == '-' || b == ' ' ? b : -1;
}

/* The text of a number with the column's sign convention applied, as
 * "[-]digits...": a fixed field's separate leading or trailing sign byte
 * or overpunched last digit, spaces around the number skipped. 0, or -1
 * (not a number in that convention). */
static int kf__num_text(const kf_column_t *c, const char *txt, size_t len,
			char out[KF__NUM_MAX], size_t *olen)
{
	static const char pos[] = "{ABCDEFGHI", neg[] = "}JKLMNOPQR";
	const char *p;
	int sign = 0;
	char last = 0;

	while (len && txt[0] == ' ')
		txt++, len--;
	while (len && txt[len - 1] == ' ')
		len--;
	if (c->sign == KF_SIGN_LEADING && len) {
		if ((sign = kf__sign_byte(txt[0])) < 0)
			return -1;
		txt += !!sign, len -= !!sign;
	} else if (c->sign == KF_SIGN_TRAILING && len) {
		if ((sign = kf__sign_byte(txt[len - 1])) < 0)
			return -1;
		len -= !!sign;
	} else if (c->sign == KF_SIGN_OVERPUNCH && len) {
		last = txt[len - 1];
		if (last && (p = strchr(pos, last)))
			sign = '+', last = (char)('0' + (p - pos));
		else if (last && (p = strchr(neg, last)))
			sign = '-', last = (char)('0' + (p - neg));
		else if (last < '0' || last > '9')
			return -1;
		len--;
	}
	while (len && txt[0] == ' ')
		txt++, len--;
	while (len && txt[len - 1] == ' ')
		len--;
	if (len + 2 > KF__NUM_MAX ||
	    (sign && sign != ' ' && len && (txt[0] == '+' || txt[0] == '-')))
		return -1;
	*olen = 0;
	if (sign == '-')
		out[(*olen)++] = '-';
	memcpy(out + *olen, txt, len);
	*olen += len;
	if (last)
		out[(*olen)++] = last;
	return 0;
}

static int kf__parse_int(const kf_schema_t *s, int col, const char *num,
			 size_t n, int64_t *out, kf_reject_t *rej)
{
	static const int64_t lim[] = {[KF_T_INT8] = INT8_MAX,
				      [KF_T_INT16] = INT16_MAX,
				      [KF_T_INT32] = INT32_MAX,
				      [KF_T_INT64] = INT64_MAX};
	const kf_column_t *c = &s->cols[col];
	char buf[64];
	kf_i128_t x;

	/* a point is `type`, not `scale`; past 38 digits is out of range */
	if (memchr(num, kf__point(c), n) ||
	    kf_dec_parse(num, n, 0, c->thousands, 38, 0, KF_ROUND_NONE, &x,
			 NULL, col) < 0)
		return kf__bad(s, col, num, n, rej, "an integer");
	if (x > lim[c->type] || x < -(kf_i128_t)lim[c->type] - 1)
		return kf_reject(rej, "type", col,
				 "%s: out of the range of %s, found %s",
				 c->name, kf__type_name(c->type),
				 kf__found(c, num, n, buf, sizeof(buf)));
	*out = (int64_t)x;
	return 0;
}

static int kf__parse_float(const kf_schema_t *s, int col, const char *num,
			   size_t n, double *out, kf_reject_t *rej)
{
	const kf_column_t *c = &s->cols[col];
	char buf[KF__NUM_MAX + 1], *end;
	size_t i, o = 0;
	double x;

	for (i = 0; i < n; i++) {
		char ch = num[i];

		if (c->thousands && ch == c->thousands)
			continue;
		if (ch == kf__point(c))
			ch = '.';
		else if (!ch || !strchr("+-0123456789eE", ch))
			return kf__bad(s, col, num, n, rej, "a number");
		buf[o++] = ch;
	}
	buf[o] = '\0';
	pthread_once(&kf__loc.once, kf__loc_init);
	x = strtod_l(buf, &end, kf__loc.c ? kf__loc.c : LC_GLOBAL_LOCALE);
	if (!o || *end || isinf(x) || isnan(x) ||
	    (c->type == KF_T_FLOAT32 && isinf((float)x)))
		return kf__bad(s, col, num, n, rej, "a finite number");
	*out = c->type == KF_T_FLOAT32 ? (double)(float)x : x;
	return 0;
}

static int kf__parse_decimal(const kf_schema_t *s, int col, const char *num,
			     size_t n, kf_i128_t *out, kf_reject_t *rej)
{
	const kf_column_t *c = &s->cols[col];

	/* implied: the digits are the unscaled value (COBOL 9(13)V99) */
	if (kf_dec_parse(num, n, c->implied ? 0 : kf__point(c), c->thousands,
			 c->precision, c->implied ? 0 : c->scale, c->round, out,
			 rej, col) < 0)
		return kf__prefix(c, rej);
	return 0;
}

/* ---- booleans ---- */

static int kf__word(const char *txt, size_t len, const char *w)
{
	return strlen(w) == len && strncasecmp(txt, w, len) == 0;
}

static int kf__parse_bool(const kf_schema_t *s, int col, const char *txt,
			  size_t len, int *out, kf_reject_t *rej)
{
	static const char *const yes[] = {"true", "t", "1"};
	static const char *const no[] = {"false", "f", "0"};
	const kf_column_t *c = &s->cols[col];
	size_t i;

	if (c->bool_true && c->bool_false) {
		if (kf__word(txt, len, c->bool_true) ||
		    kf__word(txt, len, c->bool_false)) {
			*out = kf__word(txt, len, c->bool_true);
			return 0;
		}
		return kf__bad(s, col, txt, len, rej, c->format);
	}
	for (i = 0; i < 3; i++) {
		if (kf__word(txt, len, yes[i]) || kf__word(txt, len, no[i])) {
			*out = kf__word(txt, len, yes[i]);
			return 0;
		}
	}
	return kf__bad(s, col, txt, len, rej, "(true/false, t/f, 1/0)");
}

/* ---- dates, times, timestamps ---- */

struct kf__tm {
	int y, m, d, H, M, S;
	int64_t ms; /* fraction of the second, rounded to milliseconds */
	int have_date, have_time, have_tz;
	int tz;	   /* minutes east of UTC */
	int carry; /* the fraction rounded up to a whole second */
};

/* Up to max digits (at least min) at *i into *out. */
static int kf__num(const char *t, size_t len, size_t *i, int min, int max,
		   int *out)
{
	int n = 0, v = 0;

	while (*i < len && n < max && t[*i] >= '0' && t[*i] <= '9') {
		v = v * 10 + (t[*i] - '0');
		(*i)++, n++;
	}
	*out = v;
	return n >= min ? 0 : -1;
}

/* %f: an optional '.' or ',' and up to 9 digits, kept to milliseconds;
 * finer digits that are not zero need a `round`. 0, -1 (syntax), -2
 * (`scale`). */
static int kf__frac(const char *t, size_t len, size_t *i, int round,
		    struct kf__tm *tm)
{
	int n = 0, first = -1, rest = 0, sep = 0;

	if (*i < len && (t[*i] == '.' || t[*i] == ',')) {
		sep = 1;
		(*i)++;
	}
	tm->ms = 0;
	for (; *i < len && t[*i] >= '0' && t[*i] <= '9'; (*i)++, n++) {
		if (n < 3)
			tm->ms = tm->ms * 10 + (t[*i] - '0');
		else if (first < 0)
			first = t[*i] - '0';
		else if (t[*i] != '0')
			rest = 1;
	}
	if (n > 9 || (sep && !n))
		return -1;
	for (; n < 3; n++)
		tm->ms *= 10;
	if (first > 0 || rest) {
		if (round == KF_ROUND_NONE)
			return -2;
		if (kf__round_up(round, (int)(tm->ms % 10), first, rest) &&
		    ++tm->ms == 1000) {
			tm->ms = 0;
			tm->carry = 1;
		}
	}
	return 0;
}

/* %z: Z, +HH:MM, +HHMM or +HH; absent (the end of the text, or no sign)
 * leaves the schema's zone. */
static int kf__zone(const char *t, size_t len, size_t *i, struct kf__tm *tm)
{
	int neg, hh, mm = 0;

	if (*i < len && (t[*i] == 'Z' || t[*i] == 'z')) {
		(*i)++;
		tm->have_tz = 1;
		tm->tz = 0;
		return 0;
	}
	if (*i >= len || (t[*i] != '+' && t[*i] != '-'))
		return 0;
	neg = t[(*i)++] == '-';
	if (kf__num(t, len, i, 2, 2, &hh) < 0)
		return -1;
	if (*i < len && t[*i] == ':')
		(*i)++;
	if (*i < len && kf__num(t, len, i, 2, 2, &mm) < 0)
		return -1;
	if (hh > 18 || mm > 59)
		return -1;
	tm->have_tz = 1;
	tm->tz = (neg ? -1 : 1) * (hh * 60 + mm);
	return 0;
}

/* Reads t by the strptime-like pattern fmt. lenient_t: the default
 * timestamp pattern, whose 'T' also matches a space. 0, -1 (does not
 * match), -2 (finer than milliseconds without `round`). */
static int kf__strptime(const char *fmt, int lenient_t, const char *t,
			size_t len, int round, struct kf__tm *tm)
{
	size_t i = 0;
	int rc = 0;

	memset(tm, 0, sizeof(*tm));
	for (; *fmt && rc == 0; fmt++) {
		if (*fmt != '%' || !fmt[1]) {
			if (i < len &&
			    (t[i] == *fmt ||
			     (lenient_t && *fmt == 'T' && t[i] == ' ')))
				i++;
			else
				rc = -1;
			continue;
		}
		switch (*++fmt) {
		case 'Y':
			rc = kf__num(t, len, &i, 4, 4, &tm->y);
			tm->have_date |= 1;
			break;
		case 'm':
			rc = kf__num(t, len, &i, 1, 2, &tm->m);
			tm->have_date |= 2;
			break;
		case 'd':
			rc = kf__num(t, len, &i, 1, 2, &tm->d);
			tm->have_date |= 4;
			break;
		case 'H':
			rc = kf__num(t, len, &i, 1, 2, &tm->H);
			tm->have_time = 1;
			break;
		case 'M':
			rc = kf__num(t, len, &i, 1, 2, &tm->M);
			break;
		case 'S':
			rc = kf__num(t, len, &i, 1, 2, &tm->S);
			break;
		case 'f':
			rc = kf__frac(t, len, &i, round, tm);
			break;
		case 'z':
			rc = kf__zone(t, len, &i, tm);
			break;
		case '%':
			rc = i < len && t[i] == '%' ? (i++, 0) : -1;
			break;
		default:
			rc = -1; /* the schema loader refuses other directives */
		}
	}
	if (rc == 0 && i != len)
		rc = -1;
	if (rc == 0 && (tm->H > 23 || tm->M > 59 || tm->S > 59))
		rc = -1;
	return rc;
}

/* Milliseconds since midnight of tm (a carry may reach 86400000). */
static int64_t kf__tm_ms(const struct kf__tm *tm)
{
	return ((int64_t)tm->H * 3600 + tm->M * 60 + tm->S + tm->carry) * 1000 +
	       tm->ms;
}

/* cast_from: a date written as the number yyyymmdd, a timestamp as
 * epoch seconds or milliseconds. Across kinds, a yyyymmdd timestamp is
 * that day's local midnight and an epoch date is the local calendar day
 * of the instant; a time has no cast. */
static int kf__parse_cast(const kf_schema_t *s, int col, const char *txt,
			  size_t len, int64_t *out, kf_reject_t *rej)
{
	const kf_column_t *c = &s->cols[col];
	int64_t tz_ms = (int64_t)s->tz_minutes * 60000, ms;
	kf_i128_t x;
	int y, m, d;

	if (c->type == KF_T_TIME ||
	    kf_dec_parse(txt, len, 0, 0, 18, 0, KF_ROUND_NONE, &x, NULL, col) <
		    0)
		goto bad;
	if (c->cast_from == KF_CAST_YYYYMMDD) {
		y = (int)(x / 10000), m = (int)(x / 100 % 100),
		d = (int)(x % 100);
		if (x < 0 || kf_date_valid(y, m, d) < 0)
			goto bad;
		*out = kf_days_from_civil(y, m, d);
		if (c->type == KF_T_TIMESTAMP)
			*out = *out * KF__MS_DAY - tz_ms;
		return 0;
	}
	if (c->cast_from == KF_CAST_EPOCH_S)
		x *= 1000;
	if (x > INT64_MAX - KF__MS_DAY || x < INT64_MIN + KF__MS_DAY)
		goto bad;
	*out = (int64_t)x;
	if (c->type == KF_T_DATE) {
		ms = *out + tz_ms;
		*out = (ms - ((ms % KF__MS_DAY) + KF__MS_DAY) % KF__MS_DAY) /
		       KF__MS_DAY;
	}
	return 0;
bad:
	return kf__bad(s, col, txt, len, rej,
		       c->cast_from == KF_CAST_YYYYMMDD ? "yyyymmdd"
		       : c->cast_from == KF_CAST_EPOCH_S
			       ? "epoch seconds"
			       : "epoch milliseconds");
}

static int kf__parse_when(const kf_schema_t *s, int col, const char *txt,
			  size_t len, int64_t *out, kf_reject_t *rej)
{
	static const char *const dflt[] = {[KF_T_DATE] = "%Y-%m-%d",
					   [KF_T_TIME] = "%H:%M:%S%f",
					   [KF_T_TIMESTAMP] =
						   "%Y-%m-%dT%H:%M:%S%f%z"};
	const kf_column_t *c = &s->cols[col];
	const char *fmt = c->format ? c->format : dflt[c->type];
	struct kf__tm tm;
	int rc;

	if (c->cast_from != KF_CAST_NONE)
		return kf__parse_cast(s, col, txt, len, out, rej);
	rc = kf__strptime(fmt, !c->format && c->type == KF_T_TIMESTAMP, txt,
			  len, c->round, &tm);
	if (rc == -2)
		return kf_reject(rej, "scale", col,
				 "%s: fraction digits finer than milliseconds "
				 "(round allows them)",
				 c->name);
	if (rc == 0 && c->type != KF_T_TIME &&
	    (tm.have_date != 7 || kf_date_valid(tm.y, tm.m, tm.d) < 0))
		rc = -1;
	if (rc == 0 && c->type == KF_T_TIME &&
	    (!tm.have_time || kf__tm_ms(&tm) >= KF__MS_DAY))
		rc = -1;
	if (rc < 0)
		return kf__bad(s, col, txt, len, rej, fmt);
	if (c->type == KF_T_DATE)
		*out = kf_days_from_civil(tm.y, tm.m, tm.d);
	else if (c->type == KF_T_TIME)
		*out = kf__tm_ms(&tm);
	else
		*out = kf_days_from_civil(tm.y, tm.m, tm.d) * KF__MS_DAY +
		       kf__tm_ms(&tm) -
		       (int64_t)(tm.have_tz ? tm.tz : s->tz_minutes) * 60000;
	return 0;
}

int kf_value_parse(const kf_schema_t *s, int col, const char *txt, size_t len,
		   kf_value_t *v, kf_reject_t *rej)
{
	const kf_column_t *c = &s->cols[col];
	char num[KF__NUM_MAX];
	size_t n;

	memset(v, 0, sizeof(*v));
	v->type = c->type;
	switch (c->type) {
	case KF_T_BOOLEAN:
		return kf__parse_bool(s, col, txt, len, &v->u.b, rej);
	case KF_T_DATE:
	case KF_T_TIME:
	case KF_T_TIMESTAMP:
		return kf__parse_when(s, col, txt, len, &v->u.i, rej);
	case KF_T_TEXT:
	case KF_T_BYTES:
	case KF_T_JSON:
		v->u.s.ptr = txt;
		v->u.s.len = len;
		return 0;
	default:
		break;
	}
	if (kf__num_text(c, txt, len, num, &n) < 0)
		return kf__bad(s, col, txt, len, rej, "a number");
	if (c->type == KF_T_DECIMAL)
		return kf__parse_decimal(s, col, num, n, &v->u.dec, rej);
	if (c->type == KF_T_FLOAT32 || c->type == KF_T_FLOAT64)
		return kf__parse_float(s, col, num, n, &v->u.f, rej);
	return kf__parse_int(s, col, num, n, &v->u.i, rej);
}

/* ---- checks ---- */

int kf_value_cmp(const kf_value_t *a, const kf_value_t *b)
{
	size_t n;
	int r;

	switch (a->type) {
	case KF_T_BOOLEAN:
		return (a->u.b > b->u.b) - (a->u.b < b->u.b);
	case KF_T_FLOAT32:
	case KF_T_FLOAT64:
		return (a->u.f > b->u.f) - (a->u.f < b->u.f);
	case KF_T_DECIMAL:
		return (a->u.dec > b->u.dec) - (a->u.dec < b->u.dec);
	case KF_T_TEXT:
	case KF_T_BYTES:
	case KF_T_JSON:
		n = a->u.s.len < b->u.s.len ? a->u.s.len : b->u.s.len;
		r = n ? memcmp(a->u.s.ptr, b->u.s.ptr, n) : 0;
		if (r)
			return r;
		return (a->u.s.len > b->u.s.len) - (a->u.s.len < b->u.s.len);
	default:
		return (a->u.i > b->u.i) - (a->u.i < b->u.i);
	}
}

size_t kf_value_format(const kf_value_t *v, int scale, char out[64])
{
	int y, m, d, n;
	int64_t ms;

	switch (v->type) {
	case KF_T_BOOLEAN:
		n = snprintf(out, 64, "%s", v->u.b ? "true" : "false");
		break;
	case KF_T_DECIMAL:
		return kf_dec_format(v->u.dec, scale, out);
	case KF_T_FLOAT32:
	case KF_T_FLOAT64:
		n = snprintf(out, 64, "%.17g", v->u.f);
		break;
	case KF_T_DATE:
		kf__civil_from_days(v->u.i, &y, &m, &d);
		n = snprintf(out, 64, "%04d-%02d-%02d", y, m, d);
		break;
	case KF_T_TIME:
		n = snprintf(out, 64, "%02d:%02d:%02d.%03d",
			     (int)(v->u.i / 3600000),
			     (int)(v->u.i / 60000 % 60),
			     (int)(v->u.i / 1000 % 60), (int)(v->u.i % 1000));
		break;
	case KF_T_TIMESTAMP:
		ms = ((v->u.i % KF__MS_DAY) + KF__MS_DAY) % KF__MS_DAY;
		kf__civil_from_days((v->u.i - ms) / KF__MS_DAY, &y, &m, &d);
		n = snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y,
			     m, d, (int)(ms / 3600000), (int)(ms / 60000 % 60),
			     (int)(ms / 1000 % 60), (int)(ms % 1000));
		break;
	case KF_T_TEXT:
	case KF_T_BYTES:
	case KF_T_JSON:
		n = 0; /* spans are their own text */
		out[0] = '\0';
		break;
	default:
		n = snprintf(out, 64, "%lld", (long long)v->u.i);
	}
	return n < 0 ? 0 : n >= 64 ? 63 : (size_t)n;
}

/* The value as text for a message ("12.30", "2026-12-02"). */
static const char *kf__show(const kf_column_t *c, const kf_value_t *v,
			    char buf[64])
{
	if (c->mask != KF_MASK_NONE)
		return "a masked value";
	if (v->type == KF_T_TEXT || v->type == KF_T_BYTES ||
	    v->type == KF_T_JSON)
		return kf__found(c, v->u.s.ptr, v->u.s.len, buf, 64);
	kf_value_format(v, c->scale, buf);
	return buf;
}

/* 1 when the whole text matches the column's regex (compiled as ^(RE)$
 * under C.UTF-8, so it runs under C.UTF-8 too: characters, not bytes);
 * -1 when out of memory. The span is copied to be NUL-terminated rather
 * than given with REG_STARTEND, which sanitizers' regexec interceptors
 * do not honour (they read up to a NUL); a text holds no U+0000, so the
 * copy means the same. */
static int kf__regex_ok(const kf_column_t *c, const kf_value_t *v)
{
	char stack[1024], *s = stack;
	locale_t old;
	int rc;

	if (v->u.s.len >= sizeof(stack) && !(s = malloc(v->u.s.len + 1)))
		return -1;
	memcpy(s, v->u.s.ptr, v->u.s.len);
	s[v->u.s.len] = '\0';
	pthread_once(&kf__loc.once, kf__loc_init);
	old = uselocale(kf__loc.utf8 ? kf__loc.utf8 : LC_GLOBAL_LOCALE);
	rc = regexec((const regex_t *)c->regex_compiled, s, 0, NULL, 0);
	uselocale(old);
	if (s != stack)
		free(s);
	return rc == 0;
}

static int kf__enum_ok(const kf_column_t *c, const kf_value_t *v)
{
	size_t i;

	for (i = 0; i < c->n_enum; i++)
		if (strlen(c->enum_vals[i]) == v->u.s.len &&
		    memcmp(c->enum_vals[i], v->u.s.ptr, v->u.s.len) == 0)
			return 1;
	return 0;
}

static int kf__check_span(const kf_column_t *c, int col, const kf_value_t *v,
			  kf_reject_t *rej)
{
	size_t chars;
	int ok = 1;

	if (c->has_length && v->type == KF_T_TEXT) {
		chars = kf_utf8_count(v->u.s.ptr, v->u.s.len);
		if (chars < c->length_min || chars > c->length_max)
			return kf_reject(rej, "length", col,
					 "%s: %zu..%zu characters expected, "
					 "found %zu",
					 c->name, c->length_min, c->length_max,
					 chars);
	}
	if (c->max_bytes && v->u.s.len > c->max_bytes)
		return kf_reject(rej, "max_bytes", col,
				 "%s: at most %zu bytes, found %zu", c->name,
				 c->max_bytes, v->u.s.len);
	if (c->regex_compiled && (ok = kf__regex_ok(c, v)) < 0)
		return kf_reject(rej, "serialize", col,
				 "%s: out of memory matching its regex",
				 c->name);
	if (c->regex_compiled && !ok)
		return kf_reject(rej, "regex", col, "%s: does not match %s",
				 c->name, c->regex);
	if (c->n_enum && !kf__enum_ok(c, v))
		return kf_reject(rej, "enum", col,
				 "%s: not one of the enum values", c->name);
	return 0;
}

int kf_value_check(const kf_schema_t *s, int col, const kf_value_t *v,
		   kf_reject_t *rej)
{
	const kf_column_t *c = &s->cols[col];
	char buf[64];

	if (v->null)
		return 0;
	if (c->min_text && !c->min.null && kf_value_cmp(v, &c->min) < 0)
		return kf_reject(rej, "min", col, "%s: %s is below min %s",
				 c->name, kf__show(c, v, buf), c->min_text);
	if (c->max_text && !c->max.null && kf_value_cmp(v, &c->max) > 0)
		return kf_reject(rej, "max", col, "%s: %s is above max %s",
				 c->name, kf__show(c, v, buf), c->max_text);
	if (v->type == KF_T_TEXT || v->type == KF_T_BYTES ||
	    v->type == KF_T_JSON)
		return kf__check_span(c, col, v, rej);
	return 0;
}
