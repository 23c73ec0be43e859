/** Small builders for history lines in tests (docs/history-format.md). */
import {
  DEFAULT_WINDOW_MS,
  analyzeLines,
  type Policy,
  type Report,
} from '../../../functions/core/history/index.js';

const T0 = 1_763_900_000_000;
export const t = (ms: number): number => T0 + ms;

type Fields = Record<string, unknown>;

export const run = (f: Fields = {}): string =>
  JSON.stringify({ type: 'run', runId: 'r-test', startedAt: t(0), ...f });

/** An acked send: seq `seq` to `partition` at offset `offset`, sent at t(sent), acked 5 ms later. */
export const acked = (seq: number, offset: number, sent = seq * 100, f: Fields = {}): string =>
  JSON.stringify({
    type: 'produce',
    producer: 'canary',
    partition: 0,
    seq,
    sentAt: t(sent),
    ok: true,
    ackedAt: t(sent + 5),
    offset,
    ...f,
  });

export const failed = (seq: number, sent = seq * 100, failAfter = 30_000, f: Fields = {}): string =>
  JSON.stringify({
    type: 'produce',
    producer: 'canary',
    partition: 0,
    seq,
    sentAt: t(sent),
    ok: false,
    failedAt: t(sent + failAfter),
    error: 'REQUEST_TIMED_OUT',
    ...f,
  });

export const log = (offset: number, seq: number, ts = seq * 100 + 3, f: Fields = {}): string =>
  JSON.stringify({
    type: 'log',
    partition: 0,
    offset,
    producer: 'canary',
    seq,
    timestamp: t(ts),
    ...f,
  });

export const consume = (offset: number, seq: number, received: number, f: Fields = {}): string =>
  JSON.stringify({
    type: 'consume',
    group: 'g',
    consumer: 'c-1',
    partition: 0,
    offset,
    producer: 'canary',
    seq,
    receivedAt: t(received),
    ...f,
  });

export const broker = (id: number, event: 'down' | 'up', at: number): string =>
  JSON.stringify({ type: 'broker', broker: id, event, at: t(at) });

/** Sends seqs `from..to` acked at offsets equal to their seq, and logs each. */
export function clean(from: number, to: number): string[] {
  const lines: string[] = [];
  for (let s = from; s <= to; s++) lines.push(acked(s, s), log(s, s));
  return lines;
}

export function analyze(
  lines: string[],
  policy: Policy = 'strict',
  windowMs = DEFAULT_WINDOW_MS,
): Report {
  return analyzeLines(lines, { policy, windowMs });
}
