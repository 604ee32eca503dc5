/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The schema file (docs/records.md section 2): the keys of each section
 * in tables, read through common/ini; what refers to other sections (the
 * key, the filter, record types of columns, trailer checks) is resolved
 * when the whole file is read; kf_schema_prepare checks the whole and
 * compiles regexes, bounds and filter values.
 *
 * @locality any thread; a schema is built by one thread, read-only once
 * prepared.
 */
#include "record/schema.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/err.h"
#include "common/ini.h"
#include "record/transform.h"

/* A schema file is small; a bigger one is the wrong file. */
#define KF__SCHEMA_MAX_BYTES (4u << 20)
#define KF__NAME_MAX 63		   /* a column name: a database column */
#define KF__RECORD_MAX (16u << 20) /* record_bytes */

/* ---------------------------------------------------------------------
 * Small parsers.
 */

struct kf__word {
	const char *word;
	int value;
};

static const struct kf__word kf__bools[] = {
	{"true", 1}, {"false", 0}, {"yes", 1}, {"no", 0}, {"on", 1},
	{"off", 0},  {"1", 1},	   {"0", 0},   {NULL, 0},
};

static const struct kf__word *kf__word_find(const struct kf__word *w,
					    const char *s)
{
	for (; w->word; w++)
		if (!strcasecmp(w->word, s))
			return w;
	return NULL;
}

/* "a, b or c" of a word table, for messages (bools: "true or false"). */
static void kf__words_fmt(char *out, size_t size, const struct kf__word *w)
{
	size_t n = 0, i;

	if (w == kf__bools) {
		snprintf(out, size, "true or false");
		return;
	}
	while (w[n].word)
		n++;
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		size_t len = strlen(out);

		snprintf(out + len, size - len, "%s%s",
			 !i	      ? ""
			 : i + 1 == n ? " or "
				      : ", ",
			 w[i].word);
	}
}

/* A strict unsigned number or size ("100", "16MiB") up to max. */
static int kf__size(const char *s, size_t max, size_t *out)
{
	uint64_t v;

	if (kf_ini_parse_size(s, &v) || v > max)
		return -1;
	*out = (size_t)v;
	return 0;
}

/* Output names: [A-Za-z_][A-Za-z0-9_]{0,62}. */
static int kf__valid_col_name(const char *s)
{
	size_t n =
		strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "0123456789_");

	return n && !s[n] && n <= KF__NAME_MAX && !isdigit((unsigned char)*s);
}

/* Struct names: letters, digits, '_' and '.'. */
static int kf__valid_struct_name(const char *s)
{
	size_t n =
		strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "0123456789_.");

	return n && !s[n] && n < KF_INI_NAME_MAX;
}

static int kf__set_str(char **field, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return KF_ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

/* The nearest of names (n of them, stride bytes apart, the name a char *
 * at offset 0), or NULL. */
static const char *kf__nearest(const char *name, const void *names, size_t n,
			       size_t stride)
{
	const char *found = NULL;
	size_t best = SIZE_MAX, i;

	for (i = 0; i < n; i++) {
		const char *k = *(
			const char *const *)(const void *)((const char *)names +
							   i * stride);
		size_t d = kf_ini_near(name, k);

		if (d < best) {
			best = d;
			found = k;
		}
	}
	return found;
}

/* ---------------------------------------------------------------------
 * The loader's state: what refers to other sections waits for the end.
 */

enum kf__sec {
	KF__SEC_NONE = 0,
	KF__SEC_SCHEMA,
	KF__SEC_CSV,
	KF__SEC_JSONL,
	KF__SEC_FIXED,
	KF__SEC_RECORD,
	KF__SEC_COLUMN
};

struct kf__ref { /* a name written in a key, resolved at the end */
	char *text;
	unsigned line;
	int owner;  /* column or record type index */
	char *what; /* the key, for messages ("check.sum.amount") */
};

struct kf__loader {
	kf_schema_t *s;
	enum kf__sec sec;
	int cur;       /* column or record type of the current section */
	unsigned line; /* of the key being read */
	unsigned seen; /* bit per singleton section */
	int escape_set, trim_set_any;
	unsigned char *trim_set; /* per column */
	char *key_text, *filter_text;
	struct kf__ref *refs; /* column record, check.count, check.sum.X */
	size_t nrefs;
};

/* The handler of one key: target is the schema, a column or a record
 * type; msg gets the error without the key (the caller prefixes it). */
typedef int(kf__set_fn)(struct kf__loader *ld, void *target, const char *v,
			char *msg, size_t msg_size);

enum kf__kt {
	KF__KT_STR = 1,
	KF__KT_BOOL,
	KF__KT_BYTE,
	KF__KT_SIZE,
	KF__KT_WORDS,
	KF__KT_FN
};

struct kf__key {
	const char *name;
	enum kf__kt type;
	size_t off;
	const struct kf__word *words; /* KF__KT_WORDS */
	kf__set_fn *fn;		      /* KF__KT_FN */
	size_t max;		      /* KF__KT_SIZE */
};

/* ---------------------------------------------------------------------
 * Keys with their own syntax.
 */

static const struct kf__word kf__formats[] = {{"csv", KF_FMT_CSV},
					      {"jsonl", KF_FMT_JSONL},
					      {"fixed", KF_FMT_FIXED},
					      {NULL, 0}};
static const struct kf__word kf__extra[] = {
	{"reject", 0}, {"ignore", 1}, {NULL, 0}};
static const struct kf__word kf__missing[] = {
	{"reject", 0}, {"null", 1}, {NULL, 0}};
static const struct kf__word kf__terms[] = {{"lf", KF_TERM_LF},
					    {"crlf", KF_TERM_CRLF},
					    {"none", KF_TERM_NONE},
					    {NULL, 0}};
static const struct kf__word kf__positions[] = {{"first", KF_POS_FIRST},
						{"last", KF_POS_LAST},
						{"any", KF_POS_ANY},
						{NULL, 0}};
static const struct kf__word kf__trims[] = {{"none", KF_TRIM_NONE},
					    {"left", KF_TRIM_LEFT},
					    {"right", KF_TRIM_RIGHT},
					    {"both", KF_TRIM_BOTH},
					    {NULL, 0}};
static const struct kf__word kf__cases[] = {{"none", KF_CASE_NONE},
					    {"upper", KF_CASE_UPPER},
					    {"lower", KF_CASE_LOWER},
					    {NULL, 0}};
static const struct kf__word kf__signs[] = {{"none", KF_SIGN_NONE},
					    {"leading", KF_SIGN_LEADING},
					    {"trailing", KF_SIGN_TRAILING},
					    {"overpunch", KF_SIGN_OVERPUNCH},
					    {NULL, 0}};
static const struct kf__word kf__rounds[] = {{"none", KF_ROUND_NONE},
					     {"half_even", KF_ROUND_HALF_EVEN},
					     {"half_up", KF_ROUND_HALF_UP},
					     {"truncate", KF_ROUND_TRUNCATE},
					     {NULL, 0}};
static const struct kf__word kf__casts[] = {{"yyyymmdd", KF_CAST_YYYYMMDD},
					    {"epoch_ms", KF_CAST_EPOCH_MS},
					    {"epoch_s", KF_CAST_EPOCH_S},
					    {NULL, 0}};
static const struct kf__word kf__types[] = {{"boolean", KF_T_BOOLEAN},
					    {"int8", KF_T_INT8},
					    {"int16", KF_T_INT16},
					    {"int32", KF_T_INT32},
					    {"int64", KF_T_INT64},
					    {"float32", KF_T_FLOAT32},
					    {"float64", KF_T_FLOAT64},
					    {"decimal(p,s)", KF_T_DECIMAL},
					    {"date", KF_T_DATE},
					    {"time", KF_T_TIME},
					    {"timestamp", KF_T_TIMESTAMP},
					    {"text", KF_T_TEXT},
					    {"bytes", KF_T_BYTES},
					    {"json", KF_T_JSON},
					    {NULL, 0}};

static int kf__set_format_version(struct kf__loader *ld, void *target,
				  const char *v, char *msg, size_t msg_size)
{
	(void)target;
	if (strcmp(v, "1"))
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "format %s is not known to this kferry, "
				 "which reads schema files of format 1",
				 v);
	ld->s->format_version = KF_SCHEMA_FORMAT_VERSION;
	return 0;
}

static int kf__set_struct_name(struct kf__loader *ld, void *target,
			       const char *v, char *msg, size_t msg_size)
{
	(void)target;
	if (!kf__valid_struct_name(v))
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "invalid name \"%s\" (use letters, digits, "
				 "'_' and '.')",
				 v);
	return kf__set_str(&ld->s->name, v);
}

static int kf__set_schema_version(struct kf__loader *ld, void *target,
				  const char *v, char *msg, size_t msg_size)
{
	size_t n;

	(void)target;
	if (strspn(v, "0123456789") != strlen(v) || kf__size(v, INT_MAX, &n) ||
	    !n)
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "invalid value \"%s\" (expected an integer "
				 "from 1)",
				 v);
	ld->s->schema_version = (int)n;
	return 0;
}

static int kf__encoding(kf_schema_t *s, const char *v, char *msg,
			size_t msg_size)
{
	const char *from = kf_schema_iconv_name(v);
	char *enc, *conv = NULL;

	if (from && !*from)
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "encoding \"%s\" is refused: kferry finds "
				 "delimiters and line ends on raw bytes, so an "
				 "encoding must leave ASCII bytes alone "
				 "(UTF-8, CP949/EUC-KR, ISO-8859-*, "
				 "windows-125*)",
				 v);
	if (!(enc = strdup(v)) || (from && !(conv = strdup(from)))) {
		free(enc);
		return kf_seterr(msg, msg_size, KF_ENOMEM, "out of memory");
	}
	free(s->encoding);
	free(s->iconv_from);
	s->encoding = enc;
	s->iconv_from = conv;
	return 0;
}

static int kf__set_encoding_key(struct kf__loader *ld, void *target,
				const char *v, char *msg, size_t msg_size)
{
	(void)target;
	return kf__encoding(ld->s, v, msg, msg_size);
}

static int kf__set_timezone(struct kf__loader *ld, void *target, const char *v,
			    char *msg, size_t msg_size)
{
	int sign = v[0] == '-' ? -1 : 1;

	(void)target;
	if (!strcasecmp(v, "UTC") || !strcmp(v, "Z")) {
		ld->s->tz_minutes = 0;
		return 0;
	}
	if ((v[0] == '+' || v[0] == '-') && strlen(v) == 6 && v[3] == ':' &&
	    isdigit((unsigned char)v[1]) && isdigit((unsigned char)v[2]) &&
	    isdigit((unsigned char)v[4]) && isdigit((unsigned char)v[5])) {
		int h = (v[1] - '0') * 10 + v[2] - '0';
		int m = (v[4] - '0') * 10 + v[5] - '0';

		if (h <= 23 && m <= 59) {
			ld->s->tz_minutes = sign * (h * 60 + m);
			return 0;
		}
	}
	if (strchr(v, '/'))
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "time zone names (\"%s\") are not supported: "
				 "give the fixed offset, +HH:MM or -HH:MM "
				 "(Korea: +09:00)",
				 v);
	return kf_seterr(msg, msg_size, KF_EINVAL,
			 "invalid value \"%s\" (expected UTC, +HH:MM or "
			 "-HH:MM)",
			 v);
}

static int kf__set_deferred(char **field, const char *v, char *msg,
			    size_t msg_size)
{
	if (kf__set_str(field, v))
		return kf_seterr(msg, msg_size, KF_ENOMEM, "out of memory");
	return 0;
}

static int kf__set_key_text(struct kf__loader *ld, void *target, const char *v,
			    char *msg, size_t msg_size)
{
	(void)target;
	ld->s->key_line = ld->line;
	return kf__set_deferred(&ld->key_text, v, msg, msg_size);
}

static int kf__set_filter_text(struct kf__loader *ld, void *target,
			       const char *v, char *msg, size_t msg_size)
{
	(void)target;
	ld->s->filter_line = ld->line;
	return kf__set_deferred(&ld->filter_text, v, msg, msg_size);
}

static int kf__delimiter(kf_schema_t *s, const char *v, char *msg,
			 size_t msg_size)
{
	if (!strcasecmp(v, "tab"))
		v = "\t";
	if (strlen(v) != 1 || *v == '\r' || *v == '\n')
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "invalid value \"%s\" (expected one byte "
				 "other than CR and LF, or tab; write \";\" "
				 "and \"#\" quoted)",
				 v);
	s->csv.delim = *v;
	return 0;
}

static int kf__set_delimiter_key(struct kf__loader *ld, void *target,
				 const char *v, char *msg, size_t msg_size)
{
	(void)target;
	return kf__delimiter(ld->s, v, msg, msg_size);
}

static int kf__set_quote(struct kf__loader *ld, void *target, const char *v,
			 char *msg, size_t msg_size)
{
	(void)target;
	if (!strcasecmp(v, "none")) {
		ld->s->csv.quote = 0;
		return 0;
	}
	if (strlen(v) != 1 || *v == '\r' || *v == '\n')
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "invalid value \"%s\" (expected one byte, "
				 "or none; the double quote is written "
				 "\"\\\"\")",
				 v);
	ld->s->csv.quote = *v;
	return 0;
}

static int kf__set_escape(struct kf__loader *ld, void *target, const char *v,
			  char *msg, size_t msg_size)
{
	(void)target;
	if (strlen(v) != 1 || *v == '\r' || *v == '\n')
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "invalid value \"%s\" (expected one byte)", v);
	ld->s->csv.escape = *v;
	ld->escape_set = 1;
	return 0;
}

static int kf__set_discriminator(struct kf__loader *ld, void *target,
				 const char *v, char *msg, size_t msg_size)
{
	unsigned long off, len;
	char *end;

	(void)target;
	errno = 0;
	if (!isdigit((unsigned char)*v))
		goto out_invalid;
	off = strtoul(v, &end, 10);
	if (errno || *end != ':' || !isdigit((unsigned char)end[1]))
		goto out_invalid;
	len = strtoul(end + 1, &end, 10);
	if (errno || *end || !len || off > KF__RECORD_MAX ||
	    len > KF__RECORD_MAX)
		goto out_invalid;
	ld->s->fixed.has_disc = 1;
	ld->s->fixed.disc_offset = off;
	ld->s->fixed.disc_length = len;
	return 0;

out_invalid:
	return kf_seterr(msg, msg_size, KF_EINVAL,
			 "invalid value \"%s\" (expected OFFSET:LENGTH in "
			 "bytes, as 0:1)",
			 v);
}

static int kf__set_match(struct kf__loader *ld, void *target, const char *v,
			 char *msg, size_t msg_size)
{
	kf_rectype_t *rt = target;

	(void)ld;
	if (!*v)
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "the code must not be empty");
	if (kf__set_str(&rt->match, v))
		return kf_seterr(msg, msg_size, KF_ENOMEM, "out of memory");
	rt->match_len = strlen(v);
	return 0;
}

/* A reference to a column by name, resolved when every column is known. */
static int kf__add_ref(struct kf__loader *ld, const char *key, const char *v,
		       char *msg, size_t msg_size)
{
	struct kf__ref *r;

	r = realloc(ld->refs, (ld->nrefs + 1) * sizeof(*r));
	if (!r)
		return kf_seterr(msg, msg_size, KF_ENOMEM, "out of memory");
	ld->refs = r;
	r += ld->nrefs;
	r->text = strdup(v);
	r->what = strdup(key);
	r->line = ld->line;
	r->owner = ld->cur;
	if (!r->text || !r->what) {
		free(r->text);
		free(r->what);
		return kf_seterr(msg, msg_size, KF_ENOMEM, "out of memory");
	}
	ld->nrefs++;
	return 0;
}

static int kf__set_type(struct kf__loader *ld, void *target, const char *v,
			char *msg, size_t msg_size)
{
	kf_column_t *c = target;
	const struct kf__word *w;
	int p, sc, n = 0;

	(void)ld;
	if (sscanf(v, "decimal ( %d , %d )%n", &p, &sc, &n) == 2 && !v[n] &&
	    !strncmp(v, "decimal", 7)) {
		if (p < 1 || p > 38 || sc < 0 || sc > p)
			return kf_seterr(msg, msg_size, KF_EINVAL,
					 "invalid value \"%s\" (decimal(p,s) "
					 "takes 1 <= p <= 38 and 0 <= s <= p)",
					 v);
		c->type = KF_T_DECIMAL;
		c->precision = p;
		c->scale = sc;
		return 0;
	}
	w = kf__word_find(kf__types, v);
	if (!w || w->value == KF_T_DECIMAL) {
		char words[300];

		kf__words_fmt(words, sizeof(words), kf__types);
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "invalid value \"%s\" (expected %s)", v,
				 words);
	}
	c->type = (enum kf_type)w->value;
	return 0;
}

/* "N" or "MIN..MAX" characters. */
static int kf__set_length(struct kf__loader *ld, void *target, const char *v,
			  char *msg, size_t msg_size)
{
	kf_column_t *c = target;
	const char *dots = strstr(v, "..");
	char lo[32];
	size_t a, b;

	(void)ld;
	if (dots && (size_t)(dots - v) < sizeof(lo)) {
		memcpy(lo, v, (size_t)(dots - v));
		lo[dots - v] = '\0';
		if (isdigit((unsigned char)*lo) &&
		    isdigit((unsigned char)dots[2]) &&
		    !kf__size(lo, SIZE_MAX, &a) &&
		    !kf__size(dots + 2, SIZE_MAX, &b) &&
		    strspn(lo, "0123456789") == strlen(lo) &&
		    strspn(dots + 2, "0123456789") == strlen(dots + 2) &&
		    a <= b)
			goto out_set;
	} else if (!dots && strspn(v, "0123456789") == strlen(v) &&
		   !kf__size(v, SIZE_MAX, &a)) {
		b = a;
		goto out_set;
	}
	return kf_seterr(msg, msg_size, KF_EINVAL,
			 "invalid value \"%s\" (expected N or MIN..MAX "
			 "characters, MIN <= MAX)",
			 v);

out_set:
	c->has_length = 1;
	c->length_min = a;
	c->length_max = b;
	return 0;
}

static void kf__strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Splits a comma-separated list, each item trimmed of spaces. NULL when
 * out of memory. */
static char **kf__split(const char *v, char sep, size_t *n)
{
	size_t cap = 1, i = 0;
	const char *p;
	char **out;

	for (p = v; *p; p++)
		cap += *p == sep;
	if (!(out = calloc(cap, sizeof(*out))))
		return NULL;
	for (p = v;; i++) {
		const char *end = strchr(p, sep);
		size_t len = end ? (size_t)(end - p) : strlen(p);

		while (len && *p == ' ') {
			p++;
			len--;
		}
		while (len && p[len - 1] == ' ')
			len--;
		if (!(out[i] = strndup(p, len))) {
			kf__strv_free(out, i);
			return NULL;
		}
		if (!end)
			break;
		p = end + 1;
	}
	*n = i + 1;
	return out;
}

static int kf__set_enum(struct kf__loader *ld, void *target, const char *v,
			char *msg, size_t msg_size)
{
	kf_column_t *c = target;
	char **vals;
	size_t n;

	(void)ld;
	if (!*v)
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "expected a comma-separated list of values");
	if (!(vals = kf__split(v, ',', &n)))
		return kf_seterr(msg, msg_size, KF_ENOMEM, "out of memory");
	kf__strv_free(c->enum_vals, c->n_enum);
	c->enum_vals = vals;
	c->n_enum = n;
	return 0;
}

static int kf__set_trim(struct kf__loader *ld, void *target, const char *v,
			char *msg, size_t msg_size)
{
	kf_column_t *c = target;
	const struct kf__word *w = kf__word_find(kf__trims, v);

	if (!w)
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "invalid value \"%s\" (expected none, left, "
				 "right or both)",
				 v);
	c->trim = (enum kf_trim)w->value;
	ld->trim_set[ld->cur] = 1;
	return 0;
}

static int kf__set_record_ref(struct kf__loader *ld, void *target,
			      const char *v, char *msg, size_t msg_size)
{
	(void)target;
	return kf__add_ref(ld, "record", v, msg, msg_size);
}

/* keep_first:N, keep_last:N, keep:A:B, hash, redact or null. */
static int kf__set_mask(struct kf__loader *ld, void *target, const char *v,
			char *msg, size_t msg_size)
{
	kf_column_t *c = target;
	unsigned a = 0, b = 0;
	int n = 0;

	(void)ld;
	if (!strcmp(v, "hash"))
		c->mask = KF_MASK_HASH;
	else if (!strcmp(v, "redact"))
		c->mask = KF_MASK_REDACT;
	else if (!strcmp(v, "null"))
		c->mask = KF_MASK_NULL;
	else if ((sscanf(v, "keep_first:%u%n", &a, &n) == 1 ||
		  sscanf(v, "keep_last:%u%n", &b, &n) == 1 ||
		  sscanf(v, "keep:%u:%u%n", &a, &b, &n) == 2) &&
		 n && !v[n] && isdigit((unsigned char)v[n - 1]) &&
		 !strpbrk(v, "+- "))
		c->mask = KF_MASK_KEEP;
	else
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "invalid value \"%s\" (expected keep_first:N, "
				 "keep_last:N, keep:A:B, hash, redact or null)",
				 v);
	c->mask_a = a;
	c->mask_b = b;
	return 0;
}

/* ---------------------------------------------------------------------
 * The key tables of the sections.
 */

#define KF__S(field) offsetof(kf_schema_t, field)
#define KF__C(field) offsetof(kf_column_t, field)
#define KF__R(field) offsetof(kf_rectype_t, field)

static const struct kf__key kf__schema_keys[] = {
	{"format_version", KF__KT_FN, 0, NULL, kf__set_format_version, 0},
	{"name", KF__KT_FN, 0, NULL, kf__set_struct_name, 0},
	{"schema_version", KF__KT_FN, 0, NULL, kf__set_schema_version, 0},
	{"format", KF__KT_WORDS, KF__S(format), kf__formats, NULL, 0},
	{"encoding", KF__KT_FN, 0, NULL, kf__set_encoding_key, 0},
	{"key", KF__KT_FN, 0, NULL, kf__set_key_text, 0},
	{"timezone", KF__KT_FN, 0, NULL, kf__set_timezone, 0},
	{"on_extra_columns", KF__KT_WORDS, KF__S(extra_ignore), kf__extra, NULL,
	 0},
	{"on_missing_columns", KF__KT_WORDS, KF__S(missing_null), kf__missing,
	 NULL, 0},
	{"filter", KF__KT_FN, 0, NULL, kf__set_filter_text, 0},
	{NULL, 0, 0, NULL, NULL, 0},
};

static const struct kf__key kf__csv_keys[] = {
	{"delimiter", KF__KT_FN, 0, NULL, kf__set_delimiter_key, 0},
	{"quote", KF__KT_FN, 0, NULL, kf__set_quote, 0},
	{"escape", KF__KT_FN, 0, NULL, kf__set_escape, 0},
	{"header", KF__KT_BOOL, KF__S(csv.header), NULL, NULL, 0},
	{"null", KF__KT_STR, KF__S(csv.null_text), NULL, NULL, 0},
	{"quoted_null", KF__KT_BOOL, KF__S(csv.quoted_null), NULL, NULL, 0},
	{"skip_lines", KF__KT_SIZE, KF__S(csv.skip_lines), NULL, NULL,
	 UINT_MAX},
	{"comment", KF__KT_BYTE, KF__S(csv.comment), NULL, NULL, 0},
	{"max_field_bytes", KF__KT_SIZE, KF__S(csv.max_field_bytes), NULL, NULL,
	 SIZE_MAX},
	{NULL, 0, 0, NULL, NULL, 0},
};

static const struct kf__key kf__jsonl_keys[] = {
	{"max_line_bytes", KF__KT_SIZE, KF__S(jsonl.max_line_bytes), NULL, NULL,
	 SIZE_MAX},
	{"numbers_as_strings", KF__KT_BOOL, KF__S(jsonl.numbers_as_strings),
	 NULL, NULL, 0},
	{NULL, 0, 0, NULL, NULL, 0},
};

static const struct kf__key kf__fixed_keys[] = {
	{"record_bytes", KF__KT_SIZE, KF__S(fixed.record_bytes), NULL, NULL,
	 KF__RECORD_MAX},
	{"terminator", KF__KT_WORDS, KF__S(fixed.terminator), kf__terms, NULL,
	 0},
	{"discriminator", KF__KT_FN, 0, NULL, kf__set_discriminator, 0},
	{NULL, 0, 0, NULL, NULL, 0},
};

/* check.count and check.sum.COLUMN are read by kf__record_key */
static const struct kf__key kf__record_keys[] = {
	{"match", KF__KT_FN, 0, NULL, kf__set_match, 0},
	{"position", KF__KT_WORDS, KF__R(position), kf__positions, NULL, 0},
	{"emit", KF__KT_BOOL, KF__R(emit), NULL, NULL, 0},
	{"check.count", 0, 0, NULL, NULL, 0},
	{"check.sum.COLUMN", 0, 0, NULL, NULL, 0},
	{NULL, 0, 0, NULL, NULL, 0},
};

static const struct kf__key kf__column_keys[] = {
	{"type", KF__KT_FN, 0, NULL, kf__set_type, 0},
	{"required", KF__KT_BOOL, KF__C(required), NULL, NULL, 0},
	{"source", KF__KT_STR, KF__C(source), NULL, NULL, 0},
	{"doc", KF__KT_STR, KF__C(doc), NULL, NULL, 0},
	{"format", KF__KT_STR, KF__C(format), NULL, NULL, 0},
	{"decimal_point", KF__KT_BYTE, KF__C(decimal_point), NULL, NULL, 0},
	{"thousands", KF__KT_BYTE, KF__C(thousands), NULL, NULL, 0},
	{"min", KF__KT_STR, KF__C(min_text), NULL, NULL, 0},
	{"max", KF__KT_STR, KF__C(max_text), NULL, NULL, 0},
	{"length", KF__KT_FN, 0, NULL, kf__set_length, 0},
	{"max_bytes", KF__KT_SIZE, KF__C(max_bytes), NULL, NULL, SIZE_MAX},
	{"regex", KF__KT_STR, KF__C(regex), NULL, NULL, 0},
	{"enum", KF__KT_FN, 0, NULL, kf__set_enum, 0},
	{"trim", KF__KT_FN, 0, NULL, kf__set_trim, 0},
	{"case", KF__KT_WORDS, KF__C(letter_case), kf__cases, NULL, 0},
	{"record", KF__KT_FN, 0, NULL, kf__set_record_ref, 0},
	{"offset", KF__KT_SIZE, KF__C(offset), NULL, NULL, KF__RECORD_MAX},
	{"length_bytes", KF__KT_SIZE, KF__C(length_bytes), NULL, NULL,
	 KF__RECORD_MAX},
	{"pad", KF__KT_BYTE, KF__C(pad), NULL, NULL, 0},
	{"sign", KF__KT_WORDS, KF__C(sign), kf__signs, NULL, 0},
	{"implied", KF__KT_BOOL, KF__C(implied), NULL, NULL, 0},
	{"emit", KF__KT_BOOL, KF__C(emit), NULL, NULL, 0},
	{"cast_from", KF__KT_WORDS, KF__C(cast_from), kf__casts, NULL, 0},
	{"round", KF__KT_WORDS, KF__C(round), kf__rounds, NULL, 0},
	{"value", KF__KT_STR, KF__C(value), NULL, NULL, 0},
	{"mask", KF__KT_FN, 0, NULL, kf__set_mask, 0},
	{"mask_keep", KF__KT_STR, KF__C(mask_keep), NULL, NULL, 0},
	{NULL, 0, 0, NULL, NULL, 0},
};

static const struct {
	const char *name; /* "column" and "record" take ".NAME" */
	enum kf__sec sec;
	const struct kf__key *keys;
	const char *doc; /* the section of docs/records.md */
} kf__sections[] = {
	{"schema", KF__SEC_SCHEMA, kf__schema_keys, "2.1"},
	{"csv", KF__SEC_CSV, kf__csv_keys, "2.2"},
	{"jsonl", KF__SEC_JSONL, kf__jsonl_keys, "2.3"},
	{"fixed", KF__SEC_FIXED, kf__fixed_keys, "2.5"},
	{"record", KF__SEC_RECORD, kf__record_keys, "2.5"},
	{"column", KF__SEC_COLUMN, kf__column_keys, "2.4 and 2.7"},
};
#define KF__NSECTIONS (sizeof(kf__sections) / sizeof(kf__sections[0]))

/* Sets a key of the tables (every type but KF__KT_FN). */
static int kf__set_typed(const struct kf__key *k, void *target, const char *v,
			 char *msg, size_t msg_size)
{
	void *field = (char *)target + k->off;
	const struct kf__word *w;
	char words[200];
	size_t n;

	switch (k->type) {
	case KF__KT_STR:
		if (kf__set_str(field, v))
			return kf_seterr(msg, msg_size, KF_ENOMEM,
					 "out of memory");
		return 0;
	case KF__KT_BYTE:
		if (strlen(v) != 1)
			return kf_seterr(msg, msg_size, KF_EINVAL,
					 "invalid value \"%s\" (expected one "
					 "byte; write \";\" and \"#\" quoted)",
					 v);
		*(char *)field = *v;
		return 0;
	case KF__KT_SIZE:
		if (kf__size(v, k->max, &n))
			return kf_seterr(msg, msg_size, KF_EINVAL,
					 "invalid value \"%s\" (expected a "
					 "number of bytes, at most %zu)",
					 v, k->max);
		if (k->max == UINT_MAX)
			*(unsigned *)field = (unsigned)n;
		else
			*(size_t *)field = n;
		return 0;
	case KF__KT_BOOL:
	case KF__KT_WORDS:
		w = kf__word_find(k->type == KF__KT_BOOL ? kf__bools : k->words,
				  v);
		if (!w) {
			kf__words_fmt(words, sizeof(words),
				      k->type == KF__KT_BOOL ? kf__bools
							     : k->words);
			return kf_seterr(msg, msg_size, KF_EINVAL,
					 "invalid value \"%s\" (expected %s)",
					 v, words);
		}
		*(int *)field = w->value;
		return 0;
	case KF__KT_FN:
		break;
	}
	return KF_EINVAL; /* not reached: KF__KT_FN is called directly */
}

/* ---------------------------------------------------------------------
 * Sections and keys.
 */

static void kf__column_init(kf_column_t *c)
{
	memset(c, 0, sizeof(*c));
	c->emit = 1;
	c->decimal_point = '.';
	c->pad = ' ';
	c->rectype = -1;
	c->key_pos = -1;
}

int kf_schema_add_column(kf_schema_t *s, const char *name, char *errstr,
			 size_t errstr_size)
{
	int dup = kf_schema_col(s, name);
	kf_column_t *c;

	if (!kf__valid_col_name(name))
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "column.%s: invalid column name (letters, "
				 "digits and '_', not starting with a digit, "
				 "at most 63 bytes: a database column name; "
				 "map other input names with source)",
				 name);
	if (dup >= 0)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "column.%s: a second [column.%s] (the first "
				 "is on line %u)",
				 name, name, s->cols[dup].line);
	c = realloc(s->cols, (s->ncols + 1) * sizeof(*c));
	if (!c)
		goto out_nomem;
	s->cols = c;
	c += s->ncols;
	kf__column_init(c);
	if (!(c->name = strdup(name)) || !(c->mask_keep = strdup("-"))) {
		free(c->name);
		goto out_nomem;
	}
	s->prepared = 0;
	return (int)s->ncols++;

out_nomem:
	return kf_seterr(errstr, errstr_size, KF_ENOMEM, "out of memory");
}

static int kf__new_column(struct kf__loader *ld, const char *name,
			  unsigned line, char *msg, size_t msg_size)
{
	unsigned char *ts = realloc(ld->trim_set, ld->s->ncols + 1);
	int i;

	if (!ts)
		return kf_seterr(msg, msg_size, KF_ENOMEM, "out of memory");
	ld->trim_set = ts;
	if ((i = kf_schema_add_column(ld->s, name, msg, msg_size)) < 0)
		return i;
	ts[i] = 0;
	ld->s->cols[i].line = line;
	ld->cur = i;
	return 0;
}

static int kf__rectype_find(const kf_schema_t *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_rectypes; i++)
		if (!strcmp(s->rectypes[i].name, name))
			return (int)i;
	return -1;
}

static int kf__new_rectype(struct kf__loader *ld, const char *name,
			   unsigned line, char *msg, size_t msg_size)
{
	kf_schema_t *s = ld->s;
	kf_rectype_t *rt;
	int dup = kf__rectype_find(s, name);

	if (dup >= 0)
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "record.%s: a second [record.%s] (the first "
				 "is on line %u)",
				 name, name, s->rectypes[dup].line);
	rt = realloc(s->rectypes, (s->n_rectypes + 1) * sizeof(*rt));
	if (!rt)
		return kf_seterr(msg, msg_size, KF_ENOMEM, "out of memory");
	s->rectypes = rt;
	rt += s->n_rectypes;
	memset(rt, 0, sizeof(*rt));
	rt->emit = -1; /* by position, when the file is read */
	rt->check_count = -1;
	rt->line = line;
	if (!(rt->name = strdup(name)))
		return kf_seterr(msg, msg_size, KF_ENOMEM, "out of memory");
	ld->cur = (int)s->n_rectypes++;
	return 0;
}

static int kf__unknown_section(const char *section, char *msg, size_t msg_size)
{
	const char *dot = strchr(section, '.');
	char head[KF_INI_NAME_MAX];
	const char *near;

	snprintf(head, sizeof(head), "%.*s",
		 (int)(dot ? (size_t)(dot - section) : strlen(section)),
		 section);
	near = kf__nearest(head, kf__sections, KF__NSECTIONS,
			   sizeof(kf__sections[0]));
	if (near)
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "[%s]: unknown section (did you mean "
				 "[%s%s]?)",
				 section, near,
				 !strcmp(near, "column") ||
						 !strcmp(near, "record")
					 ? (dot ? dot : ".NAME")
					 : "");
	return kf_seterr(msg, msg_size, KF_EINVAL,
			 "[%s]: unknown section (expected [schema], [csv], "
			 "[jsonl], [fixed], [record.NAME] or [column.NAME])",
			 section);
}

static int kf__on_section(void *opaque, const char *section, unsigned line,
			  char *msg, size_t msg_size)
{
	struct kf__loader *ld = opaque;
	const char *dot = strchr(section, '.');
	size_t head = dot ? (size_t)(dot - section) : strlen(section);
	size_t i;

	for (i = 0; i < KF__NSECTIONS; i++) {
		enum kf__sec sec = kf__sections[i].sec;
		int named = sec == KF__SEC_COLUMN || sec == KF__SEC_RECORD;

		if (strlen(kf__sections[i].name) != head ||
		    strncmp(kf__sections[i].name, section, head) ||
		    named != !!dot)
			continue;
		ld->sec = sec;
		if (sec == KF__SEC_COLUMN)
			return kf__new_column(ld, dot + 1, line, msg, msg_size);
		if (sec == KF__SEC_RECORD)
			return kf__new_rectype(ld, dot + 1, line, msg,
					       msg_size);
		if (ld->seen & (1u << sec))
			return kf_seterr(msg, msg_size, KF_EINVAL,
					 "[%s]: a second [%s] section", section,
					 section);
		ld->seen |= 1u << sec;
		return 0;
	}
	return kf__unknown_section(section, msg, msg_size);
}

static int kf__unknown_key(const char *section, const char *key,
			   const struct kf__key *keys, const char *doc,
			   char *msg, size_t msg_size)
{
	size_t n = 0;
	const char *near;

	while (keys[n].name)
		n++;
	near = kf__nearest(key, keys, n, sizeof(keys[0]));
	if (near)
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "%s.%s: unknown key (did you mean %s?)",
				 section, key, near);
	return kf_seterr(msg, msg_size, KF_EINVAL,
			 "%s.%s: unknown key (see docs/records.md section "
			 "%s)",
			 section, key, doc);
}

/* check.count and check.sum.COLUMN of a record type. */
static int kf__record_check(struct kf__loader *ld, const char *key,
			    const char *v, char *msg, size_t msg_size)
{
	if (!strcmp(key, "check.count") ||
	    (!strncmp(key, "check.sum.", 10) && key[10]))
		return kf__add_ref(ld, key, v, msg, msg_size);
	return 1;
}

static int kf__on_key(void *opaque, const char *section, const char *key,
		      const char *value, unsigned line, char *msg,
		      size_t msg_size)
{
	struct kf__loader *ld = opaque;
	const struct kf__key *k;
	char inner[768];
	void *target = ld->s;
	size_t i;
	int err;

	if (ld->sec == KF__SEC_NONE)
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "%s: a key before the first section (start "
				 "with [schema])",
				 key);
	for (i = 0; kf__sections[i].sec != ld->sec; i++)
		;
	ld->line = line;
	if (ld->sec == KF__SEC_RECORD) {
		target = &ld->s->rectypes[ld->cur];
		err = kf__record_check(ld, key, value, inner, sizeof(inner));
		if (err <= 0)
			goto out;
	} else if (ld->sec == KF__SEC_COLUMN) {
		target = &ld->s->cols[ld->cur];
	}
	for (k = kf__sections[i].keys; k->name; k++)
		if (!strcmp(k->name, key) && k->type)
			break;
	if (!k->name)
		return kf__unknown_key(section, key, kf__sections[i].keys,
				       kf__sections[i].doc, msg, msg_size);
	if (k->type == KF__KT_FN)
		err = k->fn(ld, target, value, inner, sizeof(inner));
	else
		err = kf__set_typed(k, target, value, inner, sizeof(inner));
out:
	if (err)
		kf_seterr(msg, msg_size, err, "%s.%s: %s", section, key, inner);
	return err;
}

/* ---------------------------------------------------------------------
 * The end of the file: defaults and references.
 */

/* "a,b": the key columns, each once. */
static int kf__key_parse(kf_schema_t *s, const char *cols, char *msg,
			 size_t msg_size)
{
	char **names = NULL;
	size_t n = 0, i, j;
	int *key = NULL;
	int err = 0;

	if (*cols && !(names = kf__split(cols, ',', &n)))
		return kf_seterr(msg, msg_size, KF_ENOMEM, "out of memory");
	if (n && !(key = calloc(n, sizeof(*key)))) {
		err = kf_seterr(msg, msg_size, KF_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		int c = kf_schema_col(s, names[i]);

		if (c < 0) {
			const char *near =
				kf__nearest(names[i], s->cols, s->ncols,
					    sizeof(s->cols[0]));

			err = kf_seterr(msg, msg_size, KF_EINVAL,
					"no column \"%s\"%s%s%s", names[i],
					near ? " (did you mean " : "",
					near ? near : "", near ? "?)" : "");
			goto out;
		}
		for (j = 0; j < i; j++)
			if (key[j] == c) {
				err = kf_seterr(msg, msg_size, KF_EINVAL,
						"column %s named twice",
						names[i]);
				goto out;
			}
		key[i] = c;
	}
	for (i = 0; i < s->ncols; i++)
		s->cols[i].key_pos = -1;
	for (i = 0; i < n; i++)
		s->cols[key[i]].key_pos = (int)i;
	free(s->key);
	s->key = key;
	s->nkey = n;
	key = NULL;
out:
	free(key);
	kf__strv_free(names, n);
	return err;
}

/* The column index a reference names, or an error with a hint. */
static int kf__ref_col(const kf_schema_t *s, const char *name, int *out,
		       char *msg, size_t msg_size)
{
	const char *near;

	if ((*out = kf_schema_col(s, name)) >= 0)
		return 0;
	near = kf__nearest(name, s->cols, s->ncols, sizeof(s->cols[0]));
	return kf_seterr(msg, msg_size, KF_EINVAL, "no column \"%s\"%s%s%s",
			 name, near ? " (did you mean " : "", near ? near : "",
			 near ? "?)" : "");
}

static int kf__resolve_ref(kf_schema_t *s, const struct kf__ref *r, char *msg,
			   size_t msg_size)
{
	kf_rectype_t *rt;
	struct kf_sum_check *sums;
	int col, sum_of;

	if (!strcmp(r->what, "record")) {
		int t = kf__rectype_find(s, r->text);

		if (t < 0)
			return kf_seterr(msg, msg_size, KF_EINVAL,
					 "no [record.%s] section", r->text);
		s->cols[r->owner].rectype = t;
		return 0;
	}
	rt = &s->rectypes[r->owner];
	if (kf__ref_col(s, r->text, &col, msg, msg_size))
		return KF_EINVAL;
	if (!strcmp(r->what, "check.count")) {
		rt->check_count = col;
		return 0;
	}
	if (kf__ref_col(s, r->what + 10, &sum_of, msg, msg_size))
		return KF_EINVAL;
	sums = realloc(rt->sums, (rt->n_sums + 1) * sizeof(*sums));
	if (!sums)
		return kf_seterr(msg, msg_size, KF_ENOMEM, "out of memory");
	rt->sums = sums;
	sums[rt->n_sums].col = col;
	sums[rt->n_sums].sum_of = sum_of;
	rt->n_sums++;
	return 0;
}

static void kf__filter_free(kf_schema_t *s)
{
	size_t i;

	for (i = 0; i < s->n_filter; i++) {
		kf__strv_free(s->filter[i].texts, s->filter[i].n);
		free(s->filter[i].values);
	}
	free(s->filter);
	s->filter = NULL;
	s->n_filter = 0;
}

/* The filter's little language (docs/records.md 2.8). */
struct kf__lex {
	const char *start, *p;
	char *msg;
	size_t msg_size;
};

static void kf__lex_space(struct kf__lex *lx)
{
	while (*lx->p == ' ' || *lx->p == '\t')
		lx->p++;
}

/* A keyword (any case) followed by a space, '(' or the end. */
static int kf__lex_word(struct kf__lex *lx, const char *word)
{
	size_t n = strlen(word);

	kf__lex_space(lx);
	if (strncasecmp(lx->p, word, n) ||
	    (lx->p[n] && lx->p[n] != ' ' && lx->p[n] != '\t' &&
	     lx->p[n] != '('))
		return 0;
	lx->p += n;
	return 1;
}

static int kf__lex_err(struct kf__lex *lx, const char *what)
{
	if (!*lx->p)
		return kf_seterr(lx->msg, lx->msg_size, KF_EINVAL,
				 "expected %s at the end", what);
	return kf_seterr(lx->msg, lx->msg_size, KF_EINVAL,
			 "expected %s at \"%.20s\" (byte %zu)", what, lx->p,
			 (size_t)(lx->p - lx->start) + 1);
}

/* A bare word (up to a space, or also ',' and ')' in a list) or a
 * single-quoted value ('' for a quote). *out malloc'd. */
static int kf__lex_value(struct kf__lex *lx, int in_list, char **out)
{
	const char *stop = in_list ? " \t,)" : " \t";
	size_t n = 0;
	char *v;

	kf__lex_space(lx);
	if (*lx->p != '\'') {
		n = strcspn(lx->p, stop);
		if (!n || (!in_list && strchr("(),", *lx->p)))
			return kf__lex_err(lx, "a value");
		if (!(*out = strndup(lx->p, n)))
			goto out_nomem;
		lx->p += n;
		return 0;
	}
	if (!(v = malloc(strlen(lx->p))))
		goto out_nomem;
	for (lx->p++;; lx->p++) {
		if (!*lx->p) {
			free(v);
			return kf__lex_err(lx, "a closing quote (')");
		}
		if (*lx->p == '\'' && lx->p[1] != '\'')
			break;
		if (*lx->p == '\'')
			lx->p++;
		v[n++] = *lx->p;
	}
	lx->p++;
	v[n] = '\0';
	*out = v;
	return 0;

out_nomem:
	return kf_seterr(lx->msg, lx->msg_size, KF_ENOMEM, "out of memory");
}

static int kf__lex_op(struct kf__lex *lx, enum kf_filter_op *op)
{
	static const struct {
		const char *sym;
		enum kf_filter_op op;
	} syms[] = {{"!=", KF_OP_NE}, {"<=", KF_OP_LE}, {">=", KF_OP_GE},
		    {"=", KF_OP_EQ},  {"<", KF_OP_LT},	{">", KF_OP_GT}};
	size_t i;

	kf__lex_space(lx);
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++)
		if (!strncmp(lx->p, syms[i].sym, strlen(syms[i].sym))) {
			lx->p += strlen(syms[i].sym);
			*op = syms[i].op;
			return 0;
		}
	if (kf__lex_word(lx, "in")) {
		*op = KF_OP_IN;
		return 0;
	}
	if (kf__lex_word(lx, "not")) {
		*op = KF_OP_NOT_IN;
		if (kf__lex_word(lx, "in"))
			return 0;
		return kf__lex_err(lx, "in after not");
	}
	if (kf__lex_word(lx, "is")) {
		*op = kf__lex_word(lx, "not") ? KF_OP_NOT_NULL : KF_OP_IS_NULL;
		if (kf__lex_word(lx, "null"))
			return 0;
		return kf__lex_err(lx, "null");
	}
	return kf__lex_err(lx, "an operator (=, !=, <, <=, >, >=, in, not in, "
			       "is null, is not null)");
}

/* The values of term t after its operator. */
static int kf__lex_values(struct kf__lex *lx, kf_filter_term_t *t)
{
	int list = t->op == KF_OP_IN || t->op == KF_OP_NOT_IN;
	char **texts;
	int err;

	if (t->op == KF_OP_IS_NULL || t->op == KF_OP_NOT_NULL)
		return 0;
	kf__lex_space(lx);
	if (list && *lx->p++ != '(') {
		lx->p--;
		return kf__lex_err(lx, "'(' and a list of values");
	}
	do {
		texts = realloc(t->texts, (t->n + 1) * sizeof(*texts));
		if (!texts)
			return kf_seterr(lx->msg, lx->msg_size, KF_ENOMEM,
					 "out of memory");
		t->texts = texts;
		if ((err = kf__lex_value(lx, list, &texts[t->n])))
			return err;
		t->n++;
		kf__lex_space(lx);
	} while (list && *lx->p == ',' && lx->p++);
	if (list && *lx->p++ != ')') {
		lx->p--;
		return kf__lex_err(lx, "',' or ')'");
	}
	return 0;
}

static int kf__filter_parse(kf_schema_t *s, const char *text, char *msg,
			    size_t msg_size)
{
	struct kf__lex lx = {text, text, msg, msg_size};
	int err;

	for (;;) {
		kf_filter_term_t *t;
		char name[KF__NAME_MAX + 1];
		size_t n;

		kf__lex_space(&lx);
		n = strspn(lx.p, "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
		if (!n || n > KF__NAME_MAX)
			return kf__lex_err(&lx, "a column name");
		memcpy(name, lx.p, n);
		name[n] = '\0';
		t = realloc(s->filter, (s->n_filter + 1) * sizeof(*t));
		if (!t)
			return kf_seterr(msg, msg_size, KF_ENOMEM,
					 "out of memory");
		s->filter = t;
		t += s->n_filter++;
		memset(t, 0, sizeof(*t));
		if ((err = kf__ref_col(s, name, &t->col, msg, msg_size)))
			return err;
		lx.p += n;
		if ((err = kf__lex_op(&lx, &t->op)) ||
		    (err = kf__lex_values(&lx, t)))
			return err;
		kf__lex_space(&lx);
		if (!*lx.p)
			return 0;
		if (!kf__lex_word(&lx, "and"))
			return kf__lex_err(&lx, "and (or the end)");
	}
}

/* The name of the struct from the file's name: base name without
 * ".schema". */
static int kf__default_name(kf_schema_t *s, char *msg, size_t msg_size)
{
	const char *base = strrchr(s->path, '/');
	size_t n;

	base = base ? base + 1 : s->path;
	n = strlen(base);
	if (n > 7 && !strcmp(base + n - 7, ".schema"))
		n -= 7;
	if (!(s->name = strndup(base, n)))
		return kf_seterr(msg, msg_size, KF_ENOMEM, "out of memory");
	if (!kf__valid_struct_name(s->name))
		return kf_seterr(
			msg, msg_size, KF_EINVAL,
			"schema.name: not given, and the file's name "
			"\"%s\" is not a struct name (letters, digits, "
			"'_' and '.'): set name in [schema]",
			s->name);
	return 0;
}

/* After the last line: required keys, defaults that depend on others,
 * references. Errors are "PATH:LINE: key: what". */
static int kf__finish(struct kf__loader *ld, char *errstr, size_t errstr_size)
{
	kf_schema_t *s = ld->s;
	char msg[768];
	size_t i;
	int err;

	if (!(ld->seen & (1u << KF__SEC_SCHEMA)))
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "%s: no [schema] section (it names the "
				 "format_version and the format)",
				 s->path);
	if (!s->format_version)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "%s: schema.format_version: missing (write "
				 "format_version = 1)",
				 s->path);
	if (!s->format)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "%s: schema.format: missing (csv, jsonl or "
				 "fixed)",
				 s->path);
	if (!s->name && (err = kf__default_name(s, msg, sizeof(msg))))
		return kf_seterr(errstr, errstr_size, err, "%s: %s", s->path,
				 msg);
	if (!ld->escape_set)
		s->csv.escape = s->csv.quote;
	for (i = 0; i < s->ncols; i++) {
		kf_column_t *c = &s->cols[i];

		if (!c->type)
			return kf_seterr(
				errstr, errstr_size, KF_EINVAL,
				"%s:%u: column.%s.type: missing (every "
				"column has a type)",
				s->path, c->line, c->name);
		if (!ld->trim_set[i] && s->format == KF_FMT_FIXED)
			c->trim = KF_TRIM_BOTH;
	}
	for (i = 0; i < s->n_rectypes; i++)
		if (s->rectypes[i].emit < 0)
			s->rectypes[i].emit =
				s->rectypes[i].position == KF_POS_ANY;
	for (i = 0; i < ld->nrefs; i++) {
		const struct kf__ref *r = &ld->refs[i];

		if ((err = kf__resolve_ref(s, r, msg, sizeof(msg))))
			return kf_seterr(
				errstr, errstr_size, err, "%s:%u: %s.%s.%s: %s",
				s->path, r->line,
				strcmp(r->what, "record") ? "record" : "column",
				strcmp(r->what, "record")
					? s->rectypes[r->owner].name
					: s->cols[r->owner].name,
				r->what, msg);
	}
	if (ld->key_text &&
	    (err = kf__key_parse(s, ld->key_text, msg, sizeof(msg))))
		return kf_seterr(errstr, errstr_size, err,
				 "%s:%u: schema.key: %s", s->path, s->key_line,
				 msg);
	if (ld->filter_text &&
	    (err = kf__filter_parse(s, ld->filter_text, msg, sizeof(msg))))
		return kf_seterr(errstr, errstr_size, err,
				 "%s:%u: schema.filter: %s", s->path,
				 s->filter_line, msg);
	return 0;
}

static void kf__loader_free(struct kf__loader *ld)
{
	size_t i;

	for (i = 0; i < ld->nrefs; i++) {
		free(ld->refs[i].text);
		free(ld->refs[i].what);
	}
	free(ld->refs);
	free(ld->trim_set);
	free(ld->key_text);
	free(ld->filter_text);
}

kf_schema_t *kf_schema_new(const char *path)
{
	kf_schema_t *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->format_version = KF_SCHEMA_FORMAT_VERSION;
	s->emit_rectype = -1;
	s->csv.delim = ',';
	s->csv.quote = '"';
	s->csv.header = 1;
	s->csv.max_field_bytes = 16u << 20;
	s->jsonl.max_line_bytes = 16u << 20;
	s->jsonl.numbers_as_strings = 1;
	if (!(s->path = strdup(path ? path : "schema")) ||
	    !(s->encoding = strdup("UTF-8"))) {
		kf_schema_free(s);
		return NULL;
	}
	return s;
}

/* Parses with parse (text or file) and prepares. */
static int kf__load(const char *path, const char *text, size_t len,
		    kf_schema_t **out, char *errstr, size_t errstr_size)
{
	struct kf__loader ld = {0};
	int err;

	*out = NULL;
	if (!(ld.s = kf_schema_new(path)))
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "%s: out of memory", path);
	ld.s->format_version = 0; /* the file must say it */
	if (text)
		err = kf_ini_parse(text, len, ld.s->path, kf__on_section,
				   kf__on_key, &ld, errstr, errstr_size);
	else
		err = kf_ini_parse_file(path, KF__SCHEMA_MAX_BYTES,
					kf__on_section, kf__on_key, &ld, errstr,
					errstr_size);
	if (!err)
		err = kf__finish(&ld, errstr, errstr_size);
	if (!err)
		err = kf_schema_prepare(ld.s, errstr, errstr_size);
	kf__loader_free(&ld);
	if (err) {
		kf_schema_free(ld.s);
		return err;
	}
	*out = ld.s;
	return 0;
}

int kf_schema_load(const char *path, kf_schema_t **out, char *errstr,
		   size_t errstr_size)
{
	return kf__load(path, NULL, 0, out, errstr, errstr_size);
}

int kf_schema_parse(const char *text, size_t len, const char *path,
		    kf_schema_t **out, char *errstr, size_t errstr_size)
{
	return kf__load(path, text ? text : "", text ? len : 0, out, errstr,
			errstr_size);
}

/* ---------------------------------------------------------------------
 * Overrides.
 */

static int kf__format(kf_schema_t *s, const char *v, char *msg, size_t msg_size)
{
	const struct kf__word *w = kf__word_find(kf__formats, v);

	if (!w)
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "expected csv, jsonl or fixed");
	s->format = (enum kf_rec_format)w->value;
	return 0;
}

/* An option of the command line: set sets it, option names it. */
static int kf__override(kf_schema_t *s,
			int (*set)(kf_schema_t *, const char *, char *, size_t),
			const char *option, const char *v, char *errstr,
			size_t errstr_size)
{
	char msg[512];
	int err = set(s, v, msg, sizeof(msg));

	if (err)
		return kf_seterr(errstr, errstr_size, err, "%s %s: %s", option,
				 v, msg);
	s->prepared = 0;
	return 0;
}

int kf_schema_set_key(kf_schema_t *s, const char *cols, char *errstr,
		      size_t errstr_size)
{
	int err = kf__override(s, kf__key_parse, "--key", cols, errstr,
			       errstr_size);

	if (!err)
		s->key_line = 0;
	return err;
}

int kf_schema_set_format(kf_schema_t *s, const char *format, char *errstr,
			 size_t errstr_size)
{
	return kf__override(s, kf__format, "--format", format, errstr,
			    errstr_size);
}

int kf_schema_set_encoding(kf_schema_t *s, const char *encoding, char *errstr,
			   size_t errstr_size)
{
	return kf__override(s, kf__encoding, "--encoding", encoding, errstr,
			    errstr_size);
}

int kf_schema_set_delimiter(kf_schema_t *s, const char *delim, char *errstr,
			    size_t errstr_size)
{
	return kf__override(s, kf__delimiter, "--delimiter", delim, errstr,
			    errstr_size);
}

/* ---------------------------------------------------------------------
 * Preparing: checks of the whole and compiling.
 */

struct kf__ctx { /* where a prepare error points */
	const kf_schema_t *s;
	char *errstr;
	size_t errstr_size;
};

static int kf__col_err(struct kf__ctx *cx, const kf_column_t *c,
		       const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int kf__col_err(struct kf__ctx *cx, const kf_column_t *c,
		       const char *key, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return kf_seterr(cx->errstr, cx->errstr_size, KF_EINVAL,
			 "%s:%u: column.%s.%s: %s", cx->s->path, c->line,
			 c->name, key, what);
}

static int kf__is_number(enum kf_type t)
{
	return (t >= KF_T_INT8 && t <= KF_T_DECIMAL);
}

static int kf__is_ordered(enum kf_type t)
{
	return kf__is_number(t) || t == KF_T_DATE || t == KF_T_TIME ||
	       t == KF_T_TIMESTAMP;
}

/* Parses a literal of the schema (a bound, a filter value) in column
 * col's type, written canonically (the default format, '.', no grouping,
 * no sign conventions of the file): kf_value_parse on a copy of the
 * column without its input conventions. The value points into text. */
static int kf__literal(const kf_schema_t *s, int col, const char *text,
		       kf_value_t *v, char *msg, size_t msg_size)
{
	kf_schema_t one = *s;
	kf_column_t c = s->cols[col];
	kf_reject_t rej = {0};

	c.format = NULL;
	c.bool_true = c.bool_false = NULL;
	c.decimal_point = '.';
	c.thousands = 0;
	c.sign = KF_SIGN_NONE;
	c.implied = 0;
	c.cast_from = KF_CAST_NONE;
	c.round = KF_ROUND_NONE;
	one.cols = &c;
	one.ncols = 1;
	if (kf_value_parse(&one, 0, text, strlen(text), v, &rej))
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "\"%s\" is not a value of the column's type "
				 "(%s)",
				 text, rej.reason);
	return 0;
}

static int kf__bound(struct kf__ctx *cx, int col, const char *key,
		     const char *text, kf_value_t *v)
{
	const kf_column_t *c = &cx->s->cols[col];
	char msg[512];

	v->type = c->type;
	v->null = 1;
	if (!text)
		return 0;
	if (!kf__is_ordered(c->type))
		return kf__col_err(cx, c, key,
				   "bounds are for numbers, dates, times and "
				   "timestamps (use length or enum for a "
				   "text)");
	if (kf__literal(cx->s, col, text, v, msg, sizeof(msg)))
		return kf__col_err(cx, c, key, "%s", msg);
	return 0;
}

/* A computed column's template names known references only. */
static int kf__template(struct kf__ctx *cx, int col)
{
	char msg[512];

	if (!kf_xform_check_template(cx->s, col, msg, sizeof(msg)))
		return 0;
	return kf_seterr(cx->errstr, cx->errstr_size, KF_EINVAL, "%s:%u: %s",
			 cx->s->path, cx->s->cols[col].line, msg);
}

static void kf__regex_free(kf_column_t *c)
{
	if (c->regex_compiled)
		regfree(c->regex_compiled);
	free(c->regex_compiled);
	c->regex_compiled = NULL;
}

/* `^(RE)$` under C.UTF-8, so that `.` and brackets see characters. */
static int kf__regex(struct kf__ctx *cx, kf_schema_t *s, kf_column_t *c)
{
	char *full;
	locale_t old;
	int rc;

	kf__regex_free(c);
	if (!c->regex)
		return 0;
	if (c->type != KF_T_TEXT)
		return kf__col_err(cx, c, "regex", "for text columns only");
	if (!s->regex_locale &&
	    !(s->regex_locale = newlocale(LC_ALL_MASK, "C.UTF-8", NULL)))
		return kf__col_err(cx, c, "regex",
				   "the C.UTF-8 locale is not installed "
				   "(glibc 2.35 and later have it built in)");
	if (!(full = malloc(strlen(c->regex) + 5)) ||
	    !(c->regex_compiled = malloc(sizeof(regex_t)))) {
		free(full);
		return kf_seterr(cx->errstr, cx->errstr_size, KF_ENOMEM,
				 "%s: out of memory", s->path);
	}
	sprintf(full, "^(%s)$", c->regex);
	old = uselocale(s->regex_locale);
	rc = regcomp(c->regex_compiled, full, REG_EXTENDED | REG_NOSUB);
	uselocale(old);
	free(full);
	if (rc) {
		char why[200];

		regerror(rc, c->regex_compiled, why, sizeof(why));
		free(c->regex_compiled);
		c->regex_compiled = NULL;
		return kf__col_err(cx, c, "regex", "%s", why);
	}
	return 0;
}

/* Boolean word pair "TRUE/FALSE" from format. */
static int kf__bool_format(struct kf__ctx *cx, kf_column_t *c)
{
	const char *slash;

	free(c->bool_true);
	free(c->bool_false);
	c->bool_true = c->bool_false = NULL;
	if (c->type != KF_T_BOOLEAN || !c->format)
		return 0;
	slash = strchr(c->format, '/');
	if (!slash || slash == c->format || !slash[1] || strchr(slash + 1, '/'))
		return kf__col_err(cx, c, "format",
				   "a boolean's format is TRUE/FALSE, as Y/N");
	if (!(c->bool_true = strndup(c->format, (size_t)(slash - c->format))) ||
	    !(c->bool_false = strdup(slash + 1)))
		return kf_seterr(cx->errstr, cx->errstr_size, KF_ENOMEM,
				 "%s: out of memory", cx->s->path);
	return 0;
}

/* Keys that make sense for some types or formats only. */
static int kf__col_fits(struct kf__ctx *cx, const kf_schema_t *s,
			const kf_column_t *c)
{
	int fixed = s->format == KF_FMT_FIXED, text = c->type == KF_T_TEXT;

	if (c->type == KF_T_JSON && s->format != KF_FMT_JSONL)
		return kf__col_err(cx, c, "type", "json is for jsonl files");
	if (!fixed && (c->rectype >= 0 || c->offset || c->length_bytes ||
		       c->sign || c->implied || c->pad != ' '))
		return kf__col_err(cx, c,
				   c->rectype >= 0 ? "record"
				   : c->sign	   ? "sign"
				   : c->implied	   ? "implied"
				   : c->pad != ' ' ? "pad"
				   : c->offset	   ? "offset"
						   : "length_bytes",
				   "for fixed-width files only");
	if ((c->sign || c->implied) && !kf__is_number(c->type))
		return kf__col_err(cx, c, c->sign ? "sign" : "implied",
				   "for numbers only");
	if (c->implied && c->type != KF_T_DECIMAL)
		return kf__col_err(cx, c, "implied", "for decimals only");
	if ((c->has_length || c->max_bytes || c->n_enum) && !text)
		return kf__col_err(cx, c,
				   c->has_length  ? "length"
				   : c->max_bytes ? "max_bytes"
						  : "enum",
				   "for text columns only");
	if (c->thousands && c->thousands == c->decimal_point)
		return kf__col_err(cx, c, "thousands",
				   "the same byte as decimal_point");
	if ((c->cast_from == KF_CAST_YYYYMMDD && c->type != KF_T_DATE) ||
	    (c->cast_from > KF_CAST_YYYYMMDD && c->type != KF_T_TIMESTAMP))
		return kf__col_err(cx, c, "cast_from",
				   "yyyymmdd is for dates, epoch_ms and "
				   "epoch_s for timestamps");
	if (c->round && c->type != KF_T_DECIMAL && c->type != KF_T_TIME &&
	    c->type != KF_T_TIMESTAMP)
		return kf__col_err(cx, c, "round",
				   "for decimals, times and timestamps only");
	if (c->mask && c->mask != KF_MASK_NULL && !text)
		return kf__col_err(cx, c, "mask",
				   "masks that keep characters, hash or "
				   "redact are for text columns; mask = null "
				   "fits any");
	if (c->mask == KF_MASK_NULL && c->required)
		return kf__col_err(cx, c, "mask",
				   "null makes the value NULL: the column "
				   "must not be required");
	if (c->value && c->source)
		return kf__col_err(cx, c, "value",
				   "a computed column reads no input: drop "
				   "source");
	return 0;
}

/* Fixed-width: record types, the emitted one, field positions. */
static int kf__prepare_fixed(struct kf__ctx *cx, kf_schema_t *s)
{
	size_t i, j;
	int first = 0, last = 0;

	if (!s->fixed.record_bytes)
		return kf_seterr(cx->errstr, cx->errstr_size, KF_EINVAL,
				 "%s: fixed.record_bytes: missing (the length "
				 "of every record)",
				 s->path);
	if (s->fixed.has_disc &&
	    s->fixed.disc_offset + s->fixed.disc_length > s->fixed.record_bytes)
		return kf_seterr(cx->errstr, cx->errstr_size, KF_EINVAL,
				 "%s: fixed.discriminator: ends past "
				 "record_bytes (%zu)",
				 s->path, s->fixed.record_bytes);
	if (!s->n_rectypes) { /* one implicit type: every record is a row */
		if (!(s->rectypes = calloc(1, sizeof(*s->rectypes))) ||
		    !(s->rectypes[0].name = strdup("record")))
			return kf_seterr(cx->errstr, cx->errstr_size, KF_ENOMEM,
					 "%s: out of memory", s->path);
		s->rectypes[0].emit = 1;
		s->rectypes[0].check_count = -1;
		s->n_rectypes = 1;
	}
	s->emit_rectype = -1;
	for (i = 0; i < s->n_rectypes; i++) {
		kf_rectype_t *rt = &s->rectypes[i];

		if (s->fixed.has_disc && rt->match_len != s->fixed.disc_length)
			return kf_seterr(
				cx->errstr, cx->errstr_size, KF_EINVAL,
				"%s:%u: record.%s.match: %s (the "
				"discriminator is %zu bytes)",
				s->path, rt->line, rt->name,
				rt->match ? "not as long as the discriminator"
					  : "missing",
				s->fixed.disc_length);
		if (!s->fixed.has_disc && (rt->match || s->n_rectypes > 1))
			return kf_seterr(cx->errstr, cx->errstr_size, KF_EINVAL,
					 "%s:%u: record.%s: several record "
					 "types or a match need "
					 "fixed.discriminator",
					 s->path, rt->line, rt->name);
		for (j = 0; j < i; j++)
			if (rt->match && s->rectypes[j].match &&
			    !memcmp(rt->match, s->rectypes[j].match,
				    rt->match_len))
				return kf_seterr(
					cx->errstr, cx->errstr_size, KF_EINVAL,
					"%s:%u: record.%s.match: the code of "
					"record.%s too",
					s->path, rt->line, rt->name,
					s->rectypes[j].name);
		first += rt->position == KF_POS_FIRST;
		last += rt->position == KF_POS_LAST;
		if (rt->emit && s->emit_rectype >= 0)
			return kf_seterr(cx->errstr, cx->errstr_size, KF_EINVAL,
					 "%s:%u: record.%s.emit: record.%s "
					 "emits too; exactly one type emits "
					 "(set emit = false on the others)",
					 s->path, rt->line, rt->name,
					 s->rectypes[s->emit_rectype].name);
		if (rt->emit)
			s->emit_rectype = (int)i;
	}
	if (s->emit_rectype < 0)
		return kf_seterr(cx->errstr, cx->errstr_size, KF_EINVAL,
				 "%s: no record type emits (set emit = true on "
				 "the detail type)",
				 s->path);
	if (first > 1 || last > 1)
		return kf_seterr(cx->errstr, cx->errstr_size, KF_EINVAL,
				 "%s: only one record type may be %s", s->path,
				 first > 1 ? "first" : "last");
	for (i = 0; i < s->ncols; i++) {
		kf_column_t *c = &s->cols[i];

		if (c->rectype < 0)
			c->rectype = s->emit_rectype;
		if (c->rectype != s->emit_rectype && c->emit)
			return kf__col_err(cx, c, "emit",
					   "a field of record.%s, which does "
					   "not emit: set emit = false",
					   s->rectypes[c->rectype].name);
		if (c->value)
			continue;
		if (!c->length_bytes)
			return kf__col_err(cx, c, "length_bytes",
					   "missing (a fixed-width field has "
					   "an offset and a length in bytes)");
		if (c->offset + c->length_bytes > s->fixed.record_bytes)
			return kf__col_err(cx, c, "length_bytes",
					   "the field ends at byte %zu, past "
					   "record_bytes (%zu)",
					   c->offset + c->length_bytes,
					   s->fixed.record_bytes);
	}
	for (i = 0; i < s->n_rectypes; i++) {
		kf_rectype_t *rt = &s->rectypes[i];

		if (rt->check_count >= 0 &&
		    s->cols[rt->check_count].rectype != (int)i)
			return kf_seterr(cx->errstr, cx->errstr_size, KF_EINVAL,
					 "%s:%u: record.%s.check.count: %s is "
					 "not a field of record.%s",
					 s->path, rt->line, rt->name,
					 s->cols[rt->check_count].name,
					 rt->name);
		for (j = 0; j < rt->n_sums; j++) {
			const kf_column_t *holder = &s->cols[rt->sums[j].col];
			const kf_column_t *of = &s->cols[rt->sums[j].sum_of];

			if (holder->rectype != (int)i ||
			    of->rectype != s->emit_rectype ||
			    !kf__is_number(of->type) ||
			    !kf__is_number(holder->type))
				return kf_seterr(
					cx->errstr, cx->errstr_size, KF_EINVAL,
					"%s:%u: record.%s.check.sum.%s: sums "
					"a number of the emitted record into "
					"a number field of record.%s",
					s->path, rt->line, rt->name, of->name,
					rt->name);
		}
	}
	return 0;
}

static int kf__prepare_key(struct kf__ctx *cx, const kf_schema_t *s)
{
	size_t i;

	for (i = 0; i < s->nkey; i++) {
		const kf_column_t *c = &s->cols[s->key[i]];

		if (c->required && c->emit)
			continue;
		if (s->key_line)
			return kf_seterr(cx->errstr, cx->errstr_size, KF_EINVAL,
					 "%s:%u: schema.key: column %s must "
					 "be %s",
					 s->path, s->key_line, c->name,
					 c->required ? "emitted"
						     : "required = true");
		return kf_seterr(cx->errstr, cx->errstr_size, KF_EINVAL,
				 "--key: column %s must be %s (%s:%u)", c->name,
				 c->required ? "emitted" : "required = true",
				 s->path, c->line);
	}
	return 0;
}

static int kf__prepare_filter(struct kf__ctx *cx, kf_schema_t *s)
{
	size_t i, j;
	char msg[512];

	for (i = 0; i < s->n_filter; i++) {
		kf_filter_term_t *t = &s->filter[i];

		free(t->values);
		if (!(t->values = calloc(t->n ? t->n : 1, sizeof(*t->values))))
			return kf_seterr(cx->errstr, cx->errstr_size, KF_ENOMEM,
					 "%s: out of memory", s->path);
		for (j = 0; j < t->n; j++)
			if (kf__literal(s, t->col, t->texts[j], &t->values[j],
					msg, sizeof(msg)))
				return kf_seterr(cx->errstr, cx->errstr_size,
						 KF_EINVAL,
						 "%s:%u: schema.filter: %s: %s",
						 s->path, s->filter_line,
						 s->cols[t->col].name, msg);
	}
	return 0;
}

int kf_schema_prepare(kf_schema_t *s, char *errstr, size_t errstr_size)
{
	struct kf__ctx cx = {s, errstr, errstr_size};
	size_t n = strlen(s->name), i, j;
	int err;

	s->prepared = 0;
	if (n >= 9 && !strcmp(s->name + n - 9, ".Envelope"))
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "%s: schema.name: %s ends in .Envelope, which "
				 "Debezium's sinks take for a change event: "
				 "choose another name",
				 s->path, s->name);
	if (!s->ncols)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "%s: no [column.NAME] section", s->path);
	if (s->format == KF_FMT_CSV &&
	    (s->csv.delim == s->csv.quote || s->csv.delim == s->csv.escape))
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "%s: csv.delimiter: the same byte as the "
				 "quote or the escape",
				 s->path);
	if (s->format == KF_FMT_FIXED && (err = kf__prepare_fixed(&cx, s)))
		return err;
	s->masks = 0;
	for (i = 0; i < s->ncols; i++) {
		kf_column_t *c = &s->cols[i];

		for (j = 0; j < i; j++)
			if (!strcmp(c->name, s->cols[j].name))
				return kf__col_err(&cx, c, "name",
						   "a second column of this "
						   "name");
		if ((err = kf__col_fits(&cx, s, c)) ||
		    (err = kf__template(&cx, (int)i)) ||
		    (err = kf__bool_format(&cx, c)) ||
		    (err = kf__regex(&cx, s, c)) ||
		    (err = kf__bound(&cx, (int)i, "min", c->min_text,
				     &c->min)) ||
		    (err = kf__bound(&cx, (int)i, "max", c->max_text, &c->max)))
			return err;
		if (!c->min.null && !c->max.null &&
		    kf_value_cmp(&c->min, &c->max) > 0)
			return kf__col_err(&cx, c, "max",
					   "%s is below min (%s)", c->max_text,
					   c->min_text);
		s->masks |= c->mask != KF_MASK_NONE;
	}
	if ((err = kf__prepare_key(&cx, s)) ||
	    (err = kf__prepare_filter(&cx, s)))
		return err;
	s->prepared = 1;
	return 0;
}

/* ---------------------------------------------------------------------
 * Lookups and freeing.
 */

int kf_schema_col(const kf_schema_t *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->ncols; i++)
		if (!strcmp(s->cols[i].name, name))
			return (int)i;
	return -1;
}

const char *kf_schema_type_name(enum kf_type t)
{
	size_t i;

	for (i = 0; kf__types[i].word; i++)
		if (kf__types[i].value == (int)t)
			return kf__types[i].word;
	return "?";
}

const char *kf_schema_iconv_name(const char *encoding)
{
	/* glibc decodes every Korean name best as CP949 (docs 2.6) */
	static const char *const korean[] = {
		"EUC-KR",  "EUCKR",	  "CP949",	    "UHC", "MS949",
		"MSCP949", "WINDOWS-949", "KS_C_5601-1987", NULL,
	};
	/* ASCII-transparent single-byte and EUC families */
	static const char *const prefixes[] = {
		"ISO-8859-", "ISO8859-", "WINDOWS-125", "CP125",
		"LATIN",     "KOI8-",	 NULL,
	};
	static const char *const others[] = {
		"ASCII", "US-ASCII", "EUC-JP", "EUC-CN", NULL,
	};
	size_t i;

	if (!encoding || !*encoding || !strcasecmp(encoding, "UTF-8") ||
	    !strcasecmp(encoding, "UTF8"))
		return NULL;
	for (i = 0; korean[i]; i++)
		if (!strcasecmp(encoding, korean[i]))
			return "CP949";
	for (i = 0; others[i]; i++)
		if (!strcasecmp(encoding, others[i]))
			return encoding;
	for (i = 0; prefixes[i]; i++)
		if (!strncasecmp(encoding, prefixes[i], strlen(prefixes[i])) &&
		    encoding[strlen(prefixes[i])] &&
		    strspn(encoding + strlen(prefixes[i]), "0123456789") ==
			    strlen(encoding + strlen(prefixes[i])))
			return encoding;
	return "";
}

static void kf__column_free(kf_column_t *c)
{
	free(c->name);
	free(c->source);
	free(c->doc);
	free(c->format);
	free(c->bool_true);
	free(c->bool_false);
	free(c->min_text);
	free(c->max_text);
	free(c->regex);
	kf__regex_free(c);
	kf__strv_free(c->enum_vals, c->n_enum);
	free(c->value);
	free(c->mask_keep);
}

void kf_schema_free(kf_schema_t *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->ncols; i++)
		kf__column_free(&s->cols[i]);
	free(s->cols);
	for (i = 0; i < s->n_rectypes; i++) {
		free(s->rectypes[i].name);
		free(s->rectypes[i].match);
		free(s->rectypes[i].sums);
	}
	free(s->rectypes);
	kf__filter_free(s);
	free(s->key);
	free(s->csv.null_text);
	free(s->path);
	free(s->name);
	free(s->encoding);
	free(s->iconv_from);
	if (s->regex_locale)
		freelocale(s->regex_locale);
	free(s);
}
