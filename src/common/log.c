/* SPDX-License-Identifier: Apache-2.0 */
#include "common/log.h"

#include "common/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int kf__log_level = KF_LOG_INFO;
unsigned kf__log_debug;
static int kf__log_json;
static int kf__log_journal;
/* stderr is a socket (the journal's stream, say): lines are sent with
 * MSG_NOSIGNAL, so that a reader gone away cannot kill the process with
 * SIGPIPE; a program linking the library may not ignore it. */
static int kf__log_sock;

static const struct {
	const char *name;
	unsigned bit;
} kf__log_ctxs[] = {
	{"send", KF_DBG_SEND},	 {"recv", KF_DBG_RECV},
	{"kafka", KF_DBG_KAFKA}, {"wire", KF_DBG_WIRE},
	{"fs", KF_DBG_FS},	 {"watch", KF_DBG_WATCH},
	{"obs", KF_DBG_OBS},	 {"capture", KF_DBG_CAPTURE},
	{"all", KF_DBG_ALL},
};

/*
 * systemd connects stderr to the journal and names that stream in
 * JOURNAL_STREAM as "DEVICE:INODE". A child whose stderr goes elsewhere
 * inherits the variable, so it counts only when it names our stderr.
 */
static int kf__stderr_is_journal(void)
{
	const char *s = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!s || sscanf(s, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st))
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

int kf_log_setup(int level, const char *debug_ctx, int json, char *errstr,
		 size_t errstr_size)
{
	unsigned bits = 0;
	const char *p = debug_ctx;

	while (p && *p) {
		size_t n = strcspn(p, ",");
		size_t i;

		for (i = 0; i < sizeof(kf__log_ctxs) / sizeof(kf__log_ctxs[0]);
		     i++)
			if (strlen(kf__log_ctxs[i].name) == n &&
			    !strncmp(kf__log_ctxs[i].name, p, n))
				break;
		if (i == sizeof(kf__log_ctxs) / sizeof(kf__log_ctxs[0]))
			return kf_seterr(errstr, errstr_size, KF_EINVAL,
					 "unknown debug context \"%.*s\" (use "
					 "send,recv,kafka,wire,fs,watch,obs "
					 "or all)",
					 (int)n, p);
		bits |= kf__log_ctxs[i].bit;
		p += n + (p[n] == ',');
	}
	kf__log_debug = bits;
	kf__log_level = bits ? KF_LOG_DEBUG : level;
	kf__log_json = json;
	kf__log_journal = kf__stderr_is_journal();
	{
		struct stat st;

		kf__log_sock =
			fstat(STDERR_FILENO, &st) == 0 && S_ISSOCK(st.st_mode);
	}
	return 0;
}

static const char *kf__level_name(int level)
{
	switch (level) {
	case KF_LOG_ERR:
		return "error";
	case KF_LOG_WARN:
		return "warn";
	case KF_LOG_NOTICE:
		return "notice";
	case KF_LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

/* Appends byte b to out as \xNN. */
static size_t kf__log_hex(char *out, size_t o, unsigned char b)
{
	static const char hex[] = "0123456789abcdef";

	out[o++] = '\\';
	out[o++] = 'x';
	out[o++] = hex[b >> 4];
	out[o++] = hex[b & 0xf];
	return o;
}

/* One text line per call, whatever a message quotes: a newline becomes
 * \n and other control characters (C0, DEL, C1 as UTF-8) \xNN, so that
 * quoted text can neither start a forged line (nor set a journal
 * priority with "<N>") nor drive the terminal. Strings from the wire are
 * made printable where they are quoted (kf_path_printable); this is the
 * net under every other caller, librdkafka's messages included. */
static void kf__log_sanitize(const char *in, char *out, size_t out_size)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t o = 0;

	for (; *p && o + 9 < out_size; p++) {
		if (*p == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (*p < 0x20 || *p == 0x7f) {
			o = kf__log_hex(out, o, *p);
		} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			o = kf__log_hex(out, o, *p);
			o = kf__log_hex(out, o, *++p);
		} else {
			out[o++] = (char)*p;
		}
	}
	out[o] = '\0';
}

void kf__log(int level, const char *ctx, const char *fmt, ...)
{
	char msg[2048], line[4608], ts[64];
	struct timeval tv;
	ssize_t w;
	struct tm tm;
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = (int)strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - (size_t)n, ".%03ldZ",
		 (long)(tv.tv_usec / 1000));

	if (kf__log_json) {
		char esc[4200];

		kf_json_escape(esc, sizeof(esc), msg);
		n = snprintf(line, sizeof(line),
			     "{\"ts\":\"%s\",\"level\":\"%s\",\"ctx\":\"%s\","
			     "\"msg\":\"%s\"}\n",
			     ts, kf__level_name(level), ctx, esc);
	} else {
		char safe[4200];

		kf__log_sanitize(msg, safe, sizeof(safe));
		if (kf__log_journal)
			/* The journal stamps each line itself and reads the
			 * syslog priority from a "<N>" prefix
			 * (sd-daemon(3)). */
			n = snprintf(line, sizeof(line), "<%d>%-5s %s: %s\n",
				     level, kf__level_name(level), ctx, safe);
		else
			n = snprintf(line, sizeof(line), "%s %-5s %s: %s\n", ts,
				     kf__level_name(level), ctx, safe);
	}
	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	/* One write per line: concurrent threads never interleave lines. A
	 * line that cannot be written has nowhere else to go. */
	w = kf__log_sock ? send(STDERR_FILENO, line, (size_t)n, MSG_NOSIGNAL)
			 : write(STDERR_FILENO, line, (size_t)n);
	(void)w;
}

void kf_log_user(int error, const char *fmt, ...)
{
	char msg[4096];
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = strlen(msg);
	if (!kf__log_json) {
		/* one write, as kf__log: lines of threads never interleave */
		ssize_t w = write(STDERR_FILENO, msg, n);

		(void)w; /* nowhere left to report a failed write */
		return;
	}
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	kf__log(error ? KF_LOG_ERR : KF_LOG_NOTICE, "kferry", "%s", msg);
}
