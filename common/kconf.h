#ifndef RUNNEL_KCONF_H
#define RUNNEL_KCONF_H

#include <stdbool.h>
#include <stddef.h>

#include <librdkafka/rdkafka.h>

/*
 * librdkafka configuration shared by kcons and kprod, kcat-style:
 *   -b BROKERS            kconf.brokers (else $KAFKA_BROKERS, else localhost:9092)
 *   -X prop=val           kconf_add (repeatable; "topic." prefix accepted and dropped;
 *                         "-X list" prints the properties, "-X dump" the final config)
 *   -F FILE               kconf_add_file (Java properties: name=value | name: value |
 *                         name value, # and ! comments, \ continuation and escapes)
 * schema.registry.* properties are not librdkafka's: kconf_build leaves them to registry.h.
 * Settings are recorded while options are parsed and applied in kconf_build, after the
 * tool's defaults, in command-line order, so -X/-F override any default; -b wins over
 * a bootstrap.servers given with -X/-F.
 *
 * Usage in a tool:
 *   struct kconf kc; kconf_init(&kc);
 *   case 'b': kc.brokers = optarg; break;
 *   case 'X': if ((r = kconf_add(&kc, optarg)) != KCONF_OK) return r == KCONF_DONE ? 0 : RN_EXIT_CONFIG; break;
 *   case 'F': if (kconf_add_file(&kc, optarg) < 0) return RN_EXIT_CONFIG; break;
 *   ...
 *   static const char *const defaults[] = { "acks", "all", NULL };
 *   rd_kafka_conf_t *conf = kconf_build(&kc, defaults);   NULL: reported, exit 3
 *   if (kc.dump) { kconf_dump(conf); ... exit 0 }
 *   kconf_free(&kc);
 */
enum kconf_status { KCONF_ERR = -1, KCONF_OK = 0, KCONF_DONE = 1 /* -X list printed */ };

struct kconf_item {
	char *name;
	char *value;
	char *origin; /* "-X" or "FILE:LINE", for messages */
};

struct kconf {
	const char *brokers; /* -b, or NULL */
	struct kconf_item *items;
	size_t n, cap;
	bool dump; /* -X dump was given */
};

void kconf_init(struct kconf *k);
void kconf_free(struct kconf *k);

/* -X prop=val: KCONF_OK, KCONF_DONE after "-X list", KCONF_ERR (reported) on bad form. */
int kconf_add(struct kconf *k, const char *arg);
/* -F FILE: 0, or -1 after reporting `prog: FILE:LINE: reason` or an open error. */
int kconf_add_file(struct kconf *k, const char *path);
/* Whether the user set NAME (or one of its aliases) with -X/-F, so a tool's
   shortcut option can tell a conflict (e.g. -z vs -X compression.codec). */
bool kconf_has(const struct kconf *k, const char *name);

/* The bootstrap list in effect: -b, else $KAFKA_BROKERS when set and not empty, else
   localhost:9092 (a bootstrap.servers from -X/-F is used when -b is absent). */
const char *kconf_brokers(const struct kconf *k);

/* A new rd_kafka_conf_t: defaults (NULL-terminated name/value pairs), the brokers,
   then every -X/-F setting in order; librdkafka's log goes through diag (kconf_log_cb).
   NULL after reporting `prog: -X name: reason` (the tool exits 3). */
rd_kafka_conf_t *kconf_build(const struct kconf *k, const char *const *defaults);

/* Prints the configuration as name = value lines (secrets masked), for -X dump. */
void kconf_dump(rd_kafka_conf_t *conf);

/* librdkafka log callback: `prog: librdkafka: FAC: message`, warnings and errors
   only with -v (tools report what matters to the user themselves). */
void kconf_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf);

#endif
