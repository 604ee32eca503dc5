/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bounded JSON (RFC 8259) tokenizer: one text into a flat array of
 * tokens the caller provides, no allocation, no recursion on the C stack
 * (a nesting cap instead). Strings stay escaped in the input; values are
 * read through the helpers below. Used for JSON-lines record files and the
 * load ledger: every input is hostile, so every byte is checked (UTF-8,
 * escapes, numbers, nesting depth, trailing bytes).
 *
 * @locality any thread.
 */
#ifndef KF_COMMON_JSONTOK_H
#define KF_COMMON_JSONTOK_H

#include <stddef.h>
#include <stdint.h>

enum kf_jtype {
	KF_J_OBJECT = 1,
	KF_J_ARRAY,
	KF_J_STRING,
	KF_J_NUMBER,
	KF_J_TRUE,
	KF_J_FALSE,
	KF_J_NULL
};

typedef struct kf_jtok_s {
	uint8_t type;	 /* enum kf_jtype */
	uint8_t escaped; /* a string holding a backslash escape */
	uint32_t start;	 /* first byte: the quote of a string, the brace */
	uint32_t end;	 /* one past the last byte (the closing quote) */
	uint32_t size;	 /* members of an object, elements of an array */
	uint32_t next;	 /* index of the token after this one's subtree */
} kf_jtok_t;

#define KF_JSON_MAX_DEPTH 64

/* Tokenizes exactly one JSON value in js[0..len) (whitespace around it
 * allowed, nothing else). An object's members are key token, value
 * subtree, in order. 0 with *ntok set, or -1 with errstr saying what and
 * at which byte offset ("too many tokens" when toks is too small). */
int kf_json_tokenize(const char *js, size_t len, kf_jtok_t *toks, size_t cap,
		     size_t *ntok, char *errstr, size_t errstr_size);

/* The value token of member key (keylen bytes, unescaped) of object
 * token obj, or -1. Keys that are escaped in the input are compared
 * unescaped. */
int kf_json_member(const char *js, const kf_jtok_t *toks, int obj,
		   const char *key, size_t keylen);

/* The unescaped UTF-8 of string token t into out (cap bytes, NUL added):
 * the length, or -1 when it does not fit or holds U+0000. */
long kf_json_string(const char *js, const kf_jtok_t *t, char *out, size_t cap);

/* A number token as int64 (an integer in range, no fraction or exponent):
 * 0, or -1. */
int kf_json_int64(const char *js, const kf_jtok_t *t, int64_t *out);

/* Member name of object token obj as a count (an integer, 0 or more):
 * 0, or -1 when it is absent, not an integer or negative. */
int kf_json_member_u64(const char *js, const kf_jtok_t *toks, int obj,
		       const char *name, uint64_t *out);

#endif /* KF_COMMON_JSONTOK_H */
