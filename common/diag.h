#ifndef RUNNEL_DIAG_H
#define RUNNEL_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Diagnostics: `prog: message` on stderr, and the reject channel for bad input.
 * common/ reports through these and returns; only a tool's main() exits.
 */
enum diag_level { DIAG_QUIET = -1, DIAG_NORMAL = 0, DIAG_VERBOSE = 1 };

/* Bad-input lines printed before further ones are only counted. */
#define DIAG_BAD_SHOWN 20

void diag_init(const char *prog);
const char *diag_prog(void);
void diag_set_level(enum diag_level l);
enum diag_level diag_level(void);

void diag_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* always */
void diag_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* not with -q */
void diag_info(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* only -v */

/* --reject FILE: appended to, one JSON object per bad line. */
int diag_reject_open(const char *path);

/* A bad input line: counted, `prog: FILE:LINE: reason` (rate-limited), and written to
   the reject file as {"line":N,"file":F,"error":E,"input":RAW}, plus
   "input_base64" with the exact bytes when RAW is not valid UTF-8. */
void diag_bad(const char *file, uint64_t line, const char *reason, const char *raw,
	size_t rawlen);
/* A bad input record located other than by file and line, e.g. a Kafka message:
   `prog: WHERE: reason`; in the reject file the pre-rendered JSON members `fields`
   (such as "topic":"t","partition":0,"offset":5) stand in place of line and file. */
void diag_bad_at(const char *where, const char *fields, const char *reason,
	const char *raw, size_t rawlen);
uint64_t diag_bad_count(void);

/* Flushes the reject file and says how many messages were not shown; -1 if the reject
   file could not be written. */
int diag_finish(void);

#endif
