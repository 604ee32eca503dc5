/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Connect JSON events into Avro or JSON Schema (encoding.h). Per topic
 * and side the last schema seen is kept: its text (the envelope's
 * `{"schema":S,"payload":`), its converter (Avro) and its id, so that a
 * steady stream makes one memcmp per event before its payload is
 * converted (Avro) or copied behind the header (JSON Schema: the body is
 * the Connect JSON payload itself).
 */
#include "capture/encoding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/jsontok.h"
#include "record/avroconv.h"
#include "record/jsonconv.h"
#include "record/serial.h"

/* One topic's side. */
struct kf__side {
	char *topic;
	int key;
	char *prefix; /* {"schema":S,"payload": */
	size_t plen;
	kf_avroconv_t *conv;
	uint32_t id;
};

struct kf_cap_encoding_s {
	kf_registry_t *reg;
	int wire[2]; /* value, key: enum kf_rec_wire */
	int record_subjects;
	struct kf__side *sides;
	size_t nsides;
	kf_strbuf_t out;
};

kf_cap_encoding_t *kf_cap_encoding_new(kf_registry_t *reg, int key_wire,
				       int value_wire, int record_subjects)
{
	kf_cap_encoding_t *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->reg = reg;
	e->wire[0] = value_wire;
	e->wire[1] = key_wire;
	e->record_subjects = record_subjects;
	kf_strbuf_heap(&e->out, 1024);
	if (e->out.failed) {
		free(e);
		return NULL;
	}
	return e;
}

static void kf__side_clear(struct kf__side *s)
{
	free(s->prefix);
	kf_avroconv_free(s->conv);
	s->prefix = NULL;
	s->conv = NULL;
}

void kf_cap_encoding_free(kf_cap_encoding_t *e)
{
	size_t i;

	if (!e)
		return;
	for (i = 0; i < e->nsides; i++) {
		kf__side_clear(&e->sides[i]);
		free(e->sides[i].topic);
	}
	free(e->sides);
	free(e->out.p);
	free(e);
}

static struct kf__side *kf__side(kf_cap_encoding_t *e, const char *topic,
				 int key)
{
	struct kf__side *s;
	size_t i;

	for (i = 0; i < e->nsides; i++)
		if (e->sides[i].key == key && !strcmp(e->sides[i].topic, topic))
			return &e->sides[i];
	s = realloc(e->sides, (e->nsides + 1) * sizeof(*s));
	if (!s)
		return NULL;
	e->sides = s;
	s = &s[e->nsides];
	memset(s, 0, sizeof(*s));
	s->key = key;
	if (!(s->topic = strdup(topic)))
		return NULL;
	e->nsides++;
	return s;
}

/* The subject of a side whose schema document is doc (docs/schemas.md
 * 10.4): TOPIC-key or TOPIC-value, or the record's full name as
 * RecordNameStrategy names it: an Avro record's namespace and name, a
 * JSON Schema's title (the Connect schema's name, as jsonconv writes it). */
static int kf__subject(const kf_cap_encoding_t *e, const struct kf__side *s,
		       const char *doc, size_t len, char *out, size_t size,
		       char *errstr, size_t errstr_size)
{
	int json = e->wire[s->key] == KF_WIRE_JSON_SCHEMA, n, ns = -1, rc;
	kf_jtok_t *t;
	char name[256], space[256] = "";
	size_t ntok;

	if (!e->record_subjects) {
		snprintf(out, size, "%s-%s", s->topic,
			 s->key ? "key" : "value");
		return 0;
	}
	if (!(t = malloc((len + 1) * sizeof(*t))))
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	rc = kf_json_tokenize(doc, len, t, len + 1, &ntok, errstr, errstr_size)
		     ? KF_EINVAL
		     : 0;
	n = rc ? -1
	       : kf_json_member(doc, t, 0, json ? "title" : "name",
				json ? 5 : 4);
	if (!rc && !json)
		ns = kf_json_member(doc, t, 0, "namespace", 9);
	if (!rc && (n < 0 || t[n].type != KF_J_STRING ||
		    kf_json_string(doc, &t[n], name, sizeof(name)) < 1 ||
		    (ns >= 0 &&
		     (t[ns].type != KF_J_STRING ||
		      kf_json_string(doc, &t[ns], space, sizeof(space)) < 0))))
		rc = kf_seterr(errstr, errstr_size, KF_EINVAL,
			       "topic %s: the %s schema has no record name "
			       "(of 1 to 255 bytes) for "
			       "schema.registry.subject_strategy = record",
			       s->topic, s->key ? "key" : "value");
	if (!rc)
		snprintf(out, size, "%s%s%s", space, *space ? "." : "", name);
	free(t);
	return rc;
}

/* The side's schema from the envelope js: converted, registered, its
 * text kept. */
static int kf__learn(kf_cap_encoding_t *e, struct kf__side *s, const char *js,
		     size_t len, char *errstr, size_t errstr_size)
{
	kf_jtok_t *t = malloc((len + 1) * sizeof(*t));
	char subject[512];
	kf_strbuf_t doc;
	int json = e->wire[s->key] == KF_WIRE_JSON_SCHEMA;
	size_t ntok;
	int sc, pl, rc = KF_EINVAL;

	kf__side_clear(s);
	kf_strbuf_heap(&doc, 2048);
	if (!t) {
		rc = kf_seterr(errstr, errstr_size, KF_ENOMEM, "out of memory");
		goto out;
	}
	if (kf_json_tokenize(js, len, t, len + 1, &ntok, errstr, errstr_size))
		goto out;
	sc = kf_json_member(js, t, 0, "schema", 6);
	pl = kf_json_member(js, t, 0, "payload", 7);
	if (sc < 0 || pl < 0) {
		rc = kf_seterr(errstr, errstr_size, KF_EINVAL,
			       "topic %s: an event without schema and "
			       "payload",
			       s->topic);
		goto out;
	}
	if (json ? (rc = kf_jsonconv_schema(js + t[sc].start,
					    t[sc].end - t[sc].start, &doc,
					    errstr, errstr_size)) != 0
		 : !(s->conv = kf_avroconv_new(js + t[sc].start,
					       t[sc].end - t[sc].start, &doc,
					       errstr, errstr_size)))
		goto out;
	if ((rc = kf__subject(e, s, doc.p, doc.len, subject, sizeof(subject),
			      errstr, errstr_size)) ||
	    (rc = kf_registry_register(e->reg, subject, json ? "JSON" : NULL,
				       doc.p, &s->id, errstr, errstr_size)))
		goto out;
	s->plen = t[pl].start;
	if (!(s->prefix = malloc(s->plen)))
		rc = kf_seterr(errstr, errstr_size, KF_ENOMEM, "out of memory");
	else
		memcpy(s->prefix, js, s->plen);
out:
	if (rc)
		kf__side_clear(s);
	free(doc.p);
	free(t);
	return rc;
}

/* One side of an event, rewritten in place. */
static int kf__apply(kf_cap_encoding_t *e, const char *topic, int key,
		     kf_strbuf_t *b, char *errstr, size_t errstr_size)
{
	struct kf__side *s = kf__side(e, topic, key);
	char hdr[5] = {0};
	int rc;

	if (!s)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	if ((!s->prefix || b->len <= s->plen ||
	     memcmp(b->p, s->prefix, s->plen) || b->p[b->len - 1] != '}') &&
	    (rc = kf__learn(e, s, b->p, b->len, errstr, errstr_size)))
		return rc;
	hdr[1] = (char)(s->id >> 24);
	hdr[2] = (char)(s->id >> 16);
	hdr[3] = (char)(s->id >> 8);
	hdr[4] = (char)s->id;
	e->out.len = 0;
	e->out.failed = 0;
	kf_strbuf_append(&e->out, hdr, 5);
	/* the payload: between the prefix and the envelope's last brace */
	if (!s->conv)
		kf_strbuf_append(&e->out, b->p + s->plen, b->len - s->plen - 1);
	else if ((rc = kf_avroconv_payload(s->conv, b->p + s->plen,
					   b->len - s->plen - 1, &e->out,
					   errstr, errstr_size)))
		return rc;
	b->len = 0;
	b->failed = 0;
	kf_strbuf_append(b, e->out.p, e->out.len);
	return b->failed ? kf_seterr(errstr, errstr_size, KF_ENOMEM,
				     "out of memory")
			 : 0;
}

int kf_cap_encoding_apply(kf_cap_encoding_t *e, const char *topic,
			  kf_strbuf_t *key, kf_strbuf_t *value, char *errstr,
			  size_t errstr_size)
{
	int rc = 0;

	if (key && e->wire[1])
		rc = kf__apply(e, topic, 1, key, errstr, errstr_size);
	if (!rc && e->wire[0])
		rc = kf__apply(e, topic, 0, value, errstr, errstr_size);
	return rc;
}
