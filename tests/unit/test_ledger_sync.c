/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the ledger's group commit (src/watch/ledger.c) when
 * fdatasync fails: every append of the failed group reports the failure
 * (none may be told "durable" by a later fdatasync of the same file,
 * which can succeed after the kernel dropped the pages it could not
 * write), and the next append rewrites the ledger into a new file before
 * it trusts an fdatasync again.
 *
 * fdatasync is wrapped at link time (-Wl,--wrap=fdatasync, CMakeLists.txt):
 * each call is recorded with the inode of its descriptor, and the first
 * one can be held until a second append has joined its group, then fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <sched.h>

#include "common/err.h"
#include "watch/ledger.h"
#include "kf_test.h"

static char errbuf[512];

/* ------------------------------------------------------ the wrapper */

static struct kf_ledger_rec rec_of(const char *rel);

struct joiner {
	kf_ledger_t *l;
	int rc;
	char err[256];
};

static void *join_append(void *arg)
{
	struct joiner *j = arg;
	struct kf_ledger_rec r = rec_of("joiner.txt");

	j->rc = kf_ledger_append(j->l, &r, j->err, sizeof(j->err));
	return NULL;
}

#define MAX_CALLS 64

static ino_t sync_ino[MAX_CALLS];
static int nsync;
/* The next fdatasync starts a second append (joiner, in its own thread),
 * waits until the ledger file has grown past hold_size (the joiner wrote
 * its record and waits for the next sync), then fails with EIO. */
static int hold_and_fail;
static off_t hold_size;
static struct joiner joiner;
static pthread_t joiner_thread;

int __real_fdatasync(int fd);
int __wrap_fdatasync(int fd);

int __wrap_fdatasync(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		fail_msg("fstat: %s", strerror(errno));
	sync_ino[nsync < MAX_CALLS ? nsync++ : MAX_CALLS - 1] = st.st_ino;
	if (hold_and_fail) {
		hold_and_fail = 0;
		if (pthread_create(&joiner_thread, NULL, join_append, &joiner))
			fail_msg("pthread_create failed");
		/* a condition, polled: the joiner's write happens under the
		 * ledger's mutex, which this sync released */
		while (fstat(fd, &st) == 0 && st.st_size <= hold_size)
			sched_yield();
		errno = EIO;
		return -1;
	}
	return __real_fdatasync(fd);
}

/* ------------------------------------------------------------ helpers */

static char dir[PATH_MAX];

static struct kf_ledger_rec rec_of(const char *rel)
{
	struct kf_ledger_rec r = {0};

	r.kind = KF_LEDGER_SENT;
	r.route = "r";
	r.rel = rel;
	r.size = 10;
	r.mtime_ns = 1;
	r.ino = 2;
	r.sent_s = 3;
	return r;
}

/* stat(2) of the ledger file as it is now. */
static struct stat ledger_stat(void)
{
	struct stat st;
	char path[PATH_MAX + 32];

	kf_test_fmt(path, sizeof(path), "%s/%s", dir, KF_LEDGER_FILE);
	assert_int_equal(stat(path, &st), 0);
	return st;
}

static int seen_first, seen_after;

static void count_each(void *opaque, const struct kf_ledger_rec *r)
{
	(void)opaque;
	seen_first += !strcmp(r->rel, "first.txt");
	seen_after += !strcmp(r->rel, "after.txt");
}

/* -------------------------------------------------------------- tests */

/* Two appends share one fdatasync, which fails: both report it, and no
 * second fdatasync of the same file is taken for their success. */
static void test_failed_group_fails_every_waiter(void **state)
{
	struct kf_ledger_rec r = rec_of("first.txt");
	struct joiner *j = &joiner;
	char line[KF_LEDGER_LINE_MAX];
	ino_t failed_ino;
	int i, rc;

	(void)state;
	assert_int_equal(kf_test_mkdtemp(dir, "ledger_sync"), 0);
	j->l = kf_ledger_open(dir, NULL, NULL, NULL, errbuf, sizeof(errbuf));
	if (!j->l)
		fail_msg("kf_ledger_open: %s", errbuf);
	nsync = 0;
	/* past first.txt's record: the joiner's is there too */
	hold_size = ledger_stat().st_size +
		    kf_ledger_format(&r, line, sizeof(line));
	hold_and_fail = 1;
	rc = kf_ledger_append(j->l, &r, errbuf, sizeof(errbuf));
	assert_int_equal(pthread_join(joiner_thread, NULL), 0);
	assert_int_equal(rc, KF_EIO);
	if (j->rc != KF_EIO)
		fail_msg("the append that shared the failed fdatasync returned "
			 "%d (%s), not KF_EIO",
			 j->rc, j->rc ? j->err : "success");
	failed_ino = sync_ino[0];
	/* the next append rewrites the ledger into a new file first */
	r = rec_of("after.txt");
	EXPECT_OK(kf_ledger_append(j->l, &r, errbuf, sizeof(errbuf)));
	assert_true(ledger_stat().st_ino != failed_ino);
	for (i = 1; i < nsync; i++)
		if (sync_ino[i] == failed_ino)
			fail_msg("fdatasync #%d is of the file whose fdatasync "
				 "failed",
				 i);
	kf_ledger_close(j->l);
	/* what the ledger holds now: the record appended after */
	seen_first = seen_after = 0;
	j->l = kf_ledger_open(dir, NULL, count_each, NULL, errbuf,
			      sizeof(errbuf));
	assert_non_null(j->l);
	assert_int_equal(seen_after, 1);
	kf_ledger_close(j->l);
	kf_test_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failed_group_fails_every_waiter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
