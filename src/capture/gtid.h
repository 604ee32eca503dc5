/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MariaDB's GTID positions (docs/cdc.md 10.3): one domain-server-sequence
 * per replication domain, "0-1-4711,1-2-17" (the syntax of gtid_slave_pos
 * and @@gtid_binlog_pos). Where the capture stands in the binlog: every
 * transaction up to the position's one in each domain is done.
 *
 * @locality any thread; a position is a plain value.
 */
#ifndef KF_CAPTURE_GTID_H
#define KF_CAPTURE_GTID_H

#include <stddef.h>
#include <stdint.h>

/* Domains of one position, at most (a server uses one per independent
 * stream of writes: a handful). */
#define KF_GTID_MAX_DOMAINS 64
/* The longest text of a position, its NUL included. */
#define KF_GTID_POS_TEXT_MAX (KF_GTID_MAX_DOMAINS * 43 + 1)

typedef struct kf_gtid_s {
	uint32_t domain, server;
	uint64_t seq;
} kf_gtid_t;

/* Sorted by domain, each domain once. A zeroed position is the empty
 * one (the binlog's beginning). */
typedef struct kf_gtid_pos_s {
	int n;
	kf_gtid_t g[KF_GTID_MAX_DOMAINS];
} kf_gtid_pos_t;

/* Parses the len bytes of s ("" is the empty position; domains in any
 * order, each once; no spaces). 0 with *p, or KF_EINVAL (not a position:
 * errstr says where), KF_ELIMIT (more than KF_GTID_MAX_DOMAINS domains). */
int kf_gtid_pos_parse(const char *s, size_t len, kf_gtid_pos_t *p, char *errstr,
		      size_t errstr_size);

/* The text of p into out (KF_GTID_POS_TEXT_MAX bytes), domains sorted. */
void kf_gtid_pos_format(const kf_gtid_pos_t *p, char *out);

/* Moves p to g: g replaces its domain's entry or joins p. 0, or
 * KF_EPROTO (g does not come after p's entry of its domain: the binlog
 * went back), KF_ELIMIT (too many domains). */
int kf_gtid_pos_advance(kf_gtid_pos_t *p, const kf_gtid_t *g);

/* 1 when the transaction g is at or before p (done: skipped on a
 * restart), else 0. */
int kf_gtid_pos_covers(const kf_gtid_pos_t *p, const kf_gtid_t *g);

#endif /* KF_CAPTURE_GTID_H */
