/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kf-produce: writes the lines of stdin into a topic, for the sink's
 * integration tests (tests/integration/t_sink_*.sh), where kcat is not
 * at hand.
 *
 *   kf-produce -b BOOTSTRAP -t TOPIC [-x SECONDS] < LINES
 *
 * Each line is KEY<TAB>VALUE: an empty KEY is a null key (the record goes
 * to partitions in turn), a VALUE of \N a null value (a tombstone);
 * a line without a tab is a VALUE with a null key. Keyed records go to
 * the partition of their key (librdkafka's default partitioner), so one
 * key's records keep their order. Idempotent, acks=all. With -x, the
 * records go in one transaction, committed SECONDS after the last was
 * acknowledged, or at SIGUSR1 if sooner (an open transaction, which holds
 * read_committed readers back; "open" is printed on stdout once its
 * records are written). Exits
 * 0 when the broker acknowledged every record, 1 otherwise, 2 on a bad
 * command line.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

static int failed;

static void report(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void)rk;
	(void)opaque;
	if (m->err && !failed++)
		fprintf(stderr, "kf-produce: %s\n", rd_kafka_err2str(m->err));
}

static int set(rd_kafka_conf_t *c, const char *k, const char *v)
{
	char err[256];

	if (rd_kafka_conf_set(c, k, v, err, sizeof(err)) == RD_KAFKA_CONF_OK)
		return 0;
	fprintf(stderr, "kf-produce: %s: %s\n", k, err);
	return -1;
}

/* 0, or 1 and the error said */
static int txn(rd_kafka_error_t *e)
{
	if (!e)
		return 0;
	fprintf(stderr, "kf-produce: %s\n", rd_kafka_error_string(e));
	rd_kafka_error_destroy(e);
	return 1;
}

int main(int argc, char **argv)
{
	const char *bootstrap = NULL, *topic = NULL;
	int hold = -1; /* -x: seconds the transaction stays open */
	rd_kafka_conf_t *c;
	rd_kafka_t *rk;
	char *line = NULL, *tab, *key, *val, err[256];
	size_t cap = 0, n = 0;
	ssize_t len;
	sigset_t usr1;
	int opt;

	while ((opt = getopt(argc, argv, "b:t:x:")) != -1) {
		if (opt == 'b')
			bootstrap = optarg;
		else if (opt == 't')
			topic = optarg;
		else if (opt == 'x')
			hold = atoi(optarg);
		else
			return 2;
	}
	if (!bootstrap || !topic) {
		fprintf(stderr, "usage: kf-produce -b BOOTSTRAP -t TOPIC "
				"[-x SECONDS] < LINES\n");
		return 2;
	}
	c = rd_kafka_conf_new();
	if (set(c, "bootstrap.servers", bootstrap) ||
	    set(c, "enable.idempotence", "true") || set(c, "linger.ms", "20") ||
	    set(c, "queue.buffering.max.messages", "1000000"))
		return 2;
	snprintf(err, sizeof(err), "kf-produce-%ld", (long)getpid());
	if (hold >= 0 && set(c, "transactional.id", err))
		return 2;
	rd_kafka_conf_set_dr_msg_cb(c, report);
	/* blocked before librdkafka's threads start, which inherit the
	 * mask: SIGUSR1 is taken by sigtimedwait() below only */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
	if (!rk) {
		fprintf(stderr, "kf-produce: %s\n", err);
		return 2;
	}
	if (hold >= 0 && (txn(rd_kafka_init_transactions(rk, 30000)) ||
			  txn(rd_kafka_begin_transaction(rk))))
		return 1;
	while ((len = getline(&line, &cap, stdin)) > 0) {
		rd_kafka_resp_err_t e;

		if (line[len - 1] == '\n')
			line[--len] = '\0';
		tab = strchr(line, '\t');
		key = tab ? line : NULL;
		val = tab ? tab + 1 : line;
		if (tab)
			*tab = '\0';
		if (key && !*key)
			key = NULL;
		if (!strcmp(val, "\\N"))
			val = NULL;
		do {
			e = rd_kafka_producev(
				rk, RD_KAFKA_V_TOPIC(topic),
				RD_KAFKA_V_KEY(key, key ? strlen(key) : 0),
				RD_KAFKA_V_VALUE(val, val ? strlen(val) : 0),
				RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				RD_KAFKA_V_END);
			if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL)
				rd_kafka_poll(rk, 100);
		} while (e == RD_KAFKA_RESP_ERR__QUEUE_FULL);
		if (e) {
			fprintf(stderr, "kf-produce: %s\n",
				rd_kafka_err2str(e));
			failed++;
			break;
		}
		n++;
		rd_kafka_poll(rk, 0);
	}
	free(line);
	if (rd_kafka_flush(rk, 60000))
		failed++;
	if (hold >= 0 && !failed) {
		printf("open\n");
		fflush(stdout);
		sigtimedwait(&usr1, NULL, &(struct timespec){.tv_sec = hold});
		failed += txn(rd_kafka_commit_transaction(rk, 30000));
	}
	rd_kafka_destroy(rk);
	fprintf(stderr, "kf-produce: %zu records, %d failed\n", n, failed);
	return failed ? 1 : 0;
}
