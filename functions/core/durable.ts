/**
 * Durable file writes for the write-then-rename steps (a run's three files, `report
 * --out`): a file's bytes are fsynced before it is renamed into place, and its folder
 * is fsynced before and after the rename, so a crash or power loss leaves the old file
 * or the whole new one, never an empty or half-written file under the final name.
 */
import { open } from 'node:fs/promises';

/** Writes `text` to `path` (opened with `flag`, `wx` by default) and fsyncs it before closing. */
export async function writeSynced(path: string, text: string, flag = 'wx'): Promise<void> {
  const handle = await open(path, flag, 0o644);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsyncs the folder itself, making the names created or renamed in it durable. */
export async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
