/**
 * What msk-watch decides for one Amazon MSK cluster, from its state (DescribeClusterV2)
 * and its operations (ListClusterOperationsV2). Pure: the handler fetches, this decides.
 *
 * - An operation in progress (PENDING / UPDATE_IN_PROGRESS) while the cluster has left
 *   ACTIVE (MAINTENANCE, UPDATING, REBOOTING_BROKER) or at any time → start its run,
 *   keyed by the operation ARN (the same key the CloudTrail rule uses, so one run).
 * - An operation that ended (UPDATE_COMPLETE / UPDATE_FAILED) within `lookbackMs` → its
 *   end is recorded (finish-upgrade writes the marker; writing it again is harmless).
 * - The cluster back to ACTIVE: every operation it reports as ended in the lookback is
 *   finished, so a run never waits for `maxDuration` once the cluster is ACTIVE again.
 * - Left ACTIVE with no operation listed (AWS maintenance not shown as an operation):
 *   a run keyed by the cluster's current version string and state; its end is seen at
 *   `canary.maxDuration` only, and the decision says so.
 */
import type { StartRunInput } from '../core/config/events.js';

export const UPGRADE_STATES = ['MAINTENANCE', 'UPDATING', 'REBOOTING_BROKER'] as const;
const IN_PROGRESS = ['PENDING', 'UPDATE_IN_PROGRESS'];
const ENDED = ['UPDATE_COMPLETE', 'UPDATE_FAILED'];

export interface OperationInfo {
  readonly arn: string;
  readonly state: string;
  readonly type?: string;
  readonly startTime?: Date;
  readonly endTime?: Date;
}

export interface ClusterView {
  readonly cluster: string;
  readonly mskClusterArn: string;
  /** DescribeClusterV2 ClusterInfo.State */
  readonly state: string;
  /** DescribeClusterV2 ClusterInfo.CurrentVersion */
  readonly currentVersion?: string;
  readonly operations: readonly OperationInfo[];
}

export interface WatchDecision {
  readonly start: StartRunInput[];
  readonly finish: StartRunInput[];
  readonly notes: string[];
}

export function decide(view: ClusterView, now: Date, lookbackMs: number): WatchDecision {
  const time = now.toISOString();
  const input = (operationArn: string): StartRunInput => ({
    cluster: view.cluster,
    upgradeKey: operationArn,
    trigger: { kind: 'msk-watch', time, operationArn },
  });
  const start = view.operations
    .filter((o) => IN_PROGRESS.includes(o.state))
    .map((o) => input(o.arn));
  const finish = view.operations
    .filter(
      (o) =>
        ENDED.includes(o.state) &&
        (o.endTime === undefined || now.getTime() - o.endTime.getTime() <= lookbackMs),
    )
    .map((o) => input(o.arn));
  const notes: string[] = [];
  const upgrading = (UPGRADE_STATES as readonly string[]).includes(view.state);
  if (upgrading && start.length === 0) {
    const key = `${view.mskClusterArn}#${view.state}#${view.currentVersion ?? 'unknown'}`;
    start.push({ cluster: view.cluster, upgradeKey: key, trigger: { kind: 'msk-watch', time } });
    notes.push(
      `${view.cluster} is ${view.state} with no operation in progress listed: a run keyed ${key} starts; its end is seen at canary.maxDuration only`,
    );
  }
  return { start, finish, notes };
}
