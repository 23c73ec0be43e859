#!/usr/bin/env bash
# The project's Python tools in a virtual environment of its own, .venv/, from PyPI:
# cfn-lint (template checks) and moto's server (the AWS API emulator the
# integration tests under test/integration/aws/ start as .venv/bin/moto_server).
# Idempotent: fast when done; a changed pin reinstalls.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv
# moto 5.2.5 is the version checked with @aws-sdk/client-cloudwatch 3.1164 (AWS JSON 1.0).
wanted=("cfn-lint==1.58.0" "moto[server]==5.2.5")
stamp="$venv/.installed"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "${wanted[*]}" ]; then
  exit 0
fi
if ! command -v python3 >/dev/null; then
  echo "python3 is missing: install Python 3.10 or newer (Debian: apt-get install python3 python3-venv)" >&2
  exit 1
fi
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "${wanted[@]}"
echo "${wanted[*]}" >"$stamp"
