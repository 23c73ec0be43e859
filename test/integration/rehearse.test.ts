/**
 * `kafka-upgrade-verifier rehearse` as a user runs it (the built CLI), on a cluster of
 * this file's own (own state file and ports): a rolling restart without leader
 * elections, kept running so the test can then elect leaders and see the skew go,
 * then a broker crash (`--kill 2`) rehearsed on that same running cluster.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { electLeaders, status, stderrLog } from '../../rehearsal/index.js';
import { runCli } from '../support/cli.js';
import { ownStateForFile, TEST_CLUSTER_PORTS } from '../support/cluster.js';
import { readHistory, type Rec } from '../support/history.js';
import {
  brokerEvents,
  expectMeasuredRun,
  type RehearsalReport,
  rehearseArgs,
} from '../support/rehearse.js';

// Starting clusters of its own needs the local cluster; with an external one, skip.
const { statePath, external } = ownStateForFile('rehearse-state.json');
const ports = TEST_CLUSTER_PORTS.rehearse;

describe.skipIf(external)('rehearse', () => {
  it('rolls three brokers under the canary: three restarts, no loss or duplicate, outages measured, reachable before and after; skew reported without elections and gone after electLeaders', async () => {
    const { out, args } = rehearseArgs(statePath, ports, 'roll');
    const began = Date.now();
    const r = await runCli([...args, '--leadership', 'off', '--keep-cluster']);
    stderrLog(`rehearse --leadership off took ${((Date.now() - began) / 1000).toFixed(1)} s`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('starting a local cluster (Kafka 4.4.0) for the rehearsal');
    expect(r.stderr).toContain(
      'rolling restart; leadership: no elections, no automatic rebalancing',
    );
    expect(r.stderr).toContain('cluster kept running (--keep-cluster)');
    const report = JSON.parse(r.stdout) as RehearsalReport;
    const history = readHistory(join(out, 'history.jsonl.gz'));
    expect(existsSync(join(out, 'report.json'))).toBe(true);
    expectMeasuredRun(report, history, [1, 2, 3]);

    // Reachable before (each broker's baseline probe got through) and after.
    for (const id of [1, 2, 3]) {
      const baseline = history.filter(
        (h) =>
          h.type === 'probe' && h.role === 'broker' && h.broker === id && h.phase === 'baseline',
      );
      expect(baseline.length, `baseline probes of broker ${id}`).toBeGreaterThan(0);
      expect(baseline.every(probeOk)).toBe(true);
    }
    expect(report.reachability!.brokers.map((b) => [b.broker, b.reachable])).toEqual([
      [1, true],
      [2, true],
      [3, true],
    ]);

    // No elections, no automatic rebalancing: leadership stays piled up, and the report says so.
    const skew = report.balance!.totals.leaderSkew!;
    stderrLog(
      `skew after the roll without elections: ${skew}; leaders per broker ${JSON.stringify(report.balance!.totals.leadersPerBroker)}`,
    );
    expect(skew).toBeGreaterThan(report.maxLeaderSkew);
    expect(report.verdict).toBe('warn');
    expect(report.reasons.join('\n')).toMatch(/leader skew/i);

    // After a preferred leader election a reachability round sees it even again.
    expect(await electLeaders(statePath, { log: stderrLog })).toBeNull();
    const cluster = await status(statePath);
    const round = await runCli([
      'reachability',
      '--bootstrap',
      cluster.bootstrap,
      '--dns-server',
      cluster.dnsServer,
      '--phase',
      'after',
      '--topics',
      'kuv-canary',
      '--format',
      'json',
    ]);
    expect(round.status, round.stderr).toBe(0);
    const after = JSON.parse(round.stdout) as RehearsalReport;
    stderrLog(`skew after electLeaders: ${after.balance!.totals.leaderSkew}`);
    expect(after.balance!.totals.leaderSkew).toBeLessThanOrEqual(after.maxLeaderSkew);
    expect(after.reasons.join('\n')).not.toMatch(/leader skew/i);
  }, 600_000);

  it('--kill 2 on the cluster already running: the run goes on, broker 2 is recorded down and up, nothing acked is lost, the cluster is left running', async () => {
    const { out, args } = rehearseArgs(statePath, ports, 'kill');
    const began = Date.now();
    const r = await runCli([...args, '--kill', '2']);
    stderrLog(`rehearse --kill 2 took ${((Date.now() - began) / 1000).toFixed(1)} s`);
    expect(r.stderr).toContain('using the cluster already running');
    expect(r.stderr).toContain('broker 2: killed pid');
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as RehearsalReport;
    const history = readHistory(join(out, 'history.jsonl.gz'));
    expectMeasuredRun(report, history, [2]);
    const events = brokerEvents(history, 2);
    expect(events.slice(0, 2)).toEqual(['down', 'up']);
    // The canary went on through the crash: sends acked while broker 2 was out.
    const restart = report.restarts.find((x) => x.broker === 2)!;
    const ackedWhileDown = history.filter(
      (h) =>
        h.type === 'produce' &&
        h.ok === true &&
        (h.sentAt as number) > restart.downAt! &&
        (h.sentAt as number) < restart.upAt!,
    );
    expect(ackedWhileDown.length).toBeGreaterThan(0);
    stderrLog(
      `kill 2: down ${restart.upAt! - restart.downAt!} ms, ${ackedWhileDown.length} sends acked meanwhile, ` +
        `failed ${report.totals.failed}, maxUnavailableMs ${report.totals.maxUnavailableMs}, verdict ${report.verdict}`,
    );
    // The rehearsal did not start this cluster, so it left it running.
    expect((await status(statePath)).brokers.every((b) => b.up)).toBe(true);
  }, 600_000);
});

function probeOk(h: Rec): boolean {
  const stage = (s: unknown) => (s as { ok?: boolean } | null)?.ok === true;
  return stage(h.dns) && stage(h.tcp) && stage(h.kafka);
}
