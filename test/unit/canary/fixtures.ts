/** A slice state as a run in its canary phase would have it. */
import { emptyCounters, type SliceState } from '../../../functions/core/canary/state.js';

export function sampleState(overrides: Partial<SliceState> = {}): SliceState {
  return {
    format: 1,
    runId: 'r-0a1b2c3d',
    cluster: 'rehearsal',
    topic: 'kuv-canary',
    partitions: 3,
    producer: 'canary',
    group: 'kuv-canary-group',
    mode: 'idempotent',
    intervalMs: 100,
    phase: 'canary',
    slices: 2,
    startedAt: 1_763_900_000_000,
    canaryStartedAt: 1_763_900_002_000,
    canaryEndsAt: 1_763_900_062_000,
    settleMs: 30_000,
    settleEndsAt: null,
    firstOffsets: [10, 0, 7],
    nextSeq: [120, 121, 119],
    groupPositioned: true,
    consumedUpTo: [129, -1, 125],
    counters: { ...emptyCounters(), sent: 360, acked: 357, failed: 1, consumed: 340 },
    lastError: { at: 1_763_900_030_000, partition: 1, error: 'REQUEST_TIMED_OUT' },
    monitors: { watcher: { brokers: { '1': 'up' } }, prober: null },
    ...overrides,
  };
}
