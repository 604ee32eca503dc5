/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bounded reader of librdkafka's statistics JSON (statistics.interval.ms,
 * see librdkafka's STATISTICS.md), for the few fields kferry exports:
 * the client's name and type, tx_bytes, rx_bytes, msg_cnt, every real
 * broker's state and average round-trip time, and every partition's
 * consumer_lag.
 *
 * It is not a general JSON parser: it walks the document once, keeps only
 * those fields (strings truncated to their buffers, arrays of fixed size:
 * what does not fit is left out) and skips everything else, with a nesting
 * limit. No allocation.
 *
 * @locality any thread.
 */
#ifndef KF_OBS_RKSTATS_H
#define KF_OBS_RKSTATS_H

#include <stddef.h>
#include <stdint.h>

#define KF_RKSTATS_MAX_BROKERS 64
#define KF_RKSTATS_MAX_TOPICS 32
#define KF_RKSTATS_MAX_LAGS 1024
#define KF_RKSTATS_NAME_MAX 256

struct kf_rkstats_broker {
	char name[KF_RKSTATS_NAME_MAX]; /* "host:port/nodeid" */
	int up;				/* state "UP" */
	double rtt_s;			/* rtt.avg, in seconds */
};

struct kf_rkstats_lag {
	size_t topic; /* index into topics */
	int32_t partition;
	int64_t lag; /* consumer_lag; partitions reporting -1 are left out */
};

typedef struct kf_rkstats_s {
	char name
		[KF_RKSTATS_NAME_MAX]; /* client instance, "rdkafka#producer-1" */
	char type[16];		       /* "producer" or "consumer" */
	double tx_bytes, rx_bytes, msg_cnt;
	struct kf_rkstats_broker brokers[KF_RKSTATS_MAX_BROKERS];
	size_t nbrokers; /* brokers with a node id (bootstrap, logical and
			    internal brokers are left out) */
	char topics[KF_RKSTATS_MAX_TOPICS][KF_RKSTATS_NAME_MAX];
	size_t ntopics;
	struct kf_rkstats_lag lags[KF_RKSTATS_MAX_LAGS];
	size_t nlags;
} kf_rkstats_t;

/* Reads json (len bytes, no NUL needed) into *out (zeroed first). Returns
 * 0, or KF_EPROTO with errstr saying where the document is malformed. */
int kf_rkstats_parse(const char *json, size_t len, kf_rkstats_t *out,
		     char *errstr, size_t errstr_size);

#endif /* KF_OBS_RKSTATS_H */
