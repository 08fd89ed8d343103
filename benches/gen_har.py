#!/usr/bin/env python3
"""Write the hostile HAR exports of issue 10 (item 2), to measure peak memory.

    benches/gen_har.py OUT.har --kind gzip-bodies   # 20 entries, each base64 of a gzip of 60 MB
    benches/gen_har.py OUT.har --kind many          # 200,000 small entries (~22 MB)
    benches/gen_har.py OUT.har.gz --kind gz-bomb    # a .har.gz that inflates to 4 GiB

--scale divides the sizes (gzip-bodies, gz-bomb) or the count (many). Measure with
    /usr/bin/time -v dapa scan OUT --jobs 2 --format json --quiet > /dev/null
and read "Maximum resident set size".
"""

import argparse
import base64
import gzip
import json

URL = "https://api.mypurecloud.ie/api/v2/integrations/actions/custom_-_1/execute"


def entry(text, encoding=None):
    content = {"mimeType": "application/json", "text": text}
    if encoding:
        content["encoding"] = encoding
    return {
        "startedDateTime": "2026-11-20T09:12:03.120Z",
        "request": {"method": "POST", "url": URL},
        "response": {"status": 200, "headers": [], "content": content},
    }


def document(entries):
    return json.dumps({"log": {"version": "1.2", "entries": entries}})


def gzip_bodies(out, scale):
    # Spaces compress about a thousand to one: each entry is small, its body is not.
    body = gzip.compress(b" " * (60_000_000 // scale), compresslevel=9)
    text = base64.b64encode(body).decode()
    with open(out, "w") as f:
        f.write(document([entry(text, "base64") for _ in range(20)]))


def many(out, scale):
    # About 110 bytes an entry, as a browser writes for a small reply.
    entries = [
        {
            "startedDateTime": "2026-11-20T09:12:03.120Z",
            "response": {"status": 200, "content": {"text": '{"a":%d}' % n}},
        }
        for n in range(200_000 // scale)
    ]
    with open(out, "w") as f:
        f.write(document(entries))


def gz_bomb(out, scale):
    # Gzip members may follow one another: one member of 1 MiB of "A" written
    # again and again inflates to any size from a file a thousandth of it.
    head, tail = document([entry("@")]).split("@")
    block = gzip.compress(b"A" * (1 << 20), compresslevel=9)
    with open(out, "wb") as f:
        f.write(gzip.compress(head.encode()))
        for _ in range(4096 // scale):
            f.write(block)
        f.write(gzip.compress(tail.encode()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--kind", choices=["gzip-bodies", "many", "gz-bomb"], required=True)
    parser.add_argument("--scale", type=int, default=1)
    args = parser.parse_args()
    {"gzip-bodies": gzip_bodies, "many": many, "gz-bomb": gz_bomb}[args.kind](args.out, args.scale)


if __name__ == "__main__":
    main()
