/**
 * Where the local cluster keeps its jar cache and its state file: the user's cache
 * folder, so that an installed package works the same as a checkout and never writes
 * into node_modules.
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

import { InputError } from '../functions/core/errors.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * `$KUV_CACHE_DIR`, else `$XDG_CACHE_HOME/kafka-upgrade-verifier`, else
 * `~/.cache/kafka-upgrade-verifier`. A relative XDG_CACHE_HOME is ignored, as the XDG
 * specification says; a relative KUV_CACHE_DIR is refused (it would move with the
 * working folder).
 */
export function cacheRoot(env: Env = process.env, home: string = homedir()): string {
  const own = env.KUV_CACHE_DIR;
  if (own !== undefined && own !== '') {
    if (!isAbsolute(own)) {
      throw new InputError(
        `KUV_CACHE_DIR '${own}' is not an absolute path; set it to a folder such as ${join(home, '.cache', 'kafka-upgrade-verifier')}.`,
      );
    }
    return own;
  }
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg !== undefined && isAbsolute(xdg) ? xdg : join(home, '.cache');
  return join(base, 'kafka-upgrade-verifier');
}

/** `<cache>/kafka/` (one folder per Kafka version), or KUV_KAFKA_CACHE. */
export function kafkaCacheRoot(env: Env = process.env, home: string = homedir()): string {
  const own = env.KUV_KAFKA_CACHE;
  return own !== undefined && own !== '' ? own : join(cacheRoot(env, home), 'kafka');
}

/** `<cache>/local-cluster/state.json`, or KUV_LOCAL_CLUSTER_STATE. */
export function defaultStatePath(env: Env = process.env, home: string = homedir()): string {
  const own = env.KUV_LOCAL_CLUSTER_STATE;
  return own !== undefined && own !== ''
    ? own
    : join(cacheRoot(env, home), 'local-cluster', 'state.json');
}
