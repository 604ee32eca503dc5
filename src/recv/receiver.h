/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The file sink behind kf_receive() and kf_replay(): transfers assembled
 * into files under a destination, on the consumer engine (recv/engine.h).
 */
#ifndef KF_RECV_RECEIVER_H
#define KF_RECV_RECEIVER_H

#include <stddef.h>
#include <stdint.h>

#include "kferry/kferry.h"
#include "recv/assembler.h"
#include "recv/engine.h"

/* What the file sink reads. Strings are borrowed: they must outlive the
 * run. */
typedef struct kf_recv_opts_s {
	/* the consumer engine's; its max_open is fitted from
	 * max_open_transfers, its range set by kf_replay_run */
	kf_engine_opts_t engine;
	const char *dest;    /* the destination directory (required) */
	kf_dest_opts_t keep; /* conflict policy, fsync, quarantine, umask */
	int workers;	     /* worker threads; 0: one per CPU */
	uint64_t chunk_size; /* the codecs' buffers */
	uint64_t max_file_size;
	int max_open_transfers;
	int abandon_timeout_s;
	/* frames handed to workers, and scratch, at once */
	uint64_t max_inflight_bytes;
	const char *decrypt_keys;    /* comma list of PEM files or NULL */
	const char *trusted_signers; /* comma list of PEM files or NULL */
} kf_recv_opts_t;

/* Runs the file sink: with o->engine.range NULL, as kf_receive (consumer
 * group, commits, dead letters); set, over the range it names (assign(),
 * no commits, no dead letters; recv/replay.h). */
int kf_receive_run(const kf_recv_opts_t *o, kf_recv_stats_t *stats,
		   char *errstr, size_t errstr_size);

#endif /* KF_RECV_RECEIVER_H */
