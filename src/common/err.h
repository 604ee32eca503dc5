/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Error helpers shared by every module.
 *
 * The convention: return 0 or a negative KF_E* code; when the caller gave an
 * error buffer, fill it with what failed, where, and what to do.
 */
#ifndef KF_COMMON_ERR_H
#define KF_COMMON_ERR_H

#include <stddef.h>

#include "kferry/kferry.h"

#if defined(__GNUC__)
#define KF_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define KF_PRINTF(a, b)
#endif

/* Formats into errstr (if not NULL) and returns err, so that callers can
 * write `return kf_seterr(errstr, errstr_size, KF_EIO, "...", ...);`. */
int kf_seterr(char *errstr, size_t errstr_size, int err, const char *fmt, ...)
	KF_PRINTF(4, 5);

/* Maps an errno value to a KF_E* code (ENOSPC -> KF_ENOSPC, ...). */
int kf_err_from_errno(int e);

#endif /* KF_COMMON_ERR_H */
