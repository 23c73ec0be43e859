/**
 * The live metrics publisher (functions/core/live/publish.ts): its cadence under a fake
 * clock, what it sends (live catalogue metrics only, the run's figures so far), and that
 * a failed put is told and never thrown.
 */
import type { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';

import { emptyCounters } from '../../../functions/core/canary/state.js';
import {
  LIVE_METRIC_NAMES,
  LiveMetricsPublisher,
  liveDatums,
  mergeSources,
  sessionMetricSource,
  type LiveTimers,
} from '../../../functions/core/live/publish.js';
import { METRICS } from '../../../functions/core/metrics/catalogue.js';
import type { PutMetricDataClient } from '../../../functions/core/metrics/publisher.js';
import { liveRunMetrics } from '../../../functions/core/run/publish.js';
import type { SliceState } from '../../../functions/core/canary/state.js';

type Sent = NonNullable<PutMetricDataCommand['input']>;

/** A fake clock: timers fire when advance() passes their time. */
function fakeTimers() {
  let now = 0;
  let next = 1;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const timers: LiveTimers = {
    setTimeout: (fn, ms) => {
      const id = next++;
      pending.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout: (h) => void pending.delete(h as number),
  };
  const advance = async (ms: number) => {
    const end = now + ms;
    for (;;) {
      const due = [...pending.entries()]
        .filter(([, t]) => t.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      pending.delete(due[0]);
      now = due[1].at;
      due[1].fn();
      // Let the publication (a chain of promises) settle before the next timer.
      for (let i = 0; i < 20; i++) await Promise.resolve();
    }
    now = end;
  };
  return { timers, advance, pending };
}

function fakeClient(fail = false) {
  const sent: Sent[] = [];
  const client: PutMetricDataClient = {
    send(command) {
      sent.push(structuredClone(command.input));
      return fail
        ? Promise.reject(
            Object.assign(new Error('User is not authorized'), { name: 'AccessDenied' }),
          )
        : Promise.resolve({});
    },
  };
  return { client, sent };
}

const values = (s: Sent) =>
  Object.fromEntries((s.MetricData ?? []).map((d) => [d.MetricName, d.Value]));

describe('LiveMetricsPublisher', () => {
  it('publishes every 30 s while running and once more at stop, with the figures of that moment', async () => {
    const { timers, advance, pending } = fakeTimers();
    const { client, sent } = fakeClient();
    const state = { counters: emptyCounters() };
    const publisher = new LiveMetricsPublisher({
      source: sessionMetricSource(state),
      cluster: 'orders',
      client,
      log: () => undefined,
      timers,
    });
    publisher.start();
    state.counters.sent = 10;
    await advance(29_999);
    expect(sent).toHaveLength(0);
    await advance(1);
    expect(sent).toHaveLength(1);
    state.counters.sent = 25;
    state.counters.failed = 2;
    state.counters.longestStallMs = 4200;
    await advance(30_000);
    expect(sent).toHaveLength(2);
    expect(values(sent[1]!)).toEqual({
      ProducedMessages: 25,
      ProduceErrors: 2,
      LongestProduceStallMs: 4200,
    });
    state.counters.sent = 31;
    await advance(10_000);
    await publisher.stop();
    expect(sent).toHaveLength(3);
    expect(values(sent[2]!)).toMatchObject({ ProducedMessages: 31 });
    expect(sent[2]!.Namespace).toBe('KafkaUpgradeVerifier');
    expect(sent[2]!.MetricData?.[0]?.Dimensions).toEqual([{ Name: 'Cluster', Value: 'orders' }]);
    // Stopped: nothing is scheduled any more.
    expect(pending.size).toBe(0);
    await advance(120_000);
    expect(sent).toHaveLength(3);
  });

  it('tells a failed put (what, where, what to do) and goes on publishing', async () => {
    const { timers, advance } = fakeTimers();
    const { client, sent } = fakeClient(true);
    const lines: string[] = [];
    const publisher = new LiveMetricsPublisher({
      source: sessionMetricSource({ counters: { ...emptyCounters(), sent: 3 } }),
      cluster: 'orders',
      client,
      log: (l) => lines.push(l),
      timers,
      publish: { maxAttempts: 1 },
    });
    publisher.start();
    await advance(60_000);
    await publisher.stop();
    expect(sent).toHaveLength(3);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /live metrics NOT published to CloudWatch KafkaUpgradeVerifier \(Cluster=orders\): ProducedMessages, ProduceErrors, LongestProduceStallMs: .*AccessDenied.*cloudwatch:PutMetricData/,
    );
  });

  it('refuses a cadence slower than 30 s, naming the input', () => {
    expect(
      () =>
        new LiveMetricsPublisher({
          source: { liveMetricValues: () => ({}) },
          cluster: 'orders',
          client: fakeClient().client,
          log: () => undefined,
          everyMs: 60_000,
        }),
    ).toThrow(/everyMs 60000 must be above 0 and at most 30000/);
  });
});

describe('live sources and datums', () => {
  it('merges sources by the largest value per metric', () => {
    const a = { liveMetricValues: () => ({ ProduceErrors: 2, MaxUnavailableMs: 900 }) };
    const b = { liveMetricValues: () => ({ ProduceErrors: 5, DuplicateMessages: 1 }) };
    expect(mergeSources(a, b).liveMetricValues()).toEqual({
      ProduceErrors: 5,
      MaxUnavailableMs: 900,
      DuplicateMessages: 1,
    });
  });

  it('sends live catalogue metrics only, with their unit, and drops non-finite values', () => {
    const datums = liveDatums(
      { ProduceErrors: 1, MaxUnavailableMs: Number.NaN, LeaderSkew: 3 } as never,
      'orders',
    );
    expect(datums).toEqual([
      {
        MetricName: 'ProduceErrors',
        Dimensions: [{ Name: 'Cluster', Value: 'orders' }],
        Unit: 'Count',
        Value: 1,
      },
    ]);
  });

  it('every live metric alarms on the period’s Maximum, so live and final data points never add up', () => {
    const live = METRICS.filter((m) => m.live);
    expect(live.map((m) => m.name).sort()).toEqual([...LIVE_METRIC_NAMES].sort());
    expect(live.length).toBeGreaterThan(0);
    for (const m of live) expect(m.alarm.statistic).toBe('Maximum');
  });
});

describe('liveRunMetrics (the CLI’s run --cloudwatch)', () => {
  it('publishes the latest state the canary reported at stop, then closes its client', async () => {
    const { client, sent } = fakeClient();
    let destroyed = 0;
    const cloudWatch = Object.assign(client, { destroy: () => void destroyed++ });
    const live = liveRunMetrics('orders', () => undefined, cloudWatch as never);
    live.onState({ counters: { ...emptyCounters(), sent: 4 } } as SliceState);
    live.onState({ counters: { ...emptyCounters(), sent: 9, failed: 1 } } as SliceState);
    await live.stop();
    expect(sent.map(values)).toEqual([
      { ProducedMessages: 9, ProduceErrors: 1, LongestProduceStallMs: 0 },
    ]);
    expect(destroyed).toBe(1);
  });

  it('publishes nothing when the canary never reported a state', async () => {
    const { client, sent } = fakeClient();
    const live = liveRunMetrics(
      'orders',
      () => undefined,
      Object.assign(client, { destroy() {} }) as never,
    );
    await live.stop();
    expect(sent).toEqual([]);
  });
});
