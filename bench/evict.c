/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Drops the data of every regular file below DIR from the page cache, so
 * that the next reader reads it from the disk: bench_small.sh's "source
 * not cached" runs, where a sender that reads many files at once meets
 * one that reads them one by one. Each file is synced (dirty pages cannot
 * be dropped), dropped (posix_fadvise POSIX_FADV_DONTNEED, which needs no
 * privilege, unlike /proc/sys/vm/drop_caches) and then checked with
 * mincore. Inodes and directory entries stay cached: only the files'
 * bytes leave. Prints the files and the pages still cached (0 when it
 * worked); exits 1 on an error. bench_small.sh compiles and runs it:
 *
 *   cc -O2 -o evict bench/evict.c
 *   ./evict DIR...
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned long files, cached;

/* The pages of fd's size bytes still in the page cache. */
static unsigned long resident(int fd, size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t pages = (size + page - 1) / page, i;
	unsigned long n = 0;
	unsigned char *vec;
	void *map;

	if (!size)
		return 0;
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	vec = malloc(pages);
	if (map == MAP_FAILED || !vec || mincore(map, size, vec) < 0) {
		fprintf(stderr, "evict: mincore: %s\n", strerror(errno));
		exit(1);
	}
	for (i = 0; i < pages; i++)
		n += vec[i] & 1;
	free(vec);
	munmap(map, size);
	return n;
}

static int one(const char *path, const struct stat *st, int type,
	       struct FTW *ftw)
{
	int fd, r;

	(void)ftw;
	if (type != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fdatasync(fd) < 0) {
		fprintf(stderr, "evict: %s: %s\n", path, strerror(errno));
		return 1;
	}
	r = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	if (r) {
		fprintf(stderr, "evict: %s: posix_fadvise: %s\n", path,
			strerror(r));
		return 1;
	}
	cached += resident(fd, (size_t)st->st_size);
	files++;
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int i, r;

	if (argc < 2) {
		fprintf(stderr, "usage: evict DIR...\n");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		r = nftw(argv[i], one, 64, FTW_PHYS);
		if (r < 0)
			fprintf(stderr, "evict: %s: %s\n", argv[i],
				strerror(errno));
		if (r)
			return 1;
	}
	printf("files %lu cached_pages %lu\n", files, cached);
	return 0;
}
