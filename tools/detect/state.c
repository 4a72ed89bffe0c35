/* detect: per-key state — keyspaces, state variables, cooldowns, eviction. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "detect.h"

static void kent_free(struct rules *R, struct keyspace *ks, struct kent *k);

static struct keyspace *ks_find(struct rules *R, const char *by)
{
	for (size_t i = 0; i < R->nks; i++)
		if ((!by && !R->ks[i]->by) || (by && R->ks[i]->by && !strcmp(by, R->ks[i]->by)))
			return R->ks[i];
	struct keyspace *ks = xcalloc(1, sizeof *ks);
	if (by) {
		const char *err;
		if (!path_parse(&ks->path, by, &err)) {
			cli_usage("--by %s: %s", by, err);
			free(ks);
			return NULL;
		}
		ks->by = xstrdup(by);
		ks->leaf = path_leaf(&ks->path, &ks->leaflen);
	}
	htab_init(&ks->h);
	R->ks = xrealloc(R->ks, (R->nks + 1) * sizeof *R->ks);
	R->ks[R->nks++] = ks;
	return ks;
}

int ks_setup(struct rules *R, const char *by, bool need_main)
{
	if (!by)
		by = R->by;
	if (need_main || R->nvar) {
		if (!(R->main = ks_find(R, by)))
			return -1;
		R->main->state = R->nvar > 0;
	}
	for (size_t i = 0; i < R->npat; i++)
		if (!(R->pat[i].ks = ks_find(R, R->pat[i].by ? R->pat[i].by : by)))
			return -1;
	return 0;
}

struct kent *ks_add(struct rules *R, struct keyspace *ks, const char *key, size_t klen)
{
	struct kent *k = xcalloc(1, sizeof *k);
	k->key = xmalloc(klen + 1);
	memcpy(k->key, key, klen);
	k->key[klen] = 0;
	k->klen = klen;
	k->last = INT64_MIN;
	if (ks->state) {
		k->vars = xcalloc(R->nvar, sizeof *k->vars);
		k->store = xcalloc(R->nvar, sizeof *k->store);
		for (size_t i = 0; i < R->nvar; i++) {
			k->vars[i] = R->var[i].v0;
			expr_val_own(&k->vars[i], &k->store[i]);
		}
	}
	if (R->cooldown && R->nalert) {
		k->cool = xmalloc(R->nalert * sizeof *k->cool);
		for (size_t i = 0; i < R->nalert; i++)
			k->cool[i] = COOL_NONE;
	}
	if (R->npat)
		k->runs = xcalloc(R->npat, sizeof *k->runs);
	bool added;
	struct htab_ent *e = htab_put(&ks->h, k->key, klen, &added);
	e->val = k;
	e->key = k->key;
	return k;
}

struct kent *ks_get(struct rules *R, struct keyspace *ks, const struct rec *r, int64_t t,
	struct buf *scratch, bool create)
{
	struct buf *kb = &R->kb;
	buf_reset(kb);
	if (ks->by && !rec_key(r, &ks->path, 1, kb, scratch))
		return NULL;
	const char *key = kb->p ? kb->p : "";
	struct kent *k = htab_get(&ks->h, key, kb->len);
	if (k && R->ttl && k->last != INT64_MIN && t - k->last >= R->ttl) {
		/* idle for --state-ttl: forgotten, even if no sweep has run since */
		htab_del(&ks->h, k->key, k->klen);
		kent_free(R, ks, k);
		k = NULL;
	}
	if (!k) {
		if (!create)
			return NULL;
		k = ks_add(R, ks, key, kb->len);
	}
	if (t > k->last)
		k->last = t;
	return k;
}

void ks_update(struct rules *R, struct kent *k, const struct rec *r)
{
	struct expr_env env = { r, k->vars, 0 };
	for (size_t i = 0; i < R->nupd; i++) {
		struct update *u = &R->upd[i];
		if (u->when && !expr_test(u->when, &env))
			continue;
		struct expr_val v;
		expr_eval(u->val, &env, &v);
		k->vars[u->slot] = v;
		expr_val_own(&k->vars[u->slot], &k->store[u->slot]);
	}
}

static void kent_free(struct rules *R, struct keyspace *ks, struct kent *k)
{
	if (k->store)
		for (size_t i = 0; i < R->nvar; i++)
			buf_free(&k->store[i]);
	if (k->runs)
		for (size_t i = 0; i < R->npat; i++)
			runs_free(&k->runs[i]);
	(void)ks;
	free(k->store);
	free(k->vars);
	free(k->cool);
	free(k->runs);
	free(k->key);
	free(k);
}

/* Does the entry still hold anything a later event could need? */
static bool holds(struct rules *R, struct keyspace *ks, struct kent *k, int64_t now,
	int64_t cooldown)
{
	if (ks->state)
		return true;
	for (size_t i = 0; i < R->npat; i++)
		if (k->runs && k->runs[i].n)
			return true;
	if (cooldown && k->cool)
		for (size_t i = 0; i < R->nalert; i++)
			if (k->cool[i] != COOL_NONE && now - k->cool[i] < cooldown)
				return true;
	return false;
}

void ks_sweep(struct rules *R, int64_t now, int64_t ttl, int64_t cooldown)
{
	struct kent **dead = NULL;
	size_t nd = 0, cap = 0;
	for (size_t s = 0; s < R->nks; s++) {
		struct keyspace *ks = R->ks[s];
		nd = 0;
		for (size_t i = 0; i < ks->h.cap; i++) {
			if (!ks->h.e[i].hash)
				continue;
			struct kent *k = ks->h.e[i].val;
			bool drop = ttl && k->last != INT64_MIN && now - k->last >= ttl;
			if (!drop && k->runs)
				for (size_t p = 0; p < R->npat; p++)
					if (R->pat[p].ks == ks)
						pat_expire(&R->pat[p], &k->runs[p], now);
			if (!drop && !holds(R, ks, k, now, cooldown))
				drop = true;
			if (drop) {
				if (nd == cap) {
					cap = cap ? cap * 2 : 64;
					dead = xrealloc(dead, cap * sizeof *dead);
				}
				dead[nd++] = k;
			}
		}
		for (size_t i = 0; i < nd; i++) {
			htab_del(&ks->h, dead[i]->key, dead[i]->klen);
			kent_free(R, ks, dead[i]);
		}
	}
	free(dead);
}

size_t ks_count(const struct rules *R)
{
	size_t n = 0;
	for (size_t i = 0; i < R->nks; i++)
		n += R->ks[i]->h.n;
	return n;
}

void ks_free_all(struct rules *R)
{
	for (size_t s = 0; s < R->nks; s++) {
		struct keyspace *ks = R->ks[s];
		for (size_t i = 0; i < ks->h.cap; i++)
			if (ks->h.e[i].hash)
				kent_free(R, ks, ks->h.e[i].val);
		htab_free(&ks->h);
		if (ks->by)
			path_free(&ks->path);
		free(ks->by);
		free(ks);
	}
	free(R->ks);
	R->ks = NULL;
	R->nks = 0;
	R->main = NULL;
}
