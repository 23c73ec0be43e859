/**
 * The client child-process protocol (docs/clients.md): a client prints one line per
 * record it receives, `partition<TAB>offset<TAB>value`, and optional event lines that
 * start with `#` (`# rebalance …`, `# error TEXT`, `# settings {JSON}` with the client's
 * effective settings, `# ready` once it is positioned on its first assignment). Anything
 * else is noise (a library's log line that went to stdout) and is counted, not fatal.
 */
import type { ClientSettings } from './profiles.js';

export type ClientLine =
  | { kind: 'record'; partition: number; offset: number; value: string }
  | { kind: 'rebalance'; text: string }
  | { kind: 'error'; text: string }
  | { kind: 'settings'; settings: ClientSettings }
  | { kind: 'ready' }
  | { kind: 'event'; text: string }
  | { kind: 'noise'; text: string }
  | { kind: 'blank' };

const INTEGER = /^\d+$/;

export function parseClientLine(raw: string): ClientLine {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (line.trim() === '') return { kind: 'blank' };
  if (line.startsWith('#')) {
    const text = line.slice(1).trim();
    const [word = '', ...rest] = text.split(/\s+/);
    const tail = rest.join(' ');
    if (word === 'rebalance') return { kind: 'rebalance', text: tail };
    if (word === 'error') return { kind: 'error', text: tail };
    if (word === 'ready' && tail === '') return { kind: 'ready' };
    if (word === 'settings') {
      const settings = settingsOf(tail);
      if (settings !== null) return { kind: 'settings', settings };
    }
    return { kind: 'event', text };
  }
  const first = line.indexOf('\t');
  const second = first < 0 ? -1 : line.indexOf('\t', first + 1);
  if (second < 0) return { kind: 'noise', text: line };
  const partition = line.slice(0, first);
  const offset = line.slice(first + 1, second);
  if (!INTEGER.test(partition) || !INTEGER.test(offset)) return { kind: 'noise', text: line };
  const p = Number(partition);
  const o = Number(offset);
  if (!Number.isSafeInteger(p) || !Number.isSafeInteger(o)) return { kind: 'noise', text: line };
  return { kind: 'record', partition: p, offset: o, value: line.slice(second + 1) };
}

/** A `# settings` line's JSON: an object of string values (others made strings), else null. */
function settingsOf(text: string): ClientSettings | null {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return null;
  const out: ClientSettings = {};
  for (const [k, v] of Object.entries(o)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

/**
 * Splits decoded text (a client process's stdout, a history's text) into lines; keeps a
 * partial last line until its newline comes. Not the history reader's LineSplitter
 * (functions/core/history/lines.ts), which takes raw chunks and numbers the lines.
 */
export class TextLines {
  private rest = '';

  push(chunk: string): string[] {
    const text = this.rest + chunk;
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    return lines;
  }

  /** The partial line left at the end of the stream, if any. */
  end(): string[] {
    const last = this.rest;
    this.rest = '';
    return last === '' ? [] : [last];
  }
}
