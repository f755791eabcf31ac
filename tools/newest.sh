#!/usr/bin/env bash
# CI's look ahead: install the newest versions pyproject.toml's ranges allow (ignoring the lock
# in constraints.txt) in a throw-away venv, run the tests, and report what breaks. It never
# fails the build: a red line here means `make lock` would bring in a release that needs work.
set -uo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "newest: installing the newest allowed versions (no constraints.txt)"
if ! { python3 -m venv "$tmp/venv" && "$tmp/venv/bin/python" -m pip install -q --upgrade pip \
       && "$tmp/venv/bin/python" -m pip install -q --upgrade -e ".[test]"; } >"$tmp/install.log" 2>&1; then
  echo "newest: could not install the newest versions (not failing the build):"
  tail -20 "$tmp/install.log"
  exit 0
fi
changed=$("$tmp/venv/bin/python" -m pip freeze --exclude kefu | grep -v '^-e ' | LC_ALL=C sort -f \
          | comm -13 <(grep -v '^#' constraints.txt | LC_ALL=C sort -f) - | tr '\n' ' ')
echo "newest: versions that differ from constraints.txt: ${changed:-none}"
# the tests run against the throw-away venv; their closing line is reported, not counted
if PATH="$tmp/venv/bin:$PATH" "$tmp/venv/bin/python" -m pytest -q -p no:cacheprovider >"$tmp/pytest.log" 2>&1; then
  echo "newest: the tests pass with the newest versions too"
else
  echo "newest: with the newest versions these tests fail (not failing the build):"
  grep -E '^(FAILED|ERROR) ' "$tmp/pytest.log" | head -30
  tail -1 "$tmp/pytest.log" | sed 's/^/newest: /; s/passed/ok/g; s/failed/broken/g'
fi
exit 0
