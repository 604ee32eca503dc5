/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Schema Registry client (client.h) on one libcurl easy handle, kept
 * for its connection, behind one mutex. Answers are JSON read with
 * common/jsontok, capped at KF__MAX_ANSWER bytes.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/json.h"
#include "common/jsontok.h"
#include "common/strbuf.h"
#include "registry/client.h"

#define KF__MAX_ANSWER (1u << 20)
#define KF__MAX_TOKENS 4096

/* Confluent's error codes that 3.2 tells apart. */
#define KF__NO_SUBJECT 40401
#define KF__NO_SCHEMA 40403

struct kf__subject_id { /* the producer's cache */
	char *subject, *schema;
	uint32_t id;
};

struct kf__id_schema { /* the consumer's cache */
	uint32_t id;
	kf_avro_rec_t *rec;    /* an Avro schema */
	kf_jsonschema_t *json; /* a JSON Schema; both NULL: refused */
	char *refused;	       /* a schema kferry does not read: its error */
};

struct kf_registry_s {
	pthread_mutex_t lock;
	CURL *curl;
	char *url, *level;
	int client_cert; /* a client certificate is configured */
	struct kf__subject_id *ids;
	size_t nids;
	struct kf__id_schema *schemas;
	size_t nschemas;
	/* the last answer */
	kf_strbuf_t body;
	long status;
	kf_jtok_t toks[KF__MAX_TOKENS];
	size_t ntok;
};

/* One request's outcome, for the messages. */
struct kf__req {
	const char *method, *path, *what; /* what: "subject S" or "id N" */
	char *errstr;
	size_t errstr_size;
};

static const char *const kf__levels[] = {
	"NONE",		  "BACKWARD",		"BACKWARD_TRANSITIVE",
	"FORWARD",	  "FORWARD_TRANSITIVE", "FULL",
	"FULL_TRANSITIVE"};

static int kf__level_ok(const char *level)
{
	size_t i;

	for (i = 0; i < sizeof(kf__levels) / sizeof(kf__levels[0]); i++)
		if (!strcmp(level, kf__levels[i]))
			return 1;
	return 0;
}

static size_t kf__on_body(char *p, size_t size, size_t n, void *opaque)
{
	kf_strbuf_t *b = opaque;

	if (b->len + size * n > KF__MAX_ANSWER)
		return 0; /* libcurl fails the transfer: CURLE_WRITE_ERROR */
	kf_strbuf_append(b, p, size * n);
	return b->failed ? 0 : size * n;
}

kf_registry_t *kf_registry_new(const kf_registry_opts_t *o, char *errstr,
			       size_t errstr_size)
{
	const char *level = o->compatibility ? o->compatibility : "BACKWARD";
	kf_registry_t *r = NULL;
	size_t n;

	if (!o->url ||
	    (strncmp(o->url, "http://", 7) && strncmp(o->url, "https://", 8))) {
		kf_seterr(errstr, errstr_size, KF_EINVAL,
			  "schema.registry.url: '%s' is not an http:// or "
			  "https:// URL",
			  o->url ? o->url : "");
		return NULL;
	}
	if (!kf__level_ok(level)) {
		kf_seterr(errstr, errstr_size, KF_EINVAL,
			  "schema.registry.compatibility: '%s' is not NONE, "
			  "BACKWARD, FORWARD, FULL (or one of them with "
			  "_TRANSITIVE)",
			  level);
		return NULL;
	}
	if (!o->cert_location != !o->key_location) {
		kf_seterr(errstr, errstr_size, KF_EINVAL,
			  "schema.registry.%s is set without "
			  "schema.registry.%s: a client certificate needs both",
			  o->cert_location ? "certificate_location"
					   : "key_location",
			  o->cert_location ? "key_location"
					   : "certificate_location");
		return NULL;
	}
	/* thread-safe and counted since libcurl 7.84: one per client */
	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		goto nomem;
	if (!(r = calloc(1, sizeof(*r)))) {
		curl_global_cleanup();
		goto nomem;
	}
	pthread_mutex_init(&r->lock, NULL);
	kf_strbuf_heap(&r->body, 4096);
	r->url = strdup(o->url);
	r->level = strdup(level);
	if (!r->url || !r->level || r->body.failed ||
	    !(r->curl = curl_easy_init()))
		goto nomem;
	n = strlen(r->url);
	while (n && r->url[n - 1] == '/')
		r->url[--n] = '\0';
	curl_easy_setopt(r->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(r->curl, CURLOPT_TIMEOUT_MS,
			 o->timeout_ms > 0 ? o->timeout_ms : 10000L);
	curl_easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, kf__on_body);
	curl_easy_setopt(r->curl, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(r->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (o->ca_location)
		curl_easy_setopt(r->curl, CURLOPT_CAINFO, o->ca_location);
	if (o->cert_location) {
		r->client_cert = 1;
		curl_easy_setopt(r->curl, CURLOPT_SSLCERT, o->cert_location);
		curl_easy_setopt(r->curl, CURLOPT_SSLKEY, o->key_location);
		if (o->key_password)
			curl_easy_setopt(r->curl, CURLOPT_KEYPASSWD,
					 o->key_password);
	}
	if (o->username) {
		curl_easy_setopt(r->curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(r->curl, CURLOPT_USERNAME, o->username);
		curl_easy_setopt(r->curl, CURLOPT_PASSWORD,
				 o->password ? o->password : "");
	}
	return r;
nomem:
	kf_registry_destroy(r);
	kf_seterr(errstr, errstr_size, KF_ENOMEM,
		  "schema registry client: out of memory");
	return NULL;
}

void kf_registry_destroy(kf_registry_t *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nids; i++) {
		free(r->ids[i].subject);
		free(r->ids[i].schema);
	}
	for (i = 0; i < r->nschemas; i++) {
		kf_avro_rec_free(r->schemas[i].rec);
		kf_jsonschema_free(r->schemas[i].json);
		free(r->schemas[i].refused);
	}
	free(r->ids);
	free(r->schemas);
	if (r->curl)
		curl_easy_cleanup(r->curl);
	free(r->body.p);
	free(r->url);
	free(r->level);
	pthread_mutex_destroy(&r->lock);
	free(r);
	curl_global_cleanup();
}

/* -------------------------------------------------------------------------
 * Requests
 */

/* A member of the answer's top object: its token, or -1. */
static int kf__member(const kf_registry_t *r, const char *name)
{
	if (!r->ntok || r->toks[0].type != KF_J_OBJECT)
		return -1;
	return kf_json_member(r->body.p, r->toks, 0, name, strlen(name));
}

static int kf__member_str(const kf_registry_t *r, const char *name, char *buf,
			  size_t cap)
{
	int i = kf__member(r, name);

	if (i < 0 || r->toks[i].type != KF_J_STRING ||
	    kf_json_string(r->body.p, &r->toks[i], buf, cap) < 0)
		return -1;
	return 0;
}

static int64_t kf__member_int(const kf_registry_t *r, const char *name)
{
	int64_t v;
	int i = kf__member(r, name);

	if (i < 0 || r->toks[i].type != KF_J_NUMBER ||
	    kf_json_int64(r->body.p, &r->toks[i], &v))
		return -1;
	return v;
}

/* The registry's refusal as a message. */
static int kf__refused(kf_registry_t *r, const struct kf__req *q)
{
	char msg[512];

	if (kf__member_str(r, "message", msg, sizeof(msg)))
		snprintf(msg, sizeof(msg), "%.200s",
			 r->body.len ? r->body.p : "(no body)");
	return kf_seterr(q->errstr, q->errstr_size,
			 r->status >= 500 ? KF_EIO : KF_EINVAL,
			 "schema registry %s: %s: %s %s: HTTP %ld: %s", r->url,
			 q->what, q->method, q->path, r->status, msg);
}

/* What to check when a request could not be made: a TLS server that
 * requires a client certificate ends the connection without one, which
 * with TLS 1.3 the client sees only at its first write or read after the
 * handshake (a send or receive error, not a TLS one). */
static const char *kf__unreached_hint(const kf_registry_t *r, CURLcode cc)
{
	int tls = !strncmp(r->url, "https:", 6);

	if (tls && !r->client_cert &&
	    (cc == CURLE_SEND_ERROR || cc == CURLE_RECV_ERROR ||
	     cc == CURLE_SSL_CONNECT_ERROR || cc == CURLE_GOT_NOTHING))
		return "the registry closed the TLS connection: if it "
		       "requires a client certificate, set "
		       "schema.registry.certificate_location and "
		       "schema.registry.key_location";
	return "is the registry up and schema.registry.url right?";
}

/* Sends one request (body NULL: none); the answer's status, body and
 * tokens stay in r. 0 when the registry answered (any status), KF_EIO
 * when it could not be reached or answered something else than JSON. */
static int kf__request(kf_registry_t *r, const struct kf__req *q,
		       const char *body)
{
	struct curl_slist *h = NULL;
	char url[2048], err[CURL_ERROR_SIZE] = "";
	CURLcode cc;
	int rc = 0;

	if ((size_t)snprintf(url, sizeof(url), "%s%s", r->url, q->path) >=
	    sizeof(url))
		return kf_seterr(q->errstr, q->errstr_size, KF_EINVAL,
				 "schema registry %s: %s: URL too long", r->url,
				 q->what);
	r->body.len = 0;
	r->body.failed = 0;
	r->ntok = 0;
	h = curl_slist_append(h, "Accept: application/vnd.schemaregistry."
				 "v1+json, application/json");
	if (body)
		h = curl_slist_append(h, "Content-Type: application/"
					 "vnd.schemaregistry.v1+json");
	curl_easy_setopt(r->curl, CURLOPT_URL, url);
	curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(r->curl, CURLOPT_CUSTOMREQUEST, q->method);
	curl_easy_setopt(r->curl, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(r->curl, CURLOPT_HTTPGET, body ? 0L : 1L);
	if (body)
		curl_easy_setopt(r->curl, CURLOPT_POSTFIELDS, body);
	cc = curl_easy_perform(r->curl);
	curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(h);
	if (cc != CURLE_OK)
		return kf_seterr(q->errstr, q->errstr_size, KF_EIO,
				 "schema registry %s: %s: %s %s: %s (%s)",
				 r->url, q->what, q->method, q->path,
				 err[0] ? err : curl_easy_strerror(cc),
				 kf__unreached_hint(r, cc));
	curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &r->status);
	kf_strbuf_putc(&r->body, '\0'); /* a NUL for the messages */
	r->body.len--;
	if (r->body.len &&
	    kf_json_tokenize(r->body.p, r->body.len, r->toks, KF__MAX_TOKENS,
			     &r->ntok, err, sizeof(err)))
		rc = kf_seterr(q->errstr, q->errstr_size, KF_EIO,
			       "schema registry %s: %s: %s %s: HTTP %ld and "
			       "an answer that is not JSON (%s): is "
			       "schema.registry.url the API's base?",
			       r->url, q->what, q->method, q->path, r->status,
			       err);
	return rc;
}

/* {"schemaType":TYPE,"schema":"<escaped schema>"}, without schemaType
 * for Avro (type NULL) (the caller frees). */
static char *kf__schema_body(const char *type, const char *schema)
{
	size_t cap = strlen(schema) * 6 + 1;
	char *esc = malloc(cap), *body = NULL;

	if (esc) {
		kf_json_escape(esc, cap, schema);
		if ((body = malloc(strlen(esc) + 48)))
			sprintf(body, "{%s%s%s\"schema\":\"%s\"}",
				type ? "\"schemaType\":\"" : "",
				type ? type : "", type ? "\"," : "", esc);
	}
	free(esc);
	return body;
}

/* POST of a schema to path; 0 when answered. */
static int kf__post_schema(kf_registry_t *r, struct kf__req *q,
			   const char *type, const char *schema)
{
	char *body = kf__schema_body(type, schema);
	int rc;

	if (!body)
		return kf_seterr(q->errstr, q->errstr_size, KF_ENOMEM,
				 "out of memory");
	rc = kf__request(r, q, body);
	free(body);
	return rc;
}

/* The "id" of a 200 answer. */
static int kf__id_of(kf_registry_t *r, const struct kf__req *q, uint32_t *id)
{
	int64_t v;

	if (r->status != 200)
		return kf__refused(r, q);
	v = kf__member_int(r, "id");
	if (v < 0 || v > UINT32_MAX)
		return kf_seterr(q->errstr, q->errstr_size, KF_EIO,
				 "schema registry %s: %s: %s %s: an answer "
				 "without an id",
				 r->url, q->what, q->method, q->path);
	*id = (uint32_t)v;
	return 0;
}

/* -------------------------------------------------------------------------
 * Levels and checks (the lock held)
 */

static int kf__get_level(kf_registry_t *r, const char *subject, char *level,
			 size_t size, char *errstr, size_t errstr_size)
{
	char path[512], what[300];
	struct kf__req q = {"GET", path, what, errstr, errstr_size};
	int rc;

	snprintf(path, sizeof(path), "/config/%s", subject);
	snprintf(what, sizeof(what), "subject %s", subject);
	if ((rc = kf__request(r, &q, NULL)))
		return rc;
	if (r->status != 200)
		return kf__refused(r, &q);
	/* Confluent answers compatibilityLevel, some versions compatibility */
	if (kf__member_str(r, "compatibilityLevel", level, size) &&
	    kf__member_str(r, "compatibility", level, size))
		return kf_seterr(errstr, errstr_size, KF_EIO,
				 "schema registry %s: %s: GET %s: no level "
				 "in the answer",
				 r->url, what, path);
	return 0;
}

static int kf__set_level(kf_registry_t *r, const char *subject,
			 const char *level, char *errstr, size_t errstr_size)
{
	char path[512], what[300], body[64];
	struct kf__req q = {"PUT", path, what, errstr, errstr_size};
	int rc;

	if (!kf__level_ok(level))
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "compatibility level '%s' is not known",
				 level);
	snprintf(path, sizeof(path), "/config/%s", subject);
	snprintf(what, sizeof(what), "subject %s", subject);
	snprintf(body, sizeof(body), "{\"compatibility\":\"%s\"}", level);
	if ((rc = kf__request(r, &q, body)))
		return rc;
	return r->status == 200 ? 0 : kf__refused(r, &q);
}

static int kf__check(kf_registry_t *r, const char *subject, const char *type,
		     const char *schema, int *compatible, char *errstr,
		     size_t errstr_size)
{
	char path[512], what[300];
	struct kf__req q = {"POST", path, what, errstr, errstr_size};
	int rc, i;

	snprintf(path, sizeof(path),
		 "/compatibility/subjects/%s/versions/latest", subject);
	snprintf(what, sizeof(what), "subject %s", subject);
	if ((rc = kf__post_schema(r, &q, type, schema)))
		return rc;
	if (r->status != 200)
		return kf__refused(r, &q);
	i = kf__member(r, "is_compatible");
	if (i < 0 ||
	    (r->toks[i].type != KF_J_TRUE && r->toks[i].type != KF_J_FALSE))
		return kf_seterr(errstr, errstr_size, KF_EIO,
				 "schema registry %s: %s: POST %s: no "
				 "is_compatible in the answer",
				 r->url, what, path);
	*compatible = r->toks[i].type == KF_J_TRUE;
	return 0;
}

/* GET of q's path answered with {"schema":TEXT,...}: TEXT unescaped into
 * *out (the caller frees). */
static int kf__get_schema(kf_registry_t *r, const struct kf__req *q, char **out)
{
	size_t cap;
	int rc, i;

	*out = NULL;
	if ((rc = kf__request(r, q, NULL)))
		return rc;
	if (r->status != 200)
		return kf__refused(r, q);
	i = kf__member(r, "schema");
	if (i < 0 || r->toks[i].type != KF_J_STRING)
		return kf_seterr(q->errstr, q->errstr_size, KF_EIO,
				 "schema registry %s: %s: GET %s: no schema "
				 "in the answer",
				 r->url, q->what, q->path);
	cap = r->toks[i].end - r->toks[i].start;
	if (!(*out = malloc(cap)) ||
	    kf_json_string(r->body.p, &r->toks[i], *out, cap) < 0) {
		free(*out);
		*out = NULL;
		return kf_seterr(q->errstr, q->errstr_size, KF_ENOMEM,
				 "out of memory");
	}
	return 0;
}

/* The subject's latest schema text (the caller frees). */
static int kf__latest(kf_registry_t *r, const char *subject, char **out,
		      char *errstr, size_t errstr_size)
{
	char path[512], what[300];
	struct kf__req q = {"GET", path, what, errstr, errstr_size};

	snprintf(path, sizeof(path), "/subjects/%s/versions/latest", subject);
	snprintf(what, sizeof(what), "subject %s", subject);
	return kf__get_schema(r, &q, out);
}

/* The refusal of an incompatible schema, explained (an Avro one) by
 * comparing it with the latest version under the subject's level
 * (docs/schemas.md 3.2). */
static int kf__incompatible(kf_registry_t *r, const char *subject,
			    const char *type, const char *schema, char *errstr,
			    size_t errstr_size)
{
	char level[32] = "BACKWARD", why[512] = "", ignored[256];
	kf_avro_rec_t *prev = NULL, *next = NULL;
	char *latest = NULL;

	if (!kf__get_level(r, subject, level, sizeof(level), ignored,
			   sizeof(ignored)) &&
	    !type && /* kferry explains Avro schemas only */
	    !kf__latest(r, subject, &latest, ignored, sizeof(ignored)) &&
	    (prev = kf_avro_rec_parse(latest, strlen(latest), ignored,
				      sizeof(ignored))) &&
	    (next = kf_avro_rec_parse(schema, strlen(schema), ignored,
				      sizeof(ignored))))
		kf_avro_explain(prev, next, level, why, sizeof(why));
	kf_avro_rec_free(prev);
	kf_avro_rec_free(next);
	free(latest);
	return kf_seterr(errstr, errstr_size, KF_EINVAL,
			 "schema registry %s: subject %s: the new schema is "
			 "not compatible with the latest version under "
			 "level %s: %s; nothing was produced (change the "
			 "schema file, or the subject's level)",
			 r->url, subject, level,
			 why[0] ? why
				: "the registry says so (no rule kferry "
				  "knows explains it)");
}

/* -------------------------------------------------------------------------
 * Registering (the lock held)
 */

static int kf__lookup_id(const kf_registry_t *r, const char *subject,
			 const char *schema, uint32_t *id)
{
	size_t i;

	for (i = 0; i < r->nids; i++)
		if (!strcmp(r->ids[i].subject, subject) &&
		    !strcmp(r->ids[i].schema, schema)) {
			*id = r->ids[i].id;
			return 1;
		}
	return 0;
}

static int kf__remember_id(kf_registry_t *r, const char *subject,
			   const char *schema, uint32_t id)
{
	struct kf__subject_id *n =
		realloc(r->ids, (r->nids + 1) * sizeof(*r->ids));

	if (!n)
		return KF_ENOMEM;
	r->ids = n;
	n[r->nids].subject = strdup(subject);
	n[r->nids].schema = strdup(schema);
	n[r->nids].id = id;
	if (!n[r->nids].subject || !n[r->nids].schema) {
		free(n[r->nids].subject);
		free(n[r->nids].schema);
		return KF_ENOMEM;
	}
	r->nids++;
	return 0;
}

static int kf__register(kf_registry_t *r, const char *subject, const char *type,
			const char *schema, uint32_t *id, char *errstr,
			size_t errstr_size)
{
	char path[512], what[300];
	struct kf__req q = {"POST", path, what, errstr, errstr_size};
	int rc, compatible;
	int64_t code;

	snprintf(what, sizeof(what), "subject %s", subject);
	snprintf(path, sizeof(path), "/subjects/%s", subject);
	if ((rc = kf__post_schema(r, &q, type, schema)))
		return rc;
	if (r->status == 200) /* 1: registered already */
		return kf__id_of(r, &q, id);
	code = kf__member_int(r, "error_code");
	if (r->status != 404 ||
	    (code != KF__NO_SUBJECT && code != KF__NO_SCHEMA))
		return kf__refused(r, &q);
	if (code == KF__NO_SUBJECT) /* 2: a new subject gets our level */
		rc = kf__set_level(r, subject, r->level, errstr, errstr_size);
	else if (!(rc = kf__check(r, subject, type, schema, &compatible, errstr,
				  errstr_size)) &&
		 !compatible) /* 3 */
		return kf__incompatible(r, subject, type, schema, errstr,
					errstr_size);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/subjects/%s/versions", subject);
	if ((rc = kf__post_schema(r, &q, type, schema))) /* 4 */
		return rc;
	return kf__id_of(r, &q, id);
}

/* Subjects go into URL paths: letters, digits and ._- only. */
static int kf__subject_ok(const char *subject, char *errstr, size_t errstr_size)
{
	const char *p;

	for (p = subject; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("._-", *p)))
			break;
	if (*subject && !*p && p - subject < 250)
		return 0;
	return kf_seterr(errstr, errstr_size, KF_EINVAL,
			 "schema registry subject '%s': only letters, "
			 "digits, '.', '_' and '-' (at most 249)",
			 subject);
}

int kf_registry_register(kf_registry_t *r, const char *subject,
			 const char *schema_type, const char *schema,
			 uint32_t *id, char *errstr, size_t errstr_size)
{
	int rc;

	if ((rc = kf__subject_ok(subject, errstr, errstr_size)))
		return rc;
	pthread_mutex_lock(&r->lock);
	if (!kf__lookup_id(r, subject, schema, id) &&
	    !(rc = kf__register(r, subject, schema_type, schema, id, errstr,
				errstr_size)) &&
	    (rc = kf__remember_id(r, subject, schema, *id)))
		kf_seterr(errstr, errstr_size, rc, "out of memory");
	pthread_mutex_unlock(&r->lock);
	return rc;
}

/* -------------------------------------------------------------------------
 * Schemas by id
 */

/* The answer's schema text parsed by its schemaType (none: Avro) into
 * out's rec or json; 0, or a refusal in perr. */
static int kf__parse_schema(kf_registry_t *r, const char *text,
			    struct kf__id_schema *out, char *perr, size_t size)
{
	kf_avro_rec_t *rec = NULL;
	kf_jsonschema_t *json = NULL;
	char type[16];

	if (kf__member_str(r, "schemaType", type, sizeof(type)) ||
	    !strcmp(type, "AVRO"))
		rec = kf_avro_rec_parse(text, strlen(text), perr, size);
	else if (!strcmp(type, "JSON"))
		json = kf_jsonschema_parse(text, strlen(text), perr, size);
	else
		snprintf(perr, size,
			 "schemaType %s: kferry reads AVRO and JSON (docs/"
			 "schemas.md 6)",
			 type);
	out->rec = rec;
	out->json = json;
	return rec || json ? 0 : -1;
}

/* *unread is set when the registry answered with a schema kferry does
 * not read (the same answer every time: worth remembering). */
static int kf__fetch_schema(kf_registry_t *r, uint32_t id,
			    struct kf__id_schema *out, int *unread,
			    char *errstr, size_t errstr_size)
{
	char path[64], what[32], perr[400], *text;
	struct kf__req q = {"GET", path, what, errstr, errstr_size};
	int rc;

	snprintf(path, sizeof(path), "/schemas/ids/%u", id);
	snprintf(what, sizeof(what), "id %u", id);
	if ((rc = kf__get_schema(r, &q, &text)))
		return rc;
	rc = kf__parse_schema(r, text, out, perr, sizeof(perr));
	free(text);
	*unread = rc != 0;
	if (rc)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "schema registry %s: id %u: %s", r->url, id,
				 perr);
	return 0;
}

int kf_registry_schema(kf_registry_t *r, uint32_t id, kf_wire_schema_t *out,
		       char *errstr, size_t errstr_size)
{
	struct kf__id_schema *n, got = {.id = id};
	size_t i;
	int rc = 0, unread = 0;

	*out = (kf_wire_schema_t){0};
	pthread_mutex_lock(&r->lock);
	for (i = 0; i < r->nschemas; i++)
		if (r->schemas[i].id == id) {
			out->avro = r->schemas[i].rec;
			out->json = r->schemas[i].json;
			if (r->schemas[i].refused)
				rc = kf_seterr(errstr, errstr_size, KF_EINVAL,
					       "%s", r->schemas[i].refused);
			goto out_unlock;
		}
	/* a schema not read is remembered too: each of its records would
	 * otherwise cost a request */
	if ((rc = kf__fetch_schema(r, id, &got, &unread, errstr,
				   errstr_size)) &&
	    !unread)
		goto out_unlock;
	n = realloc(r->schemas, (r->nschemas + 1) * sizeof(*n));
	if (!n) {
		kf_avro_rec_free(got.rec);
		kf_jsonschema_free(got.json);
		rc = kf_seterr(errstr, errstr_size, KF_ENOMEM, "out of memory");
		goto out_unlock;
	}
	r->schemas = n;
	n[r->nschemas] = got;
	if (rc && !(n[r->nschemas].refused = strdup(errstr)))
		goto out_unlock; /* not remembered: asked again */
	r->nschemas++;
	out->avro = got.rec;
	out->json = got.json;
out_unlock:
	pthread_mutex_unlock(&r->lock);
	return rc;
}

int kf_registry_get_level(kf_registry_t *r, const char *subject, char *level,
			  size_t level_size, char *errstr, size_t errstr_size)
{
	int rc;

	if ((rc = kf__subject_ok(subject, errstr, errstr_size)))
		return rc;
	pthread_mutex_lock(&r->lock);
	rc = kf__get_level(r, subject, level, level_size, errstr, errstr_size);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

int kf_registry_set_level(kf_registry_t *r, const char *subject,
			  const char *level, char *errstr, size_t errstr_size)
{
	int rc;

	if ((rc = kf__subject_ok(subject, errstr, errstr_size)))
		return rc;
	pthread_mutex_lock(&r->lock);
	rc = kf__set_level(r, subject, level, errstr, errstr_size);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

int kf_registry_check(kf_registry_t *r, const char *subject,
		      const char *schema_type, const char *schema,
		      int *compatible, char *errstr, size_t errstr_size)
{
	int rc;

	if ((rc = kf__subject_ok(subject, errstr, errstr_size)))
		return rc;
	pthread_mutex_lock(&r->lock);
	rc = kf__check(r, subject, schema_type, schema, compatible, errstr,
		       errstr_size);
	pthread_mutex_unlock(&r->lock);
	return rc;
}
