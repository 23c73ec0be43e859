/**
 * The command lines of README.md and docs/, as a reader sees them: the pages, their
 * fenced code lines (continuations joined), and every `kafka-upgrade-verifier …`
 * invocation in them. Shared by the unit test that parses each line and the
 * integration test that runs the README's blocks.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));

/** The markdown files a user reads: README.md and every page under docs/. */
export function pages(): string[] {
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
export function codeLines(text: string): { line: number; text: string }[] {
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
export function words(line: string): string[] {
  const substituted = line
    .replace(/"\$\{?BOOTSTRAP\}?"|\$\{?BOOTSTRAP\}?/g, 'b-1.example:9092')
    .replace(/"\$\{?[A-Z_]*DIR\}?"|\$\{?[A-Z_]*DIR\}?/g, 'runs/r-1')
    .replace(/"\$\{?[A-Z_]+\}?"|\$\{?[A-Z_]+\}?/g, 'value');
  const result: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of substituted.matchAll(pattern)) result.push(m[1] ?? m[2] ?? m[3]!);
  return result;
}

export interface Invocation {
  page: string;
  line: number;
  args: string[];
}

/** Every documented invocation: the words after `kafka-upgrade-verifier`. */
export function invocations(): Invocation[] {
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
