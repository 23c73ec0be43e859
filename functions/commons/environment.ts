/**
 * What a handler reads from its environment: the one cluster it serves (its checked
 * configuration, without secrets: only their ARNs), the run store, the alert topic.
 * The CDK stack sets them (lib/run/verifier-function.ts); a missing or bad one
 * fails the invocation with the variable's name.
 */
import { PRODUCER_MODES } from '../core/canary/state.js';
import type { ClusterConfig } from '../core/config/verifier-config.js';
import { InputError } from '../core/errors.js';

/** The cluster's configuration as JSON (ClusterConfig, durations in ms). */
export const CLUSTER_CONFIG_ENV = 'KUV_CLUSTER_CONFIG';
/** The run store bucket. */
export const RUN_BUCKET_ENV = 'KUV_RUN_BUCKET';
/** The alert topic (notify). */
export const ALERT_TOPIC_ENV = 'KUV_ALERT_TOPIC_ARN';
/** The verification state machine, whose executions are the runs (notify's links). */
export const RUN_STATE_MACHINE_ENV = 'KUV_RUN_STATE_MACHINE_ARN';
/** The start of the stack's alarm and dashboard names (notify). */
export const ALARM_PREFIX_ENV = 'KUV_ALARM_PREFIX';
/** How long one canary slice runs at most, in ms (canary-slice). */
export const SLICE_MS_ENV = 'KUV_SLICE_MS';
/** `host:port` of a DNS server for broker names; unset in AWS (the VPC resolver). */
export const DNS_SERVER_ENV = 'KUV_DNS_SERVER';
/** msk-watch: the configured `{cluster, mskClusterArn}` list, as JSON. */
export const MSK_CLUSTERS_ENV = 'KUV_MSK_CLUSTERS';

type Env = Readonly<Record<string, string | undefined>>;

export function requiredEnv(name: string, env: Env = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new InputError(
      `environment variable ${name} is not set: the function is not deployed by the kafka-upgrade-verifier stack, or its configuration was edited by hand.`,
    );
  }
  return value;
}

/** The cluster this function serves. */
export function clusterConfigFromEnv(env: Env = process.env): ClusterConfig {
  const text = requiredEnv(CLUSTER_CONFIG_ENV, env);
  let config: Partial<ClusterConfig>;
  try {
    config = JSON.parse(text) as Partial<ClusterConfig>;
  } catch (error) {
    throw new InputError(
      `environment variable ${CLUSTER_CONFIG_ENV} is not JSON: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const missing = (
    ['name', 'bootstrap', 'security', 'canary', 'policy', 'windowMs'] as const
  ).filter((k) => config[k] === undefined);
  if (missing.length > 0) {
    throw new InputError(
      `environment variable ${CLUSTER_CONFIG_ENV} lacks ${missing.join(', ')}: it must be the cluster's checked configuration as the stack writes it.`,
    );
  }
  // A canary without its mode would run neither documented producer (kafkajs' defaults
  // are at-least-once with five requests in flight): refuse it by name.
  const mode = (config.canary as { mode?: unknown }).mode;
  if (!(PRODUCER_MODES as readonly unknown[]).includes(mode)) {
    throw new InputError(
      `environment variable ${CLUSTER_CONFIG_ENV}: canary.mode is ${mode === undefined ? 'missing' : 'not one of the producer modes'}; it must be one of ${PRODUCER_MODES.join(', ')}, as the stack writes it. Redeploy the stack.`,
    );
  }
  return config as ClusterConfig;
}

/** The slice length: KUV_SLICE_MS, 10 s to 14 min (a Lambda lives 15). */
export function sliceMsFromEnv(env: Env = process.env, fallback = 600_000): number {
  const text = env[SLICE_MS_ENV];
  if (text === undefined || text === '') return fallback;
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms < 1000 || ms > 840_000) {
    throw new InputError(
      `environment variable ${SLICE_MS_ENV} must be whole milliseconds from 1000 to 840000, got ${JSON.stringify(text)}`,
    );
  }
  return ms;
}
