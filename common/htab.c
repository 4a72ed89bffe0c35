#include "htab.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* 64-bit FNV-1a over 8-byte words, then a murmur finalizer: fast on short keys and
   well mixed in the low bits that pick the slot. */
uint64_t htab_hash(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL ^ n;
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
		s += 8;
		n -= 8;
	}
	while (n--)
		h = (h ^ *s++) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h ? h : 1;
}

void htab_init(struct htab *h)
{
	h->cap = 16;
	h->n = 0;
	h->e = xcalloc(h->cap, sizeof *h->e);
}

void htab_free(struct htab *h)
{
	free(h->e);
	h->e = NULL;
	h->cap = h->n = 0;
}

static struct htab_ent *find(const struct htab *h, uint64_t hash, const void *key, size_t klen)
{
	size_t mask = h->cap - 1;
	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		struct htab_ent *e = &h->e[i];
		if (!e->hash)
			return e;
		if (e->hash == hash && e->klen == klen && !memcmp(e->key, key, klen))
			return e;
	}
}

void *htab_get(const struct htab *h, const void *key, size_t klen)
{
	if (!h->n)
		return NULL;
	struct htab_ent *e = find(h, htab_hash(key, klen), key, klen);
	return e->hash ? e->val : NULL;
}

static void grow(struct htab *h)
{
	struct htab_ent *old = h->e;
	size_t oldcap = h->cap;
	h->cap *= 2;
	h->e = xcalloc(h->cap, sizeof *h->e);
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].hash)
			*find(h, old[i].hash, old[i].key, old[i].klen) = old[i];
	free(old);
}

struct htab_ent *htab_put(struct htab *h, const void *key, size_t klen, bool *added)
{
	if (!h->e)
		htab_init(h);
	if ((h->n + 1) * 4 > h->cap * 3)
		grow(h);
	uint64_t hash = htab_hash(key, klen);
	struct htab_ent *e = find(h, hash, key, klen);
	*added = !e->hash;
	if (*added) {
		e->hash = hash;
		e->key = key;
		e->klen = klen;
		e->val = NULL;
		h->n++;
	}
	return e;
}

void *htab_del(struct htab *h, const void *key, size_t klen)
{
	if (!h->n)
		return NULL;
	size_t mask = h->cap - 1;
	struct htab_ent *e = find(h, htab_hash(key, klen), key, klen);
	if (!e->hash)
		return NULL;
	void *val = e->val;
	size_t i = (size_t)(e - h->e);
	/* backward-shift: move later entries of the probe run into the hole */
	for (size_t j = (i + 1) & mask; h->e[j].hash; j = (j + 1) & mask) {
		size_t home = h->e[j].hash & mask;
		bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
		if (movable) {
			h->e[i] = h->e[j];
			i = j;
		}
	}
	memset(&h->e[i], 0, sizeof h->e[i]);
	h->n--;
	return val;
}
