/**
 * The EventBridge events (functions/core/live/events.ts, docs/events.md): their
 * entries, once-per-run anomaly, and failures told, never thrown.
 */
import type { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';

import {
  anomalyPublisher,
  failedSendFinding,
  finishedEntry,
  putEvent,
  type PutEventsClient,
} from '../../../functions/core/live/events.js';
import type { LiveFinding } from '../../../functions/core/live/types.js';

function fakeEvents(answer: () => Awaited<ReturnType<PutEventsClient['send']>> = () => ({})) {
  const sent: Array<NonNullable<PutEventsCommand['input']['Entries']>[number]> = [];
  const client: PutEventsClient = {
    send: (command) => {
      sent.push(...(command.input.Entries ?? []));
      return Promise.resolve(answer());
    },
  };
  return { client, sent };
}

const finding = (over: Partial<LiveFinding> = {}): LiveFinding => ({
  type: 'finding',
  kind: 'failedSend',
  hard: true,
  at: Date.UTC(2026, 11, 2, 12, 0, 3),
  detectedAt: Date.UTC(2026, 11, 2, 12, 0, 4),
  partition: 2,
  detail: '1 canary send(s) failed so far',
  ...over,
});

describe('Verification Anomaly', () => {
  it('is sent once per run, at the first hard finding, with the documented detail', async () => {
    const { client, sent } = fakeEvents();
    const p = anomalyPublisher({
      client,
      run: { cluster: 'staging', runId: 'r1' },
      log: () => undefined,
      alreadySent: false,
    });
    p.onFinding(finding({ hard: false, kind: 'redelivered', type: 'anomaly' }));
    p.onFinding(finding());
    p.onFinding(finding({ partition: 0 }));
    await p.settled();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      Source: 'kafka-upgrade-verifier',
      DetailType: 'Verification Anomaly',
      Time: new Date(Date.UTC(2026, 11, 2, 12, 0, 4)),
    });
    expect(sent[0]?.EventBusName).toBeUndefined();
    expect(JSON.parse(sent[0]!.Detail!)).toEqual({
      version: 1,
      cluster: 'staging',
      runId: 'r1',
      finding: finding(),
    });
    expect(p.sent()).toBe(true);
  });

  it('sends nothing when an earlier slice sent it already', async () => {
    const { client, sent } = fakeEvents();
    const p = anomalyPublisher({
      client,
      run: { cluster: 'staging', runId: 'r1' },
      log: () => undefined,
      alreadySent: true,
    });
    p.onFinding(finding());
    await p.settled();
    expect(sent).toEqual([]);
  });

  it('tries again at the next hard finding when EventBridge refused the first', async () => {
    let calls = 0;
    const { client, sent } = fakeEvents(() =>
      ++calls === 1
        ? {
            FailedEntryCount: 1,
            Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try later' }],
          }
        : {},
    );
    const lines: string[] = [];
    const p = anomalyPublisher({
      client,
      run: { cluster: 'staging', runId: 'r1' },
      log: (l) => lines.push(l),
      alreadySent: false,
    });
    p.onFinding(finding());
    await p.settled();
    expect(p.sent()).toBe(false);
    p.onFinding(finding());
    await p.settled();
    expect(sent).toHaveLength(2);
    expect(p.sent()).toBe(true);
    expect(lines).toEqual([
      expect.stringContaining(
        '"Verification Anomaly" NOT sent to the default bus (InternalFailure: try later)',
      ),
    ]);
  });

  it('is made from the session’s first failed send', () => {
    expect(failedSendFinding({ counters: { failed: 0 }, lastError: null }, 5)).toBeNull();
    expect(
      failedSendFinding(
        { counters: { failed: 2 }, lastError: { at: 3, partition: 1, error: 'Request timed out' } },
        5,
      ),
    ).toEqual({
      type: 'finding',
      kind: 'failedSend',
      hard: true,
      at: 3,
      detectedAt: 5,
      partition: 1,
      value: 2,
      detail: '2 canary send(s) failed so far; last error: Request timed out',
    });
  });
});

describe('Verification Finished', () => {
  it('carries the verdict, the reasons and the report’s location', () => {
    const e = finishedEntry(
      { cluster: 'staging', runId: 'r1' },
      { verdict: 'pass', reasons: [] },
      { report: 's3://b/runs/staging/r1/report.json', summary: 's3://b/s', html: 's3://b/h' },
      new Date(0),
    );
    expect(e).toMatchObject({
      Source: 'kafka-upgrade-verifier',
      DetailType: 'Verification Finished',
    });
    expect(JSON.parse(e.Detail!)).toEqual({
      version: 1,
      cluster: 'staging',
      runId: 'r1',
      verdict: 'pass',
      reasons: [],
      location: {
        report: 's3://b/runs/staging/r1/report.json',
        summary: 's3://b/s',
        html: 's3://b/h',
      },
    });
  });

  it('a put that throws is told, not thrown', async () => {
    const lines: string[] = [];
    const client: PutEventsClient = {
      send: () =>
        Promise.reject(
          Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }),
        ),
    };
    const ok = await putEvent(
      client,
      finishedEntry(
        { cluster: 'c', runId: 'r' },
        { verdict: 'fail', reasons: ['x'] },
        { report: 'a', summary: 'b', html: 'c' },
      ),
      (l) => lines.push(l),
    );
    expect(ok).toBe(false);
    expect(lines[0]).toMatch(
      /AccessDeniedException: not authorized.*events:PutEvents on the default event bus/,
    );
  });
});
