#include "common/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

static const char *const kf__errdesc[] = {
	[0] = "success",
	[1] = "invalid argument",
	[2] = "out of memory",
	[3] = "I/O error",
	[4] = "malformed message",
	[5] = "unsupported protocol version",
	[6] = "hash mismatch",
	[7] = "limit exceeded",
	[8] = "unsafe path",
	[9] = "Kafka error",
	[10] = "target exists",
	[11] = "source changed while being sent",
	[12] = "stopped",
	[13] = "no space left on device",
	[14] = "out of file descriptors or other resources",
	[15] = "cannot decrypt or authenticate",
	[16] = "authentication failed (TLS or SASL)",
	[17] = "not authorized by the broker's ACLs",
};

const char *kf_strerror(int err)
{
	if (err > 0 || err <= KF__ELAST)
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
