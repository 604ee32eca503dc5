/* SPDX-License-Identifier: Apache-2.0 */
#include "core/siphash.h"

#define KF__ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static uint64_t kf__le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void kf__sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = KF__ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = KF__ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = KF__ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = KF__ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = KF__ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = KF__ROTL(v[2], 32);
}

static void kf__compress(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	kf__sipround(v);
	kf__sipround(v);
	v[0] ^= m;
}

uint64_t kf_siphash24(const uint8_t key[KF_SIPHASH_KEY_SIZE], const void *data,
		      size_t len)
{
	const uint8_t *p = data;
	uint64_t k0 = kf__le64(key), k1 = kf__le64(key + 8);
	uint64_t v[4] = {k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
			 k0 ^ 0x6c7967656e657261ULL,
			 k1 ^ 0x7465646279746573ULL};
	uint64_t last = (uint64_t)len << 56;
	size_t i, tail = len & 7;

	for (i = 0; i + 8 <= len; i += 8)
		kf__compress(v, kf__le64(p + i));
	while (tail--)
		last |= (uint64_t)p[i + tail] << (8 * tail);
	kf__compress(v, last);
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		kf__sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}
