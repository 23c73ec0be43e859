/**
 * Every `kafka-upgrade-verifier …` command line in README.md and docs/ is parsed by
 * the command's own flag parser, as written: a renamed or removed flag, a value the
 * parser refuses, or a command that no longer exists fails here, before a person
 * copies it into a terminal. Lines that are synopses (`[--flag]`, `<a|b>`), elided
 * (`…`) or output examples are not commands and are left out; shell variables are
 * replaced by a value of the shape the flag takes.
 */
import { describe, expect, it } from 'vitest';

import { parseAnalyzeArgs } from '../../../bin/commands/analyze.js';
import { parseGateArgs } from '../../../bin/commands/gate.js';
import { commands } from '../../../bin/commands/index.js';
import { parseLocalClusterArgs } from '../../../bin/commands/local-cluster.js';
import { parsePreflightArgs } from '../../../bin/commands/preflight.js';
import { parseReachabilityArgs } from '../../../bin/commands/reachability.js';
import { parseRehearseArgs } from '../../../bin/commands/rehearse.js';
import { parseRunArgs } from '../../../bin/commands/run.js';
import { invocations, words, type Invocation } from '../../support/docs.js';

const STATE = '/tmp/kuv-docs-test-state.json';

/** Parses one invocation with its command's parser; throws what the CLI would print. */
function parse(args: string[]): void {
  const [command, ...rest] = args;
  switch (command) {
    case 'analyze':
      parseAnalyzeArgs(rest);
      return;
    case 'report': {
      // report takes --out itself, then analyze's flags.
      const analyzeArgs = rest.filter((a, i) => a !== '--out' && rest[i - 1] !== '--out');
      parseAnalyzeArgs(analyzeArgs);
      return;
    }
    case 'run':
      parseRunArgs(rest);
      return;
    case 'rehearse':
      parseRehearseArgs(rest, () => STATE);
      return;
    case 'gate':
      parseGateArgs(rest);
      return;
    case 'preflight':
      parsePreflightArgs(rest);
      return;
    case 'reachability':
      parseReachabilityArgs(rest);
      return;
    case 'local-cluster':
      parseLocalClusterArgs(rest, () => STATE);
      return;
    default:
      if (command === undefined || !(command in commands) || command === 'help') {
        throw new Error(`'${command}' is not a command`);
      }
  }
}

const all = invocations();
/** Lines that name a file the reader creates first (a password file, a CA). */
const NEEDS_FILES = /--(sasl-password-file|ca-file|ssl-ca)\b/;

describe('the documented command lines', () => {
  it('are found in README.md and docs/ (the extraction itself works)', () => {
    expect(all.length).toBeGreaterThan(30);
    const named = new Set(all.map((i) => i.args[0]));
    for (const command of ['analyze', 'run', 'rehearse', 'report', 'gate', 'local-cluster']) {
      expect(named).toContain(command);
    }
  });

  it('a line with a flag a command does not have fails the check', () => {
    expect(() => parse(words('run --bootstrap "$BOOTSTRAP" --no-such-flag'))).toThrow(
      /unknown flag --no-such-flag/,
    );
    expect(() => parse(['frobnicate'])).toThrow(/not a command/);
  });

  it.each(
    all
      .filter((i) => !NEEDS_FILES.test(i.args.join(' ')))
      .map((i) => [`${i.page}:${i.line} ${i.args.join(' ')}`, i]),
  )('%s parses as written', (_name, invocation) => {
    expect(() => parse((invocation as Invocation).args)).not.toThrow();
  });
});
