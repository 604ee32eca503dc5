/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The process-wide stop request (SIGINT/SIGTERM), set from signal
 * handlers and read by the engines' periodic timers.
 */
#ifndef KF_COMMON_STOP_H
#define KF_COMMON_STOP_H

#include <signal.h>

extern volatile sig_atomic_t kf__stop_flag;

static inline int kf_stop_requested(void)
{
	return kf__stop_flag != 0;
}

/* Sizes libuv's worker pool from conf->workers (0 = CPUs + 1) unless the
 * environment already set UV_THREADPOOL_SIZE. Must run before the first
 * uv_queue_work of the process. */
void kf_workers_setup(int workers);

/* The size of libuv's worker pool as kf_workers_setup (or the
 * environment) set it: UV_THREADPOOL_SIZE read as libuv reads it (1 to
 * 1024; unset or not a number: libuv's default, 4). */
int kf_workers_count(void);

#endif /* KF_COMMON_STOP_H */
