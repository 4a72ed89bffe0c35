#!/usr/bin/python3
"""A Confluent Schema Registry double for runnel's tests (Debian packages no registry).

    registry_double.py PORT [--auth USER:PASS] [--log FILE] [--fail-next N]
                       [--tls CERT KEY [--client-ca CA]]

Speaks the REST API runnel uses, with Confluent's JSON shapes and error codes:
  POST /subjects/S/versions           {"schema": "..."} -> {"id": N}; the same schema
                                      again -> the same id; 422/42201 for a schema that
                                      does not parse as Avro; 409 when incompatible
  GET  /subjects                      ["S", ...]
  GET  /subjects/S/versions           [1, 2, ...]              (404/40401)
  GET  /subjects/S/versions/latest    {"subject","version","id","schema"} (404/40401)
  GET  /subjects/S/versions/V         the same for version V   (404/40401, 40402)
  GET  /schemas/ids/N                 {"schema": "..."}        (404/40403)
Compatibility is Confluent's default, BACKWARD, simplified: the new schema must read
data written with the latest one, so a field it adds needs a default, and a field both
have must keep its type (or promote: int to long/float/double, long to float/double,
float to double, string to bytes and back). With --auth every request needs HTTP basic
auth (401 otherwise). --fail-next N answers the next N requests 503/50301 (retry
tests). --log appends one JSON line per request: method, path, status. Prints "ready"
once it listens on 127.0.0.1:PORT; stops on SIGTERM.
"""
import argparse
import base64
import json
import signal
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

import avro.schema

PROMOTE = {"int": {"long", "float", "double"}, "long": {"float", "double"},
           "float": {"double"}, "string": {"bytes"}, "bytes": {"string"}}


class State:
    def __init__(self):
        self.lock = threading.RLock()
        self.ids = {}        # id -> schema text
        self.by_canon = {}   # canonical JSON -> id
        self.subjects = {}   # subject -> [id, ...] (version i+1)
        self.fail_next = 0


def canon(text):
    return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))


def type_name(t):
    if isinstance(t, dict):
        return t.get("type") if t.get("type") not in ("record", "enum", "fixed") else t.get("name")
    if isinstance(t, list):
        return "union"
    return t


def incompatible(new, old):
    """Why data written with old cannot be read with new, or None."""
    if not (isinstance(new, dict) and isinstance(old, dict)
            and new.get("type") == "record" and old.get("type") == "record"):
        same = json.dumps(new, sort_keys=True) == json.dumps(old, sort_keys=True)
        ok = same or type_name(new) in PROMOTE.get(type_name(old), ())
        return None if ok else "the type changed from %s to %s" % (type_name(old), type_name(new))
    old_fields = {f["name"]: f for f in old.get("fields", [])}
    for i, f in enumerate(new.get("fields", [])):
        o = old_fields.get(f["name"])
        if o is None:
            if "default" not in f:
                return ("READER_FIELD_MISSING_DEFAULT_VALUE: the field '%s' at path "
                        "'/fields/%d' in the new schema has no default value and is missing "
                        "in the old schema" % (f["name"], i))
            continue
        nt, ot = f["type"], o["type"]
        if json.dumps(nt, sort_keys=True) == json.dumps(ot, sort_keys=True):
            continue
        if isinstance(nt, dict) and isinstance(ot, dict) and nt.get("type") == "record":
            why = incompatible(nt, ot)
            if why:
                return why
            continue
        if type_name(nt) in PROMOTE.get(type_name(ot), ()):
            continue
        return ("TYPE_MISMATCH: the type of the field '%s' at path '/fields/%d' changed from "
                "%s to %s" % (f["name"], i, type_name(ot), type_name(nt)))
    return None


def make_handler(st, auth, log):
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def reply(self, code, obj, extra=None):
            body = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)
            if log:
                with st.lock, open(log, "a") as f:
                    f.write(json.dumps({"method": self.command, "path": self.path,
                                        "status": code}) + "\n")

        def error(self, code, ec, msg, extra=None):
            self.reply(code, {"error_code": ec, "message": msg}, extra)

        def gate(self):
            n = int(self.headers.get("Content-Length") or 0)
            self.body = self.rfile.read(n) if n else b""
            with st.lock:
                if st.fail_next > 0:
                    st.fail_next -= 1
                    self.error(503, 50301, "Service unavailable (the double was told to fail)")
                    return False
            if auth:
                want = "Basic " + base64.b64encode(auth.encode()).decode()
                if self.headers.get("Authorization") != want:
                    self.error(401, 401, "Unauthorized",
                               {"WWW-Authenticate": 'Basic realm="SchemaRegistry"'})
                    return False
            return True

        def parts(self):
            return [unquote(p) for p in self.path.split("?")[0].split("/") if p]

        def version_reply(self, subject, v):
            ids = st.subjects[subject]
            sid = ids[v - 1]
            self.reply(200, {"subject": subject, "version": v, "id": sid,
                             "schema": st.ids[sid]})

        def do_GET(self):
            if not self.gate():
                return
            p = self.parts()
            with st.lock:
                if p == ["subjects"]:
                    return self.reply(200, sorted(st.subjects))
                if len(p) == 3 and p[:2] == ["schemas", "ids"] and p[2].isdigit():
                    sid = int(p[2])
                    if sid not in st.ids:
                        return self.error(404, 40403, "Schema %d not found" % sid)
                    return self.reply(200, {"schema": st.ids[sid]})
                if len(p) >= 3 and p[0] == "subjects" and p[2] == "versions":
                    s = p[1]
                    if s not in st.subjects:
                        return self.error(404, 40401, "Subject '%s' not found." % s)
                    if len(p) == 3:
                        return self.reply(200, list(range(1, len(st.subjects[s]) + 1)))
                    if len(p) == 4:
                        if p[3] == "latest":
                            return self.version_reply(s, len(st.subjects[s]))
                        if p[3].isdigit() and 1 <= int(p[3]) <= len(st.subjects[s]):
                            return self.version_reply(s, int(p[3]))
                        return self.error(404, 40402, "Version %s not found." % p[3])
            self.error(404, 404, "HTTP 404 Not Found")

        def do_POST(self):
            if not self.gate():
                return
            p = self.parts()
            if not (len(p) == 3 and p[0] == "subjects" and p[2] == "versions"):
                return self.error(404, 404, "HTTP 404 Not Found")
            subject = p[1]
            try:
                req = json.loads(self.body)
                text = req["schema"]
                if req.get("schemaType", "AVRO") != "AVRO":
                    raise ValueError("only AVRO schemas are supported")
                avro.schema.parse(text)
                parsed = json.loads(text)
            except Exception as e:  # what Confluent answers for any unparseable schema
                return self.error(422, 42201, "Invalid schema %s, details: %s" %
                                  (self.body.decode("utf-8", "replace")[:200], e))
            with st.lock:
                key = canon(text)
                versions = st.subjects.get(subject, [])
                sid = st.by_canon.get(key)
                if sid is not None and sid in versions:
                    return self.reply(200, {"id": sid})
                if versions:
                    why = incompatible(parsed, json.loads(st.ids[versions[-1]]))
                    if why:
                        return self.error(409, 409,
                                          "Schema being registered is incompatible with an "
                                          "earlier schema for subject \"%s\", details: [%s]"
                                          % (subject, why))
                if sid is None:
                    sid = len(st.ids) + 1
                    st.ids[sid] = text
                    st.by_canon[key] = sid
                st.subjects.setdefault(subject, []).append(sid)
                return self.reply(200, {"id": sid})

    return H


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--auth")
    ap.add_argument("--log")
    ap.add_argument("--fail-next", type=int, default=0)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--client-ca")
    a = ap.parse_args()
    st = State()
    st.fail_next = a.fail_next
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), make_handler(st, a.auth, a.log))
    srv.daemon_threads = True
    if a.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*a.tls)
        if a.client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(a.client_ca)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=srv.shutdown).start())
    print("ready", flush=True)
    srv.serve_forever()
    srv.server_close()


if __name__ == "__main__":
    sys.exit(main())
