/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for src/record/schema.c, src/record/sniff.c and the
 * tokenizer of src/common/ini.c.
 *
 * An input that starts with 'C' (or 'c') is a CSV sample for the sniffer
 * (the whole file, or with 'c' a cut one); anything else is a schema
 * file. Neither may crash, and whatever reads must write a schema file
 * that reads back and writes the same text again (kf_schema_write is
 * the inverse of the loader on what the loader accepts).
 *
 * Seeds: tests/fuzz/corpus/schema/ (the samples of config/, a CSV).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/schema.h"
#include "record/sniff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *written(const kf_schema_t *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	if (!m || kf_schema_write(s, m) || fclose(m))
		abort();
	return text;
}

static void round_trip(const kf_schema_t *s)
{
	char *first = written(s), *second;
	kf_schema_t *back = NULL;
	char err[1024];

	if (kf_schema_parse(first, strlen(first), "w.schema", &back, err,
			    sizeof(err))) {
		fprintf(stderr, "written schema refused: %s\n%s\n", err, first);
		abort();
	}
	second = written(back);
	if (strcmp(first, second)) {
		fprintf(stderr, "not the same:\n%s\n---\n%s\n", first, second);
		abort();
	}
	free(first);
	free(second);
	kf_schema_free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kf_schema_t *s = NULL;
	char err[1024];
	int rc;

	if (size && (data[0] == 'C' || data[0] == 'c'))
		rc = kf_schema_sniff(data + 1, size - 1, data[0] == 'C',
				     "fuzz.csv", &s, err, sizeof(err));
	else
		rc = kf_schema_parse((const char *)data, size, "fuzz.schema",
				     &s, err, sizeof(err));
	if (!rc)
		round_trip(s);
	kf_schema_free(s);
	return 0;
}
