/**
 * `run --out` holds its folder (run.lock) from before any Kafka work to its last exit
 * path: two real `run` processes on one folder (the second refused at once, the first
 * unaffected), a signal releases the lock, and a lock left by a SIGKILLed run (its pid
 * dead) is taken over by the next run. Against the shared integration cluster.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { waitFor } from '../../functions/core/wait.js';
import { runCli, startCli } from '../support/cli.js';
import { testCluster } from '../support/cluster.js';
import { readHistory } from '../support/history.js';
import { randomTopic } from '../support/kafka.js';

const cluster = testCluster();
const dirs: string[] = [];
const sockets: Socket[] = [];
let silent: Server | null = null;
afterAll(async () => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) =>
    silent === null ? resolve() : silent.close(() => resolve()),
  );
});

function outDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kuv-it-folder-'));
  dirs.push(d);
  return join(d, 'run');
}

const connectionArgs = [
  '--bootstrap',
  cluster.bootstrap,
  ...(cluster.dnsServer === null ? [] : ['--dns-server', cluster.dnsServer]),
];

/** A listener that accepts connections and never answers: a run's start-up check waits on it. */
async function silentListener(): Promise<string> {
  if (silent === null) {
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', resolve));
  }
  const address = silent.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `127.0.0.1:${address.port}`;
}

/** `run` on the shared cluster into `out`: a fresh canary topic, `extra` flags after. */
function canaryRun(out: string, duration: string, ...extra: string[]): string[] {
  const topic = randomTopic('kuv-it-canary');
  return [
    'run',
    ...connectionArgs,
    '--topic',
    topic,
    '--duration',
    duration,
    '--out',
    out,
    ...extra,
  ];
}

/** A run on `out` that took its lock and waits in its start-up check (on a silent listener). */
async function heldInStartUp(out: string) {
  const run = startCli(['run', '--bootstrap', await silentListener(), '--out', out]);
  const lock = join(out, 'run.lock');
  await waitFor(async () => existsSync(lock), {
    what: () => `the run to take ${lock} (stderr so far: ${run.stderr()})`,
    timeoutMs: 30_000,
    intervalMs: 250,
    retryErrors: true,
  });
  return { run, lock };
}

describe('run --out: one run per folder', () => {
  it('a second run on the same folder is refused at once (exit 2, folder and pid named); the first is unaffected', async () => {
    const out = outDir();
    const first = startCli(canaryRun(out, '8s', '--settle', '2s', '--slice', '2s'));
    const lock = join(out, 'run.lock');
    await waitFor(async () => existsSync(lock), {
      what: () => `the first run to take ${lock} (stderr so far: ${first.stderr()})`,
      timeoutMs: 30_000,
      intervalMs: 250,
      retryErrors: true,
    });
    const began = Date.now();
    const second = await runCli(canaryRun(out, '8s'));
    const refusedMs = Date.now() - began;
    expect(second.status, second.stderr).toBe(2);
    expect(second.stderr).toContain(`the run folder ${out} is in use by another run`);
    expect(second.stderr).toContain(`(pid ${first.child.pid})`);
    expect(second.stderr).toContain('Nothing was done');
    // No Kafka work: the refusal comes before the start-up check.
    expect(second.stderr).not.toContain('checking ');
    // "At once": the CLI's own start (node, imports) is most of it.
    expect(refusedMs).toBeLessThan(10_000);
    console.log(`second run refused in ${refusedMs} ms`);

    const r = await first.done;
    expect(r.status, r.stderr).toBe(0);
    for (const f of ['history.jsonl.gz', 'report.json', 'summary.txt', 'report.html']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(existsSync(lock)).toBe(false);
    // One run wrote the history: one runId in it.
    const runIds = new Set(readHistory(join(out, 'history.jsonl.gz')).map((h) => h.runId));
    runIds.delete(undefined);
    expect(runIds.size).toBe(1);
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))).toMatchObject({
      verdict: 'pass',
    });
  });

  it('SIGTERM during the start-up check releases the lock (exit 143)', async () => {
    const out = outDir();
    const { run, lock } = await heldInStartUp(out);
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.status, r.stderr).toBe(143);
    expect(existsSync(lock)).toBe(false);
  });

  it('takes over the lock a SIGKILLed run left (its pid is dead) and runs', async () => {
    const out = outDir();
    const { run: killed, lock } = await heldInStartUp(out);
    killed.child.kill('SIGKILL'); // no handler runs: the lock stays
    await killed.done;
    const left = JSON.parse(readFileSync(lock, 'utf8')) as { pid: number };
    expect(left.pid).toBe(killed.child.pid);
    expect(existsSync(join(out, 'history.jsonl.gz'))).toBe(false);

    const r = await runCli(canaryRun(out, '3s', '--settle', '1s'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`run: ${out}: taking over the lock of 'run `);
    expect(r.stderr).toContain(`(pid ${killed.child.pid}) since `);
    expect(existsSync(join(out, 'report.json'))).toBe(true);
    expect(existsSync(lock)).toBe(false);
  });
});
