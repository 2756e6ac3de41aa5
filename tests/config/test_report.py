"""The three output formats of diagnostics, on hand-made diagnostics."""

from __future__ import annotations

import json

import pytest

from massgen.config.report import format_github, format_json, format_text, source_lines, strict, summary
from massgen.diagnostics import Diagnostic, Severity

LINES = ["agents:", "  - id: a", "    backend: {type: claude, temprature: 0.5}"]


def diagnostic(severity: Severity = Severity.ERROR, **changes) -> Diagnostic:
    fields = dict(file="c.yaml", line=3, column=29, end_line=3, end_column=39, severity=severity,
                  code="unknown-key", message="unknown key `temprature`", path="/agents/0/backend/temprature",
                  hint="did you mean `temperature`?")
    fields.update(changes)
    return Diagnostic(**fields)


def test_text_has_line_caret_hint_and_summary() -> None:
    text = format_text([diagnostic()], lines=lambda _: LINES, files_checked=1)
    assert text.splitlines() == [
        "c.yaml:3:29: error [unknown-key] unknown key `temprature`",
        "    3 |     backend: {type: claude, temprature: 0.5}",
        "      |                             ^^^^^^^^^^",
        "      = hint: did you mean `temperature`?",
        "",
        "1 error, 0 warnings, 0 info in 1 file",
    ]


def test_colour_only_when_asked() -> None:
    assert "\x1b[" not in format_text([diagnostic()], lines=lambda _: LINES)
    assert "\x1b[1;31merror" in format_text([diagnostic()], lines=lambda _: LINES, color=True)


def test_info_is_counted_but_hidden_unless_asked() -> None:
    info = diagnostic(Severity.INFO, code="not-implemented", message="accepted, not acted on", hint=None)
    hidden = format_text([info], lines=lambda _: LINES)
    assert "not-implemented" not in hidden and "1 info (hidden" in hidden
    assert "not-implemented" in format_text([info], lines=lambda _: LINES, show_info=True)


def test_missing_file_lines_give_no_snippet() -> None:
    text = format_text([diagnostic(file="<command line>", line=1, column=1)], lines=lambda _: [])
    assert text.splitlines()[1] == "      = hint: did you mean `temperature`?"


def test_strict_turns_warnings_into_errors_only() -> None:
    result = strict([diagnostic(Severity.WARNING), diagnostic(Severity.INFO)])
    assert [d.severity for d in result] == [Severity.ERROR, Severity.INFO]


def test_json_fields() -> None:
    (data,) = json.loads(format_json([diagnostic(end_line=None, end_column=None)]))["diagnostics"]
    assert (data["end_line"], data["end_column"]) == (3, 29)  # defaults to the start
    assert data["severity"] == "error"


def test_github_escapes_properties_and_message() -> None:
    d = diagnostic(Severity.WARNING, file="dir,a:b.yaml", message="50% wrong\nsecond line", hint=None)
    assert format_github([d]) == (
        "::warning file=dir%2Ca%3Ab.yaml,line=3,col=29,endLine=3,endColumn=39,title=unknown-key::"
        "50%25 wrong%0Asecond line\n"
    )
    assert format_github([diagnostic(Severity.INFO)]) == ""  # info only with --verbose, as in the text format
    info = format_github([diagnostic(Severity.INFO)], show_info=True)
    assert info.startswith("::notice ") and "(hint: did you mean `temperature`?)" in info
    assert format_github([]) == ""


def test_summary_plurals() -> None:
    two = [diagnostic(), diagnostic(Severity.WARNING), diagnostic(Severity.WARNING)]
    assert summary(two, files_checked=2) == "1 error, 2 warnings, 0 info in 2 files"


def snippet_of(line: str) -> str:
    return format_text([diagnostic(line=1, column=1, end_line=1, end_column=2)], lines=lambda _: [line]).splitlines()[1]


def test_snippet_masks_a_secret_beside_a_key_reference() -> None:
    line = 'headers: {X-Api-Key: "${GH_KEY}", Authorization: "Bearer ghp_SuperSecretToken123456"}'
    shown = snippet_of(line)
    assert "ghp_SuperSecretToken123456" not in shown
    assert shown.endswith('headers: {X-Api-Key: "${GH_KEY}", Authorization: "***"}')


@pytest.mark.parametrize("line", [
    "api_key: ${OPENAI_API_KEY}", "api_key: '${OPENAI_API_KEY}'", "Authorization: Bearer ${TOKEN}",
    'headers: {"x-api-key": "${ANTHROPIC_API_KEY}"}',
])
def test_snippet_keeps_key_references_readable(line: str) -> None:
    assert snippet_of(line).endswith(line)


@pytest.mark.parametrize("line", ["api_key: literal-secret-123", "api_key: sk-abcdefghijklmnop # ${NOT_IT}",
                                  "api_key: abc${SUFFIX}"])
def test_snippet_masks_literal_keys(line: str) -> None:
    assert "***" in snippet_of(line)


def test_source_lines_number_lines_as_yaml_does() -> None:
    # \f is no line break to YAML (str.splitlines would split there); \r alone is one.
    assert source_lines(b"\xef\xbb\xbfa: 1\r\nb: \x0c2\rc: \xe9\n") == ["a: 1", "b: \x0c2", "c: \ufffd"]
