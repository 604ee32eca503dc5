/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Small language helpers.
 *
 * @locality any thread.
 */
#ifndef KF_COMMON_UTIL_H
#define KF_COMMON_UTIL_H

#include <stddef.h>

/* The struct of type whose member ptr points to: how a callback that gets
 * a pointer to an embedded member (a libuv handle, a librdkafka opaque, a
 * message's reference) finds its owner, wherever the member sits. ptr must
 * be a pointer to the member's type (or void *): the conditional makes
 * the compiler check it. */
#define KF_CONTAINER_OF(ptr, type, member)                                     \
	((type *)(void *)((char *)(1 ? (ptr) : &((type *)0)->member) -         \
			  offsetof(type, member)))

#endif /* KF_COMMON_UTIL_H */
