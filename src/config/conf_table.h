/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The configuration's key table, shared by the three files of src/config:
 * the table and how a key's values are described (conf.c), setting keys
 * and loading files (conf_load.c), and the reference printed by `kferry
 * help config` (conf_doc.c). Internal to src/config.
 */
#ifndef KF_CONFIG_CONF_TABLE_H
#define KF_CONFIG_CONF_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "config/conf.h"

/* Longest "section.key" name; also bounds the edit distance work. */
#define KF__KEY_MAX 256
/* What "zstd" without a level means: zstd's own default level. */
#define KF__ZSTD_LEVEL_DEFAULT 3

enum kf__type {
	KF__T_STRING,
	KF__T_INT,
	KF__T_BOOL,
	KF__T_SIZE,
	KF__T_ENUM,
	KF__T_CODEC,
};

/* How each type is named in the reference and in "expected ..." errors. */
struct kf__type_desc {
	const char *name;
	const char *expect;  /* before the range */
	const char *example; /* after the range */
};

extern const struct kf__type_desc kf__conf_types[];

/* A word accepted by a bool, enum or codec key, and the int it stores. */
struct kf__word {
	const char *word;
	int value;
};

/* One key: where it is stored, how it is checked, how it is documented. */
struct kf__key {
	const char *name;
	enum kf__type type;
	size_t off;	 /* of the field in struct kf_conf_s */
	const char *def; /* parsed like a user's value; NULL: no default */
	/* int and size: the value; codec: the level; string: the length
	 * (a nonzero min means the value may not be empty) */
	int64_t min, max;
	const struct kf__word *words; /* bool, enum and codec */
	const char *unit;	      /* shown beside the type, or NULL */
	const char *doc;	      /* one paragraph */
	/* string keys: extra validation of a non-empty value, or NULL */
	int (*check)(const char *value, char *errstr, size_t errstr_size);
};

/* Every key but the routes' ... */
extern const struct kf__key kf__conf_keys[];
extern const size_t kf__conf_nkeys;
/* ... which are named "route.NAME.<key>" (struct kf_conf_route). */
extern const struct kf__key kf__conf_route_keys[];
extern const size_t kf__conf_nroute_keys;

/* The values a key accepts, e.g. "0 .. 64", "4KiB .. 64MiB", "a, b or c". */
void kf__conf_fmt_range(char *buf, size_t cap, const struct kf__key *k);

#endif /* KF_CONFIG_CONF_TABLE_H */
