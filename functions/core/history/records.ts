/**
 * The history's record types (docs/history-format.md, "Records") and the checks
 * that a record of a known type has its required fields, with the right types.
 * The checks read fields off the parsed JSON object directly and throw a
 * HistoryFormatError naming the line and the field, so the analyzer never sees a
 * bad record and never builds a second copy of a good one.
 */
import { HistoryFormatError } from '../errors.js';

export type JsonObject = Record<string, unknown>;

/** The one list of known record types; any other `type` string is counted and skipped. */
export const RECORD_TYPES = [
  'run',
  'produce',
  'log',
  'consume',
  'broker',
  'probe',
  'leaders',
  'offsets',
] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export const PHASES = ['baseline', 'during', 'after'] as const;
export type Phase = (typeof PHASES)[number];

/** Where records come from, for error messages: a path or "stdin", and the line number. */
export interface LineContext {
  source: string;
  line: number;
}

function describe(value: unknown): string {
  if (value === undefined) return 'is missing';
  // JSON.parse has already rounded these: say so instead of showing the rounded value.
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return 'has a number too large to read (it reads as Infinity)';
  }
  if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
    return `has a number beyond ±2^53 (${Number.MAX_SAFE_INTEGER}), which no JSON reader keeps exact`;
  }
  const shown = JSON.stringify(value);
  return `has ${shown === undefined ? String(value) : shown.length > 40 ? `${shown.slice(0, 40)}…` : shown}`;
}

export function fail(at: LineContext, field: string, value: unknown, expected: string): never {
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

/** A required integer ≥ 0 (a partition, an offset, a duration). */
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

export function phase(v: unknown, at: LineContext): Phase {
  if (v === 'baseline' || v === 'during' || v === 'after') return v;
  return fail(at, 'phase', v, '"baseline", "during" or "after"');
}

export function role(v: unknown, at: LineContext): 'bootstrap' | 'broker' {
  if (v === 'bootstrap' || v === 'broker') return v;
  return fail(at, 'role', v, '"bootstrap" or "broker"');
}

/** An optional time: absent (or null) is fine, present must be an integer. */
export function optionalTime(v: unknown, field: string, at: LineContext): number | undefined {
  if (v === undefined || v === null) return undefined;
  return integer(v, field, at);
}

/**
 * An optional integer time that, when present at all, must be one: unlike
 * optionalTime, a null counts as present (the format's `scheduledAt` rule).
 */
export function optionalInteger(v: unknown, field: string, at: LineContext): number | undefined {
  if (v === undefined) return undefined;
  return integer(v, field, at);
}

/** A required JSON object (not null, not a list). */
export function object(v: unknown, field: string, at: LineContext): JsonObject {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as JsonObject;
  return fail(at, field, v, 'an object');
}

/** A required list; its items are checked by the caller. */
export function list(v: unknown, field: string, at: LineContext): unknown[] {
  if (Array.isArray(v)) return v;
  return fail(at, field, v, 'a list');
}

/** A required list of integers (broker ids). */
export function integerList(v: unknown, field: string, at: LineContext): number[] {
  const items = list(v, field, at);
  for (let i = 0; i < items.length; i++) integer(items[i], `${field}[${i}]`, at);
  return items as number[];
}

/** A required list of strings (addresses). */
export function stringList(v: unknown, field: string, at: LineContext): string[] {
  const items = list(v, field, at);
  for (let i = 0; i < items.length; i++) {
    if (typeof items[i] !== 'string') fail(at, `${field}[${i}]`, items[i], 'a string');
  }
  return items as string[];
}

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
