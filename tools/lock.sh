#!/usr/bin/env bash
# Re-resolve every Python dependency to the newest versions pyproject.toml's ranges allow and
# write them to constraints.txt, the lock tools/setup.sh installs from (`make lock`).
# Review the diff, run `make test`, commit constraints.txt with the versions it changed.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install -q --upgrade pip
"$tmp/venv/bin/python" -m pip install -q ".[test]"
{
  echo "# Exact versions of every Python dependency, tested together (tools/setup.sh installs them)."
  echo "# Regenerate with \`make lock\` (newest versions pyproject.toml allows), then run \`make test\`."
  "$tmp/venv/bin/python" -m pip freeze --exclude kefu | grep -v '^-e ' | LC_ALL=C sort -f
} > constraints.txt
echo "lock: constraints.txt written ($(grep -vc '^#' constraints.txt) packages)"
