/* eventgen: deterministic synthetic events for demos, tests and benchmarks. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "diag.h"
#include "exitcode.h"
#include "out.h"
#include "sig.h"
#include "tm.h"

static const char help[] =
	"usage: eventgen [-n N] [-r RATE] [--users U] [--seed S] [--start TIME] [--step DUR]\n"
	"                [--jitter DUR] [--late-fraction F] [--late-by DUR]\n"
	"                [--bad-fraction F] [--scenario brute-force,bot]\n"
	"Write synthetic events, one JSON object per line; the same options give the same bytes.\n"
	"  -n, --count N          N events (good and bad lines), then scenario leftovers;\n"
	"                         default: endless\n"
	"  -r, --rate R           pace to R events per second of wall-clock time (1000/s, 5/ms)\n"
	"      --users U          user_1 .. user_U (default 1000)\n"
	"      --seed S           random seed (default 1)\n"
	"      --start TIME       event time of the first event (default 2026-01-01T00:00:00Z,\n"
	"                         or now with --rate)\n"
	"      --step DUR         event-time distance between events (default 10ms, or 1/R with\n"
	"                         --rate)\n"
	"      --jitter DUR       move each event up to DUR into the past (out of order)\n"
	"      --late-fraction F  fraction of events that are late by --late-by\n"
	"      --late-by DUR      how late (default 15m)\n"
	"      --bad-fraction F   fraction of lines that are malformed (see eventgen(1))\n"
	"      --scenario LIST    add attackers: brute-force, bot (comma-separated)\n"
	"  -u, --unbuffered       write each line at once\n"
	CLI_HELP_BASE;

enum {
	OPT_USERS = CLI_OPT_TOOL,
	OPT_SEED,
	OPT_START,
	OPT_STEP,
	OPT_JITTER,
	OPT_LATE_FRACTION,
	OPT_LATE_BY,
	OPT_BAD_FRACTION,
	OPT_SCENARIO,
};

static const struct option longopts[] = {
	{ "count", required_argument, NULL, 'n' },
	{ "rate", required_argument, NULL, 'r' },
	{ "users", required_argument, NULL, OPT_USERS },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "start", required_argument, NULL, OPT_START },
	{ "step", required_argument, NULL, OPT_STEP },
	{ "jitter", required_argument, NULL, OPT_JITTER },
	{ "late-fraction", required_argument, NULL, OPT_LATE_FRACTION },
	{ "late-by", required_argument, NULL, OPT_LATE_BY },
	{ "bad-fraction", required_argument, NULL, OPT_BAD_FRACTION },
	{ "scenario", required_argument, NULL, OPT_SCENARIO },
	{ "unbuffered", no_argument, NULL, 'u' },
	CLI_LONG_BASE,
	{ NULL, 0, NULL, 0 },
};

/* xoshiro256** seeded through splitmix64: fast, and one independent stream per concern so
   that e.g. --late-fraction shifts timestamps without changing any other byte. */
struct rng {
	uint64_t s[4];
};

enum { RNG_EVENT, RNG_BAD, RNG_JITTER, RNG_LATE, RNG_SCENARIO, RNG_N };

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
	splitmix(&x);
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

/* Uniform in [0, n) without division (Lemire). */
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

/* True with probability thr / 2^53. */
static inline int rng_chance(struct rng *r, uint64_t thr)
{
	return (rng_next(r) >> 11) < thr;
}

struct str {
	const char *s;
	size_t n;
};
#define S(x) { x, sizeof(x) - 1 }

enum { PAGE_VIEW, CLICK, SEARCH, ADD_TO_CART, PURCHASE, FAILED_LOGIN, SUCCESSFUL_LOGIN, LOGOUT,
	NTYPES };

static const struct str type_names[NTYPES] = {
	S("page_view"), S("click"), S("search"), S("add_to_cart"), S("purchase"),
	S("failed_login"), S("successful_login"), S("logout"),
};
/* Per mille; eventgen(1) lists them. */
static const unsigned type_weight[NTYPES] = { 400, 220, 120, 80, 30, 20, 70, 60 };

static const struct str pages[] = {
	S("/"), S("/home"), S("/search"), S("/products"), S("/cart"), S("/checkout"),
	S("/account"), S("/help"), S("/deals"), S("/blog"),
};
static const struct str referrers[] = {
	S("direct"), S("google"), S("newsletter"), S("facebook"), S("partner"),
};
static const struct str elements[] = {
	S("buy_button"), S("add_to_cart_button"), S("nav_menu"), S("product_card"),
	S("banner"), S("search_box"), S("footer_link"), S("recommendation"),
};
static const struct str queries[] = {
	S("running shoes"), S("wireless headphones"), S("coffee grinder"), S("usb-c cable"),
	S("rain jacket"), S("standing desk"), S("yoga mat"), S("phone case"), S("gift card"),
	S("mechanical keyboard"), S("water bottle"), S("backpack"), S("desk lamp"),
	S("sunglasses"), S("board games"), S("espresso machine"),
};
static const struct str currencies[] = { S("EUR"), S("USD"), S("GBP") };
static const struct str payments[] = { S("card"), S("paypal"), S("bank_transfer"), S("apple_pay") };
static const struct str fail_reasons[] = {
	S("bad_password"), S("bad_password"), S("bad_password"), S("bad_password"),
	S("bad_password"), S("bad_password"), S("unknown_user"), S("expired_password"),
};
static const struct str methods[] = { S("password"), S("password"), S("sso"), S("passkey") };
static const struct str devices[] = { S("mobile"), S("desktop"), S("tablet") };
static const char *const bad_utf8[] = {
	"\xff", "\x80", "\xc3\x28", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Who an event is from: background users are user_N, scenario users attacker_*_N. */
struct who {
	struct str prefix;
	uint64_t n;
	int device; /* index into devices */
	int net;    /* 0: 192.0.2, 1: 198.51.100, 2: 203.0.113 */
	unsigned host;
	bool attacker;
};

enum field { F_NONE = -1, F_EVENT_ID, F_USER_ID, F_EVENT_TYPE, F_TIMESTAMP, F_PROPERTIES };

/* The malformed-line kinds of --bad-fraction, in eventgen(1)'s order. */
enum bad { BAD_TRUNCATED, BAD_UTF8, BAD_MISSING, BAD_TYPE, BAD_BINARY, BAD_EMPTY, BAD_ARRAY,
	NBAD };

#define EV_MAX 1024 /* bytes one line can need at most */

struct tcache {
	int64_t sec;
	char txt[20]; /* YYYY-MM-DDTHH:MM:SS. */
};

struct gen {
	struct rng rng[RNG_N];
	uint64_t users;
	int64_t start, jitter, late_by;
	double step;
	uint64_t bad_thr, late_thr;
	unsigned char type_of[1000];
	struct tcache tc[8];
	uint64_t events, bad, late, scenario;
};

struct sev {
	int64_t t;
	uint32_t seq;
	unsigned char type, bot;
	unsigned n;
};

static const char hex2[513] =
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
	"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
	"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
	"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
	"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

/* Appends without a capacity check: callers reserve EV_MAX once per line. */
static inline void put(struct buf *b, const char *s, size_t n)
{
	memcpy(b->p + b->len, s, n);
	b->len += n;
}
#define PUTL(b, lit) put(b, lit, sizeof(lit) - 1)
static inline void puts_(struct buf *b, struct str s)
{
	put(b, s.s, s.n);
}

static inline void put_u64(struct buf *b, uint64_t v)
{
	char t[20], *e = t + sizeof t, *p = e;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(b, p, (size_t)(e - p));
}

static inline void put_hex(struct buf *b, uint64_t v, int bytes)
{
	char *p = b->p + b->len;
	for (int i = bytes - 1; i >= 0; i--, p += 2)
		memcpy(p, hex2 + 2 * ((v >> (8 * i)) & 0xff), 2);
	b->len += (size_t)bytes * 2;
}

static void put_uuid(struct buf *b, uint64_t hi, uint64_t lo)
{
	hi = (hi & ~0xf000ULL) | 0x4000ULL;                         /* version 4 */
	lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL; /* variant 10 */
	put_hex(b, hi >> 32, 4);
	PUTL(b, "-");
	put_hex(b, hi >> 16, 2);
	PUTL(b, "-");
	put_hex(b, hi, 2);
	PUTL(b, "-");
	put_hex(b, lo >> 48, 2);
	PUTL(b, "-");
	put_hex(b, lo, 6);
}

/* RFC 3339 UTC ms; the date and time of day are formatted once per second. */
static void put_time(struct gen *g, struct buf *b, int64_t ms)
{
	int64_t sec = tm_floordiv(ms, 1000);
	unsigned f = (unsigned)(ms - sec * 1000);
	if (sec < -62167219200LL || sec > 253402300799LL) { /* outside years 0000-9999 */
		char t[40];
		size_t n = tm_format(ms, t, sizeof t);
		PUTL(b, "\"");
		put(b, t, n);
		PUTL(b, "\"");
		return;
	}
	struct tcache *c = &g->tc[sec & 7];
	if (c->sec != sec) {
		char t[40];
		tm_format(sec * 1000, t, sizeof t);
		memcpy(c->txt, t, 20);
		c->sec = sec;
	}
	char *p = b->p + b->len;
	p[0] = '"';
	memcpy(p + 1, c->txt, 20);
	p[21] = (char)('0' + f / 100);
	p[22] = (char)('0' + f / 10 % 10);
	p[23] = (char)('0' + f % 10);
	p[24] = 'Z';
	p[25] = '"';
	b->len += 26;
}

static inline void comma(struct buf *b)
{
	if (b->p[b->len - 1] != '{')
		PUTL(b, ",");
}

static void put_money(struct buf *b, uint64_t cents)
{
	put_u64(b, cents / 100);
	PUTL(b, ".");
	char d[2] = { (char)('0' + cents / 10 % 10), (char)('0' + cents % 10) };
	put(b, d, 2);
}

static void put_ip(struct buf *b, const struct who *w)
{
	static const struct str nets[] = { S("192.0.2."), S("198.51.100."), S("203.0.113.") };
	puts_(b, nets[w->net]);
	put_u64(b, w->host);
}

static void put_page(struct buf *b, struct rng *r)
{
	uint64_t x = rng_below(r, 20);
	if (x < NELEM(pages)) {
		puts_(b, pages[x]);
	} else {
		PUTL(b, "/products/");
		put_u64(b, 1000 + rng_below(r, 9000));
	}
}

/* The properties object: a map of strings that depends on the event type. */
static void put_props(struct buf *b, struct rng *r, const struct who *w, int type)
{
	PUTL(b, "{");
	switch (type) {
	case PAGE_VIEW:
		PUTL(b, "\"page\":\"");
		put_page(b, r);
		PUTL(b, "\",\"referrer\":\"");
		puts_(b, referrers[rng_below(r, NELEM(referrers))]);
		break;
	case CLICK:
		PUTL(b, "\"page\":\"");
		put_page(b, r);
		PUTL(b, "\",\"element\":\"");
		puts_(b, elements[rng_below(r, NELEM(elements))]);
		break;
	case SEARCH:
		PUTL(b, "\"query\":\"");
		puts_(b, queries[rng_below(r, NELEM(queries))]);
		PUTL(b, "\",\"results\":\"");
		put_u64(b, rng_below(r, 200));
		break;
	case ADD_TO_CART:
		PUTL(b, "\"product_id\":\"p_");
		put_u64(b, 1000 + rng_below(r, 9000));
		PUTL(b, "\",\"quantity\":\"");
		put_u64(b, 1 + rng_below(r, 3));
		PUTL(b, "\",\"price\":\"");
		put_money(b, 199 + rng_below(r, 19800));
		break;
	case PURCHASE:
		PUTL(b, "\"product_id\":\"p_");
		put_u64(b, 1000 + rng_below(r, 9000));
		PUTL(b, "\",\"amount\":\"");
		put_money(b, 500 + rng_below(r, 49500));
		PUTL(b, "\",\"currency\":\"");
		puts_(b, currencies[rng_below(r, NELEM(currencies))]);
		PUTL(b, "\",\"payment\":\"");
		puts_(b, payments[rng_below(r, NELEM(payments))]);
		break;
	case FAILED_LOGIN: {
		uint64_t x = rng_below(r, NELEM(fail_reasons));
		PUTL(b, "\"reason\":\"");
		puts_(b, w->attacker ? fail_reasons[0] : fail_reasons[x]);
		PUTL(b, "\",\"ip\":\"");
		put_ip(b, w);
		break;
	}
	case SUCCESSFUL_LOGIN: {
		uint64_t x = rng_below(r, NELEM(methods));
		PUTL(b, "\"method\":\"");
		puts_(b, w->attacker ? methods[0] : methods[x]);
		PUTL(b, "\",\"ip\":\"");
		put_ip(b, w);
		break;
	}
	case LOGOUT:
		PUTL(b, "\"session_seconds\":\"");
		put_u64(b, 10 + rng_below(r, 3590));
		break;
	}
	PUTL(b, "\",\"device\":\"");
	puts_(b, devices[w->device]);
	PUTL(b, "\"}");
}

/* One event in the seed's shape; skip leaves a member out and wrong gives one the wrong
   JSON type (for --bad-fraction), consuming the same random numbers either way. */
static void put_event(struct gen *g, struct buf *b, struct rng *r, const struct who *w,
	int type, int64_t ts, int skip, int wrong)
{
	uint64_t hi = rng_next(r), lo = rng_next(r);
	PUTL(b, "{");
	if (skip != F_EVENT_ID) {
		PUTL(b, "\"event_id\":\"");
		put_uuid(b, hi, lo);
		PUTL(b, "\"");
	}
	if (skip != F_USER_ID) {
		comma(b);
		PUTL(b, "\"user_id\":");
		if (wrong == F_USER_ID) {
			put_u64(b, w->n);
		} else {
			PUTL(b, "\"");
			puts_(b, w->prefix);
			put_u64(b, w->n);
			PUTL(b, "\"");
		}
	}
	if (skip != F_EVENT_TYPE) {
		comma(b);
		PUTL(b, "\"event_type\":");
		if (wrong == F_EVENT_TYPE) {
			put_u64(b, (uint64_t)type);
		} else {
			PUTL(b, "\"");
			puts_(b, type_names[type]);
			PUTL(b, "\"");
		}
	}
	if (skip != F_TIMESTAMP) {
		comma(b);
		PUTL(b, "\"timestamp\":");
		if (wrong == F_TIMESTAMP)
			PUTL(b, "true");
		else
			put_time(g, b, ts);
	}
	PUTL(b, ",\"properties\":");
	size_t at = b->len;
	put_props(b, r, w, type);
	if (wrong == F_PROPERTIES) {
		b->len = at;
		PUTL(b, "\"n/a\"");
	}
	PUTL(b, "}");
}

static inline void reserve(struct buf *b)
{
	if (b->cap - b->len <= EV_MAX)
		buf_grow(b, EV_MAX);
}

static void user_who(struct who *w, uint64_t n)
{
	static const struct str prefix = S("user_");
	uint64_t h = n * 0x9e3779b97f4a7c15ULL;
	unsigned d = (unsigned)((h >> 32) % 100);
	w->prefix = prefix;
	w->n = n;
	w->device = d < 55 ? 0 : d < 93 ? 1 : 2;
	w->net = (int)((h >> 20) & 1);
	w->host = 1 + (unsigned)((h >> 40) % 254);
	w->attacker = false;
}

/* One background line: an event, or with --bad-fraction a malformed line made from it. */
static void background(struct gen *g, struct buf *b, uint64_t i)
{
	struct rng *r = &g->rng[RNG_EVENT], *br = &g->rng[RNG_BAD];
	int64_t ts = g->start + (int64_t)((double)i * g->step);
	struct who w;
	user_who(&w, 1 + rng_below(r, g->users));
	int type = g->type_of[rng_below(r, 1000)];
	if (g->jitter)
		ts -= (int64_t)rng_below(&g->rng[RNG_JITTER], (uint64_t)g->jitter + 1);
	bool late = g->late_thr && rng_chance(&g->rng[RNG_LATE], g->late_thr);
	if (late)
		ts -= g->late_by;
	reserve(b);
	if (!g->bad_thr || !rng_chance(br, g->bad_thr)) {
		put_event(g, b, r, &w, type, ts, F_NONE, F_NONE);
		g->events++;
		g->late += late;
		return;
	}
	g->bad++;
	size_t at = b->len;
	switch (rng_below(br, NBAD)) {
	case BAD_TRUNCATED:
		put_event(g, b, r, &w, type, ts, F_NONE, F_NONE);
		b->len = at + 1 + rng_below(br, b->len - at - 1);
		break;
	case BAD_UTF8: {
		const char *s = bad_utf8[rng_below(br, NELEM(bad_utf8))];
		size_t n = strlen(s);
		put_event(g, b, r, &w, type, ts, F_NONE, F_NONE);
		b->len -= 3; /* before the closing "}} */
		put(b, s, n);
		PUTL(b, "\"}}");
		break;
	}
	case BAD_MISSING:
		put_event(g, b, r, &w, type, ts, (int)rng_below(br, 4), F_NONE);
		break;
	case BAD_TYPE:
		put_event(g, b, r, &w, type, ts, F_NONE, (int)rng_below(br, 4) + F_USER_ID);
		break;
	case BAD_BINARY: {
		put_event(g, b, r, &w, type, ts, F_NONE, F_NONE);
		b->len = at;
		size_t n = 8 + rng_below(br, 57);
		for (size_t k = 0; k < n; k++) {
			unsigned char c = (unsigned char)rng_next(br);
			if (k == 0)
				c |= 0x80; /* no JSON text starts like this */
			else if (c == '\n' || c == '\r')
				c = 0;
			b->p[b->len++] = (char)c;
		}
		break;
	}
	case BAD_EMPTY:
		put_event(g, b, r, &w, type, ts, F_NONE, F_NONE);
		b->len = at;
		break;
	case BAD_ARRAY:
		PUTL(b, "[");
		put_event(g, b, r, &w, type, ts, F_NONE, F_NONE);
		PUTL(b, "]");
		break;
	}
}

#define SEC 1000
/* Attackers (eventgen(1) SCENARIOS): brute-force: 3 users, each 12 failed_login 3 s apart
   then one successful_login 3 s later, starting at +10 s, +30 s, +50 s. bot: 2 users, each
   150 events 500 ms apart cycling through 5 types, starting at +20 s and +80 s. */
enum { BF_USERS = 3, BF_FAILS = 12, BOT_USERS = 2, BOT_EVENTS = 150 };
static const unsigned char bot_cycle[] = { PAGE_VIEW, CLICK, SEARCH, ADD_TO_CART, PURCHASE };

static int sev_cmp(const void *a, const void *b)
{
	const struct sev *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static struct sev *scenario_plan(int64_t start, bool bf, bool bot, size_t *np)
{
	struct sev *v = xcalloc(BF_USERS * (BF_FAILS + 1) + BOT_USERS * BOT_EVENTS, sizeof *v);
	size_t n = 0;
	if (bf)
		for (unsigned k = 1; k <= BF_USERS; k++) {
			int64_t t0 = start + 10 * SEC + (int64_t)(k - 1) * 20 * SEC;
			for (unsigned j = 0; j <= BF_FAILS; j++, n++) {
				v[n].t = t0 + (int64_t)j * 3 * SEC;
				v[n].seq = (uint32_t)n;
				v[n].type = j < BF_FAILS ? FAILED_LOGIN : SUCCESSFUL_LOGIN;
				v[n].n = k;
			}
		}
	if (bot)
		for (unsigned k = 1; k <= BOT_USERS; k++) {
			int64_t t0 = start + 20 * SEC + (int64_t)(k - 1) * 60 * SEC;
			for (unsigned j = 0; j < BOT_EVENTS; j++, n++) {
				v[n].t = t0 + (int64_t)j * 500;
				v[n].seq = (uint32_t)n;
				v[n].type = bot_cycle[j % NELEM(bot_cycle)];
				v[n].bot = 1;
				v[n].n = k;
			}
		}
	qsort(v, n, sizeof *v, sev_cmp);
	*np = n;
	return v;
}

static void scenario_event(struct gen *g, struct buf *b, const struct sev *e)
{
	static const struct str bf = S("attacker_bf_"), bot = S("attacker_bot_");
	struct who w = { e->bot ? bot : bf, e->n, 1, 2, (e->bot ? 100 : 10) + e->n, true };
	reserve(b);
	put_event(g, b, &g->rng[RNG_SCENARIO], &w, e->type, e->t, F_NONE, F_NONE);
	g->scenario++;
}

static bool parse_fraction(const char *s, double *f)
{
	char *e;
	errno = 0;
	*f = strtod(s, &e);
	return e != s && !*e && !errno && *f >= 0 && *f <= 1;
}

static uint64_t fraction_thr(double f)
{
	return (uint64_t)(f * 9007199254740992.0); /* f * 2^53 */
}

static bool parse_scenarios(const char *s, bool *bf, bool *bot)
{
	char *copy = xstrdup(s), *save = NULL;
	bool ok = true;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!strcmp(t, "brute-force"))
			*bf = true;
		else if (!strcmp(t, "bot"))
			*bot = true;
		else
			ok = false;
	}
	free(copy);
	return ok && (*bf || *bot);
}

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* --rate: waits until line i is due, but never sleeps while behind schedule: it then
   returns how many lines may go out before the clock needs reading again. */
static uint64_t pace(struct out *o, int64_t t0, double rate, uint64_t i)
{
	out_flush(o);
	for (;;) {
		int64_t now = mono_ns();
		uint64_t allowed = (uint64_t)((double)(now - t0) * rate / 1e9) + 1;
		if (i < allowed || sig_stop)
			return allowed;
		int64_t due = t0 + (int64_t)((double)i * 1e9 / rate);
		struct timespec ts = { (time_t)(due / 1000000000), (long)(due % 1000000000) };
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
}

int main(int argc, char **argv)
{
	struct gen g;
	struct out o;
	long long count = -1, users = 1000, seed = 1;
	double rate = 0, late_fraction = 0, bad_fraction = 0;
	const char *start_arg = NULL;
	int64_t step = -1;
	bool bf = false, bot = false;
	int c, r;

	cli_init(argv);
	memset(&g, 0, sizeof g);
	g.late_by = 15 * 60 * SEC;
	while ((c = getopt_long(argc, argv, "n:r:u" CLI_SHORT_BASE, longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (!cli_parse_count(optarg, &count))
				return cli_usage("-n: not a count: %s", optarg);
			break;
		case 'r':
			if (!cli_parse_rate(optarg, &rate))
				return cli_usage("--rate: not a rate: %s", optarg);
			break;
		case OPT_USERS:
			if (!cli_parse_count(optarg, &users) || users < 1)
				return cli_usage("--users: expected a positive count: %s", optarg);
			break;
		case OPT_SEED:
			if (!cli_parse_count(optarg, &seed))
				return cli_usage("--seed: not a non-negative integer: %s", optarg);
			break;
		case OPT_START:
			start_arg = optarg;
			break;
		case OPT_STEP:
			if (!tm_parse_duration(optarg, &step, false))
				return cli_usage("--step: not a duration: %s", optarg);
			break;
		case OPT_JITTER:
			if (!tm_parse_duration(optarg, &g.jitter, false))
				return cli_usage("--jitter: not a duration: %s", optarg);
			break;
		case OPT_LATE_FRACTION:
			if (!parse_fraction(optarg, &late_fraction))
				return cli_usage("--late-fraction: expected 0..1: %s", optarg);
			break;
		case OPT_LATE_BY:
			if (!tm_parse_duration(optarg, &g.late_by, false))
				return cli_usage("--late-by: not a duration: %s", optarg);
			break;
		case OPT_BAD_FRACTION:
			if (!parse_fraction(optarg, &bad_fraction))
				return cli_usage("--bad-fraction: expected 0..1: %s", optarg);
			break;
		case OPT_SCENARIO:
			if (!parse_scenarios(optarg, &bf, &bot))
				return cli_usage("--scenario: expected brute-force, bot or both: %s",
					optarg);
			break;
		default:
			if ((r = cli_opt(c, optarg, help)) != CLI_CONTINUE)
				return r;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 0)
		return cli_usage("unexpected argument: %s", argv[0]);

	int64_t now = tm_now_ms();
	g.start = rate > 0 ? now : 1767225600000LL; /* 2026-01-01T00:00:00Z */
	if (start_arg && !tm_parse_time(start_arg, now, &g.start))
		return cli_usage("--start: not a time: %s", start_arg);
	g.step = step >= 0 ? (double)step : rate > 0 ? 1000.0 / rate : 10.0;
	g.users = (uint64_t)users;
	g.bad_thr = fraction_thr(bad_fraction);
	g.late_thr = fraction_thr(late_fraction);
	for (int i = 0; i < RNG_N; i++)
		rng_seed(&g.rng[i], (uint64_t)seed, (uint64_t)i);
	for (unsigned t = 0, k = 0; t < NTYPES; t++)
		for (unsigned w = 0; w < type_weight[t]; w++)
			g.type_of[k++] = (unsigned char)t;
	for (size_t i = 0; i < NELEM(g.tc); i++)
		g.tc[i].sec = INT64_MIN;

	size_t nsev = 0, next = 0;
	struct sev *sev = scenario_plan(g.start, bf, bot, &nsev);
	out_init(&o, 1, "stdout", cli.unbuffered);
	struct buf *b = out_buf(&o);
	int64_t t0 = mono_ns();
	uint64_t allowed = 0;

	for (uint64_t i = 0; count < 0 || i < (uint64_t)count; i++) {
		if (sig_stop || o.broken || o.err)
			break;
		if (rate > 0 && i >= allowed && (allowed = pace(&o, t0, rate, i)) <= i)
			break; /* stopped while waiting */
		int64_t base = g.start + (int64_t)((double)i * g.step);
		while (next < nsev && sev[next].t <= base) {
			scenario_event(&g, b, &sev[next++]);
			out_end_record(&o);
		}
		background(&g, b, i);
		out_end_record(&o);
	}
	while (next < nsev && !sig_stop && !o.broken && !o.err) {
		scenario_event(&g, b, &sev[next++]);
		out_end_record(&o);
	}
	free(sev);

	int rc = RN_EXIT_OK;
	if (out_close(&o) < 0 && o.err) {
		diag_err("write error on standard output: %s", strerror(o.err));
		rc = RN_EXIT_RUNTIME;
	}
	diag_info("wrote %llu lines: %llu events (%llu late), %llu bad, %llu scenario",
		(unsigned long long)(g.events + g.bad + g.scenario),
		(unsigned long long)g.events, (unsigned long long)g.late,
		(unsigned long long)g.bad, (unsigned long long)g.scenario);
	return rc;
}
