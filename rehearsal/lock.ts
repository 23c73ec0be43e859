/**
 * One operation at a time on a cluster: start, roll, kill, restart and stop take a lock
 * file beside the state file (`<state>.lock`). A second operation waits a bounded time,
 * then says who holds the lock (pid, operation, since when); a lock whose process is
 * gone (or whose pid now belongs to another process) is taken over.
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';

import { ClusterError } from '../functions/core/errors.js';
import type { Log } from './log.js';
import { sleep } from './process.js';

export interface LockHolder {
  pid: number;
  /** The holder's start time in clock ticks since boot (/proc/PID/stat field 22): tells a reused pid apart. */
  startTime: string | null;
  operation: string;
  /** ISO time the lock was taken. */
  since: string;
  /** Tells two operations of one process apart. */
  token: string;
}

/** How long an operation waits for another one on the same cluster, by default. */
export const DEFAULT_LOCK_WAIT_MS = 10_000;

export function lockPathOf(statePath: string): string {
  return `${statePath}.lock`;
}

/** Field 22 of /proc/PID/stat (start time), or null when the process does not exist. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return null;
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/** Whether the process that wrote `holder` still runs (same pid, same start time). */
export function holderAlive(holder: LockHolder): boolean {
  const startTime = processStartTime(holder.pid);
  if (startTime === null) return false;
  return holder.startTime === null || holder.startTime === startTime;
}

/** The lock's holder, or null when there is no lock or it is not (yet) readable. */
export function readLock(statePath: string): LockHolder | null {
  try {
    const holder = JSON.parse(readFileSync(lockPathOf(statePath), 'utf8')) as LockHolder;
    return Number.isInteger(holder.pid) && typeof holder.operation === 'string' ? holder : null;
  } catch {
    return null;
  }
}

export function describeHolder(holder: LockHolder): string {
  const self = holder.pid === process.pid ? ', this process' : '';
  return `'${holder.operation}' (pid ${holder.pid}${self}) since ${holder.since}`;
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
export async function acquireLock(
  statePath: string,
  operation: string,
  options: LockOptions = {},
): Promise<() => void> {
  const path = lockPathOf(statePath);
  const waitMs = options.waitMs ?? DEFAULT_LOCK_WAIT_MS;
  const me: LockHolder = {
    pid: process.pid,
    startTime: processStartTime(process.pid),
    operation,
    since: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  const deadline = Date.now() + waitMs;
  let said = false;
  mkdirSync(dirname(path), { recursive: true });
  for (;;) {
    try {
      writeFileSync(path, `${JSON.stringify(me)}\n`, { flag: 'wx' });
      return () => {
        if (readLock(statePath)?.token === me.token) rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readLock(statePath);
    if (holder === null) {
      // Being written right now, or garbage left by a crash: give a writer a moment.
      if (ageMs(path) > 2000) rmSync(path, { force: true });
      else await sleep(50);
      continue;
    }
    if (!holderAlive(holder)) {
      options.log?.(`taking over the lock of ${describeHolder(holder)}: that process is gone`);
      if (readLock(statePath)?.token === holder.token) rmSync(path, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new ClusterError(
        `another operation holds the local cluster of ${statePath}: ${describeHolder(holder)}. ` +
          `Nothing was done. Wait for it to finish and retry${waitMs > 0 ? ` (waited ${Math.round(waitMs / 1000)} s)` : ''}; ` +
          `if that process is stuck, end it (kill ${holder.pid}) and retry.`,
      );
    }
    if (!said) {
      options.log?.(`waiting for ${describeHolder(holder)} to finish`);
      said = true;
    }
    await sleep(200);
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
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
