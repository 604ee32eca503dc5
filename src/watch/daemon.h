/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The watch daemon: kf_watch() (include/kferry/kferry.h). One libuv loop
 * runs the route states, their file system watches and scans, the ready
 * queue, one sender engine per topic (src/send/sender.h) and a loader per
 * file of a records route (src/load/loader.h), the after-send
 * jobs and the signal flags. See docs/watch.md.
 *
 * @locality loop thread, except the jobs it queues to the worker pool.
 */
#ifndef KF_WATCH_DAEMON_H
#define KF_WATCH_DAEMON_H

#include <signal.h>

#include "config/conf.h"
#include "load/loader.h"
#include "send/sender.h"

/* Set by kf_watch_reload_request() (SIGHUP), read by the loop's timer. */
extern volatile sig_atomic_t kf__reload_flag;

/* kf_watch() on the sender options send (api/sendopts.h): each route's
 * sender takes them with the route's topic and keys; a route of kind
 * records loads its files with load (api/loadopts.h: load.*), its topic,
 * schema and overrides. conf gives the routes and the daemon's own keys;
 * conf and the strings of send and load must outlive the call. */
int kf_watch_run(const kf_conf_t *conf, const kf_send_opts_t *send,
		 const kf_load_opts_t *load, kf_watch_reload_cb *reload,
		 void *opaque, char *errstr, size_t errstr_size);

#endif /* KF_WATCH_DAEMON_H */
