#!/usr/bin/env python3
"""Write a synthetic JSON Lines application log of Data Action replies.

Each line is {"time", "level", "action", "response": {"status", "body"}}
with the body a string (as loggers store it): Cognigy contact profiles,
with a share of incident lines (HTML 502 pages, cut-off bodies, 429 error
bodies, stringified payloads, epoch-millisecond timestamps). Lines are
0.1 s apart from 2026-11-20T09:00:00Z. The same arguments give the same
bytes.

    benches/gen_log.py OUT.jsonl --lines 300000
    benches/gen_log.py OUT.jsonl --size 1G          # lines until ~1 GiB

Scan it with:
    dapa scan OUT.jsonl --body-pointer /response/body --time-pointer /time
"""

import argparse
import json
import random
import sys
from datetime import datetime, timedelta, timezone

START = datetime(2026, 11, 20, 9, 0, 0, tzinfo=timezone.utc)
FIRST = ["Aoife", "Cian", "Saoirse", "Oisin", "Niamh", "Darragh", "Ciara", "Eoin"]
LAST = ["Byrne", "Murphy", "Kelly", "Walsh", "O'Brien", "Ryan", "Doyle", "Lynch"]


def profile(rng, n):
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return {
        "_id": f"{n:024x}",
        "firstName": first,
        "lastName": last,
        "email": f"{first.lower()}.{n}@example.ie",
        "phone": f"+353 1 555 {n % 10000:04d}",
        "active": rng.random() > 0.1,
        "contactIds": [f"c-{n}", f"c-{n + 1}"],
        "preferredChannel": rng.choice(["voice", "chat", "email"]),
        "createdAt": "2026-03-02T10:15:00Z",
        "tags": [rng.choice(["vip", "new", "churn-risk", "b2b"]) for _ in range(3)],
        "notes": "Called about billing; prefers mornings. " * rng.randint(1, 12),
    }


def line(rng, n):
    time = START + timedelta(milliseconds=100 * n)
    status, body = 200, None
    roll = rng.random()
    p = profile(rng, n)
    if roll < 0.03:
        status = 502
        body = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
    elif roll < 0.05:
        body = json.dumps(p)[: rng.randint(20, 200)]
    elif roll < 0.06:
        status = 429
        body = json.dumps({"message": "Rate limit exceeded the maximum. Retry the request in [7] seconds",
                           "code": "too.many.requests.retry.after", "status": 429, "details": [], "errors": []})
    elif roll < 0.08:
        body = json.dumps({"result": json.dumps(p)})
    elif roll < 0.10:
        p["createdAt"] = 1772446500000
        body = json.dumps(p)
    else:
        body = json.dumps(p)
    record = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S.") + f"{time.microsecond // 1000:03d}Z",
        "level": "info" if status == 200 else "error",
        "action": "custom_-_6c1e0b5a-profile-lookup",
        "response": {"status": status, "body": body},
    }
    return json.dumps(record, separators=(",", ":")) + "\n"


def parse_size(text):
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper().rstrip("B").rstrip("I")
    if text and text[-1] in scale:
        return int(float(text[:-1]) * scale[text[-1]])
    return int(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--lines", type=int, help="number of lines (default 30000)")
    group.add_argument("--size", help="write lines until about this many bytes (e.g. 1G)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    limit_lines = args.lines if args.lines is not None else (None if args.size else 30000)
    limit_bytes = parse_size(args.size) if args.size else None
    written = 0
    n = 0
    with open(args.out, "w", encoding="utf-8") as out:
        while True:
            if limit_lines is not None and n >= limit_lines:
                break
            if limit_bytes is not None and written >= limit_bytes:
                break
            text = line(rng, n)
            out.write(text)
            written += len(text.encode("utf-8"))
            n += 1
    print(f"{args.out}: {n} lines, {written} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
