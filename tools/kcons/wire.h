#ifndef RUNNEL_KCONS_WIRE_H
#define RUNNEL_KCONS_WIRE_H

#include <stdbool.h>

#include "avrobin.h"
#include "cli.h"
#include "kconf.h"
#include "kenv.h"
#include "registry.h"

/* kcons --avro: values and framed keys in the Confluent wire format decoded to JSON,
   writer schemas fetched from the registry by id once. */
enum {
	KCW_OPT_AVRO = CLI_OPT_TOOL + 0x40,
	KCW_OPT_READER,
};

#define KCW_LONG_OPTS \
	{ "avro", no_argument, NULL, KCW_OPT_AVRO }, \
	{ "reader-schema", required_argument, NULL, KCW_OPT_READER }, \
	REG_LONG_OPTS

#define KCW_HELP \
	"Avro (Confluent wire format: magic byte 0, 4-byte schema id, Avro binary):\n" \
	"      --avro               decode values, and keys that start with the magic byte,\n" \
	"                           to JSON with the writer's schema from the registry\n" \
	"      --reader-schema FILE read values as this schema (Avro schema resolution)\n" \
	REG_HELP

enum kc_wire_result { KCW_OK, KCW_FATAL /* the registry failed: stop */ };

struct kc_wire {
	bool on;
	const char *reader_file;
	struct reg_conf rc;
	struct reg reg;
	bool reg_open;
	struct av_schema reader;
	bool have_reader;
	struct buf val, key, tmp, verr, kerr;
	bool vbad, kbad;
	int status; /* exit status after KCW_FATAL */
};

void kc_wire_init(struct kc_wire *w);
void kc_wire_free(struct kc_wire *w);
/* An option of KCW_LONG_OPTS: true when taken. */
bool kc_wire_opt(struct kc_wire *w, int c, const char *arg);
/* After the options: CLI_CONTINUE, or the exit status after a message. */
int kc_wire_start(struct kc_wire *w, const struct kconf *kc);
/*
 * Decodes m's value (and its key, when keys is set and the key is framed) in place:
 * m then points at the JSON. A message that does not decode keeps its bytes and
 * sets vbad/kbad with the reasons in verr/kerr; KCW_FATAL (after a message) when the
 * registry cannot be reached or refuses us. With json_key, a key that decodes to a
 * JSON string becomes that string's text (for _kafka.key).
 */
enum kc_wire_result kc_wire_decode(struct kc_wire *w, struct kenv_msg *m, bool keys,
	bool json_key);
/* -J: appends "key_error" and "value_error" members before the envelope's closing
   brace, for what did not decode. */
void kc_wire_errors(struct kc_wire *w, struct buf *b);

#endif
