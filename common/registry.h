#ifndef RUNNEL_REGISTRY_H
#define RUNNEL_REGISTRY_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "avrobin.h"
#include "buf.h"
#include "kconf.h"

/*
 * A Confluent Schema Registry client (libcurl) and the wire format on top of it:
 * registering a schema under a subject, fetching schemas by id (each id once, cached,
 * an unknown id included) and decoding framed Avro messages with them.
 *
 * Settings, first found wins:
 *   URL       --registry URL, else -X/-F schema.registry.url
 *   auth      --registry-auth USER:PASSWORD, else -X/-F
 *             schema.registry.basic.auth.user.info (kcat's name), else
 *             $RUNNEL_REGISTRY_AUTH; credentials inside the URL work too, and are never
 *             shown in messages
 *   TLS       --registry-ca FILE, --registry-cert FILE, --registry-key FILE, else
 *             schema.registry.ssl.ca.location, .ssl.certificate.location,
 *             .ssl.key.location, .ssl.key.password
 *   timeouts  schema.registry.request.timeout.ms (default 10000, per attempt) and
 *             schema.registry.retries (default 3): connection errors, timeouts, 408,
 *             429 and 5xx answers are retried with doubling waits from 250 ms.
 * kconf leaves schema.registry.* properties to this module.
 */
enum {
	REG_OPT_URL = 0x1200, /* above any tool's CLI_OPT_TOOL numbers */
	REG_OPT_AUTH,
	REG_OPT_CA,
	REG_OPT_CERT,
	REG_OPT_KEY,
};

#define REG_LONG_OPTS \
	{ "registry", required_argument, NULL, REG_OPT_URL }, \
	{ "registry-auth", required_argument, NULL, REG_OPT_AUTH }, \
	{ "registry-ca", required_argument, NULL, REG_OPT_CA }, \
	{ "registry-cert", required_argument, NULL, REG_OPT_CERT }, \
	{ "registry-key", required_argument, NULL, REG_OPT_KEY }

#define REG_HELP \
	"      --registry URL       Confluent Schema Registry (or -X schema.registry.url)\n" \
	"      --registry-auth U:P  HTTP basic auth (or $RUNNEL_REGISTRY_AUTH, or -X\n" \
	"                           schema.registry.basic.auth.user.info)\n" \
	"      --registry-ca FILE   CA certificates for an https registry\n" \
	"      --registry-cert FILE, --registry-key FILE  client certificate and key (PEM)\n"

struct reg_conf {
	const char *url, *auth, *ca, *cert, *key, *key_pass;
	long timeout_ms;
	int retries;
};

void reg_conf_init(struct reg_conf *c);
/* A REG_OPT_* option: true if c took it. */
bool reg_opt(struct reg_conf *c, int opt, const char *arg);
/* Fills what the options left unset from schema.registry.* properties (k may be NULL)
   and the environment; false after reporting an unknown property or a bad value. */
bool reg_conf_finish(struct reg_conf *c, const struct kconf *k);

/* What a call came to. Exit statuses: reg_exit. */
enum reg_status {
	REG_OK,
	REG_BAD,         /* reg_decode: this message cannot be decoded (why says why) */
	REG_NOTFOUND,    /* 40401 subject or 40403 schema not found */
	REG_REFUSED,     /* the registry said no: 401, 403, 409, 422, ... */
	REG_UNREACHABLE, /* connection, timeout or 5xx, after the retries */
};

struct reg_entry;

struct reg {
	struct reg_conf c;
	char *base;  /* URL without a trailing slash */
	char *shown; /* the URL without credentials, for messages */
	void *curl;
	struct buf resp, url, tmp;
	struct reg_entry **ent; /* schemas by id */
	size_t nent, capent;
	long last_code;        /* HTTP status of the last answer */
};

/* false with err set when libcurl cannot start. */
bool reg_open(struct reg *r, const struct reg_conf *c, struct buf *err);
void reg_close(struct reg *r);

/* POST /subjects/S/versions: registers (or finds) the schema; its id. */
enum reg_status reg_register(struct reg *r, const char *subject, const char *schema,
	uint32_t *id, struct buf *err);
/* GET /subjects/S/versions/latest: id, version and schema text. */
enum reg_status reg_latest(struct reg *r, const char *subject, uint32_t *id, int *version,
	struct buf *schema, struct buf *err);
/* GET /schemas/ids/N, compiled, cached by id (a failure too, except REG_UNREACHABLE).
   NULL with *st and err set on failure. */
const struct av_schema *reg_schema(struct reg *r, uint32_t id, enum reg_status *st,
	struct buf *err);

/*
 * One message in the wire format, as compact JSON appended to out, read with reader
 * (NULL: as written). REG_BAD for this message's own problems (bad magic byte, short
 * frame, unknown id, a payload that does not decode, a writer schema the reader
 * cannot resolve); REG_REFUSED or REG_UNREACHABLE when the registry fails.
 */
enum reg_status reg_decode(struct reg *r, const struct av_schema *reader, const void *p,
	size_t n, struct buf *out, struct buf *why);

/* Exit status for a failed call: 3 for what the registry refused or lacks, 1 when it
   could not be reached. */
int reg_exit(enum reg_status st);

#endif
