#include "kmeta.h"

#include "json.h"
#include "rec.h"

bool kmeta_get(const struct rec *r, struct kmeta *k, struct buf *scratch)
{
	struct json_val m, v;
	int64_t i;
	if (!rec_field(r, "_kafka", 6, &m) || m.type != JV_OBJECT)
		return false;
	if (!json_obj_get(m, "topic", 5, &v) || v.type != JV_STRING)
		return false;
	k->topic = json_str(v, scratch, &k->tlen);
	if (!json_obj_get(m, "partition", 9, &v) || !json_num_i64(v, &i) || i < 0 || i > INT32_MAX)
		return false;
	k->partition = (int32_t)i;
	k->has_offset = json_obj_get(m, "offset", 6, &v) && json_num_i64(v, &k->offset) &&
		k->offset >= 0;
	return true;
}
