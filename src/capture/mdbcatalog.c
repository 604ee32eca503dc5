/* SPDX-License-Identifier: Apache-2.0 */
/*
 * information_schema for the MariaDB capture (capture/mdbcatalog.h).
 */
#include "capture/mdbcatalog.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "capture/binlog.h"
#include "common/err.h"

/* A type name of information_schema's DATA_TYPE and its binlog type. */
static const struct {
	const char *name;
	uint8_t type;
	int binary; /* a binary string */
	uint16_t meta;
} kf__types[] = {
	{"tinyint", KF_BL_T_TINY, 0, 0},
	{"smallint", KF_BL_T_SHORT, 0, 0},
	{"mediumint", KF_BL_T_INT24, 0, 0},
	{"int", KF_BL_T_LONG, 0, 0},
	{"bigint", KF_BL_T_LONGLONG, 0, 0},
	{"float", KF_BL_T_FLOAT, 0, 4},
	{"double", KF_BL_T_DOUBLE, 0, 8},
	{"decimal", KF_BL_T_NEWDECIMAL, 0, 0},
	{"date", KF_BL_T_DATE, 0, 0},
	{"datetime", KF_BL_T_DATETIME2, 0, 0},
	{"timestamp", KF_BL_T_TIMESTAMP2, 0, 0},
	{"time", KF_BL_T_TIME2, 0, 0},
	{"year", KF_BL_T_YEAR, 0, 0},
	{"bit", KF_BL_T_BIT, 0, 0},
	{"char", KF_BL_T_STRING, 0, 0},
	{"binary", KF_BL_T_STRING, 1, 0},
	{"varchar", KF_BL_T_VARCHAR, 0, 0},
	{"varbinary", KF_BL_T_VARCHAR, 1, 0},
	{"tinytext", KF_BL_T_BLOB, 0, 1},
	{"text", KF_BL_T_BLOB, 0, 2},
	{"mediumtext", KF_BL_T_BLOB, 0, 3},
	{"longtext", KF_BL_T_BLOB, 0, 4},
	{"tinyblob", KF_BL_T_BLOB, 1, 1},
	{"blob", KF_BL_T_BLOB, 1, 2},
	{"mediumblob", KF_BL_T_BLOB, 1, 3},
	{"longblob", KF_BL_T_BLOB, 1, 4},
	{"enum", KF_BL_T_ENUM, 0, 0},
	{"set", KF_BL_T_SET, 0, 0},
};

/* The members of COLUMN_TYPE "enum('a','b''c')" into c (owned). */
static int kf__members(kf_cap_coldef_t *c, const char *ctype)
{
	const char *p = strchr(ctype, '(');
	char **m = NULL, *cur;
	uint32_t n = 0;
	size_t k;

	while (p && *p && *p != ')') {
		char **g;

		if (*++p != '\'')
			break;
		cur = malloc(strlen(p) + 1);
		g = realloc(m, (n + 1) * sizeof(*m));
		if (!cur || !g) {
			free(cur);
			free(g ? g : m);
			return KF_ENOMEM;
		}
		m = g;
		for (k = 0, p++; *p && !(p[0] == '\'' && p[1] != '\''); p++) {
			if (p[0] == '\'')
				p++; /* '' is one quote */
			cur[k++] = *p;
		}
		cur[k] = '\0';
		m[n++] = cur;
		if (*p == '\'')
			p++; /* now at ',' or ')' */
	}
	c->members = (const char *const *)m;
	c->nmembers = n;
	return 0;
}

/* v (NULL: dflt) as a number in lo .. hi (hi small) into *out: digits
 * only, no sign. -1 otherwise. */
static int kf__num(const char *v, long lo, long hi, long dflt, long *out)
{
	long n = 0;

	if (!v) {
		*out = dflt;
		return 0;
	}
	if (!*v)
		return -1;
	for (; *v; v++) {
		/* n <= hi before each step: no overflow */
		if (*v < '0' || *v > '9' || (n = n * 10 + (*v - '0')) > hi)
			return -1;
	}
	if (n < lo)
		return -1;
	*out = n;
	return 0;
}

/* The binlog metadata of column c from the row v of kf_mdbcat_column:
 * each number of information_schema checked against the range a table
 * map can carry. -1 (bad says which) when one is outside it. */
static int kf__meta(kf_cap_coldef_t *c, const char *const *v, char *bad,
		    size_t bad_size)
{
	static const char *const what[] = {"NUMERIC_PRECISION", "NUMERIC_SCALE",
					   "DATETIME_PRECISION",
					   "CHARACTER_OCTET_LENGTH"};
	long p = 0, sc = 0;
	int i = -1;

	switch (c->mdb_type) {
	case KF_BL_T_NEWDECIMAL:
		if (kf__num(v[4], 1, 65, 10, &p))
			i = 0;
		else if (kf__num(v[5], 0, p < 38 ? p : 38, 0, &sc))
			i = 1;
		else
			c->mdb_meta = (uint16_t)(p << 8 | sc);
		break;
	case KF_BL_T_DATETIME2:
	case KF_BL_T_TIMESTAMP2:
	case KF_BL_T_TIME2:
		if (kf__num(v[6], 0, 6, 0, &p))
			i = 2;
		c->mdb_meta = (uint16_t)p;
		break;
	case KF_BL_T_BIT:
		if (kf__num(v[4], 1, 64, 1, &p))
			i = 0;
		c->mdb_meta = (uint16_t)p;
		break;
	case KF_BL_T_STRING:
	case KF_BL_T_VARCHAR:
		if (kf__num(v[7], 0, 65535, 0, &p))
			i = 3;
		c->mdb_meta = (uint16_t)p;
		break;
	default:
		break;
	}
	if (i < 0)
		return 0;
	snprintf(bad, bad_size, "%s (%s): %s '%s' is out of range", v[0], v[2],
		 what[i], v[4 + i]);
	return -1;
}

int kf_mdbcat_column(kf_cat_def_t *d, size_t ncols, const char *const *v,
		     char *bad, size_t bad_size)
{
	kf_cap_coldef_t *c, *g;
	size_t i;

	if (ncols != 9 || !v[0] || !v[1] || !v[2] || d->ncols < 0 ||
	    d->ncols >= KF_BL_MAX_COLS) {
		snprintf(bad, bad_size,
			 "%s: not a column of a table kferry "
			 "reads (its name or type missing, or more than %d)",
			 ncols && v[0] ? v[0] : "?", KF_BL_MAX_COLS);
		return KF_EPROTO;
	}
	g = realloc(d->cols, (size_t)(d->ncols + 1) * sizeof(*g));
	if (!g)
		return KF_ENOMEM;
	d->cols = g;
	c = &d->cols[d->ncols];
	*c = (kf_cap_coldef_t){.typmod = -1};
	if (!(c->name = strdup(v[0])))
		return KF_ENOMEM;
	d->ncols++;
	for (i = 0; i < sizeof(kf__types) / sizeof(kf__types[0]); i++)
		if (!strcasecmp(v[1], kf__types[i].name))
			break;
	if (i == sizeof(kf__types) / sizeof(kf__types[0])) {
		snprintf(bad, bad_size,
			 "%s (%s): a type kferry does not "
			 "capture",
			 v[0], v[2]);
		return KF_EINVAL;
	}
	c->notnull = v[3] && !strcmp(v[3], "NO");
	c->mdb_type = kf__types[i].type;
	c->mdb_binary = kf__types[i].binary;
	c->mdb_meta = kf__types[i].meta;
	c->mdb_unsigned = strstr(v[2], "unsigned") != NULL;
	c->mdb_json = v[8] && !strcmp(v[8], "1");
	if (kf__meta(c, v, bad, bad_size))
		return KF_EINVAL;
	if ((c->mdb_type == KF_BL_T_ENUM || c->mdb_type == KF_BL_T_SET) &&
	    kf__members(c, v[2]))
		return KF_ENOMEM;
	return 0;
}

int kf_mdbcat_key(kf_cat_def_t *d, size_t ncols, const char *const *v)
{
	long seq;
	int i;

	if (ncols != 2 || !v[0] || kf__num(v[1], 1, KF_BL_MAX_COLS, -1, &seq) ||
	    seq < 1)
		return KF_EPROTO;
	for (i = 0; i < d->ncols; i++)
		if (!strcasecmp(d->cols[i].name, v[0]))
			d->cols[i].key_seq = (int)seq;
	return 0;
}

/* The state of the queries' row callbacks. */
struct kf__rows {
	kf_cat_def_t *d;
	int err;
	char bad[200]; /* what is wrong with the column */
};

/* kf_db_row_cb: a row of the columns' query */
static int kf__col_cb(void *arg, size_t ncols, const char *const *v,
		      const size_t *lens)
{
	struct kf__rows *s = arg;

	(void)lens;
	s->err = kf_mdbcat_column(s->d, ncols, v, s->bad, sizeof(s->bad));
	return s->err != 0;
}

/* kf_db_row_cb: a primary key column and its position */
static int kf__key_cb(void *arg, size_t ncols, const char *const *v,
		      const size_t *lens)
{
	struct kf__rows *s = arg;

	(void)lens;
	if ((s->err = kf_mdbcat_key(s->d, ncols, v)))
		snprintf(s->bad, sizeof(s->bad),
			 "%s: not a primary key column's position",
			 ncols > 1 && v[1] ? v[1] : "NULL");
	return s->err != 0;
}

/* "WHERE TABLE_SCHEMA = 'db' AND TABLE_NAME = 't'" with prefix p */
static void kf__where(kf_db_t *db, kf_db_sql_t *q, const char *p,
		      const kf_cat_def_t *d)
{
	kf_db_sql_str(q, " WHERE ");
	kf_db_sql_str(q, p);
	kf_db_sql_str(q, "TABLE_SCHEMA = ");
	kf_db_quote_literal(db, q, d->schema, strlen(d->schema));
	kf_db_sql_str(q, " AND ");
	kf_db_sql_str(q, p);
	kf_db_sql_str(q, "TABLE_NAME = ");
	kf_db_quote_literal(db, q, d->name, strlen(d->name));
}

static int kf__query(kf_db_t *db, kf_db_sql_t *q, kf_db_row_cb cb, void *arg,
		     char *errstr, size_t errstr_size)
{
	kf_db_err_t e;
	int r = 0;

	if (q->failed)
		r = kf_seterr(errstr, errstr_size, KF_ENOMEM, "out of memory");
	else if (kf_db_query(db, q->p, cb, arg, &e))
		r = kf_seterr(errstr, errstr_size, KF_EIO,
			      "MariaDB: reading information_schema: %s", e.msg);
	kf_db_sql_free(q);
	return r;
}

/* What a row callback refused, into errstr (what: the query's subject). */
static int kf__rows_err(const struct kf__rows *s, const char *what,
			char *errstr, size_t errstr_size)
{
	if (!s->err)
		return 0;
	if (s->err == KF_ENOMEM)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "%s.%s: reading its %s: out of memory",
				 s->d->schema, s->d->name, what);
	return kf_seterr(errstr, errstr_size, s->err,
			 "%s.%s: reading its %s from information_schema: "
			 "column %s (docs/cdc.md 10.8)",
			 s->d->schema, s->d->name, what, s->bad);
}

static int kf__read(kf_db_t *db, kf_cat_def_t *d, char *engine, size_t cap,
		    char *errstr, size_t errstr_size)
{
	struct kf__rows s = {.d = d};
	kf_db_sql_t q = {0};
	int r;

	kf_db_sql_str(&q, "SELECT ENGINE FROM information_schema.TABLES");
	kf__where(db, &q, "", d);
	r = q.failed
		    ? kf_seterr(errstr, errstr_size, KF_ENOMEM, "out of memory")
		    : kf_cat_cell(db, q.p, engine, cap, errstr, errstr_size);
	kf_db_sql_free(&q);
	if (r)
		return r;
	kf_db_sql_str(&q, "SELECT c.COLUMN_NAME, c.DATA_TYPE, c.COLUMN_TYPE, "
			  "c.IS_NULLABLE, c.NUMERIC_PRECISION, "
			  "c.NUMERIC_SCALE, c.DATETIME_PRECISION, "
			  "c.CHARACTER_OCTET_LENGTH, EXISTS (SELECT 1 FROM "
			  "information_schema.CHECK_CONSTRAINTS k WHERE "
			  "k.CONSTRAINT_SCHEMA = c.TABLE_SCHEMA AND "
			  "k.TABLE_NAME = c.TABLE_NAME AND k.CONSTRAINT_NAME = "
			  "c.COLUMN_NAME AND k.CHECK_CLAUSE LIKE "
			  "'json_valid(%') FROM information_schema.COLUMNS c");
	kf__where(db, &q, "c.", d);
	kf_db_sql_str(&q, " ORDER BY c.ORDINAL_POSITION");
	r = kf__query(db, &q, kf__col_cb, &s, errstr, errstr_size);
	if (!r)
		r = kf__rows_err(&s, "columns", errstr, errstr_size);
	if (r)
		return r;
	kf_db_sql_str(&q, "SELECT COLUMN_NAME, SEQ_IN_INDEX FROM "
			  "information_schema.STATISTICS");
	kf__where(db, &q, "", d);
	kf_db_sql_str(&q, " AND INDEX_NAME = 'PRIMARY'");
	r = kf__query(db, &q, kf__key_cb, &s, errstr, errstr_size);
	return r ? r : kf__rows_err(&s, "primary key", errstr, errstr_size);
}

int kf_mdbcat_table(kf_db_t *db, const char *qname, kf_cat_def_t *d,
		    char *errstr, size_t errstr_size)
{
	const char *dot = strchr(qname, '.');
	char engine[64] = "";
	int i, nkey = 0, r;

	memset(d, 0, sizeof(*d));
	if (!dot || dot == qname || !dot[1] ||
	    (size_t)(dot - qname) >= sizeof(d->schema) ||
	    strlen(dot + 1) >= sizeof(d->name))
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "--tables entry '%s': give DB.TABLE", qname);
	snprintf(d->schema, sizeof(d->schema), "%.*s", (int)(dot - qname),
		 qname);
	snprintf(d->name, sizeof(d->name), "%s", dot + 1);
	r = kf__read(db, d, engine, sizeof(engine), errstr, errstr_size);
	for (i = 0; !r && i < d->ncols; i++)
		nkey += d->cols[i].key_seq > 0;
	if (!r && !d->ncols)
		r = kf_seterr(errstr, errstr_size, KF_EINVAL,
			      "table %s does not exist (or the user may not "
			      "read it: GRANT SELECT ON %s.* TO the user)",
			      qname, d->schema);
	else if (!r && !nkey)
		r = kf_seterr(errstr, errstr_size, KF_EINVAL,
			      "table %s has no primary key: add one (ALTER "
			      "TABLE %s ADD PRIMARY KEY (...))",
			      qname, qname);
	else if (!r && strcasecmp(engine, "InnoDB"))
		r = kf_seterr(errstr, errstr_size, KF_EINVAL,
			      "table %s is of engine %s: only InnoDB tables "
			      "have a consistent snapshot (ALTER TABLE %s "
			      "ENGINE=InnoDB)",
			      qname, engine, qname);
	if (r)
		kf_mdbcat_def_free(d);
	return r;
}

void kf_mdbcat_def_free(kf_cat_def_t *d)
{
	uint32_t k;
	int i;

	for (i = 0; i < d->ncols; i++) {
		for (k = 0; k < d->cols[i].nmembers; k++)
			free((char *)d->cols[i].members[k]);
		free((void *)d->cols[i].members);
	}
	kf_cat_def_free(d);
}

/* Column c (name quoted in n) as capture/mdbrow's text of its value. */
static void kf__text_expr(kf_db_sql_t *q, const kf_cap_coldef_t *c,
			  const char *n)
{
	char b[512];
	int i, nb;

	switch (c->mdb_type) {
	case KF_BL_T_LONGLONG:
		/* bigint.unsigned.handling.mode=long: its 64 bits */
		snprintf(b, sizeof(b),
			 c->mdb_unsigned ? "CAST(%s AS SIGNED)" : "%s", n);
		break;
	case KF_BL_T_DATETIME2:
		snprintf(b, sizeof(b),
			 "NULLIF(DATE_FORMAT(%s, '%%Y-%%m-%%d "
			 "%%H:%%i:%%s.%%f'), '0000-00-00 00:00:00.000000')",
			 n);
		break;
	case KF_BL_T_TIMESTAMP2:
		snprintf(b, sizeof(b),
			 "NULLIF(DATE_FORMAT(%s, '%%Y-%%m-%%d "
			 "%%H:%%i:%%s.%%f+00'), '0000-00-00 "
			 "00:00:00.000000+00')",
			 n);
		break;
	case KF_BL_T_DATE:
		snprintf(b, sizeof(b), "NULLIF(%s, '0000-00-00')", n);
		break;
	case KF_BL_T_BIT:
		if (c->mdb_meta == 1) {
			snprintf(b, sizeof(b), "ELT(%s + 1, 'f', 't')", n);
			break;
		}
		/* little-endian bytes (mdbrow's order) */
		kf_db_sql_str(q, "CONCAT('\\\\x'");
		nb = (c->mdb_meta + 7) / 8;
		for (i = 0; i < nb; i++) {
			snprintf(b, sizeof(b),
				 ", LPAD(HEX((%s >> %d) & 255), 2, '0')", n,
				 8 * i);
			kf_db_sql_str(q, b);
		}
		kf_db_sql_str(q, ")");
		return;
	default:
		snprintf(b, sizeof(b),
			 c->mdb_binary ? "CONCAT('\\\\x', LOWER(HEX(%s)))"
				       : "%s",
			 n);
		break;
	}
	kf_db_sql_str(q, b);
}

int kf_mdbcat_key_int(const kf_cap_coldef_t *c)
{
	switch (c->mdb_type) {
	case KF_BL_T_TINY:
	case KF_BL_T_SHORT:
	case KF_BL_T_YEAR:
	case KF_BL_T_INT24:
	case KF_BL_T_LONG:
	case KF_BL_T_LONGLONG:
	case KF_BL_T_ENUM:
	case KF_BL_T_SET:
		return 1;
	default:
		return 0;
	}
}

/* How a key column is bound (docs/cdc.md 10.6): the select list's text
 * of it for the record (bound), the expression compared (cmp) and the
 * literal the record's text becomes, so that the comparison is the
 * server's own (the column's collation, unsigned order, ENUM's index). */
enum kf__lit {
	KF__LIT_INT,	 /* [-]digits, pasted as a number */
	KF__LIT_DEC,	 /* [-]digits[.digits], pasted as a decimal */
	KF__LIT_STR,	 /* an escaped string: the column's collation */
	KF__LIT_HEX,	 /* hex digits, pasted as X'...' (binary strings) */
	KF__LIT_DOUBLE,	 /* CAST('...' AS DOUBLE) */
	KF__LIT_DATE,	 /* CAST('...' AS DATE) */
	KF__LIT_DATETIME /* CAST('...' AS DATETIME(6)) */
};

static enum kf__lit kf__key_lit(const kf_cap_coldef_t *c, const char **bound,
				const char **cmp)
{
	*cmp = "%s";
	*bound = "%s";
	if (c->mdb_type == KF_BL_T_ENUM || c->mdb_type == KF_BL_T_SET) {
		/* ordered by their index, not their text */
		*bound = *cmp = "(%s + 0)";
		return KF__LIT_INT;
	}
	if (kf_mdbcat_key_int(c))
		return KF__LIT_INT;
	switch (c->mdb_type) {
	case KF_BL_T_BIT:
		*bound = "%s + 0";
		return KF__LIT_INT;
	case KF_BL_T_NEWDECIMAL:
		return KF__LIT_DEC;
	case KF_BL_T_FLOAT:
	case KF_BL_T_DOUBLE:
		/* a FLOAT widened exactly; the server prints the shortest
		 * text that reads back to the same double */
		*bound = "CAST(%s AS DOUBLE)";
		return KF__LIT_DOUBLE;
	case KF_BL_T_DATE:
		return KF__LIT_DATE;
	case KF_BL_T_DATETIME2:
	case KF_BL_T_TIMESTAMP2:
		*bound = "DATE_FORMAT(%s, '%%Y-%%m-%%d %%H:%%i:%%s.%%f')";
		return KF__LIT_DATETIME;
	case KF_BL_T_TIME2:
		/* the server reads the text back as a TIME to compare */
		return KF__LIT_STR;
	default:
		if (c->mdb_binary) {
			*bound = "HEX(%s)";
			return KF__LIT_HEX;
		}
		return KF__LIT_STR;
	}
}

/* Whether s is a literal of kind lit that may be pasted unquoted. */
static int kf__lit_ok(enum kf__lit lit, const char *s)
{
	size_t n = strlen(s), i = *s == '-';
	int dot = 0, digits = 0;

	if (lit == KF__LIT_HEX)
		return n % 2 == 0 && n <= 2 * 65535 &&
		       strspn(s, "0123456789ABCDEFabcdef") == n;
	if (lit != KF__LIT_INT && lit != KF__LIT_DEC)
		return n <= 65535;
	for (; i < n; i++)
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (s[i] == '.' && lit == KF__LIT_DEC && !dot && digits)
			dot = 1;
		else
			return 0;
	return digits > 0 && n <= 80 && s[n - 1] != '.';
}

/* Appends column c's key expression fmt (one %s: the quoted name n). */
static void kf__key_expr(kf_db_sql_t *q, const char *fmt, const char *n)
{
	char b[256];

	snprintf(b, sizeof(b), fmt, n);
	kf_db_sql_str(q, b);
}

/* Appends the record's key text s of column c as its literal. */
static int kf__key_literal(kf_db_t *db, kf_db_sql_t *q,
			   const kf_cap_coldef_t *c, const char *s)
{
	static const char *const cast[] = {
		[KF__LIT_DOUBLE] = "DOUBLE",
		[KF__LIT_DATE] = "DATE",
		[KF__LIT_DATETIME] = "DATETIME(6)",
	};
	const char *bound, *cmp;
	enum kf__lit lit = kf__key_lit(c, &bound, &cmp);

	if (!kf__lit_ok(lit, s))
		return KF_EPROTO;
	switch (lit) {
	case KF__LIT_INT:
	case KF__LIT_DEC:
		kf_db_sql_str(q, s);
		break;
	case KF__LIT_HEX:
		kf_db_sql_str(q, "X'");
		kf_db_sql_str(q, s);
		kf_db_sql_str(q, "'");
		break;
	case KF__LIT_STR:
		kf_db_quote_literal(db, q, s, strlen(s));
		break;
	default:
		kf_db_sql_str(q, "CAST(");
		kf_db_quote_literal(db, q, s, strlen(s));
		kf_db_sql_str(q, " AS ");
		kf_db_sql_str(q, cast[lit]);
		kf_db_sql_str(q, ")");
	}
	return 0;
}

/* The key columns of d in key order into idx (d->ncols entries). */
static int kf__key_cols(const kf_cat_def_t *d, int *idx)
{
	int i, k, n = 0;

	for (k = 1; k <= d->ncols; k++)
		for (i = 0; i < d->ncols; i++)
			if (d->cols[i].key_seq == k)
				idx[n++] = i;
	return n;
}

/* Appends the key columns of d (idx, n) as expression form fmt (NULL:
 * each column's cmp) or their literals keyv, comma-separated. */
static int kf__key_list(kf_db_t *db, kf_db_sql_t *q, const kf_cat_def_t *d,
			const int *idx, int n, int bound,
			const char *const *keyv)
{
	kf_db_sql_t nm = {0};
	const char *b, *cmp;
	int j, r = 0;

	for (j = 0; !r && j < n; j++) {
		const kf_cap_coldef_t *c = &d->cols[idx[j]];

		if (j)
			kf_db_sql_str(q, ", ");
		kf__key_lit(c, &b, &cmp);
		if (keyv) {
			r = kf__key_literal(db, q, c, keyv[j]);
			continue;
		}
		nm.len = 0;
		kf_db_quote_ident(db, &nm, c->name);
		kf_db_sql_add(&nm, "", 1);
		if (!nm.failed)
			kf__key_expr(q, bound ? b : cmp, nm.p);
		else
			q->failed = 1;
		if (bound) { /* a name of its own: the select may be nested */
			char as[32];

			snprintf(as, sizeof(as), " AS `kf#key%d`", j + 1);
			kf_db_sql_str(q, as);
		}
	}
	kf_db_sql_free(&nm);
	return r;
}

int kf_mdbcat_select(kf_db_t *db, const kf_cat_def_t *d,
		     const char *const *keyv, int nkey, kf_db_sql_t *q)
{
	kf_db_sql_t n = {0};
	int *idx = calloc((size_t)d->ncols + 1, sizeof(*idx));
	int i, nk, r = 0;

	if (!idx)
		return KF_ENOMEM;
	nk = kf__key_cols(d, idx);
	if (keyv && nkey != nk) {
		free(idx);
		return KF_EPROTO;
	}
	kf_db_sql_str(q, "SELECT ");
	for (i = 0; i < d->ncols; i++) {
		n.len = 0;
		kf_db_quote_ident(db, &n, d->cols[i].name);
		kf_db_sql_add(&n, "", 1);
		if (i)
			kf_db_sql_str(q, ", ");
		if (!n.failed)
			kf__text_expr(q, &d->cols[i], n.p);
		else
			q->failed = 1;
	}
	/* the key as the record keeps it, after the event's columns */
	kf_db_sql_str(q, ", ");
	kf__key_list(db, q, d, idx, nk, 1, NULL);
	kf_db_sql_str(q, " FROM ");
	kf_db_quote_ident(db, q, d->schema);
	kf_db_sql_str(q, ".");
	kf_db_quote_ident(db, q, d->name);
	if (keyv) {
		kf_db_sql_str(q, " WHERE (");
		kf__key_list(db, q, d, idx, nk, 0, NULL);
		kf_db_sql_str(q, ") > (");
		r = kf__key_list(db, q, d, idx, nk, 0, keyv);
		kf_db_sql_str(q, ")");
	}
	kf_db_sql_str(q, " ORDER BY ");
	kf__key_list(db, q, d, idx, nk, 0, NULL);
	kf_db_sql_free(&n);
	free(idx);
	return r ? r : q->failed ? KF_ENOMEM : 0;
}

int kf_mdbcat_coll_set(kf_mdbcat_coll_t *k, const char *cs, const char *coll)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
	size_t ncs = cs ? strlen(cs) : 0, nco = coll ? strlen(coll) : 0;

	*k = (kf_mdbcat_coll_t){0};
	if (!cs || !coll)
		return 0;
	if (!ncs || ncs >= sizeof(k->cs) || strspn(cs, ok) != ncs || !nco ||
	    nco >= sizeof(k->coll) || strspn(coll, ok) != nco)
		return -1;
	memcpy(k->cs, cs, ncs + 1);
	memcpy(k->coll, coll, nco + 1);
	return 0;
}

/* The state of kf_mdbcat_key_colls' row callback. */
struct kf__colls {
	const kf_cat_def_t *d;
	kf_mdbcat_coll_t *out;
	char bad[200];
};

/* kf_db_row_cb: a column's name, character set and collation */
static int kf__coll_cb(void *arg, size_t ncols, const char *const *v,
		       const size_t *lens)
{
	struct kf__colls *s = arg;
	int i;

	(void)lens;
	if (ncols != 3 || !v[0])
		return snprintf(s->bad, sizeof(s->bad), "a row of %zu values",
				ncols),
		       1;
	for (i = 0; i < s->d->ncols; i++) {
		const kf_cap_coldef_t *c = &s->d->cols[i];

		if (c->key_seq < 1 || strcasecmp(c->name, v[0]))
			continue;
		if (kf_mdbcat_coll_set(&s->out[c->key_seq - 1], v[1], v[2]))
			return snprintf(s->bad, sizeof(s->bad),
					"column %s: character set '%.63s' or "
					"collation '%.63s' is no name",
					c->name, v[1], v[2]),
			       1;
	}
	return 0;
}

int kf_mdbcat_key_colls(kf_db_t *db, const kf_cat_def_t *d,
			kf_mdbcat_coll_t *out, char *errstr, size_t errstr_size)
{
	struct kf__colls s = {.d = d, .out = out};
	kf_db_sql_t q = {0};
	int i, r;

	for (i = 0; i < d->ncols; i++)
		if (d->cols[i].key_seq > 0)
			out[d->cols[i].key_seq - 1] = (kf_mdbcat_coll_t){0};
	kf_db_sql_str(&q, "SELECT COLUMN_NAME, CHARACTER_SET_NAME, "
			  "COLLATION_NAME FROM information_schema.COLUMNS");
	kf__where(db, &q, "", d);
	r = kf__query(db, &q, kf__coll_cb, &s, errstr, errstr_size);
	if (!r && s.bad[0])
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "%s.%s: the key's collations: %s", d->schema,
				 d->name, s.bad);
	for (i = 0; !r && i < d->ncols; i++) {
		const kf_cap_coldef_t *c = &d->cols[i];
		const char *b, *cmp;

		if (c->key_seq > 0 && c->mdb_type != KF_BL_T_TIME2 &&
		    kf__key_lit(c, &b, &cmp) == KF__LIT_STR &&
		    !out[c->key_seq - 1].coll[0])
			r = kf_seterr(errstr, errstr_size, KF_EPROTO,
				      "%s.%s: key column %s has no collation "
				      "in information_schema",
				      d->schema, d->name, c->name);
	}
	return r;
}

/* Appends the n bytes p as a hex literal X'...', padded with 0x00 up to
 * pad bytes. */
static void kf__hex_lit(kf_db_sql_t *q, const uint8_t *p, size_t n, size_t pad)
{
	static const char digits[] = "0123456789ABCDEF";
	char h[2];
	size_t i;

	kf_db_sql_str(q, "X'");
	for (i = 0; i < n || i < pad; i++) {
		h[0] = i < n ? digits[p[i] >> 4] : '0';
		h[1] = i < n ? digits[p[i] & 15] : '0';
		kf_db_sql_add(q, h, 2);
	}
	kf_db_sql_str(q, "'");
}

/* Appends the text s (n bytes) as a literal of typed key column c: a
 * cast of its hex for the temporal types and doubles, the column's
 * character set and collation for strings (conv: s is UTF-8, converted
 * to it; else s is in it). */
static void kf__typed_lit(kf_db_sql_t *q, const kf_cap_coldef_t *c,
			  const kf_mdbcat_coll_t *k, enum kf__lit lit,
			  const char *s, size_t n, int conv)
{
	const char *cast = c->mdb_type == KF_BL_T_TIME2 ? "TIME(6)"
			   : lit == KF__LIT_DOUBLE	? "DOUBLE"
			   : lit == KF__LIT_DATE	? "DATE"
			   : lit == KF__LIT_DATETIME	? "DATETIME(6)"
							: NULL;

	if (cast || conv) {
		kf_db_sql_str(q, cast ? "CAST(_utf8mb4 " : "CONVERT(_utf8mb4 ");
		kf__hex_lit(q, (const uint8_t *)s, n, 0);
		kf_db_sql_str(q, cast ? " AS " : " USING ");
		kf_db_sql_str(q, cast ? cast : k->cs);
		kf_db_sql_str(q, ")");
	} else {
		kf_db_sql_str(q, "_");
		kf_db_sql_str(q, k->cs);
		kf_db_sql_str(q, " ");
		kf__hex_lit(q, (const uint8_t *)s, n, 0);
	}
	if (!cast) {
		kf_db_sql_str(q, " COLLATE ");
		kf_db_sql_str(q, k->coll);
	}
}

int kf_mdbcat_bound_lit(kf_db_sql_t *q, const kf_cap_coldef_t *c,
			const kf_mdbcat_coll_t *k, const char *s)
{
	const char *bound, *cmp;
	enum kf__lit lit = kf__key_lit(c, &bound, &cmp);
	size_t n = strlen(s);

	if (!kf__lit_ok(lit, s) || n > 2 * KF_MDBCAT_KEY_MAX)
		return KF_EPROTO;
	switch (lit) {
	case KF__LIT_INT:
	case KF__LIT_DEC:
		kf_db_sql_str(q, s);
		return 0;
	case KF__LIT_HEX:
		kf_db_sql_str(q, "X'");
		kf_db_sql_str(q, s);
		kf_db_sql_str(q, "'");
		return 0;
	case KF__LIT_STR:
		if (c->mdb_type != KF_BL_T_TIME2 && !k->coll[0])
			return KF_EPROTO;
		break;
	default:
		break;
	}
	kf__typed_lit(q, c, k, lit, s, n, 1);
	return 0;
}

/* The text of a temporal or double value v into t (cap bytes): what
 * the record's text of the same value is. -1: v is not of lit's kind. */
static int kf__value_text(const kf_bl_value_t *v, enum kf__lit lit, int time,
			  char *t, size_t cap)
{
	struct tm tm = {0};
	time_t secs;
	uint64_t us;

	if (v->kind == KF_BL_V_FLOAT && lit == KF__LIT_DOUBLE)
		return snprintf(t, cap, "%.17g", v->d), 0;
	if (v->kind == KF_BL_V_DATE && lit == KF__LIT_DATE)
		return snprintf(t, cap, "%04u-%02u-%02u", v->year, v->month,
				v->day),
		       0;
	if (v->kind == KF_BL_V_DATETIME && lit == KF__LIT_DATETIME)
		return snprintf(t, cap,
				"%04u-%02u-%02u %02u:%02u:%02u.%06" PRIu32,
				v->year, v->month, v->day, v->hour, v->minute,
				v->second, v->usec),
		       0;
	if (v->kind == KF_BL_V_TIMESTAMP && lit == KF__LIT_DATETIME) {
		secs = (time_t)v->i;
		if (!v->i && !v->usec) /* the zero timestamp */
			return snprintf(t, cap, "0000-00-00 00:00:00.000000"),
			       0;
		if (!gmtime_r(&secs, &tm))
			return -1;
		return snprintf(t, cap,
				"%04d-%02d-%02d %02d:%02d:%02d.%06" PRIu32,
				tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
				tm.tm_hour, tm.tm_min, tm.tm_sec, v->usec),
		       0;
	}
	if (v->kind == KF_BL_V_TIME && time) {
		us = v->i < 0 ? (uint64_t)0 - (uint64_t)v->i : (uint64_t)v->i;
		return snprintf(t, cap, "%s%" PRIu64 ":%02u:%02u.%06u",
				v->i < 0 ? "-" : "", us / 3600000000,
				(unsigned)(us / 60000000 % 60),
				(unsigned)(us / 1000000 % 60),
				(unsigned)(us % 1000000)),
		       0;
	}
	return -1;
}

/* A number of value v of an integer-like column (lit INT) into t. -1:
 * v is no number. */
static int kf__value_number(const kf_bl_value_t *v, const kf_bl_col_t *bc,
			    char *t, size_t cap)
{
	uint64_t u = 0;
	uint32_t i;

	switch (v->kind) {
	case KF_BL_V_INT:
		if (bc->is_unsigned)
			return snprintf(t, cap, "%" PRIu64, v->u), 0;
		return snprintf(t, cap, "%" PRId64, v->i), 0;
	case KF_BL_V_YEAR:
		return snprintf(t, cap, "%" PRId64, v->i), 0;
	case KF_BL_V_ENUM:
	case KF_BL_V_SET:
		return snprintf(t, cap, "%" PRIu64, v->u), 0;
	case KF_BL_V_BYTES: /* BIT: big-endian, at most 64 bits */
		if (bc->type != KF_BL_T_BIT || v->len > 8)
			return -1;
		for (i = 0; i < v->len; i++)
			u = u << 8 | v->bytes[i];
		return snprintf(t, cap, "%" PRIu64, u), 0;
	default:
		return -1;
	}
}

int kf_mdbcat_value_lit(kf_db_sql_t *q, const kf_cap_coldef_t *c,
			const kf_mdbcat_coll_t *k, const kf_bl_col_t *bc,
			const kf_bl_value_t *v)
{
	const char *bound, *cmp;
	enum kf__lit lit = kf__key_lit(c, &bound, &cmp);
	int time = c->mdb_type == KF_BL_T_TIME2;
	char t[KF_BL_DECIMAL_TEXT_MAX + 32];

	if (bc->type != c->mdb_type)
		return KF_EPROTO;
	switch (lit) {
	case KF__LIT_INT:
		if (kf__value_number(v, bc, t, sizeof(t)))
			return KF_EPROTO;
		kf_db_sql_str(q, t);
		return 0;
	case KF__LIT_DEC:
		if (v->kind != KF_BL_V_DECIMAL)
			return KF_EPROTO;
		kf_bl_decimal_text(v, bc->meta, t);
		kf_db_sql_str(q, t);
		return 0;
	case KF__LIT_HEX:
		if (v->kind != KF_BL_V_BYTES || v->len > KF_MDBCAT_KEY_MAX)
			return KF_EPROTO;
		/* a BINARY(n) as the server holds it: padded with 0x00 */
		kf__hex_lit(q, v->bytes, v->len,
			    bc->type == KF_BL_T_STRING ? bc->meta : 0);
		return 0;
	case KF__LIT_STR:
		if (!time) {
			if (v->kind != KF_BL_V_BYTES ||
			    v->len > KF_MDBCAT_KEY_MAX || !k->coll[0])
				return KF_EPROTO;
			kf__typed_lit(q, c, k, lit, (const char *)v->bytes,
				      v->len, 0);
			return 0;
		}
		break;
	default:
		break;
	}
	if (kf__value_text(v, lit, time, t, sizeof(t)))
		return KF_EPROTO;
	kf__typed_lit(q, c, k, lit, t, strlen(t), 0);
	return 0;
}
