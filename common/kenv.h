#ifndef RUNNEL_KENV_H
#define RUNNEL_KENV_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * The Kafka message envelope of kcons -J (read back by kprod -J) and the `_kafka`
 * metadata object of kcons --meta, exactly as runnel(7) specifies them:
 *   {"topic":T,"partition":P,"offset":O,"ts":TS,"ts_type":TT,"key":K,"headers":{...},"value":V}
 * Keys and values: valid JSON that spans all the bytes (no surrounding whitespace) and
 * has no raw newline or CR is embedded verbatim; other valid UTF-8 becomes a string
 * followed by "*_encoding":"text"; other bytes are base64 with "*_encoding":"base64";
 * a null key or value is null. Header values: a string, null, or {"base64":"..."};
 * a repeated header name maps to an array of its values in order.
 */
enum kenv_ts { KENV_TS_NONE, KENV_TS_CREATE, KENV_TS_LOG_APPEND };
enum kenv_enc { KENV_NULL, KENV_JSON, KENV_TEXT, KENV_BASE64 };

struct kenv_hdr {
	const char *name; /* NUL-terminated */
	const char *val;  /* NULL: a null header value */
	size_t len;
};

struct kenv_msg {
	const char *topic;
	int32_t partition;
	int64_t offset;
	int64_t ts; /* epoch ms; ignored when ts_type is KENV_TS_NONE */
	enum kenv_ts ts_type;
	const char *key; /* NULL: null key */
	size_t klen;
	const char *val; /* NULL: null value (tombstone) */
	size_t vlen;
	const struct kenv_hdr *hdrs;
	size_t nhdrs;
};

/* Which form bytes take in the envelope (NULL p: KENV_NULL). */
enum kenv_enc kenv_classify(const char *p, size_t n);
/* Appends the bytes in that form; returns it so the caller can add "*_encoding". */
enum kenv_enc kenv_bytes(struct buf *b, const char *p, size_t n);
/* "text" or "base64"; NULL for forms that need no *_encoding member. */
const char *kenv_enc_name(enum kenv_enc e);

/* Appends the whole envelope object (no newline). */
void kenv_write(struct buf *b, const struct kenv_msg *m);
/* Appends the `_kafka` object {topic, partition, offset, ts, key}: ts RFC 3339 UTC
   ms or null, key a string (invalid UTF-8 replaced) or null. */
void kenv_meta(struct buf *b, const struct kenv_msg *m);

#endif
