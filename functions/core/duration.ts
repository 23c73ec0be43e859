/**
 * Durations, the one module: as people write them on a command line, in an event or
 * in the verifier config (`90s`, `5m`, `1h`, `1h30m`, `250ms`; the config also `2d`),
 * and as the tool writes them back. A bare number is refused: `--duration 10` could
 * mean seconds or minutes, and a wrong guess runs a canary sixty times too long.
 */
import { InputError } from './errors.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const PART = /(\d+)(ms|s|m|h|d)/g;

/**
 * `text` in milliseconds, or null when it is not a duration (or too long to be exact).
 * `days: false` refuses the `d` unit (the CLI's flags take hours at most).
 */
export function readDuration(text: string, options: { days?: boolean } = {}): number | null {
  const parts = [...text.matchAll(PART)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return null;
  if (options.days === false && parts.some((p) => p[2] === 'd')) return null;
  let ms = 0;
  for (const [, amount, unit] of parts) ms += Number(amount) * (UNIT_MS[unit ?? ''] ?? NaN);
  return Number.isSafeInteger(ms) ? ms : null;
}

/**
 * Parses `D` (surrounding spaces allowed; units ms, s, m, h) into milliseconds. `what`
 * names the input in the error (e.g. `--duration`). Throws InputError for anything
 * else, including a zero when `allowZero` is false.
 */
export function parseDuration(text: string, what: string, allowZero = false): number {
  const trimmed = text.trim();
  const ms = readDuration(trimmed, { days: false });
  if (ms === null) {
    const shaped = [...trimmed.matchAll(/(\d+)(ms|s|m|h)/g)].map((p) => p[0]).join('');
    throw new InputError(
      shaped === trimmed && trimmed !== ''
        ? `${what} '${text}' is too long.`
        : `${what} '${text}' is not a duration; write a number with a unit: 250ms, 90s, 5m, 1h, 1h30m.`,
    );
  }
  if (ms === 0 && !allowZero) {
    throw new InputError(`${what} '${text}' must be longer than zero.`);
  }
  return ms;
}

/** Milliseconds as the shortest of `1h2m3s` / `45s` / `250ms`, rounded to the second (messages, summaries). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let rest = Math.round(ms / 1000);
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  return `${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${s > 0 || (h === 0 && m === 0) ? `${s}s` : ''}`;
}

/** Milliseconds in the largest unit that holds them exactly: `2d`, `90m`, `1500ms` (config bounds). */
export function formatExactDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** Milliseconds as seconds for a table cell: `1.5 s` under ten seconds, `42 s` above; `—` for none. */
export function formatSeconds(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
