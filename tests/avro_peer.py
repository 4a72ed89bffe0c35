#!/usr/bin/python3
"""An independent Avro peer for runnel's tests: Apache Avro for Python (python3-avro)
and python3-kafka, never runnel's code.

  avro_peer.py decode BROKERS TOPIC REGISTRY [--keys]
      every message of TOPIC (partition by partition, in offset order): checks the
      Confluent frame, fetches the writer schema by id from REGISTRY, decodes it and
      prints `ID<TAB>JSON` (with --keys: `KEYID<TAB>KEYJSON<TAB>ID<TAB>JSON`)
  avro_peer.py produce BROKERS TOPIC ID SCHEMA.avsc [--key-id N --key-schema FILE]
      each stdin line is natural JSON (as runnel writes it), converted to Python values
      for the schema and written framed with schema id ID; with --key-id, lines are
      `KEYJSON<TAB>VALUEJSON`
  avro_peer.py encode ID SCHEMA.avsc
      each stdin line (natural JSON) framed and encoded, printed as hex
  avro_peer.py raw BROKERS TOPIC
      each stdin line is `HEX` or `KEYHEX:HEX`: the bytes are produced as they are
  avro_peer.py resolve WRITER.avsc READER.avsc
      each stdin line (natural JSON) encoded with WRITER, read back as READER by
      python3-avro's own schema resolution, printed as natural JSON
Natural JSON: a union value is the bare value, timestamp-millis/-micros are RFC 3339
UTC strings (ms, µs), dates "YYYY-MM-DD", bytes and fixed strings of U+0000..U+00FF.
"""
import datetime
import io
import json
import struct
import sys
import urllib.request

import avro.io
import avro.schema
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

UTC = datetime.timezone.utc


def to_natural(v):
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=UTC)
        v = v.astimezone(UTC)
        if v.microsecond % 1000:
            return v.strftime("%Y-%m-%dT%H:%M:%S.") + "%06dZ" % v.microsecond
        return v.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (v.microsecond // 1000)
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, bytes):
        return v.decode("latin-1")
    if isinstance(v, dict):
        return {k: to_natural(x) for k, x in v.items()}
    if isinstance(v, list):
        return [to_natural(x) for x in v]
    return v


def parse_time(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(UTC)


def from_natural(s, v):
    """Natural JSON value v as the Python value python3-avro expects for schema s."""
    t = s.type
    lt = getattr(s, "logical_type", None) or s.props.get("logicalType")
    if t == "union":
        for b in s.schemas:
            try:
                x = from_natural(b, v)
            except (ValueError, TypeError, KeyError, AttributeError):
                continue
            if avro.io.validate(b, x):
                return x
        raise ValueError("no branch of %s takes %r" % (s, v))
    if t == "record":
        if not isinstance(v, dict):
            raise TypeError("not a record")
        out = {}
        for f in s.fields:
            if f.name in v:
                out[f.name] = from_natural(f.type, v[f.name])
            elif f.has_default:
                out[f.name] = from_natural(f.type, f.default)
        return out
    if t == "array":
        return [from_natural(s.items, x) for x in v]
    if t == "map":
        return {k: from_natural(s.values, x) for k, x in v.items()}
    if t in ("bytes", "fixed"):
        if not isinstance(v, str):
            raise TypeError("not a string")
        return v.encode("latin-1")
    epoch = datetime.datetime(1970, 1, 1, tzinfo=UTC)
    if t == "long" and lt in ("timestamp-millis", "timestamp-micros"):
        if isinstance(v, str):
            return parse_time(v)
        unit = "milliseconds" if lt == "timestamp-millis" else "microseconds"
        return epoch + datetime.timedelta(**{unit: v})
    if t == "int" and lt == "date":
        if isinstance(v, str):
            return datetime.date.fromisoformat(v)
        return epoch.date() + datetime.timedelta(days=v)
    if t in ("int", "long") and not (isinstance(v, int) and not isinstance(v, bool)):
        raise TypeError("not an integer")
    if t in ("float", "double") and isinstance(v, bool):
        raise TypeError("not a number")
    return v


def encode(schema, datum):
    buf = io.BytesIO()
    avro.io.DatumWriter(schema).write(datum, avro.io.BinaryEncoder(buf))
    return buf.getvalue()


def decode(writer, payload, reader=None):
    return avro.io.DatumReader(writer, reader or writer).read(
        avro.io.BinaryDecoder(io.BytesIO(payload)))


def dumps(v):
    return json.dumps(to_natural(v), separators=(",", ":"), ensure_ascii=False)


class Registry:
    def __init__(self, url):
        self.url, self.cache = url.rstrip("/"), {}

    def schema(self, sid):
        if sid not in self.cache:
            with urllib.request.urlopen("%s/schemas/ids/%d" % (self.url, sid)) as r:
                self.cache[sid] = avro.schema.parse(json.load(r)["schema"])
        return self.cache[sid]


def unframe(reg, b):
    if len(b) < 5 or b[0] != 0:
        raise SystemExit("avro_peer: not in the Confluent wire format: %r" % b[:16])
    sid = struct.unpack(">I", b[1:5])[0]
    return sid, decode(reg.schema(sid), b[5:])


def cmd_decode(brokers, topic, registry, keys=False):
    reg = Registry(registry)
    c = KafkaConsumer(bootstrap_servers=brokers, enable_auto_commit=False)
    parts = sorted(c.partitions_for_topic(topic) or [])
    tps = [TopicPartition(topic, p) for p in parts]
    c.assign(tps)
    c.seek_to_beginning(*tps)
    ends = c.end_offsets(tps)
    for tp in tps:
        c.assign([tp])
        c.seek_to_beginning(tp)
        while c.position(tp) < ends[tp]:
            for rs in c.poll(timeout_ms=1000, max_records=500).values():
                for m in rs:
                    sid, v = unframe(reg, m.value)
                    if keys:
                        kid, k = unframe(reg, m.key)
                        print("%d\t%s\t%d\t%s" % (kid, dumps(k), sid, dumps(v)))
                    else:
                        print("%d\t%s" % (sid, dumps(v)))
    c.close()


def frame(sid, payload):
    return b"\0" + struct.pack(">I", sid) + payload


def cmd_produce(brokers, topic, sid, schema_file, key_id=None, key_schema=None):
    schema = avro.schema.parse(open(schema_file).read())
    kschema = avro.schema.parse(open(key_schema).read()) if key_schema else None
    p = KafkaProducer(bootstrap_servers=brokers, linger_ms=5)
    for line in sys.stdin:
        line = line.rstrip("\n")
        key = None
        if kschema:
            kj, line = line.split("\t", 1)
            key = frame(int(key_id), encode(kschema, from_natural(kschema, json.loads(kj))))
        val = frame(int(sid), encode(schema, from_natural(schema, json.loads(line))))
        p.send(topic, key=key, value=val)
    p.flush()
    p.close()


def cmd_encode(sid, schema_file):
    schema = avro.schema.parse(open(schema_file).read())
    for line in sys.stdin:
        print(frame(int(sid), encode(schema, from_natural(schema, json.loads(line)))).hex())


def cmd_raw(brokers, topic):
    p = KafkaProducer(bootstrap_servers=brokers, linger_ms=5)
    for line in sys.stdin:
        line = line.strip()
        key, _, val = line.rpartition(":")
        p.send(topic, key=bytes.fromhex(key) if key else None, value=bytes.fromhex(val))
    p.flush()
    p.close()


def cmd_resolve(writer_file, reader_file):
    w = avro.schema.parse(open(writer_file).read())
    r = avro.schema.parse(open(reader_file).read())
    for line in sys.stdin:
        print(dumps(decode(w, encode(w, from_natural(w, json.loads(line))), r)))


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "decode":
        cmd_decode(*args[:3], keys="--keys" in args)
    elif cmd == "produce":
        kw = {}
        if "--key-id" in args:
            i = args.index("--key-id")
            kw["key_id"] = args[i + 1]
            j = args.index("--key-schema")
            kw["key_schema"] = args[j + 1]
        cmd_produce(*args[:4], **kw)
    elif cmd == "encode":
        cmd_encode(*args[:2])
    elif cmd == "raw":
        cmd_raw(*args[:2])
    elif cmd == "resolve":
        cmd_resolve(*args[:2])
    else:
        raise SystemExit("avro_peer: unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
