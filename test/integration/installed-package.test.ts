/**
 * The local cluster from an installed package, not a checkout: `npm pack`, install the
 * tarball (from npm's cache where it can: `npm ci` filled it; a dependency's metadata
 * it lacks comes from the npm registry, as for any user) into an empty folder, then `local-cluster start`
 * and `stop` there. The default state file lands in the user's cache folder
 * ($XDG_CACHE_HOME/kafka-upgrade-verifier) and nothing is written into node_modules.
 * The jars come from the test run's own cache (linked in), so Kafka traffic stays on loopback.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import { kafkaCacheRoot, stop } from '../../rehearsal/index.js';
import { TEST_CLUSTER_PORTS } from '../support/cluster.js';
import { missingUnless, skipWithout } from './requirements.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUILT = existsSync(join(ROOT, 'dist/rehearsal/index.js'));
const NPM = spawnSync('npm', ['--version'], { encoding: 'utf8' }).status === 0;
const { portBase, dnsPort } = TEST_CLUSTER_PORTS.errors;
const work = mkdtempSync(join(tmpdir(), 'kuv-it-package-'));
const xdg = join(work, 'xdg');
const statePath = join(xdg, 'kafka-upgrade-verifier', 'local-cluster', 'state.json');

afterAll(async () => {
  await stop(statePath).catch(() => {});
  rmSync(work, { recursive: true, force: true });
});

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Files under `dir` modified after `since` (ms). */
function changedSince(dir: string, since: number): string[] {
  const changed: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if ((statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0) > since) changed.push(path);
  }
  return changed;
}

const missing = missingUnless(BUILT && NPM, BUILT ? 'npm is missing' : 'the build is missing');

describe.skipIf(skipWithout(missing))(
  'installed from npm pack (needs npm and the build: npm run build)',
  () => {
    it('local-cluster start and stop work from the installed package, keeping state in the user cache folder and nothing in node_modules', async () => {
      const packed = run('npm', ['pack', '--silent', '--pack-destination', work], ROOT);
      expect(packed.status, packed.stderr).toBe(0);
      const tarball = join(work, packed.stdout.trim().split('\n').pop()!);
      const project = join(work, 'project');
      mkdirSync(project);
      writeFileSync(
        join(project, 'package.json'),
        '{"name":"try","version":"1.0.0","private":true}\n',
      );
      const installed = run(
        'npm',
        ['install', '--prefer-offline', '--no-audit', '--no-fund', '--silent', tarball],
        project,
      );
      expect(installed.status, installed.stderr).toBe(0);

      // The user's cache folder, with the jars this test run already has.
      mkdirSync(join(xdg, 'kafka-upgrade-verifier'), { recursive: true });
      symlinkSync(kafkaCacheRoot(), join(xdg, 'kafka-upgrade-verifier', 'kafka'));
      const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: xdg };
      delete env.KUV_CACHE_DIR;
      delete env.KUV_KAFKA_CACHE;
      delete env.KUV_LOCAL_CLUSTER_STATE;
      const cli = join(project, 'node_modules', '.bin', 'kafka-upgrade-verifier');
      const installedAt = Date.now();

      const started = run(
        cli,
        [
          'local-cluster',
          'start',
          '--brokers',
          '1',
          '--port-base',
          `${portBase}`,
          '--dns-port',
          `${dnsPort}`,
          '--json',
        ],
        project,
        env,
      );
      expect(started.status, started.stderr).toBe(0);
      expect(JSON.parse(started.stdout)).toMatchObject({
        bootstrap: `broker-1.kafka.test:${portBase}`,
        brokers: [{ id: 1, up: true }],
      });
      expect(existsSync(statePath)).toBe(true);

      const stopped = run(cli, ['local-cluster', 'stop'], project, env);
      expect(stopped.status, stopped.stderr).toBe(0);
      expect(existsSync(statePath)).toBe(false);
      expect(changedSince(join(project, 'node_modules'), installedAt)).toEqual([]);
    });
  },
);
