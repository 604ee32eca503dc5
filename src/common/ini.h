/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The INI dialect of kferry's files (config/kferry.conf, schema files):
 * `[section]`, `key = value`, `#` and `;` comments (a comment inside a
 * line starts after a space), values in double quotes keep spaces and
 * understand \" \\ \n. A tokenizer only: it knows no keys; the caller's
 * callback takes (section, key, value, line) and decides.
 *
 * Section and key names are letters, digits, '.', '_' and '-', and
 * "section.key" is shorter than KF_INI_NAME_MAX bytes. A UTF-8 BOM before
 * the first line is skipped; CRLF line ends are accepted. The copies the
 * tokenizer makes are wiped before they are freed: configuration files
 * hold secrets.
 *
 * @locality any thread.
 */
#ifndef KF_COMMON_INI_H
#define KF_COMMON_INI_H

#include <stddef.h>
#include <stdint.h>

#define KF_INI_NAME_MAX 256

/* One `key = value` of section (the text between the brackets; "" before
 * the first section), line 1-based. Strings are valid during the call.
 * Return 0 to go on, or a nonzero code (with errstr set) to stop. */
typedef int(kf_ini_cb)(void *opaque, const char *section, const char *key,
		       const char *value, unsigned line, char *errstr,
		       size_t errstr_size);
/* A `[section]` line, before its keys (may be NULL in kf_ini_parse). */
typedef int(kf_ini_section_cb)(void *opaque, const char *section, unsigned line,
			       char *errstr, size_t errstr_size);

/* Tokenizes text (len bytes, need not be NUL-terminated). Syntax errors
 * return KF_EINVAL with errstr "NAME:LINE: what" (name: the file, for
 * messages); a callback's nonzero return stops and is returned, its
 * message prefixed with "NAME:LINE: " too. */
int kf_ini_parse(const char *text, size_t len, const char *name,
		 kf_ini_section_cb *on_section, kf_ini_cb *on_key, void *opaque,
		 char *errstr, size_t errstr_size);

/* Reads a whole file (at most max_bytes) and tokenizes it. The code of
 * the open or read error (kf_err_from_errno: KF_EIO mostly), KF_EINVAL
 * (too big, syntax) or a callback's code, with errstr. */
int kf_ini_parse_file(const char *path, size_t max_bytes,
		      kf_ini_section_cb *on_section, kf_ini_cb *on_key,
		      void *opaque, char *errstr, size_t errstr_size);

/* A size value: digits and an optional unit K, M, G, T (also KB, KiB,
 * any case; powers of 1024), a space allowed before the unit ("1 MiB").
 * 0, or KF_EINVAL for anything else (signs, overflow). */
int kf_ini_parse_size(const char *s, uint64_t *out);

/* How far name is from known, for "did you mean" hints: the edit
 * (Levenshtein) distance when it is small for name's length (at most one
 * edit in three characters, and at least one), else SIZE_MAX, also when
 * either is KF_INI_NAME_MAX bytes or longer. */
size_t kf_ini_near(const char *name, const char *known);

#endif /* KF_COMMON_INI_H */
