/** Small builders for history lines in tests (docs/history-format.md). */
import {
  DEFAULT_WINDOW_MS,
  analyzeLines,
  type Policy,
  type Report,
  type ReportOptions,
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

type Phase = 'baseline' | 'during' | 'after';

/** An ok stage; `dns` also resolves to `addresses`. */
export const okStage = (ms = 2) => ({ ok: true, ms });
export const failedStage = (error = 'ETIMEDOUT', ms = 5000) => ({ ok: false, ms, error });

/**
 * A probe of broker `id` (role broker) or, with `id` null, of a bootstrap
 * endpoint: all stages ok and resolving to `addresses`, unless `f` says otherwise.
 */
export const probe = (
  id: number | null,
  phase: Phase,
  at: number,
  addresses: string[] = id === null ? ['10.0.0.1'] : [`10.0.0.${id}`],
  f: Fields = {},
): string =>
  JSON.stringify({
    type: 'probe',
    endpoint: id === null ? 'bootstrap.kafka.test:9092' : `b-${id}.kafka.test:9092`,
    role: id === null ? 'bootstrap' : 'broker',
    ...(id === null ? {} : { broker: id }),
    phase,
    at: t(at),
    dns: { ...okStage(3), addresses },
    tcp: { ...okStage(1), address: addresses[0] },
    kafka: okStage(4),
    ...f,
  });

/** A partition's leadership: [partition, leader, replicas, isr]. */
export type Leadership = [number, number, number[], number[]];

export const leaders = (
  topic: string,
  phase: Phase,
  at: number,
  partitions: Leadership[],
  f: Fields = {},
): string =>
  JSON.stringify({
    type: 'leaders',
    topic,
    phase,
    at: t(at),
    partitions: partitions.map(([partition, leader, replicas, isr]) => ({
      partition,
      leader,
      replicas,
      isr,
    })),
    ...f,
  });

export function analyze(
  lines: string[],
  policy: Policy = 'strict',
  windowMs = DEFAULT_WINDOW_MS,
  options: ReportOptions = {},
): Report {
  return analyzeLines(lines, { policy, windowMs, ...options });
}

/** An `offsets` record: [partition, end] per partition, at t(at). */
export const offsets = (
  topic: string,
  phase: Phase,
  at: number,
  ends: [number, number][],
  f: Fields = {},
): string =>
  JSON.stringify({
    type: 'offsets',
    topic,
    phase,
    at: t(at),
    partitions: ends.map(([partition, end]) => ({ partition, end })),
    ...f,
  });
