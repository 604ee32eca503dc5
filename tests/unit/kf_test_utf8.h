/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stands in for record/decode.c's kf_utf8_count in the record tests while
 * decode.c is not in the tree: weak, so the real one wins once it is
 * linked (then this header can go). Counts the bytes that do not continue
 * a UTF-8 sequence. Include it once per test program.
 */
#ifndef KF_TEST_UTF8_H
#define KF_TEST_UTF8_H

#include <stddef.h>

#include "record/decode.h"

__attribute__((weak)) size_t kf_utf8_count(const char *p, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += ((unsigned char)p[i] & 0xc0) != 0x80;
	return n;
}

#endif /* KF_TEST_UTF8_H */
