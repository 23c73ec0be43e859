import { describe, expect, it } from 'vitest';

import type { GateSnapshot } from '../../../functions/core/gate/check.js';
import type { GateSource } from '../../../functions/core/gate/gather.js';
import { waitForGate } from '../../../functions/core/gate/wait.js';
import { UsageError } from '../../../functions/core/errors.js';

/** A source that gives the snapshots in turn (the last one again after), and a clock that moves 1 s per read. */
function scripted(snapshots: Partial<GateSnapshot>[]) {
  let now = 0;
  let i = 0;
  const source: GateSource = {
    read: async () => {
      now += 1000;
      const over = snapshots[Math.min(i++, snapshots.length - 1)]!;
      return {
        at: now,
        metadataFailure: null,
        brokers: [{ id: 1, host: 'b1', port: 9092 }],
        reach: [{ id: 1, endpoint: 'b1:9092', failure: null }],
        topics: [],
        missingTopics: [],
        ...over,
      };
    },
    close: async () => {},
  };
  return { source, clock: () => now };
}

describe('waitForGate', () => {
  it('tells each change once, not each poll, and returns once safe', async () => {
    const down = { brokers: [], reach: [] };
    const { source, clock } = scripted([{}, down, down, down, {}]);
    const changes: string[][] = [];
    const outcome = await waitForGate({
      source,
      clock,
      intervalMs: 1,
      expected: [1],
      onChange: (w) => changes.push([...w]),
    });
    // Safe at the first poll: it returns there.
    expect(outcome.polls).toBe(1);
    const again = scripted([down, down, down, {}]);
    changes.length = 0;
    const waited = await waitForGate({
      source: again.source,
      clock: again.clock,
      intervalMs: 1,
      expected: [1],
      onChange: (w) => changes.push([...w]),
    });
    expect(waited.safe).toBe(true);
    expect(waited.polls).toBe(4);
    expect(changes).toEqual([
      ['broker 1 registered (the cluster does not list it: down or fenced)'],
      [],
    ]);
    expect(waited.waitedFor).toEqual([
      'broker 1 registered (the cluster does not list it: down or fenced)',
    ]);
  });

  it('gives up at the timeout with the reasons still open', async () => {
    const { source, clock } = scripted([{ missingTopics: ['orders'] }]);
    const outcome = await waitForGate({ source, clock, intervalMs: 1, timeoutMs: 3000 });
    expect(outcome).toMatchObject({
      safe: false,
      aborted: false,
      waitingFor: ['topic orders to exist'],
    });
    expect(outcome.waitedMs).toBeGreaterThanOrEqual(3000);
  });

  it('refuses --run DIR without live.jsonl after the first interval, and waits within it', async () => {
    expect.assertions(2);
    const { source, clock } = scripted([{ runDir: '/tmp/no-run' }]);
    try {
      await waitForGate({ source, clock, intervalMs: 1500 });
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(
        /--run \/tmp\/no-run: \/tmp\/no-run\/live\.jsonl does not exist/,
      );
    }
  });

  it('ends early when aborted', async () => {
    const { source, clock } = scripted([{ missingTopics: ['orders'] }]);
    const controller = new AbortController();
    controller.abort();
    const outcome = await waitForGate({ source, clock, intervalMs: 1, signal: controller.signal });
    expect(outcome).toMatchObject({ safe: false, aborted: true, polls: 1 });
  });
});
