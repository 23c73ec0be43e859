import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { parsePreflightArgs } from '../../../bin/commands/preflight.js';
import { UsageError } from '../../../functions/core/errors.js';
import {
  CONSUMER_GROUP_HEARTBEAT_KEY,
  apiKeysOf,
  parseApiVersionsResponse,
} from '../../../functions/core/probe/api-versions.js';

describe('parsePreflightArgs', () => {
  it('takes the bootstrap, DNS server, topics, format and security flags', () => {
    expect(
      parsePreflightArgs([
        '--bootstrap',
        'b1:9092,b2:9092',
        '--dns-server',
        '127.0.0.1:15353',
        '--topics',
        'a, b,a',
        '--format',
        'json',
      ]),
    ).toMatchObject({
      bootstrap: 'b1:9092,b2:9092',
      dnsServer: '127.0.0.1:15353',
      topics: ['a', 'b'],
      format: 'json',
      security: { security: 'plaintext' },
    });
    expect(parsePreflightArgs(['--bootstrap', 'b1:9092'])).toMatchObject({
      topics: 'all',
      format: 'text',
    });
    expect(parsePreflightArgs(['--help'])).toBe('help');
  });

  it.each([
    [[], /--bootstrap HOSTS is required/],
    [['--bootstrap', 'b1'], /^preflight: --bootstrap: endpoint 'b1' is not host:port/],
    [['--bootstrap', 'b1:9092', '--dns-server', 'dns.example'], /^preflight: --dns-server: /],
    [['--bootstrap', 'b1:9092', '--topics', 'a', '--all-topics'], /not both/],
    [['--bootstrap', 'b1:9092', '--topics', ' , '], /--topics " , ": an empty topic name/],
    [['--bootstrap', 'b1:9092', '--format', 'html'], /--format must be text or json, not 'html'/],
    [
      ['--bootstrap', 'b1:9092', '--phase', 'after'],
      /^preflight: unknown flag --phase; 'kafka-upgrade-verifier preflight --help' lists the flags$/,
    ],
    [['--bootstrap', 'b1:9092', '--security', 'kerberos'], /^preflight: --security 'kerberos'/],
    [
      ['--bootstrap', 'b1:9092', '--msk-arn', 'arn:aws:kafka:eu-west-1:123456789012:prod'],
      /^preflight: --msk-arn must be an MSK cluster ARN, arn:aws:kafka:REGION:ACCOUNT:cluster\/NAME\/UUID/,
    ],
    [['--bootstrap', 'b1:9092', '--time-zone', 'UTC'], /--time-zone goes with --msk-arn/],
  ])('refuses %j with a UsageError naming the flag', (args, message) => {
    expect(() => parsePreflightArgs(args)).toThrow(UsageError);
    expect(() => parsePreflightArgs(args)).toThrow(message);
  });
});

const cli = join(import.meta.dirname, '../../../dist/bin/kafka-upgrade-verifier.js');

describe('preflight command (built CLI)', () => {
  // The built CLI loads kafkajs through Node's ESM loader, which vitest does not: a named
  // import kafkajs does not export there breaks every command at start.
  it.skipIf(!existsSync(cli))(
    'exits 2 with the message on stderr for a bad flag (needs npm run build)',
    () => {
      const r = spawnSync(
        process.execPath,
        [cli, 'preflight', '--bootstrap', 'b1:9092', '--format', 'x'],
        {
          encoding: 'utf8',
        },
      );
      expect(r.stderr).toMatch(
        /^kafka-upgrade-verifier: preflight: --format must be text or json, not 'x'/,
      );
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
    },
  );
});

describe('apiKeysOf', () => {
  it('lists the api keys of an accepted ApiVersions answer, ConsumerGroupHeartbeat among them', () => {
    const apis = [
      [0, 3, 11],
      [18, 0, 4],
      [CONSUMER_GROUP_HEARTBEAT_KEY, 0, 1],
    ];
    const payload = Buffer.alloc(10 + apis.length * 6);
    payload.writeInt32BE(7, 0);
    payload.writeInt16BE(0, 4);
    payload.writeInt32BE(apis.length, 6);
    apis.forEach(([key, min, max], i) => {
      payload.writeInt16BE(key!, 10 + i * 6);
      payload.writeInt16BE(min!, 12 + i * 6);
      payload.writeInt16BE(max!, 14 + i * 6);
    });
    expect(parseApiVersionsResponse(payload, 7)).toEqual({ ok: true, apiKeys: 3 });
    expect(apiKeysOf(payload)).toEqual([0, 18, 68]);
  });
});
