/**
 * The CLI as a user runs it, for tests: the entry point compiled from the current
 * sources (into a temporary folder under the work tree, never a stale dist/) and
 * run under `node`. compileCli() goes in beforeAll, removeTemporaries() in afterAll.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '../../..');
const temporary: string[] = [];

/** A temporary folder removed by removeTemporaries(). */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kuv-cli-'));
  temporary.push(dir);
  return dir;
}

/** Compiles bin/kafka-upgrade-verifier.ts and returns the path of the .js to run. */
export function compileCli(): string {
  // Under the work tree (in the ignored .cache/) so that node finds node_modules.
  mkdirSync(join(root, '.cache'), { recursive: true });
  const out = mkdtempSync(join(root, '.cache/cli-test-'));
  temporary.push(out);
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules/typescript/bin/tsc'),
      ...['--outDir', out, '--rootDir', root, '--module', 'NodeNext'],
      ...['--moduleResolution', 'NodeNext', '--target', 'ES2022', '--types', 'node'],
      ...['--skipLibCheck', '--noCheck', join(root, 'bin/kafka-upgrade-verifier.ts')],
    ],
    { cwd: root, stdio: 'pipe' },
  );
  return join(out, 'bin/kafka-upgrade-verifier.js');
}

export function removeTemporaries(): void {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
}
