/**
 * `rehearse --version 3.9.1 --to-version 4.4.0 --readdress` as a user runs it: one
 * rehearsal proves both the upgrade (the same checks as a plain roll pass through it)
 * and the address change (the report names each broker's old and new address, and
 * warns). The cluster is the rehearsal's own, started and stopped by it.
 */
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { stderrLog, stop } from '../../rehearsal/index.js';
import { claimState, TEST_CLUSTER_PORTS, testCluster, testStatePath } from './helpers.js';
import { readHistory, runCli } from './canary/cli.js';
import { expectMeasuredRun, rehearseArgs, type RehearsalReport } from './rehearse/checks.js';

const external = testCluster().statePath === null;
const statePath = testStatePath('rehearse-upgrade-state.json');
let release = () => {};

beforeAll(async () => {
  if (external) return;
  release = claimState(statePath);
  await stop(statePath, { log: stderrLog });
});

afterAll(async () => {
  try {
    // rehearse stops the cluster it started; this only mends a failed run.
    if (!external) await stop(statePath, { log: stderrLog });
  } finally {
    release();
  }
});

describe.skipIf(external)('rehearse --to-version --readdress', () => {
  it('upgrades 3.9.1 → 4.4.0 onto new addresses: three restarts, no loss or duplicate, outages measured; every broker reported moved, old and new address, verdict warn; cluster stopped', async () => {
    const { out, args } = rehearseArgs(statePath, TEST_CLUSTER_PORTS.rehearseUpgrade, 'upgrade');
    const began = Date.now();
    const r = await runCli([...args, '--version', '3.9.1', '--to-version', '4.4.0', '--readdress']);
    stderrLog(
      `rehearse --to-version --readdress took ${((Date.now() - began) / 1000).toFixed(1)} s`,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('starting a local cluster (Kafka 3.9.1) for the rehearsal');
    expect(r.stderr).toContain('rolling restart onto Kafka 4.4.0 onto new addresses');
    expect(r.stderr).toMatch(/finalized features: .*metadata\.version=4\.4/);
    expect(r.stderr).toContain('cluster stopped');
    const report = JSON.parse(r.stdout) as RehearsalReport;
    expectMeasuredRun(report, readHistory(join(out, 'history.jsonl.gz')), [1, 2, 3]);

    expect(report.verdict).toBe('warn');
    expect(report.reasons.join('\n')).toMatch(/address/i);
    const reach = report.reachability!;
    expect(reach.totals.brokerAddressChanges).toBe(3);
    expect(
      reach.brokers.map((b) => [
        b.broker,
        b.addressChanged,
        b.firstAddresses,
        b.finalAddresses,
        b.reachable,
      ]),
    ).toEqual([
      [1, true, ['127.0.0.1'], ['127.0.0.11'], true],
      [2, true, ['127.0.0.2'], ['127.0.0.12'], true],
      [3, true, ['127.0.0.3'], ['127.0.0.13'], true],
    ]);
    // The roll said so as it moved each broker.
    expect(r.stderr).toContain('moving from 127.0.0.2 to 127.0.0.12');
  }, 600_000);
});
