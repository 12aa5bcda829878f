#!/usr/bin/python3
"""Checks JSON documents against one of allocprof's schemas (docs/schemas/).

  check_json_schema.py SCHEMA_FILE [DOCUMENT...]

With no document, checks the schema itself (JSON Schema 2020-12). Prints one line per
violation, "DOCUMENT: /json/pointer: message", and exits 1 if there was any, 2 when a
file cannot be read or parsed. Uses Debian's python3-jsonschema.
"""
import json
import sys

import jsonschema


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print(f"{path}: {e}")
        sys.exit(2)


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip())
        return 2
    schema = load(argv[1])
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as e:
        print(f"{argv[1]}: not a valid JSON Schema: {e.message}")
        return 1
    validator = jsonschema.Draft202012Validator(schema)
    failures = 0
    for path in argv[2:]:
        for error in sorted(validator.iter_errors(load(path)), key=lambda e: list(e.absolute_path)):
            pointer = "/" + "/".join(str(p) for p in error.absolute_path)
            print(f"{path}: {pointer}: {error.message}")
            failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
