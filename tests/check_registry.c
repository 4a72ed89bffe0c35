#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "avrobin.h"
#include "kconf.h"
#include "registry.h"

/* A scripted HTTP server in a child process: answers the n-th request with the n-th
   canned reply and logs each request (request line, Authorization, body) to a file. */
static pid_t srv;
static int port;
static char logpath[64];

static void serve(int ls, const char *const *replies)
{
	FILE *log = fopen(logpath, "a");
	for (size_t i = 0; replies[i]; i++) {
		int fd = accept(ls, NULL, NULL);
		if (fd < 0)
			_exit(1);
		char req[65536];
		size_t n = 0;
		char *end = NULL;
		while (!end && n < sizeof req - 1) {
			ssize_t k = read(fd, req + n, sizeof req - 1 - n);
			if (k <= 0)
				break;
			n += (size_t)k;
			req[n] = 0;
			end = strstr(req, "\r\n\r\n");
		}
		if (!end)
			_exit(1);
		long clen = 0;
		const char *cl = strcasestr(req, "\r\nContent-Length:");
		if (cl)
			clen = atol(cl + 17);
		while ((long)(n - (size_t)(end + 4 - req)) < clen) {
			ssize_t k = read(fd, req + n, sizeof req - 1 - n);
			if (k <= 0)
				break;
			n += (size_t)k;
			req[n] = 0;
		}
		const char *auth = strcasestr(req, "\r\nAuthorization: ");
		fprintf(log, "%.*s|%.*s|%s\n", (int)strcspn(req, "\r"), req,
			auth ? (int)strcspn(auth + 17, "\r") : 0, auth ? auth + 17 : "", end + 4);
		fflush(log);
		int status = atoi(replies[i]);
		const char *body = strchr(replies[i], '|') + 1;
		char head[256];
		int hn = snprintf(head, sizeof head, "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
			"Content-Length: %zu\r\nConnection: close\r\n\r\n", status, strlen(body));
		if (write(fd, head, (size_t)hn) < 0 || write(fd, body, strlen(body)) < 0)
			_exit(1);
		close(fd);
	}
	fclose(log);
	_exit(0);
}

static void start(const char *const *replies)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert(ls >= 0);
	ck_assert(!bind(ls, (struct sockaddr *)&a, sizeof a));
	ck_assert(!listen(ls, 16));
	ck_assert(!getsockname(ls, (struct sockaddr *)&a, &al));
	port = ntohs(a.sin_port);
	snprintf(logpath, sizeof logpath, "/tmp/check_registry.%d.log", (int)getpid());
	unlink(logpath);
	srv = fork();
	ck_assert(srv >= 0);
	if (!srv)
		serve(ls, replies);
	close(ls);
}

/* The log so far, once the server has handled want requests. */
static char *log_text(void)
{
	static char t[65536];
	FILE *f = fopen(logpath, "r");
	size_t n = f ? fread(t, 1, sizeof t - 1, f) : 0;
	t[n] = 0;
	if (f)
		fclose(f);
	return t;
}

static struct reg R;
static struct reg_conf C;
static struct buf err, out;
static char url[64];

static void setup(void)
{
	srv = 0;
	reg_conf_init(&C);
	memset(&R, 0, sizeof R);
	unsetenv("RUNNEL_REGISTRY_AUTH");
}

static void teardown(void)
{
	if (srv > 0) {
		kill(srv, SIGKILL);
		waitpid(srv, NULL, 0);
	}
	unlink(logpath);
	reg_close(&R);
	buf_free(&err);
	buf_free(&out);
}

static void open_reg(void)
{
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
	C.url = url;
	ck_assert(reg_conf_finish(&C, NULL));
	ck_assert(reg_open(&R, &C, &err));
}

static void finish_server(void)
{
	int st;
	ck_assert(waitpid(srv, &st, 0) == srv);
	srv = 0;
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

START_TEST(test_conf)
{
	struct kconf k;
	kconf_init(&k);
	ck_assert(kconf_add(&k, "schema.registry.url=http://a:1") == KCONF_OK);
	ck_assert(kconf_add(&k, "schema.registry.basic.auth.user.info=fu:fp") == KCONF_OK);
	ck_assert(kconf_add(&k, "schema.registry.retries=0") == KCONF_OK);
	ck_assert(kconf_add(&k, "schema.registry.request.timeout.ms=1500") == KCONF_OK);
	ck_assert(kconf_add(&k, "schema.registry.ssl.ca.location=/ca.pem") == KCONF_OK);
	setenv("RUNNEL_REGISTRY_AUTH", "eu:ep", 1);
	ck_assert(reg_opt(&C, REG_OPT_URL, "http://b:2"));
	ck_assert(!reg_opt(&C, 'x', "y"));
	ck_assert(reg_conf_finish(&C, &k));
	ck_assert_str_eq(C.url, "http://b:2");  /* the option wins */
	ck_assert_str_eq(C.auth, "fu:fp");      /* the property before the environment */
	ck_assert_str_eq(C.ca, "/ca.pem");
	ck_assert_int_eq(C.retries, 0);
	ck_assert_int_eq(C.timeout_ms, 1500);
	reg_conf_init(&C);
	ck_assert(reg_conf_finish(&C, NULL));
	ck_assert_str_eq(C.auth, "eu:ep");
	reg_conf_init(&C);
	ck_assert(reg_opt(&C, REG_OPT_AUTH, "ou:op"));
	ck_assert(reg_conf_finish(&C, &k));
	ck_assert_str_eq(C.auth, "ou:op");
	/* librdkafka never sees them */
	rd_kafka_conf_t *rc = kconf_build(&k, NULL);
	ck_assert(rc);
	rd_kafka_conf_destroy(rc);
	ck_assert(kconf_add(&k, "schema.registry.colour=red") == KCONF_OK);
	reg_conf_init(&C);
	ck_assert(!reg_conf_finish(&C, &k));
	kconf_free(&k);
	reg_conf_init(&C);
	C.auth = "nocolon";
	ck_assert(!reg_conf_finish(&C, NULL));
	reg_conf_init(&C);
	C.url = "ftp://x";
	ck_assert(!reg_conf_finish(&C, NULL));
	reg_conf_init(&C);
	C.url = "http://user:secret@h:1/";
	ck_assert(reg_open(&R, &C, &err));
	ck_assert_str_eq(R.shown, "http://h:1");
}
END_TEST

START_TEST(test_register)
{
	static const char *const replies[] = { "200|{\"id\":7}", "200|{\"id\":7}", NULL };
	start(replies);
	C.auth = "u:p";
	open_reg();
	uint32_t id = 0;
	ck_assert_int_eq(reg_register(&R, "my topic-value", "{\"type\":\"string\"}", &id, &err), REG_OK);
	ck_assert_uint_eq(id, 7);
	ck_assert_int_eq(reg_register(&R, "t-key", "\"string\"", &id, &err), REG_OK);
	finish_server();
	ck_assert_str_eq(log_text(),
		"POST /subjects/my%20topic-value/versions HTTP/1.1|Basic dTpw|"
		"{\"schema\":\"{\\\"type\\\":\\\"string\\\"}\"}\n"
		"POST /subjects/t-key/versions HTTP/1.1|Basic dTpw|{\"schema\":\"\\\"string\\\"\"}\n");
}
END_TEST

START_TEST(test_errors)
{
	static const char *const replies[] = {
		"409|{\"error_code\":409,\"message\":\"Schema being registered is incompatible\"}",
		"422|{\"error_code\":42201,\"message\":\"Invalid schema\"}",
		"404|{\"error_code\":40401,\"message\":\"Subject 'x' not found.\"}",
		"401|{\"error_code\":401,\"message\":\"Unauthorized\"}",
		"400|<html>bad\nrequest</html>",
		NULL };
	char want[256];
	uint32_t id;
	int ver;
	struct buf text = BUF_INIT;
	start(replies);
	open_reg();
	ck_assert_int_eq(reg_register(&R, "t-value", "\"int\"", &id, &err), REG_REFUSED);
	snprintf(want, sizeof want, "registry http://127.0.0.1:%d: POST /subjects/t-value/versions: "
		"Schema being registered is incompatible (error 409)", port);
	ck_assert_str_eq(err.p, want);
	ck_assert_int_eq(reg_exit(REG_REFUSED), 3);
	ck_assert_int_eq(reg_register(&R, "t-value", "\"int\"", &id, &err), REG_REFUSED);
	ck_assert(strstr(err.p, ": Invalid schema (error 42201)"));
	ck_assert_int_eq(reg_latest(&R, "x", &id, &ver, &text, &err), REG_NOTFOUND);
	ck_assert(strstr(err.p, "GET /subjects/x/versions/latest: Subject 'x' not found. (error 40401)"));
	ck_assert_int_eq(reg_exit(REG_NOTFOUND), 3);
	ck_assert_int_eq(reg_latest(&R, "x", &id, &ver, &text, &err), REG_REFUSED);
	ck_assert(strstr(err.p, ": Unauthorized (error 401)"));
	ck_assert_int_eq(reg_latest(&R, "x", &id, &ver, &text, &err), REG_REFUSED);
	ck_assert(strstr(err.p, ": HTTP 400: <html>bad"));
	finish_server();
	buf_free(&text);
}
END_TEST

START_TEST(test_retry)
{
	static const char *const replies[] = {
		"503|{\"error_code\":50301,\"message\":\"busy\"}",
		"500|oops",
		"200|{\"subject\":\"s\",\"version\":3,\"id\":12,\"schema\":\"\\\"long\\\"\"}",
		"503|{\"error_code\":50301,\"message\":\"busy\"}",
		NULL };
	uint32_t id = 0;
	int ver = 0;
	struct buf text = BUF_INIT;
	start(replies);
	C.retries = 2;
	open_reg();
	ck_assert_int_eq(reg_latest(&R, "s", &id, &ver, &text, &err), REG_OK);
	ck_assert_uint_eq(id, 12);
	ck_assert_int_eq(ver, 3);
	ck_assert_str_eq(text.p, "\"long\"");
	R.c.retries = 0;
	ck_assert_int_eq(reg_latest(&R, "s", &id, &ver, &text, &err), REG_UNREACHABLE);
	ck_assert(strstr(err.p, ": busy (error 50301)"));
	ck_assert_int_eq(reg_exit(REG_UNREACHABLE), 1);
	finish_server();
	/* nobody listens now */
	R.c.retries = 1;
	ck_assert_int_eq(reg_latest(&R, "s", &id, &ver, &text, &err), REG_UNREACHABLE);
	ck_assert_msg(strstr(err.p, "(2 attempts)"), "%s", err.p);
	buf_free(&text);
}
END_TEST

/* Schemas are fetched once per id, unknown ids included. */
START_TEST(test_decode)
{
	static const char *const replies[] = {
		"200|{\"schema\":\"{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"R\\\",\\\"fields\\\":"
		"[{\\\"name\\\":\\\"a\\\",\\\"type\\\":\\\"long\\\"}]}\"}",
		"404|{\"error_code\":40403,\"message\":\"Schema 9 not found\"}",
		"200|{\"schema\":\"syntax = 1;\",\"schemaType\":\"PROTOBUF\"}",
		NULL };
	start(replies);
	open_reg();
	const char m1[] = { 0, 0, 0, 0, 5, 0x54 }, m2[] = { 0, 0, 0, 0, 9, 2 },
		m3[] = { 0, 0, 0, 0, 5 }, m4[] = { 0, 0, 0, 0, 6, 1 };
	for (int i = 0; i < 2; i++) {
		buf_reset(&out);
		ck_assert_int_eq(reg_decode(&R, NULL, m1, sizeof m1, &out, &err), REG_OK);
		ck_assert_str_eq(out.p, "{\"a\":42}");
		ck_assert_int_eq(reg_decode(&R, NULL, m2, sizeof m2, &out, &err), REG_BAD);
		ck_assert_msg(strstr(err.p, "unknown schema id 9: registry ") == err.p, "%s", err.p);
		ck_assert(strstr(err.p, "GET /schemas/ids/9: Schema 9 not found (error 40403)"));
		ck_assert_int_eq(reg_decode(&R, NULL, m3, sizeof m3, &out, &err), REG_BAD);
		ck_assert_str_eq(err.p, "schema id 5: field a: truncated: the payload ends at byte 0 inside a number");
		ck_assert_int_eq(reg_decode(&R, NULL, "{}", 2, &out, &err), REG_BAD);
		ck_assert_str_eq(err.p, "truncated frame: 2 bytes, the Confluent wire format needs at least 5");
		ck_assert_int_eq(reg_decode(&R, NULL, m4, sizeof m4, &out, &err), REG_BAD);
		ck_assert_str_eq(err.p, "schema id 6 is a PROTOBUF schema, not Avro");
	}
	/* a reader schema: resolution per id */
	struct av_schema rs;
	av_schema_init(&rs);
	const char *r = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"double\"},"
		"{\"name\":\"b\",\"type\":\"string\",\"default\":\"x\"}]}";
	ck_assert(av_schema_load(&rs, r, strlen(r), &err));
	buf_reset(&out);
	ck_assert_int_eq(reg_decode(&R, &rs, m1, sizeof m1, &out, &err), REG_OK);
	ck_assert_str_eq(out.p, "{\"a\":42,\"b\":\"x\"}");
	struct av_schema rs2; /* another reader: resolved anew */
	av_schema_init(&rs2);
	r = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"c\",\"type\":\"int\"}]}";
	ck_assert(av_schema_load(&rs2, r, strlen(r), &err));
	ck_assert_int_eq(reg_decode(&R, &rs2, m1, sizeof m1, &out, &err), REG_BAD);
	ck_assert_str_eq(err.p, "schema id 5 cannot be read with the reader schema: field c: the "
		"reader's field has no default and the writer's record R lacks it");
	av_schema_free(&rs);
	av_schema_free(&rs2);
	finish_server();
	const char *l = log_text();
	ck_assert_str_eq(l, "GET /schemas/ids/5 HTTP/1.1||\nGET /schemas/ids/9 HTTP/1.1||\n"
		"GET /schemas/ids/6 HTTP/1.1||\n");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("registry");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_conf);
	tcase_add_test(tc, test_register);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_retry);
	tcase_add_test(tc, test_decode);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
