/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The file sink of kf_receive() and kf_replay(), on the consumer engine
 * (recv/engine.h). The engine hands it each message; it decodes frame
 * headers and hands disk work for each transfer to the worker pool, one
 * job at a time per transfer (so chunks are written and hashed in order)
 * and many transfers in parallel.
 *
 * All state below is owned by the loop thread; a job touches only its own
 * transfer's assembly while it runs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>

#include "common/log.h"
#include "common/stop.h"
#include "core/path.h"
#include "core/siphash.h"
#include "obs/probe.h"
#include "proto/seal.h"
#include "recv/assembler.h"
#include "recv/deadletter.h"
#include "recv/engine.h"
#include "recv/idset.h"
#include "recv/offsets.h"
#include "recv/receiver.h"

#define KF__BUCKETS 4096 /* a power of two */
/* Ids of transfers whose MANIFEST was rejected (docs/protocol.md section
 * 5): each costs its writer a 28-byte frame, so they are kept in a
 * bounded set. */
#define KF__TOMBSTONES 65536
/* Rejected messages logged per second; the rest are counted. */
#define KF__REJECT_LINES 20
#define KF__UNKNOWN_LOGGED 20
/* Descriptors kept free of staging files. */
#define KF__FD_RESERVE 256
/* How long the id of a transfer abandoned after receive.abandon_timeout
 * is kept, to recognise its late data (kf__late_frame). */
#define KF__LATE_WINDOW_MS (3600 * 1000)
/* A transfer waiting for disk space is retried this often. */
#define KF__STALL_RETRY_MS 5000
/* Group commit (docs/protocol.md section 8): the FINISH jobs of files up
 * to KF__BATCH_FILE_MAX bytes are run together, KF__BATCH_MAX files or
 * KF__BATCH_BYTES at most, made durable by one syncfs and their
 * directories synced once each. A batch closes when full, or when
 * KF__BATCH_MS passed since its first file and the batch before it is
 * done: under load, files gather while the previous batch syncs. A batch
 * also holds at most half of the FILE frames reading may keep open
 * (r->whole_max), so that the next one can fill meanwhile. */
#define KF__BATCH_MAX 512
#define KF__BATCH_BYTES (64u << 20)
#define KF__BATCH_FILE_MAX (4u << 20)
#define KF__BATCH_MS 2

enum kf__xstate {
	KF__X_OPEN = 1, /* receiving chunks */
	KF__X_CLOSING,	/* COMMIT or ABORT queued: its last job pending */
	KF__X_DEAD	/* outcome decided; later frames are ignored */
};

enum kf__jkind {
	KF__J_BEGIN = 1,
	KF__J_CHUNK,
	KF__J_FINISH,
	KF__J_DISCARD,
	KF__J_QUARANTINE,
	KF__J_UNSEAL, /* open a sealed MANIFEST, then begin */
	KF__J_ABORT   /* check a signed ABORT, then the loop drops it */
};

struct kf__xfer;

struct kf__job {
	int kind;
	struct kf__xfer *x;
	rd_kafka_message_t *msg; /* owned; chunk payload lives in it */
	/* the frame the job opens: msg's payload, or part of it (a FILE
	 * with flags, section 10.10), or copy */
	const uint8_t *frame;
	size_t frame_len;
	uint8_t *copy; /* owned */
	/* UNSEAL of a FILE with flags: the chunk count its manifest must
	 * have (it carried a CHUNK or not); -1 otherwise */
	int whole_chunks;
	kf_wire_chunk_t chunk;
	/* CHUNK of a plain FILE frame: the job creates the staging file
	 * first (a BEGIN of its own cost each small file a second trip
	 * through the worker pool and the loop); cleared once created, so
	 * a retry only writes */
	int begin;
	kf_wire_commit_t commit;
	char reason[512]; /* why, for QUARANTINE */
	size_t scratch;	 /* memory its worker takes beyond msg, while it runs */
	int err;	 /* result */
	int quarantined; /* the worker moved the data to quarantine */
	int outcome;
	char errmsg[512];
	/* UNSEAL: what the job opened, installed by the loop when it ends
	 * (kf__install); the loop keeps reading x->a (a placeholder) until
	 * then */
	kf_assembly_t *opened;
	kf_seal_t *seal;
	size_t bidx; /* its place in a batch, for a stable order */
	uv_work_t work;
	struct kf__job *next;
};

/* FINISH jobs run together (KF__BATCH_MAX above). */
struct kf__batch {
	struct kf__recv *r;
	struct kf__job *jobs[KF__BATCH_MAX];
	size_t n;
	uint64_t bytes;
	int due; /* its deadline passed */
	uv_work_t work;
};

struct kf__xfer {
	kf_xid_t xid;
	int32_t part;
	int64_t first_off;
	int holding; /* holds first_off in the offsets tracker */
	int counted; /* counted in nopen */
	int state;
	int hashed;	     /* in the hash table */
	int phashed;	     /* in the table by path (kf__path_hash) */
	int stalled;	     /* waiting for disk space */
	uint64_t stalled_ms; /* since when */
	int gone;	     /* free when idle */
	int orphan; /* opened by a RESUME: nothing staged, see kf__on_resume */
	int whole;  /* a FILE frame: needs no later frame (r->nwhole) */
	int timed_out, late_logged; /* abandoned after abandon_timeout */
	int aborted;	  /* ended by an ABORT: more of it is a lost file */
	int superseded;	  /* a newer transfer of its path replaced it: more of
			 * it is a lost file */
	int signer_known; /* signed, and its MANIFEST opened: signer below */
	uint8_t signer[KF_CRYPTO_KEY_LEN];
	uint64_t next_index;
	uint64_t dup_until; /* chunks below it were written before a RESUME */
	uint64_t last_seen_ms;
	uint64_t blocked_seen; /* kf_engine_blocked_ms at last_seen_ms */
	int got_data;	       /* a CHUNK or COMMIT of it arrived */
	int64_t end_off;       /* offset of its COMMIT, -1 before */
	int64_t man_ts;	       /* its MANIFEST's message timestamp, -1: none */
	uint64_t started_ms;
	kf_assembly_t a;
	uint64_t seq;	 /* of the staging name */
	int sealed;	 /* its frames are opened by jobs (section 10) */
	int unnamed;	 /* sealed, its MANIFEST not opened yet */
	uint16_t sflags; /* the MANIFEST's header flags */
	kf_seal_t *seal; /* set by the UNSEAL job; used by later jobs */
	struct kf__job *qhead, *qtail;
	int running;
	kf_probe_xfer_t probe; /* metrics and audit */
	struct kf__xfer *hnext;
	struct kf__xfer *pnext; /* in r->pbuckets */
	struct kf__xfer *prev, *next;
	struct kf__xfer *mem_prev, *mem_next; /* in r->mem_wait */
	int mem_waiting;
	struct kf__recv *r;
};

struct kf__recv {
	kf_recv_opts_t o; /* a copy: its strings are the caller's */
	uv_loop_t loop;
	kf_engine_t *eng;
	kf_dest_t *dest;
	kf_codec_pool_t *codecs;
	kf_seal_keys_t *keys; /* receive.decrypt_keys, trusted_signers */
	kf_offsets_t *offs;   /* the engine's */
	struct kf__xfer *buckets[KF__BUCKETS];
	/* the same transfers by (partition, path), for kf__supersede: a
	 * walk of them all cost every small file O(open transfers) */
	struct kf__xfer *pbuckets[KF__BUCKETS];
	uint8_t hkey[KF_SIPHASH_KEY_SIZE]; /* of the buckets: ids are chosen
					      by whoever writes the topic */
	kf_idset_t *tombs; /* ids of rejected MANIFESTs (kf__tombstone) */
	uint64_t reject_sec, reject_lines, reject_quiet; /* kf__reject */
	struct kf__xfer *all;
	size_t nopen;
	size_t nwhole; /* of them, FILE frames (kf__full) */
	/* of them, sealed ones whose MANIFEST is not opened yet: without
	 * any, a FINISH never waits for one (kf__older_unnamed) */
	size_t nunnamed;
	size_t inflight_bytes;
	/* decompression (and decryption) buffers of running jobs: counted
	 * against receive.max_inflight_bytes with the queued messages */
	size_t scratch_bytes;
	/* transfers whose next job waits for it, first come first */
	struct kf__xfer *mem_wait, *mem_wait_tail;
	uint64_t seq;
	int stall_logged;
	int64_t reread_from; /* of the message being handled (kf_offsets_read) */
	size_t max_open;  /* receive.max_open_transfers, fitted to ulimit -n */
	size_t whole_max; /* FILE frames open at once: half of max_open */
	size_t batch_max; /* files of a batch: KF__BATCH_MAX at most */
	uint64_t unknown_frames;
	kf_deadletter_t *dlq;	 /* the engine's; NULL: off (and in replays) */
	struct kf__batch *batch; /* filling; NULL: none */
	int batch_running;	 /* a batch's job is running */
	uv_timer_t batch_timer;	 /* the filling batch's deadline */
	kf_recv_stats_t stats;
};

static void kf__run_next(struct kf__xfer *x);
static void kf__unsealed(struct kf__xfer *x);
static void kf__late_frame(struct kf__recv *r, struct kf__xfer *x,
			   rd_kafka_message_t *m, const kf_wire_hdr_t *h);
static void kf__abort_done(struct kf__xfer *x, struct kf__job *j);
static void kf__install(struct kf__xfer *x, struct kf__job *j);
static void kf__named(struct kf__recv *r, int32_t part);
static void kf__memory_freed(struct kf__recv *r);

/* A frame of x arrived now. */
static void kf__seen(struct kf__xfer *x, uint64_t now)
{
	x->last_seen_ms = now;
	x->blocked_seen = kf_engine_blocked_ms(x->r->eng, now);
}

/* How long x has waited for its sender while the receiver was reading:
 * the abandon clock (docs/protocol.md section 6). */
static uint64_t kf__quiet_ms(const struct kf__xfer *x, uint64_t now)
{
	uint64_t quiet = now - x->last_seen_ms;
	uint64_t blocked =
		kf_engine_blocked_ms(x->r->eng, now) - x->blocked_seen;

	return quiet > blocked ? quiet - blocked : 0;
}

/* ------------------------------------------------------ transfer table */

static size_t kf__bucket(const struct kf__recv *r, const kf_xid_t *xid)
{
	return (size_t)kf_siphash24(r->hkey, xid->b, sizeof(xid->b)) &
	       (KF__BUCKETS - 1);
}

static struct kf__xfer *kf__find(struct kf__recv *r, const kf_xid_t *xid)
{
	struct kf__xfer *x = r->buckets[kf__bucket(r, xid)];

	while (x && memcmp(&x->xid, xid, sizeof(*xid)))
		x = x->hnext;
	return x;
}

static void kf__unhash(struct kf__recv *r, struct kf__xfer *x)
{
	struct kf__xfer **pp = &r->buckets[kf__bucket(r, &x->xid)];

	if (!x->hashed)
		return;
	while (*pp != x)
		pp = &(*pp)->hnext;
	*pp = x->hnext;
	x->hashed = 0;
}

static size_t kf__pbucket(const struct kf__recv *r, int32_t part,
			  const uint8_t *path, size_t len)
{
	uint64_t h = kf_siphash24(r->hkey, path, len);

	return (size_t)((h ^ (uint64_t)(uint32_t)part * 0x9e3779b97f4a7c15ULL) &
			(KF__BUCKETS - 1));
}

/* Indexes x by its partition and path, once it has a path. */
static void kf__path_hash(struct kf__recv *r, struct kf__xfer *x)
{
	size_t b;

	if (x->phashed || !x->a.relpath)
		return;
	b = kf__pbucket(r, x->part, x->a.m.path, x->a.m.path_len);
	x->pnext = r->pbuckets[b];
	r->pbuckets[b] = x;
	x->phashed = 1;
}

static void kf__path_unhash(struct kf__recv *r, struct kf__xfer *x)
{
	struct kf__xfer **pp;

	if (!x->phashed)
		return;
	pp = &r->pbuckets[kf__pbucket(r, x->part, x->a.m.path,
				      x->a.m.path_len)];
	while (*pp != x)
		pp = &(*pp)->pnext;
	*pp = x->pnext;
	x->phashed = 0;
}

static struct kf__xfer *kf__xfer_new(struct kf__recv *r, const kf_xid_t *xid,
				     int32_t part, int64_t off)
{
	struct kf__xfer *x = calloc(1, sizeof(*x));
	size_t b = kf__bucket(r, xid);

	if (!x)
		return NULL;
	x->r = r;
	x->xid = *xid;
	x->part = part;
	x->first_off = off;
	x->end_off = -1;
	x->a.fd = -1;
	x->started_ms = kf_engine_now_ms();
	kf__seen(x, x->started_ms);
	x->hnext = r->buckets[b];
	r->buckets[b] = x;
	x->hashed = 1;
	x->next = r->all;
	if (r->all)
		r->all->prev = x;
	r->all = x;
	return x;
}

/* The transfer no longer counts as open (its outcome is decided). */
static void kf__uncount(struct kf__xfer *x)
{
	if (x->counted) {
		x->r->nopen--;
		x->r->nwhole -= x->whole;
	}
	kf_probe_recv_close(&x->probe);
	x->counted = 0;
}

static void kf__job_free(struct kf__recv *r, struct kf__job *j)
{
	if (j->msg) {
		r->inflight_bytes -= j->msg->len;
		rd_kafka_message_destroy(j->msg);
	}
	if (j->opened) {
		kf_assembly_free(j->opened);
		free(j->opened);
	}
	kf_seal_free(j->seal);
	free(j->copy);
	free(j);
}

/* Drops the jobs not yet started. */
static void kf__purge(struct kf__xfer *x)
{
	struct kf__job *j;

	while ((j = x->qhead)) {
		x->qhead = j->next;
		kf__job_free(x->r, j);
	}
	x->qtail = NULL;
	x->stalled = 0;
}

/* x's next job waits for memory: at the end of r->mem_wait (at the front:
 * it was first and still does not fit). */
static void kf__mem_wait(struct kf__xfer *x, int front)
{
	struct kf__recv *r = x->r;

	x->mem_waiting = 1;
	if (front) {
		x->mem_prev = NULL;
		x->mem_next = r->mem_wait;
		*(r->mem_wait ? &r->mem_wait->mem_prev : &r->mem_wait_tail) = x;
		r->mem_wait = x;
		return;
	}
	x->mem_next = NULL;
	x->mem_prev = r->mem_wait_tail;
	*(r->mem_wait_tail ? &r->mem_wait_tail->mem_next : &r->mem_wait) = x;
	r->mem_wait_tail = x;
}

static void kf__mem_unwait(struct kf__xfer *x)
{
	struct kf__recv *r = x->r;

	if (!x->mem_waiting)
		return;
	*(x->mem_prev ? &x->mem_prev->mem_next : &r->mem_wait) = x->mem_next;
	*(x->mem_next ? &x->mem_next->mem_prev : &r->mem_wait_tail) =
		x->mem_prev;
	x->mem_prev = x->mem_next = NULL;
	x->mem_waiting = 0;
}

static void kf__maybe_free(struct kf__xfer *x)
{
	struct kf__recv *r = x->r;

	if (!x->gone || x->running || x->qhead)
		return;
	kf__mem_unwait(x);
	kf__unhash(r, x);
	kf__path_unhash(r, x);
	r->nunnamed -= (size_t)x->unnamed;
	if (x->prev)
		x->prev->next = x->next;
	else
		r->all = x->next;
	if (x->next)
		x->next->prev = x->prev;
	kf_assembly_free(&x->a);
	kf_seal_free(x->seal);
	free(x);
}

/* The transfer's outcome is durable: stop holding its offset. A tombstone
 * (keep=1) stays in the table so that its remaining frames are ignored
 * quietly. The caller frees it (kf__maybe_free) when done with it. */
static void kf__close(struct kf__xfer *x, int keep)
{
	struct kf__recv *r = x->r;

	kf__uncount(x);
	if (x->holding) {
		kf_offsets_release(r->offs, x->part, x->first_off);
		x->holding = 0;
	}
	x->state = KF__X_DEAD;
	kf__purge(x);
	if (!keep)
		x->gone = 1;
}

/* ---------------------------------------------------------------- jobs */

/* Errors of our own machine, not of the data: the job is tried again
 * later from the same point, and nothing is committed meanwhile. */
static int kf__retryable(int err)
{
	return err == KF_ENOSPC || err == KF_ENOMEM || err == KF_ERESOURCE;
}

/* ---------------------------------------------- sealed transfers, jobs */

/* Before its MANIFEST is opened, a sealed transfer is shown by this name;
 * no wire path can start with '/', so it never matches a real one. */
#define KF__SEALED_NAME "/(sealed transfer)"

/* @locality worker: opens the MANIFEST (signature, key, decryption),
 * checks the signer, and begins an assembly under the real path. It
 * touches only the job's own state: the loop reads the transfer's
 * meanwhile, and installs the job's when it ends (kf__install). */
static int kf__unseal_work(struct kf__job *j, char *e, size_t es)
{
	struct kf__xfer *x = j->x;
	struct kf__recv *r = x->r;
	kf_wire_manifest_t man;
	int rc;

	/* a retried job starts over */
	kf_seal_free(j->seal);
	j->seal = NULL;
	if (j->opened)
		kf_assembly_free(j->opened);
	else if (!(j->opened = malloc(sizeof(*j->opened))))
		return KF_ENOMEM;
	memset(j->opened, 0, sizeof(*j->opened));
	j->opened->fd = -1;
	rc = kf_seal_open_manifest(r->keys, j->frame, j->frame_len, &j->seal, e,
				   es);
	if (!rc)
		rc = kf_wire_decode_manifest(j->seal->frame, j->seal->frame_len,
					     r->o.max_file_size, &man, e, es);
	if (rc)
		return rc;
	if (j->whole_chunks >= 0 &&
	    man.chunk_count != (uint64_t)j->whole_chunks)
		return kf_seterr(e, es, KF_EPROTO,
				 "file: its manifest counts %llu chunks, "
				 "the file frame carries %d",
				 (unsigned long long)man.chunk_count,
				 j->whole_chunks);
	rc = kf_assembly_init(j->opened, r->dest, &man, x->seq);
	if (rc)
		return rc;
	if (j->seal->flags & KF_WIRE_FLAG_SIGNED) {
		j->opened->tap = kf_seal_feed;
		j->opened->tap_opaque = j->seal;
	}
	rc = kf_seal_check_trust(r->keys, j->seal, e, es);
	if (rc)
		return rc;
	return kf_assembly_begin(j->opened, e, es);
}

/* @locality worker: opens, checks and writes one CHUNK; j->chunk.index is
 * the index the loop saw in clear. */
static int kf__sealed_chunk_work(struct kf__job *j, char *e, size_t es)
{
	struct kf__xfer *x = j->x;
	const uint8_t *plain;
	uint8_t *owned;
	kf_wire_chunk_t c;
	size_t len;
	int rc;

	rc = kf_seal_open_chunk(x->seal, j->frame, j->frame_len, &plain, &owned,
				&len, e, es);
	if (rc)
		return rc;
	rc = kf_wire_decode_chunk(plain, len, &c, e, es);
	if (!rc)
		rc = kf_wire_chunk_fits(&x->a.m, &c, j->chunk.index, e, es);
	if (!rc)
		rc = kf_assembly_write(&x->a, x->r->codecs, &c, e, es);
	free(owned);
	return rc;
}

/* @locality worker: opens the COMMIT (decryption, signature over the
 * content digest) and finishes. */
static int kf__sealed_finish_work(struct kf__job *j, char *e, size_t es)
{
	struct kf__xfer *x = j->x;
	uint8_t plain[KF_WIRE_COMMIT_SIZE];
	int rc;

	rc = kf_seal_open_commit(x->seal, j->frame, j->frame_len, plain, e, es);
	if (!rc && (x->seal->flags & KF_WIRE_FLAG_SIGNED))
		x->a.signed_digest = x->seal->cdigest;
	if (!rc)
		rc = kf_wire_decode_commit(plain, sizeof(plain), &j->commit, e,
					   es);
	if (!rc)
		rc = kf_assembly_finish(&x->a, &j->commit, &j->outcome, e, es);
	return rc;
}

/* @locality worker: checks a signed ABORT against the transfer's signer
 * and manifest (docs/protocol.md section 10.7.1). Decides nothing: the
 * loop drops the transfer if it verified, and ignores it otherwise. */
static int kf__signed_abort_work(struct kf__job *j, char *e, size_t es)
{
	uint8_t plain[KF_SEAL_ABORT_PLAIN_MAX];
	kf_wire_abort_t a;
	size_t len;
	int rc;

	if (!j->x->seal)
		return kf_seterr(e, es, KF_EPROTO,
				 "abort of a transfer whose "
				 "manifest was not opened");
	rc = kf_seal_open_abort(j->x->seal, j->frame, j->frame_len, plain, &len,
				e, es);
	if (!rc)
		rc = kf_wire_decode_abort(plain, len, &a, e, es);
	if (!rc)
		kf_path_printable(a.reason, a.reason_len, j->reason,
				  sizeof(j->reason));
	return rc;
}

static void kf__job_failed(struct kf__job *j, kf_assembly_t *a);

/* @locality worker */
static void kf__job_work(uv_work_t *req)
{
	struct kf__job *j = req->data;
	/* an UNSEAL that got as far as naming the file quarantines under
	 * that name (its staging name is the placeholder's) */
	kf_assembly_t *a =
		j->opened && j->opened->relpath ? j->opened : &j->x->a;
	char *e = j->errmsg;
	size_t es = sizeof(j->errmsg);

	switch (j->kind) {
	case KF__J_UNSEAL:
		j->err = kf__unseal_work(j, e, es);
		break;
	case KF__J_BEGIN:
		j->err = kf_assembly_begin(a, e, es);
		break;
	case KF__J_CHUNK:
		if (j->begin) {
			j->err = kf_assembly_begin(a, e, es);
			if (j->err)
				break;
			j->begin = 0;
		}
		j->err = j->x->sealed ? kf__sealed_chunk_work(j, e, es)
				      : kf_assembly_write(a, j->x->r->codecs,
							  &j->chunk, e, es);
		break;
	case KF__J_FINISH:
		j->err = j->x->sealed ? kf__sealed_finish_work(j, e, es)
			 : j->x->orphan
				 ? kf_assembly_present(a, &j->commit,
						       &j->outcome, e, es)
				 : kf_assembly_finish(a, &j->commit,
						      &j->outcome, e, es);
		break;
	case KF__J_DISCARD:
		kf_assembly_discard(a);
		return;
	case KF__J_QUARANTINE:
		j->err = kf_assembly_quarantine(a, j->reason);
		return;
	case KF__J_ABORT: /* a forged one must not end the transfer */
		j->err = kf__signed_abort_work(j, e, es);
		return;
	}
	kf__job_failed(j, a);
}

/* @locality worker: a job that failed for a reason in the data moves the
 * transfer to quarantine (or asks to retry that alone). */
static void kf__job_failed(struct kf__job *j, kf_assembly_t *a)
{
	char *e = j->errmsg;

	if (j->err && !kf__retryable(j->err)) {
		int q;

		if (j->opened && j->opened->relpath)
			a = j->opened;
		q = kf_assembly_quarantine(a, e);
		if (q) {
			/* Could not quarantine yet: keep the data and retry
			 * the quarantine alone. */
			j->kind = KF__J_QUARANTINE;
			snprintf(j->reason, sizeof(j->reason), "%s", e);
			j->err = q;
		} else {
			j->quarantined = 1;
		}
	}
}

static const char *kf__outcome_name(int outcome)
{
	switch (outcome) {
	case KF_PLACED:
		return "placed";
	case KF_REPLACED:
		return "replaced the existing file";
	case KF_RENAMED:
		return "placed under a new name";
	case KF_KEPT_NEWER:
		return "not placed: DEST holds a newer version (a signed "
		       "transfer older than the file there never replaces "
		       "it)";
	default:
		return "already present, skipped";
	}
}

static void kf__log_quarantine(const struct kf__xfer *x, const char *why)
{
	char xid[33];

	kf_xid_format(&x->xid, xid);
	kf_err("recv",
	       "quarantined '%s': %s (data and reason in "
	       "%s/.kferry/quarantine/%s)",
	       x->a.shown, why, x->r->o.dest, xid);
}

/* The quarantine is durable: one dead letter stands for the transfer
 * (docs/dead-letters.md). It holds the MANIFEST's offset, taken before
 * the transfer releases its own hold. A transfer detached from a revoked
 * partition holds nothing: its new owner re-reads and reports it. */
static void kf__dead_transfer(struct kf__xfer *x, const char *why)
{
	unsigned char frame[KF_WIRE_MANIFEST_MAX];
	char reason[700], xid[33];
	long len;

	if (!x->r->dlq || !x->holding)
		return;
	kf_xid_format(&x->xid, xid);
	if (x->sealed) {
		/* nothing decrypted may leave: the key is the transfer id,
		 * as on the wire, and the reason stays in DEST */
		snprintf(reason, sizeof(reason),
			 "quarantined: a sealed "
			 "transfer (reason in %s/.kferry/quarantine/%s/"
			 "reason.txt)",
			 x->r->o.dest, xid);
		kf_deadletter_quarantined(x->r->dlq, x->part, x->first_off,
					  (const char *)x->xid.b,
					  sizeof(x->xid.b), NULL, 0, reason);
		return;
	}
	snprintf(reason, sizeof(reason),
		 "quarantined: %s (data in "
		 "%s/.kferry/quarantine/%s)",
		 why, x->r->o.dest, xid);
	len = kf_wire_encode_manifest(frame, sizeof(frame), &x->a.m);
	kf_deadletter_quarantined(x->r->dlq, x->part, x->first_off,
				  x->a.relpath, x->a.m.path_len, frame,
				  len > 0 ? (size_t)len : 0, reason);
}

/* Counts a transfer's end and records it in the audit trail. j is the
 * FINISH job of a completed transfer, NULL otherwise. */
static void kf__observe(struct kf__xfer *x, const char *event,
			const struct kf__job *j, const char *reason)
{
	static const char *const outcomes[] = {[KF_PLACED] = "placed",
					       [KF_REPLACED] = "replaced",
					       [KF_RENAMED] = "renamed",
					       [KF_SKIPPED] = "skipped",
					       [KF_KEPT_NEWER] = "kept-newer"};
	struct kf_audit_rec rec = {0};

	rec.event = event;
	rec.path = x->a.relpath;
	rec.size = x->a.m.file_size;
	rec.origin = x->a.origin[0] ? x->a.origin : NULL;
	rec.topic = x->r->o.engine.topic;
	rec.partition = x->part;
	rec.first_offset = x->first_off;
	rec.xid = x->xid.b;
	rec.reason = reason;
	if (j) {
		rec.outcome = outcomes[j->outcome];
		rec.placed_as =
			j->outcome == KF_RENAMED ? x->a.placed_as : NULL;
		rec.hash = j->commit.file_hash;
	}
	kf_probe_recv_end(&x->probe, &rec);
}

static void kf__finished(struct kf__xfer *x, struct kf__job *j)
{
	struct kf__recv *r = x->r;
	uint64_t ms = kf_engine_now_ms() - x->started_ms;

	if (j->outcome == KF_SKIPPED || j->outcome == KF_KEPT_NEWER) {
		r->stats.files_skipped++;
	} else {
		r->stats.files_ok++;
		r->stats.bytes_written += x->a.m.file_size;
	}
	kf__observe(x, "completed", j, NULL);
	if (j->outcome == KF_KEPT_NEWER) { /* a replay of an old version? */
		kf_warn("recv", "'%s': %s", x->a.shown,
			kf__outcome_name(j->outcome));
		return;
	}
	kf_info("recv", "received '%s' (%llu bytes, %llu ms): %s%s%s",
		x->a.shown, (unsigned long long)x->a.m.file_size,
		(unsigned long long)ms, kf__outcome_name(j->outcome),
		j->outcome == KF_RENAMED ? " " : "",
		j->outcome == KF_RENAMED ? x->a.placed_as : "");
}

static void kf__job_done(uv_work_t *req, int status)
{
	struct kf__job *j = req->data;
	struct kf__xfer *x = j->x;
	struct kf__recv *r = x->r;

	(void)status;
	x->running = 0;
	r->scratch_bytes -= j->scratch;
	j->scratch = 0;
	if (kf__retryable(j->err) && x->state == KF__X_DEAD &&
	    j->kind != KF__J_QUARANTINE)
		goto out_free_job; /* abandoned while it waited: its DISCARD
				      is queued behind, nothing to retry */
	if (kf__retryable(j->err) || (j->kind == KF__J_QUARANTINE && j->err)) {
		/* Retry later from the same point: nothing was recorded. */
		if (!r->stall_logged && j->kind == KF__J_QUARANTINE)
			kf_err("recv",
			       "'%s': cannot quarantine it yet (%s); "
			       "retrying every %d s",
			       x->a.shown, kf_strerror(j->err),
			       KF__STALL_RETRY_MS / 1000);
		else if (!r->stall_logged)
			kf_err("recv",
			       "%s; waiting for %s, retrying every %d s "
			       "(nothing is committed meanwhile)",
			       j->errmsg[0] ? j->errmsg : kf_strerror(j->err),
			       j->err == KF_ENOSPC ? "space" : "resources",
			       KF__STALL_RETRY_MS / 1000);
		r->stall_logged = 1;
		j->err = 0;
		j->next = x->qhead;
		x->qhead = j;
		if (!x->qtail)
			x->qtail = j;
		x->stalled = 1;
		x->stalled_ms = kf_engine_now_ms();
		kf__memory_freed(r);
		return;
	}
	r->stall_logged = 0;
	if (j->kind == KF__J_CHUNK && !j->err)
		kf_probe_recv_chunk(r->o.engine.topic);
	if ((j->quarantined || j->kind == KF__J_QUARANTINE) &&
	    x->state != KF__X_DEAD) {
		kf__log_quarantine(x, j->quarantined ? j->errmsg : j->reason);
		kf__observe(x, "quarantined", NULL,
			    j->quarantined ? j->errmsg : j->reason);
		r->stats.files_quarantined++;
		kf__dead_transfer(x, j->quarantined ? j->errmsg : j->reason);
		kf__close(x, 1);
	} else if (j->kind == KF__J_FINISH && !j->err) {
		kf__finished(x, j);
		kf__close(x, 0);
	} else if (j->kind == KF__J_UNSEAL && !j->err &&
		   x->state != KF__X_DEAD) {
		kf__install(x, j);
		kf__unsealed(x);
	} else if (j->kind == KF__J_ABORT) {
		kf__abort_done(x, j);
	} else if (j->kind == KF__J_QUARANTINE || j->kind == KF__J_DISCARD) {
		if (j->kind == KF__J_QUARANTINE)
			kf__dead_transfer(x, j->reason);
		kf__close(x, x->gone ? 0 : 1);
	}
out_free_job:
	if (x->unnamed && (j->kind == KF__J_UNSEAL || x->state == KF__X_DEAD)) {
		x->unnamed = 0; /* named, or never will be */
		r->nunnamed--;
		kf__named(r, x->part);
	}
	kf__job_free(r, j);
	kf__memory_freed(r);
	kf__run_next(x);
	kf__maybe_free(x);
	kf_engine_kick(r->eng);
}

/* The UNSEAL job j of x succeeded: x takes what it opened. */
static void kf__install(struct kf__xfer *x, struct kf__job *j)
{
	kf__path_unhash(x->r, x);
	kf_assembly_free(&x->a);
	kf_assembly_move(&x->a, j->opened);
	kf__path_hash(x->r, x);
	free(j->opened);
	j->opened = NULL;
	kf_seal_free(x->seal);
	x->seal = j->seal;
	j->seal = NULL;
}

/* Is a transfer older than x (by offset, on its partition) still
 * unnamed? x's FINISH then waits: which of two versions of a path wins
 * is decided when the older one gets its name (kf__unsealed), and the
 * newer one must still be there to be found. UNSEAL jobs are short. */
static int kf__older_unnamed(const struct kf__xfer *x)
{
	const struct kf__xfer *y;

	if (!x->r->nunnamed) /* the walk cost every plain small file O(n) */
		return 0;
	for (y = x->r->all; y; y = y->next)
		if (y->unnamed && y->state != KF__X_DEAD &&
		    y->part == x->part && y->first_off < x->first_off)
			return 1;
	return 0;
}

/* An UNSEAL job of partition part ended: FINISH jobs waiting for it
 * (kf__older_unnamed) may run. */
static void kf__named(struct kf__recv *r, int32_t part)
{
	struct kf__xfer *y;

	for (y = r->all; y; y = y->next)
		if (y->part == part && !y->running && y->qhead &&
		    y->qhead->kind == KF__J_FINISH)
			kf__run_next(y);
}

/* What a CHUNK job's worker allocates besides its message: the
 * decompressed chunk (its raw_len, checked against the opened manifest
 * before the allocation: at most chunk_size, and at most the file's size)
 * and, for a sealed one, the decrypted frame. A sealed chunk's raw_len
 * is known only once opened: its largest possible. */
static size_t kf__scratch_of(const struct kf__xfer *x, const struct kf__job *j)
{
	uint64_t raw = x->a.m.chunk_size;

	if (j->kind != KF__J_CHUNK)
		return 0;
	if (x->a.m.file_size < raw)
		raw = x->a.m.file_size;
	if (x->sealed)
		return (size_t)raw + j->frame_len;
	return j->chunk.codec != KF_CODEC_NONE ? j->chunk.raw_len : 0;
}

/* Can j start now? Running jobs' buffers and queued messages together
 * stay within receive.max_inflight_bytes, however many workers there are;
 * one job always may (a chunk larger than the budget still passes). */
static int kf__memory_for(const struct kf__recv *r, size_t need)
{
	return !need || !r->scratch_bytes ||
	       r->inflight_bytes + r->scratch_bytes + need <=
		       r->o.max_inflight_bytes;
}

/* Jobs finished: transfers waiting for memory try again, in order, up
 * to the first that still does not fit (the ones behind it wait: each
 * retry of all of them, each going back to the end, cost the loop
 * O(n^2) per job with thousands of small transfers waiting, and let a
 * large job starve behind small ones). */
static void kf__memory_freed(struct kf__recv *r)
{
	struct kf__xfer *x;

	while ((x = r->mem_wait)) {
		kf__mem_unwait(x);
		kf__run_next(x);
		if (x->mem_waiting) {
			kf__mem_unwait(x);
			kf__mem_wait(x, 1);
			return;
		}
	}
}

/* ------------------------------------------------------ group commit */

/* Placements of one directory side by side, in arrival order otherwise
 * (two versions of one path are placed in the order they came). */
static int kf__batch_cmp(const void *pa, const void *pb)
{
	const struct kf__job *a = *(struct kf__job *const *)pa;
	const struct kf__job *b = *(struct kf__job *const *)pb;
	const char *sa = strrchr(a->x->a.relpath, '/');
	const char *sb = strrchr(b->x->a.relpath, '/');
	size_t la = sa ? (size_t)(sa - a->x->a.relpath) : 0;
	size_t lb = sb ? (size_t)(sb - b->x->a.relpath) : 0;
	int c = memcmp(a->x->a.relpath, b->x->a.relpath, la < lb ? la : lb);

	if (c)
		return c;
	if (la != lb)
		return la < lb ? -1 : 1;
	return a->bidx < b->bidx ? -1 : a->bidx > b->bidx;
}

/* @locality worker: the batch's data made durable at once, then each file
 * verified and put in place, then each directory synced once; a
 * file counts as done (kf__batch_done) only after all of that. */
static void kf__batch_work(uv_work_t *req)
{
	struct kf__batch *b = req->data;
	kf_assembly_t *as[KF__BATCH_MAX];
	kf_dirsync_t ds = {0};
	struct kf__job *j;
	size_t i;

	qsort(b->jobs, b->n, sizeof(b->jobs[0]), kf__batch_cmp);
	for (i = 0; i < b->n; i++)
		as[i] = &b->jobs[i]->x->a;
	kf_assembly_settle(as, b->n);
	for (i = 0; i < b->n; i++) {
		as[i]->dirsync = &ds;
		kf__job_work(&b->jobs[i]->work);
	}
	kf_dirsync_release(&ds);
	for (i = 0; i < b->n; i++) {
		j = b->jobs[i];
		if (as[i]->dir_pending && !j->err) {
			j->err = kf_assembly_sync_pending(as[i], j->errmsg,
							  sizeof(j->errmsg));
			kf__job_failed(j, as[i]);
		}
		as[i]->dir_pending = KF_SYNC_NONE;
		as[i]->dirsync = NULL;
	}
}

static void kf__batch_close(struct kf__recv *r);

static void kf__batch_done(uv_work_t *req, int status)
{
	struct kf__batch *b = req->data;
	struct kf__recv *r = b->r;
	size_t i;

	r->batch_running = 0;
	for (i = 0; i < b->n; i++)
		kf__job_done(&b->jobs[i]->work, status);
	free(b);
	if (r->batch && r->batch->due)
		kf__batch_close(r);
}

static void kf__batch_close(struct kf__recv *r)
{
	struct kf__batch *b = r->batch;

	r->batch = NULL;
	uv_timer_stop(&r->batch_timer);
	r->batch_running = 1;
	b->work.data = b;
	uv_queue_work(&r->loop, &b->work, kf__batch_work, kf__batch_done);
}

static void kf__batch_due(uv_timer_t *t)
{
	struct kf__recv *r = t->data;

	r->batch->due = 1;
	if (!r->batch_running)
		kf__batch_close(r);
}

/* Is j a FINISH that waits for its batch rather than running alone? Only
 * transfers of small files, plain or in one FILE frame, and only when
 * placements are fsync'ed (there is nothing to share otherwise). */
static int kf__batched(const struct kf__xfer *x, const struct kf__job *j)
{
	return j->kind == KF__J_FINISH && (!x->sealed || x->whole) &&
	       !x->orphan && x->r->o.keep.fsync &&
	       x->a.m.file_size <= KF__BATCH_FILE_MAX;
}

/* Adds j to the filling batch (a new one if none). Out of memory, j runs
 * alone. */
static void kf__batch_add(struct kf__recv *r, struct kf__job *j)
{
	struct kf__batch *b = r->batch;

	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b) {
			uv_queue_work(&r->loop, &j->work, kf__job_work,
				      kf__job_done);
			return;
		}
		b->r = r;
		r->batch = b;
		uv_timer_start(&r->batch_timer, kf__batch_due, KF__BATCH_MS, 0);
	}
	j->bidx = b->n;
	b->jobs[b->n++] = j;
	b->bytes += j->x->a.m.file_size;
	if (b->n >= r->batch_max || b->bytes >= KF__BATCH_BYTES)
		kf__batch_close(r);
}

static void kf__run_next(struct kf__xfer *x)
{
	struct kf__job *j = x->qhead;
	struct kf__recv *r = x->r;
	size_t need;

	if (x->running || x->stalled || !j || x->mem_waiting ||
	    (j->kind == KF__J_FINISH && kf__older_unnamed(x)))
		return;
	need = kf__scratch_of(x, j);
	if (!kf__memory_for(r, need)) {
		kf__mem_wait(x, 0);
		return;
	}
	j->scratch = need;
	r->scratch_bytes += need;
	x->qhead = j->next;
	if (!x->qhead)
		x->qtail = NULL;
	x->running = 1;
	j->work.data = j;
	if (kf__batched(x, j))
		kf__batch_add(r, j);
	else
		uv_queue_work(&x->r->loop, &j->work, kf__job_work,
			      kf__job_done);
}

static struct kf__job *kf__enqueue(struct kf__xfer *x, int kind,
				   rd_kafka_message_t *msg)
{
	struct kf__job *j = calloc(1, sizeof(*j));

	if (!j) {
		if (msg)
			rd_kafka_message_destroy(msg);
		return NULL;
	}
	j->kind = kind;
	j->x = x;
	j->whole_chunks = -1;
	j->msg = msg;
	if (msg) {
		x->r->inflight_bytes += msg->len;
		j->frame = msg->payload;
		j->frame_len = msg->len;
	}
	if (x->qtail)
		x->qtail->next = j;
	else
		x->qhead = j;
	x->qtail = j;
	return j;
}

/* Ends a transfer by moving its data to quarantine, with a reason. */
static void kf__quarantine(struct kf__xfer *x, const char *fmt, ...)
	KF_PRINTF(2, 3);
static void kf__quarantine(struct kf__xfer *x, const char *fmt, ...)
{
	struct kf__recv *r = x->r;
	struct kf__job *j;
	va_list ap;

	kf__purge(x);
	j = kf__enqueue(x, KF__J_QUARANTINE, NULL);
	if (j) {
		va_start(ap, fmt);
		vsnprintf(j->reason, sizeof(j->reason), fmt, ap);
		va_end(ap);
		kf__log_quarantine(x, j->reason);
	}
	r->stats.files_quarantined++;
	kf__observe(x, "quarantined", NULL, j ? j->reason : "out of memory");
	kf__uncount(x);
	x->state = KF__X_DEAD;
	kf__run_next(x);
}

/* Ends a transfer by deleting its staged data. */
static void kf__drop(struct kf__xfer *x, int keep_tombstone)
{
	kf__purge(x);
	kf__uncount(x);
	x->state = KF__X_DEAD;
	x->gone = !keep_tombstone;
	kf__enqueue(x, KF__J_DISCARD, NULL);
	kf__run_next(x);
}

/* The sender gave up or vanished. */
static void kf__abandon(struct kf__xfer *x, int keep_tombstone)
{
	x->r->stats.files_abandoned++;
	kf__observe(x, "failed", NULL,
		    "abandoned: the sender gave up, "
		    "vanished or sent the file again");
	kf__drop(x, keep_tombstone);
}

/* ------------------------------------------------------------ messages */

static void kf__reject(struct kf__recv *r, rd_kafka_message_t *m,
		       const char *what, const char *why)
{
	char key[256], reason[700];
	uint64_t sec = kf_engine_now_ms() / 1000;

	r->stats.messages_rejected++;
	if (sec != r->reject_sec) {
		r->reject_sec = sec;
		r->reject_lines = 0;
	}
	if (r->reject_lines++ < KF__REJECT_LINES) {
		if (r->reject_quiet)
			kf_warn("recv",
				"%llu more messages rejected, not "
				"logged one by one (at most %d lines "
				"a second)",
				(unsigned long long)r->reject_quiet,
				KF__REJECT_LINES);
		r->reject_quiet = 0;
		kf_path_printable(m->key, m->key ? m->key_len : 0, key,
				  sizeof(key));
		kf_warn("recv", "partition %d offset %lld (key '%s'): %s: %s",
			(int)m->partition, (long long)m->offset, key, what,
			why);
	} else {
		r->reject_quiet++;
	}
	snprintf(reason, sizeof(reason), "%s: %s", what, why);
	kf_deadletter_forward(r->dlq, m, reason);
	rd_kafka_message_destroy(m);
}

/* A transfer whose MANIFEST was rejected: remember its id, so that its
 * other frames are dropped quietly instead of each logging a line. */
static void kf__tombstone(struct kf__recv *r, const kf_wire_hdr_t *h)
{
	if (!kf__find(r, &h->xid) && kf_idset_add(r->tombs, &h->xid))
		kf_warn("recv", "out of memory for the ids of rejected "
				"transfers: their other frames are reported "
				"one by one");
}

/* Is xid the id of a transfer here, open, ended or rejected? */
static int kf__id_taken(struct kf__recv *r, const kf_xid_t *xid)
{
	return kf__find(r, xid) || kf_idset_has(r->tombs, xid);
}

/* A signed transfer is superseded only by a MANIFEST of its own signer
 * (docs/protocol.md section 10.8, rule 5), known once the UNSEAL jobs of
 * both ran; self is NULL for a plain MANIFEST. Says so when it refuses:
 * the other MANIFEST may be a forger's. */
static int kf__may_supersede(const struct kf__xfer *old,
			     const struct kf__xfer *self)
{
	char xid[33];

	if (!(old->sflags & KF_WIRE_FLAG_SIGNED))
		return 1;
	if (self && old->signer_known && self->signer_known &&
	    !memcmp(old->signer, self->signer, sizeof(old->signer)))
		return 1;
	kf_xid_format(&old->xid, xid);
	kf_warn("recv",
		"signed transfer %s: a MANIFEST of the same path not "
		"signed by its signer started; the signed transfer "
		"carries on",
		xid);
	return 0;
}

/* Is the MANIFEST at offset off, of message timestamp ts, a retry of the
 * transfer old (on the same partition)? It lies after old's, and was not
 * written before it: a killed sender's produce request may be appended
 * after its retry's (docs/protocol.md section 6, stale MANIFESTs). A
 * timestamp of -1 (none) leaves the offsets to decide. */
static int kf__retry_of(int64_t off, int64_t ts, const struct kf__xfer *old)
{
	return off > old->first_off &&
	       (ts < 0 || old->man_ts < 0 || ts >= old->man_ts);
}

/* A stale MANIFEST came after the open transfer x of its path: neither
 * replaces the other. */
static void kf__stale(const struct kf__xfer *x, int64_t off, int64_t ts)
{
	kf_warn("recv",
		"'%s': a MANIFEST of the same path written %lld ms "
		"before it came after it (partition %d offset %lld): "
		"an attempt the sender had already retried, left to "
		"complete or time out; this transfer carries on",
		x->a.shown, (long long)(x->man_ts - ts), (int)x->part,
		(long long)off);
}

/* A new MANIFEST for the same path on the same partition means the sender
 * retried: its earlier, unfinished attempt can never complete. Newer and
 * older are told by the MANIFEST's offset (off) and message timestamp
 * (ts) (kf__retry_of), not by when a transfer got its name: sealed ones
 * are named by jobs that end in any order. Returns the offset of the
 * first newer transfer of the path that is open and whose MANIFEST came
 * before self's end (end_off; -1: not yet): the caller's transfer is then
 * the superseded one; else -1. */
static int64_t kf__supersede(struct kf__recv *r, const kf_wire_manifest_t *m,
			     int32_t part, int64_t off, int64_t ts,
			     int64_t end_off, const struct kf__xfer *self)
{
	struct kf__xfer *x, *next;
	int64_t newer = -1;

	for (x = r->pbuckets[kf__pbucket(r, part, m->path, m->path_len)]; x;
	     x = next) {
		next = x->pnext;
		if (x == self || x->state == KF__X_DEAD || x->part != part ||
		    x->a.m.path_len != m->path_len ||
		    memcmp(x->a.relpath, m->path, m->path_len))
			continue;
		if (x->first_off > off) {
			/* its FINISH waits for self's name; an unnamed x
			 * decides itself when its UNSEAL job names it */
			if (!self || x->unnamed)
				continue;
			if (!kf__retry_of(x->first_off, x->man_ts, self))
				kf__stale(self, x->first_off, x->man_ts);
			else if (kf__may_supersede(self, x) &&
				 (end_off < 0 || end_off > x->first_off) &&
				 (newer < 0 || x->first_off < newer))
				newer = x->first_off;
			continue;
		}
		if (x->state != KF__X_OPEN || !kf__may_supersede(x, self))
			continue;
		if (!kf__retry_of(off, ts, x)) {
			kf__stale(x, off, ts);
			continue;
		}
		kf_warn("recv",
			"'%s': a newer transfer of the same path "
			"started; dropping the unfinished one",
			x->a.shown);
		x->superseded = 1;
		kf__abandon(x, 1);
	}
	return newer;
}

/* A frame that an earlier pass over its partition handled already (in a
 * re-read range, of a transfer not opened in this pass), or that may be
 * of a deferred transfer: dropped without a word. */
static int kf__not_ours(const struct kf__recv *r, const rd_kafka_message_t *m,
			const struct kf__xfer *x)
{
	if (r->reread_from >= 0)
		return !x || x->part != m->partition ||
		       x->first_off < r->reread_from;
	return !x && kf_offsets_deferring(r->offs, m->partition);
}

/* Opens a transfer at message m: holds its offset (section 7). On failure
 * the receiver stops and m is destroyed. */
static struct kf__xfer *kf__open_xfer(struct kf__recv *r, rd_kafka_message_t *m,
				      const kf_wire_manifest_t *man)
{
	struct kf__xfer *x;

	x = kf__xfer_new(r, &man->hdr.xid, m->partition, m->offset);
	if (x)
		x->seq = ++r->seq;
	if (!x || kf_assembly_init(&x->a, r->dest, man, x->seq) ||
	    kf_offsets_hold(r->offs, m->partition, m->offset)) {
		kf_err("recv", "out of memory");
		kf_stop_request();
		rd_kafka_message_destroy(m);
		return NULL;
	}
	kf__path_hash(r, x);
	x->holding = 1;
	x->state = KF__X_OPEN;
	x->counted = 1;
	x->man_ts = rd_kafka_message_timestamp(m, NULL);
	r->nopen++;
	kf_probe_recv_open(&x->probe, x->man_ts);
	return x;
}

/* ---------------------------------------------- sealed transfers, loop */

/* Sealed or signed transfers, and every transfer when signatures are
 * required, are opened by jobs: the loop thread does no crypto. */
static int kf__opened_by_jobs(const struct kf__recv *r, const kf_wire_hdr_t *h)
{
	return h->flags || (r->keys && r->keys->ntrusted);
}

/* Only its own signer may end a signed transfer, and with
 * receive.trusted_signers only signed transfers are kept: their ends are
 * authenticated (docs/protocol.md section 10.8, rule 5). */
static int kf__authenticated(const struct kf__recv *r, const struct kf__xfer *x)
{
	return (x->sflags & KF_WIRE_FLAG_SIGNED) ||
	       (r->keys && r->keys->ntrusted);
}

/* Opens a transfer whose MANIFEST a job will open (header h, its frame
 * in m), shown by a placeholder name until then. NULL: m is taken care
 * of (rejected, or the receiver stops). */
static struct kf__xfer *kf__open_sealed(struct kf__recv *r,
					rd_kafka_message_t *m,
					const kf_wire_hdr_t *h,
					const char *what)
{
	kf_wire_manifest_t ph = {0}; /* placeholder until the job opens it */
	struct kf__xfer *x;

	if (kf__id_taken(r, &h->xid)) {
		kf__reject(r, m, what, "its transfer id is already in use");
		return NULL;
	}
	ph.hdr = *h;
	ph.hdr.version = KF_WIRE_VERSION;
	ph.hdr.type = KF_WIRE_MANIFEST;
	ph.path = (const uint8_t *)KF__SEALED_NAME;
	ph.path_len = sizeof(KF__SEALED_NAME) - 1;
	x = kf__open_xfer(r, m, &ph);
	if (!x)
		return NULL;
	x->sealed = 1;
	x->unnamed = 1;
	r->nunnamed++;
	x->sflags = h->flags;
	return x;
}

static void kf__on_sealed_manifest(struct kf__recv *r, rd_kafka_message_t *m,
				   const kf_wire_hdr_t *h)
{
	struct kf__xfer *x = kf__open_sealed(r, m, h, "rejected manifest");

	if (!x)
		return;
	kf__enqueue(x, KF__J_UNSEAL, m);
	kf__run_next(x);
}

/* A job for one inner frame of a FILE with flags, on a copy of it. */
static struct kf__job *kf__enqueue_copy(struct kf__xfer *x, int kind,
					const uint8_t *frame, size_t len)
{
	struct kf__job *j = kf__enqueue(x, kind, NULL);

	if (j && (j->copy = malloc(len))) {
		memcpy(j->copy, frame, len);
		j->frame = j->copy;
		j->frame_len = len;
	}
	return j;
}

/* A FILE with flags (docs/protocol.md section 10.10): the transfer
 * MANIFEST CHUNK(0) COMMIT of a sealed or signed small file, all three at
 * its offset, opened by the same jobs as when they come one by one. The
 * CHUNK job keeps the message; the small MANIFEST and COMMIT are copied. */
static void kf__on_sealed_file(struct kf__recv *r, rd_kafka_message_t *m,
			       const kf_wire_hdr_t *h)
{
	kf_seal_file_parts_t p;
	struct kf__xfer *x;
	struct kf__job *j[3];
	char err[512];

	if (kf_seal_file_split(m->payload, m->len, &p, err, sizeof(err))) {
		kf__reject(r, m, "rejected file", err);
		return;
	}
	x = kf__open_sealed(r, m, h, "rejected file");
	if (!x)
		return;
	x->whole = 1;
	r->nwhole++;
	x->got_data = 1;
	x->end_off = m->offset;
	x->state = KF__X_CLOSING;
	kf_probe_recv_commit(&x->probe, m->offset);
	j[0] = kf__enqueue_copy(x, KF__J_UNSEAL, p.manifest, p.manifest_len);
	if (j[0])
		j[0]->whole_chunks = p.chunk != NULL;
	j[1] = p.chunk ? kf__enqueue(x, KF__J_CHUNK, m) : NULL;
	if (j[1]) {
		j[1]->frame = p.chunk;
		j[1]->frame_len = p.chunk_len;
		x->next_index = 1;
	}
	j[2] = kf__enqueue_copy(x, KF__J_FINISH, p.commit, p.commit_len);
	if (!p.chunk)
		rd_kafka_message_destroy(m);
	if (!j[0] || !j[0]->copy || (p.chunk && !j[1]) || !j[2] ||
	    !j[2]->copy) {
		kf_err("recv", "out of memory");
		kf_stop_request();
		return;
	}
	kf__run_next(x);
}

/* The UNSEAL job named the transfer: a retry of the same path replaces
 * what is unfinished of it, as for plain manifests. */
static void kf__unsealed(struct kf__xfer *x)
{
	struct kf__job *q;
	int64_t newer;

	if (x->seal->flags & KF_WIRE_FLAG_SIGNED) {
		memcpy(x->signer, x->seal->signer, sizeof(x->signer));
		x->signer_known = 1;
	}
	newer = kf__supersede(x->r, &x->a.m, x->part, x->first_off, x->man_ts,
			      x->end_off, x);
	if (newer >= 0) {
		kf_warn("recv",
			"'%s': a newer transfer of the same path "
			"started before this one ended; dropping this "
			"one",
			x->a.shown);
		x->superseded = 1;
		/* frames queued behind the newer MANIFEST came after it */
		for (q = x->qhead; q; q = q->next)
			if (q->msg && q->kind != KF__J_ABORT &&
			    q->msg->offset > newer)
				kf__late_frame(x->r, x, q->msg, NULL);
		kf__abandon(x, 1);
		return;
	}
	kf_dbg(KF_DBG_RECV, "recv",
	       "sealed manifest '%s' (flags 0x%04x): %llu bytes, %llu chunks",
	       x->a.shown, x->sflags, (unsigned long long)x->a.m.file_size,
	       (unsigned long long)x->a.m.chunk_count);
}

/* Only what is in clear is checked here: the order of the chunks. The
 * job opens the rest, knowing the index (c->index). */
static int kf__peek_sealed_chunk(const struct kf__xfer *x,
				 const rd_kafka_message_t *m,
				 kf_wire_chunk_t *c, char *err, size_t err_size)
{
	int rc;

	memset(c, 0, sizeof(*c));
	rc = kf_seal_peek_chunk(x->sflags, m->payload, m->len, &c->index, err,
				err_size);
	if (!rc && c->index != x->next_index)
		rc = kf_seterr(err, err_size, KF_EPROTO,
			       "chunk %llu arrived where chunk %llu was "
			       "expected",
			       (unsigned long long)c->index,
			       (unsigned long long)x->next_index);
	return rc;
}

static void kf__on_sealed_commit(struct kf__xfer *x, rd_kafka_message_t *m)
{
	x->state = KF__X_CLOSING;
	x->end_off = m->offset;
	kf__enqueue(x, KF__J_FINISH, m);
	kf__run_next(x);
}

/* ------------------------------------------------------- plain frames */

static void kf__on_manifest(struct kf__recv *r, rd_kafka_message_t *m,
			    const kf_wire_hdr_t *h)
{
	kf_wire_manifest_t man;
	struct kf__xfer *x;
	char err[512];

	if (kf_engine_defer(r->eng, m))
		return;
	if (kf__opened_by_jobs(r, h)) {
		kf__on_sealed_manifest(r, m, h);
		return;
	}
	if (kf_wire_decode_manifest(m->payload, m->len, r->o.max_file_size,
				    &man, err, sizeof(err))) {
		kf__tombstone(r, h);
		kf__reject(r, m, "rejected manifest", err);
		return;
	}
	if (kf__id_taken(r, &man.hdr.xid)) {
		kf__reject(r, m, "rejected manifest",
			   "its transfer id is already in use");
		return;
	}
	/* in offset order, nothing open here is newer */
	kf__supersede(r, &man, m->partition, m->offset,
		      rd_kafka_message_timestamp(m, NULL), -1, NULL);
	x = kf__open_xfer(r, m, &man);
	if (!x)
		return;
	kf_dbg(KF_DBG_RECV, "recv", "manifest '%s': %llu bytes, %llu chunks",
	       x->a.shown, (unsigned long long)man.file_size,
	       (unsigned long long)man.chunk_count);
	rd_kafka_message_destroy(m);
	kf__enqueue(x, KF__J_BEGIN, NULL);
	kf__run_next(x);
}

/* A FILE (docs/protocol.md section 3.7) is the transfer MANIFEST CHUNK(0)
 * COMMIT folded into one message, all three at its offset: it opens,
 * writes and finishes through the same jobs and rules as that transfer. */
static void kf__on_file(struct kf__recv *r, rd_kafka_message_t *m,
			const kf_wire_hdr_t *h)
{
	kf_wire_manifest_t man;
	kf_wire_commit_t commit;
	kf_wire_chunk_t c;
	kf_wire_file_t f;
	struct kf__xfer *x;
	struct kf__job *j;
	char err[512];

	if (kf_engine_defer(r->eng, m))
		return;
	if (h->flags) {
		kf__on_sealed_file(r, m, h);
		return;
	}
	if (kf_wire_decode_file(m->payload, m->len, r->o.max_file_size, &f, err,
				sizeof(err))) {
		kf__reject(r, m, "rejected file", err);
		return;
	}
	if (kf__id_taken(r, &h->xid)) {
		kf__reject(r, m, "rejected file",
			   "its transfer id is already in use");
		return;
	}
	kf_wire_file_split(&f, &man, &c, &commit);
	if (kf__opened_by_jobs(r, h)) {
		/* a FILE without flags is unsigned: with
		 * receive.trusted_signers set, quarantined like any unsigned
		 * transfer (section 10.8, rule 2), and it supersedes nothing */
		x = kf__open_xfer(r, m, &man);
		if (!x)
			return;
		rd_kafka_message_destroy(m);
		kf__quarantine(x,
			       "unsigned transfer: receive.trusted_signers "
			       "accepts only transfers signed by one of its "
			       "%zu key(s)",
			       r->keys->ntrusted);
		return;
	}
	kf__supersede(r, &man, m->partition, m->offset,
		      rd_kafka_message_timestamp(m, NULL), -1, NULL);
	x = kf__open_xfer(r, m, &man);
	if (!x)
		return;
	kf_dbg(KF_DBG_RECV, "recv", "file '%s': %llu bytes", x->a.shown,
	       (unsigned long long)man.file_size);
	x->whole = 1;
	r->nwhole++;
	x->got_data = 1;
	x->end_off = m->offset;
	x->state = KF__X_CLOSING;
	kf_probe_recv_commit(&x->probe, m->offset);
	if (man.chunk_count) {
		x->next_index = 1;
		j = kf__enqueue(x, KF__J_CHUNK, m);
		if (j) {
			j->chunk = c;
			j->begin = 1;
		}
	} else {
		kf__enqueue(x, KF__J_BEGIN, NULL);
		rd_kafka_message_destroy(m);
	}
	j = kf__enqueue(x, KF__J_FINISH, NULL);
	if (j)
		j->commit = commit;
	kf__run_next(x);
}

/* Replay: a frame whose MANIFEST lies before the start position. That
 * transfer cannot be completed from this range: say so once per transfer
 * (a tombstone quiets its other frames). */
static void kf__cut_by_start(struct kf__recv *r, rd_kafka_message_t *m,
			     const kf_wire_hdr_t *h)
{
	char key[256], xid[33];

	if (h->type != KF_WIRE_ABORT) { /* an ABORT leaves nothing to restore */
		kf_path_printable(m->key, m->key ? m->key_len : 0, key,
				  sizeof(key));
		kf_xid_format(&h->xid, xid);
		kf_err("recv",
		       "'%s' (transfer %s) began before the start "
		       "position of partition %d (first frame seen at "
		       "offset %lld): not restored; replay from an "
		       "earlier position",
		       key, xid, (int)m->partition, (long long)m->offset);
		r->stats.files_incomplete++;
		if (h->type != KF_WIRE_COMMIT)
			kf__tombstone(r, h);
	}
	rd_kafka_message_destroy(m);
}

/* A frame of a transfer abandoned after receive.abandon_timeout: the
 * sender was only slow (a broker outage longer than the timeout), and the
 * file it believes delivered will never be placed. Said loudly, once, and
 * its frames go to the dead-letter topic if there is one. */
static void kf__late_frame(struct kf__recv *r, struct kf__xfer *x,
			   rd_kafka_message_t *m, const kf_wire_hdr_t *h)
{
	char xid[33];

	if (!x->late_logged) {
		x->late_logged = 1;
		r->stats.files_lost++;
		kf_xid_format(&x->xid, xid);
		if (x->superseded)
			kf_err("recv",
			       "'%s': LOST: more of it came after a "
			       "newer transfer of the same path "
			       "replaced it (transfer %s: its sender "
			       "carried on after a retry began, a "
			       "killed sender's frames were appended "
			       "late, or the newer MANIFEST was "
			       "forged); this attempt is not placed: "
			       "unless the newer one is, send the "
			       "file again",
			       x->a.shown, xid);
		else if (x->aborted)
			kf_err("recv",
			       "'%s': LOST: more of it came after an "
			       "ABORT ended it (transfer %s: its "
			       "sender resumed or carried on, or the "
			       "ABORT was forged); it is not placed: "
			       "send it again",
			       x->a.shown, xid);
		else
			kf_err("recv",
			       "'%s': LOST: its data kept coming after "
			       "it was abandoned "
			       "(receive.abandon_timeout %d s is "
			       "shorter than the sender's wait, "
			       "send.delivery_timeout_ms); it is not "
			       "placed: send it again, and raise "
			       "receive.abandon_timeout",
			       x->a.shown, r->o.abandon_timeout_s);
	}
	(void)h;
	kf_deadletter_forward(r->dlq, m,
			      x->superseded
				      ? "frame of a transfer that a newer "
					"transfer of its path superseded"
			      : x->aborted ? "frame of a transfer that an "
					     "ABORT ended"
					   : "frame of a transfer abandoned "
					     "after receive.abandon_timeout");
}

/* A dropped transfer whose later frames are a lost file, not noise. */
static int kf__watches_late(const struct kf__xfer *x)
{
	return x->timed_out || x->aborted || x->superseded;
}

/* Finds the transfer a frame belongs to; NULL when there is none or it is
 * already decided (the frame is then consumed and dropped). */
static struct kf__xfer *kf__owner(struct kf__recv *r, rd_kafka_message_t *m,
				  const kf_wire_hdr_t *h)
{
	struct kf__xfer *x = kf__find(r, &h->xid);
	char xid[33];

	if (kf__not_ours(r, m, x)) {
		rd_kafka_message_destroy(m);
		return NULL;
	}
	if (!x && kf_idset_has(r->tombs, &h->xid)) {
		/* A COMMIT or ABORT is the last frame: the tombstone can go. */
		if (h->type == KF_WIRE_COMMIT || h->type == KF_WIRE_ABORT)
			kf_idset_remove(r->tombs, &h->xid);
		rd_kafka_message_destroy(m);
		return NULL;
	}
	if (!x && kf_engine_ranged(r->eng)) {
		kf__cut_by_start(r, m, h);
		return NULL;
	}
	if (!x) {
		/* Forged or orphaned: say so, but do not let a flood of them
		 * flood the log. */
		if (r->unknown_frames++ < KF__UNKNOWN_LOGGED ||
		    r->unknown_frames % 1000 == 0) {
			kf_xid_format(&h->xid, xid);
			kf__reject(r, m, "frame of an unknown transfer", xid);
		} else {
			r->stats.messages_rejected++;
			kf_deadletter_forward(r->dlq, m,
					      "frame of an unknown transfer");
			rd_kafka_message_destroy(m);
		}
		return NULL;
	}
	kf__seen(x, kf_engine_now_ms());
	if (x->state == KF__X_OPEN)
		return x;
	/* A sender may repeat its ABORT (section 1), and an ABORT of a
	 * superseded attempt ends nothing more: only other frames after
	 * either mean that the transfer went on. */
	if (x->timed_out ||
	    ((x->aborted || x->superseded) && h->type != KF_WIRE_ABORT))
		kf__late_frame(r, x, m, h);
	/* A COMMIT or ABORT is the last frame: the tombstone can go. */
	if (x->state == KF__X_DEAD &&
	    (h->type == KF_WIRE_COMMIT ||
	     (h->type == KF_WIRE_ABORT && !x->aborted))) {
		x->gone = 1;
		kf__maybe_free(x);
	}
	rd_kafka_message_destroy(m);
	return NULL;
}

static void kf__on_chunk(struct kf__recv *r, rd_kafka_message_t *m,
			 const kf_wire_hdr_t *h)
{
	struct kf__xfer *x = kf__owner(r, m, h);
	kf_wire_chunk_t c;
	struct kf__job *j;
	char err[512];

	if (!x)
		return;
	if (x->sealed ? kf__peek_sealed_chunk(x, m, &c, err, sizeof(err))
		      : kf_wire_decode_chunk(m->payload, m->len, &c, err,
					     sizeof(err)) ||
				kf_wire_chunk_fits(&x->a.m, &c, x->next_index,
						   err, sizeof(err))) {
		rd_kafka_message_destroy(m);
		kf__quarantine(x, "%s", err);
		return;
	}
	if (x->next_index++ < x->dup_until || x->orphan) {
		/* Re-sent after a RESUME: already written and verified once
		 * (the whole-file hash at COMMIT covers any difference); or
		 * of an orphan, which has nowhere to write it. */
		if (!x->orphan)
			r->stats.chunks_repeated++;
		rd_kafka_message_destroy(m);
		return;
	}
	x->got_data = 1;
	j = kf__enqueue(x, KF__J_CHUNK, m);
	if (j)
		j->chunk = c;
	kf__run_next(x);
}

static void kf__on_commit(struct kf__recv *r, rd_kafka_message_t *m,
			  const kf_wire_hdr_t *h)
{
	struct kf__xfer *x = kf__owner(r, m, h);
	kf_wire_commit_t c;
	struct kf__job *j;
	char err[512];

	if (!x)
		return;
	if (kf__authenticated(r, x) && h->flags != x->sflags) {
		/* its own COMMIT carries its MANIFEST's flags */
		char why[300], xid[33];

		kf_xid_format(&x->xid, xid);
		snprintf(why, sizeof(why),
			 "transfer %s is signed (or "
			 "receive.trusted_signers is set) and this commit "
			 "has flags 0x%04x, its manifest 0x%04x; ignored, the "
			 "transfer carries on",
			 xid, h->flags, x->sflags);
		kf__reject(r, m, "rejected commit", why);
		return;
	}
	x->got_data = 1;
	x->end_off = m->offset;
	kf_probe_recv_commit(&x->probe, m->offset);
	if (x->sealed) {
		kf__on_sealed_commit(x, m);
		return;
	}
	if (kf_wire_decode_commit(m->payload, m->len, &c, err, sizeof(err))) {
		rd_kafka_message_destroy(m);
		kf__quarantine(x, "%s", err);
		return;
	}
	rd_kafka_message_destroy(m);
	if (x->next_index != x->a.m.chunk_count) {
		kf__quarantine(x,
			       "commit after %llu of %llu chunks: chunks "
			       "are missing",
			       (unsigned long long)x->next_index,
			       (unsigned long long)x->a.m.chunk_count);
		return;
	}
	x->state = KF__X_CLOSING;
	j = kf__enqueue(x, KF__J_FINISH, NULL);
	if (j)
		j->commit = c;
	kf__run_next(x);
}

/* An ABORT of an authenticated transfer: a worker checks its signature,
 * in order with the transfer's other frames, and the transfer carries on
 * meanwhile. Anything but a signed ABORT is ignored here and now. */
static void kf__on_signed_abort(struct kf__recv *r, struct kf__xfer *x,
				rd_kafka_message_t *m, const kf_wire_hdr_t *h)
{
	char why[300], xid[33];

	if (h->flags != KF_WIRE_FLAG_SIGNED) {
		/* its name may not be known yet: its MANIFEST is opened by a
		 * job, which may be running */
		kf_xid_format(&x->xid, xid);
		snprintf(why, sizeof(why),
			 "transfer %s is signed (or "
			 "receive.trusted_signers is set): only an ABORT "
			 "signed by its signer ends it; ignored, the transfer "
			 "carries on",
			 xid);
		kf__reject(r, m, "unsigned abort", why);
		return;
	}
	kf__enqueue(x, KF__J_ABORT, m);
	kf__run_next(x);
}

/* The worker checked a signed ABORT (kf__signed_abort_work). */
static void kf__abort_done(struct kf__xfer *x, struct kf__job *j)
{
	struct kf__recv *r = x->r;
	rd_kafka_message_t *m = j->msg;
	struct kf__job *q;
	char why[800];

	if (x->state == KF__X_DEAD)
		return; /* detached from a revoked partition meanwhile */
	if (j->err) {
		r->inflight_bytes -= m->len;
		j->msg = NULL;
		snprintf(why, sizeof(why),
			 "'%s': %s; ignored, the transfer "
			 "carries on",
			 x->a.shown, j->errmsg);
		kf__reject(r, m, "forged abort", why);
		return;
	}
	kf_warn("recv", "'%s': the sender gave up (signed abort): %s",
		x->a.shown, j->reason);
	x->aborted = 1;
	/* Frames queued behind the ABORT came after it. */
	for (q = x->qhead; q; q = q->next)
		if (q->msg)
			kf__late_frame(r, x, q->msg, NULL);
	kf__abandon(x, 1);
}

static void kf__on_abort(struct kf__recv *r, rd_kafka_message_t *m,
			 const kf_wire_hdr_t *h)
{
	struct kf__xfer *x = kf__owner(r, m, h);
	kf_wire_abort_t a;
	char err[512], why[512];

	if (!x)
		return;
	if (kf__authenticated(r, x)) {
		kf__on_signed_abort(r, x, m, h);
		return;
	}
	if (kf_wire_decode_abort(m->payload, m->len, &a, err, sizeof(err))) {
		/* like any malformed frame; the transfer carries on */
		kf__reject(r, m, "rejected abort", err);
		return;
	}
	/* the sender's words: no line breaks or escape sequences */
	kf_path_printable(a.reason, a.reason_len, why, sizeof(why));
	kf_warn("recv", "'%s': the sender gave up: %s", x->a.shown, why);
	rd_kafka_message_destroy(m);
	/* keep its id: frames of it that still come are a lost file */
	x->aborted = 1;
	kf__abandon(x, 1);
}

/* The manifest fields a RESUME restates must be the MANIFEST's. */
static int kf__same_manifest(const kf_wire_manifest_t *a,
			     const kf_wire_manifest_t *b)
{
	return a->file_size == b->file_size &&
	       a->chunk_count == b->chunk_count &&
	       a->chunk_size == b->chunk_size && a->mode == b->mode &&
	       a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec &&
	       a->codec == b->codec && a->hash_alg == b->hash_alg &&
	       a->path_len == b->path_len &&
	       !memcmp(a->path, b->path, a->path_len);
}

/* A RESUME with no open transfer: its beginning was abandoned here, or
 * the file was already placed and the sender could not record that before
 * it stopped. Nothing can be written; the transfer is followed to its
 * COMMIT, which tells whether DEST already holds the file
 * (kf_assembly_present), and holds its offset meanwhile like any other. */
static void kf__open_orphan(struct kf__recv *r, rd_kafka_message_t *m,
			    const kf_wire_resume_t *res)
{
	struct kf__xfer *x;

	x = kf__open_xfer(r, m, &res->m);
	if (!x)
		return;
	x->orphan = 1;
	x->next_index = res->next_index;
	kf_warn("recv",
		"'%s': resumed at chunk %llu, but its beginning "
		"never reached this receiver; checking it against "
		"DEST at its commit",
		x->a.shown, (unsigned long long)res->next_index);
	rd_kafka_message_destroy(m);
}

/* A restarted sender carries on an open transfer from chunk next_index
 * (docs/protocol.md section 9). Chunks it sends again that we already
 * have are dropped; a RESUME past what we have means chunks are missing. */
static void kf__on_resume(struct kf__recv *r, rd_kafka_message_t *m,
			  const kf_wire_hdr_t *h)
{
	struct kf__xfer *x = kf__find(r, &h->xid);
	kf_wire_resume_t res;
	char err[600];

	if ((x && kf__not_ours(r, m, x)) ||
	    (!x && kf_idset_has(r->tombs, &h->xid))) {
		rd_kafka_message_destroy(m);
		return;
	}
	if (x && x->state != KF__X_OPEN) {
		/* decided: a lost file if it was abandoned, else ignored */
		kf__owner(r, m, h);
		return;
	}
	if (x && kf__authenticated(r, x)) {
		char xid[33];

		kf_xid_format(&x->xid, xid);
		snprintf(err, sizeof(err),
			 "transfer %s is signed (or "
			 "receive.trusted_signers is set) and a RESUME is "
			 "never signed; ignored, the transfer carries on",
			 xid);
		kf__reject(r, m, "rejected resume", err);
		return;
	}
	/* with no open transfer, a RESUME opens one: deferred like a
	 * MANIFEST */
	if (!x && kf_engine_defer(r->eng, m))
		return;
	if (kf_wire_decode_resume(m->payload, m->len, r->o.max_file_size, &res,
				  err, sizeof(err))) {
		if (x) {
			rd_kafka_message_destroy(m);
			kf__quarantine(x, "%s", err);
		} else {
			kf__reject(r, m, "rejected resume", err);
		}
		return;
	}
	if ((x && x->sealed) || (!x && r->keys && r->keys->ntrusted)) {
		/* senders never resume sealed or signed transfers: a RESUME
		 * would restate the manifest unsigned and in clear */
		if (x) {
			rd_kafka_message_destroy(m);
			kf__quarantine(x, "a RESUME of a sealed or signed "
					  "transfer is not accepted");
		} else {
			kf__reject(r, m, "rejected resume",
				   "receive.trusted_signers is set and a "
				   "RESUME is never signed");
		}
		return;
	}
	if (!x) {
		kf__open_orphan(r, m, &res);
		return;
	}
	if (!kf__owner(r, m, h))
		return;
	rd_kafka_message_destroy(m);
	if (!kf__same_manifest(&x->a.m, &res.m)) {
		kf__quarantine(x, "resume does not match the transfer's "
				  "manifest (size, layout, mode, mtime or "
				  "path differ)");
		return;
	}
	if (res.next_index > x->next_index) {
		kf__quarantine(x,
			       "sender resumed at chunk %llu but only %llu "
			       "chunks arrived: chunks are missing",
			       (unsigned long long)res.next_index,
			       (unsigned long long)x->next_index);
		return;
	}
	kf_info("recv",
		"'%s': the sender resumed at chunk %llu of %llu "
		"(%llu chunks already here)",
		x->a.shown, (unsigned long long)res.next_index,
		(unsigned long long)x->a.m.chunk_count,
		(unsigned long long)x->next_index);
	if (x->next_index > x->dup_until)
		x->dup_until = x->next_index;
	x->next_index = res.next_index;
}

/* The engine hands over a message (it counts as read: recv/engine.h). */
static void kf__on_message(void *sink, rd_kafka_message_t *m,
			   int64_t reread_from)
{
	struct kf__recv *r = sink;
	kf_wire_hdr_t h;
	char err[512];

	r->reread_from = reread_from;
	if (r->reread_from < 0)
		r->stats.messages++;
	if (kf_wire_decode_hdr(m->payload, m->len, &h, err, sizeof(err))) {
		if (r->reread_from >= 0)
			rd_kafka_message_destroy(m); /* rejected once already */
		else
			kf__reject(r, m, "not a kferry frame", err);
		return;
	}
	switch (h.type) {
	case KF_WIRE_MANIFEST:
		kf__on_manifest(r, m, &h);
		break;
	case KF_WIRE_CHUNK:
		kf__on_chunk(r, m, &h);
		break;
	case KF_WIRE_COMMIT:
		kf__on_commit(r, m, &h);
		break;
	case KF_WIRE_RESUME:
		kf__on_resume(r, m, &h);
		break;
	case KF_WIRE_FILE:
		kf__on_file(r, m, &h);
		break;
	default:
		kf__on_abort(r, m, &h);
		break;
	}
}

/* ------------------------------------------------ the engine's sink */

/* Each open transfer keeps its staging file open: raise the descriptor
 * limit as far as allowed, and open no more transfers than it leaves room
 * for (the rest is for librdkafka, directories and workers). */
static void kf__fit_descriptors(struct kf__recv *r)
{
	struct rlimit rl;
	size_t room;

	r->max_open = (size_t)r->o.max_open_transfers;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		return;
	room = rl.rlim_cur > KF__FD_RESERVE + 16 ? rl.rlim_cur - KF__FD_RESERVE
						 : 16;
	if (r->max_open > room) {
		kf_warn("recv",
			"receive.max_open_transfers %zu lowered to %zu: "
			"the open files limit is %llu (ulimit -n)",
			r->max_open, room, (unsigned long long)rl.rlim_cur);
		r->max_open = room;
	}
}

/* Takes a transfer of a revoked partition out of the table: whoever owns
 * the partition next re-reads it from the committed position (which this
 * transfer still held), as a new transfer. A finish already under way may
 * complete (the re-read copy then finds the file in place and skips it);
 * anything else is dropped. */
static void kf__detach(struct kf__xfer *x)
{
	kf__uncount(x);
	x->holding = 0; /* the partition's holds are forgotten with it */
	x->gone = 1;
	kf__unhash(x->r, x);
	if (x->state == KF__X_CLOSING && x->running && !x->qhead)
		return; /* its FINISH is queued or running: let it end */
	kf__purge(x);
	if (x->state != KF__X_DEAD) {
		x->state = KF__X_DEAD;
		kf__enqueue(x, KF__J_DISCARD, NULL);
		kf__run_next(x);
	}
	kf__maybe_free(x);
}

/* Partitions taken away: what is unfinished there will be re-read by
 * their new owner from the committed position, so drop it here. */
static int kf__revoke(void *sink, const rd_kafka_topic_partition_list_t *parts)
{
	struct kf__recv *r = sink;
	struct kf__xfer *x, *next;
	int i;

	for (x = r->all; x; x = next) {
		next = x->next;
		for (i = 0; i < parts->cnt; i++)
			if (parts->elems[i].partition == x->part)
				break;
		if (i == parts->cnt)
			continue;
		kf__detach(x);
	}
	return 0;
}

static void kf__expire(void *sink, uint64_t now)
{
	struct kf__recv *r = sink;
	uint64_t limit = (uint64_t)r->o.abandon_timeout_s * 1000;
	struct kf__xfer *x, *next;

	for (x = r->all; x; x = next) {
		next = x->next;
		/* Data of it waiting on our disk is not its sender's fault;
		 * a transfer of which nothing but the MANIFEST came is not
		 * kept beyond the timeout for want of space: it would hold
		 * its offset for good. */
		if (x->stalled && x->got_data)
			kf__seen(x, now);
		if (x->state == KF__X_OPEN && kf__quiet_ms(x, now) >= limit) {
			kf_err("recv",
			       "'%s': no data for %d s after %llu of "
			       "%llu chunks%s; abandoning it (the "
			       "sender stopped mid-file?)",
			       x->a.shown, r->o.abandon_timeout_s,
			       (unsigned long long)x->next_index,
			       (unsigned long long)x->a.m.chunk_count,
			       x->stalled ? " (waiting for space)" : "");
			/* keep its id: data that comes later is a lost file */
			x->timed_out = 1;
			kf__seen(x, now);
			kf__abandon(x, 1);
			continue;
		}
		if (x->stalled) {
			if (!kf_engine_stopping(r->eng) &&
			    now - x->stalled_ms >= KF__STALL_RETRY_MS) {
				x->stalled = 0;
				kf__run_next(x);
			}
			continue;
		}
		if (x->state == KF__X_DEAD && kf__quiet_ms(x, now) >= limit &&
		    (!kf__watches_late(x) ||
		     now - x->last_seen_ms >= KF__LATE_WINDOW_MS)) {
			x->gone = 1;
			kf__maybe_free(x);
		}
	}
}

static size_t kf__open_count(const void *sink)
{
	const struct kf__recv *r = sink;

	return r->nopen;
}

/* The queued messages fill receive.max_inflight_bytes: no more polling
 * until jobs free some. */
static int kf__full(const void *sink)
{
	const struct kf__recv *r = sink;

	/* FILE frames complete without reading on, so the reading may wait
	 * for them: they never fill more than half of the open transfers
	 * (one at least: none would read nothing), and so never make a
	 * partition defer (docs/protocol.md section 7), which re-reads it */
	return r->inflight_bytes >= r->o.max_inflight_bytes ||
	       r->nwhole >= r->whole_max;
}

static int kf__busy(const void *sink)
{
	const struct kf__recv *r = sink;
	const struct kf__xfer *x;

	for (x = r->all; x; x = x->next)
		if (x->running || (x->qhead && !x->stalled))
			return 1;
	return 0;
}

/* Replay: every partition was read to its end. What is still open cannot
 * get its remaining frames from this range. */
static void kf__range_end(void *sink)
{
	struct kf__recv *r = sink;
	struct kf__xfer *x, *next;

	for (x = r->all; x; x = next) {
		next = x->next;
		if (x->state != KF__X_OPEN)
			continue;
		kf_err("recv",
		       "'%s': ends after the end position (%llu of "
		       "%llu chunks read): not restored; replay again "
		       "once its sender is done",
		       x->a.shown, (unsigned long long)x->next_index,
		       (unsigned long long)x->a.m.chunk_count);
		r->stats.files_incomplete++;
		kf__drop(x, 0);
	}
}

static const kf_sink_ops_t kf__file_sink = {
	.message = kf__on_message,
	.revoke = kf__revoke,
	.open = kf__open_count,
	.full = kf__full,
	.busy = kf__busy,
	.tick = kf__expire,
	.range_end = kf__range_end,
};

/* ------------------------------------------------------------- public */

static int kf__recv_setup(struct kf__recv *r, char *errstr, size_t errstr_size)
{
	kf_engine_opts_t eo = r->o.engine;
	int rc;

	eo.max_open = r->max_open;
	rc = kf_dest_open(r->o.dest, &r->o.keep, &r->dest, errstr, errstr_size);
	if (rc)
		return rc;
	rc = kf_seal_keys_load(NULL, NULL, r->o.decrypt_keys,
			       r->o.trusted_signers, &r->keys, errstr,
			       errstr_size);
	if (rc)
		return rc;
	if (r->keys)
		kf_info("recv", "%zu decryption key(s); %s", r->keys->ndecrypt,
			r->keys->ntrusted ? "only signed transfers from "
					    "receive.trusted_signers are "
					    "accepted"
					  : "unsigned transfers are accepted");
	r->codecs = kf_codec_pool_new(r->o.chunk_size, 1);
	r->tombs = kf_idset_new(KF__TOMBSTONES);
	if (!r->codecs || !r->tombs ||
	    getrandom(r->hkey, sizeof(r->hkey), 0) != sizeof(r->hkey))
		return KF_ENOMEM;
	rc = kf_engine_new(&r->loop, &eo, &kf__file_sink, r, &r->eng, errstr,
			   errstr_size);
	if (rc)
		return rc;
	r->offs = kf_engine_offsets(r->eng);
	r->dlq = kf_engine_dead_letters(r->eng);
	return 0;
}

static void kf__recv_teardown(struct kf__recv *r)
{
	struct kf__xfer *x;

	/* Staged data goes with the instance directory (kf_dest_close). */
	if (r->batch) { /* stopped before its deadline: never ran */
		size_t i;

		for (i = 0; i < r->batch->n; i++)
			kf__job_free(r, r->batch->jobs[i]);
		free(r->batch);
		r->batch = NULL;
	}
	while ((x = r->all)) {
		kf__purge(x);
		x->gone = 1;
		x->running = 0;
		kf__maybe_free(x);
	}
	kf_engine_destroy(r->eng);
	kf_idset_destroy(r->tombs);
	kf_codec_pool_destroy(r->codecs);
	kf_seal_keys_free(r->keys);
	kf_dest_close(r->dest);
}

int kf_receive_run(const kf_recv_opts_t *o, kf_recv_stats_t *stats,
		   char *errstr, size_t errstr_size)
{
	struct kf__recv *r;
	int rc;

	if (!o->dest || !*o->dest)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "no destination: give --dest DIR or set "
				 "receive.dest");
	r = calloc(1, sizeof(*r));
	if (!r)
		return KF_ENOMEM;
	r->o = *o;
	kf_workers_setup(o->workers);
	kf__fit_descriptors(r);
	r->whole_max = r->max_open > 1 ? r->max_open / 2 : 1;
	r->batch_max = r->whole_max / 2 < 1		  ? 1
		       : r->whole_max / 2 > KF__BATCH_MAX ? KF__BATCH_MAX
							  : r->whole_max / 2;
	uv_loop_init(&r->loop);
	uv_timer_init(&r->loop, &r->batch_timer);
	uv_unref((uv_handle_t *)&r->batch_timer); /* jobs keep the loop */
	r->batch_timer.data = r;
	r->reread_from = -1;
	rc = kf__recv_setup(r, errstr, errstr_size);
	if (rc)
		goto out;
	if (o->engine.range)
		kf_info("recv",
			"replaying %s from %s into %s (no group, no "
			"commits)",
			o->engine.topic, o->engine.bootstrap, o->dest);
	else
		kf_info("recv", "receiving %s from %s into %s (group %s)",
			o->engine.topic, o->engine.bootstrap, o->dest,
			o->engine.group);
	rc = kf_engine_run(r->eng, errstr, errstr_size);
	r->stats.dead_letters = kf_deadletter_count(r->dlq);
out:
	if (stats)
		*stats = r->stats;
	kf__recv_teardown(r);
	uv_close((uv_handle_t *)&r->batch_timer, NULL);
	uv_run(&r->loop, UV_RUN_NOWAIT);
	uv_loop_close(&r->loop);
	free(r);
	return rc;
}
