/**
 * `preflight` on the shared local cluster: topics made to break each readiness rule,
 * and a consumer group on the eager `range` assignor, are each named with the right
 * severity; a selection of clean topics is ready (exit 0).
 */
import {
  AssignerProtocol,
  type Assigner,
  type Consumer,
  type PartitionAssigner,
  type ITopicConfig,
} from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { preflightCommand } from '../../bin/commands/preflight.js';
import { MetadataUnavailableError } from '../../functions/core/probe/metadata.js';
import type { ReadinessReport } from '../../functions/core/readiness/index.js';
import { waitFor } from '../../functions/core/wait.js';
import { testCluster } from '../support/cluster.js';
import { kafkaFor, randomGroup, randomTopic, waitForInSync } from '../support/kafka.js';

const cluster = testCluster();
const connection = [
  '--bootstrap',
  cluster.bootstrap,
  ...(cluster.dnsServer === null ? [] : ['--dns-server', cluster.dnsServer]),
];

/** The Java client's RangeAssignor, by its protocol name: each member a contiguous range per topic. */
const rangeAssigner: PartitionAssigner = ({ cluster: metadata }): Assigner => ({
  name: 'range',
  version: 0,
  async assign({ members, topics }) {
    const ids = members.map((m) => m.memberId).sort();
    const assignment = new Map<string, Record<string, number[]>>(ids.map((id) => [id, {}]));
    for (const topic of topics) {
      const partitions = metadata
        .findTopicPartitionMetadata(topic)
        .map((p) => p.partitionId)
        .sort((a, b) => a - b);
      const share = Math.ceil(partitions.length / ids.length);
      ids.forEach((id, i) => {
        assignment.get(id)![topic] = partitions.slice(i * share, (i + 1) * share);
      });
    }
    return ids.map((memberId) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({
        version: 0,
        assignment: assignment.get(memberId)!,
        userData: Buffer.alloc(0),
      }),
    }));
  },
  protocol({ topics }) {
    return {
      name: 'range',
      metadata: AssignerProtocol.MemberMetadata.encode({
        version: 0,
        topics,
        userData: Buffer.alloc(0),
      }),
    };
  },
});

/** Runs the command as the CLI does; returns its exit status and what it printed. */
async function preflight(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  try {
    const code = await preflightCommand.run(args);
    return { code, out };
  } finally {
    spy.mockRestore();
  }
}

const topics = {
  rf1: randomTopic('kuv-it-ready-rf1'),
  strict: randomTopic('kuv-it-ready-strict'),
  unclean: randomTopic('kuv-it-ready-unclean'),
  loose: randomTopic('kuv-it-ready-loose'),
  clean: randomTopic('kuv-it-ready-clean'),
  clean2: randomTopic('kuv-it-ready-clean2'),
};
const group = randomGroup('kuv-it-ready-range');

describe('preflight on the local cluster', () => {
  const admin = kafkaFor(cluster).admin();
  let consumer: Consumer;

  beforeAll(async () => {
    await admin.connect();
    const make = (
      topic: string,
      replicationFactor: number,
      config: Record<string, string>,
    ): ITopicConfig => ({
      topic,
      numPartitions: 3,
      replicationFactor,
      configEntries: Object.entries(config).map(([name, value]) => ({ name, value })),
    });
    await admin.createTopics({
      waitForLeaders: true,
      timeout: 30_000,
      topics: [
        make(topics.rf1, 1, {}),
        make(topics.strict, 3, { 'min.insync.replicas': '3' }),
        make(topics.unclean, 3, {
          'min.insync.replicas': '2',
          'unclean.leader.election.enable': 'true',
        }),
        make(topics.loose, 3, { 'min.insync.replicas': '1' }),
        make(topics.clean, 3, { 'min.insync.replicas': '2' }),
        make(topics.clean2, 3, { 'min.insync.replicas': '2' }),
      ],
    });
    // Every partition led and fully in sync before judging: a new topic's ISR fills in.
    await waitForInSync(admin, Object.values(topics), 'the test topics');
    // Not tracked (trackClients disconnects after each test): it stays a member until afterAll.
    consumer = kafkaFor(cluster).consumer({ groupId: group, partitionAssigners: [rangeAssigner] });
    await consumer.connect();
    await consumer.subscribe({ topics: [topics.clean] });
    await consumer.run({ eachMessage: async () => {} });
    await waitFor(
      async () => {
        const { groups } = await admin.describeGroups([group]);
        return groups[0]?.state === 'Stable' && groups[0].protocol === 'range';
      },
      {
        what: `group ${group} Stable on the range assignor`,
        timeoutMs: 30_000,
        intervalMs: 250,
        retryErrors: true,
      },
    );
  }, 120_000);

  afterAll(async () => {
    try {
      await consumer?.disconnect().catch(() => {});
      await admin.deleteGroups([group]).catch(() => {});
      await admin.deleteTopics({ topics: Object.values(topics), timeout: 30_000 });
    } finally {
      await admin.disconnect();
    }
  });

  it('names every broken topic and the range group with its severity, and exits 1', async () => {
    const { code, out } = await preflight([
      ...connection,
      '--topics',
      [topics.rf1, topics.strict, topics.unclean, topics.loose, topics.clean].join(','),
      '--format',
      'json',
    ]);
    const report = JSON.parse(out) as ReadinessReport;
    const of = (
      rule: string,
      subject: (s: ReadinessReport['findings'][number]['subject']) => boolean,
    ) =>
      report.findings.filter((f) => f.rule === rule && subject(f.subject)).map((f) => f.severity);
    expect(of('replication-factor-1', (s) => s.topic === topics.rf1)).toEqual(['block']);
    expect(of('min-isr-at-least-rf', (s) => s.topic === topics.strict)).toEqual(['block']);
    expect(of('unclean-leader-election', (s) => s.topic === topics.unclean)).toEqual(['block']);
    expect(of('min-isr-1', (s) => s.topic === topics.loose)).toEqual(['warn']);
    expect(of('eager-assignor', (s) => s.group === group)).toEqual(['warn']);
    // Kafka 4 brokers serve the KIP-848 consumer protocol (ApiVersions key 68) by default.
    const major = Number(cluster.version.split('.')[0]);
    expect(of('classic-group-protocol', (s) => s.group === group)).toEqual(
      major >= 4 ? ['info'] : [],
    );
    // The clean topic is named by no topic rule.
    expect(report.findings.filter((f) => f.subject.topic === topics.clean)).toEqual([]);
    expect(report.verdict).toBe('not-ready');
    expect(report.checked.topics).toBe(5);
    expect(code).toBe(1);
  });

  it('says what to change in the text output', async () => {
    const { code, out } = await preflight([...connection, '--topics', topics.rf1]);
    process.stderr.write(`preflight text output on the local cluster:\n${out}`);
    expect(out.split('\n')[0]).toMatch(/^READINESS NOT READY: 1 finding\(s\) block the upgrade/);
    expect(out).toContain(
      `BLOCK replication-factor-1  topic ${topics.rf1}\n      measured: replication factor 1 on 3 partition(s)\n      change:   `,
    );
    expect(code).toBe(1);
  });

  it('is ready (exit 0) on a selection of clean topics', async () => {
    const { code, out } = await preflight([
      ...connection,
      '--topics',
      `${topics.clean},${topics.clean2}`,
      '--format',
      'json',
    ]);
    const report = JSON.parse(out) as ReadinessReport;
    expect(report.findings.filter((f) => f.severity === 'block')).toEqual([]);
    expect(report.verdict).toBe('ready');
    expect(code).toBe(0);
  });

  it('rejects a topic the cluster does not have, naming it', async () => {
    const missing = randomTopic('kuv-it-ready-missing');
    await expect(preflight([...connection, '--topics', missing])).rejects.toThrow(
      new RegExp(`--topics names ${missing}, which the cluster`),
    );
  });

  it('cannot check (a VerifierError, exit 4) when nothing answers at the bootstrap', async () => {
    // A loopback port nothing listens on: the metadata fetch fails, nothing is judged.
    const failure = preflight(['--bootstrap', '127.0.0.1:1', '--topics', topics.clean]);
    await expect(failure).rejects.toBeInstanceOf(MetadataUnavailableError);
    await expect(failure).rejects.toThrow(/cluster metadata from 127\.0\.0\.1:1 unavailable/);
  });
});
