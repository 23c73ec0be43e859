/**
 * Consumer groups in other client libraries (docs/clients.md) against the shared
 * cluster, through the canary core: the client monitors in a short run's monitor list,
 * each library's group in the history, counts that add up against the log.
 */
import { afterAll, describe, expect, it } from 'vitest';

import { runCanary } from '../../functions/core/canary/run.js';
import { MemorySink } from '../../functions/core/canary/sink.js';
import {
  clientMonitors,
  clientTable,
  ClientMonitor,
  formatClientTable,
  parseClients,
  type ClientRow,
} from '../../clients/index.js';
import type { RunMonitor } from '../../functions/core/probe/monitor.js';
import { roll } from '../../rehearsal/roll.js';
import { stderrLog } from '../../rehearsal/log.js';
import { testCluster } from '../support/cluster.js';
import { kafkaFor, randomTopic, trackClients } from '../support/kafka.js';

const cluster = testCluster();
const track = trackClients();
const tables: string[] = [];
afterAll(() => {
  if (tables.length > 0) process.stderr.write(tables.join('\n'));
});

async function run(
  clients: string,
  monitors: (ms: RunMonitor[]) => RunMonitor[],
  durationMs: number,
) {
  const kafka = kafkaFor(cluster);
  const admin = track(kafka.admin());
  await admin.connect();
  const brokers = (await admin.describeCluster()).brokers.map((b) => b.nodeId);
  const runId = `r-it-${Date.now()}`;
  const topic = randomTopic('kuv-it-canary-clients');
  const group = randomTopic('kuv-it-group');
  const connection = {
    bootstrap: cluster.bootstrap,
    dnsServer: cluster.dnsServer ?? undefined,
  };
  const own = clientMonitors(parseClients(clients), connection, {
    topic,
    runId,
    canaryGroup: group,
  });
  const sink = new MemorySink();
  await runCanary(
    { kafka, sink, monitors: monitors(own) },
    {
      runId,
      cluster: 'it',
      topic,
      group,
      mode: 'idempotent',
      intervalMs: 200,
      durationMs,
      settleMs: 5000,
      brokers,
      sliceMs: 5000,
    },
  );
  const rows = clientTable(sink.records);
  tables.push(`${clients} (${durationMs / 1000} s):\n${formatClientTable(rows)}`);
  return { rows, records: sink.records, group, own };
}

function rowOf(rows: ClientRow[], name: string): ClientRow {
  const row = rows.find((r) => r.name === name);
  expect(row, `${name} in ${JSON.stringify(rows)}`).toBeDefined();
  return row!;
}

describe('client libraries side by side', () => {
  it('kafkajs, java, librdkafka and sarama each receive every logged record in their own group', async () => {
    const { rows, records, group } = await run('kafkajs,java,librdkafka,sarama', (m) => m, 20_000);
    const logged = records.filter((r) => r.type === 'log').length;
    expect(logged).toBeGreaterThan(100);
    expect(rows.map((r) => r.name).sort()).toEqual(['java', 'kafkajs', 'librdkafka', 'sarama']);
    expect(rowOf(rows, 'kafkajs').group).toBe(group);
    for (const row of rows) {
      expect(row.status, JSON.stringify(row)).not.toBe('not measured');
      expect(row.logged).toBe(logged);
      expect(row.receivedLogged + row.missing).toBe(row.logged);
      expect(row.missing, `${row.name} missing`).toBe(0);
      expect(row.received).toBe(row.receivedLogged + row.redelivered);
    }
    expect(rowOf(rows, 'java').library).toMatch(/^java kafka-clients \d/);
    expect(rowOf(rows, 'librdkafka').library).toMatch(/^librdkafka \d/);
    expect(rowOf(rows, 'sarama').library).toMatch(/^sarama \d/);
    expect(rowOf(rows, 'sarama').rebalances).toBeGreaterThanOrEqual(1);
  }, 180_000);

  it('a client killed mid-run shows its missing records; the others are unaffected', async () => {
    let killedAt: number | null = null;
    const { rows } = await run(
      'kafkajs,librdkafka,sarama',
      (own) => {
        const sarama = own.find((m) => m.name === 'client:sarama') as ClientMonitor;
        let firstTick: number | null = null;
        const killer: RunMonitor = {
          name: 'killer',
          baseline: () => Promise.resolve(),
          tick: (_emit, now) => {
            firstTick ??= now;
            if (killedAt === null && now - firstTick > 6000 && sarama.pid !== undefined) {
              process.kill(sarama.pid, 'SIGKILL');
              killedAt = now;
            }
            return Promise.resolve();
          },
          after: () => Promise.resolve(),
          state: () => ({}),
          close: () => Promise.resolve(),
        };
        return [...own, killer];
      },
      14_000,
    );
    expect(killedAt).not.toBeNull();
    const sarama = rowOf(rows, 'sarama');
    expect(sarama.status).toBe('exited');
    expect(sarama.exit).toMatch(/SIGKILL/);
    expect(sarama.missing).toBeGreaterThan(0);
    expect(sarama.receivedLogged + sarama.missing).toBe(sarama.logged);
    for (const name of ['kafkajs', 'librdkafka']) {
      const row = rowOf(rows, name);
      expect(row.missing, name).toBe(0);
      expect(row.receivedLogged).toBe(row.logged);
    }
  }, 150_000);

  it.skipIf(cluster.statePath === null)(
    'through a rolling restart that moves every broker address, every library still receives every logged record',
    async () => {
      let rolling: Promise<unknown> | null = null;
      const { rows } = await run(
        'kafkajs,java,librdkafka,sarama',
        (own) => {
          const roller: RunMonitor = {
            name: 'roller',
            baseline: () => Promise.resolve(),
            tick: () => {
              rolling ??= roll({ statePath: cluster.statePath!, readdress: true, log: stderrLog });
              return Promise.resolve();
            },
            after: async () => {
              await rolling;
            },
            state: () => ({}),
            close: () => Promise.resolve(),
          };
          return [roller, ...own];
        },
        45_000,
      );
      for (const row of rows) {
        expect(row.status, JSON.stringify(row)).not.toBe('not measured');
        expect(row.receivedLogged + row.missing).toBe(row.logged);
        expect(row.missing, `${row.name} missing`).toBe(0);
      }
    },
    240_000,
  );
});
