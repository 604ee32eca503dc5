/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kf_load_run(): the one-shot load command's engine (load/load.h). Starts
 * the files in the order given, at most load.max_files_parallel at once,
 * and sums their outcomes.
 */
#include "load/load.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "common/log.h"
#include "common/stop.h"
#include "obs/probe.h"

struct kf__load_run {
	uv_loop_t loop;
	uv_timer_t timer;
	const kf_load_opts_t *o; /* &opts */
	/* the caller's, with the ledger reader of this run, which every
	 * file's worker jobs share (load/ledger.h: reads of different
	 * partitions run at once, each with its own handles) */
	kf_load_opts_t opts;
	kf_load_ledger_t *ledger; /* ours: destroyed at the end */
	const char *const *paths;
	size_t npaths, next;
	kf_loader_t **running; /* max_files_parallel slots; NULL: free */
	unsigned nrunning;
	int stopped;
	int refusal;	/* the first KF_EAUTH / KF_EACCESS of a file */
	int kafka_only; /* every failure so far was KF_EKAFKA */
	struct timespec t0;
	kf_load_file_cb *file_cb;
	kf_load_progress_cb *progress_cb;
	void *opaque;
	kf_load_stats_t stats;
};

static double kf__elapsed(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	       (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void kf__start_next(struct kf__load_run *run);

/* @locality loop: a file ended */
static void kf__file_done(void *opaque, kf_loader_t *l, const kf_load_file_t *f)
{
	struct kf__load_run *run = opaque;
	kf_load_stats_t *st = &run->stats;
	unsigned i;

	st->rows_read += f->rows_read;
	st->rows_published += f->rows_published;
	st->rows_rejected += f->rows_rejected;
	st->rows_filtered += f->rows_filtered;
	st->bytes_total += f->size;
	if (!strcmp(f->state, "done"))
		st->files_done++;
	else if (!strcmp(f->state, "skipped"))
		st->files_skipped++;
	else {
		st->files_failed++;
		if (!run->refusal &&
		    (f->err == KF_EAUTH || f->err == KF_EACCESS))
			run->refusal = f->err;
		if (f->err != KF_EKAFKA)
			run->kafka_only = 0;
		kf_err("load", "%s: %s", f->path, f->error);
	}
	if (run->file_cb)
		run->file_cb(run->opaque, f);
	for (i = 0; i < run->o->max_files_parallel; i++)
		if (run->running[i] == l)
			run->running[i] = NULL;
	run->nrunning--;
	kf_loader_destroy(l);
	kf__start_next(run);
}

static void kf__start_next(struct kf__load_run *run)
{
	unsigned i;

	if (kf_stop_requested())
		run->stopped = 1;
	for (i = 0; i < run->o->max_files_parallel && !run->stopped &&
		    run->next < run->npaths;
	     i++) {
		if (run->running[i])
			continue;
		run->stats.files_total++;
		if (kf_loader_start(&run->loop, run->o, run->paths[run->next],
				    kf__file_done, run, &run->running[i])) {
			run->stats.files_failed++;
			run->kafka_only = 0;
			kf_err("load", "%s: out of memory",
			       run->paths[run->next]);
		} else {
			run->nrunning++;
		}
		run->next++;
	}
	if (!run->nrunning && !uv_is_closing((uv_handle_t *)&run->timer))
		uv_close((uv_handle_t *)&run->timer, NULL);
}

static void kf__tick(uv_timer_t *t)
{
	struct kf__load_run *run = t->data;
	kf_load_stats_t st = run->stats;
	unsigned i;

	if (kf_stop_requested() && !run->stopped) {
		run->stopped = 1;
		for (i = 0; i < run->o->max_files_parallel; i++)
			if (run->running[i])
				kf_loader_stop(run->running[i]);
	}
	if (!run->progress_cb)
		return;
	for (i = 0; i < run->o->max_files_parallel; i++) {
		kf_load_file_t f;
		uint64_t bytes;

		if (!run->running[i])
			continue;
		kf_loader_progress(run->running[i], &bytes, &f);
		st.rows_read += f.rows_read;
		st.rows_published += f.rows_published;
		st.rows_rejected += f.rows_rejected;
		st.rows_filtered += f.rows_filtered;
		st.bytes_total += bytes;
	}
	st.elapsed_s = kf__elapsed(&run->t0);
	run->progress_cb(run->opaque, &st);
}

/* The run's return code from its files' outcomes. */
static int kf__result(const struct kf__load_run *run, char *errstr,
		      size_t errstr_size)
{
	const kf_load_stats_t *st = &run->stats;

	if (run->stopped || st->files_total < run->npaths)
		return kf_seterr(errstr, errstr_size, KF_ESTOPPED,
				 "stopped: %llu of %zu files loaded",
				 (unsigned long long)st->files_done,
				 run->npaths);
	if (!st->files_failed)
		return 0;
	if (run->refusal)
		return kf_seterr(errstr, errstr_size, run->refusal,
				 "%llu of %llu files failed: %s",
				 (unsigned long long)st->files_failed,
				 (unsigned long long)st->files_total,
				 kf_strerror(run->refusal));
	/* nothing got through: Kafka, not the files */
	if (run->kafka_only && !st->files_done && !st->files_skipped)
		return kf_seterr(errstr, errstr_size, KF_EKAFKA,
				 "no file could be loaded: Kafka refused or "
				 "did not answer (see the errors above)");
	return kf_seterr(errstr, errstr_size, KF_EIO,
			 "%llu of %llu files failed",
			 (unsigned long long)st->files_failed,
			 (unsigned long long)st->files_total);
}

int kf_load_run(const kf_conf_t *conf, const kf_load_opts_t *opts,
		const char *const *paths, size_t npaths,
		kf_load_file_cb *file_cb, kf_load_progress_cb *progress_cb,
		void *opaque, kf_load_stats_t *stats, char *errstr,
		size_t errstr_size)
{
	struct kf__load_run *run;
	int r;

	if (!npaths)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "nothing to load: give at least one file");
	run = calloc(1, sizeof(*run));
	if (run)
		run->running =
			calloc(opts->max_files_parallel, sizeof(*run->running));
	if (!run || !run->running) {
		free(run);
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	}
	kf_workers_setup(opts->workers);
	clock_gettime(CLOCK_MONOTONIC, &run->t0);
	run->opts = *opts;
	run->o = &run->opts;
	/* A file's ledger read may wait in a worker for another file's open
	 * transaction, whose commit needs a worker too (docs/records.md
	 * 3.3): with more files at once than workers, every worker could
	 * wait for a commit that none is left to run. */
	if (run->opts.max_files_parallel > (unsigned)kf_workers_count()) {
		run->opts.max_files_parallel = (unsigned)kf_workers_count();
		kf_info("load",
			"load.max_files_parallel %u is above the %d workers: "
			"%d files at once (raise workers for more)",
			opts->max_files_parallel, kf_workers_count(),
			kf_workers_count());
	}
	run->paths = paths;
	run->npaths = npaths;
	run->kafka_only = 1;
	run->file_cb = file_cb;
	run->progress_cb = progress_cb;
	run->opaque = opaque;
	if (!opts->ledger && opts->ledger_topic) {
		r = kf_load_ledger_new(opts->conf, opts->ledger_topic,
				       opts->topic, &run->ledger, errstr,
				       errstr_size);
		if (r) {
			free(run->running);
			free(run);
			return r;
		}
		run->opts.ledger = run->ledger;
	}
	uv_loop_init(&run->loop);
	r = kf_probe_start(&run->loop, conf, "load", errstr, errstr_size);
	if (r)
		goto out_free;
	uv_timer_init(&run->loop, &run->timer);
	run->timer.data = run;
	uv_timer_start(&run->timer, kf__tick, 200, 200);
	kf__start_next(run);
	uv_run(&run->loop, UV_RUN_DEFAULT);
	kf_probe_detach(&run->loop);
	run->stats.elapsed_s = kf__elapsed(&run->t0);
	if (stats)
		*stats = run->stats;
	r = kf__result(run, errstr, errstr_size);
out_free:
	uv_run(&run->loop, UV_RUN_DEFAULT);
	uv_loop_close(&run->loop);
	kf_load_ledger_destroy(run->ledger);
	free(run->running);
	free(run);
	return r;
}
