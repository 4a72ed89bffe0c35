#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "exitcode.h"
#include "lineio.h"
#include "sig.h"
#include "tm.h"

struct cli_common cli = { false, false, NULL, LR_DEFAULT_MAX_LINE };

/* argv[0] becomes its base name, so getopt's own messages say `parse:`, as ours do. */
void cli_init(char **argv)
{
	const char *slash = strrchr(argv[0], '/');
	if (slash && slash[1])
		argv[0] = (char *)slash + 1;
	diag_init(argv[0]);
	if (sig_init() < 0)
		diag_warn("cannot set up signal handling");
}

int cli_usage(const char *fmt, ...)
{
	if (fmt) {
		char m[1024];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(m, sizeof m, fmt, ap);
		va_end(ap);
		diag_err("%s", m);
	}
	diag_err("try '%s --help'", diag_prog());
	return RN_EXIT_USAGE;
}

int cli_opt(int c, const char *arg, const char *help)
{
	switch (c) {
	case 'h':
		fputs(help, stdout);
		fflush(stdout);
		return RN_EXIT_OK;
	case 'V':
		printf("%s (runnel) %s\n", diag_prog(), RUNNEL_VERSION);
		fflush(stdout);
		return RN_EXIT_OK;
	case 'q':
		diag_set_level(DIAG_QUIET);
		return CLI_CONTINUE;
	case 'v':
		diag_set_level(DIAG_VERBOSE);
		return CLI_CONTINUE;
	case 'u':
		cli.unbuffered = true;
		return CLI_CONTINUE;
	case CLI_OPT_REJECT:
		cli.reject = arg;
		return CLI_CONTINUE;
	case CLI_OPT_STRICT:
		cli.strict = true;
		return CLI_CONTINUE;
	case CLI_OPT_MAX_LINE:
		if (!cli_parse_size(arg, &cli.max_line) || !cli.max_line)
			return cli_usage("--max-line: not a size: %s", arg);
		return CLI_CONTINUE;
	default:
		return cli_usage(NULL);
	}
}

bool cli_parse_size(const char *s, size_t *out)
{
	char *e;
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &e, 10);
	if (errno)
		return false;
	unsigned long long mul = 1;
	if (*e == 'k' || *e == 'K')
		mul = 1024, e++;
	else if (*e == 'm' || *e == 'M')
		mul = 1024 * 1024, e++;
	else if (*e == 'g' || *e == 'G')
		mul = 1024ULL * 1024 * 1024, e++;
	if (mul > 1 && *e == 'i' && e[1] == 'B')
		e += 2; /* KiB */
	else if (*e == 'B')
		e++; /* KB, or B alone */
	if (*e || v > SIZE_MAX / mul)
		return false;
	*out = (size_t)(v * mul);
	return true;
}

bool cli_parse_count(const char *s, long long *out)
{
	char *e;
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	long long v = strtoll(s, &e, 10);
	if (*e || errno)
		return false;
	*out = v;
	return true;
}

bool cli_parse_rate(const char *s, double *per_sec)
{
	char *e;
	double v = strtod(s, &e);
	if (e == s || !(v > 0) || !isfinite(v))
		return false;
	if (!*e) {
		*per_sec = v;
		return true;
	}
	if (*e != '/')
		return false;
	int64_t unit;
	const char *u = e + 1;
	char tmp[32];
	if (*u >= '0' && *u <= '9')
		return tm_parse_duration(u, &unit, false) && unit > 0 ? (*per_sec = v * 1000.0 / (double)unit, true) : false;
	snprintf(tmp, sizeof tmp, "1%s", u);
	if (!tm_parse_duration(tmp, &unit, false) || unit <= 0)
		return false;
	*per_sec = v * 1000.0 / (double)unit;
	return true;
}
