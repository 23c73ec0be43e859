/**
 * Runs the built CLI as a user does (`node dist/bin/kafka-upgrade-verifier.js …`),
 * asynchronously, so a test can roll the cluster or press Ctrl-C while it runs.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export const root = join(import.meta.dirname, '../../..');
export const cli = join(root, 'dist/bin/kafka-upgrade-verifier.js');

export interface CliRun {
  child: ChildProcess;
  /** Resolves when the process has exited. */
  done: Promise<{
    status: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>;
  /** stderr so far. */
  stderr(): string;
}

export function startCli(args: string[], cwd = root): CliRun {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run 'npm run build' first`);
  const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{
    status: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve) => {
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
  return { child, done, stderr: () => stderr };
}

/**
 * The run's end, or, when it has not ended within `timeoutMs`, a SIGKILL and an error
 * with what it printed: a hung run fails its test with its own words and is never
 * left behind (a leaked run once kept retrying against a stopped cluster).
 */
export async function finished(run: CliRun, timeoutMs: number): ReturnType<() => CliRun['done']> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      run.child.kill('SIGKILL');
      reject(
        new Error(
          `the run did not end within ${timeoutMs / 1000} s (killed); stderr so far:\n${run.stderr()}`,
        ),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([run.done, late]);
  } finally {
    clearTimeout(timer);
  }
}

export async function runCli(args: string[], cwd = root) {
  return startCli(args, cwd).done;
}

/** Waits until the run's stderr contains `text` (or the process ended). */
export async function waitForOutput(run: CliRun, text: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void run.done.then(() => (exited = true));
  while (!run.stderr().includes(text)) {
    if (exited || Date.now() > deadline) {
      throw new Error(`the run never printed '${text}'; stderr so far:\n${run.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export type Rec = Record<string, unknown> & { type: string };

export function readHistory(path: string): Rec[] {
  return gunzipSync(readFileSync(path))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Rec);
}

/**
 * What an independent reader finds in the topic: kcat reads it to its end (through
 * `bootstrap`, e.g. a broker's INTERNAL listener) and gives, per identity
 * (`producer/partition/seq`, as identity() writes it) of this run's records, the
 * offsets it is at.
 */
export function kcatOffsets(
  bootstrap: string,
  topic: string,
  runId: string,
): Map<string, Set<string>> {
  const r = spawnSync(
    'kcat',
    ['-C', '-b', bootstrap, '-t', topic, '-e', '-q', '-f', '%p\t%o\t%s\n'],
    {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      timeout: 60_000,
    },
  );
  if (r.status !== 0) throw new Error(`kcat could not read ${topic}: ${r.stderr}`);
  const offsets = new Map<string, Set<string>>();
  for (const line of r.stdout.split('\n')) {
    if (line === '') continue;
    const [partition, offset, ...rest] = line.split('\t');
    const payload = JSON.parse(rest.join('\t')) as { runId: string; producer: string; seq: number };
    if (payload.runId !== runId) continue;
    const key = `${payload.producer}/${partition}/${payload.seq}`;
    offsets.set(key, (offsets.get(key) ?? new Set()).add(offset!));
  }
  return offsets;
}

/** `partition/seq` of a produce, log or consume record. */
export function identity(r: Rec): string {
  return `${String(r.producer)}/${String(r.partition)}/${String(r.seq)}`;
}
