/**
 * The one monitor factory (functions/core/probe/monitors.ts): the watcher first, the
 * prober asking it for brokers, and each monitor given back the state a slice saved
 * under its name. No network: nothing here ticks.
 */
import { describe, expect, it } from 'vitest';

import {
  clusterMonitors,
  PROBER_STATE,
  WATCHER_STATE,
} from '../../../functions/core/probe/monitors.js';

const connection = { bootstrap: '127.0.0.1:1' };

describe('clusterMonitors', () => {
  it('gives the watcher then the prober, named as the slice state keys them', async () => {
    const { watcher, prober, monitors } = clusterMonitors({
      connection,
      topics: ['kuv-canary'],
      log: () => undefined,
    });
    expect(monitors).toEqual([watcher, prober]);
    expect(monitors.map((m) => m.name)).toEqual([WATCHER_STATE, PROBER_STATE]);
    await Promise.all(monitors.map((m) => m.close()));
  });

  it('restores each monitor from the state saved under its name', async () => {
    const saved = {
      [WATCHER_STATE]: {
        version: 1,
        snapshot: null,
        known: [{ id: 2, host: 'broker-2.kafka.test', port: 19092, up: true }],
        lastPollAt: 1_700_000_000_000,
      },
      [PROBER_STATE]: {
        version: 1,
        brokers: [{ id: 2, host: 'broker-2.kafka.test', port: 19092 }],
        nextRoundAt: 1_700_000_010_000,
      },
    };
    const { monitors } = clusterMonitors({
      connection,
      topics: ['kuv-canary'],
      log: () => undefined,
      state: saved,
    });
    expect(monitors.map((m) => m.state())).toEqual([saved[WATCHER_STATE], saved[PROBER_STATE]]);
    await Promise.all(monitors.map((m) => m.close()));
  });
});
