/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kferry send [options] PATH...
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

struct kf__failure {
	char *path;
	char *msg;
};

struct kf__send_ui {
	int json, progress;
	int tty_line; /* a progress line is on screen */
	struct kf__failure *failed;
	size_t nfailed, cap;
};

static void kf__on_file(void *opaque, const char *rel, const char *src,
			uint64_t size, int err, const char *msg)
{
	struct kf__send_ui *ui = opaque;
	const char *path = *src ? src : rel;

	(void)size;
	if (!err)
		return;
	kf_cli_clear_line(&ui->tty_line);
	/* no path: the message of a walking error names it */
	kf_log_user(1, "kferry: send failed: %s%s%s\n", path, *path ? ": " : "",
		    msg ? msg : kf_strerror(err));
	if (!ui->json)
		return;
	if (ui->nfailed == ui->cap) {
		size_t cap = ui->cap ? ui->cap * 2 : 16;
		struct kf__failure *f = realloc(ui->failed, cap * sizeof(*f));

		if (!f)
			return;
		ui->failed = f;
		ui->cap = cap;
	}
	ui->failed[ui->nfailed].path = strdup(path);
	ui->failed[ui->nfailed].msg = strdup(msg ? msg : kf_strerror(err));
	ui->nfailed++;
}

static void kf__on_progress(void *opaque, const kf_send_stats_t *st)
{
	struct kf__send_ui *ui = opaque;
	char done[32], total[32], rate[32], eta[32] = "--:--";
	double bps = st->elapsed_s > 0 ? st->bytes_sent / st->elapsed_s : 0;

	if (!ui->progress)
		return;
	kf_cli_human((double)st->bytes_sent, done, sizeof(done));
	kf_cli_human((double)st->bytes_total, total, sizeof(total));
	kf_cli_human(bps, rate, sizeof(rate));
	if (bps > 0 && st->bytes_total >= st->bytes_sent) {
		unsigned long s =
			(unsigned long)((st->bytes_total - st->bytes_sent) /
					bps);

		snprintf(eta, sizeof(eta), "%lu:%02lu", s / 60, s % 60);
	}
	fprintf(stderr, "\r\033[K%s / %s  %s/s  ETA %s  files %llu/%llu", done,
		total, rate, eta,
		(unsigned long long)(st->files_ok + st->files_failed),
		(unsigned long long)st->files_total);
	ui->tty_line = 1;
}

static void kf__print_json(const struct kf__send_ui *ui,
			   const kf_send_stats_t *st, int rc)
{
	size_t i;

	printf("{\"ok\":%s,\"files_total\":%llu,\"files_ok\":%llu,"
	       "\"files_failed\":%llu,\"bytes_total\":%llu,\"bytes_sent\":%llu,"
	       "\"wire_bytes\":%llu,\"messages\":%llu,\"seconds\":%.3f,"
	       "\"mib_per_s\":%.2f,\"failed\":[",
	       rc ? "false" : "true", (unsigned long long)st->files_total,
	       (unsigned long long)st->files_ok,
	       (unsigned long long)st->files_failed,
	       (unsigned long long)st->bytes_total,
	       (unsigned long long)st->bytes_sent,
	       (unsigned long long)st->wire_bytes,
	       (unsigned long long)st->messages, st->elapsed_s,
	       st->elapsed_s > 0 ? st->bytes_sent / st->elapsed_s / 1048576.0
				 : 0.0);
	for (i = 0; i < ui->nfailed; i++) {
		printf(i ? ",{\"path\":" : "{\"path\":");
		kf_json_write_string(stdout, ui->failed[i].path);
		printf(",\"error\":");
		kf_json_write_string(stdout, ui->failed[i].msg);
		printf("}");
	}
	printf("]}\n");
}

static void kf__print_summary(const kf_send_stats_t *st)
{
	char bytes[32], rate[32];

	kf_cli_human((double)st->bytes_sent, bytes, sizeof(bytes));
	kf_cli_human(st->elapsed_s > 0 ? st->bytes_sent / st->elapsed_s : 0,
		     rate, sizeof(rate));
	kf_log_user(
		0,
		"kferry: sent %llu of %llu files, %s in %.2f s (%s/s), %llu "
		"failed\n",
		(unsigned long long)st->files_ok,
		(unsigned long long)st->files_total, bytes, st->elapsed_s, rate,
		(unsigned long long)st->files_failed);
}

enum {
	KF__OPT_JSON = 2001,
	KF__OPT_PROGRESS,
	KF__OPT_NO_PROGRESS
};

const kf_cli_opt_t kf_cli_send_opts[] = {
	{KF__OPT_JSON, "json", NULL, NULL, NULL,
	 "print a JSON summary on stdout"},
	{KF__OPT_PROGRESS, "progress", NULL, NULL, NULL,
	 "show progress even when stderr is not a terminal"},
	{KF__OPT_NO_PROGRESS, "no-progress", NULL, NULL, NULL,
	 "never show progress"},
	{0},
};

static const char kf__send_usage[] =
	"usage: kferry send [options] PATH...\n"
	"Run 'kferry help send' for the options.\n";

static int kf__own_opt(int opt, const char *arg, void *opaque)
{
	struct kf__send_ui *ui = opaque;

	(void)arg;
	if (opt == KF__OPT_JSON)
		ui->json = 1;
	else if (opt == KF__OPT_PROGRESS)
		ui->progress = 1;
	else if (opt == KF__OPT_NO_PROGRESS)
		ui->progress = 0;
	else
		return -1;
	return 0;
}

int kf_cmd_send(int argc, char **argv)
{
	struct kf__send_ui ui = {0};
	kf_conf_t *conf = kf_conf_new();
	kf_send_stats_t st = {0};
	int log_json = 0, rc = KF_EXIT_USAGE, r;
	char err[1024];
	size_t i;

	if (!conf)
		return KF_EXIT_SETUP;
	ui.progress = isatty(STDERR_FILENO);
	r = kf_cli_start(
		conf, argc, argv, "send", kf_cli_send_opts, kf__own_opt, &ui,
		kf__send_usage,
		"nothing to send: give one or more files or directories",
		&log_json);
	if (r) {
		rc = r > 0 ? KF_EXIT_OK : KF_EXIT_USAGE;
		goto out;
	}
	/* a progress line is no JSON: every line on stderr must be */
	if (log_json)
		ui.progress = 0;
	r = kf_send(conf, (const char *const *)argv + optind,
		    (size_t)(argc - optind), kf__on_file, kf__on_progress, &ui,
		    &st, err, sizeof(err));
	kf_cli_clear_line(&ui.tty_line);
	rc = kf_cli_exit("send", r, err);
	if (ui.json)
		kf__print_json(&ui, &st, r);
	else
		kf__print_summary(&st);
out:
	for (i = 0; i < ui.nfailed; i++) {
		free(ui.failed[i].path);
		free(ui.failed[i].msg);
	}
	free(ui.failed);
	kf_conf_destroy(conf);
	return rc;
}
