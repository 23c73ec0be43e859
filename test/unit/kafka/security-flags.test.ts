/**
 * The shared security flags (bin/security-flags.ts): one call takes them out of a
 * command's arguments; every refusal names the flag; the password comes only from a file
 * or KUV_SASL_PASSWORD and never shows in what the options print.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';

import { afterAll, describe, expect, it } from 'vitest';

import {
  parseSecurityProtocol,
  PASSWORD_ENV,
  takeSecurityFlags,
} from '../../../bin/security-flags.js';
import { InputError, UsageError } from '../../../functions/core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'kuv-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PASSWORD = 'p4ss-w0rd-from-file';
const passwordFile = join(dir, 'password');
writeFileSync(passwordFile, `${PASSWORD}\n`);
chmodSync(passwordFile, 0o600);
const caFile = join(dir, 'ca.pem');
writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');

describe('takeSecurityFlags', () => {
  it('leaves every other argument, in order, and defaults to plaintext', () => {
    const { security, rest } = takeSecurityFlags(['--bootstrap', 'a:1', '--out', 'f'], 'run', {});
    expect(security.security).toBe('plaintext');
    expect(rest).toEqual(['--bootstrap', 'a:1', '--out', 'f']);
  });

  it('takes --flag value and --flag=value, and stops at --', () => {
    const { security, rest } = takeSecurityFlags(
      ['--security=tls', '--bootstrap', 'a:1', '--ca-file', caFile, '--', '--region', 'x'],
      'run',
      {},
    );
    expect(security).toMatchObject({ security: 'tls', caFile, tlsInsecure: false });
    expect(security.caPem).toContain('BEGIN CERTIFICATE');
    expect(rest).toEqual(['--bootstrap', 'a:1', '--', '--region', 'x']);
  });

  it('reads the SCRAM password from --sasl-password-file (final newline dropped) or KUV_SASL_PASSWORD', () => {
    const fromFile = takeSecurityFlags(
      [
        '--security',
        'sasl-scram',
        '--sasl-username',
        'canary',
        '--sasl-password-file',
        passwordFile,
      ],
      'run',
      {},
    ).security;
    expect(fromFile.saslPassword?.reveal()).toBe(PASSWORD);
    const fromEnv = takeSecurityFlags(
      [
        '--security',
        'sasl-scram',
        '--sasl-username',
        'canary',
        '--sasl-mechanism',
        'scram-sha-256',
      ],
      'run',
      { [PASSWORD_ENV]: 'from-env' },
    ).security;
    expect(fromEnv.saslPassword?.reveal()).toBe('from-env');
    expect(fromEnv.saslMechanism).toBe('scram-sha-256');
    for (const shown of [
      JSON.stringify(fromFile),
      inspect(fromFile, { depth: 9, showHidden: true }),
    ])
      expect(shown).not.toContain(PASSWORD);
  });

  it('ignores KUV_SASL_PASSWORD when SCRAM is not asked for', () => {
    expect(
      takeSecurityFlags(['--security', 'tls'], 'run', { [PASSWORD_ENV]: 'x' }).security.security,
    ).toBe('tls');
  });

  it('takes msk-iam with a region', () => {
    expect(
      takeSecurityFlags(['--security', 'msk-iam', '--region', 'eu-west-1'], 'run', {}).security,
    ).toMatchObject({ security: 'msk-iam', region: 'eu-west-1' });
  });

  it.each<[string[], Record<string, string>, RegExp]>([
    [
      ['--sasl-password', 'hunter2'],
      {},
      /run: --sasl-password is not accepted: a password on the command line can be read by every user.*--sasl-password-file FILE.*KUV_SASL_PASSWORD/,
    ],
    [['--sasl-password=hunter2'], {}, /--sasl-password is not accepted/],
    [['--security'], {}, /run: --security needs a value/],
    [['--security', '--tls-insecure'], {}, /--security needs a value/],
    [['--security', 'tls', '--security', 'tls'], {}, /--security is given twice/],
    [['--tls-insecure=yes', '--security', 'tls'], {}, /--tls-insecure takes no value/],
    [
      ['--security', 'sasl-scram', '--sasl-username', 'u', '--sasl-password-file', passwordFile],
      { [PASSWORD_ENV]: 'x' },
      /the SASL password is given twice/,
    ],
    [
      [
        '--security',
        'sasl-scram',
        '--sasl-username',
        'u',
        '--sasl-password-file',
        join(dir, 'nope'),
      ],
      {},
      /run: --sasl-password-file .*nope cannot be read \(ENOENT\)/,
    ],
    [
      ['--security', 'sasl-scram', '--sasl-username', 'u'],
      {},
      /run: --security sasl-scram needs the password of 'u'/,
    ],
    [
      ['--security', 'tls', '--ca-file', join(dir, 'missing.pem')],
      {},
      /run: --ca-file .*missing.pem cannot be read/,
    ],
    [['--security', 'tls', '--ca-file', passwordFile], {}, /holds no PEM certificate/],
    [['--security', 'msk-iam'], {}, /run: --security msk-iam needs --region/],
  ])('refuses %j naming the flag', (args, env, message) => {
    expect(() => takeSecurityFlags(args, 'run', env)).toThrow(UsageError);
    expect(() => takeSecurityFlags(args, 'run', env)).toThrow(message);
  });

  it('never puts the password into a refusal', () => {
    let message = '';
    try {
      takeSecurityFlags(['--security', 'tls', '--sasl-password-file', passwordFile], 'run', {});
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/--sasl-password-file .* does not go with --security tls/);
    expect(message).not.toContain(PASSWORD);
  });
});

describe('parseSecurityProtocol', () => {
  it('accepts the listed modes only', () => {
    expect(parseSecurityProtocol('tls', ['plaintext', 'tls', 'sasl-scram'])).toBe('tls');
    expect(() => parseSecurityProtocol('msk-iam', ['plaintext', 'tls', 'sasl-scram'])).toThrow(
      InputError,
    );
    expect(() => parseSecurityProtocol('msk-iam', ['plaintext', 'tls', 'sasl-scram'])).toThrow(
      "--security 'msk-iam' is not one of plaintext, tls, sasl-scram.",
    );
  });
});
