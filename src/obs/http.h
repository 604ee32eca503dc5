/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A minimal HTTP/1.1 server on a libuv loop, for /metrics and /healthz.
 *
 * It reads one request per connection (the request line is parsed, the
 * header lines are only skipped to their blank line), answers it with
 * Content-Length and "Connection: close", and closes. Only GET (and HEAD)
 * are served. Each connection has a fixed request buffer
 * (KF_HTTP_REQUEST_MAX), a deadline for its whole request
 * (KF_HTTP_HEADER_TIMEOUT_MS from accept) and one for the whole exchange
 * (KF_HTTP_TIMEOUT_MS). There are at most KF_HTTP_MAX_CONNS connections at
 * once, KF_HTTP_MAX_PER_PEER of one client address; a connection past
 * either cap closes the oldest one (of that address first) that has not
 * sent its whole request yet, so idle connections cannot keep a probe of
 * /healthz out. A slow or hostile client can neither grow memory nor hold
 * the server: it is cut off, and the others are served meanwhile. Nothing
 * here blocks.
 *
 * Every handle is unreferenced: the server never keeps its loop running.
 * Call kf_http_close and run the loop once more before closing it.
 *
 * @locality loop thread for every function and for the handler.
 */
#ifndef KF_OBS_HTTP_H
#define KF_OBS_HTTP_H

#include <stddef.h>
#include <uv.h>

#define KF_HTTP_REQUEST_MAX 4096
#define KF_HTTP_HEADER_TIMEOUT_MS 2000
#define KF_HTTP_TIMEOUT_MS 5000
#define KF_HTTP_MAX_CONNS 32
#define KF_HTTP_MAX_PER_PEER 8

typedef struct kf_http_s kf_http_t;

/* Answers GET path (the query string removed). Returns the status (200,
 * 404, 503, ...) and sets *body to a malloc'ed body the server frees (NULL
 * with *len 0 for none) and *ctype to a static content type. */
typedef int(kf_http_handler)(void *opaque, const char *path, char **body,
			     size_t *len, const char **ctype);

/* Listens on addr ("HOST:PORT", "[V6]:PORT" or ":PORT" for every
 * address; port 0 picks a free port). KF_EINVAL when addr is malformed,
 * cannot be resolved, or cannot be listened on (port taken). The caller
 * owns *out (kf_http_close). */
int kf_http_start(uv_loop_t *loop, const char *addr, kf_http_handler *handler,
		  void *opaque, kf_http_t **out, char *errstr,
		  size_t errstr_size);

/* The bound address, e.g. "127.0.0.1:9464" (owned by the server). */
const char *kf_http_address(const kf_http_t *h);

/* Stops listening and closes every connection; the memory goes with the
 * last close callback. NULL is a no-op. */
void kf_http_close(kf_http_t *h);

#endif /* KF_OBS_HTTP_H */
