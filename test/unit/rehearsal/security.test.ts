/**
 * The local cluster's secured CLIENT listener: server.properties lines, and the CA,
 * broker certificates and SCRAM password file made with the real openssl — SANs, chain,
 * file modes — and the status that names the files but never the password.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { serverProperties } from '../../../rehearsal/config.js';
import {
  brokerExtensions,
  clientSecurityOf,
  makeClusterSecurity,
  redactPassword,
  scramFormatArgs,
  securityProperties,
  securityStatusOf,
  type SecurityState,
} from '../../../rehearsal/security.js';
import type { ClusterState } from '../../../rehearsal/state.js';

const dir = mkdtempSync(join(tmpdir(), 'kuv-sec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const brokers = [1, 2].map((id) => ({ id, name: `broker-${id}.kafka.test` }));

describe('securityProperties', () => {
  it('plaintext: every listener PLAINTEXT, no extra lines', () => {
    expect(securityProperties(undefined, { id: 1 })).toEqual({
      protocolMap: 'CLIENT:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
      lines: [],
    });
  });

  const tls: SecurityState = { protocol: 'tls', dir: '/d/security', caFile: '/d/security/ca.pem' };
  it('tls: CLIENT SSL with the broker PEM keystore; INTERNAL and CONTROLLER stay PLAINTEXT', () => {
    expect(securityProperties(tls, { id: 2 })).toEqual({
      protocolMap: 'CLIENT:SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
      lines: [
        'listener.name.client.ssl.keystore.type=PEM',
        'listener.name.client.ssl.keystore.location=/d/security/broker-2.keystore.pem',
        'listener.name.client.ssl.client.auth=none',
      ],
    });
  });

  it('sasl-scram: CLIENT SASL_SSL with both SCRAM mechanisms', () => {
    const { protocolMap, lines } = securityProperties(
      { ...tls, protocol: 'sasl-scram' },
      { id: 1 },
    );
    expect(protocolMap).toBe('CLIENT:SASL_SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT');
    expect(lines).toContain(
      'listener.name.client.sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256',
    );
    expect(lines).toContain(
      'listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    );
  });

  it('goes into server.properties', () => {
    const state = {
      format: 1,
      clusterId: 'x',
      dataDir: '/d',
      domain: 'kafka.test',
      startedAt: '',
      dns: { address: '127.0.0.1', port: 1, pid: null, hostsFile: '/d/hosts' },
      security: tls,
      brokers: [
        {
          id: 1,
          name: 'broker-1.kafka.test',
          homeAddress: '127.0.0.1',
          address: '127.0.0.1',
          clientPort: 19792,
          controllerPort: 19793,
          internalPort: 19794,
          version: '4.4.0',
          pid: null,
          dir: '/d/node-1',
        },
      ],
    } satisfies ClusterState;
    const text = serverProperties(state, state.brokers[0]!);
    expect(text).toContain(
      'listener.security.protocol.map=CLIENT:SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT\n',
    );
    expect(text).toContain(
      'listener.name.client.ssl.keystore.location=/d/security/broker-1.keystore.pem\n',
    );
  });
});

describe('brokerExtensions', () => {
  it('names the broker and both loopback addresses it may bind (readdress)', () => {
    expect(brokerExtensions('broker-3.kafka.test', 3)).toContain(
      'subjectAltName=DNS:broker-3.kafka.test,IP:127.0.0.3,IP:127.0.0.13\n',
    );
  });
});

describe('makeClusterSecurity (openssl)', () => {
  const security = makeClusterSecurity('sasl-scram', dir, brokers, 10);

  it('makes a CA and broker certificates it signed, with the SANs, valid for the days asked', () => {
    const ca = new X509Certificate(readFileSync(security.caFile));
    expect(ca.ca).toBe(true);
    for (const b of brokers) {
      const pem = readFileSync(join(security.dir, `broker-${b.id}.keystore.pem`), 'utf8');
      expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----/); // PKCS#8, unencrypted: what Kafka's PEM store reads
      const leaf = new X509Certificate(pem.slice(pem.indexOf('-----BEGIN CERTIFICATE-----')));
      expect(leaf.verify(ca.publicKey)).toBe(true);
      expect(leaf.subjectAltName).toBe(
        `DNS:${b.name}, IP Address:127.0.0.${b.id}, IP Address:127.0.0.1${b.id}`,
      );
      expect(leaf.checkHost(b.name)).toBe(b.name);
      expect(leaf.checkHost('localhost')).toBeUndefined();
      const days = (Date.parse(leaf.validTo) - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(9);
      expect(days).toBeLessThan(11);
    }
  });

  it('writes the keys and the password 0600 in a 0700 folder', () => {
    expect(statSync(security.dir).mode & 0o777).toBe(0o700);
    for (const file of ['ca-key.pem', 'broker-1-key.pem', 'broker-1.keystore.pem', 'sasl-password'])
      expect(statSync(join(security.dir, file)).mode & 0o777).toBe(0o600);
    expect(readFileSync(security.saslPasswordFile!, 'utf8')).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('creates the SCRAM user at format time, and redacts the password from tool output', () => {
    const password = readFileSync(security.saslPasswordFile!, 'utf8');
    expect(scramFormatArgs(security)).toEqual([
      '--add-scram',
      `SCRAM-SHA-512=[name=kuv-canary,password=${password}]`,
      '--add-scram',
      `SCRAM-SHA-256=[name=kuv-canary,password=${password}]`,
    ]);
    expect(scramFormatArgs(undefined)).toEqual([]);
    expect(redactPassword(`bad ${password} here`, security)).toBe('bad [redacted] here');
  });

  it('status names the CA and the password file, never the password; clients get the options', () => {
    const password = readFileSync(security.saslPasswordFile!, 'utf8');
    const status = securityStatusOf({ security });
    expect(status).toEqual({
      protocol: 'sasl-scram',
      caFile: security.caFile,
      saslUsername: 'kuv-canary',
      saslPasswordFile: security.saslPasswordFile,
      saslMechanisms: ['scram-sha-512', 'scram-sha-256'],
    });
    expect(JSON.stringify(status)).not.toContain(password);
    const client = clientSecurityOf({ security })!;
    expect(client).toMatchObject({ security: 'sasl-scram', saslUsername: 'kuv-canary' });
    expect(client.saslPassword!.reveal()).toBe(password);
    expect(JSON.stringify(client)).not.toContain(password);
    expect(clientSecurityOf({})).toBeUndefined();
  });
});
