/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Routes for the unit tests of the watch daemon (tests/unit/test_watch*.c).
 *
 * Include after <cmocka.h> and kf_test.h. Main thread only: it may call
 * fail_msg.
 */
#ifndef KF_TEST_ROUTE_H
#define KF_TEST_ROUTE_H

#include "config/conf.h"
#include "watch/route.h"

/* The route "t" of a configuration that sets only its keys: kv holds
 * key, value, ..., NULL, with keys without the "route.t." prefix. Fails
 * the test on a refused key; the caller unrefs the route. */
static inline kf_route_t *kf_test_route(const char *const *kv)
{
	kf_conf_t *conf = kf_conf_new();
	kf_route_t *r;
	char key[128], err[256];

	assert_non_null(conf);
	for (; *kv; kv += 2) {
		snprintf(key, sizeof(key), "route.t.%s", kv[0]);
		if (kf_conf_set(conf, key, kv[1], err, sizeof(err)))
			fail_msg("%s", err);
	}
	r = kf_route_new(&conf->routes[0], conf->topic, err, sizeof(err));
	if (!r)
		fail_msg("%s", err);
	kf_conf_destroy(conf);
	return r;
}

#endif /* KF_TEST_ROUTE_H */
