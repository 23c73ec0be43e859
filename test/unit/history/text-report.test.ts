/**
 * The one-screen text summary: what inconclusive means, the reachability block
 * and the balance line.
 */
import { describe, expect, it } from 'vitest';
import { formatText } from '../../../functions/core/history/index.js';
import {
  acked,
  analyze,
  broker,
  clean,
  failedStage,
  leaders,
  log,
  offsets,
  probe,
  run,
  t,
} from './history-builder.js';

/** How the summary prints t(ms). */
const clock = (ms: number): string => new Date(t(ms)).toISOString().slice(11, 23);

describe('formatText', () => {
  it('shows the longest stall, tick to ack, which "longest unavailable" (failed sends only) misses', () => {
    // seq 1 waited 12.5 s in the queue behind a killed leader and was acked: no send failed.
    const stalled = acked(1, 1, 12_600, { scheduledAt: t(100) });
    const text = formatText(
      analyze([run(), acked(0, 0, 0, { scheduledAt: t(0) }), stalled, log(0, 0), log(1, 1)]),
    );
    expect(text).toContain('longest unavailable  0 ms  (failed sends only)');
    expect(text).toContain("longest stall        12505 ms  (a message's tick to its ack)");
    // Without scheduledAt (format v2) there is no stall to tell.
    expect(formatText(analyze([run(), ...clean(0, 2)]))).not.toContain('longest stall');
  });

  it('says plainly that inconclusive is not a pass, and what to do', () => {
    const text = formatText(analyze([run(), acked(0, 0)]));
    expect(text).toMatch(/^VERDICT: INCONCLUSIVE/);
    expect(text).toContain('this is not a pass');
    expect(text).toContain(
      "nothing was read back: the verifying reader never ran (no log record), so loss cannot be judged — re-run, check the run's log",
    );
  });

  it('lists each broker: reachable or not, old → new addresses when moved, IP literals named', () => {
    const text = formatText(
      analyze([
        run(),
        ...clean(0, 2),
        probe(1, 'baseline', 0, ['10.0.0.1']),
        probe(1, 'after', 100, ['10.0.0.11']),
        probe(2, 'after', 100, ['10.0.0.2'], { endpoint: '10.0.0.2:9092' }),
        probe(3, 'after', 100, ['10.0.0.3'], { kafka: failedStage('ECONNREFUSED') }),
      ]),
    );
    const lines = text.split('\n');
    expect(lines.find((l) => l.includes('broker 1'))).toMatch(
      /b-1\.kafka\.test:9092 {2}reachable, address changed {2}\(10\.0\.0\.1 → 10\.0\.0\.11\)/,
    );
    expect(lines.find((l) => l.includes('broker 2'))).toContain('IP literal');
    expect(lines.find((l) => l.includes('broker 3'))).toMatch(/UNREACHABLE .*kafka 1 of 1/);
    expect(text).toContain('reachability: 1 brokers and 0 bootstrap endpoints unreachable');
  });

  it('gives one balance line: skew, preferred leaders, under-replicated, offline', () => {
    const text = formatText(
      analyze([
        run(),
        ...clean(0, 2),
        leaders('t', 'after', 100, [
          [0, 1, [1, 2], [1]],
          [1, -1, [2, 1], []],
        ]),
      ]),
    );
    expect(text).toContain(
      'balance: leader skew 2 (1 is even), preferred leaders 0.5, under-replicated 1, offline 1 — 2 partitions in 1 topics',
    );
  });

  it('gives each topic its balance over time: peak skew and when, time skewed, restoration, traffic', () => {
    const even: [number, number, number[], number[]][] = [
      [0, 1, [1, 2], [1, 2]],
      [1, 2, [2, 1], [2, 1]],
    ];
    const piled: [number, number, number[], number[]][] = [
      [0, 1, [1, 2], [1, 2]],
      [1, 1, [2, 1], [2, 1]],
    ];
    const lines = [
      run(),
      ...clean(0, 2),
      broker(1, 'down', 1000),
      broker(1, 'up', 2000),
      leaders('t', 'during', 1500, piled),
      leaders('t', 'during', 2500, even),
      leaders('t', 'after', 4000, even),
      leaders('u', 'after', 4000, piled),
      offsets('t', 'during', 0, [
        [0, 0],
        [1, 0],
      ]),
      offsets('t', 'after', 4000, [
        [0, 10],
        [1, 30],
      ]),
    ];
    const text = formatText(analyze(lines));
    expect(text).toContain(
      `  t: peak leader skew 2 at ${clock(1500)}, above 1.5 (or leaderless) for 1000 ms; ` +
        `leaders back to preferred 500 ms after the last broker came up; peak traffic skew 2 at ${clock(1500)}`,
    );
    expect(text).toContain(
      `  u: peak leader skew 2 at ${clock(4000)}, above 1.5 (or leaderless) for 0 ms; ` +
        'leaders NOT back to preferred after the last broker came up\n',
    );
  });

  it('shows scheduled latency next to produce latency when sends carry a scheduledAt', () => {
    const lines = [run(), ...clean(0, 2)];
    expect(formatText(analyze(lines))).not.toContain('scheduled');
    lines.push(acked(3, 3, 300, { scheduledAt: t(100) }));
    expect(formatText(analyze(lines))).toContain(
      '  worst p99 latency    produce 5 ms, scheduled 205 ms (from when each send was due',
    );
  });

  it('leaves the blocks out when the history has no probe or leaders record', () => {
    const text = formatText(analyze([run(), ...clean(0, 2)]));
    expect(text).not.toMatch(/^reachability:/m);
    expect(text).not.toMatch(/^balance:/m);
  });
});
