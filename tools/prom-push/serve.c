/* prom-push --listen: /metrics for Prometheus to scrape (libmicrohttpd). */
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "diag.h"
#include "pp.h"

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *type,
	char *body, size_t n, bool owned)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(n, body,
		owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!r) {
		if (owned)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	enum MHD_Result ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
	const char *method, const char *version, const char *upload, size_t *upload_size,
	void **state)
{
	static char root[] = "<html><head><title>runnel prom-push</title></head><body>"
		"<a href=\"/metrics\">Metrics</a></body></html>\n";
	static char notfound[] = "404 page not found\n";
	static char notallowed[] = "405 method not allowed\n";
	struct srv *s = cls;
	(void)version;
	(void)upload;
	if (*state == NULL) { /* first call: headers only */
		*state = s;
		return MHD_YES;
	}
	if (*upload_size) { /* ignore a request body */
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
			notallowed, sizeof notallowed - 1, false);
	if (!strcmp(url, "/"))
		return reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", root, sizeof root - 1,
			false);
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8", notfound,
			sizeof notfound - 1, false);
	struct buf b = BUF_INIT;
	s->render(s->ctx, &b);
	if (!b.p)
		buf_grow(&b, 1);
	return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", b.p, b.len,
		true);
}

/* ADDR: host:port, [v6]:port or :port (all interfaces). */
int srv_start(struct srv *s, const char *addr, struct buf *err)
{
	char host[256];
	const char *port;
	const char *colon = strrchr(addr, ':');
	if (!colon || !colon[1]) {
		buf_printf(err, "--listen %s: expected HOST:PORT", addr);
		return -1;
	}
	size_t hn = (size_t)(colon - addr);
	const char *h = addr;
	if (hn >= 2 && h[0] == '[' && h[hn - 1] == ']')
		h++, hn -= 2;
	if (hn >= sizeof host) {
		buf_printf(err, "--listen %s: host name too long", addr);
		return -1;
	}
	memcpy(host, h, hn);
	host[hn] = 0;
	port = colon + 1;
	struct addrinfo hints, *ai;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	int r = getaddrinfo(hn ? host : NULL, port, &hints, &ai);
	if (r != 0) {
		buf_printf(err, "--listen %s: %s", addr, gai_strerror(r));
		return -1;
	}
	/* our own socket, so a failed bind gets a precise message */
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol), one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
		bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 64) < 0) {
		buf_printf(err, "--listen %s: %s", addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	freeaddrinfo(ai);
	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, handle, s,
		MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
		MHD_OPTION_END);
	if (!s->daemon) {
		buf_printf(err, "--listen %s: cannot start the HTTP server", addr);
		close(fd);
		return -1;
	}
	return 0;
}

void srv_stop(struct srv *s)
{
	if (s->daemon)
		MHD_stop_daemon(s->daemon);
	s->daemon = NULL;
}
