/*
 * kferry keygen --type x25519|ed25519 --out FILE
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int kf_cmd_keygen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"type", required_argument, NULL, 'T'},
		{"out", required_argument, NULL, 'O'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *type = NULL, *out = NULL;
	char err[1024], id[33];
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (opt == 'h')
			return kf_cmd_help(2, (char *[]){"help", "keygen", NULL});
		if (opt == 'T')
			type = optarg;
		else if (opt == 'O')
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
