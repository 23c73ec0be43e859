/**
 * The producer monitor (clients/producer-monitor.ts) against a real child process, a
 * shell script that speaks the producer protocol: its lines become `produce` records as
 * the canary's are, SIGTERM stops it, a send it never reported becomes a failed record.
 */
import { describe, expect, it } from 'vitest';

import type { HistoryRecordOut } from '../../../functions/core/probe/monitor.js';
import { NotMeasuredError, type ProducerDriver } from '../../../clients/monitor.js';
import { ProducerMonitor } from '../../../clients/producer-monitor.js';

const context = {
  bootstrap: 'b:1',
  dnsServer: undefined,
  topic: 't',
  profile: 'defaults' as const,
  runId: 'r-1',
  producer: 'kuv-test',
  intervalMs: 100,
};

/** A producer that prints `lines`, then waits for SIGTERM and prints `onTerm`. */
function scripted(lines: string[], onTerm: string[]): ProducerDriver {
  const echo = (ls: string[]) => ls.map((l) => `echo '${l}'`).join('; ');
  return {
    name: 'test',
    launch: () =>
      Promise.resolve({
        command: 'sh',
        args: [
          '-c',
          `trap '${echo(onTerm).replace(/'/g, `'"'"'`)}; exit 0' TERM; ${echo(lines)}; while :; do sleep 0.05; done`,
        ],
        library: 'testlib 1.0',
        version: '1.0',
        readyOn: 'ready',
      }),
  };
}

describe('ProducerMonitor', () => {
  it('turns sent/acked/failed lines into produce records and a never-reported send into a failed one', async () => {
    const monitor = new ProducerMonitor({
      driver: scripted(
        [
          '# settings {"acks":"1"}',
          '# ready',
          '# sent 0 0 1000 1001',
          '# sent 1 0 1000 1002',
          '# acked 0 0 17 1010',
          '# sent 0 1 1100 1100',
          'some library log line',
          '# acked 9 9 1 1200',
        ],
        ['# failed 1 0 1500 Local: Message timed out', '# stopped 3 1 1 1'],
      ),
      context,
    });
    const out: HistoryRecordOut[] = [];
    const emit = (r: HistoryRecordOut) => out.push(r);
    await monitor.baseline(emit);
    // Let the script print its first lines.
    for (let i = 0; i < 100 && out.length < 3; i++) {
      await new Promise((r) => setTimeout(r, 50));
      await monitor.tick(emit, Date.now());
    }
    await monitor.canaryEnded(emit);
    await monitor.canaryEnded(emit); // the second call does nothing
    await monitor.after(emit);
    await monitor.close();
    const produce = out.filter((r) => r.type === 'produce');
    expect(produce).toEqual([
      {
        type: 'produce',
        producer: 'kuv-test',
        partition: 0,
        seq: 0,
        sentAt: 1001,
        scheduledAt: 1000,
        ok: true,
        ackedAt: 1010,
        offset: 17,
      },
      expect.objectContaining({
        partition: 1,
        seq: 0,
        ok: false,
        failedAt: 1500,
        error: 'Local: Message timed out',
      }),
      expect.objectContaining({
        partition: 0,
        seq: 1,
        sentAt: 1100,
        ok: false,
        error: 'no delivery report before the producer stopped',
      }),
    ]);
    const client = out.filter((r) => r.type === 'client');
    expect(client[0]).toMatchObject({
      role: 'producer',
      name: 'test',
      producer: 'kuv-test',
      library: 'testlib 1.0',
      status: 'started',
    });
    expect(client.find((r) => r.event === 'settings')).toMatchObject({ settings: { acks: '1' } });
    expect(client.at(-1)).toMatchObject({
      status: 'stopped',
      sent: 3,
      acked: 1,
      failed: 1,
      unreported: 1,
      unmatchedOutcomes: 1,
      noiseLines: 1,
      exitCode: 0,
    });
    // A stop it was asked for is not an exit event.
    expect(client.some((r) => r.event === 'exit')).toBe(false);
  });

  it('writes a producer that cannot start as not measured, and one that dies as an exit event', async () => {
    const out: HistoryRecordOut[] = [];
    const emit = (r: HistoryRecordOut) => out.push(r);
    const missing = new ProducerMonitor({
      driver: {
        name: 'gone',
        launch: () => Promise.reject(new NotMeasuredError('no compiler', 'apt-get install -y gcc')),
      },
      context,
    });
    await missing.baseline(emit);
    await missing.after(emit);
    expect(out).toEqual([
      expect.objectContaining({
        role: 'producer',
        status: 'not measured',
        reason: 'no compiler',
        install: 'apt-get install -y gcc',
      }),
    ]);
    out.length = 0;
    const dies: ProducerDriver = {
      name: 'dies',
      launch: () =>
        Promise.resolve({
          command: 'sh',
          args: ['-c', "echo '# sent 0 0 1 2'; echo 'boom' >&2; exit 3"],
          library: 'x',
          version: '1',
          readyOn: 'ready',
        }),
    };
    const dying = new ProducerMonitor({ driver: dies, context });
    await dying.baseline(emit);
    for (let i = 0; i < 100 && !out.some((r) => r.event === 'exit'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      await dying.tick(emit, Date.now());
    }
    await dying.after(emit);
    await dying.close();
    expect(out.find((r) => r.event === 'exit')).toMatchObject({ text: 'exit code 3: boom' });
    expect(out.filter((r) => r.type === 'produce')).toEqual([
      expect.objectContaining({ seq: 0, ok: false, sentAt: 2 }),
    ]);
  });
});
