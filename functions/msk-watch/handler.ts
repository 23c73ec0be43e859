/**
 * msk-watch: on the schedule, looks at every configured Amazon MSK cluster
 * (DescribeClusterV2, ListClusterOperationsV2) and goes through the contract's own
 * paths: start-run for an upgrade in progress (the run's name dedupes it against the
 * CloudTrail rule and earlier polls), finish-upgrade for one that ended. One cluster
 * that cannot be read does not stop the others; the result says what happened to each.
 *
 * Event: MskWatchInput (docs/aws.md, "What msk-watch receives").
 */
import {
  DescribeClusterV2Command,
  ListClusterOperationsV2Command,
  type KafkaClient,
} from '@aws-sdk/client-kafka';
import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';

import { MSK_CLUSTER_ARN } from '../core/config/patterns.js';
import { InputError, VerifierError } from '../core/errors.js';
import { mskClient } from '../commons/aws-clients/msk.js';
import { sfnClient } from '../commons/aws-clients/sfn.js';
import { MSK_CLUSTERS_ENV } from '../commons/environment.js';
import { EventReader } from '../commons/events.js';
import { lambdaHandler } from '../commons/lambda.js';
import { logger } from '../commons/powertools/logger.js';
import { decide, type ClusterView, type OperationInfo } from './watch.js';

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]+$/;
/** Ended operations younger than this are finished again on every poll (idempotent). */
export const FINISH_LOOKBACK_MS = 30 * 60_000;

export interface WatchedCluster {
  readonly cluster: string;
  readonly mskClusterArn: string;
}

export interface MskWatchDeps {
  readonly msk: Pick<KafkaClient, 'send'>;
  readonly sfn: Pick<SFNClient, 'send'>;
  /** The clusters this function may watch, from its configuration (not from the event). */
  readonly configured: readonly WatchedCluster[];
  readonly now?: () => Date;
}

/** KUV_MSK_CLUSTERS: a JSON list of `{cluster, mskClusterArn}`. */
export function watchedClustersFromEnv(env: NodeJS.ProcessEnv = process.env): WatchedCluster[] {
  const raw = env[MSK_CLUSTERS_ENV];
  let value: unknown;
  try {
    value = raw === undefined ? undefined : JSON.parse(raw);
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value)) {
    throw new InputError(
      `msk-watch: the environment variable ${MSK_CLUSTERS_ENV} must be a JSON list of {cluster, mskClusterArn}, set by the stack from the configuration; redeploy the stack`,
    );
  }
  return value.map((c, i) => {
    const r = new EventReader(`msk-watch: ${MSK_CLUSTERS_ENV}`, c, `[${i}]`);
    return {
      cluster: r.string('cluster'),
      mskClusterArn: r.string('mskClusterArn', MSK_CLUSTER_ARN, 'an Amazon MSK cluster ARN'),
    };
  });
}

/**
 * Refuses an event whose clusters are not this function's own: a name mapped to another
 * ARN (a swapped mapping would start one cluster's run for the other's upgrade), or a
 * cluster the configuration does not list. The whole event is refused, nothing started.
 */
function checkAgainstConfigured(
  clusters: readonly { cluster: string; arn: string }[],
  configured: readonly WatchedCluster[],
): void {
  const own = new Map(configured.map((c) => [c.cluster, c.mskClusterArn]));
  clusters.forEach(({ cluster, arn }, i) => {
    const expected = own.get(cluster);
    if (expected === arn) return;
    throw new InputError(
      expected === undefined
        ? `msk-watch: field clusters[${i}].cluster names ${JSON.stringify(cluster)}, which this function's configuration does not list as an Amazon MSK cluster: nothing was started or finished. The schedule's input is built from the same configuration; an input edited by hand must match it.`
        : `msk-watch: field clusters[${i}].mskClusterArn is ${arn}, but this function's configuration maps ${JSON.stringify(cluster)} to ${expected}: nothing was started or finished (a swapped mapping would start one cluster's run for another's upgrade). Check the schedule rule's input against the configuration, and redeploy.`,
    );
  });
}

export interface ClusterOutcome {
  readonly cluster: string;
  readonly state: string | null;
  readonly started: string[];
  readonly finished: string[];
  readonly notes: string[];
  readonly error?: string;
}

async function view(msk: MskWatchDeps['msk'], cluster: string, arn: string): Promise<ClusterView> {
  const described = await msk.send(new DescribeClusterV2Command({ ClusterArn: arn }));
  const operations: OperationInfo[] = [];
  let token: string | undefined;
  do {
    const page = await msk.send(
      new ListClusterOperationsV2Command({
        ClusterArn: arn,
        MaxResults: 20,
        ...(token ? { NextToken: token } : {}),
      }),
    );
    for (const o of page.ClusterOperationInfoList ?? []) {
      if (o.OperationArn === undefined || o.OperationState === undefined) continue;
      operations.push({
        arn: o.OperationArn,
        state: o.OperationState,
        ...(o.OperationType === undefined ? {} : { type: o.OperationType }),
        ...(o.StartTime === undefined ? {} : { startTime: o.StartTime }),
        ...(o.EndTime === undefined ? {} : { endTime: o.EndTime }),
      });
    }
    // The newest operations come first: one page is enough unless all are in progress.
    token = operations.every((o) => o.state !== 'UPDATE_COMPLETE') ? page.NextToken : undefined;
  } while (token !== undefined);
  return {
    cluster,
    mskClusterArn: arn,
    state: described.ClusterInfo?.State ?? 'UNKNOWN',
    ...(described.ClusterInfo?.CurrentVersion === undefined
      ? {}
      : { currentVersion: described.ClusterInfo.CurrentVersion }),
    operations,
  };
}

export async function mskWatch(
  event: unknown,
  _context: Context,
  deps: MskWatchDeps,
): Promise<ClusterOutcome[]> {
  const r = new EventReader('msk-watch', event);
  const startArn = r.string('startRunStateMachineArn', STATE_MACHINE_ARN, 'a state machine ARN');
  const finishArn = r.string(
    'finishUpgradeStateMachineArn',
    STATE_MACHINE_ARN,
    'a state machine ARN',
  );
  const clusters = r.array('clusters').map((c, i) => {
    const cr = new EventReader('msk-watch', c, `clusters[${i}]`);
    return {
      cluster: cr.string('cluster'),
      arn: cr.string('mskClusterArn', MSK_CLUSTER_ARN, 'an Amazon MSK cluster ARN'),
    };
  });
  checkAgainstConfigured(clusters, deps.configured);
  const now = (deps.now ?? (() => new Date()))();
  const outcomes: ClusterOutcome[] = [];
  for (const { cluster, arn } of clusters) {
    try {
      const seen = await view(deps.msk, cluster, arn);
      const decision = decide(seen, now, FINISH_LOOKBACK_MS);
      for (const input of decision.start) {
        logger.info(`msk-watch: an upgrade of ${cluster} is in progress, starting its run`, {
          upgradeKey: input.upgradeKey,
        });
        await deps.sfn.send(
          new StartExecutionCommand({ stateMachineArn: startArn, input: JSON.stringify(input) }),
        );
      }
      for (const input of decision.finish) {
        logger.info(`msk-watch: an upgrade of ${cluster} ended, marking it finished`, {
          upgradeKey: input.upgradeKey,
        });
        await deps.sfn.send(
          new StartExecutionCommand({ stateMachineArn: finishArn, input: JSON.stringify(input) }),
        );
      }
      outcomes.push({
        cluster,
        state: seen.state,
        started: decision.start.map((s) => s.upgradeKey),
        finished: decision.finish.map((s) => s.upgradeKey),
        notes: decision.notes,
      });
    } catch (error) {
      outcomes.push({
        cluster,
        state: null,
        started: [],
        finished: [],
        notes: [],
        error: `${(error as Error).name}: ${(error as Error).message}`,
      });
    }
  }
  const failed = outcomes.filter((o) => o.error !== undefined);
  if (failed.length === outcomes.length && failed.length > 0) {
    throw new VerifierError(
      `msk-watch: no cluster could be read: ${failed.map((o) => `${o.cluster}: ${o.error}`).join('; ')}`,
    );
  }
  for (const o of outcomes) {
    if (o.error === undefined)
      logger.info(`msk-watch: cluster ${o.cluster} is ${o.state}`, { ...o });
    else logger.error(`msk-watch: cluster ${o.cluster} could not be read: ${o.error}`, { ...o });
  }
  return outcomes;
}

export function functionHandler(event: unknown, context: Context): Promise<ClusterOutcome[]> {
  return mskWatch(event, context, {
    msk: mskClient(),
    sfn: sfnClient(),
    configured: watchedClustersFromEnv(),
  });
}

export const handler = lambdaHandler('msk-watch', functionHandler);
