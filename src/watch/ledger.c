/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sender ledger (docs/watch.md, "The ledger").
 *
 *   kferry-ledger 1
 *   S <route> <size> <mtime_ns> <ino> <sent_s> <path> <check>
 *   X <route> <size> <mtime_ns> <ino> <sent_s> <path> <check>
 *   P <route> <size> <mtime_ns> <ino> <sent_s> <xid> <next> <chunk> <path>
 *     <check>
 *
 * fields separated by one tab; path %-escaped (bytes below 0x21, '%' and
 * 0x7f as %XX); check = the first 8 bytes of the XXH3-128 of everything
 * before it (tab included), 16 lower-case hex digits.
 */
#include "watch/ledger.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "core/path.h"
#include "common/log.h"
#include "core/codec.h"

struct kf_ledger_s {
	int fd;
	int dirfd;
	int lockfd; /* flock'ed while the ledger is open */
	pthread_mutex_t lock;
	pthread_cond_t synced; /* an fdatasync ended */
	uint64_t written_gen;  /* appends written */
	uint64_t synced_gen;   /* appends known durable */
	int syncing;	       /* a thread is in fdatasync */
	/* The error of a failed fdatasync, sticky: the kernel may have
	 * dropped the pages it could not write, and a later fdatasync of
	 * the same file can then succeed without them. Cleared only by
	 * rewriting the ledger into a new file (kf__compact). */
	int failed;
};

static const char kf__header[] = "kferry-ledger 1\n";

static void kf__check(const char *s, size_t n, char out[17])
{
	uint8_t h[16];
	int i;

	kf_hash128(s, n, h);
	for (i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static int kf__needs_escape(unsigned char c)
{
	return c < 0x21 || c == '%' || c == 0x7f;
}

long kf_ledger_format(const struct kf_ledger_rec *rec, char *buf, size_t cap)
{
	const unsigned char *p;
	char check[17];
	size_t n;
	int w;

	int kind = rec->kind ? rec->kind : KF_LEDGER_SENT;

	w = snprintf(buf, cap,
		     "%c\t%s\t%" PRIu64 "\t%" PRId64 "\t%" PRIu64 "\t%" PRId64
		     "\t",
		     kind, rec->route, rec->size, rec->mtime_ns, rec->ino,
		     rec->sent_s);
	if (w < 0 || (size_t)w >= cap)
		return KF_ELIMIT;
	n = (size_t)w;
	if (kind == KF_LEDGER_PROGRESS) {
		int i;

		if (n + 32 + 2 * 24 >= cap)
			return KF_ELIMIT;
		for (i = 0; i < 16; i++)
			n += (size_t)snprintf(buf + n, cap - n, "%02x",
					      rec->xid[i]);
		n += (size_t)snprintf(buf + n, cap - n,
				      "\t%" PRIu64 "\t%" PRIu32 "\t",
				      rec->next_index, rec->chunk_size);
	}
	for (p = (const unsigned char *)rec->rel; *p; p++) {
		if (n + 4 >= cap)
			return KF_ELIMIT;
		if (kf__needs_escape(*p))
			n += (size_t)snprintf(buf + n, cap - n, "%%%02X", *p);
		else
			buf[n++] = (char)*p;
	}
	if (n + 1 + 16 + 2 > cap)
		return KF_ELIMIT;
	buf[n++] = '\t';
	kf__check(buf, n, check);
	memcpy(buf + n, check, 16);
	n += 16;
	buf[n++] = '\n';
	buf[n] = '\0';
	return (long)n;
}

static int kf__hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes %XX escapes in place. */
static int kf__unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (*s != '%') {
			*w++ = *s;
			continue;
		}
		if (kf__hex(s[1]) < 0 || kf__hex(s[2]) < 0)
			return KF_EPROTO;
		*w++ = (char)(kf__hex(s[1]) * 16 + kf__hex(s[2]));
		s += 2;
	}
	*w = '\0';
	return 0;
}

static int kf__parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return KF_EPROTO;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end ? KF_EPROTO : 0;
}

static int kf__parse_i64(const char *s, int64_t *out)
{
	char *end;

	if (!*s)
		return KF_EPROTO;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno || *end ? KF_EPROTO : 0;
}

static int kf__parse_xid(const char *s, uint8_t xid[16])
{
	int i;

	if (strlen(s) != 32)
		return KF_EPROTO;
	for (i = 0; i < 16; i++) {
		if (kf__hex(s[2 * i]) < 0 || kf__hex(s[2 * i + 1]) < 0)
			return KF_EPROTO;
		xid[i] = (uint8_t)(kf__hex(s[2 * i]) * 16 +
				   kf__hex(s[2 * i + 1]));
	}
	return 0;
}

/* The checkpoint fields of a P record: xid, next_index, chunk_size. */
static int kf__parse_progress(char **f, struct kf_ledger_rec *rec)
{
	uint64_t chunk;

	if (kf__parse_xid(f[0], rec->xid) ||
	    kf__parse_u64(f[1], &rec->next_index) ||
	    kf__parse_u64(f[2], &chunk) || !chunk || chunk > UINT32_MAX)
		return KF_EPROTO;
	rec->chunk_size = (uint32_t)chunk;
	return 0;
}

int kf_ledger_parse(char *line, struct kf_ledger_rec *rec)
{
	char *f[11], check[17], *p = line;
	size_t len = strlen(line), i, nf;

	if (len < 18 || line[len - 17] != '\t')
		return KF_EPROTO;
	kf__check(line, len - 16, check);
	if (memcmp(check, line + len - 16, 16))
		return KF_EPROTO;
	nf = line[0] == KF_LEDGER_PROGRESS ? 11 : 8;
	for (i = 0; i < nf; i++) {
		f[i] = p;
		p = strchr(p, '\t');
		if (i < nf - 1 && !p)
			return KF_EPROTO;
		if (p)
			*p++ = '\0';
	}
	if (strlen(f[0]) != 1 || !strchr("SPX", f[0][0]) || !*f[1] ||
	    !*f[nf - 2])
		return KF_EPROTO;
	memset(rec, 0, sizeof(*rec));
	rec->kind = f[0][0];
	rec->route = f[1];
	rec->rel = f[nf - 2];
	if (kf__parse_u64(f[2], &rec->size) ||
	    kf__parse_i64(f[3], &rec->mtime_ns) ||
	    kf__parse_u64(f[4], &rec->ino) || kf__parse_i64(f[5], &rec->sent_s))
		return KF_EPROTO;
	if (rec->kind == KF_LEDGER_PROGRESS && kf__parse_progress(f + 6, rec))
		return KF_EPROTO;
	return kf__unescape(f[nf - 2]);
}

/* ------------------------------------------------------------ loading */

struct kf__loaded {
	char *line; /* owned, parsed in place */
	struct kf_ledger_rec rec;
	size_t seq;
};

struct kf__records {
	struct kf__loaded *v;
	size_t n, cap;
};

static int kf__cmp(const void *a, const void *b)
{
	const struct kf__loaded *x = a, *y = b;
	int c = strcmp(x->rec.route, y->rec.route);

	if (!c)
		c = strcmp(x->rec.rel, y->rec.rel);
	if (!c)
		c = x->seq < y->seq ? -1 : x->seq > y->seq;
	return c;
}

static int kf__records_add(struct kf__records *rs, char *line)
{
	struct kf__loaded *e;

	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 256;

		e = realloc(rs->v, cap * sizeof(*e));
		if (!e)
			return KF_ENOMEM;
		rs->v = e;
		rs->cap = cap;
	}
	e = &rs->v[rs->n];
	if (!(e->line = strdup(line)))
		return KF_ENOMEM;
	if (kf_ledger_parse(e->line, &e->rec)) {
		kf_warn("watch", "ledger: ignoring a damaged record");
		free(e->line);
		return 0;
	}
	e->seq = rs->n++;
	return 0;
}

static void kf__records_free(struct kf__records *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		free(rs->v[i].line);
	free(rs->v);
}

/* Reads every complete line; a last line without its '\n' is torn. */
static int kf__read(int dirfd, struct kf__records *rs, char *errstr,
		    size_t errstr_size)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int fd, err = 0, first = 1;
	FILE *f;

	fd = openat(dirfd, KF_LEDGER_FILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || !(f = fdopen(fd, "r"))) {
		if (fd >= 0)
			close(fd);
		return kf_seterr(errstr, errstr_size, KF_EIO,
				 "ledger: cannot open: %s", strerror(errno));
	}
	while (!err && (len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] != '\n') {
			kf_warn("watch", "ledger: ignoring a torn last record");
			break;
		}
		line[--len] = '\0';
		if (first && strcmp(line, "kferry-ledger 1")) {
			err = kf_seterr(errstr, errstr_size, KF_EVERSION,
					"ledger: unknown format \"%.40s\" "
					"(expected kferry-ledger 1)",
					line);
			break;
		}
		if (!first && (size_t)len < KF_LEDGER_LINE_MAX)
			err = kf__records_add(rs, line);
		first = 0;
	}
	free(line);
	fclose(f);
	return err;
}

static int kf__write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return kf_err_from_errno(errno);
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Writes the records kept to ledger.tmp, fsyncs, renames it over the
 * ledger and fsyncs the directory. */
static int kf__rewrite(int dirfd, struct kf__records *rs,
		       kf_ledger_keep_cb *keep, kf_ledger_each_cb *each,
		       void *opaque, char *errstr, size_t errstr_size)
{
	char buf[KF_LEDGER_LINE_MAX];
	int fd, err;
	size_t i;

	fd = openat(dirfd, "ledger.tmp",
		    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return kf_seterr(errstr, errstr_size, KF_EIO,
				 "ledger: cannot create ledger.tmp: %s",
				 strerror(errno));
	err = kf__write_all(fd, kf__header, sizeof(kf__header) - 1);
	for (i = 0; !err && i < rs->n; i++) {
		const struct kf_ledger_rec *r = &rs->v[i].rec;
		long n;

		/* only the newest record of a route and path */
		if (i + 1 < rs->n &&
		    !strcmp(r->route, rs->v[i + 1].rec.route) &&
		    !strcmp(r->rel, rs->v[i + 1].rec.rel))
			continue;
		if (keep && !keep(opaque, r))
			continue;
		n = kf_ledger_format(r, buf, sizeof(buf));
		if (n > 0)
			err = kf__write_all(fd, buf, (size_t)n);
		if (!err && each)
			each(opaque, r);
	}
	if (!err && fsync(fd))
		err = kf_err_from_errno(errno);
	close(fd);
	if (!err && renameat(dirfd, "ledger.tmp", dirfd, KF_LEDGER_FILE))
		err = kf_err_from_errno(errno);
	if (!err && fsync(dirfd))
		err = kf_err_from_errno(errno);
	if (err)
		return kf_seterr(errstr, errstr_size, err,
				 "ledger: cannot rewrite it: %s",
				 strerror(errno));
	return 0;
}

static int kf__lock(kf_ledger_t *l, const char *dir, char *errstr,
		    size_t errstr_size)
{
	int fd = openat(l->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return kf_seterr(errstr, errstr_size, KF_EIO, "%s/lock: %s",
				 dir, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		return kf_seterr(errstr, errstr_size, KF_EIO,
				 "%s is in use by another kferry watch "
				 "(give each daemon its own watch.state_dir)",
				 dir);
	}
	l->lockfd = fd;
	return 0;
}

/* Reads the ledger, rewrites it compacted into a new file (fsync'ed,
 * renamed over it) and opens that for appends. */
static int kf__compact(kf_ledger_t *l, kf_ledger_keep_cb *keep,
		       kf_ledger_each_cb *each, void *opaque, char *errstr,
		       size_t errstr_size)
{
	struct kf__records rs = {0};
	int fd, err;

	err = kf__read(l->dirfd, &rs, errstr, errstr_size);
	if (!err && rs.n)
		qsort(rs.v, rs.n, sizeof(*rs.v), kf__cmp);
	if (!err)
		err = kf__rewrite(l->dirfd, &rs, keep, each, opaque, errstr,
				  errstr_size);
	kf__records_free(&rs);
	if (err)
		return err;
	fd = openat(l->dirfd, KF_LEDGER_FILE, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return kf_seterr(errstr, errstr_size, KF_EIO, "ledger: %s",
				 strerror(errno));
	if (l->fd >= 0)
		close(l->fd);
	l->fd = fd;
	return 0;
}

kf_ledger_t *kf_ledger_open(const char *dir, kf_ledger_keep_cb *keep,
			    kf_ledger_each_cb *each, void *opaque, char *errstr,
			    size_t errstr_size)
{
	kf_ledger_t *l = calloc(1, sizeof(*l));
	int err;

	if (!l)
		return NULL;
	l->fd = -1;
	l->lockfd = -1;
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->synced, NULL);
	err = kf_path_mkdir_p(dir, 0755, 0);
	if (err ||
	    (l->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		kf_seterr(errstr, errstr_size, KF_EIO,
			  "watch.state_dir %s: cannot create or open it: %s",
			  dir, strerror(errno));
		l->dirfd = -1;
		goto out_close;
	}
	if (kf__lock(l, dir, errstr, errstr_size) ||
	    kf__compact(l, keep, each, opaque, errstr, errstr_size))
		goto out_close;
	return l;

out_close:
	kf_ledger_close(l);
	return NULL;
}

/* Group commit: an append returns once an fdatasync that began after its
 * write has succeeded. Appends that arrive while one thread syncs wait
 * for the next sync and share it, so several workers finishing files at
 * once pay for one fdatasync instead of one each. Once an fdatasync
 * failed, every append not yet durable fails with it. Called with
 * l->lock. */
static int kf__sync_to(kf_ledger_t *l, uint64_t gen)
{
	uint64_t target;
	int err = 0;

	while (l->synced_gen < gen) {
		if (l->failed)
			return l->failed;
		if (l->syncing) {
			pthread_cond_wait(&l->synced, &l->lock);
			continue;
		}
		l->syncing = 1;
		target = l->written_gen;
		pthread_mutex_unlock(&l->lock);
		err = fdatasync(l->fd) ? kf_err_from_errno(errno) : 0;
		pthread_mutex_lock(&l->lock);
		l->syncing = 0;
		if (err)
			l->failed = err;
		else
			l->synced_gen = target;
		pthread_cond_broadcast(&l->synced);
	}
	return 0;
}

/* After a failed fdatasync: the ledger is rewritten from what reads back
 * into a new file (whose fsync is trustworthy again). Records whose
 * appends failed may be missing: their files are sent again, never
 * deleted unsent. Called with l->lock, no fdatasync running. */
static int kf__recover(kf_ledger_t *l, char *errstr, size_t errstr_size)
{
	int err = kf__compact(l, NULL, NULL, NULL, errstr, errstr_size);

	if (err)
		return err;
	kf_warn("watch",
		"ledger: rewritten after a failed fdatasync (%s); "
		"files whose record was lost will be sent again",
		kf_strerror(l->failed));
	l->failed = 0;
	l->synced_gen = l->written_gen;
	return 0;
}

int kf_ledger_append(kf_ledger_t *l, const struct kf_ledger_rec *rec,
		     char *errstr, size_t errstr_size)
{
	char buf[KF_LEDGER_LINE_MAX];
	long n = kf_ledger_format(rec, buf, sizeof(buf));
	int err;

	if (n < 0)
		return kf_seterr(errstr, errstr_size, (int)n,
				 "ledger: record too long");
	pthread_mutex_lock(&l->lock);
	/* (no fdatasync runs once one failed: kf__sync_to starts none) */
	if (l->failed && (err = kf__recover(l, errstr, errstr_size)) != 0) {
		pthread_mutex_unlock(&l->lock);
		return err;
	}
	err = kf__write_all(l->fd, buf, (size_t)n);
	if (!err)
		err = kf__sync_to(l, ++l->written_gen);
	pthread_mutex_unlock(&l->lock);
	if (err)
		return kf_seterr(errstr, errstr_size, err,
				 "ledger: cannot append: %s", kf_strerror(err));
	return 0;
}

void kf_ledger_close(kf_ledger_t *l)
{
	if (!l)
		return;
	if (l->fd >= 0)
		close(l->fd);
	if (l->dirfd >= 0)
		close(l->dirfd);
	if (l->lockfd >= 0)
		close(l->lockfd);
	pthread_cond_destroy(&l->synced);
	pthread_mutex_destroy(&l->lock);
	free(l);
}
