/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Configuration: setting keys (typed, validated against the key table of
 * conf.c, with a suggestion for a misspelled name), the librdkafka
 * properties, routes, and the INI file loader.
 *
 * @locality any thread; a kf_conf_t is owned by one thread while it is
 * being built, and read-only afterwards.
 */
#include "config/conf_table.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "common/err.h"
#include "common/ini.h"
#include "common/log.h"

static const char kf__route_prefix[] = "route.";
#define KF__ROUTE_PREFIX_LEN (sizeof(kf__route_prefix) - 1)

static const char kf__kafka_prefix[] = "kafka.";
#define KF__KAFKA_PREFIX_LEN (sizeof(kf__kafka_prefix) - 1)

/* ---------------------------------------------------------------------
 * Numbers and sizes.
 */

/* Strict decimal: optional '-', digits, nothing else (no spaces, no '+'). */
static int kf__parse_int(const char *s, int64_t *out)
{
	const char *digits = s + (*s == '-');
	char *end;
	long long v;

	if (!isdigit((unsigned char)*digits))
		return KF_EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return KF_EINVAL;
	*out = v;
	return 0;
}

int kf_conf_parse_size(const char *s, uint64_t *out)
{
	return kf_ini_parse_size(s, out);
}

static int kf__invalid(const struct kf__key *k, const char *value, char *errstr,
		       size_t errstr_size)
{
	char range[160];

	kf__conf_fmt_range(range, sizeof(range), k);
	return kf_seterr(errstr, errstr_size, KF_EINVAL,
			 "%s: invalid value \"%s\" (expected %s%s%s)", k->name,
			 value, kf__conf_types[k->type].expect, range,
			 kf__conf_types[k->type].example);
}

static int kf__out_of_range(const struct kf__key *k, const char *value,
			    char *errstr, size_t errstr_size)
{
	char range[160];

	kf__conf_fmt_range(range, sizeof(range), k);
	return kf_seterr(errstr, errstr_size, KF_EINVAL,
			 "%s: %s is out of range (%s)", k->name, value, range);
}

/* ---------------------------------------------------------------------
 * Setting keys.
 */

/* base is the kf_conf_t, or the struct kf_conf_route of a route key. */
static void *kf__field(void *base, const struct kf__key *k)
{
	return (char *)base + k->off;
}

static const struct kf__word *kf__word_find(const struct kf__word *words,
					    const char *s, size_t len)
{
	for (; words->word; words++)
		if (strlen(words->word) == len &&
		    !strncasecmp(words->word, s, len))
			return words;
	return NULL;
}

/* Frees a string that may hold a secret, wiping it first: freed memory
 * is handed out again, and ends up in core dumps. NULL is a no-op. */
static void kf__free_secret(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

/* Frees the value of key (a kferry key, or "kafka." + a property name),
 * wiped first when the key holds a secret. */
static void kf__free_value(const char *prefix, const char *name, char *value)
{
	char key[300];

	snprintf(key, sizeof(key), "%s%s", prefix, name);
	if (kf_conf_is_secret(key))
		kf__free_secret(value);
	else
		free(value);
}

static int kf__set_string(void *base, const struct kf__key *k,
			  const char *value, char *errstr, size_t errstr_size)
{
	char **field = kf__field(base, k);
	size_t len = strlen(value);
	char *copy = NULL;

	if (!len && k->min)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "%s: value must not be empty", k->name);
	if (len > (uint64_t)k->max)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "%s: value is too long (at most %" PRId64
				 " bytes)",
				 k->name, k->max);
	if (len && k->check && k->check(value, errstr, errstr_size))
		return KF_EINVAL;
	/* An optional string set to "" is unset, as if never given. */
	if (len && !(copy = strdup(value)))
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "%s: out of memory", k->name);
	kf__free_value("", k->name, *field);
	*field = copy;
	return 0;
}

static int kf__set_int(void *base, const struct kf__key *k, const char *value,
		       char *errstr, size_t errstr_size)
{
	int64_t v;

	if (kf__parse_int(value, &v))
		return kf__invalid(k, value, errstr, errstr_size);
	if (v < k->min || v > k->max)
		return kf__out_of_range(k, value, errstr, errstr_size);
	*(int *)kf__field(base, k) = (int)v;
	return 0;
}

static int kf__set_size(void *base, const struct kf__key *k, const char *value,
			char *errstr, size_t errstr_size)
{
	uint64_t v;

	if (kf_conf_parse_size(value, &v))
		return kf__invalid(k, value, errstr, errstr_size);
	if (v < (uint64_t)k->min || v > (uint64_t)k->max)
		return kf__out_of_range(k, value, errstr, errstr_size);
	*(uint64_t *)kf__field(base, k) = v;
	return 0;
}

/* bool and enum keys: one of the key's words. */
static int kf__set_word(void *base, const struct kf__key *k, const char *value,
			char *errstr, size_t errstr_size)
{
	const struct kf__word *w =
		kf__word_find(k->words, value, strlen(value));

	if (!w)
		return kf__invalid(k, value, errstr, errstr_size);
	*(int *)kf__field(base, k) = w->value;
	return 0;
}

/* "none", "zstd" or "zstd:LEVEL". */
static int kf__set_codec(void *base, const struct kf__key *k, const char *value,
			 char *errstr, size_t errstr_size)
{
	size_t n = strcspn(value, ":");
	const struct kf__word *w = kf__word_find(k->words, value, n);
	int64_t level;

	/* "none" takes no level */
	if (!w || (value[n] && w->value == KF_CODEC_NONE))
		return kf__invalid(k, value, errstr, errstr_size);
	level = w->value == KF_CODEC_NONE ? 0 : KF__ZSTD_LEVEL_DEFAULT;
	if (value[n] && (kf__parse_int(value + n + 1, &level) ||
			 level < k->min || level > k->max))
		return kf__invalid(k, value, errstr, errstr_size);
	*(int *)kf__field(base, k) = w->value;
	((kf_conf_t *)base)->codec_level = (int)level;
	return 0;
}

static int kf__set_key(void *base, const struct kf__key *k, const char *value,
		       char *errstr, size_t errstr_size)
{
	switch (k->type) {
	case KF__T_STRING:
		return kf__set_string(base, k, value, errstr, errstr_size);
	case KF__T_INT:
		return kf__set_int(base, k, value, errstr, errstr_size);
	case KF__T_SIZE:
		return kf__set_size(base, k, value, errstr, errstr_size);
	case KF__T_BOOL:
	case KF__T_ENUM:
		return kf__set_word(base, k, value, errstr, errstr_size);
	case KF__T_CODEC:
		return kf__set_codec(base, k, value, errstr, errstr_size);
	}
	return KF_EINVAL; /* not reached: the switch covers every type */
}

static struct kf_conf_prop *kf__prop_find(kf_conf_t *conf, const char *name)
{
	size_t i;

	for (i = 0; i < conf->nprops; i++)
		if (!strcmp(conf->props[i].name, name))
			return &conf->props[i];
	return NULL;
}

/* librdkafka properties the protocol's correctness or the transport's
 * security rests on: kafka/client.c and kafka/security.c set them, and a
 * user's value would silently undo a guarantee. `value` NULL: every value
 * is refused; else only values containing it. Aliases are listed too, and
 * librdkafka also takes a topic property with a "topic." prefix. */
static const struct kf__guarded_prop {
	const char *name;
	const char *value;
	const char *why;
} kf__guarded_props[] = {
	{"enable.auto.commit", NULL,
	 "kferry commits offsets itself, never past the MANIFEST of an open "
	 "transfer (docs/protocol.md section 7); automatic commits would lose "
	 "files at a crash"},
	{"auto.commit.enable", NULL,
	 "it is enable.auto.commit's alias: kferry "
	 "commits offsets itself (docs/protocol.md "
	 "section 7)"},
	{"enable.auto.offset.store", NULL,
	 "kferry stores offsets itself, never past the MANIFEST of an open "
	 "transfer (docs/protocol.md section 7)"},
	{"acks", NULL,
	 "the protocol requires acks=all (docs/protocol.md "
	 "section 2): a file acknowledged on one replica can be "
	 "lost"},
	{"request.required.acks", NULL,
	 "it is acks' alias: the protocol requires acks=all (docs/protocol.md "
	 "section 2)"},
	{"enable.idempotence", NULL,
	 "the protocol requires an idempotent producer (docs/protocol.md "
	 "section 2): retries must neither reorder nor duplicate frames"},
	{"transactional.id", NULL,
	 "kferry's producers are idempotent, not transactional "
	 "(docs/protocol.md section 6)"},
	{"partitioner", NULL,
	 "kferry uses murmur2 like the Java clients, so that every version "
	 "of a path lands on one partition whichever client sent it "
	 "(docs/protocol.md section 2)"},
	{"queuing.strategy", NULL,
	 "frames must be produced in the order kferry queues them"},
	{"partition.assignment.strategy", "cooperative",
	 "the receiver handles eager rebalances only (range, roundrobin)"},
	{"enable.ssl.certificate.verification", NULL,
	 "broker certificates are always verified (docs/security.md): name "
	 "their CA with tls.ca"},
	{"ssl.endpoint.identification.algorithm", NULL,
	 "the broker host name check is tls.verify_hostname's to turn off "
	 "(docs/security.md)"},
};

/* Refuses a property of kf__guarded_props, saying why. */
static int kf__check_prop(const char *name, const char *value, char *errstr,
			  size_t errstr_size)
{
	const char *bare = !strncmp(name, "topic.", 6) ? name + 6 : name;
	size_t i;

	for (i = 0;
	     i < sizeof(kf__guarded_props) / sizeof(kf__guarded_props[0]);
	     i++) {
		const struct kf__guarded_prop *g = &kf__guarded_props[i];

		if (strcmp(bare, g->name) ||
		    (g->value && !strstr(value, g->value)))
			continue;
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "kafka.%s: kferry sets this librdkafka "
				 "property itself and refuses to change it: "
				 "%s",
				 name, g->why);
	}
	return 0;
}

/* Adds or replaces librdkafka property name; the order of first setting is
 * kept, so that the Kafka client sees them as the user wrote them. */
static int kf__set_prop(kf_conf_t *conf, const char *name, const char *value,
			char *errstr, size_t errstr_size)
{
	struct kf_conf_prop *p;
	char *v;
	int err;

	if (!*name)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "kafka.: missing librdkafka property name "
				 "after \"kafka.\"");
	if ((err = kf__check_prop(name, value, errstr, errstr_size)))
		return err;
	if (!(v = strdup(value)))
		goto out_nomem;
	if ((p = kf__prop_find(conf, name))) {
		kf__free_value("kafka.", name, p->value);
		p->value = v;
		return 0;
	}
	p = realloc(conf->props, (conf->nprops + 1) * sizeof(*p));
	if (!p)
		goto out_free_value;
	conf->props = p;
	p += conf->nprops;
	if (!(p->name = strdup(name)))
		goto out_free_value;
	p->value = v;
	conf->nprops++;
	return 0;

out_free_value:
	free(v);
out_nomem:
	return kf_seterr(errstr, errstr_size, KF_ENOMEM,
			 "kafka.%s: out of memory", name);
}

static const struct kf__key *kf__key_find(const char *name)
{
	size_t i;

	for (i = 0; i < kf__conf_nkeys; i++)
		if (!strcmp(kf__conf_keys[i].name, name))
			return &kf__conf_keys[i];
	return NULL;
}

/* The part of a name after its last dot. */
static const char *kf__leaf(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot ? dot + 1 : name;
}

/* The key closest to a misspelt name. Last parts are compared too, so that
 * "dest" and "[receive] receive.dest" find receive.dest. NULL when nothing
 * is close: a wild guess misleads more than none. */
static const struct kf__key *kf__key_suggest_in(const struct kf__key *keys,
						size_t nkeys, const char *name)
{
	const struct kf__key *found = NULL;
	size_t best = SIZE_MAX, i;

	for (i = 0; i < nkeys; i++) {
		const struct kf__key *k = &keys[i];
		size_t full = kf_ini_near(name, k->name);
		size_t leaf = kf_ini_near(kf__leaf(name), kf__leaf(k->name));
		size_t d = full < leaf ? full : leaf;

		if (d < best) { /* ties go to the first key */
			best = d;
			found = k;
		}
	}
	return found;
}

static const struct kf__key *kf__key_suggest(const char *name)
{
	return kf__key_suggest_in(kf__conf_keys, kf__conf_nkeys, name);
}

static int kf__unknown_key(const char *name, char *errstr, size_t errstr_size)
{
	const struct kf__key *k = kf__key_suggest(name);

	if (k)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "%s: unknown key (did you mean %s?)", name,
				 k->name);
	return kf_seterr(errstr, errstr_size, KF_EINVAL,
			 "%s: unknown key (see `kferry help config`; "
			 "librdkafka properties take the \"kafka.\" prefix)",
			 name);
}

/* ---------------------------------------------------------------------
 * Routes: "route.NAME.KEY", NAME any valid name (dots allowed: the key is
 * after the last dot). A route is created with the table's defaults by
 * the first of its keys that is set.
 */

static void kf__route_free(struct kf_conf_route *r)
{
	size_t i;

	for (i = 0; i < kf__conf_nroute_keys; i++)
		if (kf__conf_route_keys[i].type == KF__T_STRING)
			free(*(char **)kf__field(r, &kf__conf_route_keys[i]));
	free(r->name);
}

static struct kf_conf_route *kf__route_get(kf_conf_t *conf, const char *name,
					   size_t len)
{
	struct kf_conf_route *r;
	size_t i;

	for (i = 0; i < conf->nroutes; i++)
		if (strlen(conf->routes[i].name) == len &&
		    !memcmp(conf->routes[i].name, name, len))
			return &conf->routes[i];
	r = realloc(conf->routes, (conf->nroutes + 1) * sizeof(*r));
	if (!r)
		return NULL;
	conf->routes = r;
	r += conf->nroutes;
	memset(r, 0, sizeof(*r));
	if (!(r->name = strndup(name, len)))
		return NULL;
	conf->nroutes++;
	for (i = 0; i < kf__conf_nroute_keys; i++)
		if (kf__conf_route_keys[i].def)
			kf__set_key(r, &kf__conf_route_keys[i],
				    kf__conf_route_keys[i].def, NULL, 0);
	return r;
}

static const struct kf__key *kf__route_key_find(const char *leaf)
{
	size_t i;

	for (i = 0; i < kf__conf_nroute_keys; i++)
		if (!strcmp(kf__leaf(kf__conf_route_keys[i].name), leaf))
			return &kf__conf_route_keys[i];
	return NULL;
}

/* key is "route.NAME.LEAF"; errors name the full key. */
static int kf__set_route(kf_conf_t *conf, const char *key, const char *value,
			 char *errstr, size_t errstr_size)
{
	const char *name = key + KF__ROUTE_PREFIX_LEN;
	const char *dot = strrchr(name, '.');
	const struct kf__key *k;
	struct kf_conf_route *r;
	char msg[512];

	if (!dot || dot == name || !dot[1])
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "%s: expected route.NAME.KEY (a [route.NAME] "
				 "section)",
				 key);
	if (!(k = kf__route_key_find(dot + 1))) {
		k = kf__key_suggest_in(kf__conf_route_keys,
				       kf__conf_nroute_keys, dot + 1);
		if (k)
			return kf_seterr(errstr, errstr_size, KF_EINVAL,
					 "%s: unknown route key (did you mean "
					 "%s?)",
					 key, kf__leaf(k->name));
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "%s: unknown route key (see `kferry help "
				 "config`)",
				 key);
	}
	if (!(r = kf__route_get(conf, name, (size_t)(dot - name))))
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "%s: out of memory", key);
	/* The table's messages start with its generic name; say ours. */
	if (!kf__set_key(r, k, value, msg, sizeof(msg)))
		return 0;
	if (!strncmp(msg, k->name, strlen(k->name)))
		return kf_seterr(errstr, errstr_size, KF_EINVAL, "%s%s", key,
				 msg + strlen(k->name));
	return kf_seterr(errstr, errstr_size, KF_EINVAL, "%s: %s", key, msg);
}

int kf_conf_set(kf_conf_t *conf, const char *key, const char *value,
		char *errstr, size_t errstr_size)
{
	const struct kf__key *k;

	if (!conf || !key || !value)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "kf_conf_set: NULL argument");
	if (!strncmp(key, kf__kafka_prefix, KF__KAFKA_PREFIX_LEN))
		return kf__set_prop(conf, key + KF__KAFKA_PREFIX_LEN, value,
				    errstr, errstr_size);
	if (!strncmp(key, kf__route_prefix, KF__ROUTE_PREFIX_LEN))
		return kf__set_route(conf, key, value, errstr, errstr_size);
	k = kf__key_find(key);
	if (!k)
		return kf__unknown_key(key, errstr, errstr_size);
	return kf__set_key(conf, k, value, errstr, errstr_size);
}

int kf_conf_set_arg(kf_conf_t *conf, const char *key, const char *value,
		    char *errstr, size_t errstr_size)
{
	if (key && value && *value && kf_conf_is_secret(key) &&
	    !kf_conf_secret_is_ref(value))
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "%s: a secret on the command line is visible "
				 "to every local user (ps, /proc/PID/cmdline): "
				 "give %s=file:PATH or %s=env:NAME, or put it "
				 "in a configuration file only kferry's user "
				 "can read",
				 key, key, key);
	return kf_conf_set(conf, key, value, errstr, errstr_size);
}

/* ---------------------------------------------------------------------
 * Life cycle.
 */

kf_conf_t *kf_conf_new(void)
{
	kf_conf_t *conf = calloc(1, sizeof(*conf));
	size_t i;

	if (!conf)
		return NULL;
	/* Defaults go through the parser, so they obey the table's ranges
	 * (a unit test makes sure every default is accepted). */
	for (i = 0; i < kf__conf_nkeys; i++) {
		if (kf__conf_keys[i].def &&
		    kf__set_key(conf, &kf__conf_keys[i], kf__conf_keys[i].def,
				NULL, 0)) {
			kf_conf_destroy(conf);
			return NULL;
		}
	}
	return conf;
}

void kf_conf_destroy(kf_conf_t *conf)
{
	size_t i;

	if (!conf)
		return;
	for (i = 0; i < kf__conf_nkeys; i++)
		if (kf__conf_keys[i].type == KF__T_STRING)
			kf__free_value(
				"", kf__conf_keys[i].name,
				*(char **)kf__field(conf, &kf__conf_keys[i]));
	for (i = 0; i < conf->nprops; i++) {
		kf__free_value("kafka.", conf->props[i].name,
			       conf->props[i].value);
		free(conf->props[i].name);
	}
	free(conf->props);
	for (i = 0; i < conf->nroutes; i++)
		kf__route_free(&conf->routes[i]);
	free(conf->routes);
	free(conf);
}

/* ---------------------------------------------------------------------
 * The file loader: the INI dialect of common/ini.h.
 */

/* A configuration file is small; a bigger one is the wrong file. */
#define KF__CONF_MAX_BYTES (16u << 20)

struct kf__loader {
	kf_conf_t *conf;
	/* the first key holding a secret inline */
	char secret[KF_INI_NAME_MAX];
};

static int kf__load_key(void *opaque, const char *section, const char *name,
			const char *value, unsigned line, char *msg,
			size_t msg_size)
{
	struct kf__loader *ld = opaque;
	char key[KF_INI_NAME_MAX]; /* the tokenizer checked that it fits */
	int err;

	(void)line;
	snprintf(key, sizeof(key), "%s%s%s", section, *section ? "." : "",
		 name);
	err = kf_conf_set(ld->conf, key, value, msg, msg_size);
	if (!err && !*ld->secret && *value && kf_conf_is_secret(key) &&
	    !kf_conf_secret_is_ref(value))
		snprintf(ld->secret, sizeof(ld->secret), "%s", key);
	return err;
}

/* Names of the keys whose values are secrets; kafka.* ones are the
 * librdkafka properties that hold passwords or keys. */
static const char *const kf__secret_keys[] = {
	"sasl.password",
	"tls.key_password",
	"load.mask_salt",
	"schema.registry.password",
	"kafka.sasl.password",
	"sink.db_password",
	"kafka.ssl.key.password",
	"kafka.ssl.key.pem",
	"kafka.ssl.keystore.password",
	"kafka.sasl.oauthbearer.client.secret",
	NULL,
};

int kf_conf_is_secret(const char *key)
{
	size_t i;

	for (i = 0; kf__secret_keys[i]; i++)
		if (!strcmp(kf__secret_keys[i], key))
			return 1;
	return 0;
}

int kf_conf_secret_is_ref(const char *value)
{
	return !strncmp(value, "file:", 5) || !strncmp(value, "env:", 4);
}

/* A file that holds a secret and that any local user can read gives the
 * secret away: say so, with the fix. Group access is left alone: 640
 * with a service group is a common and sound setup. */
static void kf__check_secret_file(const char *path, const char *key)
{
	struct stat st;

	if (stat(path, &st) < 0 || !(st.st_mode & (S_IROTH | S_IWOTH)))
		return;
	kf_warn("conf",
		"%s holds a secret (%s) and is readable by other users "
		"(mode %03o): run chmod 600 %s (or 640 with a group only "
		"kferry's users are in), or move the secret out with "
		"%s = file:PATH or env:NAME",
		path, key, (unsigned)(st.st_mode & 0777), path, key);
}

int kf_conf_load_file(kf_conf_t *conf, const char *path, char *errstr,
		      size_t errstr_size)
{
	struct kf__loader ld = {.conf = conf};
	int err;

	err = kf_ini_parse_file(path, KF__CONF_MAX_BYTES, NULL, kf__load_key,
				&ld, errstr, errstr_size);
	if (!err && *ld.secret)
		kf__check_secret_file(path, ld.secret);
	return err;
}
