/**
 * A secured CLIENT listener for the local cluster (`start --security tls|sasl-scram`):
 * a private CA and one certificate per broker made with openssl at start (SANs: the
 * broker's DNS name, its home and its --readdress address), PEM keystores Kafka reads
 * (KIP-651), and for SASL/SCRAM one user with SCRAM-SHA-512 and -256 credentials written
 * into the metadata at format time (StorageTool --add-scram). INTERNAL and CONTROLLER
 * stay PLAINTEXT on loopback addresses.
 *
 * Everything lives in `<data>/security/` (0700): ca.pem, ca-key.pem, broker-N.keystore.pem,
 * and the SCRAM password alone in `sasl-password` (0600), for --sasl-password-file. The
 * state file names those files, never the password.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ClusterError } from '../functions/core/errors.js';
import {
  checkSecurityOptions,
  Secret,
  type SecurityOptions,
} from '../functions/core/kafka/security.js';
import { altAddress, homeAddress } from './addresses.js';
import type { BrokerState, ClusterState } from './state.js';

export const LOCAL_SECURITY_MODES = ['plaintext', 'tls', 'sasl-scram'] as const;
export type LocalSecurity = (typeof LOCAL_SECURITY_MODES)[number];

export const SCRAM_USER = 'kuv-canary';
export const CERT_DAYS = 365;

/** What the state file keeps of a secured cluster: where things are, never a secret. */
export interface SecurityState {
  protocol: 'tls' | 'sasl-scram';
  /** `<data>/security` */
  dir: string;
  caFile: string;
  saslUsername?: string;
  saslPasswordFile?: string;
  saslMechanisms?: string[];
}

/** What `status --json` shows under `security`. */
export type SecurityStatus = Omit<SecurityState, 'dir'>;

/** The SAN extension of broker `id`: its name and both loopback addresses it may bind. */
export function brokerExtensions(name: string, id: number): string {
  return [
    `subjectAltName=DNS:${name},IP:${homeAddress(id)},IP:${altAddress(id)}`,
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    '',
  ].join('\n');
}

export function keystoreOf(security: SecurityState, broker: Pick<BrokerState, 'id'>): string {
  return join(security.dir, `broker-${broker.id}.keystore.pem`);
}

/** The server.properties lines that secure the CLIENT listener (none for plaintext). */
export function securityProperties(
  security: SecurityState | undefined,
  broker: Pick<BrokerState, 'id'>,
): { protocolMap: string; lines: string[] } {
  if (security === undefined) {
    return {
      protocolMap: 'CLIENT:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
      lines: [],
    };
  }
  const sasl = security.protocol === 'sasl-scram';
  const lines = [
    'listener.name.client.ssl.keystore.type=PEM',
    `listener.name.client.ssl.keystore.location=${keystoreOf(security, broker)}`,
    'listener.name.client.ssl.client.auth=none',
  ];
  if (sasl) {
    lines.push(
      'listener.name.client.sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256',
      'listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.client.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    );
  }
  return {
    protocolMap: `CLIENT:${sasl ? 'SASL_SSL' : 'SSL'},INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT`,
    lines,
  };
}

function openssl(args: string[], what: string): void {
  const result = spawnSync('openssl', args, { encoding: 'utf8', timeout: 60_000 });
  if (result.error !== undefined || result.status !== 0) {
    const why =
      (result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
        ? "no 'openssl' on PATH (apt-get install -y openssl)"
        : (result.stderr || result.error?.message || '').trim().split('\n').slice(0, 2).join(' | ');
    throw new ClusterError(
      `making the local cluster's ${what} with openssl failed: ${why}. ` +
        'start --security tls|sasl-scram needs openssl; install it and retry.',
    );
  }
}

/**
 * Makes the CA, each broker's keystore and (sasl-scram) the user's password file in
 * `<data>/security`; returns what the state keeps. The CA key never leaves the folder.
 */
export function makeClusterSecurity(
  protocol: 'tls' | 'sasl-scram',
  dataDir: string,
  brokers: ReadonlyArray<Pick<BrokerState, 'id' | 'name'>>,
  days = CERT_DAYS,
): SecurityState {
  const dir = join(dataDir, 'security');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caFile = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca-key.pem');
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      caKey,
      '-out',
      caFile,
      '-days',
      String(days),
      '-subj',
      '/CN=kafka-upgrade-verifier local cluster CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    'CA',
  );
  chmodSync(caKey, 0o600);
  const security: SecurityState = { protocol, dir, caFile };
  for (const broker of brokers) {
    const key = join(dir, `broker-${broker.id}-key.pem`);
    const csr = join(dir, `broker-${broker.id}.csr`);
    const cert = join(dir, `broker-${broker.id}.pem`);
    const ext = join(dir, `broker-${broker.id}.ext`);
    writeFileSync(ext, brokerExtensions(broker.name, broker.id));
    openssl(
      [
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        csr,
        '-subj',
        `/CN=${broker.name}`,
      ],
      `broker ${broker.id} key`,
    );
    openssl(
      [
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        caFile,
        '-CAkey',
        caKey,
        '-set_serial',
        `0x${randomBytes(8).toString('hex')}`,
        '-days',
        String(days),
        '-out',
        cert,
        '-extfile',
        ext,
      ],
      `broker ${broker.id} certificate`,
    );
    // Kafka's PEM keystore: the (unencrypted PKCS#8) key, then the chain.
    const keystore = keystoreOf(security, broker);
    writeFileSync(
      keystore,
      readFileSync(key, 'utf8') + readFileSync(cert, 'utf8') + readFileSync(caFile, 'utf8'),
      { mode: 0o600 },
    );
    chmodSync(key, 0o600);
  }
  if (protocol === 'sasl-scram') {
    security.saslUsername = SCRAM_USER;
    security.saslPasswordFile = join(dir, 'sasl-password');
    security.saslMechanisms = ['scram-sha-512', 'scram-sha-256'];
    // base64url: no '=', ',' or ']' to break StorageTool's --add-scram syntax.
    writeFileSync(security.saslPasswordFile, randomBytes(24).toString('base64url'), {
      mode: 0o600,
    });
    chmodSync(security.saslPasswordFile, 0o600);
  }
  return security;
}

/** StorageTool format arguments that create the SCRAM user (none without SASL). */
export function scramFormatArgs(security: SecurityState | undefined): string[] {
  if (security?.saslPasswordFile === undefined || security.saslUsername === undefined) return [];
  const password = readFileSync(security.saslPasswordFile, 'utf8');
  return ['SCRAM-SHA-512', 'SCRAM-SHA-256'].flatMap((mechanism) => [
    '--add-scram',
    `${mechanism}=[name=${security.saslUsername},password=${password}]`,
  ]);
}

/** `text` with the SCRAM password, should a tool have echoed it, replaced by [redacted]. */
export function redactPassword(text: string, security: SecurityState | undefined): string {
  if (security?.saslPasswordFile === undefined) return text;
  const password = readFileSync(security.saslPasswordFile, 'utf8');
  return password === '' ? text : text.split(password).join('[redacted]');
}

/** How the cluster's own clients (and the tests) connect to the CLIENT listener. */
export function clientSecurityOf(state: {
  security?: SecurityStatus | undefined;
}): SecurityOptions | undefined {
  const security = state.security;
  if (security === undefined) return undefined;
  return checkSecurityOptions({
    security: security.protocol,
    caFile: security.caFile,
    ...(security.saslPasswordFile === undefined
      ? {}
      : {
          saslUsername: security.saslUsername,
          saslPassword: new Secret(readFileSync(security.saslPasswordFile, 'utf8')),
        }),
  });
}

export function securityStatusOf(
  state: Pick<ClusterState, 'security'>,
): SecurityStatus | undefined {
  if (state.security === undefined) return undefined;
  const { protocol, caFile, saslUsername, saslPasswordFile, saslMechanisms } = state.security;
  return {
    protocol,
    caFile,
    ...(saslUsername === undefined ? {} : { saslUsername }),
    ...(saslPasswordFile === undefined ? {} : { saslPasswordFile }),
    ...(saslMechanisms === undefined ? {} : { saslMechanisms }),
  };
}
