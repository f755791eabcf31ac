#!/usr/bin/env bash
# One-time set-up on a fresh Debian machine (run as root): the Debian packages kefu
# needs and a virtual environment with kefu and its test tools. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v pdftoppm >/dev/null || need_apt+=(poppler-utils)
fc-list 2>/dev/null | grep -q "Noto Sans CJK" || need_apt+=(fonts-noto-cjk)
ldconfig -p | grep -q libharfbuzz-subset || need_apt+=(libharfbuzz-subset0)
ldconfig -p | grep -q libpangoft2 || need_apt+=(libpango-1.0-0 libpangoft2-1.0-0)
python3 -c "import venv, ensurepip" 2>/dev/null || need_apt+=(python3-venv python3-pip)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need_apt[@]}" fontconfig
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
# constraints.txt pins every Python dependency to the versions CI tested (`make lock` renews it)
.venv/bin/python -m pip install -q -c constraints.txt -e ".[test]"
echo "setup: done (.venv)"
