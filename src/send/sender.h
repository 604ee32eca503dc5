/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sending engine: turns files into transfers (docs/protocol.md) on a
 * libuv loop. Used by `kferry send` (kf_send) and by the watch daemon.
 *
 * Data path, per file, with bounded memory:
 *
 *   open (worker) -> MANIFEST
 *   read chunk i + whole-file hash (worker, one read per file at a time)
 *   -> chunk hash + zstd (workers, in parallel)
 *   -> produce in index order (loop) -> delivery report frees the buffer
 *   -> COMMIT with the whole-file hash after the last chunk
 *
 * Chunk buffers come from a fixed pool of send.max_inflight_bytes /
 * chunk_size buffers; librdkafka sends straight from them (no copy) and the
 * delivery report gives them back, so a slow broker stops reading instead of
 * growing a queue.
 *
 * @locality loop thread for every function here.
 */
#ifndef KF_SEND_SENDER_H
#define KF_SEND_SENDER_H

#include <sys/stat.h>
#include <uv.h>

#include "kafka/producer.h"
#include "kferry/kferry.h"
#include "proto/wire.h"

typedef struct kf_sender_s kf_sender_t;

/* What the engine reads, and nothing else: built from a configuration by
 * kf_api_send_opts (api/sendopts.h), per route by the watch daemon.
 * Strings are borrowed: they must outlive the sender. */
typedef struct kf_send_opts_s {
	/* the brokers, the topic, the tuning: records are frames of
	 * chunk_size (kf_producer_opts_init with the same configuration) */
	kf_producer_opts_t producer;
	uint64_t chunk_size; /* bytes of file per CHUNK */
	int codec;	     /* enum kf_codec_id */
	int codec_level;
	const char *encrypt_recipients; /* comma list of PEM files or NULL */
	const char *sign_key;		/* PEM file or NULL */
	uint64_t max_inflight_bytes;	/* file bytes read but not acked */
	int max_inflight_files;		/* files being read at once */
	int file_frames; /* a file of one chunk at most travels as one FILE
			  * frame (docs/protocol.md section 3.7) */
} kf_send_opts_t;

/* A checkpoint of an unfinished transfer: its first next_index chunks are
 * acknowledged by the broker. Given back to kf_sender_submit after a
 * restart, the transfer carries on from there (a RESUME frame,
 * docs/protocol.md section 9) if the file is still the one described. */
typedef struct kf_send_ckpt_s {
	kf_xid_t xid;
	uint64_t next_index;
	uint32_t chunk_size;
	uint64_t size, ino; /* the file as opened */
	int64_t mtime_ns;
} kf_send_ckpt_t;

/* Called after each acknowledged chunk (in order) with the file's source
 * path as submitted; ck is valid during the call. */
typedef void(kf_send_ckpt_cb)(void *opaque, const char *src,
			      const kf_send_ckpt_t *ck);

/* Called before the ABORT of a failed transfer is produced (the transfer
 * was opened; its checkpoints may have been reported). Return 0 to have
 * the ABORT produced at once, or 1 to hold it until the owner calls
 * kf_sender_void_done(s, token), for example once a durable record that
 * the transfer must never be resumed is written: an ABORT seen by
 * receivers before that record exists could let a crash resume a transfer
 * they dropped. The file is not reported before the ABORT is produced. */
typedef int(kf_send_void_cb)(void *opaque, const char *src, void *token);

/* Creates the engine and its producer; o is copied. file_cb is called
 * once per submitted file when it is finished (every message
 * acknowledged) or failed. Returns 0 with *out (the caller's:
 * kf_sender_close, run the loop dry, kf_sender_destroy), or a KF_E* code
 * with errstr set: KF_EINVAL for a key file that cannot be used,
 * KF_EKAFKA when the producer cannot be made. */
int kf_sender_new(uv_loop_t *loop, const kf_send_opts_t *o,
		  kf_send_file_cb *file_cb, void *opaque, kf_sender_t **out,
		  char *errstr, size_t errstr_size);

/* A file to send: where it is, and which file it must be. The directory
 * it lies in may be writable by others (a shared outbox, a tree being
 * sent): nothing below the operator's directory is followed, and the file
 * opened must be the inode the walk or the scan saw, so that a link or
 * another file swapped in meanwhile is never read (docs/security.md). */
typedef struct kf_send_src_s {
	const char *path;  /* as the owner names it (kf_send_file_cb, ckpts) */
	size_t root_len;   /* path[0, root_len) is a directory the operator
			    * named, opened as given; each component after it
			    * is opened with O_NOFOLLOW. strlen(path): the whole
			    * path is the operator's (a file argument). */
	uint64_t dev, ino; /* what the walk or scan saw (lstat) */
	uint64_t size;	   /* what the walk or scan saw: a file that looks
			    * no larger than a chunk is opened in a batch
			    * (a hint only; the open decides) */
} kf_send_src_t;

/* Queues a file; copies src->path, rel and resume. rel must pass
 * kf_path_validate. resume (NULL for a new transfer) is used only if the
 * file's size, inode and mtime and the chunk size still match it; else the
 * file is sent from the start under a new transfer id. */
int kf_sender_submit(kf_sender_t *s, const kf_send_src_t *src, const char *rel,
		     const kf_send_ckpt_t *resume, char *errstr,
		     size_t errstr_size);

/* Asks for checkpoints (see kf_send_ckpt_cb); NULL stops them. */
void kf_sender_on_ckpt(kf_sender_t *s, kf_send_ckpt_cb *cb);

/* Asks to hear of ABORTs before they are produced (kf_send_void_cb);
 * NULL produces them at once. */
void kf_sender_on_void(kf_sender_t *s, kf_send_void_cb *cb);

/* Produces the ABORT held for token (a kf_send_void_cb that returned 1). */
void kf_sender_void_done(kf_sender_t *s, void *token);

/* The same for a file of a watch route: its metrics are labelled with the
 * route's name (kf_sender_submit: "send"). */
int kf_sender_submit_route(kf_sender_t *s, const kf_send_src_t *src,
			   const char *rel, const char *route,
			   const kf_send_ckpt_t *resume, char *errstr,
			   size_t errstr_size);

/* Files queued or in progress. */
size_t kf_sender_pending(const kf_sender_t *s);

/* Files queued, not yet started. */
size_t kf_sender_queued(const kf_sender_t *s);

/* Stops starting files; files in progress are aborted (ABORT sent) and
 * reported failed with KF_ESTOPPED. */
void kf_sender_stop(kf_sender_t *s);

/* 0, or the error that stopped the engine for good (KF_EAUTH: TLS or
 * SASL refused; KF_EACCESS: an ACL is missing; KF_EKAFKA: the producer
 * failed fatally) with what to do in errstr (may be NULL). Every file is
 * then failed with the same message. */
int kf_sender_error(const kf_sender_t *s, char *errstr, size_t errstr_size);

/* Releases the loop handles; once the loop has run them down, destroy. */
void kf_sender_close(kf_sender_t *s);
void kf_sender_destroy(kf_sender_t *s);

const kf_send_stats_t *kf_sender_stats(const kf_sender_t *s);

#endif /* KF_SEND_SENDER_H */
