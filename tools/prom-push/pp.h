#ifndef RUNNEL_PROM_PUSH_H
#define RUNNEL_PROM_PUSH_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "prom.h"

/* Pushgateway client: one grouping key, PUT and DELETE with retries. */
struct pgw {
	char *url;   /* base URL + grouping path */
	void *curl;  /* CURL easy handle, reused for keep-alive */
	struct buf resp;
	long timeout_ms;
	int retries; /* extra attempts for the final push */
};

enum pgw_result { PGW_OK, PGW_RETRY, PGW_FAIL };

int pgw_init(struct pgw *g, const char *base, const char *job, const struct prom_label *l,
	size_t nl, long timeout_ms, int retries);
void pgw_free(struct pgw *g);
/* One attempt: method "PUT" (body = exposition) or "DELETE"; err says why it failed. */
enum pgw_result pgw_send(struct pgw *g, const char *method, const char *body, size_t n,
	struct buf *err);
/* The final attempt and up to g->retries more with doubling backoff; true on success. */
bool pgw_send_retry(struct pgw *g, const char *method, const char *body, size_t n,
	struct buf *err, unsigned *failed);

/* The pull model: /metrics over HTTP from a libmicrohttpd thread. render() is called
   from that thread; it must lock what it reads. */
struct srv {
	void *daemon;
	void (*render)(void *ctx, struct buf *out);
	void *ctx;
};

int srv_start(struct srv *s, const char *addr, struct buf *err);
void srv_stop(struct srv *s);

#endif
