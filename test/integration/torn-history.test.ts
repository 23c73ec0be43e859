/**
 * A run SIGKILLed while it writes a slice leaves a history whose last gzip member is
 * cut off (a torn tail); `analyze` and `report` read every complete member and name
 * the torn tail (README, "The run folder"). This kills the real `run` (the built CLI,
 * against the shared cluster) in the middle of a real flush: a slice of a busy canary
 * topic is a gzip member over 512 KiB, which the sink's writeFile puts out in 512 KiB
 * write() calls; strace delays each write() to the history file by 1.5 s (and does
 * nothing else), so the test can see a member half-written and SIGKILL the run there.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { afterAll, describe, expect, it } from 'vitest';

import { waitFor } from '../../functions/core/wait.js';
import { CLI_PATH, root, runCli } from '../support/cli.js';
import { testCluster } from '../support/cluster.js';
import { kafkaFor, randomTopic, trackClients } from '../support/kafka.js';
import { missingUnless, skipWithout } from './requirements.js';

const cluster = testCluster();
const track = trackClients();
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const hasStrace = spawnSync('strace', ['-V']).status === 0;

/** What the history file is right now: whole members only, or ending in a cut-off one. */
function shapeOf(path: string): { bytes: number; torn: boolean } {
  const bytes = existsSync(path) ? readFileSync(path) : Buffer.alloc(0);
  try {
    gunzipSync(bytes);
    return { bytes: bytes.length, torn: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'Z_BUF_ERROR') throw error;
    return { bytes: bytes.length, torn: true };
  }
}

function produced(text: string): number {
  return text.split('\n').filter((l) => l.includes('"type":"produce"')).length;
}

describe.skipIf(skipWithout(missingUnless(hasStrace, 'strace is not installed')))(
  'a run SIGKILLed during a flush (needs strace: scripts/install-test-tools.sh)',
  () => {
    it(
      'analyze names the torn tail (exit 2) and, with --allow-torn-tail, judges every complete member',
      { timeout: 240_000 },
      async () => {
        const base = mkdtempSync(join(tmpdir(), 'kuv-it-torn-'));
        dirs.push(base);
        const out = join(base, 'run');
        const history = join(out, 'history.jsonl.gz');
        // A busy canary: 24 partitions, one message each every 10 ms, so a 20 s
        // slice is a gzip member over 512 KiB (5 s slices measured ~200 KiB here).
        const topic = randomTopic('kuv-it-canary');
        const admin = track(kafkaFor(cluster).admin());
        await admin.connect();
        await admin.createTopics({
          topics: [{ topic, numPartitions: 24, replicationFactor: 3 }],
          waitForLeaders: true,
        });
        const tracer = spawn(
          'strace',
          [
            ...['-f', '-qq', '--seccomp-bpf', '-o', '/dev/null', '-P', history],
            ...['-e', 'trace=write,pwrite64', '-e', 'inject=write,pwrite64:delay_enter=1500000'],
            process.execPath,
            CLI_PATH,
            ...['run', '--bootstrap', cluster.bootstrap],
            ...(cluster.dnsServer === null ? [] : ['--dns-server', cluster.dnsServer]),
            ...['--topic', topic, '--interval-ms', '10', '--slice', '20s'],
            ...['--duration', '3m', '--settle', '1s', '--out', out, '--quiet'],
          ],
          { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
        );
        let stderr = '';
        tracer.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const traced = new Promise<void>((resolve) => tracer.on('close', () => resolve()));
        /** The run itself: strace's child, the process that writes the history. */
        const runPid = (): number | null => {
          try {
            const children = readFileSync(
              `/proc/${tracer.pid}/task/${tracer.pid}/children`,
              'utf8',
            );
            const pid = Number(children.trim().split(' ')[0]);
            return Number.isInteger(pid) && pid > 0 ? pid : null;
          } catch {
            return null;
          }
        };
        let whole = 0; // the file's size when it last held whole members only
        let tornAt: { bytes: number; torn: boolean } | null = null;
        try {
          await waitFor(
            async () => {
              const shape = shapeOf(history);
              if (!shape.torn) {
                whole = shape.bytes;
                return false;
              }
              // Wait for whole members that hold canary records before the cut one.
              if (
                whole === 0 ||
                produced(gunzipSync(readFileSync(history).subarray(0, whole)).toString('utf8')) ===
                  0
              )
                return false;
              // A member half-written after at least one whole one: the next write() is
              // held 1.5 s by strace, so the run is inside this flush. Kill it here.
              const pid = runPid();
              if (pid === null) return false;
              process.kill(pid, 'SIGKILL');
              tornAt = shape;
              return true;
            },
            {
              what: () =>
                `a flush caught half-written (last whole size ${whole}; stderr: ${stderr})`,
              timeoutMs: 180_000,
              intervalMs: 250,
              retryErrors: true,
            },
          );
        } finally {
          const pid = runPid();
          if (pid !== null) process.kill(pid, 'SIGKILL');
          await traced;
        }
        expect(tornAt).not.toBeNull();
        // The file is as the kill left it: whole members, then part of one more.
        const after = shapeOf(history);
        expect(after.torn).toBe(true);
        expect(after.bytes).toBe(tornAt!.bytes);
        const bytes = readFileSync(history);
        const kept = gunzipSync(bytes.subarray(0, whole)).toString('utf8');
        console.log(
          `SIGKILLed in a flush: ${whole} bytes of whole members, then ${after.bytes - whole} bytes of a cut-off one; ${produced(kept)} produce records in the whole members`,
        );
        expect(existsSync(join(out, 'report.json'))).toBe(false);

        // Plain analyze: the torn tail named, exit 2, nothing on standard output.
        const refused = await runCli(['analyze', history]);
        expect(refused.status, refused.stderr).toBe(2);
        expect(refused.stdout).toBe('');
        expect(refused.stderr).toContain(`history '${history}' ends in a cut-off gzip member`);
        expect(refused.stderr).toContain('--allow-torn-tail');
        expect(refused.stderr).not.toContain('not valid gzip');

        // --allow-torn-tail: the verdict on what was kept, the torn tail noted.
        const judged = await runCli(['analyze', history, '--allow-torn-tail', '--format', 'json']);
        expect([0, 1, 3], judged.stderr).toContain(judged.status);
        expect(judged.stderr).toMatch(/note: history .* ends in a cut-off gzip member/);
        expect(judged.stderr).toContain('The verdict is on what was kept');
        const report = JSON.parse(judged.stdout) as { totals: { produced: number } };
        // Every produce record of the whole members, and whole lines of the cut one at most.
        expect(produced(kept)).toBeGreaterThan(0);
        expect(report.totals.produced).toBeGreaterThanOrEqual(produced(kept));

        // report on the folder: refused the same way, and the page with the flag.
        const page = join(base, 'page.html');
        const noPage = await runCli(['report', out, '--out', page]);
        expect(noPage.status, noPage.stderr).toBe(2);
        expect(existsSync(page)).toBe(false);
        const withPage = await runCli(['report', out, '--out', page, '--allow-torn-tail']);
        expect(withPage.status, withPage.stderr).not.toBe(2);
        expect(readFileSync(page, 'utf8')).toContain('<html');
      },
    );
  },
);
