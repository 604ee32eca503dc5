/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kferry keygen --type x25519|ed25519 --out FILE
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

enum {
	KF__OPT_TYPE = 5001,
	KF__OPT_OUT
};

/* Long options only, and no common ones: keygen talks to no broker. Its
 * help (help.c) describes the two key types in prose. */
static const kf_cli_opt_t kf__keygen_opts[] = {
	{KF__OPT_TYPE, "type", "T", NULL, NULL, NULL},
	{KF__OPT_OUT, "out", "FILE", NULL, NULL, NULL},
	{'h', "help", NULL, NULL, NULL, NULL},
	{0},
};

int kf_cmd_keygen(int argc, char **argv)
{
	const kf_cli_opt_t *o;
	kf_cli_parser_t p;
	const char *type = NULL, *out = NULL;
	char err[1024], id[33];
	int opt;

	kf_cli_parser_init(&p, NULL, kf__keygen_opts, "");
	optind = 1;
	while ((opt = kf_cli_getopt(&p, argc, argv, &o)) != -1) {
		if (opt == 'h')
			return kf_cmd_help(2,
					   (char *[]){"help", "keygen", NULL});
		if (opt == KF__OPT_TYPE)
			type = optarg;
		else if (opt == KF__OPT_OUT)
			out = optarg;
		else
			goto usage;
	}
	if (optind != argc || !type || !out)
		goto usage;
	if (kf_keygen(type, out, id, err, sizeof(err))) {
		fprintf(stderr, "kferry keygen: %s\n", err);
		return KF_EXIT_FAILED;
	}
	printf("%s (private, mode 0600)\n%s.pub (public)\nkey id %s\n", out,
	       out, id);
	return KF_EXIT_OK;

usage:
	fputs("usage: kferry keygen --type x25519|ed25519 --out FILE\n",
	      stderr);
	return KF_EXIT_USAGE;
}
