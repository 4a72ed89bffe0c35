#include "tm.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar. */
int64_t tm_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned mdays(int64_t y, unsigned m)
{
	static const unsigned dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

bool tm_parse_rfc3339(const char *s, size_t n, int64_t *ms)
{
	int Y, M, D, h, mi, se;
	if (n < 19 || !digits(s, 4, &Y) || s[4] != '-' || !digits(s + 5, 2, &M) || s[7] != '-' ||
	    !digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &se))
		return false;
	if (M < 1 || M > 12 || D < 1 || (unsigned)D > mdays(Y, (unsigned)M) || h > 23 || mi > 59 ||
	    se > 60)
		return false;
	size_t i = 19;
	int frac = 0;
	if (i < n && s[i] == '.') {
		i++;
		size_t start = i;
		int k = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (k < 3) {
				frac = frac * 10 + (s[i] - '0');
				k++;
			}
			i++;
		}
		if (i == start)
			return false;
		while (k++ < 3)
			frac *= 10;
	}
	int off = 0;
	if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i < n && (s[i] == '+' || s[i] == '-')) {
		int oh, om;
		if (n - i < 6 || !digits(s + i + 1, 2, &oh) || s[i + 3] != ':' ||
		    !digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
			return false;
		off = (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
		i += 6;
	}
	if (i != n)
		return false;
	int64_t days = tm_days_from_civil(Y, (unsigned)M, (unsigned)D);
	int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - off * 60;
	*ms = secs * 1000 + frac;
	return true;
}

bool tm_from_json(struct json_val v, int64_t *ms)
{
	if (v.type == JV_STRING) {
		if (memchr(v.p + 1, '\\', v.len - 2))
			return false;
		return tm_parse_rfc3339(v.p + 1, v.len - 2, ms);
	}
	if (v.type == JV_NUMBER) {
		if (json_num_i64(v, ms))
			return true;
		double d;
		json_num_f64(v, &d);
		if (!(d > -9.2e18 && d < 9.2e18))
			return false;
		*ms = (int64_t)floor(d);
		return true;
	}
	return false;
}

static const struct {
	const char *name;
	int64_t ms;
} units[] = {
	{ "ms", 1 }, { "msec", 1 }, { "millisecond", 1 }, { "milliseconds", 1 },
	{ "s", 1000 }, { "sec", 1000 }, { "secs", 1000 }, { "second", 1000 }, { "seconds", 1000 },
	{ "m", 60000 }, { "min", 60000 }, { "mins", 60000 }, { "minute", 60000 },
	{ "minutes", 60000 },
	{ "h", 3600000 }, { "hr", 3600000 }, { "hour", 3600000 }, { "hours", 3600000 },
	{ "d", 86400000 }, { "day", 86400000 }, { "days", 86400000 },
	{ "w", 604800000 }, { "week", 604800000 }, { "weeks", 604800000 },
};

bool tm_parse_duration(const char *s, int64_t *ms, bool allow_neg)
{
	bool neg = false;
	double total = 0;
	int parts = 0;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '-' || *s == '+') {
		if (*s == '-' && !allow_neg)
			return false;
		neg = *s == '-';
		s++;
	}
	while (*s) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		/* digits with an optional fraction: no signs, exponents, hex or inf here */
		const char *start = s;
		char num[40];
		while (isdigit((unsigned char)*s))
			s++;
		if (*s == '.') {
			const char *frac = ++s;
			while (isdigit((unsigned char)*s))
				s++;
			if (s == frac)
				return false;
		}
		if (s == start || (size_t)(s - start) >= sizeof num)
			return false;
		memcpy(num, start, (size_t)(s - start));
		num[s - start] = 0;
		double v = strtod(num, NULL);
		while (isspace((unsigned char)*s))
			s++;
		size_t ul = 0;
		while (isalpha((unsigned char)s[ul]))
			ul++;
		if (!ul)
			return false; /* a unit is required: "5" is ambiguous */
		int64_t unit = 0;
		for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
			if (strlen(units[i].name) == ul && !strncasecmp(units[i].name, s, ul)) {
				unit = units[i].ms;
				break;
			}
		if (!unit)
			return false;
		s += ul;
		total += v * (double)unit;
		parts++;
	}
	if (!parts || total > 9.2e18)
		return false;
	*ms = (int64_t)llround(total) * (neg ? -1 : 1);
	return true;
}

bool tm_parse_time(const char *s, int64_t now, int64_t *ms)
{
	size_t n = strlen(s);
	if (tm_parse_rfc3339(s, n, ms))
		return true;
	if (!strcmp(s, "now")) {
		*ms = now;
		return true;
	}
	const char *rel = s;
	if (!strncmp(s, "now", 3))
		rel = s + 3;
	if (*rel == '-' || *rel == '+') {
		int64_t d;
		if (tm_parse_duration(rel, &d, true)) {
			*ms = now + d;
			return true;
		}
		if (rel != s)
			return false;
	}
	/* epoch milliseconds, negative before 1970 */
	char *e;
	errno = 0;
	long long v = strtoll(s, &e, 10);
	if (e != s && !*e && !errno && (isdigit((unsigned char)*s) || *s == '-')) {
		*ms = v;
		return true;
	}
	return false;
}

void tm_civil(int64_t ms, int *year, int *mon, int *day, int *hour, int *min, int *sec,
	int *msec)
{
	int64_t secs = tm_floordiv(ms, 1000);
	int64_t days = tm_floordiv(secs, 86400);
	int64_t rem = secs - days * 86400;
	int64_t y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	*year = (int)y;
	*mon = (int)m;
	*day = (int)d;
	*hour = (int)(rem / 3600);
	*min = (int)(rem / 60 % 60);
	*sec = (int)(rem % 60);
	*msec = (int)(ms % 1000 < 0 ? ms % 1000 + 1000 : ms % 1000); /* secs * 1000 may overflow */
}

size_t tm_format(int64_t ms, char *out, size_t cap)
{
	int Y, M, D, h, mi, s, f;
	tm_civil(ms, &Y, &M, &D, &h, &mi, &s, &f);
	if (Y >= 0 && Y <= 9999 && cap >= 25) {
		char *p = out;
		p[0] = (char)('0' + Y / 1000);
		p[1] = (char)('0' + Y / 100 % 10);
		p[2] = (char)('0' + Y / 10 % 10);
		p[3] = (char)('0' + Y % 10);
		p[4] = '-';
		p[5] = (char)('0' + M / 10);
		p[6] = (char)('0' + M % 10);
		p[7] = '-';
		p[8] = (char)('0' + D / 10);
		p[9] = (char)('0' + D % 10);
		p[10] = 'T';
		p[11] = (char)('0' + h / 10);
		p[12] = (char)('0' + h % 10);
		p[13] = ':';
		p[14] = (char)('0' + mi / 10);
		p[15] = (char)('0' + mi % 10);
		p[16] = ':';
		p[17] = (char)('0' + s / 10);
		p[18] = (char)('0' + s % 10);
		p[19] = '.';
		p[20] = (char)('0' + f / 100);
		p[21] = (char)('0' + f / 10 % 10);
		p[22] = (char)('0' + f % 10);
		p[23] = 'Z';
		p[24] = 0;
		return 24;
	}
	int n = snprintf(out, cap, "%+d-%02d-%02dT%02d:%02d:%02d.%03dZ", Y, M, D, h, mi, s, f);
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

int64_t tm_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t tm_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
