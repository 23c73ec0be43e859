/**
 * TLS with a private CA on a local cluster of this file's own: reachability passes with
 * the CA (a tls stage with notAfter on every probe), a produce/consume round trip through
 * createKafka with the security options, and each misconfiguration — no CA, a name the
 * certificate does not list — exits 2 naming the cause, not a timeout.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createKafka } from '../../functions/core/kafka/client.js';
import { checkSecurityOptions } from '../../functions/core/kafka/security.js';
import { cliInProcess } from '../support/cli.js';
import { type SecureCluster, startSecureCluster, TEST_CLUSTER_PORTS } from '../support/cluster.js';
import { roundTrip, trackClients } from '../support/kafka.js';

let cluster: SecureCluster;
const track = trackClients();
const dir = mkdtempSync(join(tmpdir(), 'kuv-tls-it-'));
const history = join(dir, 'baseline.jsonl');

beforeAll(async () => {
  cluster = await startSecureCluster('tls');
});
afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function reachability(...args: string[]) {
  return cliInProcess('reachability', [
    '--dns-server',
    cluster.status.dnsServer,
    '--format',
    'json',
    ...args,
  ]);
}

/** reachability of the whole cluster over TLS, trusting its CA. */
function reachabilityWithCa(...args: string[]) {
  return reachability(
    '--bootstrap',
    cluster.status.bootstrap,
    '--security',
    'tls',
    '--ca-file',
    cluster.status.security.caFile,
    ...args,
  );
}

describe('a TLS cluster', () => {
  it('status names the CA file it made', async () => {
    expect(cluster.status.security).toEqual({
      protocol: 'tls',
      caFile: expect.stringMatching(/\/security\/ca\.pem$/),
    });
    expect(existsSync(cluster.status.security.caFile)).toBe(true);
    const status = await cliInProcess('local-cluster', [
      'status',
      '--json',
      '--state',
      cluster.statePath,
    ]);
    expect(JSON.parse(status.stdout).security).toEqual(cluster.status.security);
  });

  it('reachability over TLS with the private CA: every broker reachable, a tls stage with notAfter', async () => {
    const began = Date.now();
    const run = await reachabilityWithCa('--out', history);
    process.stderr.write(`reachability over TLS took ${Date.now() - began} ms\n`);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.reachability.totals.unreachableBrokers).toBe(0);
    const probes = readFileSync(history, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((r) => r.type === 'probe');
    expect(probes).toHaveLength(6); // three bootstrap endpoints, three brokers
    for (const p of probes) {
      expect(p.tls).toEqual({
        ok: true,
        ms: expect.any(Number),
        address: p.tcp.address,
        notAfter: expect.any(Number),
      });
      expect(p.tls.notAfter - Date.now()).toBeGreaterThan(360 * 86_400_000);
    }
    expect(report.reachability.brokers.map((b: { broker: number }) => b.broker)).toEqual([1, 2, 3]);
    expect(run.stderr).toContain('connecting with TLS (CA ');
  });

  it('produce and consume through createKafka with the security options', async () => {
    const kafka = createKafka({
      bootstrap: cluster.status.bootstrap,
      dnsServer: cluster.status.dnsServer,
      security: cluster.clientSecurity(),
      config: { retry: { retries: 5, initialRetryTime: 200 }, connectionTimeout: 5000 },
    });
    await roundTrip(kafka, track, 20);
  });

  it('without the CA: exit 2, the certificate is not signed by a trusted CA', async () => {
    const run = await reachability('--bootstrap', cluster.status.bootstrap, '--security', 'tls');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /reachability: security: the certificate of broker-1\.kafka\.test:\d+, broker-2\.kafka\.test:\d+, broker-3\.kafka\.test:\d+ is not signed by a CA this client trusts \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\)\. Give the cluster's CA with --ca-file/,
    );
    expect(run.stderr).not.toMatch(/Connection timeout/i);
  });

  it('by a name the certificates do not list: exit 2, a TLS name mismatch', async () => {
    const run = await cliInProcess('reachability', [
      '--bootstrap',
      `localhost:${TEST_CLUSTER_PORTS.secure.portBase}`,
      '--security',
      'tls',
      '--ca-file',
      cluster.status.security.caFile,
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `reachability: security: the certificate of localhost:${TEST_CLUSTER_PORTS.secure.portBase} does not name the host it was reached by (TLS name mismatch, ERR_TLS_CERT_ALTNAME_INVALID)`,
    );
  });

  it('a roll onto new addresses keeps TLS working: the certificates name both addresses', async () => {
    const began = Date.now();
    const roll = await cliInProcess('local-cluster', [
      'roll',
      '--broker',
      '2',
      '--readdress',
      '--state',
      cluster.statePath,
      '--json',
    ]);
    process.stderr.write(`roll --readdress --broker 2 over TLS took ${Date.now() - began} ms\n`);
    expect(roll.code, roll.stderr).toBe(0);
    expect(JSON.parse(roll.stdout).brokers[1].address).toBe('127.0.0.12');
    const run = await reachabilityWithCa();
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.reachability.totals.unreachableBrokers).toBe(0);
    const byAddress = await cliInProcess('reachability', [
      '--bootstrap',
      `127.0.0.12:${TEST_CLUSTER_PORTS.secure.portBase}`,
      '--dns-server',
      cluster.status.dnsServer,
      '--security',
      'tls',
      '--ca-file',
      cluster.status.security.caFile,
      '--topics',
      'none',
    ]);
    expect(byAddress.stderr).not.toContain('reachability: security:');
  });

  it('kafkajs through createKafka names the certificate problem too', async () => {
    const admin = track(
      createKafka({
        bootstrap: cluster.status.bootstrap,
        dnsServer: cluster.status.dnsServer,
        security: checkSecurityOptions({ security: 'tls' }),
        config: { retry: { retries: 0 }, connectionTimeout: 3000 },
      }).admin(),
    );
    await expect(admin.connect()).rejects.toThrow(
      /self[- ]signed certificate in certificate chain/,
    );
  });
});
