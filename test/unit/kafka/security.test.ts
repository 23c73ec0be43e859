/**
 * Security options: every refusal, the kafkajs mapping, and that the password never shows
 * itself (JSON, util.inspect, String, template literals). No network.
 */
import { inspect } from 'node:util';

import { describe, expect, it } from 'vitest';

import { InputError } from '../../../functions/core/errors.js';
import { createKafka } from '../../../functions/core/kafka/client.js';
import {
  checkSecurityOptions,
  describeSecurity,
  INSECURE_WARNING,
  kafkaSecurityConfig,
  Secret,
  tlsSettingsOf,
  type SecurityInput,
} from '../../../functions/core/kafka/security.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const PASSWORD = 'correct-horse-battery-staple';
const scram = (more: SecurityInput = {}): SecurityInput => ({
  security: 'sasl-scram',
  saslUsername: 'canary',
  saslPassword: new Secret(PASSWORD),
  ...more,
});

describe('Secret', () => {
  it('shows [redacted] wherever it is printed, and the value only through reveal()', () => {
    const secret = new Secret(PASSWORD);
    expect(secret.reveal()).toBe(PASSWORD);
    expect(JSON.stringify({ secret })).toBe('{"secret":"[redacted]"}');
    expect(inspect({ secret }, { showHidden: true, depth: 5 })).not.toContain(PASSWORD);
    expect(String(secret)).toBe('[redacted]');
    expect(`${secret}`).toBe('[redacted]');
    expect(Object.keys(secret)).toEqual([]);
  });

  it('keeps the password out of the options when they are logged or serialised', () => {
    const options = checkSecurityOptions(scram({ caPem: PEM, caFile: '/etc/ca.pem' }));
    const shown = [
      JSON.stringify(options),
      inspect(options, { showHidden: true, depth: 10 }),
      describeSecurity(options),
      String(options.saslPassword),
    ];
    for (const text of shown) expect(text).not.toContain(PASSWORD);
    expect(JSON.stringify(options)).toContain('"saslPassword":"[redacted]"');
  });
});

describe('checkSecurityOptions', () => {
  it('defaults to plaintext with no warnings', () => {
    expect(checkSecurityOptions({})).toEqual({
      security: 'plaintext',
      tlsInsecure: false,
      securityWarnings: [],
    });
  });

  it('defaults SCRAM to SHA-512 and takes SHA-256 by name', () => {
    expect(checkSecurityOptions(scram()).saslMechanism).toBe('scram-sha-512');
    expect(checkSecurityOptions(scram({ saslMechanism: 'SCRAM-SHA-256' })).saslMechanism).toBe(
      'scram-sha-256',
    );
  });

  it('never implies tlsInsecure, and warns loudly when it is asked for', () => {
    expect(checkSecurityOptions({ security: 'tls' }).tlsInsecure).toBe(false);
    const insecure = checkSecurityOptions({ security: 'tls', tlsInsecure: true });
    expect(insecure.tlsInsecure).toBe(true);
    expect(insecure.securityWarnings).toEqual([INSECURE_WARNING]);
    expect(describeSecurity(insecure)).toContain('VERIFICATION OFF');
  });

  it.each<[string, SecurityInput, RegExp]>([
    [
      'an unknown mode',
      { security: 'ssl' },
      /--security 'ssl' is not a security mode; use one of plaintext, tls, sasl-scram, msk-iam/,
    ],
    ['a CA with plaintext', { caPem: PEM }, /--ca-file does not go with --security plaintext/],
    [
      'tls-insecure with plaintext',
      { tlsInsecure: true },
      /--tls-insecure does not go with --security plaintext/,
    ],
    [
      'a CA file that is not there',
      { security: 'tls', caFile: '/nonexistent/ca.pem' },
      /--ca-file \/nonexistent\/ca.pem cannot be read \(ENOENT\)/,
    ],
    [
      'tls-insecure with a CA',
      { security: 'tls', tlsInsecure: true, caPem: PEM },
      /--tls-insecure and --ca-file contradict/,
    ],
    ['a CA that is not PEM', { security: 'tls', caPem: 'hello' }, /holds no PEM certificate/],
    [
      'a user name without SCRAM',
      { security: 'tls', saslUsername: 'u' },
      /--sasl-username does not go with --security tls/,
    ],
    [
      'a password without SCRAM',
      { security: 'msk-iam', region: 'eu-west-1', saslPassword: new Secret('x') },
      /--sasl-password-file .* does not go with --security msk-iam/,
    ],
    [
      'a mechanism without SCRAM',
      { security: 'tls', saslMechanism: 'scram-sha-256' },
      /--sasl-mechanism does not go/,
    ],
    [
      'a region without IAM',
      { security: 'tls', region: 'eu-west-1' },
      /--region does not go with --security tls/,
    ],
    [
      'SCRAM without a user',
      { security: 'sasl-scram', saslPassword: new Secret('x') },
      /needs --sasl-username NAME/,
    ],
    [
      'SCRAM without a password',
      { security: 'sasl-scram', saslUsername: 'u' },
      /needs the password of 'u'.*--sasl-password-file FILE.*KUV_SASL_PASSWORD.*never taken as a flag value/,
    ],
    ['SCRAM with an empty password', scram({ saslPassword: new Secret('') }), /needs the password/],
    [
      'an unknown SCRAM mechanism',
      scram({ saslMechanism: 'plain' }),
      /--sasl-mechanism 'plain' is not a SCRAM mechanism/,
    ],
    ['IAM without a region', { security: 'msk-iam' }, /--security msk-iam needs --region/],
    [
      'IAM with a bad region',
      { security: 'msk-iam', region: 'Ireland' },
      /--region 'Ireland' is not an AWS region/,
    ],
  ])('refuses %s, naming the flag', (_, input, message) => {
    expect(() => checkSecurityOptions(input)).toThrow(InputError);
    expect(() => checkSecurityOptions(input)).toThrow(message);
  });

  it('never puts the password in a refusal', () => {
    expect.assertions(2); // the refusal happens, and its message has no password
    try {
      checkSecurityOptions({ security: 'tls', saslPassword: new Secret(PASSWORD) });
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).not.toContain(PASSWORD);
    }
  });
});

describe('kafkaSecurityConfig', () => {
  it('plaintext: no ssl, no sasl', () => {
    expect(kafkaSecurityConfig(checkSecurityOptions({}))).toEqual({});
    expect(tlsSettingsOf(checkSecurityOptions({}))).toBeNull();
  });

  it('tls: verification on, the private CA when given', () => {
    expect(kafkaSecurityConfig(checkSecurityOptions({ security: 'tls' }))).toEqual({
      ssl: { rejectUnauthorized: true },
    });
    expect(kafkaSecurityConfig(checkSecurityOptions({ security: 'tls', caPem: PEM }))).toEqual({
      ssl: { rejectUnauthorized: true, ca: [PEM] },
    });
    expect(
      kafkaSecurityConfig(checkSecurityOptions({ security: 'tls', tlsInsecure: true })),
    ).toEqual({ ssl: { rejectUnauthorized: false } });
  });

  it('sasl-scram: TLS plus the SCRAM mechanism, user and password', () => {
    expect(
      kafkaSecurityConfig(
        checkSecurityOptions(scram({ caPem: PEM, saslMechanism: 'scram-sha-256' })),
      ),
    ).toEqual({
      ssl: { rejectUnauthorized: true, ca: [PEM] },
      sasl: { mechanism: 'scram-sha-256', username: 'canary', password: PASSWORD },
    });
  });

  it('msk-iam: TLS with the system CAs plus an OAUTHBEARER token provider', async () => {
    const config = kafkaSecurityConfig(
      checkSecurityOptions({ security: 'msk-iam', region: 'eu-west-1' }),
      {
        mskIam: {
          credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
        },
      },
    );
    expect(config.ssl).toEqual({ rejectUnauthorized: true });
    const sasl = config.sasl as {
      mechanism: string;
      oauthBearerProvider: () => Promise<{ value: string }>;
    };
    expect(sasl.mechanism).toBe('oauthbearer');
    const { value } = await sasl.oauthBearerProvider();
    expect(Buffer.from(value, 'base64url').toString()).toContain('Action=kafka-cluster%3AConnect');
  });

  it('createKafka still builds a client without security, and with it', () => {
    expect(createKafka({ bootstrap: 'a.test:9092' })).toBeDefined();
    expect(
      createKafka({ bootstrap: 'a.test:9092', security: checkSecurityOptions(scram()) }),
    ).toBeDefined();
  });
});
