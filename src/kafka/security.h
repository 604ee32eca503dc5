/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The security of a Kafka client: TLS and SASL settings from kferry's keys
 * (tls.*, sasl.*, security.protocol), secrets read from files or the
 * environment, and the guard that turns the refusals retrying cannot fix
 * (a wrong password, an untrusted certificate, a missing ACL) into one
 * clear error that stops the engine (docs/security.md).
 */
#ifndef KF_KAFKA_SECURITY_H
#define KF_KAFKA_SECURITY_H

#include <librdkafka/rdkafka.h>
#include <stdatomic.h>

#include "kferry/kferry.h"

/* Sets security.protocol, ssl.* and sasl.* on rc from conf, with secrets
 * resolved, and installs the certificate check that names why a broker's
 * certificate was refused. Properties given as kafka.* are applied after
 * this and win. */
int kf_kafka_security_apply(rd_kafka_conf_t *rc, const kf_conf_t *conf,
			    char *errstr, size_t errstr_size);

/* Resolves a secret value of key: "file:PATH" gives the first line of
 * PATH, "env:NAME" the variable NAME, anything else is the secret itself.
 * Writes at most out_size bytes (NUL included) to out.
 * @locality any thread (reads files: not the loop thread at run time) */
int kf_kafka_secret(const char *key, const char *value, char *out,
		    size_t out_size, char *errstr, size_t errstr_size);

/* Sets librdkafka property name from the secret value of key (resolved as
 * above), then wipes the copy. */
int kf_kafka_set_secret(rd_kafka_conf_t *rc, const char *name, const char *key,
			const char *value, char *errstr, size_t errstr_size);

/* Watches one client for refusals that retrying cannot fix. It is the
 * librdkafka opaque of the client (kafka/client.h), where the error
 * callback and the certificate check find it.
 * @locality loop thread (errors are served by the engines' polls) */
typedef struct kf_kafka_guard_s {
	const kf_conf_t *conf;
	const char *topic; /* the client's topic (not owned) */
	int producer;	   /* which client: decides what a refusal means */
	int keep_trying;   /* set by its owner: see kf_kafka_guard_unreached */
	int err;	/* 0, or KF_EAUTH, KF_EACCESS, KF_EKAFKA once tripped */
	char msg[1024]; /* what was refused, why, and how to fix it */
	/* Why a broker's certificate was refused, written once by the
	 * certificate check on a librdkafka thread: tls_state goes 0 (empty)
	 * -> 1 (being written) -> 2 (ready to read on the loop thread). */
	atomic_int tls_state;
	char tls_why[512];
	/* The last connection error (name resolution, connect), for the
	 * message of kf_kafka_guard_unreached; "" while there was none. */
	char net_why[512];
} kf_kafka_guard_t;

/* topic is the one the client produces to or consumes (NULL: conf->topic,
 * the transfers' topic); the consumer's group is conf->group. */
void kf_kafka_guard_init(kf_kafka_guard_t *g, const kf_conf_t *conf,
			 int producer, const char *topic);

/* Looks at the error of a consumed message or a delivery report; trips
 * the guard on an authorization error. Returns the guard's error. */
int kf_kafka_guard_message(kf_kafka_guard_t *g, const rd_kafka_message_t *m);

/* No broker answered within conf->connect_timeout_s of the start: trips
 * the guard (KF_EKAFKA) with the bootstrap address and the last
 * connection error, or only logs that as an error when g->keep_trying
 * (the watch daemon's producers). */
void kf_kafka_guard_unreached(kf_kafka_guard_t *g);

/* librdkafka's error callback (set by kafka/client.c); opaque is the
 * guard. */
void kf_kafka_guard_error_cb(rd_kafka_t *rk, int err, const char *reason,
			     void *opaque);

#endif /* KF_KAFKA_SECURITY_H */
