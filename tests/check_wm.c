/* common/wm: event-time watermarks, per partition, with idle handling. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wm.h"

#define S(x) ((int64_t)(x) * 1000)

/* Spark EventTimeWatermarkSuite "event time and watermark metrics": delay 10 s;
   15 → watermark 5 s; 10, 12, 14 leave it at 5 s; 25 → 15 s. runnel advances after
   each event, Spark after each batch: the values after each batch agree. */
START_TEST(spark_watermark_metrics)
{
	struct wm w;
	wm_init(&w, S(10), 0, 0);
	ck_assert(wm_get(&w) == WM_NONE);
	ck_assert(!wm_closed(&w, INT64_MIN + 1));
	ck_assert(wm_observe(&w, NULL, 0, 0, S(15), 0));
	ck_assert_int_eq(wm_get(&w), S(5));
	ck_assert(!wm_observe(&w, NULL, 0, 0, S(10), 0));
	ck_assert(!wm_observe(&w, NULL, 0, 0, S(12), 0));
	ck_assert(!wm_observe(&w, NULL, 0, 0, S(14), 0));
	ck_assert_int_eq(wm_get(&w), S(5));
	ck_assert(wm_observe(&w, NULL, 0, 0, S(25), 0));
	ck_assert_int_eq(wm_get(&w), S(15));
	/* a window closes when its end is at or below the watermark */
	ck_assert(wm_closed(&w, S(15)));
	ck_assert(!wm_closed(&w, S(15) + 1));
	wm_free(&w);
}
END_TEST

/* Kafka Streams semantics: grace 0 means stream time itself closes windows. */
START_TEST(zero_delay_never_decreases)
{
	struct wm w;
	wm_init(&w, 0, 0, 0);
	int64_t ts[] = { 5, 3, 9, 1, 9, 12, -4 };
	int64_t want[] = { 5, 5, 9, 9, 9, 12, 12 };
	for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
		wm_observe(&w, NULL, 0, 0, ts[i], 0);
		ck_assert_int_eq(wm_get(&w), want[i]);
	}
	wm_raise(&w, 7);
	ck_assert_int_eq(wm_get(&w), 12);
	wm_raise(&w, 20);
	ck_assert_int_eq(wm_get(&w), 20);
	wm_free(&w);
}
END_TEST

START_TEST(negative_times)
{
	struct wm w;
	wm_init(&w, S(1), 0, 0);
	wm_observe(&w, NULL, 0, 0, -S(100), 0);
	ck_assert_int_eq(wm_get(&w), -S(101));
	ck_assert(wm_closed(&w, -S(101)));
	/* saturates instead of overflowing */
	wm_observe(&w, "t", 1, 0, INT64_MIN + 5, 0);
	ck_assert_int_eq(wm_get(&w), -S(101));
	wm_free(&w);
}
END_TEST

/* One slow partition holds the watermark back; the fast one's events are not late. */
START_TEST(partitions_minimum)
{
	struct wm w;
	wm_init(&w, 0, 0, 0);
	ck_assert(wm_observe(&w, "events", 6, 0, 100, 0));
	ck_assert_int_eq(wm_get(&w), 100);
	/* partition 1 appears behind: the watermark does not go back */
	ck_assert(!wm_observe(&w, "events", 6, 1, 40, 0));
	ck_assert_int_eq(wm_get(&w), 100);
	ck_assert(!wm_observe(&w, "events", 6, 0, 500, 0));
	ck_assert_int_eq(wm_get(&w), 100);
	ck_assert(wm_observe(&w, "events", 6, 1, 300, 0));
	ck_assert_int_eq(wm_get(&w), 300);
	ck_assert(wm_observe(&w, "events", 6, 1, 900, 0));
	ck_assert_int_eq(wm_get(&w), 500);
	/* same partition number of another topic is another partition */
	ck_assert(!wm_observe(&w, "other", 5, 0, 450, 0));
	ck_assert_int_eq(wm_get(&w), 500);
	ck_assert(!wm_observe(&w, "other", 5, 0, 2000, 0));
	ck_assert_int_eq(wm_get(&w), 500);
	ck_assert(wm_observe(&w, "events", 6, 0, 1000, 0));
	ck_assert_int_eq(wm_get(&w), 900);
	/* events without Kafka metadata form their own partition */
	wm_observe(&w, NULL, 0, 0, 100, 0);
	ck_assert_int_eq(wm_get(&w), 900);
	ck_assert_uint_eq(w.n, 4);
	wm_free(&w);
}
END_TEST

START_TEST(partitions_random_against_brute_force)
{
	struct wm w;
	int64_t max[64];
	bool seen[64] = { false };
	int64_t eff = WM_NONE;
	unsigned seed = 12345;
	wm_init(&w, 7, 0, 0);
	for (int i = 0; i < 20000; i++) {
		seed = seed * 1103515245 + 12345;
		int p = (int)((seed >> 16) % 64);
		int64_t t = (int64_t)((seed >> 4) % 100000) + i * 3;
		char topic[8];
		snprintf(topic, sizeof topic, "t%d", p % 3);
		wm_observe(&w, topic, strlen(topic), p, t, 0);
		if (!seen[p] || t > max[p])
			max[p] = t;
		seen[p] = true;
		int64_t m = INT64_MAX;
		for (int q = 0; q < 64; q++)
			if (seen[q] && max[q] < m)
				m = max[q];
		if (eff == WM_NONE || m - 7 > eff)
			eff = m - 7;
		ck_assert_int_eq(wm_get(&w), eff);
	}
	wm_free(&w);
}
END_TEST

/* --idle-advance: no input for idle_ms of wall time moves event time with wall time. */
START_TEST(idle_advance)
{
	struct wm w;
	wm_init(&w, 0, 1000, 0);
	ck_assert(!wm_idle(&w, 5000)); /* no events yet: nothing to advance */
	ck_assert(wm_get(&w) == WM_NONE);
	wm_observe(&w, NULL, 0, 0, 100000, 6000);
	ck_assert(!wm_idle(&w, 6500));
	ck_assert_int_eq(wm_get(&w), 100000);
	ck_assert(wm_idle(&w, 7000));
	ck_assert_int_eq(wm_get(&w), 101000);
	ck_assert(wm_idle(&w, 7500));
	ck_assert_int_eq(wm_get(&w), 101500);
	ck_assert(!wm_idle(&w, 7500));
	/* input again: the advance stops until the input is quiet for idle_ms once more */
	ck_assert(!wm_observe(&w, NULL, 0, 0, 100500, 8000));
	ck_assert_int_eq(wm_get(&w), 101500);
	ck_assert(!wm_idle(&w, 8999));
	ck_assert(wm_idle(&w, 9000));
	ck_assert_int_eq(wm_get(&w), 102500);
	wm_free(&w);
}
END_TEST

/* A partition quiet for idle_ms while others send leaves the minimum until it sends. */
START_TEST(idle_partition)
{
	struct wm w;
	wm_init(&w, 0, 1000, 0);
	wm_observe(&w, "e", 1, 0, 10, 0);
	wm_observe(&w, "e", 1, 1, 50, 0);
	wm_observe(&w, "e", 1, 1, 60, 500);
	wm_observe(&w, "e", 1, 1, 70, 1000);
	ck_assert_int_eq(wm_get(&w), 10);
	ck_assert(wm_idle(&w, 1000));
	ck_assert_int_eq(wm_get(&w), 70);
	/* partition 1 is not idle yet */
	ck_assert(!wm_idle(&w, 1900));
	/* the idle partition comes back behind: the watermark stays */
	ck_assert(!wm_observe(&w, "e", 1, 0, 20, 1950));
	ck_assert_int_eq(wm_get(&w), 70);
	ck_assert(!wm_observe(&w, "e", 1, 1, 90, 1960));
	ck_assert_int_eq(wm_get(&w), 70);
	ck_assert(wm_observe(&w, "e", 1, 0, 80, 1970));
	ck_assert_int_eq(wm_get(&w), 80);
	wm_free(&w);
}
END_TEST

START_TEST(restore)
{
	struct wm w;
	wm_init(&w, 10, 0, 0);
	wm_set_part(&w, "e", 1, 0, 100, 0);
	wm_set_part(&w, "e", 1, 1, 300, 0);
	wm_set_part(&w, NULL, 0, 0, 200, 0);
	wm_raise(&w, 95);
	ck_assert_int_eq(wm_get(&w), 95);
	ck_assert(wm_observe(&w, "e", 1, 0, 400, 0));
	ck_assert_int_eq(wm_get(&w), 190);
	ck_assert_uint_eq(w.n, 3);
	wm_free(&w);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("wm");
	TCase *t = tcase_create("core");
	tcase_add_test(t, spark_watermark_metrics);
	tcase_add_test(t, zero_delay_never_decreases);
	tcase_add_test(t, negative_times);
	tcase_add_test(t, partitions_minimum);
	tcase_add_test(t, partitions_random_against_brute_force);
	tcase_add_test(t, idle_advance);
	tcase_add_test(t, idle_partition);
	tcase_add_test(t, restore);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(suite());
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
