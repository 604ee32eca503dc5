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

#include "config/conf.h"

typedef struct kf_sender_s kf_sender_t;

/* Creates the engine and its producer. file_cb is called once per
 * submitted file when it is finished (every message acknowledged) or
 * failed. Caller owns it (kf_sender_destroy, after the loop ran dry). */
kf_sender_t *kf_sender_new(uv_loop_t *loop, const kf_conf_t *conf,
			   kf_send_file_cb *file_cb, void *opaque,
			   char *errstr, size_t errstr_size);

/* Queues a file; copies src and rel. rel must pass kf_path_validate. */
int kf_sender_submit(kf_sender_t *s, const char *src, const char *rel,
		     char *errstr, size_t errstr_size);

/* Files queued or in progress. */
size_t kf_sender_pending(const kf_sender_t *s);

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
