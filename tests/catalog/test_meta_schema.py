"""Every capability file passes the meta-schema, and the Python vocabulary matches the schema's."""

from __future__ import annotations

import json

import jsonschema
import pytest
from ruamel.yaml import YAML

from massgen.catalog import (
    CAPABILITIES,
    CAPABILITY_VALUES,
    PARAMETER_FORMATS,
    PARAMETER_KEYWORDS,
    PROTOCOLS,
    TOOL_FLAG_VALUES,
    TOOL_FLAGS,
    catalog_dirs,
)
from tests.conftest import REPO

SCHEMA = json.loads((REPO / "schema" / "capability.schema.json").read_text())
FILES = sorted(p for p in (REPO / "capabilities").rglob("*") if p.suffix in (".yaml", ".yml"))
DEFS = SCHEMA["definitions"]


def test_meta_schema_is_valid_draft7():
    jsonschema.Draft7Validator.check_schema(SCHEMA)


def test_the_catalog_has_every_file_of_the_page():
    names = {p.stem for p in FILES}
    assert {"claude", "claude_code", "gemini", "openai", "grok", "azure_openai", "zai", "chatcompletion",
            "lmstudio", "vllm", "sglang", "ag2"} <= names
    assert {"cerebras", "together", "fireworks", "groq", "openrouter", "moonshot", "nebius", "poe"} <= names
    assert catalog_dirs(use_env=False) == [REPO / "capabilities"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_capability_file_passes_the_meta_schema(path):
    validator = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(YAML(typ="safe").load(path))]
    assert errors == []


def test_parameter_keywords_are_the_meta_schema_subset():
    assert set(DEFS["parameter"]["properties"]) == PARAMETER_KEYWORDS
    assert DEFS["parameter"]["additionalProperties"] is False
    assert tuple(DEFS["parameter"]["properties"]["format"]["enum"]) == PARAMETER_FORMATS


def test_pinned_values_match_the_python_vocabulary():
    assert tuple(DEFS["protocol"]["enum"]) == PROTOCOLS
    assert tuple(DEFS["capability_cell"]["enum"]) == CAPABILITY_VALUES
    assert tuple(DEFS["tool_flag_support"]["enum"]) == TOOL_FLAG_VALUES
    assert tuple(DEFS["capabilities"]["properties"]) == CAPABILITIES
    assert tuple(DEFS["tool_flags"]["properties"]) == TOOL_FLAGS


def test_meta_schema_rejects_keywords_outside_the_subset():
    validator = jsonschema.Draft7Validator(SCHEMA)
    groups = {"groups": {"core": {"x": {"type": "string", "maxLength": 3}}}}
    assert [e.validator for e in validator.iter_errors(groups)] == ["additionalProperties"]


def test_every_protocol_of_the_catalog_has_its_runtime():
    """The catalog's list is the one list: each HTTP protocol has a codec, a decoder and a request template;
    each other protocol a runtime of its own."""
    from massgen.backend import RUNTIMES
    from massgen.catalog import HTTP_PROTOCOLS
    from massgen.engine.codecs import CODECS
    from massgen.engine.decoders import DECODERS
    from massgen.resources import data_dir

    templates = {p.stem for p in (data_dir("templates") / "requests").glob("*.yaml")}
    assert set(CODECS) == set(DECODERS) == set(HTTP_PROTOCOLS) <= templates
    assert set(RUNTIMES) == set(PROTOCOLS) - set(HTTP_PROTOCOLS)
