/**
 * A client library's consumer group as a RunMonitor: `baseline` starts the client's
 * child process, `tick` turns what it printed (docs/clients.md, the protocol) into
 * `consume` records, `after` stops it (SIGTERM: it leaves the group) and drains the
 * rest, `close` always kills it. A client that cannot start is written as a `client`
 * record with status `not measured`, its reason and the install command; the run goes on.
 * `ready` settles once the client is positioned on its first assignment (or gone), so
 * the run can start producing after it (clients/index.ts, ClientsReady).
 */
import type { Emit, HistoryRecordOut, RunMonitor } from '../functions/core/probe/monitor.js';
import { payloadOfRun } from '../functions/core/canary/payload.js';
import type { ClientSettings, ClientSettingsProfile } from './profiles.js';
import { ClientProcess, type ClientExit } from './process.js';
import type { ClientLine } from './protocol.js';

/** How a client library is started; `launch` throws NotMeasuredError when it cannot be. */
export interface ClientLaunch {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** The library and its version, e.g. `sarama 1.61.1`: the `consumer` field of its records. */
  library: string;
  /** The library's version alone, e.g. `1.61.1`. */
  version: string;
  /** Effective settings known at launch (kcat's `-X dump`); others print `# settings`. */
  settings?: ClientSettings;
  /**
   * What says the client is positioned: its `# ready` line, or (a client that cannot
   * print one, kcat) its first `rebalance` event.
   */
  readyOn: 'ready' | 'rebalance';
  /** A stderr line that is an event (kcat prints rebalances there), else null. */
  stderrEvent?: (line: string) => ClientLine | null;
}

export interface LaunchContext {
  bootstrap: string;
  dnsServer: string | undefined;
  group: string;
  topic: string;
  /** `--client-settings`: the library's shipped settings or the careful ones. */
  profile: ClientSettingsProfile;
}

export interface ClientDriver {
  /** The name `--clients` takes. */
  readonly name: string;
  /** Builds (at first use) and describes the command; throws NotMeasuredError when it cannot. */
  launch(context: LaunchContext): Promise<ClientLaunch>;
}

/** What a library's producer is started with (docs/clients.md, "The producer protocol"). */
export interface ProducerLaunchContext {
  bootstrap: string;
  dnsServer: string | undefined;
  topic: string;
  /** `--client-settings`: the library's shipped producer settings or idempotent, acks=all ones. */
  profile: ClientSettingsProfile;
  runId: string;
  /** The payload's `producer`: `kuv-<library>`. */
  producer: string;
  /** One message to every partition every `intervalMs` (the canary's interval). */
  intervalMs: number;
}

export interface ProducerDriver {
  /** The name `--clients` takes. */
  readonly name: string;
  /** Builds (at first use) and describes the producer's command; throws NotMeasuredError when it cannot. */
  launch(context: ProducerLaunchContext): Promise<ClientLaunch>;
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

/** A `client` record of one of a client's event lines: `base` and the event. */
export function clientEvent(
  base: HistoryRecordOut,
  line: Extract<ClientLine, { kind: 'rebalance' | 'error' | 'settings' | 'ready' | 'event' }>,
  at: number,
): HistoryRecordOut {
  switch (line.kind) {
    case 'settings':
      return { ...base, event: 'settings', settings: line.settings, at };
    case 'ready':
      return { ...base, event: 'ready', at };
    case 'event':
      return { ...base, event: line.text.split(' ')[0] ?? 'event', text: line.text, at };
    default:
      return { ...base, event: line.kind, text: line.text, at };
  }
}

/**
 * Prepares and launches a client (consumer or producer) and writes its first `client`
 * record: `started` (version, settings, command) after `start(launch)` ran, or `not
 * measured` (reason, install command) when preparing or launching threw. True when it
 * started.
 */
export async function launchClient(
  prepare: () => Promise<void> | undefined,
  launch: () => Promise<ClientLaunch>,
  base: () => HistoryRecordOut,
  emit: Emit,
  start: (launch: ClientLaunch) => void,
): Promise<boolean> {
  let launched: ClientLaunch;
  try {
    await prepare();
    launched = await launch();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const install = error instanceof NotMeasuredError ? error.install : null;
    emit({ ...base(), status: 'not measured', reason, install, at: Date.now() });
    return false;
  }
  start(launched);
  emit({
    ...base(),
    status: 'started',
    version: launched.version,
    ...(launched.settings === undefined ? {} : { settings: launched.settings }),
    command: [launched.command, ...launched.args].join(' '),
    at: Date.now(),
  });
  return true;
}

interface Pending {
  at: number;
  line: ClientLine;
}

const STOP_GRACE_MS = 20_000;

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
  private child: ClientProcess | null = null;
  private library: string | null = null;
  private launched: ClientLaunch | null = null;
  private markReady: () => void = () => undefined;
  /** Settles when the client is positioned on its first assignment, or has exited / never started. */
  readonly ready: Promise<void>;
  private isReady = false;
  /** True between kill() and relaunch(): the exit is the test's doing, not the client's. */
  private restarting = false;
  private readonly pending: Pending[] = [];
  private stopping = false;
  private noise = 0;
  private foreign = 0;
  private received = 0;
  private closed = false;

  constructor(private readonly options: ClientMonitorOptions) {
    this.name = `client:${options.driver.name}`;
    this.ready = new Promise<void>((resolve) => {
      this.markReady = () => {
        this.isReady = true;
        resolve();
      };
    });
  }

  /** Whether the client said it was positioned (false when it timed out, exited or never started). */
  get positioned(): boolean {
    return this.isReady && this.child?.running === true;
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
      profile: this.options.context.profile,
    };
  }

  async baseline(emit: Emit): Promise<void> {
    const started = await launchClient(
      () => this.options.prepare?.(),
      () => this.options.driver.launch(this.options.context),
      () => this.base(),
      emit,
      (launch) => {
        this.library = launch.library;
        this.launched = launch;
        this.start(launch);
      },
    );
    if (!started) this.markReady();
  }

  private start(launch: ClientLaunch): void {
    this.child = new ClientProcess(launch, {
      line: (at, line) => {
        if (line.kind === launch.readyOn) this.markReady();
        this.pending.push({ at, line });
      },
      exit: (exit) => this.exitedWith(exit),
    });
  }

  private exitedWith(exit: ClientExit): void {
    if ((!this.stopping && !this.restarting) || exit.spawnError !== null) {
      this.pending.push({ at: exit.at, line: this.child!.exitEvent(exit) });
    }
    this.markReady();
  }

  /**
   * Kills the client's process at once (SIGKILL: no commit, no leaving the group), as a
   * crashed application would be, and waits until its output is read. `relaunch` starts
   * it again in the same group. Written as a `client` event `killed`.
   */
  async kill(emit: Emit): Promise<void> {
    const child = this.child;
    if (child === null || !child.running) return;
    this.restarting = true;
    await child.kill();
    this.drain(emit);
    emit({ ...this.base(), event: 'killed', text: 'SIGKILL (restart)', at: Date.now() });
  }

  /** Starts the killed client again, same command and group: a `client` event `restart`. */
  relaunch(emit: Emit): void {
    if (this.launched === null || !this.restarting) return;
    this.restarting = false;
    this.drain(emit);
    emit({
      ...this.base(),
      event: 'restart',
      text: 'started again in the same group',
      at: Date.now(),
    });
    this.start(this.launched);
  }

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
        case 'error':
        case 'settings':
        case 'ready':
        case 'event':
          emit(clientEvent(this.base(), line, at));
          break;
        case 'noise':
        case 'sent':
        case 'acked':
        case 'failed':
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
    if (child.running) {
      this.stopping = true;
      await child.stop(STOP_GRACE_MS);
    }
    this.drain(emit);
    emit({
      ...this.base(),
      status: 'stopped',
      received: this.received,
      otherRecords: this.foreign,
      noiseLines: this.noise,
      exitCode: child.status?.code ?? null,
      signal: child.status?.signal ?? null,
      at: Date.now(),
    });
  }

  state(): unknown {
    return { name: this.options.driver.name, group: this.group, library: this.library };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.child?.running === true) {
      this.stopping = true;
      await this.child.kill();
    }
    await this.options.onClose?.();
  }
}
