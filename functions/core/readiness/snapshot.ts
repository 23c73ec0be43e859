/**
 * What the readiness check reads from a cluster before an upgrade: a plain value that
 * gatherReadiness (gather.ts) fills through kafkajs, the probe and the resolvers, and
 * that readiness (rules.ts) judges without any I/O.
 */
import type { BrokerInfo, PartitionInfo } from '../probe/snapshot.js';

export interface ReadinessTopic {
  topic: string;
  /** Sorted by partition; `replicas[0]` is the preferred leader. */
  partitions: PartitionInfo[];
  /** `min.insync.replicas` as the cluster reports it for this topic; null when not reported. */
  minInsyncReplicas: number | null;
  /** `unclean.leader.election.enable` for this topic; null when not reported. */
  uncleanLeaderElection: boolean | null;
}

export interface ReadinessBroker extends BrokerInfo {
  /** `auto.leader.rebalance.enable` as this broker reports it; null when not reported. */
  autoLeaderRebalance: boolean | null;
  /** `leader.imbalance.check.interval.seconds`; null when not reported. */
  leaderImbalanceCheckIntervalSeconds: number | null;
  /**
   * Whether the broker's ApiVersions answer lists ConsumerGroupHeartbeat (key 68, the
   * KIP-848 consumer group protocol); null when the broker did not answer.
   */
  consumerGroupHeartbeat: boolean | null;
}

export interface ReadinessGroup {
  group: string;
  /** As DescribeGroups reports it: Stable, Empty, PreparingRebalance, CompletingRebalance, Dead. */
  state: string;
  /** `consumer` for consumer groups on the classic protocol; `connect` and others are skipped. */
  protocolType: string;
  /** The assignor the members agreed on (`range`, `cooperative-sticky`, …); '' while none is. */
  protocol: string;
  members: number;
}

export interface DnsAnswer {
  /** `system`, or the DNS server's `host:port`. */
  resolver: string;
  /** Sorted addresses; empty with `error` when the resolver gave none. */
  addresses: string[];
  error?: string;
}

export interface DnsComparison {
  name: string;
  answers: DnsAnswer[];
}

export interface ReadinessSnapshot {
  /** The bootstrap list as given (comma-separated host:port). */
  bootstrap: string;
  /** Every broker the metadata lists, sorted by id. */
  brokers: ReadinessBroker[];
  /** The selected topics, sorted by name. */
  topics: ReadinessTopic[];
  /** Every group ListGroups names, sorted by id. */
  groups: ReadinessGroup[];
  /** Names (bootstrap and advertised) asked of the system resolver and of --dns-server; empty without one. */
  dns: DnsComparison[];
}
