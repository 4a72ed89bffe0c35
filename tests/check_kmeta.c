/* common/kmeta: the `_kafka` member of records. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "kmeta.h"
#include "rec.h"

START_TEST(kafka_meta)
{
	struct rec r;
	struct buf why = BUF_INIT, scratch = BUF_INIT;
	struct kmeta k;
	rec_init(&r);
	const char *l1 = "{\"a\":1,\"_kafka\":{\"topic\":\"ev\\u0065nts\",\"partition\":3,"
		"\"offset\":1234,\"ts\":\"2026-11-24T10:15:30.123Z\",\"key\":null}}";
	ck_assert(rec_parse(&r, l1, strlen(l1), &why));
	ck_assert(kmeta_get(&r, &k, &scratch));
	ck_assert_uint_eq(k.tlen, 6);
	ck_assert(!memcmp(k.topic, "events", 6));
	ck_assert_int_eq(k.partition, 3);
	ck_assert(k.has_offset);
	ck_assert_int_eq(k.offset, 1234);
	const char *l2 = "{\"_kafka\":{\"topic\":\"e\",\"partition\":0}}";
	ck_assert(rec_parse(&r, l2, strlen(l2), &why));
	ck_assert(kmeta_get(&r, &k, &scratch));
	ck_assert(!k.has_offset);
	const char *bad[] = {
		"{\"a\":1}",
		"{\"_kafka\":1}",
		"{\"_kafka\":{\"partition\":0}}",
		"{\"_kafka\":{\"topic\":\"e\",\"partition\":-1}}",
		"{\"_kafka\":{\"topic\":\"e\",\"partition\":\"0\"}}",
		"{\"_kafka\":{\"topic\":7,\"partition\":0}}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert(rec_parse(&r, bad[i], strlen(bad[i]), &why));
		ck_assert_msg(!kmeta_get(&r, &k, &scratch), "accepted %s", bad[i]);
	}
	rec_free(&r);
	buf_free(&why);
	buf_free(&scratch);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("kmeta");
	TCase *t = tcase_create("core");
	tcase_add_test(t, kafka_meta);
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
