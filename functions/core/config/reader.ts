/** The generic reader of the configuration: collects every problem, one per field, naming it. */
import { formatExactDuration } from '../duration.js';
import { parseDuration } from './patterns.js';

export type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** What a value is, without its content: for secret fields, objects and lists. */
export function kindOf(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.length === 0 ? 'an empty list' : `a list of ${v.length} item(s)`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return v === '' ? 'an empty string' : 'a string';
  return `a ${typeof v}`;
}

/**
 * A value for a message: a scalar as JSON, an object or a list by its kind only (it may
 * hold a secret put in the wrong place). Secret fields use `kindOf` alone.
 */
export const show = (v: unknown): string =>
  v === undefined || (typeof v === 'object' && v !== null) ? kindOf(v) : JSON.stringify(v);

/** The shape every secret field expects; its value is never printed. */
export const SECRET_ARN_SHAPE =
  'a Secrets Manager secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME): the ARN of the secret, never its value';

/** Collects problems at one place in the file (`clusters[1] ("orders"): `) and reads fields. */
export class Reader {
  constructor(
    private readonly problems: string[],
    private readonly where: string,
    private readonly object: Json,
    private readonly prefix = '',
  ) {}

  /** A nested object, e.g. `security`; its problems name `security.field`. */
  nested(key: string, known: readonly string[], required: boolean): Reader | null {
    const value = this.object[key];
    if (value === undefined && !required) return null;
    if (!isObject(value)) {
      // Its kind only: `security` given as a string may be the secret itself.
      this.problem(key, `must be an object, got ${kindOf(value)}`);
      return null;
    }
    const reader = new Reader(this.problems, this.where, value, `${this.prefix}${key}.`);
    reader.onlyKnown(known);
    return reader;
  }

  onlyKnown(known: readonly string[]): void {
    for (const key of Object.keys(this.object)) {
      if (!known.includes(key)) {
        this.problem(key, `is not a known field (known: ${known.join(', ')})`);
      }
    }
  }

  problem(key: string, what: string): void {
    this.problems.push(`${this.where}${this.prefix}${key} ${what}`);
  }

  raw(key: string): unknown {
    return this.object[key];
  }

  /** A string matching `pattern`; `fallback` when absent (undefined: required). */
  string(key: string, pattern: RegExp, expected: string, fallback?: string): string {
    const value = this.object[key] ?? fallback;
    if (typeof value !== 'string' || !pattern.test(value)) {
      this.problem(key, `must be ${expected}, got ${show(value)}`);
      return fallback ?? '';
    }
    return value;
  }

  optionalString(key: string, pattern: RegExp, expected: string): string | undefined {
    return this.object[key] === undefined ? undefined : this.string(key, pattern, expected);
  }

  /**
   * A field that points to a secret: an ARN matching `pattern`. Its value is never
   * echoed (it may be the secret itself, pasted where its ARN belongs): a problem names
   * the field, the expected shape and only the kind of value given. Undefined when
   * absent and not required.
   */
  secretArn(key: string, pattern: RegExp, required: boolean): string | undefined {
    const value = this.object[key];
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string' || !pattern.test(value)) {
      const got =
        typeof value === 'string' && value.startsWith('arn:')
          ? 'an ARN that is not a Secrets Manager secret'
          : kindOf(value);
      this.problem(key, `must be ${SECRET_ARN_SHAPE}, got ${got} (value not shown)`);
      return undefined;
    }
    return value;
  }

  oneOf<T extends string>(key: string, values: readonly T[], fallback?: T): T {
    const value = this.object[key] ?? fallback;
    if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
      this.problem(
        key,
        `must be one of ${values.map((v) => `"${v}"`).join(', ')}, got ${show(value)}`,
      );
      return fallback ?? (values[0] as T);
    }
    return value as T;
  }

  integer(key: string, min: number, max: number, fallback?: number): number {
    const value = this.object[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.problem(key, `must be a whole number from ${min} to ${max}, got ${show(value)}`);
      return fallback ?? min;
    }
    return value;
  }

  /** A duration string (`5m`) in milliseconds, from `minMs` to `maxMs`. */
  duration(key: string, minMs: number, maxMs: number, fallback: string): number {
    const value = this.object[key] ?? fallback;
    const ms = typeof value === 'string' ? parseDuration(value) : null;
    if (ms === null || ms < minMs || ms > maxMs) {
      this.problem(
        key,
        `must be a duration from ${formatExactDuration(minMs)} to ${formatExactDuration(maxMs)} written like 90s, 5m, 1h30m, got ${show(value)}`,
      );
      return parseDuration(fallback) ?? minMs;
    }
    return ms;
  }

  /** A list of strings each matching `pattern`; `[]` when absent and not required. */
  strings(key: string, pattern: RegExp, expected: string, required: boolean): string[] {
    const value = this.object[key];
    if (value === undefined && !required) return [];
    if (!Array.isArray(value) || (required && value.length === 0)) {
      this.problem(
        key,
        `must be a ${required ? 'non-empty ' : ''}list of ${expected}, got ${show(value)}`,
      );
      return [];
    }
    value.forEach((item, i) => {
      if (typeof item !== 'string' || !pattern.test(item)) {
        this.problem(`${key}[${i}]`, `must be ${expected}, got ${show(item)}`);
      }
    });
    return value.filter((item): item is string => typeof item === 'string');
  }
}
