import { describe, expect, it } from 'vitest';

import { parseFlags } from '../../../bin/flags.js';
import { UsageError } from '../../../functions/core/errors.js';

const options = {
  duration: { type: 'string' },
  topic: { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

function problem(args: string[]): string {
  try {
    parseFlags('run', { args, options, allowPositionals: false });
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`${JSON.stringify(args)} parsed`);
}

describe('flag errors are one line naming the flag', () => {
  it.each([
    [
      ['--duration', '-5m'],
      "run: --duration -5m: the value starts with '-', so it reads as a flag. Durations, counts and ports cannot be negative; a value that does start with '-' (a topic name) is written --duration=-5m",
    ],
    [['--nope'], "run: unknown flag --nope; 'kafka-upgrade-verifier run --help' lists the flags"],
    [
      ['--duration'],
      "run: --duration needs a value; 'kafka-upgrade-verifier run --help' lists the flags",
    ],
    [
      ['--quiet=yes'],
      "run: --quiet is a switch and takes no value; 'kafka-upgrade-verifier run --help' lists the flags",
    ],
    [
      ['extra'],
      "run: unexpected argument 'extra' (this command takes flags only); 'kafka-upgrade-verifier run --help' lists the flags",
    ],
  ])('%j', (args, message) => {
    const text = problem(args);
    expect(text).toBe(message);
    expect(text).not.toContain('\n');
  });

  it('a value written with = may start with a dash', () => {
    const { values } = parseFlags('run', { args: ['--topic=-odd'], options });
    expect(values.topic).toBe('-odd');
  });
});
