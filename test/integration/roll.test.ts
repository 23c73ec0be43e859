/**
 * Rolling restarts of the shared integration cluster: with traffic flowing, and with
 * a broker moving to a new address behind its unchanged DNS name.
 */
import { describe, expect, it, vi } from 'vitest';

import { localClusterCommand } from '../../bin/commands/local-cluster.js';
import { createBoundResolver } from '../../functions/core/kafka/dns.js';
import { roll, status } from '../../rehearsal/index.js';
import { stderrLog } from '../../rehearsal/log.js';
import { tcpReachable } from '../../rehearsal/process.js';
import { readState } from '../../rehearsal/state.js';
import {
  consumeCount,
  createTopic,
  kafkaFor,
  randomGroup,
  randomTopic,
  roundTrip,
  testCluster,
  trackClients,
} from './helpers.js';

const cluster = testCluster();
const track = trackClients();
const statePath = cluster.statePath;

describe.skipIf(statePath === null)('local-cluster roll', () => {
  it('restarts every broker, one at a time, while a producer keeps sending; no acknowledged message is lost', async () => {
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
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    await new Promise((r) => setTimeout(r, 1000));
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
    // Back in every ISR, on the preferred leaders.
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    for (const p of topics[0]!.partitions) {
      expect(p.isr.sort()).toEqual([...p.replicas].sort());
    }
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

  it('roll --readdress brings a broker back on a new address and its DNS record follows', async () => {
    const resolver = createBoundResolver(cluster.dnsServer!);
    const state = readState(statePath!)!;
    const broker = state.brokers.find((b) => b.id === 2)!;
    const [old] = await resolver.resolve(broker.name);
    expect(old!.address).toBe(broker.address);

    // A producer connected before the move must find the broker again by name.
    const kafka = kafkaFor(cluster);
    const producer = track(kafka.producer());
    await producer.connect();

    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    });
    let code: number;
    try {
      code = await localClusterCommand.run([
        'roll',
        '--readdress',
        '--broker',
        '2',
        '--json',
        '--state',
        statePath!,
      ]);
    } finally {
      spy.mockRestore();
    }
    expect(code).toBe(0);
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

    const topic = randomTopic('kuv-it-readdress');
    const admin = track(kafka.admin());
    await admin.connect();
    await createTopic(admin, topic, 3);
    await producer.send({
      topic,
      acks: -1,
      messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }],
    });
    expect((await consumeCount(kafka, topic, 3)).length).toBe(3);
    await roundTrip(kafka, track, 10);
  });
});
