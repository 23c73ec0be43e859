/** The lock that keeps two operations off one local cluster: files and pids only. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { ClusterError } from '../../../functions/core/errors.js';
import {
  acquireLock,
  lockPathOf,
  processStartTime,
  readLock,
  withLock,
  type LockHolder,
} from '../../../rehearsal/lock.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function statePath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kuv-lock-test-'));
  dirs.push(dir);
  return join(dir, 'state.json');
}

function plantLock(path: string, holder: Partial<LockHolder>): void {
  writeFileSync(
    lockPathOf(path),
    JSON.stringify({
      pid: process.pid,
      startTime: processStartTime(process.pid),
      operation: 'roll',
      since: '2026-11-26T07:00:00.000Z',
      token: 'planted',
      ...holder,
    }),
  );
}

describe('rehearsal lock', () => {
  it('records pid, operation and time while held, and removes the file on release', async () => {
    const path = statePath();
    const release = await acquireLock(path, 'stop', { waitMs: 0 });
    expect(readLock(path)).toMatchObject({ pid: process.pid, operation: 'stop' });
    expect(Date.parse(readLock(path)!.since)).toBeGreaterThan(Date.now() - 5000);
    release();
    expect(existsSync(lockPathOf(path))).toBe(false);
  });

  it('a second operation that may not wait is refused with the holder named', async () => {
    const path = statePath();
    const release = await acquireLock(path, 'roll', { waitMs: 0 });
    try {
      const error = await acquireLock(path, 'stop', { waitMs: 0 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ClusterError);
      expect((error as Error).message).toMatch(
        new RegExp(
          `another operation holds the local cluster of .*: 'roll' \\(pid ${process.pid}, this process\\) since \\d{4}-\\d\\d-\\d\\dT.*Nothing was done`,
        ),
      );
    } finally {
      release();
    }
  });

  it('a second operation waits for the first to release, within its bound', async () => {
    const path = statePath();
    const release = await acquireLock(path, 'roll', { waitMs: 0 });
    const order: string[] = [];
    setTimeout(() => {
      order.push('roll released');
      release();
    }, 400);
    await withLock(path, 'stop', { waitMs: 5000 }, async () => {
      order.push('stop ran');
    });
    expect(order).toEqual(['roll released', 'stop ran']);
    expect(existsSync(lockPathOf(path))).toBe(false);
  });

  it('gives up after the bound when the holder does not finish', async () => {
    const path = statePath();
    const release = await acquireLock(path, 'roll', { waitMs: 0 });
    try {
      await expect(acquireLock(path, 'stop', { waitMs: 600 })).rejects.toThrow(
        /holds the local cluster .*'roll'.*\(waited 1 s\)/,
      );
      // The holder was never disturbed: its lock is still there, still its own.
      expect(readLock(path)).toMatchObject({ pid: process.pid, operation: 'roll' });
    } finally {
      release();
    }
  });

  it('takes over the lock of a process that has exited', async () => {
    const path = statePath();
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    plantLock(path, { pid: gone, startTime: null });
    const logged: string[] = [];
    const release = await acquireLock(path, 'start', { waitMs: 0, log: (m) => logged.push(m) });
    expect(readLock(path)).toMatchObject({ pid: process.pid, operation: 'start' });
    expect(logged).toEqual([
      `taking over the lock of 'roll' (pid ${gone}) since 2026-11-26T07:00:00.000Z: that process is gone`,
    ]);
    release();
  });

  it('takes over a lock whose pid now belongs to another process (start time differs)', async () => {
    const path = statePath();
    plantLock(path, { startTime: '1' });
    const release = await acquireLock(path, 'stop', { waitMs: 0 });
    expect(readLock(path)?.operation).toBe('stop');
    release();
  });

  it('release leaves a lock that another operation has taken over alone', async () => {
    const path = statePath();
    const release = await acquireLock(path, 'roll', { waitMs: 0 });
    plantLock(path, { operation: 'stop', token: 'other' });
    release();
    expect(readLock(path)?.operation).toBe('stop');
  });
});
