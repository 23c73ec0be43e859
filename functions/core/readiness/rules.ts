/**
 * The readiness rules: what a rolling restart of the brokers will do to this cluster's
 * topics, groups and addresses, judged from a gathered snapshot. Pure: no I/O.
 *
 * Severities: `block`, writes or reads will fail or lose data while one broker is down;
 * `warn`, likely to hurt; `info`, measured for the record (a clean before to compare
 * the run's after with).
 */
import { isIP } from 'node:net';

import { parseEndpointList } from '../probe/endpoint.js';
import type { ReadinessGroup, ReadinessSnapshot, ReadinessTopic } from './snapshot.js';

export type Severity = 'block' | 'warn' | 'info';

export interface FindingSubject {
  topic?: string;
  partition?: number;
  group?: string;
  broker?: number;
  endpoint?: string;
}

export interface Finding {
  severity: Severity;
  /** A stable rule name, e.g. `replication-factor-1`. */
  rule: string;
  subject: FindingSubject;
  /** What was measured, in words with the numbers. */
  measured: string;
  /** What to change before the upgrade. */
  change: string;
}

export type ReadinessVerdict = 'ready' | 'not-ready';

/** Assignors that revoke every partition of every member at each rebalance. */
const EAGER_ASSIGNORS = new Set(['range', 'roundrobin', 'sticky', 'RoundRobinAssigner']);
const COOPERATIVE_ASSIGNORS = new Set(['cooperative-sticky']);

/** Leader skew worth a warning: more than this many leaders above the even share. */
const SKEW_TOLERANCE = 1;

function topicRules(t: ReadinessTopic): Finding[] {
  const findings: Finding[] = [];
  const subject = { topic: t.topic };
  const rf = Math.max(0, ...t.partitions.map((p) => p.replicas.length));
  const minIsr = t.minInsyncReplicas;
  if (rf === 1) {
    findings.push({
      severity: 'block',
      rule: 'replication-factor-1',
      subject,
      measured: `replication factor 1 on ${t.partitions.length} partition(s)`,
      change:
        'each restart of the broker holding a partition makes it unavailable: raise the replication factor to 3 (kafka-reassign-partitions) before the upgrade',
    });
  } else if (rf > 1 && minIsr !== null && minIsr >= rf) {
    findings.push({
      severity: 'block',
      rule: 'min-isr-at-least-rf',
      subject,
      measured: `min.insync.replicas ${minIsr} with replication factor ${rf}`,
      change: `acks=all writes stop while any replica's broker restarts: set min.insync.replicas to ${rf - 1} (kafka-configs --alter --entity-type topics --entity-name ${t.topic} --add-config min.insync.replicas=${rf - 1})`,
    });
  } else if (rf > 1 && minIsr === 1) {
    findings.push({
      severity: 'warn',
      rule: 'min-isr-1',
      subject,
      measured: `min.insync.replicas 1 with replication factor ${rf}`,
      change: `an acks=all write acknowledged by the leader alone is lost if that leader restarts before a follower has it: set min.insync.replicas to ${Math.max(2, rf - 1)}`,
    });
  }
  if (t.uncleanLeaderElection === true) {
    findings.push({
      severity: 'block',
      rule: 'unclean-leader-election',
      subject,
      measured: 'unclean.leader.election.enable=true',
      change: `a restart can elect a replica that is behind and drop acknowledged writes: set unclean.leader.election.enable=false on ${t.topic}`,
    });
  }
  for (const p of t.partitions) {
    const where = { topic: t.topic, partition: p.partition };
    if (p.leader < 0) {
      findings.push({
        severity: 'block',
        rule: 'offline-partition',
        subject: where,
        measured: `no leader now; replicas [${p.replicas.join(',')}], ISR [${p.isr.join(',')}]`,
        change: 'bring the replicas’ brokers back before starting the upgrade',
      });
    } else if (p.isr.length < p.replicas.length) {
      findings.push({
        severity: 'block',
        rule: 'under-replicated',
        subject: where,
        measured: `ISR [${p.isr.join(',')}] of replicas [${p.replicas.join(',')}]`,
        change:
          'a restart now takes one more in-sync replica away: wait until every replica is in sync (or mend the lagging broker) before the upgrade',
      });
    }
    const distinct = new Set(p.replicas).size;
    if (distinct < p.replicas.length) {
      findings.push({
        severity: 'block',
        rule: 'replicas-concentrated',
        subject: where,
        measured: `replicas [${p.replicas.join(',')}] on ${distinct} broker(s) for replication factor ${p.replicas.length}`,
        change:
          'one restart takes several replicas at once: reassign the partition so each replica is on its own broker',
      });
    }
  }
  return findings;
}

function leadershipRules(s: ReadinessSnapshot): Finding[] {
  const findings: Finding[] = [];
  const partitions = s.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, ...p })));
  const led = partitions.filter((p) => p.leader >= 0);
  if (led.length > 0 && s.brokers.length > 0) {
    const counts = new Map<number, number>(s.brokers.map((b) => [b.id, 0]));
    for (const p of led) counts.set(p.leader, (counts.get(p.leader) ?? 0) + 1);
    const values = [...counts.values()];
    const max = Math.max(...values);
    const even = Math.ceil(led.length / counts.size);
    const perBroker = [...counts].map(([id, n]) => `${id}:${n}`).join(' ');
    const skewed = max > even + SKEW_TOLERANCE;
    findings.push({
      severity: skewed ? 'warn' : 'info',
      rule: 'leader-skew',
      subject: {},
      measured: `leaders per broker ${perBroker} (${led.length} partitions; even share ${even})`,
      change: skewed
        ? 'the busiest broker’s restart moves the most leaders: run a preferred leader election (kafka-leader-election --election-type preferred --all-topic-partitions) before the upgrade'
        : 'none: the count to compare the run’s after with',
    });
    const preferred = led.filter((p) => p.replicas[0] === p.leader).length;
    const ratio = preferred / led.length;
    findings.push({
      severity: preferred < led.length ? 'warn' : 'info',
      rule: 'preferred-leader-ratio',
      subject: {},
      measured: `${preferred} of ${led.length} partitions led by their preferred replica (${(ratio * 100).toFixed(1)} %)`,
      change:
        preferred < led.length
          ? 'start from a clean before: run a preferred leader election (kafka-leader-election --election-type preferred --all-topic-partitions)'
          : 'none: the ratio to compare the run’s after with',
    });
  }
  for (const b of s.brokers) {
    if (b.autoLeaderRebalance === false) {
      findings.push({
        severity: 'warn',
        rule: 'auto-leader-rebalance',
        subject: { broker: b.id },
        measured: 'auto.leader.rebalance.enable=false',
        change:
          'leadership stays where the roll leaves it: plan a preferred leader election after the upgrade, or set auto.leader.rebalance.enable=true',
      });
    } else if (b.autoLeaderRebalance === true) {
      findings.push({
        severity: 'info',
        rule: 'auto-leader-rebalance',
        subject: { broker: b.id },
        measured: `auto.leader.rebalance.enable=true, leader.imbalance.check.interval.seconds=${b.leaderImbalanceCheckIntervalSeconds ?? 'unknown'}`,
        change:
          'none: leaders return to their preferred replicas within that interval after each restart',
      });
    }
  }
  return findings;
}

function groupRules(groups: readonly ReadinessGroup[], kip848: boolean): Finding[] {
  const findings: Finding[] = [];
  for (const g of groups) {
    if (g.protocolType !== 'consumer') continue;
    const subject = { group: g.group };
    if (g.state !== 'Stable' && g.state !== 'Empty') {
      findings.push({
        severity: 'warn',
        rule: 'group-not-stable',
        subject,
        measured: `state ${g.state} with ${g.members} member(s)`,
        change:
          'the group is already rebalancing or gone: find why (consumer logs, kafka-consumer-groups --describe) and let it settle before the upgrade',
      });
    } else if (g.state === 'Empty') {
      findings.push({
        severity: 'info',
        rule: 'group-not-stable',
        subject,
        measured: 'state Empty: no member now',
        change: 'none for the roll; its committed offsets stay',
      });
    }
    if (EAGER_ASSIGNORS.has(g.protocol)) {
      findings.push({
        severity: 'warn',
        rule: 'eager-assignor',
        subject,
        measured: `assignor ${g.protocol} (eager: every member stops at each rebalance)`,
        change:
          'each broker restart that moves the coordinator or a leader can stop the whole group: switch the consumers to partition.assignment.strategy=cooperative-sticky (or static membership, group.instance.id)',
      });
    } else if (g.protocol !== '' && !COOPERATIVE_ASSIGNORS.has(g.protocol)) {
      findings.push({
        severity: 'info',
        rule: 'unknown-assignor',
        subject,
        measured: `assignor ${g.protocol}`,
        change:
          'check that it is incremental (cooperative); eager assignors stop every member at each rebalance',
      });
    }
    if (kip848 && g.state !== 'Empty' && g.state !== 'Dead') {
      findings.push({
        severity: 'info',
        rule: 'classic-group-protocol',
        subject,
        measured: 'classic group protocol; the brokers support the KIP-848 consumer protocol',
        change:
          'consider group.protocol=consumer in the clients: the broker assigns partitions and a rebalance no longer stops the members',
      });
    }
  }
  return findings;
}

function addressRules(s: ReadinessSnapshot): Finding[] {
  const findings: Finding[] = [];
  const bootstrap = parseEndpointList(s.bootstrap);
  for (const e of bootstrap) {
    if (e.ipLiteral !== 0) {
      findings.push({
        severity: 'warn',
        rule: 'bootstrap-ip-literal',
        subject: { endpoint: e.endpoint },
        measured: `bootstrap entry ${e.endpoint} is an IP address`,
        change:
          'a broker replaced during the upgrade may come back on another address: give clients DNS names',
      });
    }
  }
  if (bootstrap.length === 1) {
    findings.push({
      severity: 'warn',
      rule: 'single-bootstrap-broker',
      subject: { endpoint: bootstrap[0]!.endpoint },
      measured: 'the bootstrap list names one broker',
      change:
        'a client that starts while that broker restarts cannot connect: list at least three brokers (or a name that resolves to several)',
    });
  }
  for (const b of s.brokers) {
    if (isIP(b.host) !== 0) {
      findings.push({
        severity: 'warn',
        rule: 'advertised-ip-literal',
        subject: {
          broker: b.id,
          endpoint: isIP(b.host) === 6 ? `[${b.host}]:${b.port}` : `${b.host}:${b.port}`,
        },
        measured: `broker ${b.id} advertises the IP address ${b.host}`,
        change:
          'clients follow the advertised address; if the broker comes back elsewhere they lose it: advertise DNS names (advertised.listeners)',
      });
    }
  }
  for (const d of s.dns) {
    const shown = d.answers.map(
      (a) =>
        `${a.resolver}: ${a.addresses.length > 0 ? a.addresses.join(' ') : (a.error ?? 'no address')}`,
    );
    const distinct = new Set(
      d.answers.map((a) => (a.addresses.length > 0 ? a.addresses.join(' ') : `!${a.error ?? ''}`)),
    );
    if (distinct.size > 1) {
      findings.push({
        severity: 'warn',
        rule: 'dns-answers-differ',
        subject: { endpoint: d.name },
        measured: shown.join('; '),
        change:
          'clients on different resolvers reach different places (or none): make every resolver the clients use answer the same',
      });
    }
  }
  return findings;
}

const SEVERITY_ORDER: Record<Severity, number> = { block: 0, warn: 1, info: 2 };

function subjectKey(s: FindingSubject): string {
  return [
    s.topic ?? '',
    String(s.partition ?? -1).padStart(6, '0'),
    s.group ?? '',
    String(s.broker ?? -1).padStart(6, '0'),
    s.endpoint ?? '',
  ].join('\u0000');
}

/**
 * Every finding for the snapshot, with `extra` ones judged elsewhere (the MSK part,
 * msk.ts), blocks first, then by rule and subject.
 */
export function readiness(snapshot: ReadinessSnapshot, extra: readonly Finding[] = []): Finding[] {
  const kip848 = snapshot.brokers.some((b) => b.consumerGroupHeartbeat === true);
  const findings = [
    ...snapshot.topics.flatMap(topicRules),
    ...leadershipRules(snapshot),
    ...groupRules(snapshot.groups, kip848),
    ...addressRules(snapshot),
    ...extra,
  ];
  return findings.sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0) ||
      (subjectKey(a.subject) < subjectKey(b.subject)
        ? -1
        : subjectKey(a.subject) > subjectKey(b.subject)
          ? 1
          : 0),
  );
}

/** `not-ready` when any finding blocks. */
export function verdictOf(findings: readonly Finding[]): ReadinessVerdict {
  return findings.some((f) => f.severity === 'block') ? 'not-ready' : 'ready';
}
