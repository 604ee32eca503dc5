/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/recv/assembler.c, the file sink: staging under
 * DEST/.kferry/tmp, chunk and whole-file verification, placement with mode
 * and mtime, the conflict policies, quarantine, symlinks in the way, the
 * staging of other receiver instances, and a full disk.
 *
 * Frames are built as the sender builds them (src/send/sender.c): the raw
 * slice is hashed, then compressed in place by kf_codec_compress (zstd or
 * raw), the header encoded by the wire encoder; and they are decoded and
 * fitted to the manifest as the receiver does before kf_assembly_write.
 *
 * Every test gets a fresh scratch directory under $KF_TEST_TMP holding
 * dest/ (the destination, created by kf_dest_open) and outside/ (which
 * nothing may ever write into). The ENOSPC test mounts a 1 MiB tmpfs there
 * when it runs as root, and skips otherwise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/recvopts.h"
#include "config/conf.h"
#include "core/codec.h"
#include "core/crypto.h"
#include "kferry/kferry.h"
#include "proto/wire.h"
#include "recv/assembler.h"

#include "kf_test.h"

/* The destination options the file sink gets from conf. */
static const kf_dest_opts_t *keep_of(const kf_conf_t *conf)
{
	static kf_recv_opts_t o;

	kf_api_recv_opts(conf, &o);
	return &o.keep;
}

#define KIB 1024u
#define CHUNK (64u * KIB)
#define MTIME_SEC INT64_C(1600000000)
#define MTIME_NSEC 123456789u

static char errbuf[512];

struct fx {
	char dir[PATH_MAX];	/* the scratch directory */
	char dest[PATH_MAX];	/* dir/dest */
	char outside[PATH_MAX]; /* dir/outside: must stay empty */
	char mnt[PATH_MAX];	/* a tmpfs mounted by the test, or "" */
	kf_conf_t *conf;
	kf_codec_pool_t *pool;
	kf_dest_t *d;
	uint32_t seed;
	uint8_t next_xid;
};

/* One transfer as a sender would make it. */
struct xfer {
	uint8_t *data; /* the file's bytes, owned */
	size_t size;
	uint8_t hash[16]; /* whole-file XXH3-128 */
	kf_wire_manifest_t m;
	uint8_t mframe[KF_WIRE_MANIFEST_MAX]; /* m points into it */
	kf_assembly_t a;
	uint64_t next; /* next chunk index */
	int nzstd, nraw;
};

enum mutation {
	INTACT,
	BAD_HASH,
	BAD_PAYLOAD
};

/* ------------------------------------------------------------ fixture */

static void set(kf_conf_t *conf, const char *key, const char *value)
{
	char err[256];

	if (kf_conf_set(conf, key, value, err, sizeof(err)))
		fail_msg("%s=%s: %s", key, value, err);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256];

	if (!f || kf_test_mkdtemp(f->dir, "test_assembler") < 0)
		return -1;
	kf_test_fmt(f->dest, sizeof(f->dest), "%s/dest", f->dir);
	kf_test_fmt(f->outside, sizeof(f->outside), "%s/outside", f->dir);
	if (mkdir(f->outside, 0755) < 0)
		return -1;
	f->conf = kf_conf_new();
	f->pool = kf_codec_pool_new(CHUNK, 3);
	if (!f->conf || !f->pool)
		return -1;
	if (kf_conf_set(f->conf, "receive.fsync", "true", err, sizeof(err)) ||
	    kf_conf_set(f->conf, "log_level", "error", err, sizeof(err)) ||
	    kf_log_init(f->conf, 0, err, sizeof(err)))
		return -1;
	f->seed = 20240501;
	f->next_xid = 1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	int rc;

	kf_dest_close(f->d);
	if (f->mnt[0] && umount2(f->mnt, MNT_DETACH) < 0)
		return -1;
	rc = kf_test_rmtree(f->dir);
	kf_codec_pool_destroy(f->pool);
	kf_conf_destroy(f->conf);
	free(f);
	return rc;
}

/* (Re)opens DEST with a conflict policy. */
static void open_dest(struct fx *f, const char *policy)
{
	kf_dest_close(f->d);
	f->d = NULL;
	set(f->conf, "receive.on_conflict", policy);
	errbuf[0] = '\0';
	if (kf_dest_open(f->dest, keep_of(f->conf), &f->d, errbuf,
			 sizeof(errbuf)))
		fail_msg("kf_dest_open %s: %s", f->dest, errbuf);
}

/* A path below DEST (or any directory); four results live at once. */
static const char *in(const char *dir, const char *rel)
{
	static char buf[4][PATH_MAX];
	static int k;

	k = (k + 1) % 4;
	kf_test_fmt(buf[k], PATH_MAX, "%s/%s", dir, rel);
	return buf[k];
}

/* Entries of a directory but "." and ".."; -1 if it cannot be read. */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* What a user of DEST sees: everything but the private area. */
static int visible(struct fx *f)
{
	DIR *d = opendir(f->dest);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    strcmp(e->d_name, ".kferry"))
			n++;
	closedir(d);
	return n;
}

static int is_lock(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && !strcmp(name + n - 5, ".lock");
}

/* Counts instance directories, lock files and staging files under
 * DEST/.kferry/tmp; with name, *found tells whether a staging file of
 * that name exists in any instance directory. */
static void scan_tmp(struct fx *f, int *ninst, int *nlocks, int *nfiles,
		     const char *name, int *found)
{
	char tmp[PATH_MAX], sub[PATH_MAX * 2];
	struct dirent *e, *se;
	struct stat st;
	DIR *d, *sd;

	kf_test_fmt(tmp, sizeof(tmp), "%s/.kferry/tmp", f->dest);
	d = opendir(tmp);

	assert_non_null(d);
	*ninst = *nlocks = *nfiles = 0;
	if (found)
		*found = 0;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (is_lock(e->d_name)) {
			(*nlocks)++;
			continue;
		}
		assert_int_equal(
			fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW),
			0);
		assert_true(S_ISDIR(st.st_mode));
		(*ninst)++;
		kf_test_fmt(sub, sizeof(sub), "%s/%s", tmp, e->d_name);
		sd = opendir(sub);
		assert_non_null(sd);
		while ((se = readdir(sd)) != NULL) {
			if (!strcmp(se->d_name, ".") ||
			    !strcmp(se->d_name, ".."))
				continue;
			(*nfiles)++;
			if (name && found && !strcmp(se->d_name, name))
				*found = 1;
		}
		closedir(sd);
	}
	closedir(d);
}

static int staging_files(struct fx *f)
{
	int ni, nl, nf;

	scan_tmp(f, &ni, &nl, &nf, NULL, NULL);
	return nf;
}

static int staging_exists(struct fx *f, const char *name)
{
	int ni, nl, nf, found;

	scan_tmp(f, &ni, &nl, &nf, name, &found);
	return found;
}

static void expect_file(const char *path, const void *data, size_t size)
{
	size_t n = 0;
	uint8_t *got = kf_test_read_file(path, &n);

	if (!got)
		fail_msg("%s: %s", path, strerror(errno));
	if (n != size)
		fail_msg("%s: %zu bytes, expected %zu", path, n, size);
	assert_memory_equal(got, data, size);
	free(got);
}

static void expect_absent(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0)
		fail_msg("%s exists", path);
	assert_int_equal(errno, ENOENT);
}

/* ------------------------------------------------------------ sender side */

/* Half text (compresses), half noise (sent raw). */
static uint8_t *mixed(struct fx *f, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	assert_non_null(p);
	kf_test_text(p, n / 2, &f->seed);
	kf_test_noise(p + n / 2, n - n / 2, &f->seed);
	return p;
}

/* Prepares a transfer of data (taken over) to path, with a fresh xid,
 * through the manifest encoder and decoder. */
static void xfer_new(struct fx *f, struct xfer *x, const char *path,
		     uint8_t *data, size_t size, uint32_t mode)
{
	kf_wire_manifest_t m = {0};
	long len;

	memset(x, 0, sizeof(*x));
	x->data = data;
	x->size = size;
	kf_hash128(data, size, x->hash);
	memset(m.hdr.xid.b, 0xa5, 16);
	m.hdr.xid.b[15] = f->next_xid++;
	m.file_size = size;
	m.chunk_size = CHUNK;
	m.chunk_count = (size + CHUNK - 1) / CHUNK;
	m.mode = mode;
	m.mtime_sec = MTIME_SEC;
	m.mtime_nsec = MTIME_NSEC;
	m.codec = KF_WIRE_CODEC_ZSTD;
	m.hash_alg = KF_WIRE_HASH_XXH3_128;
	m.path = (const uint8_t *)path;
	m.path_len = (uint16_t)strlen(path);
	m.origin = (const uint8_t *)"sender-host";
	m.origin_len = 11;
	len = kf_wire_encode_manifest(x->mframe, sizeof(x->mframe), &m);
	assert_true(len > 0);
	assert_int_equal(kf_wire_decode_manifest(x->mframe, (size_t)len, 0,
						 &x->m, errbuf, sizeof(errbuf)),
			 0);
}

/* The same file again (a redelivery): same xid, same content. from must
 * be initialised (its manifest is taken from its assembly's copies) and
 * outlive x's kf_assembly_init. */
static void xfer_again(struct xfer *x, const struct xfer *from)
{
	memset(x, 0, sizeof(*x));
	x->data = malloc(from->size ? from->size : 1);
	assert_non_null(x->data);
	memcpy(x->data, from->data, from->size);
	x->size = from->size;
	memcpy(x->hash, from->hash, 16);
	x->m = from->a.m;
}

static void xfer_init(struct fx *f, struct xfer *x, uint64_t seq)
{
	assert_int_equal(kf_assembly_init(&x->a, f->d, &x->m, seq), 0);
	/* the assembly keeps copies: the frame may go */
	memset(x->mframe, 0, sizeof(x->mframe));
}

static int xfer_begin(struct xfer *x)
{
	errbuf[0] = '\0';
	return kf_assembly_begin(&x->a, errbuf, sizeof(errbuf));
}

/* Sends the next chunk, as sender.c does, through encode, decode and
 * kf_wire_chunk_fits; returns kf_assembly_write's result. */
static int xfer_chunk(struct fx *f, struct xfer *x, enum mutation mut)
{
	uint64_t off = x->next * CHUNK;
	uint32_t raw_len;
	uint8_t *frame;
	kf_wire_chunk_t c = {0}, dc;
	size_t plen;
	int codec, r;

	assert_true(x->next < x->m.chunk_count);
	raw_len = (uint32_t)(x->size - off < CHUNK ? x->size - off : CHUNK);
	frame = malloc(KF_WIRE_CHUNK_HDR + raw_len);
	assert_non_null(frame);
	memcpy(frame + KF_WIRE_CHUNK_HDR, x->data + off, raw_len);
	c.hdr.xid = x->m.hdr.xid;
	c.index = x->next;
	c.offset = off;
	c.raw_len = raw_len;
	kf_hash128(frame + KF_WIRE_CHUNK_HDR, raw_len, c.raw_hash);
	codec = kf_codec_compress(f->pool, frame + KF_WIRE_CHUNK_HDR, raw_len,
				  &plen);
	assert_true(codec == KF_CODEC_ZSTD || codec == KF_CODEC_NONE);
	if (codec == KF_CODEC_ZSTD)
		x->nzstd++;
	else
		x->nraw++;
	c.codec = (uint8_t)codec;
	assert_int_equal(kf_wire_encode_chunk_hdr(frame, KF_WIRE_CHUNK_HDR, &c),
			 KF_WIRE_CHUNK_HDR);
	if (mut == BAD_HASH)
		frame[48 + 7] ^= 0x10; /* raw_hash */
	else if (mut == BAD_PAYLOAD)
		frame[KF_WIRE_CHUNK_HDR + plen / 2] ^= 0x01;
	assert_int_equal(kf_wire_decode_chunk(frame, KF_WIRE_CHUNK_HDR + plen,
					      &dc, errbuf, sizeof(errbuf)),
			 0);
	assert_int_equal(kf_wire_chunk_fits(&x->a.m, &dc, x->next, errbuf,
					    sizeof(errbuf)),
			 0);
	errbuf[0] = '\0';
	r = kf_assembly_write(&x->a, f->pool, &dc, errbuf, sizeof(errbuf));
	free(frame);
	if (r == 0)
		x->next++;
	return r;
}

static void xfer_all_chunks(struct fx *f, struct xfer *x)
{
	while (x->next < x->m.chunk_count)
		EXPECT_OK(xfer_chunk(f, x, INTACT));
}

static kf_wire_commit_t commit_of(const struct xfer *x)
{
	kf_wire_commit_t c = {0};

	c.hdr.xid = x->m.hdr.xid;
	c.chunk_count = x->m.chunk_count;
	c.file_size = x->size;
	memcpy(c.file_hash, x->hash, 16);
	return c;
}

/* Through the wire, as the receiver gets it. */
static int xfer_finish_with(struct xfer *x, const kf_wire_commit_t *c,
			    int *outcome)
{
	uint8_t frame[KF_WIRE_COMMIT_SIZE];
	kf_wire_commit_t dc;

	assert_int_equal(kf_wire_encode_commit(frame, sizeof(frame), c),
			 KF_WIRE_COMMIT_SIZE);
	assert_int_equal(kf_wire_decode_commit(frame, sizeof(frame), &dc,
					       errbuf, sizeof(errbuf)),
			 0);
	*outcome = 0;
	errbuf[0] = '\0';
	return kf_assembly_finish(&x->a, &dc, outcome, errbuf, sizeof(errbuf));
}

static int xfer_finish(struct xfer *x, int *outcome)
{
	kf_wire_commit_t c = commit_of(x);

	return xfer_finish_with(x, &c, outcome);
}

/* init, begin, every chunk, finish; returns finish's result. */
static int xfer_run(struct fx *f, struct xfer *x, uint64_t seq, int *outcome)
{
	xfer_init(f, x, seq);
	EXPECT_OK(xfer_begin(x));
	xfer_all_chunks(f, x);
	return xfer_finish(x, outcome);
}

static void xfer_end(struct xfer *x)
{
	kf_assembly_free(&x->a);
	free(x->data);
	x->data = NULL;
}

/* Places data at rel in a transfer of its own; the outcome must be want. */
static void place(struct fx *f, const char *rel, const void *data, size_t size,
		  int want)
{
	struct xfer x;
	uint8_t *copy = malloc(size ? size : 1);
	int outcome;

	assert_non_null(copy);
	memcpy(copy, data, size);
	xfer_new(f, &x, rel, copy, size, 0644);
	EXPECT_OK(xfer_run(f, &x, 1, &outcome));
	assert_int_equal(outcome, want);
	xfer_end(&x);
}

static const char *quarantine_dir(struct fx *f, const struct xfer *x)
{
	char xid[33];

	kf_xid_format(&x->a.m.hdr.xid, xid);
	return in(f->dest, in(".kferry/quarantine", xid));
}

/* Checks DEST/.kferry/quarantine/<xid>/: reason.txt with the reason and
 * path, and one data file that begins with prefix. */
static void expect_quarantined(struct fx *f, const struct xfer *x,
			       const char *reason, const void *prefix,
			       size_t prefix_len, size_t min_size)
{
	char qdir[PATH_MAX], data[PATH_MAX * 2], xid[33];
	uint8_t *text, *got;
	size_t n = 0, gn = 0;
	DIR *d;
	struct dirent *e;
	int ndata = 0;

	kf_test_fmt(qdir, sizeof(qdir), "%s", quarantine_dir(f, x));
	kf_xid_format(&x->a.m.hdr.xid, xid);
	text = kf_test_read_file(in(qdir, "reason.txt"), &n);
	if (!text)
		fail_msg("%s/reason.txt: %s", qdir, strerror(errno));
	text = realloc(text, n + 1);
	assert_non_null(text);
	text[n] = '\0';
	if (!strstr((char *)text, reason) || !strstr((char *)text, xid) ||
	    !strstr((char *)text, x->a.relpath))
		fail_msg("reason.txt does not name the reason \"%s\", the "
			 "transfer and the path:\n%s",
			 reason, text);
	free(text);

	d = opendir(qdir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strcmp(e->d_name, "reason.txt"))
			continue;
		ndata++;
		kf_test_fmt(data, sizeof(data), "%s/%s", qdir, e->d_name);
	}
	closedir(d);
	assert_int_equal(ndata, 1);
	got = kf_test_read_file(data, &gn);
	if (!got)
		fail_msg("%s: %s", data, strerror(errno));
	assert_true(gn >= min_size);
	assert_true(gn >= prefix_len);
	assert_memory_equal(got, prefix, prefix_len);
	free(got);
}

/* ------------------------------------------------------------ tests */

static void test_full_transfer(void **state)
{
	struct fx *f = *state;
	const size_t size = 300 * KIB + 123;
	struct xfer x;
	struct stat st;
	int outcome, fd0, ni, nl, nf;

	open_dest(f, "fail");
	fd0 = kf_test_next_fd();
	xfer_new(f, &x, "docs/sub/report 2024.bin", mixed(f, size), size, 0640);
	xfer_init(f, &x, 1); /* and the manifest frame is cleared */
	assert_string_equal(x.a.relpath, "docs/sub/report 2024.bin");
	assert_string_equal(x.a.origin, "sender-host");
	EXPECT_OK(xfer_begin(&x));

	/* staging only below .kferry/tmp, nothing visible */
	assert_true(staging_exists(f, x.a.staging));
	EXPECT_OK(xfer_chunk(f, &x, INTACT));
	EXPECT_OK(xfer_chunk(f, &x, INTACT));
	assert_int_equal(visible(f), 0);
	scan_tmp(f, &ni, &nl, &nf, NULL, NULL);
	assert_int_equal(ni, 1);
	assert_int_equal(nl, 1);
	assert_int_equal(nf, 1);
	xfer_all_chunks(f, &x);
	assert_int_equal(visible(f), 0);
	/* both kinds of chunk went through */
	assert_true(x.nzstd >= 2);
	assert_true(x.nraw >= 2);
	assert_int_equal(x.a.written, size);

	EXPECT_OK(xfer_finish(&x, &outcome));
	assert_int_equal(outcome, KF_PLACED);
	expect_file(in(f->dest, "docs/sub/report 2024.bin"), x.data, size);
	assert_int_equal(lstat(in(f->dest, "docs/sub/report 2024.bin"), &st),
			 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_mtim.tv_sec, MTIME_SEC);
	assert_int_equal(st.st_mtim.tv_nsec, MTIME_NSEC);
	assert_int_equal(visible(f), 1);
	assert_int_equal(count_entries(in(f->dest, "docs")), 1);
	assert_int_equal(count_entries(in(f->dest, "docs/sub")), 1);
	assert_int_equal(staging_files(f), 0);
	assert_int_equal(count_entries(in(f->dest, ".kferry/quarantine")), 0);
	xfer_end(&x);
	assert_int_equal(kf_test_next_fd(), fd0);
	assert_int_equal(count_entries(f->outside), 0);
}

static void test_special_mode_bits_stripped(void **state)
{
	static const struct {
		uint32_t sent, want;
	} modes[] = {{04750, 0750},
		     {02755, 0755},
		     {06711, 0711},
		     {0400, 0400},
		     {0777, 0755}}; /* the default receive.umask is 022 */
	struct fx *f = *state;
	struct xfer x;
	struct stat st;
	char rel[32];
	size_t i;
	int outcome;

	open_dest(f, "fail");
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		kf_test_fmt(rel, sizeof(rel), "m%zu", i);
		xfer_new(f, &x, rel, mixed(f, 5000), 5000, modes[i].sent);
		EXPECT_OK(xfer_run(f, &x, 1, &outcome));
		assert_int_equal(outcome, KF_PLACED);
		assert_int_equal(stat(in(f->dest, rel), &st), 0);
		if ((st.st_mode & 07777) != modes[i].want)
			fail_msg("sent mode %04o, file has %04o, expected %04o",
				 modes[i].sent, st.st_mode & 07777,
				 modes[i].want);
		xfer_end(&x);
	}
}

/* receive.umask takes bits from files (whose mode comes from the sender)
 * and from the directories the receiver creates. */
static void test_umask(void **state)
{
	struct fx *f = *state;
	struct xfer x;
	struct stat st;
	int outcome;

	set(f->conf, "receive.umask", "027");
	open_dest(f, "fail");
	xfer_new(f, &x, "sub/deeper/file", mixed(f, 5000), 5000, 0777);
	EXPECT_OK(xfer_run(f, &x, 1, &outcome));
	assert_int_equal(outcome, KF_PLACED);
	assert_int_equal(stat(in(f->dest, "sub/deeper/file"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(stat(in(f->dest, "sub/deeper"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(stat(in(f->dest, "sub"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	xfer_end(&x);
}

static void test_empty_file(void **state)
{
	struct fx *f = *state;
	struct xfer x;
	struct stat st;
	int outcome;

	open_dest(f, "fail");
	xfer_new(f, &x, "dir/empty", malloc(1), 0, 0600);
	assert_int_equal(x.m.chunk_count, 0);
	EXPECT_OK(xfer_run(f, &x, 1, &outcome));
	assert_int_equal(outcome, KF_PLACED);
	assert_int_equal(stat(in(f->dest, "dir/empty"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_mtim.tv_sec, MTIME_SEC);
	assert_int_equal(st.st_mtim.tv_nsec, MTIME_NSEC);
	assert_int_equal(staging_files(f), 0);
	xfer_end(&x);
}

static void test_chunk_wrong_hash_quarantined(void **state)
{
	struct fx *f = *state;
	const size_t size = 3 * CHUNK;
	struct xfer x;
	int fd0;

	open_dest(f, "fail");
	fd0 = kf_test_next_fd();
	xfer_new(f, &x, "in/q.bin", mixed(f, size), size, 0644);
	xfer_init(f, &x, 7);
	EXPECT_OK(xfer_begin(&x));
	EXPECT_OK(xfer_chunk(f, &x, INTACT));
	EXPECT_ERR(xfer_chunk(f, &x, BAD_HASH), KF_EHASH, "chunk 1");
	/* nothing of the bad chunk was recorded */
	assert_int_equal(x.a.written, CHUNK);
	assert_int_equal(x.next, 1);

	kf_assembly_quarantine(&x.a, "chunk 1: hash mismatch");
	expect_quarantined(f, &x, "chunk 1: hash mismatch", x.data, CHUNK,
			   CHUNK);
	assert_int_equal(staging_files(f), 0);
	assert_int_equal(visible(f), 0);
	xfer_end(&x);
	assert_int_equal(kf_test_next_fd(), fd0);
}

/* A flipped payload bit: a raw chunk fails its hash; a zstd chunk fails
 * to decode or its hash. */
static void test_chunk_corrupt_payload(void **state)
{
	struct fx *f = *state;
	uint8_t *data = malloc(2 * CHUNK);
	struct xfer x;
	int r;

	assert_non_null(data);
	open_dest(f, "fail");
	kf_test_text(data, CHUNK, &f->seed);
	kf_test_noise(data + CHUNK, CHUNK, &f->seed);
	xfer_new(f, &x, "c.bin", data, 2 * CHUNK, 0644);
	xfer_init(f, &x, 1);
	EXPECT_OK(xfer_begin(&x));
	r = xfer_chunk(f, &x, BAD_PAYLOAD);
	assert_int_equal(x.nzstd, 1);
	if (r != KF_EPROTO && r != KF_EHASH)
		fail_msg("corrupt zstd chunk: %d (%s)", r, errbuf);
	EXPECT_OK(xfer_chunk(f, &x, INTACT));
	EXPECT_ERR(xfer_chunk(f, &x, BAD_PAYLOAD), KF_EHASH, "hash");
	assert_int_equal(x.nzstd, 2);
	assert_int_equal(x.nraw, 1);
	assert_int_equal(x.a.written, CHUNK);
	kf_assembly_discard(&x.a);
	assert_int_equal(staging_files(f), 0);
	xfer_end(&x);
}

static void test_commit_wrong_hash(void **state)
{
	struct fx *f = *state;
	const size_t size = 2 * CHUNK + 10;
	kf_wire_commit_t c;
	struct xfer x;
	int outcome;

	open_dest(f, "fail");
	xfer_new(f, &x, "w.bin", mixed(f, size), size, 0644);
	xfer_init(f, &x, 1);
	EXPECT_OK(xfer_begin(&x));
	xfer_all_chunks(f, &x);
	c = commit_of(&x);
	c.file_hash[0] ^= 1;
	EXPECT_ERR(xfer_finish_with(&x, &c, &outcome), KF_EHASH,
		   "whole-file hash");
	expect_absent(in(f->dest, "w.bin"));
	assert_int_equal(visible(f), 0);
	kf_assembly_quarantine(&x.a, "whole-file hash mismatch");
	expect_quarantined(f, &x, "whole-file hash mismatch", x.data, size,
			   size);
	assert_int_equal(staging_files(f), 0);
	xfer_end(&x);
}

static void test_commit_wrong_size(void **state)
{
	struct fx *f = *state;
	const size_t size = 3 * CHUNK + 1;
	kf_wire_commit_t c;
	struct xfer x;
	int outcome;

	open_dest(f, "fail");
	xfer_new(f, &x, "s.bin", mixed(f, size), size, 0644);
	xfer_init(f, &x, 1);
	EXPECT_OK(xfer_begin(&x));
	xfer_all_chunks(f, &x);

	c = commit_of(&x);
	c.file_size++;
	EXPECT_ERR(xfer_finish_with(&x, &c, &outcome), KF_EPROTO,
		   "commit says 196610 bytes");
	c = commit_of(&x);
	c.file_size--;
	EXPECT_ERR(xfer_finish_with(&x, &c, &outcome), KF_EPROTO,
		   "commit says 196608 bytes");
	c = commit_of(&x);
	c.chunk_count++;
	EXPECT_ERR(xfer_finish_with(&x, &c, &outcome), KF_EPROTO,
		   "in 5 chunks");
	expect_absent(in(f->dest, "s.bin"));
	kf_assembly_discard(&x.a);
	xfer_end(&x);

	/* a commit after too few chunks */
	xfer_new(f, &x, "s.bin", mixed(f, size), size, 0644);
	xfer_init(f, &x, 1);
	EXPECT_OK(xfer_begin(&x));
	EXPECT_OK(xfer_chunk(f, &x, INTACT));
	EXPECT_OK(xfer_chunk(f, &x, INTACT));
	EXPECT_ERR(xfer_finish(&x, &outcome), KF_EPROTO,
		   "131072 were received");
	expect_absent(in(f->dest, "s.bin"));
	kf_assembly_discard(&x.a);
	assert_int_equal(staging_files(f), 0);
	xfer_end(&x);
}

static void test_conflict_fail(void **state)
{
	struct fx *f = *state;
	const size_t size = CHUNK + 77;
	struct xfer x;
	int outcome, fd0;

	open_dest(f, "fail");
	assert_int_equal(mkdir(in(f->dest, "d"), 0755), 0);
	assert_int_equal(
		kf_test_write_file(in(f->dest, "d/a.txt"), "old", 3, 0644), 0);
	fd0 = kf_test_next_fd();
	xfer_new(f, &x, "d/a.txt", mixed(f, size), size, 0644);
	EXPECT_ERR(xfer_run(f, &x, 1, &outcome), KF_EEXIST, "already exists");
	expect_file(in(f->dest, "d/a.txt"), "old", 3);
	assert_int_equal(count_entries(in(f->dest, "d")), 1);
	/* the receiver then quarantines the incoming file */
	kf_assembly_quarantine(&x.a, "conflict");
	expect_quarantined(f, &x, "conflict", x.data, size, size);
	assert_int_equal(staging_files(f), 0);
	xfer_end(&x);
	assert_int_equal(kf_test_next_fd(), fd0);
}

static void test_conflict_overwrite(void **state)
{
	struct fx *f = *state;
	const size_t size = 2 * CHUNK;
	struct xfer x;
	struct stat st;
	int outcome;

	open_dest(f, "overwrite");
	assert_int_equal(
		kf_test_write_file(in(f->dest, "a.txt"), "old", 3, 0600), 0);
	xfer_new(f, &x, "a.txt", mixed(f, size), size, 0644);
	EXPECT_OK(xfer_run(f, &x, 1, &outcome));
	assert_int_equal(outcome, KF_REPLACED);
	expect_file(in(f->dest, "a.txt"), x.data, size);
	assert_int_equal(stat(in(f->dest, "a.txt"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(st.st_mtim.tv_sec, MTIME_SEC);
	assert_int_equal(visible(f), 1);
	assert_int_equal(staging_files(f), 0);
	xfer_end(&x);
}

static void test_conflict_rename(void **state)
{
	struct fx *f = *state;
	const size_t size = CHUNK + 5;
	struct xfer x, again;
	uint8_t *v3;
	int outcome;

	open_dest(f, "rename");
	assert_int_equal(
		kf_test_write_file(in(f->dest, "a.txt"), "v1", 2, 0644), 0);
	xfer_new(f, &x, "a.txt", mixed(f, size), size, 0644);
	EXPECT_OK(xfer_run(f, &x, 1, &outcome));
	assert_int_equal(outcome, KF_RENAMED);
	assert_string_equal(x.a.placed_as, "a.txt.1");
	expect_file(in(f->dest, "a.txt"), "v1", 2);
	expect_file(in(f->dest, "a.txt.1"), x.data, size);

	/* redelivered after a crash: found under its suffix, not copied
	 * once more */
	xfer_again(&again, &x);
	EXPECT_OK(xfer_run(f, &again, 2, &outcome));
	assert_int_equal(outcome, KF_SKIPPED);
	expect_absent(in(f->dest, "a.txt.2"));
	assert_int_equal(visible(f), 2);
	assert_int_equal(staging_files(f), 0);
	xfer_end(&again);
	xfer_end(&x);

	/* a third version takes the next suffix */
	v3 = malloc(100);
	assert_non_null(v3);
	memset(v3, '3', 100);
	xfer_new(f, &x, "a.txt", v3, 100, 0644);
	EXPECT_OK(xfer_run(f, &x, 1, &outcome));
	assert_int_equal(outcome, KF_RENAMED);
	assert_string_equal(x.a.placed_as, "a.txt.2");
	expect_file(in(f->dest, "a.txt.2"), v3, 100);
	xfer_end(&x);

	/* and the first version, sent again, is already at a.txt */
	place(f, "a.txt", "v1", 2, KF_SKIPPED);
	assert_int_equal(visible(f), 3);
}

/* Whatever the policy, the same content at the path is a redelivery. */
static void test_identical_existing_skipped(void **state)
{
	static const char *const policies[] = {"fail", "overwrite", "rename"};
	struct fx *f = *state;
	const size_t size = 2 * CHUNK + 3;
	uint8_t *data = mixed(f, size);
	struct stat before, after;
	char rel[32];
	size_t i;

	for (i = 0; i < 3; i++) {
		open_dest(f, policies[i]);
		kf_test_fmt(rel, sizeof(rel), "same-%s", policies[i]);
		place(f, rel, data, size, KF_PLACED);
		assert_int_equal(stat(in(f->dest, rel), &before), 0);
		place(f, rel, data, size, KF_SKIPPED);
		assert_int_equal(stat(in(f->dest, rel), &after), 0);
		/* untouched, not replaced by an equal copy */
		assert_int_equal(before.st_ino, after.st_ino);
		expect_file(in(f->dest, rel), data, size);
		assert_int_equal(staging_files(f), 0);
	}
	assert_int_equal(visible(f), 3);
	free(data);
}

static void test_symlink_dir_outside(void **state)
{
	struct fx *f = *state;
	struct xfer x;
	int outcome, fd0;

	open_dest(f, "overwrite");
	assert_int_equal(symlink(f->outside, in(f->dest, "link")), 0);
	assert_int_equal(mkdir(in(f->dest, "real"), 0755), 0);
	assert_int_equal(symlink("../../outside", in(f->dest, "real/rel")), 0);
	fd0 = kf_test_next_fd();

	xfer_new(f, &x, "link/evil.txt", mixed(f, 1000), 1000, 0644);
	EXPECT_ERR(xfer_run(f, &x, 1, &outcome), KF_EPATH, "symbolic link");
	kf_assembly_quarantine(&x.a, "unsafe path");
	xfer_end(&x);

	xfer_new(f, &x, "real/rel/sub/evil.txt", mixed(f, 1000), 1000, 0644);
	EXPECT_ERR(xfer_run(f, &x, 1, &outcome), KF_EPATH, "symbolic link");
	kf_assembly_quarantine(&x.a, "unsafe path");
	xfer_end(&x);

	assert_int_equal(count_entries(f->outside), 0);
	assert_int_equal(staging_files(f), 0);
	assert_int_equal(kf_test_next_fd(), fd0);
}

/* A symlink as the final component is replaced (overwrite) or refused
 * (fail); its target is never written. */
static void test_symlink_final_component(void **state)
{
	struct fx *f = *state;
	struct xfer x;
	struct stat st;
	int outcome;

	assert_int_equal(kf_test_write_file(in(f->outside, "target.txt"),
					    "precious", 8, 0644),
			 0);
	open_dest(f, "fail");
	assert_int_equal(
		symlink(in(f->outside, "target.txt"), in(f->dest, "f.txt")), 0);
	xfer_new(f, &x, "f.txt", mixed(f, 1000), 1000, 0644);
	assert_true(xfer_run(f, &x, 1, &outcome) < 0);
	kf_assembly_discard(&x.a);
	xfer_end(&x);
	assert_int_equal(lstat(in(f->dest, "f.txt"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	expect_file(in(f->outside, "target.txt"), "precious", 8);

	open_dest(f, "overwrite");
	xfer_new(f, &x, "f.txt", mixed(f, 1000), 1000, 0644);
	EXPECT_OK(xfer_run(f, &x, 1, &outcome));
	assert_int_equal(outcome, KF_REPLACED);
	assert_int_equal(lstat(in(f->dest, "f.txt"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	expect_file(in(f->dest, "f.txt"), x.data, 1000);
	expect_file(in(f->outside, "target.txt"), "precious", 8);
	assert_int_equal(count_entries(f->outside), 1);
	xfer_end(&x);
}

static void test_target_is_directory(void **state)
{
	struct fx *f = *state;
	struct xfer x;
	struct stat st;
	int outcome;

	open_dest(f, "overwrite");
	assert_int_equal(mkdir(in(f->dest, "d"), 0755), 0);
	assert_int_equal(
		kf_test_write_file(in(f->dest, "d/inner"), "keep", 4, 0644), 0);
	xfer_new(f, &x, "d", mixed(f, 3000), 3000, 0644);
	assert_true(xfer_run(f, &x, 1, &outcome) < 0);
	assert_true(errbuf[0] != '\0');
	kf_assembly_quarantine(&x.a, "target is a directory");
	xfer_end(&x);
	assert_int_equal(lstat(in(f->dest, "d"), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	expect_file(in(f->dest, "d/inner"), "keep", 4);

	/* rename keeps both */
	open_dest(f, "rename");
	xfer_new(f, &x, "d", mixed(f, 3000), 3000, 0644);
	EXPECT_OK(xfer_run(f, &x, 1, &outcome));
	assert_int_equal(outcome, KF_RENAMED);
	expect_file(in(f->dest, "d.1"), x.data, 3000);
	expect_file(in(f->dest, "d/inner"), "keep", 4);
	xfer_end(&x);
}

/* Something that is not a regular file at the target: the finish must
 * answer (here KF_EEXIST: policy fail), not wait on it. A FIFO opened for
 * reading blocks until a writer comes. */
struct finish_job {
	kf_assembly_t *a;
	kf_wire_commit_t c;
	int r, outcome, done;
	char err[512];
};

/* No cmocka calls here: assertions belong to the main thread. */
static void *finish_thread(void *arg)
{
	struct finish_job *j = arg;

	j->r = kf_assembly_finish(j->a, &j->c, &j->outcome, j->err,
				  sizeof(j->err));
	__atomic_store_n(&j->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void test_fifo_at_target(void **state)
{
	const struct timespec tick = {0, 10 * 1000 * 1000};
	struct fx *f = *state;
	struct finish_job j = {0};
	struct xfer x;
	struct stat st;
	pthread_t t;
	int i, hung = 0, fd;

	open_dest(f, "fail");
	assert_int_equal(mkfifo(in(f->dest, "p"), 0644), 0);
	xfer_new(f, &x, "p", mixed(f, 1000), 1000, 0644);
	xfer_init(f, &x, 1);
	EXPECT_OK(xfer_begin(&x));
	xfer_all_chunks(f, &x);
	j.a = &x.a;
	j.c = commit_of(&x);
	assert_int_equal(pthread_create(&t, NULL, finish_thread, &j), 0);
	for (i = 0; i < 500 && !__atomic_load_n(&j.done, __ATOMIC_ACQUIRE); i++)
		nanosleep(&tick, NULL);
	while (!__atomic_load_n(&j.done, __ATOMIC_ACQUIRE)) {
		/* stuck in open(2): be the writer it waits for */
		hung = 1;
		fd = open(in(f->dest, "p"), O_WRONLY | O_NONBLOCK);
		if (fd >= 0)
			close(fd);
		nanosleep(&tick, NULL);
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	kf_assembly_discard(&x.a);
	xfer_end(&x);
	if (hung)
		fail_msg("kf_assembly_finish blocked for 5 s opening the FIFO "
			 "at the target path");
	if (j.r != KF_EEXIST)
		fail_msg("finish with a FIFO at the target: %d (%s)", j.r,
			 j.err);
	assert_int_equal(lstat(in(f->dest, "p"), &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
}

static void test_discard(void **state)
{
	struct fx *f = *state;
	struct xfer x;
	int fd0;

	open_dest(f, "fail");
	fd0 = kf_test_next_fd();
	xfer_new(f, &x, "gone/x.bin", mixed(f, 2 * CHUNK), 2 * CHUNK, 0644);
	xfer_init(f, &x, 1);
	EXPECT_OK(xfer_begin(&x));
	EXPECT_OK(xfer_chunk(f, &x, INTACT));
	assert_int_equal(staging_files(f), 1);
	kf_assembly_discard(&x.a);
	assert_int_equal(staging_files(f), 0);
	assert_int_equal(visible(f), 0);
	assert_int_equal(count_entries(in(f->dest, ".kferry/quarantine")), 0);
	xfer_end(&x);
	assert_int_equal(kf_test_next_fd(), fd0);
}

/* Two receivers on one DEST: neither takes the other's staging for a dead
 * instance's. */
static void test_second_instance_keeps_staging(void **state)
{
	struct fx *f = *state;
	const size_t size = 3 * CHUNK;
	kf_dest_t *d2 = NULL;
	struct xfer x, y;
	int ni, nl, nf, outcome;

	open_dest(f, "fail");
	xfer_new(f, &x, "one.bin", mixed(f, size), size, 0644);
	xfer_init(f, &x, 1);
	EXPECT_OK(xfer_begin(&x));
	EXPECT_OK(xfer_chunk(f, &x, INTACT));

	EXPECT_OK(kf_dest_open(f->dest, keep_of(f->conf), &d2, errbuf,
			       sizeof(errbuf)));
	assert_true(staging_exists(f, x.a.staging));
	scan_tmp(f, &ni, &nl, &nf, NULL, NULL);
	assert_int_equal(ni, 2);
	assert_int_equal(nl, 2);

	/* the second one works too */
	xfer_new(f, &y, "two.bin", mixed(f, 1000), 1000, 0644);
	assert_int_equal(kf_assembly_init(&y.a, d2, &y.m, 1), 0);
	EXPECT_OK(xfer_begin(&y));
	xfer_all_chunks(f, &y);
	EXPECT_OK(xfer_finish(&y, &outcome));
	assert_int_equal(outcome, KF_PLACED);
	expect_file(in(f->dest, "two.bin"), y.data, 1000);
	xfer_end(&y);

	/* and the first finishes its transfer */
	xfer_all_chunks(f, &x);
	EXPECT_OK(xfer_finish(&x, &outcome));
	assert_int_equal(outcome, KF_PLACED);
	expect_file(in(f->dest, "one.bin"), x.data, size);

	/* a started transfer of the first survives the second's close */
	xfer_end(&x);
	xfer_new(f, &x, "three.bin", mixed(f, size), size, 0644);
	xfer_init(f, &x, 1);
	EXPECT_OK(xfer_begin(&x));
	EXPECT_OK(xfer_chunk(f, &x, INTACT));
	kf_dest_close(d2);
	assert_true(staging_exists(f, x.a.staging));
	scan_tmp(f, &ni, &nl, &nf, NULL, NULL);
	assert_int_equal(ni, 1);
	assert_int_equal(nl, 1);
	xfer_all_chunks(f, &x);
	EXPECT_OK(xfer_finish(&x, &outcome));
	assert_int_equal(outcome, KF_PLACED);
	expect_file(in(f->dest, "three.bin"), x.data, size);
	xfer_end(&x);

	kf_dest_close(f->d);
	f->d = NULL;
	scan_tmp(f, &ni, &nl, &nf, NULL, NULL);
	assert_int_equal(ni, 0);
	assert_int_equal(nl, 0);
}

/* The staging of an instance whose lock nobody holds is removed; one
 * whose lock is held (a live receiver, here this test) is not. */
static void test_dead_instance_reaped(void **state)
{
	struct fx *f = *state;
	char tmp[PATH_MAX];
	int live, ni, nl, nf;

	kf_test_fmt(tmp, sizeof(tmp), "%s/.kferry/tmp", f->dest);
	assert_int_equal(kf_test_mkdir_p(in(tmp, "deadbeef0000"), 0700), 0);
	assert_int_equal(kf_test_write_file(in(tmp, "deadbeef0000/"
						    "0011-1.part"),
					    "partial", 7, 0600),
			 0);
	assert_int_equal(
		kf_test_write_file(in(tmp, "deadbeef0000.lock"), "", 0, 0600),
		0);
	assert_int_equal(mkdir(in(tmp, "cafe00000000"), 0700), 0);
	assert_int_equal(kf_test_write_file(in(tmp, "cafe00000000/"
						    "0022-1.part"),
					    "live", 4, 0600),
			 0);
	live = open(in(tmp, "cafe00000000.lock"), O_RDWR | O_CREAT | O_CLOEXEC,
		    0600);
	assert_true(live >= 0);
	assert_int_equal(flock(live, LOCK_EX | LOCK_NB), 0);

	open_dest(f, "fail");
	expect_absent(in(tmp, "deadbeef0000"));
	expect_absent(in(tmp, "deadbeef0000.lock"));
	expect_file(in(tmp, "cafe00000000/0022-1.part"), "live", 4);
	scan_tmp(f, &ni, &nl, &nf, NULL, NULL);
	assert_int_equal(ni, 2); /* ours and the live one */
	assert_int_equal(nl, 2);

	/* once its process is gone, the next start removes it */
	close(live);
	kf_dest_close(f->d);
	f->d = NULL;
	scan_tmp(f, &ni, &nl, &nf, NULL, NULL);
	assert_int_equal(ni, 1);
	open_dest(f, "fail");
	expect_absent(in(tmp, "cafe00000000"));
	expect_absent(in(tmp, "cafe00000000.lock"));
	scan_tmp(f, &ni, &nl, &nf, NULL, NULL);
	assert_int_equal(ni, 1);
	assert_int_equal(nl, 1);
	assert_int_equal(visible(f), 0);
}

/* Closing removes this instance's staging, finished or not. */
static void test_close_removes_staging(void **state)
{
	struct fx *f = *state;
	struct xfer x;
	int ni, nl, nf;

	open_dest(f, "fail");
	xfer_new(f, &x, "x.bin", mixed(f, 2 * CHUNK), 2 * CHUNK, 0644);
	xfer_init(f, &x, 1);
	EXPECT_OK(xfer_begin(&x));
	EXPECT_OK(xfer_chunk(f, &x, INTACT));
	xfer_end(&x); /* memory and descriptor only */
	assert_int_equal(staging_files(f), 1);
	kf_dest_close(f->d);
	f->d = NULL;
	scan_tmp(f, &ni, &nl, &nf, NULL, NULL);
	assert_int_equal(ni, 0);
	assert_int_equal(nl, 0);
	assert_int_equal(nf, 0);
}

static void test_dest_open_creates_and_refuses_links(void **state)
{
	struct fx *f = *state;
	kf_dest_t *d = NULL;
	char deep[PATH_MAX];
	struct stat st;

	kf_test_fmt(deep, sizeof(deep), "%s/a/b/c", f->dir);
	EXPECT_OK(kf_dest_open(deep, keep_of(f->conf), &d, errbuf,
			       sizeof(errbuf)));
	assert_int_equal(stat(in(deep, ".kferry/tmp"), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(in(deep, ".kferry/quarantine"), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	kf_dest_close(d);
	kf_dest_close(NULL);

	/* a private area that is a link elsewhere is refused */
	assert_int_equal(mkdir(f->dest, 0755), 0);
	assert_int_equal(symlink(f->outside, in(f->dest, ".kferry")), 0);
	d = NULL;
	errbuf[0] = '\0';
	assert_true(kf_dest_open(f->dest, keep_of(f->conf), &d, errbuf,
				 sizeof(errbuf)) < 0);
	assert_true(strstr(errbuf, ".kferry") != NULL);
	assert_null(d);
	assert_int_equal(count_entries(f->outside), 0);

	/* a destination that is a file is refused, naming it */
	assert_int_equal(kf_test_write_file(in(f->dir, "plain"), "x", 1, 0644),
			 0);
	errbuf[0] = '\0';
	assert_true(kf_dest_open(in(f->dir, "plain"), keep_of(f->conf), &d,
				 errbuf, sizeof(errbuf)) < 0);
	assert_null(d);
	assert_non_null(strstr(errbuf, "plain"));
	expect_file(in(f->dir, "plain"), "x", 1);
}

/* A full disk shows up at begin (KF_ELIMIT: never fits; KF_ENOSPC: wait),
 * leaving nothing behind. */
static void test_enospc_at_begin(void **state)
{
	struct fx *f = *state;
	const size_t big = 4u << 20, small = 256 * KIB;
	uint8_t *filler;
	struct xfer x;
	int outcome;

	if (geteuid() != 0) {
		print_message("skipped: needs root to mount a small tmpfs\n");
		skip();
	}
	kf_test_fmt(f->mnt, sizeof(f->mnt), "%s/small", f->dir);
	assert_int_equal(mkdir(f->mnt, 0755), 0);
	if (mount("tmpfs", f->mnt, "tmpfs", 0, "size=1m") < 0) {
		print_message("skipped: mount -t tmpfs -o size=1m: %s\n",
			      strerror(errno));
		f->mnt[0] = '\0';
		skip();
	}
	kf_test_fmt(f->dest, sizeof(f->dest), "%s/dest", f->mnt);
	open_dest(f, "fail");

	/* larger than the whole file system: never going to fit */
	xfer_new(f, &x, "big.bin", mixed(f, big), big, 0644);
	xfer_init(f, &x, 1);
	EXPECT_ERR(xfer_begin(&x), KF_ELIMIT, "big.bin");
	assert_int_equal(x.a.fd, -1);
	assert_int_equal(staging_files(f), 0);
	assert_int_equal(visible(f), 0);
	xfer_end(&x);

	/* fits the file system but not what is free now: retryable, and
	 * nothing is reserved while waiting */
	filler = mixed(f, 640 * KIB);
	assert_int_equal(kf_test_write_file(in(f->mnt, "filler"), filler,
					    640 * KIB, 0644),
			 0);
	free(filler);
	xfer_new(f, &x, "mid.bin", mixed(f, 512 * KIB), 512 * KIB, 0644);
	xfer_init(f, &x, 1);
	EXPECT_ERR(xfer_begin(&x), KF_ENOSPC, "mid.bin");
	assert_int_equal(x.a.fd, -1);
	assert_int_equal(staging_files(f), 0);
	xfer_end(&x);
	assert_int_equal(unlink(in(f->mnt, "filler")), 0);

	/* the space is still there for a file that fits */
	xfer_new(f, &x, "small.bin", mixed(f, small), small, 0644);
	EXPECT_OK(xfer_run(f, &x, 1, &outcome));
	assert_int_equal(outcome, KF_PLACED);
	expect_file(in(f->dest, "small.bin"), x.data, small);
	xfer_end(&x);
}

/* ------------------------------------------------- signed transfers */

/* Runs x as a signed transfer whose sender signed the SHA-256 digest. */
static int signed_run(struct fx *f, struct xfer *x, const uint8_t *digest,
		      int *outcome)
{
	xfer_init(f, x, 1);
	x->a.signed_digest = digest;
	EXPECT_OK(xfer_begin(x));
	xfer_all_chunks(f, x);
	return xfer_finish(x, outcome);
}

/* Sets the modification time of path to MTIME_SEC + delta seconds. */
static void set_mtime(const char *path, long delta)
{
	struct timespec ts[2] = {{0, UTIME_OMIT},
				 {(time_t)(MTIME_SEC + delta), 0}};

	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/* A file that matches a signed transfer's size and XXH3-128 but not the
 * SHA-256 its sender signed is not "already present": with policy fail
 * the transfer stops on it (docs/protocol.md section 10.8, rule 4). */
static void test_signed_present_needs_digest(void **state)
{
	struct fx *f = *state;
	const size_t size = CHUNK + 77;
	uint8_t *data = mixed(f, size), good[KF_CRYPTO_SHA256_LEN];
	uint8_t other[KF_CRYPTO_SHA256_LEN];
	struct xfer x, again;
	int outcome;

	assert_int_equal(kf_sha256(data, size, good), 0);
	memcpy(other, good, sizeof(other));
	other[0] ^= 1;
	open_dest(f, "fail");
	assert_int_equal(
		kf_test_write_file(in(f->dest, "s.bin"), data, size, 0644), 0);
	xfer_new(f, &x, "s.bin", data, size, 0644);
	EXPECT_ERR(signed_run(f, &x, other, &outcome), KF_EEXIST,
		   "already exists with other content");
	kf_assembly_discard(&x.a);
	/* the same bytes with the digest they really have are present */
	xfer_again(&again, &x);
	EXPECT_OK(signed_run(f, &again, good, &outcome));
	assert_int_equal(outcome, KF_SKIPPED);
	expect_file(in(f->dest, "s.bin"), again.data, size);
	assert_int_equal(staging_files(f), 0);
	xfer_end(&again);
	xfer_end(&x);
}

/* Overwrite: an older signed version never replaces a newer file (a
 * replayed recording); a newer or equally old one does, and unsigned
 * transfers are not judged by their mtime (section 10.8, rule 6). */
static void test_signed_older_kept(void **state)
{
	struct fx *f = *state;
	const size_t size = 2 * CHUNK + 1;
	uint8_t digest[KF_CRYPTO_SHA256_LEN];
	struct xfer x, again;
	struct stat st;
	int outcome;

	open_dest(f, "overwrite");
	assert_int_equal(
		kf_test_write_file(in(f->dest, "p.conf"), "v2", 2, 0644), 0);
	set_mtime(in(f->dest, "p.conf"), 1);
	xfer_new(f, &x, "p.conf", mixed(f, size), size, 0644);
	assert_int_equal(kf_sha256(x.data, size, digest), 0);
	EXPECT_OK(signed_run(f, &x, digest, &outcome));
	assert_int_equal(outcome, KF_KEPT_NEWER);
	expect_file(in(f->dest, "p.conf"), "v2", 2);
	assert_int_equal(staging_files(f), 0);

	/* unsigned: replaced, whatever its mtime says */
	xfer_again(&again, &x);
	EXPECT_OK(xfer_run(f, &again, 2, &outcome));
	assert_int_equal(outcome, KF_REPLACED);
	expect_file(in(f->dest, "p.conf"), again.data, size);
	xfer_end(&again);
	xfer_end(&x);

	/* signed and as old as the file there, or newer: replaced */
	xfer_new(f, &x, "p.conf", mixed(f, size), size, 0644);
	assert_int_equal(kf_sha256(x.data, size, digest), 0);
	EXPECT_OK(signed_run(f, &x, digest, &outcome));
	assert_int_equal(outcome, KF_REPLACED);
	expect_file(in(f->dest, "p.conf"), x.data, size);
	xfer_end(&x);
	set_mtime(in(f->dest, "p.conf"), -1);
	xfer_new(f, &x, "p.conf", mixed(f, size), size, 0644);
	assert_int_equal(kf_sha256(x.data, size, digest), 0);
	EXPECT_OK(signed_run(f, &x, digest, &outcome));
	assert_int_equal(outcome, KF_REPLACED);
	expect_file(in(f->dest, "p.conf"), x.data, size);
	assert_int_equal(stat(in(f->dest, "p.conf"), &st), 0);
	assert_int_equal(st.st_mtim.tv_sec, MTIME_SEC);
	assert_int_equal(visible(f), 1);
	assert_int_equal(staging_files(f), 0);
	xfer_end(&x);
}

/* A RESUME of a transfer never seen here reads a file of DEST only when
 * it has the size and the mtime of the manifest (a file this receiver
 * placed from it): a forged RESUME and COMMIT naming any file and size
 * cannot make it read that file in full, or say whether it holds a given
 * content. */
static void test_present_needs_mtime(void **state)
{
	struct fx *f = *state;
	const size_t size = CHUNK + 9;
	struct timespec ts[2] = {{0, UTIME_OMIT},
				 {(time_t)MTIME_SEC, MTIME_NSEC}};
	kf_wire_commit_t c;
	struct xfer x;
	int outcome = 0;

	open_dest(f, "fail");
	xfer_new(f, &x, "o.bin", mixed(f, size), size, 0644);
	assert_int_equal(
		kf_test_write_file(in(f->dest, "o.bin"), x.data, size, 0644),
		0);
	xfer_init(f, &x, 1);
	c = commit_of(&x);
	EXPECT_ERR(
		kf_assembly_present(&x.a, &c, &outcome, errbuf, sizeof(errbuf)),
		KF_EPROTO, "is not at DEST: send the file again");
	assert_int_equal(utimensat(AT_FDCWD, in(f->dest, "o.bin"), ts, 0), 0);
	EXPECT_OK(kf_assembly_present(&x.a, &c, &outcome, errbuf,
				      sizeof(errbuf)));
	assert_int_equal(outcome, KF_SKIPPED);
	xfer_end(&x);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_full_transfer),
		T(test_special_mode_bits_stripped),
		T(test_umask),
		T(test_empty_file),
		T(test_chunk_wrong_hash_quarantined),
		T(test_chunk_corrupt_payload),
		T(test_commit_wrong_hash),
		T(test_commit_wrong_size),
		T(test_conflict_fail),
		T(test_conflict_overwrite),
		T(test_conflict_rename),
		T(test_identical_existing_skipped),
		T(test_symlink_dir_outside),
		T(test_symlink_final_component),
		T(test_target_is_directory),
		T(test_fifo_at_target),
		T(test_discard),
		T(test_second_instance_keeps_staging),
		T(test_dead_instance_reaped),
		T(test_close_removes_staging),
		T(test_dest_open_creates_and_refuses_links),
		T(test_enospc_at_begin),
		T(test_signed_present_needs_digest),
		T(test_signed_older_kept),
		T(test_present_needs_mtime),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
