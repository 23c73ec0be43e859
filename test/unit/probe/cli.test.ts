/**
 * The reachability command's flags: what it accepts, and the usage error (exit 2)
 * naming the flag for what it does not. No network: parsing stops before any probe.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { parseReachabilityArgs } from '../../../bin/commands/reachability.js';
import { UsageError } from '../../../functions/core/errors.js';
import { PLAINTEXT } from '../../../functions/core/kafka/security.js';

const root = join(import.meta.dirname, '../../..');
const cli = join(root, 'dist/bin/kafka-upgrade-verifier.js');
const B = 'broker-1.kafka.test:9092,broker-2.kafka.test:9092';

describe('parseReachabilityArgs', () => {
  it('defaults to a baseline of every topic through the system resolver, text output, no file', () => {
    expect(parseReachabilityArgs(['--bootstrap', B])).toEqual({
      bootstrap: B,
      dnsServer: undefined,
      phase: 'baseline',
      topics: 'all',
      out: undefined,
      format: 'text',
      security: PLAINTEXT,
      certWarnDays: 30,
    });
  });

  it('takes every flag', () => {
    expect(
      parseReachabilityArgs([
        '--bootstrap',
        '[::1]:9092',
        '--dns-server=127.0.0.1:15353',
        '--phase',
        'after',
        '--topics',
        'canary, orders,canary',
        '--out',
        'after.jsonl',
        '--format',
        'json',
        '--cert-warn-days',
        '7',
      ]),
    ).toEqual({
      bootstrap: '[::1]:9092',
      dnsServer: '127.0.0.1:15353',
      phase: 'after',
      topics: ['canary', 'orders'],
      out: 'after.jsonl',
      format: 'json',
      security: PLAINTEXT,
      certWarnDays: 7,
    });
    expect(parseReachabilityArgs(['--bootstrap', B, '--all-topics'])).toMatchObject({
      topics: 'all',
    });
    expect(parseReachabilityArgs(['--help'])).toBe('help');
  });

  it('takes the shared security flags', () => {
    const parsed = parseReachabilityArgs(['--bootstrap', B, '--security', 'tls', '--tls-insecure']);
    expect(parsed).toMatchObject({
      bootstrap: B,
      security: { security: 'tls', tlsInsecure: true },
    });
  });

  it.each([
    [[], /--bootstrap HOSTS is required/],
    [
      ['--bootstrap', 'broker-1.kafka.test'],
      /--bootstrap: endpoint 'broker-1.kafka.test' is not host:port/,
    ],
    [
      ['--bootstrap', B, '--dns-server', 'dns.example:53'],
      /--dns-server: DNS server 'dns.example:53'/,
    ],
    [['--bootstrap', B, '--phase', 'during'], /--phase must be baseline or after, not 'during'/],
    [['--bootstrap', B, '--topics', 'a', '--all-topics'], /--topics A,B or --all-topics, not both/],
    [['--bootstrap', B, '--topics', ' , '], /--topics " , ": an empty topic name/],
    [['--bootstrap', B, '--format', 'yaml'], /--format must be text or json, not 'yaml'/],
    [['--bootstrap', B, '--out', ''], /--out needs a file path/],
    [
      ['--bootstrap', B, '--bogus'],
      /^reachability: unknown flag --bogus; 'kafka-upgrade-verifier reachability --help' lists the flags$/,
    ],
    [['--bootstrap', B, 'extra'], /extra/],
    [
      ['--bootstrap', B, '--cert-warn-days', 'soon'],
      /--cert-warn-days 'soon' is not a whole number/,
    ],
    [
      ['--bootstrap', B, '--security', 'ssl'],
      /reachability: --security 'ssl' is not a security mode/,
    ],
    [['--bootstrap', B, '--tls-insecure'], /--tls-insecure does not go with --security plaintext/],
    [['--bootstrap', B, '--sasl-password', 'x'], /--sasl-password is not accepted/],
  ])('refuses %j with a UsageError naming the flag', (args, message) => {
    expect(() => parseReachabilityArgs(args)).toThrow(UsageError);
    expect(() => parseReachabilityArgs(args)).toThrow(message);
  });
});

describe('reachability command', () => {
  it.skipIf(!existsSync(cli))(
    'exits 2 with the message on stderr for a bad flag (needs npm run build)',
    () => {
      const r = spawnSync(
        process.execPath,
        [cli, 'reachability', '--bootstrap', B, '--phase', 'x'],
        {
          encoding: 'utf8',
        },
      );
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(
        /^kafka-upgrade-verifier: reachability: --phase must be baseline or after/,
      );
    },
  );
});
