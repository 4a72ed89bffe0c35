/* common/ckpt: atomic checkpoints, refusal of corrupt and mismatched ones, offsets. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "ckpt.h"
#include "wm.h"

static char dir[64];
static char path[128];
static const struct ckpt_meta meta = { "window", 1, "size=300000 slide=60000" };

static void setup(void)
{
	strcpy(dir, "/tmp/check_ckpt.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/state.ckpt", dir);
}

static void teardown(void)
{
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static json_t *doc(int v)
{
	return json_pack("{s:i,s:[s,s],s:f,s:{s:I}}", "v", v, "list", "a", "\xc3\xa9\n",
		"real", 0.1, "obj", "big", (json_int_t)9007199254740993LL);
}

static int save(const char *p, const struct ckpt_meta *m, int v)
{
	struct buf err = BUF_INIT;
	json_t *d = doc(v);
	int rc = ckpt_save(p, m, d, &err);
	json_decref(d);
	buf_free(&err);
	return rc;
}

static int load(const struct ckpt_meta *m, json_t **st, struct buf *err)
{
	buf_reset(err);
	return ckpt_load(path, m, st, err);
}

static void write_file(const char *p, const char *data, size_t n)
{
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, n, f), n);
	fclose(f);
}

static char *read_file(const char *p, size_t *n)
{
	FILE *f = fopen(p, "r");
	ck_assert_ptr_nonnull(f);
	char *b = malloc(1 << 20);
	*n = fread(b, 1, 1 << 20, f);
	fclose(f);
	return b;
}

START_TEST(roundtrip)
{
	json_t *st;
	struct buf err = BUF_INIT;
	ck_assert_int_eq(load(&meta, &st, &err), CKPT_ABSENT);
	ck_assert_int_eq(save(path, &meta, 1), CKPT_OK);
	ck_assert_int_eq(load(&meta, &st, &err), CKPT_OK);
	/* compare the canonical texts */
	json_t *want = doc(1);
	char *a = json_dumps(st, JSON_COMPACT | JSON_SORT_KEYS);
	char *b = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	json_decref(want);
	json_decref(st);
	/* overwrite */
	ck_assert_int_eq(save(path, &meta, 2), CKPT_OK);
	ck_assert_int_eq(load(&meta, &st, &err), CKPT_OK);
	ck_assert_int_eq(json_integer_value(json_object_get(st, "v")), 2);
	json_decref(st);
	/* no temp file left behind */
	char tmp[160];
	snprintf(tmp, sizeof tmp, "%s/.state.ckpt.tmp", dir);
	ck_assert_int_ne(access(tmp, F_OK), 0);
	/* a relative path in the current folder works too */
	char cwd[512];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	ck_assert_int_eq(chdir(dir), 0);
	ck_assert_int_eq(save("rel.ckpt", &meta, 3), CKPT_OK);
	ck_assert_int_eq(chdir(cwd), 0);
	buf_free(&err);
}
END_TEST

START_TEST(mismatch)
{
	json_t *st;
	struct buf err = BUF_INIT;
	ck_assert_int_eq(save(path, &meta, 1), CKPT_OK);
	struct ckpt_meta other = meta;
	other.params = "size=600000 slide=60000";
	ck_assert_int_eq(load(&other, &st, &err), CKPT_MISMATCH);
	ck_assert_ptr_null(st);
	ck_assert_ptr_nonnull(strstr(err.p, "other parameters (size=300000 slide=60000)"));
	other = meta;
	other.tool = "dedup";
	ck_assert_int_eq(load(&other, &st, &err), CKPT_MISMATCH);
	ck_assert_ptr_nonnull(strstr(err.p, "written by window, not dedup"));
	other = meta;
	other.version = 2;
	ck_assert_int_eq(load(&other, &st, &err), CKPT_MISMATCH);
	ck_assert_ptr_nonnull(strstr(err.p, "format version 1"));
	buf_free(&err);
}
END_TEST

static void expect_corrupt(const char *data, size_t n, const char *why)
{
	json_t *st = (json_t *)1;
	struct buf err = BUF_INIT;
	write_file(path, data, n);
	ck_assert_int_eq(load(&meta, &st, &err), CKPT_CORRUPT);
	ck_assert_ptr_null(st);
	ck_assert_msg(strstr(err.p, why) != NULL, "[%s] does not say [%s]", err.p, why);
	ck_assert_ptr_nonnull(strstr(err.p, "is corrupt"));
	buf_free(&err);
}

START_TEST(corrupt)
{
	size_t n;
	ck_assert_int_eq(save(path, &meta, 1), CKPT_OK);
	char *good = read_file(path, &n);
	ck_assert(n > 40);
	expect_corrupt("", 0, "empty file");
	expect_corrupt("garbage", 7, "no checksum line");
	/* truncated anywhere */
	for (size_t cut = 1; cut < n - 1; cut += 7)
		expect_corrupt(good, cut, "");
	/* one flipped bit in the state */
	char *bad = malloc(n);
	memcpy(bad, good, n);
	char *v = strstr(bad, "\"v\":1");
	ck_assert_ptr_nonnull(v);
	v[4] = '3';
	expect_corrupt(bad, n, "checksum mismatch");
	/* a valid-looking document without the checksum line */
	char *nl = memchr(good, '\n', n);
	expect_corrupt(good, (size_t)(nl - good) + 1, "bad checksum line");
	/* checksum fine but not a checkpoint document */
	const char *body = "{\"a\":1}\n";
	uint64_t h = 0xcbf29ce484222325ULL;
	for (const char *q = body; *q; q++)
		h = (h ^ (unsigned char)*q) * 0x100000001b3ULL;
	char notck[128];
	snprintf(notck, sizeof notck, "%s{\"bytes\":%zu,\"fnv1a64\":\"%016llx\"}\n", body,
		strlen(body), (unsigned long long)h);
	expect_corrupt(notck, strlen(notck), "not a runnel checkpoint");
	free(bad);
	free(good);
}
END_TEST

static void die_before_rename(const char *tmp)
{
	(void)tmp;
	_exit(9);
}

/* A crash after the new state was written but before the rename keeps the old file. */
START_TEST(atomic)
{
	json_t *st;
	struct buf err = BUF_INIT;
	ck_assert_int_eq(save(path, &meta, 1), CKPT_OK);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		ckpt_before_rename = die_before_rename;
		save(path, &meta, 2);
		_exit(0);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 9);
	char tmp[160];
	snprintf(tmp, sizeof tmp, "%s/.state.ckpt.tmp", dir);
	ck_assert_int_eq(access(tmp, F_OK), 0); /* the half-done save is there */
	ck_assert_int_eq(load(&meta, &st, &err), CKPT_OK);
	ck_assert_int_eq(json_integer_value(json_object_get(st, "v")), 1);
	json_decref(st);
	/* the next save reuses the temp name */
	ck_assert_int_eq(save(path, &meta, 3), CKPT_OK);
	ck_assert_int_ne(access(tmp, F_OK), 0);
	ck_assert_int_eq(load(&meta, &st, &err), CKPT_OK);
	ck_assert_int_eq(json_integer_value(json_object_get(st, "v")), 3);
	json_decref(st);
	buf_free(&err);
}
END_TEST

START_TEST(io_errors)
{
	struct buf err = BUF_INIT;
	char p[200];
	json_t *d = doc(1), *st;
	snprintf(p, sizeof p, "%s/missing/dir/x.ckpt", dir);
	ck_assert_int_eq(ckpt_save(p, &meta, d, &err), CKPT_IOERR);
	ck_assert_ptr_nonnull(strstr(err.p, "cannot create"));
	/* a folder where the file should be: load cannot read it */
	ck_assert_int_eq(mkdir(path, 0777), 0);
	buf_reset(&err);
	int rc = ckpt_load(path, &meta, &st, &err);
	ck_assert(rc == CKPT_IOERR || rc == CKPT_CORRUPT);
	/* and the rename onto it fails, leaving no temp file */
	buf_reset(&err);
	ck_assert_int_eq(ckpt_save(path, &meta, d, &err), CKPT_IOERR);
	ck_assert_ptr_nonnull(strstr(err.p, "cannot rename"));
	char tmp[160];
	snprintf(tmp, sizeof tmp, "%s/.state.ckpt.tmp", dir);
	ck_assert_int_ne(access(tmp, F_OK), 0);
	json_decref(d);
	buf_free(&err);
}
END_TEST

START_TEST(offsets)
{
	struct ckpt_offsets o, o2;
	struct buf err = BUF_INIT;
	ckpt_offsets_init(&o);
	struct kmeta a = { "events", 6, 0, 10, true }, b = { "events", 6, 1, 5, true },
		c = { "other", 5, 0, 3, true }, none = { "events", 6, 0, 0, false };
	ck_assert(!ckpt_offsets_seen(&o, &a));
	ckpt_offsets_absorb(&o, &a);
	ckpt_offsets_absorb(&o, &b);
	ckpt_offsets_absorb(&o, &c);
	ck_assert(ckpt_offsets_seen(&o, &a)); /* at the offset: a replay */
	a.offset = 9;
	ck_assert(ckpt_offsets_seen(&o, &a)); /* below */
	a.offset = 11;
	ck_assert(!ckpt_offsets_seen(&o, &a)); /* above */
	ck_assert(!ckpt_offsets_seen(&o, &none)); /* no offset: never a replay */
	ckpt_offsets_absorb(&o, &none);
	/* absorbing a lower offset does not move the mark back */
	b.offset = 2;
	ckpt_offsets_absorb(&o, &b);
	b.offset = 5;
	ck_assert(ckpt_offsets_seen(&o, &b));

	json_t *j = ckpt_offsets_json(&o);
	char *s = json_dumps(j, JSON_COMPACT);
	ck_assert_str_eq(s, "[{\"topic\":\"events\",\"partition\":0,\"offset\":10},"
		"{\"topic\":\"events\",\"partition\":1,\"offset\":5},"
		"{\"topic\":\"other\",\"partition\":0,\"offset\":3}]");
	free(s);
	ckpt_offsets_init(&o2);
	ck_assert(ckpt_offsets_load(&o2, j, &err));
	c.offset = 3;
	ck_assert(ckpt_offsets_seen(&o2, &c));
	c.offset = 4;
	ck_assert(!ckpt_offsets_seen(&o2, &c));
	json_decref(j);
	ckpt_offsets_free(&o2);

	ckpt_offsets_init(&o2);
	j = json_loads("[{\"topic\":\"e\",\"partition\":\"x\",\"offset\":1}]", 0, NULL);
	ck_assert(!ckpt_offsets_load(&o2, j, &err));
	ck_assert_ptr_nonnull(strstr(err.p, "offsets[0]"));
	json_decref(j);
	ckpt_offsets_free(&o2);
	ckpt_offsets_free(&o);
	buf_free(&err);
}
END_TEST

START_TEST(watermark_state)
{
	struct wm a, b;
	struct buf err = BUF_INIT;
	wm_init(&a, 10, 0, 0);
	json_t *j = ckpt_wm_json(&a);
	char *s = json_dumps(j, JSON_COMPACT);
	ck_assert_str_eq(s, "{\"watermark\":null,\"partitions\":[]}");
	free(s);
	json_decref(j);
	wm_observe(&a, "e", 1, 0, 500, 0);
	wm_observe(&a, "e", 1, 1, 300, 0);
	wm_observe(&a, NULL, 0, 0, 900, 0);
	wm_raise(&a, 1000);
	j = ckpt_wm_json(&a);
	s = json_dumps(j, JSON_COMPACT);
	ck_assert_str_eq(s, "{\"watermark\":1000,\"partitions\":[{\"topic\":\"e\",\"partition\":0,"
		"\"max\":500},{\"topic\":\"e\",\"partition\":1,\"max\":300},{\"topic\":null,"
		"\"partition\":0,\"max\":900}]}");
	free(s);
	wm_init(&b, 10, 0, 0);
	ck_assert(ckpt_wm_load(&b, j, 0, &err));
	ck_assert_int_eq(wm_get(&b), 1000);
	ck_assert_uint_eq(b.n, 3);
	/* the restored partitions still hold the minimum back */
	ck_assert(!wm_observe(&b, "e", 1, 0, 5000, 0));
	ck_assert(!wm_observe(&b, "e", 1, 1, 2000, 0));
	ck_assert_int_eq(wm_get(&b), 1000);
	ck_assert(wm_observe(&b, NULL, 0, 0, 3000, 0));
	ck_assert_int_eq(wm_get(&b), 1990);
	json_decref(j);
	wm_free(&b);
	wm_init(&b, 10, 0, 0);
	j = json_loads("{\"watermark\":\"x\",\"partitions\":[]}", 0, NULL);
	ck_assert(!ckpt_wm_load(&b, j, 0, &err));
	json_decref(j);
	wm_free(&b);
	wm_free(&a);
	buf_free(&err);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ckpt");
	TCase *t = tcase_create("core");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, roundtrip);
	tcase_add_test(t, mismatch);
	tcase_add_test(t, corrupt);
	tcase_add_test(t, atomic);
	tcase_add_test(t, io_errors);
	tcase_add_test(t, offsets);
	tcase_add_test(t, watermark_state);
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
