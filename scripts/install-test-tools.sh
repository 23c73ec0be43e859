#!/usr/bin/env bash
# Installs what the integration tests need on a fresh Debian machine, and is fast
# when everything is already there: dnsmasq (the brokers' DNS server), kcat, the
# librdkafka headers and a C compiler (the librdkafka producer, built at first use) and
# chromium (the HTML report's browser tests) and strace (the fsync test) from
# Debian, Java and Maven if
# missing, then the Kafka jars of the versions the tests run (resolved from Maven
# Central into the user's cache folder, once per version:
# $KUV_CACHE_DIR, else ${XDG_CACHE_HOME:-~/.cache}/kafka-upgrade-verifier, /kafka/<version>/).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[%s] install-test-tools: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

missing=()
command -v dnsmasq >/dev/null 2>&1 || [ -x /usr/sbin/dnsmasq ] || missing+=(dnsmasq-base)
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
# The librdkafka producer (clients/librdkafka/producer.c) is compiled against the
# librdkafka kcat uses: its headers and a C compiler.
[ -f /usr/include/librdkafka/rdkafka.h ] || missing+=(librdkafka-dev)
command -v cc >/dev/null 2>&1 || missing+=(gcc)
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
# Headless Chromium for the HTML report's browser tests (driven by playwright-core).
[ -x /usr/bin/chromium ] || missing+=(chromium)
# strace: the unit test that a run's files are fsynced before they are renamed.
command -v strace >/dev/null 2>&1 || missing+=(strace)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); elif command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
    say "missing ${missing[*]} and not root (no sudo): install them with apt-get, then rerun"; exit 1
  fi
  say "installing ${missing[*]} from Debian"
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "dnsmasq, kcat, librdkafka-dev, cc, java, mvn, chromium and strace already installed"
fi
# Debian puts dnsmasq in /usr/sbin, which a non-root PATH may lack.
command -v dnsmasq >/dev/null 2>&1 || export PATH="$PATH:/usr/sbin"

if [ ! -f dist/bin/kafka-upgrade-verifier.js ]; then
  say "building the CLI (npm run build)"
  npm run build --silent
fi
# The versions the integration tests use: the default (upgrade target) and the 3.9.x
# the upgrade starts from. KUV_KAFKA_VERSION / KUV_UPGRADE_FROM override them. The jar
# cache is where the CLI looks (KUV_KAFKA_CACHE and KUV_CACHE_DIR included).
read -r cache versions < <(node --input-type=module -e "
  const j = await import('./dist/rehearsal/jars.js');
  const p = await import('./dist/rehearsal/paths.js');
  const v = new Set([process.env.KUV_KAFKA_VERSION ?? j.DEFAULT_KAFKA_VERSION, process.env.KUV_UPGRADE_TO ?? j.DEFAULT_KAFKA_VERSION, process.env.KUV_UPGRADE_FROM ?? j.DEFAULT_UPGRADE_FROM_VERSION]);
  console.log([p.kafkaCacheRoot(), ...v].join(' '));")
for v in $versions; do
  if [ -f "$cache/$v/complete" ]; then
    say "Kafka $v jars already cached in $cache/$v"
  else
    node dist/bin/kafka-upgrade-verifier.js local-cluster fetch --version "$v" >/dev/null
  fi
done
# The fault proxy (toxiproxy) the fault-injection tests put between a client and a broker,
# built once from the Go module proxy into the same cache.
if command -v go >/dev/null 2>&1; then
  node --input-type=module -e "
    const f = await import('./dist/rehearsal/fault-proxy.js');
    const l = await import('./dist/rehearsal/log.js');
    f.ensureToxiproxy(l.stderrLog);"
else
  say "Go is missing: the fault-proxy tests will be skipped (apt-get install -y golang-go to run them)"
fi
say "done"
