#include "path.h"

#include <stdlib.h>
#include <string.h>

static void add_seg(struct path *p, const char *name, size_t len, size_t index)
{
	p->seg = xrealloc(p->seg, (p->n + 1) * sizeof *p->seg);
	p->seg[p->n].name = name ? xstrndup(name, len) : NULL;
	p->seg[p->n].len = len;
	p->seg[p->n].index = index;
	p->n++;
}

bool path_parse(struct path *p, const char *s, const char **err)
{
	memset(p, 0, sizeof *p);
	p->text = xstrdup(s);
	const char *q = s;
	if (*q == '.')
		q++;
	if (!*q) {
		*err = "empty field path";
		goto bad;
	}
	while (*q) {
		if (*q == '"') {
			const char *e = strchr(q + 1, '"');
			if (!e || e == q + 1) {
				*err = "unterminated or empty quoted key in field path";
				goto bad;
			}
			add_seg(p, q + 1, (size_t)(e - q - 1), 0);
			q = e + 1;
		} else if (*q == '[') {
			char *e;
			if (q[1] < '0' || q[1] > '9') {
				*err = "array index in field path must be a number";
				goto bad;
			}
			unsigned long long idx = strtoull(q + 1, &e, 10);
			if (*e != ']') {
				*err = "missing ']' in field path";
				goto bad;
			}
			add_seg(p, NULL, 0, (size_t)idx);
			q = e + 1;
		} else {
			size_t n = strcspn(q, ".[]\"");
			if (!n) {
				*err = "empty key in field path";
				goto bad;
			}
			add_seg(p, q, n, 0);
			q += n;
		}
		if (*q == '.') {
			q++;
			if (!*q) {
				*err = "field path ends with '.'";
				goto bad;
			}
		} else if (*q && *q != '[') {
			*err = "unexpected character in field path";
			goto bad;
		}
	}
	return true;
bad:
	path_free(p);
	return false;
}

void path_free(struct path *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->seg[i].name);
	free(p->seg);
	free(p->text);
	memset(p, 0, sizeof *p);
}

bool path_get_from(const struct path *p, size_t from, struct json_val v, struct json_val *out)
{
	for (size_t i = from; i < p->n; i++) {
		const struct path_seg *s = &p->seg[i];
		if (s->name ? !json_obj_get(v, s->name, s->len, &v) : !json_arr_at(v, s->index, &v))
			return false;
	}
	*out = v;
	return true;
}

bool path_get(const struct path *p, struct json_val v, struct json_val *out)
{
	return path_get_from(p, 0, v, out);
}

const char *path_leaf(const struct path *p, size_t *len)
{
	for (size_t i = p->n; i-- > 0;)
		if (p->seg[i].name) {
			*len = p->seg[i].len;
			return p->seg[i].name;
		}
	*len = strlen(p->text);
	return p->text;
}
