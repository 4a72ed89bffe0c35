#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "htab.h"

START_TEST(put_get_del)
{
	struct htab h;
	bool added;
	htab_init(&h);
	ck_assert_ptr_null(htab_get(&h, "a", 1));
	struct htab_ent *e = htab_put(&h, "a", 1, &added);
	ck_assert(added);
	e->val = (void *)1;
	e = htab_put(&h, "a", 1, &added);
	ck_assert(!added);
	ck_assert_ptr_eq(e->val, (void *)1);
	ck_assert_ptr_eq(htab_get(&h, "a", 1), (void *)1);
	ck_assert_ptr_null(htab_get(&h, "ab", 2));
	ck_assert_ptr_null(htab_get(&h, "", 0));
	e = htab_put(&h, "", 0, &added); /* the empty key is a key */
	e->val = (void *)2;
	ck_assert_ptr_eq(htab_get(&h, "", 0), (void *)2);
	ck_assert_ptr_eq(htab_del(&h, "a", 1), (void *)1);
	ck_assert_ptr_null(htab_get(&h, "a", 1));
	ck_assert_ptr_null(htab_del(&h, "a", 1));
	ck_assert_uint_eq(h.n, 1);
	htab_free(&h);
}
END_TEST

START_TEST(binary_keys)
{
	struct htab h = { 0 };
	bool added;
	htab_put(&h, "a\0b", 3, &added)->val = (void *)1;
	htab_put(&h, "a\0c", 3, &added)->val = (void *)2;
	ck_assert_ptr_eq(htab_get(&h, "a\0b", 3), (void *)1);
	ck_assert_ptr_eq(htab_get(&h, "a\0c", 3), (void *)2);
	ck_assert_ptr_null(htab_get(&h, "a", 1));
	htab_free(&h);
}
END_TEST

/* Random inserts and deletes against a plain array model: backward-shift deletion
   must keep every remaining key reachable. */
START_TEST(against_model)
{
	enum { N = 4096 };
	static char keys[N][16];
	static int present[N];
	struct htab h;
	bool added;
	uint64_t x = 88172645463325252ULL;
	htab_init(&h);
	for (int i = 0; i < N; i++)
		snprintf(keys[i], sizeof keys[i], "k%d", i);
	for (int step = 0; step < 200000; step++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int i = (int)(x % N);
		size_t n = strlen(keys[i]);
		if (present[i] && (x >> 32) % 3 == 0) {
			ck_assert_ptr_eq(htab_del(&h, keys[i], n), (void *)(intptr_t)(i + 1));
			present[i] = 0;
		} else {
			struct htab_ent *e = htab_put(&h, keys[i], n, &added);
			ck_assert_int_eq(added, !present[i]);
			e->val = (void *)(intptr_t)(i + 1);
			present[i] = 1;
		}
		if (step % 10000 == 0) {
			size_t count = 0;
			for (int k = 0; k < N; k++) {
				void *v = htab_get(&h, keys[k], strlen(keys[k]));
				ck_assert_ptr_eq(v, present[k] ? (void *)(intptr_t)(k + 1) : NULL);
				count += (size_t)present[k];
			}
			ck_assert_uint_eq(count, h.n);
		}
	}
	htab_free(&h);
}
END_TEST

START_TEST(hash_spreads_short_keys)
{
	/* sequential short keys must not pile into a few slots of a small table */
	int bins[64] = { 0 };
	char k[16];
	for (int i = 0; i < 6400; i++) {
		snprintf(k, sizeof k, "user_%d", i);
		bins[htab_hash(k, strlen(k)) & 63]++;
	}
	for (int b = 0; b < 64; b++)
		ck_assert_int_lt(bins[b], 200);
	ck_assert_uint_ne(htab_hash("", 0), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("htab");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, put_get_del);
	tcase_add_test(tc, binary_keys);
	tcase_add_test(tc, against_model);
	tcase_add_test(tc, hash_spreads_short_keys);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
