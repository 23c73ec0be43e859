/**
 * Durations as people write them on a command line or in an event: `90s`, `5m`,
 * `1h`, `1h30m`, `250ms`. A bare number is refused: `--duration 10` could mean
 * seconds or minutes, and a wrong guess runs a canary sixty times too long.
 */
import { InputError } from '../errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses `D` into milliseconds. `what` names the input in the error (e.g. `--duration`).
 * Throws InputError for anything else, including a zero when `allowZero` is false.
 */
export function parseDuration(text: string, what: string, allowZero = false): number {
  const trimmed = text.trim();
  const parts = [...trimmed.matchAll(/(\d+)(ms|s|m|h)/g)];
  const whole = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || whole !== trimmed) {
    throw new InputError(
      `${what} '${text}' is not a duration; write a number with a unit: 250ms, 90s, 5m, 1h, 1h30m.`,
    );
  }
  let ms = 0;
  for (const [, amount, unit] of parts) ms += Number(amount) * UNIT_MS[unit!]!;
  if (!Number.isSafeInteger(ms)) {
    throw new InputError(`${what} '${text}' is too long.`);
  }
  if (ms === 0 && !allowZero) {
    throw new InputError(`${what} '${text}' must be longer than zero.`);
  }
  return ms;
}

/** Milliseconds as the shortest of `1h2m3s` / `45s` / `250ms` (for messages and summaries). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let rest = Math.round(ms / 1000);
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  return `${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${s > 0 || (h === 0 && m === 0) ? `${s}s` : ''}`;
}
