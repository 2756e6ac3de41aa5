"""Input that is not a YAML config at all: a diagnostic, never an exception."""

from __future__ import annotations

from pathlib import Path

import pytest

from massgen.config import compile_file, compile_text


def codes(result) -> list[str]:
    return [d.code for d in result.diagnostics]


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
        "    backend: {type: claude, model: claude-sonnet-4-5, temprature: 0.5}\n"
        "  - id: b\n"
        "    backend: {type: gemini, model: gemini-2.5-flash, top_k: zero}\n"
        "  - id: c\n"
        "    backend: {type: nosuch}\n"
    )
    result = compile_text(text, "many.yaml")
    assert [(d.line, d.code) for d in result.diagnostics] == [
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
    assert [(d.severity.value, d.code) for d in result.diagnostics] == [("warning", "unknown-key")]  # `base`
    assert [a.params for a in result.spec.agents] == [{}, {"temperature": 0.2}]
