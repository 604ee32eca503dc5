/* SPDX-License-Identifier: Apache-2.0 */
/*
 * librdkafka alone, no kferry code: produces N keyed messages of SIZE
 * bytes as fast as librdkafka takes them (acks=all, linger.ms=5, murmur2
 * as kferry's producer), waits for every delivery report and prints
 * messages/s. Extra arguments K=V are librdkafka properties, e.g.
 * enable.idempotence=false. Run it under `perf stat -e
 * syscalls:sys_enter_poll` with and without idempotence to count the
 * broker thread's polls: bench/README.md, "An idempotent producer's
 * broker thread spins".
 *
 *   cc -std=c11 -O2 -o idem_spin bench/idem_spin.c -lrdkafka
 *   ./idem_spin BROKERS TOPIC N SIZE [K=V]...
 */
#define _GNU_SOURCE
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int delivered, failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m,
			void *opaque)
{
	(void)rk;
	(void)opaque;
	if (m->err)
		failed++;
	delivered++;
}

static int set(rd_kafka_conf_t *conf, const char *k, const char *v)
{
	char err[512];

	if (rd_kafka_conf_set(conf, k, v, err, sizeof(err)) ==
	    RD_KAFKA_CONF_OK)
		return 0;
	fprintf(stderr, "idem_spin: %s=%s: %s\n", k, v, err);
	return -1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char err[512], key[32], *kv, *eq;
	rd_kafka_resp_err_t r;
	rd_kafka_t *rk;
	size_t size, i;
	double t0, t;
	int n, k;
	char *buf;

	if (argc < 5) {
		fprintf(stderr, "usage: idem_spin BROKERS TOPIC N SIZE [K=V]...\n");
		return 2;
	}
	n = atoi(argv[3]);
	size = strtoul(argv[4], NULL, 10);
	if (set(conf, "bootstrap.servers", argv[1]) ||
	    set(conf, "enable.idempotence", "true") ||
	    set(conf, "acks", "all") || set(conf, "linger.ms", "5") ||
	    set(conf, "partitioner", "murmur2_random") ||
	    set(conf, "socket.nagle.disable", "true"))
		return 2;
	for (k = 5; k < argc; k++) {
		kv = strdup(argv[k]);
		eq = kv ? strchr(kv, '=') : NULL;
		if (!eq) {
			fprintf(stderr, "idem_spin: %s: not K=V\n", argv[k]);
			return 2;
		}
		*eq = '\0';
		if (set(conf, kv, eq + 1))
			return 2;
		free(kv);
	}
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	buf = malloc(size ? size : 1);
	if (!rk || !buf) {
		fprintf(stderr, "idem_spin: %s\n", rk ? "out of memory" : err);
		return 2;
	}
	for (i = 0; i < size; i++)
		buf[i] = (char)rand();
	t0 = now();
	for (k = 0; k < n; k++) {
		int kl = snprintf(key, sizeof(key), "d%02d/f%06d", k % 20, k);

		/* the key of a file, as kferry keys a transfer by its path */
		while ((r = rd_kafka_producev(
				rk, RD_KAFKA_V_TOPIC(argv[2]),
				RD_KAFKA_V_KEY(key, (size_t)kl),
				RD_KAFKA_V_VALUE(buf, size),
				RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				RD_KAFKA_V_END)) ==
		       RD_KAFKA_RESP_ERR__QUEUE_FULL)
			rd_kafka_poll(rk, 10);
		if (r) {
			fprintf(stderr, "idem_spin: %s\n", rd_kafka_err2str(r));
			return 1;
		}
		rd_kafka_poll(rk, 0);
	}
	rd_kafka_flush(rk, 120000);
	t = now() - t0;
	printf("%d messages of %zu bytes in %.3f s: %.0f/s, %d delivered, "
	       "%d failed\n",
	       n, size, t, n / t, delivered, failed);
	rd_kafka_destroy(rk);
	free(buf);
	return failed || delivered != n;
}
