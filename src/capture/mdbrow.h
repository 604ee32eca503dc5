/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A MariaDB row of the binlog for capture/event (docs/cdc.md 10.8): the
 * columns of a table map as event's column definitions, and a decoded
 * row image written as the text the server gives for the same values in
 * a snapshot (with time_zone '+00:00'), so both paths make the same
 * event.
 *
 * @locality any thread.
 */
#ifndef KF_CAPTURE_MDBROW_H
#define KF_CAPTURE_MDBROW_H

#include <stddef.h>

#include "capture/binlog.h"
#include "capture/event.h"
#include "common/strbuf.h"

/* Fills defs[0, tm->ncols) from tm (names, types, signedness, binary
 * strings, members, nullability, key): the definition of 10.7 when
 * information_schema's does not match the map. The strings point into
 * tm (valid while it lives). 0, or KF_EINVAL with errstr (a map without
 * column names or primary key: binlog_row_metadata is not FULL). */
int kf_mdb_coldefs(const kf_bl_tablemap_t *tm, kf_cap_coldef_t *defs,
		   char *errstr, size_t errstr_size);

/* 1 when the columns of def (ncols of them, the definition held, read
 * from information_schema) are those of the table map tm: the same
 * count, names (case-insensitive, as MariaDB compares them) and binlog
 * types; else 0: the table changed (docs/cdc.md 10.7). */
int kf_mdb_coldefs_match(const kf_cap_coldef_t *def, int ncols,
			 const kf_bl_tablemap_t *tm);

/* The definition of rows written before a later ALTER TABLE (10.7): the
 * table map's own columns (kf_mdb_coldefs) with NOT NULL and the JSON
 * mark of the same-named columns of def (ncols), a column absent there
 * optional. out holds tm->ncols; strings point into tm and def. 0, or
 * kf_mdb_coldefs' error. */
int kf_mdb_coldefs_older(const kf_cap_coldef_t *def, int ncols,
			 const kf_bl_tablemap_t *tm, kf_cap_coldef_t *out,
			 char *errstr, size_t errstr_size);

/* Writes the row vals (tm->ncols values, decoded with tm) as text values
 * out[0, tm->ncols) for kf_cap_event_key/value: their bytes are appended
 * to arena (the caller's) and out points into it, valid until arena
 * changes. A zero date or datetime has no Connect value: it is written
 * NULL and *zeroed incremented (the caller warns, 10.8). 0, or
 * KF_EPROTO with errstr (the column and what is wrong: text that is not
 * UTF-8, an ENUM index past its members), KF_ENOMEM. */
int kf_mdb_row_text(const kf_bl_tablemap_t *tm, const kf_bl_value_t *vals,
		    kf_strbuf_t *arena, kf_pgo_value_t *out, int *zeroed,
		    char *errstr, size_t errstr_size);

#endif /* KF_CAPTURE_MDBROW_H */
