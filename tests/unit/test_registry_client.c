/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/registry/client.c without a registry
 * (docs/schemas.md 2): settings refused with the key named, a registry
 * that does not answer is KF_EIO naming the URL, the subject and the
 * request, a subject that cannot go into a URL path is refused before any
 * request, a writer schema kferry does not read is asked for once (a
 * one-connection HTTP server of the test's own serves it). The real
 * exchanges are tested against Apicurio by tests/sink/t_sink_avro.sh.
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
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kferry/kferry.h"
#include "registry/client.h"

static void test_settings(void **state)
{
	kf_registry_opts_t o = {.url = "ftp://x"};
	char err[512];

	(void)state;
	assert_null(kf_registry_new(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "schema.registry.url"));
	o.url = "http://127.0.0.1:1";
	o.compatibility = "SOMETIMES";
	assert_null(kf_registry_new(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "schema.registry.compatibility"));
	kf_registry_destroy(NULL);
}

/* A loopback port nobody listens on: bound, then closed. */
static int dead_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static void test_unreachable(void **state)
{
	kf_registry_opts_t o = {.timeout_ms = 2000};
	kf_wire_schema_t rec;
	kf_registry_t *r;
	char url[64], err[512], level[32];
	uint32_t id;

	(void)state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/apis/ccompat/v7/",
		 dead_port());
	o.url = url;
	r = kf_registry_new(&o, err, sizeof(err));
	assert_non_null(r);
	assert_int_equal(kf_registry_register(r, "t-value", NULL,
					      "{\"type\":\"string\"}", &id, err,
					      sizeof(err)),
			 KF_EIO);
	url[strlen(url) - 1] = '\0'; /* the trailing slash is dropped */
	assert_non_null(strstr(err, url));
	assert_non_null(strstr(err, "subject t-value: POST /subjects/t-value"));
	assert_int_equal(kf_registry_schema(r, 42, &rec, err, sizeof(err)),
			 KF_EIO);
	assert_non_null(strstr(err, "id 42: GET /schemas/ids/42"));
	assert_int_equal(kf_registry_get_level(r, "a/b", level, sizeof(level),
					       err, sizeof(err)),
			 KF_EINVAL);
	assert_non_null(strstr(err, "subject 'a/b'"));
	kf_registry_destroy(r);
}

/* A registry of one answer: each connection gets an envelope schema with
 * a ZonedTimestamp (docs/schemas.md 6.2: not read), then is closed. */
struct server {
	int fd, port, requests;
};

static void *serve(void *arg)
{
	static const char body[] =
		"{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":"
		"\\\"x.Envelope\\\",\\\"fields\\\":[{\\\"name\\\":\\\"after"
		"\\\",\\\"type\\\":[\\\"null\\\",{\\\"type\\\":\\\"record"
		"\\\",\\\"name\\\":\\\"V\\\",\\\"fields\\\":[{\\\"name\\\":"
		"\\\"z\\\",\\\"type\\\":{\\\"type\\\":\\\"string\\\",\\\""
		"connect.name\\\":\\\"io.debezium.time.ZonedTimestamp\\\"}}]}]}"
		","
		"{\\\"name\\\":\\\"op\\\",\\\"type\\\":\\\"string\\\"}]}\"}";
	struct server *sv = arg;
	char buf[4096], head[256];
	struct pollfd p = {.fd = sv->fd, .events = POLLIN};
	int c, n;

	while (poll(&p, 1, 3000) == 1 &&
	       (c = accept(sv->fd, NULL, NULL)) >= 0) {
		n = (int)read(c, buf, sizeof(buf));
		if (n > 0)
			sv->requests++;
		n = snprintf(head, sizeof(head),
			     "HTTP/1.1 200 OK\r\nContent-Type: application/json"
			     "\r\nContent-Length: %zu\r\nConnection: close"
			     "\r\n\r\n",
			     sizeof(body) - 1);
		if (write(c, head, (size_t)n) != n ||
		    write(c, body, sizeof(body) - 1) < 0)
			sv->requests = -100;
		close(c);
	}
	return NULL;
}

static void test_unread_remembered(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	struct server sv = {socket(AF_INET, SOCK_STREAM, 0), 0, 0};
	kf_registry_opts_t o = {.timeout_ms = 2000};
	kf_wire_schema_t rec;
	kf_registry_t *r;
	char url[64], err[512], err2[512];
	pthread_t th;

	(void)state;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(sv.fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(sv.fd, (struct sockaddr *)&a, &len), 0);
	assert_int_equal(listen(sv.fd, 4), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(a.sin_port));
	assert_int_equal(pthread_create(&th, NULL, serve, &sv), 0);
	o.url = url;
	r = kf_registry_new(&o, err, sizeof(err));
	assert_non_null(r);
	assert_int_equal(kf_registry_schema(r, 7, &rec, err, sizeof(err)),
			 KF_EINVAL);
	assert_non_null(strstr(err, "id 7"));
	assert_non_null(strstr(err, "field z: a Debezium type not read"));
	assert_int_equal(kf_registry_schema(r, 7, &rec, err2, sizeof(err2)),
			 KF_EINVAL);
	assert_string_equal(err, err2);
	kf_registry_destroy(r);
	shutdown(sv.fd, SHUT_RDWR);
	pthread_join(th, NULL);
	close(sv.fd);
	assert_int_equal(sv.requests, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_unread_remembered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
