/**
 * Rolling restarts of the shared integration cluster: with traffic flowing, and with
 * a broker moving to a new address behind its unchanged DNS name.
 */
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';

import { dnsSocketFactory, parseBootstrap } from '../../functions/core/kafka/client.js';
import { createBoundResolver } from '../../functions/core/kafka/dns.js';
import { roll, status } from '../../rehearsal/index.js';
import { stderrLog } from '../../rehearsal/log.js';
import { tcpReachable } from '../../rehearsal/process.js';
import { readState } from '../../rehearsal/state.js';
import { sleep, waitFor } from '../../functions/core/wait.js';
import { cliInProcess } from '../support/cli.js';
import { testCluster } from '../support/cluster.js';
import {
  consumeCount,
  createTopic,
  distinctValues,
  kafkaFor,
  randomGroup,
  randomTopic,
  roundTrip,
  trackClients,
} from '../support/kafka.js';

const cluster = testCluster();
const track = trackClients();
const statePath = cluster.statePath;

describe.skipIf(statePath === null)('local-cluster roll', () => {
  it('restarts every broker, one at a time, while a producer keeps sending: each comes back as a new process, in every ISR, leading its preferred partitions, and no acknowledged message is lost', async () => {
    const kafka = kafkaFor(cluster);
    const topic = randomTopic('kuv-it-roll');
    const admin = track(kafka.admin());
    await admin.connect();
    await createTopic(admin, topic, 6);
    const producer = track(kafka.producer({ allowAutoTopicCreation: false }));
    await producer.connect();

    const before = readState(statePath!)!;
    const acked: Array<{ value: string; at: number }> = [];
    const failures: string[] = [];
    let sending = true;
    const traffic = (async () => {
      for (let i = 0; sending; i++) {
        const value = `r-${i}`;
        try {
          await producer.send({ topic, acks: -1, messages: [{ key: `k-${i % 11}`, value }] });
          acked.push({ value, at: Date.now() });
        } catch (error) {
          failures.push(`${value}: ${(error as Error).message}`);
        }
        await sleep(20);
      }
    })();

    await sleep(1000);
    const rollStart = Date.now();
    let after;
    try {
      after = await roll({ statePath: statePath!, log: stderrLog });
    } finally {
      sending = false;
      await traffic;
    }
    const rollEnd = Date.now();
    stderrLog(
      `roll with traffic: ${((rollEnd - rollStart) / 1000).toFixed(1)} s, ${acked.length} acked, ${failures.length} failed sends${failures.length > 0 ? ` (first: ${failures[0]})` : ''}`,
    );

    // Every broker is back, as a new process.
    expect(after.brokers.every((b) => b.up)).toBe(true);
    const now = readState(statePath!)!;
    for (const b of now.brokers) {
      expect(b.pid).not.toBe(before.brokers.find((x) => x.id === b.id)!.pid);
    }
    // Traffic flowed during the roll, not only around it.
    expect(acked.filter((a) => a.at > rollStart && a.at < rollEnd).length).toBeGreaterThan(20);
    // Back in every ISR, and each partition led by its preferred (first) replica.
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    for (const p of topics[0]!.partitions) {
      expect([...p.isr].sort()).toEqual([...p.replicas].sort());
    }
    let leaders = '';
    await waitFor(
      async () => {
        const { topics: now } = await admin.fetchTopicMetadata({ topics: [topic] });
        leaders = JSON.stringify(
          now[0]!.partitions.map((p) => [p.partitionId, p.leader, p.replicas[0]]),
        );
        return now[0]!.partitions.every((p) => p.leader === p.replicas[0]);
      },
      {
        what: () =>
          `every partition of ${topic} led by its preferred replica ([partition, leader, preferred]: ${leaders})`,
        timeoutMs: 30_000,
        intervalMs: 250,
        retryErrors: true,
      },
    );
    expect(new Set(topics[0]!.partitions.map((p) => p.replicas[0])).size).toBe(3);
    // Nothing acknowledged is lost.
    const wanted = new Set(acked.map((a) => a.value));
    const consumed = await consumeCount(
      kafka,
      topic,
      wanted.size,
      90_000,
      randomGroup(),
      (received) => {
        const seen = new Set(received.map((r) => r.message.value?.toString()));
        return [...wanted].every((v) => seen.has(v));
      },
    );
    const seen = new Set(consumed.map((c) => c.message.value?.toString()));
    expect([...wanted].filter((v) => !seen.has(v))).toEqual([]);
  });

  it('roll --readdress brings a broker back on a new address, its DNS record follows, and a producer connected to it before the move reconnects to the new address', async () => {
    const resolver = createBoundResolver(cluster.dnsServer!);
    const state = readState(statePath!)!;
    const broker = state.brokers.find((b) => b.id === 2)!;
    const [old] = await resolver.resolve(broker.name);
    expect(old!.address).toBe(broker.address);

    // A client whose every connection is recorded: which name, which address it landed on.
    const connections: Array<{ host: string; remote: string | undefined; at: number }> = [];
    const dnsFactory = dnsSocketFactory(resolver);
    const kafka = new Kafka({
      clientId: `kuv-it-readdress-${randomGroup()}`,
      brokers: parseBootstrap(cluster.bootstrap),
      logLevel: logLevel.NOTHING,
      retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 3000 },
      connectionTimeout: 3000,
      socketFactory: (args) => {
        const socket = dnsFactory(args);
        socket.once('connect', () =>
          connections.push({ host: args.host, remote: socket.remoteAddress, at: Date.now() }),
        );
        return socket;
      },
    });
    const admin = track(kafka.admin());
    await admin.connect();
    const topic = randomTopic('kuv-it-readdress');
    await createTopic(admin, topic, 3);
    const ledBy2 = async () => {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      return topics[0]!.partitions.find((p) => p.leader === 2)?.partitionId;
    };
    let partition: number | undefined;
    await waitFor(async () => (partition = await ledBy2()) !== undefined, {
      what: 'a partition led by broker 2',
      timeoutMs: 30_000,
      intervalMs: 250,
      retryErrors: true,
    });

    // The producer sends to broker 2, so it holds a connection to it at the old address.
    const producer = track(kafka.producer({ allowAutoTopicCreation: false }));
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ value: 'before', partition }] });
    const moveStart = Date.now();
    expect(connections.filter((c) => c.host === broker.name).map((c) => c.remote)).toContain(
      old!.address,
    );

    const {
      code,
      stdout: out,
      stderr,
    } = await cliInProcess('local-cluster', [
      'roll',
      '--readdress',
      '--broker',
      '2',
      '--json',
      '--state',
      statePath!,
    ]);
    expect(code, stderr).toBe(0);
    const printed = JSON.parse(out) as {
      brokers: Array<{ id: number; address: string; up: boolean }>;
    };
    const moved = printed.brokers.find((b) => b.id === 2)!;
    expect(moved.up).toBe(true);
    expect(moved.address).not.toBe(old!.address);
    expect(moved.address).toMatch(/^127\.0\.0\.\d+$/);

    const [fresh] = await resolver.resolve(broker.name);
    expect(fresh!.address).toBe(moved.address);
    expect(await tcpReachable(moved.address, broker.clientPort)).toBe(true);
    expect(await tcpReachable(old!.address, broker.clientPort)).toBe(false);
    expect((await status(statePath!)).brokers.every((b) => b.up)).toBe(true);

    // Broker 2 leads its preferred partitions again; the same producer sends to it there.
    await waitFor(async () => (await ledBy2()) === partition, {
      what: `partition ${partition} led by broker 2 again`,
      timeoutMs: 30_000,
      intervalMs: 250,
      retryErrors: true,
    });
    await producer.send({ topic, acks: -1, messages: [{ value: 'after', partition }] });
    expect(
      connections.filter((c) => c.host === broker.name && c.at > moveStart).map((c) => c.remote),
    ).toContain(moved.address);
    const consumed = await consumeCount(kafkaFor(cluster), topic, 2);
    expect([...distinctValues(consumed)].sort()).toEqual(['after', 'before']);
    await roundTrip(kafkaFor(cluster), track, 10);
  });
});
