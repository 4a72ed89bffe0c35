#include "filter.h"

#include <errno.h>
#include <string.h>

#include "cli.h"
#include "diag.h"
#include "exitcode.h"
#include "sig.h"

int filter_file(struct filter *f, const char *file)
{
	struct lr lr;
	const char *line;
	size_t len;
	int st, rc = RN_EXIT_OK;

	if (lr_open(&lr, file, cli.max_line) < 0) {
		diag_err("%s: %s", file, strerror(errno));
		return RN_EXIT_RUNTIME;
	}
	if (f->idle)
		lr_set_idle(&lr, f->idle, f->ctx);
	else if (f->out)
		lr_set_idle(&lr, out_flush_cb, f->out);
	if (f->tick)
		lr_set_tick(&lr, f->tick_ms, f->tick, f->ctx);
	while ((st = lr_next(&lr, &line, &len)) > 0) {
		enum filter_verdict v;
		f->lines++;
		if (st == LR_TOOLONG && f->toolong) {
			v = f->toolong(f->ctx, &lr, line, len);
		} else if (st == LR_TOOLONG) {
			diag_bad(lr.name, lr.lineno, "line longer than --max-line", line, len);
			v = FILTER_BAD;
		} else {
			v = f->line(f->ctx, &lr, line, len);
		}
		if (v == FILTER_STOP || (f->out && (f->out->broken || f->out->err)))
			break;
		if (v == FILTER_BAD && cli.strict) {
			rc = RN_EXIT_REJECT;
			break;
		}
	}
	if (st == LR_ERR) {
		diag_err("%s: %s", lr.name, strerror(errno));
		rc = RN_EXIT_RUNTIME;
	}
	lr_close(&lr);
	return rc;
}

int filter_files(struct filter *f, int argc, char **argv)
{
	int rc = RN_EXIT_OK;
	if (argc == 0)
		return filter_file(f, "-");
	for (; argc > 0 && !sig_stop && rc != RN_EXIT_REJECT &&
	     !(f->out && (f->out->broken || f->out->err));
	     argc--, argv++) {
		int r = filter_file(f, *argv);
		if (r > rc)
			rc = r;
	}
	return rc;
}
