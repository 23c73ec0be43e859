/**
 * The CLI as the tests run it: built and started as a user does (`node
 * dist/bin/kafka-upgrade-verifier.js …`), asynchronously, so a test can roll the
 * cluster or press Ctrl-C while it runs; or one command called in this process with
 * what it prints captured (`cliInProcess`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { vi } from 'vitest';

import { commands } from '../../bin/commands/index.js';
import { InputError } from '../../functions/core/errors.js';
import { waitFor } from '../../functions/core/wait.js';

export const root = join(import.meta.dirname, '../..');
export const CLI_PATH = join(root, 'dist/bin/kafka-upgrade-verifier.js');

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
  if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run 'npm run build' first`);
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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

/** Waits until the run's stderr contains `text`; fails at once if the process ended first. */
export async function waitForOutput(run: CliRun, text: string, timeoutMs = 60_000): Promise<void> {
  let exited = false;
  void run.done.then(() => (exited = true));
  await waitFor(
    () => {
      if (run.stderr().includes(text)) return true;
      if (exited) {
        throw new Error(`the run ended without printing '${text}'; stderr:\n${run.stderr()}`);
      }
      return false;
    },
    {
      timeoutMs,
      intervalMs: 200,
      what: () => `the run to print '${text}'; stderr so far:\n${run.stderr()}`,
    },
  );
}

export interface InProcessRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `kafka-upgrade-verifier NAME ARGS` in this process with everything it prints
 * captured (stdout and stderr); a usage error is exit 2, as in the binary.
 */
export async function cliInProcess(name: string, args: string[]): Promise<InProcessRun> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await commands[name]!.run(args);
    return { code, stdout, stderr };
  } catch (error) {
    if (error instanceof InputError) return { code: 2, stdout, stderr: stderr + error.message };
    throw error;
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
