/**
 * A canary run as a sequence of bounded slices, `state in → state out`. A session
 * holds what one process needs to run slices: the Kafka clients, the history sink,
 * the monitors. The CLI keeps one session for the whole run (slices back to back,
 * clients stay connected); a Lambda builds a session per slice from the state the
 * previous slice returned, and closes it at the end of the slice.
 */
import type { Admin } from 'kafkajs';

import { destroyOpenSockets } from '../kafka/client.js';
import { sleep } from '../wait.js';
import type { Emit, RunMonitor } from '../probe/monitor.js';
import { CanaryConsumer, checkGroupIdle } from './consumer.js';
import { CanaryProducer, longestWait } from './producer.js';
import { readBack } from './reader.js';
import { emptyCounters, type SliceState } from './state.js';
import { endOffsets, ensureCanaryTopic, type CanaryTopic } from './topic.js';
import {
  HISTORY_FLUSH_MS,
  type BeginOptions,
  type CanarySessionOptions,
} from './session-options.js';

export {
  HISTORY_FLUSH_MS,
  sliceBudgetMs,
  type BeginOptions,
  type CanarySessionOptions,
  type LiveProgress,
} from './session-options.js';

export class CanarySession {
  private admin: Admin | null = null;
  private producer: CanaryProducer | null = null;
  private consumer: CanaryConsumer | null = null;
  private readonly monitors: readonly RunMonitor[];
  private readonly monitorTicks = new Map<string, Promise<void>>();
  readonly emit: Emit;
  /** The topic as begin() found or made it. */
  topic: CanaryTopic | null = null;

  constructor(private readonly options: CanarySessionOptions) {
    this.monitors = options.monitors ?? [];
    this.emit = (record) => options.sink.write(record);
  }

  private get clientId(): string {
    return this.options.clientId ?? 'kuv-canary';
  }

  private async adminClient(): Promise<Admin> {
    if (this.admin === null) {
      const admin = this.options.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }

  private async producerFor(state: SliceState): Promise<CanaryProducer> {
    if (this.producer === null) {
      const producer = CanaryProducer.create(
        this.options.kafka,
        state,
        this.emit,
        this.options.producerName,
      );
      await producer.connect();
      this.producer = producer;
    }
    return this.producer;
  }

  private async consumerFor(state: SliceState): Promise<CanaryConsumer> {
    if (this.consumer === null) {
      const consumer = CanaryConsumer.create(
        this.options.kafka,
        state,
        this.emit,
        `${this.clientId}-consumer`,
      );
      this.consumer = consumer;
      await consumer.start();
    }
    return this.consumer;
  }

  private note(message: string): void {
    this.options.onNote?.(message);
  }

  private monitorError(state: SliceState, monitor: RunMonitor, what: string, error: unknown) {
    state.lastError = {
      at: Date.now(),
      partition: null,
      error: `monitor ${monitor.name} ${what}: ${(error as Error).message ?? String(error)}`,
    };
  }

  /**
   * Starts a run: the canary topic (created or adopted; nothing is written to the
   * history before it is usable), the `run` record, the first offsets, the group
   * positioned at them, the monitors' baselines, the consumer joined. Returns the
   * state of a run in its canary phase, with the duration counted from now.
   */
  async begin(options: BeginOptions): Promise<SliceState> {
    const admin = await this.adminClient();
    this.topic = await ensureCanaryTopic(admin, { topic: options.topic, brokers: options.brokers });
    const partitions = this.topic.placement.length;
    await checkGroupIdle(admin, options.group);
    const startedAt = Date.now();
    this.emit({
      type: 'run',
      runId: options.runId,
      cluster: options.cluster,
      startedAt,
      topic: options.topic,
      group: options.group,
      producerMode: options.mode,
      intervalMs: options.intervalMs,
      partitions,
      ...options.runInfo,
    });
    const firstOffsets = await endOffsets(admin, options.topic, partitions);
    const state: SliceState = {
      format: 1,
      runId: options.runId,
      cluster: options.cluster,
      topic: options.topic,
      partitions,
      producer: options.producer ?? 'canary',
      group: options.group,
      mode: options.mode,
      intervalMs: options.intervalMs,
      phase: 'canary',
      slices: 0,
      startedAt,
      canaryStartedAt: startedAt,
      canaryEndsAt: startedAt + options.durationMs,
      settleMs: options.settleMs,
      settleEndsAt: null,
      firstOffsets,
      nextSeq: new Array<number>(partitions).fill(0),
      groupPositioned: false,
      consumedUpTo: new Array<number>(partitions).fill(-1),
      counters: emptyCounters(),
      lastError: null,
      monitors: {},
    };
    this.note(`baseline: ${this.monitors.length} monitor(s)`);
    for (const monitor of this.monitors) {
      await monitor
        .baseline(this.emit)
        .catch((e: unknown) => this.monitorError(state, monitor, 'baseline', e));
    }
    await this.consumerFor(state);
    await this.producerFor(state);
    this.collectMonitorStates(state);
    await this.options.sink.flush();
    state.canaryStartedAt = Date.now();
    state.canaryEndsAt = state.canaryStartedAt + options.durationMs;
    this.note(
      `canary: ${partitions} partitions of ${options.topic}, ${options.mode} producer, one message per partition every ${options.intervalMs} ms`,
    );
    return state;
  }

  private tickMonitors(state: SliceState, now: number): void {
    for (const monitor of this.monitors) {
      if (this.monitorTicks.has(monitor.name)) continue;
      const done = monitor
        .tick(this.emit, now)
        .catch((e: unknown) => this.monitorError(state, monitor, 'tick', e))
        .finally(() => this.monitorTicks.delete(monitor.name));
      this.monitorTicks.set(monitor.name, done);
    }
  }

  /** Every monitor's canaryEnded (those that write to the canary topic stop there). */
  private async endCanaryOfMonitors(state: SliceState): Promise<void> {
    await Promise.all(this.monitorTicks.values());
    await Promise.all(
      this.monitors.map((monitor) =>
        monitor
          .canaryEnded?.(this.emit)
          .catch((e: unknown) => this.monitorError(state, monitor, 'canaryEnded', e)),
      ),
    );
  }

  private collectMonitorStates(state: SliceState): void {
    for (const monitor of this.monitors) state.monitors[monitor.name] = monitor.state();
  }

  /**
   * Starts a flush without waiting for it; the chain of flushes keeps the order, and a
   * failed one fails every later flush, so the slice's final flush reports it.
   */
  private flushInBackground(): void {
    this.options.sink.flush().catch(() => {});
  }

  /**
   * Runs the canary (or settle) phase for at most `sliceMs`, flushing the history at
   * least every `flushEveryMs` meanwhile, then flushes it and returns the next state.
   * The phase moves to settle when the canary's time is up (or on stopCanary), and to
   * verify when the settle time is up.
   */
  async slice(input: SliceState, sliceMs: number): Promise<SliceState> {
    const state: SliceState = input;
    const began = Date.now();
    const sliceEnd = began + sliceMs;
    const monitorTickMs = this.options.monitorTickMs ?? 1000;
    const flushEveryMs = this.options.flushEveryMs ?? HISTORY_FLUSH_MS;
    if (state.phase === 'canary' || state.phase === 'settle') await this.consumerFor(state);
    let nextSend = began;
    let nextMonitor = began;
    let nextFlush = began + flushEveryMs;
    for (;;) {
      if (this.options.abort?.aborted === true) break;
      let now = Date.now();
      if (
        state.phase === 'canary' &&
        (now >= state.canaryEndsAt || this.options.stopCanary?.aborted === true)
      ) {
        state.canaryEndsAt = Math.min(state.canaryEndsAt, now);
        await this.producer?.drain();
        await this.endCanaryOfMonitors(state);
        now = Date.now();
        state.phase = 'settle';
        state.settleEndsAt = now + state.settleMs;
        this.note(
          `settle: producing stopped; consuming for ${Math.round(state.settleMs / 1000)} s more`,
        );
      }
      if (state.phase === 'settle' && now >= (state.settleEndsAt ?? 0)) {
        state.phase = 'verify';
        break;
      }
      if (state.phase !== 'canary' && state.phase !== 'settle') break;
      if (now >= sliceEnd) break;
      if (state.phase === 'canary' && now >= nextSend) {
        // Every tick is sent, each with its due time: behind (a stalled event loop),
        // the missed ticks go now with their own scheduledAt (the producer queues them).
        const producer = await this.producerFor(state);
        for (; nextSend <= now; nextSend += state.intervalMs) producer.tick(nextSend);
      }
      if (now >= nextMonitor) {
        this.tickMonitors(state, now);
        nextMonitor = now + monitorTickMs;
      }
      if (now >= nextFlush) {
        this.flushInBackground();
        nextFlush = now + flushEveryMs;
      }
      const waiting = this.producer?.waiting(now) ?? [];
      this.options.onProgress?.(state, now, {
        oldestWaitingMs: longestWait(waiting),
        waiting,
      });
      const wake = Math.min(
        state.phase === 'canary' ? nextSend : Infinity,
        nextMonitor,
        nextFlush,
        sliceEnd,
        state.phase === 'canary' ? state.canaryEndsAt : (state.settleEndsAt ?? Infinity),
        now + 100,
      );
      await sleep(Math.max(1, wake - Date.now()));
    }
    if (this.options.keepClients !== true) await this.releaseClients();
    await Promise.all(this.monitorTicks.values());
    this.collectMonitorStates(state);
    state.slices += 1;
    this.emit({
      type: 'slice',
      runId: state.runId,
      slice: state.slices,
      phase: state.phase,
      startedAt: began,
      endedAt: Date.now(),
      sent: state.counters.sent,
      acked: state.counters.acked,
      failed: state.counters.failed,
      consumed: state.counters.consumed,
      aborted: this.options.abort?.aborted === true,
    });
    await this.options.sink.flush();
    this.options.onProgress?.(state, Date.now());
    return state;
  }

  /** Stops producing and consuming; every send's outcome is in the history after this. */
  private async releaseClients(): Promise<void> {
    const producer = this.producer;
    const consumer = this.consumer;
    this.producer = null;
    this.consumer = null;
    await producer?.disconnect();
    await consumer?.stop();
  }

  /**
   * The verify phase: stops the canary clients (and any monitor still producing: its
   * canaryEnded), reads every partition back (`log` records), the monitors' `after`,
   * and a closing `run` record with `endedAt`.
   */
  async verify(state: SliceState, readTimeoutMs = 60_000): Promise<SliceState> {
    await this.releaseClients();
    await this.endCanaryOfMonitors(state);
    this.note('verify: reading every canary partition back');
    this.options.onProgress?.(state, Date.now());
    await readBack(
      this.options.kafka,
      await this.adminClient(),
      state,
      this.emit,
      readTimeoutMs,
      this.options.abort,
      (message) => this.note(`verify: ${message}`),
    );
    for (const monitor of this.monitors) {
      await monitor
        .after(this.emit)
        .catch((e: unknown) => this.monitorError(state, monitor, 'after', e));
    }
    this.collectMonitorStates(state);
    state.phase = 'done';
    const endedAt = Date.now();
    // The analyzer keeps the first `run` record; this one closes the run (docs/canary.md).
    this.emit({
      type: 'run',
      runId: state.runId,
      cluster: state.cluster,
      startedAt: state.startedAt,
      endedAt,
      closing: true,
      counters: state.counters,
    });
    await this.options.sink.flush();
    this.options.onProgress?.(state, endedAt);
    return state;
  }

  /**
   * Disconnects every client and closes every monitor, whatever happened; then any
   * connection kafkajs left open (destroyOpenSockets says how that happens: without
   * this a run through a dropped connection never exits); then the sink.
   */
  async close(): Promise<void> {
    const problems: unknown[] = [];
    await this.releaseClients().catch((e: unknown) => problems.push(e));
    await Promise.all(this.monitorTicks.values());
    for (const monitor of this.monitors)
      await monitor.close().catch((e: unknown) => problems.push(e));
    await this.admin?.disconnect().catch((e: unknown) => problems.push(e));
    this.admin = null;
    const orphans = destroyOpenSockets(this.options.kafka);
    if (orphans > 0) {
      this.note(
        `closed ${orphans} broker connection(s) kafkajs left open after its clients disconnected (a known kafkajs 2.2.4 leak when brokers drop connections; harmless: the run had finished with them)`,
      );
    }
    await this.options.sink.close();
  }
}
