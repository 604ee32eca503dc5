/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of src/capture/pgoutput.c: each message type of pgoutput
 * protocol 1 on byte vectors built here as the server writes them, and
 * hostile input: every cut of every message, a wrong value kind, too
 * many columns, trailing bytes, an unknown message type.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "capture/pgoutput.h"
#include "kferry/kferry.h"

/* A message under construction, in network byte order. */
struct msg {
	uint8_t b[4096];
	size_t n;
};

static void put(struct msg *m, uint64_t v, int bytes)
{
	while (bytes-- > 0)
		m->b[m->n++] = (uint8_t)(v >> (8 * bytes));
}

static void puts_(struct msg *m, const char *s)
{
	size_t l = strlen(s) + 1;

	memcpy(m->b + m->n, s, l);
	m->n += l;
}

static void put_text(struct msg *m, const char *s)
{
	put(m, 't', 1);
	put(m, strlen(s), 4);
	memcpy(m->b + m->n, s, strlen(s));
	m->n += strlen(s);
}

static struct msg relation(void)
{
	struct msg m = {{0}, 0};

	put(&m, 'R', 1);
	put(&m, 16384, 4);
	puts_(&m, "public");
	puts_(&m, "acct");
	put(&m, 'd', 1);
	put(&m, 3, 2);
	put(&m, 1, 1);
	puts_(&m, "id");
	put(&m, 23, 4);
	put(&m, 0xffffffff, 4);
	put(&m, 0, 1);
	puts_(&m, "amt");
	put(&m, 1700, 4);
	put(&m, (12 << 16 | 2) + 4, 4);
	put(&m, 0, 1);
	puts_(&m, "name");
	put(&m, 25, 4);
	put(&m, 0xffffffff, 4);
	return m;
}

static struct msg update_full(void)
{
	struct msg m = {{0}, 0};

	put(&m, 'U', 1);
	put(&m, 16384, 4);
	put(&m, 'O', 1);
	put(&m, 3, 2);
	put_text(&m, "7");
	put(&m, 'n', 1);
	put_text(&m, "old");
	put(&m, 'N', 1);
	put(&m, 3, 2);
	put_text(&m, "7");
	put_text(&m, "12.50");
	put(&m, 'u', 1);
	return m;
}

static struct msg begin_commit(char type)
{
	struct msg m = {{0}, 0};

	put(&m, (uint8_t)type, 1);
	if (type == 'B') {
		put(&m, 0x0000000100001000ull, 8);
		put(&m, 851990400000000ull, 8);
		put(&m, 729, 4);
	} else {
		put(&m, 0, 1);
		put(&m, 0x0000000100001000ull, 8);
		put(&m, 0x0000000100001030ull, 8);
		put(&m, 851990400000000ull, 8);
	}
	return m;
}

static struct msg truncate_(void)
{
	struct msg m = {{0}, 0};

	put(&m, 'T', 1);
	put(&m, 2, 4);
	put(&m, 1, 1);
	put(&m, 16384, 4);
	put(&m, 16390, 4);
	return m;
}

static void test_begin_commit(void **state)
{
	kf_pgo_decoder_t *d = kf_pgo_decoder_new();
	struct msg b = begin_commit('B'), c = begin_commit('C');
	kf_pgo_msg_t m;
	char err[256];

	(void)state;
	assert_int_equal(kf_pgo_decode(d, b.b, b.n, &m, err, sizeof(err)), 0);
	assert_int_equal(m.type, 'B');
	assert_true(m.final_lsn == 0x0000000100001000ull);
	assert_true(m.ts == 851990400000000ll);
	assert_int_equal(m.xid, 729);
	assert_int_equal(kf_pgo_decode(d, c.b, c.n, &m, err, sizeof(err)), 0);
	assert_int_equal(m.type, 'C');
	assert_true(m.commit_lsn == 0x0000000100001000ull);
	assert_true(m.end_lsn == 0x0000000100001030ull);
	kf_pgo_decoder_destroy(d);
}

static void test_relation(void **state)
{
	kf_pgo_decoder_t *d = kf_pgo_decoder_new();
	struct msg r = relation();
	kf_pgo_msg_t m;
	char err[256];

	(void)state;
	assert_int_equal(kf_pgo_decode(d, r.b, r.n, &m, err, sizeof(err)), 0);
	assert_int_equal(m.relid, 16384);
	assert_string_equal(m.nspname, "public");
	assert_string_equal(m.name, "acct");
	assert_int_equal(m.replident, 'd');
	assert_int_equal(m.ncols, 3);
	assert_string_equal(m.cols[0].name, "id");
	assert_int_equal(m.cols[0].key, 1);
	assert_int_equal(m.cols[0].typmod, -1);
	assert_int_equal(m.cols[1].type_oid, 1700);
	assert_int_equal(m.cols[1].typmod, (12 << 16 | 2) + 4);
	assert_int_equal(m.cols[1].key, 0);
	assert_string_equal(m.cols[2].name, "name");
	kf_pgo_decoder_destroy(d);
}

static void test_changes(void **state)
{
	kf_pgo_decoder_t *d = kf_pgo_decoder_new();
	struct msg u = update_full(), ins = {{0}, 0}, del = {{0}, 0};
	kf_pgo_msg_t m;
	char err[256];

	(void)state;
	assert_int_equal(kf_pgo_decode(d, u.b, u.n, &m, err, sizeof(err)), 0);
	assert_int_equal(m.type, 'U');
	assert_int_equal(m.old_kind, 'O');
	assert_int_equal(m.old.ncols, 3);
	assert_int_equal(m.old.v[1].kind, 'n');
	assert_int_equal(m.old.v[2].len, 3);
	assert_memory_equal(m.old.v[2].data, "old", 3);
	assert_int_equal(m.new_.ncols, 3);
	assert_memory_equal(m.new_.v[1].data, "12.50", 5);
	assert_int_equal(m.new_.v[2].kind, 'u');

	put(&ins, 'I', 1);
	put(&ins, 16384, 4);
	put(&ins, 'N', 1);
	put(&ins, 1, 2);
	put_text(&ins, "");
	assert_int_equal(kf_pgo_decode(d, ins.b, ins.n, &m, err, sizeof(err)),
			 0);
	assert_int_equal(m.old_kind, 0);
	assert_int_equal(m.new_.v[0].kind, 't');
	assert_int_equal(m.new_.v[0].len, 0);

	put(&del, 'D', 1);
	put(&del, 16384, 4);
	put(&del, 'K', 1);
	put(&del, 1, 2);
	put_text(&del, "7");
	assert_int_equal(kf_pgo_decode(d, del.b, del.n, &m, err, sizeof(err)),
			 0);
	assert_int_equal(m.old_kind, 'K');
	assert_int_equal(m.new_.ncols, 0);

	/* an update without an old tuple */
	memset(&u, 0, sizeof(u));
	put(&u, 'U', 1);
	put(&u, 16384, 4);
	put(&u, 'N', 1);
	put(&u, 1, 2);
	put_text(&u, "8");
	assert_int_equal(kf_pgo_decode(d, u.b, u.n, &m, err, sizeof(err)), 0);
	assert_int_equal(m.old_kind, 0);
	assert_int_equal(m.new_.ncols, 1);
	kf_pgo_decoder_destroy(d);
}

static void test_truncate_origin_type(void **state)
{
	kf_pgo_decoder_t *d = kf_pgo_decoder_new();
	struct msg t = truncate_(), o = {{0}, 0}, y = {{0}, 0};
	kf_pgo_msg_t m;
	char err[256];

	(void)state;
	assert_int_equal(kf_pgo_decode(d, t.b, t.n, &m, err, sizeof(err)), 0);
	assert_int_equal(m.nrels, 2);
	assert_int_equal(m.relids[1], 16390);
	assert_int_equal(m.options, 1);
	put(&o, 'O', 1);
	put(&o, 42, 8);
	puts_(&o, "node_a");
	assert_int_equal(kf_pgo_decode(d, o.b, o.n, &m, err, sizeof(err)), 0);
	assert_string_equal(m.name, "node_a");
	put(&y, 'Y', 1);
	put(&y, 90000, 4);
	puts_(&y, "public");
	puts_(&y, "mood");
	assert_int_equal(kf_pgo_decode(d, y.b, y.n, &m, err, sizeof(err)), 0);
	assert_int_equal(m.relid, 90000);
	assert_string_equal(m.name, "mood");
	kf_pgo_decoder_destroy(d);
}

/* Every proper prefix of a valid message is refused, never read past. */
static void test_every_cut(void **state)
{
	struct msg all[] = {relation(), update_full(), begin_commit('B'),
			    begin_commit('C'), truncate_()};
	kf_pgo_decoder_t *d = kf_pgo_decoder_new();
	kf_pgo_msg_t m;
	char err[256];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		for (n = 0; n < all[i].n; n++) {
			/* a copy of exactly n bytes, so ASan sees an overrun */
			uint8_t *cut = malloc(n ? n : 1);

			memcpy(cut, all[i].b, n);
			assert_int_equal(
				kf_pgo_decode(d, cut, n, &m, err, sizeof(err)),
				KF_EPROTO);
			free(cut);
		}
		/* one byte too many */
		all[i].b[all[i].n] = 0;
		assert_int_equal(kf_pgo_decode(d, all[i].b, all[i].n + 1, &m,
					       err, sizeof(err)),
				 KF_EPROTO);
		assert_non_null(strstr(err, "bytes left"));
	}
	kf_pgo_decoder_destroy(d);
}

static void test_hostile(void **state)
{
	kf_pgo_decoder_t *d = kf_pgo_decoder_new();
	struct msg u = update_full(), r = relation(), big = {{0}, 0};
	kf_pgo_msg_t m;
	char err[256];

	(void)state;
	/* a binary value ('b') was never asked for */
	u.b[8] = 'b';
	assert_int_equal(kf_pgo_decode(d, u.b, u.n, &m, err, sizeof(err)),
			 KF_EPROTO);
	assert_non_null(strstr(err, "value kind"));
	/* a value length beyond the message */
	u = update_full();
	u.b[9] = 0x7f;
	assert_int_equal(kf_pgo_decode(d, u.b, u.n, &m, err, sizeof(err)),
			 KF_EPROTO);
	/* 1601 columns */
	r.b[1 + 4 + 7 + 5 + 1] = 0x06;
	r.b[1 + 4 + 7 + 5 + 2] = 0x41;
	assert_int_equal(kf_pgo_decode(d, r.b, r.n, &m, err, sizeof(err)),
			 KF_ELIMIT);
	/* a truncate of 0 relations */
	put(&big, 'T', 1);
	put(&big, 0, 4);
	put(&big, 0, 1);
	assert_int_equal(kf_pgo_decode(d, big.b, big.n, &m, err, sizeof(err)),
			 KF_ELIMIT);
	/* unknown type, empty message */
	assert_int_equal(
		kf_pgo_decode(d, (const uint8_t *)"M", 1, &m, err, sizeof(err)),
		KF_EPROTO);
	assert_non_null(strstr(err, "unknown message type"));
	assert_int_equal(
		kf_pgo_decode(d, (const uint8_t *)"", 0, &m, err, sizeof(err)),
		KF_EPROTO);
	kf_pgo_decoder_destroy(d);
}

static void test_lsn_text(void **state)
{
	char out[32];

	(void)state;
	kf_pgo_lsn_text(0x16B3748ull, out, sizeof(out));
	assert_string_equal(out, "0/16B3748");
	kf_pgo_lsn_text(0x100000000ull | 0xABCDEFull, out, sizeof(out));
	assert_string_equal(out, "1/ABCDEF");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_begin_commit),
		cmocka_unit_test(test_relation),
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_truncate_origin_type),
		cmocka_unit_test(test_every_cut),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_lsn_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
