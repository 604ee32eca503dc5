/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kf_watch(): the watch daemon (docs/watch.md).
 *
 * Every route has a state: its compiled route, its table of files (keyed
 * by relative path), its file system watches and at most one scan at a
 * time in the worker pool. A scan's result drives each file through
 *
 *   SEEN --finished--> READY --dispatch--> BUSY --ok--> (after) gone/DONE
 *                                            \--failed--> BACKOFF -> READY
 *                                             \--last attempt--> error dir
 *
 * READY files wait in one FIFO queue (bounded by the files a scan lists);
 * at most watch.max_inflight_files are BUSY at once, over all routes.
 * Files are never held in memory: a slow broker makes them wait in their
 * directories, and the sender engines bound their own memory.
 *
 * @locality loop thread, except the *_work functions (worker pool).
 */
#include "watch/daemon.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/log.h"
#include "common/stop.h"
#include "common/util.h"
#include "config/conf.h"
#include "core/path.h"
#include "load/loader.h"
#include "obs/probe.h"
#include "send/sender.h"
#include "watch/action.h"
#include "watch/ledger.h"
#include "watch/route.h"
#include "watch/scan.h"

#define KF__TICK_MS 200
/* While files wait to become stable, their route is rescanned this often. */
#define KF__STABLE_POLL_S 1.0
/* File system events are gathered this long before a scan. */
#define KF__EVENT_DELAY_S 0.2
/* With files waiting, no acknowledgement for this long is logged. */
#define KF__STALL_S 30.0
/* Files of fewer chunks are not checkpointed (docs/watch.md). */
#define KF__CKPT_MIN_CHUNKS 8
/* After the drain time, aborted files get this long to be reported. */
#define KF__ABORT_GRACE_S 15.0

volatile sig_atomic_t kf__reload_flag;

void kf_watch_reload_request(void)
{
	kf__reload_flag = 1;
}

enum kf__fstate {
	KF__F_SEEN,
	KF__F_READY,
	KF__F_BUSY,
	KF__F_DONE,
	KF__F_BACKOFF
};

struct kf__daemon;
struct kf__rstate;

/* A reader of the load ledger for one data topic (load/ledger.h,
 * docs/records.md 3.3), shared by the records routes into that topic and
 * by their files in flight: created at a route's first file, destroyed
 * when the last route or loader lets it go. */
struct kf__lreader {
	struct kf__daemon *d;
	kf_load_ledger_t *lg;
	char *topic, *ledger_topic; /* owned; lg borrows them */
	unsigned refs;		    /* routes and loaders holding it */
	uv_work_t work;		    /* its destruction (worker pool) */
	struct kf__lreader *next;
};

/* One sender engine (and producer) per topic, kept until exit. */
struct kf__wsender {
	struct kf__daemon *d;
	/* the start configuration's, with the route's topic and keys */
	kf_send_opts_t opts;
	char *topic, *rcpt, *sign; /* owned; what opts points at */
	kf_sender_t *s;
	struct kf__wsender *next;
};

struct kf__file {
	struct kf__rstate *rs;
	char *rel;
	uint64_t size, dev, ino;    /* as last scanned */
	int64_t mtime_ns, ctime_ns; /* ctime 0: not known (from the ledger) */
	struct kf_action_file sub;  /* as handed to the sender */
	double stable_since, retry_at;
	int state, attempts, has_marker;
	int queued; /* in the ready queue */
	int gone;   /* dropped from its table while queued */
	unsigned seen;
	struct kf__wsender *ws; /* while in a sender */
	kf_loader_t *loader;	/* while loaded (a records route) */
	kf_load_opts_t lo;	/* its options: job_route's, borrowed */
	struct kf__lreader *lr; /* lo.ledger's: a reference while loaded */
	char *src;		/* from submit to the end of its BUSY time */
	kf_route_t *job_route;	/* while BUSY */
	int job_ledger;		/* the job appends a ledger record */
	int release_state;	/* kf__release: the state after the unclaim */
	uv_work_t work;
	int job_rc;
	char msg[512];
	/* Checkpoint of a cut-off transfer (ledger P record, docs/watch.md):
	 * from the ledger at start, then from the sender as chunks are
	 * acknowledged. One ledger job for it at a time (ck_work). */
	kf_send_ckpt_t ck;
	int has_ck;
	int64_t ck_at;	   /* when acknowledged, seconds since the epoch */
	uint64_t ck_saved; /* next_index in the ledger; 0 = none there */
	int ck_busy;
	struct kf_ledger_rec ck_rec; /* of the running job */
	uv_work_t ck_work;
	int outcome_pending, outcome_err; /* the sender's verdict waits */
	void *void_token; /* the sender holds the ABORT until X is durable */
	struct kf__file *hnext, *qnext, *inext, *bnext;
	struct kf__file *lnext; /* waiting for a loader (lwait) */
};

struct kf__dirwatch {
	uv_fs_event_t h;
	struct kf__rstate *rs;
	char *rel;
};

struct kf__rstate {
	struct kf__daemon *d;
	kf_route_t *r;
	struct kf__wsender *ws;
	struct kf__lreader *lr; /* a reference: its files' ledger reader */
	struct kf__file **tab;
	size_t tabsize, nfiles;
	size_t busy, nqueued;
	unsigned mark;
	int scanning, dirty, removed, scan_err_logged;
	double next_scan, last_scan;
	uv_work_t scan_req;
	kf_route_t *scan_route;
	struct kf_scan_result scan;
	struct kf__dirwatch **watches; /* sorted by rel */
	size_t nwatches;
	struct kf__rstate *next;
};

struct kf__daemon {
	uv_loop_t loop;
	uv_timer_t tick;
	const kf_conf_t *conf0;
	kf_send_opts_t send0; /* the senders' options but topic and keys */
	kf_load_opts_t load0; /* records routes' options but the route's */
	kf_watch_reload_cb *reload;
	void *reload_opaque;
	kf_ledger_t *ledger;
	struct kf__rstate *routes;
	struct kf__wsender *senders;
	struct kf__lreader *lreaders; /* those with references */
	struct kf__file *qhead, *qtail;
	size_t nqueued;
	struct kf__file *inflight;
	struct kf__file *sending; /* files with a src, by bnext */
	/* records files in flight that wait for a loader, by lnext */
	struct kf__file *lwait, **lwait_tail;
	unsigned nloading, max_loading; /* loaders running, at most */
	size_t ninflight, jobs;
	int max_inflight, rescan_s, drain_s, resume_window_s;
	int stopping, aborted, closing;
	int refused; /* a sender's refusal stopped the daemon */
	char refusal[1024];
	double drain_deadline, last_progress, last_stall_log;
	uint64_t nsent, nfailed;
};

static void kf__scan_start(struct kf__rstate *rs);
static void kf__dispatch(struct kf__daemon *d);

static double kf__now(struct kf__daemon *d)
{
	return (double)uv_now(&d->loop) / 1000.0;
}

static int kf__same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* ------------------------------------------------- load ledger readers */

/* The ledger topic of a records route's loads: its own, or load.*'s. */
static const char *kf__ledger_topic(const struct kf__daemon *d,
				    const kf_route_t *r)
{
	return r->ledger_topic ? r->ledger_topic : d->load0.ledger_topic;
}

/* 1 if lr reads the ledger the loads of route r read and write. */
static int kf__lreader_fits(const struct kf__lreader *lr, const kf_route_t *r)
{
	return r->kind == KF_ROUTE_RECORDS && !strcmp(lr->topic, r->topic) &&
	       kf__same(lr->ledger_topic, kf__ledger_topic(lr->d, r));
}

static void kf__lreader_free(struct kf__lreader *lr)
{
	free(lr->topic);
	free(lr->ledger_topic);
	free(lr);
}

/* @locality worker: no reference is left, so no read runs */
static void kf__lreader_destroy_work(uv_work_t *req)
{
	struct kf__lreader *lr = req->data;

	kf_load_ledger_destroy(lr->lg);
}

static void kf__lreader_destroyed(uv_work_t *req, int status)
{
	(void)status;
	kf__lreader_free(req->data);
}

/* Lets a reference go (NULL: none). The last one destroys the reader in
 * the worker pool: closing its client handles waits for the brokers,
 * and the loop drives every transfer. */
static void kf__lreader_put(struct kf__lreader *lr)
{
	struct kf__lreader **pp;

	if (!lr || --lr->refs)
		return;
	for (pp = &lr->d->lreaders; *pp != lr; pp = &(*pp)->next)
		;
	*pp = lr->next;
	kf_dbg(KF_DBG_WATCH, "watch",
	       "load ledger reader of %s for topic %s: destroyed",
	       lr->ledger_topic, lr->topic);
	lr->work.data = lr;
	uv_queue_work(&lr->d->loop, &lr->work, kf__lreader_destroy_work,
		      kf__lreader_destroyed);
}

/* A reference to the daemon's reader of ledger_topic for the keys of
 * topic, made (nothing connected yet) if it has none. 0 with *out, or
 * KF_ENOMEM / KF_EINVAL with errstr. */
static int kf__lreader_get(struct kf__daemon *d, const char *topic,
			   const char *ledger_topic, struct kf__lreader **out,
			   char *errstr, size_t errstr_size)
{
	struct kf__lreader *lr;
	int err;

	for (lr = d->lreaders; lr; lr = lr->next)
		if (!strcmp(lr->topic, topic) &&
		    !strcmp(lr->ledger_topic, ledger_topic)) {
			lr->refs++;
			*out = lr;
			return 0;
		}
	lr = calloc(1, sizeof(*lr));
	if (!lr || !(lr->topic = strdup(topic)) ||
	    !(lr->ledger_topic = strdup(ledger_topic))) {
		if (lr)
			kf__lreader_free(lr);
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	}
	err = kf_load_ledger_new(d->load0.conf, lr->ledger_topic, lr->topic,
				 &lr->lg, errstr, errstr_size);
	if (err) {
		kf__lreader_free(lr);
		return err;
	}
	lr->d = d;
	lr->refs = 1;
	lr->next = d->lreaders;
	d->lreaders = lr;
	kf_dbg(KF_DBG_WATCH, "watch",
	       "load ledger reader of %s for topic %s: created", ledger_topic,
	       topic);
	*out = lr;
	return 0;
}

/* Gives f's load the reader of its ledger (f->lr: a reference until the
 * loader is destroyed). Its route keeps one too, for its next files,
 * unless a reload changed the route since f started: the reader then
 * fits f's options, not the route's. */
static int kf__file_lreader(struct kf__daemon *d, struct kf__file *f,
			    char *errstr, size_t errstr_size)
{
	struct kf__rstate *rs = f->rs;
	int err;

	if (!f->lo.ledger_topic)
		return 0;
	err = kf__lreader_get(d, f->lo.topic, f->lo.ledger_topic, &f->lr,
			      errstr, errstr_size);
	if (err)
		return err;
	f->lo.ledger = f->lr->lg;
	if (!rs->lr && !rs->removed && rs->r == f->job_route) {
		rs->lr = f->lr;
		rs->lr->refs++;
	}
	return 0;
}

/* Lets f's reference go: its loader is destroyed (or never started). */
static void kf__file_lreader_put(struct kf__file *f)
{
	kf__lreader_put(f->lr);
	f->lr = NULL;
}

/* ------------------------------------------------------- the file table */

static size_t kf__hash(const char *s)
{
	size_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct kf__file *kf__file_find(struct kf__rstate *rs, const char *rel)
{
	struct kf__file *f;

	if (!rs->tabsize)
		return NULL;
	for (f = rs->tab[kf__hash(rel) % rs->tabsize]; f; f = f->hnext)
		if (!strcmp(f->rel, rel))
			return f;
	return NULL;
}

static int kf__tab_grow(struct kf__rstate *rs)
{
	size_t size = rs->tabsize ? 2 * rs->tabsize : 256, i;
	struct kf__file **tab = calloc(size, sizeof(*tab));

	if (!tab)
		return KF_ENOMEM;
	for (i = 0; i < rs->tabsize; i++) {
		struct kf__file *f = rs->tab[i], *next;

		for (; f; f = next) {
			next = f->hnext;
			f->hnext = tab[kf__hash(f->rel) % size];
			tab[kf__hash(f->rel) % size] = f;
		}
	}
	free(rs->tab);
	rs->tab = tab;
	rs->tabsize = size;
	return 0;
}

static struct kf__file *kf__file_add(struct kf__rstate *rs, const char *rel)
{
	struct kf__file *f;
	size_t b;

	if (rs->nfiles >= rs->tabsize && kf__tab_grow(rs))
		return NULL;
	if (!(f = calloc(1, sizeof(*f))) || !(f->rel = strdup(rel))) {
		free(f);
		return NULL;
	}
	f->rs = rs;
	b = kf__hash(rel) % rs->tabsize;
	f->hnext = rs->tab[b];
	rs->tab[b] = f;
	rs->nfiles++;
	return f;
}

static void kf__file_free(struct kf__file *f)
{
	kf_loader_destroy(f->loader); /* done: kf__stop_tick waits for it */
	kf__file_lreader_put(f);
	kf_route_unref(f->job_route);
	free(f->src);
	free(f->rel);
	free(f);
}

/* Takes f out of its table; frees it unless the ready queue still holds
 * it (then the queue frees it). Never called on a BUSY file. */
static void kf__file_drop(struct kf__file *f)
{
	struct kf__rstate *rs = f->rs;
	struct kf__file **pp = &rs->tab[kf__hash(f->rel) % rs->tabsize];

	while (*pp != f)
		pp = &(*pp)->hnext;
	*pp = f->hnext;
	rs->nfiles--;
	if (f->queued)
		f->gone = 1;
	else
		kf__file_free(f);
}

/* Calls fn on every file of rs; fn may drop the file. */
static void kf__files_each(struct kf__rstate *rs,
			   void (*fn)(struct kf__file *f, void *arg), void *arg)
{
	size_t i;

	for (i = 0; i < rs->tabsize; i++) {
		struct kf__file *f = rs->tab[i], *next;

		for (; f; f = next) {
			next = f->hnext;
			fn(f, arg);
		}
	}
}

/* ------------------------------------------------------- the ready queue */

static void kf__enqueue(struct kf__file *f)
{
	struct kf__daemon *d = f->rs->d;

	f->state = KF__F_READY;
	if (f->queued)
		return;
	f->queued = 1;
	f->qnext = NULL;
	if (d->qtail)
		d->qtail->qnext = f;
	else
		d->qhead = f;
	d->qtail = f;
	d->nqueued++;
	f->rs->nqueued++;
}

static struct kf__file *kf__dequeue(struct kf__daemon *d)
{
	struct kf__file *f = d->qhead;

	if (!f)
		return NULL;
	d->qhead = f->qnext;
	if (!d->qhead)
		d->qtail = NULL;
	d->nqueued--;
	f->rs->nqueued--;
	f->queued = 0;
	return f;
}

/* ------------------------------------------------------ route states */

static void kf__watch_closed(uv_handle_t *h)
{
	struct kf__dirwatch *w =
		KF_CONTAINER_OF((uv_fs_event_t *)h, struct kf__dirwatch, h);

	free(w->rel);
	free(w);
}

static void kf__watch_close(struct kf__dirwatch *w)
{
	uv_fs_event_stop(&w->h);
	uv_close((uv_handle_t *)&w->h, kf__watch_closed);
}

static void kf__watches_close(struct kf__rstate *rs)
{
	size_t i;

	for (i = 0; i < rs->nwatches; i++)
		kf__watch_close(rs->watches[i]);
	free(rs->watches);
	rs->watches = NULL;
	rs->nwatches = 0;
}

static void kf__drop_idle(struct kf__file *f, void *arg)
{
	(void)arg;
	if (f->state != KF__F_BUSY)
		kf__file_drop(f);
}

static void kf__drop_any(struct kf__file *f, void *arg)
{
	(void)arg;
	kf__file_drop(f);
}

/* Frees rs and its files; no job of it may be running. */
static void kf__rstate_free(struct kf__rstate *rs)
{
	kf__files_each(rs, kf__drop_any, NULL);
	kf__watches_close(rs);
	kf__lreader_put(rs->lr);
	kf_route_unref(rs->r);
	free(rs->tab);
	free(rs);
}

/* Frees removed route states once nothing refers to them any more. */
static void kf__reap_routes(struct kf__daemon *d)
{
	struct kf__rstate **pp = &d->routes, *rs;

	while ((rs = *pp)) {
		if (rs->removed && !rs->busy && !rs->nqueued && !rs->scanning) {
			*pp = rs->next;
			kf__rstate_free(rs);
		} else {
			pp = &rs->next;
		}
	}
}

static struct kf__rstate *kf__route_find(struct kf__daemon *d, const char *name)
{
	struct kf__rstate *rs;

	for (rs = d->routes; rs; rs = rs->next)
		if (!rs->removed && !strcmp(rs->r->name, name))
			return rs;
	return NULL;
}

/* ------------------------------------------------------------ senders */

static void kf__file_cb(void *opaque, const char *rel, const char *src,
			uint64_t size, int err, const char *msg);
static void kf__ckpt_cb(void *opaque, const char *src,
			const kf_send_ckpt_t *ck);
static int kf__void_cb(void *opaque, const char *src, void *token);

static void kf__wsender_free(struct kf__wsender *ws)
{
	free(ws->topic);
	free(ws->rcpt);
	free(ws->sign);
	free(ws);
}

/* One sender per topic and keys (a route's own keys, or send.*): *out,
 * or a KF_E* code (KF_EINVAL: a key file that cannot be used). */
static int kf__sender_for(struct kf__daemon *d, const kf_route_t *r,
			  struct kf__wsender **out, char *errstr,
			  size_t errstr_size)
{
	const char *rcpt = r->encrypt_recipients ? r->encrypt_recipients
						 : d->conf0->encrypt_recipients;
	const char *sign = r->sign_key ? r->sign_key : d->conf0->sign_key;
	struct kf__wsender *ws;
	int err = KF_ENOMEM;

	for (ws = d->senders; ws; ws = ws->next)
		if (!strcmp(ws->topic, r->topic) && kf__same(ws->rcpt, rcpt) &&
		    kf__same(ws->sign, sign)) {
			*out = ws;
			return 0;
		}
	if (!(ws = calloc(1, sizeof(*ws))))
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	ws->d = d;
	/* Copies: a reload frees the route. Send and Kafka settings are the
	 * start's (conf0 outlives the daemon). */
	ws->rcpt = rcpt ? strdup(rcpt) : NULL;
	ws->sign = sign ? strdup(sign) : NULL;
	ws->topic = strdup(r->topic);
	if (!ws->topic || (rcpt && !ws->rcpt) || (sign && !ws->sign)) {
		kf_seterr(errstr, errstr_size, KF_ENOMEM, "out of memory");
		goto out_free;
	}
	ws->opts = d->send0;
	ws->opts.producer.topic = ws->topic;
	ws->opts.encrypt_recipients = ws->rcpt;
	ws->opts.sign_key = ws->sign;
	/* a daemon outlives broker outages, the first one included */
	ws->opts.producer.keep_trying = 1;
	err = kf_sender_new(&d->loop, &ws->opts, kf__file_cb, ws, &ws->s,
			    errstr, errstr_size);
	if (err)
		goto out_free;
	kf_sender_on_ckpt(ws->s, kf__ckpt_cb);
	kf_sender_on_void(ws->s, kf__void_cb);
	ws->next = d->senders;
	d->senders = ws;
	*out = ws;
	return 0;

out_free:
	kf__wsender_free(ws);
	return err;
}

/* A records route's load options: the start's load.* with the route's
 * topic, schema and overrides (docs/records.md 4.3). Strings are r's. */
static int kf__load_opts(const struct kf__daemon *d, const kf_route_t *r,
			 kf_load_opts_t *o, char *errstr, size_t errstr_size)
{
	size_t i;

	*o = d->load0;
	o->topic = r->topic;
	o->schema = r->schema;
	o->ledger_topic = kf__ledger_topic(d, r);
	if (r->dead_letter_topic)
		o->dead_letter_topic = r->dead_letter_topic;
	if (r->has_rejects) {
		o->max_rejects = r->max_rejects;
		o->max_rejects_pct = r->max_rejects_pct;
	}
	if (o->max_rejects && !o->dead_letter_topic)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "route %s: max_rejects needs a dead letter "
				 "topic (route.%s.dead_letter_topic or "
				 "load.dead_letter_topic): rejected rows go "
				 "there",
				 r->name, r->name);
	for (i = 0; !o->mask_salt && i < r->schema->ncols; i++)
		if (r->schema->cols[i].mask == KF_MASK_HASH)
			return kf_seterr(errstr, errstr_size, KF_EINVAL,
					 "route %s: column %s masks by hash: "
					 "set load.mask_salt",
					 r->name, r->schema->cols[i].name);
	return 0;
}

/* What a route needs before it starts: a sender for its topic and keys,
 * or, for records, load options that hold. */
static int kf__route_engine(struct kf__daemon *d, const kf_route_t *r,
			    struct kf__wsender **ws, char *errstr,
			    size_t errstr_size)
{
	kf_load_opts_t lo;

	*ws = NULL;
	if (r->kind == KF_ROUTE_RECORDS)
		return kf__load_opts(d, r, &lo, errstr, errstr_size);
	return kf__sender_for(d, r, ws, errstr, errstr_size);
}

/* Starts watching r (taken on success). Returns 0 or a KF_E* code. */
static int kf__route_add(struct kf__daemon *d, kf_route_t *r, char *errstr,
			 size_t errstr_size)
{
	struct kf__rstate *rs = calloc(1, sizeof(*rs));
	int err;

	if (!rs)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	rs->d = d;
	err = kf__route_engine(d, r, &rs->ws, errstr, errstr_size);
	if (!err && kf__tab_grow(rs))
		err = kf_seterr(errstr, errstr_size, KF_ENOMEM,
				"out of memory");
	if (err) {
		free(rs->tab);
		free(rs);
		return err;
	}
	rs->r = r;
	rs->dirty = 1;
	rs->next = d->routes;
	d->routes = rs;
	return 0;
}

/* ----------------------------------------------------------- outcomes */

static void kf__job_work(uv_work_t *req)
{
	struct kf__file *f = req->data;
	kf_ledger_t *l = f->job_ledger ? f->rs->d->ledger : NULL;

	f->job_rc = kf_action_sent(f->job_route, l, &f->sub, f->msg,
				   sizeof(f->msg));
}

static void kf__quarantine_work(uv_work_t *req)
{
	struct kf__file *f = req->data;
	char reason[512];

	snprintf(reason, sizeof(reason), "%s", f->msg);
	f->job_rc = kf_action_quarantine(f->job_route, &f->sub, reason,
					 f->attempts, f->msg, sizeof(f->msg));
}

static void kf__unclaim_work(uv_work_t *req)
{
	struct kf__file *f = req->data;

	f->job_rc = kf_action_unclaim(f->job_route, &f->sub, f->msg,
				      sizeof(f->msg));
}

static void kf__claim_work(uv_work_t *req)
{
	struct kf__file *f = req->data;

	f->job_rc =
		kf_action_claim(f->job_route, &f->sub, f->msg, sizeof(f->msg));
}

/* Ends a BUSY period: the file is back in its table's hands. Returns 1
 * if it was freed (its route was removed meanwhile). */
static int kf__unbusy(struct kf__file *f, int state)
{
	struct kf__rstate *rs = f->rs;
	struct kf__file **pp = &rs->d->sending;

	if (f->src) {
		while (*pp != f)
			pp = &(*pp)->bnext;
		*pp = f->bnext;
		free(f->src);
		f->src = NULL;
	}
	rs->busy--;
	kf_route_unref(f->job_route);
	f->job_route = NULL;
	f->state = state;
	if (!rs->removed)
		return 0;
	kf__file_drop(f);
	return 1;
}

/* Ends the BUSY period of a file found changed: it must be stable again
 * before it is sent, and its route is scanned again within the stable
 * poll. The change may be older than the route's last scan (which skips
 * BUSY files), so no file system event may come to trigger one, and
 * waiting for watch.rescan_seconds would hold the file that long. */
static void kf__look_again(struct kf__file *f)
{
	struct kf__rstate *rs = f->rs;
	double now = kf__now(rs->d);

	f->stable_since = now;
	if (now + KF__STABLE_POLL_S < rs->next_scan)
		rs->next_scan = now + KF__STABLE_POLL_S;
	kf__unbusy(f, KF__F_SEEN);
}

/* A claimed file whose name a newer file took went to the error
 * directory (kf_action_unclaim). */
static void kf__superseded(struct kf__file *f, const char *name)
{
	struct kf__daemon *d = f->rs->d;

	kf_warn("watch",
		"%s/%s: a newer file took its name before it was "
		"sent; it is in %s",
		f->rs->r->name, name, f->job_route->error_dir);
	d->nfailed++;
	/* the table's entry is the newer file's from the next scan on */
	f->ctime_ns = 0;
	kf__look_again(f);
}

static void kf__job_done(uv_work_t *req, int status)
{
	struct kf__file *f = req->data;
	struct kf__daemon *d = f->rs->d;
	char name[600];
	int keep = f->job_route->after == KF_AFTER_KEEP;

	(void)status;
	d->jobs--;
	kf_path_printable((const uint8_t *)f->rel, strlen(f->rel), name,
			  sizeof(name));
	if (f->job_rc == KF_ACTION_CHANGED) {
		kf_info("watch",
			"%s/%s changed while being sent; it will be "
			"sent again",
			f->rs->r->name, name);
		kf__look_again(f);
	} else if (f->job_rc == KF_ACTION_SUPERSEDED) {
		kf__superseded(f, name);
	} else if (f->job_rc < 0) {
		kf_err("watch", "%s/%s: sent, but: %s", f->rs->r->name, name,
		       f->msg);
		/* the after action is tried again from its name; the rename
		 * back moved its ctime, which the next scan takes */
		f->ctime_ns = 0;
		kf__unbusy(f, KF__F_DONE);
	} else {
		if (f->job_ledger) {
			d->nsent++;
			if (f->job_route->kind == KF_ROUTE_FILES)
				kf_info("watch", "sent %s/%s (%llu bytes)",
					f->rs->r->name, name,
					(unsigned long long)f->sub.size);
		}
		/* DONE is what was sent: a change seen meanwhile sends again */
		f->size = f->sub.size;
		f->dev = f->sub.dev;
		f->ino = f->sub.ino;
		f->mtime_ns = f->sub.mtime_ns;
		f->ctime_ns = f->sub.ctime_ns;
		if (!kf__unbusy(f, KF__F_DONE) && !keep)
			kf__file_drop(f);
	}
	kf__reap_routes(d);
}

static void kf__release(struct kf__file *f, int state);

static void kf__quarantine_done(uv_work_t *req, int status)
{
	struct kf__file *f = req->data;
	struct kf__daemon *d = f->rs->d;

	(void)status;
	d->jobs--;
	if (f->job_rc) {
		kf_err("watch",
		       "%s: cannot move it to the error directory: "
		       "%s",
		       f->rs->r->name, f->msg);
		f->retry_at = kf__now(d) + kf_route_backoff(f->job_route, 1);
		kf__release(f, KF__F_BACKOFF);
	} else {
		d->nfailed++;
		if (!kf__unbusy(f, KF__F_DONE))
			kf__file_drop(f);
	}
	kf__reap_routes(d);
}

/* Queues the after-send job of a BUSY file (ledger: append a record). */
static void kf__start_job(struct kf__file *f, int ledger)
{
	f->job_ledger = ledger;
	f->work.data = f;
	f->rs->d->jobs++;
	uv_queue_work(&f->rs->d->loop, &f->work, kf__job_work, kf__job_done);
}

static void kf__make_busy(struct kf__file *f)
{
	f->state = KF__F_BUSY;
	f->rs->busy++;
	f->job_route = kf_route_ref(f->rs->r);
	f->sub.rel = f->rel;
	f->sub.size = f->size;
	f->sub.dev = f->dev;
	f->sub.ino = f->ino;
	f->sub.mtime_ns = f->mtime_ns;
	f->sub.ctime_ns = f->ctime_ns;
	f->sub.claimed = 0;
}

static void kf__unclaim_done(uv_work_t *req, int status)
{
	struct kf__file *f = req->data;
	struct kf__daemon *d = f->rs->d;
	char name[600];

	(void)status;
	d->jobs--;
	kf_path_printable((const uint8_t *)f->rel, strlen(f->rel), name,
			  sizeof(name));
	if (f->job_rc == KF_ACTION_SUPERSEDED) {
		kf__superseded(f, name);
	} else {
		if (f->job_rc)
			kf_err("watch",
			       "%s/%s: %s; it is put back at the next "
			       "start",
			       f->rs->r->name, name, f->msg);
		kf__unbusy(f, f->release_state);
	}
	kf__dispatch(d);
	kf__reap_routes(d);
}

/* Ends a BUSY period in state; a claimed file gets its name back first
 * (in the worker pool). */
static void kf__release(struct kf__file *f, int state)
{
	struct kf__daemon *d = f->rs->d;

	if (!f->sub.claimed) {
		kf__unbusy(f, state);
		return;
	}
	f->release_state = state;
	f->work.data = f;
	d->jobs++;
	uv_queue_work(&d->loop, &f->work, kf__unclaim_work, kf__unclaim_done);
}

static void kf__attempt_failed(struct kf__file *f, int err, int permanent)
{
	struct kf__daemon *d = f->rs->d;
	const kf_route_t *r = f->job_route;
	char name[600];
	double wait;

	kf_path_printable((const uint8_t *)f->rel, strlen(f->rel), name,
			  sizeof(name));
	/* a refusal (credentials, ACLs) stops the daemon: not the file's
	 * fault, so it costs no attempt */
	if (err == KF_ESTOPPED || err == KF_EAUTH || err == KF_EACCESS) {
		kf__release(f, KF__F_SEEN);
		return;
	}
	f->attempts++;
	if (permanent || f->attempts > r->retries) {
		kf_err("watch", "%s/%s: giving up after %d attempts: %s",
		       r->name, name, f->attempts, f->msg);
		f->work.data = f;
		d->jobs++;
		uv_queue_work(&d->loop, &f->work, kf__quarantine_work,
			      kf__quarantine_done);
		return;
	}
	wait = kf_route_backoff(r, f->attempts);
	kf_warn("watch", "%s/%s: attempt %d failed: %s; next in %.0f s",
		r->name, name, f->attempts, f->msg, wait);
	f->retry_at = kf__now(d) + wait;
	f->rs->next_scan =
		f->retry_at < f->rs->next_scan ? f->retry_at : f->rs->next_scan;
	kf__release(f, KF__F_BACKOFF);
}

static void kf__inflight_remove(struct kf__daemon *d, struct kf__file *f)
{
	struct kf__file **pp = &d->inflight;

	while (*pp != f)
		pp = &(*pp)->inext;
	*pp = f->inext;
	d->ninflight--;
	f->ws = NULL;
}

static void kf__ck_start(struct kf__file *f, int kind);
static void kf__void_step(struct kf__file *f);

/* Acts on the sender's verdict once no checkpoint write of the file runs,
 * so that the ledger's records of a file stay in order: a failed transfer
 * whose checkpoint is still on the ledger voids it (an aborted transfer
 * was voided before its ABORT, kf__void_cb; this catches the rest), a
 * sent one is recorded by its after-send job. */
static void kf__outcome(struct kf__file *f)
{
	struct kf__daemon *d = f->rs->d;

	if (f->ck_busy)
		return;
	if (f->outcome_err && f->ck_saved) {
		kf__ck_start(f, KF_LEDGER_VOID);
		return;
	}
	f->outcome_pending = 0;
	f->has_ck = 0;
	if (!f->outcome_err)
		kf__start_job(f, 1);
	else
		kf__attempt_failed(f, f->outcome_err, 0);
	kf__dispatch(d);
	kf__reap_routes(d);
}

/* @locality worker */
static void kf__ck_work(uv_work_t *req)
{
	struct kf__file *f = req->data;
	char err[256];

	if (kf_ledger_append(f->rs->d->ledger, &f->ck_rec, err, sizeof(err)))
		kf_err("watch", "cannot record a checkpoint: %s", err);
}

static void kf__ck_done(uv_work_t *req, int status)
{
	struct kf__file *f = req->data;

	(void)status;
	f->rs->d->jobs--;
	f->ck_busy = 0;
	/* Even when the append failed: there is nothing better to do than
	 * carry on, and a void must not be retried for ever. */
	f->ck_saved =
		f->ck_rec.kind == KF_LEDGER_PROGRESS ? f->ck_rec.next_index : 0;
	if (f->void_token)
		kf__void_step(f);
	else if (f->outcome_pending)
		kf__outcome(f);
	else if (f->has_ck && f->ck.next_index > f->ck_saved)
		kf__ck_start(f, KF_LEDGER_PROGRESS);
}

/* The ABORT the sender holds for f is produced once no checkpoint of its
 * transfer is left on the ledger: after the X record is durable. */
static void kf__void_step(struct kf__file *f)
{
	void *token = f->void_token;

	if (f->ck_saved) {
		kf__ck_start(f, KF_LEDGER_VOID);
		return;
	}
	f->void_token = NULL;
	kf_sender_void_done(f->ws->s, token);
}

/* Appends a P (checkpoint) or X (void) record for a BUSY file. */
static void kf__ck_start(struct kf__file *f, int kind)
{
	struct kf_ledger_rec *rec = &f->ck_rec;

	memset(rec, 0, sizeof(*rec));
	rec->kind = kind;
	rec->route = f->job_route->name;
	rec->rel = f->rel;
	rec->size = f->ck.size;
	rec->mtime_ns = f->ck.mtime_ns;
	rec->ino = f->ck.ino;
	rec->sent_s = f->ck_at;
	memcpy(rec->xid, f->ck.xid.b, sizeof(rec->xid));
	rec->next_index = f->ck.next_index;
	rec->chunk_size = f->ck.chunk_size;
	f->ck_busy = 1;
	f->ck_work.data = f;
	f->rs->d->jobs++;
	uv_queue_work(&f->rs->d->loop, &f->ck_work, kf__ck_work, kf__ck_done);
}

static struct kf__file *kf__inflight_find(struct kf__wsender *ws,
					  const char *src)
{
	struct kf__file *f;

	for (f = ws->d->inflight; f; f = f->inext)
		if (f->ws == ws && !strcmp(f->src, src))
			return f;
	return NULL;
}

/* @locality loop thread (the sender's callback, after each acknowledged
 * chunk): keeps the newest checkpoint and has it written, one write at a
 * time, so that the ledger lags the broker by about one fdatasync. */
static void kf__ckpt_cb(void *opaque, const char *src, const kf_send_ckpt_t *ck)
{
	struct kf__wsender *ws = opaque;
	struct kf__file *f;

	/* Small files are sent again whole: a checkpoint would cost them an
	 * fdatasync each and save little. */
	if (ws->d->closing || !ws->d->resume_window_s ||
	    ck->size < KF__CKPT_MIN_CHUNKS * (uint64_t)ck->chunk_size ||
	    !(f = kf__inflight_find(ws, src)))
		return;
	f->ck = *ck;
	f->has_ck = 1;
	f->ck_at = (int64_t)time(NULL);
	if (!f->ck_busy)
		kf__ck_start(f, KF_LEDGER_PROGRESS);
}

/* @locality loop thread (the sender's callback, before it produces the
 * ABORT of a failed transfer). A transfer with a checkpoint on the ledger
 * gets its X record first, even while the daemon closes: an ABORT on the
 * topic with a P as the newest record would be resumed after a restart,
 * and receivers drop the frames of a transfer they saw aborted. */
static int kf__void_cb(void *opaque, const char *src, void *token)
{
	struct kf__wsender *ws = opaque;
	struct kf__file *f = kf__inflight_find(ws, src);

	if (!f || (!f->ck_saved && !f->ck_busy))
		return 0;
	f->void_token = token;
	if (!f->ck_busy)
		kf__void_step(f);
	return 1;
}

/* @locality loop thread (the sender's callback) */
static void kf__file_cb(void *opaque, const char *rel, const char *src,
			uint64_t size, int err, const char *msg)
{
	struct kf__wsender *ws = opaque;
	struct kf__daemon *d = ws->d;
	struct kf__file *f;

	(void)rel;
	(void)size;
	if (d->closing)
		return; /* the engines are being destroyed */
	if (!(f = kf__inflight_find(ws, src)))
		return; /* not ours: cannot happen */
	kf__inflight_remove(d, f);
	d->last_progress = kf__now(d);
	kf_dbg(KF_DBG_WATCH, "watch", "%s/%s: %s", f->rs->r->name, f->rel,
	       err ? msg : "acknowledged");
	if (err)
		snprintf(f->msg, sizeof(f->msg), "%s",
			 msg ? msg : kf_strerror(err));
	f->outcome_err = err;
	f->outcome_pending = 1;
	kf__outcome(f);
}

/* The checkpoint to resume f from, if it still holds. */
static const kf_send_ckpt_t *kf__resume_point(const struct kf__file *f)
{
	const struct kf__daemon *d = f->rs->d;

	if (!f->has_ck || !d->resume_window_s || f->ck.size != f->size ||
	    f->ck.ino != f->ino || f->ck.mtime_ns != f->mtime_ns ||
	    (int64_t)time(NULL) - f->ck_at >= d->resume_window_s)
		return NULL;
	return &f->ck;
}

/* 1 if the file src is being sent or its after action runs: a reload
 * that renamed a route, or gave another route its directory, leaves the
 * old route's transfer running, and a second one would send the file
 * twice. */
static int kf__src_sending(struct kf__daemon *d, const char *src)
{
	struct kf__file *f;

	for (f = d->sending; f; f = f->bnext)
		if (!strcmp(f->src, src))
			return 1;
	return 0;
}

static void kf__load_next(struct kf__daemon *d);

/* @locality loop thread (the loader's callback): a records route's
 * file is done, skipped (already loaded) or failed. A file the data
 * refuses (rejects past max_rejects, control totals, a header that does
 * not fit the schema) fails the same way every time: it goes to
 * error_dir at once; Kafka's failures are retried. A refusal of the
 * brokers (credentials, ACLs) stops the daemon, as a sender's does. */
static void kf__load_done(void *opaque, kf_loader_t *l,
			  const kf_load_file_t *res)
{
	struct kf__file *f = opaque;
	struct kf__daemon *d = f->rs->d;
	int failed = !strcmp(res->state, "failed");
	char name[600];

	kf_path_printable((const uint8_t *)f->rel, strlen(f->rel), name,
			  sizeof(name));
	f->outcome_err = failed ? (res->err ? res->err : KF_EIO) : 0;
	if (failed)
		snprintf(f->msg, sizeof(f->msg), "%s",
			 res->error ? res->error : kf_strerror(res->err));
	else if (!strcmp(res->state, "skipped"))
		kf_info("watch", "already loaded %s/%s (load %s): skipped",
			f->rs->r->name, name, res->load_id);
	else
		kf_info("watch",
			"loaded %s/%s: %llu rows read, %llu published, %llu "
			"rejected, %llu filtered (load %s)",
			f->rs->r->name, name,
			(unsigned long long)res->rows_read,
			(unsigned long long)res->rows_published,
			(unsigned long long)res->rows_rejected,
			(unsigned long long)res->rows_filtered, res->load_id);
	if ((f->outcome_err == KF_EAUTH || f->outcome_err == KF_EACCESS) &&
	    !d->refused) {
		d->refused = f->outcome_err;
		snprintf(d->refusal, sizeof(d->refusal), "%s", f->msg);
	}
	kf_loader_destroy(l);
	f->loader = NULL;
	kf__file_lreader_put(f);
	kf__inflight_remove(d, f);
	d->nloading--;
	kf__load_next(d);
	d->last_progress = kf__now(d);
	if (f->outcome_err == KF_EINVAL) {
		kf__attempt_failed(f, f->outcome_err, 1);
		kf__dispatch(d);
		kf__reap_routes(d);
		return;
	}
	f->outcome_pending = 1;
	kf__outcome(f);
}

/* Hands a records route's file to a loader of its own (one transaction,
 * docs/records.md 4.3): opened like a sender opens it, below DIR without
 * following links, and only if it is the inode the scan saw. */
static void kf__load_start(struct kf__daemon *d, struct kf__file *f)
{
	const kf_route_t *r = f->job_route;
	kf_load_src_t src = {.path = f->src,
			     .root_len = strlen(r->dir),
			     .name = f->rel,
			     .dev = f->sub.dev,
			     .ino = f->sub.ino};
	int err;

	kf_dbg(KF_DBG_WATCH, "watch", "%s/%s: finished, loading it", r->name,
	       f->rel);
	err = kf__load_opts(d, r, &f->lo, f->msg, sizeof(f->msg));
	if (!err)
		err = kf__file_lreader(d, f, f->msg, sizeof(f->msg));
	if (!err)
		err = kf_loader_start_src(&d->loop, &f->lo, &src, kf__load_done,
					  f, &f->loader);
	if (!err)
		d->nloading++;
	if (err) {
		if (err == KF_ENOMEM)
			snprintf(f->msg, sizeof(f->msg), "out of memory");
		kf__file_lreader_put(f);
		kf__inflight_remove(d, f);
		kf__attempt_failed(f, err, err == KF_EINVAL);
	}
}

/* Starts the records files that wait for a loader while fewer than
 * max_loading run; once the daemon stops, gives them back instead (they
 * are loaded after the next start). */
static void kf__load_next(struct kf__daemon *d)
{
	struct kf__file *f;

	while ((f = d->lwait) &&
	       (d->stopping || d->nloading < d->max_loading)) {
		d->lwait = f->lnext;
		if (!d->lwait)
			d->lwait_tail = &d->lwait;
		f->lnext = NULL;
		if (d->stopping) {
			kf__inflight_remove(d, f);
			kf__release(f, KF__F_SEEN);
		} else {
			kf__load_start(d, f);
		}
	}
}

/* A records file in flight gets a loader when one of the max_loading is
 * free, in the order the files came. */
static void kf__load(struct kf__daemon *d, struct kf__file *f)
{
	f->lnext = NULL;
	*d->lwait_tail = f;
	d->lwait_tail = &f->lnext;
	kf__load_next(d);
}

/* Hands f to its route's sender: from DIR, or from DIR/.kferry/sending
 * once claimed. Nothing below DIR is followed, and the file opened must
 * be the inode the scan (or the claim) saw. */
static void kf__send(struct kf__daemon *d, struct kf__file *f)
{
	struct kf__rstate *rs = f->rs;
	kf_send_src_t src = {.root_len = strlen(f->job_route->dir),
			     .dev = f->sub.dev,
			     .ino = f->sub.ino,
			     .size = f->sub.size};
	int err;

	if (f->job_route->kind == KF_ROUTE_RECORDS) {
		kf__load(d, f);
		return;
	}
	kf_dbg(KF_DBG_WATCH, "watch", "%s/%s: finished, sending it",
	       rs->r->name, f->rel);
	src.path = f->src;
	err = kf_sender_submit_route(rs->ws->s, &src, f->rel, rs->r->name,
				     kf__resume_point(f), f->msg,
				     sizeof(f->msg));
	if (err) {
		kf__inflight_remove(d, f);
		kf__attempt_failed(f, err, err == KF_EPATH);
	}
}

static void kf__claim_done(uv_work_t *req, int status)
{
	struct kf__file *f = req->data;
	struct kf__daemon *d = f->rs->d;
	char *src;

	(void)status;
	d->jobs--;
	if (f->job_rc == KF_ACTION_CHANGED) {
		kf__inflight_remove(d, f);
		kf__look_again(f);
	} else if (f->job_rc) {
		kf__inflight_remove(d, f);
		kf__attempt_failed(f, f->job_rc, 0);
	} else if (d->stopping) {
		kf__inflight_remove(d, f);
		kf__release(f, KF__F_SEEN);
	} else if (asprintf(&src, "%s/%s/%s", f->job_route->dir,
			    KF_ACTION_SENDING, f->rel) < 0) {
		kf__inflight_remove(d, f);
		snprintf(f->msg, sizeof(f->msg), "out of memory");
		kf__attempt_failed(f, KF_ENOMEM, 0);
	} else {
		/* the checkpoint's file is the claimed one: same inode */
		free(f->src);
		f->src = src;
		kf__send(d, f);
	}
	kf__dispatch(d);
	kf__reap_routes(d);
}

static void kf__submit(struct kf__daemon *d, struct kf__file *f)
{
	struct kf__rstate *rs = f->rs;
	double retry;

	kf__make_busy(f);
	if (asprintf(&f->src, "%s/%s", rs->r->dir, f->rel) < 0) {
		f->src = NULL;
		kf__unbusy(f, KF__F_SEEN);
		return;
	}
	if (kf__src_sending(d, f->src)) {
		/* looked at again once that transfer had time to end */
		free(f->src);
		f->src = NULL;
		retry = kf__now(d) + KF__STABLE_POLL_S;
		if (retry < rs->next_scan)
			rs->next_scan = retry;
		kf__unbusy(f, KF__F_SEEN);
		return;
	}
	f->bnext = d->sending;
	d->sending = f;
	f->ws = rs->ws;
	f->inext = d->inflight;
	d->inflight = f;
	d->ninflight++;
	if (rs->r->after == KF_AFTER_KEEP) {
		kf__send(d, f);
		return;
	}
	/* delete and move act on the claimed file only (docs/watch.md) */
	f->work.data = f;
	d->jobs++;
	uv_queue_work(&d->loop, &f->work, kf__claim_work, kf__claim_done);
}

static void kf__dispatch(struct kf__daemon *d)
{
	struct kf__file *f;

	while (!d->stopping && d->ninflight < (size_t)d->max_inflight &&
	       (f = kf__dequeue(d))) {
		if (f->gone)
			kf__file_free(f);
		else if (f->state == KF__F_READY && !f->rs->removed)
			kf__submit(d, f);
	}
}

/* --------------------------------------------------------------- scans */

static void kf__fs_event(uv_fs_event_t *h, const char *name, int events,
			 int status)
{
	struct kf__dirwatch *w = KF_CONTAINER_OF(h, struct kf__dirwatch, h);

	(void)name;
	(void)events;
	(void)status;
	w->rs->dirty = 1;
}

static struct kf__dirwatch *kf__watch_new(struct kf__rstate *rs,
					  const char *rel)
{
	struct kf__dirwatch *w = calloc(1, sizeof(*w));
	char path[8300];

	if (!w || !(w->rel = strdup(rel))) {
		free(w);
		return NULL;
	}
	w->rs = rs;
	snprintf(path, sizeof(path), "%s%s%s", rs->r->dir, *rel ? "/" : "",
		 rel);
	uv_fs_event_init(&rs->d->loop, &w->h);
	if (uv_fs_event_start(&w->h, kf__fs_event, path, 0)) {
		kf_dbg(KF_DBG_FS, "watch", "cannot watch %s", path);
		uv_close((uv_handle_t *)&w->h, kf__watch_closed);
		return NULL;
	}
	return w;
}

/* Makes the watches match the scanned directories (both sorted). */
static void kf__watches_sync(struct kf__rstate *rs,
			     const struct kf_scan_result *res)
{
	struct kf__dirwatch **nw = calloc(res->ndirs + 1, sizeof(*nw));
	size_t i = 0, j = 0, n = 0;

	if (!nw)
		return;
	while (i < res->ndirs || j < rs->nwatches) {
		int c = i == res->ndirs ? 1
			: j == rs->nwatches
				? -1
				: strcmp(res->dirs[i], rs->watches[j]->rel);

		if (c == 0) {
			nw[n++] = rs->watches[j++];
			i++;
		} else if (c < 0) {
			if ((nw[n] = kf__watch_new(rs, res->dirs[i])))
				n++;
			i++;
		} else {
			kf__watch_close(rs->watches[j++]);
		}
	}
	free(rs->watches);
	rs->watches = nw;
	rs->nwatches = n;
}

static void kf__scan_work(uv_work_t *req)
{
	struct kf__rstate *rs = req->data;

	kf_scan_run(rs->scan_route, &rs->scan);
}

static void kf__observe(struct kf__rstate *rs, const struct kf_scan_file *sf,
			double now)
{
	struct kf__file *f = kf__file_find(rs, sf->rel);

	if (!f) {
		if (!(f = kf__file_add(rs, sf->rel)))
			return;
		f->state = KF__F_SEEN;
		f->stable_since = now;
	} else if (f->size != sf->size || f->ino != sf->ino ||
		   f->mtime_ns != sf->mtime_ns ||
		   (f->dev && f->dev != sf->dev) ||
		   (f->ctime_ns && f->ctime_ns != sf->ctime_ns)) {
		/* ctime too: a rewrite that restored the mtime is a change */
		f->stable_since = now;
		if (f->state == KF__F_DONE || f->state == KF__F_READY)
			f->state = KF__F_SEEN;
	} else {
		/* a ledger record knows no dev and ctime: the first scan's */
		f->dev = sf->dev;
		f->ctime_ns = sf->ctime_ns;
		f->has_marker = sf->has_marker;
		f->seen = rs->mark;
		return;
	}
	f->size = sf->size;
	f->dev = sf->dev;
	f->ino = sf->ino;
	f->mtime_ns = sf->mtime_ns;
	f->ctime_ns = sf->ctime_ns;
	f->has_marker = sf->has_marker;
	f->seen = rs->mark;
}

struct kf__decide {
	double now, next;
	int truncated;
};

/* What a scan means for one file of the table. */
static void kf__decide(struct kf__file *f, void *arg)
{
	struct kf__decide *dc = arg;
	const kf_route_t *r = f->rs->r;

	if (f->state == KF__F_BUSY)
		return;
	if (f->seen != f->rs->mark) {
		if (!dc->truncated)
			kf__file_drop(f); /* gone from the directory */
		return;
	}
	switch (f->state) {
	case KF__F_SEEN:
		if (kf_route_finished(r, dc->now - f->stable_since,
				      f->has_marker))
			kf__enqueue(f);
		else if (r->finished == KF_FINISHED_STABLE &&
			 dc->now + KF__STABLE_POLL_S < dc->next)
			dc->next = dc->now + KF__STABLE_POLL_S;
		break;
	case KF__F_BACKOFF:
		if (dc->now >= f->retry_at)
			kf__enqueue(f);
		else if (f->retry_at < dc->next)
			dc->next = f->retry_at;
		break;
	case KF__F_DONE:
		/* sent (ledger) but not deleted or moved yet: do it now */
		if (r->after != KF_AFTER_KEEP) {
			kf__make_busy(f);
			kf__start_job(f, 0);
		}
		break;
	default:
		break;
	}
}

static void kf__scan_apply(struct kf__rstate *rs,
			   const struct kf_scan_result *res)
{
	struct kf__decide dc;
	size_t i;

	if (res->err) {
		if (!rs->scan_err_logged++)
			kf_err("watch", "route %s: cannot scan: %s",
			       rs->r->name, res->errmsg);
		rs->next_scan = kf__now(rs->d) + rs->d->rescan_s;
		return;
	}
	rs->scan_err_logged = 0;
	dc.now = kf__now(rs->d);
	dc.next = dc.now + rs->d->rescan_s;
	dc.truncated = res->truncated;
	rs->mark++;
	for (i = 0; i < res->nfiles; i++)
		kf__observe(rs, &res->files[i], dc.now);
	kf__files_each(rs, kf__decide, &dc);
	rs->next_scan = dc.next;
	kf__watches_sync(rs, res);
}

static void kf__scan_done(uv_work_t *req, int status)
{
	struct kf__rstate *rs = req->data;
	struct kf__daemon *d = rs->d;

	(void)status;
	rs->scanning = 0;
	rs->last_scan = kf__now(d);
	kf_dbg(KF_DBG_WATCH, "watch", "route %s: scanned", rs->r->name);
	/* a scan of a replaced route or of a stopping daemon is stale */
	if (!rs->removed && !d->stopping && rs->scan_route == rs->r)
		kf__scan_apply(rs, &rs->scan);
	kf_scan_result_free(&rs->scan);
	kf_route_unref(rs->scan_route);
	rs->scan_route = NULL;
	kf__dispatch(d);
	kf__reap_routes(d);
}

static void kf__scan_start(struct kf__rstate *rs)
{
	rs->scanning = 1;
	rs->dirty = 0;
	rs->scan_route = kf_route_ref(rs->r);
	rs->scan_req.data = rs;
	uv_queue_work(&rs->d->loop, &rs->scan_req, kf__scan_work,
		      kf__scan_done);
}

/* -------------------------------------------------------------- reload */

static void kf__route_remove(struct kf__rstate *rs)
{
	rs->removed = 1;
	/* its files in flight hold references of their own */
	kf__lreader_put(rs->lr);
	rs->lr = NULL;
	kf__watches_close(rs);
	kf__files_each(rs, kf__drop_idle, NULL);
	kf_info("watch", "route %s removed", rs->r->name);
}

static void kf__unready(struct kf__file *f, void *arg)
{
	(void)arg;
	if (f->state == KF__F_READY)
		f->state = KF__F_SEEN;
}

static void kf__route_replace(struct kf__rstate *rs, kf_route_t *r,
			      struct kf__wsender *ws)
{
	if (strcmp(rs->r->dir, r->dir))
		kf__files_each(rs, kf__drop_idle, NULL);
	else
		kf__files_each(rs, kf__unready, NULL);
	kf__watches_close(rs);
	/* a reader of another topic or ledger topic is of no use to the
	 * route's next files (its files in flight keep theirs) */
	if (rs->lr && !kf__lreader_fits(rs->lr, r)) {
		kf__lreader_put(rs->lr);
		rs->lr = NULL;
	}
	kf_route_unref(rs->r);
	rs->r = r;
	rs->ws = ws;
	rs->dirty = 1;
	kf_info("watch", "route %s changed", r->name);
}

/* Applies one route of a reloaded configuration; takes r. */
static void kf__reload_route(struct kf__daemon *d, kf_route_t *r)
{
	struct kf__rstate *rs = kf__route_find(d, r->name);
	struct kf__wsender *ws;
	char err[512];

	if (rs && !strcmp(rs->r->sig, r->sig)) {
		kf_route_unref(r);
		return;
	}
	if (kf__route_engine(d, r, &ws, err, sizeof(err))) {
		kf_err("watch", "route %s: %s", r->name, err);
		kf_route_unref(r);
		return;
	}
	if (rs) {
		kf__route_replace(rs, r, ws);
	} else if (!kf__route_add(d, r, err, sizeof(err))) {
		kf_info("watch", "route %s added: %s", r->name, r->dir);
	} else {
		kf_err("watch", "route %s: %s", r->name, err);
		kf_route_unref(r);
	}
}

static int kf__compile_routes(const kf_conf_t *conf, kf_route_t ***out,
			      char *errstr, size_t errstr_size)
{
	kf_route_t **v = calloc(conf->nroutes + 1, sizeof(*v));
	size_t i;

	if (!v)
		return KF_ENOMEM;
	for (i = 0; i < conf->nroutes; i++) {
		v[i] = kf_route_new(&conf->routes[i], conf->topic, errstr,
				    errstr_size);
		if (!v[i]) {
			while (i--)
				kf_route_unref(v[i]);
			free(v);
			return KF_EINVAL;
		}
	}
	*out = v;
	return 0;
}

static void kf__reload(struct kf__daemon *d)
{
	struct kf__rstate *rs;
	kf_route_t **v;
	kf_conf_t *conf;
	char err[1024] = "";
	size_t i;

	conf = d->reload ? d->reload(d->reload_opaque, err, sizeof(err)) : NULL;
	if (!conf || kf__compile_routes(conf, &v, err, sizeof(err))) {
		kf_err("watch",
		       "reload failed, keeping the running "
		       "configuration: %s",
		       *err ? err : "no reload hook");
		kf_conf_destroy(conf);
		return;
	}
	for (rs = d->routes; rs; rs = rs->next) {
		for (i = 0; i < conf->nroutes; i++)
			if (!strcmp(v[i]->name, rs->r->name))
				break;
		if (!rs->removed && i == conf->nroutes)
			kf__route_remove(rs);
	}
	for (i = 0; i < conf->nroutes; i++)
		kf__reload_route(d, v[i]);
	d->rescan_s = conf->rescan_s;
	d->max_inflight = conf->watch_max_inflight_files;
	d->drain_s = conf->drain_s;
	d->resume_window_s = conf->resume_window_s;
	kf_info("watch", "configuration reloaded: %zu routes", conf->nroutes);
	free(v);
	kf_conf_destroy(conf);
	kf__reap_routes(d);
}

/* ---------------------------------------------------------- life cycle */

static void kf__begin_stop(struct kf__daemon *d)
{
	struct kf__rstate *rs;

	d->stopping = 1;
	d->drain_deadline = kf__now(d) + d->drain_s;
	for (rs = d->routes; rs; rs = rs->next)
		kf__watches_close(rs);
	kf__load_next(d); /* those waiting for a loader are given back */
	kf_info("watch", "stopping: %zu files in flight (waiting up to %d s)",
		d->ninflight, d->drain_s);
}

static int kf__idle(struct kf__daemon *d)
{
	struct kf__rstate *rs;

	if (d->ninflight || d->jobs)
		return 0;
	for (rs = d->routes; rs; rs = rs->next)
		if (rs->scanning)
			return 0;
	return 1;
}

static void kf__shutdown(struct kf__daemon *d)
{
	struct kf__wsender *ws;

	d->closing = 1;
	uv_timer_stop(&d->tick);
	uv_close((uv_handle_t *)&d->tick, NULL);
	for (ws = d->senders; ws; ws = ws->next)
		kf_sender_close(ws->s);
	kf_info("watch",
		"stopped: %llu files sent, %llu moved to error "
		"directories",
		(unsigned long long)d->nsent, (unsigned long long)d->nfailed);
}

/* Names the files a drain leaves unsent, so an operator knows what the
 * next start will send. */
static void kf__log_left(struct kf__daemon *d)
{
	struct kf__file *f;
	char name[600];

	for (f = d->inflight; f; f = f->inext) {
		kf_path_printable((const uint8_t *)f->rel, strlen(f->rel), name,
				  sizeof(name));
		kf_warn("watch", "left unsent: %s/%s", f->rs->r->name, name);
	}
	if (d->nqueued)
		kf_warn("watch", "left unsent: %zu finished files not started",
			d->nqueued);
}

/* 1 while a loader runs: it is stopped at the drain deadline and always
 * ends (its abort is bounded by the transaction timeout), and its worker
 * jobs must end before the daemon frees what they use. */
static int kf__loading(struct kf__daemon *d, int stop)
{
	struct kf__file *f;
	int n = 0;

	for (f = d->inflight; f; f = f->inext)
		if (f->loader) {
			n++;
			if (stop)
				kf_loader_stop(f->loader);
		}
	return n > 0;
}

static void kf__stop_tick(struct kf__daemon *d, double now)
{
	struct kf__wsender *ws;

	if (kf__idle(d)) {
		kf__shutdown(d);
		return;
	}
	if (d->aborted && now >= d->drain_deadline + KF__ABORT_GRACE_S &&
	    !kf__loading(d, 0)) {
		kf_warn("watch", "%zu aborted files not reported; exiting",
			d->ninflight);
		kf__shutdown(d);
		return;
	}
	if (!d->aborted && now >= d->drain_deadline) {
		d->aborted = 1;
		kf_warn("watch",
			"drain time over: aborting %zu files (they "
			"are sent again after the next start)",
			d->ninflight);
		kf__log_left(d);
		for (ws = d->senders; ws; ws = ws->next)
			kf_sender_stop(ws->s);
		kf__loading(d, 1);
	}
}

static void kf__stall_check(struct kf__daemon *d, double now)
{
	if (!d->ninflight && !d->nqueued) {
		d->last_progress = now;
		return;
	}
	if (now - d->last_progress < KF__STALL_S ||
	    now - d->last_stall_log < KF__STALL_S)
		return;
	d->last_stall_log = now;
	kf_warn("watch",
		"back-pressure: %zu files in flight, %zu waiting, "
		"nothing acknowledged for %.0f s (is the broker slow "
		"or unreachable?)",
		d->ninflight, d->nqueued, now - d->last_progress);
}

static void kf__tick(uv_timer_t *t)
{
	struct kf__daemon *d = t->data;
	double now = kf__now(d);
	struct kf__wsender *ws;
	struct kf__rstate *rs;

	if (kf_stop_requested() && !d->stopping)
		kf__begin_stop(d);
	for (ws = d->senders; ws && !d->refused; ws = ws->next)
		d->refused =
			kf_sender_error(ws->s, d->refusal, sizeof(d->refusal));
	if (d->refused && !d->stopping) {
		kf_err("watch", "stopping: %s", d->refusal);
		kf__begin_stop(d);
	}
	if (d->stopping) {
		kf__stop_tick(d, now);
		return;
	}
	if (kf__reload_flag) {
		kf__reload_flag = 0;
		kf__reload(d);
	}
	for (rs = d->routes; rs; rs = rs->next) {
		if (rs->scanning || rs->removed)
			continue;
		if ((rs->dirty && now - rs->last_scan >= KF__EVENT_DELAY_S) ||
		    now >= rs->next_scan)
			kf__scan_start(rs);
	}
	kf__stall_check(d, now);
	kf__dispatch(d);
}

/* ------------------------------------------------------------- ledger */

/* Compaction: keep a record while its file is still there, unchanged, or
 * when its route is not configured (it may come back). */
static int kf__ledger_keep(void *opaque, const struct kf_ledger_rec *rec)
{
	struct kf__daemon *d = opaque;
	struct kf__rstate *rs = kf__route_find(d, rec->route);
	char path[8300];
	struct stat st;
	int i;

	if (!rs)
		return 1;
	if (rec->kind == KF_LEDGER_VOID)
		return 0; /* it only hid an older checkpoint */
	/* under its name, or claimed when the daemon stopped */
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s%s", rs->r->dir,
			 i ? KF_ACTION_SENDING "/" : "", rec->rel);
		if (!lstat(path, &st) && (uint64_t)st.st_size == rec->size &&
		    (uint64_t)st.st_ino == rec->ino &&
		    (int64_t)st.st_mtim.tv_sec * 1000000000 +
				    st.st_mtim.tv_nsec ==
			    rec->mtime_ns)
			return 1;
	}
	return 0;
}

static void kf__ledger_each(void *opaque, const struct kf_ledger_rec *rec)
{
	struct kf__daemon *d = opaque;
	struct kf__rstate *rs = kf__route_find(d, rec->route);
	struct kf__file *f;

	if (!rs || !(f = kf__file_add(rs, rec->rel)))
		return;
	f->state = KF__F_DONE;
	if (rec->kind == KF_LEDGER_PROGRESS) {
		/* cut off mid-file: send it again, from the checkpoint if it
		 * still holds then (kf__resume_point) */
		f->state = KF__F_SEEN;
		f->has_ck = 1;
		memcpy(f->ck.xid.b, rec->xid, sizeof(f->ck.xid.b));
		f->ck.next_index = rec->next_index;
		f->ck.chunk_size = rec->chunk_size;
		f->ck.size = rec->size;
		f->ck.ino = rec->ino;
		f->ck.mtime_ns = rec->mtime_ns;
		f->ck_at = rec->sent_s;
		f->ck_saved = rec->next_index;
	}
	f->size = rec->size;
	f->ino = rec->ino;
	f->mtime_ns = rec->mtime_ns;
}

/* At start, before the loop runs (blocking is fine): a file claimed when
 * the daemon stopped is either sent (its ledger record says so: the
 * after action runs now) or goes back under its name to be sent. */
static void kf__recover(void *opaque, struct kf_action_file *af)
{
	struct kf__rstate *rs = opaque;
	struct kf__file *f = kf__file_find(rs, af->rel);
	char name[600], msg[512];
	int sent, rc;

	kf_path_printable((const uint8_t *)af->rel, strlen(af->rel), name,
			  sizeof(name));
	sent = f && f->state == KF__F_DONE && f->size == af->size &&
	       f->ino == af->ino && f->mtime_ns == af->mtime_ns;
	/* (a route changed to keep since: its file goes back, sent or not) */
	sent = sent && rs->r->after != KF_AFTER_KEEP;
	rc = sent ? kf_action_sent(rs->r, NULL, af, msg, sizeof(msg))
		  : kf_action_unclaim(rs->r, af, msg, sizeof(msg));
	if (rc == KF_ACTION_SUPERSEDED)
		kf_warn("watch",
			"%s/%s: claimed when the daemon stopped, and "
			"a newer file took its name; it is in %s",
			rs->r->name, name, rs->r->error_dir);
	else if (rc)
		kf_err("watch", "%s/%s: claimed when the daemon stopped: %s",
		       rs->r->name, name, msg);
	else
		kf_info("watch", "%s/%s: claimed when the daemon stopped; %s",
			rs->r->name, name,
			sent ? "it was sent: after action done"
			     : "back under its name, to be sent");
}

static int kf__start(struct kf__daemon *d, const kf_conf_t *conf, char *errstr,
		     size_t errstr_size)
{
	struct kf__rstate *rs;
	kf_route_t **v;
	size_t i;
	int err;

	if (!conf->nroutes)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "nothing to watch: give --dir DIR or "
				 "[route.NAME] sections with a dir");
	err = kf__compile_routes(conf, &v, errstr, errstr_size);
	if (err)
		return err;
	/* A DIR/.kferry or error directory others could redirect is refused
	 * before anything is sent (exit 2). After a reload, each claim and
	 * each move to the error directory checks them again, in the worker
	 * pool. */
	for (i = 0; i < conf->nroutes && !err; i++)
		err = kf_action_prepare(v[i], errstr, errstr_size);
	if (err) {
		for (i = 0; i < conf->nroutes; i++)
			kf_route_unref(v[i]);
		free(v);
		return err;
	}
	for (i = 0; i < conf->nroutes; i++) {
		err = kf__route_add(d, v[i], errstr, errstr_size);
		if (err) {
			while (i < conf->nroutes)
				kf_route_unref(v[i++]);
			free(v);
			return err;
		}
	}
	free(v);
	d->ledger = kf_ledger_open(conf->state_dir, kf__ledger_keep,
				   kf__ledger_each, d, errstr, errstr_size);
	if (!d->ledger)
		return KF_EIO;
	for (rs = d->routes; rs; rs = rs->next) {
		char msg[512];

		if (kf_action_claimed_each(rs->r, kf__recover, rs, msg,
					   sizeof(msg)))
			kf_err("watch", "route %s: %s", rs->r->name, msg);
	}
	return 0;
}

static void kf__destroy(struct kf__daemon *d)
{
	struct kf__wsender *ws;
	struct kf__rstate *rs;
	struct kf__file *f;

	while ((rs = d->routes)) {
		d->routes = rs->next;
		rs->removed = 1;
		kf__rstate_free(rs);
	}
	while ((f = kf__dequeue(d)))
		kf__file_free(f);
	while ((ws = d->senders)) {
		d->senders = ws->next;
		kf_sender_destroy(ws->s);
		kf__wsender_free(ws);
	}
	kf_ledger_close(d->ledger);
}

int kf_watch_run(const kf_conf_t *conf, const kf_send_opts_t *send,
		 const kf_load_opts_t *load, kf_watch_reload_cb *reload,
		 void *opaque, char *errstr, size_t errstr_size)
{
	struct kf__daemon *d = calloc(1, sizeof(*d));
	struct kf__rstate *rs;
	int err;

	if (!d)
		return KF_ENOMEM;
	kf_workers_setup(conf->workers);
	uv_loop_init(&d->loop);
	d->conf0 = conf;
	d->send0 = *send;
	d->load0 = *load;
	/* A load holds a worker in each of its blocking steps, and its
	 * ledger read may wait there for another load's open transaction
	 * (docs/records.md 3.3), whose commit needs a worker too: with more
	 * loads than workers, every worker could wait for a commit that no
	 * worker is left to run. One is kept for scans and claims. */
	d->max_loading =
		kf_workers_count() > 2 ? (unsigned)kf_workers_count() - 1 : 1;
	d->lwait_tail = &d->lwait;
	d->reload = reload;
	d->reload_opaque = opaque;
	d->rescan_s = conf->rescan_s;
	d->max_inflight = conf->watch_max_inflight_files;
	d->drain_s = conf->drain_s;
	d->resume_window_s = conf->resume_window_s;
	err = kf__start(d, conf, errstr, errstr_size);
	if (!err)
		err = kf_probe_start(&d->loop, conf, "watch", errstr,
				     errstr_size);
	if (err) {
		/* the senders' handles must be run down before destroy */
		struct kf__wsender *ws;

		for (ws = d->senders; ws; ws = ws->next)
			kf_sender_close(ws->s);
		uv_run(&d->loop, UV_RUN_DEFAULT);
		goto out_destroy;
	}
	for (rs = d->routes; rs; rs = rs->next)
		kf_info("watch", "route %s: %s -> topic %s", rs->r->name,
			rs->r->dir, rs->r->topic);
	uv_timer_init(&d->loop, &d->tick);
	d->tick.data = d;
	uv_timer_start(&d->tick, kf__tick, 0, KF__TICK_MS);
	uv_run(&d->loop, UV_RUN_DEFAULT);
	if (d->refused)
		err = kf_seterr(errstr, errstr_size, d->refused, "%s",
				d->refusal);
out_destroy:
	kf_probe_detach(&d->loop);
	kf__destroy(d);
	uv_run(&d->loop, UV_RUN_DEFAULT); /* the watches' close callbacks */
	uv_loop_close(&d->loop);
	free(d);
	return err;
}
