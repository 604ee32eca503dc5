/* SPDX-License-Identifier: Apache-2.0 */
#include "obs/http.h"

#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"

struct kf__conn {
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_write_t wreq;
	uv_shutdown_t sreq;
	kf_http_t *h;
	struct sockaddr_storage peer; /* family 0: unknown */
	char req[KF_HTTP_REQUEST_MAX];
	size_t len;
	char *resp; /* owned while writing */
	int responding, closing, pending_closes;
	int shut, eof; /* our FIN sent; the client's FIN (or error) seen */
	struct kf__conn *prev, *next;
};

struct kf_http_s {
	uv_tcp_t listener;
	uv_loop_t *loop;
	kf_http_handler *handler;
	void *opaque;
	char address[80];
	int closing, listener_closed;
	int sigpipe_blocked; /* by kf_http_start, on the loop thread */
	size_t nconns;
	struct kf__conn *conns;
};

/* A write to a client that went away raises SIGPIPE, whose default
 * action ends the process: the kferry command ignores it, a program that
 * links the library may not. libuv writes with writev(2), which takes no
 * MSG_NOSIGNAL, so the loop thread (the only one writing to clients)
 * blocks SIGPIPE while the server lives: such a write fails with EPIPE
 * instead. Returns whether it was unblocked before. */
static int kf__sigpipe_block(void)
{
	sigset_t pipe, old;

	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	return pthread_sigmask(SIG_BLOCK, &pipe, &old) == 0 &&
	       !sigismember(&old, SIGPIPE);
}

/* Drops the SIGPIPE our writes left pending, then unblocks it. */
static void kf__sigpipe_unblock(void)
{
	static const struct timespec now = {0, 0};
	sigset_t pipe, pending;

	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	while (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) &&
	       sigtimedwait(&pipe, NULL, &now) == SIGPIPE)
		;
	pthread_sigmask(SIG_UNBLOCK, &pipe, NULL);
}

static void kf__maybe_free(kf_http_t *h)
{
	if (h->closing && h->listener_closed && !h->conns)
		free(h);
}

static void kf__conn_closed(uv_handle_t *handle)
{
	struct kf__conn *c = handle->data;
	kf_http_t *h = c->h;

	if (--c->pending_closes)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		h->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	h->nconns--;
	free(c->resp);
	free(c);
	kf__maybe_free(h);
}

static void kf__conn_close(struct kf__conn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	c->pending_closes = 2;
	uv_close((uv_handle_t *)&c->tcp, kf__conn_closed);
	uv_close((uv_handle_t *)&c->timer, kf__conn_closed);
}

/* Lingering close: after the answer, our FIN; the socket is closed once
 * the client closed too (or at the deadline), because closing it with
 * unread request bytes would reset the connection and could destroy the
 * answer before the client read it. */
static void kf__shut(uv_shutdown_t *req, int status)
{
	struct kf__conn *c = req->data;

	c->shut = 1;
	if (status || c->eof)
		kf__conn_close(c);
}

static void kf__written(uv_write_t *w, int status)
{
	struct kf__conn *c = w->data;

	c->sreq.data = c;
	if (status || c->closing ||
	    uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp, kf__shut))
		kf__conn_close(c);
}

static const char *kf__reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 431:
		return "Request Header Fields Too Large";
	case 503:
		return "Service Unavailable";
	default:
		return "Internal Server Error";
	}
}

/* Sends the whole response and closes once it is written. body is taken
 * (freed here); head=1 leaves it out but keeps its length. */
static void kf__respond(struct kf__conn *c, int status, const char *ctype,
			char *body, size_t len, int head)
{
	char hdr[256];
	uv_buf_t buf;
	int n;

	c->responding = 1;
	n = snprintf(hdr, sizeof(hdr),
		     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
		     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		     status, kf__reason(status), ctype, len);
	c->resp = malloc((size_t)n + (head ? 0 : len));
	if (!c->resp) {
		free(body);
		kf__conn_close(c);
		return;
	}
	memcpy(c->resp, hdr, (size_t)n);
	if (!head && len)
		memcpy(c->resp + n, body, len);
	free(body);
	buf = uv_buf_init(c->resp, (unsigned)((size_t)n + (head ? 0 : len)));
	c->wreq.data = c;
	if (uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &buf, 1, kf__written))
		kf__conn_close(c);
}

static void kf__respond_text(struct kf__conn *c, int status, const char *msg)
{
	char *body = strdup(msg);

	kf__respond(c, status, "text/plain; charset=utf-8", body,
		    body ? strlen(body) : 0, 0);
}

/* The request is complete (its blank line arrived): parse the request
 * line "METHOD SP TARGET SP HTTP/1.x" and answer. */
static void kf__serve(struct kf__conn *c)
{
	char *line = c->req, *eol = memchr(c->req, '\n', c->len);
	char *sp1, *sp2, *q, *body = NULL;
	const char *ctype = "text/plain; charset=utf-8";
	size_t len = 0;
	int head, status;

	/* a NUL inside the request line is not HTTP */
	if (memchr(line, '\0', (size_t)(eol - line))) {
		kf__respond_text(c, 400, "bad request\n");
		return;
	}
	*eol = '\0';
	if (eol > line && eol[-1] == '\r')
		eol[-1] = '\0';
	sp1 = strchr(line, ' ');
	sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || sp1[1] != '/' || strncmp(sp2 + 1, "HTTP/1.", 7)) {
		kf__respond_text(c, 400, "bad request\n");
		return;
	}
	*sp1 = '\0';
	*sp2 = '\0';
	head = !strcmp(line, "HEAD");
	if (!head && strcmp(line, "GET")) {
		kf__respond_text(c, 405, "only GET and HEAD are served\n");
		return;
	}
	if ((q = strchr(sp1 + 1, '?')))
		*q = '\0';
	status = c->h->handler(c->h->opaque, sp1 + 1, &body, &len, &ctype);
	kf_dbg(KF_DBG_OBS, "http", "GET %s: %d", sp1 + 1, status);
	kf__respond(c, status, ctype, body, len, head);
}

static void kf__alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	struct kf__conn *c = handle->data;

	(void)suggested;
	/* One fixed buffer per connection: a request never grows memory.
	 * Once answered, what else comes is read into it and dropped. */
	if (c->responding)
		*buf = uv_buf_init(c->req, (unsigned)sizeof(c->req));
	else
		*buf = uv_buf_init(c->req + c->len,
				   (unsigned)(sizeof(c->req) - 1 - c->len));
}

/* The end of the header block: a blank line. */
static int kf__complete(const struct kf__conn *c)
{
	size_t i;

	for (i = 0; i + 1 < c->len; i++)
		if (c->req[i] == '\n' &&
		    (c->req[i + 1] == '\n' ||
		     (c->req[i + 1] == '\r' && i + 2 < c->len &&
		      c->req[i + 2] == '\n')))
			return 1;
	return 0;
}

static void kf__timeout(uv_timer_t *t)
{
	kf__conn_close(t->data);
}

/* The request is in: the answer and the lingering close have until
 * KF_HTTP_TIMEOUT_MS after the accept. */
static void kf__answer_deadline(struct kf__conn *c)
{
	uv_timer_start(&c->timer, kf__timeout,
		       KF_HTTP_TIMEOUT_MS - KF_HTTP_HEADER_TIMEOUT_MS, 0);
}

static void kf__read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct kf__conn *c = s->data;

	(void)buf;
	if (c->closing)
		return;
	if (c->responding) {
		if (n < 0) {
			c->eof = 1;
			uv_read_stop(s);
			if (c->shut)
				kf__conn_close(c);
		}
		return;
	}
	if (n < 0) {
		/* EOF or error before a whole request: nothing to answer */
		kf__conn_close(c);
		return;
	}
	c->len += (size_t)n;
	c->req[c->len] = '\0';
	if (kf__complete(c)) {
		kf__answer_deadline(c);
		kf__serve(c);
	} else if (c->len >= sizeof(c->req) - 1) {
		kf__answer_deadline(c);
		kf__respond_text(c, 431, "request too large\n");
	}
}

/* Same client address (the port aside); unknown ones count as one. */
static int kf__same_peer(const struct kf__conn *a, const struct kf__conn *b)
{
	const struct sockaddr_storage *x = &a->peer, *y = &b->peer;

	if (x->ss_family != y->ss_family)
		return 0;
	if (x->ss_family == AF_INET)
		return ((const struct sockaddr_in *)x)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)y)->sin_addr.s_addr;
	if (x->ss_family == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)x)->sin6_addr,
			       &((const struct sockaddr_in6 *)y)->sin6_addr,
			       sizeof(struct in6_addr));
	return 1;
}

/* Makes room for the new connection c. Past KF_HTTP_MAX_PER_PEER
 * connections of c's address, or KF_HTTP_MAX_CONNS in all, the oldest
 * connection (of that address, resp. of anyone) still waiting for its
 * request is closed: a client holding idle connections loses its own
 * first, and can never keep a new request (a /healthz probe) out.
 * Returns -1 when there is none to close: every other one is being
 * answered, which takes little time. */
static int kf__make_room(kf_http_t *h, struct kf__conn *c)
{
	struct kf__conn *o, *oldest = NULL, *oldest_peer = NULL;
	size_t live = 0, same = 0;

	/* the list runs from the newest to the oldest */
	for (o = h->conns; o; o = o->next) {
		if (o == c || o->closing)
			continue;
		live++;
		if (kf__same_peer(o, c)) {
			same++;
			if (!o->responding)
				oldest_peer = o;
		}
		if (!o->responding)
			oldest = o;
	}
	if (same >= KF_HTTP_MAX_PER_PEER)
		oldest = oldest_peer;
	else if (live < KF_HTTP_MAX_CONNS)
		return 0;
	if (!oldest)
		return -1;
	kf_dbg(KF_DBG_OBS, "http",
	       "%zu connections (%zu of this client): closing the oldest "
	       "idle one",
	       live, same);
	kf__conn_close(oldest);
	return 0;
}

static void kf__accept(uv_stream_t *server, int status)
{
	kf_http_t *h = server->data;
	struct kf__conn *c;
	int namelen;

	if (status < 0 || h->closing || !(c = calloc(1, sizeof(*c))))
		return;
	c->h = h;
	uv_tcp_init(h->loop, &c->tcp);
	uv_timer_init(h->loop, &c->timer);
	uv_unref((uv_handle_t *)&c->tcp);
	uv_unref((uv_handle_t *)&c->timer);
	c->tcp.data = c->timer.data = c;
	c->next = h->conns;
	if (h->conns)
		h->conns->prev = c;
	h->conns = c;
	h->nconns++;
	namelen = sizeof(c->peer);
	if (uv_accept(server, (uv_stream_t *)&c->tcp)) {
		kf__conn_close(c);
		return;
	}
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&c->peer, &namelen))
		c->peer.ss_family = 0;
	if (kf__make_room(h, c)) {
		kf__conn_close(c); /* every slot answering: a close */
		return;
	}
	uv_timer_start(&c->timer, kf__timeout, KF_HTTP_HEADER_TIMEOUT_MS, 0);
	if (uv_read_start((uv_stream_t *)&c->tcp, kf__alloc, kf__read))
		kf__conn_close(c);
}

/* Splits "HOST:PORT", "[V6]:PORT" or ":PORT". */
static int kf__split(const char *addr, char *host, size_t hcap, char *port,
		     size_t pcap)
{
	const char *colon;
	size_t hl;

	if (addr[0] == '[') {
		const char *end = strchr(addr, ']');

		if (!end || end[1] != ':')
			return -1;
		hl = (size_t)(end - addr - 1);
		addr++;
		colon = end + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon)
			return -1;
		hl = (size_t)(colon - addr);
	}
	if (hl >= hcap || !colon[1] || strlen(colon + 1) >= pcap ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return -1;
	memcpy(host, addr, hl);
	host[hl] = '\0';
	strcpy(port, colon + 1);
	return 0;
}

static void kf__listener_closed(uv_handle_t *handle)
{
	kf_http_t *h = handle->data;

	h->listener_closed = 1;
	kf__maybe_free(h);
}

int kf_http_start(uv_loop_t *loop, const char *addr, kf_http_handler *handler,
		  void *opaque, kf_http_t **out, char *errstr,
		  size_t errstr_size)
{
	struct addrinfo hints = {0}, *ai = NULL;
	struct sockaddr_storage ss;
	char host[256], port[8], name[64];
	int r, namelen = sizeof(ss);
	kf_http_t *h;

	if (kf__split(addr, host, sizeof(host), port, sizeof(port)))
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "metrics address \"%s\": expected HOST:PORT, "
				 "[IPV6]:PORT or :PORT",
				 addr);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	/* Set-up time, before the loop runs: a name lookup may block here. */
	r = getaddrinfo(*host ? host : NULL, port, &hints, &ai);
	if (r)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "metrics address \"%s\": %s", addr,
				 gai_strerror(r));
	h = calloc(1, sizeof(*h));
	if (!h) {
		freeaddrinfo(ai);
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	}
	h->loop = loop;
	h->handler = handler;
	h->opaque = opaque;
	uv_tcp_init(loop, &h->listener);
	h->listener.data = h;
	uv_unref((uv_handle_t *)&h->listener);
	r = uv_tcp_bind(&h->listener, ai->ai_addr, 0);
	freeaddrinfo(ai);
	if (!r)
		r = uv_listen((uv_stream_t *)&h->listener, 64, kf__accept);
	if (!r)
		r = uv_tcp_getsockname(&h->listener, (struct sockaddr *)&ss,
				       &namelen);
	if (r) {
		h->closing = 1;
		uv_close((uv_handle_t *)&h->listener, kf__listener_closed);
		/* a configuration error: the port is taken, or the
		 * address is not ours */
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "metrics address \"%s\": cannot listen: %s "
				 "(choose another port with --metrics-addr)",
				 addr, uv_strerror(r));
	}
	if (ss.ss_family == AF_INET6) {
		uv_ip6_name((struct sockaddr_in6 *)&ss, name, sizeof(name));
		snprintf(h->address, sizeof(h->address), "[%s]:%d", name,
			 ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
	} else {
		uv_ip4_name((struct sockaddr_in *)&ss, name, sizeof(name));
		snprintf(h->address, sizeof(h->address), "%s:%d", name,
			 ntohs(((struct sockaddr_in *)&ss)->sin_port));
	}
	h->sigpipe_blocked = kf__sigpipe_block();
	*out = h;
	return 0;
}

const char *kf_http_address(const kf_http_t *h)
{
	return h->address;
}

void kf_http_close(kf_http_t *h)
{
	struct kf__conn *c;

	if (!h || h->closing)
		return;
	h->closing = 1;
	uv_close((uv_handle_t *)&h->listener, kf__listener_closed);
	for (c = h->conns; c; c = c->next)
		kf__conn_close(c);
	/* closing cancels every write still queued: none comes after */
	if (h->sigpipe_blocked)
		kf__sigpipe_unblock();
}
