/**
 * A client library's consumer group as a RunMonitor: `baseline` starts the client's
 * child process, `tick` turns what it printed (docs/clients.md, the protocol) into
 * `consume` records, `after` stops it (SIGTERM: it commits and leaves) and drains the
 * rest, `close` always kills it. A client that cannot start is written as a `client`
 * record with status `not measured`, its reason and the install command; the run goes on.
 */
import { spawn, type ChildProcess } from 'node:child_process';

import type { Emit, HistoryRecordOut, RunMonitor } from '../functions/core/probe/monitor.js';
import { payloadOfRun } from '../functions/core/canary/payload.js';
import { TextLines, parseClientLine, type ClientLine } from './protocol.js';

/** How a client library is started; `launch` throws NotMeasuredError when it cannot be. */
export interface ClientLaunch {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** The library and its version, e.g. `sarama 1.61.1`: the `consumer` field of its records. */
  library: string;
  /** A stderr line that is an event (kcat prints rebalances there), else null. */
  stderrEvent?: (line: string) => ClientLine | null;
}

export interface LaunchContext {
  bootstrap: string;
  dnsServer: string | undefined;
  group: string;
  topic: string;
}

export interface ClientDriver {
  /** The name `--clients` takes. */
  readonly name: string;
  /** Builds (at first use) and describes the command; throws NotMeasuredError when it cannot. */
  launch(context: LaunchContext): Promise<ClientLaunch>;
}

export class NotMeasuredError extends Error {
  override name = 'NotMeasuredError';
  constructor(
    readonly reason: string,
    readonly install: string | null,
  ) {
    super(reason);
  }
}

interface Pending {
  at: number;
  line: ClientLine;
}

const STOP_GRACE_MS = 20_000;
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
      for (const c of live) killGroup(c, 'SIGKILL');
    });
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // The child leads its own process group (spawned detached): a wrapper (unshare, sh)
    // and the client it runs get the signal together.
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

export interface ClientMonitorOptions {
  driver: ClientDriver;
  context: LaunchContext;
  runId: string;
  /** Called before launch, e.g. to write the hosts file; errors become `not measured`. */
  prepare?: () => Promise<void>;
  /** Called on each tick (e.g. to refresh the hosts file); must not block. */
  onTick?: (now: number) => void;
  /** Called by `close`. */
  onClose?: () => Promise<void>;
}

export class ClientMonitor implements RunMonitor {
  readonly name: string;
  private child: ChildProcess | null = null;
  private library: string | null = null;
  private readonly pending: Pending[] = [];
  private readonly stderrTail: string[] = [];
  private exited: Promise<void> = Promise.resolve();
  private stopping = false;
  private noise = 0;
  private foreign = 0;
  private received = 0;
  private closed = false;

  constructor(private readonly options: ClientMonitorOptions) {
    this.name = `client:${options.driver.name}`;
  }

  get group(): string {
    return this.options.context.group;
  }

  /** The running child's pid (tests stop a client mid-run with it). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private base(): HistoryRecordOut {
    return {
      type: 'client',
      name: this.options.driver.name,
      group: this.group,
      ...(this.library === null ? {} : { library: this.library }),
    };
  }

  async baseline(emit: Emit): Promise<void> {
    let launch: ClientLaunch;
    try {
      await this.options.prepare?.();
      launch = await this.options.driver.launch(this.options.context);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const install = error instanceof NotMeasuredError ? error.install : null;
      emit({ ...this.base(), status: 'not measured', reason, install, at: Date.now() });
      return;
    }
    this.library = launch.library;
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
      for (const raw of out.push(chunk)) this.pending.push({ at, line: parseClientLine(raw) });
    });
    child.stderr.on('data', (chunk: string) => {
      const at = Date.now();
      for (const raw of err.push(chunk)) {
        const event = launch.stderrEvent?.(raw) ?? null;
        if (event !== null) this.pending.push({ at, line: event });
        if (raw.trim() === '') continue;
        this.stderrTail.push(raw);
        if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
      }
    });
    this.exited = new Promise<void>((resolve) => {
      let spawnError: string | null = null;
      child.once('error', (error) => {
        spawnError = error.message;
        resolve();
      });
      child.once('close', (code, signal) => {
        const at = Date.now();
        for (const raw of out.end()) this.pending.push({ at, line: parseClientLine(raw) });
        if (!this.stopping || spawnError !== null) {
          this.pending.push({
            at,
            line: {
              kind: 'event',
              text: `exit ${spawnError ?? signal ?? `code ${code}`}${this.stderrTail.length > 0 ? `: ${this.stderrTail.slice(-3).join(' | ')}` : ''}`,
            },
          });
        }
        this.exitStatus = { code, signal };
        resolve();
      });
    });
    emit({
      ...this.base(),
      status: 'started',
      command: [launch.command, ...launch.args].join(' '),
      at: Date.now(),
    });
  }

  private exitStatus: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  private drain(emit: Emit): void {
    const { runId } = this.options;
    for (const { at, line } of this.pending.splice(0)) {
      switch (line.kind) {
        case 'record': {
          const payload = payloadOfRun(line.value, runId);
          if (payload === null) {
            this.foreign += 1;
            break;
          }
          this.received += 1;
          emit({
            type: 'consume',
            group: this.group,
            consumer: this.library ?? this.options.driver.name,
            partition: line.partition,
            offset: line.offset,
            producer: payload.producer,
            seq: payload.seq,
            receivedAt: at,
          });
          break;
        }
        case 'rebalance':
          emit({ ...this.base(), event: 'rebalance', text: line.text, at });
          break;
        case 'error':
          emit({ ...this.base(), event: 'error', text: line.text, at });
          break;
        case 'event':
          emit({ ...this.base(), event: line.text.split(' ')[0] ?? 'event', text: line.text, at });
          break;
        case 'noise':
          this.noise += 1;
          break;
        case 'blank':
          break;
      }
    }
  }

  tick(emit: Emit, now: number): Promise<void> {
    this.options.onTick?.(now);
    this.drain(emit);
    return Promise.resolve();
  }

  async after(emit: Emit): Promise<void> {
    const child = this.child;
    if (child === null) return;
    if (this.exitStatus === null) {
      this.stopping = true;
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), STOP_GRACE_MS);
      await this.exited;
      clearTimeout(timer);
    }
    this.drain(emit);
    emit({
      ...this.base(),
      status: 'stopped',
      received: this.received,
      otherRecords: this.foreign,
      noiseLines: this.noise,
      exitCode: this.exitStatus?.code ?? null,
      signal: this.exitStatus?.signal ?? null,
      at: Date.now(),
    });
  }

  state(): unknown {
    return { name: this.options.driver.name, group: this.group, library: this.library };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.child !== null && this.exitStatus === null) {
      this.stopping = true;
      killGroup(this.child, 'SIGKILL');
      await this.exited;
    }
    await this.options.onClose?.();
  }
}
