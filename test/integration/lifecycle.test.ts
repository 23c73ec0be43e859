/**
 * Operations on the shared integration cluster that must leave it as they found it:
 * a refused roll, a second operation while one holds the lock, and a broker killed
 * (SIGKILL) and started again.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';

import { describe, expect, it } from 'vitest';

import { ClusterError, InputError } from '../../functions/core/errors.js';
import { altAddress } from '../../rehearsal/addresses.js';
import {
  killBroker,
  readLock,
  restartBroker,
  roll,
  status,
  stop,
  type Log,
} from '../../rehearsal/index.js';
import { isRunning } from '../../rehearsal/process.js';
import { brokerMarker, readState } from '../../rehearsal/state.js';
import { waitFor } from '../../functions/core/wait.js';
import { testCluster } from '../support/cluster.js';
import { createTopic, kafkaFor, randomTopic, roundTrip, trackClients } from '../support/kafka.js';

const cluster = testCluster();
const track = trackClients();
const statePath = cluster.statePath;

/** Every broker and dnsmasq of the state file runs, and every broker is up. */
async function everythingRuns(): Promise<void> {
  const state = readState(statePath!)!;
  expect(state.brokers.map((b) => [b.id, isRunning(b.pid, brokerMarker(b))])).toEqual(
    state.brokers.map((b) => [b.id, true]),
  );
  expect((await status(statePath!)).brokers.map((b) => b.up)).toEqual(
    state.brokers.map(() => true),
  );
}

function recordingLog(lines: string[]): Log {
  return (message) => lines.push(`${Date.now()} ${message}`);
}

describe.skipIf(statePath === null)('operations on a running cluster (own state file)', () => {
  it('roll --readdress whose new address is taken is refused: the cluster keeps serving and its state file is unchanged', async () => {
    const before = readFileSync(statePath!, 'utf8');
    const broker = readState(statePath!)!.brokers.find((b) => b.id === 2)!;
    const target = broker.address === broker.homeAddress ? altAddress(2) : broker.homeAddress;
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(broker.clientPort, target, resolve));
    try {
      const error = await roll({ statePath: statePath!, readdress: true, brokerIds: [2] }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ClusterError);
      expect((error as Error).message).toMatch(
        new RegExp(
          `^roll refused: TCP port ${broker.clientPort} on ${target.replaceAll('.', '\\.')} \\(broker 2 new client listener\\) is already in use[\\s\\S]*Nothing was stopped for it: the cluster runs as before and its state file .* is in place\\.`,
        ),
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    expect(readFileSync(statePath!, 'utf8')).toBe(before);
    await everythingRuns();
    await roundTrip(kafkaFor(cluster), track, 10);
  });

  it('a roll naming a broker the cluster does not have is refused before anything stops', async () => {
    const before = readFileSync(statePath!, 'utf8');
    const attempt = roll({ statePath: statePath!, brokerIds: [1, 7] });
    await expect(attempt).rejects.toBeInstanceOf(InputError);
    await expect(attempt).rejects.toThrow(/^--broker 7: this cluster has brokers 1, 2, 3\./);
    expect(readFileSync(statePath!, 'utf8')).toBe(before);
    await everythingRuns();
  });

  it('while a roll holds the lock, stop is refused naming the roll, and a second roll waits its turn', async () => {
    const first: string[] = [];
    const second: string[] = [];
    const rolling = roll({ statePath: statePath!, brokerIds: [3], log: recordingLog(first) });
    await waitFor(async () => readLock(statePath!)?.operation === 'roll', {
      what: 'the roll to take the lock',
      timeoutMs: 10_000,
      intervalMs: 250,
      retryErrors: true,
    });

    const refused = await stop(statePath!, { lockWaitMs: 500 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ClusterError);
    expect((refused as Error).message).toMatch(
      new RegExp(
        `another operation holds the local cluster of .*: 'roll' \\(pid ${process.pid}, this process\\) since .*Nothing was done`,
      ),
    );

    const waiting = roll({
      statePath: statePath!,
      brokerIds: [3],
      lockWaitMs: 180_000,
      log: recordingLog(second),
    });
    await rolling;
    const firstDone = Date.now();
    await waiting;
    expect(second[0]).toMatch(
      new RegExp(`waiting for 'roll' \\(pid ${process.pid}, this process\\)`),
    );
    const secondBegan = Number(second.find((l) => l.includes('rolling restart'))!.split(' ')[0]);
    expect(secondBegan).toBeGreaterThanOrEqual(firstDone - 50);
    expect(readLock(statePath!)).toBeNull();
    await everythingRuns();
  });

  it('killBroker ends a broker with SIGKILL and records it; a roll is then refused; restartBroker brings it back into every ISR', async () => {
    const kafka = kafkaFor(cluster);
    const admin = track(kafka.admin());
    await admin.connect();
    const topic = randomTopic('kuv-it-kill');
    await createTopic(admin, topic, 3);
    const producer = track(kafka.producer({ allowAutoTopicCreation: false }));
    await producer.connect();

    const victim = readState(statePath!)!.brokers.find((b) => b.id === 2)!;
    const killed = await killBroker(statePath!, 2);
    expect(killed.brokers.find((b) => b.id === 2)!.up).toBe(false);
    expect(isRunning(victim.pid, brokerMarker(victim))).toBe(false);
    expect(readState(statePath!)!.brokers.find((b) => b.id === 2)!.pid).toBeNull();

    // Two of three replicas remain: min.insync.replicas=2 still accepts acks=all.
    await producer.send({ topic, acks: -1, messages: [{ value: 'during' }] });

    const before = readFileSync(statePath!, 'utf8');
    const refused = roll({ statePath: statePath! });
    await expect(refused).rejects.toBeInstanceOf(ClusterError);
    await expect(refused).rejects.toThrow(/^broker\(s\) 2 are not running.*nothing was restarted/);
    expect(readFileSync(statePath!, 'utf8')).toBe(before);

    const killedAgain = killBroker(statePath!, 2);
    await expect(killedAgain).rejects.toThrow(/^broker 2 is not running .*nothing was killed/);

    const back = await restartBroker(statePath!, 2);
    expect(back.brokers.every((b) => b.up)).toBe(true);
    const revived = readState(statePath!)!.brokers.find((b) => b.id === 2)!;
    expect(revived.pid).not.toBe(victim.pid);
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    for (const p of topics[0]!.partitions) {
      expect([...p.isr].sort()).toEqual([...p.replicas].sort());
    }
    await expect(restartBroker(statePath!, 2)).rejects.toThrow(/^broker 2 already runs/);
    await everythingRuns();
    await roundTrip(kafka, track, 10);
  });
});
