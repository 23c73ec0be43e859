/**
 * The client child-process protocol (docs/clients.md): a client prints one line per
 * record it receives, `partition<TAB>offset<TAB>value`, and optional event lines that
 * start with `#` (`# rebalance …`, `# error TEXT`, `# settings {JSON}` with the client's
 * effective settings, `# ready` once it is positioned on its first assignment). Anything
 * else is noise (a library's log line that went to stdout) and is counted, not fatal.
 *
 * A producer prints, per message, `# sent P SEQ SCHEDULEDAT SENTAT` when it hands it to
 * the library and `# acked P SEQ OFFSET ACKEDAT` or `# failed P SEQ FAILEDAT ERROR` when
 * the library reports its outcome (times in milliseconds since the epoch); one of those
 * with a field that is not a whole number is noise.
 */
import type { ClientSettings } from './profiles.js';

export type ClientLine =
  | { kind: 'record'; partition: number; offset: number; value: string }
  | { kind: 'rebalance'; text: string }
  | { kind: 'error'; text: string }
  | { kind: 'settings'; settings: ClientSettings }
  | { kind: 'ready' }
  | { kind: 'sent'; partition: number; seq: number; scheduledAt: number; sentAt: number }
  | { kind: 'acked'; partition: number; seq: number; offset: number; ackedAt: number }
  | { kind: 'failed'; partition: number; seq: number; failedAt: number; error: string }
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
    if (word === 'sent' || word === 'acked' || word === 'failed') {
      return producerLine(word, rest) ?? { kind: 'noise', text: line };
    }
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

/** The whole numbers of `fields`, or null when one is not. */
function wholeNumbers(fields: string[]): number[] | null {
  const out: number[] = [];
  for (const f of fields) {
    if (!INTEGER.test(f)) return null;
    const n = Number(f);
    if (!Number.isSafeInteger(n)) return null;
    out.push(n);
  }
  return out;
}

function producerLine(word: 'sent' | 'acked' | 'failed', fields: string[]): ClientLine | null {
  if (word === 'failed') {
    const n = fields.length >= 3 ? wholeNumbers(fields.slice(0, 3)) : null;
    if (n === null) return null;
    const error = fields.slice(3).join(' ');
    return {
      kind: 'failed',
      partition: n[0]!,
      seq: n[1]!,
      failedAt: n[2]!,
      error: error === '' ? 'no error text' : error,
    };
  }
  const n = fields.length === 4 ? wholeNumbers(fields) : null;
  if (n === null) return null;
  const [a, b, c, d] = n as [number, number, number, number];
  return word === 'sent'
    ? { kind: 'sent', partition: a, seq: b, scheduledAt: c, sentAt: d }
    : { kind: 'acked', partition: a, seq: b, offset: c, ackedAt: d };
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
