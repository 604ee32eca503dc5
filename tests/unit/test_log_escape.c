/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/common/log.c with hostile text in a message: whatever
 * a caller quotes (an ABORT reason, a host name, a broker's message), one
 * call writes exactly one line, with no raw control character, in the
 * text format (plain and journal) and in JSON.
 *
 * Each test points stderr at a scratch file under $KF_TEST_TMP, logs, puts
 * stderr back and reads what was written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/log.h"
#include "kf_test.h"
#include "kf_test_capture.h"

/* What a forged ABORT reason carried in the review of the receiver: a
 * fake line, a journal priority, terminal escapes, and a C1 CSI. */
static const char hostile[] =
	"disk error\n2026-12-01T21:30:00.000Z info  recv: received "
	"'payroll.xlsx'\n<0>emerg recv: \x1b[2J\x1b[31mFORGED\r\x7f\xc2\x9b"
	"31m";

static int setup(void **state)
{
	return kf_test_capture_setup(state, "log_escape");
}

/* Logs the hostile reason once; returns what was written (caller frees). */
static char *log_hostile(struct kf_test_capture *c, int json)
{
	kf_test_capture_begin(c, json);
	kf_warn("recv", "'victim.txt': the sender gave up: %s", hostile);
	return kf_test_capture_end(c);
}

/* One line, ending in its only newline, without a control byte. */
static void expect_one_clean_line(const char *text)
{
	const unsigned char *p = (const unsigned char *)text, *end;
	size_t n = strlen(text);

	assert_true(n > 0);
	if (strchr(text, '\n') != text + n - 1)
		fail_msg("more than one line:\n%s", text);
	for (end = p + n - 1; p < end; p++)
		if (*p < 0x20 || *p == 0x7f ||
		    (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			fail_msg("control byte 0x%02x at %zu in \"%s\"", *p,
				 (size_t)((const char *)p - text), text);
}

static void expect_contains(const char *text, const char *needle)
{
	if (!strstr(text, needle))
		fail_msg("\"%s\" does not contain \"%s\"", text, needle);
}

static void test_text_one_escaped_line(void **state)
{
	char *text = log_hostile(*state, 0);

	expect_one_clean_line(text);
	expect_contains(text, " warn  recv: 'victim.txt': the sender gave up: "
			      "disk error\\n2026-12-01T21:30:00.000Z info ");
	expect_contains(text, "\\n<0>emerg recv: \\x1b[2J\\x1b[31mFORGED"
			      "\\x0d\\x7f\\xc2\\x9b31m\n");
	free(text);
}

static void test_journal_one_escaped_line(void **state)
{
	struct kf_test_capture *c = *state;
	char *text;

	kf_test_capture_as_journal(c);
	text = log_hostile(c, 0);
	expect_one_clean_line(text);
	/* the one priority is ours, the forged one stays inside the text */
	assert_memory_equal(text, "<4>warn  recv: ", 15);
	expect_contains(text, "\\n<0>emerg recv: \\x1b[2J");
	free(text);
}

static void test_json_one_escaped_line(void **state)
{
	char *text = log_hostile(*state, 1);

	expect_one_clean_line(text);
	expect_contains(text,
			"\"msg\":\"'victim.txt': the sender gave up: "
			"disk error\\u000a2026-12-01T21:30:00.000Z info ");
	expect_contains(text, "\\u000a<0>emerg recv: \\u001b[2J\\u001b[31m"
			      "FORGED\\u000d\\u007f\\u009b31m\"}\n");
	free(text);
}

int main(void)
{
#define T(name)                                                                \
	cmocka_unit_test_setup_teardown(name, setup, kf_test_capture_teardown)
	const struct CMUnitTest tests[] = {
		T(test_text_one_escaped_line),
		T(test_journal_one_escaped_line),
		T(test_json_one_escaped_line),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
