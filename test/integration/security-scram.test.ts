/**
 * SASL/SCRAM over TLS on a local cluster of this file's own: reachability and a
 * produce/consume round trip with SCRAM-SHA-512 (and -256), a wrong password exits 2
 * naming the refusal, and a reachability round written to a history file and analysed
 * into a report leaves the password in neither, nor in anything printed.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createKafka } from '../../functions/core/kafka/client.js';
import { checkSecurityOptions, Secret } from '../../functions/core/kafka/security.js';
import { roundTrip, trackClients } from './helpers.js';
import {
  cli,
  startSecureCluster,
  type CliRun,
  type SecureCluster,
} from './security/secure-cluster.js';

let cluster: SecureCluster;
let password = '';
const dir = mkdtempSync(join(tmpdir(), 'kuv-scram-it-'));
const track = trackClients();

beforeAll(async () => {
  cluster = await startSecureCluster('sasl-scram');
  password = readFileSync(cluster.status.security.saslPasswordFile!, 'utf8');
});
afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function scramFlags(passwordFile = cluster.status.security.saslPasswordFile!): string[] {
  return [
    '--bootstrap',
    cluster.status.bootstrap,
    '--dns-server',
    cluster.status.dnsServer,
    '--security',
    'sasl-scram',
    '--ca-file',
    cluster.status.security.caFile,
    '--sasl-username',
    'kuv-canary',
    '--sasl-password-file',
    passwordFile,
  ];
}

describe('a SASL/SCRAM cluster', () => {
  it('keeps the password in a 0600 file that status names but never prints', async () => {
    expect(statSync(cluster.status.security.saslPasswordFile!).mode & 0o777).toBe(0o600);
    const status = await cli('local-cluster', ['status', '--json', '--state', cluster.statePath]);
    const text = await cli('local-cluster', ['status', '--state', cluster.statePath]);
    expect(JSON.parse(status.stdout).security).toMatchObject({
      protocol: 'sasl-scram',
      saslUsername: 'kuv-canary',
      saslMechanisms: ['scram-sha-512', 'scram-sha-256'],
    });
    for (const run of [status, text]) expect(run.stdout + run.stderr).not.toContain(password);
    expect(readFileSync(cluster.statePath, 'utf8')).not.toContain(password);
  });

  it('reachability over SASL/SCRAM: every broker reachable, the tls stage present', async () => {
    const run = await cli('reachability', [...scramFlags(), '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.reachability.totals.unreachableBrokers).toBe(0);
    expect(report.reachability.brokers).toHaveLength(3);
  });

  it('produce and consume with SCRAM-SHA-512; SCRAM-SHA-256 authenticates too', async () => {
    const connection = {
      bootstrap: cluster.status.bootstrap,
      dnsServer: cluster.status.dnsServer,
      config: { retry: { retries: 5, initialRetryTime: 200 }, connectionTimeout: 5000 },
    };
    await roundTrip(createKafka({ ...connection, security: cluster.clientSecurity() }), track, 20);
    const admin = track(
      createKafka({
        ...connection,
        security: cluster.clientSecurity({ saslMechanism: 'scram-sha-256' }),
      }).admin(),
    );
    await admin.connect();
    expect((await admin.describeCluster()).brokers).toHaveLength(3);
  });

  it('a wrong password: exit 2 naming the refusal; kafkajs says so too', async () => {
    const wrong = join(dir, 'wrong-password');
    writeFileSync(wrong, 'not-the-password\n', { mode: 0o600 });
    const run = await cli('reachability', scramFlags(wrong));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /reachability: security: SASL authentication to .* was refused \(the broker said: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512\): check --sasl-username, the password/,
    );
    expect(run.stderr).not.toMatch(/Connection timeout/i);
    const admin = track(
      createKafka({
        bootstrap: cluster.status.bootstrap,
        dnsServer: cluster.status.dnsServer,
        security: checkSecurityOptions({
          security: 'sasl-scram',
          caFile: cluster.status.security.caFile,
          saslUsername: 'kuv-canary',
          saslPassword: new Secret('not-the-password'),
        }),
        config: { retry: { retries: 0 }, connectionTimeout: 3000 },
      }).admin(),
    );
    await expect(admin.connect()).rejects.toThrow(/SASL SCRAM SHA512 authentication failed/);
  });

  it('a round written to a history and its report: the password is in neither, nor in anything printed', async () => {
    const history = join(dir, 'baseline.jsonl');
    const reportFile = join(dir, 'report.json');
    const runs: CliRun[] = [];
    const saved = process.env.KUV_SASL_PASSWORD;
    process.env.KUV_SASL_PASSWORD = password; // the other way in: the environment
    try {
      const flags = scramFlags().slice(0, -2); // no --sasl-password-file
      runs.push(await cli('reachability', [...flags, '--out', history]));
      runs.push(await cli('reachability', [...flags, '--format', 'json']));
    } finally {
      if (saved === undefined) delete process.env.KUV_SASL_PASSWORD;
      else process.env.KUV_SASL_PASSWORD = saved;
    }
    runs.push(await cli('analyze', [history, '--format', 'json']));
    writeFileSync(reportFile, runs.at(-1)!.stdout);
    runs.push(await cli('analyze', [history]));
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    const lines = readFileSync(history, 'utf8').trim().split('\n');
    const probes = lines.map((l) => JSON.parse(l)).filter((r) => r.type === 'probe');
    expect(probes.length).toBe(6); // three bootstrap endpoints, three brokers
    for (const p of probes) expect(p.tls).toMatchObject({ ok: true, notAfter: expect.any(Number) });
    for (const text of [
      readFileSync(history, 'utf8'),
      readFileSync(reportFile, 'utf8'),
      ...runs.flatMap((r) => [r.stdout, r.stderr]),
    ]) {
      expect(text).not.toContain(password);
    }
  });
});
