/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The canonical texts of docs/verify.md 1 as SQL of each dialect.
 */
#include "verify/canon.h"

#include <string.h>

#include "common/err.h"

struct kf__vkname {
	const char *type;
	enum kf_vkind kind;
};

/* information_schema.columns.data_type of both dialects (distinct
 * spellings, so one table serves both). */
static const struct kf__vkname kf__vkinds[] = {
	{"smallint", KF_VK_INT},
	{"integer", KF_VK_INT},
	{"bigint", KF_VK_INT},
	{"tinyint", KF_VK_INT},
	{"mediumint", KF_VK_INT},
	{"int", KF_VK_INT},
	{"numeric", KF_VK_DEC},
	{"decimal", KF_VK_DEC},
	{"real", KF_VK_FLOAT},
	{"double precision", KF_VK_FLOAT},
	{"float", KF_VK_FLOAT},
	{"double", KF_VK_FLOAT},
	{"boolean", KF_VK_BOOL},
	{"text", KF_VK_TEXT},
	{"character varying", KF_VK_TEXT},
	{"character", KF_VK_CHAR},
	{"char", KF_VK_TEXT},
	{"varchar", KF_VK_TEXT},
	{"tinytext", KF_VK_TEXT},
	{"mediumtext", KF_VK_TEXT},
	{"longtext", KF_VK_TEXT},
	{"bytea", KF_VK_BYTES},
	{"binary", KF_VK_BYTES},
	{"varbinary", KF_VK_BYTES},
	{"tinyblob", KF_VK_BYTES},
	{"blob", KF_VK_BYTES},
	{"mediumblob", KF_VK_BYTES},
	{"longblob", KF_VK_BYTES},
	{"date", KF_VK_DATE},
	{"time without time zone", KF_VK_TIME},
	{"time", KF_VK_TIME},
	{"timestamp without time zone", KF_VK_TS},
	{"timestamp with time zone", KF_VK_TS},
	{"datetime", KF_VK_TS},
	{"timestamp", KF_VK_TS},
	{"json", KF_VK_JSON},
	{"jsonb", KF_VK_JSON},
	{"uuid", KF_VK_UUID},
};

enum kf_vkind kf_vkind_of(enum kf_db_dialect d, const char *data_type)
{
	size_t i;

	/* PostgreSQL's boolean is the only one MariaDB lacks (its BOOLEAN
	 * is a tinyint): the names are otherwise disjoint or mean the
	 * same in both */
	(void)d;
	for (i = 0; i < sizeof(kf__vkinds) / sizeof(kf__vkinds[0]); i++)
		if (!strcmp(data_type, kf__vkinds[i].type))
			return kf__vkinds[i].kind;
	return KF_VK_OTHER;
}

/* The SQL of one canonical text: fmt with every '@' replaced by the
 * quoted column. */
struct kf__vform {
	const char *pg, *my;
};

static const struct kf__vform kf__vforms[] = {
	[KF_VK_OTHER] = {"@::text", "CAST(@ AS CHAR)"},
	[KF_VK_INT] = {"@::text", "CAST(@ AS CHAR)"},
	/* MariaDB keeps the column's scale: trim the fraction's zeros, but
	 * only when there is a fraction (100 stays 100) */
	[KF_VK_DEC] = {"trim_scale(@)::text",
		       "IF(@ = 0, '0', IF(LOCATE('.', CAST(@ AS CHAR)) > 0, "
		       "TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM "
		       "CAST(@ AS CHAR))), CAST(@ AS CHAR)))"},
	/* both print a double's shortest round-trip digits, in different
	 * notations: read back as an exact decimal, the notation is gone */
	[KF_VK_FLOAT] = {"trim_scale(@::float8::text::numeric)::text",
			 "IF(@ = 0, '0', TRIM(TRAILING '.' FROM TRIM(TRAILING "
			 "'0' FROM CAST(CAST(CAST(CAST(@ AS DOUBLE) AS CHAR) "
			 "AS DECIMAL(65,30)) AS CHAR))))"},
	[KF_VK_BOOL] = {"@::int::text", "CAST(@ AS CHAR)"},
	[KF_VK_TEXT] = {"@::text", "CONVERT(@ USING utf8mb4)"},
	/* ::text drops character(n)'s padding, which a capture keeps (as
	 * Debezium does) and a text target holds: its output function keeps
	 * it. MariaDB's CHAR is "char", read without the padding. */
	[KF_VK_CHAR] = {"textin(bpcharout(@))", "CONVERT(@ USING utf8mb4)"},
	[KF_VK_BYTES] = {"encode(@, 'hex')", "LOWER(HEX(@))"},
	[KF_VK_DATE] = {"@::text", "CAST(@ AS CHAR)"},
	[KF_VK_TIME] = {"to_char(@, 'HH24:MI:SS.US')",
			"TIME_FORMAT(@, '%H:%i:%s.%f')"},
	[KF_VK_TS] = {"(to_char(@, 'YYYY-MM-DD HH24:MI:SS.US') || CASE WHEN "
		      "@ < '0001-01-01' THEN ' BC' ELSE '' END)",
		      "DATE_FORMAT(@, '%Y-%m-%d %H:%i:%s.%f')"},
	[KF_VK_JSON] = {"@::jsonb::text", "CONVERT(@ USING utf8mb4)"},
	[KF_VK_UUID] = {"@::text", "LOWER(CAST(@ AS CHAR))"},
};

int kf_vcanon_expr(kf_db_t *db, kf_db_sql_t *b, const char *col,
		   enum kf_vkind k)
{
	const struct kf__vform *f = &kf__vforms[k];
	const char *s = kf_db_dialect(db) == KF_DB_POSTGRES ? f->pg : f->my;
	const char *at;
	int rc;

	while ((at = strchr(s, '@'))) {
		kf_db_sql_add(b, s, (size_t)(at - s));
		rc = kf_db_quote_ident(db, b, col);
		if (rc)
			return rc;
		s = at + 1;
	}
	kf_db_sql_str(b, s);
	return b->failed ? KF_ENOMEM : 0;
}

int kf_vcanon_row(kf_db_t *db, kf_db_sql_t *b, const char *const *cols,
		  const enum kf_vkind *kinds, size_t ncols)
{
	int pg = kf_db_dialect(db) == KF_DB_POSTGRES;
	size_t i, pass;
	int rc;

	/* PostgreSQL's concat() takes at most 100 arguments: || has no
	 * limit, and each field is never NULL */
	kf_db_sql_str(b, pg ? "(" : "CONCAT(");
	for (i = 0; i < ncols; i++) {
		if (i)
			kf_db_sql_str(b, pg ? " || " : ", ");
		kf_db_sql_str(b, pg ? "COALESCE(octet_length("
				    : "COALESCE(CONCAT(LENGTH(");
		for (pass = 0; pass < 2; pass++) {
			rc = kf_vcanon_expr(db, b, cols[i], kinds[i]);
			if (rc)
				return rc;
			if (pass == 0)
				kf_db_sql_str(b, pg ? ")::text || ':' || "
						    : "), ':', ");
		}
		kf_db_sql_str(b, pg ? ", 'N')" : "), 'N')");
	}
	kf_db_sql_str(b, ")");
	return b->failed ? KF_ENOMEM : 0;
}

int kf_vcanon_figures(kf_db_t *db, kf_db_sql_t *b, const char *const *cols,
		      const enum kf_vkind *kinds, size_t ncols)
{
	int pg = kf_db_dialect(db) == KF_DB_POSTGRES;
	int rc;

	/* the first 64 bits of the md5, signed in PostgreSQL, unsigned in
	 * MariaDB: kf_vcanon_sum makes both sums equal modulo 2^64 */
	kf_db_sql_str(b, pg ? "count(*), sum(('x' || substr(md5("
			    : "COUNT(*), SUM(CAST(CONV(SUBSTR(MD5(");
	rc = kf_vcanon_row(db, b, cols, kinds, ncols);
	if (rc)
		return rc;
	kf_db_sql_str(b, pg ? "), 1, 16))::bit(64)::bigint)"
			    : "), 1, 16), 16, 10) AS UNSIGNED))");
	return b->failed ? KF_ENOMEM : 0;
}

static int kf__vonly(const char *s, const char *allowed)
{
	return *s && strspn(s, allowed) == strlen(s);
}

int kf_vcanon_literal(kf_db_t *db, kf_db_sql_t *b, enum kf_vkind k,
		      const char *canon)
{
	int pg = kf_db_dialect(db) == KF_DB_POSTGRES;

	if (k == KF_VK_BYTES) {
		if (strspn(canon, "0123456789abcdef") != strlen(canon) ||
		    strlen(canon) % 2)
			return KF_EINVAL;
		kf_db_sql_str(b, pg ? "decode('" : "X'");
		kf_db_sql_str(b, canon);
		kf_db_sql_str(b, pg ? "', 'hex')" : "'");
	} else if (!pg &&
		   (k == KF_VK_INT || k == KF_VK_DEC || k == KF_VK_FLOAT)) {
		/* MariaDB compares a DECIMAL with a string as doubles:
		 * a number stays a number, exact */
		if (!kf__vonly(canon, "-0123456789."))
			return KF_EINVAL;
		kf_db_sql_str(b, canon);
	} else {
		/* PostgreSQL types an untyped literal as the column */
		kf_db_quote_literal(db, b, canon, strlen(canon));
	}
	return b->failed ? KF_ENOMEM : 0;
}

int kf_vcanon_sum(const char *text, uint64_t *out)
{
	const char *p = text;
	uint64_t v = 0;
	int neg = 0;

	*out = 0;
	if (!text)
		return 0; /* an empty range */
	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (!kf__vonly(p, "0123456789"))
		return KF_EPROTO;
	for (; *p; p++)
		v = v * 10 + (uint64_t)(*p - '0'); /* wraps: modulo 2^64 */
	*out = neg ? (uint64_t)0 - v : v;
	return 0;
}
