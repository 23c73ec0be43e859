/**
 * One operation at a time on a cluster: start, roll, kill, restart and stop take a lock
 * file beside the state file (`<state>.lock`). A second operation waits a bounded time,
 * then says who holds the lock (pid, operation, since when); a lock whose process is
 * gone (or whose pid now belongs to another process) is taken over. The lock file
 * itself is functions/core/lock.ts, shared with `run --out`'s folder lock.
 */
import { ClusterError } from '../functions/core/errors.js';
import {
  describeHolder,
  holderAlive,
  processStartTime,
  readLockFile,
  takeLockFile,
  type LockHolder,
} from '../functions/core/lock.js';
import type { Log } from './log.js';

export { describeHolder, holderAlive, processStartTime, type LockHolder };

/** How long an operation waits for another one on the same cluster, by default. */
export const DEFAULT_LOCK_WAIT_MS = 10_000;

export function lockPathOf(statePath: string): string {
  return `${statePath}.lock`;
}

/** The lock's holder, or null when there is no lock or it is not (yet) readable. */
export function readLock(statePath: string): LockHolder | null {
  return readLockFile(lockPathOf(statePath));
}

export interface LockOptions {
  /** How long to wait for another operation to finish; default 10 s. 0: do not wait. */
  waitMs?: number;
  log?: Log;
}

/**
 * Takes the lock of `statePath` for `operation`; resolves to its release function.
 * Throws ClusterError naming the holder when it is still held after `waitMs`.
 */
export function acquireLock(
  statePath: string,
  operation: string,
  options: LockOptions = {},
): Promise<() => void> {
  const waitMs = options.waitMs ?? DEFAULT_LOCK_WAIT_MS;
  return takeLockFile(lockPathOf(statePath), operation, {
    waitMs,
    ...(options.log === undefined ? {} : { log: options.log }),
    refuse: (holder) =>
      new ClusterError(
        `another operation holds the local cluster of ${statePath}: ${describeHolder(holder)}. ` +
          `Nothing was done. Wait for it to finish and retry${waitMs > 0 ? ` (waited ${Math.round(waitMs / 1000)} s)` : ''}; ` +
          `if that process is stuck, end it (kill ${holder.pid}) and retry.`,
      ),
  });
}

/** Runs `fn` holding the lock of `statePath`; releases it whatever happens. */
export async function withLock<T>(
  statePath: string,
  operation: string,
  options: LockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  const release = await acquireLock(statePath, operation, options);
  try {
    return await fn();
  } finally {
    release();
  }
}
