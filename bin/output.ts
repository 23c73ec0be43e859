/**
 * What the CLI writes, made safe against what a careless or hostile user points
 * it at: standard output that goes away (EPIPE) or fills up (ENOSPC), and an
 * `--out` path that is a symbolic link, a FIFO, a device or a folder.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, lstat, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { syncFolder, writeSynced } from '../functions/core/durable.js';
import { UsageError, VerifierError } from '../functions/core/errors.js';

/** What a non-regular path really is, in the words a person uses. */
export function kindOf(info: {
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
}): string {
  if (info.isDirectory()) return 'a folder';
  if (info.isSymbolicLink()) return 'a symbolic link';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Checks, before any work, that `path` can take a file written by
 * writeFileAtomically: its folder exists and is writable, and the path is absent
 * or a regular file (never a link, FIFO, device or folder, which a rename would
 * replace). Throws a UsageError naming the flag and what the path really is.
 */
export async function checkOutputPath(command: string, flag: string, path: string): Promise<void> {
  const folder = dirname(path);
  const fix = `Choose another with ${flag}.`;
  const info = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw new UsageError(`${command}: cannot use ${flag} '${path}': ${error.message}. ${fix}`, {
      cause: error,
    });
  });
  if (info !== null && !info.isFile()) {
    throw new UsageError(
      `${command}: ${flag} '${path}' is ${kindOf(info)}; it must be a regular file or a new name, as the file is replaced by a rename. ${fix}`,
    );
  }
  const folderInfo = await lstat(folder).catch(() => null);
  if (folderInfo === null) {
    throw new UsageError(
      `${command}: ${flag} '${path}': folder '${folder}' does not exist. ${fix}`,
    );
  }
  try {
    await access(folder, constants.W_OK);
  } catch (error) {
    throw new UsageError(
      `${command}: ${flag} '${path}': folder '${folder}' is not writable (${(error as NodeJS.ErrnoException).code}). ${fix}`,
      { cause: error },
    );
  }
}

/**
 * Writes `text` to `path` as one step: a temporary file beside it, fsynced (and its
 * folder), then renamed over it (functions/core/durable.ts), so a reader sees the old file or the whole new one, never a
 * part. A symbolic link at `path` is replaced, never written through; the check
 * is made again here so a link put there after checkOutputPath is refused too.
 */
export async function writeFileAtomically(
  command: string,
  flag: string,
  path: string,
  text: string,
): Promise<void> {
  await checkOutputPath(command, flag, path);
  const temporary = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    await writeSynced(temporary, text);
    await syncFolder(dirname(path));
    await rename(temporary, path);
    await syncFolder(dirname(path));
  } catch (error) {
    await rm(temporary, { force: true });
    throw new VerifierError(
      `${command}: cannot write '${path}': ${(error as Error).message}. Nothing was written there; free space or choose another with ${flag}.`,
      { cause: error },
    );
  }
}

/**
 * Exit status when a command could not be carried out at all (an environment problem
 * or a bug, standard output that cannot be written): apart from 0 pass/warn, 1 fail,
 * 2 bad input or usage and 3 inconclusive, so a script gating on the status never
 * mistakes a crash for a verdict.
 */
export const EXIT_NOT_CARRIED_OUT = 4;

/**
 * Makes a failed write to `stream` (standard output) end the command as a person
 * expects: EPIPE (the reader went away, as with `| head -1`) quietly, keeping the
 * command's own status; any other error (ENOSPC on /dev/full, EIO) with one line
 * on standard error and exit status 4. Returns a function telling whether the
 * stream failed other than by EPIPE, for the status the command ends with.
 */
export function guardOutput(
  stream: NodeJS.WriteStream,
  name: string,
  report: (line: string) => void,
): () => boolean {
  let failed = false;
  let reader = true;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || !reader) {
      reader = false;
      return;
    }
    if (failed) return;
    failed = true;
    report(
      `kafka-upgrade-verifier: cannot write to ${name}: ${error.code === 'ENOSPC' ? 'no space left on device' : error.message} (${error.code ?? 'error'}); the output is incomplete.`,
    );
    process.exitCode = EXIT_NOT_CARRIED_OUT;
  });
  return () => failed;
}
