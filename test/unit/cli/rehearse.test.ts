/**
 * `kafka-upgrade-verifier rehearse`'s flags, and what it says on a machine that lacks
 * the programs the local cluster needs — checked without a cluster.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { parseRehearseArgs } from '../../../bin/commands/rehearse.js';
import { UsageError } from '../../../functions/core/errors.js';

const root = join(import.meta.dirname, '../../..');
const cli = join(root, 'dist/bin/kafka-upgrade-verifier.js');
const state = () => '/tmp/rehearse-state.json';

describe('rehearse flags', () => {
  it('has defaults for everything: a plain rolling restart of Kafka 4.4.0', () => {
    expect(parseRehearseArgs([], state)).toEqual({
      version: '4.4.0',
      disturbance: { kind: 'roll', readdress: false, leadership: { mode: 'elect' } },
      warmupMs: 20_000,
      settleMs: 30_000,
      producer: 'idempotent',
      intervalMs: 100,
      out: undefined,
      format: 'text',
      policy: 'strict',
      keepCluster: false,
      statePath: '/tmp/rehearse-state.json',
      portBase: undefined,
      dnsPort: undefined,
      quiet: false,
      security: 'plaintext',
      clients: ['kafkajs'],
      clientSettings: 'defaults',
      watchTopics: [],
    });
  });

  it('reads every flag', () => {
    const parsed = parseRehearseArgs(
      [
        '--version',
        '3.9.1',
        '--to-version',
        '4.4.0',
        '--readdress',
        '--leadership',
        'auto',
        '--rebalance-interval',
        '30s',
        '--warmup',
        '5s',
        '--settle',
        '0s',
        '--producer',
        'at-least-once',
        '--interval-ms',
        '50',
        '--out',
        '/tmp/x',
        '--format',
        'json',
        '--policy',
        'tolerant',
        '--keep-cluster',
        '--state',
        '/tmp/s.json',
        '--port-base',
        '23892',
        '--dns-port',
        '20153',
        '--quiet',
        '--security',
        'sasl-scram',
        '--clients',
        'kafkajs,java',
        '--topics',
        'orders',
      ],
      state,
    );
    expect(parsed).toEqual({
      version: '3.9.1',
      disturbance: {
        kind: 'roll',
        toVersion: '4.4.0',
        readdress: true,
        leadership: { mode: 'auto', checkSeconds: 30 },
      },
      warmupMs: 5000,
      settleMs: 0,
      producer: 'at-least-once',
      intervalMs: 50,
      out: '/tmp/x',
      format: 'json',
      policy: 'tolerant',
      keepCluster: true,
      statePath: '/tmp/s.json',
      portBase: 23892,
      dnsPort: 20153,
      quiet: true,
      security: 'sasl-scram',
      clients: ['kafkajs', 'java'],
      clientSettings: 'defaults',
      watchTopics: ['orders'],
    });
    expect(parseRehearseArgs(['--kill', '2'], state)).toMatchObject({
      disturbance: { kind: 'kill', broker: 2, leadership: { mode: 'elect' } },
    });
    expect(parseRehearseArgs(['--kill', '2', '--leadership', 'off'], state)).toMatchObject({
      disturbance: { kind: 'kill', broker: 2, leadership: { mode: 'off' } },
    });
    // auto without an interval checks as often as Kafka does by default.
    expect(parseRehearseArgs(['--leadership', 'auto'], state)).toMatchObject({
      disturbance: { leadership: { mode: 'auto', checkSeconds: 300 } },
    });
    expect(parseRehearseArgs(['--help'], state)).toBe('help');
  });

  it('reads --client-settings, refusing anything but defaults or careful', () => {
    expect(parseRehearseArgs(['--client-settings', 'careful'], state)).toMatchObject({
      clientSettings: 'careful',
    });
    expect(() => parseRehearseArgs(['--client-settings', 'paranoid'], state)).toThrow(
      /^rehearse: --client-settings has 'paranoid'; choose defaults .* or careful/,
    );
  });

  it.each([
    [
      ['--kill', '2', '--readdress'],
      /--kill replaces the roll, so it does not go with --readdress/,
    ],
    [['--kill', '0'], /--kill must be a whole number ≥ 1, not '0'/],
    [
      ['--leadership', 'preferred'],
      /--leadership must be one of elect, auto, off, not 'preferred'/,
    ],
    [
      ['--rebalance-interval', '30s'],
      /--rebalance-interval .* goes only with --leadership auto \(not elect\)/,
    ],
    [
      ['--leadership', 'auto', '--rebalance-interval', '1500ms'],
      /--rebalance-interval takes whole seconds \(e.g. 30s\), not '1500ms'/,
    ],
    [
      ['--leadership', 'auto', '--rebalance-interval', '25h'],
      /^rehearse: --rebalance-interval 90000 s: give whole seconds from 1 s to 24 h/,
    ],
    [['--no-elect'], /^rehearse: --no-elect is now --leadership off/],
    [['--warmup', '10'], /--warmup '10' is not a duration/],
    [['--settle', 'soon'], /--settle 'soon' is not a duration/],
    [['--interval-ms', '5'], /--interval-ms must be a whole number ≥ 10/],
    [['--producer', 'exactly-once'], /--producer must be idempotent or at-least-once/],
    [['--format', 'yaml'], /--format must be text or json/],
    [['--policy', 'lenient'], /--policy must be strict or tolerant/],
    [['--port-base', '80'], /--port-base must be a whole number ≥ 1024/],
    // What the local cluster would refuse after starting is refused before anything starts.
    [['--kill', '7'], /^rehearse: --kill 7: the rehearsal cluster has brokers 1 to 3/],
    [['--dns-port', '99999'], /^rehearse: --dns-port 99999: use a port from 1024 to 65533$/],
    [['--port-base', '65534'], /^rehearse: --port-base 65534: use a port from 1024 to 65533$/],
    [['--dns-port', '19093'], /--dns-port 19093 is one of the brokers' ports/],
    [
      ['--version', '../../etc'],
      /^rehearse: --version: Kafka version '..\/..\/etc' is not of the form/,
    ],
    [['--to-version', '9'], /^rehearse: --to-version: Kafka version '9' is not of the form/],
    [['--security', 'msk-iam'], /--security 'msk-iam' is not one of plaintext, tls, sasl-scram/],
    [
      ['--bootstrap', 'x:1'],
      /^rehearse: unknown flag --bootstrap; 'kafka-upgrade-verifier rehearse --help' lists the flags$/,
    ],
  ])('%j is a UsageError naming the flag', (args, message) => {
    expect(() => parseRehearseArgs(args, state)).toThrow(UsageError);
    expect(() => parseRehearseArgs(args, state)).toThrow(message);
  });
});

describe('rehearse as a user runs it (no cluster needed)', () => {
  beforeAll(() => {
    if (!existsSync(cli))
      throw new Error(`${cli} is missing: run 'npm run build' before the CLI tests`);
  });

  it('on a machine without Java or Maven (and no cached jars) says what is missing and how to install each, exit 4, starts nothing', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'kuv-rehearse-cli-'));
    try {
      const r = spawnSync(process.execPath, [cli, 'rehearse'], {
        cwd,
        encoding: 'utf8',
        // An empty PATH: no java, no mvn (dnsmasq may still be found in /usr/sbin).
        env: { PATH: join(cwd, 'bin'), HOME: cwd, KUV_CACHE_DIR: join(cwd, 'cache') },
      });
      expect(r.status, r.stderr).toBe(4);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('rehearse cannot start');
      expect(r.stderr).toContain('Maven resolves Kafka 4.4.0 from Maven Central');
      expect(r.stderr).toContain('Java (a JDK or JRE 17+) is missing');
      expect(r.stderr).toContain('apt-get install -y openjdk-17-jre-headless');
      expect(r.stderr).toContain('Maven is missing');
      expect(r.stderr).toContain('apt-get install -y maven');
      expect(readdirSync(cwd)).toEqual([]);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('--help lists every flag and exits 0; the command list names rehearse', () => {
    const help = spawnSync(process.execPath, [cli, 'rehearse', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    for (const flag of [
      '--version',
      '--to-version',
      '--readdress',
      '--leadership',
      '--rebalance-interval',
      '--kill',
      '--warmup',
      '--settle',
      '--producer',
      '--interval-ms',
      '--out',
      '--format',
      '--policy',
      '--keep-cluster',
      '--state',
      '--port-base',
      '--dns-port',
      '--quiet',
    ]) {
      expect(help.stdout).toContain(flag);
    }
    const list = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
    expect(list.stdout).toMatch(/^ {2}rehearse +rehearse an upgrade/m);
  });
});
