/**
 * A side-by-side client's child process (docs/clients.md): started in its own process
 * group (a wrapper such as unshare or sh and the client it runs get signals together),
 * its stdout split into protocol lines, the last lines of its stderr kept for the
 * reason it exited, and killed with this process if it is still running then.
 */
import { spawn, type ChildProcess } from 'node:child_process';

import type { ClientLaunch } from './monitor.js';
import { TextLines, parseClientLine, type ClientLine } from './protocol.js';

const STDERR_TAIL_LINES = 20;

/** Children still running when this process exits are killed with it. */
const live = new Set<ChildProcess>();
let exitHook = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const c of live) signalGroup(c, 'SIGKILL');
    });
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

export interface ClientExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why it could not be spawned at all, when it could not. */
  spawnError: string | null;
  at: number;
}

export interface ClientProcessHandlers {
  /** Each stdout line (and each stderr line the launch's `stderrEvent` makes an event), parsed. */
  line(at: number, line: ClientLine): void;
  /** Once, when the process has exited and its output is read. */
  exit(exit: ClientExit): void;
}

export class ClientProcess {
  private readonly child: ChildProcess;
  private readonly tail: string[] = [];
  /** Settles once the process exited (or could not start) and every line was handed over. */
  readonly exited: Promise<void>;
  status: ClientExit | null = null;

  constructor(launch: ClientLaunch, handlers: ClientProcessHandlers) {
    const child = spawn(launch.command, launch.args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: launch.env ?? process.env,
      detached: true,
    });
    this.child = child;
    track(child);
    const out = new TextLines();
    const err = new TextLines();
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const at = Date.now();
      for (const raw of out.push(chunk)) handlers.line(at, parseClientLine(raw));
    });
    child.stderr.on('data', (chunk: string) => {
      const at = Date.now();
      for (const raw of err.push(chunk)) {
        const event = launch.stderrEvent?.(raw) ?? null;
        if (event !== null) handlers.line(at, event);
        if (raw.trim() === '') continue;
        this.tail.push(raw);
        if (this.tail.length > STDERR_TAIL_LINES) this.tail.shift();
      }
    });
    this.exited = new Promise<void>((resolve) => {
      let spawnError: string | null = null;
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (this.status !== null) return;
        const at = Date.now();
        for (const raw of out.end()) handlers.line(at, parseClientLine(raw));
        this.status = { code, signal, spawnError, at };
        handlers.exit(this.status);
        resolve();
      };
      child.once('error', (error) => {
        spawnError = error.message;
        finish(null, null);
      });
      child.once('close', (code, signal) => finish(code, signal));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.status === null;
  }

  /** The `exit …` event of an exit nobody asked for: how, and the last lines of its stderr. */
  exitEvent({ code, signal, spawnError }: ClientExit): ClientLine {
    const tail = this.stderrTail();
    return {
      kind: 'event',
      text: `exit ${spawnError ?? signal ?? `code ${code}`}${tail.length > 0 ? `: ${tail.join(' | ')}` : ''}`,
    };
  }

  /** The last lines of its stderr, for the reason it exited. */
  stderrTail(n = 3): string[] {
    return this.tail.slice(-n);
  }

  /** SIGKILL now, as a crashed application; resolves once its output is read. */
  async kill(): Promise<void> {
    signalGroup(this.child, 'SIGKILL');
    await this.exited;
  }

  /** SIGTERM (the client finishes what it does and exits), SIGKILL after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    if (this.status !== null) return;
    signalGroup(this.child, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(this.child, 'SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
