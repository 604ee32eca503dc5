/* SPDX-License-Identifier: Apache-2.0 */
#include "send/sender.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "core/codec.h"
#include "core/path.h"
#include "kafka/producer.h"
#include "obs/probe.h"
#include "proto/seal.h"
#include "proto/wire.h"

/* Files being read at once are bounded by send.max_inflight_files; files
 * whose last message is produced but not yet acknowledged cost only their
 * bookkeeping, and are bounded by this. */
#define KF__MAX_SEALED 8192
/* After a chunk zstd could not shrink, this many chunks of the same file
 * are sent raw before compression is tried again. */
#define KF__SKIP_AFTER_INCOMPRESSIBLE 8
/* Files the walk saw no larger than a chunk are opened a batch at a time:
 * one worker job opens, reads, hashes and compresses up to KF__BATCH_FILES
 * of them (or KF__BATCH_BYTES by the walk's sizes), and one return to the
 * loop produces them all. Up to KF__BATCHES such jobs run at once, so
 * that every worker has one and the loop is never the one-file-at-a-time
 * step. */
#define KF__BATCH_FILES 64
#define KF__BATCH_BYTES (4u << 20)
#define KF__BATCHES 4

enum kf__ref_kind {
	KF__REF_SLOT = 1,
	KF__REF_CTRL
};

/* Opaque of every produced message: says what a delivery report is for. */
struct kf__ref {
	int kind;
	struct kf__sfile *f;
};

/* A chunk buffer: 64-byte frame header followed by the payload. */
struct kf__slot {
	struct kf__ref ref; /* KF__REF_SLOT */
	uv_work_t work;
	uint64_t idx;
	uint32_t raw_len;
	size_t payload_len;
	int codec;
	int try_compress;
	int err;
	char errmsg[200];
	uint8_t raw_hash[16];
	size_t frame_len; /* sealed transfers: the frame the worker built */
	struct kf__slot *next; /* free list, or the file's ready list */
	uint8_t *buf;
};

struct kf__sfile {
	struct kf__ref ctrl; /* KF__REF_CTRL, for MANIFEST/COMMIT/ABORT */
	kf_sender_t *s;
	char *src, *rel;
	size_t rel_len;
	size_t root_len; /* kf_send_src_t */
	uint64_t want_dev, want_ino;
	const void *key; /* the Kafka message key: rel, or xid when encrypted */
	size_t key_len;
	kf_seal_t *seal; /* NULL unless keys are configured */
	int fd;
	struct stat st; /* at open: size, mode and mtime sent */
	kf_xid_t xid;
	uint64_t nchunks, next_read, next_produce;
	int busy; /* an open or read job is running */
	int jobs; /* compress jobs running */
	int opened;
	int sealed;	      /* COMMIT or ABORT produced: no more messages */
	int abort_again;      /* an ABORT was produced after a refused seal */
	int abort_held;	      /* the owner's kf_send_void_cb holds the ABORT */
	int hashed;	      /* file_hash is final */
	uint64_t outstanding; /* produced, not yet reported */
	uint64_t acked;
	uint64_t first_chunk;  /* > 0 when resumed: the RESUME's next_index */
	uint64_t acked_chunks; /* from first_chunk on, in order */
	int want_resume;       /* resume was given at submit */
	kf_send_ckpt_t resume;
	kf_hasher_t *hasher;
	/* A FILE frame (the whole transfer in one message), built by the open
	 * job, owned until its delivery report; frame_len counts in
	 * s->frame_bytes meanwhile. */
	uint8_t *frame;
	size_t frame_len;
	int single;		/* sent as one FILE frame */
	struct kf__slot *ready; /* compressed, waiting for earlier chunks */
	int skip_compress;
	int err;
	char errmsg[256];
	uv_work_t work;
	uint8_t file_hash[16];
	kf_probe_sfile_t probe;	 /* metrics */
	uint64_t size_hint;	 /* kf_send_src_t.size */
	struct kf__sfile *next;	 /* the queue, or the active list */
	struct kf__sfile *prev;	 /* the active list */
	struct kf__sfile *rnext; /* s->readers */
};

/* Files opened by one worker job (see KF__BATCH_FILES). */
struct kf__batch {
	uv_work_t work;
	kf_sender_t *s;
	struct kf__sfile *files[KF__BATCH_FILES];
	size_t n;
	uint64_t bytes; /* the walk's sizes, counted in s->batch_bytes */
	int done;
	struct kf__batch *next; /* s->batches in submission order, or free */
};

struct kf_sender_s {
	uv_loop_t *loop;
	kf_send_opts_t opts;
	kf_producer_t *prod;
	kf_codec_pool_t *codecs;
	kf_seal_keys_t *keys; /* send.encrypt_recipients, send.sign_key */
	/* the metric series of the last route's files (kf__probe_begin) */
	kf_probe_sfile_t probe;
	char *probe_route; /* NULL: the one-shot command's */
	int probe_ready;
	kf_send_file_cb *file_cb;
	kf_send_ckpt_cb *ckpt_cb;
	kf_send_void_cb *void_cb;
	void *opaque;
	char origin[256];
	/* transfer ids drawn from the kernel a few hundred at a time (a
	 * getrandom call per small file showed in its cost) */
	uint8_t rnd[1024];
	size_t rnd_left;

	struct kf__slot *slots; /* the pool, nslots entries */
	size_t nslots;
	struct kf__slot *free_slots;

	struct kf__sfile *queue_head, *queue_tail; /* not started */
	struct kf__sfile *active;		   /* started, not done */
	/* opened in chunks, not sealed: the files reads are started for */
	struct kf__sfile *readers;
	size_t nqueued, nreading, nactive;
	/* Open batches, oldest first: their files are produced in this
	 * order, so that a key's transfers keep the order of submission. */
	struct kf__batch batch_pool[KF__BATCHES];
	struct kf__batch *batches, *batches_tail, *free_batches;
	uint64_t batch_bytes;
	size_t frame_bytes; /* FILE frames produced, not yet reported */
	int stopping;
	kf_send_stats_t stats;
};

static void kf__kick(kf_sender_t *s);
static void kf__maybe_done(struct kf__sfile *f);

/* ---------------------------------------------------------------- utils */

static void kf__fail(struct kf__sfile *f, int err, const char *fmt, ...)
	KF_PRINTF(3, 4);

/* Records the first failure of a file; later ones add nothing. */
static void kf__fail(struct kf__sfile *f, int err, const char *fmt, ...)
{
	va_list ap;

	if (f->err)
		return;
	f->err = err;
	va_start(ap, fmt);
	vsnprintf(f->errmsg, sizeof(f->errmsg), fmt, ap);
	va_end(ap);
}

static void kf__slot_put(kf_sender_t *s, struct kf__slot *sl)
{
	sl->next = s->free_slots;
	s->free_slots = sl;
}

static struct kf__slot *kf__slot_get(kf_sender_t *s)
{
	struct kf__slot *sl = s->free_slots;

	if (sl)
		s->free_slots = sl->next;
	return sl;
}

/* How kf__produce queues a frame. */
enum kf__how {
	KF__KEEP = 0,  /* buf stays valid until the report */
	KF__COPY = 1,  /* copied: a control frame */
	KF__PACED = 2, /* a FILE frame (kept): may wait for its partition */
};

/* Produces one frame. Control frames are small and copied; chunk frames
 * are sent from their slot, which the delivery report gives back; a FILE
 * frame from the file, paced (kf_producer_send_paced). */
static int kf__produce(struct kf__sfile *f, void *buf, size_t len,
		       struct kf__ref *ref, enum kf__how how)
{
	kf_sender_t *s = f->s;
	int refused = kf_producer_guard(s->prod)->err;
	rd_kafka_resp_err_t err;

	if (refused) {
		kf__fail(f, refused, "%s", kf_strerror(refused));
		return refused;
	}
	if (how == KF__PACED)
		err = kf_producer_send_paced(s->prod, f->key, f->key_len, buf,
					     len, ref);
	else
		err = kf_producer_send(s->prod, f->key, f->key_len, buf, len,
				       how == KF__COPY, NULL, ref);
	if (err) {
		kf__fail(f, KF_EKAFKA, "produce: %s", rd_kafka_err2str(err));
		return KF_EKAFKA;
	}
	f->outstanding++;
	return 0;
}

/* Leaves s->readers (if in it): nothing more is read of f. */
static void kf__unread(struct kf__sfile *f)
{
	struct kf__sfile **pp;

	for (pp = &f->s->readers; *pp; pp = &(*pp)->rnext)
		if (*pp == f) {
			*pp = f->rnext;
			return;
		}
}

/* ------------------------------------------------------- control frames */

static int64_t kf__mtime_ns(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

static void kf__manifest_fields(const struct kf__sfile *f,
				kf_wire_manifest_t *m0)
{
	kf_wire_manifest_t m = {0};

	m.hdr.version = KF_WIRE_VERSION;
	m.hdr.type = KF_WIRE_MANIFEST;
	m.hdr.xid = f->xid;
	m.file_size = (uint64_t)f->st.st_size;
	m.chunk_count = f->nchunks;
	m.chunk_size = (uint32_t)f->s->opts.chunk_size;
	m.mode = f->st.st_mode & 07777;
	m.mtime_sec = f->st.st_mtim.tv_sec;
	m.mtime_nsec = (uint32_t)f->st.st_mtim.tv_nsec;
	m.codec = (uint8_t)f->s->opts.codec;
	m.hash_alg = KF_WIRE_HASH_XXH3_128;
	m.path = (const uint8_t *)f->rel;
	m.path_len = (uint16_t)f->rel_len;
	m.origin = (const uint8_t *)f->s->origin;
	m.origin_len = (uint8_t)strlen(f->s->origin);
	*m0 = m;
}

static void kf__commit_fields(const struct kf__sfile *f, kf_wire_commit_t *c)
{
	memset(c, 0, sizeof(*c));
	c->hdr.version = KF_WIRE_VERSION;
	c->hdr.type = KF_WIRE_COMMIT;
	c->hdr.xid = f->xid;
	c->chunk_count = f->nchunks;
	c->file_size = (uint64_t)f->st.st_size;
	memcpy(c->file_hash, f->file_hash, 16);
}

static void kf__chunk_fields(const struct kf__sfile *f,
			     const struct kf__slot *sl, kf_wire_chunk_t *c0)
{
	kf_wire_chunk_t c = {0};

	c.hdr.version = KF_WIRE_VERSION;
	c.hdr.type = KF_WIRE_CHUNK;
	c.hdr.xid = f->xid;
	c.index = sl->idx;
	c.offset = sl->idx * f->s->opts.chunk_size;
	c.raw_len = sl->raw_len;
	c.codec = (uint8_t)sl->codec;
	memcpy(c.raw_hash, sl->raw_hash, 16);
	*c0 = c;
}

/* Opens the transfer: a MANIFEST, or a RESUME that restates it when the
 * transfer carries on from a checkpoint (never a sealed one: see
 * kf__open_work). */
static void kf__produce_manifest(struct kf__sfile *f)
{
	uint8_t buf[KF_WIRE_RESUME_MAX];
	kf_wire_resume_t r = {0};
	long n;

	if (f->seal) { /* built by the open job */
		kf__produce(f, f->seal->frame, f->seal->frame_len, &f->ctrl,
			    KF__COPY);
		return;
	}
	kf__manifest_fields(f, &r.m);
	if (f->want_resume) {
		r.next_index = f->first_chunk;
		n = kf_wire_encode_resume(buf, sizeof(buf), &r);
	} else {
		n = kf_wire_encode_manifest(buf, sizeof(buf), &r.m);
	}
	if (n < 0) {
		kf__fail(f, (int)n, "cannot encode the manifest");
		return;
	}
	kf__produce(f, buf, (size_t)n, &f->ctrl, KF__COPY);
}

/* A signed transfer ends with a signed ABORT (docs/protocol.md section
 * 10.7.1), signed already by the open job. */
static void kf__produce_abort(struct kf__sfile *f)
{
	uint8_t buf[KF_SEAL_ABORT_MAX];
	kf_wire_abort_t a = {0};
	long n;

	a.hdr.version = KF_WIRE_VERSION;
	a.hdr.type = KF_WIRE_ABORT;
	a.hdr.xid = f->xid;
	a.reason = (const uint8_t *)f->errmsg;
	a.reason_len = (uint16_t)strnlen(f->errmsg, KF_WIRE_REASON_MAX);
	n = f->seal ? kf_seal_abort(f->seal, &a, buf, sizeof(buf))
		    : kf_wire_encode_abort(buf, sizeof(buf), &a);
	if (n > 0)
		kf__produce(f, buf, (size_t)n, &f->ctrl, KF__COPY);
}

/* Seals the transfer: COMMIT when every chunk went out and the file did
 * not change, else ABORT so that receivers drop it at once. */
static void kf__seal(struct kf__sfile *f)
{
	uint8_t buf[KF_WIRE_COMMIT_SIZE];
	long n;

	f->sealed = 1;
	f->s->nreading--;
	kf__unread(f);
	if (f->fd >= 0) {
		close(f->fd);
		f->fd = -1;
	}
	if (!f->opened || f->single)
		return; /* nothing was produced, or a FILE frame: it is whole
			 * or absent, nothing to abort or commit */
	if (f->err) {
		/* the owner may first have to record that the transfer is
		 * void (kf_send_void_cb) */
		f->abort_held =
			f->s->void_cb && f->s->void_cb(f->s->opaque, f->src, f);
		if (!f->abort_held)
			kf__produce_abort(f);
	} else if (f->seal) { /* built by the last read */
		kf__produce(f, f->seal->commit, f->seal->commit_len, &f->ctrl,
			    KF__COPY);
	} else {
		kf_wire_commit_t c;

		kf__commit_fields(f, &c);
		n = kf_wire_encode_commit(buf, sizeof(buf), &c);
		if (n > 0)
			kf__produce(f, buf, (size_t)n, &f->ctrl, KF__COPY);
	}
}

/* Seals once nothing of the file is still being read or compressed and,
 * unless it failed, every chunk has been produced. */
static void kf__maybe_seal(struct kf__sfile *f)
{
	if (f->sealed || f->busy || f->jobs)
		return;
	if (!f->err &&
	    !(f->opened && f->hashed && f->next_produce == f->nchunks))
		return;
	kf__seal(f);
}

/* ------------------------------------------------------ sealed transfers */

/* @locality worker: the COMMIT of a sealed transfer, once every byte was
 * read (docs/protocol.md section 10). */
static void kf__seal_commit(struct kf__sfile *f, int *err, char *msg,
			    size_t msg_size)
{
	kf_wire_commit_t c;
	int r;

	kf__commit_fields(f, &c);
	r = kf_seal_commit(f->seal, &c);
	if (r) {
		*err = r;
		snprintf(msg, msg_size, "sealing the commit: %s",
			 kf_strerror(r));
	}
}

/* @locality worker: the open job's part of a sealed transfer: data key,
 * MANIFEST, and the COMMIT of an empty file (which has no last read). */
static void kf__seal_open(struct kf__sfile *f)
{
	kf_wire_manifest_t m;
	int r;

	r = kf_seal_new(f->s->keys, &f->xid, &f->seal);
	if (!r) {
		f->seal->whole = f->single;
		kf__manifest_fields(f, &m);
		r = kf_seal_manifest(f->seal, f->s->keys, &m);
	}
	if (r) {
		kf__fail(f, r, "sealing the manifest: %s", kf_strerror(r));
		return;
	}
	if (f->nchunks == 0) {
		kf_hash128("", 0, f->file_hash); /* nothing to stream */
		kf__seal_commit(f, &f->err, f->errmsg, sizeof(f->errmsg));
	}
}

/* @locality worker: encodes the CHUNK header here rather than on the loop,
 * then encrypts the frame in place. */
static void kf__seal_chunk(struct kf__slot *sl)
{
	struct kf__sfile *f = sl->ref.f;
	kf_wire_chunk_t c;
	long n;

	kf__chunk_fields(f, sl, &c);
	kf_wire_encode_chunk_hdr(sl->buf, KF_WIRE_CHUNK_HDR, &c);
	n = kf_seal_chunk(f->seal, sl->buf, KF_WIRE_CHUNK_HDR + sl->payload_len,
			  KF_WIRE_CHUNK_HDR + f->s->opts.chunk_size +
				  KF_SEAL_CHUNK_OVERHEAD);
	if (n < 0) {
		sl->err = (int)n;
		snprintf(sl->errmsg, sizeof(sl->errmsg),
			 "sealing chunk %llu: %s", (unsigned long long)sl->idx,
			 kf_strerror((int)n));
		return;
	}
	sl->frame_len = (size_t)n;
}

/* ----------------------------------------------------------- chunk path */

/* @locality worker: whether the open file's size, mtime or ctime moved
 * since it was opened. */
static int kf__changed(const struct kf__sfile *f)
{
	struct stat now;

	/* ctime too: a writer that restores the mtime (rsync --inplace -t,
	 * touch -r, cp -p over the file) cannot restore it */
	return fstat(f->fd, &now) == 0 &&
	       (now.st_size != f->st.st_size ||
		now.st_mtim.tv_sec != f->st.st_mtim.tv_sec ||
		now.st_mtim.tv_nsec != f->st.st_mtim.tv_nsec ||
		now.st_ctim.tv_sec != f->st.st_ctim.tv_sec ||
		now.st_ctim.tv_nsec != f->st.st_ctim.tv_nsec);
}

/* @locality worker: reads chunk idx and feeds the whole-file hash. Only one
 * read of a file runs at a time, so the hash sees the bytes in order. */
static void kf__read_work(uv_work_t *req)
{
	struct kf__slot *sl = req->data;
	struct kf__sfile *f = sl->ref.f;
	uint64_t off = sl->idx * f->s->opts.chunk_size;
	size_t got = 0;

	while (got < sl->raw_len) {
		ssize_t r = pread(f->fd, sl->buf + KF_WIRE_CHUNK_HDR + got,
				  sl->raw_len - got, (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			sl->err = kf_err_from_errno(errno);
			snprintf(sl->errmsg, sizeof(sl->errmsg),
				 "read at offset %llu: %s",
				 (unsigned long long)(off + got),
				 strerror(errno));
			return;
		}
		if (r == 0) {
			sl->err = KF_ECHANGED;
			snprintf(sl->errmsg, sizeof(sl->errmsg),
				 "file shrank while being sent (end of file at "
				 "%llu, expected %llu bytes)",
				 (unsigned long long)(off + got),
				 (unsigned long long)f->st.st_size);
			return;
		}
		got += (size_t)r;
	}
	kf_hasher_update(f->hasher, sl->buf + KF_WIRE_CHUNK_HDR, sl->raw_len);
	if (f->seal)
		kf_seal_feed(f->seal, sl->buf + KF_WIRE_CHUNK_HDR, sl->raw_len);
	if (sl->idx + 1 < f->nchunks)
		return;
	kf_hasher_final(f->hasher, f->file_hash);
	/* The last read: what we hashed must be what the manifest promised. */
	if (kf__changed(f)) {
		sl->err = KF_ECHANGED;
		snprintf(sl->errmsg, sizeof(sl->errmsg),
			 "file changed while being sent (size, mtime or "
			 "ctime differ from when it was opened)");
	} else if (f->seal) {
		kf__seal_commit(f, &sl->err, sl->errmsg, sizeof(sl->errmsg));
	}
}

/* @locality worker: chunk hash and compression; chunks of one file may run
 * here in parallel. */
static void kf__compress_work(uv_work_t *req)
{
	struct kf__slot *sl = req->data;
	uint8_t *payload = sl->buf + KF_WIRE_CHUNK_HDR;
	int r;

	kf_hash128(payload, sl->raw_len, sl->raw_hash);
	sl->codec = KF_CODEC_NONE;
	sl->payload_len = sl->raw_len;
	if (sl->try_compress) {
		r = kf_codec_compress(sl->ref.f->s->codecs, payload,
				      sl->raw_len, &sl->payload_len);
		if (r < 0) {
			sl->err = r;
			snprintf(sl->errmsg, sizeof(sl->errmsg),
				 "compression: %s", kf_strerror(r));
			return;
		}
		sl->codec = r;
	}
	/* compressed first: ciphertext does not compress */
	if (sl->ref.f->seal)
		kf__seal_chunk(sl);
}

static void kf__produce_chunk(struct kf__sfile *f, struct kf__slot *sl)
{
	size_t len = sl->frame_len; /* sealed: built by the worker */
	kf_wire_chunk_t c;

	if (!f->seal) {
		kf__chunk_fields(f, sl, &c);
		kf_wire_encode_chunk_hdr(sl->buf, KF_WIRE_CHUNK_HDR, &c);
		len = KF_WIRE_CHUNK_HDR + sl->payload_len;
	}
	if (kf__produce(f, sl->buf, len, &sl->ref, KF__KEEP) < 0)
		kf__slot_put(f->s, sl);
}

/* Produces the ready chunks that are next in index order. */
static void kf__flush_ready(struct kf__sfile *f)
{
	while (f->ready && f->ready->idx == f->next_produce) {
		struct kf__slot *sl = f->ready;

		f->ready = sl->next;
		f->next_produce++;
		if (f->err)
			kf__slot_put(f->s, sl);
		else
			kf__produce_chunk(f, sl);
	}
}

static void kf__compress_done(uv_work_t *req, int status)
{
	struct kf__slot *sl = req->data, **pp;
	struct kf__sfile *f = sl->ref.f;
	kf_sender_t *s = f->s;

	(void)status;
	f->jobs--;
	if (sl->err)
		kf__fail(f, sl->err, "%s", sl->errmsg);
	if (sl->try_compress && sl->codec == KF_CODEC_NONE)
		f->skip_compress = KF__SKIP_AFTER_INCOMPRESSIBLE;
	for (pp = &f->ready; *pp && (*pp)->idx < sl->idx; pp = &(*pp)->next)
		;
	sl->next = *pp;
	*pp = sl;
	kf__flush_ready(f);
	/* A failed file drops the chunks it can no longer send in order. */
	if (f->err) {
		while (f->ready) {
			struct kf__slot *d = f->ready;

			f->ready = d->next;
			kf__slot_put(s, d);
		}
	}
	kf__maybe_seal(f);
	kf__maybe_done(f);
	kf__kick(s);
}

static void kf__read_done(uv_work_t *req, int status)
{
	struct kf__slot *sl = req->data;
	struct kf__sfile *f = sl->ref.f;
	kf_sender_t *s = f->s;

	(void)status;
	f->busy = 0;
	if (sl->idx + 1 == f->nchunks && !sl->err)
		f->hashed = 1;
	if (sl->err || f->err) {
		kf__fail(f, sl->err, "%s", sl->errmsg);
		kf__slot_put(s, sl);
		kf__maybe_seal(f);
		kf__maybe_done(f);
		kf__kick(s);
		return;
	}
	sl->try_compress = s->opts.codec == KF_CODEC_ZSTD && !f->skip_compress;
	if (f->skip_compress)
		f->skip_compress--;
	f->jobs++;
	uv_queue_work(s->loop, &sl->work, kf__compress_work, kf__compress_done);
	kf__kick(s);
}

static void kf__start_read(struct kf__sfile *f, struct kf__slot *sl)
{
	uint64_t chunk = f->s->opts.chunk_size;
	uint64_t off = f->next_read * chunk;
	uint64_t left = (uint64_t)f->st.st_size - off;

	sl->ref.kind = KF__REF_SLOT;
	sl->ref.f = f;
	sl->idx = f->next_read++;
	sl->raw_len = (uint32_t)(left < chunk ? left : chunk);
	sl->err = 0;
	sl->work.data = sl;
	f->busy = 1;
	uv_queue_work(f->s->loop, &sl->work, kf__read_work, kf__read_done);
}

/* ------------------------------------------------------------ open path */

/* @locality worker: a checkpoint holds only if the file is the one it
 * describes and the chunk layout is the same. */
static int kf__resume_fits(const struct kf__sfile *f, uint64_t nchunks)
{
	const kf_send_ckpt_t *ck = &f->resume;

	return ck->size == (uint64_t)f->st.st_size &&
	       ck->ino == (uint64_t)f->st.st_ino &&
	       ck->mtime_ns == kf__mtime_ns(&f->st) &&
	       ck->chunk_size == f->s->opts.chunk_size &&
	       ck->next_index <= nchunks;
}

/* @locality worker: feeds the whole-file hash with the chunks sent before
 * the checkpoint, read from the file again (the receiver has them). */
static int kf__hash_prefix(struct kf__sfile *f, uint64_t bytes)
{
	size_t cap = 1u << 20;
	uint8_t *buf = malloc(cap);
	uint64_t off = 0;
	int err = 0;

	if (!buf) {
		kf__fail(f, KF_ENOMEM, "out of memory");
		return KF_ENOMEM;
	}
	while (off < bytes) {
		size_t want = bytes - off < cap ? (size_t)(bytes - off) : cap;
		ssize_t r = pread(f->fd, buf, want, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = r < 0 ? kf_err_from_errno(errno) : KF_ECHANGED;
			kf__fail(f, err,
				 "re-reading the part sent before the "
				 "restart, at offset %llu: %s",
				 (unsigned long long)off,
				 r < 0 ? strerror(errno) : "the file shrank");
			break;
		}
		kf_hasher_update(f->hasher, buf, (size_t)r);
		off += (uint64_t)r;
	}
	free(buf);
	return err;
}

/* @locality worker: reads exactly size bytes at offset 0 into buf. */
static int kf__read_all(struct kf__sfile *f, uint8_t *buf, size_t size)
{
	size_t got = 0;

	while (got < size) {
		ssize_t r = pread(f->fd, buf + got, size - got, (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			kf__fail(f,
				 r < 0 ? kf_err_from_errno(errno) : KF_ECHANGED,
				 "read at offset %zu: %s", got,
				 r < 0 ? strerror(errno)
				       : "the file shrank while being sent");
			return f->err;
		}
		got += (size_t)r;
	}
	return 0;
}

/* @locality worker: reads the whole of a small file into data (size
 * bytes), checks that it did not change, hashes it into f->file_hash and
 * compresses it in place (*payload bytes). Returns its codec, or -1 when f
 * failed. */
static int kf__small_read(struct kf__sfile *f, uint8_t *data, size_t size,
			  size_t *payload)
{
	int codec = KF_CODEC_NONE;

	*payload = size;
	if (kf__read_all(f, data, size))
		return -1;
	if (kf__changed(f)) {
		kf__fail(f, KF_ECHANGED,
			 "file changed while being sent (size, mtime or ctime "
			 "differ from when it was opened)");
		return -1;
	}
	kf_hash128(data, size, f->file_hash);
	if (f->seal)
		kf_seal_feed(f->seal, data, size);
	if (size && f->s->opts.codec == KF_CODEC_ZSTD) {
		codec = kf_codec_compress_probed(f->s->codecs, data, size,
						 payload);
		if (codec < 0) {
			kf__fail(f, codec, "compression: %s",
				 kf_strerror(codec));
			return -1;
		}
	}
	return codec;
}

/* @locality worker: a file of one chunk at most becomes one FILE frame
 * (docs/protocol.md section 3.7), read, hashed and compressed in this one
 * job: no further round trip through the loop. */
static void kf__file_frame_work(struct kf__sfile *f)
{
	size_t size = (size_t)f->st.st_size, hdr, payload;
	kf_wire_file_t ff = {0};
	int codec;

	kf__manifest_fields(f, &ff.m);
	hdr = KF_WIRE_MANIFEST_FIXED + ff.m.path_len + ff.m.origin_len +
	      KF_WIRE_FILE_TRAILER;
	f->frame = malloc(hdr + size);
	if (!f->frame) {
		kf__fail(f, KF_ENOMEM, "out of memory");
		return;
	}
	codec = kf__small_read(f, f->frame + hdr, size, &payload);
	if (codec < 0)
		return;
	ff.m.codec = (uint8_t)codec;
	memcpy(ff.file_hash, f->file_hash, sizeof(ff.file_hash));
	if (kf_wire_encode_file_hdr(f->frame, hdr, &ff) != (long)hdr) {
		kf__fail(f, KF_EINVAL, "cannot encode the file frame");
		return;
	}
	f->frame_len = hdr + payload;
}

/* @locality worker: a sealed or signed file of one chunk at most becomes
 * one FILE frame holding its MANIFEST, CHUNK(0) and COMMIT whole
 * (docs/protocol.md section 10.10), made as for three frames. */
static void kf__sealed_file_work(struct kf__sfile *f)
{
	size_t size = (size_t)f->st.st_size, head, cap, payload, clen = 0;
	kf_wire_chunk_t c = {0};
	uint8_t *chunk;
	long n;
	int codec;

	kf__seal_open(f); /* MANIFEST, and the COMMIT of an empty file */
	if (f->err)
		return;
	head = kf_seal_file_head(f->seal);
	cap = head + KF_WIRE_CHUNK_HDR + size + KF_SEAL_CHUNK_OVERHEAD +
	      KF_SEAL_COMMIT_MAX;
	f->frame = malloc(cap);
	if (!f->frame) {
		kf__fail(f, KF_ENOMEM, "out of memory");
		return;
	}
	chunk = f->frame + head;
	if (f->nchunks) {
		codec = kf__small_read(f, chunk + KF_WIRE_CHUNK_HDR, size,
				       &payload);
		if (codec < 0)
			return;
		c.hdr.version = KF_WIRE_VERSION;
		c.hdr.type = KF_WIRE_CHUNK;
		c.hdr.xid = f->xid;
		c.raw_len = (uint32_t)size;
		c.codec = (uint8_t)codec;
		memcpy(c.raw_hash, f->file_hash, sizeof(c.raw_hash));
		kf_wire_encode_chunk_hdr(chunk, KF_WIRE_CHUNK_HDR, &c);
		n = kf_seal_chunk(f->seal, chunk, KF_WIRE_CHUNK_HDR + payload,
				  cap - head);
		if (n < 0) {
			kf__fail(f, (int)n, "sealing the chunk: %s",
				 kf_strerror((int)n));
			return;
		}
		clen = (size_t)n;
		kf__seal_commit(f, &f->err, f->errmsg, sizeof(f->errmsg));
		if (f->err)
			return;
	}
	n = kf_seal_file_close(f->seal, f->frame, cap, clen);
	if (n < 0) {
		kf__fail(f, (int)n, "cannot encode the file frame");
		return;
	}
	f->frame_len = (size_t)n;
}

/* @locality worker: the streaming whole-file hash, for a file sent in
 * chunks only (a file of one frame is hashed whole by kf_hash128, and
 * most files are small); -1 when out of memory (f failed). */
static int kf__need_hasher(struct kf__sfile *f)
{
	if (!f->hasher && !(f->hasher = kf_hasher_new())) {
		kf__fail(f, KF_ENOMEM, "out of memory");
		return -1;
	}
	return 0;
}

/* @locality worker: opens f (through dir, the directory of the file
 * opened before it in its batch; NULL: alone), and reads the whole of a
 * small file. */
static void kf__open(struct kf__sfile *f, kf_path_dir_t *dir)
{
	uint64_t chunk = f->s->opts.chunk_size;

	/* O_NONBLOCK: a FIFO swapped in must not hang the worker */
	f->fd = kf_path_open_below_at(dir, f->src, f->root_len,
				      O_RDONLY | O_CLOEXEC | O_NOCTTY |
					      O_NONBLOCK);
	if (f->fd < 0) {
		kf__fail(f, kf_err_from_errno(errno), "open: %s%s",
			 strerror(errno),
			 errno == ELOOP || errno == ENOTDIR
				 ? " (a link took the place of the file or of "
				   "a directory above it since it was listed; "
				   "links are never followed)"
				 : "");
		return;
	}
	if (fstat(f->fd, &f->st) < 0 || !S_ISREG(f->st.st_mode)) {
		kf__fail(f, KF_EIO, "not a readable regular file");
		return;
	}
	if ((uint64_t)f->st.st_dev != f->want_dev ||
	    (uint64_t)f->st.st_ino != f->want_ino) {
		kf__fail(f, KF_ECHANGED,
			 "another file took its place since it "
			 "was listed; not sent");
		return;
	}
	f->nchunks = ((uint64_t)f->st.st_size + chunk - 1) / chunk;
	if (f->nchunks > 1) /* one read takes a small file whole */
		posix_fadvise(f->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (f->s->keys) {
		/* a RESUME restates the manifest in clear: a sealed transfer
		 * is always sent again whole */
		f->want_resume = 0;
		f->single = f->s->opts.file_frames && f->nchunks <= 1;
		if (f->single)
			kf__sealed_file_work(f);
		else if (!kf__need_hasher(f))
			kf__seal_open(f);
		return;
	}
	if (f->s->opts.file_frames && f->nchunks <= 1 && !f->want_resume) {
		f->single = 1;
		kf__file_frame_work(f);
		return;
	}
	if (kf__need_hasher(f))
		return;
	if (!f->want_resume)
		return;
	if (!kf__resume_fits(f, f->nchunks)) {
		f->want_resume = 0; /* changed since: a new transfer */
		return;
	}
	f->xid = f->resume.xid;
	f->first_chunk = f->resume.next_index;
	if (kf__hash_prefix(f, f->first_chunk == f->nchunks
				       ? (uint64_t)f->st.st_size
				       : f->first_chunk * chunk))
		return;
	/* With nothing left to read, the last read's change check is ours. */
	if (f->first_chunk == f->nchunks && kf__changed(f))
		kf__fail(f, KF_ECHANGED,
			 "file changed while being sent (size, "
			 "mtime or ctime differ from when it "
			 "was opened)");
}

/* @locality worker */
static void kf__open_work(uv_work_t *req)
{
	kf__open(req->data, NULL);
}

/* Produces what the open of f made (a FILE frame, or the MANIFEST of a
 * transfer in chunks, which then waits for reads). */
static void kf__opened(struct kf__sfile *f)
{
	kf_sender_t *s = f->s;

	f->busy = 0;
	if (!f->err && f->single) {
		f->opened = 1;
		f->next_read = f->next_produce = f->nchunks;
		f->hashed = 1;
		if (kf__produce(f, f->frame, f->frame_len, &f->ctrl,
				KF__PACED)) {
			free(f->frame);
			f->frame = NULL;
		} else {
			s->frame_bytes += f->frame_len;
		}
	} else if (!f->err) {
		f->opened = 1;
		f->next_read = f->next_produce = f->first_chunk;
		f->hashed = f->next_read == f->nchunks;
		if (f->hashed)
			kf_hasher_final(f->hasher, f->file_hash);
		if (f->want_resume)
			kf_info("send", "resuming '%s' at chunk %llu of %llu",
				f->rel, (unsigned long long)f->first_chunk,
				(unsigned long long)f->nchunks);
		kf__produce_manifest(f);
		if (!f->sealed) {
			f->rnext = s->readers;
			s->readers = f;
		}
	}
	kf__maybe_seal(f);
	kf__maybe_done(f);
}

static void kf__open_done(uv_work_t *req, int status)
{
	struct kf__sfile *f = req->data;
	kf_sender_t *s = f->s; /* kf__opened may free f (an empty file done) */

	(void)status;
	kf__opened(f);
	kf__kick(s);
}

/* Takes the queue's first file into the active list, opening. */
static struct kf__sfile *kf__start(kf_sender_t *s)
{
	struct kf__sfile *f = s->queue_head;

	s->queue_head = f->next;
	if (!s->queue_head)
		s->queue_tail = NULL;
	s->nqueued--;
	f->prev = NULL;
	f->next = s->active;
	if (s->active)
		s->active->prev = f;
	s->active = f;
	s->nactive++;
	s->nreading++;
	kf_probe_send_open(&f->probe);
	f->busy = 1;
	return f;
}

static void kf__activate(kf_sender_t *s)
{
	struct kf__sfile *f = kf__start(s);

	f->work.data = f;
	uv_queue_work(s->loop, &f->work, kf__open_work, kf__open_done);
}

/* ---------------------------------------------------------- open batches */

/* @locality worker */
static void kf__batch_work(uv_work_t *req)
{
	struct kf__batch *b = req->data;
	kf_path_dir_t dir = KF_PATH_DIR_INIT;
	size_t i;

	for (i = 0; i < b->n; i++)
		kf__open(b->files[i], &dir);
	kf_path_dir_close(&dir);
}

/* Produces the files of the finished batches that no earlier batch
 * still holds back. */
static void kf__batch_done(uv_work_t *req, int status)
{
	struct kf__batch *b = req->data;
	kf_sender_t *s = b->s;
	size_t i;

	(void)status;
	b->done = 1;
	while ((b = s->batches) && b->done) {
		s->batches = b->next;
		if (!s->batches)
			s->batches_tail = NULL;
		s->batch_bytes -= b->bytes;
		for (i = 0; i < b->n; i++)
			kf__opened(b->files[i]);
		b->next = s->free_batches;
		s->free_batches = b;
	}
	kf__kick(s);
}

/* A file the walk saw no larger than a chunk. */
static int kf__small(const kf_sender_t *s, const struct kf__sfile *f)
{
	return f->size_hint <= s->opts.chunk_size;
}

/* Whether a file may start now: read memory, acknowledgements awaited,
 * and files being read at once (a batch's own bound for small ones). */
static int kf__room(const kf_sender_t *s, const struct kf__sfile *f)
{
	if (s->stopping || s->nactive >= KF__MAX_SEALED ||
	    s->frame_bytes + s->batch_bytes >= s->opts.max_inflight_bytes)
		return 0;
	if (kf__small(s, f))
		return s->free_batches != NULL;
	return s->nreading < (size_t)s->opts.max_inflight_files;
}

/* Opens the small files at the head of the queue in one worker job. */
static void kf__batch_start(kf_sender_t *s)
{
	struct kf__batch *b = s->free_batches;
	struct kf__sfile *f;

	s->free_batches = b->next;
	b->s = s;
	b->n = 0;
	b->bytes = 0;
	b->done = 0;
	do {
		f = kf__start(s);
		b->files[b->n++] = f;
		b->bytes += f->size_hint;
		s->batch_bytes += f->size_hint;
	} while (b->n < KF__BATCH_FILES && b->bytes < KF__BATCH_BYTES &&
		 s->queue_head && kf__small(s, s->queue_head) &&
		 s->nactive < KF__MAX_SEALED &&
		 s->frame_bytes + s->batch_bytes < s->opts.max_inflight_bytes);
	b->next = NULL;
	if (s->batches_tail)
		s->batches_tail->next = b;
	else
		s->batches = b;
	s->batches_tail = b;
	b->work.data = b;
	uv_queue_work(s->loop, &b->work, kf__batch_work, kf__batch_done);
}

/* ------------------------------------------------------------- lifetime */

static void kf__sfile_free(struct kf__sfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	kf_hasher_destroy(f->hasher);
	kf_seal_free(f->seal);
	free(f->frame);
	free(f->src);
	free(f->rel);
	free(f);
}

/* Counts the file's end in the metrics and records it in the audit
 * trail. */
static void kf__observe(struct kf__sfile *f)
{
	struct kf_audit_rec rec = {0};

	rec.event = f->err ? "send_failed" : "sent";
	rec.path = f->rel;
	rec.size = (uint64_t)f->st.st_size;
	rec.hash = f->err ? NULL : f->file_hash;
	rec.origin = f->s->origin;
	rec.topic = f->s->opts.producer.topic;
	rec.xid = f->xid.b;
	rec.reason = f->err ? f->errmsg : NULL;
	kf_probe_send_end(&f->probe, f->err, &rec);
}

/* Reports and frees a file once it is sealed and fully acknowledged. */
static void kf__maybe_done(struct kf__sfile *f)
{
	kf_sender_t *s = f->s;

	if (!f->sealed || f->abort_held || f->outstanding || f->busy || f->jobs)
		return;
	if (f->prev)
		f->prev->next = f->next;
	else
		s->active = f->next;
	if (f->next)
		f->next->prev = f->prev;
	s->nactive--;
	if (f->err) {
		s->stats.files_failed++;
	} else {
		s->stats.files_ok++;
	}
	kf__observe(f);
	s->file_cb(s->opaque, f->rel, f->src, (uint64_t)f->st.st_size, f->err,
		   f->err ? f->errmsg : NULL);
	kf__sfile_free(f);
}

/* Starts queued files and reads while there is room. */
static void kf__kick(kf_sender_t *s)
{
	struct kf__sfile *f;

	/* FILE frames awaiting their reports hold memory: they count
	 * against send.max_inflight_bytes like chunks in slots do */
	while (s->queue_head && kf__room(s, s->queue_head)) {
		if (kf__small(s, s->queue_head))
			kf__batch_start(s);
		else
			kf__activate(s);
	}
	for (f = s->readers; f && s->free_slots; f = f->rnext) {
		if (f->busy || f->err || f->next_read >= f->nchunks)
			continue;
		kf__start_read(f, kf__slot_get(s));
	}
}

/* ----------------------------------------------------- delivery reports */

/* Tells the owner how far the file's acknowledged prefix reaches. Chunks
 * of one transfer share a partition and an idempotent producer, so their
 * reports come in order and a failure ends the file. */
static void kf__checkpoint(struct kf__sfile *f)
{
	kf_sender_t *s = f->s;
	kf_send_ckpt_t ck;

	if (!s->ckpt_cb || f->err)
		return;
	ck.xid = f->xid;
	ck.next_index = f->first_chunk + f->acked_chunks;
	ck.chunk_size = (uint32_t)s->opts.chunk_size;
	ck.size = (uint64_t)f->st.st_size;
	ck.ino = (uint64_t)f->st.st_ino;
	ck.mtime_ns = kf__mtime_ns(&f->st);
	s->ckpt_cb(s->opaque, f->src, &ck);
}

/* @locality loop thread (the producer's poll) */
static void kf__dr(void *opaque, const rd_kafka_message_t *m)
{
	struct kf__ref *ref = m->_private;
	struct kf__sfile *f = ref->f;
	kf_sender_t *s = opaque;
	kf_kafka_guard_t *guard = kf_producer_guard(s->prod);

	f->outstanding--;
	if (m->err && kf_kafka_guard_message(guard, m)) {
		kf__fail(f, guard->err, "%s", kf_strerror(guard->err));
	} else if (m->err) {
		kf__fail(f, KF_EKAFKA, "not acknowledged by the broker: %s%s",
			 rd_kafka_err2str(m->err),
			 m->err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE
				 ? " (lower --chunk-size or raise the topic's "
				   "max.message.bytes)"
				 : "");
	} else {
		s->stats.messages++;
		s->stats.wire_bytes += m->len;
		if (ref->kind == KF__REF_CTRL)
			kf_probe_send_ctrl(&f->probe, m->partition, m->offset);
	}
	if (f->frame) { /* the FILE frame: the whole file */
		s->frame_bytes -= f->frame_len;
		free(f->frame);
		f->frame = NULL;
		if (!m->err && f->nchunks) { /* an empty file has none */
			kf_probe_send_chunk(&f->probe, f->st.st_size);
			f->acked += (uint64_t)f->st.st_size;
			s->stats.bytes_sent += (uint64_t)f->st.st_size;
		}
	}
	if (ref->kind == KF__REF_SLOT) {
		struct kf__slot *sl =
			KF_CONTAINER_OF(ref, struct kf__slot, ref);

		if (!m->err) {
			kf_probe_send_chunk(&f->probe, sl->raw_len);
			f->acked += sl->raw_len;
			s->stats.bytes_sent += sl->raw_len;
			f->acked_chunks++;
			kf__checkpoint(f);
		}
		kf__slot_put(s, sl);
	}
	if (m->err > 0 && ref == &f->ctrl && f->sealed && !f->outstanding &&
	    !f->abort_again && !f->abort_held && !f->single) {
		/* The broker refused the frame that ends the transfer (an ABORT
		 * goes down with a refused chunk batched beside it): one more
		 * ABORT, in a batch of its own, lets receivers drop it now
		 * rather than after receive.abandon_timeout. */
		f->abort_again = 1;
		kf__produce_abort(f);
	}
	kf__maybe_seal(f);
	kf__maybe_done(f);
}

static void kf__stop_all(kf_sender_t *s, int err, const char *msg);

/* @locality loop thread, once the producer served its reports */
static void kf__served(void *opaque)
{
	kf_sender_t *s = opaque;
	int refused = kf_producer_guard(s->prod)->err;

	if (refused && !s->stopping) {
		/* Refused for good (credentials, certificate, ACLs): fail
		 * everything now and drop what librdkafka still holds, so
		 * that nothing waits for a delivery timeout. */
		kf__stop_all(s, refused, kf_strerror(refused));
		kf_producer_purge(s->prod);
	}
	kf__kick(s);
}

/* ------------------------------------------------------------ public */

/* The keys of a sealed transfer. A key file that cannot be used is a
 * configuration error, whatever the reason (exit code 2). */
static int kf__load_keys(kf_sender_t *s, char *errstr, size_t errstr_size)
{
	int r = kf_seal_keys_load(s->opts.encrypt_recipients, s->opts.sign_key,
				  NULL, NULL, &s->keys, errstr, errstr_size);

	return r && r != KF_ENOMEM ? KF_EINVAL : r;
}

int kf_sender_new(uv_loop_t *loop, const kf_send_opts_t *o,
		  kf_send_file_cb *file_cb, void *opaque, kf_sender_t **out,
		  char *errstr, size_t errstr_size)
{
	kf_sender_t *s = calloc(1, sizeof(*s));
	size_t i;
	int r;

	*out = NULL;
	if (!s)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	s->loop = loop;
	s->opts = *o;
	s->file_cb = file_cb;
	s->opaque = opaque;
	if (gethostname(s->origin, sizeof(s->origin) - 1) < 0)
		strcpy(s->origin, "unknown");
	s->nslots = o->max_inflight_bytes / o->chunk_size;
	if (s->nslots < 2)
		s->nslots = 2;
	for (i = 0; i < KF__BATCHES; i++) {
		s->batch_pool[i].next = s->free_batches;
		s->free_batches = &s->batch_pool[i];
	}
	r = kf__load_keys(s, errstr, errstr_size);
	if (r)
		goto out_destroy;
	r = KF_ENOMEM;
	s->slots = calloc(s->nslots, sizeof(*s->slots));
	s->codecs = kf_codec_pool_new(o->chunk_size, o->codec_level);
	if (!s->slots || !s->codecs)
		goto out_nomem;
	for (i = 0; i < s->nslots; i++) {
		s->slots[i].buf = malloc(KF_WIRE_CHUNK_HDR + o->chunk_size +
					 KF_SEAL_CHUNK_OVERHEAD);
		if (!s->slots[i].buf)
			goto out_nomem;
		kf__slot_put(s, &s->slots[i]);
	}
	r = kf_producer_new(&o->producer, kf__dr, s, &s->prod, errstr,
			    errstr_size);
	if (!r)
		r = kf_producer_attach(s->prod, loop, kf__served,
				       KF_PRODUCER_WATCH_CONNECT, errstr,
				       errstr_size);
	if (r)
		goto out_destroy;
	*out = s;
	return 0;

out_nomem:
	kf_seterr(errstr, errstr_size, KF_ENOMEM, "out of memory");
out_destroy:
	kf_sender_destroy(s);
	return r;
}

/* @locality loop: a fresh transfer id from s->rnd. 0, or -1 with errno. */
static int kf__new_xid(kf_sender_t *s, kf_xid_t *xid)
{
	if (s->rnd_left < sizeof(xid->b)) {
		if (getrandom(s->rnd, sizeof(s->rnd), 0) != sizeof(s->rnd))
			return -1;
		s->rnd_left = sizeof(s->rnd);
	}
	s->rnd_left -= sizeof(xid->b);
	memcpy(xid->b, s->rnd + s->rnd_left, sizeof(xid->b));
	return 0;
}

int kf_sender_submit(kf_sender_t *s, const kf_send_src_t *src, const char *rel,
		     const kf_send_ckpt_t *resume, char *errstr,
		     size_t errstr_size)
{
	return kf_sender_submit_route(s, src, rel, NULL, resume, errstr,
				      errstr_size);
}

/* f's metric series, looked up once for each route in a row rather than
 * for each file: a lookup takes the metrics' lock and compares labels,
 * five times a file. */
static void kf__probe_begin(kf_sender_t *s, struct kf__sfile *f,
			    const char *route)
{
	int same = route ? s->probe_route && !strcmp(route, s->probe_route)
			 : !s->probe_route;

	if (!s->probe_ready || !same) {
		free(s->probe_route);
		s->probe_route = route ? strdup(route) : NULL;
		kf_probe_send_begin(&s->probe, s->opts.producer.topic, route);
		/* without the copy of route, the next file looks up again */
		s->probe_ready = !route || s->probe_route;
	}
	f->probe = s->probe;
}

int kf_sender_submit_route(kf_sender_t *s, const kf_send_src_t *src,
			   const char *rel, const char *route,
			   const kf_send_ckpt_t *resume, char *errstr,
			   size_t errstr_size)
{
	struct kf__sfile *f;
	int r;

	r = kf_path_validate((const uint8_t *)rel, strlen(rel), errstr,
			     errstr_size);
	if (r)
		return r;
	f = calloc(1, sizeof(*f));
	if (!f)
		return KF_ENOMEM;
	f->ctrl.kind = KF__REF_CTRL;
	f->ctrl.f = f;
	f->s = s;
	f->fd = -1;
	f->src = strdup(src->path);
	f->root_len = src->root_len;
	f->want_dev = src->dev;
	f->want_ino = src->ino;
	f->size_hint = src->size;
	f->rel = strdup(rel);
	f->rel_len = strlen(rel);
	f->key = f->rel;
	f->key_len = f->rel_len;
	if (!f->src || !f->rel) {
		kf__sfile_free(f);
		return KF_ENOMEM;
	}
	if (kf__new_xid(s, &f->xid)) {
		kf__sfile_free(f);
		return kf_seterr(errstr, errstr_size, KF_EIO, "getrandom: %s",
				 strerror(errno));
	}
	if (resume) {
		f->want_resume = 1;
		f->resume = *resume;
	}
	/* an encrypted transfer must not show its path in the key */
	if (s->keys && s->keys->nrecipients) {
		f->key = f->xid.b;
		f->key_len = sizeof(f->xid.b);
	}
	if (s->queue_tail)
		s->queue_tail->next = f;
	else
		s->queue_head = f;
	s->queue_tail = f;
	s->nqueued++;
	kf__probe_begin(s, f, route);
	s->stats.files_total++;
	kf__kick(s);
	return 0;
}

void kf_sender_on_ckpt(kf_sender_t *s, kf_send_ckpt_cb *cb)
{
	s->ckpt_cb = cb;
}

void kf_sender_on_void(kf_sender_t *s, kf_send_void_cb *cb)
{
	s->void_cb = cb;
}

void kf_sender_void_done(kf_sender_t *s, void *token)
{
	struct kf__sfile *f = token;

	(void)s;
	f->abort_held = 0;
	kf__produce_abort(f);
	kf__maybe_done(f);
}

size_t kf_sender_pending(const kf_sender_t *s)
{
	return s->nqueued + s->nactive;
}

size_t kf_sender_queued(const kf_sender_t *s)
{
	return s->nqueued;
}

/* Fails the queued files and the files in progress with err. */
static void kf__stop_all(kf_sender_t *s, int err, const char *msg)
{
	struct kf__sfile *f;

	s->stopping = 1;
	while ((f = s->queue_head)) {
		s->queue_head = f->next;
		s->nqueued--;
		s->stats.files_failed++;
		kf_probe_send_end(&f->probe, err, NULL);
		s->file_cb(s->opaque, f->rel, f->src, 0, err,
			   msg ? msg : "stopped before it was sent");
		kf__sfile_free(f);
	}
	s->queue_tail = NULL;
	for (f = s->active; f; f = f->next) {
		kf__fail(f, err, "%s", msg ? msg : "stopped while being sent");
		kf__maybe_seal(f);
	}
}

void kf_sender_stop(kf_sender_t *s)
{
	kf__stop_all(s, KF_ESTOPPED, NULL);
}

int kf_sender_error(const kf_sender_t *s, char *errstr, size_t errstr_size)
{
	const kf_kafka_guard_t *guard = kf_producer_guard(s->prod);

	if (!guard->err)
		return 0;
	return kf_seterr(errstr, errstr_size, guard->err, "%s", guard->msg);
}

void kf_sender_close(kf_sender_t *s)
{
	kf_producer_close(s->prod);
}

void kf_sender_destroy(kf_sender_t *s)
{
	size_t i;

	if (!s)
		return;
	if (s->prod)
		kf_producer_flush(s->prod, 10000);
	kf_producer_destroy(s->prod);
	for (i = 0; s->slots && i < s->nslots; i++)
		free(s->slots[i].buf);
	free(s->slots);
	kf_codec_pool_destroy(s->codecs);
	kf_seal_keys_free(s->keys);
	free(s->probe_route);
	free(s);
}

const kf_send_stats_t *kf_sender_stats(const kf_sender_t *s)
{
	return &s->stats;
}
