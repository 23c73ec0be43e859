/**
 * The unit CLI tests run the built CLI (dist/bin/kafka-upgrade-verifier.js) as a
 * person would; this builds it from the current sources once per unit run, so they
 * never test a stale dist/.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function setup(): void {
  const root = join(import.meta.dirname, '../..');
  try {
    execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const out = (error as { stdout?: Buffer }).stdout?.toString() ?? '';
    throw new Error(
      `unit tests: the build (tsc -p tsconfig.build.json) failed, so the CLI tests would run a stale dist/. Fix these, or run npm run build:\n${out}`,
      { cause: error },
    );
  }
}
