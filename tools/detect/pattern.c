/* detect: sequence patterns — partial matches advanced one event at a time. */
#include <stdlib.h>
#include <string.h>

#include "detect.h"

/* Spare runs, so that steady matching does not allocate. */
static struct run **spare;
static size_t nspare, capspare;

struct run *run_new(void)
{
	struct run *r = nspare ? spare[--nspare] : xcalloc(1, sizeof *r);
	r->nev = 0;
	r->total = 0;
	r->gap = false;
	r->stage = r->count = 0;
	r->start = 0;
	return r;
}

void run_put(struct run *r)
{
	if (nspare >= 4096) {
		free(r->ev);
		free(r);
		return;
	}
	if (nspare == capspare) {
		capspare = capspare ? capspare * 2 : 64;
		spare = xrealloc(spare, capspare * sizeof *spare);
	}
	spare[nspare++] = r;
}

void pat_cleanup(void)
{
	for (size_t i = 0; i < nspare; i++) {
		free(spare[i]->ev);
		free(spare[i]);
	}
	free(spare);
	spare = NULL;
	nspare = capspare = 0;
}

void run_add_event(struct run *r, int64_t t)
{
	if (!r->total)
		r->start = t;
	r->total++;
	if (r->nev >= DT_MATCH_EVENTS)
		return;
	if (r->nev == r->evcap) {
		r->evcap = r->evcap ? r->evcap * 2 : 8;
		r->ev = xrealloc(r->ev, r->evcap * sizeof *r->ev);
	}
	r->ev[r->nev++] = t;
}

void runs_push(struct runs *rs, struct run *r)
{
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 4;
		rs->r = xrealloc(rs->r, rs->cap * sizeof *rs->r);
	}
	rs->r[rs->n++] = r;
}

void runs_free(struct runs *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		run_put(rs->r[i]);
	free(rs->r);
	memset(rs, 0, sizeof *rs);
}

void pat_expire(const struct pattern *p, struct runs *rs, int64_t now)
{
	if (!p->within)
		return;
	size_t w = 0;
	for (size_t i = 0; i < rs->n; i++) {
		if (now - rs->r[i]->start >= p->within)
			run_put(rs->r[i]);
		else
			rs->r[w++] = rs->r[i];
	}
	rs->n = w;
}

enum { KEEP, DIE, DONE };

static bool cond(struct pattern *p, size_t j, const struct expr_env *env)
{
	if (p->memo[j] < 0)
		p->memo[j] = expr_test(p->st[j].cond, env);
	return p->memo[j];
}

/*
 * One run, one event. Quantifiers are greedy: a step takes every event that
 * satisfies it up to its maximum; otherwise, once the step has its minimum, the run
 * moves to the next step (past optional ones) that takes the event, if the
 * contiguity allows it; otherwise the event is skipped, which a strict `=>` forbids
 * while the run waits for that step's first event.
 */
static int advance(struct pattern *p, struct run *r, int64_t t, const struct expr_env *env)
{
	const struct step *st = &p->st[r->stage];
	size_t last = p->nst - 1;
	if (r->count < st->max && cond(p, r->stage, env)) {
		r->count++;
		r->gap = false;
		run_add_event(r, t);
		return r->stage == last && r->count >= st->min ? DONE : KEEP;
	}
	if (r->count >= st->min) {
		for (size_t j = r->stage + 1; j <= last; j++) {
			if (cond(p, j, env) && (!p->st[j].strict || !r->gap)) {
				r->stage = (uint32_t)j;
				r->count = 1;
				r->gap = false;
				run_add_event(r, t);
				return j == last && p->st[j].min <= 1 ? DONE : KEEP;
			}
			if (p->st[j].min > 0)
				break;
		}
	}
	if (r->count < st->max) { /* repetitions of a step may be apart */
		r->gap = true;
		return KEEP;
	}
	if (r->stage < last && p->st[r->stage + 1].strict)
		return DIE;
	r->gap = true;
	return KEEP;
}

/* Equal states evolve alike, and the earlier-started run wins any match. */
static bool same_state(const struct pattern *p, const struct run *a, const struct run *b)
{
	if (a->stage != b->stage || a->gap != b->gap)
		return false;
	const struct step *st = &p->st[a->stage];
	uint32_t ca = a->count, cb = b->count;
	if (st->max == STEP_MANY) {
		if (ca > st->min)
			ca = st->min;
		if (cb > st->min)
			cb = st->min;
	}
	return ca == cb;
}

bool pat_can_start(struct pattern *p, const struct expr_env *env)
{
	for (size_t j = 0; j < p->nst; j++) {
		if (expr_test(p->st[j].cond, env))
			return true;
		if (p->st[j].min > 0)
			break;
	}
	return false;
}

const struct run *pat_event(struct rules *R, struct pattern *p, struct runs *rs,
	const struct expr_env *env, int64_t t, size_t max_runs)
{
	memset(p->memo, -1, p->nst);
	pat_expire(p, rs, t);
	struct run *done = NULL;
	size_t w = 0;
	for (size_t i = 0; i < rs->n; i++) {
		struct run *r = rs->r[i];
		int res = advance(p, r, t, env);
		if (res == DIE) {
			run_put(r);
			continue;
		}
		rs->r[w++] = r;
		if (res == DONE && !done)
			done = r;
	}
	rs->n = w;
	if (!done) {
		for (size_t j = 0; j < p->nst; j++) {
			if (cond(p, j, env)) {
				struct run *r = run_new();
				r->stage = (uint32_t)j;
				r->count = 1;
				run_add_event(r, t);
				runs_push(rs, r);
				if (j == p->nst - 1 && p->st[j].min <= 1)
					done = r;
				break;
			}
			if (p->st[j].min > 0)
				break;
		}
	}
	if (done) {
		/* after a match, skip past its last event: every partial match is dropped */
		if (p->match)
			run_put(p->match);
		p->match = done;
		for (size_t i = 0; i < rs->n; i++)
			if (rs->r[i] != done)
				run_put(rs->r[i]);
		rs->n = 0;
		return done;
	}
	if (!p->within) {
		w = 0;
		for (size_t i = 0; i < rs->n; i++) {
			bool dup = false;
			for (size_t k = 0; k < w && !dup; k++)
				dup = same_state(p, rs->r[k], rs->r[i]);
			if (dup)
				run_put(rs->r[i]);
			else
				rs->r[w++] = rs->r[i];
		}
		rs->n = w;
	}
	if (rs->n > max_runs) {
		size_t drop = rs->n - max_runs;
		for (size_t i = 0; i < drop; i++)
			run_put(rs->r[i]);
		memmove(rs->r, rs->r + drop, max_runs * sizeof *rs->r);
		rs->n = max_runs;
		R->runs_dropped += drop;
	}
	return NULL;
}
