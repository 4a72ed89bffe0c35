#ifndef RUNNEL_KMETA_H
#define RUNNEL_KMETA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The `_kafka` member kcons --meta adds to each record (runnel(7)):
 * {"topic":T,"partition":P,"offset":O,"ts":...,"key":...}. Topic and partition say
 * where an event came from (per-partition watermarks); the offset lets a restarted
 * tool skip what its checkpoint already absorbed. This header stays free of json.h
 * so that files using jansson can include it.
 */
struct rec;
struct buf;

struct kmeta {
	const char *topic; /* a view into the line, or into scratch when escaped */
	size_t tlen;
	int32_t partition;
	int64_t offset;
	bool has_offset;
};

/* False when the record has no well-formed `_kafka` (an object with a string topic
   and a partition 0..2^31-1); the offset is optional. */
bool kmeta_get(const struct rec *r, struct kmeta *k, struct buf *scratch);

#endif
