/**
 * The two run monitors over scripted metadata and a scripted resolver: no network.
 */
import { describe, expect, it, vi } from 'vitest';

import type { MetadataSource } from '../../../functions/core/probe/metadata.js';
import type { HistoryRecordOut } from '../../../functions/core/probe/monitor.js';
import { ReachabilityProber } from '../../../functions/core/probe/reachability.js';
import { ResolveFailure } from '../../../functions/core/probe/resolve.js';
import type { ClusterSnapshot, PartitionInfo } from '../../../functions/core/probe/snapshot.js';
import { ClusterWatcher, type KnownBroker } from '../../../functions/core/probe/watcher.js';

const broker = (id: number) => ({ id, host: `broker-${id}.kafka.test`, port: 9092 });
const p = (partition: number, leader: number, isr: number[]): PartitionInfo => ({
  partition,
  leader,
  replicas: [1, 2, 3],
  isr,
});
const all = [broker(1), broker(2), broker(3)];
const healthy: ClusterSnapshot = {
  brokers: all,
  topics: [{ topic: 'canary', partitions: [p(0, 1, [1, 2, 3]), p(1, 2, [1, 2, 3])] }],
};
const twoDown: ClusterSnapshot = {
  brokers: [broker(1), broker(3)],
  topics: [{ topic: 'canary', partitions: [p(0, 1, [1, 3]), p(1, 1, [1, 3])] }],
};

/** A metadata source answering from a script; `null` in the script fails that fetch. */
function scripted(answers: Array<ClusterSnapshot | null>): MetadataSource & { fetches: number } {
  const source = {
    fetches: 0,
    async fetch() {
      const answer = answers[Math.min(source.fetches, answers.length - 1)];
      source.fetches += 1;
      if (answer === null || answer === undefined) throw new Error('no broker answered');
      return structuredClone(answer);
    },
    async close() {},
  };
  return source;
}

/** broker-N.kafka.test resolves to 127.0.0.N, or to what `moved` says. */
function resolver(moved: Record<string, string> = {}) {
  return async (host: string) => {
    const n = /^broker-(\d)\.kafka\.test$/.exec(host)?.[1];
    if (n === undefined) throw new ResolveFailure('ENOTFOUND', host);
    return [moved[host] ?? `127.0.0.${n}`];
  };
}

function watcherOver(
  source: MetadataSource,
  extra: Partial<ConstructorParameters<typeof ClusterWatcher>[0]> = {},
) {
  let clock = 0;
  return new ClusterWatcher({
    connection: { bootstrap: 'broker-1.kafka.test:9092' },
    topics: ['canary'],
    metadata: source,
    resolve: resolver(),
    clock: () => clock++,
    ...extra,
  });
}

/** A resolver that fails every lookup with `code`: the probe stops before any connection. */
function failing(code: string) {
  return async (host: string): Promise<string[]> => {
    throw new ResolveFailure(code, host);
  };
}

function collector() {
  const records: HistoryRecordOut[] = [];
  return { records, emit: (r: HistoryRecordOut) => void records.push(r) };
}

describe('ClusterWatcher', () => {
  it('writes one baseline leaders snapshot per watched topic and no broker record', async () => {
    const watcher = watcherOver(scripted([healthy]));
    const { records, emit } = collector();
    await watcher.baseline(emit);
    await watcher.close();
    expect(records).toEqual([
      {
        type: 'leaders',
        topic: 'canary',
        phase: 'baseline',
        at: expect.any(Number),
        partitions: healthy.topics[0]!.partitions,
      },
    ]);
  });

  it('writes down and up with host and address, and a during snapshot when the ISR changes', async () => {
    const moved = { 'broker-2.kafka.test': '127.0.0.12' };
    let resolve = resolver();
    const watcher = watcherOver(scripted([healthy, twoDown, healthy]), {
      resolve: (host) => resolve(host),
    });
    const { records, emit } = collector();
    await watcher.baseline(emit);
    await watcher.tick(emit, 2_000);
    await watcher.settled();
    resolve = resolver(moved);
    await watcher.tick(emit, 3_000);
    await watcher.settled();
    await watcher.after(emit);
    await watcher.close();
    expect(records.map((r) => [r.type, r.phase ?? r.event, r.broker ?? r.topic])).toEqual([
      ['leaders', 'baseline', 'canary'],
      ['broker', 'down', 2],
      ['leaders', 'during', 'canary'],
      ['broker', 'up', 2],
      ['leaders', 'during', 'canary'],
      ['leaders', 'after', 'canary'],
    ]);
    expect(records[1]).toMatchObject({ host: 'broker-2.kafka.test:9092', address: '127.0.0.2' });
    expect(records[3]).toMatchObject({ host: 'broker-2.kafka.test:9092', address: '127.0.0.12' });
    expect(records[2]!.partitions).toEqual(twoDown.topics[0]!.partitions);
  });

  it('returns from tick at once while a metadata fetch hangs, and polls no faster than intervalMs', async () => {
    let release: (s: ClusterSnapshot) => void = () => {};
    let fetches = 0;
    const hanging: MetadataSource = {
      fetch: () => {
        fetches += 1;
        return new Promise((resolve) => (release = resolve));
      },
      close: async () => {},
    };
    const watcher = watcherOver(hanging, { intervalMs: 1000 });
    const { records, emit } = collector();
    // "At once": each tick settles before a macrotask turn, with the fetch still hanging.
    const atOnce = async (tick: Promise<void>) =>
      Promise.race([
        tick.then(() => 'returned'),
        new Promise((resolve) => setImmediate(() => resolve('still waiting'))),
      ]);
    await expect(atOnce(watcher.tick(emit, 10_000))).resolves.toBe('returned');
    // one poll in flight: no second one
    await expect(atOnce(watcher.tick(emit, 12_000))).resolves.toBe('returned');
    expect(fetches).toBe(1);
    release(healthy);
    await vi.waitFor(() => expect(records).toHaveLength(1));
    await watcher.tick(emit, 10_500); // within intervalMs of the last poll's start
    expect(fetches).toBe(1);
    await watcher.close();
  });

  it('treats a failed poll as no answer: no broker record, one note however often it fails', async () => {
    const notes: string[] = [];
    const watcher = watcherOver(scripted([healthy, null, null, healthy]), {
      log: (m) => notes.push(m),
    });
    const { records, emit } = collector();
    await watcher.baseline(emit);
    for (const now of [2_000, 3_000, 4_000]) {
      await watcher.tick(emit, now);
      await watcher.settled();
    }
    expect(records.filter((r) => r.type === 'broker')).toEqual([]);
    expect(notes).toEqual(['no broker answered', 'cluster metadata available again']);
    await watcher.close();
  });

  it('remembers a broker that left, for the prober, with its last endpoint and address', async () => {
    const watcher = watcherOver(scripted([healthy, twoDown]));
    await watcher.baseline(() => {});
    await watcher.after(() => {});
    const known = await watcher.knownBrokers();
    await watcher.close();
    expect(known.find((b) => b.id === 2)).toEqual({
      ...broker(2),
      address: '127.0.0.2',
      present: false,
    } satisfies KnownBroker);
    expect(known.filter((b) => b.present).map((b) => b.id)).toEqual([1, 3]);
  });

  it('hands its state to the next slice as JSON, which carries on from it', async () => {
    const first = watcherOver(scripted([healthy, twoDown]));
    await first.baseline(() => {});
    await first.tick(() => {}, 2_000);
    await first.settled();
    const state = JSON.parse(JSON.stringify(first.state())) as unknown;
    await first.close();

    const next = watcherOver(scripted([healthy]), { state });
    expect(next.state()).toEqual(state);
    const { records, emit } = collector();
    await next.tick(emit, 100_000);
    await next.settled();
    await next.close();
    expect(records.filter((r) => r.type === 'broker')).toMatchObject([
      { broker: 2, event: 'up', address: '127.0.0.2' },
    ]);
  });
});

describe('ClusterWatcher offsets', () => {
  const withOrders: ClusterSnapshot = {
    brokers: all,
    topics: [
      { topic: 'canary', partitions: [p(0, 1, [1, 2, 3]), p(1, 2, [1, 2, 3])] },
      { topic: 'orders', partitions: [p(0, 3, [1, 2, 3])] },
    ],
  };

  /** End offsets that grow by 10 a round; `fail` rounds reject. */
  function offsetsSource(fail: (round: number) => boolean = () => false) {
    const asked: string[][] = [];
    const source = {
      ...scripted([withOrders]),
      async endOffsets(topics: readonly string[]) {
        asked.push([...topics]);
        const round = asked.length;
        if (fail(round)) throw new Error('ListOffsets timed out');
        return topics.map((topic) => ({
          topic,
          partitions: [{ partition: 0, end: round * 10 }],
        }));
      },
    };
    return { asked, source };
  }

  it('writes an offsets record per watched topic at baseline, every poll and after, in the v3 shape', async () => {
    const { asked, source } = offsetsSource();
    const watcher = watcherOver(source, { topics: ['canary', 'orders', 'gone'], offsets: true });
    const { records, emit } = collector();
    await watcher.baseline(emit);
    await watcher.tick(emit, 2_000);
    await watcher.settled();
    await watcher.tick(emit, 3_000);
    await watcher.settled();
    await watcher.after(emit);
    await watcher.close();
    // Only topics the metadata holds are asked for: a missing one would fail the round.
    expect(asked).toEqual(new Array(4).fill(['canary', 'orders']));
    const offsets = records.filter((r) => r.type === 'offsets');
    expect(
      offsets.map((r) => [r.phase, r.topic, (r.partitions as { end: number }[])[0]!.end]),
    ).toEqual([
      ['baseline', 'canary', 10],
      ['baseline', 'orders', 10],
      ['during', 'canary', 20],
      ['during', 'orders', 20],
      ['during', 'canary', 30],
      ['during', 'orders', 30],
      ['after', 'canary', 40],
      ['after', 'orders', 40],
    ]);
    expect(offsets[0]).toEqual({
      type: 'offsets',
      topic: 'canary',
      phase: 'baseline',
      at: expect.any(Number),
      partitions: [{ partition: 0, end: 10 }],
    });
    // The user's topic gets leaders snapshots too.
    expect(records.filter((r) => r.type === 'leaders' && r.topic === 'orders').length).toBe(2);
  });

  it('writes nothing for a failed round, says so once, and says when offsets come back', async () => {
    const { source } = offsetsSource((round) => round === 2 || round === 3);
    const log = vi.fn();
    const watcher = watcherOver(source, { topics: ['canary'], log, offsets: true });
    const { records, emit } = collector();
    await watcher.baseline(emit);
    for (const now of [2_000, 3_000, 4_000]) {
      await watcher.tick(emit, now);
      await watcher.settled();
    }
    await watcher.close();
    // Rounds 2 and 3 failed: the baseline and the last poll only.
    const offsets = records.filter((r) => r.type === 'offsets' && r.topic === 'canary');
    expect(offsets.map((r) => r.phase)).toEqual(['baseline', 'during']);
    expect(log.mock.calls).toEqual([
      ['end offsets: ListOffsets timed out'],
      ['end offsets available again'],
    ]);
  });

  it("writes no offsets when watching 'all' topics, nor unless asked to", async () => {
    const { asked, source } = offsetsSource();
    const watcher = watcherOver(source, { topics: 'all', offsets: true });
    const { records, emit } = collector();
    await watcher.baseline(emit);
    await watcher.close();
    // Nor unless asked to: a reachability check writes leaders snapshots only.
    const plain = watcherOver(source, { topics: ['canary'] });
    await plain.baseline(emit);
    await plain.close();
    expect(asked).toEqual([]);
    expect(records.some((r) => r.type === 'offsets')).toBe(false);
  });
});

describe('ReachabilityProber', () => {
  const directory = (brokers: KnownBroker[]) => ({ knownBrokers: async () => brokers });

  it('probes bootstrap then every known broker, a departed one too; a failed lookup ends the probe', async () => {
    const prober = new ReachabilityProber({
      bootstrap: 'nowhere.kafka.test:9092',
      brokers: directory([
        { ...broker(1), address: '127.0.0.1', present: true },
        { ...broker(2), address: '127.0.0.2', present: false },
      ]),
      resolve: failing('ENOTFOUND'),
      clock: () => 1_763_900_000_000,
    });
    const { records, emit } = collector();
    await prober.baseline(emit);
    await prober.close();
    expect(records).toEqual([
      {
        type: 'probe',
        endpoint: 'nowhere.kafka.test:9092',
        role: 'bootstrap',
        phase: 'baseline',
        at: 1_763_900_000_000,
        dns: { ok: false, ms: expect.any(Number), addresses: [], error: 'ENOTFOUND' },
        tcp: null,
        kafka: null,
      },
      expect.objectContaining({ endpoint: 'broker-1.kafka.test:9092', role: 'broker', broker: 1 }),
      expect.objectContaining({ endpoint: 'broker-2.kafka.test:9092', role: 'broker', broker: 2 }),
    ]);
  });

  it('runs a during round every intervalMs of tick time, in the background', async () => {
    const prober = new ReachabilityProber({
      bootstrap: 'nowhere.kafka.test:9092',
      intervalMs: 10_000,
      resolve: failing('ETIMEOUT'),
    });
    const { records, emit } = collector();
    for (const now of [0, 1_000, 9_999, 10_000, 15_000, 20_000]) {
      await prober.tick(emit, now);
      await prober.settled();
    }
    await prober.close();
    expect(records.map((r) => r.phase)).toEqual(['during', 'during', 'during']);
  });

  it('hands its brokers and next round time to the next slice, which still probes a broker that left', async () => {
    const first = new ReachabilityProber({
      bootstrap: 'nowhere.kafka.test:9092',
      brokers: directory([{ ...broker(3), address: null, present: true }]),
      resolve: failing('ENOTFOUND'),
    });
    await first.tick(() => {}, 50_000);
    await first.close();
    const state = JSON.parse(JSON.stringify(first.state())) as unknown;
    expect(state).toEqual({ version: 1, brokers: [broker(3)], nextRoundAt: 60_000 });

    const next = new ReachabilityProber({
      bootstrap: 'nowhere.kafka.test:9092',
      brokers: directory([]),
      state,
      resolve: failing('ENOTFOUND'),
    });
    expect(next.state()).toEqual(state);
    expect((await next.targets()).map((t) => [t.role, t.endpoint.endpoint])).toEqual([
      ['bootstrap', 'nowhere.kafka.test:9092'],
      ['broker', 'broker-3.kafka.test:9092'],
    ]);
    await next.close();
  });

  it('refuses a malformed bootstrap list when it is built', () => {
    expect(() => new ReachabilityProber({ bootstrap: 'broker-1.kafka.test' })).toThrow(
      /is not host:port/,
    );
  });
});
