#include "kconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"

#define KCONF_DEFAULT_BROKERS "localhost:9092"

void kconf_init(struct kconf *k)
{
	memset(k, 0, sizeof *k);
}

void kconf_free(struct kconf *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->items[i].name);
		free(k->items[i].value);
		free(k->items[i].origin);
	}
	free(k->items);
	kconf_init(k);
}

static void push(struct kconf *k, const char *name, size_t nlen, const char *val, size_t vlen,
	const char *origin)
{
	if (k->n == k->cap) {
		k->cap = k->cap ? 2 * k->cap : 16;
		k->items = xrealloc(k->items, k->cap * sizeof *k->items);
	}
	/* kcat accepts topic properties as "topic.NAME"; librdkafka takes them unprefixed */
	if (nlen > 6 && !memcmp(name, "topic.", 6) && strncmp(name, "topic.metadata.", 15)) {
		name += 6;
		nlen -= 6;
	}
	struct kconf_item *it = &k->items[k->n++];
	it->name = xstrndup(name, nlen);
	it->value = xstrndup(val, vlen);
	it->origin = xstrdup(origin);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\f';
}

int kconf_add(struct kconf *k, const char *arg)
{
	if (!strcmp(arg, "list")) {
		rd_kafka_conf_properties_show(stdout);
		fflush(stdout);
		return KCONF_DONE;
	}
	if (!strcmp(arg, "dump")) {
		k->dump = true;
		return KCONF_OK;
	}
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg) {
		diag_err("-X: expected prop=value, got '%s'", arg);
		return KCONF_ERR;
	}
	push(k, arg, (size_t)(eq - arg), eq + 1, strlen(eq + 1), "-X");
	return KCONF_OK;
}

/* Java properties unescaping of s[0..n) into b: \t \n \r \f \uXXXX (as UTF-8), \x = x. */
static void unescape(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c != '\\' || i + 1 == n) {
			buf_addc(b, c);
			continue;
		}
		c = s[++i];
		switch (c) {
		case 't': buf_addc(b, '\t'); break;
		case 'n': buf_addc(b, '\n'); break;
		case 'r': buf_addc(b, '\r'); break;
		case 'f': buf_addc(b, '\f'); break;
		case 'u': {
			unsigned cp = 0;
			size_t j = 0;
			for (; j < 4 && i + 1 + j < n; j++) {
				char h = s[i + 1 + j];
				unsigned d = h >= '0' && h <= '9' ? (unsigned)(h - '0')
					: h >= 'a' && h <= 'f' ? (unsigned)(h - 'a' + 10)
					: h >= 'A' && h <= 'F' ? (unsigned)(h - 'A' + 10) : 16u;
				if (d == 16)
					break;
				cp = cp * 16 + d;
			}
			if (j < 4) {
				buf_add(b, "\\u", 2);
				break;
			}
			i += 4;
			if (cp < 0x80) {
				buf_addc(b, (char)cp);
			} else if (cp < 0x800) {
				buf_addc(b, (char)(0xc0 | (cp >> 6)));
				buf_addc(b, (char)(0x80 | (cp & 0x3f)));
			} else {
				buf_addc(b, (char)(0xe0 | (cp >> 12)));
				buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
				buf_addc(b, (char)(0x80 | (cp & 0x3f)));
			}
			break;
		}
		default: buf_addc(b, c); break;
		}
	}
}

/* One logical line (continuations joined) into name and value. */
static int parse_entry(struct kconf *k, const char *s, size_t n, const char *origin)
{
	size_t i = 0;
	while (i < n && is_space(s[i]))
		i++;
	size_t ks = i;
	while (i < n && s[i] != '=' && s[i] != ':' && !is_space(s[i])) {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		i++;
	}
	size_t ke = i;
	while (i < n && is_space(s[i]))
		i++;
	if (i < n && (s[i] == '=' || s[i] == ':')) {
		i++;
		while (i < n && is_space(s[i]))
			i++;
	}
	if (ke == ks)
		return -1;
	/* trailing whitespace of values is dropped too, as kcat does */
	size_t ve = n;
	while (ve > i && is_space(s[ve - 1]))
		ve--;
	struct buf name = BUF_INIT, val = BUF_INIT;
	unescape(&name, s + ks, ke - ks);
	unescape(&val, s + i, ve - i);
	push(k, name.p, name.len, val.len ? val.p : "", val.len, origin);
	buf_free(&name);
	buf_free(&val);
	return 0;
}

int kconf_add_file(struct kconf *k, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		diag_err("-F %s: %s", path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0, first = 0;
	struct buf logical = BUF_INIT;
	int r = 0;
	bool cont = false;
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		const char *s = line;
		if (cont) {
			while (len > 0 && is_space(*s))
				s++, len--;
		} else {
			size_t i = 0;
			while ((ssize_t)i < len && is_space(s[i]))
				i++;
			if ((ssize_t)i == len || s[i] == '#' || s[i] == '!')
				continue;
			buf_reset(&logical);
			first = lineno;
		}
		/* an odd number of trailing backslashes continues the line */
		size_t bs = 0;
		while ((ssize_t)bs < len && s[len - 1 - bs] == '\\')
			bs++;
		cont = bs % 2 == 1;
		buf_add(&logical, s, (size_t)len - (cont ? 1 : 0));
		if (cont)
			continue;
		char origin[64 + 32];
		snprintf(origin, sizeof origin, "%.64s:%lu", path, first);
		if (parse_entry(k, logical.p, logical.len, origin) < 0) {
			diag_err("%s:%lu: expected name=value", path, first);
			r = -1;
			break;
		}
	}
	if (r == 0 && cont && logical.len) {
		char origin[64 + 32];
		snprintf(origin, sizeof origin, "%.64s:%lu", path, first);
		if (parse_entry(k, logical.p, logical.len, origin) < 0) {
			diag_err("%s:%lu: expected name=value", path, first);
			r = -1;
		}
	}
	if (r == 0 && ferror(f)) {
		diag_err("-F %s: %s", path, strerror(errno));
		r = -1;
	}
	free(line);
	buf_free(&logical);
	fclose(f);
	return r;
}

static bool same_prop(const char *a, const char *b)
{
	static const char *const aliases[][2] = {
		{ "bootstrap.servers", "metadata.broker.list" },
		{ "compression.codec", "compression.type" },
		{ "acks", "request.required.acks" },
		{ "linger.ms", "queue.buffering.max.ms" },
		{ "retries", "message.send.max.retries" },
	};
	if (!strcmp(a, b))
		return true;
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
		if ((!strcmp(a, aliases[i][0]) && !strcmp(b, aliases[i][1])) ||
			(!strcmp(a, aliases[i][1]) && !strcmp(b, aliases[i][0])))
			return true;
	return false;
}

bool kconf_has(const struct kconf *k, const char *name)
{
	for (size_t i = 0; i < k->n; i++)
		if (same_prop(k->items[i].name, name))
			return true;
	return false;
}

const char *kconf_brokers(const struct kconf *k)
{
	if (k->brokers)
		return k->brokers;
	for (size_t i = k->n; i-- > 0;)
		if (same_prop(k->items[i].name, "bootstrap.servers"))
			return k->items[i].value;
	const char *e = getenv("KAFKA_BROKERS");
	if (e && *e)
		return e;
	return KCONF_DEFAULT_BROKERS;
}

static int set(rd_kafka_conf_t *conf, const char *name, const char *val, const char *origin)
{
	char err[512];
	if (rd_kafka_conf_set(conf, name, val, err, sizeof err) != RD_KAFKA_CONF_OK) {
		diag_err("%s %s: %s", origin, name, err);
		return -1;
	}
	return 0;
}

rd_kafka_conf_t *kconf_build(const struct kconf *k, const char *const *defaults)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_conf_set_log_cb(conf, kconf_log_cb);
	for (size_t i = 0; defaults && defaults[i]; i += 2)
		if (set(conf, defaults[i], defaults[i + 1], "default") < 0)
			goto fail;
	if (set(conf, "bootstrap.servers", kconf_brokers(k), k->brokers ? "-b" : "brokers") < 0)
		goto fail;
	for (size_t i = 0; i < k->n; i++)
		if (strncmp(k->items[i].name, "schema.registry.", 16) && /* registry.h's */
			set(conf, k->items[i].name, k->items[i].value, k->items[i].origin) < 0)
			goto fail;
	if (k->brokers && set(conf, "bootstrap.servers", k->brokers, "-b") < 0)
		goto fail;
	return conf;
fail:
	rd_kafka_conf_destroy(conf);
	return NULL;
}

static bool secret(const char *name)
{
	return strstr(name, "password") || strstr(name, "secret") || strstr(name, "key.pem") ||
		!strcmp(name, "sasl.oauthbearer.config");
}

void kconf_dump(rd_kafka_conf_t *conf)
{
	size_t cnt;
	const char **arr = rd_kafka_conf_dump(conf, &cnt);
	for (size_t i = 0; i + 1 < cnt; i += 2)
		printf("%s = %s\n", arr[i], secret(arr[i]) ? "[redacted]" : arr[i + 1]);
	rd_kafka_conf_dump_free(arr, cnt);
	rd_kafka_topic_conf_t *tc = rd_kafka_conf_get_default_topic_conf(conf);
	if (tc) {
		arr = rd_kafka_topic_conf_dump(tc, &cnt);
		for (size_t i = 0; i + 1 < cnt; i += 2)
			printf("topic.%s = %s\n", arr[i], arr[i + 1]);
		rd_kafka_conf_dump_free(arr, cnt);
	}
	fflush(stdout);
}

void kconf_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	if (diag_level() >= DIAG_VERBOSE && level <= 5)
		diag_err("librdkafka: %s: %s", fac, buf);
}
