import { describe, expect, it } from 'vitest';

import { parseGateArgs } from '../../../bin/commands/gate.js';
import { UsageError } from '../../../functions/core/errors.js';

describe('parseGateArgs', () => {
  it('takes the defaults', () => {
    expect(parseGateArgs(['--bootstrap', 'b1:9092'])).toMatchObject({
      bootstrap: 'b1:9092',
      topics: [],
      brokers: undefined,
      timeoutMs: 600_000,
      intervalMs: 5000,
      runDir: undefined,
      quietForMs: 30_000,
      format: 'text',
    });
  });

  it('reads every flag', () => {
    expect(
      parseGateArgs([
        '--bootstrap',
        'b1:9092',
        '--topics',
        'a,b,a',
        '--brokers',
        '3',
        '--timeout',
        '90s',
        '--interval',
        '1s',
        '--run',
        'runs/x',
        '--quiet-for',
        '0s',
        '--format',
        'json',
      ]),
    ).toMatchObject({
      topics: ['a', 'b'],
      brokers: 3,
      timeoutMs: 90_000,
      intervalMs: 1000,
      runDir: 'runs/x',
      quietForMs: 0,
      format: 'json',
    });
    expect(parseGateArgs(['--bootstrap', 'b1:9092', '--all-topics'])).toMatchObject({
      topics: 'all',
    });
    expect(parseGateArgs(['--help'])).toBe('help');
  });

  it.each([
    [[], /--bootstrap HOSTS is required/],
    [['--bootstrap', 'b1'], /--bootstrap/],
    [['--bootstrap', 'b1:9092', '--topics', 'a', '--all-topics'], /not both/],
    [['--bootstrap', 'b1:9092', '--topics', 'a b'], /is not a Kafka topic name/],
    [['--bootstrap', 'b1:9092', '--timeout', '10'], /--timeout '10' is not a duration/],
    [['--bootstrap', 'b1:9092', '--brokers', '0'], /--brokers must be a whole number ≥ 1/],
    [['--bootstrap', 'b1:9092', '--quiet-for', '5s'], /give --run too/],
    [['--bootstrap', 'b1:9092', '--format', 'yaml'], /--format must be text or json/],
    [['--bootstrap', 'b1:9092', '--nope'], /nope/],
  ])('refuses %j', (args, message) => {
    expect(() => parseGateArgs(args)).toThrow(UsageError);
    expect(() => parseGateArgs(args)).toThrow(message);
  });
});
