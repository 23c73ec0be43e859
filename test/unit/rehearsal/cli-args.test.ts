/** `local-cluster` flags, parsed and checked without a cluster. */
import { describe, expect, it } from 'vitest';

import { help, parseLocalClusterArgs } from '../../../bin/commands/local-cluster.js';
import { InputError, UsageError } from '../../../functions/core/errors.js';

const parse = (args: string[]) => parseLocalClusterArgs(args, () => '/default/state.json');

describe('local-cluster arguments', () => {
  it('no action prints the help with status 2, --help with status 0', () => {
    expect(parse([])).toEqual({ action: 'help', status: 2 });
    expect(parse(['--help'])).toEqual({ action: 'help', status: 0 });
    expect(parse(['roll', '-h'])).toEqual({ action: 'help', status: 0 });
  });

  it('start with every flag, --no-auto-rebalance included', () => {
    expect(
      parse([
        'start',
        '--version',
        '3.9.1',
        '--brokers',
        '2',
        '--port-base',
        '20092',
        '--dns-port',
        '16353',
        '--timeout',
        '30',
        '--no-auto-rebalance',
        '--security',
        'sasl-scram',
        '--wait',
        '0',
        '--state',
        '/s.json',
        '--json',
      ]),
    ).toEqual({
      action: 'start',
      json: true,
      options: {
        statePath: '/s.json',
        lockWaitMs: 0,
        version: '3.9.1',
        brokers: 2,
        portBase: 20092,
        dnsPort: 16353,
        timeoutMs: 30_000,
        autoLeaderRebalance: false,
        leaderImbalanceCheckSeconds: 10,
        security: 'sasl-scram',
      },
    });
  });

  it('start without flags: defaults, automatic rebalancing on, the default state file', () => {
    const request = parse(['start']);
    expect(request).toMatchObject({
      action: 'start',
      json: false,
      options: {
        statePath: '/default/state.json',
        lockWaitMs: 10_000,
        autoLeaderRebalance: true,
        leaderImbalanceCheckSeconds: 10,
        security: 'plaintext',
      },
    });
  });

  it('start --rebalance-interval sets leader.imbalance.check.interval.seconds, and not with --no-auto-rebalance', () => {
    expect(parse(['start', '--rebalance-interval', '5m'])).toMatchObject({
      options: { autoLeaderRebalance: true, leaderImbalanceCheckSeconds: 300 },
    });
    expect(() => parse(['start', '--rebalance-interval', '30s', '--no-auto-rebalance'])).toThrow(
      /--rebalance-interval sets how often automatic rebalancing runs, so it does not go with --no-auto-rebalance/,
    );
    expect(() => parse(['start', '--rebalance-interval', '0s'])).toThrow(UsageError);
    expect(() => parse(['roll', '--rebalance-interval', '30s'])).toThrow(
      /local-cluster roll does not take --rebalance-interval/,
    );
  });

  it('start --security takes what the local cluster serves, and refuses msk-iam', () => {
    expect(() => parse(['start', '--security', 'msk-iam'])).toThrow(
      "--security 'msk-iam' is not one of plaintext, tls, sasl-scram.",
    );
    expect(() => parse(['status', '--security', 'tls'])).toThrow(
      'local-cluster status does not take --security',
    );
  });

  it('roll with --no-elect, --readdress and repeated --broker', () => {
    expect(
      parse([
        'roll',
        '--no-elect',
        '--readdress',
        '--broker',
        '2',
        '--broker',
        '3',
        '--timeout',
        '60',
      ]),
    ).toEqual({
      action: 'roll',
      json: false,
      options: {
        statePath: '/default/state.json',
        readdress: true,
        electLeaders: false,
        timeoutMs: 60_000,
        lockWaitMs: 10_000,
        brokerIds: [2, 3],
      },
    });
  });

  it('roll elects leaders unless told not to, and takes --to-version', () => {
    expect(parse(['roll', '--to-version', '4.4.0'])).toMatchObject({
      options: { electLeaders: true, toVersion: '4.4.0', readdress: false },
    });
  });

  it('stop takes --keep and --wait', () => {
    expect(parse(['stop', '--keep', '--wait', '3'])).toEqual({
      action: 'stop',
      statePath: '/default/state.json',
      keep: true,
      lockWaitMs: 3000,
    });
  });

  it.each([
    [['start', '--readdress'], /^local-cluster start does not take --readdress/],
    [['roll', '--no-auto-rebalance'], /^local-cluster roll does not take --no-auto-rebalance/],
    [['status', '--wait', '1'], /^local-cluster status does not take --wait/],
    [['start', '--no-elect'], /^local-cluster start does not take --no-elect/],
    [
      ['start', '--bogus'],
      /^local-cluster start: unknown flag --bogus; 'kafka-upgrade-verifier local-cluster start --help' lists the flags$/,
    ],
    [['launch'], /^local-cluster: unknown action 'launch'/],
    [['start', '--brokers', 'three'], /^--brokers 'three' is not a whole number/],
    [['roll', '--broker', ''], /^--broker '' is not a whole number/],
    [['roll', '--timeout', '0'], /^--timeout 0: give at least 1 second/],
    [['stop', '--wait=-1'], /^--wait -1: give at least 0 second/],
  ])('%j is a usage error naming the flag', (args, message) => {
    expect(() => parse(args)).toThrow(UsageError);
    expect(() => parse(args)).toThrow(message);
  });

  it.each([
    [['start', '--brokers', '12'], /^--brokers 12: the local cluster runs 1 to 9 brokers/],
    [['roll', '--to-version', 'latest'], /^Kafka version 'latest' is not of the form/],
    [['fetch', '--version', '3.6.0'], /^Kafka 3\.6\.0 is too old/],
  ])('%j is an input error naming the value', (args, message) => {
    expect(() => parse(args)).toThrow(InputError);
    expect(() => parse(args)).toThrow(message);
  });

  it('fetch does not need a state file', () => {
    expect(parseLocalClusterArgs(['fetch'], () => expect.fail('asked for a state file'))).toEqual({
      action: 'fetch',
      version: '4.4.0',
    });
  });

  it('the help says the cluster needs Linux and names the new flags', () => {
    const text = help();
    expect(text).toMatch(/Linux only: the brokers listen on loopback addresses 127\.0\.0\.N/);
    expect(text).toMatch(/\/proc/);
    for (const flag of ['--no-auto-rebalance', '--no-elect', '--wait S', 'KUV_CACHE_DIR']) {
      expect(text).toContain(flag);
    }
  });
});
