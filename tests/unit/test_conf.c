/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the configuration module (src/config/conf.c): defaults,
 * every type's parsing and errors, the kafka.* pass-through, the INI file
 * loader, and that the shipped sample and docs/config.md match the table.
 *
 * Environment: KF_TEST_TMP, a scratch directory (created if missing;
 * /tmp when unset); KF_SOURCE_DIR, the source tree, for the tests of
 * config/kferry.conf and docs/config.md (skipped when unset).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "config/conf.h"
#include "recv/assembler.h"

static char tmpdir[PATH_MAX];

/* Every key of the table, for the checks of the sample file and the
 * reference: a key added to the table must be added here too. */
static const char *const all_keys[] = {
	"bootstrap",
	"topic",
	"chunk_size",
	"compression",
	"log_level",
	"debug",
	"workers",
	"connect_timeout",
	"send.max_inflight_bytes",
	"send.max_inflight_files",
	"send.linger_ms",
	"send.delivery_timeout_ms",
	"send.encrypt_recipients",
	"send.sign_key",
	"receive.decrypt_keys",
	"receive.trusted_signers",
	"receive.dest",
	"receive.group",
	"receive.on_conflict",
	"receive.abandon_timeout",
	"receive.max_file_size",
	"receive.max_open_transfers",
	"receive.max_inflight_bytes",
	"receive.idle_exit",
	"receive.fsync",
	"receive.quarantine_max",
	"receive.quarantine_max_age",
	"watch.state_dir",
	"watch.rescan_seconds",
	"watch.max_inflight_files",
	"watch.drain_seconds",
	"metrics.addr",
	"metrics.stats_interval_ms",
	"audit.topic",
	"load.schema",
	"load.ledger_topic",
	"load.dead_letter_topic",
	"load.max_rejects",
	"load.reject_sample",
	"load.transactional_id_prefix",
	"load.transaction_timeout",
	"load.max_files_parallel",
	"load.decimal_format",
	"load.mask_salt",
	"load.mask_text",
	"load.max_inflight_bytes",
	"load.linger_ms",
	"load.compression",
	"load.sniff_bytes",
	"load.value_format",
	"load.key_format",
	"schema.registry.url",
	"schema.registry.username",
	"schema.registry.password",
	"schema.registry.ca_location",
	"schema.registry.certificate_location",
	"schema.registry.key_location",
	"schema.registry.key_password",
	"schema.registry.timeout_ms",
	"schema.registry.subject_strategy",
	"schema.registry.compatibility",
	"route.NAME.dir",
	"route.NAME.topic",
	"route.NAME.include",
	"route.NAME.exclude",
	"route.NAME.recursive",
	"route.NAME.finished",
	"route.NAME.stable_seconds",
	"route.NAME.marker_suffixes",
	"route.NAME.temp_suffixes",
	"route.NAME.after",
	"route.NAME.error_dir",
	"route.NAME.retries",
	"route.NAME.retry_backoff",
	"route.NAME.encrypt_recipients",
	"route.NAME.sign_key",
};

#define NKEYS (sizeof(all_keys) / sizeof(all_keys[0]))

/* ---------------------------------------------------------------------
 * Helpers.
 */

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	char *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -1;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0755) && errno != EEXIST ? -1 : 0;
}

static int group_setup(void **state)
{
	const char *base = getenv("KF_TEST_TMP");

	(void)state;
	if (!base || !*base)
		base = "/tmp";
	if (mkdir_p(base))
		return -1;
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_conf.XXXXXX", base);
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

static int conf_setup(void **state)
{
	*state = kf_conf_new();
	return *state ? 0 : -1;
}

static int conf_teardown(void **state)
{
	kf_conf_destroy(*state);
	return 0;
}

static void tmp_path(char *buf, size_t size, const char *name)
{
	assert_true(snprintf(buf, size, "%s/%s", tmpdir, name) < (int)size);
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Reads a whole file; the caller frees it. NULL if it cannot be opened. */
static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *data;
	long len;

	if (!f)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len >= 0);
	rewind(f);
	data = malloc((size_t)len + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)len, f), (size_t)len);
	data[len] = '\0';
	fclose(f);
	return data;
}

/* Loads len bytes of text as a file named "t.conf"; the error message, if
 * any, goes to err. path receives the file's name. */
static int load_bytes(kf_conf_t *conf, const char *text, size_t len, char *path,
		      size_t path_size, char *err, size_t err_size)
{
	int rc;

	tmp_path(path, path_size, "t.conf");
	write_file(path, text, len);
	err[0] = '\0';
	rc = kf_conf_load_file(conf, path, err, err_size);
	assert_int_equal(unlink(path), 0);
	return rc;
}

static int load_text(kf_conf_t *conf, const char *text, char *path,
		     size_t path_size, char *err, size_t err_size)
{
	return load_bytes(conf, text, strlen(text), path, path_size, err,
			  err_size);
}

/* Loads text that must load cleanly. */
static void load_ok(kf_conf_t *conf, const char *text)
{
	char path[PATH_MAX], err[512];

	if (load_text(conf, text, path, sizeof(path), err, sizeof(err)))
		fail_msg("loading failed: %s\n--- file:\n%s", err, text);
}

/* Loads text that must fail with "t.conf-path:" + expect. */
static void load_fails(const char *text, const char *expect)
{
	kf_conf_t *conf = kf_conf_new();
	char path[PATH_MAX], err[512], want[PATH_MAX + 512];

	assert_non_null(conf);
	assert_int_equal(
		load_text(conf, text, path, sizeof(path), err, sizeof(err)),
		KF_EINVAL);
	snprintf(want, sizeof(want), "%s:%s", path, expect);
	assert_string_equal(err, want);
	kf_conf_destroy(conf);
}

static void set_ok(kf_conf_t *conf, const char *key, const char *value)
{
	char err[512] = "";

	if (kf_conf_set(conf, key, value, err, sizeof(err)))
		fail_msg("%s = %s: %s", key, value, err);
}

/* Setting key = value must fail with rc and exactly the message expect. */
static void set_fails(kf_conf_t *conf, const char *key, const char *value,
		      int rc, const char *expect)
{
	char err[512] = "";

	assert_int_equal(kf_conf_set(conf, key, value, err, sizeof(err)), rc);
	assert_string_equal(err, expect);
}

static uint64_t size_of(const char *s)
{
	uint64_t v = 0;

	if (kf_conf_parse_size(s, &v))
		fail_msg("\"%s\" did not parse as a size", s);
	return v;
}

static const char *prop(const kf_conf_t *conf, const char *name)
{
	size_t i;

	for (i = 0; i < conf->nprops; i++)
		if (!strcmp(conf->props[i].name, name))
			return conf->props[i].value;
	return NULL;
}

/* Checks every field against the documented defaults. */
static void assert_defaults(const kf_conf_t *c)
{
	assert_string_equal(c->bootstrap, "127.0.0.1:9092");
	assert_string_equal(c->topic, "kferry.files");
	assert_int_equal(c->chunk_size, 1 << 20);
	assert_int_equal(c->codec, KF_CODEC_ZSTD);
	assert_int_equal(c->codec_level, 1);
	assert_int_equal(c->log_level, KF_LOG_INFO);
	assert_null(c->debug);
	assert_int_equal(c->workers, 0);
	assert_int_equal(c->connect_timeout_s, 30);
	assert_int_equal(c->send_max_inflight_bytes, 32 << 20);
	assert_int_equal(c->send_max_inflight_files, 8);
	assert_int_equal(c->send_linger_ms, 5);
	assert_int_equal(c->send_delivery_timeout_ms, 300000);
	assert_null(c->dest);
	assert_string_equal(c->group, "kferry-receive");
	assert_int_equal(c->on_conflict, KF_CONFLICT_FAIL);
	assert_int_equal(c->abandon_timeout_s, 900);
	assert_int_equal(c->max_file_size, (uint64_t)1 << 40);
	assert_int_equal(c->max_open_transfers, 1024);
	assert_int_equal(c->recv_max_inflight_bytes, 16 << 20);
	assert_int_equal(c->idle_exit_s, 0);
	assert_int_equal(c->fsync, 1);
	assert_int_equal(c->quarantine_max, 10000);
	assert_int_equal(c->quarantine_max_age_s, 0);
	assert_string_equal(c->state_dir, "/var/lib/kferry");
	assert_int_equal(c->rescan_s, 30);
	assert_int_equal(c->watch_max_inflight_files, 16);
	assert_int_equal(c->drain_s, 60);
	assert_null(c->load_schema);
	assert_string_equal(c->load_ledger_topic, "kferry.loads");
	assert_string_equal(c->load_max_rejects, "0");
	assert_int_equal(c->load_reject_sample, 100);
	assert_string_equal(c->load_txn_id_prefix, "kferry-load");
	assert_int_equal(c->load_transaction_timeout_s, 300);
	assert_int_equal(c->load_max_files_parallel, 2);
	assert_int_equal(c->load_decimal_numeric, 0);
	assert_string_equal(c->load_mask_text, "***");
	assert_int_equal(c->load_max_inflight_bytes, 64 << 20);
	assert_int_equal(c->load_linger_ms, 20);
	assert_int_equal(c->load_compression, KF_LOAD_COMPRESSION_LZ4);
	assert_int_equal(c->load_sniff_bytes, 64 << 10);
	assert_int_equal(c->load_value_format, 0);
	assert_int_equal(c->load_key_format, KF_CONF_KEY_FORMAT_VALUE);
	assert_true(!c->registry_url || !*c->registry_url);
	assert_int_equal(c->registry_timeout_ms, 10000);
	assert_int_equal(c->registry_record_subjects, 0);
	assert_string_equal(c->registry_compatibility, "BACKWARD");
}

/* Runs kf_conf_describe into a string; the caller frees it. */
static char *describe(enum kf_conf_doc format)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	kf_conf_describe(f, format);
	assert_int_equal(fclose(f), 0);
	return text;
}

/* Joins KF_SOURCE_DIR and rel, or skips the test when it is not set. */
static void source_path(char *buf, size_t size, const char *rel)
{
	const char *dir = getenv("KF_SOURCE_DIR");

	if (!dir || !*dir) {
		print_message("KF_SOURCE_DIR is not set: skipping the check "
			      "of %s\n",
			      rel);
		skip();
	}
	assert_true(snprintf(buf, size, "%s/%s", dir, rel) < (int)size);
}

/* ---------------------------------------------------------------------
 * Defaults and life cycle.
 */

static void test_defaults(void **state)
{
	assert_defaults(*state);
	assert_int_equal(((kf_conf_t *)*state)->nprops, 0);
}

static void test_destroy_null(void **state)
{
	(void)state;
	kf_conf_destroy(NULL);
}

static void test_null_arguments(void **state)
{
	char err[128];

	assert_int_equal(kf_conf_set(NULL, "topic", "x", err, sizeof(err)),
			 KF_EINVAL);
	assert_int_equal(kf_conf_set(*state, NULL, "x", err, sizeof(err)),
			 KF_EINVAL);
	assert_int_equal(kf_conf_set(*state, "topic", NULL, NULL, 0),
			 KF_EINVAL);
}

/* ---------------------------------------------------------------------
 * Each type.
 */

static void test_string(void **state)
{
	kf_conf_t *conf = *state;
	char long_topic[251];

	set_ok(conf, "topic", "a");
	set_ok(conf, "topic", "other.topic"); /* the old value is freed */
	assert_string_equal(conf->topic, "other.topic");
	set_fails(conf, "topic", "", KF_EINVAL,
		  "topic: value must not be empty");
	memset(long_topic, 't', 249);
	long_topic[249] = '\0';
	set_ok(conf, "topic", long_topic);
	long_topic[249] = 't';
	long_topic[250] = '\0';
	set_fails(conf, "topic", long_topic, KF_EINVAL,
		  "topic: value is too long (at most 249 bytes)");
	assert_int_equal(strlen(conf->topic), 249);
	set_fails(conf, "receive.group", "", KF_EINVAL,
		  "receive.group: value must not be empty");
}

/* Optional strings: "" unsets them again. */
static void test_string_optional(void **state)
{
	kf_conf_t *conf = *state;

	set_ok(conf, "receive.dest", "/srv/in");
	assert_string_equal(conf->dest, "/srv/in");
	set_ok(conf, "receive.dest", "");
	assert_null(conf->dest);
	set_ok(conf, "debug", "send,kafka");
	assert_string_equal(conf->debug, "send,kafka");
	set_ok(conf, "debug", "");
	assert_null(conf->debug);
}

static void test_int(void **state)
{
	kf_conf_t *conf = *state;

	set_ok(conf, "workers", "64");
	assert_int_equal(conf->workers, 64);
	set_ok(conf, "workers", "0");
	assert_int_equal(conf->workers, 0);
	set_fails(conf, "workers", "65", KF_EINVAL,
		  "workers: 65 is out of range (0 .. 64)");
	set_fails(conf, "workers", "-1", KF_EINVAL,
		  "workers: -1 is out of range (0 .. 64)");
	set_fails(conf, "workers", "abc", KF_EINVAL,
		  "workers: invalid value \"abc\" (expected an integer in "
		  "0 .. 64)");
	assert_int_equal(conf->workers, 0);
}

static void test_int_bad_numbers(void **state)
{
	static const char *const bad[] = {
		"",
		" 4",
		"4 ",
		"+4",
		"4x",
		"1e3",
		"0x10",
		"4.0",
		"-",
		"99999999999999999999",
		"-99999999999999999999",
	};
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(kf_conf_set(*state, "workers", bad[i], err,
					     sizeof(err)),
				 KF_EINVAL);
		assert_non_null(strstr(err, "invalid value"));
	}
}

static void test_int_limits(void **state)
{
	kf_conf_t *conf = *state;

	set_ok(conf, "send.delivery_timeout_ms", "2147483647");
	assert_int_equal(conf->send_delivery_timeout_ms, 2147483647);
	set_fails(conf, "send.delivery_timeout_ms", "2147483648", KF_EINVAL,
		  "send.delivery_timeout_ms: 2147483648 is out of range "
		  "(1000 .. 2147483647)");
	set_fails(conf, "send.delivery_timeout_ms", "999", KF_EINVAL,
		  "send.delivery_timeout_ms: 999 is out of range "
		  "(1000 .. 2147483647)");
	set_ok(conf, "receive.abandon_timeout", "604800");
	set_fails(conf, "receive.abandon_timeout", "0", KF_EINVAL,
		  "receive.abandon_timeout: 0 is out of range (1 .. 604800)");
	set_ok(conf, "receive.idle_exit", "86400");
	assert_int_equal(conf->idle_exit_s, 86400);
	set_ok(conf, "send.max_inflight_files", "1024");
	set_ok(conf, "send.linger_ms", "0");
	set_ok(conf, "receive.max_open_transfers", "1000000");
	set_fails(conf, "receive.max_open_transfers", "1000001", KF_EINVAL,
		  "receive.max_open_transfers: 1000001 is out of range "
		  "(1 .. 1000000)");
}

static void test_bool(void **state)
{
	static const struct {
		const char *word;
		int value;
	} words[] = {
		{"true", 1}, {"false", 0}, {"yes", 1}, {"no", 0},
		{"on", 1},   {"off", 0},   {"1", 1},   {"0", 0},
		{"TRUE", 1}, {"No", 0},	   {"oFF", 0},
	};
	kf_conf_t *conf = *state;
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		set_ok(conf, "receive.fsync", words[i].word);
		assert_int_equal(conf->fsync, words[i].value);
	}
	set_fails(conf, "receive.fsync", "maybe", KF_EINVAL,
		  "receive.fsync: invalid value \"maybe\" (expected true, "
		  "false, yes, no, on, off, 1 or 0)");
	set_fails(conf, "receive.fsync", "", KF_EINVAL,
		  "receive.fsync: invalid value \"\" (expected true, false, "
		  "yes, no, on, off, 1 or 0)");
}

static void test_enum_log_level(void **state)
{
	kf_conf_t *conf = *state;

	set_ok(conf, "log_level", "error");
	assert_int_equal(conf->log_level, KF_LOG_ERR);
	set_ok(conf, "log_level", "warn");
	assert_int_equal(conf->log_level, KF_LOG_WARN);
	set_ok(conf, "log_level", "DEBUG");
	assert_int_equal(conf->log_level, KF_LOG_DEBUG);
	set_ok(conf, "log_level", "info");
	assert_int_equal(conf->log_level, KF_LOG_INFO);
	set_fails(conf, "log_level", "verbose", KF_EINVAL,
		  "log_level: invalid value \"verbose\" (expected error, "
		  "warn, info or debug)");
	set_fails(conf, "log_level", "infos", KF_EINVAL,
		  "log_level: invalid value \"infos\" (expected error, warn, "
		  "info or debug)");
}

static void test_enum_on_conflict(void **state)
{
	kf_conf_t *conf = *state;

	set_ok(conf, "receive.on_conflict", "overwrite");
	assert_int_equal(conf->on_conflict, KF_CONFLICT_OVERWRITE);
	set_ok(conf, "receive.on_conflict", "rename");
	assert_int_equal(conf->on_conflict, KF_CONFLICT_RENAME);
	set_ok(conf, "receive.on_conflict", "fail");
	assert_int_equal(conf->on_conflict, KF_CONFLICT_FAIL);
	set_fails(conf, "receive.on_conflict", "replace", KF_EINVAL,
		  "receive.on_conflict: invalid value \"replace\" (expected "
		  "fail, overwrite or rename)");
}

static void test_codec(void **state)
{
	static const struct {
		const char *value;
		int codec, level;
	} good[] = {
		{"none", KF_CODEC_NONE, 0},   {"zstd", KF_CODEC_ZSTD, 3},
		{"zstd:1", KF_CODEC_ZSTD, 1}, {"zstd:19", KF_CODEC_ZSTD, 19},
		{"ZSTD:7", KF_CODEC_ZSTD, 7}, {"None", KF_CODEC_NONE, 0},
	};
	static const char *const bad[] = {
		"zstd:0",  "zstd:20",  "zstd:",	 "zstd:x", "zstd:-1",
		"zstd:+3", "zstd:3:4", "none:1", "none:",  "lz4",
		"",	   "zst",      "zstd1",
	};
	kf_conf_t *conf = *state;
	char err[256], want[256];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		set_ok(conf, "compression", good[i].value);
		assert_int_equal(conf->codec, good[i].codec);
		assert_int_equal(conf->codec_level, good[i].level);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(want, sizeof(want),
			 "compression: invalid value \"%s\" (expected none or "
			 "zstd[:LEVEL], LEVEL 1 .. 19)",
			 bad[i]);
		assert_int_equal(kf_conf_set(conf, "compression", bad[i], err,
					     sizeof(err)),
				 KF_EINVAL);
		assert_string_equal(err, want);
	}
	/* a rejected value changes nothing */
	assert_int_equal(conf->codec, KF_CODEC_NONE);
	assert_int_equal(conf->codec_level, 0);
}

/* ---------------------------------------------------------------------
 * Sizes.
 */

static void test_size_suffixes(void **state)
{
	static const struct {
		const char *s;
		uint64_t v;
	} cases[] = {
		{"0", 0},
		{"4096", 4096},
		{"1K", 1024},
		{"1k", 1024},
		{"1KB", 1024},
		{"1kb", 1024},
		{"1KiB", 1024},
		{"1kib", 1024},
		{"1KIB", 1024},
		{"64K", 65536},
		{"3M", 3 << 20},
		{"3MB", 3 << 20},
		{"3MiB", 3 << 20},
		{"3mib", 3 << 20},
		{"2G", (uint64_t)2 << 30},
		{"2GB", (uint64_t)2 << 30},
		{"2GiB", (uint64_t)2 << 30},
		{"5T", (uint64_t)5 << 40},
		{"5TB", (uint64_t)5 << 40},
		{"5TiB", (uint64_t)5 << 40},
		{"1 MiB", 1 << 20},
		{"1\tM", 1 << 20},
		{"007", 7},
		{"18446744073709551615", UINT64_MAX},
		{"16777215T", (uint64_t)16777215 << 40},
		{"17179869183G", (uint64_t)17179869183 << 30},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(size_of(cases[i].s), cases[i].v);
}

static void test_size_errors(void **state)
{
	static const char *const bad[] = {
		"",
		"-1",
		"+1",
		" 1",
		"K",
		"1.5M",
		"1,5M",
		"1X",
		"1KiBx",
		"1Ki",
		"1KBB",
		"1 K B",
		"1P",
		"0x10",
		"1B",
		"1 ",
		"18446744073709551616",	    /* 2^64 */
		"16777216T",		    /* 2^64 */
		"17179869184G",		    /* 2^64 */
		"99999999999999999999999K", /* strtoull overflow */
	};
	uint64_t v = 42;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (kf_conf_parse_size(bad[i], &v) != KF_EINVAL)
			fail_msg("\"%s\" parsed as a size", bad[i]);
	assert_int_equal(v, 42); /* untouched on error */
	assert_int_equal(kf_conf_parse_size(NULL, &v), KF_EINVAL);
}

static void test_size_keys(void **state)
{
	kf_conf_t *conf = *state;

	set_ok(conf, "chunk_size", "64MiB");
	assert_int_equal(conf->chunk_size, 64 << 20);
	set_ok(conf, "chunk_size", "4096");
	assert_int_equal(conf->chunk_size, 4096);
	set_fails(conf, "chunk_size", "4095", KF_EINVAL,
		  "chunk_size: 4095 is out of range (4KiB .. 64MiB)");
	set_fails(conf, "chunk_size", "65537K", KF_EINVAL,
		  "chunk_size: 65537K is out of range (4KiB .. 64MiB)");
	set_fails(conf, "chunk_size", "12X", KF_EINVAL,
		  "chunk_size: invalid value \"12X\" (expected a size in "
		  "4KiB .. 64MiB, e.g. 65536, 64K or 1MiB)");
	set_ok(conf, "send.max_inflight_bytes", "4GiB");
	assert_int_equal(conf->send_max_inflight_bytes, (uint64_t)4 << 30);
	set_fails(conf, "send.max_inflight_bytes", "4097M", KF_EINVAL,
		  "send.max_inflight_bytes: 4097M is out of range "
		  "(1MiB .. 4GiB)");
	set_fails(conf, "receive.max_inflight_bytes", "1023K", KF_EINVAL,
		  "receive.max_inflight_bytes: 1023K is out of range "
		  "(1MiB .. 4GiB)");
	set_ok(conf, "receive.max_file_size", "0");
	assert_int_equal(conf->max_file_size, 0);
	set_ok(conf, "receive.max_file_size", "4194304TiB"); /* 2^62 */
	assert_int_equal(conf->max_file_size, (uint64_t)1 << 62);
	set_fails(conf, "receive.max_file_size", "4611686018427387905",
		  KF_EINVAL,
		  "receive.max_file_size: 4611686018427387905 is out of range "
		  "(0 .. 4194304TiB)");
	set_fails(conf, "receive.max_file_size", "-1", KF_EINVAL,
		  "receive.max_file_size: invalid value \"-1\" (expected a "
		  "size in 0 .. 4194304TiB, e.g. 65536, 64K or 1MiB)");
}

/* ---------------------------------------------------------------------
 * Unknown keys and the kafka.* pass-through.
 */

static void test_unknown_key_suggestion(void **state)
{
	kf_conf_t *conf = *state;

	set_fails(conf, "chunksize", "1M", KF_EINVAL,
		  "chunksize: unknown key (did you mean chunk_size?)");
	set_fails(conf, "recieve.dest", "/x", KF_EINVAL,
		  "recieve.dest: unknown key (did you mean receive.dest?)");
	set_fails(conf, "dest", "/x", KF_EINVAL,
		  "dest: unknown key (did you mean receive.dest?)");
	set_fails(conf, "topc", "x", KF_EINVAL,
		  "topc: unknown key (did you mean topic?)");
	set_fails(conf, "Workers", "1", KF_EINVAL,
		  "Workers: unknown key (did you mean workers?)");
	set_fails(conf, "send.linger", "1", KF_EINVAL,
		  "send.linger: unknown key (did you mean send.linger_ms?)");
}

static void test_unknown_key_no_suggestion(void **state)
{
	static const char *const far[] = {
		"x", "ssl.ca.location", "receive", "send.", "zzzzzzzzzz",
	};
	char err[256], want[256];
	size_t i;

	for (i = 0; i < sizeof(far) / sizeof(far[0]); i++) {
		snprintf(want, sizeof(want),
			 "%s: unknown key (see `kferry help config`; "
			 "librdkafka properties take the \"kafka.\" prefix)",
			 far[i]);
		assert_int_equal(
			kf_conf_set(*state, far[i], "1", err, sizeof(err)),
			KF_EINVAL);
		assert_string_equal(err, want);
	}
}

static void test_unknown_key_long(void **state)
{
	char key[1024], err[2048];

	memset(key, 'a', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	assert_int_equal(kf_conf_set(*state, key, "1", err, sizeof(err)),
			 KF_EINVAL);
	assert_non_null(strstr(err, ": unknown key (see"));
}

static void test_kafka_passthrough(void **state)
{
	kf_conf_t *conf = *state;

	set_ok(conf, "kafka.security.protocol", "SSL");
	set_ok(conf, "kafka.socket.keepalive.enable", "true");
	set_ok(conf, "kafka.client.id", "");
	assert_int_equal(conf->nprops, 3);
	set_ok(conf, "kafka.security.protocol", "SASL_SSL");
	assert_int_equal(conf->nprops, 3);
	/* replaced in place: the first setting's position is kept */
	assert_string_equal(conf->props[0].name, "security.protocol");
	assert_string_equal(conf->props[0].value, "SASL_SSL");
	assert_string_equal(conf->props[1].name, "socket.keepalive.enable");
	assert_string_equal(conf->props[2].value, "");
	/* kafka.* never touches kferry's own keys */
	set_ok(conf, "kafka.topic", "elsewhere");
	assert_string_equal(conf->topic, "kferry.files");
	assert_string_equal(prop(conf, "topic"), "elsewhere");
	set_fails(conf, "kafka.", "x", KF_EINVAL,
		  "kafka.: missing librdkafka property name after \"kafka.\"");
	assert_int_equal(conf->nprops, 4);
}

/* ---------------------------------------------------------------------
 * The file loader.
 */

static void test_file_sections(void **state)
{
	kf_conf_t *conf = *state;

	load_ok(conf, "# kferry test\n"
		      "topic = t1\n"
		      "receive.group = g0\n"
		      "\n"
		      "[send]\n"
		      "linger_ms = 20\n"
		      "max_inflight_files=3\n"
		      "[receive]\n"
		      "dest = /srv/in\n"
		      "group = g1\n"
		      "on_conflict = rename\n"
		      "fsync = off\n"
		      "[ kafka ]\n"
		      "socket.keepalive.enable = true\n"
		      "security.protocol = SSL\n"
		      "[receive]\n"
		      "idle_exit = 60\n");
	assert_string_equal(conf->topic, "t1");
	assert_int_equal(conf->send_linger_ms, 20);
	assert_int_equal(conf->send_max_inflight_files, 3);
	assert_string_equal(conf->dest, "/srv/in");
	assert_string_equal(conf->group, "g1");
	assert_int_equal(conf->on_conflict, KF_CONFLICT_RENAME);
	assert_int_equal(conf->fsync, 0);
	assert_int_equal(conf->idle_exit_s, 60);
	assert_int_equal(conf->nprops, 2);
	assert_string_equal(prop(conf, "socket.keepalive.enable"), "true");
	assert_string_equal(prop(conf, "security.protocol"), "SSL");
}

static void test_file_comments_and_whitespace(void **state)
{
	kf_conf_t *conf = *state;

	load_ok(conf, "; semicolon comment\n"
		      "   # indented comment\n"
		      "\t\n"
		      "   topic\t=   spaced.topic   \n"
		      "bootstrap = a:1,b:2 # trailing comment\n"
		      "receive.group = g#1;x\n"
		      "receive.dest = /a b ; trailing\n"
		      "debug = send\t# tab then comment\n"
		      "[receive] # comment after a header\n"
		      "on_conflict = overwrite ;comment\n");
	assert_string_equal(conf->topic, "spaced.topic");
	assert_string_equal(conf->bootstrap, "a:1,b:2");
	assert_string_equal(conf->group, "g#1;x");
	assert_string_equal(conf->dest, "/a b");
	assert_string_equal(conf->debug, "send");
	assert_int_equal(conf->on_conflict, KF_CONFLICT_OVERWRITE);
}

static void test_file_comment_glued_to_value(void **state)
{
	char path[PATH_MAX], err[512];

	/* ';' not after whitespace is part of the value */
	assert_int_equal(load_text(*state,
				   "[receive]\non_conflict = rename;x\n", path,
				   sizeof(path), err, sizeof(err)),
			 KF_EINVAL);
	assert_non_null(strstr(err, ":2: receive.on_conflict: invalid value "
				    "\"rename;x\""));
}

static void test_file_quotes(void **state)
{
	kf_conf_t *conf = *state;

	load_ok(conf, "topic = \"quoted\"\n"
		      "receive.dest = \"  /with spaces # and ; kept  \"\n"
		      "bootstrap = \"a\\\"b\\\\c\\nd\"   # comment\n"
		      "kafka.client.id = \"\"\n"
		      "debug = \"\"\n"
		      "receive.group = \"x=y\";comment\n");
	assert_string_equal(conf->topic, "quoted");
	assert_string_equal(conf->dest, "  /with spaces # and ; kept  ");
	assert_string_equal(conf->bootstrap, "a\"b\\c\nd");
	assert_string_equal(prop(conf, "client.id"), "");
	assert_null(conf->debug);
	assert_string_equal(conf->group, "x=y");
}

static void test_file_crlf_and_bom(void **state)
{
	static const char text[] = "\xef\xbb\xbftopic = bom\r\n"
				   "receive.dest = \"/q\"\r\n"
				   "[send]\r\n"
				   "linger_ms = 7\r\n";
	kf_conf_t *conf = *state;
	char path[PATH_MAX], err[512];

	assert_int_equal(load_bytes(conf, text, sizeof(text) - 1, path,
				    sizeof(path), err, sizeof(err)),
			 0);
	assert_string_equal(conf->topic, "bom");
	assert_int_equal(conf->send_linger_ms, 7);
	assert_string_equal(conf->dest, "/q");
}

static void test_file_later_wins(void **state)
{
	kf_conf_t *conf = *state;

	load_ok(conf, "workers = 2\n"
		      "[kafka]\n"
		      "client.id = a\n"
		      "socket.keepalive.enable = true\n"
		      "client.id = b\n"
		      "[send]\n"
		      "linger_ms = 1\n"
		      "linger_ms = 9\n");
	assert_int_equal(conf->workers, 2);
	assert_int_equal(conf->send_linger_ms, 9);
	assert_int_equal(conf->nprops, 2);
	assert_string_equal(conf->props[0].name, "client.id");
	assert_string_equal(conf->props[0].value, "b");
	/* command-line options come after the file and win */
	set_ok(conf, "send.linger_ms", "3");
	assert_int_equal(conf->send_linger_ms, 3);
}

static void test_file_empty(void **state)
{
	kf_conf_t *conf = *state;

	load_ok(conf, "");
	load_ok(conf, "\n\n# only comments\n");
	assert_defaults(conf);
}

static void test_file_value_error(void **state)
{
	(void)state;
	load_fails("# line 1\n"
		   "[receive]\n"
		   "on_conflict = replace\n",
		   "3: receive.on_conflict: invalid value \"replace\" "
		   "(expected fail, overwrite or rename)");
	load_fails("chunk_size = 1K\n",
		   "1: chunk_size: 1K is out of range (4KiB .. 64MiB)");
	load_fails("[send]\nmax_inflight_files = many\n",
		   "2: send.max_inflight_files: invalid value \"many\" "
		   "(expected an integer in 1 .. 1024)");
}

static void test_file_unknown_key(void **state)
{
	(void)state;
	load_fails("[receive]\ndst = /x\n",
		   "2: receive.dst: unknown key (did you mean receive.dest?)");
	load_fails("[recieve]\ndest = /x\n",
		   "2: recieve.dest: unknown key (did you mean receive.dest?)");
	load_fails("[receive]\nreceive.dest = /x\n",
		   "2: receive.receive.dest: unknown key (did you mean "
		   "receive.dest?)");
}

static void test_file_syntax_errors(void **state)
{
	static const struct {
		const char *text, *expect;
	} cases[] = {
		{"topic\n",
		 "1: expected \"key = value\", \"[section]\" or a comment"},
		{"\n[receive\n", "2: expected \"[section]\""},
		{"[receive] dest = /x\n", "1: expected \"[section]\""},
		{"[]\n", "1: invalid section name \"\" (use letters, digits, "
			 "'.', '_' and '-')"},
		{"[a b]\n", "1: invalid section name \"a b\" (use letters, "
			    "digits, '.', '_' and '-')"},
		{"= x\n", "1: invalid key name \"\" (use letters, digits, "
			  "'.', '_' and '-')"},
		{"my key = x\n", "1: invalid key name \"my key\" (use "
				 "letters, digits, '.', '_' and '-')"},
		{"topic = \"open\n", "1: topic: missing closing quote"},
		{"topic = \"ends in backslash\\\n",
		 "1: topic: missing closing quote"},
		{"topic = \"a\\tb\"\n",
		 "1: topic: unknown escape \"\\t\" in quoted value (use \\\", "
		 "\\\\ or \\n)"},
		{"[receive]\ndest = \"a\" b\n",
		 "2: receive.dest: unexpected text after the closing quote"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		load_fails(cases[i].text, cases[i].expect);
}

static void test_file_nul_byte(void **state)
{
	static const char text[] = "topic = a\0b\n";
	char path[PATH_MAX], err[512], want[PATH_MAX + 64];

	assert_int_equal(load_bytes(*state, text, sizeof(text) - 1, path,
				    sizeof(path), err, sizeof(err)),
			 KF_EINVAL);
	snprintf(want, sizeof(want), "%s:1: line contains a NUL byte", path);
	assert_string_equal(err, want);
}

static void test_file_long_key(void **state)
{
	char text[600], path[PATH_MAX], err[1024];

	memset(text, 'k', 300);
	strcpy(text + 300, " = 1\n");
	assert_int_equal(
		load_text(*state, text, path, sizeof(path), err, sizeof(err)),
		KF_EINVAL);
	assert_non_null(strstr(err, ":1: invalid key name \"kkk"));
	strcpy(text, "[send]\n");
	memset(text + 7, 'k', 252); /* "send." + 252 > 255 bytes */
	strcpy(text + 259, " = 1\n");
	assert_int_equal(
		load_text(*state, text, path, sizeof(path), err, sizeof(err)),
		KF_EINVAL);
	assert_non_null(strstr(err, ":2: send.kkk"));
	assert_non_null(strstr(err, "k: key name too long"));
}

static void test_file_missing(void **state)
{
	char path[PATH_MAX], err[PATH_MAX + 128], want[PATH_MAX + 128];

	tmp_path(path, sizeof(path), "does-not-exist.conf");
	assert_int_equal(kf_conf_load_file(*state, path, err, sizeof(err)),
			 KF_EIO);
	snprintf(want, sizeof(want), "%s: cannot open: %s", path,
		 strerror(ENOENT));
	assert_string_equal(err, want);
}

static void test_file_is_directory(void **state)
{
	char err[PATH_MAX + 128], want[PATH_MAX + 128];

	assert_int_equal(kf_conf_load_file(*state, tmpdir, err, sizeof(err)),
			 KF_EIO);
	snprintf(want, sizeof(want), "%s: cannot read: %s", tmpdir,
		 strerror(EISDIR));
	assert_string_equal(err, want);
}

/* ---------------------------------------------------------------------
 * The reference and the shipped files.
 */

static void test_describe_lists_every_key(void **state)
{
	char *md = describe(KF_CONF_DOC_MARKDOWN);
	char *plain = describe(KF_CONF_DOC_TEXT);
	char *man = describe(KF_CONF_DOC_MAN), needle[128];
	size_t i;

	(void)state;
	for (i = 0; i < NKEYS; i++) {
		snprintf(needle, sizeof(needle), "| `%s` |", all_keys[i]);
		if (!strstr(md, needle))
			fail_msg("markdown reference lacks %s", all_keys[i]);
		snprintf(needle, sizeof(needle), "\n%s  ", all_keys[i]);
		if (!strstr(plain, needle))
			fail_msg("plain reference lacks %s", all_keys[i]);
		snprintf(needle, sizeof(needle), "\n.TP\n\\fB%s\\fR (",
			 all_keys[i]);
		if (!strstr(man, needle))
			fail_msg("manual page lacks %s", all_keys[i]);
	}
	assert_non_null(strstr(md, "## File format"));
	assert_non_null(strstr(md, "## librdkafka properties"));
	assert_non_null(strstr(md, "## Where settings come from"));
	assert_non_null(strstr(md, "| `receive.on_conflict` | enum | `fail` | "
				   "fail, overwrite or rename |"));
	assert_non_null(strstr(plain, "\nchunk_size  size; 4KiB .. 64MiB; "
				      "default 1MiB\n"));
	assert_non_null(strstr(man, "\n.SH FILE FORMAT\n"));
	assert_non_null(strstr(man, "\n.SS [receive] section\n"));
	assert_non_null(strstr(man, "\n.TP\n\\fBreceive.on_conflict\\fR "
				    "(enum; fail, overwrite or rename; "
				    "default \\fBfail\\fR)\n"));
	free(md);
	free(plain);
	free(man);
}

/* A committed file that must equal the reference in the given format. */
static void assert_generated(const char *rel, enum kf_conf_doc format,
			     const char *option)
{
	char path[PATH_MAX];
	char *doc, *generated;

	source_path(path, sizeof(path), rel);
	doc = read_file(path);
	if (!doc)
		fail_msg("cannot read %s", path);
	generated = describe(format);
	if (strcmp(doc, generated))
		fail_msg("%s is out of date: regenerate it with `kferry help "
			 "config %s > %s`",
			 path, option, rel);
	free(doc);
	free(generated);
}

/* docs/config.md is the output of `kferry help config --markdown`. */
static void test_docs_up_to_date(void **state)
{
	(void)state;
	assert_generated("docs/config.md", KF_CONF_DOC_MARKDOWN, "--markdown");
}

/* The kferry.conf(5) page is the output of `kferry help config --man`. */
static void test_man_page_up_to_date(void **state)
{
	(void)state;
	assert_generated("packaging/man/kferry.conf.5", KF_CONF_DOC_MAN,
			 "--man");
}

static void test_sample_loads(void **state)
{
	char path[PATH_MAX], err[PATH_MAX + 512];

	source_path(path, sizeof(path), "config/kferry.conf");
	if (kf_conf_load_file(*state, path, err, sizeof(err)))
		fail_msg("%s", err);
	/* every setting in the sample is commented out */
	assert_defaults(*state);
	assert_int_equal(((kf_conf_t *)*state)->nprops, 0);
}

/* The sample comments settings out as "#key = value" (prose is "# ..."):
 * uncommented, every one must load, and give the defaults. */
static void test_sample_documents_defaults(void **state)
{
	kf_conf_t *conf = *state;
	char path[PATH_MAX], needle[128];
	char *text, *line, *p;
	size_t i;

	source_path(path, sizeof(path), "config/kferry.conf");
	text = read_file(path);
	if (!text)
		fail_msg("cannot read %s", path);
	for (i = 0; i < NKEYS; i++) {
		const char *dot = strrchr(all_keys[i], '.');

		snprintf(needle, sizeof(needle),
			 "\n#%s =", dot ? dot + 1 : all_keys[i]);
		if (!strstr(text, needle))
			fail_msg("config/kferry.conf lacks \"%s\"", needle + 1);
	}
	for (line = text; line; line = p ? p + 1 : NULL) {
		p = strchr(line, '\n');
		if (line[0] == '#' && line[1] >= 'a' && line[1] <= 'z')
			line[0] = ' ';
	}
	load_ok(conf, text);
	free(text);
	/* the one key without a default has an example path */
	assert_non_null(conf->dest);
	set_ok(conf, "receive.dest", "");
	assert_defaults(conf);
}

/* ---------------------------------------------------------------------
 * Routes: route.NAME.KEY, created with defaults by their first key.
 */

static void test_route_defaults_and_values(void **state)
{
	kf_conf_t *conf = *state;
	const struct kf_conf_route *r;

	load_ok(conf, "[route.in-a.b]\ndir = /srv/in\nfinished = marker\n"
		      "after = move:/srv/sent/%Y\n[route.z]\nretries = 0\n");
	assert_int_equal(conf->nroutes, 2);
	r = &conf->routes[0];
	assert_string_equal(r->name, "in-a.b");
	assert_string_equal(r->dir, "/srv/in");
	assert_null(r->topic);
	assert_null(r->include);
	assert_int_equal(r->recursive, 1);
	assert_int_equal(r->finished, KF_FINISHED_MARKER);
	assert_int_equal(r->stable_seconds, 5);
	assert_string_equal(r->marker_suffixes, ".done,.ok");
	assert_string_equal(r->temp_suffixes, ".tmp,.part");
	assert_string_equal(r->after, "move:/srv/sent/%Y");
	assert_int_equal(r->retries, 5);
	assert_int_equal(r->retry_backoff_s, 10);
	r = &conf->routes[1];
	assert_string_equal(r->name, "z");
	assert_null(r->dir);
	assert_int_equal(r->retries, 0);
	assert_string_equal(r->after, "delete");
}

static void test_route_errors(void **state)
{
	set_fails(*state, "route.a.after", "move:", KF_EINVAL,
		  "route.a.after: invalid value \"move:\" (expected delete, "
		  "keep or move:DIR, where DIR may hold strftime fields such "
		  "as %Y-%m-%d)");
	set_fails(*state, "route.a.finished", "soon", KF_EINVAL,
		  "route.a.finished: invalid value \"soon\" (expected "
		  "stable, marker or rename)");
	set_fails(*state, "route.a.retries", "-1", KF_EINVAL,
		  "route.a.retries: -1 is out of range (0 .. 1000000)");
	set_fails(*state, "route.a.dirr", "/x", KF_EINVAL,
		  "route.a.dirr: unknown route key (did you mean dir?)");
	set_fails(*state, "route.dir", "/x", KF_EINVAL,
		  "route.dir: expected route.NAME.KEY (a [route.NAME] "
		  "section)");
	load_fails("[route.x]\nstable_seconds = 0\n",
		   "2: route.x.stable_seconds: 0 is out of range (1 .. "
		   "86400)");
}

/* load.max_rejects: rows or a percentage, parsed the same way by the
 * check and by kf_conf_parse_rejects. */
static void test_load_max_rejects(void **state)
{
	kf_conf_t *conf = *state;
	uint64_t n;
	int pct;
	char err[256];

	set_ok(conf, "load.max_rejects", "12");
	assert_int_equal(kf_conf_parse_rejects(conf->load_max_rejects, &n, &pct,
					       err, sizeof(err)),
			 0);
	assert_int_equal(n, 12);
	assert_int_equal(pct, 0);
	set_ok(conf, "load.max_rejects", "5%");
	assert_int_equal(kf_conf_parse_rejects(conf->load_max_rejects, &n, &pct,
					       err, sizeof(err)),
			 0);
	assert_int_equal(n, 5);
	assert_int_equal(pct, 1);
	set_fails(conf, "load.max_rejects", "0.5%", KF_EINVAL,
		  "invalid value \"0.5%\" (expected a "
		  "number of rows such as 10, or a whole percentage of the "
		  "rows read such as 5%)");
	set_fails(conf, "load.max_rejects", "101%", KF_EINVAL,
		  "invalid value \"101%\" (a percentage is "
		  "0% .. 100%)");
	set_fails(conf, "load.max_rejects", "%", KF_EINVAL,
		  "invalid value \"%\" (expected a number "
		  "of rows such as 10, or a whole percentage of the rows read "
		  "such as 5%)");
	set_ok(conf, "load.compression", "zstd");
	assert_int_equal(conf->load_compression, KF_LOAD_COMPRESSION_ZSTD);
	assert_string_equal(kf_conf_load_compression(conf->load_compression),
			    "zstd");
}

#define CONF_TEST(f)                                                           \
	cmocka_unit_test_setup_teardown(f, conf_setup, conf_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CONF_TEST(test_defaults),
		CONF_TEST(test_route_defaults_and_values),
		CONF_TEST(test_route_errors),
		CONF_TEST(test_destroy_null),
		CONF_TEST(test_null_arguments),
		CONF_TEST(test_string),
		CONF_TEST(test_string_optional),
		CONF_TEST(test_int),
		CONF_TEST(test_int_bad_numbers),
		CONF_TEST(test_int_limits),
		CONF_TEST(test_bool),
		CONF_TEST(test_enum_log_level),
		CONF_TEST(test_enum_on_conflict),
		CONF_TEST(test_load_max_rejects),
		CONF_TEST(test_codec),
		CONF_TEST(test_size_suffixes),
		CONF_TEST(test_size_errors),
		CONF_TEST(test_size_keys),
		CONF_TEST(test_unknown_key_suggestion),
		CONF_TEST(test_unknown_key_no_suggestion),
		CONF_TEST(test_unknown_key_long),
		CONF_TEST(test_kafka_passthrough),
		CONF_TEST(test_file_sections),
		CONF_TEST(test_file_comments_and_whitespace),
		CONF_TEST(test_file_comment_glued_to_value),
		CONF_TEST(test_file_quotes),
		CONF_TEST(test_file_crlf_and_bom),
		CONF_TEST(test_file_later_wins),
		CONF_TEST(test_file_empty),
		CONF_TEST(test_file_value_error),
		CONF_TEST(test_file_unknown_key),
		CONF_TEST(test_file_syntax_errors),
		CONF_TEST(test_file_nul_byte),
		CONF_TEST(test_file_long_key),
		CONF_TEST(test_file_missing),
		CONF_TEST(test_file_is_directory),
		CONF_TEST(test_describe_lists_every_key),
		CONF_TEST(test_docs_up_to_date),
		CONF_TEST(test_man_page_up_to_date),
		CONF_TEST(test_sample_loads),
		CONF_TEST(test_sample_documents_defaults),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
