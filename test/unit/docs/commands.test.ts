/**
 * Every `kafka-upgrade-verifier …` command line in README.md and docs/ is parsed by
 * the command's own flag parser, as written: a renamed or removed flag, a value the
 * parser refuses, or a command that no longer exists fails here, before a person
 * copies it into a terminal. Lines that are synopses (`[--flag]`, `<a|b>`), elided
 * (`…`) or output examples are not commands and are left out; shell variables are
 * replaced by a value of the shape the flag takes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { parseAnalyzeArgs } from '../../../bin/commands/analyze.js';
import { parseGateArgs } from '../../../bin/commands/gate.js';
import { commands } from '../../../bin/commands/index.js';
import { parseLocalClusterArgs } from '../../../bin/commands/local-cluster.js';
import { parsePreflightArgs } from '../../../bin/commands/preflight.js';
import { parseReachabilityArgs } from '../../../bin/commands/reachability.js';
import { parseRehearseArgs } from '../../../bin/commands/rehearse.js';
import { parseRunArgs } from '../../../bin/commands/run.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const STATE = '/tmp/kuv-docs-test-state.json';

/** The markdown files a user reads: README.md and every page under docs/. */
function pages(): string[] {
  const found = ['README.md'];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) found.push(path);
    }
  };
  walk('docs');
  return found;
}

/** The lines of a page's fenced code blocks, continuation lines joined. */
function codeLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let inCode = false;
  let pending: { line: number; text: string } | null = null;
  text.split('\n').forEach((raw, index) => {
    if (/^\s*```/.test(raw)) {
      inCode = !inCode;
      pending = null;
      return;
    }
    if (!inCode) return;
    const joined: { line: number; text: string } =
      pending === null ? { line: index + 1, text: raw } : { ...pending, text: pending.text + raw };
    if (/\\\s*$/.test(joined.text)) {
      pending = { ...joined, text: joined.text.replace(/\\\s*$/, ' ') };
      return;
    }
    pending = null;
    out.push(joined);
  });
  return out;
}

/** Shell words of a simple command line: quotes removed, variables substituted. */
function words(line: string): string[] {
  const substituted = line
    .replace(/"\$\{?BOOTSTRAP\}?"|\$\{?BOOTSTRAP\}?/g, 'b-1.example:9092')
    .replace(/"\$\{?[A-Z_]*DIR\}?"|\$\{?[A-Z_]*DIR\}?/g, 'runs/r-1')
    .replace(/"\$\{?[A-Z_]+\}?"|\$\{?[A-Z_]+\}?/g, 'value');
  const result: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of substituted.matchAll(pattern)) result.push(m[1] ?? m[2] ?? m[3]!);
  return result;
}

interface Invocation {
  page: string;
  line: number;
  args: string[];
}

/** Every documented invocation: the words after `kafka-upgrade-verifier`. */
function invocations(): Invocation[] {
  const found: Invocation[] = [];
  for (const page of pages()) {
    for (const { line, text } of codeLines(readFileSync(join(root, page), 'utf8'))) {
      // One command per `&&`/`;`/`|` piece; the comment and redirections dropped.
      for (const piece of text.replace(/\s#\s.*$/, '').split(/&&|;|\|/)) {
        const m = /^\s*(?:\$\s+)?(?:npx\s+)?kafka-upgrade-verifier\s+(.*)$/.exec(piece);
        if (m === null) continue;
        const rest = m[1]!.replace(/\s\d?>>?\s*\S+/g, ' ').trim();
        // A synopsis, an elision or an example of output, not a command to run.
        if (/[[\]<>…]|\.\.\./.test(rest) || /^[a-z-]+( [a-z]+)?:/.test(rest)) continue;
        found.push({ page, line, args: words(rest) });
      }
    }
  }
  return found;
}

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
