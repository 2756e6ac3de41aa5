"""The questions file and the results file, in-process: forms, ids, a crash's cut line, other files refused;
and `massgen validate` never loading the batch code or Ray."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from massgen.batch.questions import BatchInputError, read_questions
from massgen.batch.results import ResultsFile, read_results
from tests.conftest import REPO


def test_jsonl_by_content_and_ids(tmp_path):
    path = tmp_path / "questions"  # no suffix: the first line decides
    path.write_text('{"question": "a", "tag": 1}\n\n{"id": 7, "question": "b"}\n{"id": "x", "question": "c"}\n')
    questions = read_questions(path)
    assert [(q.id, q.text, q.extra) for q in questions] == [(1, "a", {"tag": 1}), (7, "b", {}), ("x", "c", {})]


def test_ids_compare_as_text(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": 1, "question": "a"}\n{"id": "1", "question": "b"}\n')
    with pytest.raises(BatchInputError, match="id '1' was already used on line 1"):
        read_questions(path)


def test_plain_text_keeps_braces_after_the_first_line(tmp_path):
    path = tmp_path / "q.txt"
    path.write_text("What is {x}?\n{not json}\n")
    assert [(q.id, q.text) for q in read_questions(path)] == [(1, "What is {x}?"), (2, "{not json}")]


def test_not_utf8(tmp_path):
    path = tmp_path / "q.txt"
    path.write_bytes(b"caf\xe9?\n")
    with pytest.raises(BatchInputError, match="not UTF-8 text"):
        read_questions(path)


def test_results_file_repairs_a_cut_line_and_keeps_the_last_result_of_an_id(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"id": 1, "status": "error"}\n{"id": 2, "status": "ok"}\n{"id": 1, "status": "ok"}\n{"id": 3,')
    assert {k: r["status"] for k, r in read_results(path).items()} == {"1": "ok", "2": "ok"}
    results = ResultsFile(path)
    results.write(json.dumps({"id": 3, "status": "ok"}))
    results.close()
    assert path.read_text().splitlines()[-2:] == ['{"id": 1, "status": "ok"}', '{"id": 3, "status": "ok"}']


def test_a_file_that_is_not_ours_is_refused(tmp_path):
    path = tmp_path / "notes.jsonl"
    path.write_text('{"id": 1, "status": "ok"}\n{"note": "mine"}\n')
    with pytest.raises(BatchInputError, match="notes.jsonl:2: not a massgen batch result line"):
        read_results(path)


LOADED = """
import json, sys
from massgen.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("\\n" + json.dumps(sorted(sys.modules)))
"""


def test_validate_loads_neither_batch_nor_ray():
    done = subprocess.run([sys.executable, "-c", LOADED, "validate", "examples/three_agents.yaml"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    modules = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "massgen.cli.validate_cmd" in modules  # the command ran
    assert not {m for m in modules if m == "ray" or m.startswith(("ray.", "massgen.batch"))}
