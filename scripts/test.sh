#!/usr/bin/env bash
# The project's one test command (README, .ci/run): sets up everything the tests need, then runs them.
#   - a virtualenv in .venv with massgen (editable) and its test + optional extras
#   - the pinned npm MCP servers the MCP tests use, under .ci/node (git-ignored)
#   - ruff (lint) over the code, then pytest over tests/
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip setuptools wheel
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test,claude-code,ag2,ag2-jupyter]'

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

.venv/bin/python -m ruff check --quiet .

status=0
.venv/bin/python -m pytest "$@" || status=$?
# pytest exits 5 when it collected no test: that is a failure for us, never a pass.
exit "$status"
