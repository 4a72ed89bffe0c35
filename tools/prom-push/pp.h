#ifndef RUNNEL_PROM_PUSH_H
#define RUNNEL_PROM_PUSH_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "path.h"
#include "prom.h"
#include "rec.h"

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

/* -m TYPE:NAME=FIELD;labels=...: one row field feeding one metric family. */
struct map {
	char *spec;
	enum prom_type type;
	char *name;
	struct path field;
	struct path *lpath;
	char **lname;
	size_t nl;
	double *le;
	size_t nle;
	char *help;
	struct prom_fam *fam;
};

/* Labels decoded from a record: bytes in b, offsets until finished. */
struct labset {
	struct buf b;
	size_t (*off)[4]; /* name off, name len, value off, value len */
	struct prom_label *l;
	size_t n, cap;
};

struct pp {
	struct prom_reg reg;
	pthread_mutex_t mu; /* the registry, against the --listen thread */
	struct map *maps;
	size_t nmaps;
	struct labset ls;
	struct buf err, body, scratch;
	double *vals;
	/* self metrics */
	bool self;
	struct prom_series *s_in, *s_rej, *s_ok, *s_failed;
	/* outputs */
	bool push, delete_on_exit;
	struct pgw gw;
	const char *textfile;
	bool listening;
	struct srv srv;
	/* schedule, monotonic ms */
	int64_t interval, gap, last_flush, next_try, backoff;
	bool dirty;
	uint64_t nin, nrej;
	struct rec r;
	struct prom_label *gl; /* --label */
	size_t ngl;
};

/* -m SPEC into m; false with a message in err. */
bool map_parse(struct map *m, const char *spec, struct buf *err);
void map_free(struct map *m);
/* One input record into the registry; false with the reason in p->err. */
bool apply_maps(struct pp *p, const struct rec *r);
bool apply_record(struct pp *p, const struct rec *r);

#endif
