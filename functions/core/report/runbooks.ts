/**
 * The runbooks' own words for "what to do next" (docs/runbooks/<slug>.md, each
 * page's "## What to do" section), copied here because the pages ship with
 * neither the npm package nor the Lambdas. test/unit/report/runbooks.test.ts
 * fails when a copy differs from its page, and rewrites RUNBOOKS with
 * KUV_WRITE_RUNBOOKS=1.
 */
import type { Verdict } from '../history/index.js';

export interface Runbook {
  /** The page's title: the metric name, e.g. LostMessages. */
  title: string;
  /** The page's "What to do" section, Markdown. */
  whatToDo: string;
}

/** A verdict reason's words (functions/core/history/verdict.ts) → its runbook page. */
const REASON_PAGES: readonly [RegExp, string][] = [
  [/acked records lost/, 'lost-messages'],
  [/duplicate records/, 'duplicate-messages'],
  [/out of order/, 'out-of-order-messages'],
  [/skipped/, 'skipped-messages'],
  [/offsets holding two different records/, 'inconsistent-offsets'],
  [/brokers unreachable/, 'unreachable-brokers'],
  [/bootstrap endpoints unreachable/, 'unreachable-bootstrap'],
  [/offline/, 'offline-partitions'],
  [/redelivered/, 'redelivered-messages'],
  [/address changed/, 'broker-address-changes'],
  [/IP addresses instead of DNS names/, 'ip-literal-endpoints'],
  [/DNS lookup failed/, 'dns-failures'],
  [/under-replicated/, 'under-replicated-partitions'],
  [/leader skew/, 'leader-skew'],
];

/** The page for the verdict as a whole, when it has one. */
export function verdictRunbook(verdict: Verdict): string | null {
  if (verdict === 'fail') return 'verification-failed';
  if (verdict === 'inconclusive') return 'verification-inconclusive';
  return null;
}

/** The runbook page (a key of RUNBOOKS) for one of a report's reasons. */
export function runbookFor(reason: string, verdict: Verdict): string {
  if (verdict === 'inconclusive') return 'verification-inconclusive';
  for (const [words, page] of REASON_PAGES) if (words.test(reason)) return page;
  return verdictRunbook(verdict) ?? 'verification-failed';
}

export const RUNBOOKS: Readonly<Record<string, Runbook>> = {
  'broker-address-changes': {
    title: 'BrokerAddressChanges',
    whatToDo:
      "- DNS names everywhere: bootstrap lists, client configs, proxies, tools. No\n  broker IP addresses in `/etc/hosts`.\n- Network rules by security group or subnet, not by a broker's IP address.\n- JVM clients: a bounded `networkaddress.cache.ttl` (tens of seconds, never\n  `-1`), so a restarted broker's new address is picked up; restart long-running\n  clients that still hold the old address.\n- TLS: certificates that name the brokers' host names, not their addresses.",
  },
  'dns-failures': {
    title: 'DnsFailures',
    whatToDo:
      "- Clients: resolve names, and cache them briefly — JVM\n  `networkaddress.cache.ttl` (in `java.security` or via\n  `java.security.Security.setProperty`) to tens of seconds, never `-1`\n  (forever), and `networkaddress.cache.negative.ttl` short so a failed lookup is\n  retried; librdkafka clients cache for `broker.address.ttl`.\n- Java clients: `client.dns.lookup=use_all_dns_ips` (the default from Kafka 2.6)\n  so a name with several addresses tries them all.\n- Resolvers: for private names, check the private hosted zone is associated with\n  the clients' VPC and the VPC has DNS resolution enabled.",
  },
  'duplicate-messages': {
    title: 'DuplicateMessages',
    whatToDo:
      "- Producers: `enable.idempotence=true` with `acks=all` and\n  `max.in.flight.requests.per.connection` ≤ 5; the broker then drops a retried\n  batch it already has. Java clients from 3.2 enable it by default unless a\n  conflicting setting (`acks` other than `all`, more than 5 in flight, `retries=0`)\n  turns it off: check the client's logged configuration, not the code's intent.\n- An application that re-sends after a failed send can still duplicate (the\n  report's `unackedWritten` counts failed sends that landed anyway): use\n  transactions (`transactional.id`) or make consumers idempotent.\n- Consumers: process idempotently (deduplicate on a business key).",
  },
  'end-to-end-latency-p99-ms': {
    title: 'EndToEndLatencyP99Ms',
    whatToDo:
      '- During restart windows a spike is expected: leadership moves and groups\n  rebalance. Consumers pause less with static membership (`group.instance.id`)\n  and cooperative rebalancing\n  (`partition.assignment.strategy=org.apache.kafka.clients.consumer.CooperativeStickyAssignor`).\n- If it stays high after the last broker is back, look for under-replicated\n  partitions (followers catching up) and for leadership piled on one broker\n  ([LeaderSkew](leader-skew.md)).',
  },
  'inconsistent-offsets': {
    title: 'InconsistentOffsets',
    whatToDo:
      '- Keep the history and report: they are the evidence.\n- `unclean.leader.election.enable=false`, `acks=all`,\n  `min.insync.replicas` = RF − 1: with these, an acknowledged record cannot be\n  overwritten by a clean leader election.\n- Expect [LostMessages](lost-messages.md) for the record that was replaced, and\n  check consumers for [SkippedMessages](skipped-messages.md).',
  },
  'ip-literal-endpoints': {
    title: 'IpLiteralEndpoints',
    whatToDo:
      "- Bootstrap: replace addresses with the brokers' DNS names, in the verifier's\n  configuration and in every client's.\n- Brokers (self-managed): set `advertised.listeners` to names that resolve for\n  the clients, then restart the brokers one at a time.\n- Keep JVM DNS caching bounded (`networkaddress.cache.ttl`), so names are looked\n  up again when addresses move.",
  },
  'leader-skew': {
    title: 'LeaderSkew',
    whatToDo:
      "- Wait a few minutes first: with `auto.leader.rebalance.enable=true` (Apache's\n  default, and Amazon MSK's) the controller moves leaders back every\n  `leader.imbalance.check.interval.seconds` (300) once a broker's imbalance\n  exceeds `leader.imbalance.per.broker.percentage` (10).\n- Otherwise, once every broker is back and nothing is under-replicated, run a\n  preferred leader election:\n\n```sh\nkafka-leader-election.sh --bootstrap-server BROKER:PORT --election-type PREFERRED --all-topic-partitions\nkafka-leader-election.sh --bootstrap-server BROKER:PORT --election-type PREFERRED --topic TOPIC --partition P\n```\n\n- Skew with a preferred-leader ratio near 1: the assignment is uneven —\n  reassign partitions (`kafka-reassign-partitions.sh`) in a planned change, not\n  during the upgrade.",
  },
  'longest-produce-stall-ms': {
    title: 'LongestProduceStallMs',
    whatToDo:
      '- Producers: `delivery.timeout.ms` (default 120000) must cover the measured stall,\n  or sends queued behind it fail; `linger.ms` and `buffer.memory` decide how much\n  an application can queue while it waits.\n- Self-managed brokers: stop brokers with SIGTERM and keep controlled shutdown on\n  (`controlled.shutdown.enable=true`), so leadership moves before the broker stops\n  instead of after the controller fences it (`broker.session.timeout.ms`, 9 s).\n- A stall on every restart of the same length as the fencing timeout: the brokers\n  are being killed, not shut down; fix the restart procedure before the next broker.',
  },
  'lost-messages': {
    title: 'LostMessages',
    whatToDo:
      "- Producers: `acks=all`, `enable.idempotence=true`,\n  `max.in.flight.requests.per.connection` ≤ 5 (1 without idempotence), leave\n  `retries` at its default and bound the time with `delivery.timeout.ms`\n  (default 120000). A record is safe only when its send callback succeeds.\n- Topics: replication factor 3, `min.insync.replicas` = RF − 1 (2),\n  `unclean.leader.election.enable=false`. Check the effective values as above\n  rather than assuming Apache's defaults: a provider's default configuration\n  may differ.\n- Keep the run's history and report (copy them out of the run store with the\n  run id).",
  },
  'max-unavailable-ms': {
    title: 'MaxUnavailableMs',
    whatToDo:
      '- Clients: set `delivery.timeout.ms` comfortably above the measured maximum so\n  sends ride through a restart instead of failing; keep `retries` at its\n  default; `retry.backoff.ms`, `reconnect.backoff.max.ms` and\n  `metadata.max.age.ms` decide how quickly a client finds the new leader.\n- Self-managed brokers: keep controlled shutdown on\n  (`controlled.shutdown.enable=true`, the default) and stop brokers with SIGTERM,\n  never SIGKILL, so leadership moves before the broker stops; replication factor\n  3 so every partition has another in-sync replica to move to.',
  },
  'offline-partitions': {
    title: 'OfflinePartitions',
    whatToDo:
      "- **Stop the upgrade immediately.** Restart no other broker.\n- Bring back the brokers listed in the offline partitions' `replicas`: the\n  partition returns as soon as a replica that was in the ISR is up. Self-managed:\n  start them (on the old version if the new one does not start).\n- Unclean leader election brings a partition back from an out-of-sync replica\n  **and loses every record it was missing**. Only the data owners can accept\n  that; then, once, for one partition:\n  `kafka-leader-election.sh --bootstrap-server BROKER:PORT --election-type UNCLEAN --topic TOPIC --partition P`.\n  Do not switch `unclean.leader.election.enable` on permanently.",
  },
  'out-of-order-messages': {
    title: 'OutOfOrderMessages',
    whatToDo:
      '- Producers that need order: `enable.idempotence=true` (order kept with up to 5\n  requests in flight), or without idempotence\n  `max.in.flight.requests.per.connection=1`. With more in flight and no\n  idempotence, a retried batch lands after a later one.\n- Consumers that cannot tolerate reordering right after a restart: carry a\n  sequence number or version in the record and reorder or reject on it.\n- Record which policy your organisation accepts for upgrades and alarm on it.',
  },
  'produce-errors': {
    title: 'ProduceErrors',
    whatToDo:
      '- Clients: leave `retries` at its default and give `delivery.timeout.ms` room\n  for a leader move (the default 120000 ms is far above a controlled leader\n  move); handle a failed send explicitly. A re-send after a failure can\n  duplicate unless `enable.idempotence=true` covers it (same producer) or the\n  consumer deduplicates.\n- Cluster: replication factor 3 with `min.insync.replicas=2` keeps accepting\n  `acks=all` writes with one broker down. Restart the next broker only when no\n  partition is under-replicated (Amazon MSK waits for this itself).',
  },
  'redelivered-messages': {
    title: 'RedeliveredMessages',
    whatToDo:
      "- Process idempotently: redelivery after a rebalance is part of Kafka's\n  at-least-once contract, during upgrades and otherwise.\n- Commit after processing, never before. With `enable.auto.commit=true` the\n  offsets of what `poll` returned are committed on a later `poll`, so work in\n  flight at a rebalance comes again; with `enable.auto.commit=false` commit after\n  each processed batch and in the rebalance listener's `onPartitionsRevoked`.\n- Fewer, cheaper rebalances: static membership (`group.instance.id` with a\n  `session.timeout.ms` longer than a client restart),\n  `partition.assignment.strategy=org.apache.kafka.clients.consumer.CooperativeStickyAssignor`,\n  or, with Kafka 4.0+ brokers and clients, the consumer group protocol\n  (`group.protocol=consumer`).",
  },
  'skipped-messages': {
    title: 'SkippedMessages',
    whatToDo:
      '- Commit only what has been processed: commit after processing, or with\n  `enable.auto.commit=true` make sure processing finishes before the next\n  `poll` (asynchronous processing plus auto-commit skips records on a crash).\n- `auto.offset.reset=earliest` (re-read rather than miss) or `none` (fail\n  loudly) for applications that must not skip; `latest` turns every out-of-range\n  reset into a silent gap.\n- Consumers idempotent, so re-reading is always the safe choice.',
  },
  'under-replicated-partitions': {
    title: 'UnderReplicatedPartitions',
    whatToDo:
      '- Do not restart the next broker while any partition is under-replicated\n  (Amazon MSK waits for this itself between brokers).\n- Give followers time: a broker that was down must fetch everything written\n  meanwhile. Check the lagging broker is up, has disk space and network, and is\n  not throttled (replication quotas).\n- A follower drops out of the ISR after `replica.lag.time.max.ms` (default 30 s)\n  without catching up; many partitions out on the same broker point at that\n  broker.',
  },
  'unreachable-bootstrap': {
    title: 'UnreachableBootstrap',
    whatToDo:
      "- Replace the entry with the names from `get-bootstrap-brokers` (or, self-managed,\n  the brokers' advertised names); list more than one broker, and on Amazon MSK at\n  least one per Availability Zone, so a single restarting broker never leaves a\n  client without a way in.\n- Never bootstrap by IP address: see [IpLiteralEndpoints](ip-literal-endpoints.md)\n  and [BrokerAddressChanges](broker-address-changes.md).\n- If the endpoint is a load balancer or private endpoint in front of the\n  cluster, check its health and targets.\n- Update the verifier's configuration too, then re-run.",
  },
  'unreachable-brokers': {
    title: 'UnreachableBrokers',
    whatToDo:
      "- `dns` failed: see [DnsFailures](dns-failures.md).\n- `tcp` failed: the broker is down or the path is closed — the broker process,\n  security groups and network ACLs (by security group, not by IP: addresses can\n  change, see [BrokerAddressChanges](broker-address-changes.md)), routes.\n- `kafka` failed: the port answers but the broker does not speak Kafka yet —\n  still starting, overloaded, or a TLS/SASL mismatch on that listener.\n- Amazon MSK: wait for the cluster to return to `ACTIVE` and the operation to\n  reach `UPDATE_COMPLETE`, then re-check; MSK restarts one broker at a time.\n- If only the verifier cannot reach it (clients and `kcat` elsewhere can), fix\n  the verifier's network (its subnets and security group), not the cluster.",
  },
  'verification-failed': {
    title: 'VerificationFailed',
    whatToDo:
      'Work through the reasons in the order of the table: an outage first, then\nanything that lost or rewrote data, then reachability, then what consumers and\nproducers saw. Several reasons usually share one cause — look at "anomalies by\nrestart" in the text summary: if they all follow the same broker\'s restart,\nthat broker is where to look.',
  },
  'verification-inconclusive': {
    title: 'VerificationInconclusive',
    whatToDo:
      "- Fix the cause (permissions, network, topic, the execution's error) and start a\n  run again by hand from the console or the CLI.\n- Until a run decides, watch the cluster directly: under-replicated and offline\n  partitions, the brokers' state, your applications' error rates.",
  },
};
// END RUNBOOKS
