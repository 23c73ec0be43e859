/**
 * `rehearse --security sasl-scram` as a user runs it: the whole rehearsal — canary,
 * watcher, probes, read-back — on a local cluster whose client listener is SASL/SCRAM
 * over TLS with a private CA, passing the same checks as the plaintext rehearsal; and
 * the SCRAM password appears in nothing the run printed or wrote.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { readState } from '../../rehearsal/state.js';
import { runCli } from '../support/cli.js';
import { ownStateForFile, TEST_CLUSTER_PORTS } from '../support/cluster.js';
import { readHistory } from '../support/history.js';
import { expectMeasuredRun, type RehearsalReport, rehearseArgs } from '../support/rehearse.js';

// Starting clusters of its own needs the local cluster; with an external one, skip.
const { statePath, external } = ownStateForFile('rehearse-secure-state.json');

describe.skipIf(external)('rehearse --security sasl-scram', () => {
  it('rolls a SASL/SCRAM-over-TLS cluster with the canary connected the same way: three restarts, no loss or duplicate, every probe through TLS; the password in no output or file', async () => {
    const { out, args } = rehearseArgs(statePath, TEST_CLUSTER_PORTS.rehearseSecure, 'secure');
    // --keep-cluster: the password file is still there afterwards, to look for the password.
    const r = await runCli([...args, '--security', 'sasl-scram', '--keep-cluster']);
    expect(r.status, r.stderr).toBe(0);
    const passwordFile = readState(statePath)?.security?.saslPasswordFile;
    expect(passwordFile).toBeDefined();
    const password = readFileSync(passwordFile!, 'utf8').trim();
    expect(r.stderr).toContain('CLIENT listener secured with sasl-scram');
    const report = JSON.parse(r.stdout) as RehearsalReport;
    const history = readHistory(join(out, 'history.jsonl.gz'));
    expectMeasuredRun(report, history, [1, 2, 3]);
    expect(['pass', 'warn']).toContain(report.verdict);

    // Every probe that connected went through TLS; before and after the roll, all did
    // (during it, a restarting broker refuses the connection: no TLS stage then).
    const probes = history.filter((h) => h.type === 'probe');
    const settled = probes.filter((p) => p.phase !== 'during');
    expect(settled.length).toBeGreaterThanOrEqual(8);
    for (const p of settled) expect(p.tls, JSON.stringify(p)).toMatchObject({ ok: true });
    for (const p of probes.filter((p) => (p.tcp as { ok?: boolean } | null)?.ok === true)) {
      expect(p.tls, JSON.stringify(p)).toMatchObject({ ok: true });
    }

    expect(password.length).toBeGreaterThan(8);
    expect(r.stdout + r.stderr).not.toContain(password);
    for (const f of readdirSync(out)) {
      const content =
        f === 'history.jsonl.gz' ? JSON.stringify(history) : readFileSync(join(out, f), 'utf8');
      expect(content, f).not.toContain(password);
    }
  }, 600_000);
});
