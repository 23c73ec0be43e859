/**
 * A CLI run's live side (issue 17): the live checker fed every history record as the
 * sink takes it (TeeSink), the following verifying reader started with the canary,
 * each finding told as it is made (a line for the person, a line of DIR/live.jsonl),
 * the live metrics (with `--cloudwatch`) merged from the session's and the checker's
 * counts, and, at the end, the live section of the report: what was seen live set
 * against the verdict.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

import type { HistorySink } from '../canary/sink.js';
import type { LiveProgress } from '../canary/session.js';
import type { SliceState } from '../canary/state.js';
import type { Report } from '../history/index.js';
import { createKafka, destroyOpenSockets, type KafkaConnection } from '../kafka/client.js';
import { LiveChecker } from '../live/checker.js';
import { startFollower, type Follower } from '../live/follower.js';
import type { LiveJournal } from '../live/journal.js';
import { formatFindingLine, liveSection, type LiveSection } from '../live/summary.js';
import { TeeSink } from '../live/tee.js';
import { liveRunMetrics } from './publish.js';

export interface RunLiveOptions {
  connection: KafkaConnection;
  topic: string;
  runId: string;
  journal: LiveJournal;
  /** A line for the person (the status view's note). */
  note: (line: string) => void;
  /** Publish live metrics for this cluster name (`--cloudwatch`), or null. */
  cloudwatchCluster: string | null;
  log: (line: string) => void;
  cloudWatch?: CloudWatchClient;
}

export class RunLive {
  readonly checker = new LiveChecker();
  private follower: Follower | null = null;
  private readonly metrics: ReturnType<typeof liveRunMetrics> | null;
  private readonly kafka;

  constructor(private readonly options: RunLiveOptions) {
    this.kafka = createKafka({ ...options.connection, clientId: `kuv-follow-${options.runId}` });
    this.checker.onFinding((finding) => {
      options.journal.finding(finding);
      options.note(formatFindingLine(finding));
    });
    this.metrics =
      options.cloudwatchCluster === null
        ? null
        : liveRunMetrics(options.cloudwatchCluster, options.log, options.cloudWatch, this.checker);
  }

  /** The run's sink, with every record also given to the live checker. */
  sink(inner: HistorySink): HistorySink {
    return new TeeSink(
      inner,
      (record) => this.checker.check(record),
      (error) =>
        this.options.note(
          `live: the live checker failed (${error instanceof Error ? error.message : String(error)}) and stops; the history and its verdict are not affected`,
        ),
    );
  }

  /** Every progress report of the canary: starts the follower once the run's first offsets are known. */
  onState(state: SliceState, progress?: LiveProgress): void {
    this.metrics?.onState(state);
    if (progress !== undefined && state.phase !== 'done') this.checker.waiting(progress.waiting);
    if (this.follower === null && state.phase === 'canary' && state.firstOffsets.length > 0) {
      this.follower = startFollower({
        kafka: this.kafka,
        topic: state.topic,
        runId: state.runId,
        firstOffsets: state.firstOffsets,
        target: this.checker,
        note: this.options.note,
      });
    }
  }

  /** After the canary (read-back included): stops the follower and the metrics. */
  async stop(): Promise<void> {
    try {
      await this.follower?.stop();
    } finally {
      destroyOpenSockets(this.kafka);
      await this.metrics?.stop();
    }
  }

  /** report.json's `live`: the findings beside the verdict. */
  section(report: Report): LiveSection {
    return liveSection(this.checker.findings, report);
  }
}
