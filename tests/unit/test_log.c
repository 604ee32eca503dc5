/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/common/log.c: the text line with and without the
 * systemd journal on stderr, the JSON line, and level filtering.
 *
 * Each test points stderr at a scratch file under $KF_TEST_TMP, logs, puts
 * stderr back and reads what was written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <regex.h>

#include "common/log.h"
#include "kf_test.h"
#include "kf_test_capture.h"

static int setup(void **state)
{
	return kf_test_capture_setup(state, "log");
}

/* Sets up logging with stderr on the scratch file, writes an error, a
 * warning and a (filtered) debug line, and returns what was written; the
 * caller frees it. */
static char *log_three(struct kf_test_capture *c, int json)
{
	kf_test_capture_begin(c, json);
	kf_err("test", "disk %s is full", "/srv");
	kf_warn("kafka", "broker %d down", 2);
	kf_dbg(KF_DBG_ALL, "test", "never written");
	return kf_test_capture_end(c);
}

static void assert_matches(const char *text, const char *pattern)
{
	regex_t re;
	int r;

	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	r = regexec(&re, text, 0, NULL, 0);
	regfree(&re);
	if (r)
		fail_msg("\"%s\" does not match /%s/", text, pattern);
}

static void test_journal_gets_priority_without_timestamp(void **state)
{
	struct kf_test_capture *c = *state;
	char *text;

	kf_test_capture_as_journal(c);
	text = log_three(c, 0);
	assert_string_equal(text, "<3>error test: disk /srv is full\n"
				  "<4>warn  kafka: broker 2 down\n");
	free(text);
}

#define TS "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"

static void test_plain_stderr_gets_timestamp(void **state)
{
	char *text = log_three(*state, 0);

	assert_matches(text, "^" TS " error test: disk /srv is full\n" TS
			     " warn  kafka: broker 2 down\n$");
	free(text);
}

/* A daemon's child that inherited JOURNAL_STREAM but writes to a file. */
static void test_journal_stream_of_another_file_is_ignored(void **state)
{
	struct kf_test_capture *c = *state;
	char *text;
	struct stat st;
	char v[64];

	assert_int_equal(fstat(c->fd, &st), 0);
	kf_test_fmt(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
		    (unsigned long long)st.st_ino + 1);
	assert_int_equal(setenv("JOURNAL_STREAM", v, 1), 0);
	text = log_three(c, 0);
	assert_matches(text, "^" TS " error test: disk /srv is full\n");
	free(text);
	assert_int_equal(setenv("JOURNAL_STREAM", "garbage", 1), 0);
	text = log_three(c, 0);
	assert_matches(text, "^" TS " error test: disk /srv is full\n");
	free(text);
}

/* JSON lines carry their own level and timestamp, journal or not. */
static void test_json_unchanged_in_journal(void **state)
{
	struct kf_test_capture *c = *state;
	char *text;

	kf_test_capture_as_journal(c);
	text = log_three(c, 1);
	assert_matches(text, "^\\{\"ts\":\"" TS "\",\"level\":\"error\","
			     "\"ctx\":\"test\",\"msg\":\"disk /srv is "
			     "full\"\\}\n\\{\"ts\":\"" TS "\",\"level\":"
			     "\"warn\",\"ctx\":\"kafka\",\"msg\":\"broker 2 "
			     "down\"\\}\n$");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_journal_gets_priority_without_timestamp, setup,
			kf_test_capture_teardown),
		cmocka_unit_test_setup_teardown(
			test_plain_stderr_gets_timestamp, setup,
			kf_test_capture_teardown),
		cmocka_unit_test_setup_teardown(
			test_journal_stream_of_another_file_is_ignored, setup,
			kf_test_capture_teardown),
		cmocka_unit_test_setup_teardown(test_json_unchanged_in_journal,
						setup,
						kf_test_capture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
