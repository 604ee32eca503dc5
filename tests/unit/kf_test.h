/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the unit tests (tests/unit/test_*.c): assertions on an
 * error code and its message, scratch directories under $KF_TEST_TMP, small
 * file helpers and a deterministic byte generator.
 *
 * Include after <cmocka.h>. EXPECT_ERR and EXPECT_OK read the test file's
 * own `errbuf` (a char array the checked calls fill), so each file defines
 * `static char errbuf[...]` before using them.
 *
 * Everything here is static inline: each test file is its own executable
 * and uses what it needs.
 */
#ifndef KF_TEST_H
#define KF_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Checks the code and that the message says what is wrong. */
#define EXPECT_ERR(call, code, needle)                                         \
	do {                                                                   \
		errbuf[0] = '\0';                                              \
		assert_int_equal((call), (code));                              \
		if (!strstr(errbuf, (needle)))                                 \
			fail_msg("error \"%s\" does not mention \"%s\"",       \
				 errbuf, (needle));                            \
	} while (0)

#define EXPECT_OK(call)                                                        \
	do {                                                                   \
		errbuf[0] = '\0';                                              \
		if ((call) != 0)                                               \
			fail_msg("unexpected error: %s", errbuf);              \
	} while (0)

/* snprintf that fails the test instead of truncating (paths built from
 * $KF_TEST_TMP can be long). Main thread only: it may call fail_msg. */
static inline __attribute__((format(printf, 3, 4))) void
kf_test_fmt(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, cap, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap)
		fail_msg("kf_test_fmt: \"%s\" does not fit in %zu bytes", fmt,
			 cap);
}

/* mkdir -p; returns 0 or -1 with errno. */
static inline int kf_test_mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t i, n = strlen(path);

	if (n == 0 || n >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -1;
		buf[i] = path[i];
	}
	return 0;
}

/* Creates a fresh directory $KF_TEST_TMP/<prefix>.XXXXXX (/tmp when the
 * variable is unset; the base is created if missing) and writes its
 * absolute path into out. Returns 0 or -1 with errno. */
static inline int kf_test_mkdtemp(char out[PATH_MAX], const char *prefix)
{
	const char *base = getenv("KF_TEST_TMP");
	char abs[PATH_MAX];
	int n;

	if (!base || !*base)
		base = "/tmp";
	if (kf_test_mkdir_p(base, 0755) < 0)
		return -1;
	n = snprintf(out, PATH_MAX, "%s/%s.XXXXXX", base, prefix);
	if (n < 0 || n >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (!mkdtemp(out))
		return -1;
	/* absolute, so that tests may chdir */
	if (!realpath(out, abs))
		return -1;
	memcpy(out, abs, strlen(abs) + 1);
	return 0;
}

static inline int kf_test__rm_entry(const char *path, const struct stat *st,
				    int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	/* a directory a test made unreadable must still go */
	if (type == FTW_DNR || type == FTW_DP)
		chmod(path, 0700);
	return remove(path);
}

/* rm -rf without following links. Returns 0 or -1. */
static inline int kf_test_rmtree(const char *dir)
{
	return nftw(dir, kf_test__rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes n bytes to a new (or truncated) file; returns 0 or -1. */
static inline int kf_test_write_file(const char *path, const void *data,
				     size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	const uint8_t *p = data;
	ssize_t w;

	if (fd < 0)
		return -1;
	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return close(fd);
}

/* Reads a whole file (without following a final symlink); returns a
 * malloc'ed buffer (caller frees; never NULL on success, even when empty)
 * with *n its size, or NULL with errno. */
static inline uint8_t *kf_test_read_file(const char *path, size_t *n)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	uint8_t *buf = NULL;
	struct stat st;
	size_t got = 0;
	ssize_t r;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		goto out_close;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		goto out_close;
	while ((r = read(fd, buf + got, (size_t)st.st_size + 1 - got)) > 0)
		got += (size_t)r;
	if (r < 0 || got != (size_t)st.st_size) {
		free(buf);
		buf = NULL;
		goto out_close;
	}
	*n = got;
out_close:
	close(fd);
	return buf;
}

/* Fills buf with n bytes of xorshift32 noise from *seed (advanced), so that
 * a failing test reproduces exactly. */
static inline void kf_test_noise(void *buf, size_t n, uint32_t *seed)
{
	uint8_t *p = buf;
	uint32_t x = *seed ? *seed : 2463534242u;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)(x >> 11);
	}
	*seed = x;
}

/* Fills buf with n bytes of text that zstd shrinks well but that is not a
 * single repeated byte: words picked by the generator. */
static inline void kf_test_text(void *buf, size_t n, uint32_t *seed)
{
	static const char *const words[] = {
		"kafka ",  "ferry ",	 "chunk ", "manifest ", "commit ",
		"offset ", "partition ", "zstd ",  "hash\n",	"file ",
	};
	uint8_t *p = buf;
	size_t i = 0, wl;
	uint8_t r;

	while (i < n) {
		kf_test_noise(&r, 1, seed);
		wl = strlen(words[r % 10]);
		if (wl > n - i)
			wl = n - i;
		memcpy(p + i, words[r % 10], wl);
		i += wl;
	}
}

/* The lowest free descriptor: equal before and after a call that must not
 * leak one. (Not dup(0): standard input may be closed.) */
static inline int kf_test_next_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd;
}

#endif /* KF_TEST_H */
