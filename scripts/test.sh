#!/usr/bin/env bash
# The project's whole test run, as `npm test` runs it on a fresh machine:
# build, lint, the tools the tests need, unit tests, template checks, integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

step "build"
npm run build --silent

step "typecheck (tests included: the build leaves them out)"
npm run typecheck --silent

step "lint (eslint, prettier)"
npm run lint --silent

# Before the unit tests: one of them (the fsync order of a run's files) runs strace.
if [ -x scripts/install-test-tools.sh ]; then
  step "install test tools (Kafka jars, dnsmasq, kcat, chromium, strace, toxiproxy)"
  scripts/install-test-tools.sh
fi

step "unit tests"
npx vitest run --project unit

step "template checks (cdk synth with cdk-nag, cfn-lint)"
scripts/python-tools.sh
rm -rf cdk.out
npx cdk synth --quiet >/dev/null
.venv/bin/cfn-lint --non-zero-exit-code error cdk.out/*.template.json

if compgen -G "test/integration/*.test.ts" >/dev/null; then
  step "integration tests (real Kafka cluster)"
  npx vitest run --project integration
fi
