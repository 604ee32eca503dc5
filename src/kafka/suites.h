/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TLS 1.3 cipher suites kferry offers (tls.ciphersuites).
 */
#ifndef KF_KAFKA_SUITES_H
#define KF_KAFKA_SUITES_H

#include <stddef.h>

/* Makes every OpenSSL context the process creates from now on offer the
 * TLS 1.3 suites of the ':'-separated list suites (librdkafka 2.0 sets only
 * TLS 1.2's cipher list; its contexts take TLS 1.3's from OpenSSL's
 * configuration). Leaves OpenSSL alone, and says so at info level, when the
 * system's OpenSSL configuration has a policy of its own. Fails on a name
 * OpenSSL does not know as a TLS 1.3 suite.
 * @locality any thread (serialised inside) */
int kf_kafka_suites_apply(const char *suites, char *errstr, size_t errstr_size);

#endif
