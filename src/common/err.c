/* SPDX-License-Identifier: Apache-2.0 */
#include "common/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

/* Indexed by -code; every code of KF_ERRNO_MAP in kferry.h, in order. */
#define KF__ERR_DESC(name, value, desc) [-(value)] = desc,
static const char *const kf__errdesc[] = {KF_ERRNO_MAP(KF__ERR_DESC)};
#undef KF__ERR_DESC

/* A code added to the list without moving KF__ELAST (or the reverse)
 * fails to build here rather than reading past the table. */
_Static_assert(sizeof(kf__errdesc) / sizeof(kf__errdesc[0]) ==
		       (size_t)-KF__ELAST,
	       "KF__ELAST must be one past the last code of KF_ERRNO_MAP");

const char *kf_strerror(int err)
{
	if (err > 0 || err <= KF__ELAST || !kf__errdesc[-err])
		return "unknown error";
	return kf__errdesc[-err];
}

const char *kf_version(void)
{
	return KF_VERSION_STR;
}

int kf_seterr(char *errstr, size_t errstr_size, int err, const char *fmt, ...)
{
	va_list ap;

	if (errstr && errstr_size) {
		va_start(ap, fmt);
		vsnprintf(errstr, errstr_size, fmt, ap);
		va_end(ap);
	}
	return err;
}

int kf_err_from_errno(int e)
{
	switch (e) {
	case ENOSPC:
	case EDQUOT:
		return KF_ENOSPC;
	case ENOMEM:
		return KF_ENOMEM;
	case EMFILE:
	case ENFILE:
		return KF_ERESOURCE;
	case EEXIST:
		return KF_EEXIST;
	case ELOOP:
	case ENOTDIR:
		return KF_EPATH;
	case EINVAL:
		return KF_EINVAL;
	default:
		return KF_EIO;
	}
}
