/**
 * `kafka-upgrade-verifier run`'s flags: parsed into a typed config, and every bad
 * value a usage error (exit 2) naming the flag — checked without a cluster.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { parseRunArgs } from '../../../bin/commands/run.js';
import { UsageError } from '../../../functions/core/errors.js';

const root = join(import.meta.dirname, '../../..');
const cli = join(root, 'dist/bin/kafka-upgrade-verifier.js');
const B = ['--bootstrap', 'broker-1.kafka.test:19092'];

describe('run flags', () => {
  it('has defaults for everything but --bootstrap', () => {
    expect(parseRunArgs(B)).toEqual({
      bootstrap: 'broker-1.kafka.test:19092',
      dnsServer: undefined,
      durationMs: 600_000,
      settleMs: 60_000,
      intervalMs: 100,
      producer: 'idempotent',
      topic: 'kuv-canary',
      group: 'kuv-canary-group',
      cluster: null,
      out: undefined,
      format: 'text',
      policy: 'strict',
      windowMs: 300_000,
      sliceMs: 30_000,
      quiet: false,
      clients: ['kafkajs'],
      clientSettings: 'defaults',
      watchTopics: [],
      cloudwatchCluster: null,
      security: undefined,
    });
  });

  it('reads every flag', () => {
    const parsed = parseRunArgs([
      ...B,
      '--dns-server',
      '127.0.0.1:15353',
      '--duration',
      '90s',
      '--settle',
      '0s',
      '--interval-ms',
      '50',
      '--producer',
      'at-least-once',
      '--topic',
      'my-canary',
      '--cluster',
      'prod',
      '--out',
      '/tmp/x',
      '--format',
      'json',
      '--policy',
      'tolerant',
      '--window-ms',
      '60000',
      '--slice',
      '10s',
      '--quiet',
      '--clients',
      'java,sarama',
      '--client-settings',
      'careful',
      '--topics',
      'orders,payments',
      '--cloudwatch',
      '--security',
      'tls',
      '--tls-insecure',
    ]);
    expect(parsed).toMatchObject({
      dnsServer: '127.0.0.1:15353',
      durationMs: 90_000,
      settleMs: 0,
      intervalMs: 50,
      producer: 'at-least-once',
      topic: 'my-canary',
      group: 'my-canary-group',
      cluster: 'prod',
      out: '/tmp/x',
      format: 'json',
      policy: 'tolerant',
      windowMs: 60_000,
      sliceMs: 10_000,
      quiet: true,
      clients: ['java', 'sarama'],
      clientSettings: 'careful',
      watchTopics: ['orders', 'payments'],
      cloudwatchCluster: 'prod',
      security: { security: 'tls', tlsInsecure: true },
    });
    expect(parseRunArgs([...B, '--group', 'g1'])).toMatchObject({ group: 'g1' });
    expect(parseRunArgs(['--help'])).toBe('help');
  });

  it.each([
    [[], /--bootstrap HOSTS is required/],
    [[...B, '--duration', '10'], /--duration '10' is not a duration/],
    [[...B, '--duration', '0s'], /--duration '0s' must be longer than zero/],
    [[...B, '--settle', '5 minutes'], /--settle '5 minutes' is not a duration/],
    [[...B, '--interval-ms', '5'], /--interval-ms must be a whole number ≥ 10, not '5'/],
    [[...B, '--interval-ms', '1e3'], /--interval-ms must be a whole number ≥ 10/],
    [[...B, '--producer', 'exactly-once'], /--producer must be idempotent or at-least-once/],
    [[...B, '--format', 'yaml'], /--format must be text or json/],
    [[...B, '--policy', 'lenient'], /--policy must be strict or tolerant/],
    [[...B, '--window-ms', '5.5'], /--window-ms must be a whole number/],
    [
      [...B, '--window-ms', '-1'],
      /^run: --window-ms -1: the value starts with '-', so it reads as a flag. Durations, counts and ports cannot be negative/,
    ],
    [[...B, '--clients', 'confluent'], /confluent/],
    [
      [...B, '--client-settings', 'shipped'],
      /^run: --client-settings has 'shipped'; choose defaults \(each library as shipped.*\) or careful/,
    ],
    [[...B, '--topics', 'orders,,x'], /run: --topics "orders,,x": an empty topic name/],
    [[...B, '--cloudwatch'], /--cloudwatch needs --cluster NAME/],
    [[...B, '--sasl-password', 'x'], /--sasl-password is not accepted/],
    [[...B, '--topic', 'bad topic'], /--topic 'bad topic' is not a valid Kafka topic name/],
    [
      [...B, '--topic', 'orders'],
      /--topic 'orders' does not contain "canary": .*never an application topic/,
    ],
    [
      [...B, '--dns-server', 'garbage'],
      /^run: --dns-server: DNS server 'garbage' is not an IP address/,
    ],
    [
      ['--bootstrap', 'broker-1:9092,[::1]:9092'],
      /^run: --bootstrap: \[::1\]:9092: the canary's client \(kafkajs\) cannot connect to an IPv6 literal/,
    ],
    [['--bootstrap', 'broker-1'], /^run: --bootstrap: endpoint 'broker-1' is not host:port/],
    [
      [...B, '--nope'],
      /^run: unknown flag --nope; 'kafka-upgrade-verifier run --help' lists the flags$/,
    ],
  ])('%j is a UsageError naming the flag', (args, message) => {
    expect(() => parseRunArgs(args)).toThrow(UsageError);
    expect(() => parseRunArgs(args)).toThrow(message);
  });
});

describe('run as a user runs it (no cluster needed)', () => {
  beforeAll(() => {
    if (!existsSync(cli))
      throw new Error(`${cli} is missing: run 'npm run build' before the CLI tests`);
  });

  it('a bad flag exits 2 with the message on stderr, nothing on stdout, and makes no run folder', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'kuv-run-cli-'));
    try {
      const r = spawnSync(process.execPath, [cli, 'run', ...B, '--duration', '5 min'], {
        cwd,
        encoding: 'utf8',
      });
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain("--duration '5 min' is not a duration");
      expect(readdirSync(cwd)).toEqual([]);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('--help prints the usage and exits 0; the command list names run', () => {
    const help = spawnSync(process.execPath, [cli, 'run', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: kafka-upgrade-verifier run --bootstrap HOSTS');
    // Each flag once (--cluster was listed twice, by run and by the CloudWatch block).
    const flags: string[] = help.stdout.match(/^ {2}--[a-z-]+/gm) ?? [];
    expect(flags.length).toBeGreaterThan(15);
    expect(flags.filter((f, i) => flags.indexOf(f) !== i)).toEqual([]);
    const list = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
    expect(list.stdout).toMatch(/^ {2}run +run the canary/m);
  });
});
