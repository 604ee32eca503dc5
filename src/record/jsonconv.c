/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Connect schemas into JSON Schema documents (jsonconv.h): the schema is
 * tokenized once and walked (its nesting bounded by the tokenizer's), each
 * member written as docs/schemas.md 10.3 lists it. Strings of the schema
 * (field names, logical names, parameters) are copied as the tokens they
 * are: valid JSON already.
 */
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/jsontok.h"
#include "record/jsonconv.h"

#define KF__WORD 16

struct kf__conv {
	const char *js;
	const kf_jtok_t *t;
	kf_strbuf_t *out;
	char *errstr;
	size_t errstr_size;
};

/* Connect's primitive types: the JSON type and the connect.type word. */
static const struct {
	const char *connect, *json, *word;
} kf__prims[] = {
	{"int8", "integer", "int8"},	   {"int16", "integer", "int16"},
	{"int32", "integer", "int32"},	   {"int64", "integer", "int64"},
	{"float", "number", "float32"},	   {"double", "number", "float64"},
	{"boolean", "boolean", "boolean"}, {"string", "string", "string"},
	{"bytes", "string", "bytes"},
};

static int kf__member(const struct kf__conv *c, int obj, const char *name)
{
	return kf_json_member(c->js, c->t, obj, name, strlen(name));
}

/* Token i's text as it stands in the schema. */
static void kf__raw(const struct kf__conv *c, int i)
{
	kf_strbuf_append(c->out, c->js + c->t[i].start,
			 c->t[i].end - c->t[i].start);
}

static int kf__schema(const struct kf__conv *c, int s);

/* A struct's properties and required list. */
static int kf__struct(const struct kf__conv *c, int s)
{
	const kf_jtok_t *t = c->t;
	int fields = kf__member(c, s, "fields"), name, opt;
	uint32_t i, f;
	size_t nreq = 0;

	if (fields < 0 || t[fields].type != KF_J_ARRAY)
		return kf_seterr(c->errstr, c->errstr_size, KF_EINVAL,
				 "a Connect struct without fields");
	kf_strbuf_printf(c->out, ",\"properties\":{");
	for (i = 0, f = (uint32_t)fields + 1; i < t[fields].size;
	     i++, f = t[f].next) {
		name = kf__member(c, (int)f, "field");
		if (name < 0 || t[name].type != KF_J_STRING)
			return kf_seterr(c->errstr, c->errstr_size, KF_EINVAL,
					 "field %u of a Connect struct has no "
					 "name",
					 i + 1);
		if (i)
			kf_strbuf_putc(c->out, ',');
		kf__raw(c, name);
		kf_strbuf_putc(c->out, ':');
		if (kf__schema(c, (int)f))
			return -1;
	}
	kf_strbuf_printf(c->out, "},\"required\":[");
	for (i = 0, f = (uint32_t)fields + 1; i < t[fields].size;
	     i++, f = t[f].next) {
		opt = kf__member(c, (int)f, "optional");
		if (opt >= 0 && t[opt].type == KF_J_TRUE)
			continue;
		if (nreq++)
			kf_strbuf_putc(c->out, ',');
		kf__raw(c, kf__member(c, (int)f, "field"));
	}
	/* closed: a registry's BACKWARD check then lets a later version add
	 * an optional field (in an open model old data might hold anything
	 * under the new name) */
	kf_strbuf_printf(c->out, "],\"additionalProperties\":false");
	return 0;
}

/* The type of schema s, without its optionality. */
static int kf__type(const struct kf__conv *c, int s, const char *type)
{
	int name = kf__member(c, s, "name");
	int version = kf__member(c, s, "version");
	int params = kf__member(c, s, "parameters");
	size_t i;

	for (i = 0; i < sizeof(kf__prims) / sizeof(kf__prims[0]); i++)
		if (!strcmp(type, kf__prims[i].connect))
			break;
	if (i < sizeof(kf__prims) / sizeof(kf__prims[0]))
		kf_strbuf_printf(c->out,
				 "{\"type\":\"%s\",\"connect.type\":\"%s\"",
				 kf__prims[i].json, kf__prims[i].word);
	else if (!strcmp(type, "struct"))
		kf_strbuf_printf(c->out, "{\"type\":\"object\"");
	else
		return kf_seterr(c->errstr, c->errstr_size, KF_EINVAL,
				 "a Connect %s, which JSON Schema rows do not "
				 "hold (docs/schemas.md 10.3)",
				 type);
	if (name >= 0 && c->t[name].type == KF_J_STRING) {
		kf_strbuf_printf(c->out, ",\"title\":");
		kf__raw(c, name);
		kf_strbuf_printf(c->out, ",\"connect.name\":");
		kf__raw(c, name);
	}
	if (version >= 0 && c->t[version].type == KF_J_NUMBER) {
		kf_strbuf_printf(c->out, ",\"connect.version\":");
		kf__raw(c, version);
	}
	if (params >= 0 && c->t[params].type == KF_J_OBJECT) {
		kf_strbuf_printf(c->out, ",\"connect.parameters\":");
		kf__raw(c, params);
	}
	if (!strcmp(type, "struct") && kf__struct(c, s))
		return -1;
	kf_strbuf_putc(c->out, '}');
	return 0;
}

/* Schema s; an optional one as oneOf null and its type. */
static int kf__schema(const struct kf__conv *c, int s)
{
	int type = kf__member(c, s, "type"), opt = kf__member(c, s, "optional");
	char word[KF__WORD];

	if (type < 0 || c->t[type].type != KF_J_STRING ||
	    kf_json_string(c->js, &c->t[type], word, sizeof(word)) < 0)
		return kf_seterr(c->errstr, c->errstr_size, KF_EINVAL,
				 "a Connect schema without a type");
	if (opt < 0 || c->t[opt].type != KF_J_TRUE)
		return kf__type(c, s, word);
	kf_strbuf_printf(c->out, "{\"oneOf\":[{\"type\":\"null\"},");
	if (kf__type(c, s, word))
		return -1;
	kf_strbuf_printf(c->out, "]}");
	return 0;
}

int kf_jsonconv_schema(const char *js, size_t len, kf_strbuf_t *out,
		       char *errstr, size_t errstr_size)
{
	size_t cap = len / 2 + 2, n;
	kf_jtok_t *t = malloc(cap * sizeof(*t));
	struct kf__conv c = {js, t, out, errstr, errstr_size};
	int rc;

	if (!t)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	if (kf_json_tokenize(js, len, t, cap, &n, errstr, errstr_size))
		rc = KF_EINVAL;
	else if (t[0].type != KF_J_OBJECT)
		rc = kf_seterr(errstr, errstr_size, KF_EINVAL,
			       "a Connect schema that is not an object");
	else if (kf__schema(&c, 0))
		rc = KF_EINVAL;
	else if (out->failed)
		rc = kf_seterr(errstr, errstr_size, KF_ENOMEM, "out of memory");
	else
		rc = 0;
	free(t);
	return rc;
}
