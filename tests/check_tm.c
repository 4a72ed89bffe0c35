#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tm.h"

static int64_t P(const char *s)
{
	int64_t ms = 0x5555;
	ck_assert_msg(tm_parse_rfc3339(s, strlen(s), &ms), "rejected %s", s);
	return ms;
}

static void no(const char *s)
{
	int64_t ms = 0x5555;
	ck_assert_msg(!tm_parse_rfc3339(s, strlen(s), &ms), "accepted %s", s);
	ck_assert_int_eq(ms, 0x5555);
}

START_TEST(rfc3339_forms)
{
	ck_assert_int_eq(P("2026-11-24T10:15:30.123Z"), 1795515330123LL);
	ck_assert_int_eq(P("2026-11-24T10:15:30Z"), 1795515330000LL);
	ck_assert_int_eq(P("2026-11-24T10:15:30"), 1795515330000LL); /* no offset: UTC */
	ck_assert_int_eq(P("2026-11-24t10:15:30.123z"), 1795515330123LL);
	ck_assert_int_eq(P("2026-11-24 10:15:30.123Z"), 1795515330123LL);
	ck_assert_int_eq(P("2026-11-24T10:15:30.1Z"), 1795515330100LL);
	ck_assert_int_eq(P("2026-11-24T10:15:30.12Z"), 1795515330120LL);
	ck_assert_int_eq(P("2026-11-24T10:15:30.123456789Z"), 1795515330123LL); /* truncated */
	ck_assert_int_eq(P("2026-11-24T10:15:30.999999Z"), 1795515330999LL);
	ck_assert_int_eq(P("2026-11-24T10:15:30+01:00"), 1795511730000LL);
	ck_assert_int_eq(P("2026-11-24T10:15:30-05:30"), 1795535130000LL);
	ck_assert_int_eq(P("2026-11-24T10:15:30.5+00:00"), 1795515330500LL);
	ck_assert_int_eq(P("2026-11-24T10:15:30-00:00"), 1795515330000LL);
	ck_assert_int_eq(P("2026-11-24T00:30:00+01:00"), P("2026-11-23T23:30:00Z"));
	ck_assert_int_eq(P("1970-01-01T00:00:00Z"), 0);
	ck_assert_int_eq(P("9999-12-31T23:59:59.999Z"), 253402300799999LL);
	ck_assert_int_eq(P("0001-01-01T00:00:00Z"), -62135596800000LL);
	ck_assert_int_eq(P("0000-01-01T00:00:00Z"), -62167219200000LL);
	/* a leap second rolls into the next minute */
	ck_assert_int_eq(P("2016-12-31T23:59:60Z"), P("2017-01-01T00:00:00Z"));
}
END_TEST

START_TEST(rfc3339_rejects)
{
	no("");
	no("2026-11-24");
	no("2026-11-24T10:15");
	no("2026-11-24T10:15:3");
	no("2026-11-24T10:15:30.Z");
	no("2026-11-24T10:15:30.123Zx");
	no("2026-11-24T10:15:30.123 Z");
	no("2026-11-24T10:15:30+01");
	no("2026-11-24T10:15:30+0100");
	no("2026-11-24T10:15:30+24:00");
	no("2026-11-24T10:15:30+01:60");
	no("2026-11-24X10:15:30Z");
	no("2026/11/24T10:15:30Z");
	no("26-11-24T10:15:30Z");
	no("+2026-11-24T10:15:30Z");
	no("2026-13-01T00:00:00Z");
	no("2026-00-01T00:00:00Z");
	no("2026-01-00T00:00:00Z");
	no("2026-01-32T00:00:00Z");
	no("2026-04-31T00:00:00Z");
	no("2026-11-24T24:00:00Z");
	no("2026-11-24T23:60:00Z");
	no("2026-11-24T23:59:61Z");
	no("2026-11-24T-1:00:00Z");
	no(" 2026-11-24T10:15:30Z");
	no("2026-11-24T10:15:30Z ");
	no("1795515330123");
}
END_TEST

START_TEST(leap_days)
{
	ck_assert_int_eq(P("2024-02-29T00:00:00Z"), 1709164800000LL);
	ck_assert_int_eq(P("2024-03-01T00:00:00Z") - P("2024-02-28T00:00:00Z"), 2 * 86400000LL);
	no("2023-02-29T00:00:00Z");
	ck_assert_int_eq(P("2023-03-01T00:00:00Z") - P("2023-02-28T00:00:00Z"), 86400000LL);
	ck_assert_int_eq(P("2000-02-29T12:00:00Z"), 951825600000LL); /* divisible by 400 */
	no("1900-02-29T00:00:00Z");                                   /* by 100 only */
	no("2100-02-29T00:00:00Z");
	P("1600-02-29T00:00:00Z");
	P("1960-02-29T00:00:00Z");
	char t[32];
	ck_assert_uint_eq(tm_format(1709164800000LL, t, sizeof t), 24);
	ck_assert_str_eq(t, "2024-02-29T00:00:00.000Z");
	ck_assert_uint_eq(tm_format(951825600000LL, t, sizeof t), 24);
	ck_assert_str_eq(t, "2000-02-29T12:00:00.000Z");
}
END_TEST

START_TEST(negative_epochs)
{
	char t[40];
	ck_assert_int_eq(P("1969-12-31T23:59:59.999Z"), -1);
	ck_assert_int_eq(P("1969-12-31T23:59:59.5Z"), -500);
	ck_assert_int_eq(P("1969-12-31T23:59:59Z"), -1000);
	ck_assert_int_eq(P("1960-01-01T00:00:00Z"), -315619200000LL);
	ck_assert_int_eq(P("1900-03-01T00:00:00Z"), -2203891200000LL);
	tm_format(-1, t, sizeof t);
	ck_assert_str_eq(t, "1969-12-31T23:59:59.999Z");
	tm_format(-1000, t, sizeof t);
	ck_assert_str_eq(t, "1969-12-31T23:59:59.000Z");
	tm_format(-1001, t, sizeof t);
	ck_assert_str_eq(t, "1969-12-31T23:59:58.999Z");
	tm_format(-86400000, t, sizeof t);
	ck_assert_str_eq(t, "1969-12-31T00:00:00.000Z");
	tm_format(-315619200000LL, t, sizeof t);
	ck_assert_str_eq(t, "1960-01-01T00:00:00.000Z");
	tm_format(-62167219200000LL, t, sizeof t);
	ck_assert_str_eq(t, "0000-01-01T00:00:00.000Z");
	int Y, M, D, h, mi, s, f;
	tm_civil(-1, &Y, &M, &D, &h, &mi, &s, &f);
	ck_assert(Y == 1969 && M == 12 && D == 31 && h == 23 && mi == 59 && s == 59 && f == 999);
	ck_assert_int_eq(tm_floordiv(-1, 1000), -1);
	ck_assert_int_eq(tm_floordiv(-1000, 1000), -1);
	ck_assert_int_eq(tm_floordiv(-1001, 1000), -2);
	ck_assert_int_eq(tm_floordiv(999, 1000), 0);
	ck_assert_int_eq(tm_floordiv(1000, 1000), 1);
	ck_assert_int_eq(tm_floordiv(0, 60000), 0);
	ck_assert_int_eq(tm_floordiv(5, -2), -3);
	ck_assert_int_eq(tm_days_from_civil(1970, 1, 1), 0);
	ck_assert_int_eq(tm_days_from_civil(1969, 12, 31), -1);
}
END_TEST

START_TEST(format_extremes)
{
	char t[64];
	/* outside years 0-9999: a signed year, still parseable by eye; never a crash */
	size_t n = tm_format(253402300800000LL, t, sizeof t);
	ck_assert_str_eq(t, "+10000-01-01T00:00:00.000Z");
	ck_assert_uint_eq(n, strlen(t));
	tm_format(-62167219200001LL, t, sizeof t);
	ck_assert_str_eq(t, "-1-12-31T23:59:59.999Z");
	tm_format(INT64_MAX, t, sizeof t);
	ck_assert_uint_gt(strlen(t), 24);
	tm_format(INT64_MIN, t, sizeof t);
	ck_assert_uint_gt(strlen(t), 24);
	ck_assert_int_eq(t[0], '-');
	/* a short buffer is never overrun */
	char small[8];
	n = tm_format(0, small, sizeof small);
	ck_assert_uint_lt(n, sizeof small);
	ck_assert_int_eq(small[n], 0);
}
END_TEST

START_TEST(format_parse_round_trip)
{
	uint64_t x = 0x2545F4914F6CDD1DULL;
	char t[40];
	const int64_t lo = -62167219200000LL, hi = 253402300799999LL;
	for (int i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int64_t ms = lo + (int64_t)(x % (uint64_t)(hi - lo + 1));
		if (i < 2000)
			ms = (int64_t)(x % 4000000) - 2000000; /* around the epoch */
		size_t n = tm_format(ms, t, sizeof t);
		ck_assert_uint_eq(n, 24);
		int64_t back;
		ck_assert_msg(tm_parse_rfc3339(t, n, &back) && back == ms, "%lld -> %s",
			(long long)ms, t);
	}
}
END_TEST

static struct json_val V(const char *s)
{
	struct json_val v;
	ck_assert(json_check(s, strlen(s), &v, NULL));
	return v;
}

START_TEST(from_json)
{
	int64_t ms;
	ck_assert(tm_from_json(V("\"2026-11-24T10:15:30.123Z\""), &ms) && ms == 1795515330123LL);
	ck_assert(tm_from_json(V("1795515330123"), &ms) && ms == 1795515330123LL);
	ck_assert(tm_from_json(V("-1"), &ms) && ms == -1);
	ck_assert(tm_from_json(V("0"), &ms) && ms == 0);
	ck_assert(tm_from_json(V("1.5e3"), &ms) && ms == 1500);
	ck_assert(tm_from_json(V("1500.9"), &ms) && ms == 1500);
	ck_assert(tm_from_json(V("-1.5"), &ms) && ms == -2); /* floor */
	ck_assert(!tm_from_json(V("1e300"), &ms));
	ck_assert(!tm_from_json(V("\"yesterday\""), &ms));
	ck_assert(!tm_from_json(V("\"2026-11-24T10:15:30\\u002e123Z\""), &ms));
	ck_assert(!tm_from_json(V("\"\""), &ms));
	ck_assert(!tm_from_json(V("null"), &ms));
	ck_assert(!tm_from_json(V("true"), &ms));
	ck_assert(!tm_from_json(V("[1]"), &ms));
	struct json_val none = { NULL, 0, JV_NONE };
	ck_assert(!tm_from_json(none, &ms));
}
END_TEST

static int64_t DUR(const char *s)
{
	int64_t ms = 0x5555;
	ck_assert_msg(tm_parse_duration(s, &ms, false), "rejected %s", s);
	return ms;
}

START_TEST(durations)
{
	ck_assert_int_eq(DUR("250ms"), 250);
	ck_assert_int_eq(DUR("10s"), 10000);
	ck_assert_int_eq(DUR("5m"), 300000);
	ck_assert_int_eq(DUR("1h"), 3600000);
	ck_assert_int_eq(DUR("1d"), 86400000);
	ck_assert_int_eq(DUR("1w"), 604800000);
	ck_assert_int_eq(DUR("1h30m"), 5400000);
	ck_assert_int_eq(DUR("1h 30m"), 5400000);
	ck_assert_int_eq(DUR("1m30s500ms"), 90500);
	ck_assert_int_eq(DUR("10 minutes"), 600000);
	ck_assert_int_eq(DUR("1 minute"), 60000);
	ck_assert_int_eq(DUR("2 hours 30 minutes"), 9000000);
	ck_assert_int_eq(DUR("30 seconds"), 30000);
	ck_assert_int_eq(DUR("7 days"), 604800000);
	ck_assert_int_eq(DUR("100 milliseconds"), 100);
	ck_assert_int_eq(DUR("1.5s"), 1500);
	ck_assert_int_eq(DUR(".5s"), 500);
	ck_assert_int_eq(DUR("0.25h"), 900000);
	ck_assert_int_eq(DUR("1H"), 3600000);
	ck_assert_int_eq(DUR("5 MINUTES"), 300000);
	ck_assert_int_eq(DUR("0s"), 0);
	ck_assert_int_eq(DUR(" 5m "), 300000);
	ck_assert_int_eq(DUR("+5m"), 300000);
	int64_t ms;
	ck_assert(!tm_parse_duration("-5m", &ms, false));
	ck_assert(tm_parse_duration("-5m", &ms, true) && ms == -300000);
	ck_assert(tm_parse_duration("-1h30m", &ms, true) && ms == -5400000);
	static const char *bad[] = { "", " ", "5", "m", "5x", "5 m s", "5mm", "1h30", "1e3s",
		"0x10s", "inf s", "nan", "1..5s", "1.s", ".s", "5m-", "-", "+", "--5m", "5 5m", "5m,",
		"1.5.5s", "10 minutes ago", "1 fortnight", "1y", "3000000000000000 weeks" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ms = 0x5555;
		ck_assert_msg(!tm_parse_duration(bad[i], &ms, true), "accepted '%s'", bad[i]);
		ck_assert_int_eq(ms, 0x5555);
	}
}
END_TEST

START_TEST(times_for_command_lines)
{
	const int64_t now = 1795515330123LL;
	int64_t ms;
	ck_assert(tm_parse_time("now", now, &ms) && ms == now);
	ck_assert(tm_parse_time("-2h", now, &ms) && ms == now - 7200000);
	ck_assert(tm_parse_time("now-2h", now, &ms) && ms == now - 7200000);
	ck_assert(tm_parse_time("+30m", now, &ms) && ms == now + 1800000);
	ck_assert(tm_parse_time("now+1d", now, &ms) && ms == now + 86400000);
	ck_assert(tm_parse_time("2026-11-24T10:15:30Z", now, &ms) && ms == 1795515330000LL);
	ck_assert(tm_parse_time("1700000000000", now, &ms) && ms == 1700000000000LL);
	ck_assert(tm_parse_time("0", now, &ms) && ms == 0);
	ck_assert(tm_parse_time("-1000", now, &ms) && ms == -1000); /* epoch ms before 1970 */
	static const char *bad[] = { "", "nowx", "now-", "now-5", "later", "12abc", "1.5",
		"99999999999999999999", " 5", "+5", "now 2h", "2026-11-24" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(!tm_parse_time(bad[i], now, &ms), "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(clocks)
{
	int64_t a = tm_now_ms(), m1 = tm_mono_ms(), m2 = tm_mono_ms();
	ck_assert_int_gt(a, 1700000000000LL); /* after 2023: the clock is in ms */
	ck_assert_int_ge(m2, m1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("tm");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, rfc3339_forms);
	tcase_add_test(tc, rfc3339_rejects);
	tcase_add_test(tc, leap_days);
	tcase_add_test(tc, negative_epochs);
	tcase_add_test(tc, format_extremes);
	tcase_add_test(tc, format_parse_round_trip);
	tcase_add_test(tc, from_json);
	tcase_add_test(tc, durations);
	tcase_add_test(tc, times_for_command_lines);
	tcase_add_test(tc, clocks);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
