/** Where the local cluster keeps its jar cache and its state file. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root: the nearest folder above this file with our package.json. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
        if (name === 'kafka-upgrade-verifier') return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

/** `.cache/kafka/` under the project, or KUV_KAFKA_CACHE. */
export function kafkaCacheRoot(): string {
  return process.env.KUV_KAFKA_CACHE ?? join(projectRoot(), '.cache', 'kafka');
}

/** `.cache/local-cluster/state.json` under the project, or KUV_LOCAL_CLUSTER_STATE. */
export function defaultStatePath(): string {
  return (
    process.env.KUV_LOCAL_CLUSTER_STATE ??
    join(projectRoot(), '.cache', 'local-cluster', 'state.json')
  );
}
