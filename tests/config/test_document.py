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
        "    backend: {type: claude, temprature: 0.5}\n"
        "  - id: b\n"
        "    backend: {type: gemini, top_k: zero}\n"
        "  - id: c\n"
        "    backend: {type: nosuch}\n"
    )
    result = compile_text(text, "many.yaml")
    assert [(d.line, d.code) for d in result.diagnostics] == [
        (3, "unknown-key"), (5, "invalid-type"), (7, "unknown-backend-type"),
    ]
