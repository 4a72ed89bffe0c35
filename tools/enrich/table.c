#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "enrich.h"
#include "htab.h"
#include "jw.h"
#include "lineio.h"

void table_free(struct table *t)
{
	buf_free(&t->rows);
	buf_free(&t->keys);
	free(t->rowoff);
	free(t->keyoff);
	free(t->slot);
	memset(t, 0, sizeof *t);
}

static void add_row(struct table *t, const struct merge *m, const struct rec *r,
	const struct buf *key)
{
	if (t->nrows + 1 >= t->caprows) {
		t->caprows = t->caprows ? t->caprows * 2 : 1024;
		t->rowoff = xrealloc(t->rowoff, t->caprows * sizeof *t->rowoff);
		t->keyoff = xrealloc(t->keyoff, t->caprows * sizeof *t->keyoff);
	}
	t->rowoff[t->nrows] = t->rows.len;
	t->keyoff[t->nrows] = t->keys.len;
	buf_add(&t->keys, key->p, key->len);
	row_compact(&t->rows, m, r);
	t->nrows++;
	t->rowoff[t->nrows] = t->rows.len;
	t->keyoff[t->nrows] = t->keys.len;
}

static bool slot_is(const struct table *t, uint32_t s, const char *key, size_t n)
{
	size_t i = s - 1;
	return t->keyoff[i + 1] - t->keyoff[i] == n && !memcmp(t->keys.p + t->keyoff[i], key, n);
}

/* A table is written once and read many times, so its index is a plain array of
   row numbers (4 bytes a slot) rather than htab's general 32-byte entries: it keeps a
   million-row table near the size of its data. A repeated key keeps its last row, as
   an upsert into a dimension table would. */
static void build_index(struct table *t)
{
	t->nslots = 16;
	while (t->nslots < t->nrows * 2)
		t->nslots *= 2;
	t->slot = xcalloc(t->nslots, sizeof *t->slot);
	for (size_t i = 0; i < t->nrows; i++) {
		const char *key = t->keys.p + t->keyoff[i];
		size_t n = t->keyoff[i + 1] - t->keyoff[i];
		size_t j = htab_hash(key, n) & (t->nslots - 1);
		while (t->slot[j] && !slot_is(t, t->slot[j], key, n))
			j = (j + 1) & (t->nslots - 1);
		if (t->slot[j])
			t->dup_keys++;
		t->slot[j] = (uint32_t)(i + 1);
	}
}

const char *table_find(const struct table *t, const char *key, size_t n, size_t *len)
{
	if (!t->nslots)
		return NULL;
	for (size_t j = htab_hash(key, n) & (t->nslots - 1); t->slot[j];
	     j = (j + 1) & (t->nslots - 1))
		if (slot_is(t, t->slot[j], key, n)) {
			size_t i = t->slot[j] - 1;
			*len = t->rowoff[i + 1] - t->rowoff[i];
			return t->rows.p + t->rowoff[i];
		}
	return NULL;
}

static int load_ndjson(struct table *t, const char *path, const struct keyspec *k,
	const struct merge *m)
{
	struct lr lr;
	struct rec r;
	struct buf why = BUF_INIT, key = BUF_INIT;
	const char *line;
	size_t len;
	int st, rc = 0;
	if (lr_open(&lr, path, 0) < 0) {
		diag_err("table %s: %s", path, strerror(errno));
		return -1;
	}
	rec_init(&r);
	while ((st = lr_next(&lr, &line, &len)) > 0) {
		if (st == LR_TOOLONG) {
			diag_err("table %s:%llu: line too long", path, (unsigned long long)lr.lineno);
			rc = -1;
			break;
		}
		if (len == 0)
			continue;
		if (!rec_parse(&r, line, len, &why)) {
			diag_err("table %s:%llu: %s", path, (unsigned long long)lr.lineno, why.p);
			rc = -1;
			break;
		}
		if (!key_of(&r, k->other, k->n, &key))
			continue; /* a row without a key can never match */
		add_row(t, m, &r, &key);
	}
	if (st == LR_ERR) {
		diag_err("table %s: %s", path, strerror(errno));
		rc = -1;
	}
	rec_free(&r);
	buf_free(&why);
	buf_free(&key);
	lr_close(&lr);
	return rc;
}

/* RFC 4180 fields: quoted fields may hold commas, "" and newlines. Returns the number
   of fields of one record, each appended to rec as a JSON string (empty unquoted
   fields as null), or -1 on a malformed quote. */
static int csv_record(const char **pp, const char *end, struct buf *json, size_t *nf)
{
	const char *p = *pp;
	struct buf field = BUF_INIT;
	*nf = 0;
	buf_reset(json);
	buf_addc(json, '[');
	for (;;) {
		bool quoted = false;
		buf_reset(&field);
		if (p < end && *p == '"') {
			quoted = true;
			p++;
			for (;;) {
				if (p >= end) {
					buf_free(&field);
					return -1;
				}
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"') {
						buf_addc(&field, '"');
						p += 2;
						continue;
					}
					p++;
					break;
				}
				buf_addc(&field, *p++);
			}
		}
		while (p < end && *p != ',' && *p != '\n' && *p != '\r')
			buf_addc(&field, *p++);
		jw_sep(json);
		if (!quoted && !field.len)
			jw_null(json);
		else
			jw_str(json, field.p ? field.p : "", field.len);
		(*nf)++;
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end && *p == '\r')
			p++;
		if (p < end && *p == '\n')
			p++;
		break;
	}
	buf_addc(json, ']');
	buf_free(&field);
	*pp = p;
	return 0;
}

static int load_csv(struct table *t, const char *path, const struct keyspec *k,
	const struct merge *m)
{
	struct buf data = BUF_INIT, hdr = BUF_INIT, row = BUF_INIT, obj = BUF_INIT, why = BUF_INIT;
	struct buf key = BUF_INIT;
	size_t nh = 0, nf, lineno = 1;
	int rc = 0;
	if (!buf_read_file(&data, path)) {
		diag_err("table %s: %s", path, strerror(errno));
		buf_free(&data);
		return -1;
	}
	const char *p = data.p ? data.p : "", *end = p + data.len;
	if (json_utf8_valid(p, data.len) != data.len) {
		diag_err("table %s: not valid UTF-8", path);
		buf_free(&data);
		return -1;
	}
	if (csv_record(&p, end, &hdr, &nh) < 0 || !nh) {
		diag_err("table %s: no CSV header", path);
		buf_free(&data);
		return -1;
	}
	struct json_val hv;
	json_check(hdr.p, hdr.len, &hv, NULL);
	struct rec r;
	rec_init(&r);
	while (p < end) {
		lineno++;
		if (*p == '\n' || *p == '\r') {
			p++;
			continue;
		}
		if (csv_record(&p, end, &row, &nf) < 0) {
			diag_err("table %s:%zu: unterminated quoted field", path, lineno);
			rc = -1;
			break;
		}
		if (nf != nh) {
			diag_err("table %s:%zu: %zu fields, header has %zu", path, lineno, nf, nh);
			rc = -1;
			break;
		}
		/* zip header and row into an object, then treat it as an NDJSON row */
		struct json_val rv, hn, rn;
		struct json_iter hi, ri;
		json_check(row.p, row.len, &rv, NULL);
		json_iter_init(&hi, hv);
		json_iter_init(&ri, rv);
		buf_reset(&obj);
		buf_addc(&obj, '{');
		while (json_arr_next(&hi, &hn) && json_arr_next(&ri, &rn)) {
			if (hn.type != JV_STRING)
				continue;
			jw_sep(&obj);
			buf_add(&obj, hn.p, hn.len);
			buf_addc(&obj, ':');
			buf_add(&obj, rn.p, rn.len);
		}
		buf_addc(&obj, '}');
		if (!rec_parse(&r, obj.p, obj.len, &why)) {
			diag_err("table %s:%zu: %s", path, lineno, why.p);
			rc = -1;
			break;
		}
		if (key_of(&r, k->other, k->n, &key))
			add_row(t, m, &r, &key);
	}
	rec_free(&r);
	buf_free(&data);
	buf_free(&hdr);
	buf_free(&row);
	buf_free(&obj);
	buf_free(&why);
	buf_free(&key);
	return rc;
}

int table_load(struct table *t, const char *path, bool csv, const struct keyspec *k,
	const struct merge *m)
{
	size_t n = strlen(path);
	memset(t, 0, sizeof *t);
	if (!csv && n > 4 && !strcasecmp(path + n - 4, ".csv"))
		csv = true;
	int rc = csv ? load_csv(t, path, k, m) : load_ndjson(t, path, k, m);
	if (rc < 0 || t->nrows >= UINT32_MAX) {
		if (rc == 0)
			diag_err("table %s: more than 4294967294 rows", path);
		table_free(t);
		return -1;
	}
	build_index(t);
	return 0;
}
