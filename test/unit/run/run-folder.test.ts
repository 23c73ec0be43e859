/**
 * A run's folder lock (claimRunFolder, functions/core/run/folder.ts): one run per
 * folder, refused by name and pid; a lock left by a dead run taken over. The two-process
 * case against the cluster is test/integration/run-folder.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { UsageError, VerifierError } from '../../../functions/core/errors.js';
import { processStartTime } from '../../../functions/core/lock.js';
import { claimRunFolder, RUN_LOCK_FILE } from '../../../functions/core/run/folder.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kuv-run-folder-'));
  dirs.push(dir);
  return join(dir, 'run');
}

describe('claimRunFolder', () => {
  it('creates the folder and holds run.lock (pid, run) until released', async () => {
    const out = folder();
    const claimed = await claimRunFolder('run', out, 'r1');
    expect(claimed.outDir).toBe(out);
    const lock = JSON.parse(readFileSync(join(out, RUN_LOCK_FILE), 'utf8')) as {
      pid: number;
      operation: string;
    };
    expect(lock).toMatchObject({ pid: process.pid, operation: 'run r1' });
    claimed.release();
    expect(existsSync(join(out, RUN_LOCK_FILE))).toBe(false);
    claimed.release(); // twice is harmless
  });

  it('refuses a second run on the folder at once, naming the folder and the pid holding it', async () => {
    const out = folder();
    const first = await claimRunFolder('run', out, 'r1');
    try {
      const began = Date.now();
      const error = await claimRunFolder('run', out, 'r2').catch((e: unknown) => e);
      expect(Date.now() - began).toBeLessThan(2000);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toContain(
        `the run folder ${out} is in use by another run, 'run r1' (pid ${process.pid}`,
      );
      expect((error as Error).message).toContain('Nothing was done');
      // The holder is untouched.
      expect(readFileSync(join(out, RUN_LOCK_FILE), 'utf8')).toContain('"operation":"run r1"');
    } finally {
      first.release();
    }
  });

  it('takes over the lock of a run whose process is gone, and says so', async () => {
    const out = folder();
    mkdirSync(out, { recursive: true });
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    writeFileSync(
      join(out, RUN_LOCK_FILE),
      JSON.stringify({
        pid: gone,
        startTime: null,
        operation: 'run dead',
        since: '2026-12-01T00:00:00.000Z',
        token: 't',
      }),
    );
    const said: string[] = [];
    const claimed = await claimRunFolder('run', out, 'r3', (line) => said.push(line));
    expect(said).toEqual([
      `run: ${out}: taking over the lock of 'run dead' (pid ${gone}) since 2026-12-01T00:00:00.000Z: that process is gone`,
    ]);
    expect(readFileSync(join(out, RUN_LOCK_FILE), 'utf8')).toContain(`"pid":${process.pid}`);
    claimed.release();
  });

  it('refuses a folder that already holds a run, and leaves no lock behind', async () => {
    const out = folder();
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'history.jsonl.gz'), '');
    await expect(claimRunFolder('rehearse', out, 'r4')).rejects.toThrow(
      `rehearse: ${out} already holds a run (history.jsonl.gz or report.json); give another --out DIR.`,
    );
    expect(existsSync(join(out, RUN_LOCK_FILE))).toBe(false);
  });

  it('a folder that cannot be created is exit 4 with the lock path named, not a stack trace', async () => {
    const out = folder();
    writeFileSync(join(out, '..', 'file'), '');
    const error = await claimRunFolder('run', join(out, '..', 'file', 'run'), 'r5').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(VerifierError);
    expect(error).not.toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(
      /cannot write the run folder .*file\/run: its lock .*run\.lock cannot be created \(ENOTDIR\)/,
    );
  });

  it('a live holder with a reused pid (other start time) is taken over', async () => {
    const out = folder();
    mkdirSync(out, { recursive: true });
    expect(processStartTime(process.pid)).not.toBeNull();
    writeFileSync(
      join(out, RUN_LOCK_FILE),
      JSON.stringify({
        pid: process.pid,
        startTime: '1',
        operation: 'run old',
        since: 'then',
        token: 't',
      }),
    );
    const claimed = await claimRunFolder('run', out, 'r6');
    expect(readFileSync(join(out, RUN_LOCK_FILE), 'utf8')).toContain('"operation":"run r6"');
    claimed.release();
  });
});
