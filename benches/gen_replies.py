#!/usr/bin/env python3
"""Generate raw backend replies for benchmarking `dapa replay`.

Usage:
    benches/gen_replies.py OUT_DIR [--count N] [--seed 42]

Writes N CRM contact replies (the backend behind
samples/definitions/get-contact-profile.action.json) as OUT_DIR/dNNN/NNNNNN.json,
at most 1000 per subdirectory, byte-for-byte deterministic for a given (count,
seed). Most replies are complete; the rest, mixed in at random, miss optional
fields (defaults used), have no email (the action fails), a null email (the
template writes invalid JSON), a quote in the name, or vip as text.

Only the Python standard library is used.
"""

from __future__ import annotations

import argparse
import json
import os
import random

FILES_PER_DIR = 1000
FIRST = ["Ann", "Li", "Jo", "Sam", "Seán \"Shay\"", "Marta", "Kenji", "Zoë", "Ola", "Priya"]
LAST = ["Keller", "Wei", "Brandt", "Ortiz", "O'Brien", "Rossi", "Tanaka", "Nowak", "Haddad"]


def reply(i: int, rng: random.Random) -> dict:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    body = {
        "id": f"c-{100000 + i}",
        "emails": [{"address": f"{first[:2].lower()}.{i}@example.com", "primary": True}],
        "name": {"first": first, "last": last},
        "flags": {"vip": rng.random() < 0.1},
        "activity": {"lastContactEpoch": 1790000000 + rng.randrange(5_000_000)},
        "segments": [rng.choice(["retail", "business", "vip"]) for _ in range(rng.randrange(4))],
    }
    kind = rng.random()
    if kind < 0.10:
        del body["name"], body["activity"]
    elif kind < 0.13:
        body["emails"] = []
    elif kind < 0.15:
        body["emails"][0]["address"] = None
    elif kind < 0.17:
        body["flags"]["vip"] = "yes"
    return body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    for i in range(args.count):
        folder = os.path.join(args.out, f"d{i // FILES_PER_DIR:03d}")
        os.makedirs(folder, exist_ok=True)
        text = json.dumps(reply(i, rng), ensure_ascii=False, indent=2 if i % 5 == 0 else None)
        with open(os.path.join(folder, f"{i:06d}.json"), "w", encoding="utf-8") as out:
            out.write(text + "\n")


if __name__ == "__main__":
    main()
