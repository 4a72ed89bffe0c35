#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "diag.h"
#include "exitcode.h"
#include "ijoin.h"
#include "kmeta.h"
#include "lineio.h"
#include "sig.h"
#include "tm.h"

/* A buffered event of either side, linked into its key's list in arrival order. */
struct ij_ent {
	struct ij_ent *next, **pprev;
	struct ij_key *k;
	int64_t t, deadline;
	uint64_t seq;
	bool left, matched;
	char *line; /* left: the event line, re-read when written */
	size_t len;
	struct buf row; /* right: the compacted record */
};

struct ij_key {
	char *key;
	size_t klen;
	struct ij_ent *left, *right;
	struct ij_ent **left_tail, **right_tail;
	size_t n;
};

#define SIDE_LEFT 0
#define SIDE_RIGHT 1

static bool ent_less(const void *pa, const void *pb)
{
	const struct ij_ent *a = pa, *b = pb;
	return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static bool parse_within(const char *s, int64_t *lo, int64_t *hi)
{
	const char *dots = strstr(s, "..");
	if (!dots)
		return false;
	char *a = xstrndup(s, (size_t)(dots - s));
	bool ok = tm_parse_duration(a, lo, true) || (!strcmp(a, "0") && !(*lo = 0));
	free(a);
	if (!ok)
		return false;
	const char *b = dots + 2;
	if (!strcmp(b, "0"))
		*hi = 0;
	else if (!tm_parse_duration(b, hi, true))
		return false;
	return *lo <= *hi;
}

int ijoin_setup(struct ijoin *j, const char *within, const char *tfield, const char *otfield)
{
	const char *err;
	if (!parse_within(within, &j->lo, &j->hi))
		return cli_usage("--within: expected LO..HI with LO <= HI, e.g. -24h..0: %s", within);
	if (!path_parse(&j->tpath, tfield, &err))
		return cli_usage("--time %s: %s", tfield, err);
	if (!path_parse(&j->otpath, otfield, &err))
		return cli_usage("--other-time %s: %s", otfield, err);
	htab_init(&j->bykey);
	heap_init(&j->lheap, ent_less, NULL);
	heap_init(&j->rheap, ent_less, NULL);
	wm_init(&j->lwm, j->delay, 0, 0);
	wm_init(&j->rwm, j->other_delay, 0, 0);
	return RN_EXIT_OK;
}

static int64_t sat_add(int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

/* Does other.time - event.time fall within [lo, hi]? */
static bool within(const struct ijoin *j, int64_t other, int64_t ev)
{
	int64_t d;
	return !__builtin_sub_overflow(other, ev, &d) && d >= j->lo && d <= j->hi;
}

/* A side's watermark; infinite once its input ended. */
static int64_t side_wm(const struct wm *w, bool done)
{
	return done ? INT64_MAX : wm_get(w);
}

static void observe(struct ijoin *j, struct wm *w, int64_t t)
{
	struct kmeta k;
	if (kmeta_get(&j->r, &k, &j->kscratch))
		wm_observe(w, k.topic, k.tlen, k.partition, t, 0);
	else
		wm_observe(w, NULL, 0, 0, t, 0);
}

static void write_left(struct ijoin *j, struct ij_ent *l, const struct ij_ent *r)
{
	/* the left line was valid when buffered */
	rec_parse(&j->r2, l->line, l->len, NULL);
	merge_write(out_buf(&j->out), &j->merge, &j->r2, r ? r->row.p : NULL, r ? r->row.len : 0,
		true);
	out_end_record(&j->out);
}

static void ent_free(struct ijoin *j, struct ij_ent *e)
{
	struct ij_key *k = e->k;
	/* unlink: entries leave their lists in any order */
	*e->pprev = e->next;
	if (e->next)
		e->next->pprev = e->pprev;
	else if (e->left)
		k->left_tail = e->pprev;
	else
		k->right_tail = e->pprev;
	if (e->left)
		j->nleft--;
	else
		j->nright--;
	if (--k->n == 0) {
		htab_del(&j->bykey, k->key, k->klen);
		free(k->key);
		free(k);
	}
	free(e->line);
	buf_free(&e->row);
	free(e);
}

/* Drops what can no longer join: left events once the right watermark passes
   t + hi (writing them when unmatched with --left-outer), right events once the left
   watermark passes t - lo. */
static void evict(struct ijoin *j)
{
	int64_t lw = side_wm(&j->lwm, j->ldone), rw = side_wm(&j->rwm, j->rdone);
	while (j->lheap.n && ((struct ij_ent *)heap_top(&j->lheap))->deadline < rw) {
		struct ij_ent *e = heap_pop(&j->lheap);
		if (!e->matched && j->left_outer) {
			write_left(j, e, NULL);
			j->unmatched++;
		}
		ent_free(j, e);
	}
	while (j->rheap.n && ((struct ij_ent *)heap_top(&j->rheap))->deadline < lw)
		ent_free(j, heap_pop(&j->rheap));
}

static struct ij_key *key_state(struct ijoin *j)
{
	bool added;
	struct htab_ent *he = htab_put(&j->bykey, j->key.p, j->key.len, &added);
	if (added) {
		struct ij_key *k = xcalloc(1, sizeof *k);
		k->key = xstrndup(j->key.p, j->key.len);
		k->klen = j->key.len;
		k->left_tail = &k->left;
		k->right_tail = &k->right;
		he->key = k->key;
		he->val = k;
	}
	return he->val;
}

static void link_ent(struct ij_key *k, struct ij_ent *e)
{
	struct ij_ent ***tail = e->left ? &k->left_tail : &k->right_tail;
	e->k = k;
	e->next = NULL;
	e->pprev = *tail;
	**tail = e;
	*tail = &e->next;
	k->n++;
}

static bool event_time(struct ijoin *j, const struct path *p, const struct lr *lr,
	const char *line, size_t len, int64_t *t)
{
	struct json_val v;
	if (!rec_get(&j->r, p, &v)) {
		buf_reset(&j->why);
		buf_printf(&j->why, "no event time: field %s is missing", p->text);
	} else if (!tm_from_json(v, t)) {
		buf_reset(&j->why);
		buf_printf(&j->why, "field %s: not an RFC 3339 time or epoch milliseconds", p->text);
	} else {
		return true;
	}
	diag_bad(lr->name, lr->lineno, j->why.p, line, len);
	return false;
}

/* One line of either side; false when it was bad (for --strict). */
static bool on_line(struct ijoin *j, int side, const struct lr *lr, const char *line,
	size_t len)
{
	int64_t t;
	bool left = side == SIDE_LEFT;
	if (!rec_parse(&j->r, line, len, &j->why)) {
		diag_bad(lr->name, lr->lineno, j->why.p, line, len);
		return false;
	}
	if (!event_time(j, left ? &j->tpath : &j->otpath, lr, line, len, &t))
		return false;
	bool has_key = key_of(&j->r, left ? j->keys.ev : j->keys.other, j->keys.n, &j->key);
	if (left) {
		j->in_left++;
		if (t < wm_get(&j->lwm))
			j->late_left++;
		observe(j, &j->lwm, t);
		bool matched = false;
		struct ij_key *k = has_key ? htab_get(&j->bykey, j->key.p, j->key.len) : NULL;
		for (struct ij_ent *r = k ? k->right : NULL; r; r = r->next) {
			if (!within(j, r->t, t))
				continue;
			merge_write(out_buf(&j->out), &j->merge, &j->r, r->row.p, r->row.len, true);
			out_end_record(&j->out);
			j->joined++;
			matched = true;
		}
		int64_t deadline = sat_add(t, j->hi);
		if (!has_key || deadline < side_wm(&j->rwm, j->rdone)) {
			if (!matched && j->left_outer) {
				merge_write(out_buf(&j->out), &j->merge, &j->r, NULL, 0, true);
				out_end_record(&j->out);
				j->unmatched++;
			}
		} else {
			struct ij_ent *e = xcalloc(1, sizeof *e);
			e->left = true;
			e->t = t;
			e->deadline = deadline;
			e->seq = j->seq++;
			e->matched = matched;
			e->line = xstrndup(j->r.obj.p, j->r.obj.len);
			e->len = j->r.obj.len;
			link_ent(key_state(j), e);
			heap_push(&j->lheap, e);
			if (++j->nleft > j->peak_left)
				j->peak_left = j->nleft;
		}
	} else {
		j->in_right++;
		if (t < wm_get(&j->rwm))
			j->late_right++;
		observe(j, &j->rwm, t);
		if (!has_key)
			return true; /* can never join */
		struct ij_key *k = htab_get(&j->bykey, j->key.p, j->key.len);
		struct ij_ent *e = xcalloc(1, sizeof *e);
		e->t = t;
		e->deadline = j->lo == INT64_MIN ? INT64_MAX : sat_add(t, -j->lo);
		e->seq = j->seq++;
		row_compact(&e->row, &j->merge, &j->r);
		for (struct ij_ent *l = k ? k->left : NULL; l; l = l->next) {
			if (!within(j, t, l->t))
				continue;
			write_left(j, l, e);
			l->matched = true;
			j->joined++;
		}
		if (e->deadline < side_wm(&j->lwm, j->ldone)) {
			buf_free(&e->row);
			free(e);
		} else {
			link_ent(k ? k : key_state(j), e);
			heap_push(&j->rheap, e);
			if (++j->nright > j->peak_right)
				j->peak_right = j->nright;
		}
	}
	evict(j);
	return true;
}

/* Reads what one side has ready, up to a batch, and stops once its event time passes
   bound, the other side's: when both sides have data (a backfill from files) they
   advance together in event time, so neither buffers more than the join needs. */
static int pump(struct ijoin *j, int side, struct lr *lr, bool *done, bool *progress,
	int64_t bound)
{
	const char *line;
	size_t len;
	for (int i = 0; i < 512; i++) {
		int st = lr_next(lr, &line, &len);
		if (st == LR_AGAIN)
			return RN_EXIT_OK;
		if (st == LR_EOF || st == LR_ERR) {
			if (st == LR_ERR)
				diag_err("%s: %s", lr->name, strerror(errno));
			*done = true;
			*progress = true;
			evict(j);
			return st == LR_ERR ? RN_EXIT_RUNTIME : RN_EXIT_OK;
		}
		*progress = true;
		bool ok;
		if (st == LR_TOOLONG) {
			diag_bad(lr->name, lr->lineno, "line longer than --max-line", line, len);
			ok = false;
		} else {
			ok = on_line(j, side, lr, line, len);
		}
		if (!ok && cli.strict)
			return RN_EXIT_REJECT;
		if (j->out.broken || wm_get(side == SIDE_LEFT ? &j->lwm : &j->rwm) > bound)
			return RN_EXIT_OK;
	}
	return RN_EXIT_OK;
}

int ijoin_run(struct ijoin *j, const char *left, const char *right)
{
	struct lr L, R;
	int rc = RN_EXIT_OK;
	if (lr_open(&L, left, cli.max_line) < 0) {
		diag_err("%s: %s", left, strerror(errno));
		return RN_EXIT_RUNTIME;
	}
	if (lr_open(&R, right, cli.max_line) < 0) {
		diag_err("--stream %s: %s", right, strerror(errno));
		lr_close(&L);
		return RN_EXIT_RUNTIME;
	}
	L.nowait = R.nowait = true;
	out_init(&j->out, 1, "stdout", cli.unbuffered);
	rec_init(&j->r);
	rec_init(&j->r2);
	while (rc == RN_EXIT_OK && !j->out.broken) {
		bool progress = false;
		bool left_first = !j->ldone && (j->rdone || wm_get(&j->lwm) <= wm_get(&j->rwm));
		if (left_first) {
			rc = pump(j, SIDE_LEFT, &L, &j->ldone, &progress, side_wm(&j->rwm, j->rdone));
			if (rc == RN_EXIT_OK && !progress && !j->rdone)
				rc = pump(j, SIDE_RIGHT, &R, &j->rdone, &progress, INT64_MAX);
		} else if (!j->rdone) {
			rc = pump(j, SIDE_RIGHT, &R, &j->rdone, &progress, side_wm(&j->lwm, j->ldone));
			if (rc == RN_EXIT_OK && !progress && !j->ldone)
				rc = pump(j, SIDE_LEFT, &L, &j->ldone, &progress, INT64_MAX);
		}
		/* done when the left has ended and nothing buffered waits for the right */
		if ((j->ldone && (j->rdone || !j->nleft)) || sig_stop)
			break;
		if (progress)
			continue;
		out_flush(&j->out);
		struct pollfd pf[3];
		nfds_t n = 0;
		if (!j->ldone)
			pf[n++] = (struct pollfd){ L.fd, POLLIN, 0 };
		if (!j->rdone)
			pf[n++] = (struct pollfd){ R.fd, POLLIN, 0 };
		if (sig_fd() >= 0)
			pf[n++] = (struct pollfd){ sig_fd(), POLLIN, 0 };
		if (poll(pf, n, -1) < 0 && errno != EINTR)
			break;
		sig_drain();
	}
	if (out_close(&j->out) < 0 && j->out.err) {
		diag_err("stdout: %s", strerror(j->out.err));
		rc = RN_EXIT_RUNTIME;
	}
	diag_info("left=%llu right=%llu joined=%llu unmatched=%llu late_left=%llu "
		"late_right=%llu rejected=%llu state_left=%zu state_right=%zu peak_left=%zu "
		"peak_right=%zu",
		(unsigned long long)j->in_left, (unsigned long long)j->in_right,
		(unsigned long long)j->joined, (unsigned long long)j->unmatched,
		(unsigned long long)j->late_left, (unsigned long long)j->late_right,
		(unsigned long long)diag_bad_count(), j->nleft, j->nright, j->peak_left,
		j->peak_right);
	lr_close(&L);
	lr_close(&R);
	return rc;
}

void ijoin_free(struct ijoin *j)
{
	while (j->lheap.n)
		ent_free(j, heap_pop(&j->lheap));
	while (j->rheap.n)
		ent_free(j, heap_pop(&j->rheap));
	heap_free(&j->lheap);
	heap_free(&j->rheap);
	htab_free(&j->bykey);
	rec_free(&j->r);
	rec_free(&j->r2);
	buf_free(&j->key);
	buf_free(&j->why);
	path_free(&j->tpath);
	path_free(&j->otpath);
	buf_free(&j->kscratch);
	if (j->lwm.parts.e) {
		wm_free(&j->lwm);
		wm_free(&j->rwm);
	}
	memset(j, 0, sizeof *j);
}
