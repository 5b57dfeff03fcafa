#!/usr/bin/env bash
# Set up, lint and run the whole test suite (notebooks executed headless included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest -n "${GXPARSE_TEST_JOBS:-2}" "$@"
