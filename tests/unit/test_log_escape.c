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

static char errbuf[256];

/* What a forged ABORT reason carried in the review of the receiver: a
 * fake line, a journal priority, terminal escapes, and a C1 CSI. */
static const char hostile[] =
    "disk error\n2026-12-01T21:30:00.000Z info  recv: received "
    "'payroll.xlsx'\n<0>emerg recv: \x1b[2J\x1b[31mFORGED\r\x7f\xc2\x9b"
    "31m";

struct capture {
	char dir[PATH_MAX];
	char path[PATH_MAX];
	int fd, saved;
};

static int setup(void **state)
{
	struct capture *c = calloc(1, sizeof(*c));

	if (!c || kf_test_mkdtemp(c->dir, "log_escape"))
		return -1;
	kf_test_fmt(c->path, sizeof(c->path), "%s/stderr", c->dir);
	c->fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	c->saved = dup(STDERR_FILENO);
	if (c->fd < 0 || c->saved < 0)
		return -1;
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct capture *c = *state;

	unsetenv("JOURNAL_STREAM");
	close(c->fd);
	close(c->saved);
	kf_test_rmtree(c->dir);
	free(c);
	return 0;
}

/* Logs the hostile reason once; returns what was written (caller frees). */
static char *log_hostile(struct capture *c, int json)
{
	uint8_t *text;
	size_t n = 0;

	assert_int_equal(ftruncate(c->fd, 0), 0);
	assert_int_equal(lseek(c->fd, 0, SEEK_SET), 0);
	assert_int_equal(dup2(c->fd, STDERR_FILENO), STDERR_FILENO);
	EXPECT_OK(kf_log_setup(KF_LOG_INFO, "", json, errbuf, sizeof(errbuf)));
	kf_warn("recv", "'victim.txt': the sender gave up: %s", hostile);
	assert_int_equal(dup2(c->saved, STDERR_FILENO), STDERR_FILENO);
	text = kf_test_read_file(c->path, &n);
	assert_non_null(text);
	text[n] = '\0';
	return (char *)text;
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
				 (size_t)((const char *)p - text),
				 text);
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
	struct capture *c = *state;
	struct stat st;
	char v[64], *text;

	assert_int_equal(fstat(c->fd, &st), 0);
	kf_test_fmt(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
		    (unsigned long long)st.st_ino);
	assert_int_equal(setenv("JOURNAL_STREAM", v, 1), 0);
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
	expect_contains(text, "\"msg\":\"'victim.txt': the sender gave up: "
			      "disk error\\u000a2026-12-01T21:30:00.000Z info ");
	expect_contains(text, "\\u000a<0>emerg recv: \\u001b[2J\\u001b[31m"
			      "FORGED\\u000d\\u007f\\u009b31m\"}\n");
	free(text);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_text_one_escaped_line),
	    T(test_journal_one_escaped_line),
	    T(test_json_one_escaped_line),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
