#ifndef RUNNEL_DQ_CHECK_H
#define RUNNEL_DQ_CHECK_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "expr.h"
#include "htab.h"
#include "path.h"
#include "rec.h"
#include "gk.h"

/* One data-quality check; its name (`required:user_id`) is what _dq.errors and the
   check label of dq_check_failures_total say. */
enum ck_kind {
	CK_EVENT_TIME, /* -T field missing or not a time */
	CK_REQUIRED,
	CK_ALLOWED,
	CK_VALID,
	CK_UNIQUE,
	CK_LATENCY,
	CK_RANGE,
	CK_REGEX,
};

struct check {
	enum ck_kind kind;
	char *name;
	struct path path;
	bool has_path;
	struct buf *allowed; /* CK_ALLOWED: accepted values as text */
	size_t nallowed;
	struct expr *expr;   /* CK_VALID */
	double lo, hi;       /* CK_RANGE, inclusive; infinite when open */
	regex_t re;          /* CK_REGEX */
	bool re_ok;
};

/* Parsing options into checks; false with a message in err (a usage error). */
bool ck_required(struct check **ck, size_t *n, const char *arg, struct buf *err);
bool ck_allowed(struct check **ck, size_t *n, const char *arg, struct buf *err);
/* --valid 'NAME: EXPR'; false with err set; *config is true when EXPR does not compile. */
bool ck_valid(struct check **ck, size_t *n, const char *arg, struct buf *err, bool *config);
bool ck_range(struct check **ck, size_t *n, const char *arg, struct buf *err);
bool ck_regex(struct check **ck, size_t *n, const char *arg, struct buf *err, bool *config);
struct check *ck_add(struct check **ck, size_t *n, enum ck_kind kind, const char *name,
	const char *field, struct buf *err);
void ck_free(struct check *ck, size_t n);

/* Does the record pass a field check (required, allowed, valid, range, regex)? */
bool ck_pass(struct check *c, const struct rec *r, struct buf *scratch);

/* A tumbling event-time window of the report. */
struct dqwin {
	int64_t start, end;
	uint64_t total, complete, valid, dup, late;
	uint64_t *fail;  /* per check */
	double lat_sum; /* ms */
	uint64_t lat_n;
	struct gk lat;
	struct htab seen; /* --unique values: key bytes owned by the table's entries */
};

struct dqwins {
	struct dqwin **w; /* open windows, by start */
	size_t n, cap;
	int64_t size;
	size_t nck;
};

struct dqwin *dqw_get(struct dqwins *ws, int64_t start);
/* Seen this --unique value in the window before? Records it. */
bool dqw_seen(struct dqwin *w, const char *key, size_t klen);
void dqw_free(struct dqwin *w);

/* Writing report rows: the metric records of one closed window. */
struct out;
void dq_emit_window(struct out *o, const struct dqwin *w, const struct check *ck, size_t nck,
	bool report_latency);
/* A stale-stream (value 1) or stream-resumed (value 0) record. */
void dq_emit_stale(struct out *o, bool stale, double silence, int64_t last_event);

#endif
