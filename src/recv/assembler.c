/* SPDX-License-Identifier: Apache-2.0 */
#include "recv/assembler.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "core/crypto.h"
#include "core/path.h"

#define KF__PRIVATE ".kferry"
/* Writeback is started every this many bytes, so that the fsync before
 * the rename has little left to do. */
#define KF__WRITEBACK_STEP (8u << 20)
#define KF__RENAME_TRIES 1000
/* Quarantine retention is checked at least this often while transfers
 * are quarantined (receive.quarantine_max_age). */
#define KF__PRUNE_PERIOD_S 3600

struct kf_dest_s {
	int rootfd, privfd, tmpfd, instfd, quarfd, lockfd;
	char inst[24];
	int policy;
	int fsync;
	int links;		 /* place by hard link first (kf__links_pay) */
	mode_t umask, old_umask; /* receive.umask; the process's before */
	char *path;
	/* quarantine retention: receive.quarantine_max and _max_age; the
	 * quarantines since the last pruning and its time, under q_lock */
	int q_max, q_max_age_s;
	pthread_mutex_t q_lock;
	int q_since;
	time_t q_pruned;
};

/* ------------------------------------------------------------ the root */

static int kf__mkdir_open(int dirfd, const char *name, mode_t mode)
{
	if (mkdirat(dirfd, name, mode) < 0 && errno != EEXIST)
		return -1;
	return openat(dirfd, name,
		      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Deletes the regular files in a directory, then the directory. */
static void kf__rm_flat_dir(int parentfd, const char *name)
{
	int fd = openat(parentfd, name,
			O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct dirent *de;
	DIR *dir;

	if (fd < 0)
		return;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return;
	}
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			unlinkat(fd, de->d_name, 0);
	closedir(dir);
	unlinkat(parentfd, name, AT_REMOVEDIR);
}

/* ---------------------------------------------------- quarantine retention */

struct kf__qent {
	time_t mtime;
	char name[33];
};

/* Oldest first; the name breaks ties so that the order is total. */
static int kf__qent_cmp(const void *a, const void *b)
{
	const struct kf__qent *x = a, *y = b;

	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The quarantined transfers: entries named like a transfer id (32 hex
 * digits), with their mtimes, in *out (caller frees). Anything else in
 * quarantine/ is the operator's and is left alone. */
static size_t kf__quarantine_list(kf_dest_t *d, struct kf__qent **out)
{
	int fd = dup(d->quarfd);
	struct kf__qent *v = NULL, *nv;
	size_t n = 0, cap = 0;
	struct dirent *de;
	struct stat st;
	DIR *dir;

	*out = NULL;
	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	rewinddir(dir);
	while ((de = readdir(dir))) {
		if (strlen(de->d_name) != 32 ||
		    strspn(de->d_name, "0123456789abcdef") != 32 ||
		    fstatat(d->quarfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISDIR(st.st_mode))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		v[n].mtime = st.st_mtime;
		memcpy(v[n].name, de->d_name, 33);
		n++;
	}
	closedir(dir);
	*out = v;
	return n;
}

/* Removes the oldest quarantined transfers beyond receive.quarantine_max
 * and those older than receive.quarantine_max_age. Called with q_lock. */
static void kf__prune_quarantine(kf_dest_t *d)
{
	struct kf__qent *v;
	size_t n = kf__quarantine_list(d, &v), i;
	time_t now = time(NULL);

	if (n)
		qsort(v, n, sizeof(*v), kf__qent_cmp);
	for (i = 0; i < n; i++) {
		if (!(d->q_max && n - i > (size_t)d->q_max) &&
		    !(d->q_max_age_s && now - v[i].mtime > d->q_max_age_s))
			break;
		kf__rm_flat_dir(d->quarfd, v[i].name);
	}
	if (i)
		kf_warn("recv",
			"removed the %zu oldest quarantined transfers "
			"from %s/" KF__PRIVATE "/quarantine "
			"(receive.quarantine_max %d, "
			"receive.quarantine_max_age %d s)",
			i, d->path, d->q_max, d->q_max_age_s);
	free(v);
}

/* After a quarantine: prunes once a hundredth of quarantine_max was
 * added (at least every 100 without a cap), or an hour went by. */
static void kf__quarantine_added(kf_dest_t *d)
{
	int every = d->q_max >= 200 ? d->q_max / 100 : d->q_max ? 1 : 100;
	time_t now = time(NULL);

	if (!d->q_max && !d->q_max_age_s)
		return;
	pthread_mutex_lock(&d->q_lock);
	if (++d->q_since >= every || now - d->q_pruned >= KF__PRUNE_PERIOD_S) {
		d->q_since = 0;
		d->q_pruned = now;
		kf__prune_quarantine(d);
	}
	pthread_mutex_unlock(&d->q_lock);
}

/* Removes the staging directories of instances whose lock nobody holds:
 * their process died, and their transfers will be re-read from Kafka. */
static void kf__reap_dead_instances(kf_dest_t *d)
{
	int fd = dup(d->tmpfd);
	struct dirent *de;
	DIR *dir;

	if (fd < 0 || !(dir = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(dir))) {
		char inst[256];
		size_t n = strlen(de->d_name);
		int lfd;

		if (n < 6 || strcmp(de->d_name + n - 5, ".lock") ||
		    !strncmp(de->d_name, d->inst, strlen(d->inst)))
			continue;
		lfd = openat(d->tmpfd, de->d_name,
			     O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		if (lfd < 0)
			continue;
		if (flock(lfd, LOCK_EX | LOCK_NB) == 0) {
			snprintf(inst, sizeof(inst), "%.*s", (int)(n - 5),
				 de->d_name);
			kf_info("recv",
				"removing staging data left by a "
				"stopped receiver (%s)",
				inst);
			kf__rm_flat_dir(d->tmpfd, inst);
			unlinkat(d->tmpfd, de->d_name, 0);
		}
		close(lfd);
	}
	closedir(dir);
}

/* Asks ext2/3/4 to place each instance's staging directory as it places
 * a top-level one (Orlov: a block group with free inodes and few
 * directories), not in the group of DEST's other directories. Staging
 * files take their inodes from their directory's group, and ext4 without
 * a journal skips every inode of that group freed in the last 5 s (300 s
 * while its inode table block is dirty) one by one on each create: next
 * to a tree another program just deleted, every small file paid for the
 * whole tree (bench/README.md, "Where plain 4 KiB files wait"). A hint
 * only: other file systems refuse it or ignore it. */
static void kf__spread_staging(int tmpfd)
{
	int flags;

	if (ioctl(tmpfd, FS_IOC_GETFLAGS, &flags) == 0 &&
	    !(flags & FS_TOPDIR_FL)) {
		flags |= FS_TOPDIR_FL;
		(void)ioctl(tmpfd, FS_IOC_SETFLAGS, &flags);
	}
}

/* Does a hard link and an unlink place a file for less than a rename
 * between two directories on fd's file system? Measured on ext4, where
 * the rename's file-system-wide lock made the receiver's workers spin
 * (bench/README.md, "Placing by link"); on XFS, btrfs and tmpfs a
 * receiver placed as fast either way, and on a network file system each
 * call is a round trip to the server, so one rename costs less than two
 * calls: those keep the rename. */
static int kf__links_pay(int fd)
{
	struct statfs sf;

	return fstatfs(fd, &sf) == 0 && sf.f_type == EXT4_SUPER_MAGIC;
}

int kf_dest_links(const kf_dest_t *d)
{
	return d->links;
}

static int kf__open_instance(kf_dest_t *d, char *errstr, size_t errstr_size)
{
	uint8_t rnd[6];
	char lockname[40];
	int i;

	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		return kf_seterr(errstr, errstr_size, KF_EIO, "getrandom: %s",
				 strerror(errno));
	for (i = 0; i < 6; i++)
		snprintf(d->inst + 2 * i, 3, "%02x", rnd[i]);
	snprintf(lockname, sizeof(lockname), "%s.lock", d->inst);
	d->lockfd = openat(d->tmpfd, lockname,
			   O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			   0600);
	if (d->lockfd < 0 || flock(d->lockfd, LOCK_EX) < 0)
		return kf_seterr(errstr, errstr_size, kf_err_from_errno(errno),
				 "%s/" KF__PRIVATE "/tmp/%s: %s", d->path,
				 lockname, strerror(errno));
	d->instfd = kf__mkdir_open(d->tmpfd, d->inst, 0700);
	if (d->instfd < 0)
		return kf_seterr(errstr, errstr_size, kf_err_from_errno(errno),
				 "%s/" KF__PRIVATE "/tmp/%s: %s", d->path,
				 d->inst, strerror(errno));
	return 0;
}

int kf_dest_open(const char *path, const kf_dest_opts_t *o, kf_dest_t **out,
		 char *errstr, size_t errstr_size)
{
	kf_dest_t *d = calloc(1, sizeof(*d));
	int r;

	if (!d || !(d->path = strdup(path))) {
		free(d);
		return KF_ENOMEM;
	}
	d->rootfd = d->privfd = d->tmpfd = d->instfd = d->quarfd = -1;
	d->lockfd = -1;
	d->policy = o->on_conflict;
	d->fsync = o->fsync;
	d->q_max = o->quarantine_max;
	d->q_max_age_s = o->quarantine_max_age_s;
	pthread_mutex_init(&d->q_lock, NULL);
	/* Directories get it through the process umask (mkdirat), files
	 * explicitly: their mode comes from the sender and fchmod ignores
	 * the umask. The configuration table checked the value: octal digits
	 * only. */
	d->umask = (mode_t)strtoul(o->umask, NULL, 8) & 0777;
	d->old_umask = umask(d->umask);
	if (kf_path_mkdir_p(path, 0755, 0) < 0 ||
	    (d->rootfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		r = kf_seterr(errstr, errstr_size, kf_err_from_errno(errno),
			      "destination %s: %s", path, strerror(errno));
		goto out_close;
	}
	d->privfd = kf__mkdir_open(d->rootfd, KF__PRIVATE, 0700);
	if (d->privfd >= 0)
		d->tmpfd = kf__mkdir_open(d->privfd, "tmp", 0700);
	if (d->tmpfd >= 0)
		d->quarfd = kf__mkdir_open(d->privfd, "quarantine", 0700);
	if (d->quarfd < 0) {
		r = kf_seterr(errstr, errstr_size, kf_err_from_errno(errno),
			      "%s/" KF__PRIVATE ": %s (it must be a directory "
			      "kferry can write, not a symbolic link)",
			      path, strerror(errno));
		goto out_close;
	}
	/* quarantine/ must survive a power cut before anything in it is
	 * counted as durable (docs/protocol.md section 7) */
	if (d->fsync && (fsync(d->privfd) < 0 || fsync(d->rootfd) < 0)) {
		r = kf_seterr(errstr, errstr_size, kf_err_from_errno(errno),
			      "fsync of %s/" KF__PRIVATE ": %s", path,
			      strerror(errno));
		goto out_close;
	}
	kf__spread_staging(d->tmpfd);
	d->links = kf__links_pay(d->tmpfd);
	r = kf__open_instance(d, errstr, errstr_size);
	if (r)
		goto out_close;
	kf__reap_dead_instances(d);
	if (d->q_max || d->q_max_age_s) {
		d->q_pruned = time(NULL);
		kf__prune_quarantine(d);
	}
	*out = d;
	return 0;

out_close:
	kf_dest_close(d);
	return r;
}

void kf_dest_close(kf_dest_t *d)
{
	char lockname[40];

	if (!d)
		return;
	if (d->instfd >= 0) {
		close(d->instfd);
		kf__rm_flat_dir(d->tmpfd, d->inst);
		snprintf(lockname, sizeof(lockname), "%s.lock", d->inst);
		unlinkat(d->tmpfd, lockname, 0);
	}
	if (d->lockfd >= 0)
		close(d->lockfd);
	if (d->quarfd >= 0)
		close(d->quarfd);
	if (d->tmpfd >= 0)
		close(d->tmpfd);
	if (d->privfd >= 0)
		close(d->privfd);
	if (d->rootfd >= 0)
		close(d->rootfd);
	umask(d->old_umask);
	pthread_mutex_destroy(&d->q_lock);
	free(d->path);
	free(d);
}

/* ------------------------------------------------------------ assembly */

int kf_assembly_init(kf_assembly_t *a, kf_dest_t *d,
		     const kf_wire_manifest_t *m, uint64_t seq)
{
	char xid[33];

	a->dest = d;
	a->fd = -1;
	a->made_depth = INT_MAX;
	a->m = *m;
	a->relpath = malloc((size_t)m->path_len + 1);
	a->hasher = kf_hasher_new();
	if (!a->relpath || !a->hasher)
		return KF_ENOMEM;
	memcpy(a->relpath, m->path, m->path_len);
	a->relpath[m->path_len] = '\0';
	/* every byte may become a 4-byte escape */
	a->shown = malloc((size_t)m->path_len * 4 + 8);
	if (!a->shown)
		return KF_ENOMEM;
	kf_path_printable(m->path, m->path_len, a->shown,
			  (size_t)m->path_len * 4 + 8);
	memcpy(a->origin, m->origin ? (const char *)m->origin : "",
	       m->origin_len);
	a->origin[m->origin_len] = '\0';
	a->m.path = (const uint8_t *)a->relpath;
	a->m.origin = (const uint8_t *)a->origin;
	kf_xid_format(&m->hdr.xid, xid);
	/* seq makes the name unique even when the same transfer is re-read
	 * while an earlier copy of it is still being discarded. */
	snprintf(a->staging, sizeof(a->staging), "%s-%llu.part", xid,
		 (unsigned long long)seq);
	return 0;
}

/* Does the file fit the destination's file system, and its free space?
 * Asked before reserving: a failed fallocate on some file systems keeps
 * what it got until the file is removed, starving every other writer. */
static int kf__check_space(kf_assembly_t *a, char *errstr, size_t errstr_size)
{
	struct statvfs vfs;
	uint64_t total, avail;

	if (fstatvfs(a->dest->instfd, &vfs) < 0)
		return 0; /* unknown: let the writes tell */
	total = (uint64_t)vfs.f_blocks * vfs.f_frsize;
	avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	if (a->m.file_size > total)
		return kf_seterr(errstr, errstr_size, KF_ELIMIT,
				 "'%s' (%llu bytes) is larger than the whole "
				 "file system of %s (%llu bytes)",
				 a->shown, (unsigned long long)a->m.file_size,
				 a->dest->path, (unsigned long long)total);
	if (a->m.file_size > avail)
		return kf_seterr(errstr, errstr_size, KF_ENOSPC,
				 "no space for '%s' (%llu bytes) in %s: %llu "
				 "bytes free",
				 a->shown, (unsigned long long)a->m.file_size,
				 a->dest->path, (unsigned long long)avail);
	return 0;
}

/* Files up to this size are not checked against the free space nor
 * reserved before they are written: their data comes in one chunk, so
 * its write, right after, tells as soon (a full disk stalls it the same
 * way), and for small files the two calls cost as much as the write. */
#define KF__RESERVE_MIN (64u << 10)

int kf_assembly_begin(kf_assembly_t *a, char *errstr, size_t errstr_size)
{
	int e;

	if (a->m.file_size > KF__RESERVE_MIN) {
		e = kf__check_space(a, errstr, errstr_size);
		if (e)
			return e;
	}

	a->fd = openat(a->dest->instfd, a->staging,
		       O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		       0600);
	if (a->fd < 0)
		goto out_err;
	if (a->m.file_size > KF__RESERVE_MIN) {
		/* fallocate, not posix_fallocate: where the file system
		 * cannot reserve, skip it rather than write zeros. */
		if (fallocate(a->fd, 0, 0, (off_t)a->m.file_size) < 0 &&
		    errno != EOPNOTSUPP && errno != ENOSYS)
			goto out_err;
	}
	return 0;

out_err:
	e = errno;
	if (a->fd >= 0) {
		close(a->fd);
		a->fd = -1;
		unlinkat(a->dest->instfd, a->staging, 0);
	}
	return kf_seterr(errstr, errstr_size, kf_err_from_errno(e),
			 "staging file for '%s' (%llu bytes) in %s/" KF__PRIVATE
			 "/tmp: %s",
			 a->shown, (unsigned long long)a->m.file_size,
			 a->dest->path, strerror(e));
}

static int kf__pwrite_all(int fd, const uint8_t *p, size_t n, uint64_t off)
{
	while (n) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

int kf_assembly_write(kf_assembly_t *a, kf_codec_pool_t *codecs,
		      const kf_wire_chunk_t *c, char *errstr,
		      size_t errstr_size)
{
	const uint8_t *data = c->payload;
	uint8_t *scratch = NULL, hash[16];
	int r = 0;

	if (c->codec == KF_CODEC_NONE && c->payload_len != c->raw_len)
		return kf_seterr(
			errstr, errstr_size, KF_EPROTO,
			"chunk %llu: raw payload of %zu bytes, expected "
			"%u",
			(unsigned long long)c->index, c->payload_len,
			c->raw_len);
	if (c->codec != KF_CODEC_NONE) {
		scratch = malloc(c->raw_len);
		if (!scratch)
			return KF_ENOMEM;
		r = kf_codec_decompress(codecs, c->codec, c->payload,
					c->payload_len, scratch, c->raw_len,
					errstr, errstr_size);
		if (r)
			goto out_free;
		data = scratch;
	}
	kf_hash128(data, c->raw_len, hash);
	if (memcmp(hash, c->raw_hash, 16)) {
		r = kf_seterr(errstr, errstr_size, KF_EHASH,
			      "chunk %llu: hash of its %u bytes does not match "
			      "the hash it carries",
			      (unsigned long long)c->index, c->raw_len);
		goto out_free;
	}
	if (kf__pwrite_all(a->fd, data, c->raw_len, c->offset) < 0) {
		r = kf_seterr(errstr, errstr_size, kf_err_from_errno(errno),
			      "writing chunk %llu to %s/" KF__PRIVATE
			      "/tmp: %s",
			      (unsigned long long)c->index, a->dest->path,
			      strerror(errno));
		goto out_free;
	}
	/* Recorded only once written: a retried chunk is hashed once. */
	kf_hasher_update(a->hasher, data, c->raw_len);
	if (a->tap)
		a->tap(a->tap_opaque, data, c->raw_len);
	a->written += c->raw_len;
	if (a->dest->fsync && a->written - a->synced >= KF__WRITEBACK_STEP) {
		sync_file_range(a->fd, (off_t)a->synced,
				(off_t)(a->written - a->synced),
				SYNC_FILE_RANGE_WRITE);
		a->synced = a->written;
	}
out_free:
	free(scratch);
	return r;
}

/* Same size and same XXH3-128 as the transfer, and the same SHA-256 when
 * sha256 is given (a signed transfer: XXH3 is no defence against a file
 * planted to match it)? */
static int kf__same_content(int dirfd, const char *name, uint64_t size,
			    const uint8_t hash[16], const uint8_t *sha256)
{
	/* O_NONBLOCK: never wait on a FIFO someone planted at the target */
	int fd = openat(dirfd, name,
			O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	uint8_t *buf = NULL, got[16], dgot[KF_CRYPTO_SHA256_LEN];
	kf_sha256_t *d = NULL;
	kf_hasher_t *h = NULL;
	struct stat st;
	int same = 0;
	ssize_t n;

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != size)
		goto out_close;
	h = kf_hasher_new();
	buf = malloc(1 << 20);
	if (!h || !buf || (sha256 && !(d = kf_sha256_new())))
		goto out_close;
	while ((n = read(fd, buf, 1 << 20)) > 0) {
		kf_hasher_update(h, buf, (size_t)n);
		if (d)
			kf_sha256_update(d, buf, (size_t)n);
	}
	if (n == 0) {
		kf_hasher_final(h, got);
		same = !memcmp(got, hash, 16);
		if (d) {
			/* a digest OpenSSL failed to make matches nothing */
			same = same && kf_sha256_final(d, dgot) == 0 &&
			       !memcmp(dgot, sha256, sizeof(dgot));
		}
	}
out_close:
	free(buf);
	kf_sha256_free(d);
	kf_hasher_destroy(h);
	close(fd);
	return same;
}

/* Is the existing file st newer than the signed transfer of a (rule 6 of
 * docs/protocol.md section 10.8)? Unsigned transfers are never older:
 * their mtime proves nothing. */
static int kf__older_than(const kf_assembly_t *a, const struct stat *st)
{
	if (!a->signed_digest)
		return 0;
	return st->st_mtim.tv_sec > a->m.mtime_sec ||
	       (st->st_mtim.tv_sec == a->m.mtime_sec &&
		st->st_mtim.tv_nsec > (long)a->m.mtime_nsec);
}

/* Makes the staged file durable with the sender's mode and mtime, and
 * closes it, on failure too: after a failed fsync the kernel may have
 * dropped the pages it could not write, and a second fsync of the same
 * file can then report success. The next attempt restages instead. */
/* Gives the staging file the manifest's mode and mtime. */
static int kf__stamp(const kf_assembly_t *a)
{
	struct timespec ts[2];

	ts[0].tv_sec = 0;
	ts[0].tv_nsec = UTIME_NOW;
	ts[1].tv_sec = a->m.mtime_sec;
	ts[1].tv_nsec = a->m.mtime_nsec;
	/* set-user/group-ID bits never survive a transfer */
	return fchmod(a->fd, a->m.mode & 01777 & ~a->dest->umask) < 0 ||
			       futimens(a->fd, ts) < 0
		       ? -1
		       : 0;
}

static int kf__finalize_staging(kf_assembly_t *a, char *errstr,
				size_t errstr_size)
{
	int r = 0;

	if (kf__stamp(a) < 0 || (a->dest->fsync && fsync(a->fd) < 0)) {
		r = kf_seterr(errstr, errstr_size, kf_err_from_errno(errno),
			      "finishing '%s' in %s/" KF__PRIVATE "/tmp: %s",
			      a->shown, a->dest->path, strerror(errno));
		a->restage = 1;
	}
	close(a->fd);
	a->fd = -1;
	return r;
}

/* Copies the staging file into a fresh one, checks the copy against the
 * whole-file hash (pages a failed writeback lost read back as something
 * else), finalizes the copy and puts it in the staging file's place. */
static int kf__restage(kf_assembly_t *a, const uint8_t hash[16], char *errstr,
		       size_t errstr_size)
{
	char copy[sizeof(a->staging) + 1];
	uint8_t got[16], *buf = malloc(1 << 20);
	kf_hasher_t *h = kf_hasher_new();
	uint64_t off = 0;
	int in, r = 0;
	ssize_t n;

	snprintf(copy, sizeof(copy), "%s~", a->staging);
	in = openat(a->dest->instfd, a->staging,
		    O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in >= 0)
		a->fd = openat(a->dest->instfd, copy,
			       O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
				       O_CLOEXEC,
			       0600);
	if (!buf || !h) {
		r = KF_ENOMEM;
		goto out_free;
	}
	if (in < 0 || a->fd < 0)
		goto out_errno;
	while ((n = read(in, buf, 1 << 20)) > 0) {
		kf_hasher_update(h, buf, (size_t)n);
		if (kf__pwrite_all(a->fd, buf, (size_t)n, off) < 0)
			goto out_errno;
		off += (uint64_t)n;
	}
	if (n < 0)
		goto out_errno;
	kf_hasher_final(h, got);
	if (off != a->m.file_size || memcmp(got, hash, 16)) {
		r = kf_seterr(
			errstr, errstr_size, KF_EIO,
			"'%s': the staged data reads back different after "
			"a failed fsync: the disk lost it",
			a->shown);
		goto out_free;
	}
	r = kf__finalize_staging(a, errstr, errstr_size);
	if (!r &&
	    renameat(a->dest->instfd, copy, a->dest->instfd, a->staging) < 0)
		goto out_errno;
	if (!r)
		a->restage = 0;
	goto out_free;

out_errno:
	r = kf_seterr(errstr, errstr_size, kf_err_from_errno(errno),
		      "staging '%s' again in %s/" KF__PRIVATE "/tmp: %s",
		      a->shown, a->dest->path, strerror(errno));
out_free:
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	if (r)
		unlinkat(a->dest->instfd, copy, 0);
	if (in >= 0)
		close(in);
	kf_hasher_destroy(h);
	free(buf);
	return r;
}

/* Finalizes the staging file once; after a failure, restages it. */
static int kf__durable_staging(kf_assembly_t *a, const uint8_t hash[16],
			       char *errstr, size_t errstr_size)
{
	if (a->fd >= 0) {
		if (kf__finalize_staging(a, errstr, errstr_size) == 0)
			return 0;
		kf_warn("recv", "%s; staging it again from a copy", errstr);
	}
	return a->restage ? kf__restage(a, hash, errstr, errstr_size) : 0;
}

void kf_assembly_settle(kf_assembly_t *const *as, size_t n)
{
	int synced = 1;
	size_t i;

	for (i = 0; i < n; i++)
		if (as[i]->fd >= 0 && kf__stamp(as[i]) < 0)
			synced =
				0; /* restaged below, as after a failed fsync */
	if (n && as[0]->dest->fsync && syncfs(as[0]->dest->instfd) < 0) {
		kf_warn("recv",
			"syncfs of %s: %s; syncing the %zu files of the batch "
			"one by one",
			as[0]->dest->path, strerror(errno), n);
		synced = 0;
	}
	for (i = 0; i < n; i++) {
		kf_assembly_t *a = as[i];

		if (a->fd < 0)
			continue;
		/* after a failed syncfs, each file's own fsync says whether
		 * its writeback failed (errors are kept per file) */
		if (!synced &&
		    (kf__stamp(a) < 0 || (a->dest->fsync && fsync(a->fd) < 0)))
			a->restage = 1;
		close(a->fd);
		a->fd = -1;
	}
}

/* Length of the parent directory part of relpath ("" at the top). */
static size_t kf__parent_len(const char *relpath)
{
	const char *slash = strrchr(relpath, '/');

	return slash ? (size_t)(slash - relpath) : 0;
}

/* How many leading directories the parents of relpaths a and b share
 * (0: none below DEST). */
static int kf__shared_dirs(const char *a, const char *b)
{
	size_t la = kf__parent_len(a), lb = kf__parent_len(b), i;
	int n = 0;

	for (i = 0;; i++) {
		int ea = i == la, eb = i == lb;

		if ((ea || a[i] == '/') && (eb || b[i] == '/')) {
			n += i > 0; /* a directory ended in both */
			if (ea || eb)
				return n;
		} else if (ea || eb || a[i] != b[i]) {
			return n;
		}
	}
}

int kf_assembly_sync_pending(kf_assembly_t *a, char *errstr, size_t errstr_size)
{
	int chain = a->dir_pending == KF_SYNC_CHAIN;
	kf_dirsync_done_t *d = chain ? &a->dirsync->chain : &a->dirsync->parent;
	size_t len = kf__parent_len(a->relpath);
	int from = chain ? 0 : INT_MAX - 1;

	a->dir_pending = KF_SYNC_NONE;
	if (!d->relpath || kf__parent_len(d->relpath) != len ||
	    memcmp(d->relpath, a->relpath, len)) {
		/* a chain shares DEST and the directories above the last
		 * one's, synced then (after every placement of the batch):
		 * only the rest, unless that sync failed */
		if (chain && d->relpath && !d->err)
			from = kf__shared_dirs(d->relpath, a->relpath) + 1;
		d->err = kf_path_sync_dirs(a->dest->rootfd, a->relpath, from,
					   d->errmsg, sizeof(d->errmsg));
		d->relpath = a->relpath;
	}
	if (d->err)
		return kf_seterr(errstr, errstr_size, d->err, "%s", d->errmsg);
	return 0;
}

void kf_dirsync_release(kf_dirsync_t *ds)
{
	if (ds->open_relpath)
		close(ds->open_fd);
	ds->open_relpath = NULL;
}

/* Opens a's parent directory below DEST, creating what is missing. In a
 * batch, the directory the last placement used is taken again when it is
 * a's: it was walked to without following a link moments ago, and a's
 * own name is still checked (kf_path_validate) and renamed into it with
 * RENAME_NOREPLACE. *made is then INT_MAX: that placement created, and
 * synced, whatever it had to. */
static int kf__parent_open(kf_assembly_t *a, int *pfd, const char **base,
			   int *made, char *errstr, size_t errstr_size)
{
	kf_dirsync_t *ds = a->dirsync;
	size_t len = kf__parent_len(a->relpath);
	int r;

	if (ds && ds->open_relpath && kf__parent_len(ds->open_relpath) == len &&
	    !memcmp(ds->open_relpath, a->relpath, len)) {
		r = kf_path_validate((const uint8_t *)a->relpath,
				     strlen(a->relpath), errstr, errstr_size);
		if (r)
			return r;
		*pfd = ds->open_fd;
		*base = len ? a->relpath + len + 1 : a->relpath;
		*made = INT_MAX;
		return 0;
	}
	r = kf_path_open_parent(a->dest->rootfd, a->relpath, 1, 0755, pfd, base,
				made, errstr, errstr_size);
	if (r || !ds)
		return r;
	kf_dirsync_release(ds);
	ds->open_relpath = a->relpath;
	ds->open_fd = *pfd;
	return 0;
}

/* Closes what kf__parent_open gave, unless its batch keeps it. */
static void kf__parent_close(const kf_assembly_t *a, int pfd)
{
	if (!a->dirsync || !a->dirsync->open_relpath ||
	    a->dirsync->open_fd != pfd)
		close(pfd);
}

/* Makes a placement durable: the directory holding the file and every
 * directory whose entry this transfer created, up to DEST. A file found
 * already in place (KF_SKIPPED) may have been put there by a receiver
 * that died before its fsyncs, with directories it created: the whole
 * chain is synced then. In a batch both wait for its end
 * (kf_assembly_sync_pending): once for each directory, not each file. */
static int kf__sync_placement(kf_assembly_t *a, int outcome, char *errstr,
			      size_t errstr_size)
{
	if (!a->dest->fsync)
		return 0;
	if (a->dirsync && outcome == KF_SKIPPED) {
		a->dir_pending = KF_SYNC_CHAIN;
		return 0;
	}
	if (a->dirsync && a->made_depth == INT_MAX) {
		a->dir_pending = KF_SYNC_PARENT;
		return 0;
	}
	return kf_path_sync_dirs(a->dest->rootfd, a->relpath,
				 outcome == KF_SKIPPED ? 0 : a->made_depth - 1,
				 errstr, errstr_size);
}

/* Links the staging file under name in pfd, then drops the staging name:
 * a link never replaces (EEXIST), like RENAME_NOREPLACE. A crash in
 * between (or a failed unlink) leaves the staging name in this instance's
 * directory, removed with it (kf_dest_close, or kf__reap_dead_instances
 * at the next start); names there are never opened again (a->staging's
 * sequence number), so nothing can write through the second name. */
static int kf__link_in(kf_assembly_t *a, int pfd, const char *name)
{
	if (linkat(a->dest->instfd, a->staging, pfd, name, 0) < 0)
		return -1;
	unlinkat(a->dest->instfd, a->staging, 0);
	return 0;
}

/* Puts the staging file under name in pfd; without replace, an existing
 * name fails with EEXIST. Without replace, where links pay (d->links), a
 * hard link comes first: a rename between two directories takes the file
 * system's one rename lock (s_vfs_rename_mutex), so batches placing at
 * once spin on each other (twice the CPU a file), while link and unlink
 * lock only the directory each changes. A file system without hard links
 * (EPERM) gets the rename; one without RENAME_NOREPLACE the link. */
static int kf__put(kf_assembly_t *a, int pfd, const char *name, int replace)
{
	int e = 0;

	if (replace)
		return renameat(a->dest->instfd, a->staging, pfd, name);
	if (a->dest->links) {
		if (kf__link_in(a, pfd, name) == 0)
			return 0;
		if (errno == EEXIST || errno == ENOENT)
			return -1;
		e = errno;
	}
	if (renameat2(a->dest->instfd, a->staging, pfd, name,
		      RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (e) {
		errno = e; /* no RENAME_NOREPLACE either: the link's error */
		return -1;
	}
	return kf__link_in(a, pfd, name);
}

/* Places the file at base (or a free suffix under policy rename);
 * returns the outcome or -1 with errno. */
static int kf__place(kf_assembly_t *a, int pfd, const char *base,
		     const uint8_t hash[16])
{
	char name[300];
	struct stat st;
	int i, gone, races = 0;

	for (i = 0; i < KF__RENAME_TRIES; i++) {
		if (i == 0)
			snprintf(name, sizeof(name), "%s", base);
		else
			snprintf(name, sizeof(name), "%s.%d", base, i);
		/* the name is free in the common case: RENAME_NOREPLACE says
		 * so without a lookup of its own */
		if (kf__put(a, pfd, name, 0) == 0) {
			snprintf(a->placed_as, sizeof(a->placed_as), "%s",
				 name);
			return i ? KF_RENAMED : KF_PLACED;
		}
		/* ENOENT: a retry whose file was placed before (the staging
		 * file is gone), if the target is there */
		if (errno != EEXIST && errno != ENOENT)
			return -1;
		gone = errno == ENOENT;
		if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT || gone)
				return -1;
			if (++races > KF__RENAME_TRIES) {
				errno = EEXIST;
				return -1;
			}
			i--; /* gone since: the same name again */
			continue;
		}
		if (S_ISREG(st.st_mode) &&
		    kf__same_content(pfd, name, a->m.file_size, hash,
				     a->signed_digest)) {
			unlinkat(a->dest->instfd, a->staging, 0);
			return KF_SKIPPED;
		}
		if (a->dest->policy == KF_CONFLICT_OVERWRITE &&
		    S_ISREG(st.st_mode) && kf__older_than(a, &st)) {
			unlinkat(a->dest->instfd, a->staging, 0);
			return KF_KEPT_NEWER;
		}
		if (a->dest->policy == KF_CONFLICT_OVERWRITE &&
		    !S_ISDIR(st.st_mode))
			return kf__put(a, pfd, name, 1) ? -1 : KF_REPLACED;
		if (a->dest->policy != KF_CONFLICT_RENAME) {
			errno = EEXIST;
			return -1;
		}
	}
	errno = EEXIST;
	return -1;
}

/* Why a placement could not replace or sidestep an existing target. */
static const char *kf__policy_hint(const kf_dest_t *d)
{
	switch (d->policy) {
	case KF_CONFLICT_OVERWRITE:
		return " (receive.on_conflict=overwrite cannot replace a "
		       "directory)";
	case KF_CONFLICT_RENAME:
		return " (receive.on_conflict=rename found no free suffix)";
	default:
		return " (receive.on_conflict=fail)";
	}
}

int kf_assembly_finish(kf_assembly_t *a, const kf_wire_commit_t *c,
		       int *outcome, char *errstr, size_t errstr_size)
{
	uint8_t hash[16];
	const char *base;
	int pfd, r, made;

	if (c->file_size != a->m.file_size ||
	    c->chunk_count != a->m.chunk_count || a->written != a->m.file_size)
		return kf_seterr(
			errstr, errstr_size, KF_EPROTO,
			"commit says %llu bytes in %llu chunks, the "
			"manifest %llu in %llu, and %llu were received",
			(unsigned long long)c->file_size,
			(unsigned long long)c->chunk_count,
			(unsigned long long)a->m.file_size,
			(unsigned long long)a->m.chunk_count,
			(unsigned long long)a->written);
	kf_hasher_final(a->hasher, hash);
	if (memcmp(hash, c->file_hash, 16))
		return kf_seterr(errstr, errstr_size, KF_EHASH,
				 "whole-file hash mismatch: the file received "
				 "differs from the file sent");
	r = kf__durable_staging(a, hash, errstr, errstr_size);
	if (r)
		return r;
	r = kf__parent_open(a, &pfd, &base, &made, errstr, errstr_size);
	if (made < a->made_depth)
		a->made_depth = made;
	if (r)
		return r;
	r = kf__place(a, pfd, base, hash);
	if (r < 0) {
		int e = errno;

		kf__parent_close(a, pfd);
		if (e == EEXIST)
			return kf_seterr(errstr, errstr_size, KF_EEXIST,
					 "'%s' already exists with other "
					 "content%s",
					 a->shown, kf__policy_hint(a->dest));
		return kf_seterr(errstr, errstr_size, kf_err_from_errno(e),
				 "placing '%s' in %s: %s", a->shown,
				 a->dest->path, strerror(e));
	}
	*outcome = r;
	kf__parent_close(a, pfd);
	return kf__sync_placement(a, r, errstr, errstr_size);
}

/* Does st carry the mtime that the manifest of a gives, as a file this
 * receiver placed from it does? */
static int kf__same_mtime(const kf_assembly_t *a, const struct stat *st)
{
	return st->st_mtim.tv_sec == a->m.mtime_sec &&
	       st->st_mtim.tv_nsec == (long)a->m.mtime_nsec;
}

int kf_assembly_present(kf_assembly_t *a, const kf_wire_commit_t *c,
			int *outcome, char *errstr, size_t errstr_size)
{
	const char *base;
	struct stat st;
	int pfd, same = 0;

	/* Hashed only when size and mtime are those of the manifest: a
	 * couple of forged frames must not make us read any file of DEST in
	 * full, nor tell whether it holds a content they guess. */
	if (c->file_size == a->m.file_size &&
	    kf_path_open_parent(a->dest->rootfd, a->relpath, 0, 0755, &pfd,
				&base, NULL, NULL, 0) == 0) {
		if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    kf__same_mtime(a, &st))
			same = kf__same_content(pfd, base, c->file_size,
						c->file_hash, a->signed_digest);
		close(pfd);
	}
	if (!same)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "the sender resumed a transfer whose "
				 "beginning this receiver never saw (dropped "
				 "after receive.abandon_timeout?) and '%s' is "
				 "not at DEST: send the file again",
				 a->shown);
	*outcome = KF_SKIPPED;
	return kf__sync_placement(a, KF_SKIPPED, errstr, errstr_size);
}

/* Writes reason.txt into the quarantine directory qfd. Everything the
 * sender chose (path, origin) and the reason, which may quote it, is made
 * printable: one field per line, no escape sequences. */
static int kf__write_reason(kf_assembly_t *a, int qfd, const char *xid,
			    const char *reason)
{
	char path[1024], origin[4 * KF_WIRE_ORIGIN_MAX + 8], why[2048];
	char when[64], text[4096];
	time_t now = time(NULL);
	struct tm tm;
	int fd, n, r = 0;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	kf_path_printable(a->m.path, a->m.path_len, path, sizeof(path));
	kf_path_printable((const uint8_t *)a->origin, strlen(a->origin), origin,
			  sizeof(origin));
	kf_path_printable((const uint8_t *)reason, strlen(reason), why,
			  sizeof(why));
	n = snprintf(text, sizeof(text),
		     "transfer: %s\npath: %s\nsize: %llu\norigin: %s\n"
		     "quarantined: %s\nreason: %s\n",
		     xid, path, (unsigned long long)a->m.file_size, origin,
		     when, why);
	if (n >= (int)sizeof(text))
		n = (int)sizeof(text) - 1;
	fd = openat(qfd, "reason.txt",
		    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		    0600);
	if (fd < 0 || kf__pwrite_all(fd, (const uint8_t *)text, (size_t)n, 0) ||
	    (a->dest->fsync && fsync(fd) < 0)) {
		r = kf_err_from_errno(errno);
		kf_err("recv",
		       "writing %s/" KF__PRIVATE
		       "/quarantine/%s/reason.txt: %s",
		       a->dest->path, xid, strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	return r;
}

/* fsync of DEST/.kferry/quarantine through a fresh descriptor: the one
 * kept open may have seen a failed fsync already. */
static int kf__sync_quarantine_dir(kf_dest_t *d)
{
	int fd = openat(d->privfd, "quarantine",
			O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int r = 0;

	if (fd < 0 || fsync(fd) < 0)
		r = kf_err_from_errno(errno);
	if (fd >= 0)
		close(fd);
	return r;
}

int kf_assembly_quarantine(kf_assembly_t *a, const char *reason)
{
	char xid[33];
	int qfd, r;

	kf_xid_format(&a->m.hdr.xid, xid);
	if (a->fd >= 0) {
		/* Rejected data, kept as evidence; what makes the quarantine
		 * durable is its entry and reason.txt, so a failure here
		 * is only reported. */
		if (a->dest->fsync && fsync(a->fd) < 0)
			kf_warn("recv",
				"'%s': the rejected data may be "
				"incomplete in quarantine: fsync: %s",
				a->shown, strerror(errno));
		close(a->fd);
		a->fd = -1;
	}
	qfd = kf__mkdir_open(a->dest->quarfd, xid, 0700);
	if (qfd < 0) {
		int e = errno;

		kf_err("recv",
		       "cannot create quarantine %s/" KF__PRIVATE
		       "/quarantine/%s: %s",
		       a->dest->path, xid, strerror(e));
		return kf_err_from_errno(e);
	}
	if (renameat(a->dest->instfd, a->staging, qfd, "data") < 0 &&
	    errno != ENOENT) {
		int e = errno;

		close(qfd);
		return kf_err_from_errno(e);
	}
	r = kf__write_reason(a, qfd, xid, reason);
	/* the entries of data and reason.txt, then quarantine/<xid> */
	if (!r && a->dest->fsync) {
		r = fsync(qfd) < 0 ? kf_err_from_errno(errno)
				   : kf__sync_quarantine_dir(a->dest);
		if (r)
			kf_err("recv",
			       "fsync of %s/" KF__PRIVATE "/quarantine/%s: %s",
			       a->dest->path, xid, kf_strerror(r));
	}
	close(qfd);
	if (!r)
		kf__quarantine_added(a->dest);
	return r;
}

void kf_assembly_discard(kf_assembly_t *a)
{
	if (a->fd >= 0) {
		close(a->fd);
		a->fd = -1;
	}
	unlinkat(a->dest->instfd, a->staging, 0);
}

void kf_assembly_free(kf_assembly_t *a)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	kf_hasher_destroy(a->hasher);
	a->hasher = NULL;
	free(a->relpath);
	a->relpath = NULL;
	free(a->shown);
	a->shown = NULL;
}

void kf_assembly_move(kf_assembly_t *dst, kf_assembly_t *src)
{
	*dst = *src;
	/* the manifest points into the assembly */
	dst->m.path = (const uint8_t *)dst->relpath;
	dst->m.origin = (const uint8_t *)dst->origin;
	memset(src, 0, sizeof(*src));
	src->fd = -1;
}
