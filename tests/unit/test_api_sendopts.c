/* SPDX-License-Identifier: Apache-2.0 */
/*
 * From a configuration to the sender's producer (api/sendopts.h): by
 * default a record batch holds one chunk's message, since librdkafka
 * closes a batch at message.max.bytes; send.batch_max_bytes lets several
 * chunks share one, and a value below one chunk's message changes nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>

#include "api/sendopts.h"

static char errbuf[512];

static void set(kf_conf_t *conf, const char *k, const char *v)
{
	if (kf_conf_set(conf, k, v, errbuf, sizeof(errbuf)))
		fail_msg("%s=%s: %s", k, v, errbuf);
}

static int setup(void **state)
{
	kf_conf_t *conf = kf_conf_new();

	assert_non_null(conf);
	set(conf, "chunk_size", "1MiB");
	*state = conf;
	return 0;
}

static int teardown(void **state)
{
	kf_conf_destroy(*state);
	return 0;
}

/* One chunk's message: the chunk, its header and key, batch overhead. */
static void assert_one_chunk_batches(const kf_send_opts_t *o)
{
	assert_true(o->producer.max_message >= (1u << 20) + 64);
	assert_true(o->producer.max_message < 2u << 20);
}

static void t_default_one_chunk(void **state)
{
	kf_send_opts_t o;

	kf_api_send_opts(*state, &o);
	assert_one_chunk_batches(&o);
}

static void t_batch_max_bytes(void **state)
{
	kf_conf_t *conf = *state;
	kf_send_opts_t o;

	set(conf, "send.batch_max_bytes", "4MiB");
	kf_api_send_opts(conf, &o);
	assert_int_equal(o.producer.max_message, 4u << 20);
	assert_int_equal(o.producer.batch_size, 4u << 20);
}

static void t_below_a_chunk(void **state)
{
	kf_conf_t *conf = *state;
	kf_send_opts_t o, d;

	kf_api_send_opts(conf, &d);
	set(conf, "send.batch_max_bytes", "512KiB");
	kf_api_send_opts(conf, &o);
	assert_one_chunk_batches(&o);
	assert_int_equal(o.producer.max_message, d.producer.max_message);
	assert_int_equal(o.producer.batch_size, d.producer.batch_size);
}

static void t_refused_above_max(void **state)
{
	assert_int_not_equal(kf_conf_set(*state, "send.batch_max_bytes",
					 "65MiB", errbuf, sizeof(errbuf)),
			     0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(t_default_one_chunk, setup,
						teardown),
		cmocka_unit_test_setup_teardown(t_batch_max_bytes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(t_below_a_chunk, setup,
						teardown),
		cmocka_unit_test_setup_teardown(t_refused_above_max, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
