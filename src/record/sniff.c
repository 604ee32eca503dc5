/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sniffer of CSV schemas and the schema file writer (sniff.h).
 *
 * Types are guessed per column from every value of the sample: a guess
 * starts as "anything" and each non-NULL value strikes out the types it
 * does not fit; the narrowest type left wins. Line 1 is a header when
 * adding its value to the guess of the lines below changes some column's
 * type.
 *
 * @locality any thread.
 */
#include "record/sniff.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/err.h"
#include "common/ini.h"
#include "record/csv.h"

/* ---------------------------------------------------------------------
 * Guessing a column's type.
 */

enum kf__bools {	   /* the word pairs a boolean column may use */
	KF__B_DEFAULT = 1, /* true/false, t/f, 1/0: value.c's default */
	KF__B_YESNO = 2,
	KF__B_YN = 4
};

enum kf__datef {       /* the date formats of docs/records.md 2.2 */
	KF__D_ISO = 1, /* %Y-%m-%d, the default */
	KF__D_COMPACT = 2,
	KF__D_SLASH = 4
};

struct kf__guess {
	unsigned values; /* non-NULL values seen */
	int can_bool, can_int, can_dec, can_ts;
	unsigned bools; /* enum kf__bools seen */
	int bool_word;	/* some value is not a digit: 0/1 alone are ints */
	char *yes, *no; /* the words of a yes/no or y/n column, first seen */
	unsigned dates; /* enum kf__datef every value fits */
	int int_digits, scale;
	int ts_offset; /* -1: unknown; 0: no value has one; 1: all have */
	char ts_sep;   /* 'T' or ' ' */
};

static void kf__guess_init(struct kf__guess *g)
{
	memset(g, 0, sizeof(*g));
	g->can_bool = g->can_int = g->can_dec = g->can_ts = 1;
	g->dates = KF__D_ISO | KF__D_COMPACT | KF__D_SLASH;
	g->ts_offset = -1;
}

static int kf__digits(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)p[i]))
			return 0;
	return 1;
}

static int kf__num(const char *p, size_t n)
{
	int v = 0;

	while (n--)
		v = v * 10 + *p++ - '0';
	return v;
}

/* YYYY-MM-DD (sep '-'), YYYY/MM/DD (sep '/') or YYYYMMDD (sep 0) at p. */
static int kf__date_at(const char *p, size_t n, char sep)
{
	size_t len = sep ? 10 : 8, m = sep ? 5 : 4, d = sep ? 8 : 6;

	if (n != len || !kf__digits(p, 4) || !kf__digits(p + m, 2) ||
	    !kf__digits(p + d, 2) || (sep && (p[4] != sep || p[7] != sep)))
		return 0;
	return !kf_date_valid(kf__num(p, 4), kf__num(p + m, 2),
			      kf__num(p + d, 2));
}

/* ISO 8601: YYYY-MM-DD, T or space, HH:MM:SS, an optional fraction and
 * an optional offset. Sets *sep and *offset. */
static int kf__timestamp(const char *p, size_t n, char *sep, int *offset)
{
	size_t i = 19;

	if (n < 19 || !kf__date_at(p, 10, '-') ||
	    (p[10] != 'T' && p[10] != ' ') || !kf__digits(p + 11, 2) ||
	    p[13] != ':' || !kf__digits(p + 14, 2) || p[16] != ':' ||
	    !kf__digits(p + 17, 2) || kf__num(p + 11, 2) > 23 ||
	    kf__num(p + 14, 2) > 59 || kf__num(p + 17, 2) > 59)
		return 0;
	*sep = p[10];
	if (i < n && (p[i] == '.' || p[i] == ',')) {
		size_t f = ++i;

		while (i < n && isdigit((unsigned char)p[i]))
			i++;
		if (i == f || i - f > 9)
			return 0;
	}
	*offset = i < n;
	if (i < n && p[i] == 'Z')
		return i + 1 == n;
	if (i < n && (p[i] == '+' || p[i] == '-'))
		return (n - i == 6 && kf__digits(p + i + 1, 2) &&
			p[i + 3] == ':' && kf__digits(p + i + 4, 2)) ||
		       (n - i == 5 && kf__digits(p + i + 1, 4));
	return i == n;
}

/* [+-]digits[.digits]; a leading zero before more digits (007, codes)
 * is not a number. Sets the digits before and after the point. */
static int kf__decimal(const char *p, size_t n, int *ints, int *frac)
{
	const char *dot;
	size_t i;

	if (n && (*p == '+' || *p == '-')) {
		p++;
		n--;
	}
	dot = memchr(p, '.', n);
	i = dot ? (size_t)(dot - p) : n;
	if (!i || !kf__digits(p, i) || (*p == '0' && i > 1) ||
	    (dot && (n - i < 2 || !kf__digits(dot + 1, n - i - 1))))
		return 0;
	*ints = (int)i;
	*frac = dot ? (int)(n - i - 1) : 0;
	return 1;
}

/* Which boolean pair word v (n bytes) belongs to, 0 if none; *truth its
 * value. */
static unsigned kf__bool_word(const char *v, size_t n, int *truth)
{
	static const struct {
		const char *word;
		unsigned pair;
		int truth;
	} words[] = {
		{"true", KF__B_DEFAULT, 1}, {"false", KF__B_DEFAULT, 0},
		{"t", KF__B_DEFAULT, 1},    {"f", KF__B_DEFAULT, 0},
		{"1", KF__B_DEFAULT, 1},    {"0", KF__B_DEFAULT, 0},
		{"yes", KF__B_YESNO, 1},    {"no", KF__B_YESNO, 0},
		{"y", KF__B_YN, 1},	    {"n", KF__B_YN, 0},
	};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i].word) == n &&
		    !strncasecmp(words[i].word, v, n)) {
			*truth = words[i].truth;
			return words[i].pair;
		}
	return 0;
}

/* Strikes out of g the types value v (n bytes, not NULL) does not fit. */
static int kf__guess_add(struct kf__guess *g, const char *v, size_t n)
{
	int ints, frac, truth = 0, offset = 0;
	unsigned pair = kf__bool_word(v, n, &truth);
	char sep = 0;

	g->values++;
	if (!pair)
		g->can_bool = 0;
	g->bools |= pair;
	if (pair && !kf__digits(v, n))
		g->bool_word = 1;
	if (pair & (KF__B_YESNO | KF__B_YN)) {
		char **w = truth ? &g->yes : &g->no;

		if (!*w && !(*w = strndup(v, n)))
			return KF_ENOMEM;
	}
	if (kf__decimal(v, n, &ints, &frac)) {
		if (frac || ints > 18)
			g->can_int = 0;
		g->int_digits = ints > g->int_digits ? ints : g->int_digits;
		g->scale = frac > g->scale ? frac : g->scale;
		if (g->int_digits + g->scale > 36)
			g->can_dec = 0;
	} else {
		g->can_int = g->can_dec = 0;
	}
	if (!kf__date_at(v, n, '-'))
		g->dates &= ~(unsigned)KF__D_ISO;
	if (!kf__date_at(v, n, 0))
		g->dates &= ~(unsigned)KF__D_COMPACT;
	if (!kf__date_at(v, n, '/'))
		g->dates &= ~(unsigned)KF__D_SLASH;
	if (!kf__timestamp(v, n, &sep, &offset) ||
	    (g->ts_sep && sep != g->ts_sep) ||
	    (g->ts_offset >= 0 && offset != g->ts_offset)) {
		g->can_ts = 0;
	} else {
		g->ts_sep = sep;
		g->ts_offset = offset;
	}
	return 0;
}

/* The type the guess settles on, with its format (static) and decimal
 * precision and scale. */
struct kf__typed {
	enum kf_type type;
	const char *format;
	int precision, scale;
};

static struct kf__typed kf__guess_type(const struct kf__guess *g)
{
	struct kf__typed t = {KF_T_TEXT, NULL, 0, 0};
	unsigned words = g->bools & (KF__B_YESNO | KF__B_YN);

	if (!g->values)
		return t;
	/* one pair only, and both words of yes/no and y/n seen */
	if (g->can_bool && g->bool_word &&
	    (!words ||
	     (!(g->bools & KF__B_DEFAULT) &&
	      (words == KF__B_YESNO || words == KF__B_YN) && g->yes && g->no)))
		t.type = KF_T_BOOLEAN;
	else if (g->can_int)
		t.type = KF_T_INT64;
	else if (g->can_dec) {
		t.type = KF_T_DECIMAL;
		t.scale = g->scale;
		t.precision = g->int_digits + g->scale + 2;
	} else if (g->dates) {
		t.type = KF_T_DATE;
		t.format = g->dates & KF__D_ISO	      ? NULL
			   : g->dates & KF__D_COMPACT ? "%Y%m%d"
						      : "%Y/%m/%d";
	} else if (g->can_ts) {
		t.type = KF_T_TIMESTAMP;
		/* the default format wants an offset (%z) */
		t.format = g->ts_offset	      ? NULL
			   : g->ts_sep == 'T' ? "%Y-%m-%dT%H:%M:%S%f"
					      : "%Y-%m-%d %H:%M:%S%f";
	}
	return t;
}

static void kf__guess_free(struct kf__guess *g)
{
	free(g->yes);
	free(g->no);
}

/* ---------------------------------------------------------------------
 * Reading the sample.
 */

struct kf__sniff {
	size_t ncols; /* fields of line 1 */
	char **first; /* line 1's fields (NULL: a NULL field) */
	int have_first;
	size_t rows;		/* after line 1, with ncols fields */
	struct kf__guess *rest; /* per column, the lines after line 1 */
	int err;
};

static int kf__on_row(const kf_csv_record_t *rec, void *opaque)
{
	struct kf__sniff *sn = opaque;
	size_t i;

	if (!sn->have_first) {
		sn->ncols = rec->nfields;
		sn->first = calloc(rec->nfields, sizeof(*sn->first));
		sn->rest = calloc(rec->nfields, sizeof(*sn->rest));
		if (!sn->first || !sn->rest)
			return sn->err = KF_ENOMEM;
		sn->have_first = 1;
		for (i = 0; i < rec->nfields; i++) {
			kf__guess_init(&sn->rest[i]);
			if (!rec->fields[i].null &&
			    !(sn->first[i] = strndup(rec->fields[i].ptr,
						     rec->fields[i].len)))
				return sn->err = KF_ENOMEM;
		}
		return 0;
	}
	if (rec->nfields != sn->ncols) /* a row the dialect does not fit */
		return 0;
	sn->rows++;
	for (i = 0; i < rec->nfields; i++)
		if (!rec->fields[i].null &&
		    (sn->err = kf__guess_add(&sn->rest[i], rec->fields[i].ptr,
					     rec->fields[i].len)))
			return sn->err;
	return 0;
}

static int kf__on_bad_row(const kf_csv_error_t *err, void *opaque)
{
	(void)err;
	(void)opaque;
	return 0; /* a sniffer guesses from the rows that read */
}

/* Adding line 1's value changes column c's type: line 1 is a header. */
static int kf__first_differs(struct kf__sniff *sn, size_t c)
{
	const struct kf__guess *rest = &sn->rest[c];
	struct kf__guess g = *rest; /* shares the words of rest */
	struct kf__typed before = kf__guess_type(rest), after;
	int err;

	if (!sn->first[c] || before.type == KF_T_TEXT)
		return 0;
	err = kf__guess_add(&g, sn->first[c], strlen(sn->first[c]));
	after = kf__guess_type(&g);
	if (g.yes != rest->yes) /* a word only line 1 has */
		free(g.yes);
	if (g.no != rest->no)
		free(g.no);
	return err || after.type != before.type ||
	       after.precision != before.precision ||
	       after.format != before.format;
}

static int kf__sniff_read(const void *sample, size_t len, int whole,
			  const kf_csv_dialect_t *d, struct kf__sniff *sn,
			  char *errstr, size_t errstr_size)
{
	kf_csv_opts_t o;
	kf_csv_t *p;
	int err;

	kf_csv_opts_init(&o);
	o.dialect = *d;
	o.dialect.header = 0;
	o.expect_fields = KF_CSV_ANY_FIELDS;
	o.skip_empty_lines = 1;
	o.strict_quotes = 0;
	if (!(p = kf_csv_new(&o, kf__on_row, kf__on_bad_row, sn, errstr,
			     errstr_size)))
		return KF_EINVAL;
	err = kf_csv_feed(p, sample, len);
	if (!err && whole)
		err = kf_csv_finish(p);
	kf_csv_destroy(p);
	if (err)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "sniffing: out of memory");
	return 0;
}

/* ---------------------------------------------------------------------
 * The schema.
 */

/* The struct name: the file's base name without its extension, bytes
 * other than letters, digits, '_' and '.' as '_'. */
static char *kf__struct_name(const char *name)
{
	const char *base = strrchr(name, '/'), *ext;
	char *out;
	size_t i, n;

	base = base ? base + 1 : name;
	ext = strrchr(base, '.');
	n = ext && ext != base ? (size_t)(ext - base) : strlen(base);
	if (!n)
		return strdup("records");
	if (n > 200)
		n = 200;
	if (!(out = strndup(base, n)))
		return NULL;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)out[i]) && out[i] != '_' &&
		    out[i] != '.')
			out[i] = '_';
	return out;
}

/* Column i: named by the header when that is a free column name, else
 * col_N (and col_N_2, ... when a header took that). */
static int kf__sniff_column(kf_schema_t *s, const char *header, size_t i,
			    char *errstr, size_t errstr_size)
{
	char name[80];
	int c, k;

	if (header && (c = kf_schema_add_column(s, header, NULL, 0)) >= 0)
		return c;
	snprintf(name, sizeof(name), "col_%zu", i + 1);
	for (k = 2; kf_schema_col(s, name) >= 0; k++)
		snprintf(name, sizeof(name), "col_%zu_%d", i + 1, k);
	c = kf_schema_add_column(s, name, errstr, errstr_size);
	if (c >= 0 && header && !(s->cols[c].source = strdup(header)))
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "sniffing: out of memory");
	return c;
}

static int kf__sniff_types(kf_schema_t *s, struct kf__sniff *sn, int header,
			   char *errstr, size_t errstr_size)
{
	size_t i;

	for (i = 0; i < sn->ncols; i++) {
		struct kf__guess *g = &sn->rest[i];
		struct kf__typed t;
		kf_column_t *col;
		int c = kf__sniff_column(s, header ? sn->first[i] : NULL, i,
					 errstr, errstr_size);

		if (c < 0)
			return c;
		if (!header && sn->first[i] &&
		    kf__guess_add(g, sn->first[i], strlen(sn->first[i])))
			return kf_seterr(errstr, errstr_size, KF_ENOMEM,
					 "sniffing: out of memory");
		t = kf__guess_type(g);
		col = &s->cols[c];
		col->type = t.type;
		col->precision = t.precision;
		col->scale = t.scale;
		if (t.type == KF_T_BOOLEAN && g->yes) {
			char fmt[160];

			snprintf(fmt, sizeof(fmt), "%s/%s", g->yes, g->no);
			t.format = fmt;
			if (!(col->format = strdup(fmt)))
				return kf_seterr(errstr, errstr_size, KF_ENOMEM,
						 "sniffing: out of memory");
		} else if (t.format && !(col->format = strdup(t.format))) {
			return kf_seterr(errstr, errstr_size, KF_ENOMEM,
					 "sniffing: out of memory");
		}
	}
	return 0;
}

static void kf__sniff_free(struct kf__sniff *sn)
{
	size_t i;

	for (i = 0; i < sn->ncols; i++) {
		if (sn->first)
			free(sn->first[i]);
		if (sn->rest)
			kf__guess_free(&sn->rest[i]);
	}
	free(sn->first);
	free(sn->rest);
}

int kf_schema_sniff(const void *sample, size_t len, int whole, const char *name,
		    kf_schema_t **out, char *errstr, size_t errstr_size)
{
	struct kf__sniff sn = {0};
	kf_csv_dialect_t d;
	kf_schema_t *s = NULL;
	int header = 0, err;
	size_t i;

	*out = NULL;
	if (kf_csv_sniff(sample, len, &d))
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "%s: no CSV row in the first %zu bytes", name,
				 len);
	err = kf__sniff_read(sample, len, whole, &d, &sn, errstr, errstr_size);
	if (!err && !sn.have_first)
		err = kf_seterr(errstr, errstr_size, KF_EINVAL,
				"%s: no complete CSV row in the first %zu "
				"bytes",
				name, len);
	if (err)
		goto out;
	/* with line 1 alone, the reader's guess */
	header = sn.rows ? 0 : d.header;
	for (i = 0; i < sn.ncols && sn.rows; i++)
		header |= kf__first_differs(&sn, i);
	if (!(s = kf_schema_new(name)) || !(s->name = kf__struct_name(name))) {
		err = kf_seterr(errstr, errstr_size, KF_ENOMEM,
				"sniffing: out of memory");
		goto out;
	}
	s->format = KF_FMT_CSV;
	s->csv.delim = d.delim;
	s->csv.quote = d.quote;
	s->csv.escape = d.quote;
	s->csv.header = header;
	if ((err = kf__sniff_types(s, &sn, header, errstr, errstr_size)) ||
	    (err = kf_schema_prepare(s, errstr, errstr_size)))
		goto out;
	*out = s;
	s = NULL;
out:
	kf_schema_free(s);
	kf__sniff_free(&sn);
	return err;
}

/* ---------------------------------------------------------------------
 * Writing a schema file.
 */

/* A value the tokenizer would read differently unquoted: spaces at its
 * ends, a comment start, a quote first, a line end. */
static int kf__needs_quotes(const char *v)
{
	size_t n = strlen(v);

	return n &&
	       (isspace((unsigned char)v[0]) ||
		isspace((unsigned char)v[n - 1]) || *v == '"' || *v == '#' ||
		*v == ';' || strstr(v, " #") || strstr(v, " ;") ||
		strstr(v, "\t#") || strstr(v, "\t;") || strchr(v, '\n'));
}

static void kf__put(FILE *f, const char *key, const char *v)
{
	if (!kf__needs_quotes(v)) {
		fprintf(f, "%s = %s\n", key, v);
		return;
	}
	fprintf(f, "%s = \"", key);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
	fputs("\"\n", f);
}

/* A comma-separated list, quoted as a whole when it needs it. -1 when
 * out of memory. */
static int kf__put_list(FILE *f, const char *key, char *const *v, size_t n)
{
	char *text = NULL;
	size_t len = 0, i;
	FILE *m = open_memstream(&text, &len);

	if (!m)
		return -1;
	for (i = 0; i < n; i++)
		fprintf(m, "%s%s", i ? "," : "", v[i]);
	if (fclose(m)) {
		free(text);
		return -1;
	}
	kf__put(f, key, text);
	free(text);
	return 0;
}

static void kf__put_byte(FILE *f, const char *key, char c)
{
	char v[2] = {c, 0};

	kf__put(f, key, v);
}

static void kf__put_word(FILE *f, const char *key, const char *const *words,
			 int v)
{
	fprintf(f, "%s = %s\n", key, words[v]);
}

static const char *const kf__bool_words[] = {"false", "true"};

/* -1 when out of memory. */
static int kf__write_filter(FILE *f, const kf_schema_t *s)
{
	static const char *const ops[] = {
		[KF_OP_EQ] = "=",
		[KF_OP_NE] = "!=",
		[KF_OP_LT] = "<",
		[KF_OP_LE] = "<=",
		[KF_OP_GT] = ">",
		[KF_OP_GE] = ">=",
		[KF_OP_IN] = "in",
		[KF_OP_NOT_IN] = "not in",
		[KF_OP_IS_NULL] = "is null",
		[KF_OP_NOT_NULL] = "is not null",
	};
	char *text = NULL;
	size_t len = 0, i, j;
	FILE *m = open_memstream(&text, &len);

	if (!m)
		return -1;
	for (i = 0; i < s->n_filter; i++) {
		const kf_filter_term_t *t = &s->filter[i];
		int list = t->op == KF_OP_IN || t->op == KF_OP_NOT_IN;

		fprintf(m, "%s%s %s%s", i ? " and " : "", s->cols[t->col].name,
			ops[t->op],
			list   ? " ("
			: t->n ? " "
			       : "");
		for (j = 0; j < t->n; j++) {
			const char *c;

			/* quoted always: '' for a quote */
			fputs(j ? ", '" : "'", m);
			for (c = t->texts[j]; *c; c++) {
				if (*c == '\'')
					fputc('\'', m);
				fputc(*c, m);
			}
			fputc('\'', m);
		}
		if (list)
			fputc(')', m);
	}
	if (fclose(m)) {
		free(text);
		return -1;
	}
	kf__put(f, "filter", text);
	free(text);
	return 0;
}

static int kf__write_head(FILE *f, const kf_schema_t *s)
{
	static const char *const formats[] = {[KF_FMT_CSV] = "csv",
					      [KF_FMT_JSONL] = "jsonl",
					      [KF_FMT_FIXED] = "fixed"};
	size_t i;

	fprintf(f, "[schema]\nformat_version = %d\n", s->format_version);
	kf__put(f, "name", s->name);
	if (s->schema_version)
		fprintf(f, "schema_version = %d\n", s->schema_version);
	fprintf(f, "format = %s\n", formats[s->format]);
	kf__put(f, "encoding", s->encoding);
	if (s->nkey) {
		fputs("key = ", f);
		for (i = 0; i < s->nkey; i++)
			fprintf(f, "%s%s", i ? "," : "",
				s->cols[s->key[i]].name);
		fputc('\n', f);
	}
	if (s->tz_minutes)
		fprintf(f, "timezone = %c%02d:%02d\n",
			s->tz_minutes < 0 ? '-' : '+', abs(s->tz_minutes) / 60,
			abs(s->tz_minutes) % 60);
	if (s->extra_ignore)
		fputs("on_extra_columns = ignore\n", f);
	if (s->missing_null)
		fputs("on_missing_columns = null\n", f);
	return s->n_filter ? kf__write_filter(f, s) : 0;
}

static void kf__write_dialect(FILE *f, const kf_schema_t *s)
{
	if (s->format == KF_FMT_CSV) {
		fputs("\n[csv]\n", f);
		if (s->csv.delim == '\t')
			fputs("delimiter = tab\n", f);
		else
			kf__put_byte(f, "delimiter", s->csv.delim);
		if (s->csv.quote)
			kf__put_byte(f, "quote", s->csv.quote);
		else
			fputs("quote = none\n", f);
		if (s->csv.escape != s->csv.quote)
			kf__put_byte(f, "escape", s->csv.escape);
		kf__put_word(f, "header", kf__bool_words, s->csv.header);
		if (s->csv.null_text)
			kf__put(f, "null", s->csv.null_text);
		if (s->csv.quoted_null)
			fputs("quoted_null = true\n", f);
		if (s->csv.skip_lines)
			fprintf(f, "skip_lines = %u\n", s->csv.skip_lines);
		if (s->csv.comment)
			kf__put_byte(f, "comment", s->csv.comment);
		if (s->csv.max_field_bytes != 16u << 20)
			fprintf(f, "max_field_bytes = %zu\n",
				s->csv.max_field_bytes);
	} else if (s->format == KF_FMT_JSONL) {
		fputs("\n[jsonl]\n", f);
		if (s->jsonl.max_line_bytes != 16u << 20)
			fprintf(f, "max_line_bytes = %zu\n",
				s->jsonl.max_line_bytes);
		kf__put_word(f, "numbers_as_strings", kf__bool_words,
			     s->jsonl.numbers_as_strings);
	}
}

static void kf__write_fixed(FILE *f, const kf_schema_t *s)
{
	static const char *const terms[] = {"lf", "crlf", "none"};
	static const char *const positions[] = {"any", "first", "last"};
	size_t i, j;

	if (s->format != KF_FMT_FIXED)
		return;
	fprintf(f, "\n[fixed]\nrecord_bytes = %zu\n", s->fixed.record_bytes);
	kf__put_word(f, "terminator", terms, s->fixed.terminator);
	if (s->fixed.has_disc)
		fprintf(f, "discriminator = %zu:%zu\n", s->fixed.disc_offset,
			s->fixed.disc_length);
	for (i = 0; i < s->n_rectypes; i++) {
		const kf_rectype_t *t = &s->rectypes[i];
		char key[KF_INI_NAME_MAX];

		if (!t->line) /* the implicit only type */
			continue;
		fprintf(f, "\n[record.%s]\n", t->name);
		if (t->match)
			kf__put(f, "match", t->match);
		if (t->position)
			kf__put_word(f, "position", positions, t->position);
		kf__put_word(f, "emit", kf__bool_words, t->emit);
		if (t->check_count >= 0)
			fprintf(f, "check.count = %s\n",
				s->cols[t->check_count].name);
		for (j = 0; j < t->n_sums; j++) {
			snprintf(key, sizeof(key), "check.sum.%s",
				 s->cols[t->sums[j].sum_of].name);
			kf__put(f, key, s->cols[t->sums[j].col].name);
		}
	}
}

static void kf__write_mask(FILE *f, const kf_column_t *c)
{
	static const char *const masks[] = {[KF_MASK_HASH] = "hash",
					    [KF_MASK_REDACT] = "redact",
					    [KF_MASK_NULL] = "null"};

	if (c->mask == KF_MASK_KEEP && !c->mask_b)
		fprintf(f, "mask = keep_first:%u\n", c->mask_a);
	else if (c->mask == KF_MASK_KEEP && !c->mask_a)
		fprintf(f, "mask = keep_last:%u\n", c->mask_b);
	else if (c->mask == KF_MASK_KEEP)
		fprintf(f, "mask = keep:%u:%u\n", c->mask_a, c->mask_b);
	else if (c->mask)
		fprintf(f, "mask = %s\n", masks[c->mask]);
	if (strcmp(c->mask_keep, "-"))
		kf__put(f, "mask_keep", c->mask_keep);
}

/* The keys of checks and conversions; -1 when out of memory. */
static int kf__write_checks(FILE *f, const kf_column_t *c)
{
	static const char *const cases[] = {"none", "upper", "lower"};
	static const char *const casts[] = {"none", "yyyymmdd", "epoch_ms",
					    "epoch_s"};
	static const char *const rounds[] = {"none", "half_even", "half_up",
					     "truncate"};
	if (c->decimal_point != '.')
		kf__put_byte(f, "decimal_point", c->decimal_point);
	if (c->thousands)
		kf__put_byte(f, "thousands", c->thousands);
	if (c->min_text)
		kf__put(f, "min", c->min_text);
	if (c->max_text)
		kf__put(f, "max", c->max_text);
	if (c->has_length && c->length_min == c->length_max)
		fprintf(f, "length = %zu\n", c->length_min);
	else if (c->has_length)
		fprintf(f, "length = %zu..%zu\n", c->length_min, c->length_max);
	if (c->max_bytes)
		fprintf(f, "max_bytes = %zu\n", c->max_bytes);
	if (c->regex)
		kf__put(f, "regex", c->regex);
	if (c->n_enum && kf__put_list(f, "enum", c->enum_vals, c->n_enum))
		return -1;
	if (c->letter_case)
		kf__put_word(f, "case", cases, c->letter_case);
	if (c->cast_from)
		kf__put_word(f, "cast_from", casts, c->cast_from);
	if (c->round)
		kf__put_word(f, "round", rounds, c->round);
	return 0;
}

static void kf__write_layout(FILE *f, const kf_schema_t *s,
			     const kf_column_t *c)
{
	static const char *const signs[] = {"none", "leading", "trailing",
					    "overpunch"};
	static const char *const trims[] = {"none", "left", "right", "both"};
	int fixed = s->format == KF_FMT_FIXED;

	if (c->trim != (fixed ? KF_TRIM_BOTH : KF_TRIM_NONE))
		kf__put_word(f, "trim", trims, c->trim);
	if (!fixed)
		return;
	if (c->rectype >= 0 && c->rectype != s->emit_rectype)
		fprintf(f, "record = %s\n", s->rectypes[c->rectype].name);
	if (!c->value)
		fprintf(f, "offset = %zu\nlength_bytes = %zu\n", c->offset,
			c->length_bytes);
	if (c->pad != ' ')
		kf__put_byte(f, "pad", c->pad);
	if (c->sign)
		kf__put_word(f, "sign", signs, c->sign);
	if (c->implied)
		fputs("implied = true\n", f);
}

static int kf__write_column(FILE *f, const kf_schema_t *s, const kf_column_t *c)
{
	fprintf(f, "\n[column.%s]\n", c->name);
	if (c->source)
		kf__put(f, "source", c->source);
	if (c->type == KF_T_DECIMAL)
		fprintf(f, "type = decimal(%d,%d)\n", c->precision, c->scale);
	else
		fprintf(f, "type = %s\n", kf_schema_type_name(c->type));
	if (c->required)
		fputs("required = true\n", f);
	if (c->doc)
		kf__put(f, "doc", c->doc);
	if (c->format)
		kf__put(f, "format", c->format);
	if (c->value)
		kf__put(f, "value", c->value);
	if (kf__write_checks(f, c))
		return -1;
	kf__write_layout(f, s, c);
	kf__write_mask(f, c);
	if (!c->emit)
		fputs("emit = false\n", f);
	return 0;
}

int kf_schema_write(const kf_schema_t *s, FILE *f)
{
	size_t i;

	fputs("# A kferry schema file (format 1, docs/records.md section 2).\n",
	      f);
	if (kf__write_head(f, s))
		return KF_ENOMEM;
	kf__write_dialect(f, s);
	kf__write_fixed(f, s);
	for (i = 0; i < s->ncols; i++)
		if (kf__write_column(f, s, &s->cols[i]))
			return KF_ENOMEM;
	return ferror(f) || fflush(f) ? KF_EIO : 0;
}
