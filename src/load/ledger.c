/* SPDX-License-Identifier: Apache-2.0 */
#include "load/ledger.h"

#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/err.h"
#include "common/json.h"
#include "common/jsontok.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "core/siphash.h"
#include "kafka/keyscan.h"

static void kf__u64(kf_strbuf_t *b, const char *name, uint64_t v)
{
	kf_strbuf_printf(b, ",\"%s\":%" PRIu64, name, v);
}

/* RFC 3339 UTC with milliseconds. */
static void kf__time(kf_strbuf_t *b, const char *name, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char when[32];

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	kf_strbuf_printf(b, ",\"%s\":\"%s.%03dZ\"", name, when,
			 (int)(ms % 1000));
}

static void kf__ranges(kf_strbuf_t *b, const char *name,
		       const kf_load_range_t *r, size_t n)
{
	size_t i;

	kf_strbuf_printf(b, ",\"%s\":[", name);
	for (i = 0; i < n; i++)
		kf_strbuf_printf(b,
				 "%s{\"p\":%" PRId32 ",\"first\":%" PRId64
				 ",\"last\":%" PRId64 ",\"n\":%" PRIu64 "}",
				 i ? "," : "", r[i].p, r[i].first, r[i].last,
				 r[i].n);
	kf_strbuf_printf(b, "]");
}

int kf_load_rec_format(const kf_load_rec_t *r, char **out, size_t *len)
{
	kf_strbuf_t b;

	kf_strbuf_heap(&b, 1024);
	kf_strbuf_printf(&b, "{\"v\":%d,\"kind\":\"load\",\"record\":%d",
			 KF_LOAD_REC_VERSION, KF_LOAD_RECORD_FORMAT);
	kf_json_member_str(&b, "state", r->state);
	kf_json_member_str(&b, "load_id", r->load_id);
	kf_json_member_str(&b, "topic", r->topic);
	kf_json_member_str(&b, "file", r->file);
	kf__u64(&b, "size", r->size);
	kf_json_member_str(&b, "hash", r->hash);
	kf_strbuf_printf(&b, ",\"mtime_ns\":%" PRId64, r->mtime_ns);
	if (r->schema)
		kf_json_member_str(&b, "schema", r->schema);
	if (r->schema_version)
		kf_strbuf_printf(&b, ",\"schema_version\":%d",
				 r->schema_version);
	kf_json_member_str(&b, "host", r->host);
	kf__time(&b, "started", r->started_ms);
	kf__time(&b, "finished", r->finished_ms);
	kf__u64(&b, "rows_read", r->rows_read);
	kf__u64(&b, "rows_published", r->rows_published);
	kf__u64(&b, "rows_rejected", r->rows_rejected);
	kf__u64(&b, "rows_filtered", r->rows_filtered);
	kf__u64(&b, "parts", r->parts);
	if (r->next_record) {
		kf__u64(&b, "next_record", r->next_record);
		kf__u64(&b, "last_line", r->last_line);
		kf__u64(&b, "last_offset", r->last_offset);
	}
	kf__ranges(&b, "ranges", r->ranges, r->nranges);
	kf__ranges(&b, "dead_letters", r->dead, r->ndead);
	if (r->error)
		kf_json_member_str(&b, "error", r->error);
	kf_strbuf_printf(&b, "}");
	if (b.failed) {
		free(b.p);
		return KF_ENOMEM;
	}
	*out = b.p;
	*len = b.len;
	return 0;
}

/* Tokens enough for a record with a few hundred ranges; a bigger one is
 * refused as a parse error and skipped (we write at most one range per
 * partition). */
#define KF__MAX_TOKENS 4096

int kf_load_rec_parse(const char *js, size_t len, kf_load_entry_t *e,
		      char *errstr, size_t errstr_size)
{
	static const struct {
		const char *name;
		enum kf_load_state state;
	} states[] = {{"done", KF_LOAD_DONE},
		      {"partial", KF_LOAD_PARTIAL},
		      {"rejected", KF_LOAD_REJECTED}};
	kf_jtok_t *toks = malloc(KF__MAX_TOKENS * sizeof(*toks));
	char state[16];
	size_t ntok, i;
	int64_t v;
	int t, r = KF_EPROTO;

	memset(e, 0, sizeof(*e));
	if (!toks)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	if (kf_json_tokenize(js, len, toks, KF__MAX_TOKENS, &ntok, errstr,
			     errstr_size))
		goto out_free;
	if (toks[0].type != KF_J_OBJECT) {
		kf_seterr(errstr, errstr_size, KF_EPROTO,
			  "a load record is a JSON object");
		goto out_free;
	}
	t = kf_json_member(js, toks, 0, "v", 1);
	if (t < 0 || kf_json_int64(js, &toks[t], &v) || v < 1 || v > 1000000) {
		kf_seterr(errstr, errstr_size, KF_EPROTO,
			  "a load record without a version \"v\"");
		goto out_free;
	}
	e->v = (int)v;
	e->state = KF_LOAD_UNKNOWN;
	r = 0;
	if (v > KF_LOAD_REC_VERSION)
		goto out_free; /* not ours to read */
	t = kf_json_member(js, toks, 0, "load_id", 7);
	if (t < 0 || toks[t].type != KF_J_STRING ||
	    kf_json_string(js, &toks[t], e->load_id, sizeof(e->load_id)) < 0)
		e->load_id[0] = '\0';
	t = kf_json_member(js, toks, 0, "state", 5);
	if (t < 0 || toks[t].type != KF_J_STRING ||
	    kf_json_string(js, &toks[t], state, sizeof(state)) < 0) {
		r = kf_seterr(errstr, errstr_size, KF_EPROTO,
			      "a load record without a \"state\"");
		goto out_free;
	}
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (!strcmp(state, states[i].name))
			e->state = states[i].state;
	t = kf_json_member(js, toks, 0, "next_record", 11);
	e->ckpt = t >= 0 && !kf_json_int64(js, &toks[t], &v) && v > 0;
out_free:
	free(toks);
	return r;
}

int kf_load_ledger_key(char *out, size_t cap, const char *topic,
		       const char *hash_hex)
{
	int n = snprintf(out, cap, "%s/%s", topic, hash_hex);

	return n < 0 || (size_t)n >= cap ? -1 : n;
}

/* ------------------------------------------------------------- reading */

/* What the scan of the ledger keeps: the newest record of its key that
 * parses. */
struct kf__take_ctx {
	const char *topic;
	kf_load_entry_t *e;
};

static void kf__take(const void *value, size_t len, long long offset,
		     int partition, void *opaque)
{
	struct kf__take_ctx *c = opaque;
	char errstr[256];
	kf_load_entry_t got;

	if (!value) {
		memset(c->e, 0, sizeof(*c->e)); /* a tombstone */
		return;
	}
	if (kf_load_rec_parse(value, len, &got, errstr, sizeof(errstr))) {
		kf_warn("load", "load ledger %s [%d] offset %lld: %s; skipped",
			c->topic, partition, offset, errstr);
		return;
	}
	*c->e = got;
}

int kf_load_ledger_read(const kf_conf_t *conf, const char *ledger_topic,
			const char *key, int timeout_ms, kf_load_entry_t *e,
			char *errstr, size_t errstr_size)
{
	struct kf__take_ctx c = {ledger_topic, e};

	memset(e, 0, sizeof(*e));
	return kf_keyscan(conf, ledger_topic, key, "the load ledger",
			  timeout_ms, kf__take, &c, errstr, errstr_size);
}

/* ------------------------------------------------------ the checkpoint */

void kf_load_ckpt_clear(kf_load_ckpt_t *ck)
{
	free(ck->ranges);
	free(ck->dead);
	memset(ck, 0, sizeof(*ck));
}

/* The ranges array member name of object 0 into *out (malloc'd, or NULL
 * when empty): 0, or -1 when it is absent or a range does not hold
 * together (our writer puts one range per partition, first <= last). */
static int kf__parse_ranges(const char *js, const kf_jtok_t *t,
			    const char *name, kf_load_range_t **out, size_t *n)
{
	int a = kf_json_member(js, t, 0, name, strlen(name));
	uint64_t p, first, last, cnt;
	uint32_t i, e;

	*out = NULL;
	*n = 0;
	if (a < 0 || t[a].type != KF_J_ARRAY)
		return -1;
	if (!t[a].size)
		return 0;
	if (!(*out = calloc(t[a].size, sizeof(**out))))
		return -1;
	for (i = 0, e = (uint32_t)a + 1; i < t[a].size; i++, e = t[e].next) {
		if (t[e].type != KF_J_OBJECT ||
		    kf_json_member_u64(js, t, (int)e, "p", &p) ||
		    kf_json_member_u64(js, t, (int)e, "first", &first) ||
		    kf_json_member_u64(js, t, (int)e, "last", &last) ||
		    kf_json_member_u64(js, t, (int)e, "n", &cnt) ||
		    p > INT32_MAX || first > last || !cnt ||
		    cnt > last - first + 1)
			return -1;
		(*out)[i] = (kf_load_range_t){.p = (int32_t)p,
					      .first = (int64_t)first,
					      .last = (int64_t)last,
					      .n = cnt};
	}
	*n = t[a].size;
	return 0;
}

/* The checkpoint of record js (its entry already parsed into ck->e). */
static int kf__parse_ckpt(const char *js, size_t len, kf_load_ckpt_t *ck,
			  char *errstr, size_t errstr_size)
{
	kf_jtok_t *toks = malloc(KF__MAX_TOKENS * sizeof(*toks));
	uint64_t parts = 0, pub = 0, sum = 0;
	size_t ntok, i;
	int bad;

	if (!toks)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	bad = kf_json_tokenize(js, len, toks, KF__MAX_TOKENS, &ntok, errstr,
			       errstr_size) ||
	      kf_json_member_u64(js, toks, 0, "next_record",
				 &ck->next_record) ||
	      kf_json_member_u64(js, toks, 0, "last_line", &ck->last_line) ||
	      kf_json_member_u64(js, toks, 0, "last_offset",
				 &ck->last_offset) ||
	      kf_json_member_u64(js, toks, 0, "rows_published", &pub) ||
	      kf_json_member_u64(js, toks, 0, "rows_rejected",
				 &ck->rows_rejected) ||
	      kf_json_member_u64(js, toks, 0, "parts", &parts) ||
	      kf__parse_ranges(js, toks, "ranges", &ck->ranges, &ck->nranges) ||
	      kf__parse_ranges(js, toks, "dead_letters", &ck->dead, &ck->ndead);
	for (i = 0; !bad && i < ck->nranges; i++)
		sum += ck->ranges[i].n;
	free(toks);
	/* the ranges count the published rows (3.3's invariant), a part
	 * was committed, and the load id names the load the re-run goes on */
	if (bad || !ck->next_record || !parts || parts > UINT32_MAX ||
	    sum != pub || strspn(ck->e.load_id, "0123456789abcdef") != 32 ||
	    ck->e.load_id[32])
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "its checkpoint (next_record, parts, "
				 "rows_published, ranges, load_id) does not "
				 "hold together");
	ck->rows_published = pub;
	ck->parts = (unsigned)parts;
	return 0;
}

int kf_load_ckpt_parse(const char *js, size_t len, kf_load_ckpt_t *ck,
		       char *errstr, size_t errstr_size)
{
	int r;

	memset(ck, 0, sizeof(*ck));
	r = kf_load_rec_parse(js, len, &ck->e, errstr, errstr_size);
	if (!r && ck->e.ckpt && ck->e.state != KF_LOAD_UNKNOWN)
		r = kf__parse_ckpt(js, len, ck, errstr, errstr_size);
	if (r)
		kf_load_ckpt_clear(ck);
	return r;
}

/* What the scan for a checkpoint keeps: the newest value of its key. */
struct kf__keep_ctx {
	char *value;
	size_t len;
	int err;
};

static void kf__keep(const void *value, size_t len, long long offset,
		     int partition, void *opaque)
{
	struct kf__keep_ctx *c = opaque;

	(void)offset;
	(void)partition;
	free(c->value);
	c->value = NULL;
	c->len = 0;
	if (value && !(c->value = malloc(len ? len : 1)))
		c->err = KF_ENOMEM;
	else if (value) {
		memcpy(c->value, value, len);
		c->len = len;
	}
}

int kf_load_ledger_checkpoint(const kf_conf_t *conf, const char *ledger_topic,
			      const char *key, int timeout_ms,
			      kf_load_ckpt_t *ck, char *errstr,
			      size_t errstr_size)
{
	struct kf__keep_ctx c = {0};
	char why[256];
	int r;

	memset(ck, 0, sizeof(*ck));
	r = kf_keyscan(conf, ledger_topic, key, "the load ledger", timeout_ms,
		       kf__keep, &c, errstr, errstr_size);
	if (!r && c.err)
		r = kf_seterr(errstr, errstr_size, KF_ENOMEM, "out of memory");
	if (!r && c.value &&
	    kf_load_ckpt_parse(c.value, c.len, ck, why, sizeof(why)))
		r = kf_seterr(errstr, errstr_size, KF_EPROTO,
			      "the load ledger %s: the record of %s: %s; "
			      "not resumed (--force loads the file from its "
			      "start, its committed parts a second time)",
			      ledger_topic, key, why);
	free(c.value);
	return r;
}

/* ------------------------------------------------------ a run's reader */

#define KF__HEX 32 /* a key's content hash, lowercase hex */

/* The newest state of one key of the run's data topic. */
struct kf__slot {
	uint8_t hash[16];
	int32_t v;
	int32_t part;  /* the ledger partition it was read from */
	uint8_t state; /* enum kf_load_state */
	uint8_t used;
	uint8_t ckpt; /* kf_load_entry_t.ckpt */
	char load_id[33];
};

/* A partition of the ledger: where its last read ended. */
struct kf__part {
	int64_t next; /* -1: not read yet */
	int busy;     /* a read of it runs */
};

struct kf_load_ledger_s {
	const kf_conf_t *conf;
	const char *ledger_topic;
	char prefix[512]; /* "<topic>/" */
	size_t prefix_len;
	uint8_t seed[KF_SIPHASH_KEY_SIZE];
	/* all below under mu; cv: a partition is no longer busy */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	kf_keyscan_t **idle; /* handles between reads */
	size_t nidle, cap_idle;
	struct kf__part *parts;
	int32_t nparts; /* the partition count the table was built with */
	int nbusy;
	struct kf__slot *tab; /* open addressing, linear probing */
	size_t cap, n;	      /* cap a power of two, or 0 */
};

int kf_load_ledger_new(const kf_conf_t *conf, const char *ledger_topic,
		       const char *topic, kf_load_ledger_t **out, char *errstr,
		       size_t errstr_size)
{
	kf_load_ledger_t *lg = calloc(1, sizeof(*lg));
	int n;

	*out = NULL;
	if (!lg)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	lg->conf = conf;
	lg->ledger_topic = ledger_topic;
	n = snprintf(lg->prefix, sizeof(lg->prefix), "%s/", topic);
	if (n < 0 || (size_t)n >= sizeof(lg->prefix) ||
	    getrandom(lg->seed, sizeof(lg->seed), 0) != sizeof(lg->seed)) {
		free(lg);
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "the load ledger reader of topic %s: a topic "
				 "name too long, or no random bytes",
				 topic);
	}
	lg->prefix_len = (size_t)n;
	pthread_mutex_init(&lg->mu, NULL);
	pthread_cond_init(&lg->cv, NULL);
	*out = lg;
	return 0;
}

void kf_load_ledger_destroy(kf_load_ledger_t *lg)
{
	size_t i;

	if (!lg)
		return;
	for (i = 0; i < lg->nidle; i++)
		kf_keyscan_destroy(lg->idle[i]);
	free(lg->idle);
	free(lg->parts);
	free(lg->tab);
	pthread_cond_destroy(&lg->cv);
	pthread_mutex_destroy(&lg->mu);
	free(lg);
}

static int kf__unhex(const char *s, uint8_t out[16])
{
	static const char digits[] = "0123456789abcdef";
	const char *hi, *lo;
	size_t i;

	for (i = 0; i < 16; i++) {
		hi = s[2 * i] ? strchr(digits, s[2 * i]) : NULL;
		lo = s[2 * i + 1] ? strchr(digits, s[2 * i + 1]) : NULL;
		if (!hi || !lo)
			return -1;
		out[i] = (uint8_t)((hi - digits) << 4 | (lo - digits));
	}
	return 0;
}

/* The hash of a key of lg's topic ("<topic>/<32 hex>"), or -1. */
static int kf__key_hash(const kf_load_ledger_t *lg, const void *key, size_t len,
			uint8_t out[16])
{
	char hex[KF__HEX + 1];

	if (!key || len != lg->prefix_len + KF__HEX ||
	    memcmp(key, lg->prefix, lg->prefix_len))
		return -1;
	memcpy(hex, (const char *)key + lg->prefix_len, KF__HEX);
	hex[KF__HEX] = '\0';
	return kf__unhex(hex, out);
}

/* hash's slot: its own, or the free one where it goes. The table is
 * never full (kf__grow). Keys are hashed with a secret seed: the ledger
 * is written by others, and chosen keys must not make a probe long. */
static struct kf__slot *kf__find(const kf_load_ledger_t *lg,
				 const uint8_t hash[16])
{
	size_t i = (size_t)kf_siphash24(lg->seed, hash, 16) & (lg->cap - 1);

	while (lg->tab[i].used && memcmp(lg->tab[i].hash, hash, 16))
		i = (i + 1) & (lg->cap - 1);
	return &lg->tab[i];
}

/* Room for one more key: at most three quarters full. */
static int kf__grow(kf_load_ledger_t *lg)
{
	struct kf__slot *old = lg->tab, *s;
	size_t ocap = lg->cap, i;

	if (lg->cap && (lg->n + 1) * 4 <= lg->cap * 3)
		return 0;
	lg->cap = ocap ? ocap * 2 : 1024;
	lg->tab = calloc(lg->cap, sizeof(*lg->tab));
	if (!lg->tab) {
		lg->tab = old;
		lg->cap = ocap;
		return KF_ENOMEM;
	}
	for (i = 0; i < ocap; i++)
		if (old[i].used) {
			s = kf__find(lg, old[i].hash);
			*s = old[i];
		}
	free(old);
	return 0;
}

/* What a read of one partition folds into the table. */
struct kf__fold {
	kf_load_ledger_t *lg;
	kf_keyscan_t *ks;
	int32_t count;
	int err; /* KF_ENOMEM once the table could not grow */
};

static void kf__fold(const void *key, size_t key_len, const void *value,
		     size_t len, long long offset, int partition, void *opaque)
{
	struct kf__fold *f = opaque;
	kf_load_ledger_t *lg = f->lg;
	kf_load_entry_t got = {.state = KF_LOAD_NONE};
	char errstr[256];
	uint8_t hash[16];
	struct kf__slot *s;

	/* only what a read of this key would read: its own partition */
	if (kf__key_hash(lg, key, key_len, hash) ||
	    kf_keyscan_home(f->ks, key, key_len, f->count) != partition)
		return;
	if (value &&
	    kf_load_rec_parse(value, len, &got, errstr, sizeof(errstr))) {
		kf_warn("load", "load ledger %s [%d] offset %lld: %s; skipped",
			lg->ledger_topic, partition, offset, errstr);
		return;
	}
	pthread_mutex_lock(&lg->mu);
	if (kf__grow(lg))
		f->err = KF_ENOMEM;
	else {
		s = kf__find(lg, hash);
		if (!s->used)
			lg->n++;
		*s = (struct kf__slot){.used = 1,
				       .v = got.v,
				       .part = partition,
				       .state = (uint8_t)got.state,
				       .ckpt = (uint8_t)got.ckpt};
		memcpy(s->hash, hash, 16);
		memcpy(s->load_id, got.load_id, sizeof(s->load_id));
	}
	pthread_mutex_unlock(&lg->mu);
}

/* Drops the entries of the keys of partition part (part -1: all), whose
 * read starts again from the start. Under mu, the partition busy or no
 * read running. */
static int kf__forget(kf_load_ledger_t *lg, int32_t part)
{
	struct kf__slot *old = lg->tab, *s;
	size_t ocap = lg->cap, i;

	lg->tab = ocap ? calloc(ocap, sizeof(*lg->tab)) : NULL;
	if (ocap && !lg->tab) {
		lg->tab = old;
		return KF_ENOMEM;
	}
	lg->n = 0;
	for (i = 0; part >= 0 && i < ocap; i++) {
		if (!old[i].used || old[i].part == part)
			continue;
		s = kf__find(lg, old[i].hash);
		*s = old[i];
		lg->n++;
	}
	free(old);
	return 0;
}

/* A pair of handles for one read: an idle one, or new. */
static int kf__take_handles(kf_load_ledger_t *lg, kf_keyscan_t **ks,
			    char *errstr, size_t errstr_size)
{
	pthread_mutex_lock(&lg->mu);
	*ks = lg->nidle ? lg->idle[--lg->nidle] : NULL;
	pthread_mutex_unlock(&lg->mu);
	if (*ks)
		return 0;
	return kf_keyscan_new(lg->conf, lg->ledger_topic, "the load ledger", ks,
			      errstr, errstr_size);
}

/* Back to the idle ones; after a failed read they are destroyed, and the
 * next read starts with new ones, as a read of its own would. */
static void kf__give_handles(kf_load_ledger_t *lg, kf_keyscan_t *ks, int failed)
{
	kf_keyscan_t **idle;
	size_t cap;

	pthread_mutex_lock(&lg->mu);
	if (!failed && lg->nidle == lg->cap_idle) {
		cap = lg->cap_idle ? lg->cap_idle * 2 : 4;
		idle = realloc(lg->idle, cap * sizeof(*idle));
		if (idle) {
			memset(idle + lg->nidle, 0,
			       (cap - lg->nidle) * sizeof(*idle));
			lg->idle = idle;
			lg->cap_idle = cap;
		}
	}
	if (!failed && lg->nidle < lg->cap_idle) {
		lg->idle[lg->nidle++] = ks;
		ks = NULL;
	}
	pthread_mutex_unlock(&lg->mu);
	kf_keyscan_destroy(ks);
}

/* Waits until no other read runs on part and claims it: *from is its
 * position (-1: never read). A new partition count first drops the whole
 * table, once no read runs at all. */
static int kf__claim(kf_load_ledger_t *lg, int32_t part, int32_t count,
		     int64_t *from)
{
	struct kf__part *parts;
	int32_t i;
	int r = 0;

	pthread_mutex_lock(&lg->mu);
	while (lg->nparts != count ? lg->nbusy > 0 : lg->parts[part].busy)
		pthread_cond_wait(&lg->cv, &lg->mu);
	if (lg->nparts != count) {
		parts = calloc((size_t)count, sizeof(*parts));
		r = parts ? kf__forget(lg, -1) : KF_ENOMEM;
		if (!r) {
			for (i = 0; i < count; i++)
				parts[i] = (struct kf__part){.next = -1};
			free(lg->parts);
			lg->parts = parts;
			lg->nparts = count;
		} else
			free(parts);
	}
	if (!r) {
		lg->parts[part].busy = 1;
		lg->nbusy++;
		*from = lg->parts[part].next;
	}
	pthread_mutex_unlock(&lg->mu);
	return r;
}

/* Ends the read of part (next -1: its position unchanged) and answers
 * with the entry of hash. */
static void kf__release(kf_load_ledger_t *lg, int32_t part, int64_t next,
			const uint8_t hash[16], kf_load_entry_t *e)
{
	const struct kf__slot *s;

	pthread_mutex_lock(&lg->mu);
	if (next >= 0)
		lg->parts[part].next = next;
	lg->parts[part].busy = 0;
	lg->nbusy--;
	pthread_cond_broadcast(&lg->cv);
	s = lg->cap ? kf__find(lg, hash) : NULL;
	if (s && s->used && s->part == part) {
		e->state = (enum kf_load_state)s->state;
		e->v = s->v;
		e->ckpt = s->ckpt;
		memcpy(e->load_id, s->load_id, sizeof(e->load_id));
	}
	pthread_mutex_unlock(&lg->mu);
}

/* Reads what is new in part (claimed) into the table, from from (-1: its
 * start): *next is its new position. */
static int kf__read_part(kf_load_ledger_t *lg, struct kf__fold *f, int32_t part,
			 int64_t from, int timeout_ms, int64_t *next,
			 char *errstr, size_t errstr_size)
{
	int64_t lo, hi;
	int r;

	r = kf_keyscan_offsets(f->ks, part, timeout_ms, &lo, &hi, errstr,
			       errstr_size);
	if (r)
		return r;
	if (from >= 0 && (hi < from || lo > from)) {
		/* deleted and created again, or records deleted: what was
		 * read of it is not what it holds */
		pthread_mutex_lock(&lg->mu);
		r = kf__forget(lg, part);
		pthread_mutex_unlock(&lg->mu);
		if (r)
			return kf_seterr(errstr, errstr_size, r,
					 "out of memory");
		from = -1;
	}
	r = kf_keyscan_read(f->ks, part, from < 0 ? lo : from, hi, timeout_ms,
			    kf__fold, f, next, errstr, errstr_size);
	if (!r && f->err)
		r = kf_seterr(errstr, errstr_size, f->err,
			      "the load ledger %s: out of memory for the "
			      "state of its keys",
			      lg->ledger_topic);
	return r;
}

int kf_load_ledger_get(kf_load_ledger_t *lg, const char *key, int timeout_ms,
		       kf_load_entry_t *e, char *errstr, size_t errstr_size)
{
	struct kf__fold f = {.lg = lg};
	int64_t from = -1, next = -1;
	int32_t part = 0;
	uint8_t hash[16];
	int r;

	memset(e, 0, sizeof(*e));
	if (kf__key_hash(lg, key, strlen(key), hash))
		return kf_load_ledger_read(lg->conf, lg->ledger_topic, key,
					   timeout_ms, e, errstr, errstr_size);
	r = kf__take_handles(lg, &f.ks, errstr, errstr_size);
	if (r)
		return r;
	r = kf_keyscan_partition(f.ks, key, timeout_ms, &part, &f.count, errstr,
				 errstr_size);
	if (!r && kf__claim(lg, part, f.count, &from))
		r = kf_seterr(errstr, errstr_size, KF_ENOMEM, "out of memory");
	if (r) {
		/* 1: no such topic, no record (logged) */
		kf__give_handles(lg, f.ks, r < 0);
		return r > 0 ? 0 : r;
	}
	r = kf__read_part(lg, &f, part, from, timeout_ms, &next, errstr,
			  errstr_size);
	kf__release(lg, part, r ? -1 : next, hash, e);
	kf__give_handles(lg, f.ks, r != 0);
	if (r)
		memset(e, 0, sizeof(*e));
	return r;
}
