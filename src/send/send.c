/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kf_send_run(): the one-shot send command's engine (send/send.h). Walks
 * the paths in a worker, a batch at a time, and feeds the files to the
 * sender engine.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/stop.h"
#include "obs/probe.h"
#include "send/send.h"
#include "send/sender.h"
#include "send/walker.h"

/* Files fetched from the walker per worker job, and the depth of the
 * sender's queue of files not yet started below which the next batch is
 * fetched: the walk keeps ahead of the open batches (files awaiting their
 * acknowledgements do not hold it back), and the tree is never all in
 * memory (the sender bounds the files in progress). */
#define KF__WALK_BATCH 512

struct kf__walk_entry {
	char *src, *rel;
	uint64_t size, dev, ino;
	int err; /* a path the walker could not read */
	char *errmsg;
};

struct kf__send_run {
	uv_loop_t loop;
	uv_timer_t timer;
	uv_work_t walk_req;
	kf_sender_t *sender;
	kf_walker_t *walker;
	struct kf__walk_entry batch[KF__WALK_BATCH];
	size_t nbatch;
	int walking, walk_done, closing;
	uint64_t walk_failed, bytes_total;
	struct timespec t0;
	kf_send_file_cb *user_file_cb;
	kf_send_progress_cb *user_progress_cb;
	void *user_opaque;
	kf_send_stats_t stats;
};

static double kf__elapsed(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	       (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void kf__snapshot(struct kf__send_run *run)
{
	run->stats = *kf_sender_stats(run->sender);
	run->stats.files_total += run->walk_failed;
	run->stats.files_failed += run->walk_failed;
	run->stats.bytes_total = run->bytes_total;
	run->stats.elapsed_s = kf__elapsed(&run->t0);
}

/* @locality worker */
static void kf__walk_work(uv_work_t *req)
{
	struct kf__send_run *run = req->data;
	char errstr[512];
	struct stat st;

	run->nbatch = 0;
	while (run->nbatch < KF__WALK_BATCH) {
		struct kf__walk_entry *e = &run->batch[run->nbatch];
		int r;

		memset(e, 0, sizeof(*e));
		r = kf_walker_next(run->walker, &e->src, &e->rel, &st, errstr,
				   sizeof(errstr));
		if (r == 0) {
			run->walk_done = 1;
			return;
		}
		if (r < 0) {
			e->err = r;
			e->errmsg = strdup(errstr);
		} else {
			e->size = (uint64_t)st.st_size;
			e->dev = (uint64_t)st.st_dev;
			e->ino = (uint64_t)st.st_ino;
		}
		run->nbatch++;
	}
}

static void kf__maybe_walk(struct kf__send_run *run);

/* The sender's view of a walked file. A file inside a tree argument has
 * rel "NAME/SUB" and src "ARG/SUB": ARG is the operator's, and SUB, which
 * anyone who can write the tree may change, is opened without following
 * links. A file argument (rel without a '/') is the operator's whole. */
static kf_send_src_t kf__src_of(const struct kf__walk_entry *e)
{
	const char *sub = strchr(e->rel, '/');
	size_t n = strlen(e->src);
	kf_send_src_t src = {.path = e->src,
			     .root_len = n,
			     .dev = e->dev,
			     .ino = e->ino,
			     .size = e->size};

	if (sub && strlen(sub) <= n)
		src.root_len = n - strlen(sub);
	return src;
}

/* A signal, or a refusal the sender cannot get past: stop walking. */
static int kf__halted(const struct kf__send_run *run)
{
	return kf_stop_requested() || kf_sender_error(run->sender, NULL, 0);
}

static void kf__maybe_finish(struct kf__send_run *run)
{
	if (run->closing || run->walking ||
	    (!run->walk_done && !kf__halted(run)) ||
	    kf_sender_pending(run->sender))
		return;
	run->closing = 1;
	kf_sender_close(run->sender);
	uv_close((uv_handle_t *)&run->timer, NULL);
}

static void kf__walk_done(uv_work_t *req, int status)
{
	struct kf__send_run *run = req->data;
	char errstr[512];
	size_t i;

	(void)status;
	run->walking = 0;
	for (i = 0; i < run->nbatch; i++) {
		struct kf__walk_entry *e = &run->batch[i];
		int r = e->err;

		if (!r && !kf__halted(run)) {
			kf_send_src_t src = kf__src_of(e);

			r = kf_sender_submit(run->sender, &src, e->rel, NULL,
					     errstr, sizeof(errstr));
			if (!r)
				run->bytes_total += e->size;
		} else if (!r) {
			r = KF_ESTOPPED;
			snprintf(errstr, sizeof(errstr), "stopped");
		}
		if (r) {
			run->walk_failed++;
			run->user_file_cb(run->user_opaque,
					  e->rel ? e->rel : "",
					  e->src ? e->src : "", e->size, r,
					  e->errmsg ? e->errmsg : errstr);
		}
		free(e->src);
		free(e->rel);
		free(e->errmsg);
	}
	run->nbatch = 0;
	kf__maybe_walk(run);
	kf__maybe_finish(run);
}

static void kf__maybe_walk(struct kf__send_run *run)
{
	if (run->walking || run->walk_done || kf__halted(run) ||
	    kf_sender_queued(run->sender) >= KF__WALK_BATCH)
		return;
	run->walking = 1;
	run->walk_req.data = run;
	uv_queue_work(&run->loop, &run->walk_req, kf__walk_work, kf__walk_done);
}

static void kf__file_done(void *opaque, const char *rel, const char *src,
			  uint64_t size, int err, const char *msg)
{
	struct kf__send_run *run = opaque;

	run->user_file_cb(run->user_opaque, rel, src, size, err, msg);
	kf__maybe_walk(run);
	kf__maybe_finish(run);
}

static void kf__tick(uv_timer_t *t)
{
	struct kf__send_run *run = t->data;

	if (kf_stop_requested())
		kf_sender_stop(run->sender);
	if (run->user_progress_cb) {
		kf__snapshot(run);
		run->user_progress_cb(run->user_opaque, &run->stats);
	}
	kf__maybe_finish(run);
}

static void kf__noop_file_cb(void *opaque, const char *rel, const char *src,
			     uint64_t size, int err, const char *msg)
{
	(void)opaque;
	(void)size;
	(void)src;
	if (err)
		kf_err("send", "%s: %s", rel, msg);
}

int kf_send_run(const kf_conf_t *conf, const kf_send_opts_t *opts,
		const char *const *paths, size_t npaths,
		kf_send_file_cb *file_cb, kf_send_progress_cb *progress_cb,
		void *opaque, kf_send_stats_t *stats, char *errstr,
		size_t errstr_size)
{
	struct kf__send_run *run;
	int r = 0;

	if (!npaths)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "nothing to send: give at least one file or "
				 "directory");
	run = calloc(1, sizeof(*run));
	if (!run)
		return KF_ENOMEM;
	kf_workers_setup(conf->workers);
	clock_gettime(CLOCK_MONOTONIC, &run->t0);
	run->user_file_cb = file_cb ? file_cb : kf__noop_file_cb;
	run->user_progress_cb = progress_cb;
	run->user_opaque = opaque;
	uv_loop_init(&run->loop);
	r = kf_sender_new(&run->loop, opts, kf__file_done, run, &run->sender,
			  errstr, errstr_size);
	if (r)
		goto out_free;
	run->walker = kf_walker_new(paths, npaths);
	if (!run->walker) {
		r = kf_seterr(errstr, errstr_size, KF_ENOMEM, "out of memory");
		kf_sender_close(run->sender);
		uv_run(&run->loop, UV_RUN_DEFAULT);
		goto out_free;
	}
	r = kf_probe_start(&run->loop, conf, "send", errstr, errstr_size);
	if (r) {
		kf_sender_close(run->sender);
		uv_run(&run->loop, UV_RUN_DEFAULT);
		goto out_free;
	}
	uv_timer_init(&run->loop, &run->timer);
	run->timer.data = run;
	uv_timer_start(&run->timer, kf__tick, 200, 200);
	kf__maybe_walk(run);
	uv_run(&run->loop, UV_RUN_DEFAULT);
	kf_probe_detach(&run->loop);

	kf__snapshot(run);
	if (stats)
		*stats = run->stats;
	/* A refusal (credentials, certificate, ACL) says more than a count
	 * of failed files. */
	r = kf_sender_error(run->sender, errstr, errstr_size);
	if (!r && run->stats.files_failed)
		r = kf_seterr(errstr, errstr_size,
			      kf_stop_requested() ? KF_ESTOPPED : KF_EIO,
			      "%llu of %llu files were not sent",
			      (unsigned long long)run->stats.files_failed,
			      (unsigned long long)run->stats.files_total);
	else if (!r && !run->walk_done)
		r = kf_seterr(errstr, errstr_size, KF_ESTOPPED,
			      "stopped before every file was found and sent");
out_free:
	kf_sender_destroy(run->sender);
	kf_walker_destroy(run->walker);
	uv_loop_close(&run->loop);
	free(run);
	return r;
}
