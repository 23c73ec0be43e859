/**
 * The verifying reader's clean-up over a scripted kafkajs (no network): the read-back
 * group it made is deleted, and when that fails the run says so and how to clean up,
 * instead of leaving groups to pile up unseen.
 */
import type { Admin, Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';

import { encodePayload } from '../../../functions/core/canary/payload.js';
import { readBack } from '../../../functions/core/canary/reader.js';
import type { SliceState } from '../../../functions/core/canary/state.js';
import { sampleState } from './fixtures.js';

/** A topic of one partition holding one record of the run at offset 0, end offset 1. */
function scripted(state: SliceState, deleteGroups: () => Promise<void>) {
  const deleted: string[][] = [];
  const admin = {
    fetchTopicOffsets: async () => [{ partition: 0, high: '1', low: '0', offset: '1' }],
    deleteGroups: async (groups: string[]) => {
      deleted.push(groups);
      await deleteGroups();
    },
  } as unknown as Admin;
  const value = Buffer.from(
    encodePayload({
      runId: state.runId,
      producer: state.producer,
      seq: 0,
      sentAt: 1_700_000_000_000,
    }),
  );
  const consumer = {
    events: { GROUP_JOIN: 'consumer.group_join' },
    on: () => undefined,
    seek: () => undefined,
    connect: async () => undefined,
    subscribe: async () => undefined,
    disconnect: async () => undefined,
    run: async (config: { eachBatch: (p: unknown) => Promise<void> }) => {
      await config.eachBatch({
        batch: {
          partition: 0,
          messages: [{ offset: '0', value, timestamp: '1700000000000' }],
          lastOffset: () => '0',
        },
      });
    },
  };
  const kafka = { consumer: () => consumer } as unknown as Kafka;
  return { kafka, admin, deleted };
}

describe('readBack', () => {
  it('deletes its read-back group once the partitions are read', async () => {
    const state = { ...sampleState(), partitions: 1, firstOffsets: [0] };
    const { kafka, admin, deleted } = scripted(state, async () => undefined);
    const notes: string[] = [];
    const result = await readBack(
      kafka,
      admin,
      state,
      () => undefined,
      5000,
      undefined,
      (m) => notes.push(m),
    );
    expect(result).toEqual({ logged: 1, endOffsets: [1] });
    expect(deleted).toHaveLength(1);
    expect(deleted[0]![0]).toMatch(new RegExp(`^${state.topic}-reader-${state.runId}-`));
    expect(notes).toEqual([]);
  });

  it('says which group was left behind, why, and how to delete it when deleteGroups fails', async () => {
    const state = { ...sampleState(), partitions: 1, firstOffsets: [0] };
    const { kafka, admin, deleted } = scripted(state, async () => {
      throw Object.assign(new Error('Not authorized to access group'), {
        name: 'KafkaJSProtocolError',
      });
    });
    const notes: string[] = [];
    const result = await readBack(
      kafka,
      admin,
      state,
      () => undefined,
      5000,
      undefined,
      (m) => notes.push(m),
    );
    expect(result.logged).toBe(1);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain(`read-back group ${deleted[0]![0]} was not deleted`);
    expect(notes[0]).toContain('KafkaJSProtocolError: Not authorized to access group');
    expect(notes[0]).toContain(`--delete --group ${deleted[0]![0]}`);
  });
});
