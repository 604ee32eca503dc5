/* SPDX-License-Identifier: Apache-2.0 */
#include "capture/replconn.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"

/* PostgreSQL's epoch, 2000-01-01, in Unix seconds */
#define KF__PG_EPOCH 946684800LL

struct kf_repl_s {
	PGconn *c;
	char *buf; /* the last frame's (PQfreemem) */
};

/* libpq's message on one line */
static void kf__pgmsg(PGconn *c, char *out, size_t cap)
{
	size_t i;

	snprintf(out, cap, "%s", PQerrorMessage(c));
	for (i = 0; out[i]; i++)
		if (out[i] == '\n')
			out[i] = out[i + 1] ? ' ' : '\0';
}

static int kf__fail(kf_repl_t *r, int code, const char *what, char *errstr,
		    size_t errstr_size)
{
	char m[400];

	kf__pgmsg(r->c, m, sizeof(m));
	return kf_seterr(errstr, errstr_size, code, "PostgreSQL %s: %s", what,
			 m);
}

static uint64_t kf__lsn(const char *s)
{
	unsigned hi = 0, lo = 0;

	if (!s || sscanf(s, "%X/%X", &hi, &lo) != 2)
		return 0;
	return (uint64_t)hi << 32 | lo;
}

/* A command whose result is rows: the result, or NULL with errstr. */
static PGresult *kf__command(kf_repl_t *r, const char *cmd, int ncols,
			     char *errstr, size_t errstr_size)
{
	PGresult *res = PQexec(r->c, cmd);

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    PQnfields(res) < ncols) {
		kf__fail(r, KF_EIO, cmd, errstr, errstr_size);
		PQclear(res);
		return NULL;
	}
	return res;
}

int kf_repl_open(const char *url, const char *password, kf_repl_t **out,
		 kf_repl_ident_t *id, char *errstr, size_t errstr_size)
{
	const char *kw[] = {"connect_timeout",
			    "dbname",
			    "replication",
			    "options",
			    "fallback_application_name",
			    "password",
			    NULL};
	const char *val[] = {"10",
			     url,
			     "database",
			     "-c datestyle=ISO,YMD -c timezone=UTC "
			     "-c intervalstyle=postgres "
			     "-c extra_float_digits=1",
			     "kferry-capture",
			     password,
			     NULL};
	kf_repl_t *r = calloc(1, sizeof(*r));
	PGresult *res;
	char m[400];

	*out = NULL;
	if (!r)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	if (!password)
		kw[5] = NULL;
	r->c = PQconnectdbParams(kw, val, 1);
	if (!r->c || PQstatus(r->c) != CONNECTION_OK) {
		snprintf(m, sizeof(m), "out of memory");
		if (r->c)
			kf__pgmsg(r->c, m, sizeof(m));
		kf_repl_close(r);
		return kf_seterr(
			errstr, errstr_size, KF_EAUTH,
			"PostgreSQL refused the replication connection: %s "
			"(the role needs REPLICATION: ALTER ROLE name "
			"REPLICATION; and pg_hba.conf a 'replication' line "
			"for it)",
			m);
	}
	res = kf__command(r, "IDENTIFY_SYSTEM", 4, errstr, errstr_size);
	if (!res) {
		kf_repl_close(r);
		return KF_EIO;
	}
	snprintf(id->system_id, sizeof(id->system_id), "%s",
		 PQgetvalue(res, 0, 0));
	id->timeline = atoi(PQgetvalue(res, 0, 1));
	id->xlogpos = kf__lsn(PQgetvalue(res, 0, 2));
	snprintf(id->db, sizeof(id->db), "%s", PQgetvalue(res, 0, 3));
	PQclear(res);
	*out = r;
	return 0;
}

void kf_repl_close(kf_repl_t *r)
{
	if (!r)
		return;
	PQfreemem(r->buf);
	PQfinish(r->c);
	free(r);
}

int kf_repl_create_slot(kf_repl_t *r, const char *slot, uint64_t *consistent,
			char *snap, size_t snap_size, char *errstr,
			size_t errstr_size)
{
	char cmd[256];
	PGresult *res;

	snprintf(cmd, sizeof(cmd),
		 "CREATE_REPLICATION_SLOT %s LOGICAL pgoutput (SNAPSHOT '%s')",
		 slot, snap ? "export" : "nothing");
	res = kf__command(r, cmd, 4, errstr, errstr_size);
	if (!res)
		return KF_EIO;
	*consistent = kf__lsn(PQgetvalue(res, 0, 1));
	if (snap)
		snprintf(snap, snap_size, "%s", PQgetvalue(res, 0, 2));
	PQclear(res);
	return *consistent ? 0
			   : kf_seterr(errstr, errstr_size, KF_EPROTO,
				       "PostgreSQL: no consistent point in "
				       "the answer to %s",
				       cmd);
}

int kf_repl_start(kf_repl_t *r, const char *slot, uint64_t lsn,
		  const char *publication, char *errstr, size_t errstr_size)
{
	char cmd[512];
	PGresult *res;

	snprintf(cmd, sizeof(cmd),
		 "START_REPLICATION SLOT %s LOGICAL %" PRIX32 "/%" PRIX32
		 " (proto_version '1', publication_names '\"%s\"')",
		 slot, (uint32_t)(lsn >> 32), (uint32_t)lsn, publication);
	res = PQexec(r->c, cmd);
	if (PQresultStatus(res) != PGRES_COPY_BOTH) {
		PQclear(res);
		return kf__fail(r, KF_EIO, "START_REPLICATION", errstr,
				errstr_size);
	}
	PQclear(res);
	return 0;
}

static uint64_t kf__be(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void kf__put_be(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* The end of the stream: the server's reason. */
static int kf__ended(kf_repl_t *r, char *errstr, size_t errstr_size)
{
	PGresult *res = PQgetResult(r->c);
	char m[400] = "the server ended the stream";

	if (res && PQresultStatus(res) != PGRES_COMMAND_OK)
		snprintf(m, sizeof(m), "%s", PQresultErrorMessage(res));
	else if (!res)
		kf__pgmsg(r->c, m, sizeof(m));
	PQclear(res);
	m[strcspn(m, "\n")] = '\0';
	return kf_seterr(errstr, errstr_size, KF_EIO,
			 "PostgreSQL replication stream: %s", m);
}

static int kf__frame(kf_repl_t *r, int n, kf_repl_frame_t *f, char *errstr,
		     size_t errstr_size)
{
	const uint8_t *p = (const uint8_t *)r->buf;

	memset(f, 0, sizeof(*f));
	f->kind = n > 0 ? (char)p[0] : 0;
	if (f->kind == 'w' && n >= 25) {
		f->start = kf__be(p + 1);
		f->wal_end = kf__be(p + 9);
		f->data = p + 25;
		f->len = (size_t)n - 25;
		return 1;
	}
	if (f->kind == 'k' && n == 18) {
		f->wal_end = kf__be(p + 1);
		f->reply = p[17];
		return 1;
	}
	return kf_seterr(errstr, errstr_size, KF_EPROTO,
			 "PostgreSQL replication stream: a frame of kind "
			 "0x%02x and %d bytes is not XLogData nor a keepalive",
			 n > 0 ? p[0] : 0, n);
}

int kf_repl_next(kf_repl_t *r, int timeout_ms, kf_repl_frame_t *f, char *errstr,
		 size_t errstr_size)
{
	struct pollfd pfd;
	int n;

	PQfreemem(r->buf);
	r->buf = NULL;
	for (;;) {
		n = PQgetCopyData(r->c, &r->buf, 1);
		if (n > 0)
			return kf__frame(r, n, f, errstr, errstr_size);
		if (n == -1)
			return kf__ended(r, errstr, errstr_size);
		if (n < -1)
			return kf__fail(r, KF_EIO, "replication stream", errstr,
					errstr_size);
		pfd.fd = PQsocket(r->c);
		pfd.events = POLLIN;
		pfd.revents = 0;
		n = poll(&pfd, 1, timeout_ms);
		if (n == 0)
			return 0;
		if (n < 0)
			return 0; /* EINTR: the caller looks at the stop flag */
		if (!PQconsumeInput(r->c))
			return kf__fail(r, KF_EIO, "replication stream", errstr,
					errstr_size);
		timeout_ms = 0; /* the data is there: one more look */
	}
}

int kf_repl_status(kf_repl_t *r, uint64_t written, uint64_t flushed,
		   char *errstr, size_t errstr_size)
{
	uint8_t m[34];
	struct timespec ts;
	int64_t now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = ((int64_t)ts.tv_sec - KF__PG_EPOCH) * 1000000 + ts.tv_nsec / 1000;
	m[0] = 'r';
	kf__put_be(m + 1, written);
	kf__put_be(m + 9, flushed);
	kf__put_be(m + 17, flushed); /* applied: what is in Kafka */
	kf__put_be(m + 25, (uint64_t)now);
	m[33] = 0;
	if (PQputCopyData(r->c, (const char *)m, sizeof(m)) != 1 ||
	    PQflush(r->c) != 0)
		return kf__fail(r, KF_EIO, "standby status update", errstr,
				errstr_size);
	return 0;
}
