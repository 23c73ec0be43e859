import { describe, expect, it } from 'vitest';

import {
  type ClusterSnapshot,
  type PartitionInfo,
  compareSnapshots,
  normalizeSnapshot,
} from '../../../functions/core/probe/snapshot.js';

const broker = (id: number, host = `broker-${id}.kafka.test`) => ({ id, host, port: 9092 });
const p = (
  partition: number,
  leader: number,
  replicas: number[],
  isr: number[],
): PartitionInfo => ({
  partition,
  leader,
  replicas,
  isr,
});

const before: ClusterSnapshot = {
  brokers: [broker(1), broker(2), broker(3)],
  topics: [
    { topic: 'canary', partitions: [p(0, 1, [1, 2, 3], [1, 2, 3]), p(1, 2, [2, 3, 1], [2, 3, 1])] },
    { topic: 'orders', partitions: [p(0, 3, [3, 1, 2], [3, 1, 2])] },
  ],
};

describe('compareSnapshots', () => {
  it('finds nothing between two equal snapshots', () => {
    expect(compareSnapshots(before, structuredClone(before))).toEqual({
      down: [],
      up: [],
      changedTopics: [],
    });
  });

  it('reports a broker missing from the list as down, with the endpoint it had', () => {
    const after = { ...before, brokers: [broker(1), broker(3)] };
    expect(compareSnapshots(before, after)).toMatchObject({ down: [broker(2)], up: [] });
  });

  it('reports a broker new to the list as up, with the endpoint it advertises now', () => {
    const down = { ...before, brokers: [broker(1), broker(3)] };
    const back = { ...before, brokers: [broker(1), broker(2, 'b-2.moved.test'), broker(3)] };
    expect(compareSnapshots(down, back)).toMatchObject({
      down: [],
      up: [broker(2, 'b-2.moved.test')],
    });
  });

  it('flags a topic whose leader moved, and only that topic', () => {
    const after = structuredClone(before);
    after.topics[0]!.partitions[1] = p(1, 3, [2, 3, 1], [2, 3, 1]);
    expect(compareSnapshots(before, after).changedTopics).toEqual(['canary']);
  });

  it('flags a shrunk ISR but not the same ISR listed in another order', () => {
    const shrunk = structuredClone(before);
    shrunk.topics[1]!.partitions[0] = p(0, 3, [3, 1, 2], [3, 1]);
    expect(compareSnapshots(before, shrunk).changedTopics).toEqual(['orders']);
    const reordered = structuredClone(before);
    reordered.topics[1]!.partitions[0] = p(0, 3, [3, 1, 2], [2, 3, 1]);
    expect(compareSnapshots(before, reordered).changedTopics).toEqual([]);
  });

  it('flags a topic that appeared, not one that disappeared', () => {
    const after = structuredClone(before);
    after.topics.splice(1, 1);
    after.topics.push({ topic: 'new', partitions: [p(0, -1, [1], [])] });
    expect(compareSnapshots(before, after).changedTopics).toEqual(['new']);
  });
});

describe('normalizeSnapshot', () => {
  it('sorts brokers by id, topics by name and partitions by number, keeping replica order', () => {
    const messy: ClusterSnapshot = {
      brokers: [broker(3), broker(1)],
      topics: [
        { topic: 'b', partitions: [p(1, 2, [2, 1], [1, 2]), p(0, 1, [1, 2], [2, 1])] },
        { topic: 'a', partitions: [] },
      ],
    };
    const n = normalizeSnapshot(messy);
    expect(n.brokers.map((b) => b.id)).toEqual([1, 3]);
    expect(n.topics.map((t) => t.topic)).toEqual(['a', 'b']);
    expect(n.topics[1]!.partitions).toEqual([p(0, 1, [1, 2], [2, 1]), p(1, 2, [2, 1], [1, 2])]);
  });
});
