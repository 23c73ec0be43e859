/**
 * How soon `run` sees what goes wrong (issue 17): detection latency `detectedAt − at`
 * per live finding kind, through one run with two real faults on a local cluster of
 * its own. The run is the built CLI (at-least-once producer, 6 partitions every
 * 100 ms); broker 2's name points at a toxiproxy that forwards to it.
 *
 *   +8 s   broker 2's responses are dropped for 4 s (the duplicate test's fault:
 *          the producer retries, the log gets duplicates and reordering);
 *   +25 s  broker 3 is SIGKILLed (its partitions stall, its probe fails), and
 *   +45 s  started again.
 *
 * Prints one row per kind (count, lag min / median / max) and, for the kill, the time
 * from the SIGKILL to its first findings; then the final report's counts beside the
 * live ones. Figures from one run on a noisy machine: a measurement, not a test.
 * Goals: ≤ 5 s for failed sends and unavailability, ≤ 15 s for log anomalies.
 *
 *   npm run build && node dist/scripts/bench-live-detection.js [--port-base 23492] [--dns-port 17953]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { FaultProxy } from '../rehearsal/fault-proxy.js';
import { HostsDns } from '../rehearsal/hosts-dns.js';
import { killBroker, restartBroker, start, stop, stderrLog } from '../rehearsal/index.js';
import { silentLog } from '../rehearsal/log.js';
import { freePort } from '../rehearsal/ports.js';
import { readState } from '../rehearsal/state.js';
import { sleep } from '../functions/core/wait.js';

const CLI = join(import.meta.dirname, '../bin/kafka-upgrade-verifier.js');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'port-base': { type: 'string', default: '23492' },
      'dns-port': { type: 'string', default: '17953' },
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'kuv-bench-detect-'));
  const statePath = join(dir, 'state.json');
  let proxy: FaultProxy | null = null;
  let dns: HostsDns | null = null;
  try {
    await start({
      statePath,
      portBase: Number(values['port-base']),
      dnsPort: Number(values['dns-port']),
      log: stderrLog,
    });
    const state = readState(statePath)!;
    const hosts = new Map(state.brokers.map((b) => [b.name, b.address]));
    const faulted = state.brokers.find((b) => b.id === 2)!;
    hosts.set(faulted.name, '127.0.1.2');
    proxy = await FaultProxy.start({
      logFile: join(dir, 'toxiproxy.log'),
      apiPort: await freePort(),
      log: silentLog,
    });
    await proxy.addProxy(
      'broker-2',
      `127.0.1.2:${faulted.clientPort}`,
      `${faulted.address}:${faulted.clientPort}`,
    );
    dns = await HostsDns.start({ dir, port: await freePort(), hosts });
    const first = state.brokers.find((b) => b.id === 1)!;
    const out = join(dir, 'run');
    const child = spawn(
      process.execPath,
      [
        CLI,
        'run',
        '--bootstrap',
        `${first.name}:${first.clientPort}`,
        '--dns-server',
        dns.server,
        '--producer',
        'at-least-once',
        '--duration',
        '70s',
        '--settle',
        '5s',
        '--out',
        out,
        '--format',
        'json',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n')) if (line.startsWith('live ')) stderrLog(line);
    });
    const ended = new Promise<void>((resolve) => child.on('close', () => resolve()));
    await sleep(8000);
    await proxy.addToxic('broker-2', {
      name: 'drop',
      type: 'timeout',
      stream: 'downstream',
      attributes: { timeout: 0 },
    });
    await sleep(4000);
    await proxy.removeToxic('broker-2', 'drop');
    await sleep(13_000);
    const killedAt = Date.now();
    await killBroker(statePath, 3, { log: stderrLog });
    await sleep(20_000);
    await restartBroker(statePath, 3, { log: stderrLog });
    await ended;

    const lines = readFileSync(join(out, 'live.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const findings = lines.filter((l) => l.type !== 'status');
    const byKind = new Map<string, Array<Record<string, unknown>>>();
    for (const f of findings)
      byKind.set(String(f.kind), [...(byKind.get(String(f.kind)) ?? []), f]);
    const rows = [['kind', 'count', 'lag min', 'median', 'max (ms: detectedAt − at)']];
    for (const [kind, list] of [...byKind].sort()) {
      const lags = list.map((f) => (f.detectedAt as number) - (f.at as number));
      rows.push([
        kind,
        String(list.length),
        String(Math.min(...lags)),
        String(median(lags)),
        String(Math.max(...lags)),
      ]);
    }
    process.stdout.write(`${rows.map((r) => r.map((c) => c.padEnd(10)).join(' ')).join('\n')}\n\n`);
    for (const kind of ['stalled', 'failedSend', 'unavailable', 'unreachableBroker']) {
      const afterKill = (byKind.get(kind) ?? []).filter(
        (f) => (f.detectedAt as number) >= killedAt,
      );
      const firstSeen = Math.min(...afterKill.map((f) => f.detectedAt as number));
      process.stdout.write(
        `SIGKILL of broker 3 → first ${kind}: ${afterKill.length === 0 ? 'none' : `${firstSeen - killedAt} ms`}\n`,
      );
    }
    const report = JSON.parse(stdout) as { totals: Record<string, number | null> };
    process.stdout.write(
      `final report: duplicates ${report.totals.duplicates}, out of order ${report.totals.outOfOrder}, lost ${report.totals.lost}, failed ${report.totals.failed}; ` +
        `live: duplicate ${byKind.get('duplicate')?.length ?? 0}, outOfOrder ${byKind.get('outOfOrder')?.length ?? 0}, suspectedLoss ${byKind.get('suspectedLoss')?.length ?? 0}\n`,
    );
  } finally {
    await dns?.stop();
    await proxy?.stop();
    await stop(statePath, { log: stderrLog }).catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench-live-detection: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
