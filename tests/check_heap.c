#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "heap.h"

struct item {
	int64_t key;
	size_t idx;
};

static bool less(const void *a, const void *b)
{
	return ((const struct item *)a)->key < ((const struct item *)b)->key;
}

static void moved(void *x, size_t idx)
{
	((struct item *)x)->idx = idx;
}

START_TEST(pops_in_order)
{
	struct heap h;
	struct item it[1000];
	uint64_t x = 12345;
	heap_init(&h, less, moved);
	ck_assert_ptr_null(heap_pop(&h));
	for (int i = 0; i < 1000; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		it[i].key = (int64_t)(x >> 40) - 5000;
		heap_push(&h, &it[i]);
	}
	int64_t last = INT64_MIN;
	for (int i = 0; i < 1000; i++) {
		struct item *p = heap_pop(&h);
		ck_assert_int_ge(p->key, last);
		last = p->key;
	}
	ck_assert_uint_eq(h.n, 0);
	heap_free(&h);
}
END_TEST

START_TEST(remove_and_fix_by_index)
{
	struct heap h;
	struct item it[200];
	heap_init(&h, less, moved);
	for (int i = 0; i < 200; i++) {
		it[i].key = (i * 37) % 200;
		heap_push(&h, &it[i]);
	}
	for (int i = 0; i < 200; i++)
		ck_assert_ptr_eq(h.e[it[i].idx], &it[i]); /* moved() keeps indexes true */
	for (int i = 0; i < 200; i += 2)
		ck_assert_ptr_eq(heap_remove(&h, it[i].idx), &it[i]);
	it[1].key = -1; /* decrease */
	heap_fix(&h, it[1].idx);
	it[3].key = 1000; /* increase */
	heap_fix(&h, it[3].idx);
	ck_assert_ptr_eq(heap_top(&h), &it[1]);
	int64_t last = INT64_MIN;
	size_t n = 0;
	struct item *p, *final = NULL;
	while ((p = heap_pop(&h))) {
		ck_assert_int_ge(p->key, last);
		ck_assert_int_eq(p - it, (p - it) | 1); /* only odd items remain */
		last = p->key;
		final = p;
		n++;
	}
	ck_assert_uint_eq(n, 100);
	ck_assert_ptr_eq(final, &it[3]);
	heap_free(&h);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("heap");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, pops_in_order);
	tcase_add_test(tc, remove_and_fix_by_index);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
