/**
 * What every rehearsal test checks of a finished run: the report's restarts, loss,
 * duplicates and outages, against the history the run wrote.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect } from 'vitest';

import { stderrLog } from '../../rehearsal/index.js';
import { identity, type Rec } from './history.js';

export interface RehearsalReport {
  verdict: string;
  reasons: string[];
  maxLeaderSkew: number;
  totals: Record<string, number | null>;
  partitions: Array<{ partition: number; maxUnavailableMs: number }>;
  restarts: Array<{ broker: number; downAt: number | null; upAt: number | null }>;
  reachability: {
    brokers: Array<{
      broker: number;
      reachable: boolean;
      addressChanged: boolean;
      firstAddresses: string[] | null;
      finalAddresses: string[] | null;
    }>;
    totals: Record<string, number>;
  } | null;
  balance: {
    topics: Array<{
      topic: string;
      peakLeaderSkew: number | null;
      skewedMs: number;
      leadershipRestoredMs: number | null;
    }>;
    totals: { leaderSkew: number | null; leadersPerBroker: Record<string, number> };
  } | null;
}

/** `rehearse` with this test's state file and ports, short phases, JSON out; and its run folder. */
export function rehearseArgs(
  statePath: string,
  ports: { portBase: number; dnsPort: number },
  name: string,
): { out: string; args: string[] } {
  const out = join(mkdtempSync(join(tmpdir(), `kuv-it-rehearse-${name}-`)), 'run');
  return {
    out,
    args: [
      'rehearse',
      '--state',
      statePath,
      '--port-base',
      String(ports.portBase),
      '--dns-port',
      String(ports.dnsPort),
      '--warmup',
      '10s',
      '--settle',
      '10s',
      '--out',
      out,
      '--format',
      'json',
    ],
  };
}

/** The events of one broker's `broker` records, in time order. */
export function brokerEvents(history: Rec[], broker: number): string[] {
  return history
    .filter((h) => h.type === 'broker' && h.broker === broker)
    .sort((a, b) => (a.at as number) - (b.at as number))
    .map((h) => h.event as string);
}

/**
 * A verified run through restarts of `brokers`: each restart found and tied to its
 * broker (down, then up later), no acked record lost (checked on the history too), no
 * duplicate in the log, every partition's outage measured, verdict pass or warn.
 */
export function expectMeasuredRun(report: RehearsalReport, history: Rec[], brokers: number[]) {
  const summary = JSON.stringify({ reasons: report.reasons, totals: report.totals });
  expect(['pass', 'warn'], summary).toContain(report.verdict);
  expect(report.restarts.map((x) => x.broker).sort()).toEqual(brokers);
  for (const x of report.restarts) {
    expect(x.downAt).not.toBeNull();
    expect(x.upAt).toBeGreaterThan(x.downAt!);
    expect(brokerEvents(history, x.broker).slice(0, 2)).toEqual(['down', 'up']);
  }
  expect(report.totals).toMatchObject({ lost: 0, duplicates: 0 });
  const logged = new Set(history.filter((h) => h.type === 'log').map(identity));
  const acked = history.filter((h) => h.type === 'produce' && h.ok === true);
  expect(acked.length).toBeGreaterThan(0);
  expect(acked.filter((h) => !logged.has(identity(h))).map(identity)).toEqual([]);
  expect(report.partitions.length).toBeGreaterThan(0);
  for (const p of report.partitions) expect(p.maxUnavailableMs).toBeTypeOf('number');
  stderrLog(
    `rehearsal: verdict ${report.verdict}, ${report.totals.produced} sends (${report.totals.failed} failed), ` +
      `restarts ${JSON.stringify(report.restarts.map((x) => [x.broker, x.upAt! - x.downAt!]))}, ` +
      `maxUnavailableMs per partition ${JSON.stringify(report.partitions.map((p) => p.maxUnavailableMs))}, ` +
      `redelivered ${report.totals.redelivered}`,
  );
}
