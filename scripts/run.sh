#!/usr/bin/env bash
# The main job: set up, parse data/raw into data/processed, execute every notebook,
# write figures and the briefing workbook into reports/.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
bash scripts/setup.sh
.venv/bin/gxparse run "${@}"
echo "main command finished in $((SECONDS - start)) s"
