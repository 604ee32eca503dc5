/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Throughput of the CSV reader (src/record/csv.c) on a generated CSV of
 * 1 million rows (or argv[1]) held in memory, fed in 64 KiB chunks, next
 * to a reference measured in the same run over the same buffer: counting
 * its lines with memchr, the floor of any reader that looks at each line.
 * Prints MB/s, rows/s and the ratio; asserts nothing.
 *
 *   cmake --build build --target csv_parse && build/csv_parse [ROWS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "record/csv.h"

#define CHUNK (64 * 1024)
#define REPEAT 3

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Rows like a settlement export: numbers, a date, text, now and then a
 * quoted field with a delimiter and a doubled quote. */
static char *generate(size_t rows, size_t *len)
{
	size_t cap = rows * 96 + 64, n = 0, i;
	char *b = malloc(cap);

	if (!b)
		return NULL;
	n += (size_t)sprintf(b, "id,account,amount,date,memo\n");
	for (i = 0; i < rows; i++)
		n += (size_t)snprintf(
			b + n, cap - n,
			i % 10 ? "%zu,110-%06zu-01,%zu.%02zu,2024-01-%02zu,"
				 "transfer %zu\n"
			       : "%zu,110-%06zu-01,%zu.%02zu,2024-01-%02zu,"
				 "\"rent, \"\"flat\"\" %zu\"\n",
			i, i % 999999, i * 7 % 100000, i % 100, i % 28 + 1, i);
	*len = n;
	return b;
}

static int count_row(const kf_csv_record_t *r, void *opaque)
{
	(*(size_t *)opaque) += r->nfields == 5;
	return 0;
}

static double parse(const char *b, size_t len, size_t *rows)
{
	kf_csv_opts_t o;
	kf_csv_t *p;
	char err[128];
	double t0;
	size_t i;

	kf_csv_opts_init(&o);
	o.dialect.header = 1;
	*rows = 0;
	p = kf_csv_new(&o, count_row, NULL, rows, err, sizeof(err));
	if (!p)
		return -1;
	t0 = now();
	for (i = 0; i < len; i += CHUNK)
		kf_csv_feed(p, b + i, len - i < CHUNK ? len - i : CHUNK);
	kf_csv_finish(p);
	t0 = now() - t0;
	kf_csv_destroy(p);
	return t0;
}

static double count_lines(const char *b, size_t len, size_t *lines)
{
	const char *p = b, *end = b + len;
	double t0 = now();

	*lines = 0;
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		(*lines)++;
		p++;
	}
	return now() - t0;
}

int main(int argc, char **argv)
{
	size_t rows = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
	size_t len, got = 0, lines = 0, r;
	double t, best_parse = 1e9, best_ref = 1e9, mb;
	char *b = generate(rows, &len);

	if (!b)
		return 1;
	for (r = 0; r < REPEAT; r++) {
		t = parse(b, len, &got);
		if (t < 0)
			return 1;
		best_parse = t < best_parse ? t : best_parse;
		t = count_lines(b, len, &lines);
		best_ref = t < best_ref ? t : best_ref;
	}
	mb = (double)len / 1e6;
	printf("input          %zu rows, %.1f MB (best of %d)\n", rows, mb,
	       REPEAT);
	printf("kf_csv         %8.0f MB/s %12.0f rows/s (%zu rows)\n",
	       mb / best_parse, (double)got / best_parse, got);
	printf("memchr lines   %8.0f MB/s %12.0f rows/s (%zu lines)\n",
	       mb / best_ref, (double)lines / best_ref, lines);
	printf("ratio          %.3f of the reference\n", best_ref / best_parse);
	free(b);
	return got == rows ? 0 : 1;
}
