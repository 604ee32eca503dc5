/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for src/capture/binlog.c, the decoder of MariaDB's
 * binlog events (docs/cdc.md 10).
 *
 * The input is a table map's body, a rows event's type byte and its body:
 * 2 bytes (little-endian) of the map's length, the map, the type, the
 * rows. The whole input is also read as one event, with and without a
 * CRC. The decoder must not crash or read past the input; a decoded
 * value must lie inside it, a decimal's text fit its buffer, a refusal
 * say why. Each decoded row is also written as text (capture/mdbrow) and,
 * when the map makes a table, as an event (capture/event): refused or
 * written, never a crash.
 *
 * Seeds: tests/fuzz/corpus/binlog/ (events recorded from MariaDB 10.11).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture/binlog.h"
#include "capture/event.h"
#include "capture/mdbrow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every value of a row inside [lo, hi); a decimal's text in its buffer. */
static void check_row(const kf_bl_tablemap_t *tm, const kf_bl_value_t *v,
		      const uint8_t *lo, const uint8_t *hi)
{
	char dec[KF_BL_DECIMAL_TEXT_MAX + 1];
	uint32_t i;

	for (i = 0; i < tm->ncols; i++) {
		if (v[i].kind == KF_BL_V_BYTES ||
		    v[i].kind == KF_BL_V_DECIMAL) {
			if (v[i].len &&
			    (v[i].bytes < lo || v[i].bytes + v[i].len > hi))
				abort();
		}
		if (v[i].kind == KF_BL_V_DECIMAL) {
			dec[KF_BL_DECIMAL_TEXT_MAX] = 'x';
			kf_bl_decimal_text(&v[i], tm->cols[i].meta, dec);
			if (dec[KF_BL_DECIMAL_TEXT_MAX] != 'x' ||
			    strlen(dec) >= KF_BL_DECIMAL_TEXT_MAX)
				abort();
		}
	}
}

/* The table of tm, or NULL when its columns make none. */
static kf_cap_table_t *table(const kf_bl_tablemap_t *tm)
{
	kf_cap_coldef_t *defs = calloc(tm->ncols + 1, sizeof(*defs));
	kf_cap_table_t *t = NULL;
	char err[512];

	if (!defs)
		abort();
	if (!kf_mdb_coldefs(tm, defs, err, sizeof(err)))
		kf_cap_table_new_mariadb("p", "d", "t", defs, (int)tm->ncols,
					 &t, err, sizeof(err));
	free(defs);
	return t;
}

/* A row's image written as text, then as an event of t (when there is
 * one); a refusal must say why. */
static void event(const kf_bl_tablemap_t *tm, kf_cap_table_t *t,
		  const kf_bl_value_t *v, kf_pgo_value_t *text)
{
	kf_cap_source_t src = {.prefix = "p",
			       .db = "d",
			       .snapshot = "false",
			       .txid = -1,
			       .file = "f"};
	kf_strbuf_t arena, out;
	char err[512] = "";
	int zeroed = 0, nulled = 0, rc;

	kf_strbuf_heap(&arena, 64);
	kf_strbuf_heap(&out, 256);
	rc = kf_mdb_row_text(tm, v, &arena, text, &zeroed, err, sizeof(err));
	if (!rc && t)
		rc = kf_cap_event_value(t, 'c', NULL, 0, text, (int)tm->ncols,
					&src, 0, &out, &nulled, err,
					sizeof(err));
	if (rc && !err[0])
		abort();
	free(arena.p);
	free(out.p);
}

static void rows(const kf_bl_tablemap_t *tm, uint8_t type, const uint8_t *p,
		 size_t n)
{
	kf_cap_table_t *t = table(tm);
	kf_pgo_value_t *text = calloc(tm->ncols + 1, sizeof(*text));
	kf_bl_value_t *b = calloc(tm->ncols, sizeof(*b));
	kf_bl_value_t *a = calloc(tm->ncols, sizeof(*a));
	char err[512];
	kf_bl_rows_t r;
	int rc, guard = 0;

	if (!a || !b || !text)
		abort();
	if (!kf_bl_rows_parse(type, p, n, &r, err, sizeof(err))) {
		/* the map of the rows' table, whatever its id */
		r.table_id = tm->table_id;
		while ((rc = kf_bl_rows_next(&r, tm, b, a, err, sizeof(err))) ==
		       1) {
			check_row(tm, b, p, p + n);
			check_row(tm, a, p, p + n);
			event(tm, t, r.op == 'c' ? a : b, text);
			if (++guard > 100000)
				abort(); /* it must progress */
		}
		if (rc && !err[0])
			abort();
	}
	free(a);
	free(b);
	free(text);
	kf_cap_table_destroy(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kf_bl_tablemap_t *tm;
	kf_bl_event_t ev;
	char err[512];
	size_t maplen;

	kf_bl_event_parse(data, size, 0, &ev, err, sizeof(err));
	kf_bl_event_parse(data, size, 1, &ev, err, sizeof(err));
	if (size < 3)
		return 0;
	maplen = (size_t)data[0] | (size_t)data[1] << 8;
	if (maplen > size - 3)
		return 0;
	if (kf_bl_tablemap_parse(data + 2, maplen, &tm, err, sizeof(err))) {
		if (!err[0])
			abort();
		return 0;
	}
	rows(tm, data[2 + maplen], data + 3 + maplen, size - 3 - maplen);
	kf_bl_tablemap_destroy(tm);
	return 0;
}
