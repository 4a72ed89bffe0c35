#include "ckjson.h"

#include <jansson.h>
#include <stdlib.h>

int ckj_save(const char *path, const struct ckpt_meta *m, const char *state, size_t n,
	const struct ckpt_offsets *o, const struct wm *w, struct buf *err)
{
	json_error_t je;
	json_t *st = json_loadb(state, n, JSON_ALLOW_NUL, &je);
	if (!json_is_object(st)) {
		buf_printf(err, "cannot save checkpoint %s: internal state is not JSON (%s)", path,
			je.text);
		json_decref(st);
		return CKPT_IOERR;
	}
	json_object_set_new(st, "offsets", ckpt_offsets_json(o));
	json_t *wj = ckpt_wm_json(w);
	json_object_update(st, wj);
	json_decref(wj);
	int rc = ckpt_save(path, m, st, err);
	json_decref(st);
	return rc;
}

int ckj_load(const char *path, const struct ckpt_meta *m, struct buf *state,
	struct ckpt_offsets *o, struct wm *w, int64_t now, struct buf *err)
{
	json_t *st;
	int rc = ckpt_load(path, m, &st, err);
	if (rc != CKPT_OK)
		return rc;
	struct buf why = BUF_INIT;
	json_t *offs = json_object_get(st, "offsets");
	if (!json_is_object(st) || !offs || !ckpt_offsets_load(o, offs, &why) ||
	    !ckpt_wm_load(w, st, now, &why)) {
		buf_printf(err, "checkpoint %s is corrupt (%s); remove it to start afresh", path,
			why.p ? why.p : "no offsets");
		buf_free(&why);
		json_decref(st);
		return CKPT_CORRUPT;
	}
	buf_free(&why);
	json_object_del(st, "offsets");
	json_object_del(st, "watermark");
	json_object_del(st, "partitions");
	char *text = json_dumps(st, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(st);
	if (!text) {
		buf_printf(err, "checkpoint %s: cannot convert the state", path);
		return CKPT_CORRUPT;
	}
	buf_reset(state);
	buf_adds(state, text);
	free(text);
	return CKPT_OK;
}
