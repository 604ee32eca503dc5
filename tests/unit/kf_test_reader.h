/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The calls of a streaming record reader (kf_csv, kf_jsonl, kf_fixed)
 * behind void pointers, for the split-invariance harnesses of the unit
 * tests (kf_test_trace.h) and the fuzz targets (tests/fuzz/fuzz_split.h):
 * KF_TEST_READER_CALLS(jsonl) defines rd_feed, rd_finish and rd_close
 * on kf_jsonl_feed, kf_jsonl_finish and kf_jsonl_destroy. Each file
 * writes its own rd_open (the callbacks differ).
 */
#ifndef KF_TEST_READER_H
#define KF_TEST_READER_H

#include <stddef.h>

#define KF_TEST_READER_CALLS(name)                                             \
	static int rd_feed(void *r, const void *buf, size_t len)               \
	{                                                                      \
		return kf_##name##_feed(r, buf, len);                          \
	}                                                                      \
	static int rd_finish(void *r)                                          \
	{                                                                      \
		return kf_##name##_finish(r);                                  \
	}                                                                      \
	static void rd_close(void *r)                                          \
	{                                                                      \
		kf_##name##_destroy(r);                                        \
	}

#endif /* KF_TEST_READER_H */
