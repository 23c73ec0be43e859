/**
 * The Sarama producer (clients/sarama/producer.go, `kuv-sarama -role produce`) against
 * the shared test cluster, at both profiles: the producer protocol, its effective
 * settings (sarama.NewConfig() as shipped: not idempotent, acks from the leader), and
 * every acked record in the topic at its offset with exactly the protocol's payload.
 */

import { describe, expect, it } from 'vitest';

import { saramaProducerDriver } from '../../clients/libraries.js';
import { testCluster } from '../support/cluster.js';
import { trackClients } from '../support/kafka.js';
import {
  expectAckedInTopic,
  expectProducerRun,
  readProducerLines,
  producerChildren,
  runProducerOnFreshTopic,
} from '../support/producer-protocol.js';

const cluster = testCluster();
const track = trackClients();
const PARTITIONS = 3;
const INTERVAL_MS = 100;
const children = producerChildren();

const EXPECTED = {
  defaults: {
    'Producer.Idempotent': 'false',
    'Producer.RequiredAcks': 'WaitForLocal (1)',
    'Net.MaxOpenRequests': '5',
    'Producer.Retry.Max': '3',
    'Metadata.RefreshFrequency': '10m0s',
  },
  careful: {
    'Producer.Idempotent': 'true',
    'Producer.RequiredAcks': 'WaitForAll (-1)',
    'Net.MaxOpenRequests': '1',
    Version: '3.9.0',
  },
};

describe.each(['defaults', 'careful'] as const)('the Sarama producer at %s', (profile) => {
  it('follows the producer protocol, and every acked record is in the topic at its offset', async () => {
    const run = await runProducerOnFreshTopic(
      cluster,
      saramaProducerDriver(),
      {
        profile,
        producer: 'kuv-sarama',
        partitions: PARTITIONS,
        intervalMs: INTERVAL_MS,
        runMs: 6_000,
      },
      track,
      children,
    );
    expect(run.library).toMatch(/^sarama \d+\.\d+/);
    const p = readProducerLines(run.lines);
    expect(p.errors).toEqual([]);
    expect(p.settingsLine).toBe(0);
    expect(p.settings).toMatchObject({ ...EXPECTED[profile], partitions: String(PARTITIONS) });
    const { acked, failed } = expectProducerRun(p, run.lines, {
      partitions: PARTITIONS,
      intervalMs: INTERVAL_MS,
    });
    expect(p.sent.length).toBeGreaterThanOrEqual(PARTITIONS * 10);
    process.stderr.write(
      `sarama producer ${profile}: sent ${p.sent.length}, acked ${acked.length}, failed ${failed}\n`,
    );
    await expectAckedInTopic(
      run.kafka,
      run.admin,
      run.topic,
      { runId: run.runId, producer: 'kuv-sarama' },
      acked,
    );
  }, 120_000);
});
