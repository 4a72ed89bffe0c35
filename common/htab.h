#ifndef RUNNEL_HTAB_H
#define RUNNEL_HTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A hash table from byte-string keys to pointers: open addressing with linear
 * probing and backward-shift deletion, so lookups touch one cache line or two and
 * no tombstones pile up in long-running state. Keys are not copied: the caller
 * keeps each key's bytes alive while it is in the table (usually inside the value).
 */
struct htab_ent {
	uint64_t hash; /* 0 = empty slot */
	const char *key;
	size_t klen;
	void *val;
};

struct htab {
	struct htab_ent *e;
	size_t cap; /* power of two */
	size_t n;
};

uint64_t htab_hash(const void *p, size_t n);
void htab_init(struct htab *h);
void htab_free(struct htab *h);
void *htab_get(const struct htab *h, const void *key, size_t klen);
/* Finds or adds key; *added says which. Set ent->val (and, for a new entry whose key
   bytes may move, ent->key) before the next insertion. */
struct htab_ent *htab_put(struct htab *h, const void *key, size_t klen, bool *added);
/* Removes key; returns its value or NULL. */
void *htab_del(struct htab *h, const void *key, size_t klen);

#endif
