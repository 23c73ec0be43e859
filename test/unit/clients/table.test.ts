import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';

import { clientEntries } from '../../../clients/entries.js';
import { clientTable, clientTableOfHistory, KAFKAJS_LIBRARY } from '../../../clients/table.js';
import { formatClientTable } from '../../../clients/table-text.js';
import { InputError } from '../../../functions/core/errors.js';

const log = (partition: number, offset: number) => ({
  type: 'log',
  partition,
  offset,
  producer: 'canary',
  seq: offset,
  timestamp: 1000 + offset,
});
const consume = (group: string, partition: number, offset: number, receivedAt: number) => ({
  type: 'consume',
  group,
  consumer: 'c',
  partition,
  offset,
  producer: 'canary',
  seq: offset,
  receivedAt,
});

const history = [
  { type: 'run', runId: 'r-1', startedAt: 0 },
  {
    type: 'client',
    name: 'kafkajs',
    group: 'canary-g',
    library: KAFKAJS_LIBRARY,
    status: 'started',
    at: 1,
  },
  {
    type: 'client',
    name: 'sarama',
    group: 'kuv-sarama-r-1',
    library: 'sarama 1.61.1',
    status: 'started',
    at: 1,
  },
  {
    type: 'client',
    name: 'sarama',
    group: 'kuv-sarama-r-1',
    library: 'sarama 1.61.1',
    event: 'rebalance',
    text: '',
    at: 2,
  },
  {
    type: 'client',
    name: 'java',
    group: 'kuv-java-r-1',
    status: 'not measured',
    reason: 'java and javac are needed',
    install: 'apt-get install -y openjdk-17-jdk-headless',
    at: 1,
  },
  // canary-g: everything, offset 1 twice. sarama: 0, 2 (1 skipped), then stops (3 missing).
  consume('canary-g', 0, 0, 100),
  consume('canary-g', 0, 1, 200),
  consume('canary-g', 0, 1, 250),
  consume('canary-g', 0, 2, 300),
  consume('canary-g', 0, 3, 1300),
  consume('kuv-sarama-r-1', 0, 0, 110),
  consume('kuv-sarama-r-1', 0, 2, 310),
  {
    type: 'client',
    name: 'sarama',
    group: 'kuv-sarama-r-1',
    event: 'exit',
    text: 'exit SIGKILL',
    at: 400,
  },
  { type: 'client', name: 'sarama', group: 'kuv-sarama-r-1', status: 'stopped', at: 2000 },
  log(0, 0),
  log(0, 1),
  log(0, 2),
  log(0, 3),
  log(0, 3),
];

describe('clientTable', () => {
  const rows = clientTable(history);
  it('gives a row per group, counts that add up against the log', () => {
    expect(rows.map((r) => r.name)).toEqual(['java', 'kafkajs', 'sarama']);
    const [java, kafkajs, sarama] = rows;
    expect(kafkajs).toMatchObject({
      group: 'canary-g',
      library: KAFKAJS_LIBRARY,
      received: 5,
      receivedLogged: 4,
      redelivered: 1,
      skipped: 0,
      missing: 0,
      logged: 4,
      longestGapMs: 1000,
      rebalances: null,
    });
    expect(sarama).toMatchObject({
      library: 'sarama 1.61.1',
      status: 'exited',
      exit: 'exit SIGKILL',
      received: 2,
      receivedLogged: 2,
      redelivered: 0,
      skipped: 1,
      missing: 2,
      // 310 → 1300, when the others still received
      longestGapMs: 990,
      rebalances: 1,
    });
    expect(java).toMatchObject({
      status: 'not measured',
      received: 0,
      missing: 0,
      reason: 'java and javac are needed',
    });
    for (const r of rows.filter((x) => x.status !== 'not measured')) {
      expect(r.receivedLogged + r.missing).toBe(r.logged);
    }
  });

  it('names a group no client record names by the canary consumer library', () => {
    const [row] = clientTable([consume('g', 0, 0, 1), log(0, 0)]);
    expect(row).toMatchObject({
      name: null,
      library: KAFKAJS_LIBRARY,
      status: 'consumed',
      missing: 0,
      longestGapMs: null,
    });
  });

  it('is the same from a stream of lines', async () => {
    const text = `${history.map((h) => JSON.stringify(h)).join('\n')}\n`;
    expect(await clientTableOfHistory(Readable.from([text]))).toEqual(rows);
    // chunks cut anywhere, even inside a character
    const bytes = Buffer.from(text.replaceAll('canary-g', 'canary-é'));
    const at = bytes.indexOf(Buffer.from('é')) + 1;
    const cut = [bytes.subarray(0, at), bytes.subarray(at, at + 7), bytes.subarray(at + 7)];
    const split = await clientTableOfHistory(Readable.from(cut));
    expect(split.map((r) => [r.group, r.received])).toEqual(
      rows.map((r) => [r.group.replace('canary-g', 'canary-é'), r.received]),
    );
  });

  it('refuses a line it cannot read, naming it, rather than skip it', async () => {
    const text = `${history.map((h) => JSON.stringify(h)).join('\n')}\nnot json "consume"\n["log"]\n`;
    await expect(clientTableOfHistory(Readable.from([text]))).rejects.toThrow(
      new RegExp(`history line ${history.length + 1} is not a JSON object`),
    );
    const arrayLine = `${JSON.stringify(history[0])}\n["log"]\n`;
    await expect(clientTableOfHistory(Readable.from([arrayLine]))).rejects.toBeInstanceOf(
      InputError,
    );
  });

  it('formats a table with the not-measured reason and install command', () => {
    const text = formatClientTable(rows);
    expect(text).toMatch(/^CLIENT LIBRARIES/);
    expect(text).toMatch(
      /kafkajs\s+kafkajs 2\.2\.4\s+—\s+canary-g\s+5\s+1\s+0\s+0\/4\s+0\s+1\.0 s\s+—/,
    );
    expect(text).toMatch(
      /sarama\s+sarama 1\.61\.1\s+—\s+kuv-sarama-r-1\s+2\s+0\s+1\s+2\/4\s+0\s+1\.0 s\s+1/,
    );
    expect(text).toContain(
      'java: not measured — java and javac are needed (install: apt-get install -y openjdk-17-jdk-headless)',
    );
    expect(text).toContain('sarama: its process exited mid-run (exit SIGKILL)');
    expect(formatClientTable([])).toBe('');
  });
});

describe('settings profiles in the table', () => {
  const settings = (profile: string, reset: string) => ({
    type: 'client',
    name: 'java',
    group: `kuv-java-${profile}`,
    library: 'java kafka-clients 4.4.0',
    profile,
    event: 'settings',
    settings: { 'auto.offset.reset': reset, 'enable.auto.commit': `${profile === 'defaults'}` },
    at: 1,
  });
  const started = (profile: string) => ({
    type: 'client',
    name: 'java',
    group: `kuv-java-${profile}`,
    library: 'java kafka-clients 4.4.0',
    version: '4.4.0',
    profile,
    status: 'started',
    at: 1,
  });
  // Both groups received offsets 2 and 3 of partition 0 only, and all of partition 1.
  const records = [
    started('defaults'),
    settings('defaults', 'latest'),
    started('careful'),
    settings('careful', 'earliest'),
    ...[0, 1, 2, 3].map((o) => log(0, o)),
    log(1, 0),
    ...['defaults', 'careful'].flatMap((p) => [
      consume(`kuv-java-${p}`, 0, 2, 10),
      consume(`kuv-java-${p}`, 0, 3, 20),
      consume(`kuv-java-${p}`, 1, 0, 20),
    ]),
    {
      type: 'client',
      name: 'java',
      group: 'kuv-java-defaults',
      event: 'not ready',
      text: 'not positioned on its first assignment 60 s after it started; the canary started without it',
      at: 5,
    },
  ];
  const rows = clientTable(records);
  const [careful, defaults] = rows;

  it('counts what was logged before the first record of a latest-starting client as before start, not missing', () => {
    expect(defaults).toMatchObject({
      group: 'kuv-java-defaults',
      profile: 'defaults',
      version: '4.4.0',
      settings: { 'auto.offset.reset': 'latest', 'enable.auto.commit': 'true' },
      beforeStart: 2,
      missing: 0,
      skipped: 0,
    });
    // From the earliest offset, the same gap is owed: missing.
    expect(careful).toMatchObject({ profile: 'careful', beforeStart: 0, missing: 2 });
    for (const r of rows) expect(r.receivedLogged + r.missing + r.beforeStart).toBe(r.logged);
  });

  it('shows the profile per row, the settings below, and why a client was not ready', () => {
    const text = formatClientTable(rows);
    expect(text).toMatch(
      /java\s+java kafka-clients 4\.4\.0\s+defaults\s+kuv-java-defaults\s+3\s+0\s+0\s+0\/5\s+2\s/,
    );
    expect(text).toMatch(
      /java\s+java kafka-clients 4\.4\.0\s+careful\s+kuv-java-careful\s+3\s+0\s+0\s+2\/5\s+0\s/,
    );
    expect(text).toContain('CLIENT SETTINGS (effective, as each client reported them)');
    expect(text).toContain(
      'java (defaults):\n  auto.offset.reset = latest\n  enable.auto.commit = true',
    );
    expect(text).toContain(
      'java: not positioned on its first assignment 60 s after it started; the canary started without it; 2 record(s) written before its first are counted as before start, not missing',
    );
  });

  it("gives report.json's clients entries, producer null for a run without producers", () => {
    const entries = clientEntries([...rows, ...clientTable(history)]);
    expect(entries[0]).toEqual({
      client: 'java',
      library: 'java kafka-clients 4.4.0',
      version: '4.4.0',
      group: 'kuv-java-careful',
      profile: 'careful',
      settings: { 'auto.offset.reset': 'earliest', 'enable.auto.commit': 'false' },
      status: 'started',
      reason: null,
      consumer: {
        received: 3,
        redelivered: 0,
        skipped: 0,
        missing: 2,
        beforeStart: 0,
        logged: 5,
        longestGapMs: 10,
        rebalances: 0,
      },
      producer: null,
    });
    const java = entries.find((e) => e.group === 'kuv-java-r-1');
    expect(java).toMatchObject({ status: 'not measured', consumer: null, producer: null });
    expect(java?.reason).toBe('java and javac are needed');
    expect(entries.find((e) => e.group === 'kuv-sarama-r-1')?.reason).toBe('exit SIGKILL');
    expect(entries.find((e) => e.group === 'canary-g')?.client).toBe('kafkajs');
  });
});

describe('producers in the table', () => {
  const producerRecord = (f: Record<string, unknown>) => ({
    type: 'client',
    role: 'producer',
    name: 'sarama',
    producer: 'kuv-sarama',
    library: 'sarama 1.61.1',
    profile: 'defaults',
    at: 1,
    ...f,
  });
  const records = [
    {
      type: 'client',
      name: 'sarama',
      group: 'kuv-sarama-r',
      library: 'sarama 1.61.1',
      profile: 'defaults',
      status: 'started',
      at: 1,
    },
    producerRecord({ status: 'started' }),
    producerRecord({ event: 'settings', settings: { 'Producer.Idempotent': 'false' } }),
    producerRecord({ status: 'stopped', unreported: 2 }),
    {
      type: 'client',
      role: 'producer',
      name: 'java',
      producer: 'kuv-java',
      status: 'not measured',
      reason: 'no JDK',
      install: 'apt-get install -y openjdk-17-jdk-headless',
      at: 1,
    },
    {
      type: 'client',
      name: 'java',
      group: 'kuv-java-r',
      status: 'not measured',
      reason: 'no JDK',
      at: 1,
    },
    consume('canary-g', 0, 0, 5),
    consume('kuv-sarama-r', 0, 0, 6),
    log(0, 0),
  ];
  const report = (producer: string, f: Record<string, unknown>) => ({
    producer,
    produced: 10,
    acked: 9,
    failed: 1,
    logged: 10,
    lost: 0,
    duplicates: 0,
    outOfOrder: 0,
    unackedWritten: 0,
    produceLatencyMs: { p50: 3, p99: 40, max: 50 },
    scheduledLatencyMs: { p50: 3, p99: 90, max: 120 },
    ...f,
  });
  const producers = [
    report('canary', {}),
    report('kuv-sarama', { duplicates: 2, outOfOrder: 3, lost: 1 }),
  ];
  const rows = clientTable(records, { producers });

  it("puts each library's producer on its row, the canary's on the kafkajs row", () => {
    const of = (name: string | null) => rows.find((r) => r.name === name)!.producer;
    expect(of(null)).toMatchObject({ producer: 'canary', status: 'canary', sent: 10 });
    expect(of('sarama')).toEqual({
      producer: 'kuv-sarama',
      status: 'stopped',
      reason: null,
      install: null,
      settings: { 'Producer.Idempotent': 'false' },
      sent: 10,
      acked: 9,
      failed: 1,
      unreported: 2,
      lost: 1,
      duplicates: 2,
      outOfOrder: 3,
      unackedWritten: 0,
      produceP99Ms: 40,
      scheduledP99Ms: 90,
    });
    expect(of('java')).toMatchObject({
      producer: 'kuv-java',
      status: 'not measured',
      reason: 'no JDK',
    });
    // Without the analyzer's figures, a library producer's counts are zero and lost unknown.
    expect(clientTable(records).find((r) => r.name === 'sarama')!.producer).toMatchObject({
      sent: 0,
      lost: null,
    });
    expect(clientEntries(rows).find((e) => e.client === 'sarama')!.producer).toEqual(of('sarama'));
  });

  it('prints the producers table, why one did not run, unreported sends and producer settings', () => {
    const text = formatClientTable(rows);
    expect(text).toContain("CLIENT PRODUCERS (each library's own sequences; kafkajs: the canary)");
    expect(text).toMatch(/kafkajs\s+canary\s+canary\s+10\s+9\s+1\s+0\s+0\s+0\s+40 ms\s+90 ms/);
    expect(text).toMatch(/sarama\s+kuv-sarama\s+defaults\s+10\s+9\s+1\s+1\s+2\s+3\s+40 ms\s+90 ms/);
    expect(text).toContain(
      'java producer: not measured — no JDK (install: apt-get install -y openjdk-17-jdk-headless)',
    );
    expect(text).toContain(
      'sarama producer: 2 send(s) had no delivery report when it stopped (counted as failed)',
    );
    expect(text).toContain('sarama producer (defaults):\n  Producer.Idempotent = false');
  });
});
