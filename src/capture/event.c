/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Debezium's envelope (docs/cdc.md 3, 4, 10.4). Schemas are rendered once
 * per table; a value is rendered from its text by its column's kind (one
 * set of kinds for both sources: their types map to the same Connect
 * values), and a text that does not parse as its type is refused with the
 * column named (the server writes these texts, but nothing read is
 * trusted).
 */
#include "capture/event.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/binlog.h"
#include "common/base64.h"
#include "common/err.h"

#define KF__CONNECT "org.apache.kafka.connect.data."
#define KF__DBZ "io.debezium."
#define KF__MAX_DIGITS 4096 /* of a numeric value we convert */
#define KF__UNAVAILABLE "__debezium_unavailable_value"

/* PostgreSQL's type oids (pg_type.dat) of the types mapped in 4 */
enum {
	KF__BOOL = 16,
	KF__BYTEA = 17,
	KF__INT8 = 20,
	KF__INT2 = 21,
	KF__INT4 = 23,
	KF__TEXT = 25,
	KF__JSON = 114,
	KF__FLOAT4 = 700,
	KF__FLOAT8 = 701,
	KF__BPCHAR = 1042,
	KF__VARCHAR = 1043,
	KF__DATE = 1082,
	KF__TIME = 1083,
	KF__TIMESTAMP = 1114,
	KF__TIMESTAMPTZ = 1184,
	KF__NUMERIC = 1700,
	KF__UUID = 2950,
	KF__JSONB = 3802
};

enum kf__kind {
	KF__K_BOOL,
	KF__K_INT, /* int16, int32, int64: the text as it is */
	KF__K_FLOAT,
	KF__K_STRING,
	KF__K_BYTES,
	KF__K_DECIMAL,
	KF__K_VSDECIMAL,
	KF__K_DATE,
	KF__K_TS_MS,
	KF__K_TS_US,
	KF__K_TSTZ,
	KF__K_TIME_MS,
	KF__K_TIME_US,
	/* MariaDB's (docs/cdc.md 10.8) */
	KF__K_DURATION, /* TIME: "[-]H:MM:SS[.f]", MicroTime */
	KF__K_YEAR,
	KF__K_ENUM,
	KF__K_SET,
	KF__K_BITS /* BIT(n > 1): bytes "\\x..." (little-endian) */
};

struct kf__col {
	char *name;
	enum kf__kind kind;
	int scale;    /* KF__K_DECIMAL */
	int required; /* "optional":false in the schema (NOT NULL, key) */
};

struct kf_cap_table_s {
	int mariadb; /* MariaDB's source struct, else PostgreSQL's */
	char *topic, *qname, *schema, *name;
	int ncols, nkey;
	struct kf__col *cols;
	int *key;	    /* column indexes in key order */
	char *key_prefix;   /* {"schema":KEY SCHEMA,"payload": */
	char *value_prefix; /* {"schema":ENVELOPE SCHEMA,"payload":{ */
};

/* ----------------------------------------------------------- JSON text */

/* A JSON string of s[0, n), escaped as Jackson escapes. */
static void kf__jstr(kf_strbuf_t *b, const char *s, size_t n)
{
	static const char hx[] = "0123456789ABCDEF";
	size_t i, from = 0;

	kf_strbuf_putc(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7] = {'\\', 0};
		size_t elen = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		kf_strbuf_append(b, s + from, i - from);
		from = i + 1;
		switch (c) {
		case '"':
			esc[1] = '"';
			break;
		case '\\':
			esc[1] = '\\';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hx[c >> 4];
			esc[5] = hx[c & 15];
			elen = 6;
		}
		kf_strbuf_append(b, esc, elen);
	}
	kf_strbuf_append(b, s + from, n - from);
	kf_strbuf_putc(b, '"');
}

static void kf__jcstr(kf_strbuf_t *b, const char *s)
{
	kf__jstr(b, s, strlen(s));
}

/* ------------------------------------------------------------- schemas */

static enum kf__kind kf__kind_of(uint32_t oid, int32_t typmod, int *scale)
{
	switch (oid) {
	case KF__BOOL:
		return KF__K_BOOL;
	case KF__INT2:
	case KF__INT4:
	case KF__INT8:
		return KF__K_INT;
	case KF__FLOAT4:
	case KF__FLOAT8:
		return KF__K_FLOAT;
	case KF__BYTEA:
		return KF__K_BYTES;
	case KF__NUMERIC:
		if (typmod < 4)
			return KF__K_VSDECIMAL;
		*scale = (typmod - 4) & 0xffff;
		return KF__K_DECIMAL;
	case KF__DATE:
		return KF__K_DATE;
	case KF__TIMESTAMP:
		return typmod >= 0 && typmod <= 3 ? KF__K_TS_MS : KF__K_TS_US;
	case KF__TIMESTAMPTZ:
		return KF__K_TSTZ;
	case KF__TIME:
		return typmod >= 0 && typmod <= 3 ? KF__K_TIME_MS
						  : KF__K_TIME_US;
	default:
		return KF__K_STRING;
	}
}

/* A MariaDB column's kind (docs/cdc.md 10.8); -1: a type not mapped. */
static int kf__mdb_kind_of(const kf_cap_coldef_t *c, int *scale)
{
	switch (c->mdb_type) {
	case KF_BL_T_TINY:
	case KF_BL_T_SHORT:
	case KF_BL_T_INT24:
	case KF_BL_T_LONG:
	case KF_BL_T_LONGLONG:
		return KF__K_INT;
	case KF_BL_T_FLOAT:
	case KF_BL_T_DOUBLE:
		return KF__K_FLOAT;
	case KF_BL_T_NEWDECIMAL:
		*scale = c->mdb_meta & 0xff;
		return KF__K_DECIMAL;
	case KF_BL_T_DATE:
		return KF__K_DATE;
	case KF_BL_T_DATETIME2:
		return c->mdb_meta <= 3 ? KF__K_TS_MS : KF__K_TS_US;
	case KF_BL_T_TIMESTAMP2:
		*scale = c->mdb_meta; /* the fraction's digits, kept */
		return KF__K_TSTZ;
	case KF_BL_T_TIME2:
		return KF__K_DURATION;
	case KF_BL_T_YEAR:
		return KF__K_YEAR;
	case KF_BL_T_BIT:
		return c->mdb_meta == 1 ? KF__K_BOOL : KF__K_BITS;
	case KF_BL_T_ENUM:
		return KF__K_ENUM;
	case KF_BL_T_SET:
		return KF__K_SET;
	case KF_BL_T_VARCHAR:
	case KF_BL_T_VAR_STRING:
	case KF_BL_T_STRING:
	case KF_BL_T_BLOB:
		return c->mdb_binary ? KF__K_BYTES : KF__K_STRING;
	default:
		return -1;
	}
}

/* The Connect type of a MariaDB integer (docs/cdc.md 10.8: the smallest
 * that holds the unsigned range; BIGINT UNSIGNED stays int64). */
static const char *kf__mdb_int_type(const kf_cap_coldef_t *c)
{
	switch (c->mdb_type) {
	case KF_BL_T_TINY:
		return "int16";
	case KF_BL_T_SHORT:
		return c->mdb_unsigned ? "int32" : "int16";
	case KF_BL_T_INT24:
		return "int32";
	case KF_BL_T_LONG:
		return c->mdb_unsigned ? "int64" : "int32";
	default:
		return "int64";
	}
}

static int kf__col_kind(const kf_cap_coldef_t *c, int *scale)
{
	return c->mdb_type ? kf__mdb_kind_of(c, scale)
			   : (int)kf__kind_of(c->type_oid, c->typmod, scale);
}

/* The members of an ENUM or SET as the "allowed" parameter's text. */
static void kf__allowed(kf_strbuf_t *b, const kf_cap_coldef_t *c)
{
	kf_strbuf_t m;
	uint32_t i;

	kf_strbuf_heap(&m, 64);
	for (i = 0; i < c->nmembers; i++) {
		if (i)
			kf_strbuf_putc(&m, ',');
		kf_strbuf_printf(&m, "%s", c->members[i]);
	}
	kf_strbuf_printf(b, "\"parameters\":{\"allowed\":");
	kf__jstr(b, m.p ? m.p : "", m.p ? m.len : 0);
	kf_strbuf_printf(b, "},");
	if (m.failed)
		b->failed = 1;
	free(m.p);
}

/* One field's schema: {"type":...,"optional":...,[name...],"field":...} */
static void kf__field_schema(kf_strbuf_t *b, const kf_cap_coldef_t *c,
			     int optional)
{
	static const struct {
		uint32_t oid;
		const char *type;
	} base[] = {{KF__BOOL, "boolean"}, {KF__INT2, "int16"},
		    {KF__INT4, "int32"},   {KF__INT8, "int64"},
		    {KF__FLOAT4, "float"}, {KF__FLOAT8, "double"},
		    {KF__BYTEA, "bytes"}};
	const char *opt = optional ? "true" : "false";
	const char *type = "string", *lname = NULL;
	int scale = 0, kind = kf__col_kind(c, &scale);
	size_t i;

	switch (kind) {
	case KF__K_DECIMAL:
		kf_strbuf_printf(b,
				 "{\"type\":\"bytes\",\"optional\":%s,\"name\":"
				 "\"" KF__CONNECT "Decimal\",\"version\":1,"
				 "\"parameters\":{\"scale\":\"%d\","
				 "\"connect.decimal.precision\":\"%d\"},"
				 "\"field\":",
				 opt, scale,
				 c->mdb_type
					 ? c->mdb_meta >> 8
					 : ((c->typmod - 4) >> 16) & 0xffff);
		kf__jcstr(b, c->name);
		kf_strbuf_putc(b, '}');
		return;
	case KF__K_VSDECIMAL:
		kf_strbuf_printf(
			b,
			"{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\","
			"\"optional\":false,\"field\":\"scale\"},{\"type\":"
			"\"bytes\",\"optional\":false,\"field\":\"value\"}],"
			"\"optional\":%s,\"name\":\"" KF__DBZ
			"data.VariableScaleDecimal\",\"version\":1,\"doc\":"
			"\"Variable scaled decimal\",\"field\":",
			opt);
		kf__jcstr(b, c->name);
		kf_strbuf_putc(b, '}');
		return;
	case KF__K_DATE:
		type = "int32", lname = "time.Date";
		break;
	case KF__K_TS_MS:
		type = "int64", lname = "time.Timestamp";
		break;
	case KF__K_TS_US:
		type = "int64", lname = "time.MicroTimestamp";
		break;
	case KF__K_TSTZ:
		lname = "time.ZonedTimestamp";
		break;
	case KF__K_TIME_MS:
		type = "int32", lname = "time.Time";
		break;
	case KF__K_TIME_US:
	case KF__K_DURATION:
		type = "int64", lname = "time.MicroTime";
		break;
	case KF__K_YEAR:
		type = "int32", lname = "time.Year";
		break;
	case KF__K_ENUM:
		lname = "data.Enum";
		break;
	case KF__K_SET:
		lname = "data.EnumSet";
		break;
	case KF__K_BITS:
		type = "bytes", lname = "data.Bits";
		break;
	case KF__K_BOOL:
		type = "boolean";
		break;
	case KF__K_BYTES:
		type = "bytes";
		break;
	case KF__K_INT:
		if (c->mdb_type) {
			type = kf__mdb_int_type(c);
			break;
		}
		/* fall through */
	case KF__K_FLOAT:
		if (c->mdb_type) {
			type = c->mdb_type == KF_BL_T_FLOAT ? "float"
							    : "double";
			break;
		}
		/* fall through */
	default:
		if (c->mdb_json)
			lname = "data.Json";
		for (i = 0; i < sizeof(base) / sizeof(base[0]); i++)
			if (base[i].oid == c->type_oid)
				type = base[i].type;
		if (c->type_oid == KF__UUID)
			lname = "data.Uuid";
		else if (c->type_oid == KF__JSON || c->type_oid == KF__JSONB)
			lname = "data.Json";
	}
	kf_strbuf_printf(b, "{\"type\":\"%s\",\"optional\":%s,", type, opt);
	if (lname)
		kf_strbuf_printf(b, "\"name\":\"" KF__DBZ "%s\",\"version\":1,",
				 lname);
	if (kind == KF__K_ENUM || kind == KF__K_SET)
		kf__allowed(b, c);
	else if (kind == KF__K_BITS)
		kf_strbuf_printf(b, "\"parameters\":{\"length\":\"%u\"},",
				 (unsigned)c->mdb_meta);
	kf_strbuf_printf(b, "\"field\":");
	kf__jcstr(b, c->name);
	kf_strbuf_putc(b, '}');
}

/* "P.S.T.<suffix>" as a JSON string */
static void kf__struct_name(kf_strbuf_t *b, const kf_cap_table_t *t,
			    const char *suffix)
{
	char name[1024];

	snprintf(name, sizeof(name), "%s.%s", t->topic, suffix);
	kf__jcstr(b, name);
}

/* The source struct's schema: the members both connectors write, then
 * each one's own (docs/cdc.md 3, 10.4), then the envelope's rest. */
static const char kf__source_head[] =
	"{\"type\":\"struct\",\"fields\":["
	"{\"type\":\"string\",\"optional\":false,\"field\":\"version\"},"
	"{\"type\":\"string\",\"optional\":false,\"field\":\"connector\"},"
	"{\"type\":\"string\",\"optional\":false,\"field\":\"name\"},"
	"{\"type\":\"int64\",\"optional\":false,\"field\":\"ts_ms\"},"
	"{\"type\":\"string\",\"optional\":true,\"name\":\"" KF__DBZ
	"data.Enum\",\"version\":1,\"parameters\":{\"allowed\":\"true,first,"
	"first_in_data_collection,last_in_data_collection,last,false,"
	"incremental\"},\"default\":\"false\",\"field\":\"snapshot\"},"
	"{\"type\":\"string\",\"optional\":false,\"field\":\"db\"},"
	"{\"type\":\"string\",\"optional\":true,\"field\":\"sequence\"},"
	"{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_us\"},"
	"{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ns\"},";

static const char kf__pg_source_tail[] =
	"{\"type\":\"string\",\"optional\":false,\"field\":\"schema\"},"
	"{\"type\":\"string\",\"optional\":false,\"field\":\"table\"},"
	"{\"type\":\"int64\",\"optional\":true,\"field\":\"txId\"},"
	"{\"type\":\"int64\",\"optional\":true,\"field\":\"lsn\"},"
	"{\"type\":\"int64\",\"optional\":true,\"field\":\"xmin\"}],"
	"\"optional\":false,\"name\":\"" KF__DBZ
	"connector.postgresql.Source\",\"version\":1,\"field\":\"source\"},";

static const char kf__mdb_source_tail[] =
	"{\"type\":\"string\",\"optional\":true,\"field\":\"table\"},"
	"{\"type\":\"int64\",\"optional\":false,\"field\":\"server_id\"},"
	"{\"type\":\"string\",\"optional\":true,\"field\":\"gtid\"},"
	"{\"type\":\"string\",\"optional\":false,\"field\":\"file\"},"
	"{\"type\":\"int64\",\"optional\":false,\"field\":\"pos\"},"
	"{\"type\":\"int32\",\"optional\":false,\"field\":\"row\"},"
	"{\"type\":\"int64\",\"optional\":true,\"field\":\"thread\"},"
	"{\"type\":\"string\",\"optional\":true,\"field\":\"query\"}],"
	"\"optional\":false,\"name\":\"" KF__DBZ
	"connector.mariadb.Source\",\"version\":1,\"field\":\"source\"},";

static const char kf__envelope_tail[] =
	"{\"type\":\"struct\",\"fields\":["
	"{\"type\":\"string\",\"optional\":false,\"field\":\"id\"},"
	"{\"type\":\"int64\",\"optional\":false,\"field\":\"total_order\"},"
	"{\"type\":\"int64\",\"optional\":false,\"field\":"
	"\"data_collection_order\"}],\"optional\":true,\"name\":"
	"\"event.block\",\"version\":1,\"field\":\"transaction\"},"
	"{\"type\":\"string\",\"optional\":false,\"field\":\"op\"},"
	"{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ms\"},"
	"{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_us\"},"
	"{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ns\"}],";

/* The row struct's schema, as the field before or after */
static void kf__row_schema(kf_strbuf_t *b, const kf_cap_table_t *t,
			   const kf_cap_coldef_t *cols, const char *field)
{
	int i;

	kf_strbuf_printf(b, "{\"type\":\"struct\",\"fields\":[");
	for (i = 0; i < t->ncols; i++) {
		if (i)
			kf_strbuf_putc(b, ',');
		kf__field_schema(b, &cols[i],
				 !cols[i].notnull && !cols[i].key_seq);
	}
	kf_strbuf_printf(b, "],\"optional\":true,\"name\":");
	kf__struct_name(b, t, "Value");
	kf_strbuf_printf(b, ",\"field\":\"%s\"}", field);
}

static int kf__render_schemas(kf_cap_table_t *t, const kf_cap_coldef_t *cols)
{
	kf_strbuf_t b;
	int i;

	kf_strbuf_heap(&b, 1024);
	kf_strbuf_printf(&b, "{\"schema\":{\"type\":\"struct\",\"fields\":[");
	for (i = 0; i < t->nkey; i++) {
		if (i)
			kf_strbuf_putc(&b, ',');
		kf__field_schema(&b, &cols[t->key[i]], 0);
	}
	kf_strbuf_printf(&b, "],\"optional\":false,\"name\":");
	kf__struct_name(&b, t, "Key");
	kf_strbuf_printf(&b, "},\"payload\":");
	if (b.failed)
		return free(b.p), KF_ENOMEM;
	t->key_prefix = b.p;

	kf_strbuf_heap(&b, 4096);
	kf_strbuf_printf(&b, "{\"schema\":{\"type\":\"struct\",\"fields\":[");
	kf__row_schema(&b, t, cols, "before");
	kf_strbuf_putc(&b, ',');
	kf__row_schema(&b, t, cols, "after");
	kf_strbuf_putc(&b, ',');
	kf_strbuf_append(&b, kf__source_head, sizeof(kf__source_head) - 1);
	if (t->mariadb)
		kf_strbuf_append(&b, kf__mdb_source_tail,
				 sizeof(kf__mdb_source_tail) - 1);
	else
		kf_strbuf_append(&b, kf__pg_source_tail,
				 sizeof(kf__pg_source_tail) - 1);
	kf_strbuf_append(&b, kf__envelope_tail, sizeof(kf__envelope_tail) - 1);
	kf_strbuf_printf(&b, "\"optional\":false,\"name\":");
	kf__struct_name(&b, t, "Envelope");
	kf_strbuf_printf(&b, ",\"version\":2},\"payload\":{");
	if (b.failed)
		return free(b.p), KF_ENOMEM;
	t->value_prefix = b.p;
	return 0;
}

/* -------------------------------------------------------------- tables */

static int kf__set_key(kf_cap_table_t *t, const kf_cap_coldef_t *cols,
		       char *errstr, size_t errstr_size)
{
	int i;

	for (i = 0; i < t->ncols; i++)
		if (cols[i].key_seq > 0)
			t->nkey++;
	if (!t->nkey)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "table %s has no primary key: change events "
				 "need one (ALTER TABLE %s ADD PRIMARY KEY "
				 "(...))",
				 t->qname, t->qname);
	t->key = calloc((size_t)t->nkey, sizeof(*t->key));
	if (!t->key)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	for (i = 0; i < t->nkey; i++)
		t->key[i] = -1;
	for (i = 0; i < t->ncols; i++) {
		int k = cols[i].key_seq - 1;

		if (k < 0)
			continue;
		if (k >= t->nkey || t->key[k] >= 0)
			return kf_seterr(errstr, errstr_size, KF_EINVAL,
					 "table %s: key position %d of column "
					 "%s is out of order",
					 t->qname, k + 1, cols[i].name);
		t->key[k] = i;
	}
	return 0;
}

static int kf__table_new(int mariadb, const char *prefix, const char *schema,
			 const char *name, const kf_cap_coldef_t *cols,
			 int ncols, kf_cap_table_t **out, char *errstr,
			 size_t errstr_size)
{
	kf_cap_table_t *t = calloc(1, sizeof(*t));
	char buf[1024];
	int i, err;

	*out = NULL;
	if (!t)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	t->mariadb = mariadb;
	snprintf(buf, sizeof(buf), "%s.%s", schema, name);
	t->qname = strdup(buf);
	snprintf(buf, sizeof(buf), "%s.%s.%s", prefix, schema, name);
	t->topic = strdup(buf);
	t->schema = strdup(schema);
	t->name = strdup(name);
	t->ncols = ncols;
	t->cols = calloc(ncols > 0 ? (size_t)ncols : 1, sizeof(*t->cols));
	err = !t->qname || !t->topic || !t->schema || !t->name || !t->cols
		      ? kf_seterr(errstr, errstr_size, KF_ENOMEM,
				  "out of memory")
		      : 0;
	if (!err && ncols < 1)
		err = kf_seterr(errstr, errstr_size, KF_EINVAL,
				"table %s has no columns", t->qname);
	for (i = 0; !err && i < ncols; i++) {
		int kind = kf__col_kind(&cols[i], &t->cols[i].scale);

		t->cols[i].name = strdup(cols[i].name);
		t->cols[i].kind = (enum kf__kind)kind;
		t->cols[i].required = cols[i].notnull || cols[i].key_seq;
		if (!t->cols[i].name)
			err = kf_seterr(errstr, errstr_size, KF_ENOMEM,
					"out of memory");
		else if (kind < 0 || (mariadb && !cols[i].mdb_type))
			err = kf_seterr(errstr, errstr_size, KF_EINVAL,
					"table %s, column %s: its type (binlog "
					"type %u) is not one kferry captures "
					"(docs/cdc.md 10.8)",
					t->qname, cols[i].name,
					(unsigned)cols[i].mdb_type);
	}
	if (!err)
		err = kf__set_key(t, cols, errstr, errstr_size);
	if (!err && kf__render_schemas(t, cols))
		err = kf_seterr(errstr, errstr_size, KF_ENOMEM,
				"out of memory");
	if (err) {
		kf_cap_table_destroy(t);
		return err;
	}
	*out = t;
	return 0;
}

int kf_cap_table_new(const char *prefix, const char *schema, const char *name,
		     const kf_cap_coldef_t *cols, int ncols,
		     kf_cap_table_t **out, char *errstr, size_t errstr_size)
{
	return kf__table_new(0, prefix, schema, name, cols, ncols, out, errstr,
			     errstr_size);
}

int kf_cap_table_new_mariadb(const char *prefix, const char *db,
			     const char *name, const kf_cap_coldef_t *cols,
			     int ncols, kf_cap_table_t **out, char *errstr,
			     size_t errstr_size)
{
	return kf__table_new(1, prefix, db, name, cols, ncols, out, errstr,
			     errstr_size);
}

void kf_cap_table_destroy(kf_cap_table_t *t)
{
	int i;

	if (!t)
		return;
	for (i = 0; t->cols && i < t->ncols; i++)
		free(t->cols[i].name);
	free(t->cols);
	free(t->key);
	free(t->key_prefix);
	free(t->value_prefix);
	free(t->topic);
	free(t->qname);
	free(t->schema);
	free(t->name);
	free(t);
}

const char *kf_cap_table_topic(const kf_cap_table_t *t)
{
	return t->topic;
}

const char *kf_cap_table_name(const kf_cap_table_t *t)
{
	return t->qname;
}

int kf_cap_table_ncols(const kf_cap_table_t *t)
{
	return t->ncols;
}

/* -------------------------------------------------------------- values */

/* A cursor over one value's text. */
struct kf__txt {
	const char *s;
	size_t n, at;
};

/* Reads 1..max digits; -1 when there is none. */
static int64_t kf__digits(struct kf__txt *x, int max, int *count)
{
	int64_t v = 0;
	int k = 0;

	while (x->at < x->n && k < max && x->s[x->at] >= '0' &&
	       x->s[x->at] <= '9') {
		v = v * 10 + (x->s[x->at++] - '0');
		k++;
	}
	if (count)
		*count = k;
	return k ? v : -1;
}

static int kf__lit(struct kf__txt *x, char c)
{
	if (x->at < x->n && x->s[x->at] == c)
		return x->at++, 1;
	return 0;
}

/* Days from 1970-01-01 to the proleptic Gregorian y-m-d. */
static int64_t kf__days(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DD" */
static int kf__date(struct kf__txt *x, int64_t *y, int *m, int *d)
{
	int64_t mm, dd;

	if ((*y = kf__digits(x, 9, NULL)) < 0 || !kf__lit(x, '-') ||
	    (mm = kf__digits(x, 2, NULL)) < 1 || mm > 12 || !kf__lit(x, '-') ||
	    (dd = kf__digits(x, 2, NULL)) < 1 || dd > 31)
		return -1;
	*m = (int)mm;
	*d = (int)dd;
	return 0;
}

/* "HH:MM:SS[.f{1,6}]" into microseconds. */
static int kf__time(struct kf__txt *x, int64_t *us)
{
	int64_t h = kf__digits(x, 2, NULL), mi, s, f = 0;
	int nf = 0;

	if (h < 0 || h > 24 || !kf__lit(x, ':') ||
	    (mi = kf__digits(x, 2, NULL)) < 0 || mi > 59 || !kf__lit(x, ':') ||
	    (s = kf__digits(x, 2, NULL)) < 0 || s > 60)
		return -1;
	if (kf__lit(x, '.') && (f = kf__digits(x, 6, &nf)) < 0)
		return -1;
	while (nf++ < 6)
		f *= 10;
	*us = ((h * 60 + mi) * 60 + s) * 1000000 + f;
	return 0;
}

/* A date, timestamp or timestamptz text into days / microseconds since
 * the epoch (UTC). */
static int kf__temporal(enum kf__kind k, const char *s, size_t n, int64_t *v)
{
	int bc = n >= 3 && !memcmp(s + n - 3, " BC", 3);
	struct kf__txt x = {s, n - (bc ? 3 : 0), 0};
	int64_t y, days, us = 0, off = 0, oh, om = 0, os = 0;
	int m, d, sign;

	if (kf__date(&x, &y, &m, &d))
		return -1;
	/* year Y BC is the proleptic year 1 - Y */
	days = kf__days(bc ? 1 - y : y, m, d);
	if (k != KF__K_DATE && (!kf__lit(&x, ' ') || kf__time(&x, &us)))
		return -1;
	if (k == KF__K_TSTZ) {
		sign = kf__lit(&x, '+') ? 1 : kf__lit(&x, '-') ? -1 : 0;
		if (!sign || (oh = kf__digits(&x, 2, NULL)) < 0)
			return -1;
		if (kf__lit(&x, ':') && (om = kf__digits(&x, 2, NULL)) < 0)
			return -1;
		if (kf__lit(&x, ':') && (os = kf__digits(&x, 2, NULL)) < 0)
			return -1;
		off = sign * ((oh * 60 + om) * 60 + os) * 1000000;
	}
	if (x.at != x.n)
		return -1;
	*v = k == KF__K_DATE ? days : days * 86400000000 + us - off;
	return 0;
}

/* ISO 8601 in UTC: ZonedTimestamp. The fraction has width digits (a
 * MariaDB TIMESTAMP(n): Debezium formats it with the column's length),
 * or, width 0, the fewest (PostgreSQL's; none when zero). */
static void kf__zoned(kf_strbuf_t *b, int64_t us, int width)
{
	int64_t days = us / 86400000000, tod = us % 86400000000, z, era, doe,
		yoe, y, doy, mp, d, m;
	char frac[8] = "";
	int f, i;

	if (tod < 0)
		tod += 86400000000, days--;
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	f = (int)(tod % 1000000);
	if (f || width) {
		snprintf(frac, sizeof(frac), ".%06d", f);
		for (i = 6; i > width && frac[i] == '0'; i--)
			frac[i] = '\0';
		if (i == 0)
			frac[0] = '\0';
	}
	kf_strbuf_printf(b,
			 "\"%04" PRId64 "-%02" PRId64 "-%02" PRId64
			 "T%02d:%02d:%02d%sZ\"",
			 y, m, d, (int)(tod / 3600000000),
			 (int)(tod / 60000000 % 60), (int)(tod / 1000000 % 60),
			 frac);
}

/* A numeric text "-123.4500" into its unscaled value's minimal
 * big-endian two's complement, base64, with its scale. */
static int kf__decimal(kf_strbuf_t *b, const char *s, size_t n, int *scale)
{
	uint8_t mag[KF__MAX_DIGITS / 2 + 2] = {0}; /* little-endian */
	uint8_t be[sizeof(mag) + 1];
	char b64[((sizeof(be) + 2) / 3) * 4 + 1];
	size_t i = 0, len = 1, k, out;
	int neg = 0, digits = 0, point = 0, carry;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	*scale = 0;
	for (; i < n; i++) {
		if (s[i] == '.' && !point) {
			point = 1;
			continue;
		}
		if (s[i] < '0' || s[i] > '9' || ++digits > KF__MAX_DIGITS)
			return -1;
		*scale += point;
		carry = s[i] - '0';
		for (k = 0; k < len; k++) {
			carry += mag[k] * 10;
			mag[k] = (uint8_t)carry;
			carry >>= 8;
		}
		if (carry)
			mag[len++] = (uint8_t)carry;
	}
	if (!digits)
		return -1;
	mag[len++] = 0; /* room for the sign bit */
	if (neg) {
		for (carry = 1, k = 0; k < len; k++) {
			carry += (uint8_t)~mag[k];
			mag[k] = (uint8_t)carry;
			carry >>= 8;
		}
	}
	/* the fewest bytes that keep the sign */
	while (len > 1 && mag[len - 1] == (neg ? 0xff : 0) &&
	       ((mag[len - 2] & 0x80) != 0) == neg)
		len--;
	for (k = 0; k < len; k++)
		be[k] = mag[len - 1 - k];
	out = kf_base64_encode(be, len, b64);
	kf__jstr(b, b64, out);
	return 0;
}

static int kf__is_special(const char *s, size_t n)
{
	static const char *const sp[] = {"NaN", "Infinity", "-Infinity",
					 "infinity", "-infinity"};
	size_t i;

	for (i = 0; i < sizeof(sp) / sizeof(sp[0]); i++)
		if (n == strlen(sp[i]) && !memcmp(s, sp[i], n))
			return 1;
	return 0;
}

static int kf__int_text(const char *s, size_t n)
{
	size_t i = n && s[0] == '-';

	if (i == n || n > 20)
		return -1;
	for (; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	return 0;
}

static int kf__float_text(const char *s, size_t n)
{
	size_t i;

	if (!n)
		return -1;
	for (i = 0; i < n; i++)
		if (!strchr("0123456789.eE+-", s[i]))
			return -1;
	return 0;
}

/* "\x0aff" into base64 bytes. */
static int kf__bytea(kf_strbuf_t *b, const char *s, size_t n)
{
	uint8_t *raw;
	char *b64;
	size_t i, len, out;
	int hi, lo;

	if (n < 2 || s[0] != '\\' || s[1] != 'x' || n % 2)
		return -1;
	len = (n - 2) / 2;
	raw = malloc(len + 1);
	b64 = malloc((len + 2) / 3 * 4 + 1);
	if (!raw || !b64)
		return free(raw), free(b64), -1;
	for (i = 0; i < len; i++) {
		hi = s[2 + 2 * i], lo = s[3 + 2 * i];
		hi = hi <= '9' ? hi - '0' : (hi | 32) - 'a' + 10;
		lo = lo <= '9' ? lo - '0' : (lo | 32) - 'a' + 10;
		if (hi < 0 || hi > 15 || lo < 0 || lo > 15)
			return free(raw), free(b64), -1;
		raw[i] = (uint8_t)(hi << 4 | lo);
	}
	out = kf_base64_encode(raw, len, b64);
	kf__jstr(b, b64, out);
	free(raw);
	free(b64);
	return 0;
}

/* MariaDB's TIME text "[-]H:MM:SS[.f{1,6}]" (-838:59:59.999999 to
 * 838:59:59.999999) into signed microseconds. */
static int kf__duration(const char *s, size_t n, int64_t *us)
{
	struct kf__txt x = {s, n, 0};
	int neg = kf__lit(&x, '-'), nf = 0;
	int64_t h = kf__digits(&x, 3, NULL), mi, sec, f = 0;

	if (h < 0 || h > 838 || !kf__lit(&x, ':') ||
	    (mi = kf__digits(&x, 2, NULL)) < 0 || mi > 59 ||
	    !kf__lit(&x, ':') || (sec = kf__digits(&x, 2, NULL)) < 0 ||
	    sec > 59)
		return -1;
	if (kf__lit(&x, '.') && (f = kf__digits(&x, 6, &nf)) < 0)
		return -1;
	if (x.at != n)
		return -1;
	while (nf++ < 6)
		f *= 10;
	*us = ((h * 60 + mi) * 60 + sec) * 1000000 + f;
	if (neg)
		*us = -*us;
	return 0;
}

/* The JSON of one text value of column c; -1 when it does not parse,
 * 1 when written as null (no Connect value). */
static int kf__value(kf_strbuf_t *b, const struct kf__col *c, const char *s,
		     size_t n)
{
	int64_t v;
	int scale;

	switch (c->kind) {
	case KF__K_BOOL:
		if (n != 1 || (s[0] != 't' && s[0] != 'f'))
			return -1;
		kf_strbuf_printf(b, s[0] == 't' ? "true" : "false");
		return 0;
	case KF__K_INT:
	case KF__K_YEAR:
		if (kf__int_text(s, n))
			return -1;
		kf_strbuf_append(b, s, n);
		return 0;
	case KF__K_FLOAT:
		if (kf__is_special(s, n))
			return kf__jstr(b, s, n), 0;
		if (kf__float_text(s, n))
			return -1;
		kf_strbuf_append(b, s, n);
		return 0;
	case KF__K_BYTES:
	case KF__K_BITS:
		return kf__bytea(b, s, n);
	case KF__K_DECIMAL:
	case KF__K_VSDECIMAL:
		if (kf__is_special(s, n))
			return kf_strbuf_printf(b, "null"), 1;
		if (c->kind == KF__K_DECIMAL)
			return kf__decimal(b, s, n, &scale);
		kf_strbuf_printf(b, "{\"scale\":");
		/* the scale is known after the digits: render into a copy */
		{
			kf_strbuf_t tmp;
			int r;

			kf_strbuf_heap(&tmp, 64);
			r = kf__decimal(&tmp, s, n, &scale);
			kf_strbuf_printf(b, "%d,\"value\":%s}", scale,
					 tmp.p ? tmp.p : "");
			r = r ? r : tmp.failed ? -1 : 0;
			free(tmp.p);
			return r;
		}
	case KF__K_DATE:
	case KF__K_TS_MS:
	case KF__K_TS_US:
	case KF__K_TSTZ:
		if (kf__is_special(s, n))
			return kf_strbuf_printf(b, "null"), 1;
		if (kf__temporal(c->kind, s, n, &v))
			return -1;
		if (c->kind == KF__K_TSTZ)
			kf__zoned(b, v, c->scale);
		else
			kf_strbuf_printf(
				b, "%" PRId64,
				c->kind == KF__K_TS_MS
					? (v - (((v % 1000) + 1000) % 1000)) /
						  1000
					: v);
		return 0;
	case KF__K_TIME_MS:
	case KF__K_TIME_US: {
		struct kf__txt x = {s, n, 0};

		if (kf__time(&x, &v) || x.at != n)
			return -1;
		kf_strbuf_printf(b, "%" PRId64,
				 c->kind == KF__K_TIME_MS ? v / 1000 : v);
		return 0;
	}
	case KF__K_DURATION:
		if (kf__duration(s, n, &v))
			return -1;
		kf_strbuf_printf(b, "%" PRId64, v);
		return 0;
	default:
		kf__jstr(b, s, n);
		return 0;
	}
}

/* The placeholder Debezium writes for an unchanged TOAST value. */
static void kf__unavailable(kf_strbuf_t *b, const struct kf__col *c)
{
	char b64[64];
	size_t n;

	if (c->kind != KF__K_BYTES) {
		kf__jcstr(b, KF__UNAVAILABLE);
		return;
	}
	n = kf_base64_encode(KF__UNAVAILABLE, sizeof(KF__UNAVAILABLE) - 1, b64);
	kf__jstr(b, b64, n);
}

/* A value the row does not carry (a delete's key-only old row) or that
 * has no Connect value (NaN, infinity): null, but a required field cannot
 * be null (JsonConverter refuses the whole record), so there it is the
 * type's zero, as Debezium writes it. */
static void kf__absent(kf_strbuf_t *b, const struct kf__col *c)
{
	if (!c->required) {
		kf_strbuf_printf(b, "null");
		return;
	}
	switch (c->kind) {
	case KF__K_BOOL:
		kf_strbuf_printf(b, "false");
		return;
	case KF__K_DECIMAL:
		kf_strbuf_printf(b, "\"AA==\"");
		return;
	case KF__K_VSDECIMAL:
		kf_strbuf_printf(b, "{\"scale\":0,\"value\":\"AA==\"}");
		return;
	case KF__K_TSTZ:
		kf_strbuf_printf(b, "\"1970-01-01T00:00:00Z\"");
		return;
	case KF__K_BYTES:
	case KF__K_STRING:
	case KF__K_ENUM:
	case KF__K_SET:
	case KF__K_BITS:
		kf_strbuf_printf(b, "\"\"");
		return;
	default: /* numbers, dates, times: 0 */
		kf_strbuf_printf(b, "0");
	}
}

static int kf__bad_value(const kf_cap_table_t *t, const struct kf__col *c,
			 const kf_pgo_value_t *v, char *errstr,
			 size_t errstr_size)
{
	return kf_seterr(errstr, errstr_size, KF_EPROTO,
			 "table %s, column %s: the value \"%.*s\" is not a "
			 "valid text of its type",
			 t->qname, c->name, v->len > 64 ? 64 : (int)v->len,
			 v->data ? v->data : "");
}

/* One row struct: {"col":value,...}; alt (may be NULL) fills 'u'. */
static int kf__row(kf_strbuf_t *b, const kf_cap_table_t *t,
		   const kf_pgo_value_t *row, int nvals,
		   const kf_pgo_value_t *alt, int nalt, int *nulled,
		   char *errstr, size_t errstr_size)
{
	size_t mark;
	int i, r;

	if (nvals != t->ncols)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "table %s: a row of %d values for %d "
				 "columns (a Relation message missing?)",
				 t->qname, nvals, t->ncols);
	kf_strbuf_putc(b, '{');
	for (i = 0; i < t->ncols; i++) {
		const kf_pgo_value_t *v = &row[i];

		if (v->kind == 'u' && alt && i < nalt && alt[i].kind != 'u')
			v = &alt[i];
		if (i)
			kf_strbuf_putc(b, ',');
		kf__jcstr(b, t->cols[i].name);
		kf_strbuf_putc(b, ':');
		if (v->kind == 'n') {
			kf__absent(b, &t->cols[i]);
			continue;
		}
		if (v->kind == 'u') {
			kf__unavailable(b, &t->cols[i]);
			continue;
		}
		mark = b->len;
		r = kf__value(b, &t->cols[i], v->data, v->len);
		if (r < 0)
			return kf__bad_value(t, &t->cols[i], v, errstr,
					     errstr_size);
		if (r && t->cols[i].required && !b->failed) {
			b->len = mark; /* its "null" */
			b->p[mark] = '\0';
			kf__absent(b, &t->cols[i]);
		}
		*nulled += r;
	}
	kf_strbuf_putc(b, '}');
	return 0;
}

int kf_cap_event_key(const kf_cap_table_t *t, const kf_pgo_value_t *row,
		     int nvals, kf_strbuf_t *out, char *errstr,
		     size_t errstr_size)
{
	int i, r;

	kf_strbuf_printf(out, "%s{", t->key_prefix);
	for (i = 0; i < t->nkey; i++) {
		const struct kf__col *c = &t->cols[t->key[i]];
		const kf_pgo_value_t *v =
			t->key[i] < nvals ? &row[t->key[i]] : NULL;

		if (!v || v->kind != 't')
			return kf_seterr(errstr, errstr_size, KF_EPROTO,
					 "table %s: key column %s has no "
					 "value",
					 t->qname, c->name);
		if (i)
			kf_strbuf_putc(out, ',');
		kf__jcstr(out, c->name);
		kf_strbuf_putc(out, ':');
		r = kf__value(out, c, v->data, v->len);
		if (r)
			return kf__bad_value(t, c, v, errstr, errstr_size);
	}
	kf_strbuf_printf(out, "}}");
	return out->failed ? kf_seterr(errstr, errstr_size, KF_ENOMEM,
				       "out of memory")
			   : 0;
}

/* MariaDB's members after db (docs/cdc.md 10.4) */
static void kf__mdb_source(kf_strbuf_t *b, const kf_cap_table_t *t,
			   const kf_cap_source_t *s)
{
	kf_strbuf_printf(b,
			 ",\"sequence\":null,\"ts_us\":%" PRId64
			 ",\"ts_ns\":%" PRId64 ",\"table\":",
			 s->ts_us, s->ts_us * 1000);
	kf__jcstr(b, t->name);
	kf_strbuf_printf(b,
			 ",\"server_id\":%" PRIu32 ",\"gtid\":", s->server_id);
	if (s->gtid)
		kf__jcstr(b, s->gtid);
	else
		kf_strbuf_printf(b, "null");
	kf_strbuf_printf(b, ",\"file\":");
	kf__jcstr(b, s->file ? s->file : "");
	kf_strbuf_printf(b,
			 ",\"pos\":%" PRIu64 ",\"row\":%" PRId32
			 ",\"thread\":null,\"query\":null}",
			 s->pos, s->row);
}

static void kf__source(kf_strbuf_t *b, const kf_cap_table_t *t,
		       const kf_cap_source_t *s)
{
	char seq[64];

	kf_strbuf_printf(b,
			 "\"source\":{\"version\":\"" KF_CAP_DBZ_VERSION
			 "\",\"connector\":\"%s\",\"name\":",
			 t->mariadb ? "mariadb" : "postgresql");
	kf__jcstr(b, s->prefix);
	kf_strbuf_printf(b,
			 ",\"ts_ms\":%" PRId64 ",\"snapshot\":\"%s\",\"db\":",
			 s->ts_us / 1000, s->snapshot);
	kf__jcstr(b, s->db);
	if (t->mariadb) {
		kf__mdb_source(b, t, s);
		return;
	}
	if (s->last_commit_lsn)
		snprintf(seq, sizeof(seq), "[\"%" PRIu64 "\",\"%" PRIu64 "\"]",
			 s->last_commit_lsn, s->lsn);
	else
		snprintf(seq, sizeof(seq), "[null,\"%" PRIu64 "\"]", s->lsn);
	kf_strbuf_printf(b, ",\"sequence\":");
	kf__jcstr(b, seq);
	kf_strbuf_printf(
		b, ",\"ts_us\":%" PRId64 ",\"ts_ns\":%" PRId64 ",\"schema\":",
		s->ts_us, s->ts_us * 1000);
	kf__jcstr(b, t->schema);
	kf_strbuf_printf(b, ",\"table\":");
	kf__jcstr(b, t->name);
	if (s->txid >= 0)
		kf_strbuf_printf(b, ",\"txId\":%" PRId64, s->txid);
	else
		kf_strbuf_printf(b, ",\"txId\":null");
	kf_strbuf_printf(b, ",\"lsn\":%" PRIu64 ",\"xmin\":null}", s->lsn);
}

int kf_cap_event_value(const kf_cap_table_t *t, char op,
		       const kf_pgo_value_t *before, int nbefore,
		       const kf_pgo_value_t *after, int nafter,
		       const kf_cap_source_t *src, int64_t now_us,
		       kf_strbuf_t *out, int *nulled, char *errstr,
		       size_t errstr_size)
{
	int err;

	kf_strbuf_printf(out, "%s\"before\":", t->value_prefix);
	if (!before)
		kf_strbuf_printf(out, "null");
	else if ((err = kf__row(out, t, before, nbefore, NULL, 0, nulled,
				errstr, errstr_size)))
		return err;
	kf_strbuf_printf(out, ",\"after\":");
	if (!after)
		kf_strbuf_printf(out, "null");
	else if ((err = kf__row(out, t, after, nafter, before, nbefore, nulled,
				errstr, errstr_size)))
		return err;
	kf_strbuf_putc(out, ',');
	kf__source(out, t, src);
	kf_strbuf_printf(
		out,
		",\"transaction\":null,\"op\":\"%c\",\"ts_ms\":%" PRId64
		",\"ts_us\":%" PRId64 ",\"ts_ns\":%" PRId64 "}}",
		op, now_us / 1000, now_us, now_us * 1000);
	return out->failed ? kf_seterr(errstr, errstr_size, KF_ENOMEM,
				       "out of memory")
			   : 0;
}
