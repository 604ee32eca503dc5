/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Split-invariance checks for the streaming record readers (JSON lines,
 * fixed width): a reader's callbacks print one line each into a trace;
 * the input is read whole, compared with what the case expects, then
 * read again cut in three at every pair of byte positions and byte by
 * byte, and every reading must give the same trace.
 *
 * Include after <cmocka.h>. Everything is static inline.
 */
#ifndef KF_TEST_TRACE_H
#define KF_TEST_TRACE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kf_test.h"

struct kf_trace {
	char *s;
	size_t len, cap;
	int stop_after; /* >0: the callback stops the reader at that call */
	int calls;
};

static inline void tr_add(struct kf_trace *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->s = realloc(t->s, t->cap);
		assert_non_null(t->s);
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

static inline void tr_printf(struct kf_trace *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline void tr_printf(struct kf_trace *t, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	tr_add(t, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* Bytes as they are, CR and LF spelled \r \n. */
static inline void tr_bytes(struct kf_trace *t, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\r')
			tr_add(t, "\\r", 2);
		else if (s[i] == '\n')
			tr_add(t, "\\n", 2);
		else
			tr_add(t, s + i, 1);
	}
}

/* The callback's return: 7 at the call that stops the reader. */
static inline int tr_stop(struct kf_trace *t)
{
	return ++t->calls == t->stop_after ? 7 : 0;
}

/* A reader under test: open makes one whose callbacks write into t
 * (arg: the case's options), the others wrap its calls. */
struct kf_trace_reader {
	void *(*open)(struct kf_trace *t, const void *arg);
	int (*feed)(void *r, const void *buf, size_t len);
	int (*finish)(void *r);
	void (*close)(void *r);
};

/* Reads in chunks: cut1 and cut2 split the input in three (byte by byte
 * when step is 1). The trace, to free; the reader's return in *rc_out. */
static inline char *kf_trace_read(const struct kf_trace_reader *rd,
				  const void *arg, const char *in, size_t len,
				  size_t cut1, size_t cut2, size_t step,
				  int stop_after, int *rc_out)
{
	struct kf_trace t = {.stop_after = stop_after};
	void *r = rd->open(&t, arg);
	size_t i, k;
	int rc = 0;

	assert_non_null(r);
	if (step) {
		for (i = 0; i < len && !rc; i += k) {
			k = len - i < step ? len - i : step;
			rc = rd->feed(r, in + i, k);
		}
	} else {
		rc = rd->feed(r, in, cut1);
		if (!rc)
			rc = rd->feed(r, in + cut1, cut2 - cut1);
		if (!rc)
			rc = rd->feed(r, in + cut2, len - cut2);
	}
	if (!rc)
		rc = rd->finish(r);
	else
		assert_int_equal(rd->finish(r), rc); /* stays stopped */
	rd->close(r);
	tr_add(&t, "", 0);
	*rc_out = rc;
	return t.s;
}

/* Reads whole, checks the trace, then every split and byte by byte. */
static inline void kf_trace_check(const struct kf_trace_reader *rd,
				  const void *arg, const char *in, size_t len,
				  const char *want)
{
	char *whole, *other;
	size_t a, b;
	int rc;

	whole = kf_trace_read(rd, arg, in, len, len, len, 0, 0, &rc);
	assert_int_equal(rc, 0);
	if (strcmp(whole, want))
		fail_msg("input \"%s\":\n got:\n%s want:\n%s", in, whole, want);
	for (a = 0; a <= len; a++) {
		for (b = a; b <= len; b += (len > 64 ? 7 : 1)) {
			other = kf_trace_read(rd, arg, in, len, a, b, 0, 0,
					      &rc);
			if (strcmp(other, whole))
				fail_msg("split at %zu,%zu:\n%s vs whole:\n%s",
					 a, b, other, whole);
			free(other);
		}
	}
	other = kf_trace_read(rd, arg, in, len, 0, 0, 1, 0, &rc);
	assert_string_equal(other, whole);
	free(other);
	free(whole);
}

/* The bytes of tests/data/records/<name> (KF_SOURCE_DIR from ctest), to
 * free; *len their count. */
static inline char *kf_trace_data(const char *name, size_t *len)
{
	const char *dir = getenv("KF_SOURCE_DIR");
	char path[4096];
	char *b;

	if (!dir)
		fail_msg("KF_SOURCE_DIR is not set: run the test from ctest");
	snprintf(path, sizeof(path), "%s/tests/data/records/%s", dir, name);
	b = (char *)kf_test_read_file(path, len);
	if (!b)
		fail_msg("%s: cannot read it", path);
	return b;
}

#endif /* KF_TEST_TRACE_H */
