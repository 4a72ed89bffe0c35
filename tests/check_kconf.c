#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "kconf.h"

static char *write_tmp(const char *text)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/check_kconf.XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void item_eq(const struct kconf *k, size_t i, const char *name, const char *value)
{
	ck_assert_uint_gt(k->n, i);
	ck_assert_str_eq(k->items[i].name, name);
	ck_assert_str_eq(k->items[i].value, value);
}

static void conf_eq(rd_kafka_conf_t *c, const char *name, const char *want)
{
	char v[512];
	size_t n = sizeof v;
	ck_assert_int_eq(rd_kafka_conf_get(c, name, v, &n), RD_KAFKA_CONF_OK);
	ck_assert_str_eq(v, want);
}

START_TEST(test_add)
{
	struct kconf k;
	kconf_init(&k);
	ck_assert_int_eq(kconf_add(&k, "linger.ms=5"), KCONF_OK);
	ck_assert_int_eq(kconf_add(&k, "sasl.password=a=b"), KCONF_OK);
	ck_assert_int_eq(kconf_add(&k, "client.id="), KCONF_OK);
	ck_assert_int_eq(kconf_add(&k, "topic.acks=all"), KCONF_OK);
	ck_assert_int_eq(kconf_add(&k, "topic.metadata.refresh.interval.ms=1000"), KCONF_OK);
	ck_assert_int_eq(kconf_add(&k, "dump"), KCONF_OK);
	ck_assert_int_eq(kconf_add(&k, "novalue"), KCONF_ERR);
	ck_assert_int_eq(kconf_add(&k, "=x"), KCONF_ERR);
	ck_assert_uint_eq(k.n, 5);
	item_eq(&k, 0, "linger.ms", "5");
	item_eq(&k, 1, "sasl.password", "a=b"); /* the first = splits */
	item_eq(&k, 2, "client.id", "");
	item_eq(&k, 3, "acks", "all"); /* kcat's topic. prefix dropped */
	item_eq(&k, 4, "topic.metadata.refresh.interval.ms", "1000"); /* a global property */
	ck_assert(k.dump);
	ck_assert_str_eq(k.items[0].origin, "-X");
	kconf_free(&k);
}
END_TEST

START_TEST(test_file)
{
	struct kconf k;
	kconf_init(&k);
	char *p = write_tmp(
		"# comment\n"
		"   ! another comment\n"
		"\n"
		"  a.b = 1  \n"
		"c.d:2\n"
		"e.f   3\n"
		"g.h=multi\\\n"
		"     line\\\n"
		"  end\n"
		"i.j=tab\\there\\u00e9\\\\\n"
		"k.l=\n"
		"key\\ with\\ space = v\r\n"
		"m.n=a#not-a-comment\n"
		"last=no newline");
	ck_assert_int_eq(kconf_add_file(&k, p), 0);
	ck_assert_uint_eq(k.n, 9);
	item_eq(&k, 0, "a.b", "1");
	item_eq(&k, 1, "c.d", "2");
	item_eq(&k, 2, "e.f", "3");
	item_eq(&k, 3, "g.h", "multilineend");
	item_eq(&k, 4, "i.j", "tab\there\xc3\xa9\\");
	item_eq(&k, 5, "k.l", "");
	item_eq(&k, 6, "key with space", "v");
	item_eq(&k, 7, "m.n", "a#not-a-comment");
	item_eq(&k, 8, "last", "no newline");
	char origin[128];
	snprintf(origin, sizeof origin, "%s:7", p);
	ck_assert_str_eq(k.items[3].origin, origin); /* where the entry starts */
	unlink(p);
	kconf_free(&k);
}
END_TEST

START_TEST(test_file_errors)
{
	struct kconf k;
	kconf_init(&k);
	ck_assert_int_eq(kconf_add_file(&k, "/nonexistent/client.properties"), -1);
	char *p = write_tmp("a=1\n= no name\n");
	ck_assert_int_eq(kconf_add_file(&k, p), -1);
	unlink(p);
	kconf_free(&k);
}
END_TEST

START_TEST(test_has_aliases)
{
	struct kconf k;
	kconf_init(&k);
	kconf_add(&k, "compression.type=lz4");
	kconf_add(&k, "queue.buffering.max.ms=3");
	ck_assert(kconf_has(&k, "compression.codec"));
	ck_assert(kconf_has(&k, "compression.type"));
	ck_assert(kconf_has(&k, "linger.ms"));
	ck_assert(!kconf_has(&k, "acks"));
	kconf_free(&k);
}
END_TEST

START_TEST(test_brokers)
{
	struct kconf k;
	kconf_init(&k);
	unsetenv("KAFKA_BROKERS");
	ck_assert_str_eq(kconf_brokers(&k), "localhost:9092");
	setenv("KAFKA_BROKERS", "", 1);
	ck_assert_str_eq(kconf_brokers(&k), "localhost:9092"); /* empty counts as unset */
	setenv("KAFKA_BROKERS", "env:1", 1);
	ck_assert_str_eq(kconf_brokers(&k), "env:1");
	kconf_add(&k, "metadata.broker.list=x:2");
	ck_assert_str_eq(kconf_brokers(&k), "x:2");
	k.brokers = "b:3";
	ck_assert_str_eq(kconf_brokers(&k), "b:3");
	unsetenv("KAFKA_BROKERS");
	kconf_free(&k);
}
END_TEST

START_TEST(test_build)
{
	static const char *const defaults[] = { "linger.ms", "10", "acks", "all", "client.id", "d", NULL };
	struct kconf k;
	kconf_init(&k);
	unsetenv("KAFKA_BROKERS");
	kconf_add(&k, "linger.ms=7");
	kconf_add(&k, "bootstrap.servers=fromx:1");
	rd_kafka_conf_t *c = kconf_build(&k, defaults);
	ck_assert_ptr_nonnull(c);
	conf_eq(c, "linger.ms", "7");   /* -X over the default */
	conf_eq(c, "client.id", "d");   /* the default stays */
	conf_eq(c, "bootstrap.servers", "fromx:1");
	rd_kafka_conf_destroy(c);
	k.brokers = "fromb:2"; /* -b wins over -X bootstrap.servers */
	c = kconf_build(&k, defaults);
	conf_eq(c, "bootstrap.servers", "fromb:2");
	rd_kafka_conf_destroy(c);
	kconf_add(&k, "no.such.property=1");
	ck_assert_ptr_null(kconf_build(&k, defaults));
	kconf_free(&k);
	kconf_init(&k);
	kconf_add(&k, "linger.ms=notanumber");
	ck_assert_ptr_null(kconf_build(&k, NULL));
	kconf_free(&k);
}
END_TEST

int main(void)
{
	diag_init("check_kconf");
	diag_set_level(DIAG_QUIET);
	Suite *s = suite_create("kconf");
	TCase *tc = tcase_create("kconf");
	tcase_add_test(tc, test_add);
	tcase_add_test(tc, test_file);
	tcase_add_test(tc, test_file_errors);
	tcase_add_test(tc, test_has_aliases);
	tcase_add_test(tc, test_brokers);
	tcase_add_test(tc, test_build);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
