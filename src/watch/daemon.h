/*
 * The watch daemon: kf_watch() (include/kferry/kferry.h). One libuv loop
 * runs the route states, their file system watches and scans, the ready
 * queue, one sender engine per topic (src/send/sender.h), the after-send
 * jobs and the signal flags. See docs/watch.md.
 *
 * @locality loop thread, except the jobs it queues to the worker pool.
 */
#ifndef KF_WATCH_DAEMON_H
#define KF_WATCH_DAEMON_H

#include <signal.h>

/* Set by kf_watch_reload_request() (SIGHUP), read by the loop's timer. */
extern volatile sig_atomic_t kf__reload_flag;

#endif /* KF_WATCH_DAEMON_H */
