/**
 * The local cluster reached the way the project's clients reach a real one: by the
 * brokers' DNS names, resolved through the cluster's DNS server.
 */
import net from 'node:net';

import { describe, expect, it } from 'vitest';

import { createKafka, lookupVia } from '../../functions/core/kafka/client.js';
import type { ClusterStatus } from '../../rehearsal/cluster.js';
import { createBoundResolver, DnsLookupError } from '../../functions/core/kafka/dns.js';
import { cliInProcess } from '../support/cli.js';
import { testCluster } from '../support/cluster.js';
import { createTopic, kafkaFor, randomTopic, roundTrip, trackClients } from '../support/kafka.js';

const cluster = testCluster();
const track = trackClients();

describe(`local cluster (Kafka ${cluster.version})`, () => {
  it('produces, consumes with a group and answers admin calls through the DNS names', async () => {
    const kafka = kafkaFor(cluster);
    const topic = await roundTrip(kafka, track);

    const admin = track(kafka.admin());
    await admin.connect();
    const { brokers } = await admin.describeCluster();
    expect(brokers.map((b) => b.host).sort()).toEqual(
      cluster.bootstrap
        .split(',')
        .map((b) => b.split(':')[0])
        .sort(),
    );
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    for (const p of topics[0]!.partitions) {
      expect(p.replicas).toHaveLength(Math.min(3, brokers.length));
      expect(p.isr).toHaveLength(p.replicas.length);
    }
    const configs = await admin.describeConfigs({
      resources: [{ type: 2 /* TOPIC */, name: topic, configNames: ['min.insync.replicas'] }],
      includeSynonyms: false,
    });
    expect(configs.resources[0]!.configEntries[0]!.configValue).toBe(
      brokers.length >= 2 ? '2' : '1',
    );
    await admin.deleteTopics({ topics: [topic] });
  });

  it.skipIf(cluster.dnsServer === null)(
    'resolves every broker name through the DNS server, and connects to that address (skipped: no KUV_DNS_SERVER)',
    async () => {
      const resolver = createBoundResolver(cluster.dnsServer!);
      for (const entry of cluster.bootstrap.split(',')) {
        const [name, port] = entry.split(':') as [string, string];
        const addresses = await resolver.resolve(name);
        expect(addresses).toHaveLength(1);
        expect(addresses[0]!.address).toMatch(/^127\.\d+\.\d+\.\d+$/);
        // Node 20's net.connect asks lookup for all addresses; the socket lands on the resolved one.
        const socket = net.connect({
          host: name,
          port: Number(port),
          lookup: lookupVia(resolver) as never,
        });
        try {
          await new Promise<void>((resolve, reject) => {
            socket.once('connect', () => resolve());
            socket.once('error', reject);
          });
          expect(socket.remoteAddress).toBe(addresses[0]!.address);
        } finally {
          socket.destroy();
        }
      }
      await expect(resolver.resolve('no-such-broker.kafka.test')).rejects.toBeInstanceOf(
        DnsLookupError,
      );

      // Both lookup callback forms.
      const lookup = lookupVia(resolver);
      const name = cluster.bootstrap.split(':')[0]!;
      const single = await new Promise<unknown[]>((resolve) =>
        lookup(name, {}, (...args) => resolve(args)),
      );
      expect(single[0]).toBeNull();
      expect(typeof single[1]).toBe('string');
      const all = await new Promise<unknown[]>((resolve) =>
        lookup(name, { all: true }, (...args) => resolve(args)),
      );
      expect(all[1]).toEqual([{ address: single[1], family: 4 }]);
    },
  );

  it.skipIf(cluster.dnsServer === null)(
    'cannot reach the brokers without the DNS server: the names are not in the system resolver (skipped: no KUV_DNS_SERVER)',
    async () => {
      const admin = track(
        createKafka({
          bootstrap: cluster.bootstrap,
          config: { retry: { retries: 0 }, connectionTimeout: 1000 },
        }).admin(),
      );
      await expect(admin.connect()).rejects.toThrow(
        /getaddrinfo (ENOTFOUND|EAI_AGAIN) broker-\d\.kafka\.test/,
      );
    },
  );

  it.skipIf(cluster.statePath === null)(
    'status --json prints the documented object (skipped: external cluster, no state file)',
    async () => {
      const {
        code,
        stdout: out,
        stderr,
      } = await cliInProcess('local-cluster', ['status', '--json', '--state', cluster.statePath!]);
      expect(code, stderr).toBe(0);
      const status = JSON.parse(out) as ClusterStatus;
      expect(status.bootstrap).toBe(cluster.bootstrap);
      expect(status.dnsServer).toBe(cluster.dnsServer);
      expect(status.brokers).toHaveLength(3);
      status.brokers.forEach((b, i) => {
        expect(b).toMatchObject({
          id: i + 1,
          name: `broker-${i + 1}.kafka.test`,
          version: cluster.version,
          up: true,
        });
        expect(b.address).toMatch(/^127\./);
      });
    },
  );

  it('auto-created topics get the cluster defaults (replication 3)', async () => {
    const kafka = kafkaFor(cluster);
    const topic = randomTopic();
    const admin = track(kafka.admin());
    await admin.connect();
    await createTopic(admin, topic, 1);
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(topics[0]!.partitions[0]!.replicas).toHaveLength(3);
  });
});
