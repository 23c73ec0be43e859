/**
 * The probe's `tls` stage against a TLS server on loopback holding a certificate from
 * the local cluster's openssl helper, answering ApiVersions like a broker: the handshake
 * time, the certificate's notAfter, and the cause when verification fails (untrusted CA,
 * name mismatch); then what the CLI says about each.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { securityProblemsOf } from '../../../functions/core/probe/check.js';
import { endpointOf } from '../../../functions/core/probe/endpoint.js';
import { DEFAULT_STAGE_TIMEOUTS, probeEndpoint } from '../../../functions/core/probe/probe.js';
import { explainSecurityFailure } from '../../../functions/core/probe/tls.js';
import { makeClusterSecurity } from '../../../rehearsal/security.js';

const dir = mkdtempSync(join(tmpdir(), 'kuv-tls-'));
const security = makeClusterSecurity('tls', dir, [{ id: 1, name: 'broker-1.kafka.test' }]);
const keystore = readFileSync(join(security.dir, 'broker-1.keystore.pem'), 'utf8');
const ca = readFileSync(security.caFile, 'utf8');
let server: tls.Server;
let port = 0;

beforeAll(async () => {
  server = tls.createServer({ key: keystore, cert: keystore }, (socket) => {
    socket.on('error', () => {});
    socket.once('data', (request: Buffer) => {
      const answer = Buffer.alloc(14);
      answer.writeInt32BE(10, 0);
      request.copy(answer, 4, 8, 12); // the correlation id
      answer.writeInt16BE(0, 8);
      answer.writeInt32BE(0, 10);
      socket.end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function probe(host: string, settings: { ca?: string; verify: boolean } | null) {
  return probeEndpoint({ endpoint: endpointOf(host, port), role: 'bootstrap' }, 'baseline', {
    resolve: async () => ['127.0.0.1'],
    timeouts: DEFAULT_STAGE_TIMEOUTS,
    clientId: 'test',
    tls: settings,
  });
}

describe('the tls stage', () => {
  it('with the private CA: handshake timed, notAfter recorded, then ApiVersions over TLS', async () => {
    const record = await probe('broker-1.kafka.test', { ca, verify: true });
    expect(record.tls).toMatchObject({ ok: true, address: '127.0.0.1' });
    expect(record.tls!.ms).toBeGreaterThanOrEqual(0);
    expect(record.tls!.notAfter! - Date.now()).toBeGreaterThan(300 * 86_400_000);
    expect(record.kafka).toMatchObject({ ok: true });
    expect(Object.keys(record)).toEqual([
      'type',
      'endpoint',
      'role',
      'phase',
      'at',
      'dns',
      'tcp',
      'tls',
      'kafka',
    ]);
  });

  it('by an address the certificate lists: ok', async () => {
    const byAddress = await probe('127.0.0.1', { ca, verify: true });
    expect(byAddress.tls?.error).toBeUndefined();
    expect(byAddress.tls).toMatchObject({ ok: true });
  });

  it('without the CA: the untrusted chain is the error, notAfter still known, no kafka stage', async () => {
    const record = await probe('broker-1.kafka.test', { verify: true });
    expect(record.tls?.ok).toBe(false);
    expect(record.tls?.error).toMatch(
      /^(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$/,
    );
    expect(record.tls?.notAfter).toBeGreaterThan(Date.now());
    expect(record.kafka).toBeNull();
    expect(explainSecurityFailure(record.tls!.error!, 'x:1')).toMatch(
      /certificate of x:1 is not signed by a CA this client trusts .*--ca-file FILE/,
    );
  });

  it('by a name the certificate does not list: ERR_TLS_CERT_ALTNAME_INVALID', async () => {
    const record = await probe('localhost', { ca, verify: true });
    expect(record.tls).toMatchObject({ ok: false, error: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(explainSecurityFailure('ERR_TLS_CERT_ALTNAME_INVALID', 'localhost:1')).toMatch(
      /does not name the host it was reached by \(TLS name mismatch/,
    );
  });

  it('with verification off (--tls-insecure): ok whatever the name and the CA', async () => {
    const record = await probe('localhost', { verify: false });
    expect(record.tls?.ok).toBe(true);
    expect(record.kafka?.ok).toBe(true);
  });

  it('plaintext probes keep their shape: no tls field', async () => {
    const record = await probe('broker-1.kafka.test', null);
    expect('tls' in record).toBe(false);
  });
});

describe('explainSecurityFailure', () => {
  it('names a refused password, and leaves reachability failures alone', () => {
    expect(
      explainSecurityFailure(
        'SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
        'b:1',
      ),
    ).toBe(
      'SASL authentication to b:1 was refused (the broker said: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512): ' +
        'check --sasl-username, the password (--sasl-password-file or KUV_SASL_PASSWORD) and --sasl-mechanism.',
    );
    expect(explainSecurityFailure('ECONNREFUSED', 'b:1')).toBeNull();
    expect(explainSecurityFailure('ETIMEOUT: no connection within 2000 ms', 'b:1')).toBeNull();
    expect(explainSecurityFailure('ERR_SSL_WRONG_VERSION_NUMBER', 'b:1')).toMatch(
      /does not speak TLS as expected/,
    );
  });
});

describe('securityProblemsOf', () => {
  const failed = (endpoint: string, error: string) => ({
    type: 'probe',
    endpoint,
    tls: { ok: false, ms: 3, address: '127.0.0.1', error },
  });

  it('says each cause once, naming every endpoint that showed it; other failures are not its business', () => {
    expect(
      securityProblemsOf(
        [
          failed('b-1:9094', 'SELF_SIGNED_CERT_IN_CHAIN'),
          failed('b-2:9094', 'SELF_SIGNED_CERT_IN_CHAIN'),
          failed('b-3:9094', 'ETIMEOUT: no TLS handshake within 2000 ms'),
          { type: 'probe', endpoint: 'b-4:9094', tls: { ok: true, ms: 1, address: 'x' } },
          {
            type: 'leaders',
            endpoint: 'x',
            tls: { ok: false, error: 'SELF_SIGNED_CERT_IN_CHAIN' },
          },
        ],
        [
          'cluster metadata from b-1:9096 unavailable (SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512). Check …',
          'watched topic t is not in the cluster metadata',
        ],
        'b-1:9096',
      ),
    ).toEqual([
      "the certificate of b-1:9094, b-2:9094 is not signed by a CA this client trusts (SELF_SIGNED_CERT_IN_CHAIN). Give the cluster's CA with --ca-file FILE (a local cluster's: 'local-cluster status --json', security.caFile).",
      'SASL authentication to b-1:9096 was refused (the broker said: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512): check --sasl-username, the password (--sasl-password-file or KUV_SASL_PASSWORD) and --sasl-mechanism.',
    ]);
  });
});
