/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/registry/client.c without a registry
 * (docs/schemas.md 2): settings refused with the key named, a registry
 * that does not answer is KF_EIO naming the URL, the subject and the
 * request, a subject that cannot go into a URL path is refused before any
 * request, a writer schema kferry does not read is asked for once, a
 * JSON Schema (schemaType JSON) is read as one (a one-connection HTTP
 * server of the test's own serves them). The real
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

/* A client certificate without its key (or a key alone) is refused when
 * the client is made, naming both keys, not at the first TLS handshake. */
static void test_cert_pair(void **state)
{
	kf_registry_opts_t o = {.url = "https://127.0.0.1:1",
				.cert_location = "/nonexistent/client.pem"};
	kf_registry_t *r;
	char err[512];

	(void)state;
	assert_null(kf_registry_new(&o, err, sizeof(err)));
	assert_non_null(strstr(err,
			       "schema.registry.certificate_location is "
			       "set without schema.registry.key_location"));
	o.cert_location = NULL;
	o.key_location = "/nonexistent/client.key";
	assert_null(kf_registry_new(&o, err, sizeof(err)));
	assert_non_null(strstr(err,
			       "schema.registry.key_location is set "
			       "without schema.registry.certificate_location"));
	o.cert_location = "/nonexistent/client.pem";
	o.key_password = "pw";
	assert_non_null(r = kf_registry_new(&o, err, sizeof(err)));
	kf_registry_destroy(r);
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

/* A registry of one answer: each connection gets body, then is closed. */
struct server {
	int fd, port, requests;
	const char *body;
	pthread_t th;
};

/* An envelope schema with a ZonedTimestamp (docs/schemas.md 6.2: not
 * read from Avro). */
static const char unread_body[] =
	"{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":"
	"\\\"x.Envelope\\\",\\\"fields\\\":[{\\\"name\\\":\\\"after"
	"\\\",\\\"type\\\":[\\\"null\\\",{\\\"type\\\":\\\"record"
	"\\\",\\\"name\\\":\\\"V\\\",\\\"fields\\\":[{\\\"name\\\":"
	"\\\"z\\\",\\\"type\\\":{\\\"type\\\":\\\"string\\\",\\\""
	"connect.name\\\":\\\"io.debezium.time.ZonedTimestamp\\\"}}]}]}"
	","
	"{\\\"name\\\":\\\"op\\\",\\\"type\\\":\\\"string\\\"}]}\"}";

static void *serve(void *arg)
{
	struct server *sv = arg;
	size_t blen = strlen(sv->body);
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
			     blen);
		if (write(c, head, (size_t)n) != n ||
		    write(c, sv->body, blen) < 0)
			sv->requests = -100;
		close(c);
	}
	return NULL;
}

/* Starts sv serving body on a free loopback port; a client of it. */
static kf_registry_t *server_start(struct server *sv, const char *body)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	kf_registry_opts_t o = {.timeout_ms = 2000};
	char url[64], err[512];
	kf_registry_t *r;

	*sv = (struct server){.fd = socket(AF_INET, SOCK_STREAM, 0),
			      .body = body};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(sv->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(sv->fd, (struct sockaddr *)&a, &len), 0);
	assert_int_equal(listen(sv->fd, 4), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(a.sin_port));
	assert_int_equal(pthread_create(&sv->th, NULL, serve, sv), 0);
	o.url = url;
	r = kf_registry_new(&o, err, sizeof(err));
	assert_non_null(r);
	return r;
}

/* Stops sv after r is destroyed: the requests it served. */
static int server_stop(struct server *sv, kf_registry_t *r)
{
	kf_registry_destroy(r);
	shutdown(sv->fd, SHUT_RDWR);
	pthread_join(sv->th, NULL);
	close(sv->fd);
	return sv->requests;
}

static void test_unread_remembered(void **state)
{
	struct server sv;
	kf_registry_t *r = server_start(&sv, unread_body);
	kf_wire_schema_t rec;
	char err[512], err2[512];

	(void)state;
	assert_int_equal(kf_registry_schema(r, 7, &rec, err, sizeof(err)),
			 KF_EINVAL);
	assert_non_null(strstr(err, "id 7"));
	assert_non_null(strstr(err, "field z: a Debezium type not read"));
	assert_int_equal(kf_registry_schema(r, 7, &rec, err2, sizeof(err2)),
			 KF_EINVAL);
	assert_string_equal(err, err2);
	assert_int_equal(server_stop(&sv, r), 1);
}

/* docs/schemas.md 4.3: an answer of schemaType JSON is a JSON Schema,
 * parsed once; a schemaType kferry does not read is refused. */
static void test_schema_type(void **state)
{
	struct server sv;
	kf_registry_t *r = server_start(
		&sv, "{\"schemaType\":\"JSON\",\"schema\":\"{\\\"type\\\":"
		     "\\\"object\\\",\\\"properties\\\":{\\\"a\\\":{\\\"type"
		     "\\\":\\\"integer\\\",\\\"connect.type\\\":\\\"int16\\\"}}"
		     "}\"}");
	kf_wire_schema_t rec, again;
	char err[512];

	(void)state;
	assert_int_equal(kf_registry_schema(r, 3, &rec, err, sizeof(err)), 0);
	assert_null(rec.avro);
	assert_non_null(rec.json);
	assert_int_equal(kf_jsonschema_row(rec.json)->cols[0].type, KF_T_INT16);
	assert_int_equal(kf_registry_schema(r, 3, &again, err, sizeof(err)), 0);
	assert_ptr_equal(again.json, rec.json);
	assert_int_equal(server_stop(&sv, r), 1);

	r = server_start(&sv, "{\"schemaType\":\"PROTOBUF\",\"schema\":"
			      "\"syntax = \\\"proto3\\\";\"}");
	assert_int_equal(kf_registry_schema(r, 4, &rec, err, sizeof(err)),
			 KF_EINVAL);
	assert_non_null(strstr(err, "id 4: schemaType PROTOBUF"));
	assert_int_equal(server_stop(&sv, r), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_cert_pair),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_unread_remembered),
		cmocka_unit_test(test_schema_type),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
