#!/usr/bin/env bash
# Create .venv (Python 3.11+) and install gxparse with its pinned dependencies (JupyterLab
# included), and make JupyterLab open the py:percent notebooks as notebooks (jupytext's
# viewer) by default. Idempotent: re-installs only when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "gxparse needs Python 3.11 or newer")'
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=.venv/.gxparse-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || ! .venv/bin/python -c 'import gxparse.batch.corpus' 2>/dev/null; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[dev]'
  echo "$want" > "$stamp"
fi
# JupyterLab reads setting overrides from its app settings folder inside the environment:
# .py files (the notebooks) open with jupytext's notebook viewer ("Open With → Editor" for
# plain code).
lab_settings=$(.venv/bin/python -c 'from jupyterlab.commands import get_app_dir; print(get_app_dir())')/settings/overrides.d
mkdir -p "$lab_settings"
cp jupyter/overrides.json "$lab_settings/gxparse.json"
