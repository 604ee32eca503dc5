/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON string escaping for logs and summaries. Paths are raw bytes: valid
 * UTF-8 is kept as it is, every other byte becomes \u00XX, so the output
 * is always valid JSON and one line.
 *
 * @locality any thread.
 */
#ifndef KF_COMMON_JSON_H
#define KF_COMMON_JSON_H

#include <stddef.h>

#include "common/strbuf.h"

/* Escapes s (the body of a JSON string, without quotes) into out, at most
 * cap bytes including the NUL; stops early rather than split an escape.
 * Returns the length written. */
size_t kf_json_escape(char *out, size_t cap, const char *s);

/* Appends "s" to b, s escaped as above (b->failed when out of memory). */
void kf_json_str(kf_strbuf_t *b, const char *s);

/* Appends ,"name":"s" to b with s escaped as above (b->failed when out
 * of memory): a member of an object being written. */
void kf_json_member_str(kf_strbuf_t *b, const char *name, const char *s);

#endif /* KF_COMMON_JSON_H */
