/**
 * Consumer groups in other client libraries (docs/clients.md) against the shared
 * cluster, through the canary core: the client monitors in a short run's monitor list,
 * each library's group in the history, counts that add up against the log; each
 * library at its shipped settings and at the careful ones (--client-settings), and a
 * Sarama consumer killed and restarted whose redeliveries are what its group's
 * committed offsets in Kafka say they must be.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { runCanary } from '../../functions/core/canary/run.js';
import { MemorySink } from '../../functions/core/canary/sink.js';
import { readHistoryLines } from '../../functions/core/history/index.js';
import {
  clientEntries,
  clientGroup,
  clientMonitors,
  clientTable,
  ClientMonitor,
  formatClientTable,
  parseClients,
  type ClientRow,
  type ClientSettingsProfile,
} from '../../clients/index.js';
import type { HistoryRecordOut, RunMonitor } from '../../functions/core/probe/monitor.js';
import { roll } from '../../rehearsal/roll.js';
import { stderrLog } from '../../rehearsal/log.js';
import { testCluster } from '../support/cluster.js';
import { kafkaFor, randomTopic, trackClients } from '../support/kafka.js';
import { finished, startCli } from '../support/cli.js';
import { readHistory } from '../support/history.js';

const cluster = testCluster();
const track = trackClients();
const tables: string[] = [];
afterAll(() => {
  if (tables.length > 0) process.stderr.write(tables.join('\n'));
});

async function run(
  clients: string,
  monitors: (ms: RunMonitor[], ctx: { topic: string; runId: string }) => RunMonitor[],
  durationMs: number,
  settings: ClientSettingsProfile = 'careful',
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
    intervalMs: 200,
    canaryGroup: group,
    settings,
  });
  const sink = new MemorySink();
  await runCanary(
    { kafka, sink, monitors: monitors(own, { topic, runId }) },
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
  // The analyzer's per-producer figures of the same records, as a run's judge gives them.
  const { producers } = await readHistoryLines(sink.records.map((r) => JSON.stringify(r)));
  const rows = clientTable(sink.records, { producers });
  tables.push(`${clients} at ${settings} (${durationMs / 1000} s):\n${formatClientTable(rows)}`);
  return { rows, records: sink.records, group, own, runId, topic };
}

function rowOf(rows: ClientRow[], name: string): ClientRow {
  const row = rows.find((r) => r.name === name);
  expect(row, `${name} in ${JSON.stringify(rows)}`).toBeDefined();
  return row!;
}

/**
 * A library's consumer SIGKILLed `killAfterMs` into the run and started again in the same group:
 * Kafka hands the new member every offset from the one the group committed, so it
 * redelivers exactly the records it had received at or past its committed offsets.
 */
async function killAndRestart(
  library: 'sarama' | 'java',
  profile: ClientSettingsProfile,
  durationMs: number,
  killAfterMs = 6000,
): Promise<void> {
  let committed: Map<number, number> | null = null;
  let restartError: unknown = null;
  const { rows, records, runId } = await run(
    `kafkajs,${library}`,
    (own, ctx) => {
      const client = own.find((m) => m.name === `client:${library}`) as ClientMonitor;
      let firstTick: number | null = null;
      let restarting: Promise<void> | null = null;
      const restarter: RunMonitor = {
        name: 'restarter',
        baseline: () => Promise.resolve(),
        tick: (emit: (r: HistoryRecordOut) => void, now: number) => {
          firstTick ??= now;
          if (restarting === null && now - firstTick > killAfterMs) {
            restarting = (async () => {
              await client.kill(emit);
              // The offsets the group committed before it died: where Kafka restarts it.
              const kafka = kafkaFor(cluster);
              const admin = track(kafka.admin());
              await admin.connect();
              const [t] = await admin.fetchOffsets({
                groupId: clientGroup(library, ctx.runId),
                topics: [ctx.topic],
              });
              await admin.disconnect();
              committed = new Map(t!.partitions.map((p) => [p.partition, Number(p.offset)]));
              client.relaunch(emit);
            })().catch((e: unknown) => {
              restartError = e;
            });
          }
          return Promise.resolve();
        },
        after: async () => {
          await restarting;
        },
        state: () => ({}),
        close: () => Promise.resolve(),
      };
      return [...own, restarter];
    },
    durationMs,
    profile,
  );
  expect(restartError).toBeNull();
  expect(committed).not.toBeNull();
  const group = clientGroup(library, runId);
  const restartAt = records.findIndex(
    (r) => r.type === 'client' && r.group === group && r.event === 'restart',
  );
  expect(restartAt).toBeGreaterThan(0);
  // Before the kill: what the group received. After a restart Kafka hands it every
  // offset from the committed one on, so each received one at or past it comes again.
  const before = new Map<number, Set<number>>();
  let duplicatesBefore = 0;
  for (const r of records.slice(0, restartAt)) {
    if (r.type !== 'consume' || r.group !== group) continue;
    const p = r.partition as number;
    const set = before.get(p) ?? new Set<number>();
    before.set(p, set);
    if (set.has(r.offset as number)) duplicatesBefore += 1;
    set.add(r.offset as number);
  }
  let expected = duplicatesBefore;
  for (const [p, offsets] of before) {
    const from = committed!.get(p) ?? -1;
    // A partition with no commit starts at the reset policy's end, not here.
    expect(from, `partition ${p} committed`).toBeGreaterThanOrEqual(0);
    for (const o of offsets) if (o >= from) expected += 1;
  }
  const row = rowOf(rows, library);
  tables.push(
    `${library} at ${profile}, killed and restarted: redelivered ${row.redelivered}, committed offsets predict ${expected}, longest gap ${row.longestGapMs} ms\n`,
  );
  expect(row.status).not.toBe('exited');
  expect(row.missing, `${library} missing`).toBe(0);
  expect(row.skipped).toBe(0);
  expect(row.redelivered).toBe(expected);
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

  /** What each library reports it ran with, per profile (clients/java, clients/sarama, kcat -X dump). */
  const EXPECTED_SETTINGS: Record<ClientSettingsProfile, Record<string, Record<string, string>>> = {
    defaults: {
      java: {
        'enable.auto.commit': 'true',
        'auto.commit.interval.ms': '5000',
        'auto.offset.reset': 'latest',
      },
      librdkafka: {
        'enable.auto.commit': 'true',
        'auto.commit.interval.ms': '5000',
        'auto.offset.reset': 'largest',
      },
      sarama: {
        'Consumer.Offsets.AutoCommit.Enable': 'true',
        'Consumer.Offsets.AutoCommit.Interval': '1s',
        'Consumer.Offsets.Initial': 'OffsetNewest',
        'Metadata.RefreshFrequency': '10m0s',
      },
    },
    careful: {
      java: { 'enable.auto.commit': 'false', 'auto.offset.reset': 'earliest' },
      librdkafka: { 'enable.auto.commit': 'true', 'auto.offset.reset': 'smallest' },
      sarama: {
        'Consumer.Offsets.AutoCommit.Enable': 'false',
        'Consumer.Offsets.Initial': 'OffsetOldest',
      },
    },
  };

  for (const profile of ['defaults', 'careful'] as const) {
    it(`at ${profile} settings, each library records what it ran with and is owed, and receives, every canary record`, async () => {
      const { rows, records } = await run('all', (m) => m, 15_000, profile);
      const logged = records.filter((r) => r.type === 'log').length;
      expect(logged).toBeGreaterThan(50);
      expect(records.find((r) => r.type === 'client' && r.event === 'not ready')).toBeUndefined();
      for (const name of ['java', 'librdkafka', 'sarama']) {
        const row = rowOf(rows, name);
        expect(row.status, JSON.stringify(row)).not.toBe('not measured');
        expect(row.profile).toBe(profile);
        expect(row.settings, name).toMatchObject(EXPECTED_SETTINGS[profile][name]!);
        expect(row.receivedLogged + row.missing + row.beforeStart).toBe(row.logged);
        expect(row.missing, `${name} missing`).toBe(0);
        expect(row.skipped, `${name} skipped`).toBe(0);
      }
      // Java and Sarama say they are positioned (# ready) before the canary's first
      // record: at latest they are owed, and receive, every one. kcat can only say it
      // was assigned: its offset lookup may come after the first records.
      expect(rowOf(rows, 'java').beforeStart).toBe(0);
      expect(rowOf(rows, 'sarama').beforeStart).toBe(0);
      const entries = clientEntries(rows);
      expect(entries.map((e) => e.client)).toEqual(['java', 'kafkajs', 'librdkafka', 'sarama']);
      for (const e of entries) {
        expect(Object.keys(e.consumer ?? {})).toEqual(
          expect.arrayContaining([
            'received',
            'redelivered',
            'skipped',
            'missing',
            'longestGapMs',
            'rebalances',
          ]),
        );
        // Each library's producer (the canary's for kafkajs) wrote its own sequences,
        // all found again on a cluster nobody restarts.
        expect(e.producer, e.client).toMatchObject({
          producer: e.client === 'kafkajs' ? 'canary' : `kuv-${e.client}`,
          status: e.client === 'kafkajs' ? 'canary' : 'stopped',
          lost: 0,
          duplicates: 0,
          outOfOrder: 0,
        });
        expect(e.producer!.acked, e.client).toBeGreaterThan(50);
      }
      expect(entries.find((e) => e.client === 'kafkajs')?.profile).toBe('canary');
      expect(entries.find((e) => e.client === 'sarama')?.version).toMatch(/^\d+\.\d+/);
    }, 180_000);

    it(
      `a Sarama consumer at ${profile} settings killed and restarted redelivers exactly what its committed offsets say`,
      () => killAndRestart('sarama', profile, 30_000),
      180_000,
    );
  }

  // At its shipped settings the Java consumer auto-commits every 5 s inside poll (killed
  // at 12 s: after its first commits), and
  // the group waits for the killed member's session (45 s) to time out before the new
  // one gets its partitions: the run lasts long enough for it to catch up.
  it(
    'a Java consumer at defaults killed and restarted redelivers exactly what its committed offsets say, and catches up after the dead member’s session times out',
    () => killAndRestart('java', 'defaults', 75_000, 12_000),
    240_000,
  );

  it('run --clients sarama,librdkafka --client-settings careful writes the profile into the run record, report.json, the summary and the page', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kuv-it-clients-'));
    try {
      const out = join(dir, 'run');
      const r = await finished(
        startCli([
          'run',
          '--bootstrap',
          cluster.bootstrap,
          ...(cluster.dnsServer === null ? [] : ['--dns-server', cluster.dnsServer]),
          '--topic',
          randomTopic('kuv-it-canary-clients'),
          '--duration',
          '8s',
          '--settle',
          '4s',
          '--interval-ms',
          '200',
          '--clients',
          'kafkajs,sarama,librdkafka',
          '--client-settings',
          'careful',
          '--quiet',
          '--out',
          out,
        ]),
        150_000,
      );
      expect(r.status, r.stderr).toBe(0);
      const history = readHistory(join(out, 'history.jsonl.gz'));
      expect(history.find((h) => h.type === 'run')).toMatchObject({
        clients: ['kafkajs', 'sarama', 'librdkafka'],
        clientSettings: 'careful',
      });
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
        clients: {
          client: string;
          profile: string;
          settings: Record<string, string> | null;
          consumer: { missing: number } | null;
          producer: { producer: string; acked: number; lost: number | null } | null;
        }[];
      };
      expect(report.clients.map((c) => [c.client, c.profile])).toEqual([
        ['kafkajs', 'canary'],
        ['librdkafka', 'careful'],
        ['sarama', 'careful'],
      ]);
      for (const c of report.clients) {
        expect(c.consumer?.missing, c.client).toBe(0);
        // report.json carries each library's producer with the analyzer's figures.
        expect(c.producer, c.client).toMatchObject({
          producer: c.client === 'kafkajs' ? 'canary' : `kuv-${c.client}`,
          lost: 0,
        });
        expect(c.producer!.acked, c.client).toBeGreaterThan(0);
      }
      expect(report.clients.find((c) => c.client === 'sarama')?.settings).toMatchObject({
        'Consumer.Offsets.AutoCommit.Enable': 'false',
      });
      const summary = readFileSync(join(out, 'summary.txt'), 'utf8');
      expect(summary).toMatch(/sarama\s+sarama \d[\w.]*\s+careful\s+kuv-sarama-/);
      expect(summary).toContain('sarama (careful):');
      const html = readFileSync(join(out, 'report.html'), 'utf8');
      expect(html).toContain('<table id="clients-table"');
      expect(html).toContain('<dt>Consumer.Offsets.AutoCommit.Enable</dt><dd>false</dd>');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it.skipIf(cluster.statePath === null)(
    'through a rolling restart that moves every broker address, every library at its shipped settings still receives every logged record and its producer keeps sending',
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
        // At defaults: what applications run. (At careful the Sarama consumer, which
        // commits synchronously after each record, trails the four producers' traffic
        // through the roll: 62 records behind when it was stopped, measured.)
        'defaults',
      );
      for (const row of rows) {
        expect(row.status, JSON.stringify(row)).not.toBe('not measured');
        expect(row.receivedLogged + row.missing).toBe(row.logged);
        expect(row.missing, `${row.name} missing`).toBe(0);
        // Its producer kept sending through the moves: what it lost or duplicated is
        // measured (the summary below), not asserted.
        expect(row.producer?.status, `${row.name} producer`).not.toBe('exited');
        expect(row.producer!.acked, `${row.name} producer acked`).toBeGreaterThan(0);
      }
    },
    240_000,
  );
});
