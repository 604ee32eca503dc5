/* SPDX-License-Identifier: Apache-2.0 */
/*
 * From a configuration and a command line to the load engine's options
 * (api/loadopts.h): the load.* keys as the engine reads them, the schema
 * file with the command line's overrides, and what cannot be run refused
 * with a message that says what to do (the transfer topic, no schema,
 * rejects without a dead letter topic, a hash mask without a salt).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "api/loadopts.h"
#include "kf_test.h"

static char errbuf[512];

struct fix {
	kf_conf_t *conf;
	char dir[PATH_MAX], schema[PATH_MAX + 16];
};

static void set(kf_conf_t *conf, const char *k, const char *v)
{
	if (kf_conf_set(conf, k, v, errbuf, sizeof(errbuf)))
		fail_msg("%s=%s: %s", k, v, errbuf);
}

static const char kf__schema[] = "[schema]\n"
				 "format_version = 1\n"
				 "name = t.rows\n"
				 "format = csv\n"
				 "key = id\n"
				 "[column.id]\n"
				 "type = int64\n"
				 "required = true\n"
				 "[column.card]\n"
				 "type = text\n";

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->conf = kf_conf_new();
	assert_int_equal(kf_test_mkdtemp(f->dir, "loadopts"), 0);
	kf_test_fmt(f->schema, sizeof(f->schema), "%s/t.schema", f->dir);
	assert_int_equal(kf_test_write_file(f->schema, kf__schema,
					    strlen(kf__schema), 0644),
			 0);
	set(f->conf, "topic", "rows");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	kf_conf_destroy(f->conf);
	kf_test_rmtree(f->dir);
	free(f);
	return 0;
}

static void test_from_conf(void **state)
{
	struct fix *f = *state;
	kf_load_args_t args = {.schema = f->schema, .force = 1};
	kf_api_load_t a;

	set(f->conf, "load.dead_letter_topic", "rows.dlq");
	set(f->conf, "load.max_rejects", "5%");
	set(f->conf, "load.transaction_timeout", "120");
	set(f->conf, "load.compression", "zstd");
	set(f->conf, "load.max_files_parallel", "3");
	set(f->conf, "load.mask_salt", "pepper");
	EXPECT_OK(kf_api_load_opts(f->conf, &args, &a, errbuf, sizeof(errbuf)));
	assert_string_equal(a.o.topic, "rows");
	assert_string_equal(a.o.ledger_topic, "kferry.loads");
	assert_string_equal(a.o.dead_letter_topic, "rows.dlq");
	assert_int_equal(a.o.max_rejects, 5);
	assert_int_equal(a.o.max_rejects_pct, 1);
	assert_int_equal(a.o.transaction_timeout_s, 120);
	assert_int_equal(a.o.connect_timeout_s, 30);
	assert_string_equal(a.o.compression, "zstd");
	assert_int_equal(a.o.max_files_parallel, 3);
	assert_int_equal(a.o.max_inflight_bytes, 64 << 20);
	assert_int_equal(a.o.force, 1);
	assert_int_equal(a.o.mask_salt_len, 6);
	assert_memory_equal(a.o.mask_salt, "pepper", 6);
	assert_string_equal(a.o.txn_id_prefix, "kferry-load");
	assert_non_null(a.o.reader);
	assert_non_null(a.o.schema);
	assert_string_equal(a.o.schema->name, "t.rows");
	assert_int_equal(a.o.schema->nkey, 1);
	kf_api_load_free(&a);
}

static void test_overrides(void **state)
{
	struct fix *f = *state;
	kf_load_args_t args = {.schema = f->schema,
			       .key = "",
			       .delimiter = "tab",
			       .no_header = 1};
	kf_api_load_t a;

	EXPECT_OK(kf_api_load_opts(f->conf, &args, &a, errbuf, sizeof(errbuf)));
	assert_int_equal(a.o.schema->nkey, 0);
	assert_int_equal(a.o.schema->csv.delim, '\t');
	assert_int_equal(a.o.schema->csv.header, 0);
	kf_api_load_free(&a);
	/* load.schema when --schema is not given */
	set(f->conf, "load.schema", f->schema);
	args = (kf_load_args_t){0};
	EXPECT_OK(kf_api_load_opts(f->conf, &args, &a, errbuf, sizeof(errbuf)));
	assert_string_equal(a.o.schema->name, "t.rows");
	kf_api_load_free(&a);
}

static void test_refused(void **state)
{
	struct fix *f = *state;
	kf_load_args_t args = {.schema = f->schema};
	kf_load_args_t none = {0};
	kf_api_load_t a;

	/* no schema: each file's is sniffed */
	EXPECT_OK(kf_api_load_opts(f->conf, &none, &a, errbuf, sizeof(errbuf)));
	assert_null(a.o.schema);
	assert_non_null(a.o.sniff);
	assert_int_equal(a.o.sniff_bytes, 64 << 10);
	kf_api_load_free(&a);
	args.format = "xml";
	assert_int_equal(
		kf_api_load_opts(f->conf, &args, &a, errbuf, sizeof(errbuf)),
		KF_EINVAL);
	kf_api_load_free(&a);
	args.format = NULL;
	set(f->conf, "load.max_rejects", "10");
	EXPECT_ERR(kf_api_load_opts(f->conf, &args, &a, errbuf, sizeof(errbuf)),
		   KF_EINVAL, "needs load.dead_letter_topic");
	kf_api_load_free(&a);
	set(f->conf, "load.max_rejects", "0");
	set(f->conf, "topic", "kferry.files");
	EXPECT_ERR(kf_api_load_opts(f->conf, &args, &a, errbuf, sizeof(errbuf)),
		   KF_EINVAL, "give -t TOPIC");
	kf_api_load_free(&a);
}

static void test_hash_needs_salt(void **state)
{
	struct fix *f = *state;
	static const char text[] = "[schema]\n"
				   "format_version = 1\n"
				   "format = csv\n"
				   "[column.rrn]\n"
				   "type = text\n"
				   "mask = hash\n";
	kf_load_args_t args = {.schema = f->schema};
	kf_api_load_t a;

	assert_int_equal(
		kf_test_write_file(f->schema, text, strlen(text), 0644), 0);
	EXPECT_ERR(kf_api_load_opts(f->conf, &args, &a, errbuf, sizeof(errbuf)),
		   KF_EINVAL, "column rrn masks by hash: set load.mask_salt");
	kf_api_load_free(&a);
	set(f->conf, "load.mask_salt", "pepper");
	EXPECT_OK(kf_api_load_opts(f->conf, &args, &a, errbuf, sizeof(errbuf)));
	kf_api_load_free(&a);
}

/* The schema of a CSV loaded without one, as --print-schema writes it,
 * with the command line's key (required) over it. */
static void test_print_schema(void **state)
{
	struct fix *f = *state;
	static const char csv[] = "id,amount,day\n1,12.50,2026-12-01\n"
				  "2,3.25,2026-12-02\n";
	kf_load_args_t args = {.key = "id"};
	char path[PATH_MAX + 16], *text = NULL;
	size_t len = 0;
	FILE *out;

	kf_test_fmt(path, sizeof(path), "%s/day.csv", f->dir);
	assert_int_equal(kf_test_write_file(path, csv, strlen(csv), 0644), 0);
	out = open_memstream(&text, &len);
	assert_non_null(out);
	EXPECT_OK(kf_load_print_schema(f->conf, &args, path, out, errbuf,
				       sizeof(errbuf)));
	fclose(out);
	assert_non_null(strstr(text, "format = csv"));
	assert_non_null(strstr(text, "key = id"));
	assert_non_null(strstr(text, "[column.id]\ntype = int64\nrequired = "
				     "true\n"));
	assert_non_null(strstr(text, "[column.amount]\ntype = decimal("));
	assert_non_null(strstr(text, "[column.day]\ntype = date\n"));
	free(text);
	/* JSON lines need a schema */
	kf_test_fmt(path, sizeof(path), "%s/day.jsonl", f->dir);
	assert_int_equal(kf_test_write_file(path, "{}\n", 3, 0644), 0);
	out = open_memstream(&text, &len);
	EXPECT_ERR(kf_load_print_schema(f->conf, &args, path, out, errbuf,
					sizeof(errbuf)),
		   KF_EINVAL, "only CSV files are loaded without a schema");
	fclose(out);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_from_conf, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_overrides, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hash_needs_salt, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_print_schema, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
