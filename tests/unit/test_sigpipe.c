/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The library in a program that does not ignore SIGPIPE (only the kferry
 * command does): writing to a socket whose peer has gone raises SIGPIPE,
 * whose default action ends the process. Neither an HTTP client of
 * /metrics that asks for a large answer and goes away before reading it
 * (src/obs/http.c), nor a log reader on a stderr socket that went away
 * (the journal restarting; src/common/log.c) may kill the program.
 *
 * Each case runs in a child process with SIGPIPE at its default
 * disposition; the parent checks how the child ended.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "common/log.h"
#include "obs/http.h"

#include "kf_test.h"

/* larger than any socket buffer: the answer needs several writes, the
 * later ones after the client is gone */
#define BIG (16u << 20)

static int served;

static int big_handler(void *opaque, const char *path, char **body, size_t *len,
		       const char **ctype)
{
	(void)opaque;
	(void)path;
	served = 1;
	*ctype = "text/plain";
	*body = calloc(1, BIG);
	*len = *body ? BIG : 0;
	return *body ? 200 : 500;
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The child: serves one client that leaves early. Exits 0 when the
 * server closed the connection and the thread's signal state is as it
 * was; dies of SIGPIPE otherwise. */
static void serve_and_exit(void)
{
	static const char req[] = "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
	struct sockaddr_in sa = {0};
	struct timespec tick = {0, 1000000};
	sigset_t mask, pending;
	uv_loop_t loop;
	uv_async_t alive; /* the server's handles are unreferenced */
	kf_http_t *h = NULL;
	char err[256];
	const char *port;
	int fd, before, i;

	signal(SIGPIPE, SIG_DFL);
	if (uv_loop_init(&loop) || uv_async_init(&loop, &alive, NULL) ||
	    kf_http_start(&loop, "127.0.0.1:0", big_handler, NULL, &h, err,
			  sizeof(err)))
		_exit(10);
	port = strrchr(kf_http_address(h), ':') + 1;
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)atoi(port));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	before = open_fds();
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1))
		_exit(11);
	close(fd); /* gone before the answer */
	/* until the server has accepted and closed its side again */
	for (i = 0; i < 10000; i++) {
		uv_run(&loop, UV_RUN_NOWAIT);
		if (served && open_fds() == before)
			break;
		nanosleep(&tick, NULL);
	}
	if (i == 10000)
		_exit(12);
	kf_http_close(h);
	uv_close((uv_handle_t *)&alive, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&loop))
		_exit(13);
	/* the caller's thread gets its signal state back: SIGPIPE not
	 * blocked, none left pending */
	if (pthread_sigmask(SIG_SETMASK, NULL, &mask) ||
	    sigismember(&mask, SIGPIPE) || sigpending(&pending) ||
	    sigismember(&pending, SIGPIPE))
		_exit(14);
	_exit(0);
}

/* The child: logs to a stderr socket whose reader is gone. */
static void log_and_exit(void)
{
	char err[256];
	int sv[2];

	signal(SIGPIPE, SIG_DFL);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) ||
	    dup2(sv[0], STDERR_FILENO) != STDERR_FILENO)
		_exit(10);
	close(sv[0]);
	close(sv[1]); /* the reader goes away */
	if (kf_log_setup(KF_LOG_INFO, "", 0, err, sizeof(err)))
		_exit(11);
	kf_err("test", "nobody reads this");
	kf_err("test", "nor this");
	_exit(0);
}

/* Runs child() in a child process; fails if a signal ended it. */
static void expect_survives(void (*child)(void))
{
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child();
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("the child was killed by signal %d%s",
			 WTERMSIG(status),
			 WTERMSIG(status) == SIGPIPE ? " (SIGPIPE)" : "");
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_http_client_gone(void **state)
{
	(void)state;
	expect_survives(serve_and_exit);
}

static void test_log_reader_gone(void **state)
{
	(void)state;
	expect_survives(log_and_exit);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_client_gone),
		cmocka_unit_test(test_log_reader_gone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
