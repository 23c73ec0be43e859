/**
 * DIR/live.jsonl's status lines as a run writes them, read back by the gate's own
 * reader and judged by the gate: a canary that acks passes, one whose acked count
 * stands still while a send waits blocks, a finished canary phase blocks.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { emptyCounters, type SliceState } from '../../../functions/core/canary/state.js';
import { gateCheck, type GateSnapshot } from '../../../functions/core/gate/check.js';
import { readLiveText } from '../../../functions/core/gate/live-file.js';
import { LiveJournal, STATUS_EVERY_MS } from '../../../functions/core/live/journal.js';
import { sampleState } from '../canary/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'kuv-journal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function state(acked: number): SliceState {
  return sampleState({
    phase: 'canary',
    counters: { ...emptyCounters(), sent: acked + 2, acked },
  });
}

/** The gate's verdict on the journal alone: a healthy cluster snapshot with the file's view. */
function gate(path: string, at: number): string[] {
  const snapshot: GateSnapshot = {
    at,
    metadataFailure: null,
    brokers: [],
    reach: [],
    topics: [],
    missingTopics: [],
    runDir: dir,
    live: readLiveText(readFileSync(path, 'utf8'), path),
  };
  return gateCheck(snapshot, { expected: [] }).waitingFor;
}

describe('the live journal', () => {
  it(`writes a status line at most every ${STATUS_EVERY_MS} ms, whole lines the gate reads`, () => {
    const path = join(dir, 'a.jsonl');
    const journal = new LiveJournal(path);
    const t0 = 1_764_000_000_000;
    for (let t = 0; t <= 12_000; t += 250) journal.progress(state(t / 100), t0 + t, 40);
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l).at - t0)).toEqual([0, 5000, 10_000]);
    expect(JSON.parse(lines[2]!)).toEqual({
      type: 'status',
      at: t0 + 10_000,
      sent: 102,
      acked: 100,
      failed: 0,
      oldestWaitingMs: 40,
      finished: false,
    });
    expect(gate(path, t0 + 11_000)).toEqual([]);
  });

  it('lets the gate block when acked stands still while a send waits, and after the canary phase', () => {
    const path = join(dir, 'b.jsonl');
    const journal = new LiveJournal(path);
    const t0 = 1_764_000_000_000;
    journal.progress(state(50), t0, 0);
    journal.progress(state(50), t0 + 5000, 6000);
    expect(gate(path, t0 + 6000).join('\n')).toMatch(
      /acked stays at 50 and the oldest send has waited/,
    );
    journal.finish(state(60), t0 + 7000);
    journal.finish(state(60), t0 + 8000);
    journal.progress(state(70), t0 + 20_000, 0);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[2]!)).toMatchObject({ finished: true, acked: 60 });
    expect(gate(path, t0 + 8000).join('\n')).toMatch(/its canary phase has finished/);
  });

  it('says once that it cannot write, and lets the run go on', () => {
    const said: string[] = [];
    const journal = new LiveJournal(join(dir, 'no-such-folder', 'live.jsonl'), (l) => said.push(l));
    journal.progress(state(1), 1, 0);
    journal.progress(state(2), 10_000, 0);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(
      /live: .*live\.jsonl could not be written .*ENOENT.*'gate --run' cannot see it/,
    );
  });
});
