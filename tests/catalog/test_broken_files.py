"""A broken capability file is reported at its file:line:col, like a user config, never as a traceback."""

from __future__ import annotations

import pytest

from massgen.catalog import CatalogError, load_catalog

BACKEND = """\
type: mine
title: My backend
protocol: openai_chat
base_url: https://llm.example.com/v1
model_patterns: ["^mine-"]
capabilities: {web_search: none, code_execution: mcp, file_ops: mcp, mcp: mcp}
tool_flags: {enable_web_search: unsupported, enable_code_execution: unsupported, enable_code_interpreter: unsupported}
parameter_groups: [core, chat_sampling]
parameters:
  temperature: {type: number, minimum: 0, maximum: 1}
  style: {$ref: "#/definitions/string_list"}
"""

PRESET = """\
name: myprov
title: My provider
base_url: https://api.myprov.example/v1
url_match: [myprov.example]
api_key_env: [MYPROV_API_KEY]
"""


def problems(tmp_path, files: dict[str, str]) -> list[tuple[str, int, int, str]]:
    folder = tmp_path / "extra"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    with pytest.raises(CatalogError) as caught:
        load_catalog([folder])
    return [(d.file.rsplit("/", 1)[-1], d.line, d.column, d.code) for d in caught.value.diagnostics]


def test_the_valid_fixtures_load(tmp_path):
    folder = tmp_path / "extra"
    folder.mkdir()
    (folder / "mine.yaml").write_text(BACKEND)
    (folder / "myprov.yaml").write_text(PRESET)
    catalog = load_catalog([folder])
    assert catalog.backends["mine"].parameters["temperature"]["maximum"] == 1
    assert catalog.provider("myprov").api_key_env == ["MYPROV_API_KEY"]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param({"mine.yaml": BACKEND.replace("title: My backend", "title: [My backend")},
                     [("mine.yaml", 3, 9, "yaml-syntax")], id="yaml-syntax"),
        pytest.param({"mine.yaml": BACKEND + "title: again\n"},
                     [("mine.yaml", 12, 1, "duplicate-key")], id="duplicate-key"),
        pytest.param({"mine.yaml": BACKEND.replace("protocol: openai_chat", "protocol: openai_chatt")},
                     [("mine.yaml", 3, 11, "catalog-schema")], id="bad-protocol"),
        pytest.param({"mine.yaml": BACKEND.replace("mcp: mcp}", "mcp: builtn}")},
                     [("mine.yaml", 6, 75, "catalog-schema")], id="bad-capability-cell"),
        pytest.param({"mine.yaml": BACKEND.replace("title: My backend", "titel: My backend")},
                     [("mine.yaml", 1, 1, "catalog-schema"), ("mine.yaml", 2, 1, "catalog-unknown-key")],
                     id="unknown-key-and-missing-title"),
        pytest.param({"mine.yaml": BACKEND.replace("maximum: 1}", "maximun: 1}")},
                     [("mine.yaml", 10, 43, "catalog-unknown-key")], id="keyword-outside-subset"),
        pytest.param({"mine.yaml": BACKEND.replace("{type: number, minimum: 0", "{type: numbr, minimum: 0")},
                     [("mine.yaml", 10, 23, "catalog-schema")], id="anyof-best-match"),
        pytest.param({"mine.yaml": BACKEND.replace("[core, chat_sampling]", "[core, chat_samplin]")},
                     [("mine.yaml", 8, 26, "catalog-unknown-group")], id="unknown-group"),
        pytest.param({"mine.yaml": BACKEND.replace("definitions/string_list", "definitions/strings")},
                     [("mine.yaml", 11, 17, "catalog-bad-ref")], id="missing-ref"),
        pytest.param({"mine.yaml": BACKEND.replace("{enable_web_search: unsupported,", "{enable_web_search: no,")},
                     [("mine.yaml", 7, 33, "catalog-schema")], id="bad-tool-flag"),
        pytest.param({"mine.yaml": BACKEND + "hints: {enable_web_serch: use an MCP search server}\n"},
                     [("mine.yaml", 12, 9, "catalog-unknown-parameter")], id="hint-for-unknown-parameter"),
        pytest.param({"mine.yaml": BACKEND.replace('["^mine-"]', '["^mine-("]')},
                     [("mine.yaml", 5, 18, "catalog-bad-regex")], id="invalid-regex"),
        pytest.param({"a.yaml": BACKEND, "b.yaml": BACKEND},
                     [("b.yaml", 1, 7, "catalog-duplicate")], id="duplicate-backend-type"),
        pytest.param({"myprov.yaml": PRESET + "backend: chatcompletio\n"},
                     [("myprov.yaml", 6, 10, "catalog-unknown-backend")], id="preset-backend-missing"),
        pytest.param({"myprov.yaml": PRESET + "aliases: [kimi]\n"},
                     [("myprov.yaml", 6, 11, "catalog-duplicate")], id="alias-clash"),
        pytest.param({"myprov.yaml": "# only a comment\n"},
                     [("myprov.yaml", 1, 1, "catalog-empty")], id="empty"),
        pytest.param({"myprov.yaml": "- a list\n"},
                     [("myprov.yaml", 1, 1, "catalog-schema")], id="not-a-mapping"),
    ],
)
def test_broken_file_is_placed(tmp_path, files, expected):
    assert problems(tmp_path, files) == expected


def test_messages_say_what_is_wrong_with_a_hint(tmp_path):
    folder = tmp_path / "extra"
    folder.mkdir()
    (folder / "mine.yaml").write_text(BACKEND.replace("maximum: 1}", "maximun: 1}"))
    with pytest.raises(CatalogError) as caught:
        load_catalog([folder])
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.message == "unknown key 'maximun' in parameters.temperature"
    assert diagnostic.hint == "did you mean `maximum`?"
    assert f"{folder / 'mine.yaml'}:10:43:" in str(caught.value)


def test_a_missing_extra_folder_is_an_error(tmp_path):
    with pytest.raises(CatalogError) as caught:
        load_catalog([tmp_path / "nope"])
    assert [d.code for d in caught.value.diagnostics] == ["catalog-folder-missing"]


def test_a_later_folder_may_replace_a_bundled_preset(tmp_path):
    folder = tmp_path / "extra"
    folder.mkdir()
    (folder / "groq.yaml").write_text(PRESET.replace("name: myprov", "name: groq"))
    assert load_catalog([folder]).provider("groq").api_key_env == ["MYPROV_API_KEY"]


def test_anyof_error_names_the_closest_branch(tmp_path):
    folder = tmp_path / "extra"
    folder.mkdir()
    (folder / "mine.yaml").write_text(BACKEND.replace("{type: number, minimum: 0", "{type: numbr, minimum: 0"))
    with pytest.raises(CatalogError) as caught:
        load_catalog([folder])
    (diagnostic,) = caught.value.diagnostics
    assert "'numbr' is not one of: string, number" in diagnostic.message
    assert diagnostic.hint == "did you mean `number`?"


def test_every_unknown_key_is_reported(tmp_path):
    text = BACKEND.replace("title: My backend", "title: My backend\ncolour: red\nflavour: mint")
    assert problems(tmp_path, {"mine.yaml": text}) == [
        ("mine.yaml", 3, 1, "catalog-unknown-key"), ("mine.yaml", 4, 1, "catalog-unknown-key")]


@pytest.mark.parametrize(("request_block", "column", "code"), [
    ("heders: {x-tenant: acme}", 3, "catalog-unknown-key"),                           # a misspelt fact
    ("auth: {header: authorization, prefx: 'Bearer '}", 33, "catalog-unknown-key"),  # inside auth
    ("urls: [{url: '{{ base_url }}/chat', match: '(['}]", 46, "catalog-bad-regex"),
    ("rename: {max_tokens: {too: max_completion_tokens}}", 24, "catalog-schema"),
    ("settings_env: {api_version: lower_case}", 31, "catalog-schema"),
])
def test_a_request_block_of_a_preset_is_checked_key_by_key(tmp_path, request_block: str, column: int, code: str) -> None:
    found = problems(tmp_path, {"myprov.yaml": PRESET + "aliases: [mp]\nrequest:\n  " + request_block + "\n"})
    assert found == [("myprov.yaml", 8, column, code)]
