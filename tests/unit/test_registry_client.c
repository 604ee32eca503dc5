/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/registry/client.c without a registry
 * (docs/schemas.md 2): settings refused with the key named, a registry
 * that does not answer is KF_EIO naming the URL, the subject and the
 * request, a subject that cannot go into a URL path is refused before any
 * request. The real exchanges are tested against Apicurio by
 * tests/sink/t_sink_avro.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
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
	const kf_avro_rec_t *rec;
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_unreachable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
