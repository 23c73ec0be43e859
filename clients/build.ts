/**
 * Building the side-by-side clients at first use (docs/clients.md): where their sources
 * are, the user cache they are built into (once per version and source digest, through a
 * staging folder renamed into place), and running the build tools.
 */
import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { cacheRoot } from '../rehearsal/paths.js';
import { NotMeasuredError } from './monitor.js';

/** Where the consumer sources (clients/java, clients/sarama) are: the repo or the installed package. */
export function clientSourcesDir(from = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    if (existsSync(join(dir, 'clients', 'java', 'CanaryConsumer.java')))
      return join(dir, 'clients');
    const up = dirname(dir);
    if (up === dir) {
      throw new NotMeasuredError(
        `the client sources (clients/java, clients/sarama) are not beside ${fileURLToPath(import.meta.url)}: a broken install?`,
        'reinstall kafka-upgrade-verifier',
      );
    }
    dir = up;
  }
}

export function clientsCacheDir(): string {
  return join(cacheRoot(), 'clients');
}

/** True when `command` runs (`command args` exits 0). */
export function runs(command: string, args: string[]): boolean {
  const r = spawnSync(command, args, { stdio: 'ignore', timeout: 20_000 });
  return r.error === undefined && r.status === 0;
}

export function run(
  command: string,
  args: string[],
  cwd?: string,
): Promise<{ status: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status: status ?? 1, output }));
  });
}

export function digest(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex').slice(0, 12);
}

/** Builds into `dir` once: `build(staging)` fills a staging folder renamed into place. */
export async function buildOnce(
  dir: string,
  build: (staging: string) => Promise<void>,
): Promise<string> {
  if (existsSync(join(dir, 'complete'))) return dir;
  const staging = `${dir}.partial-${process.pid}`;
  mkdirSync(staging, { recursive: true });
  await build(staging);
  writeFileSync(join(staging, 'complete'), `${new Date().toISOString()}\n`);
  mkdirSync(dirname(dir), { recursive: true });
  try {
    renameSync(staging, dir);
  } catch {
    // Another process built it at the same time: theirs is as good.
    if (!existsSync(join(dir, 'complete'))) throw new Error(`could not move ${staging} to ${dir}`);
  }
  return dir;
}

export function firstLines(text: string, n = 3): string {
  return text.trim().split('\n').slice(0, n).join(' | ');
}
