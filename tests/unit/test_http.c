/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/obs/http.c, the /metrics endpoint's server, through
 * real sockets: the server runs on a libuv loop in a second thread, the
 * test is the client. Well-formed requests, HEAD, 404, garbage, wrong
 * methods, an oversized request, a client that never finishes its request
 * (it must not hold up the others, and is cut off at the deadline), more
 * connections than the cap, and address errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "kferry/kferry.h"
#include "obs/http.h"

#include "kf_test.h"

static char errbuf[512];

struct server {
	uv_loop_t loop;
	uv_async_t stop; /* the one referenced handle: keeps the loop up */
	kf_http_t *http;
	pthread_t thread;
	int port;
};

static int handler(void *opaque, const char *path, char **body, size_t *len,
		   const char **ctype)
{
	(void)opaque;
	*ctype = "text/plain";
	if (!strcmp(path, "/metrics")) {
		*body = strdup("m 1\n");
		*len = 4;
		return 200;
	}
	*body = NULL;
	*len = 0;
	return 404;
}

static void on_stop(uv_async_t *a)
{
	struct server *s = a->data;

	kf_http_close(s->http);
	uv_close((uv_handle_t *)a, NULL);
}

static void *run(void *arg)
{
	struct server *s = arg;

	uv_run(&s->loop, UV_RUN_DEFAULT);
	return NULL;
}

static int setup(void **state)
{
	struct server *s = calloc(1, sizeof(*s));
	const char *colon;

	if (!s)
		return -1;
	uv_loop_init(&s->loop);
	uv_async_init(&s->loop, &s->stop, on_stop);
	s->stop.data = s;
	if (kf_http_start(&s->loop, "127.0.0.1:0", handler, NULL, &s->http,
			  errbuf, sizeof(errbuf)))
		return -1;
	colon = strrchr(kf_http_address(s->http), ':');
	s->port = atoi(colon + 1);
	if (s->port <= 0 || pthread_create(&s->thread, NULL, run, s))
		return -1;
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct server *s = *state;

	uv_async_send(&s->stop);
	pthread_join(s->thread, NULL);
	assert_int_equal(uv_loop_close(&s->loop), 0);
	free(s);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int connect_to(int port)
{
	struct sockaddr_in sa = {0};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n <= 0)
			return; /* the server may have closed already */
		buf += n;
		len -= (size_t)n;
	}
}

/* Reads until the server closes (or timeout_s passes: then fails). */
static size_t read_all(int fd, char *out, size_t cap, double timeout_s)
{
	double end = now_s() + timeout_s;
	size_t o = 0;

	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		int ms = (int)((end - now_s()) * 1000);
		ssize_t n;

		if (ms <= 0)
			fail_msg("no close from the server in %.1f s",
				 timeout_s);
		if (poll(&p, 1, ms) <= 0)
			continue;
		n = recv(fd, out + o, cap - 1 - o, 0);
		if (n <= 0)
			break;
		o += (size_t)n;
		if (o == cap - 1)
			break;
	}
	out[o] = '\0';
	return o;
}

/* One request on a new connection; returns the whole response. */
static char *request(struct server *s, const char *req, size_t len)
{
	static char resp[8192];
	int fd = connect_to(s->port);

	send_all(fd, req, len);
	read_all(fd, resp, sizeof(resp), 10);
	close(fd);
	return resp;
}

#define REQ(s, text) request((s), (text), strlen(text))

static void test_get(void **state)
{
	struct server *s = *state;
	const char *r;

	r = REQ(s, "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n");
	assert_string_equal(r, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
			       "Content-Length: 4\r\nConnection: close\r\n\r\n"
			       "m 1\n");
	/* query strings are ignored, bare LF line ends accepted, HTTP/1.0 */
	r = REQ(s, "GET /metrics?x=1 HTTP/1.0\n\n");
	assert_non_null(strstr(r, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(r, "\r\n\r\nm 1\n"));
	/* HEAD: the length, no body */
	r = REQ(s, "HEAD /metrics HTTP/1.1\r\n\r\n");
	assert_non_null(strstr(r, "Content-Length: 4\r\n"));
	assert_int_equal(strlen(strstr(r, "\r\n\r\n")), 4);
	r = REQ(s, "GET /nope HTTP/1.1\r\n\r\n");
	assert_non_null(strstr(r, "HTTP/1.1 404 Not Found\r\n"));
}

static void test_bad_requests(void **state)
{
	static const char *const garbage[] = {
		"hello\r\n\r\n",
		"GET\r\n\r\n",
		"GET /metrics\r\n\r\n",
		"GET metrics HTTP/1.1\r\n\r\n",
		"GET /metrics SMTP/1.0\r\n\r\n",
		"\r\n\r\n",
	};
	struct server *s = *state;
	size_t i;
	char *r;

	for (i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		r = REQ(s, garbage[i]);
		if (!strstr(r, "HTTP/1.1 400 Bad Request\r\n"))
			fail_msg("request %zu: %s", i, r);
	}
	r = request(s, "GET /met\0rics HTTP/1.1\r\n\r\n",
		    sizeof("GET /met\0rics HTTP/1.1\r\n\r\n") - 1);
	assert_non_null(strstr(r, "HTTP/1.1 400 Bad Request\r\n"));
	r = REQ(s, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
	assert_non_null(strstr(r, "HTTP/1.1 405 Method Not Allowed\r\n"));
}

/* A request larger than the buffer gets 431 and a close, not memory. */
static void test_oversized(void **state)
{
	struct server *s = *state;
	size_t len = KF_HTTP_REQUEST_MAX * 4;
	char *big = malloc(len);
	char *r;

	assert_non_null(big);
	memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 26);
	memset(big + 26, 'a', len - 26);
	r = request(s, big, len);
	assert_non_null(strstr(r, "HTTP/1.1 431 "));
	free(big);
}

/* A client that sends half a request and waits: others are served at
 * once, and it is cut off at the deadline without an answer. */
static void test_slow_client(void **state)
{
	struct server *s = *state;
	char buf[256];
	double t0 = now_s();
	int slow = connect_to(s->port);
	char *r;

	send_all(slow, "GET /metrics HTTP/1.1\r\nHost:", 28);
	r = REQ(s, "GET /metrics HTTP/1.1\r\n\r\n");
	assert_non_null(strstr(r, "HTTP/1.1 200 OK\r\n"));
	assert_true(now_s() - t0 < 2.0);
	assert_int_equal(read_all(slow, buf, sizeof(buf),
				  KF_HTTP_HEADER_TIMEOUT_MS / 1000.0 + 5),
			 0);
	assert_true(now_s() - t0 >= KF_HTTP_HEADER_TIMEOUT_MS / 1000.0 - 0.5);
	close(slow);
}

/* A connection from source address ip (127.x.y.z: every one of them is
 * the loopback). */
static int connect_from(int port, const char *ip)
{
	struct sockaddr_in src = {0}, sa = {0};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	src.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, ip, &src.sin_addr), 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&src, sizeof(src)), 0);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

#define FLOOD (KF_HTTP_MAX_CONNS + 8)

/* One client holding more idle connections than the cap cannot keep a
 * request out: it is served at once (before, it was closed unanswered
 * until the idle ones timed out), and the idle ones are closed, oldest
 * first. */
static void test_idle_connections_cannot_block(void **state)
{
	struct server *s = *state;
	int fds[FLOOD], i;
	char buf[64];
	char *r;

	for (i = 0; i < FLOOD; i++)
		fds[i] = connect_to(s->port);
	r = REQ(s, "GET /metrics HTTP/1.1\r\n\r\n");
	assert_non_null(strstr(r, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(r, "\r\n\r\nm 1\n"));
	/* the oldest was closed to make room, without an answer */
	assert_int_equal(read_all(fds[0], buf, sizeof(buf), 10), 0);
	for (i = 0; i < FLOOD; i++)
		close(fds[i]);
}

/* Past KF_HTTP_MAX_PER_PEER connections of one address, that address
 * loses its own idle connections: an older idle connection of another
 * client stays open and is still answered. */
static void test_per_peer_limit(void **state)
{
	struct server *s = *state;
	int other = connect_from(s->port, "127.0.0.3");
	int fds[FLOOD], i;
	char buf[256];

	send_all(other, "GET /metrics HTTP/1.1\r\n", 23);
	for (i = 0; i < FLOOD; i++)
		fds[i] = connect_from(s->port, "127.0.0.2");
	/* a request on the last one is served: room is made at once */
	send_all(fds[FLOOD - 1], "GET /metrics HTTP/1.1\r\n\r\n", 25);
	assert_non_null(
		strstr((read_all(fds[FLOOD - 1], buf, sizeof(buf), 10), buf),
		       "HTTP/1.1 200 OK\r\n"));
	/* the flood's own oldest went, the other client's did not */
	assert_int_equal(read_all(fds[0], buf, sizeof(buf), 10), 0);
	send_all(other, "\r\n", 2);
	read_all(other, buf, sizeof(buf), 10);
	assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
	close(other);
	for (i = 0; i < FLOOD; i++)
		close(fds[i]);
}

static void test_addresses(void **state)
{
	struct server *s = *state;
	uv_loop_t loop;
	kf_http_t *h = NULL;
	char addr[64];

	uv_loop_init(&loop);
	EXPECT_ERR(kf_http_start(&loop, "nonsense", handler, NULL, &h, errbuf,
				 sizeof(errbuf)),
		   KF_EINVAL, "expected HOST:PORT");
	EXPECT_ERR(kf_http_start(&loop, "127.0.0.1:http", handler, NULL, &h,
				 errbuf, sizeof(errbuf)),
		   KF_EINVAL, "expected HOST:PORT");
	EXPECT_ERR(kf_http_start(&loop, "[::1:80", handler, NULL, &h, errbuf,
				 sizeof(errbuf)),
		   KF_EINVAL, "expected HOST:PORT");
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", s->port);
	EXPECT_ERR(kf_http_start(&loop, addr, handler, NULL, &h, errbuf,
				 sizeof(errbuf)),
		   KF_EINVAL, "cannot listen");
	assert_null(h);
	/* ":0" listens on every address */
	EXPECT_OK(kf_http_start(&loop, ":0", handler, NULL, &h, errbuf,
				sizeof(errbuf)));
	assert_non_null(h);
	kf_http_close(h);
	kf_http_close(NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_requests, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_oversized, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_slow_client, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_idle_connections_cannot_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_per_peer_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_addresses, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
