#ifndef RUNNEL_CLI_H
#define RUNNEL_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

/* Options every tool shares, parsed by cli_opt from each tool's getopt_long loop. */
struct cli_common {
	bool unbuffered;
	bool strict;
	const char *reject;
	size_t max_line;
};

extern struct cli_common cli;

enum {
	CLI_OPT_REJECT = 0x1000,
	CLI_OPT_STRICT,
	CLI_OPT_MAX_LINE,
	CLI_OPT_TOOL = 0x1100, /* tools number their long-only options from here */
};

#define CLI_SHORT_BASE "hVqv"
#define CLI_SHORT_INPUT "u"
#define CLI_LONG_BASE \
	{ "help", no_argument, NULL, 'h' }, \
	{ "version", no_argument, NULL, 'V' }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "verbose", no_argument, NULL, 'v' }
#define CLI_LONG_INPUT \
	{ "unbuffered", no_argument, NULL, 'u' }, \
	{ "reject", required_argument, NULL, CLI_OPT_REJECT }, \
	{ "strict", no_argument, NULL, CLI_OPT_STRICT }, \
	{ "max-line", required_argument, NULL, CLI_OPT_MAX_LINE }

/* Help text for the common options, for tools to print after their own. */
#define CLI_HELP_BASE \
	"  -q, --quiet          no per-line diagnostics\n" \
	"  -v, --verbose        more messages and a final summary\n" \
	"  -h, --help           this help\n" \
	"  -V, --version        version\n"
#define CLI_HELP_INPUT \
	"  -u, --unbuffered     write each record at once\n" \
	"      --reject FILE    append bad input lines to FILE as JSON\n" \
	"      --strict         stop at the first bad line (exit 4)\n" \
	"      --max-line N     longest accepted line (default 1M; K, M suffixes)\n"

enum { CLI_CONTINUE = -1 };

/*
 * Handles a common option (or getopt's '?'): returns CLI_CONTINUE when parsing goes
 * on, or the status main() should exit with (0 after --help/--version, 2 on misuse).
 */
int cli_opt(int c, const char *arg, const char *help);

/* `prog: MESSAGE` then `prog: try 'prog --help'`; returns 2. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Sizes with K/M/G suffixes (powers of 1024). */
bool cli_parse_size(const char *s, size_t *out);
/* Counts and rates: a non-negative integer; false on anything else. */
bool cli_parse_count(const char *s, long long *out);
/* Rates like `1000/s`, `20000`, `5/ms`, `60/m`: events per second. */
bool cli_parse_rate(const char *s, double *per_sec);

/* Sets up diagnostics, signals and the common defaults; call first in main(). */
void cli_init(char **argv);

#endif
