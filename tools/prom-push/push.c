/* prom-push: the Pushgateway client (libcurl). */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "pp.h"

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct buf *b = ctx;
	size_t len = size * n;
	if (b->len < 4096) /* enough for an error message */
		buf_add(b, p, len < 4096 - b->len ? len : 4096 - b->len);
	return len;
}

int pgw_init(struct pgw *g, const char *base, const char *job, const struct prom_label *l,
	size_t nl, long timeout_ms, int retries)
{
	struct buf u = BUF_INIT;
	memset(g, 0, sizeof *g);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		diag_err("cannot initialise libcurl");
		return -1;
	}
	buf_adds(&u, base);
	while (u.len && u.p[u.len - 1] == '/')
		u.p[--u.len] = 0;
	prom_group_path(&u, job, l, nl);
	g->url = u.p;
	g->timeout_ms = timeout_ms;
	g->retries = retries;
	g->curl = curl_easy_init();
	if (!g->curl) {
		diag_err("cannot initialise libcurl");
		return -1;
	}
	return 0;
}

void pgw_free(struct pgw *g)
{
	if (g->curl)
		curl_easy_cleanup(g->curl);
	if (g->url)
		curl_global_cleanup();
	free(g->url);
	buf_free(&g->resp);
	memset(g, 0, sizeof *g);
}

/* The first line of a response body, for messages. */
static void first_line(struct buf *err, const struct buf *b)
{
	size_t n = 0;
	while (n < b->len && n < 300 && b->p[n] != '\n' && b->p[n] != '\r')
		n++;
	if (n)
		buf_printf(err, ": %.*s", (int)n, b->p);
}

enum pgw_result pgw_send(struct pgw *g, const char *method, const char *body, size_t n,
	struct buf *err)
{
	CURL *h = g->curl;
	char ebuf[CURL_ERROR_SIZE];
	struct curl_slist *hdr = NULL;
	long code = 0;

	curl_easy_reset(h);
	buf_reset(&g->resp);
	ebuf[0] = 0;
	curl_easy_setopt(h, CURLOPT_URL, g->url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, g->timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, g->timeout_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &g->resp);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "runnel-prom-push/" RUNNEL_VERSION);
	if (body) {
		hdr = curl_slist_append(hdr, "Content-Type: text/plain; version=0.0.4; charset=utf-8");
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
	}
	CURLcode rc = curl_easy_perform(h);
	curl_slist_free_all(hdr);
	buf_reset(err);
	if (rc != CURLE_OK) {
		buf_printf(err, "%s %s: %s", method, g->url, *ebuf ? ebuf : curl_easy_strerror(rc));
		return PGW_RETRY;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (code >= 200 && code < 300)
		return PGW_OK;
	buf_printf(err, "%s %s: HTTP %ld", method, g->url, code);
	first_line(err, &g->resp);
	/* the Pushgateway answers 400 for metrics it will never accept */
	return code >= 500 || code == 429 || code == 408 ? PGW_RETRY : PGW_FAIL;
}

bool pgw_send_retry(struct pgw *g, const char *method, const char *body, size_t n,
	struct buf *err, unsigned *failed)
{
	long delay = 250;
	for (int attempt = 0;; attempt++) {
		enum pgw_result r = pgw_send(g, method, body, n, err);
		if (r == PGW_OK)
			return true;
		(*failed)++;
		if (r == PGW_FAIL || attempt >= g->retries)
			return false;
		diag_warn("%s (attempt %d of %d; retrying in %ld ms)", err->p, attempt + 1,
			g->retries + 1, delay);
		struct timespec ts = { delay / 1000, (delay % 1000) * 1000000L };
		while (nanosleep(&ts, &ts) < 0)
			;
		delay = delay * 2 > 8000 ? 8000 : delay * 2;
	}
}
