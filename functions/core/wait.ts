/**
 * Waiting, the one module: a plain sleep, one that an abort signal cuts short, and
 * `waitFor`, the polling loop (try, pause, try again until a deadline) that product
 * code and tests share instead of writing `while (Date.now() < deadline)` each time.
 */
import { WaitTimeoutError } from './errors.js';

export { WaitTimeoutError };

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, ms));
}

/**
 * Resolves after `ms`, or at once when `signal` is (or becomes) aborted; never rejects.
 * Without a signal, a plain sleep.
 */
export function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface WaitForOptions {
  /** How long to keep trying, from the call; the condition is always tried at least once. */
  timeoutMs: number;
  /** The pause between two tries. */
  intervalMs: number;
  /**
   * What is awaited, as the timeout's message names it ("leaders for every partition
   * of kuv-canary"); a function is called only on timeout, so it can tell the last
   * state seen.
   */
  what: string | (() => string);
  /**
   * When true, an error thrown by the condition counts as "not yet" (a broker not
   * answering while it starts) and the last one is named in the timeout's message; by
   * default it ends the wait at once, thrown as it is (a process that exited).
   */
  retryErrors?: boolean;
  /**
   * The error to throw on timeout instead of the WaitTimeoutError given, for callers
   * that owe theirs a class or a message of their own (what to do next).
   */
  onTimeout?: (timeout: WaitTimeoutError) => Error;
}

/**
 * Tries `condition` until it is true: at once, then every `intervalMs`, and once more
 * at the first try past `timeoutMs`; then throws a WaitTimeoutError naming `what` (or
 * what `onTimeout` makes of it).
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  options: WaitForOptions,
): Promise<void> {
  const { timeoutMs, intervalMs, what } = options;
  if (!(timeoutMs >= 0) || !(intervalMs >= 0)) {
    throw new RangeError(
      `waitFor: timeoutMs and intervalMs must be numbers ≥ 0, not ${timeoutMs} and ${intervalMs}`,
    );
  }
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = undefined;
  for (;;) {
    try {
      if (await condition()) return;
    } catch (error) {
      if (options.retryErrors !== true) throw error;
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const timeout = new WaitTimeoutError(
        typeof what === 'string' ? what : what(),
        timeoutMs,
        lastError,
      );
      throw options.onTimeout === undefined ? timeout : options.onTimeout(timeout);
    }
    await sleep(intervalMs);
  }
}
