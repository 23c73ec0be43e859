import { afterEach, describe, expect, it } from 'vitest';

import { UsageError } from '../../../functions/core/errors.js';
import {
  clientGroup,
  clientMonitors,
  ClientMonitor,
  NotMeasuredError,
  parseClients,
  type ClientDriver,
} from '../../../clients/index.js';
import { hostsText, hostOf } from '../../../clients/hosts.js';
import {
  javaDriver,
  kcatDriver,
  kcatLibrary,
  saramaDriver,
  kcatStderrEvent,
  saramaVersion,
} from '../../../clients/libraries.js';
import type { HistoryRecordOut } from '../../../functions/core/probe/monitor.js';
import { sleep } from '../../../functions/core/wait.js';

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
    launch: () => Promise.resolve({ command: 'sh', args: ['-c', script], library: 'fake 1.0' }),
  };
}

const payload = (seq: number, runId = 'r-1') =>
  JSON.stringify({ runId, producer: 'canary', seq, sentAt: 1 });

describe('ClientMonitor', () => {
  const context = { bootstrap: 'b:1', dnsServer: undefined, group: 'kuv-sarama-r-1', topic: 't' };

  it('turns printed lines into consume records, events into client records; SIGTERM stops it', async () => {
    const script = [
      `printf '# rebalance assigned=2\\n'`,
      `printf '0\\t5\\t%s\\n' '${payload(7)}'`,
      `printf '0\\t6\\t%s\\n' '${payload(8, 'r-other')}'`,
      `printf 'log noise\\n1\\t9\\t%s\\n' '${payload(9)}'`,
      `trap 'printf "# committed\\n"; exit 0' TERM`,
      'while true; do sleep 0.05; done',
    ].join('; ');
    const monitor = new ClientMonitor({ driver: shellDriver(script), context, runId: 'r-1' });
    const out: HistoryRecordOut[] = [];
    const emit = (r: HistoryRecordOut) => out.push(r);
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
      { topic: 't', runId: 'r-9', canaryGroup: 'canary-g' },
    );
    expect(monitors.map((m) => m.name)).toEqual([
      'client:kafkajs',
      'client:sarama',
      'client:librdkafka',
    ]);
    expect(clientGroup('sarama', 'r-9')).toBe('kuv-sarama-r-9');
    const out: HistoryRecordOut[] = [];
    for (const m of monitors) await m.baseline((r) => out.push(r));
    for (const m of monitors) await m.close();
    expect(out[0]).toMatchObject({ name: 'kafkajs', group: 'canary-g', library: 'kafkajs 2.2.4' });
    // TLS/SASL: the child clients are not measured rather than connecting in plaintext.
    expect(out.slice(1)).toEqual([
      expect.objectContaining({
        group: 'kuv-sarama-r-9',
        status: 'not measured',
        reason: expect.stringMatching(/plaintext only/),
      }),
      expect.objectContaining({ group: 'kuv-librdkafka-r-9', status: 'not measured' }),
    ]);
    expect(
      clientMonitors(
        ['sarama'],
        { bootstrap: 'b:1' },
        { topic: 't', runId: 'r', canaryGroup: 'g' },
      ),
    ).toHaveLength(1);
  });
});

describe('a missing tool', () => {
  const context = { bootstrap: 'b:1', dnsServer: undefined, group: 'g', topic: 't' };
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
