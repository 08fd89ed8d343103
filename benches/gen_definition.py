#!/usr/bin/env python3
"""Write a Data Action definition whose output contract fits the benchmark corpus.

Usage:
    benches/gen_definition.py OUT_FILE

The corpus of benches/gen_corpus.py is mostly Cognigy contact profiles as the
`execute` endpoint returns them. This writes the definition of a "Get Contact
Profile (benchmark)" action in the Export button's shape: the reply passed
through whole (`${rawResult}`), and a draft-04 output contract (the dialect
Genesys accepts) of the contact profile, so `dapa scan CORPUS --definition
OUT_FILE` checks every capture against it as a real action's definition would.
Keep OUT_FILE outside the corpus folder: a `*.action.json` file inside it would
be found by the walk and change the plain scan's figures.

Only the Python standard library is used.
"""

from __future__ import annotations

import argparse
import json

NULLABLE_STRING = {"type": ["string", "null"]}


def contract() -> dict:
    memory = {
        "type": "object",
        "required": ["id", "timestamp", "text"],
        "properties": {
            "id": {"type": "string"},
            "timestamp": {"type": "string"},
            "text": {"type": "string"},
        },
    }
    profile = {
        "type": "object",
        "properties": {
            "firstname": NULLABLE_STRING,
            "lastname": NULLABLE_STRING,
            "email": NULLABLE_STRING,
            "accepted_gdpr": {"type": "boolean"},
            "memories": {"type": "array", "items": memory},
        },
    }
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": "Contact profile",
        "type": "object",
        "required": ["_id", "active", "contactIds", "createdAt", "lastChanged", "profile"],
        "additionalProperties": False,
        "properties": {
            "_id": {"type": "string", "pattern": "^[0-9a-f]{24}$"},
            "active": {"type": "boolean"},
            "contactIds": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "createdAt": {"type": "integer", "minimum": 0},
            "lastChanged": {"type": "integer", "minimum": 0},
            "profile": profile,
        },
    }


def definition() -> dict:
    return {
        "name": "Get Contact Profile (benchmark)",
        "integrationType": "custom-rest-actions",
        "actionType": "custom",
        "config": {
            "request": {
                "requestUrlTemplate": "https://api-trial.cognigy.ai/new/v2.0/profiles/${input.profileId}",
                "requestType": "GET",
                "headers": {"Accept": "application/json"},
                "requestTemplate": "${input.rawRequest}",
            },
            "response": {"translationMap": {}, "successTemplate": "${rawResult}"},
        },
        "contract": {
            "input": {
                "inputSchema": {
                    "$schema": "http://json-schema.org/draft-04/schema#",
                    "title": "Profile lookup",
                    "type": "object",
                    "required": ["profileId"],
                    "properties": {"profileId": {"type": "string"}},
                }
            },
            "output": {"successSchema": contract()},
        },
        "secure": False,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", metavar="OUT_FILE")
    args = parser.parse_args()
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(definition(), out, indent=2)
        out.write("\n")


if __name__ == "__main__":
    main()
