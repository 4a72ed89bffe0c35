#ifndef RUNNEL_B64_H
#define RUNNEL_B64_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/*
 * Standard base64 (RFC 4648 §4, with padding), as the kcons -J envelope carries
 * binary keys, values and headers: `"value_encoding":"base64"`.
 */

/* Appends the encoding of s[0..n) to b. */
void b64_encode(struct buf *b, const char *s, size_t n);
/* Appends the bytes that s[0..n) encodes to b; false (b unchanged) on anything but
   canonical padded base64: bad characters, bad length, non-zero trailing bits. */
bool b64_decode(struct buf *b, const char *s, size_t n);

#endif
