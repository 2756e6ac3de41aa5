"""`massgen validate` (and `massgen run`) on hostile input, as a user runs them in a real subprocess: only
regular files are read, a size cap is checked before parsing, a huge integer is a diagnostic, and a
terminal escape sequence in a key or a value is printed escaped. Never a traceback, never a hang."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from massgen.document import MAX_FILE_BYTES
from tests.conftest import REPO


def massgen(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "massgen.cli", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=timeout, stdin=subprocess.DEVNULL)


def codes(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [d["code"] for d in json.loads(done.stdout)["diagnostics"]]


def test_a_device_is_refused_not_read() -> None:
    done = massgen("validate", "--format", "json", "/dev/zero", timeout=30)
    assert done.returncode == 1 and codes(done) == ["not-a-file"], done.stderr
    text = massgen("validate", "/dev/zero", timeout=30)
    assert "this is a device, not a regular file" in text.stdout and "Traceback" not in text.stderr


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "config.yaml"
    os.mkfifo(fifo)
    done = massgen("validate", "--format", "json", str(fifo), timeout=30)
    assert done.returncode == 1 and codes(done) == ["not-a-file"]
    folder = massgen("validate", str(tmp_path), timeout=30)  # the folder search skips it (not a regular file)
    assert folder.returncode == 2 and "no *.yaml or *.yml files" in folder.stderr


def test_a_huge_file_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    line = "# " + "x" * 98 + "\n"
    big.write_text("agent: {id: a, backend: {type: openai, model: gpt-5-nano}}\n" + line * (20 * 1024 * 1024 // 100))
    assert big.stat().st_size > MAX_FILE_BYTES
    done = massgen("validate", "--format", "json", str(big))
    assert done.returncode == 1 and codes(done) == ["file-too-large"]
    run = massgen("run", "--config", str(big), "hi")
    assert run.returncode == 1 and "larger than" in run.stderr + run.stdout and "Traceback" not in run.stderr


HUGE_HEX = "agent:\n  id: a\n  backend:\n    type: openai\n    model: gpt-5-nano\n    temperature: 0x" + "f" * 5000 + "\n"


def test_a_huge_integer_is_a_diagnostic_in_validate_and_run(tmp_path: Path) -> None:
    config = tmp_path / "hex.yaml"
    config.write_text(HUGE_HEX)
    done = massgen("validate", "--format", "json", str(config))
    assert done.returncode == 1 and codes(done) == ["number-too-large"] and "Traceback" not in done.stderr
    text = massgen("validate", str(config))
    assert "integer is written with 5,002 characters" in text.stdout and "Traceback" not in text.stderr
    run = massgen("run", "--config", str(config), "hi")
    assert run.returncode == 1 and "number-too-large" in run.stderr + run.stdout and "Traceback" not in run.stderr


ESCAPES = ('agent:\n  id: a\n  backend:\n    type: openai\n    model: "gpt\\e[2J\\e]0;pwned\\a"\n'
           '    "\\e]0;retitled\\a\\u202e": 1\n')


@pytest.mark.parametrize("output_format", ["text", "github"])
def test_control_characters_in_keys_and_values_are_printed_escaped(tmp_path: Path, output_format: str) -> None:
    config = tmp_path / "esc.yaml"
    config.write_text(ESCAPES)
    done = massgen("validate", "--format", output_format, str(config))
    assert done.returncode == 1
    shown = done.stdout + done.stderr
    assert not any(c in shown for c in "\x1b\x07\u202e"), shown
    assert "\\x1b" in shown


def test_the_caret_follows_the_escaped_text(tmp_path: Path) -> None:
    from massgen.config.report import format_text
    from massgen.diagnostics import Diagnostic, Severity

    line = 'model: "a\x1bb"'
    d = Diagnostic(file="c.yaml", line=1, column=11, end_line=1, end_column=12, severity=Severity.ERROR,
                   code="x", message="m")
    text = format_text([d], lines=lambda _: [line])
    shown, caret = text.splitlines()[1:3]
    assert shown.endswith('model: "a\\x1bb"')
    assert caret.index("^") == shown.index("b\"")  # under the b, after the four characters of \x1b
