/* A Confluent Schema Registry client over libcurl, and decoding the wire format. */
#include "registry.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "sig.h"

#define REG_ENV_AUTH "RUNNEL_REGISTRY_AUTH"
#define REG_MAX_BODY (16 * 1024 * 1024)

struct reg_entry {
	uint32_t id;
	enum reg_status st;
	char *err;
	struct av_schema s;
	struct av_reader rd;
	const struct av_schema *rd_for; /* the reader rd was built for */
	bool rd_ready;
	char *rd_err;
};

void reg_conf_init(struct reg_conf *c)
{
	memset(c, 0, sizeof *c);
	c->timeout_ms = 10000;
	c->retries = 3;
}

bool reg_opt(struct reg_conf *c, int opt, const char *arg)
{
	switch (opt) {
	case REG_OPT_URL: c->url = arg; return true;
	case REG_OPT_AUTH: c->auth = arg; return true;
	case REG_OPT_CA: c->ca = arg; return true;
	case REG_OPT_CERT: c->cert = arg; return true;
	case REG_OPT_KEY: c->key = arg; return true;
	default: return false;
	}
}

static bool num(const char *s, long lo, long *out)
{
	char *e;
	long v = strtol(s, &e, 10);
	if (!*s || *e || v < lo)
		return false;
	*out = v;
	return true;
}

bool reg_conf_finish(struct reg_conf *c, const struct kconf *k)
{
	static const char pre[] = "schema.registry.";
	const char *url = NULL, *auth = NULL, *ca = NULL, *cert = NULL, *key = NULL;
	long v;
	for (size_t i = 0; k && i < k->n; i++) {
		const struct kconf_item *it = &k->items[i];
		if (strncmp(it->name, pre, sizeof pre - 1))
			continue;
		const char *n = it->name + sizeof pre - 1;
		if (!strcmp(n, "url"))
			url = it->value;
		else if (!strcmp(n, "basic.auth.user.info"))
			auth = it->value;
		else if (!strcmp(n, "ssl.ca.location"))
			ca = it->value;
		else if (!strcmp(n, "ssl.certificate.location"))
			cert = it->value;
		else if (!strcmp(n, "ssl.key.location"))
			key = it->value;
		else if (!strcmp(n, "ssl.key.password"))
			c->key_pass = it->value;
		else if (!strcmp(n, "request.timeout.ms") && num(it->value, 1, &v))
			c->timeout_ms = v;
		else if (!strcmp(n, "retries") && num(it->value, 0, &v) && v <= 100)
			c->retries = (int)v;
		else if (!strcmp(n, "request.timeout.ms") || !strcmp(n, "retries")) {
			diag_err("%s %s: not a valid number: %s", it->origin, it->name, it->value);
			return false;
		} else {
			diag_err("%s %s: unknown registry property (known: url, basic.auth.user.info, "
				"ssl.ca.location, ssl.certificate.location, ssl.key.location, "
				"ssl.key.password, request.timeout.ms, retries)", it->origin, it->name);
			return false;
		}
	}
#define TAKE(f, v) if (!c->f) c->f = v
	TAKE(url, url);
	TAKE(auth, auth);
	TAKE(ca, ca);
	TAKE(cert, cert);
	TAKE(key, key);
#undef TAKE
	if (!c->auth && getenv(REG_ENV_AUTH) && *getenv(REG_ENV_AUTH))
		c->auth = getenv(REG_ENV_AUTH);
	if (c->auth && !strchr(c->auth, ':')) {
		diag_err("registry credentials must be USER:PASSWORD");
		return false;
	}
	if (c->url && strncmp(c->url, "http://", 7) && strncmp(c->url, "https://", 8)) {
		diag_err("registry URL must start with http:// or https://");
		return false;
	}
	return true;
}

/* The URL without user:password@, for messages. */
static char *shown_url(const char *url)
{
	const char *s = strstr(url, "://"), *at, *slash;
	if (!s)
		return xstrdup(url);
	s += 3;
	slash = strchr(s, '/');
	at = memchr(s, '@', slash ? (size_t)(slash - s) : strlen(s));
	if (!at)
		return xstrdup(url);
	struct buf b = BUF_INIT;
	buf_add(&b, url, (size_t)(s - url));
	buf_adds(&b, at + 1);
	return b.p;
}

bool reg_open(struct reg *r, const struct reg_conf *c, struct buf *err)
{
	memset(r, 0, sizeof *r);
	r->c = *c;
	buf_reset(err);
	if (!c->url) {
		buf_adds(err, "no registry URL (--registry)");
		return false;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || !(r->curl = curl_easy_init())) {
		buf_adds(err, "cannot initialise libcurl");
		return false;
	}
	struct buf b = BUF_INIT;
	buf_adds(&b, c->url);
	while (b.len && b.p[b.len - 1] == '/')
		b.p[--b.len] = 0;
	r->base = b.p ? b.p : xstrdup("");
	r->shown = shown_url(r->base);
	return true;
}

static void entry_free(struct reg_entry *e)
{
	free(e->err);
	free(e->rd_err);
	av_reader_free(&e->rd);
	av_schema_free(&e->s);
	free(e);
}

void reg_close(struct reg *r)
{
	if (r->curl) {
		curl_easy_cleanup(r->curl);
		curl_global_cleanup();
	}
	for (size_t i = 0; i < r->nent; i++)
		entry_free(r->ent[i]);
	free(r->ent);
	free(r->base);
	free(r->shown);
	buf_free(&r->resp);
	buf_free(&r->url);
	buf_free(&r->tmp);
	memset(r, 0, sizeof *r);
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct buf *b = ctx;
	size_t len = size * n;
	if (b->len + len > REG_MAX_BODY)
		return 0; /* aborts the transfer */
	buf_add(b, p, len);
	return len;
}

/* The registry's own words for an error: {"error_code":N,"message":"..."}. */
static void error_text(struct buf *err, const struct buf *body, long code)
{
	json_t *j = body->len ? json_loadb(body->p, body->len, 0, NULL) : NULL;
	const char *msg = json_string_value(json_object_get(j, "message"));
	json_t *ec = json_object_get(j, "error_code");
	if (msg && json_is_integer(ec))
		buf_printf(err, "%s (error %lld)", msg, (long long)json_integer_value(ec));
	else if (msg)
		buf_printf(err, "%s (HTTP %ld)", msg, code);
	else {
		size_t n = 0;
		while (n < body->len && n < 200 && body->p[n] != '\n' && body->p[n] != '\r')
			n++;
		buf_printf(err, "HTTP %ld%s%.*s", code, n ? ": " : "", (int)n, n ? body->p : "");
	}
	json_decref(j);
}

static enum reg_status once(struct reg *r, const char *method, const char *path,
	const char *body, struct buf *err)
{
	CURL *h = r->curl;
	char ebuf[CURL_ERROR_SIZE];
	struct curl_slist *hdr = NULL;
	long code = 0;

	curl_easy_reset(h);
	buf_reset(&r->resp);
	buf_reset(&r->url);
	buf_adds(&r->url, r->base);
	buf_adds(&r->url, path);
	ebuf[0] = 0;
	curl_easy_setopt(h, CURLOPT_URL, r->url.p);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, r->c.timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, r->c.timeout_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &r->resp);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "runnel/" RUNNEL_VERSION);
	hdr = curl_slist_append(hdr, "Accept: application/vnd.schemaregistry.v1+json, "
		"application/vnd.schemaregistry+json, application/json");
	if (body) {
		hdr = curl_slist_append(hdr, "Content-Type: application/vnd.schemaregistry.v1+json");
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	if (r->c.auth) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERPWD, r->c.auth);
	}
	if (r->c.ca)
		curl_easy_setopt(h, CURLOPT_CAINFO, r->c.ca);
	if (r->c.cert)
		curl_easy_setopt(h, CURLOPT_SSLCERT, r->c.cert);
	if (r->c.key)
		curl_easy_setopt(h, CURLOPT_SSLKEY, r->c.key);
	if (r->c.key_pass)
		curl_easy_setopt(h, CURLOPT_KEYPASSWD, r->c.key_pass);
	CURLcode rc = curl_easy_perform(h);
	curl_slist_free_all(hdr);
	buf_reset(err);
	buf_printf(err, "registry %s: %s %s: ", r->shown, method, path);
	r->last_code = 0;
	if (rc != CURLE_OK) {
		buf_adds(err, *ebuf ? ebuf : curl_easy_strerror(rc));
		/* a bad certificate or client key will not heal by retrying */
		return rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CERTPROBLEM ||
			rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_URL_MALFORMAT ?
			REG_REFUSED : REG_UNREACHABLE;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	r->last_code = code;
	if (code >= 200 && code < 300) {
		buf_reset(err);
		return REG_OK;
	}
	error_text(err, &r->resp, code);
	if (code >= 500 || code == 429 || code == 408)
		return REG_UNREACHABLE;
	return code == 404 ? REG_NOTFOUND : REG_REFUSED;
}

/* Retries what may heal (no connection, timeouts, 5xx) with doubling waits. */
static enum reg_status request(struct reg *r, const char *method, const char *path,
	const char *body, struct buf *err)
{
	long delay = 250;
	for (int attempt = 0;; attempt++) {
		enum reg_status st = once(r, method, path, body, err);
		if (st != REG_UNREACHABLE || attempt >= r->c.retries || sig_stop) {
			if (st == REG_UNREACHABLE && attempt)
				buf_printf(err, " (%d attempts)", attempt + 1);
			return st;
		}
		diag_warn("%s (attempt %d of %d; retrying in %ld ms)", err->p, attempt + 1,
			r->c.retries + 1, delay);
		struct timespec ts = { delay / 1000, (delay % 1000) * 1000000L };
		while (nanosleep(&ts, &ts) < 0 && !sig_stop)
			;
		delay = delay * 2 > 8000 ? 8000 : delay * 2;
	}
}

static void subject_path(struct reg *r, struct buf *b, const char *subject, const char *tail)
{
	char *e = curl_easy_escape(r->curl, subject, 0);
	buf_reset(b);
	buf_printf(b, "/subjects/%s%s", e ? e : subject, tail);
	curl_free(e);
}

/* The answer as a JSON object; REG_REFUSED with err set when it is not one. */
static json_t *answer(struct reg *r, const char *method, const char *path, struct buf *err)
{
	json_t *j = json_loadb(r->resp.p ? r->resp.p : "", r->resp.len, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		buf_reset(err);
		buf_printf(err, "registry %s: %s %s: the answer is not a JSON object", r->shown, method,
			path);
		return NULL;
	}
	return j;
}

static bool get_id(json_t *j, const char *name, uint32_t *id)
{
	json_t *v = json_object_get(j, name);
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > INT32_MAX)
		return false;
	*id = (uint32_t)json_integer_value(v);
	return true;
}

enum reg_status reg_register(struct reg *r, const char *subject, const char *schema,
	uint32_t *id, struct buf *err)
{
	struct buf path = BUF_INIT;
	json_t *req = json_pack("{s:s}", "schema", schema);
	char *body = json_dumps(req, JSON_COMPACT);
	subject_path(r, &path, subject, "/versions");
	enum reg_status st = request(r, "POST", path.p, body, err);
	if (st == REG_OK) {
		json_t *j = answer(r, "POST", path.p, err);
		if (!j || !get_id(j, "id", id)) {
			if (j)
				buf_printf(err, "registry %s: POST %s: no schema id in the answer", r->shown,
					path.p);
			st = REG_REFUSED;
		}
		json_decref(j);
	}
	free(body);
	json_decref(req);
	buf_free(&path);
	return st;
}

enum reg_status reg_latest(struct reg *r, const char *subject, uint32_t *id, int *version,
	struct buf *schema, struct buf *err)
{
	struct buf path = BUF_INIT;
	subject_path(r, &path, subject, "/versions/latest");
	enum reg_status st = request(r, "GET", path.p, NULL, err);
	if (st == REG_OK) {
		json_t *j = answer(r, "GET", path.p, err);
		const char *text = json_string_value(json_object_get(j, "schema"));
		json_t *ver = json_object_get(j, "version");
		if (!j || !get_id(j, "id", id) || !text || !json_is_integer(ver)) {
			if (j)
				buf_printf(err, "registry %s: GET %s: no id, version and schema in the answer",
					r->shown, path.p);
			st = REG_REFUSED;
		} else {
			*version = (int)json_integer_value(ver);
			buf_reset(schema);
			buf_adds(schema, text);
		}
		json_decref(j);
	}
	buf_free(&path);
	return st;
}

static struct reg_entry *find(struct reg *r, uint32_t id)
{
	for (size_t i = 0; i < r->nent; i++)
		if (r->ent[i]->id == id) {
			struct reg_entry *e = r->ent[i];
			if (i) { /* most recently used first */
				memmove(r->ent + 1, r->ent, i * sizeof *r->ent);
				r->ent[0] = e;
			}
			return e;
		}
	return NULL;
}

/* Fetches and compiles schema id; the outcome is cached unless the registry could not
   be asked (REG_UNREACHABLE) or refused (REG_REFUSED: wrong credentials). */
static struct reg_entry *fetch(struct reg *r, uint32_t id, struct buf *err, enum reg_status *st)
{
	struct reg_entry *e = find(r, id);
	char path[64];
	if (e) {
		*st = e->st;
		if (e->st != REG_OK) {
			buf_reset(err);
			buf_adds(err, e->err);
		}
		return e;
	}
	snprintf(path, sizeof path, "/schemas/ids/%u", id);
	*st = request(r, "GET", path, NULL, err);
	if (*st == REG_UNREACHABLE || *st == REG_REFUSED)
		return NULL;
	e = xcalloc(1, sizeof *e);
	e->id = id;
	av_schema_init(&e->s);
	if (*st == REG_OK) {
		json_t *j = answer(r, "GET", path, err);
		const char *text = json_string_value(json_object_get(j, "schema"));
		const char *type = json_string_value(json_object_get(j, "schemaType"));
		if (!j) {
			*st = REG_REFUSED;
		} else if (type && strcmp(type, "AVRO")) {
			buf_reset(err);
			buf_printf(err, "schema id %u is a %s schema, not Avro", id, type);
			*st = REG_REFUSED;
		} else if (!text) {
			buf_reset(err);
			buf_printf(err, "registry %s: GET %s: no schema in the answer", r->shown, path);
			*st = REG_REFUSED;
		} else if (!av_schema_load(&e->s, text, strlen(text), &r->tmp)) {
			buf_reset(err);
			buf_printf(err, "schema id %u from the registry does not load: %s", id, r->tmp.p);
			*st = REG_REFUSED;
		}
		json_decref(j);
	}
	e->st = *st;
	if (*st != REG_OK)
		e->err = xstrdup(err->p ? err->p : "");
	if (r->nent == r->capent) {
		r->capent = r->capent ? r->capent * 2 : 8;
		r->ent = xrealloc(r->ent, r->capent * sizeof *r->ent);
	}
	memmove(r->ent + 1, r->ent, r->nent * sizeof *r->ent);
	r->ent[0] = e;
	r->nent++;
	return e;
}

const struct av_schema *reg_schema(struct reg *r, uint32_t id, enum reg_status *st,
	struct buf *err)
{
	struct reg_entry *e = fetch(r, id, err, st);
	return e && e->st == REG_OK ? &e->s : NULL;
}

enum reg_status reg_decode(struct reg *r, const struct av_schema *reader, const void *p,
	size_t n, struct buf *out, struct buf *why)
{
	uint32_t id;
	const uint8_t *payload;
	size_t plen;
	enum reg_status st;
	if (!av_unframe(p, n, &id, &payload, &plen, why))
		return REG_BAD;
	struct reg_entry *e = fetch(r, id, why, &st);
	if (!e)
		return st; /* the registry failed: not this message's fault */
	if (st == REG_NOTFOUND) {
		buf_reset(&r->tmp);
		buf_add(&r->tmp, why->p, why->len);
		buf_reset(why);
		buf_printf(why, "unknown schema id %u: %s", id, r->tmp.p);
		return REG_BAD;
	}
	if (st != REG_OK)
		return REG_BAD;
	if (!e->rd_ready || e->rd_for != reader) {
		av_reader_free(&e->rd);
		free(e->rd_err);
		e->rd_err = NULL;
		e->rd_for = reader;
		e->rd_ready = true;
		if (!av_reader_init(&e->rd, &e->s, reader, &r->tmp)) {
			struct buf m = BUF_INIT;
			buf_printf(&m, "schema id %u cannot be read with the reader schema: %s", id, r->tmp.p);
			e->rd_err = m.p;
		}
	}
	if (e->rd_err) {
		buf_reset(why);
		buf_adds(why, e->rd_err);
		return REG_BAD;
	}
	if (!av_decode(&e->rd, payload, plen, out, &r->tmp)) {
		buf_reset(why);
		buf_printf(why, "schema id %u: %s", id, r->tmp.p);
		return REG_BAD;
	}
	return REG_OK;
}

int reg_exit(enum reg_status st)
{
	switch (st) {
	case REG_OK: return 0;
	case REG_UNREACHABLE: return 1;
	default: return 3;
	}
}
