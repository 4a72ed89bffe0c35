#ifndef RUNNEL_KPROD_WIRE_H
#define RUNNEL_KPROD_WIRE_H

#include <stdbool.h>
#include <stdint.h>

#include "avrobin.h"
#include "cli.h"
#include "kconf.h"
#include "kprod.h"
#include "registry.h"

/* kprod --avro: values (and with --key-avro keys) encoded to Avro in the Confluent
   wire format, their schemas registered once at the start. */
enum {
	KPW_OPT_AVRO = CLI_OPT_TOOL + 0x40,
	KPW_OPT_KEY_AVRO,
	KPW_OPT_SUBJECT,
	KPW_OPT_SCHEMA_ID,
};

#define KPW_LONG_OPTS \
	{ "avro", required_argument, NULL, KPW_OPT_AVRO }, \
	{ "key-avro", required_argument, NULL, KPW_OPT_KEY_AVRO }, \
	{ "subject", required_argument, NULL, KPW_OPT_SUBJECT }, \
	{ "schema-id", required_argument, NULL, KPW_OPT_SCHEMA_ID }, \
	REG_LONG_OPTS

#define KPW_HELP \
	"Avro (Confluent wire format: magic byte 0, 4-byte schema id, Avro binary):\n" \
	"      --avro SCHEMA.avsc   encode each line with this schema, registered under\n" \
	"                           TOPIC-value; a line that does not fit is rejected\n" \
	"      --key-avro SCHEMA    encode the -k key with this schema (subject TOPIC-key)\n" \
	"      --subject S          register the value schema under S instead\n" \
	"      --schema-id N        use registered schema N (checked against --avro's file\n" \
	"                           when both are given) instead of registering; latest:\n" \
	"                           the subject's latest version\n" \
	REG_HELP

struct kp_wire {
	bool on, key_on;
	const char *file, *key_file, *subject;
	long long schema_id; /* -1: register, -3: the subject's latest */
	struct reg_conf rc;
	struct reg reg;
	bool reg_open;
	struct av_schema val, key;
	uint32_t val_id, key_id;
	struct buf vbuf, kbuf, why;
	struct rec r;
};

void kp_wire_init(struct kp_wire *w);
void kp_wire_free(struct kp_wire *w);
/* An option of KPW_LONG_OPTS: true when taken (checked in kp_wire_start). */
bool kp_wire_opt(struct kp_wire *w, int c, const char *arg);
/* After the options: loads and registers the schemas. CLI_CONTINUE, or the exit
   status after a message. */
int kp_wire_start(struct kp_wire *w, const struct kconf *kc, const char *topic, bool envelope,
	bool have_key);
/* Replaces m's value (the JSON line) and key (the JSON value at key_path, if any) by
   their framed Avro encodings; false with why set when the line does not fit. */
bool kp_wire_encode(struct kp_wire *w, struct kp_msg *m, const struct path *key_path,
	struct buf *why);

#endif
