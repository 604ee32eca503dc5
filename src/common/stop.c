/* SPDX-License-Identifier: Apache-2.0 */
#include "common/stop.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "kferry/kferry.h"

volatile sig_atomic_t kf__stop_flag;

void kf_stop_request(void)
{
	kf__stop_flag = 1;
}

void kf_workers_setup(int workers)
{
	char n[16];

	if (getenv("UV_THREADPOOL_SIZE"))
		return;
	if (workers <= 0)
		workers = (int)sysconf(_SC_NPROCESSORS_ONLN) + 1;
	if (workers < 2)
		workers = 2;
	snprintf(n, sizeof(n), "%d", workers);
	setenv("UV_THREADPOOL_SIZE", n, 0);
}

int kf_workers_count(void)
{
	const char *v = getenv("UV_THREADPOOL_SIZE");
	long n;

	if (!v)
		return 4; /* libuv's default */
	/* libuv reads it with atoi into an unsigned count, then clamps */
	n = strtol(v, NULL, 10);
	if (n == 0)
		return 1;
	return n < 0 || n > 1024 ? 1024 : (int)n;
}
