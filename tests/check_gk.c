#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "gk.h"

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static double next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

/* Rank of v in sorted[0..n): the range of 1-based ranks its equal values take. */
static void rank_of(const double *sorted, int64_t n, double v, int64_t *lo, int64_t *hi)
{
	int64_t a = 0, b = n;
	while (a < b) {
		int64_t m = (a + b) / 2;
		if (sorted[m] < v)
			a = m + 1;
		else
			b = m;
	}
	*lo = a + 1;
	while (b < n && sorted[b] == v)
		b++;
	*hi = b;
}

START_TEST(exact_when_small)
{
	struct gk g;
	double v[100];
	gk_init(&g, 0.001); /* exact below 500 values */
	for (int i = 0; i < 100; i++) {
		v[i] = (double)((i * 37) % 100);
		gk_add(&g, v[i]);
	}
	qsort(v, 100, sizeof v[0], cmp);
	for (int i = 1; i <= 100; i++) {
		double p = i / 100.0;
		int64_t r = (int64_t)ceil(p * 100); /* the documented rank, fuzz included */
		ck_assert_double_eq(gk_query(&g, p), v[(r < 1 ? 1 : r > 100 ? 100 : r) - 1]);
	}
	gk_free(&g);
}
END_TEST

static void check_bound(struct gk *g, double *sorted, int64_t n, double eps)
{
	qsort(sorted, (size_t)n, sizeof *sorted, cmp);
	for (int i = 1; i <= 99; i++) {
		double p = i / 100.0;
		int64_t want = (int64_t)ceil(p * (double)n), lo, hi;
		rank_of(sorted, n, gk_query(g, p), &lo, &hi);
		int64_t err = want < lo ? lo - want : want > hi ? want - hi : 0;
		ck_assert_msg(err <= (int64_t)ceil(eps * (double)n),
			"p=%.2f: rank error %lld > %.0f", p, (long long)err, eps * (double)n);
	}
}

START_TEST(rank_error_bounded)
{
	enum { N = 200000 };
	static double v[N];
	struct gk g;
	gk_init(&g, 0.01);
	for (int i = 0; i < N; i++) {
		v[i] = next() * next() * 1000; /* skewed */
		gk_add(&g, v[i]);
	}
	ck_assert_uint_lt(g.ns, 5000); /* a summary, not a copy */
	check_bound(&g, v, N, 0.01);
	gk_free(&g);
}
END_TEST

START_TEST(merge_keeps_bound)
{
	enum { N = 60000 };
	static double v[N];
	struct gk a, b;
	gk_init(&a, 0.01);
	gk_init(&b, 0.01);
	for (int i = 0; i < N; i++) {
		v[i] = i < N / 2 ? next() : 2 + next();
		gk_add(i < N / 2 ? &a : &b, v[i]);
	}
	gk_merge(&a, &b);
	ck_assert_int_eq(a.n, N);
	check_bound(&a, v, N, 0.01);
	gk_free(&a);
	gk_free(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gk");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, exact_when_small);
	tcase_add_test(tc, rank_error_bounded);
	tcase_add_test(tc, merge_keeps_bound);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
