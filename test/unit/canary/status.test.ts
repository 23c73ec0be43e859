import { describe, expect, it } from 'vitest';

import { formatStatusLine, StatusView } from '../../../functions/core/canary/status.js';
import { sampleState } from './fixtures.js';

function stream(isTTY: boolean, columns = 200) {
  const out: string[] = [];
  return { out, stream: { isTTY, columns, write: (t: string) => out.push(t) } };
}

const ESC = '\x1b';

describe('status line', () => {
  it('shows phase, elapsed, sent/acked/failed, consumed and the last error with its age', () => {
    const state = sampleState();
    expect(formatStatusLine(state, state.startedAt + 65_000)).toBe(
      'canary 1m5s | sent 360 acked 357 failed 1 | consumed 340 | last error REQUEST_TIMED_OUT (p1, 35s ago)',
    );
    const full = { ...state.counters, failed: 5, queueFull: 4, longestStallMs: 12_000 };
    expect(formatStatusLine({ ...state, lastError: null, counters: full }, state.startedAt)).toBe(
      'canary 0ms | sent 360 acked 357 failed 5 (4 on a full queue) | consumed 340 | longest stall 12s',
    );
    expect(formatStatusLine({ ...state, lastError: null, phase: 'verify' }, state.startedAt)).toBe(
      'verify 0ms | sent 360 acked 357 failed 1 | consumed 340 | read back 0',
    );
  });

  it('on a terminal: redraws one line in place, truncated to the width', () => {
    const { out, stream: s } = stream(true, 40);
    const view = new StatusView(s);
    const state = sampleState();
    view.update(state, state.startedAt + 1000);
    view.update(state, state.startedAt + 2000);
    expect(out).toHaveLength(2);
    for (const line of out) {
      expect(line.startsWith(`\r${ESC}[2K`)).toBe(true);
      expect(line).not.toContain('\n');
      expect(line.length - `\r${ESC}[2K`.length).toBeLessThanOrEqual(39);
    }
    view.note('settle: producing stopped');
    expect(out[2]).toBe(`\r${ESC}[2Ksettle: producing stopped\n`);
    view.update(state, state.startedAt + 3000);
    view.finish();
    expect(out.at(-1)).toBe('\n');
  });

  it('on a terminal that reports 0 columns (a pseudo-terminal): 80 wide, not 20', () => {
    const { out, stream: s } = stream(true, 0);
    const state = sampleState();
    new StatusView(s).update(state, state.startedAt + 1000);
    expect(out[0]).toContain('| consumed 340 |');
  });

  it('not on a terminal: plain lines, no escape codes, one per ~10 s and one per phase change', () => {
    const { out, stream: s } = stream(false);
    const view = new StatusView(s);
    const state = sampleState();
    for (let t = 0; t <= 25_000; t += 100) view.update(state, state.startedAt + t);
    expect(out).toHaveLength(3); // at 0, 10 s, 20 s
    view.update({ ...state, phase: 'settle' }, state.startedAt + 25_100);
    expect(out).toHaveLength(4);
    view.note('verify: reading back');
    view.finish();
    expect(out.join('')).not.toContain(ESC);
    expect(out.every((l) => l.endsWith('\n'))).toBe(true);
  });

  it('--quiet prints nothing at all', () => {
    const { out, stream: s } = stream(true);
    const view = new StatusView(s, { quiet: true });
    view.update(sampleState(), 0);
    view.note('x');
    view.finish();
    expect(out).toEqual([]);
  });
});
