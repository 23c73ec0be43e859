#!/usr/bin/env bash
# The project's Python tools (cfn-lint; later the AWS API emulator) in a
# virtual environment of its own, .venv/, from PyPI. Idempotent: fast when done.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv
wanted="cfn-lint==1.58.0"
stamp="$venv/.installed"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  exit 0
fi
if ! command -v python3 >/dev/null; then
  echo "python3 is missing: install Python 3.10 or newer (Debian: apt-get install python3 python3-venv)" >&2
  exit 1
fi
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
# shellcheck disable=SC2086
"$venv/bin/pip" install --quiet --disable-pip-version-check $wanted
echo "$wanted" >"$stamp"
