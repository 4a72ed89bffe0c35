#ifndef RUNNEL_TM_H
#define RUNNEL_TM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"

/* Times are int64 milliseconds since the Unix epoch (negative before 1970). */

/* RFC 3339 (`T`, `t` or space between date and time; fraction optional, truncated to
   ms; `Z` or ±HH:MM; no offset means UTC). Years 0000-9999. */
bool tm_parse_rfc3339(const char *s, size_t n, int64_t *ms);

/* An event time held in JSON: an RFC 3339 string, or a number of epoch ms. */
bool tm_from_json(struct json_val v, int64_t *ms);

/* `250ms`, `10s`, `5m`, `1h`, `1d`, `1w`, compounds like `1h30m`, decimals like `1.5s`,
   and Spark's words (`10 minutes`). A leading `-` is allowed only if allow_neg. */
bool tm_parse_duration(const char *s, int64_t *ms, bool allow_neg);

/* A point in time for command lines: RFC 3339, epoch ms, `now`, or relative to now
   (`-2h`, `now-2h`, `+30m`). */
bool tm_parse_time(const char *s, int64_t now, int64_t *ms);

/* Writes `2026-11-24T10:15:30.123Z`; returns its length (24 for years 0-9999). */
size_t tm_format(int64_t ms, char *out, size_t cap);

/* Civil conversion, exposed for sinks that name folders by time. */
int64_t tm_days_from_civil(int64_t y, unsigned m, unsigned d);
void tm_civil(int64_t ms, int *year, int *mon, int *day, int *hour, int *min, int *sec,
	int *msec);

int64_t tm_now_ms(void);
int64_t tm_mono_ms(void);

/* Floor division that is right for negative times. */
static inline int64_t tm_floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

#endif
