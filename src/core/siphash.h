/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SipHash-2-4 (Aumasson and Bernstein): a keyed hash for hash tables whose
 * keys an attacker chooses. With a random key, nobody outside the process
 * can aim many keys at one bucket.
 *
 * @locality any thread.
 */
#ifndef KF_CORE_SIPHASH_H
#define KF_CORE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define KF_SIPHASH_KEY_SIZE 16

/* The 64-bit SipHash-2-4 of data[0..len) under key. */
uint64_t kf_siphash24(const uint8_t key[KF_SIPHASH_KEY_SIZE], const void *data,
		      size_t len);

#endif /* KF_CORE_SIPHASH_H */
