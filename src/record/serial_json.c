/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kafka Connect's JsonConverter (schemas.enable=true), byte for byte as
 * docs/records.md 1.1-1.6 describe it: an envelope of the schema JSON,
 * rendered once per serializer, and the payload of one row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/err.h"
#include "record/serial.h"

/* Where a member's `"name":` (after a comma but for the first) is in
 * kf__cj.names. */
struct kf__pfx {
	size_t at, len;
};

struct kf__cj {
	kf_serializer_t z;    /* first: the ops see a kf_serializer_t */
	int numeric;	      /* decimals as JSON numbers */
	int wire;	      /* JSON Schema: a wire header, the bare payload */
	kf_strbuf_t val_head; /* {"schema":...,"payload":{ */
	kf_strbuf_t key_head; /* the same for the key; p NULL: no key */
	int *vcols;	      /* the emitted columns, in schema order */
	size_t nv;
	/* the payload's member names, rendered once: one append of each
	 * per row rather than four (this runs for every field of a load) */
	kf_strbuf_t names;
	struct kf__pfx *vpfx, *kpfx; /* by index into vcols, key */
};

/* A JSON string as Jackson writes it: `"` `\` and the controls below
 * U+0020 escaped (short forms where JSON has them, else \u00XX in upper
 * case hex), every other byte as it is (the text is UTF-8 already). */
static void kf__str(kf_strbuf_t *b, const char *p, size_t len)
{
	static const char shortesc[] = {['\b'] = 'b',
					['\t'] = 't',
					['\n'] = 'n',
					['\f'] = 'f',
					['\r'] = 'r'};
	size_t i, run = 0;

	kf_strbuf_putc(b, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		kf_strbuf_append(b, p + run, i - run);
		run = i + 1;
		if (c == '"' || c == '\\')
			kf_strbuf_printf(b, "\\%c", c);
		else if (c < sizeof(shortesc) && shortesc[c])
			kf_strbuf_printf(b, "\\%c", shortesc[c]);
		else
			kf_strbuf_printf(b, "\\u%04X", c);
	}
	kf_strbuf_append(b, p + run, len - run);
	kf_strbuf_putc(b, '"');
}

/* Base64 as Jackson writes it (common/base64.h), through a stack buffer
 * of a multiple of 3 bytes, so that only the last piece pads. */
static void kf__b64(kf_strbuf_t *b, const void *ptr, size_t len)
{
	const unsigned char *p = ptr;
	char out[KF_BASE64_LEN(768)];
	size_t n;

	kf_strbuf_putc(b, '"');
	for (; len; p += n, len -= n) {
		n = len < 768 ? len : 768;
		kf_strbuf_append(b, out, kf_base64_encode(p, n, out));
	}
	kf_strbuf_putc(b, '"');
}

/* The shortest text that reads back as the same float or double
 * (docs/records.md 1.2); written without an exponent while %.9g / %.17g
 * would be (10000000, not 1e+07). */
static void kf__float(kf_strbuf_t *b, double f, int single)
{
	int maxp = single ? 9 : 17, prec, exp10;
	char buf[320], *e; /* %g of a double never needs more */

	for (prec = 1; prec < maxp; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, f);
		if (single ? (float)strtod(buf, NULL) == (float)f
			   : strtod(buf, NULL) == f)
			break;
	}
	snprintf(buf, sizeof(buf), "%.*e", prec - 1, f);
	e = strchr(buf, 'e');
	exp10 = e ? atoi(e + 1) : 0;
	if (exp10 + 1 > prec && exp10 + 1 <= maxp)
		prec = exp10 + 1; /* more digits: %g then writes no exponent */
	kf_strbuf_printf(b, "%.*g", prec, f);
}

static void kf__payload(const struct kf__cj *cj, const kf_column_t *c,
			const kf_value_t *v, kf_strbuf_t *b)
{
	uint8_t bytes[16];
	char dec[48];

	if (v->null) {
		kf_strbuf_append(b, "null", 4);
		return;
	}
	switch (c->type) {
	case KF_T_BOOLEAN:
		kf_strbuf_append(b, v->u.b ? "true" : "false", v->u.b ? 4 : 5);
		break;
	case KF_T_FLOAT32:
	case KF_T_FLOAT64:
		kf__float(b, v->u.f, c->type == KF_T_FLOAT32);
		break;
	case KF_T_DECIMAL:
		if (cj->numeric) {
			kf_strbuf_append(
				b, dec, kf_dec_format(v->u.dec, c->scale, dec));
			break;
		}
		kf__b64(b, bytes, kf_dec_bytes(v->u.dec, bytes));
		break;
	case KF_T_TEXT:
	case KF_T_JSON:
		kf__str(b, v->u.s.ptr, v->u.s.len);
		break;
	case KF_T_BYTES:
		kf__b64(b, v->u.s.ptr, v->u.s.len);
		break;
	default: /* the integers, date, time, timestamp */
		kf_strbuf_put_i64(b, v->u.i);
	}
}

/* The Connect type and logical name of a column (docs/records.md 1.2). */
static const char *kf__ctype(enum kf_type t, const char **logical)
{
	*logical = NULL;
	switch (t) {
	case KF_T_BOOLEAN:
		return "boolean";
	case KF_T_INT8:
		return "int8";
	case KF_T_INT16:
		return "int16";
	case KF_T_INT32:
		return "int32";
	case KF_T_INT64:
		return "int64";
	case KF_T_FLOAT32:
		return "float";
	case KF_T_FLOAT64:
		return "double";
	case KF_T_DECIMAL:
		*logical = "org.apache.kafka.connect.data.Decimal";
		return "bytes";
	case KF_T_DATE:
		*logical = "org.apache.kafka.connect.data.Date";
		return "int32";
	case KF_T_TIME:
		*logical = "org.apache.kafka.connect.data.Time";
		return "int32";
	case KF_T_TIMESTAMP:
		*logical = "org.apache.kafka.connect.data.Timestamp";
		return "int64";
	case KF_T_BYTES:
		return "bytes";
	default: /* text, json */
		return "string";
	}
}

/* A field's schema: type, optional, name, version, doc, parameters, and
 * field last (JsonConverter.asJsonSchema's order). */
static void kf__field_schema(const kf_column_t *c, kf_strbuf_t *b)
{
	const char *logical;
	const char *type = kf__ctype(c->type, &logical);

	kf_strbuf_printf(b, "{\"type\":\"%s\",\"optional\":%s", type,
			 c->required ? "false" : "true");
	if (logical)
		kf_strbuf_printf(b, ",\"name\":\"%s\",\"version\":1", logical);
	if (c->doc) {
		kf_strbuf_printf(b, ",\"doc\":");
		kf__str(b, c->doc, strlen(c->doc));
	}
	if (c->type == KF_T_DECIMAL)
		kf_strbuf_printf(b,
				 ",\"parameters\":{\"scale\":\"%d\","
				 "\"connect.decimal.precision\":\"%d\"}",
				 c->scale, c->precision);
	kf_strbuf_printf(b, ",\"field\":\"%s\"}", c->name);
}

/* {"schema":{"type":"struct",...},"payload":{ of the columns cols[0..n)
 * (indexes into s->cols), named name + suffix. */
static void kf__head(const kf_schema_t *s, const int *cols, size_t n,
		     const char *suffix, kf_strbuf_t *b)
{
	size_t i;

	kf_strbuf_printf(b, "{\"schema\":{\"type\":\"struct\",\"fields\":[");
	for (i = 0; i < n; i++) {
		if (i)
			kf_strbuf_putc(b, ',');
		kf__field_schema(&s->cols[cols[i]], b);
	}
	kf_strbuf_printf(b, "],\"optional\":false");
	if (s->name) /* letters, digits, '_' and '.': nothing to escape */
		kf_strbuf_printf(b, ",\"name\":\"%s%s\"", s->name, suffix);
	if (s->schema_version)
		kf_strbuf_printf(b, ",\"version\":%d", s->schema_version);
	kf_strbuf_printf(b, "},\"payload\":{");
}

/* The member names of the columns cols[0..n) into cj->names, their
 * places in pfx (n of them: the caller's). */
static void kf__names(struct kf__cj *cj, const int *cols, size_t n,
		      struct kf__pfx *pfx)
{
	const char *name;
	size_t i;

	for (i = 0; i < n; i++) {
		name = cj->z.schema->cols[cols[i]].name;
		pfx[i].at = cj->names.len;
		if (i)
			kf_strbuf_putc(&cj->names, ',');
		kf_strbuf_putc(&cj->names, '"');
		kf_strbuf_append(&cj->names, name, strlen(name));
		kf_strbuf_append(&cj->names, "\":", 2);
		pfx[i].len = cj->names.len - pfx[i].at;
	}
}

/* The head, then "name":value of each column, then the closing braces. */
static int kf__envelope(const struct kf__cj *cj, const kf_strbuf_t *head,
			const int *cols, const struct kf__pfx *pfx, size_t n,
			const kf_value_t *vals, kf_strbuf_t *out)
{
	const kf_schema_t *s = cj->z.schema;
	size_t i;

	kf_strbuf_append(out, head->p, head->len);
	for (i = 0; i < n; i++) {
		kf_strbuf_append(out, cj->names.p + pfx[i].at, pfx[i].len);
		kf__payload(cj, &s->cols[cols[i]], &vals[cols[i]], out);
	}
	/* the payload's brace, and the envelope's */
	kf_strbuf_append(out, "}}", cj->wire ? 1 : 2);
	return out->failed ? -1 : 0;
}

int *kf_serial_emitted(const kf_schema_t *s, size_t *n)
{
	int *cols = malloc((s->ncols ? s->ncols : 1) * sizeof(*cols));
	size_t i;

	*n = 0;
	for (i = 0; cols && i < s->ncols; i++)
		if (s->cols[i].emit)
			cols[(*n)++] = (int)i;
	return cols;
}

static int kf__cj_key(kf_serializer_t *z, const kf_value_t *vals,
		      kf_strbuf_t *out)
{
	struct kf__cj *cj = (struct kf__cj *)z;

	if (!cj->key_head.p)
		return 1;
	return kf__envelope(cj, &cj->key_head, z->schema->key, cj->kpfx,
			    z->schema->nkey, vals, out);
}

static int kf__cj_value(kf_serializer_t *z, const kf_value_t *vals,
			kf_strbuf_t *out)
{
	struct kf__cj *cj = (struct kf__cj *)z;

	return kf__envelope(cj, &cj->val_head, cj->vcols, cj->vpfx, cj->nv,
			    vals, out);
}

static void kf__cj_destroy(kf_serializer_t *z)
{
	struct kf__cj *cj = (struct kf__cj *)z;

	free(cj->val_head.p);
	free(cj->key_head.p);
	free(cj->vcols);
	free(cj->names.p);
	free(cj->vpfx);
	free(cj->kpfx);
	free(cj);
}

static const kf_serializer_ops_t kf__cj_ops = {
	.name = "connect-json",
	.key = kf__cj_key,
	.value = kf__cj_value,
	.destroy = kf__cj_destroy,
};

/* The 5-byte header of the Confluent wire format, then the payload's
 * opening brace (docs/schemas.md 1.2, 4.2). */
static void kf__wire_head(kf_strbuf_t *b, uint32_t id)
{
	char h[6] = {0,
		     (char)(id >> 24),
		     (char)(id >> 16),
		     (char)(id >> 8),
		     (char)id,
		     '{'};

	kf_strbuf_append(b, h, sizeof(h));
}

/* Both serializers: ids NULL is Connect JSON, else JSON Schema in the
 * wire format under ids[0] (key) and ids[1] (value). */
static kf_serializer_t *kf__cj_new(const kf_schema_t *s, int decimal_numeric,
				   const uint32_t *ids, char *errstr,
				   size_t errstr_size)
{
	struct kf__cj *cj = calloc(1, sizeof(*cj));

	if (!cj || !(cj->vcols = kf_serial_emitted(s, &cj->nv)) ||
	    !(cj->vpfx = calloc(cj->nv + 1, sizeof(*cj->vpfx))) ||
	    !(cj->kpfx = calloc(s->nkey + 1, sizeof(*cj->kpfx))))
		goto out_nomem;
	cj->z.ops = &kf__cj_ops;
	cj->z.schema = s;
	cj->numeric = decimal_numeric;
	cj->wire = ids != NULL;
	kf_strbuf_heap(&cj->names, 256);
	kf__names(cj, cj->vcols, cj->nv, cj->vpfx);
	kf__names(cj, s->key, s->nkey, cj->kpfx);
	if (cj->names.failed)
		goto out_nomem;
	kf_strbuf_heap(&cj->val_head, 1024);
	if (ids)
		kf__wire_head(&cj->val_head, ids[1]);
	else
		kf__head(s, cj->vcols, cj->nv, "", &cj->val_head);
	if (cj->val_head.failed)
		goto out_nomem;
	if (s->nkey) {
		kf_strbuf_heap(&cj->key_head, 256);
		if (ids)
			kf__wire_head(&cj->key_head, ids[0]);
		else
			kf__head(s, s->key, s->nkey, ".Key", &cj->key_head);
		if (cj->key_head.failed)
			goto out_nomem;
	}
	return &cj->z;
out_nomem:
	if (cj)
		kf__cj_destroy(&cj->z);
	kf_seterr(errstr, errstr_size, KF_ENOMEM,
		  "%s serializer of schema %s: out of memory",
		  ids ? "json-schema" : "connect-json",
		  s->name ? s->name : "(unnamed)");
	return NULL;
}

kf_serializer_t *kf_serial_connect_json(const kf_schema_t *s,
					int decimal_numeric, char *errstr,
					size_t errstr_size)
{
	return kf__cj_new(s, decimal_numeric, NULL, errstr, errstr_size);
}

kf_serializer_t *kf_serial_json_schema(const kf_schema_t *s,
				       int decimal_numeric, uint32_t key_id,
				       uint32_t value_id, char *errstr,
				       size_t errstr_size)
{
	const uint32_t ids[2] = {key_id, value_id};

	return kf__cj_new(s, decimal_numeric, ids, errstr, errstr_size);
}

/* -------------------------------------------------------------------------
 * The JSON Schema documents (docs/schemas.md 4.2)
 */

/* Connect's annotations of a column (docs/schemas.md 4.2, rendering
 * version 2): its connect.type, and the logical type's title, version
 * and parameters, so that a reader knows the column type. */
static void kf__js_connect(const kf_column_t *c, kf_strbuf_t *b)
{
	static const char *const words[] = {
		[KF_T_BOOLEAN] = "boolean", [KF_T_INT8] = "int8",
		[KF_T_INT16] = "int16",	    [KF_T_INT32] = "int32",
		[KF_T_INT64] = "int64",	    [KF_T_FLOAT32] = "float32",
		[KF_T_FLOAT64] = "float64", [KF_T_DECIMAL] = "bytes",
		[KF_T_DATE] = "int32",	    [KF_T_TIME] = "int32",
		[KF_T_TIMESTAMP] = "int64", [KF_T_TEXT] = "string",
		[KF_T_BYTES] = "bytes",	    [KF_T_JSON] = "string",
	};
	const char *logical;

	kf_strbuf_printf(b, ",\"connect.type\":\"%s\"", words[c->type]);
	kf__ctype(c->type, &logical);
	if (logical)
		kf_strbuf_printf(b, ",\"title\":\"%s\",\"connect.version\":1",
				 logical);
	if (c->type == KF_T_DECIMAL)
		kf_strbuf_printf(b,
				 ",\"connect.parameters\":{\"scale\":\"%d\","
				 "\"connect.decimal.precision\":\"%d\"}",
				 c->scale, c->precision);
}

/* A column's JSON Schema type and its range or encoding, then Connect's
 * annotations. */
static void kf__js_type(const kf_column_t *c, int numeric, kf_strbuf_t *b)
{
	static const struct {
		enum kf_type t;
		const char *type;
		const char *more;
	} map[] = {
		{KF_T_BOOLEAN, "boolean", ""},
		{KF_T_INT8, "integer", ",\"minimum\":-128,\"maximum\":127"},
		{KF_T_INT16, "integer",
		 ",\"minimum\":-32768,\"maximum\":32767"},
		{KF_T_INT32, "integer",
		 ",\"minimum\":-2147483648,\"maximum\":2147483647"},
		{KF_T_INT64, "integer", ""},
		{KF_T_DATE, "integer", ""},
		{KF_T_TIME, "integer", ",\"minimum\":0,\"maximum\":86399999"},
		{KF_T_TIMESTAMP, "integer", ""},
		{KF_T_FLOAT32, "number", ""},
		{KF_T_FLOAT64, "number", ""},
		{KF_T_BYTES, "string", ",\"contentEncoding\":\"base64\""},
	};
	const char *type = "string", *more = "";
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].t == c->type) {
			type = map[i].type;
			more = map[i].more;
		}
	if (c->type == KF_T_DECIMAL && numeric)
		type = "number";
	else if (c->type == KF_T_DECIMAL)
		more = ",\"contentEncoding\":\"base64\"";
	if (c->required)
		kf_strbuf_printf(b, "\"type\":\"%s\"%s", type, more);
	else
		kf_strbuf_printf(b, "\"type\":[\"%s\",\"null\"]%s", type, more);
	kf__js_connect(c, b);
}

/* The object schema of the columns cols[0..n), titled name + suffix. */
static void kf__js_doc(const kf_schema_t *s, const int *cols, size_t n,
		       const char *suffix, int numeric, kf_strbuf_t *b)
{
	size_t i, nreq = 0;

	kf_strbuf_printf(b,
			 "{\"$schema\":\"http://json-schema.org/draft-07/"
			 "schema#\",\"title\":\"%s%s\",\"type\":\"object\","
			 "\"properties\":{",
			 s->name ? s->name : "kferry.record", suffix);
	for (i = 0; i < n; i++) {
		const kf_column_t *c = &s->cols[cols[i]];

		kf_strbuf_printf(b, "%s\"%s\":{", i ? "," : "", c->name);
		kf__js_type(c, numeric, b);
		if (c->doc) {
			kf_strbuf_printf(b, ",\"description\":");
			kf__str(b, c->doc, strlen(c->doc));
		}
		kf_strbuf_putc(b, '}');
	}
	kf_strbuf_printf(b, "},\"required\":[");
	for (i = 0; i < n; i++)
		if (s->cols[cols[i]].required)
			kf_strbuf_printf(b, "%s\"%s\"", nreq++ ? "," : "",
					 s->cols[cols[i]].name);
	kf_strbuf_printf(b, "],\"additionalProperties\":false}");
}

int kf_serial_json_schemas(const kf_schema_t *s, int decimal_numeric,
			   kf_strbuf_t *value, kf_strbuf_t *key)
{
	size_t nv;
	int *vcols = kf_serial_emitted(s, &nv);

	if (!vcols)
		return -1;
	kf__js_doc(s, vcols, nv, "", decimal_numeric, value);
	free(vcols);
	if (s->nkey)
		kf__js_doc(s, s->key, s->nkey, ".Key", decimal_numeric, key);
	return value->failed || key->failed ? -1 : 0;
}
