/** The user's cache folder for what rehearsals build or fetch: KUV_CACHE_DIR, else $XDG_CACHE_HOME or ~/.cache. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function userCacheRoot(): string {
  const explicit = process.env.KUV_CACHE_DIR;
  if (explicit !== undefined && explicit !== '') return explicit;
  const xdg = process.env.XDG_CACHE_HOME;
  return join(
    xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'),
    'kafka-upgrade-verifier',
  );
}
