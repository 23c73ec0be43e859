import { readFileSync } from 'node:fs';

import { afterEach, describe, expect, it } from 'vitest';

import { UsageError } from '../../../functions/core/errors.js';
import {
  clientGroup,
  clientMonitors,
  ClientMonitor,
  ClientsReady,
  NotMeasuredError,
  parseClients,
  parseClientSettings,
  startsAtLatest,
  type ClientDriver,
} from '../../../clients/index.js';
import { hostsText, hostOf } from '../../../clients/hosts.js';
import {
  kcatArgs,
  kcatDriver,
  kcatLibrary,
  kcatSettings,
  kcatStderrEvent,
} from '../../../clients/kcat.js';
import { javaDriver, saramaDriver, saramaVersion } from '../../../clients/libraries.js';
import type { HistoryRecordOut } from '../../../functions/core/probe/monitor.js';
import { sleep, waitFor } from '../../../functions/core/wait.js';

describe('parseClients', () => {
  it('reads a comma-separated list, each once, all for every one', () => {
    expect(parseClients('kafkajs')).toEqual(['kafkajs']);
    expect(parseClients(' Java , sarama,java ')).toEqual(['java', 'sarama']);
    expect(parseClients('all')).toEqual(['kafkajs', 'java', 'librdkafka', 'sarama']);
  });
  it('refuses unknown and empty lists, naming the choices', () => {
    expect(() => parseClients('java,confluent')).toThrow(UsageError);
    expect(() => parseClients('java,confluent')).toThrow(
      /unknown client 'confluent'; choose from kafkajs, java, librdkafka, sarama/,
    );
    expect(() => parseClients(' , ')).toThrow(/needs at least one of/);
  });
});

describe('library details', () => {
  it('reads versions and kcat events', () => {
    expect(
      kcatLibrary('kcat - Apache Kafka\nVersion 1.7.1 (JSON, librdkafka 2.0.2 builtin.features=…)'),
    ).toBe('librdkafka 2.0.2 (kcat 1.7.1)');
    expect(saramaVersion('require github.com/IBM/sarama v1.61.1\n')).toBe('1.61.1');
    expect(kcatStderrEvent('% Group g rebalanced (memberid x): assigned: t [0]')).toMatchObject({
      kind: 'rebalance',
    });
    expect(kcatStderrEvent('% Group g rebalanced (memberid x): revoked: t [0]')).toBeNull();
    expect(kcatStderrEvent('% ERROR: Local: Broker transport failure')).toEqual({
      kind: 'error',
      text: 'Local: Broker transport failure',
    });
  });
  it('writes hosts files', () => {
    expect(hostOf('broker-1.kafka.test:9092')).toBe('broker-1.kafka.test');
    expect(hostOf('[::1]:9092')).toBe('::1');
    expect(
      hostsText(
        new Map([
          ['b.x', ['127.0.0.2']],
          ['a.x', ['127.0.0.1', '127.0.0.9']],
        ]),
      ),
    ).toBe(
      '# written by kafka-upgrade-verifier for its client libraries\n127.0.0.1 localhost\n127.0.0.1 a.x\n127.0.0.9 a.x\n127.0.0.2 b.x\n',
    );
  });
});

/** A driver whose "client" is a shell script printing the protocol. */
function shellDriver(script: string): ClientDriver {
  return {
    name: 'sarama',
    launch: () =>
      Promise.resolve({
        command: 'sh',
        args: ['-c', script],
        library: 'fake 1.0',
        version: '1.0',
        readyOn: 'ready' as const,
      }),
  };
}

const payload = (seq: number, runId = 'r-1') =>
  JSON.stringify({ runId, producer: 'canary', seq, sentAt: 1 });

/** A Sarama client's launch context at defaults. */
const context = {
  bootstrap: 'b:1',
  dnsServer: undefined,
  group: 'kuv-sarama-r-1',
  topic: 't',
  profile: 'defaults' as const,
};

/** A monitor of a shell "client" printing `lines` then idling, and the records it emits. */
function scripted(lines: string[]) {
  const script = [...lines, 'while true; do sleep 0.05; done'].join('; ');
  const monitor = new ClientMonitor({ driver: shellDriver(script), context, runId: 'r-1' });
  const out: HistoryRecordOut[] = [];
  const emit = (r: HistoryRecordOut) => out.push(r);
  return { monitor, out, emit };
}

describe('ClientMonitor', () => {
  it('turns printed lines into consume records, events into client records; SIGTERM stops it', async () => {
    const { monitor, out, emit } = scripted([
      `printf '# rebalance assigned=2\\n'`,
      `printf '0\\t5\\t%s\\n' '${payload(7)}'`,
      `printf '0\\t6\\t%s\\n' '${payload(8, 'r-other')}'`,
      `printf 'log noise\\n1\\t9\\t%s\\n' '${payload(9)}'`,
      `trap 'printf "# committed\\n"; exit 0' TERM`,
    ]);
    try {
      await monitor.baseline(emit);
      expect(out[0]).toMatchObject({
        type: 'client',
        status: 'started',
        library: 'fake 1.0',
        group: 'kuv-sarama-r-1',
      });
      await sleep(300);
      await monitor.tick(emit, Date.now());
      await monitor.after(emit);
    } finally {
      await monitor.close();
    }
    const consumes = out.filter((r) => r.type === 'consume');
    expect(consumes).toEqual([
      expect.objectContaining({
        group: 'kuv-sarama-r-1',
        consumer: 'fake 1.0',
        partition: 0,
        offset: 5,
        seq: 7,
      }),
      expect.objectContaining({ partition: 1, offset: 9, seq: 9 }),
    ]);
    expect(out.filter((r) => r.event === 'rebalance')).toHaveLength(1);
    expect(out.filter((r) => r.event === 'committed')).toHaveLength(1);
    expect(out.at(-1)).toMatchObject({
      status: 'stopped',
      received: 2,
      otherRecords: 1,
      noiseLines: 1,
      exitCode: 0,
    });
    expect(out.some((r) => r.event === 'exit')).toBe(false);
  });

  it('writes an exit event when the process ends by itself mid-run', async () => {
    const monitor = new ClientMonitor({
      driver: shellDriver(`printf 'oops\\n' >&2; exit 3`),
      context,
      runId: 'r-1',
    });
    const out: HistoryRecordOut[] = [];
    await monitor.baseline((r) => out.push(r));
    await sleep(300);
    await monitor.tick((r) => out.push(r), Date.now());
    await monitor.after((r) => out.push(r));
    await monitor.close();
    expect(out.find((r) => r.event === 'exit')).toMatchObject({ text: 'exit code 3: oops' });
  });

  it('writes a client that cannot start as not measured, with the reason and the install command', async () => {
    const monitor = new ClientMonitor({
      driver: {
        name: 'sarama',
        launch: () => Promise.reject(new NotMeasuredError('Go is not installed', 'install Go')),
      },
      context,
      runId: 'r-1',
    });
    const out: HistoryRecordOut[] = [];
    await monitor.baseline((r) => out.push(r));
    await monitor.tick((r) => out.push(r), Date.now());
    await monitor.after((r) => out.push(r));
    await monitor.close();
    expect(out).toEqual([
      expect.objectContaining({
        type: 'client',
        name: 'sarama',
        status: 'not measured',
        reason: 'Go is not installed',
        install: 'install Go',
      }),
    ]);
  });
});

describe('clientMonitors', () => {
  it('one monitor per library, groups kuv-<client>-<runId>; kafkajs only names the canary group', async () => {
    const monitors = clientMonitors(
      ['kafkajs', 'sarama', 'librdkafka'],
      { bootstrap: 'b:1', security: { protocol: 'ssl' } as never },
      { topic: 't', runId: 'r-9', canaryGroup: 'canary-g', intervalMs: 100 },
    );
    expect(monitors.map((m) => m.name)).toEqual([
      'client:kafkajs',
      'client:sarama',
      'client:librdkafka',
      'clients:ready',
      'producer:sarama',
      'producer:librdkafka',
    ]);
    expect(clientGroup('sarama', 'r-9')).toBe('kuv-sarama-r-9');
    const out: HistoryRecordOut[] = [];
    for (const m of monitors) await m.baseline((r) => out.push(r));
    for (const m of monitors) await m.close();
    expect(out[0]).toMatchObject({
      name: 'kafkajs',
      group: 'canary-g',
      library: 'kafkajs 2.2.4',
      version: '2.2.4',
      profile: 'canary',
    });
    // TLS/SASL: the child clients are not measured rather than connecting in plaintext.
    expect(out.slice(1)).toEqual([
      expect.objectContaining({
        group: 'kuv-sarama-r-9',
        status: 'not measured',
        reason: expect.stringMatching(/plaintext only/),
        profile: 'defaults',
      }),
      expect.objectContaining({ group: 'kuv-librdkafka-r-9', status: 'not measured' }),
      expect.objectContaining({
        role: 'producer',
        name: 'sarama',
        producer: 'kuv-sarama',
        status: 'not measured',
        reason: expect.stringMatching(/plaintext only/),
      }),
      expect.objectContaining({ producer: 'kuv-librdkafka', status: 'not measured' }),
    ]);
    expect(
      clientMonitors(
        ['sarama'],
        { bootstrap: 'b:1' },
        { topic: 't', runId: 'r', canaryGroup: 'g', intervalMs: 100 },
      ).map((m) => m.name),
    ).toEqual(['client:sarama', 'clients:ready', 'producer:sarama']);
    expect(
      clientMonitors(
        ['kafkajs'],
        { bootstrap: 'b:1' },
        { topic: 't', runId: 'r', canaryGroup: 'g', intervalMs: 100 },
      ),
    ).toHaveLength(1);
  });
});

describe('a missing tool', () => {
  const context = {
    bootstrap: 'b:1',
    dnsServer: undefined,
    group: 'g',
    topic: 't',
    profile: 'defaults' as const,
  };
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
  });

  it('makes each library not measured, with the install command', async () => {
    process.env.PATH = '/nonexistent';
    const drivers = [
      [saramaDriver(), /Go is not installed/, /go\.dev/],
      [
        kcatDriver({ hostsFile: null }),
        /kcat \(librdkafka\) is not installed/,
        /apt-get install -y kcat/,
      ],
      [
        javaDriver({ libs: () => '/nonexistent', hostsFile: null }),
        /java and javac/,
        /openjdk-17-jdk/,
      ],
    ] as const;
    for (const [driver, reason, install] of drivers) {
      const error = await Promise.resolve()
        .then(() => driver.launch(context))
        .catch((e: unknown) => e);
      expect(error, driver.name).toBeInstanceOf(NotMeasuredError);
      expect((error as NotMeasuredError).reason).toMatch(reason);
      expect((error as NotMeasuredError).install).toMatch(install);
    }
  });
});

describe('settings profiles', () => {
  it('reads --client-settings', () => {
    expect(parseClientSettings('defaults')).toBe('defaults');
    expect(parseClientSettings(' Careful ')).toBe('careful');
    expect(() => parseClientSettings('shipped')).toThrow(UsageError);
    expect(() => parseClientSettings('shipped', 'rehearse')).toThrow(
      /^rehearse: --client-settings has 'shipped'; choose defaults/,
    );
  });

  it('knows which settings start a new group at the latest offset', () => {
    expect(startsAtLatest({ 'auto.offset.reset': 'latest' })).toBe(true);
    expect(startsAtLatest({ 'auto.offset.reset': 'largest' })).toBe(true);
    expect(startsAtLatest({ 'auto.offset.reset': 'smallest' })).toBe(false);
    expect(startsAtLatest({ 'Consumer.Offsets.Initial': 'OffsetNewest' })).toBe(true);
    expect(startsAtLatest({ 'Consumer.Offsets.Initial': 'OffsetOldest' })).toBe(false);
    expect(startsAtLatest(null)).toBe(false);
  });

  it('gives kcat its shipped settings at defaults and the careful ones otherwise', () => {
    const context = { bootstrap: 'b:1', dnsServer: undefined, group: 'g', topic: 't' };
    const defaults = kcatArgs({ ...context, profile: 'defaults' });
    expect(defaults.join(' ')).not.toMatch(/auto\.offset\.reset|auto\.commit/);
    expect(defaults.slice(0, 4)).toEqual(['-b', 'b:1', '-G', 'g']);
    expect(defaults.at(-1)).toBe('t');
    const careful = kcatArgs({ ...context, profile: 'careful' }).join(' ');
    expect(careful).toContain(
      '-X auto.offset.reset=earliest -X enable.auto.commit=true -X auto.commit.interval.ms=1000',
    );
  });

  it("reads librdkafka's effective settings from kcat -X dump: careful's interval lands on the legacy topic property", () => {
    // Captured from kcat 1.7.1 (librdkafka 2.0.2) with the careful arguments.
    const dump = readFileSync(
      new URL('../../fixtures/clients/kcat-1.7.1-dump-careful.txt', import.meta.url),
      'utf8',
    );
    expect(kcatSettings(dump)).toMatchObject({
      'enable.auto.commit': 'true',
      // the global interval librdkafka's consumer uses: still its default
      'auto.commit.interval.ms': '5000',
      'auto.offset.reset': 'smallest',
      'client.id': 'kuv-librdkafka',
      'application commit': expect.stringMatching(/^none \(kcat cannot commit by hand/),
    });
  });
});

describe('ClientMonitor settings, readiness and restarts', () => {
  it('writes the printed settings, settles ready on # ready, and restarts in the same group after a kill', async () => {
    const { monitor, out, emit } = scripted([
      `printf '# settings {"Consumer.Offsets.Initial":"OffsetNewest"}\\n'`,
      `printf '# ready\\n'`,
      `printf '0\\t5\\t%s\\n' '${payload(7)}'`,
    ]);
    try {
      await monitor.baseline(emit);
      await monitor.ready;
      expect(monitor.positioned).toBe(true);
      const first = monitor.pid;
      await monitor.kill(emit);
      expect(monitor.positioned).toBe(false);
      monitor.relaunch(emit);
      expect(monitor.pid).not.toBe(first);
      // Until the relaunched client printed its record (a fixed wait failed under load).
      await waitFor(
        async () => {
          await monitor.tick(emit, Date.now());
          return out.filter((r) => r.type === 'consume').length >= 2;
        },
        { timeoutMs: 20_000, intervalMs: 50, what: "the relaunched client's record" },
      );
      await monitor.after(emit);
    } finally {
      await monitor.close();
    }
    expect(out[0]).toMatchObject({ status: 'started', version: '1.0', profile: 'defaults' });
    expect(out.find((r) => r.event === 'settings')).toMatchObject({
      settings: { 'Consumer.Offsets.Initial': 'OffsetNewest' },
      profile: 'defaults',
    });
    const events = out.filter((r) => r.event !== undefined).map((r) => r.event);
    expect(events).toEqual(['settings', 'ready', 'killed', 'restart', 'settings', 'ready']);
    // the kill is the test's, not the client's: no exit event, status stopped
    expect(out.filter((r) => r.type === 'consume')).toHaveLength(2);
    expect(out.at(-1)).toMatchObject({ status: 'stopped', received: 2 });
  });

  it('holds the canary until every client is ready, and names one that is not', async () => {
    const ready = new ClientMonitor({
      driver: shellDriver(`printf '# ready\\n'; while true; do sleep 0.05; done`),
      context,
      runId: 'r-1',
    });
    const silent = new ClientMonitor({
      driver: { ...shellDriver('while true; do sleep 0.05; done'), name: 'java' },
      context: { ...context, group: 'kuv-java-r-1' },
      runId: 'r-1',
    });
    const out: HistoryRecordOut[] = [];
    const emit = (r: HistoryRecordOut) => out.push(r);
    try {
      await ready.baseline(emit);
      await silent.baseline(emit);
      await new ClientsReady([ready, silent], 500).baseline(emit);
    } finally {
      await ready.close();
      await silent.close();
    }
    expect(ready.positioned).toBe(false); // closed
    const notReady = out.filter((r) => r.event === 'not ready');
    expect(notReady).toEqual([
      expect.objectContaining({
        name: 'java',
        group: 'kuv-java-r-1',
        text: expect.stringMatching(/^not positioned on its first assignment/),
      }),
    ]);
  });
});
