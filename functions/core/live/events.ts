/**
 * EventBridge events on the default bus (docs/events.md), source
 * `kafka-upgrade-verifier`:
 * - `Verification Anomaly`, once per run, at its first hard live finding, so a pipeline
 *   can stop a roll;
 * - `Verification Finished`, with the verdict, its reasons and where the report is, so
 *   a pipeline can gate the next cluster on this one's verdict.
 *
 * Sending never throws and never stops a run: a refused or failed event is logged (what,
 * where, what to do). The client is passed in (Lambda, CLI, tests with moto).
 */
import { PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';

import type { CanaryCounters, SliceState } from '../canary/state.js';
import { EVENT_SOURCE } from '../config/events.js';
import type { LiveFinding, LiveListener } from './types.js';

/** The same source as the events that start a run (functions/core/config/events.ts). */
export { EVENT_SOURCE };
export const ANOMALY_DETAIL_TYPE = 'Verification Anomaly';
export const FINISHED_DETAIL_TYPE = 'Verification Finished';
/** The version of both details' shape (docs/events.md); a breaking change bumps it. */
export const EVENT_DETAIL_VERSION = 1;

export interface PutEventsClient {
  send(command: PutEventsCommand): Promise<{
    FailedEntryCount?: number | undefined;
    Entries?: Array<{ ErrorCode?: string | undefined; ErrorMessage?: string | undefined }>;
  }>;
}

/** Which run an event is about. */
export interface EventRun {
  readonly cluster: string | null;
  readonly runId: string;
}

/** `Verification Anomaly`'s detail (docs/events.md). */
export interface AnomalyDetail {
  readonly version: typeof EVENT_DETAIL_VERSION;
  readonly cluster: string | null;
  readonly runId: string;
  readonly finding: LiveFinding;
}

/** Where a run's report is: S3 URIs (and a console link) in Lambda, local paths for the CLI. */
export interface ReportLocation {
  readonly report: string;
  readonly summary: string;
  readonly html: string;
  /** The S3 console page of the run's folder (Lambda only). */
  readonly consoleUrl?: string;
}

/** `Verification Finished`'s detail (docs/events.md). */
export interface FinishedDetail {
  readonly version: typeof EVENT_DETAIL_VERSION;
  readonly cluster: string | null;
  readonly runId: string;
  readonly verdict: string;
  readonly reasons: readonly string[];
  readonly location: ReportLocation;
}

function entry(detailType: string, detail: object, at: Date): PutEventsRequestEntry {
  return {
    Source: EVENT_SOURCE,
    DetailType: detailType,
    Detail: JSON.stringify(detail),
    Time: at,
    // No EventBusName: the account's default bus.
  };
}

export function anomalyEntry(run: EventRun, finding: LiveFinding): PutEventsRequestEntry {
  const detail: AnomalyDetail = {
    version: EVENT_DETAIL_VERSION,
    cluster: run.cluster,
    runId: run.runId,
    finding,
  };
  return entry(ANOMALY_DETAIL_TYPE, detail, new Date(finding.detectedAt));
}

export function finishedEntry(
  run: EventRun,
  report: { readonly verdict: string; readonly reasons: readonly string[] },
  location: ReportLocation,
  at: Date = new Date(),
): PutEventsRequestEntry {
  const detail: FinishedDetail = {
    version: EVENT_DETAIL_VERSION,
    cluster: run.cluster,
    runId: run.runId,
    verdict: report.verdict,
    reasons: report.reasons,
    location,
  };
  return entry(FINISHED_DETAIL_TYPE, detail, at);
}

/**
 * Puts one event on the default bus; true when EventBridge took it. Never throws: a
 * failure is told on `log` with what to check.
 */
export async function putEvent(
  client: PutEventsClient,
  event: PutEventsRequestEntry,
  log: (line: string) => void,
): Promise<boolean> {
  let problem: string;
  try {
    const out = await client.send(new PutEventsCommand({ Entries: [event] }));
    if ((out.FailedEntryCount ?? 0) === 0) return true;
    const e = out.Entries?.[0];
    problem = `${e?.ErrorCode ?? 'refused'}: ${e?.ErrorMessage ?? 'no reason given'}`;
  } catch (error) {
    const e = error as { name?: string; message?: string };
    problem = `${e.name ?? 'Error'}: ${e.message ?? String(error)}`;
  }
  log(
    `EventBridge: "${event.DetailType}" NOT sent to the default bus (${problem}). The run goes on; ` +
      'a rule waiting for it will not fire. What to do: check the region, the endpoint and events:PutEvents ' +
      'on the default event bus for this role or profile.',
  );
  return false;
}

/**
 * The first failed send of the session's counters as a live finding, or null while
 * none failed: the hard finding the session can tell by itself until the live checker's
 * findings are merged in.
 */
export function failedSendFinding(
  state: Pick<SliceState, 'lastError'> & { readonly counters: Pick<CanaryCounters, 'failed'> },
  now: number,
): LiveFinding | null {
  if (state.counters.failed === 0) return null;
  const last = state.lastError;
  return {
    type: 'finding',
    kind: 'failedSend',
    hard: true,
    at: last?.at ?? now,
    detectedAt: now,
    ...(last?.partition == null ? {} : { partition: last.partition }),
    value: state.counters.failed,
    detail:
      `${state.counters.failed} canary send(s) failed so far` +
      (last === null ? '' : `; last error: ${last.error}`),
  };
}

/**
 * `onFinding` sends `Verification Anomaly` for the run's first hard finding and ignores
 * the rest; `alreadySent` (carried across Lambda slices) makes it send nothing.
 * `sent()` says whether it was sent (to carry on); `settled()` waits for the put.
 */
export function anomalyPublisher(options: {
  readonly client: PutEventsClient;
  readonly run: EventRun;
  readonly log: (line: string) => void;
  readonly alreadySent: boolean;
}): { onFinding: LiveListener; sent: () => boolean; settled: () => Promise<void> } {
  let sent = options.alreadySent;
  let pending: Promise<void> = Promise.resolve();
  return {
    onFinding: (finding) => {
      if (sent || !finding.hard) return;
      sent = true;
      pending = putEvent(options.client, anomalyEntry(options.run, finding), options.log).then(
        (ok) => {
          // Not sent: the next hard finding tries again.
          if (!ok) sent = false;
        },
      );
    },
    sent: () => sent,
    settled: () => pending,
  };
}
