/**
 * Something that watches the cluster during a run and writes history records
 * (docs/history-format.md): the cluster watcher (`broker`, `leaders` records) and
 * the reachability prober (`probe` records). The run calls `baseline` once before
 * the canary starts, `tick` about once a second while the canary runs and settles,
 * and `after` once the run is over. A run is a sequence of bounded slices (a Lambda
 * lives at most 15 minutes): at the end of a slice the run saves `state()` (plain
 * JSON) and the next slice builds its monitor from it.
 */
export type HistoryRecordOut = Record<string, unknown> & { type: string };

/** Appends one history record (the run's sink stamps nothing: pass complete records). */
export type Emit = (record: HistoryRecordOut) => void;

export type RunPhase = 'baseline' | 'during' | 'after';

export interface RunMonitor {
  readonly name: string;
  /** Before the canary starts: the baseline records. */
  baseline(emit: Emit): Promise<void>;
  /** While the canary runs and settles; `now` is milliseconds since the epoch. Must return within ~1 s (do slow work in the background and emit when done). */
  tick(emit: Emit, now: number): Promise<void>;
  /**
   * Once the canary stops producing, before the settle and the read-back: a monitor
   * that writes to the canary topic itself (a client library's producer) stops here,
   * so that every record it wrote is read back. Called again before the read-back when
   * the run skipped the settle; must do nothing the second time.
   */
  canaryEnded?(emit: Emit): Promise<void>;
  /** Once the run is over: the `after` records. */
  after(emit: Emit): Promise<void>;
  /** JSON-serialisable state for the next slice's monitor. */
  state(): unknown;
  /** Ends background work and disconnects clients; safe to call twice. */
  close(): Promise<void>;
}
