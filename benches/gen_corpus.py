#!/usr/bin/env python3
"""Generate a synthetic corpus of captured HTTP response bodies for benchmarking dapa.

Usage:
    benches/gen_corpus.py OUT_DIR [--count N] [--malformed-share 0.10] [--seed 42] [--force] [--jobs N]

Writes N files of roughly 2 KB each as OUT_DIR/dNNN/NNNNNN.json (at most 1000
files per subdirectory). The output is byte-for-byte deterministic for a given
(count, malformed-share, seed).

About (1 - malformed-share) of the files are healthy captures:
  * NICE Cognigy contact profiles (padded with profile.memories to ~2 KB),
    ~20% of them pretty-printed;
  * ~10% of the healthy ones are token wrappers
    {"result":{"token",..,"expiresAt",..,"userId",..,"metadata":{}},"errors":[],"warnings":[]}.

The malformed share is spread (round-robin, then shuffled) over these kinds:
  truncated      body cut off mid-object
  html_502       HTML "502 Bad Gateway" page from a proxy
  stringified    "profile" holds JSON serialised into a string
  genesys_error  {"message":..,"code":"bad.request","status":400,"contextId":..}
  quote_nan      single-quoted pseudo-JSON, or JSON with NaN/Infinity literals
  bom            valid JSON preceded by a UTF-8 BOM
  placeholder    unrendered ${email} template placeholder (quoted or bare)
  curl_dump      `curl -i` output: status line, headers, CRLF, HTML body

Only the Python 3.11 standard library is used.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone

FILES_PER_DIR = 1000
WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
TARGET_MIN, TARGET_MAX = 1700, 2200  # "about 2 KB" (padding overshoots by ~half a memory)

MALFORMED_KINDS = (
    "truncated",
    "html_502",
    "stringified",
    "genesys_error",
    "quote_nan",
    "bom",
    "placeholder",
    "curl_dump",
)

FIRST_NAMES = (
    "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hannah", "Jonas",
    "Lena", "Lukas", "Marie", "Noah", "Olivia", "Paul", "Sofia", "Tim", "Zoë",
    "José", "Chloé", "Søren", "Małgorzata", "Ayşe", "Björn", "Jürgen", "Renée",
)
LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner",
    "Becker", "Schulz", "Hoffmann", "García", "Martínez", "O'Brien", "Nguyen",
    "Kowalski", "Johansson", "Dubois", "Rossi", "Smith", "Jones", "van der Berg",
)
MAIL_DOMAINS = ("example.com", "example.org", "mail.example.net", "kunde.example.de")
WORDS = (
    "customer", "asked", "about", "invoice", "delivery", "prefers", "email",
    "callback", "tomorrow", "morning", "contract", "renewal", "upgrade", "tariff",
    "router", "outage", "refund", "promised", "credit", "note", "agent", "escalated",
    "second", "level", "support", "address", "changed", "moved", "Berlin", "Hamburg",
    "München", "Köln", "password", "reset", "portal", "account", "locked", "SIM",
    "card", "replacement", "shipped", "tracking", "number", "complaint", "resolved",
    "satisfied", "unhappy", "wait", "time", "too", "long", "offered", "discount",
    "declined", "accepted", "newsletter", "opt-in", "GDPR", "consent", "given",
    "payment", "overdue", "reminder", "sent", "direct", "debit", "mandate", "IBAN",
    "verified", "identity", "birthday", "loyal", "since", "years", "premium",
    "speaks", "English", "Deutsch", "français", "prefers", "chat", "over", "phone",
)
HTML_SERVERS = ("nginx", "nginx/1.25.3", "awselb/2.0", "cloudflare", "Apache")
GENESYS_ERRORS = (
    # (code, status, message) -- bad.request dominates on purpose.
    ("bad.request", 400, "The request could not be understood by the server due to malformed syntax."),
    ("bad.request", 400, "Unable to parse the response body of the remote endpoint."),
    ("bad.request", 400, "Transform failed to process result using 'successTemplate' template."),
    ("bad.request", 400, "Resolved variable ${email} could not be found in the input."),
    ("not.found", 404, "The requested resource was not found."),
    ("too.many.requests", 429, "Rate limit exceeded the maximum. Retry the request in [12] seconds."),
    ("internal.server.error", 500, "The remote endpoint returned an unexpected error."),
    ("gateway.timeout", 504, "The remote endpoint did not respond in time."),
)
GATEWAY_STATUSES = ((502, "Bad Gateway"), (502, "Bad Gateway"), (503, "Service Unavailable"), (504, "Gateway Timeout"))

BOM = b"\xef\xbb\xbf"
TS_BASE = 1_577_836_800  # 2020-01-01T00:00:00Z
TS_SPAN = 5 * 365 * 24 * 3600


# --------------------------------------------------------------------------- helpers

def hex24(rng: random.Random) -> str:
    return "%024x" % rng.getrandbits(96)


def uuid4(rng: random.Random) -> str:
    h = "%032x" % rng.getrandbits(128)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[rng.getrandbits(2)]}{h[17:20]}-{h[20:]}"


def iso(ts: int, millis: int = 0) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + f".{millis:03d}Z"


def http_date(ts: int) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT")


def sentence(rng: random.Random, lo: int = 8, hi: int = 22) -> str:
    words = rng.choices(WORDS, k=rng.randint(lo, hi))
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def dumps(obj, pretty: bool = False, allow_nan: bool = False) -> str:
    if pretty:
        return json.dumps(obj, ensure_ascii=False, indent=2, allow_nan=allow_nan)
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=allow_nan)


# --------------------------------------------------------------------------- healthy bodies

def _mem_overhead(pretty: bool) -> int:
    """Bytes one more memory adds to a serialised profile, excluding its text."""
    mem = {"id": "0" * 24, "timestamp": iso(0), "text": ""}
    one = {"profile": {"memories": [mem]}}
    two = {"profile": {"memories": [mem, mem]}}
    return len(dumps(two, pretty=pretty)) - len(dumps(one, pretty=pretty))


MEM_OVERHEAD = _mem_overhead(False)
MEM_OVERHEAD_PRETTY = _mem_overhead(True)


def contact_profile(rng: random.Random, target: int, pretty: bool = False) -> dict:
    """A Cognigy contact profile whose JSON (compact or pretty) is just over `target` bytes."""
    first = rng.choice(FIRST_NAMES)
    last = rng.choice(LAST_NAMES)
    local = re.sub(r"[^a-z]", "", (first + "." + last).lower().replace(" ", "")) or "contact"
    created = TS_BASE + rng.randrange(TS_SPAN)
    changed = created + rng.randrange(400 * 24 * 3600)
    ncontacts = rng.randint(1, 3)
    doc = {
        "_id": hex24(rng),
        "active": rng.random() < 0.9,
        "contactIds": [uuid4(rng) if rng.random() < 0.5 else hex24(rng) for _ in range(ncontacts)],
        "createdAt": created,
        "lastChanged": changed,
        "profile": {
            "firstname": first,
            "lastname": last,
            "email": f"{local}{rng.randint(1, 999)}@{rng.choice(MAIL_DOMAINS)}",
            "accepted_gdpr": rng.random() < 0.8,
            "memories": [],
        },
    }
    memories = doc["profile"]["memories"]
    # Size bookkeeping without re-serialising: a memory costs a fixed overhead
    # (keys, quotes, 2 x 24-char ids/timestamps, indentation) plus its text.
    size = len(dumps(doc, pretty=pretty).encode())
    overhead = MEM_OVERHEAD_PRETTY if pretty else MEM_OVERHEAD
    ts = created
    while size < target:
        ts += rng.randrange(3600, 30 * 24 * 3600)
        text = sentence(rng)
        memories.append({"id": hex24(rng), "timestamp": iso(ts, rng.randrange(1000)), "text": text})
        size += overhead + len(text.encode())
    return doc


def token_wrapper(rng: random.Random, target: int) -> str:
    """{"result":{"token":..,"expiresAt":..,"userId":..,"metadata":{}},"errors":[],"warnings":[]}"""
    now = TS_BASE + rng.randrange(TS_SPAN)
    user = hex24(rng)
    header = base64.urlsafe_b64encode(b'{"alg":"RS256","typ":"JWT"}').rstrip(b"=").decode()
    sig = base64.urlsafe_b64encode(rng.randbytes(256)).rstrip(b"=").decode()
    claims = {"sub": user, "iat": now, "exp": now + 3600, "iss": "https://api-trial.cognigy.ai",
              "scope": []}
    # Pad the claims (scopes) until the whole body reaches the target size;
    # base64 grows 4 bytes per 3, each scope adds its length + quotes + comma.
    skeleton = len(header) + len(sig) + 180
    claims_len = len(dumps(claims).encode())
    while claims_len * 4 // 3 + skeleton < target:
        scope = rng.choice(("projects", "flows", "endpoints", "contacts", "analytics", "logs",
                            "profiles", "intents")) + ":" + rng.choice(("read", "write", "admin"))
        claims_len += len(scope) + 2 + (1 if claims["scope"] else 0)
        claims["scope"].append(scope)
    payload = base64.urlsafe_b64encode(dumps(claims).encode()).rstrip(b"=").decode()
    body = {
        "result": {
            "token": f"{header}.{payload}.{sig}",
            "expiresAt": iso(now + 3600),
            "userId": user,
            "metadata": {},
        },
        "errors": [],
        "warnings": [],
    }
    return dumps(body)


# --------------------------------------------------------------------------- malformed bodies

def html_gateway_page(rng: random.Random, target: int, code: int = 502, reason: str = "Bad Gateway") -> str:
    server = rng.choice(HTML_SERVERS)
    head = (
        "<!DOCTYPE html>\n<html>\n<head>\n"
        f"<title>{code} {reason}</title>\n"
        "<style>body{font-family:Tahoma,Verdana,Arial,sans-serif;margin:0 auto;width:35em}</style>\n"
        "</head>\n<body>\n"
        f"<center><h1>{code} {reason}</h1></center>\n<hr><center>{server}</center>\n"
    )
    tail = "</body>\n</html>\n"
    # Browsers ignore short error pages; proxies pad them with comments.
    pad = []
    size = len(head) + len(tail)
    while size < target:
        line = "<!-- a padding to disable MSIE and Chrome friendly error page -->\n"
        pad.append(line)
        size += len(line)
    return head + "".join(pad) + tail


def genesys_error(rng: random.Random, target: int) -> str:
    code, status, message = rng.choices(GENESYS_ERRORS, weights=(4, 3, 3, 2, 1, 1, 1, 1))[0]
    body = {
        "message": message,
        "code": code,
        "status": status,
        "messageParams": {},
        "contextId": uuid4(rng),
        "details": [],
        "errors": [],
    }
    size = len(dumps(body).encode())
    while size < target:
        entry = {"errorCode": code.upper().replace(".", "_"), "fieldName": rng.choice(("profile", "email", "contactIds", "body")),
                 "entityId": hex24(rng), "entityName": "action", "message": sentence(rng, 4, 10)}
        body["errors"].append({"message": entry["message"], "code": code, "status": status,
                               "contextId": uuid4(rng), "details": [entry], "errors": []})
        size = len(dumps(body).encode())
    return dumps(body, pretty=rng.random() < 0.3)


def single_quoted(obj, out: list) -> None:
    """Serialise like a careless JS/Python template: 'single' quotes, bare true/false/null."""
    if isinstance(obj, dict):
        out.append("{")
        for i, (k, v) in enumerate(obj.items()):
            if i:
                out.append(", ")
            out.append("'" + k + "': ")
            single_quoted(v, out)
        out.append("}")
    elif isinstance(obj, list):
        out.append("[")
        for i, v in enumerate(obj):
            if i:
                out.append(", ")
            single_quoted(v, out)
        out.append("]")
    elif isinstance(obj, bool):
        out.append("true" if obj else "false")
    elif obj is None:
        out.append("null")
    elif isinstance(obj, (int, float)):
        out.append(repr(obj))
    else:
        out.append("'" + str(obj).replace("\\", "\\\\").replace("'", "\\'") + "'")


def malformed(kind: str, rng: random.Random, target: int) -> bytes:
    if kind == "truncated":
        # Build a body larger than the target, then cut it off around the target.
        # The cut is on a character boundary, so the file stays valid UTF-8.
        full = dumps(contact_profile(rng, int(target * rng.uniform(1.3, 2.0))), pretty=rng.random() < 0.2)
        return full[:min(len(full) - 2, target)].encode()

    if kind == "html_502":
        code, reason = rng.choice(GATEWAY_STATUSES)
        return html_gateway_page(rng, target, code, reason).encode()

    if kind == "stringified":
        doc = contact_profile(rng, target - 150)  # escaping adds ~ a backslash per quote
        doc["profile"] = dumps(doc["profile"])
        return dumps(doc).encode()

    if kind == "genesys_error":
        return genesys_error(rng, target).encode()

    if kind == "quote_nan":
        doc = contact_profile(rng, target)
        if rng.random() < 0.5:
            out: list = []
            single_quoted(doc, out)
            return "".join(out).encode()
        # NaN / Infinity literals, as emitted by Python's json or a JS template.
        doc["score"] = float("nan")
        if rng.random() < 0.5:
            doc["profile"]["lifetimeValue"] = float("inf") if rng.random() < 0.5 else float("-inf")
        if rng.random() < 0.5:
            doc["lastChanged"] = float("nan")
        return dumps(doc, allow_nan=True).encode()

    if kind == "bom":
        return BOM + dumps(contact_profile(rng, target), pretty=rng.random() < 0.3).encode()

    if kind == "placeholder":
        doc = contact_profile(rng, target)
        marker = "\x00EMAIL\x00"
        doc["profile"]["email"] = marker
        text = dumps(doc)
        if rng.random() < 0.6:   # "email":"${email}"  (valid JSON, unrendered value)
            return text.replace(json.dumps(marker), '"${email}"').encode()
        return text.replace(json.dumps(marker), "${email}").encode()  # "email":${email} (invalid JSON)

    if kind == "curl_dump":
        code, reason = rng.choice(GATEWAY_STATUSES)
        html = html_gateway_page(rng, target - 200, code, reason)
        ts = TS_BASE + rng.randrange(TS_SPAN)
        headers = [
            f"HTTP/1.1 {code} {reason}",
            "Content-Type: text/html",
            f"Content-Length: {len(html.encode())}",
            "Connection: keep-alive",
            f"Date: {http_date(ts)}",
            f"Server: {rng.choice(HTML_SERVERS)}",
        ]
        if rng.random() < 0.5:
            headers.append(f"X-Amzn-Trace-Id: Root=1-{ts:08x}-{'%024x' % rng.getrandbits(96)}")
        return ("\r\n".join(headers) + "\r\n\r\n" + html).encode()

    raise ValueError(kind)


def healthy(rng: random.Random, target: int) -> bytes:
    if rng.random() < 0.10:
        return token_wrapper(rng, target).encode()
    pretty = rng.random() < 0.2
    return dumps(contact_profile(rng, target, pretty), pretty=pretty).encode()


# --------------------------------------------------------------------------- main

LAYOUT_RE = re.compile(r"^d\d{3,}$")
FILE_RE = re.compile(r"^\d{6,}\.json$")


def prepare_out_dir(out_dir: str, force: bool) -> None:
    os.makedirs(out_dir, exist_ok=True)
    entries = os.listdir(out_dir)
    if not entries:
        return
    if not force:
        sys.exit(f"gen_corpus: {out_dir} is not empty; pass --force to replace a previous corpus "
                 f"(only dNNN/NNNNNN.json files are removed)")
    # Remove only files that look like our own output, so stale files from a
    # bigger previous run cannot skew the benchmark.
    for d in entries:
        sub = os.path.join(out_dir, d)
        if LAYOUT_RE.match(d) and os.path.isdir(sub):
            for f in os.listdir(sub):
                if FILE_RE.match(f):
                    os.unlink(os.path.join(sub, f))
            if not os.listdir(sub):
                os.rmdir(sub)
    left = os.listdir(out_dir)
    if left:
        print(f"gen_corpus: warning: {out_dir} still holds {len(left)} foreign entries "
              f"(e.g. {sorted(left)[0]!r}); dapa will scan them too", file=sys.stderr)


def write_dir(job: tuple) -> tuple[int, int]:
    """Write one subdirectory's files. Each subdirectory has its own RNG seeded
    from (seed, first index), so the output does not depend on --jobs."""
    out_dir, seed, first, last, dname, fwidth, kinds = job
    d = os.path.join(out_dir, dname)
    os.makedirs(d, exist_ok=True)
    total = tokens = 0
    rng = random.Random(seed * 1_000_000_007 + first)
    for i in range(first, last):
        target = rng.randint(TARGET_MIN, TARGET_MAX)
        kind = kinds.get(i)
        if kind is None:
            data = healthy(rng, target)
            tokens += data.startswith(b'{"result"')
        else:
            data = malformed(kind, rng, target)
        fd = os.open(os.path.join(d, f"{i:0{fwidth}d}.json"), WRITE_FLAGS, 0o644)
        try:
            os.write(fd, data)  # ~2 KB: a single write(2)
        finally:
            os.close(fd)
        total += len(data)
    return total, tokens


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Generate a synthetic dapa benchmark corpus.")
    ap.add_argument("out_dir", metavar="OUT_DIR")
    ap.add_argument("--count", type=int, default=20000, help="number of files (default 20000)")
    ap.add_argument("--malformed-share", type=float, default=0.10,
                    help="fraction of malformed captures, 0..1 (default 0.10)")
    ap.add_argument("--seed", type=int, default=42, help="RNG seed (default 42)")
    ap.add_argument("--force", action="store_true",
                    help="allow a non-empty OUT_DIR; previously generated files are removed first")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    help="worker processes (default: all CPUs); the output does not depend on it")
    args = ap.parse_args(argv)
    if args.count < 0:
        ap.error("--count must be >= 0")
    if not 0.0 <= args.malformed_share <= 1.0:
        ap.error("--malformed-share must be between 0 and 1")
    if args.jobs < 1:
        ap.error("--jobs must be >= 1")

    t_clean = time.perf_counter()
    prepare_out_dir(args.out_dir, args.force)
    t0 = time.perf_counter()
    t_clean = t0 - t_clean

    n = args.count
    n_bad = round(n * args.malformed_share)
    rng = random.Random(args.seed)
    bad_idx = rng.sample(range(n), n_bad)
    # Even mix of malformed kinds (round-robin), assigned to random indices.
    kinds = {i: MALFORMED_KINDS[j % len(MALFORMED_KINDS)] for j, i in enumerate(bad_idx)}

    ndirs = (n + FILES_PER_DIR - 1) // FILES_PER_DIR
    dwidth = max(3, len(str(max(ndirs - 1, 0))))
    fwidth = max(6, len(str(max(n - 1, 0))))
    jobs = []
    for k in range(ndirs):
        first, last = k * FILES_PER_DIR, min(n, (k + 1) * FILES_PER_DIR)
        jobs.append((args.out_dir, args.seed, first, last, f"d{k:0{dwidth}d}", fwidth,
                     {i: kinds[i] for i in range(first, last) if i in kinds}))

    if args.jobs == 1 or ndirs <= 1:
        results = list(map(write_dir, jobs))
    else:
        with ProcessPoolExecutor(max_workers=min(args.jobs, ndirs)) as pool:
            results = list(pool.map(write_dir, jobs))
    total = sum(r[0] for r in results)
    tokens = sum(r[1] for r in results)

    dt = time.perf_counter() - t0
    print(f"gen_corpus: {n} files ({n - n_bad} healthy incl. {tokens} token wrappers, {n_bad} malformed), "
          f"{total} bytes ({total / 2**20:.1f} MiB, avg {total // max(n, 1)} B) in {ndirs} dirs under "
          f"{args.out_dir} (seed {args.seed}, {dt:.1f}s"
          + (f"; removing the old corpus took {t_clean:.1f}s)" if t_clean >= 0.05 else ")"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
