/** The deployment configuration's types (verifier-config.ts reads and checks them). */
import type { ProducerMode } from '../canary/state.js';

export type SecurityProtocol = 'plaintext' | 'tls' | 'sasl-scram' | 'msk-iam';
export const SECURITY_PROTOCOLS: readonly SecurityProtocol[] = [
  'plaintext',
  'tls',
  'sasl-scram',
  'msk-iam',
];

export interface SecurityConfig {
  readonly protocol: SecurityProtocol;
  /** A Secrets Manager secret holding the PEM CA bundle that signs the brokers' certificates. */
  readonly caSecretArn?: string;
  /** A Secrets Manager secret holding `{"username", "password"}` for SASL/SCRAM-SHA-512. */
  readonly saslSecretArn?: string;
}

export interface VpcConfig {
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

export interface CanaryConfig {
  readonly topic: string;
  /** One canary message per partition every `intervalMs`. */
  readonly intervalMs: number;
  /** The `producer` of every canary record (docs/history-format.md): a name, not a mode. */
  readonly producer: string;
  /** How the canary produces, as `run --producer` chooses: idempotent (the default) or at-least-once. */
  readonly mode: ProducerMode;
  /** How long the canary keeps running after the upgrade is over. */
  readonly settleMs: number;
  /** The longest a run lasts (upgrade and settle): it stops then even if no end was seen. */
  readonly maxDurationMs: number;
  /**
   * The canary topic's partition count the functions are sized for (two per broker for
   * a topic the run creates): the canary-slice function's memory follows it.
   */
  readonly partitions: number;
}

export type Policy = 'strict' | 'tolerant';

/** A catalogue metric's alarm as this cluster wants it. */
export interface AlarmOverride {
  /** Replaces the catalogue's threshold. */
  readonly threshold?: number;
  /** true alarms on a metric the catalogue only graphs; false drops a default alarm. */
  readonly enabled?: boolean;
}

export interface ClusterConfig {
  /** The `Cluster` dimension of every metric; part of every alarm, dashboard and run name. */
  readonly name: string;
  /** `host:port,host:port`, as the cluster's clients are configured. */
  readonly bootstrap: string;
  readonly security: SecurityConfig;
  readonly vpc: VpcConfig;
  /** The Amazon MSK cluster: its upgrades start runs by themselves. Absent: self-managed. */
  readonly mskClusterArn?: string;
  readonly canary: CanaryConfig;
  readonly policy: Policy;
  /** How long after a broker comes back its restart window lasts. */
  readonly windowMs: number;
  /** Per-metric alarm overrides by catalogue metric name. */
  readonly alarms: Readonly<Record<string, AlarmOverride>>;
  /** Addresses that get this cluster's alarms and verdicts. */
  readonly emails: readonly string[];
}

export interface VerifierConfig {
  /** Days a run's history and report are kept. */
  readonly runRetentionDays: number;
  /** The msk-watch poll rate in minutes; null: no poller. */
  readonly scheduleMinutes: number | null;
  readonly clusters: readonly ClusterConfig[];
}
