/**
 * The event contract between the triggers (EventBridge rules, the msk-watch poller,
 * a person) and a verification run (docs/aws.md, "Event contract"). Pure: the CDK
 * stack builds the rules and the start-run state machine from these names, and the
 * handlers read and write the same shapes.
 *
 * Every trigger ends in the start-run state machine with a StartRunInput. It names the
 * run `<cluster>-<md5(upgradeKey)>-<attempt>` and starts the verification state machine
 * under that name, so a repeated event — EventBridge delivers at least once, and an MSK
 * upgrade is seen both through CloudTrail and by msk-watch — starts nothing new, while
 * a person re-runs a failed run by giving the next attempt.
 */
import { createHash } from 'node:crypto';

/** `source` of the events a pipeline sends for a self-managed cluster. */
export const EVENT_SOURCE = 'kafka-upgrade-verifier';
/** `detail-type` of the event that starts a run. */
export const UPGRADE_STARTED = 'Upgrade Started';
/** `detail-type` of the event that says the upgrade is over: the run settles, then verifies. */
export const UPGRADE_FINISHED = 'Upgrade Finished';

/** The `detail` of an Upgrade Started / Upgrade Finished event. */
export interface UpgradeEventDetail {
  /** A configured cluster's `name`. */
  readonly cluster: string;
  /** The pipeline's id of this upgrade: the same in Started and Finished. */
  readonly upgradeId: string;
}

/**
 * The Amazon MSK API calls that restart brokers, whose CloudTrail events start a run.
 * Every one answers with a ClusterOperationArn. `UpdateConfiguration` is left out: it
 * writes a new revision of a configuration and touches no cluster (`UpdateClusterConfiguration`
 * applies it, and is here).
 */
export const MSK_UPGRADE_EVENT_NAMES = [
  'UpdateClusterKafkaVersion',
  'RebootBroker',
  'UpdateBrokerType',
  'UpdateBrokerCount',
  'UpdateBrokerStorage',
  'UpdateClusterConfiguration',
  'UpdateSecurity',
  'UpdateConnectivity',
  'UpdateStorage',
] as const;

export type TriggerKind = 'msk-api' | 'custom' | 'msk-watch' | 'manual';

/** What started a run, as the run's input carries it. */
export interface Trigger {
  readonly kind: TriggerKind;
  /** When the triggering event happened (ISO 8601). */
  readonly time: string;
  /** msk-api: the MSK operation's name (`UpdateClusterKafkaVersion`, …). */
  readonly eventName?: string;
  /** msk-api: the CloudTrail eventID; custom: the EventBridge event id. */
  readonly eventId?: string;
  /** custom: the pipeline's upgradeId. */
  readonly upgradeId?: string;
  /** msk-api and msk-watch: the MSK cluster operation (ClusterOperationArn). */
  readonly operationArn?: string;
}

/** The start-run state machine's input: what every trigger gives. */
export interface StartRunInput {
  readonly cluster: string;
  /**
   * What identifies the upgrade: the MSK ClusterOperationArn (CloudTrail and msk-watch
   * give the same one), or the pipeline's upgradeId for custom events.
   */
  readonly upgradeKey: string;
  readonly trigger: Trigger;
  /**
   * Which run of this upgrade: 1 unless given. A person re-runs a failed or aborted run
   * for the same upgrade with the next number (Step Functions keeps an execution name
   * for 90 days, so the same name cannot run again); the re-run has its own runId and
   * run store folder, and sees the same upgrade-finished marker.
   */
  readonly attempt?: number;
}

/** The highest attempt: keeps the execution name within Step Functions' 80 characters. */
export const MAX_ATTEMPT = 99;

/** The verification state machine's input: StartRunInput plus what start-run derives. */
export interface RunInput extends StartRunInput {
  /** md5(upgradeKey), lowercase hex (Step Functions' States.Hash). */
  readonly upgradeHash: string;
  /** Which run of this upgrade (1 unless the trigger gave another). */
  readonly attempt: number;
  /** The execution name: `<cluster>-<upgradeHash>-<attempt>`. */
  readonly runId: string;
  /** Where the upgrade's end is recorded: the run settles once this object exists. */
  readonly finishedMarker: { readonly bucket: string; readonly key: string };
}

/** md5 of the upgrade key, as States.Hash(key, 'MD5') gives it. */
export function upgradeHash(upgradeKey: string): string {
  return createHash('md5').update(upgradeKey, 'utf8').digest('hex');
}

/**
 * The run's execution name for a cluster's upgrade (what start-run names it). The full
 * md5 stays in it: Step Functions' intrinsic functions can hash but not cut a string, and
 * start-run has no Lambda to do it; the cluster's name comes first, so the console's
 * list still reads by cluster.
 */
export function runId(cluster: string, upgradeKey: string, attempt = 1): string {
  return `${cluster}-${upgradeHash(upgradeKey)}-${attempt}`;
}

/** The run store key whose existence says the upgrade is over (the same for every attempt). */
export function finishedMarkerKey(cluster: string, upgradeKey: string): string {
  return `upgrades/${cluster}/${upgradeHash(upgradeKey)}/finished.json`;
}
