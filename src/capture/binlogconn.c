/* SPDX-License-Identifier: Apache-2.0 */
#include "capture/binlogconn.h"

/* mysql.h first: mariadb_rpl.h uses its types */
#include <mysql.h>

#include <mariadb_rpl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "capture/catalog.h"
#include "common/err.h"

/* the server's error when the dump's position is not in its binlog */
#define KF__ER_MASTER_FATAL_READING_BINLOG 1236

struct kf_blc_s {
	kf_db_t *db;
	MYSQL *my;
	MARIADB_RPL *rpl;
	MARIADB_RPL_EVENT *ev; /* Connector/C's, reused by each fetch */
	int checksum;	       /* the events end with a CRC32 */
};

/* A server setting the capture needs (docs/cdc.md 10.1). */
static const struct {
	const char *var, *want, *fix;
} kf__settings[] = {
	{"log_bin", "1",
	 "set log_bin=PATH in the server's configuration and restart it"},
	{"binlog_format", "ROW",
	 "run SET GLOBAL binlog_format = ROW; and set binlog_format=ROW in "
	 "the server's configuration"},
	{"binlog_row_image", "FULL",
	 "run SET GLOBAL binlog_row_image = FULL; and set "
	 "binlog_row_image=FULL in the server's configuration"},
	{"binlog_row_metadata", "FULL",
	 "run SET GLOBAL binlog_row_metadata = FULL; and set "
	 "binlog_row_metadata=FULL in the server's configuration"},
	{"log_bin_compress", "0",
	 "run SET GLOBAL log_bin_compress = OFF; (compressed row events are "
	 "not read)"},
};

/* What SHOW GRANTS gives on *.* */
struct kf__grants {
	int all, slave, monitor;
};

static int kf__grant_cb(void *arg, size_t ncols, const char *const *vals,
			const size_t *lens)
{
	struct kf__grants *g = arg;
	const char *on;
	size_t n;

	(void)lens;
	if (!ncols || !vals[0] || !(on = strstr(vals[0], " ON *.* ")))
		return 0;
	n = (size_t)(on - vals[0]);
	/* the privileges are the text before " ON *.* " */
	g->all |= !!memmem(vals[0], n, "ALL PRIVILEGES", 14);
	g->slave |= !!memmem(vals[0], n, "REPLICATION SLAVE", 17);
	g->monitor |= memmem(vals[0], n, "BINLOG MONITOR", 14) ||
		      memmem(vals[0], n, "REPLICATION CLIENT", 18);
	return 0;
}

static int kf__grants(kf_db_t *db, char *errstr, size_t errstr_size)
{
	struct kf__grants g = {0};
	char user[256];
	kf_db_err_t e;
	int r;

	r = kf_cat_cell(db, "SELECT CURRENT_USER()", user, sizeof(user), errstr,
			errstr_size);
	if (r)
		return r;
	if (kf_db_query(db, "SHOW GRANTS", kf__grant_cb, &g, &e))
		return kf_seterr(errstr, errstr_size, KF_EIO,
				 "MariaDB: SHOW GRANTS: %s", e.msg);
	if (g.all || (g.slave && g.monitor))
		return 0;
	/* user is name@host; GRANT wants 'name'@'host' */
	return kf_seterr(errstr, errstr_size, KF_EINVAL,
			 "the user %s may not read the binlog: run GRANT %s "
			 "ON *.* TO '%.*s'@'%s'; as an administrator",
			 user,
			 !g.slave && !g.monitor
				 ? "REPLICATION SLAVE, BINLOG MONITOR"
			 : !g.slave ? "REPLICATION SLAVE"
				    : "BINLOG MONITOR",
			 (int)strcspn(user, "@"), user,
			 strchr(user, '@') ? strchr(user, '@') + 1 : "%");
}

int kf_blc_preflight(kf_db_t *db, char *errstr, size_t errstr_size)
{
	char sql[64], v[64];
	size_t i;
	int r;

	for (i = 0; i < sizeof(kf__settings) / sizeof(kf__settings[0]); i++) {
		snprintf(sql, sizeof(sql), "SELECT @@global.%s",
			 kf__settings[i].var);
		r = kf_cat_cell(db, sql, v, sizeof(v), errstr, errstr_size);
		if (r)
			return r;
		if (strcmp(v, kf__settings[i].want))
			return kf_seterr(errstr, errstr_size, KF_EINVAL,
					 "the source's %s is '%s', the capture "
					 "needs '%s' (docs/cdc.md 10.1): %s",
					 kf__settings[i].var, v,
					 kf__settings[i].want,
					 kf__settings[i].fix);
	}
	return kf__grants(db, errstr, errstr_size);
}

/* SHOW STATUS LIKE 'binlog_snapshot_%': Binlog_snapshot_file and
 * Binlog_snapshot_position */
struct kf__snap_point {
	char *file;
	size_t file_size;
	char pos[32];
};

static int kf__snap_cb(void *arg, size_t ncols, const char *const *vals,
		       const size_t *lens)
{
	struct kf__snap_point *sp = arg;

	(void)lens;
	if (ncols < 2 || !vals[0] || !vals[1])
		return 0;
	if (!strcasecmp(vals[0], "Binlog_snapshot_file"))
		snprintf(sp->file, sp->file_size, "%s", vals[1]);
	else if (!strcasecmp(vals[0], "Binlog_snapshot_position"))
		snprintf(sp->pos, sizeof(sp->pos), "%s", vals[1]);
	return 0;
}

int kf_blc_snapshot(kf_db_t *db, kf_gtid_pos_t *at, char *file,
		    size_t file_size, uint64_t *offset, char *errstr,
		    size_t errstr_size)
{
	struct kf__snap_point sp = {file, file_size, ""};
	char num[32], gtid[KF_GTID_POS_TEXT_MAX], *end;
	kf_db_sql_t q = {0};
	kf_db_err_t e;
	int r;

	file[0] = 0;
	if (kf_db_exec(db,
		       "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE "
		       "READ",
		       NULL, &e) ||
	    kf_db_exec(db,
		       "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ "
		       "ONLY",
		       NULL, &e) ||
	    kf_db_query(db, "SHOW STATUS LIKE 'binlog_snapshot_%'", kf__snap_cb,
			&sp, &e))
		return kf_seterr(errstr, errstr_size, KF_EIO,
				 "MariaDB: the consistent snapshot: %s", e.msg);
	*offset = strtoull(sp.pos, &end, 10);
	if (!file[0] || !sp.pos[0] || *end)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "MariaDB gave no binlog position of the "
				 "snapshot (file '%s', position '%s')",
				 file, sp.pos);
	snprintf(num, sizeof(num), ", %llu)", (unsigned long long)*offset);
	kf_db_sql_str(&q, "SELECT BINLOG_GTID_POS(");
	kf_db_quote_literal(db, &q, file, strlen(file));
	kf_db_sql_str(&q, num);
	r = q.failed
		    ? kf_seterr(errstr, errstr_size, KF_ENOMEM, "out of memory")
		    : kf_cat_cell(db, q.p, gtid, sizeof(gtid), errstr,
				  errstr_size);
	kf_db_sql_free(&q);
	if (r)
		return r;
	if (kf_gtid_pos_parse(gtid, strlen(gtid), at, errstr, errstr_size))
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "MariaDB's GTID position of the snapshot at "
				 "%s:%llu is '%.100s', not a position",
				 file, (unsigned long long)*offset, gtid);
	return 0;
}

static int kf__setup(kf_blc_t *c, const char *gtid, uint32_t heartbeat_ms,
		     char *errstr, size_t errstr_size)
{
	char sql[KF_GTID_POS_TEXT_MAX + 256], alg[16];
	kf_db_err_t e;
	int r;

	r = kf_cat_cell(c->db, "SELECT @@global.binlog_checksum", alg,
			sizeof(alg), errstr, errstr_size);
	if (r)
		return r;
	c->checksum = !strcmp(alg, "CRC32");
	/* the dump: events with the server's checksum, from the GTID
	 * position, strict (a gap is an error, not a skip), with the GTID
	 * events of capability 4, a heartbeat when idle (ns) */
	snprintf(sql, sizeof(sql),
		 "SET @master_binlog_checksum = @@global.binlog_checksum, "
		 "@slave_connect_state = '%s', @slave_gtid_strict_mode = 1, "
		 "@mariadb_slave_capability = 4, "
		 "@master_heartbeat_period = %llu",
		 gtid, (unsigned long long)heartbeat_ms * 1000000ULL);
	if (kf_db_exec(c->db, sql, NULL, &e))
		return kf_seterr(errstr, errstr_size, KF_EIO,
				 "MariaDB: setting up the binlog dump: %s",
				 e.msg);
	return 0;
}

int kf_blc_open(kf_db_t *db, const kf_gtid_pos_t *from, uint32_t server_id,
		uint32_t heartbeat_ms, kf_blc_t **out, char *errstr,
		size_t errstr_size)
{
	char gtid[KF_GTID_POS_TEXT_MAX];
	kf_blc_t *c;
	int r;

	*out = NULL;
	/* digits, dashes and commas only: safe to paste into the SET */
	kf_gtid_pos_format(from, gtid);
	if (!(c = calloc(1, sizeof(*c)))) {
		kf_db_close(db);
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory for the binlog stream");
	}
	c->db = db;
	c->my = kf_db_native(db);
	r = kf__setup(c, gtid, heartbeat_ms, errstr, errstr_size);
	if (!r && !(c->rpl = mariadb_rpl_init(c->my)))
		r = kf_seterr(errstr, errstr_size, KF_ENOMEM,
			      "MariaDB: no replication handle: %s",
			      mysql_error(c->my));
	if (!r && (mariadb_rpl_optionsv(c->rpl, MARIADB_RPL_SERVER_ID,
					(unsigned int)server_id) ||
		   mariadb_rpl_optionsv(c->rpl, MARIADB_RPL_START, 4UL) ||
		   mariadb_rpl_open(c->rpl)))
		r = kf_seterr(errstr, errstr_size, KF_EIO,
			      "MariaDB: the binlog dump from '%s' did not "
			      "start: %s",
			      gtid, mysql_error(c->my));
	if (r) {
		kf_blc_close(c);
		return r;
	}
	*out = c;
	return 0;
}

int kf_blc_next(kf_blc_t *c, kf_bl_event_t *ev, char *errstr,
		size_t errstr_size)
{
	MARIADB_RPL_EVENT *e = mariadb_rpl_fetch(c->rpl, c->ev);

	if (!e) {
		unsigned no = mysql_errno(c->my);

		/* Connector/C 3.3 frees the event it was given when it
		 * returns none (a lost connection, a signal, the server's
		 * error): kf_blc_close must not free it again */
		c->ev = NULL;

		if (no == KF__ER_MASTER_FATAL_READING_BINLOG)
			return kf_seterr(errstr, errstr_size, KF_EINVAL,
					 "MariaDB cannot send its binlog from "
					 "our position (purged binlogs, or a "
					 "position of another server): %s; "
					 "snapshot again: delete the capture's "
					 "offsets record or give another "
					 "--slot (docs/cdc.md 10.3)",
					 mysql_error(c->my));
		return kf_seterr(errstr, errstr_size, KF_EIO,
				 "MariaDB: the binlog stream ended: %s",
				 no ? mysql_error(c->my)
				    : "closed by the server");
	}
	c->ev = e;
	if (e->raw_data_ofs > e->raw_data_size || !e->raw_data)
		return kf_seterr(errstr, errstr_size, KF_EPROTO,
				 "MariaDB: an empty binlog packet");
	return kf_bl_event_parse(e->raw_data + e->raw_data_ofs,
				 e->raw_data_size - e->raw_data_ofs,
				 c->checksum, ev, errstr, errstr_size);
}

void kf_blc_close(kf_blc_t *c)
{
	if (!c)
		return;
	if (c->ev)
		mariadb_free_rpl_event(c->ev);
	if (c->rpl)
		mariadb_rpl_close(c->rpl);
	kf_db_close(c->db);
	free(c);
}
