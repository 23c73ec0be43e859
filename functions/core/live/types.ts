/** The live journal's file name in a run folder. */
export const LIVE_FILE = 'live.jsonl';

/** What a live finding is about. */
export type LiveFindingKind =
  | 'failedSend'
  | 'unavailable' // from the canary's own produce records
  | 'stalled' // from the producer's sends waiting for their outcome
  | 'duplicate'
  | 'outOfOrder'
  | 'suspectedLoss'
  | 'lossCleared' // from the following reader of the log
  | 'redelivered'
  | 'skipped' // from the canary group's consume records
  | 'unreachableBroker'
  | 'dnsFailure'
  | 'addressChanged' // from probe/broker records
  | 'leaderSkew'; // from leaders records

/** One line of DIR/live.jsonl: `type` "anomaly" for the history's anomaly kinds (duplicate, outOfOrder, suspectedLoss, redelivered, skipped), "finding" for the others. */
export interface LiveFinding {
  type: 'anomaly' | 'finding';
  kind: LiveFindingKind;
  /** true when the final verdict would fail on it under strict (failedSend, unavailable over the threshold, duplicate, outOfOrder, suspectedLoss, unreachableBroker, dnsFailure); false for warn/info kinds and lossCleared. */
  hard: boolean;
  /** The anomaly's own time as the spec defines it (ms since epoch). */
  at: number;
  /** When the live checker saw it (ms since epoch). */
  detectedAt: number;
  partition?: number;
  offset?: number;
  producer?: string;
  seq?: number;
  group?: string;
  broker?: number;
  endpoint?: string;
  topic?: string;
  /** The measured value where there is one (ms unavailable, skew ratio, …). */
  value?: number;
  /** The restart it follows, e.g. "broker 2 down at 12:00:03" or null before any restart. */
  after?: string | null;
  /** One human line: what was seen. */
  detail: string;
}

/** A status line of DIR/live.jsonl, written every 5 s while the canary runs (the gate reads it to know the canary acks). */
export interface LiveStatus {
  type: 'status';
  at: number;
  sent: number;
  acked: number;
  failed: number;
  /** ms since the oldest send still waiting for its ack was scheduled (0 when none waits). */
  oldestWaitingMs: number;
  /** true once the canary phase ended (the run is settling/verifying). */
  finished: boolean;
}

export type LiveLine = LiveFinding | LiveStatus;

/** The counts the live checker has seen so far, for live metrics: keys are catalogue metric names. */
export type LiveMetricValues = Partial<
  Record<
    | 'LostMessages'
    | 'DuplicateMessages'
    | 'OutOfOrderMessages'
    | 'RedeliveredMessages'
    | 'SkippedMessages'
    | 'ProducedMessages'
    | 'ProduceErrors'
    | 'MaxUnavailableMs'
    | 'LongestProduceStallMs'
    | 'UnreachableBrokers'
    | 'DnsFailures'
    | 'BrokerAddressChanges'
    | 'LeaderSkew',
    number
  >
>;
/** Where live metrics come from: the live checker implements it; the liveaws publisher reads it every ≤ 30 s. */
export interface LiveMetricSource {
  liveMetricValues(): LiveMetricValues;
}
/** Who hears each finding as it is made (live.jsonl writer, CLI lines, the anomaly-event publisher). */
export type LiveListener = (finding: LiveFinding) => void;
