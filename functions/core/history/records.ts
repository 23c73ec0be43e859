/**
 * The history's record types (docs/history-format.md) and the checks that a
 * record of a known type has its required fields, with the right types.
 * The checks read fields off the parsed JSON object directly and throw a
 * HistoryFormatError naming the line and the field, so the analyzer never
 * sees a bad record and never builds a second copy of a good one.
 */
import { HistoryFormatError } from '../errors.js';

export type JsonObject = Record<string, unknown>;

export interface ProduceRecord {
  type: 'produce';
  producer: string;
  partition: number;
  seq: number;
  sentAt: number;
  ok: boolean;
  ackedAt?: number;
  offset?: number;
  failedAt?: number;
  error?: string;
  attempts?: number;
}

export interface LogRecord {
  type: 'log';
  partition: number;
  offset: number;
  producer: string;
  seq: number;
  timestamp: number;
}

export interface ConsumeRecord {
  type: 'consume';
  group: string;
  consumer: string;
  partition: number;
  offset: number;
  producer: string;
  seq: number;
  receivedAt: number;
}

export interface BrokerRecord {
  type: 'broker';
  broker: number;
  event: 'down' | 'up';
  at: number;
  host?: string;
  address?: string;
}

export interface RunRecord {
  type: 'run';
  runId: string;
  startedAt: number;
  cluster?: string;
  endedAt?: number;
}

export type HistoryRecord = RunRecord | ProduceRecord | LogRecord | ConsumeRecord | BrokerRecord;

/** Where records come from, for error messages: a path or "stdin". */
export interface LineContext {
  source: string;
  line: number;
}

function describe(value: unknown): string {
  if (value === undefined) return 'is missing';
  const shown = JSON.stringify(value);
  return `has ${shown === undefined ? String(value) : shown.length > 40 ? `${shown.slice(0, 40)}…` : shown}`;
}

function fail(at: LineContext, field: string, value: unknown, expected: string): never {
  throw new HistoryFormatError(
    at.source,
    at.line,
    field,
    `${describe(value)}; expected ${expected}`,
  );
}

// The checks take the field's value, read by the caller with a named property
// access (fast: records of one type share a shape), and the field's name, used
// only in the message when the value is bad.

/** A required integer (a time, a sequence number, an id). */
export function integer(v: unknown, field: string, at: LineContext): number {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  return fail(at, field, v, 'an integer');
}

/** A required integer ≥ 0 (a partition, an offset). */
export function naturalNumber(v: unknown, field: string, at: LineContext): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  return fail(at, field, v, 'an integer ≥ 0');
}

/** A required time: integer milliseconds since the Unix epoch. */
export const time = integer;

/** A required non-empty string. */
export function text(v: unknown, field: string, at: LineContext): string {
  if (typeof v === 'string' && v.length > 0) return v;
  return fail(at, field, v, 'a non-empty string');
}

export function boolean(v: unknown, field: string, at: LineContext): boolean {
  if (typeof v === 'boolean') return v;
  return fail(at, field, v, 'true or false');
}

export function brokerEvent(v: unknown, at: LineContext): 'down' | 'up' {
  if (v === 'down' || v === 'up') return v;
  return fail(at, 'event', v, '"down" or "up"');
}

/** An optional time: absent (or null) is fine, present must be an integer. */
export function optionalTime(v: unknown, field: string, at: LineContext): number | undefined {
  if (v === undefined || v === null) return undefined;
  return integer(v, field, at);
}

/** The known record types; any other `type` string is counted and skipped. */
export const KNOWN_TYPES: ReadonlySet<string> = new Set([
  'run',
  'produce',
  'log',
  'consume',
  'broker',
]);

/**
 * Parses one line into a JSON object with a string `type`, or throws a
 * HistoryFormatError that says the line is not JSON / not an object.
 */
export function parseLine(line: string, at: LineContext): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new HistoryFormatError(
      at.source,
      at.line,
      null,
      `not JSON (${(error as Error).message}); every line must be one JSON object`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HistoryFormatError(
      at.source,
      at.line,
      null,
      `not a JSON object (found ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value})`,
    );
  }
  const o = value as JsonObject;
  if (typeof o.type !== 'string') fail(at, 'type', o.type, 'a record type string');
  return o;
}
