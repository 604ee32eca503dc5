/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The INI tokenizer of kferry's files (see ini.h): one line at a time,
 * copied into a scratch buffer that is modified in place and wiped at the
 * end.
 *
 * @locality any thread.
 */
#include "common/ini.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"

struct kf__ini {
	const char *name; /* for messages */
	kf_ini_section_cb *on_section;
	kf_ini_cb *on_key;
	void *opaque;
	unsigned line;
	char section[KF_INI_NAME_MAX]; /* "" before the first [section] */
};

static char *kf__skip_space(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

static void kf__rtrim(char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

/* Nothing but whitespace and maybe a comment left on the line. */
static int kf__rest_is_empty(char *s)
{
	s = kf__skip_space(s);
	return !*s || *s == '#' || *s == ';';
}

/* Section and key names: letters, digits, '.', '_' and '-'. */
static int kf__valid_name(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
			     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

	return n && !s[n] && n < KF_INI_NAME_MAX;
}

static int kf__section(struct kf__ini *in, char *p, char *msg, size_t msg_size)
{
	char *end = strchr(p, ']');
	char *name;

	if (!end || !kf__rest_is_empty(end + 1))
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "expected \"[section]\"");
	*end = '\0';
	name = kf__skip_space(p + 1);
	kf__rtrim(name);
	if (!kf__valid_name(name))
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "invalid section name \"%s\" (use letters, "
				 "digits, '.', '_' and '-')",
				 name);
	strcpy(in->section, name);
	if (!in->on_section)
		return 0;
	return in->on_section(in->opaque, in->section, in->line, msg, msg_size);
}

/* Cuts a '#' or ';' comment that follows whitespace, then the whitespace;
 * "a#b" and "a;b" stay whole. value never starts the line (the key and '='
 * come first), so s[-1] is always inside it. */
static void kf__cut_comment(char *value)
{
	char *s;

	for (s = value; *s; s++) {
		if ((*s == '#' || *s == ';') &&
		    (s[-1] == ' ' || s[-1] == '\t')) {
			*s = '\0';
			break;
		}
	}
	kf__rtrim(value);
}

/* The character an escape stands for, or -1. */
static int kf__unescape(char c)
{
	switch (c) {
	case 'n':
		return '\n';
	case '"':
	case '\\':
		return c;
	default:
		return -1;
	}
}

/* Decodes a double-quoted value in place (the decoded text is never longer
 * than the quoted one); p points at the opening quote. key is the full
 * "section.key", for messages. */
static int kf__unquote(char *p, const char *key, char *msg, size_t msg_size)
{
	char *r = p + 1, *w = p;

	for (; *r != '"'; r++) {
		int c = *r;

		if (!c)
			return kf_seterr(msg, msg_size, KF_EINVAL,
					 "%s: missing closing quote", key);
		if (c == '\\' && r[1] && (c = kf__unescape(*++r)) < 0)
			return kf_seterr(msg, msg_size, KF_EINVAL,
					 "%s: unknown escape \"\\%c\" in "
					 "quoted value (use \\\", \\\\ or "
					 "\\n)",
					 key, *r);
		*w++ = (char)c;
	}
	if (!kf__rest_is_empty(r + 1))
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "%s: unexpected text after the closing quote",
				 key);
	*w = '\0';
	return 0;
}

static int kf__pair(struct kf__ini *in, char *p, char *msg, size_t msg_size)
{
	char *eq = strchr(p, '=');
	char full[KF_INI_NAME_MAX];
	char *value;
	int n, err;

	if (!eq)
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "expected \"key = value\", \"[section]\" or "
				 "a comment");
	*eq = '\0';
	kf__rtrim(p);
	if (!kf__valid_name(p))
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "invalid key name \"%s\" (use letters, "
				 "digits, '.', '_' and '-')",
				 p);
	n = snprintf(full, sizeof(full), "%s%s%s", in->section,
		     *in->section ? "." : "", p);
	if (n < 0 || (size_t)n >= sizeof(full))
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "%s.%s: key name too long", in->section, p);
	value = kf__skip_space(eq + 1);
	if (*value != '"')
		kf__cut_comment(value);
	else if ((err = kf__unquote(value, full, msg, msg_size)))
		return err;
	return in->on_key(in->opaque, in->section, p, value, in->line, msg,
			  msg_size);
}

static int kf__line(struct kf__ini *in, char *line, size_t len, char *msg,
		    size_t msg_size)
{
	char *p;

	if (strlen(line) != len)
		return kf_seterr(msg, msg_size, KF_EINVAL,
				 "line contains a NUL byte");
	kf__rtrim(line);
	p = kf__skip_space(line);
	if (!*p || *p == '#' || *p == ';')
		return 0;
	if (*p == '[')
		return kf__section(in, p, msg, msg_size);
	return kf__pair(in, p, msg, msg_size);
}

int kf_ini_parse(const char *text, size_t len, const char *name,
		 kf_ini_section_cb *on_section, kf_ini_cb *on_key, void *opaque,
		 char *errstr, size_t errstr_size)
{
	static const char bom[] = "\xef\xbb\xbf";
	struct kf__ini in = {.name = name,
			     .on_section = on_section,
			     .on_key = on_key,
			     .opaque = opaque};
	const char *p = text, *end = text + len;
	char msg[1024];
	char *line;
	int err = 0;

	/* Editors on some systems start UTF-8 files with a BOM. */
	if (len >= sizeof(bom) - 1 && !memcmp(p, bom, sizeof(bom) - 1))
		p += sizeof(bom) - 1;
	/* one scratch line, as long as the longest line can be */
	if (!(line = malloc(len + 1)))
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "%s: out of memory", name);
	while (!err && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		memcpy(line, p, n);
		line[n] = '\0';
		in.line++;
		err = kf__line(&in, line, n, msg, sizeof(msg));
		if (err)
			kf_seterr(errstr, errstr_size, err, "%s:%u: %s", name,
				  in.line, msg);
		p += n + 1;
	}
	explicit_bzero(line, len + 1);
	free(line);
	explicit_bzero(msg, sizeof(msg));
	return err;
}

/* Reads the whole of fd into *out (malloc'd, *outlen bytes), refusing
 * more than max_bytes. */
static int kf__read_all(int fd, const char *path, size_t max_bytes, char **out,
			size_t *outlen, char *errstr, size_t errstr_size)
{
	size_t cap = 0, len = 0, want = 4096;
	char *buf = NULL;
	struct stat st;
	int err = 0;

	/* a regular file's size, plus one byte to see the end */
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0)
		want = (uint64_t)st.st_size < max_bytes ? (size_t)st.st_size + 1
							: max_bytes + 1;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			size_t ncap = cap ? cap * 2 : want;
			char *nbuf;

			if (ncap > max_bytes + 1)
				ncap = max_bytes + 1;
			/* realloc would leave a copy of a secret behind */
			if (!(nbuf = malloc(ncap))) {
				err = kf_seterr(errstr, errstr_size, KF_ENOMEM,
						"%s: out of memory", path);
				break;
			}
			if (buf) {
				memcpy(nbuf, buf, len);
				explicit_bzero(buf, cap);
			}
			free(buf);
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			err = kf_seterr(
				errstr, errstr_size, kf_err_from_errno(e),
				"%s: cannot read: %s", path, strerror(e));
			break;
		}
		if (!n)
			break;
		len += (size_t)n;
		if (len > max_bytes) {
			err = kf_seterr(errstr, errstr_size, KF_EINVAL,
					"%s: larger than %zu bytes: not a "
					"kferry file?",
					path, max_bytes);
			break;
		}
	}
	if (err) {
		if (buf)
			explicit_bzero(buf, cap);
		free(buf);
		return err;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

int kf_ini_parse_file(const char *path, size_t max_bytes,
		      kf_ini_section_cb *on_section, kf_ini_cb *on_key,
		      void *opaque, char *errstr, size_t errstr_size)
{
	char *text = NULL;
	size_t len = 0;
	int fd, err;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		int e = errno;

		return kf_seterr(errstr, errstr_size, kf_err_from_errno(e),
				 "%s: cannot open: %s", path, strerror(e));
	}
	err = kf__read_all(fd, path, max_bytes, &text, &len, errstr,
			   errstr_size);
	close(fd);
	if (err)
		return err;
	err = kf_ini_parse(text, len, path, on_section, on_key, opaque, errstr,
			   errstr_size);
	if (text)
		explicit_bzero(text, len);
	free(text);
	return err;
}

/* Returns the multiplier of a size suffix (K, KB, KiB, ... any case), or 0
 * if s is not one. An empty suffix means bytes. */
static uint64_t kf__size_unit(const char *s)
{
	static const char units[] = "KMGT";
	const char *u;

	if (!*s)
		return 1;
	u = strchr(units, toupper((unsigned char)*s));
	if (!u)
		return 0;
	s++;
	if (*s && strcasecmp(s, "B") && strcasecmp(s, "iB"))
		return 0;
	return (uint64_t)1 << (10 * (u - units + 1));
}

int kf_ini_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	uint64_t unit;
	char *end;

	/* strtoull would accept leading spaces and wrap "-1" around */
	if (!s || !isdigit((unsigned char)*s))
		return KF_EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return KF_EINVAL;
	/* "1 MiB" reads well; a bare "1 " is more likely a mistake */
	if (end[strspn(end, " \t")])
		end += strspn(end, " \t");
	unit = kf__size_unit(end);
	if (!unit || v > UINT64_MAX / unit)
		return KF_EINVAL;
	*out = (uint64_t)v * unit;
	return 0;
}

/* Levenshtein distance; both strings are shorter than KF_INI_NAME_MAX. */
static size_t kf__edit_distance(const char *a, const char *b)
{
	size_t rows[2][KF_INI_NAME_MAX];
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t *prev = rows[0], *cur = rows[1], *tmp;

	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? sub : del;
			cur[j] = cur[j] < ins ? cur[j] : ins;
		}
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
	return prev[lb];
}

size_t kf_ini_near(const char *name, const char *known)
{
	size_t limit = strlen(name) / 3 ? strlen(name) / 3 : 1;
	size_t d;

	if (strlen(name) >= KF_INI_NAME_MAX || strlen(known) >= KF_INI_NAME_MAX)
		return SIZE_MAX;
	d = kf__edit_distance(name, known);
	return d <= limit ? d : SIZE_MAX;
}
