#include "diag.h"
#include "b64.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jw.h"
#include "out.h"

static const char *prog = "runnel";
static enum diag_level level;
static uint64_t nbad, nshown;
static bool have_reject;
static struct out reject;

void diag_init(const char *p)
{
	const char *s = strrchr(p, '/');
	prog = s ? s + 1 : p;
}

const char *diag_prog(void)
{
	return prog;
}

void diag_set_level(enum diag_level l)
{
	level = l;
}

enum diag_level diag_level(void)
{
	return level;
}

static void vmsg(const char *fmt, va_list ap)
{
	char line[4096];
	int n = snprintf(line, sizeof line, "%s: ", prog);
	if (n < 0)
		return;
	int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	if (m < 0)
		return;
	size_t len = (size_t)n + (size_t)m;
	if (len > sizeof line - 2)
		len = sizeof line - 2;
	line[len++] = '\n';
	fwrite(line, 1, len, stderr); /* one write per message keeps lines whole */
}

void diag_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void diag_warn(const char *fmt, ...)
{
	if (level < DIAG_NORMAL)
		return;
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void diag_info(const char *fmt, ...)
{
	if (level < DIAG_VERBOSE)
		return;
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

int diag_reject_open(const char *path)
{
	if (out_open(&reject, path, true) < 0) {
		diag_err("cannot open reject file %s: %s", path, strerror(errno));
		return -1;
	}
	have_reject = true;
	return 0;
}

/* Counts a bad record, shows it unless rate-limited, and starts its reject object. */
static bool bad_begin(const char *file, uint64_t line, const char *where, const char *reason)
{
	nbad++;
	if (level >= DIAG_NORMAL) {
		if (nshown < DIAG_BAD_SHOWN) {
			if (where)
				diag_err("%s: %s", where, reason);
			else
				diag_err("%s:%llu: %s", file, (unsigned long long)line, reason);
		} else if (nshown == DIAG_BAD_SHOWN) {
			diag_err("more bad input: further messages suppressed (counted in the summary)");
		}
		nshown++;
	}
	if (have_reject)
		buf_addc(out_buf(&reject), '{');
	return have_reject;
}

static void bad_end(const char *reason, const char *raw, size_t rawlen)
{
	struct buf *b = out_buf(&reject);
	jw_keyz(b, "error");
	jw_strz(b, reason);
	jw_keyz(b, "input");
	jw_str(b, raw, rawlen);
	/* invalid UTF-8 shows as U+FFFD in "input"; the exact bytes travel alongside */
	if (json_utf8_valid(raw, rawlen) != rawlen) {
		jw_keyz(b, "input_base64");
		buf_addc(b, '"');
		b64_encode(b, raw, rawlen);
		buf_addc(b, '"');
	}
	buf_addc(b, '}');
	out_end_record(&reject);
}

void diag_bad_at(const char *where, const char *fields, const char *reason,
	const char *raw, size_t rawlen)
{
	if (bad_begin(NULL, 0, where, reason)) {
		buf_adds(out_buf(&reject), fields);
		bad_end(reason, raw, rawlen);
	}
}

void diag_bad(const char *file, uint64_t line, const char *reason, const char *raw,
	size_t rawlen)
{
	if (bad_begin(file, line, NULL, reason)) {
		struct buf *b = out_buf(&reject);
		jw_keyz(b, "line");
		jw_i64(b, (int64_t)line);
		jw_keyz(b, "file");
		jw_strz(b, file);
		bad_end(reason, raw, rawlen);
	}
}

uint64_t diag_bad_count(void)
{
	return nbad;
}

int diag_finish(void)
{
	int r = 0;
	if (nshown > DIAG_BAD_SHOWN)
		diag_err("%llu bad input lines in all, %llu not shown",
			(unsigned long long)nbad, (unsigned long long)(nshown - DIAG_BAD_SHOWN));
	if (have_reject) {
		if (out_close(&reject) < 0) {
			diag_err("cannot write reject file %s: %s", reject.name,
				strerror(reject.err ? reject.err : EPIPE));
			r = -1;
		}
		have_reject = false;
	}
	return r;
}
