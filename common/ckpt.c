#include "ckpt.h"
#include "wm.h"

#include <jansson.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CKPT_MAGIC 1

void (*ckpt_before_rename)(const char *tmp);

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	while (n--)
		h = (h ^ *s++) * 0x100000001b3ULL;
	return h;
}

#define FNV_INIT 0xcbf29ce484222325ULL

struct sink {
	int fd;
	struct buf b;
	uint64_t hash;
	size_t bytes;
	int err;
};

static int sink_flush(struct sink *s)
{
	size_t off = 0;
	while (off < s->b.len) {
		ssize_t w = write(s->fd, s->b.p + off, s->b.len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			s->err = errno;
			return -1;
		}
		off += (size_t)w;
	}
	s->b.len = 0;
	return 0;
}

static int sink_put(const char *p, size_t n, void *ctx)
{
	struct sink *s = ctx;
	if (s->err)
		return -1;
	s->hash = fnv1a(s->hash, p, n);
	s->bytes += n;
	buf_add(&s->b, p, n);
	if (s->b.len >= 1 << 16)
		return sink_flush(s);
	return 0;
}

/* The folder part of path, for fsync after rename. */
static void fsync_dir_of(const char *path)
{
	const char *sl = strrchr(path, '/');
	char *d = sl ? xstrndup(path, sl == path ? 1 : (size_t)(sl - path)) : xstrdup(".");
	int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(d);
}

static char *tmp_name(const char *path)
{
	struct buf t = BUF_INIT;
	const char *sl = strrchr(path, '/');
	if (sl)
		buf_printf(&t, "%.*s/.%s.tmp", (int)(sl - path), path, sl + 1);
	else
		buf_printf(&t, ".%s.tmp", path);
	return t.p;
}

int ckpt_save(const char *path, const struct ckpt_meta *m, json_t *state, struct buf *err)
{
	char now[40];
	struct timespec ts;
	struct tm tmv;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tmv);
	size_t nl = strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%S", &tmv);
	snprintf(now + nl, sizeof now - nl, ".%03dZ", (int)(ts.tv_nsec / 1000000));
	json_t *doc = json_object();
	json_object_set_new(doc, "runnel_checkpoint", json_integer(CKPT_MAGIC));
	json_object_set_new(doc, "tool", json_string(m->tool));
	json_object_set_new(doc, "version", json_integer(m->version));
	json_object_set_new(doc, "params", json_string(m->params));
	json_object_set_new(doc, "saved", json_string(now));
	json_object_set(doc, "state", state);

	char *tmp = tmp_name(path);
	struct sink s = { -1, BUF_INIT, FNV_INIT, 0, 0 };
	int rc = CKPT_IOERR;
	s.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (s.fd < 0) {
		buf_printf(err, "cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (json_dump_callback(doc, sink_put, &s, JSON_COMPACT) < 0 || sink_put("\n", 1, &s) < 0) {
		buf_printf(err, "cannot write %s: %s", tmp, strerror(s.err ? s.err : ENOMEM));
		goto fail;
	}
	char trailer[80];
	int tn = snprintf(trailer, sizeof trailer, "{\"bytes\":%zu,\"fnv1a64\":\"%016" PRIx64 "\"}\n",
		s.bytes, s.hash);
	buf_add(&s.b, trailer, (size_t)tn);
	if (sink_flush(&s) < 0) {
		buf_printf(err, "cannot write %s: %s", tmp, strerror(s.err));
		goto fail;
	}
	if (fsync(s.fd) < 0) {
		buf_printf(err, "cannot sync %s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(s.fd) < 0) {
		s.fd = -1;
		buf_printf(err, "cannot write %s: %s", tmp, strerror(errno));
		goto fail;
	}
	s.fd = -1;
	if (ckpt_before_rename)
		ckpt_before_rename(tmp);
	if (rename(tmp, path) < 0) {
		buf_printf(err, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		goto fail;
	}
	fsync_dir_of(path);
	rc = CKPT_OK;
	goto out;
fail:
	if (s.fd >= 0)
		close(s.fd);
	unlink(tmp);
out:
	buf_free(&s.b);
	free(tmp);
	json_decref(doc);
	return rc;
}

static int read_all(const char *path, struct buf *b, struct buf *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return CKPT_ABSENT;
		buf_printf(err, "cannot open checkpoint %s: %s", path, strerror(errno));
		return CKPT_IOERR;
	}
	for (;;) {
		buf_grow(b, 1 << 16);
		ssize_t n = read(fd, b->p + b->len, b->cap - b->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			buf_printf(err, "cannot read checkpoint %s: %s", path, strerror(errno));
			close(fd);
			return CKPT_IOERR;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
		b->p[b->len] = 0;
	}
	close(fd);
	return CKPT_OK;
}

static int corrupt(struct buf *err, const char *path, const char *why)
{
	buf_printf(err, "checkpoint %s is corrupt (%s); remove it to start afresh", path, why);
	return CKPT_CORRUPT;
}

int ckpt_load(const char *path, const struct ckpt_meta *m, json_t **state, struct buf *err)
{
	struct buf b = BUF_INIT;
	json_t *doc = NULL, *tr = NULL;
	int rc = read_all(path, &b, err);
	*state = NULL;
	if (rc != CKPT_OK)
		goto out;
	char *nl = b.len ? memchr(b.p, '\n', b.len) : NULL;
	if (!nl) {
		rc = corrupt(err, path, b.len ? "no checksum line" : "empty file");
		goto out;
	}
	size_t body = (size_t)(nl - b.p) + 1;
	json_error_t je;
	tr = json_loadb(nl + 1, b.len - body, 0, &je);
	json_int_t bytes = -1;
	const char *sum = NULL;
	if (!tr || json_unpack(tr, "{s:I,s:s}", "bytes", &bytes, "fnv1a64", &sum) < 0) {
		rc = corrupt(err, path, "bad checksum line");
		goto out;
	}
	char want[20];
	snprintf(want, sizeof want, "%016" PRIx64, fnv1a(FNV_INIT, b.p, body));
	if ((size_t)bytes != body || strcmp(want, sum)) {
		rc = corrupt(err, path, "checksum mismatch");
		goto out;
	}
	doc = json_loadb(b.p, body, JSON_ALLOW_NUL, &je); /* strings may hold U+0000 */
	json_int_t magic = 0, version = 0;
	const char *tool = NULL, *params = NULL;
	json_t *st = NULL;
	if (!doc || json_unpack(doc, "{s:I,s:s,s:I,s:s,s:o}", "runnel_checkpoint", &magic, "tool",
			&tool, "version", &version, "params", &params, "state", &st) < 0 ||
	    magic != CKPT_MAGIC) {
		rc = corrupt(err, path, doc ? "not a runnel checkpoint" : je.text);
		goto out;
	}
	if (strcmp(tool, m->tool)) {
		buf_printf(err, "checkpoint %s was written by %s, not %s", path, tool, m->tool);
		rc = CKPT_MISMATCH;
	} else if (version != m->version) {
		buf_printf(err, "checkpoint %s has format version %lld; this %s reads version %d",
			path, (long long)version, m->tool, m->version);
		rc = CKPT_MISMATCH;
	} else if (strcmp(params, m->params)) {
		buf_printf(err, "checkpoint %s was written with other parameters (%s), not (%s); "
			"use another checkpoint file or remove it", path, params, m->params);
		rc = CKPT_MISMATCH;
	} else {
		*state = json_incref(st);
	}
out:
	json_decref(doc);
	json_decref(tr);
	buf_free(&b);
	return rc;
}

void ckpt_offsets_init(struct ckpt_offsets *o)
{
	memset(o, 0, sizeof *o);
	htab_init(&o->h);
}

void ckpt_offsets_free(struct ckpt_offsets *o)
{
	for (size_t i = 0; i < o->n; i++) {
		free(o->all[i]->key);
		free(o->all[i]);
	}
	free(o->all);
	htab_free(&o->h);
	memset(o, 0, sizeof *o);
}

static struct ckpt_off *off_find(struct ckpt_offsets *o, const char *topic, size_t tlen,
	int32_t partition, bool create)
{
	struct ckpt_off *l = o->last;
	if (l && l->partition == partition && l->tlen == tlen && !memcmp(l->key, topic, tlen))
		return l;
	char kb[256];
	size_t kl = tlen + sizeof partition;
	char *k = kl <= sizeof kb ? kb : xmalloc(kl);
	memcpy(k, topic, tlen);
	memcpy(k + tlen, &partition, sizeof partition);
	struct ckpt_off *e = htab_get(&o->h, k, kl);
	if (!e && create) {
		bool added;
		e = xcalloc(1, sizeof *e);
		e->key = xmalloc(kl);
		memcpy(e->key, k, kl);
		e->tlen = tlen;
		e->partition = partition;
		e->offset = -1;
		htab_put(&o->h, e->key, kl, &added)->val = e;
		if (o->n == o->cap) {
			o->cap = o->cap ? 2 * o->cap : 8;
			o->all = xrealloc(o->all, o->cap * sizeof *o->all);
		}
		o->all[o->n++] = e;
	}
	if (k != kb)
		free(k);
	if (e)
		o->last = e;
	return e;
}

bool ckpt_offsets_seen(struct ckpt_offsets *o, const struct kmeta *k)
{
	if (!k->has_offset)
		return false;
	struct ckpt_off *e = off_find(o, k->topic, k->tlen, k->partition, false);
	return e && k->offset <= e->offset;
}

void ckpt_offsets_absorb(struct ckpt_offsets *o, const struct kmeta *k)
{
	if (!k->has_offset)
		return;
	struct ckpt_off *e = off_find(o, k->topic, k->tlen, k->partition, true);
	if (k->offset > e->offset)
		e->offset = k->offset;
}

json_t *ckpt_offsets_json(const struct ckpt_offsets *o)
{
	json_t *a = json_array();
	for (size_t i = 0; i < o->n; i++) {
		const struct ckpt_off *e = o->all[i];
		json_array_append_new(a, json_pack("{s:s%,s:i,s:I}", "topic", e->key, e->tlen,
			"partition", (int)e->partition, "offset", (json_int_t)e->offset));
	}
	return a;
}

bool ckpt_offsets_load(struct ckpt_offsets *o, const json_t *arr, struct buf *err)
{
	size_t i;
	json_t *v;
	if (!json_is_array(arr)) {
		buf_printf(err, "offsets: not an array");
		return false;
	}
	json_array_foreach(arr, i, v) {
		const char *t;
		size_t tl;
		int p;
		json_int_t off;
		if (json_unpack((json_t *)v, "{s:s%,s:i,s:I}", "topic", &t, &tl, "partition", &p,
				"offset", &off) < 0 || p < 0 || off < -1) {
			buf_printf(err, "offsets[%zu]: expected {topic, partition, offset}", i);
			return false;
		}
		struct ckpt_off *e = off_find(o, t, tl, (int32_t)p, true);
		if (off > e->offset)
			e->offset = off;
	}
	return true;
}

json_t *ckpt_wm_json(const struct wm *w)
{
	json_t *st = json_object(), *parts = json_array();
	json_object_set_new(st, "watermark", w->wm == WM_NONE ? json_null() : json_integer(w->wm));
	for (size_t i = 0; i < w->n; i++) {
		const struct wm_part *p = w->all[i];
		json_array_append_new(parts, json_pack("{s:o,s:i,s:I}", "topic",
			p->topic ? json_stringn(p->topic, p->tlen) : json_null(), "partition",
			(int)p->partition, "max", (json_int_t)p->max));
	}
	json_object_set_new(st, "partitions", parts);
	return st;
}

bool ckpt_wm_load(struct wm *w, const json_t *st, int64_t now, struct buf *err)
{
	json_t *mark, *parts, *v;
	size_t i;
	if (json_unpack((json_t *)st, "{s:o,s:o}", "watermark", &mark, "partitions", &parts) < 0 ||
	    !json_is_array(parts) || !(json_is_null(mark) || json_is_integer(mark))) {
		buf_printf(err, "state: expected watermark and partitions");
		return false;
	}
	json_array_foreach(parts, i, v) {
		json_t *topic;
		int p;
		json_int_t max;
		if (json_unpack(v, "{s:o,s:i,s:I}", "topic", &topic, "partition", &p, "max", &max) < 0 ||
		    !(json_is_null(topic) || json_is_string(topic))) {
			buf_printf(err, "partitions[%zu]: expected {topic, partition, max}", i);
			return false;
		}
		if (json_is_null(topic))
			wm_set_part(w, NULL, 0, 0, max, now);
		else
			wm_set_part(w, json_string_value(topic), json_string_length(topic), p, max, now);
	}
	if (json_is_integer(mark))
		wm_raise(w, json_integer_value(mark));
	return true;
}
