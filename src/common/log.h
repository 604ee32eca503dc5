/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging: one level macro that skips argument evaluation when filtered,
 * debug contexts (--debug send,kafka), human or JSON-lines output. Text
 * lines written to the systemd journal (JOURNAL_STREAM names stderr) carry
 * a "<N>" priority prefix instead of a timestamp.
 *
 * @locality any thread (one write(2) per line, so lines never interleave).
 */
#ifndef KF_COMMON_LOG_H
#define KF_COMMON_LOG_H

#include "common/err.h"

/* syslog numbering, so librdkafka's levels map one to one */
enum kf_log_level {
	KF_LOG_ERR = 3,
	KF_LOG_WARN = 4,
	KF_LOG_NOTICE = 5,
	KF_LOG_INFO = 6,
	KF_LOG_DEBUG = 7
};

/* Debug contexts, a bit each. */
enum kf_log_ctx {
	KF_DBG_SEND = 1 << 0,
	KF_DBG_RECV = 1 << 1,
	KF_DBG_KAFKA = 1 << 2,
	KF_DBG_WIRE = 1 << 3,
	KF_DBG_FS = 1 << 4,
	KF_DBG_WATCH = 1 << 5,
	KF_DBG_OBS = 1 << 6,	 /* metrics endpoint, statistics, audit */
	KF_DBG_CAPTURE = 1 << 7, /* snapshot chunks, source transactions */
	KF_DBG_ALL = 0xff
};

extern int kf__log_level;
extern unsigned kf__log_debug;

/* Sets the level and the debug contexts ("send,recv,kafka,wire,fs,watch,
 * obs,all"), and checks whether stderr is the journal (JOURNAL_STREAM).
 * Returns KF_EINVAL for an unknown context name. */
int kf_log_setup(int level, const char *debug_ctx, int json, char *errstr,
		 size_t errstr_size);

void kf__log(int level, const char *ctx, const char *fmt, ...) KF_PRINTF(3, 4);

#define KF_LOG(level, ctx, ...)                                                \
	do {                                                                   \
		if ((level) <= kf__log_level)                                  \
			kf__log((level), (ctx), __VA_ARGS__);                  \
	} while (0)

#define kf_err(ctx, ...) KF_LOG(KF_LOG_ERR, ctx, __VA_ARGS__)
#define kf_warn(ctx, ...) KF_LOG(KF_LOG_WARN, ctx, __VA_ARGS__)
#define kf_info(ctx, ...) KF_LOG(KF_LOG_INFO, ctx, __VA_ARGS__)
/* Debug lines need their context enabled as well as the debug level. */
#define kf_dbg(bit, ctx, ...)                                                  \
	do {                                                                   \
		if ((kf__log_debug & (bit)) && kf__log_level >= KF_LOG_DEBUG)  \
			kf__log(KF_LOG_DEBUG, (ctx), __VA_ARGS__);             \
	} while (0)

#endif /* KF_COMMON_LOG_H */
