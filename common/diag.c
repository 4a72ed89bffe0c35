#include "diag.h"

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

void diag_bad(const char *file, uint64_t line, const char *reason, const char *raw,
	size_t rawlen)
{
	nbad++;
	if (level >= DIAG_NORMAL) {
		if (nshown < DIAG_BAD_SHOWN) {
			diag_err("%s:%llu: %s", file, (unsigned long long)line, reason);
		} else if (nshown == DIAG_BAD_SHOWN) {
			diag_err("more bad input: further messages suppressed (counted in the summary)");
		}
		nshown++;
	}
	if (have_reject) {
		struct buf *b = out_buf(&reject);
		buf_addc(b, '{');
		jw_keyz(b, "line");
		jw_i64(b, (int64_t)line);
		jw_keyz(b, "file");
		jw_strz(b, file);
		jw_keyz(b, "error");
		jw_strz(b, reason);
		jw_keyz(b, "input");
		jw_str(b, raw, rawlen);
		buf_addc(b, '}');
		out_end_record(&reject);
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
