#!/usr/bin/env python3
"""Validates a JSON document against a schema of openapi/shipdeck.yaml (JSON Schema 2020-12, as
OpenAPI 3.1 uses). Usage: check-openapi.py SCHEMA_NAME < document.json  (exit 1 with the errors)."""
import json
import pathlib
import sys

import jsonschema
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

spec_path = pathlib.Path(__file__).resolve().parent.parent / "openapi" / "shipdeck.yaml"
spec = yaml.safe_load(spec_path.read_text())
# Swift's JSONEncoder leaves optional fields out rather than writing null, matching the spec.
resource = Resource.from_contents(spec, default_specification=DRAFT202012)
registry = Registry().with_resource("spec", resource)
name = sys.argv[1]
schema = {"$ref": f"spec#/components/schemas/{name}"}
validator = jsonschema.Draft202012Validator(schema, registry=registry, format_checker=jsonschema.FormatChecker())
document = json.load(sys.stdin)
errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
for error in errors:
    where = "/".join(str(p) for p in error.path) or "(root)"
    print(f"{name} at {where}: {error.message}", file=sys.stderr)
sys.exit(1 if errors else 0)
