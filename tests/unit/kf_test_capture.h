/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A fixture shared by the unit tests of src/common/log.c: stderr pointed
 * at a scratch file under $KF_TEST_TMP while a test logs, then put back,
 * and what was written read back.
 *
 * Include after <cmocka.h> and kf_test.h. Each test file passes
 * kf_test_capture_setup (through a setup of its own that names the
 * scratch directory) and kf_test_capture_teardown to cmocka.
 */
#ifndef KF_TEST_CAPTURE_H
#define KF_TEST_CAPTURE_H

#include "common/log.h"

struct kf_test_capture {
	char dir[PATH_MAX];
	char path[PATH_MAX];
	int fd;	   /* the scratch file */
	int saved; /* the real stderr */
};

/* Makes $KF_TEST_TMP/<prefix>.XXXXXX/stderr and keeps a copy of the real
 * stderr; *state is the capture. Returns 0, or -1 for cmocka. */
static inline int kf_test_capture_setup(void **state, const char *prefix)
{
	struct kf_test_capture *c = calloc(1, sizeof(*c));

	if (!c || kf_test_mkdtemp(c->dir, prefix))
		return -1;
	kf_test_fmt(c->path, sizeof(c->path), "%s/stderr", c->dir);
	c->fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	c->saved = dup(STDERR_FILENO);
	if (c->fd < 0 || c->saved < 0)
		return -1;
	*state = c;
	return 0;
}

static inline int kf_test_capture_teardown(void **state)
{
	struct kf_test_capture *c = *state;

	unsetenv("JOURNAL_STREAM");
	close(c->fd);
	close(c->saved);
	kf_test_rmtree(c->dir);
	free(c);
	return 0;
}

/* Sets JOURNAL_STREAM to the scratch file's "DEVICE:INODE", as systemd
 * does when stderr is the journal. */
static inline void kf_test_capture_as_journal(const struct kf_test_capture *c)
{
	struct stat st;
	char v[64];

	assert_int_equal(fstat(c->fd, &st), 0);
	kf_test_fmt(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
		    (unsigned long long)st.st_ino);
	assert_int_equal(setenv("JOURNAL_STREAM", v, 1), 0);
}

/* Empties the scratch file, points stderr at it and sets up logging at
 * level info (JSON lines if json); the test then logs. */
static inline void kf_test_capture_begin(struct kf_test_capture *c, int json)
{
	char err[256];

	assert_int_equal(ftruncate(c->fd, 0), 0);
	assert_int_equal(lseek(c->fd, 0, SEEK_SET), 0);
	assert_int_equal(dup2(c->fd, STDERR_FILENO), STDERR_FILENO);
	if (kf_log_setup(KF_LOG_INFO, "", json, err, sizeof(err)))
		fail_msg("kf_log_setup: %s", err);
}

/* Puts stderr back and returns what was logged since
 * kf_test_capture_begin, NUL-terminated (the caller frees). */
static inline char *kf_test_capture_end(struct kf_test_capture *c)
{
	uint8_t *text;
	size_t n = 0;

	assert_int_equal(dup2(c->saved, STDERR_FILENO), STDERR_FILENO);
	text = kf_test_read_file(c->path, &n);
	assert_non_null(text);
	text[n] = '\0'; /* the buffer has room for it */
	return (char *)text;
}

#endif /* KF_TEST_CAPTURE_H */
