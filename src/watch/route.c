/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Routes: compiled [route.NAME] sections, and the pure decisions made on
 * their files (which files, when finished, how long to back off).
 */
#include "watch/route.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "core/codec.h"

#define KF__BACKOFF_MAX 3600.0

int kf_strlist_split(const char *s, struct kf_strlist *out)
{
	const char *p = s ? s : "";

	out->v = NULL;
	out->n = 0;
	while (*p) {
		size_t n = strcspn(p, ","), lead = 0, len = n;
		char **v;

		while (lead < len && isspace((unsigned char)p[lead]))
			lead++;
		while (len > lead && isspace((unsigned char)p[len - 1]))
			len--;
		if (len > lead) {
			v = realloc(out->v, (out->n + 1) * sizeof(*v));
			if (!v)
				goto out_nomem;
			out->v = v;
			if (!(v[out->n] = strndup(p + lead, len - lead)))
				goto out_nomem;
			out->n++;
		}
		p += n + (p[n] == ',');
	}
	return 0;

out_nomem:
	kf_strlist_free(out);
	return KF_ENOMEM;
}

void kf_strlist_free(struct kf_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int kf__ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return m && n > m && !strcmp(s + n - m, suffix);
}

static int kf__ends_with_any(const char *s, const struct kf_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (kf__ends_with(s, l->v[i]))
			return 1;
	return 0;
}

static int kf__glob_any(const struct kf_strlist *l, const char *rel)
{
	const char *slash = strrchr(rel, '/');
	const char *name = slash ? slash + 1 : rel;
	size_t i;

	for (i = 0; i < l->n; i++) {
		const char *pat = l->v[i];

		if (strchr(pat, '/')) {
			if (!fnmatch(pat, rel, FNM_PATHNAME))
				return 1;
		} else if (!fnmatch(pat, name, 0)) {
			return 1;
		}
	}
	return 0;
}

int kf_route_is_marker(const kf_route_t *r, const char *rel)
{
	return r->finished == KF_FINISHED_MARKER &&
	       kf__ends_with_any(rel, &r->markers);
}

int kf_route_wants(const kf_route_t *r, const char *rel)
{
	if (kf__ends_with_any(rel, &r->temps) || kf_route_is_marker(r, rel))
		return 0;
	if (r->include.n && !kf__glob_any(&r->include, rel))
		return 0;
	return !kf__glob_any(&r->exclude, rel);
}

int kf_route_finished(const kf_route_t *r, double stable_for, int has_marker)
{
	switch (r->finished) {
	case KF_FINISHED_MARKER:
		return has_marker;
	case KF_FINISHED_RENAME:
		return 1;
	default:
		return stable_for >= r->stable_s;
	}
}

double kf_route_backoff(const kf_route_t *r, int attempt)
{
	double d = r->backoff_s;

	while (--attempt > 0 && d < KF__BACKOFF_MAX)
		d *= 2;
	return d < KF__BACKOFF_MAX ? d : KF__BACKOFF_MAX;
}

/* "DIR" without trailing slashes ("/" stays). */
static char *kf__dir_dup(const char *s)
{
	size_t n = strlen(s);

	while (n > 1 && s[n - 1] == '/')
		n--;
	return strndup(s, n);
}

static int kf__route_sig(kf_route_t *r, const struct kf_conf_route *rc,
			 const char *schema_hash)
{
	/* \x1f cannot appear in a config value that loads from a file. */
	int n = asprintf(&r->sig,
			 "%s\x1f%s\x1f%s\x1f%s\x1f%d\x1f%d\x1f%d\x1f%s\x1f%s"
			 "\x1f%s\x1f%s\x1f%d\x1f%d\x1f%s\x1f%s\x1f%d\x1f%s"
			 "\x1f%s\x1f%s\x1f%s",
			 r->dir, r->topic, rc->include ? rc->include : "",
			 rc->exclude ? rc->exclude : "", r->recursive,
			 r->finished, r->stable_s, rc->marker_suffixes,
			 rc->temp_suffixes, rc->after, r->error_dir, r->retries,
			 r->backoff_s,
			 rc->encrypt_recipients ? rc->encrypt_recipients : "",
			 rc->sign_key ? rc->sign_key : "", r->kind, schema_hash,
			 rc->ledger_topic ? rc->ledger_topic : "",
			 rc->dead_letter_topic ? rc->dead_letter_topic : "",
			 rc->max_rejects ? rc->max_rejects : "");

	if (n < 0)
		r->sig = NULL;
	return n < 0 ? KF_ENOMEM : 0;
}

static int kf__route_after(kf_route_t *r, const char *after)
{
	if (!strcmp(after, "keep")) {
		r->after = KF_AFTER_KEEP;
	} else if (!strncmp(after, "move:", 5)) {
		r->after = KF_AFTER_MOVE;
		if (!(r->move_tmpl = kf__dir_dup(after + 5)))
			return KF_ENOMEM;
	} else {
		r->after = KF_AFTER_DELETE;
	}
	return 0;
}

/* The schema file of a records route, read whole so that its hash tells
 * a changed file on reload. */
#define KF__SCHEMA_MAX (1u << 20)

static int kf__route_schema(kf_route_t *r, const struct kf_conf_route *rc,
			    char hash[33], char *errstr, size_t errstr_size)
{
	char *text = NULL;
	uint8_t h[16];
	size_t len = 0;
	FILE *fp;
	int rc2, i;

	if (!rc->schema || !*rc->schema)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "route.%s.schema: not set (a route of kind "
				 "records needs the schema file of its files, "
				 "docs/records.md 2)",
				 rc->name);
	if (!(fp = fopen(rc->schema, "re")) ||
	    !(text = malloc(KF__SCHEMA_MAX + 1)) ||
	    (len = fread(text, 1, KF__SCHEMA_MAX + 1, fp), ferror(fp))) {
		rc2 = kf_seterr(errstr, errstr_size, KF_EINVAL,
				"route.%s.schema: cannot read %s: %s", rc->name,
				rc->schema,
				text || !fp ? strerror(errno)
					    : "out of memory");
		goto out;
	}
	if (len > KF__SCHEMA_MAX) {
		rc2 = kf_seterr(errstr, errstr_size, KF_EINVAL,
				"route.%s.schema: %s is over 1 MiB", rc->name,
				rc->schema);
		goto out;
	}
	kf_hash128(text, len, h);
	for (i = 0; i < 16; i++)
		snprintf(hash + 2 * i, 3, "%02x", h[i]);
	rc2 = kf_schema_parse(text, len, rc->schema, &r->schema, errstr,
			      errstr_size);
out:
	if (fp)
		fclose(fp);
	free(text);
	return rc2;
}

/* The keys of a records route (docs/records.md 4.3). */
static int kf__route_records(kf_route_t *r, const struct kf_conf_route *rc,
			     char hash[33], char *errstr, size_t errstr_size)
{
	char err[512];
	int e;

	if (!strcmp(r->topic, "kferry.files"))
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "route.%s.topic: a records route does not "
				 "write to kferry.files, the file-transfer "
				 "topic (its receivers would dead-letter every "
				 "record)",
				 rc->name);
	if (r->encrypt_recipients || r->sign_key)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "route.%s: encrypt_recipients and sign_key "
				 "are for files; a records route writes plain "
				 "Connect JSON records (docs/records.md 4.3)",
				 rc->name);
	if (rc->max_rejects && *rc->max_rejects) {
		e = kf_conf_parse_rejects(rc->max_rejects, &r->max_rejects,
					  &r->max_rejects_pct, err,
					  sizeof(err));
		if (e)
			return kf_seterr(errstr, errstr_size, e,
					 "route.%s.max_rejects: %s", rc->name,
					 err);
		r->has_rejects = 1;
	}
	if ((rc->ledger_topic && *rc->ledger_topic &&
	     !(r->ledger_topic = strdup(rc->ledger_topic))) ||
	    (rc->dead_letter_topic && *rc->dead_letter_topic &&
	     !(r->dead_letter_topic = strdup(rc->dead_letter_topic))))
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "route %s: out of memory", rc->name);
	return kf__route_schema(r, rc, hash, errstr, errstr_size);
}

kf_route_t *kf_route_new(const struct kf_conf_route *rc,
			 const char *default_topic, char *errstr,
			 size_t errstr_size)
{
	char hash[33] = "";
	kf_route_t *r;

	if (!rc->dir || rc->dir[0] != '/') {
		kf_seterr(errstr, errstr_size, KF_EINVAL,
			  "route.%s.dir: %s (the route's directory, an "
			  "absolute path)",
			  rc->name, rc->dir ? "must be absolute" : "not set");
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		goto out_nomem;
	r->refs = 1;
	r->recursive = rc->recursive;
	r->finished = rc->finished;
	r->stable_s = rc->stable_seconds;
	r->retries = rc->retries;
	r->backoff_s = rc->retry_backoff_s;
	r->kind = rc->kind;
	r->name = strdup(rc->name);
	r->dir = kf__dir_dup(rc->dir);
	r->topic = strdup(rc->topic ? rc->topic : default_topic);
	if (!r->name || !r->dir || !r->topic)
		goto out_nomem;
	if ((rc->encrypt_recipients &&
	     !(r->encrypt_recipients = strdup(rc->encrypt_recipients))) ||
	    (rc->sign_key && !(r->sign_key = strdup(rc->sign_key))))
		goto out_nomem;
	if (rc->error_dir)
		r->error_dir = kf__dir_dup(rc->error_dir);
	else if (asprintf(&r->error_dir, "%s/.kferry/error", r->dir) < 0)
		r->error_dir = NULL;
	if (r->kind == KF_ROUTE_RECORDS &&
	    kf__route_records(r, rc, hash, errstr, errstr_size)) {
		kf_route_unref(r);
		return NULL;
	}
	if (!r->error_dir || kf__route_after(r, rc->after) ||
	    kf_strlist_split(rc->include, &r->include) ||
	    kf_strlist_split(rc->exclude, &r->exclude) ||
	    kf_strlist_split(rc->marker_suffixes, &r->markers) ||
	    kf_strlist_split(rc->temp_suffixes, &r->temps) ||
	    kf__route_sig(r, rc, hash))
		goto out_nomem;
	return r;

out_nomem:
	kf_route_unref(r);
	kf_seterr(errstr, errstr_size, KF_ENOMEM, "route %s: out of memory",
		  rc->name);
	return NULL;
}

kf_route_t *kf_route_ref(kf_route_t *r)
{
	r->refs++;
	return r;
}

void kf_route_unref(kf_route_t *r)
{
	if (!r || --r->refs > 0)
		return;
	free(r->name);
	free(r->dir);
	free(r->topic);
	free(r->error_dir);
	free(r->move_tmpl);
	free(r->encrypt_recipients);
	free(r->sign_key);
	kf_strlist_free(&r->include);
	kf_strlist_free(&r->exclude);
	kf_strlist_free(&r->markers);
	kf_strlist_free(&r->temps);
	kf_schema_free(r->schema);
	free(r->ledger_topic);
	free(r->dead_letter_topic);
	free(r->sig);
	free(r);
}
