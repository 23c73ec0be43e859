/**
 * A lock file held by one process at a time: the local cluster's operations
 * (rehearsal/lock.ts, `<state>.lock`) and a run's folder (`run --out`,
 * functions/core/run/pipeline.ts). The file holds its holder (pid, start time,
 * operation, since when); a lock whose process is gone (or whose pid now belongs to
 * another process) is taken over; one that is held is waited for a bounded time,
 * then the caller's error names the holder.
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';

import { sleep } from './wait.js';

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

/** The holder in lock file `path`, or null when there is none or it is not (yet) readable. */
export function readLockFile(path: string): LockHolder | null {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
    return Number.isInteger(holder.pid) && typeof holder.operation === 'string' ? holder : null;
  } catch {
    return null;
  }
}

export function describeHolder(holder: LockHolder): string {
  const self = holder.pid === process.pid ? ', this process' : '';
  return `'${holder.operation}' (pid ${holder.pid}${self}) since ${holder.since}`;
}

export interface LockFileOptions {
  /** How long to wait for the holder to release; 0: do not wait. */
  waitMs: number;
  /** Told of a wait and of a take-over (one line each). */
  log?: (line: string) => void;
  /** The error thrown when the lock is still held after `waitMs`. */
  refuse: (holder: LockHolder) => Error;
}

/**
 * Takes lock file `path` (creating its folder) for `operation`; resolves to its
 * release function, which removes the file only while it is still this take's.
 */
export async function takeLockFile(
  path: string,
  operation: string,
  options: LockFileOptions,
): Promise<() => void> {
  const me: LockHolder = {
    pid: process.pid,
    startTime: processStartTime(process.pid),
    operation,
    since: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  const deadline = Date.now() + options.waitMs;
  let said = false;
  mkdirSync(dirname(path), { recursive: true });
  for (;;) {
    try {
      writeFileSync(path, `${JSON.stringify(me)}\n`, { flag: 'wx' });
      return () => {
        if (readLockFile(path)?.token === me.token) rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readLockFile(path);
    if (holder === null) {
      // Being written right now, or garbage left by a crash: give a writer a moment.
      if (ageMs(path) > 2000) rmSync(path, { force: true });
      else await sleep(50);
      continue;
    }
    if (!holderAlive(holder)) {
      options.log?.(`taking over the lock of ${describeHolder(holder)}: that process is gone`);
      if (readLockFile(path)?.token === holder.token) rmSync(path, { force: true });
      continue;
    }
    if (Date.now() >= deadline) throw options.refuse(holder);
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
