/**
 * A run's folder (`runs/<UTC time>-<runId>/` or `--out DIR`), claimed with a lock file
 * before any Kafka work, so that two runs never write into one folder.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { UsageError, VerifierError } from '../errors.js';
import { describeHolder, takeLockFile } from '../lock.js';

/** `20261126T071500Z`: sorts by time, safe in a file name. */
function utcStamp(at: number): string {
  return new Date(at)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** The lock file a run holds in its folder while it runs (functions/core/lock.ts). */
export const RUN_LOCK_FILE = 'run.lock';

/** A run's folder, claimed: no other run writes into it until `release`. */
export interface RunFolder {
  outDir: string;
  /** Removes the folder's lock; safe to call twice. Also called when the process exits. */
  release: () => void;
}

/**
 * A new run's folder — the given one, else `runs/<UTC time>-<runId>/` — locked for this
 * run before any Kafka work: a second run given the same folder is refused at once
 * (UsageError, exit 2) naming the folder and the pid holding it, and a lock left by a
 * run that was killed (its pid gone) is taken over, said through `log`. The folder is
 * refused too when it already holds a run (history.jsonl.gz or report.json), checked
 * under the lock so two runs cannot both pass it. The lock is released by `release`
 * and, failing that, when the process exits.
 */
export async function claimRunFolder(
  commandName: string,
  out: string | undefined,
  runId: string,
  log: (line: string) => void = () => undefined,
): Promise<RunFolder> {
  const outDir = out ?? join('runs', `${utcStamp(Date.now())}-${runId}`);
  const lockPath = join(outDir, RUN_LOCK_FILE);
  let unlock: () => void;
  try {
    unlock = await takeLockFile(lockPath, `${commandName} ${runId}`, {
      waitMs: 0,
      log: (line) => log(`${commandName}: ${outDir}: ${line}`),
      refuse: (holder) =>
        new UsageError(
          `${commandName}: the run folder ${outDir} is in use by another run, ${describeHolder(holder)} (lock ${lockPath}). ` +
            `Nothing was done. Give another --out DIR, or wait for pid ${holder.pid} to finish (if it is stuck: kill ${holder.pid}).`,
        ),
    });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    // Exit 4, as for any run folder that cannot be written.
    throw new VerifierError(
      `${commandName}: cannot write the run folder ${outDir}: its lock ${lockPath} cannot be created (${code}). Nothing was done. Give a folder you can write to with --out DIR.`,
      { cause: error },
    );
  }
  const release = () => {
    process.off('exit', release);
    unlock();
  };
  process.on('exit', release);
  if (existsSync(join(outDir, 'history.jsonl.gz')) || existsSync(join(outDir, 'report.json'))) {
    release();
    throw new UsageError(
      `${commandName}: ${outDir} already holds a run (history.jsonl.gz or report.json); give another --out DIR.`,
    );
  }
  return { outDir, release };
}
