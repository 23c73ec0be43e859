import { describe, expect, it } from 'vitest';

import { altAddress, homeAddress } from '../../../rehearsal/addresses.js';
import { hostsFile, serverProperties } from '../../../rehearsal/config.js';
import type { BrokerState, ClusterState } from '../../../rehearsal/state.js';

function cluster(count: number, extra: Partial<ClusterState> = {}): ClusterState {
  return {
    format: 1,
    clusterId: 'abc',
    dataDir: '/tmp/kuv-kafka-x',
    domain: 'kafka.test',
    startedAt: '2026-01-01T00:00:00Z',
    dns: { address: '127.0.0.1', port: 15353, pid: null, hostsFile: '/tmp/kuv-kafka-x/hosts' },
    brokers: Array.from({ length: count }, (_, i): BrokerState => ({
      id: i + 1,
      name: `broker-${i + 1}.kafka.test`,
      homeAddress: homeAddress(i + 1),
      address: homeAddress(i + 1),
      clientPort: 19092,
      controllerPort: 19093,
      internalPort: 19094,
      version: '4.4.0',
      pid: null,
      dir: `/tmp/kuv-kafka-x/node-${i + 1}`,
    })),
    ...extra,
  };
}

/** server.properties as a map, failing on a key written twice. */
function props(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.indexOf('=');
    const key = line.slice(0, at);
    expect(map.has(key), `${key} written twice`).toBe(false);
    map.set(key, line.slice(at + 1));
  }
  return map;
}

describe('serverProperties', () => {
  it('gives broker 2 of 3 its listeners on its address, its DNS name to clients, and a static quorum', () => {
    const c = cluster(3);
    const p = props(serverProperties(c, c.brokers[1]!));
    expect(p.get('node.id')).toBe('2');
    expect(p.get('process.roles')).toBe('broker,controller');
    expect(p.get('controller.quorum.voters')).toBe(
      '1@127.0.0.1:19093,2@127.0.0.2:19093,3@127.0.0.3:19093',
    );
    expect(p.get('listeners')).toBe(
      'CLIENT://127.0.0.2:19092,INTERNAL://127.0.0.2:19094,CONTROLLER://127.0.0.2:19093',
    );
    expect(p.get('advertised.listeners')).toBe(
      'CLIENT://broker-2.kafka.test:19092,INTERNAL://127.0.0.2:19094',
    );
    expect(p.get('log.dirs')).toBe('/tmp/kuv-kafka-x/node-2/data');
    expect(p.get('default.replication.factor')).toBe('3');
    expect(p.get('min.insync.replicas')).toBe('2');
    expect(p.get('offsets.topic.replication.factor')).toBe('3');
  });

  it('caps replication and min.insync.replicas at the number of brokers', () => {
    const c = cluster(1);
    const p = props(serverProperties(c, c.brokers[0]!));
    expect(p.get('default.replication.factor')).toBe('1');
    expect(p.get('min.insync.replicas')).toBe('1');
    expect(p.get('transaction.state.log.min.isr')).toBe('1');
  });

  it('moves client and internal listeners of a readdressed broker, not its controller listener', () => {
    const c = cluster(3);
    const b = c.brokers[1]!;
    b.address = altAddress(2);
    const p = props(serverProperties(c, b));
    expect(p.get('listeners')).toBe(
      'CLIENT://127.0.0.12:19092,INTERNAL://127.0.0.12:19094,CONTROLLER://127.0.0.2:19093',
    );
    expect(p.get('advertised.listeners')).toBe(
      'CLIENT://broker-2.kafka.test:19092,INTERNAL://127.0.0.12:19094',
    );
  });

  it('turns automatic leader rebalancing off only when the cluster was started so', () => {
    const on = cluster(3);
    expect(props(serverProperties(on, on.brokers[0]!)).get('auto.leader.rebalance.enable')).toBe(
      'true',
    );
    const off = cluster(3, { autoLeaderRebalance: false });
    expect(props(serverProperties(off, off.brokers[0]!)).get('auto.leader.rebalance.enable')).toBe(
      'false',
    );
  });

  it('checks leader imbalance every 10 s unless the cluster was started with another interval', () => {
    const interval = (c: ClusterState) =>
      props(serverProperties(c, c.brokers[0]!)).get('leader.imbalance.check.interval.seconds');
    expect(interval(cluster(3))).toBe('10');
    expect(interval(cluster(3, { leaderImbalanceCheckSeconds: 30 }))).toBe('30');
  });
});

describe('hostsFile', () => {
  it('maps each broker name to its current address', () => {
    const c = cluster(2);
    c.brokers[1]!.address = altAddress(2);
    expect(hostsFile(c)).toBe('127.0.0.1 broker-1.kafka.test\n127.0.0.12 broker-2.kafka.test\n');
  });
});
