/**
 * Issue 16's closing rehearsal: `rehearse --clients all --client-settings defaults
 * --leadership auto --rebalance-interval 30s` as a user runs it. Four producers write
 * their own sequences to the canary topic through a rolling restart — the canary
 * (kafkajs) and each library's own at its shipped settings (kuv-java, kuv-librdkafka,
 * kuv-sarama) — and for each, the lost, duplicate and out-of-order counts the report
 * gives must equal what an independent reader finds in the topic: kcat through the
 * brokers' INTERNAL listener, after the run, with the definitions applied here by hand.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { readState } from '../../rehearsal/state.js';
import { stderrLog } from '../../rehearsal/index.js';
import type { ClientEntry } from '../../clients/entries.js';
import { runCli } from '../support/cli.js';
import { ownStateForFile, TEST_CLUSTER_PORTS } from '../support/cluster.js';
import { readHistory, type Rec } from '../support/history.js';
import { kcatOffsets } from '../support/kafka.js';
import { type RehearsalReport, rehearseArgs } from '../support/rehearse.js';

const { statePath, external } = ownStateForFile('rehearse-clients-state.json');

const PRODUCERS = ['canary', 'kuv-java', 'kuv-librdkafka', 'kuv-sarama'];

/**
 * docs/history-format.md's lost, duplicates and out of order for one producer, from
 * its acked sends and what kcat found: identity `producer/partition/seq` → offsets.
 */
function independently(producer: string, history: Rec[], found: Map<string, Set<string>>) {
  const acked = new Set(
    history
      .filter((h) => h.type === 'produce' && h.producer === producer && h.ok === true)
      .map((h) => `${producer}/${String(h.partition)}/${String(h.seq)}`),
  );
  let lost = 0;
  for (const id of acked) if (!found.has(id)) lost += 1;
  let duplicates = 0;
  const sightings = new Map<string, { offset: number; seq: number }[]>();
  for (const [id, offsets] of found) {
    const [name, partition, seq] = id.split('/');
    if (name !== producer) continue;
    duplicates += offsets.size - 1;
    const list = sightings.get(partition!) ?? [];
    for (const o of offsets) list.push({ offset: Number(o), seq: Number(seq) });
    sightings.set(partition!, list);
  }
  let outOfOrder = 0;
  for (const list of sightings.values()) {
    list.sort((a, b) => a.offset - b.offset);
    const seen = new Set<number>();
    let highest = -Infinity;
    for (const { seq } of list) {
      if (seen.has(seq)) continue; // a later sighting: a duplicate, counted above
      seen.add(seq);
      if (seq < highest) outOfOrder += 1;
      else highest = seq;
    }
  }
  return { lost, duplicates, outOfOrder, logged: [...sightings.values()].flat().length };
}

describe.skipIf(external)('rehearse --clients all at the libraries’ defaults', () => {
  it('four producers through a rolling restart with leadership rebalanced by the brokers: each producer’s lost, duplicates and out of order equal what kcat finds through the INTERNAL listener', async () => {
    const { out, args } = rehearseArgs(statePath, TEST_CLUSTER_PORTS.rehearseClients, 'clients');
    const began = Date.now();
    const r = await runCli([
      ...args,
      '--clients',
      'all',
      '--client-settings',
      'defaults',
      '--leadership',
      'auto',
      '--rebalance-interval',
      '30s',
      '--keep-cluster',
    ]);
    stderrLog(`rehearse --clients all took ${((Date.now() - began) / 1000).toFixed(1)} s`);
    expect(r.status, r.stderr).toBeLessThan(2);
    const report = JSON.parse(r.stdout) as RehearsalReport & {
      run: { runId: string };
      clients: ClientEntry[];
    };
    const history = readHistory(join(out, 'history.jsonl.gz'));
    const summary = readFileSync(join(out, 'summary.txt'), 'utf8');
    stderrLog(summary.slice(summary.indexOf('CLIENT LIBRARIES')).split('\nCLIENT SETTINGS')[0]!);
    expect(report.restarts.map((x) => x.broker).sort()).toEqual([1, 2, 3]);

    // Every producer wrote produce records, as the canary does.
    const producers = new Set(history.filter((h) => h.type === 'produce').map((h) => h.producer));
    expect([...producers].sort()).toEqual(PRODUCERS);

    const state = readState(statePath)!;
    const internal = state.brokers[0]!;
    const found = kcatOffsets(
      `${internal.address}:${internal.internalPort}`,
      'kuv-canary',
      report.run.runId,
    );
    for (const producer of PRODUCERS) {
      const entry = report.clients.find((c) => c.producer?.producer === producer);
      expect(entry, `${producer} in report.json's clients`).toBeDefined();
      const p = entry!.producer!;
      const mine = independently(producer, history, found);
      stderrLog(
        `${producer}: report lost ${p.lost} dup ${p.duplicates} ooo ${p.outOfOrder} (sent ${p.sent}, acked ${p.acked}, failed ${p.failed}); kcat lost ${mine.lost} dup ${mine.duplicates} ooo ${mine.outOfOrder}`,
      );
      expect(p.sent, producer).toBeGreaterThan(100);
      expect(
        { lost: p.lost, duplicates: p.duplicates, outOfOrder: p.outOfOrder },
        producer,
      ).toEqual({ lost: mine.lost, duplicates: mine.duplicates, outOfOrder: mine.outOfOrder });
    }
    // The canary's producer is idempotent: nothing of its own lost or duplicated.
    const canary = report.clients.find((c) => c.producer?.producer === 'canary')!.producer!;
    expect(canary).toMatchObject({ lost: 0, duplicates: 0 });
    for (const x of report.restarts) expect(x.upAt).toBeGreaterThan(x.downAt!);
    expect(summary).toContain(
      "CLIENT PRODUCERS (each library's own sequences; kafkajs: the canary)",
    );
    expect(r.stderr).toContain(
      "leadership: the brokers' own rebalancing (auto.leader.rebalance.enable, checked every 30 s)",
    );
  }, 600_000);
});
