#include "b64.h"

static const char enc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void b64_encode(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t full = n / 3 * 3;
	buf_grow(b, (n + 2) / 3 * 4);
	char *o = b->p + b->len;
	for (size_t i = 0; i < full; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		*o++ = enc[v >> 18];
		*o++ = enc[(v >> 12) & 63];
		*o++ = enc[(v >> 6) & 63];
		*o++ = enc[v & 63];
	}
	if (n - full == 1) {
		unsigned v = (unsigned)p[full] << 16;
		*o++ = enc[v >> 18];
		*o++ = enc[(v >> 12) & 63];
		*o++ = '=';
		*o++ = '=';
	} else if (n - full == 2) {
		unsigned v = (unsigned)p[full] << 16 | (unsigned)p[full + 1] << 8;
		*o++ = enc[v >> 18];
		*o++ = enc[(v >> 12) & 63];
		*o++ = enc[(v >> 6) & 63];
		*o++ = '=';
	}
	b->len = (size_t)(o - b->p);
	b->p[b->len] = 0;
}

static int dec(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

bool b64_decode(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t start = b->len;
	if (n % 4)
		return false;
	buf_grow(b, n / 4 * 3);
	for (size_t i = 0; i < n; i += 4) {
		int a = dec(p[i]), c = dec(p[i + 1]), d, e;
		bool last = i + 4 == n;
		if (a < 0 || c < 0)
			goto bad;
		if (last && p[i + 2] == '=' && p[i + 3] == '=') {
			if (c & 15)
				goto bad;
			b->p[b->len++] = (char)(a << 2 | c >> 4);
			break;
		}
		if ((d = dec(p[i + 2])) < 0)
			goto bad;
		if (last && p[i + 3] == '=') {
			if (d & 3)
				goto bad;
			b->p[b->len++] = (char)(a << 2 | c >> 4);
			b->p[b->len++] = (char)((c & 15) << 4 | d >> 2);
			break;
		}
		if ((e = dec(p[i + 3])) < 0)
			goto bad;
		b->p[b->len++] = (char)(a << 2 | c >> 4);
		b->p[b->len++] = (char)((c & 15) << 4 | d >> 2);
		b->p[b->len++] = (char)((d & 3) << 6 | e);
	}
	b->p[b->len] = 0;
	return true;
bad:
	b->len = start;
	b->p[b->len] = 0;
	return false;
}
