"""Input that is not a YAML config at all: a diagnostic, never an exception."""

from __future__ import annotations

from pathlib import Path

import pytest

from massgen.config import compile_file, compile_text


def problems(result):
    """A result's diagnostics less the info every agent gets about its key (tests/config/test_key_source.py)."""
    return [d for d in result.diagnostics if d.code != "api-key-source"]

def codes(result) -> list[str]:
    return [d.code for d in problems(result)]


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "image.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    result = compile_file(path)
    assert codes(result) == ["not-yaml"] and result.spec is None
    assert "binary" in result.diagnostics[0].message


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("agents:\n  - id: caf\xe9\n".encode("latin-1"))
    assert codes(compile_file(path)) == ["not-yaml"]


def test_unreadable_path_is_a_diagnostic(tmp_path: Path) -> None:
    result = compile_file(tmp_path)  # a folder is not a readable file
    assert codes(result) == ["unreadable-file"]
    assert result.diagnostics[0].file == str(tmp_path)


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n"])
def test_empty(text: str) -> None:
    assert codes(compile_text(text, "empty.yaml")) == ["empty-config"]


def test_several_documents() -> None:
    result = compile_text("agents: []\n---\nagents: []\n", "two.yaml")
    assert codes(result) == ["yaml-syntax"]


@pytest.mark.parametrize("text", ["just a string", "42", "[1, 2]", "null"])
def test_root_must_be_a_mapping(text: str) -> None:
    assert codes(compile_text(text, "root.yaml")) in (["root-not-mapping"], ["empty-config"])


def test_tab_indentation_is_placed() -> None:
    result = compile_text("agents:\n\t- id: a\n", "tabs.yaml")
    (diagnostic,) = result.diagnostics
    assert diagnostic.code == "yaml-syntax" and diagnostic.line == 2


def test_all_problems_in_one_pass() -> None:
    text = (
        "agents:\n"
        "  - id: a\n"
        "    backend: {type: claude, model: claude-sonnet-4-6, temprature: 0.5}\n"
        "  - id: b\n"
        "    backend: {type: gemini, model: gemini-2.5-flash, top_k: zero}\n"
        "  - id: c\n"
        "    backend: {type: nosuch}\n"
    )
    result = compile_text(text, "many.yaml")
    assert [(d.line, d.code) for d in problems(result)] == [
        (3, "unknown-key"), (5, "invalid-type"), (7, "unknown-backend-type"),
    ]


def test_alias_bomb_is_stopped_quickly() -> None:
    """"Billion laughs": nine aliases of nine aliases ... would expand to 43 million values."""
    rows = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 8):
        name, previous = chr(97 + level), chr(96 + level)
        rows.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    result = compile_text("\n".join(rows), "laughs.yaml")
    assert codes(result) == ["yaml-too-large"]
    assert "50,000 values" in result.diagnostics[0].message


@pytest.mark.parametrize("depth", [100, 20_000, 200_000])
def test_deep_nesting_is_reported_not_crashed(depth: int) -> None:
    # 200,000 nested brackets overflow the C composer's stack: the compiler must not go that way.
    result = compile_text("agents: " + "[" * depth + "]" * depth, "deep.yaml")
    assert codes(result) == ["yaml-too-large"]


def test_aliases_within_limits_are_expanded() -> None:
    text = ("base: &claude {type: claude, model: claude-haiku-4-5}\n"
            "agents:\n  - id: a\n    backend: *claude\n  - id: b\n    backend: {<<: *claude, temperature: 0.2}\n")
    result = compile_text(text, "aliases.yaml")
    assert [(d.severity.value, d.code) for d in problems(result)] == [("warning", "unknown-key")]  # `base`
    assert [a.params for a in result.spec.agents] == [{}, {"temperature": 0.2}]


def test_not_utf8_is_placed_at_the_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + "agents:\n  - id: a\n    backend:\n      type: cl\xe9ude\n".encode("latin-1"))
    (diagnostic,) = compile_file(path).diagnostics
    assert (diagnostic.line, diagnostic.column, diagnostic.code) == (4, 15, "not-yaml")
    assert diagnostic.message == "the file is not UTF-8 text: byte 0xe9 cannot be read (invalid continuation byte)"


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_control_character_is_placed_and_worded_for_people(newline: str) -> None:
    text = newline.join(["agents:", "  - id: a", "    backend:", "      type: claude", "      model: claude-\x07x", ""])
    (diagnostic,) = compile_text(text, "bell.yaml").diagnostics
    assert (diagnostic.line, diagnostic.column, diagnostic.code) == (5, 21, "yaml-syntax")
    assert diagnostic.message == "YAML does not allow the non-printable character U+0007 in a file"
    assert diagnostic.hint == "remove it, or write it as the escape `\\x07` inside double quotes"


def test_control_character_in_a_big_file_is_placed() -> None:
    """The pure-Python parser (chosen for many brackets) reports the same place."""
    text = "x: [" + "[], " * 10_001 + "]\n" * 1 + "y: \x1b\n"
    (diagnostic,) = compile_text(text, "esc.yaml").diagnostics
    assert (diagnostic.line, diagnostic.column) == (2, 4)
    assert "U+001B" in diagnostic.message


def backend_diagnostics(lines: list[str]) -> list[tuple[int, int, str]]:
    text = "agent:\n  id: a\n  backend:\n" + "".join(f"    {line}\n" for line in lines)
    return [(d.line, d.column, d.code) for d in problems(compile_text(text, "c.yaml"))]


def test_duplicate_key_points_at_the_value_that_wins() -> None:
    found = backend_diagnostics(["type: claude", "model: claude-haiku-4-5", "temperature: 0.5", "temperature: 9"])
    assert found == [(7, 5, "duplicate-key"), (7, 18, "out-of-range")]


def test_an_explicit_key_wins_over_a_merged_one_and_is_pointed_at() -> None:
    text = ("base: &b {type: claude, model: claude-haiku-4-5, temperature: 0.5}\n"
            "agent:\n  id: a\n  backend:\n    <<: *b\n    temperature: 9\n")
    result = compile_text(text, "c.yaml")
    assert [(d.line, d.column, d.code) for d in result.diagnostics if d.is_error] == [(6, 18, "out-of-range")]


def test_the_first_merge_source_wins_and_is_pointed_at() -> None:
    text = ("a: &a {temperature: 7}\nb: &b {temperature: 0.5}\n"
            "agent:\n  id: a\n  backend:\n    <<: [*a, *b]\n    type: claude\n    model: claude-haiku-4-5\n")
    result = compile_text(text, "c.yaml")
    assert [(d.line, d.column, d.code) for d in result.diagnostics if d.is_error] == [(1, 21, "out-of-range")]


def test_keys_that_are_one_json_key_are_duplicates_and_the_second_wins() -> None:
    found = backend_diagnostics(["type: claude", "model: claude-haiku-4-5", "1: x", '"1": y'])
    assert found == [(7, 5, "duplicate-key"), (7, 5, "unknown-key")]
    (duplicate,) = [d for d in compile_text("a: 1\n1: x\n'1': y\n", "c.yaml").diagnostics if d.code == "duplicate-key"]
    assert (duplicate.line, duplicate.hint) == (3, "remove one of them (the first is on line 2)")
