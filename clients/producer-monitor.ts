/**
 * A client library's producer as a RunMonitor (docs/clients.md, "The producer
 * protocol"): `baseline` starts the producer's child process, which sends one message
 * of its own sequences (producer `kuv-<library>`) to every partition of the canary
 * topic every interval; `tick` turns what it printed into `produce` records, as the
 * canary's are; `canaryEnded` stops it (SIGTERM: it stops sending and waits for the
 * outcome of what it sent) when the canary stops producing, so that the read-back finds
 * everything it wrote; a send whose outcome it never printed is written as failed
 * ("no delivery report"). `after` writes its `client` record `stopped` with its counts.
 */
import type { Emit, HistoryRecordOut, RunMonitor } from '../functions/core/probe/monitor.js';
import {
  clientEvent,
  launchClient,
  type ProducerDriver,
  type ProducerLaunchContext,
} from './monitor.js';
import { ClientProcess, type ClientExit } from './process.js';
import type { ClientLine } from './protocol.js';

/**
 * How long a stopping producer may take: its own wait for outstanding delivery
 * reports is 30 s (the protocol), plus a JVM's or a library's close.
 */
const STOP_GRACE_MS = 45_000;

export interface ProducerMonitorOptions {
  driver: ProducerDriver;
  context: ProducerLaunchContext;
  /** Called before launch; errors become `not measured`. */
  prepare?: () => Promise<void>;
  /** Called on each tick (e.g. to refresh the hosts file); must not block. */
  onTick?: (now: number) => void;
  /** Called by `close`. */
  onClose?: () => Promise<void>;
}

interface InFlight {
  scheduledAt: number;
  sentAt: number;
}

export class ProducerMonitor implements RunMonitor {
  readonly name: string;
  private child: ClientProcess | null = null;
  private library: string | null = null;
  private readonly pending: { at: number; line: ClientLine }[] = [];
  /** Sends printed as `# sent` with no outcome yet, by `partition:seq`. */
  private readonly inFlight = new Map<string, InFlight>();
  private stopping = false;
  private ended = false;
  private closed = false;
  private readonly counts = { sent: 0, acked: 0, failed: 0, unreported: 0, unmatched: 0, noise: 0 };

  constructor(private readonly options: ProducerMonitorOptions) {
    this.name = `producer:${options.driver.name}`;
  }

  /** The running child's pid (tests). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private base(): HistoryRecordOut {
    return {
      type: 'client',
      role: 'producer',
      name: this.options.driver.name,
      producer: this.options.context.producer,
      ...(this.library === null ? {} : { library: this.library }),
      profile: this.options.context.profile,
    };
  }

  async baseline(emit: Emit): Promise<void> {
    await launchClient(
      () => this.options.prepare?.(),
      () => this.options.driver.launch(this.options.context),
      () => this.base(),
      emit,
      (launch) => {
        this.library = launch.library;
        this.child = new ClientProcess(launch, {
          line: (at, line) => this.pending.push({ at, line }),
          exit: (exit) => this.exitedWith(exit),
        });
      },
    );
  }

  private exitedWith(exit: ClientExit): void {
    if (this.stopping && exit.spawnError === null) return;
    this.pending.push({ at: exit.at, line: this.child!.exitEvent(exit) });
  }

  private drain(emit: Emit): void {
    const { producer } = this.options.context;
    for (const { at, line } of this.pending.splice(0)) {
      switch (line.kind) {
        case 'sent':
          this.counts.sent += 1;
          this.inFlight.set(`${line.partition}:${line.seq}`, {
            scheduledAt: line.scheduledAt,
            sentAt: line.sentAt,
          });
          break;
        case 'acked':
        case 'failed': {
          const key = `${line.partition}:${line.seq}`;
          const send = this.inFlight.get(key);
          if (send === undefined) {
            // An outcome of a send it never said it sent: nothing to time it by.
            this.counts.unmatched += 1;
            break;
          }
          this.inFlight.delete(key);
          const common = {
            type: 'produce',
            producer,
            partition: line.partition,
            seq: line.seq,
            sentAt: send.sentAt,
            scheduledAt: send.scheduledAt,
          };
          if (line.kind === 'acked') {
            this.counts.acked += 1;
            emit({ ...common, ok: true, ackedAt: line.ackedAt, offset: line.offset });
          } else {
            this.counts.failed += 1;
            emit({ ...common, ok: false, failedAt: line.failedAt, error: line.error });
          }
          break;
        }
        case 'settings':
        case 'ready':
        case 'error':
        case 'event':
          emit(clientEvent(this.base(), line, at));
          break;
        case 'record':
        case 'rebalance':
        case 'noise':
          this.counts.noise += 1;
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

  /**
   * Stops the producer (once): SIGTERM, and SIGKILL after STOP_GRACE_MS; then every
   * send it printed without an outcome is a failed `produce` record, at the exit.
   */
  async canaryEnded(emit: Emit): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    const child = this.child;
    if (child === null) return;
    this.stopping = true;
    await child.stop(STOP_GRACE_MS);
    this.drain(emit);
    const failedAt = child.status?.at ?? Date.now();
    const { producer } = this.options.context;
    for (const [key, send] of this.inFlight) {
      const [partition, seq] = key.split(':').map(Number) as [number, number];
      this.counts.unreported += 1;
      emit({
        type: 'produce',
        producer,
        partition,
        seq,
        sentAt: send.sentAt,
        scheduledAt: send.scheduledAt,
        ok: false,
        failedAt,
        error: 'no delivery report before the producer stopped',
      });
    }
    this.inFlight.clear();
  }

  async after(emit: Emit): Promise<void> {
    if (this.child === null) return;
    await this.canaryEnded(emit);
    const { sent, acked, failed, unreported, unmatched, noise } = this.counts;
    emit({
      ...this.base(),
      status: 'stopped',
      sent,
      acked,
      failed,
      unreported,
      unmatchedOutcomes: unmatched,
      noiseLines: noise,
      exitCode: this.child.status?.code ?? null,
      signal: this.child.status?.signal ?? null,
      at: Date.now(),
    });
  }

  state(): unknown {
    return { name: this.options.driver.name, producer: this.options.context.producer };
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
