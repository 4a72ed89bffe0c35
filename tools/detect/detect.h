#ifndef RUNNEL_DETECT_H
#define RUNNEL_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "expr.h"
#include "htab.h"
#include "path.h"
#include "rec.h"

/* Event times listed in one pattern alert (count says how many matched). */
#define DT_MATCH_EVENTS 256
/* A quantifier's unbounded maximum. */
#define STEP_MANY UINT32_MAX
#define COOL_NONE INT64_MIN

struct keyspace;

struct rule {
	char *name;
	struct expr *e;
};

struct svar {
	char *name;
	struct expr *init;
	struct expr_val v0; /* initial value, owned by store0 */
	struct buf store0;
};

struct update {
	size_t slot;
	struct expr *val, *when;
};

struct step {
	struct expr *cond;
	uint32_t min, max;
	bool strict; /* `=>` before this step */
};

struct pattern {
	char *name;
	struct step *st;
	size_t nst;
	int64_t within; /* 0: unbounded */
	char *by;       /* `by` clause, or NULL for the default key */
	struct keyspace *ks;
	size_t alert; /* index among all alerts: rules first, then patterns */
	signed char *memo; /* per step: condition value for the current event, -1 unknown */
	struct run *match; /* the last completed match */
};

/* Events are grouped by one key field; each distinct field used makes a keyspace. */
struct keyspace {
	char *by; /* field path text, NULL: one group for everything */
	struct path path;
	const char *leaf; /* output member name for the key */
	size_t leaflen;
	struct htab h;
	bool state; /* its entries hold the state variables */
};

/* A partial match: the pattern step it is in, how many events that step took, and
   the times of the events matched so far. */
struct run {
	int64_t start;
	uint32_t stage, count;
	bool gap; /* an event of the key was skipped since the last one taken */
	uint32_t nev, evcap;
	uint64_t total;
	int64_t *ev;
};

struct runs {
	struct run **r;
	size_t n, cap;
};

/* One key of a keyspace. */
struct kent {
	char *key; /* canonical JSON text of the key's value */
	size_t klen;
	int64_t last; /* latest event time seen */
	struct expr_val *vars;
	struct buf *store; /* bytes of string/array values in vars */
	int64_t *cool;     /* per alert: time of the last one written */
	struct runs *runs; /* per pattern */
};

struct rules {
	struct rule *rule;
	size_t nrule;
	struct svar *var;
	size_t nvar;
	struct update *upd;
	size_t nupd;
	struct pattern *pat;
	size_t npat;
	char *by; /* `by` declaration */
	/* the text of every line, for the checkpoint's fingerprint */
	struct buf text;
	/* lines collected before compiling */
	struct rline *lines;
	size_t nlines;
	struct keyspace **ks;
	size_t nks;
	struct keyspace *main; /* state and rule cooldowns; NULL when neither is used */
	size_t nalert;
	bool cooldown; /* keys keep the time of each alert */
	int64_t ttl;   /* --state-ttl: a key idle this long starts afresh */
	uint64_t runs_dropped; /* partial matches dropped at --max-partial */
	struct buf kb;         /* key of the current event */
};

/* rules.c */
void rules_init(struct rules *R);
void rules_free(struct rules *R);
/* Collects one rules-file line (file NULL for -r). */
void rules_add(struct rules *R, const char *file, unsigned line, const char *text);
/* Reads a rules file; -1 (reported) when it cannot be read. */
int rules_read(struct rules *R, const char *path);
/* Compiles everything collected; -1 after reporting the first error. */
int rules_compile(struct rules *R);

/* state.c */
/* Sets up keyspaces: by is --by (or NULL for the file's `by`). */
int ks_setup(struct rules *R, const char *by, bool need_main);
/* The entry for the record's key (created if absent and create is set); NULL when
   the record has no value for the key field. */
struct kent *ks_get(struct rules *R, struct keyspace *ks, const struct rec *r, int64_t t,
	struct buf *scratch, bool create);
struct kent *ks_add(struct rules *R, struct keyspace *ks, const char *key, size_t klen);
void ks_update(struct rules *R, struct kent *k, const struct rec *r);
/* Drops keys idle for ttl (0: none) before now, partial matches past their within,
   and entries that hold nothing. */
void ks_sweep(struct rules *R, int64_t now, int64_t ttl, int64_t cooldown);
size_t ks_count(const struct rules *R);
void ks_free_all(struct rules *R);

/* pattern.c */
/* Feeds one event to a pattern's partial matches for one key. Returns the completed
   match (valid until the next call), or NULL. */
const struct run *pat_event(struct rules *R, struct pattern *p, struct runs *rs,
	const struct expr_env *env, int64_t t, size_t max_runs);
void pat_expire(const struct pattern *p, struct runs *rs, int64_t now);
/* Could the event start a match (take a first step)? */
bool pat_can_start(struct pattern *p, const struct expr_env *env);
struct run *run_new(void);
void run_put(struct run *r);
void run_add_event(struct run *r, int64_t t);
void runs_free(struct runs *rs);
void runs_push(struct runs *rs, struct run *r);
/* Frees the pool of spare runs (at exit). */
void pat_cleanup(void);

#endif
