import { describe, expect, it } from 'vitest';

import { formatReadinessText, readinessReport } from '../../../functions/core/readiness/format.js';
import { type Finding, readiness, verdictOf } from '../../../functions/core/readiness/rules.js';
import type {
  ReadinessBroker,
  ReadinessGroup,
  ReadinessSnapshot,
  ReadinessTopic,
} from '../../../functions/core/readiness/snapshot.js';

function broker(id: number, over: Partial<ReadinessBroker> = {}): ReadinessBroker {
  return {
    id,
    host: `broker-${id}.kafka.test`,
    port: 9092,
    autoLeaderRebalance: true,
    leaderImbalanceCheckIntervalSeconds: 300,
    consumerGroupHeartbeat: false,
    ...over,
  };
}

/** A healthy RF-3 topic: partition p led by its preferred replica, brokers rotating. */
function topic(name: string, over: Partial<ReadinessTopic> = {}, partitions = 3): ReadinessTopic {
  return {
    topic: name,
    partitions: Array.from({ length: partitions }, (_, p) => {
      const replicas = [1, 2, 3].map((b) => ((b + p - 1) % 3) + 1);
      return { partition: p, leader: replicas[0]!, replicas, isr: [...replicas] };
    }),
    minInsyncReplicas: 2,
    uncleanLeaderElection: false,
    ...over,
  };
}

function group(name: string, over: Partial<ReadinessGroup> = {}): ReadinessGroup {
  return {
    group: name,
    state: 'Stable',
    protocolType: 'consumer',
    protocol: 'cooperative-sticky',
    members: 2,
    ...over,
  };
}

function snapshot(over: Partial<ReadinessSnapshot> = {}): ReadinessSnapshot {
  return {
    bootstrap: 'broker-1.kafka.test:9092,broker-2.kafka.test:9092,broker-3.kafka.test:9092',
    brokers: [broker(1), broker(2), broker(3)],
    topics: [topic('orders')],
    groups: [group('billing')],
    dns: [],
    ...over,
  };
}

/** The findings that are not `info`: what a person must look at. */
function actionable(s: ReadinessSnapshot): Finding[] {
  return readiness(s).filter((f) => f.severity !== 'info');
}

function rules(findings: readonly Finding[]): string[] {
  return findings.map((f) => `${f.severity} ${f.rule}`);
}

describe('readiness: a healthy cluster', () => {
  it('has no block or warn finding and is ready', () => {
    const findings = readiness(snapshot());
    expect(rules(findings.filter((f) => f.severity !== 'info'))).toEqual([]);
    expect(verdictOf(findings)).toBe('ready');
    // The leadership before the upgrade is measured even when clean.
    expect(findings.find((f) => f.rule === 'preferred-leader-ratio')?.measured).toBe(
      '3 of 3 partitions led by their preferred replica (100.0 %)',
    );
  });
});

describe('readiness: topic rules', () => {
  it('blocks RF 1 and does not also report minISR ≥ RF for it', () => {
    const t = topic('single', {
      minInsyncReplicas: 1,
      partitions: [{ partition: 0, leader: 1, replicas: [1], isr: [1] }],
    });
    const found = actionable(snapshot({ topics: [t] }));
    expect(rules(found)).toContain('block replication-factor-1');
    expect(rules(found)).not.toContain('block min-isr-at-least-rf');
    expect(found.find((f) => f.rule === 'replication-factor-1')?.subject).toEqual({
      topic: 'single',
    });
    expect(verdictOf(found)).toBe('not-ready');
  });

  it('blocks minISR equal to RF and above it, not minISR RF−1', () => {
    for (const minIsr of [3, 4]) {
      const found = actionable(
        snapshot({ topics: [topic('strict', { minInsyncReplicas: minIsr })] }),
      );
      expect(found.find((f) => f.rule === 'min-isr-at-least-rf')).toMatchObject({
        severity: 'block',
        subject: { topic: 'strict' },
        measured: `min.insync.replicas ${minIsr} with replication factor 3`,
      });
    }
    expect(
      rules(actionable(snapshot({ topics: [topic('ok', { minInsyncReplicas: 2 })] }))),
    ).toEqual([]);
  });

  it('warns on minISR 1 with RF > 1, not on minISR 2', () => {
    const found = actionable(snapshot({ topics: [topic('loose', { minInsyncReplicas: 1 })] }));
    expect(rules(found)).toEqual(['warn min-isr-1']);
    expect(found[0]!.change).toContain('min.insync.replicas to 2');
  });

  it('blocks unclean leader election when on, not when off or unreported', () => {
    expect(
      rules(actionable(snapshot({ topics: [topic('u', { uncleanLeaderElection: true })] }))),
    ).toEqual(['block unclean-leader-election']);
    expect(
      rules(actionable(snapshot({ topics: [topic('u', { uncleanLeaderElection: null })] }))),
    ).toEqual([]);
  });

  it('blocks an offline and an under-replicated partition, naming the partition', () => {
    const t = topic('hurt');
    t.partitions[0] = { ...t.partitions[0]!, isr: [t.partitions[0]!.replicas[0]!] };
    t.partitions[1] = { ...t.partitions[1]!, leader: -1, isr: [] };
    const found = actionable(snapshot({ topics: [t] })).filter((f) => f.subject.topic === 'hurt');
    expect(found.map((f) => [f.rule, f.subject.partition])).toEqual([
      ['offline-partition', 1],
      ['under-replicated', 0],
    ]);
    expect(found.every((f) => f.severity === 'block')).toBe(true);
  });

  it('blocks replicas of one partition on fewer brokers than RF', () => {
    const t = topic('stacked', {
      partitions: [{ partition: 0, leader: 1, replicas: [1, 1, 2], isr: [1, 1, 2] }],
    });
    const found = actionable(snapshot({ topics: [t] }));
    expect(found.find((f) => f.rule === 'replicas-concentrated')).toMatchObject({
      severity: 'block',
      subject: { topic: 'stacked', partition: 0 },
      measured: 'replicas [1,1,2] on 2 broker(s) for replication factor 3',
    });
  });
});

describe('readiness: leadership', () => {
  it('warns when leaders are skewed and not on their preferred replicas', () => {
    const t = topic('skewed', {}, 6);
    for (const p of t.partitions) p.leader = 1; // every partition led by broker 1, all in ISR
    const found = actionable(snapshot({ topics: [t] }));
    expect(found.find((f) => f.rule === 'leader-skew')?.measured).toBe(
      'leaders per broker 1:6 2:0 3:0 (6 partitions; even share 2)',
    );
    expect(found.find((f) => f.rule === 'preferred-leader-ratio')?.measured).toBe(
      '2 of 6 partitions led by their preferred replica (33.3 %)',
    );
  });

  it('does not warn of skew within one leader of the even share', () => {
    const t = topic('near', {}, 4); // leaders 1,2,3,1: even share 2, max 2
    expect(rules(actionable(snapshot({ topics: [t] })))).toEqual([]);
  });

  it('warns when a broker has auto leader rebalance off, and reports the interval when on', () => {
    const found = readiness(
      snapshot({ brokers: [broker(1, { autoLeaderRebalance: false }), broker(2), broker(3)] }),
    );
    expect(
      found.find((f) => f.rule === 'auto-leader-rebalance' && f.severity === 'warn')?.subject,
    ).toEqual({ broker: 1 });
    expect(
      found.find((f) => f.rule === 'auto-leader-rebalance' && f.subject.broker === 2)?.measured,
    ).toBe('auto.leader.rebalance.enable=true, leader.imbalance.check.interval.seconds=300');
  });
});

describe('readiness: consumer groups', () => {
  it('warns on a group that is rebalancing, not on a Stable or Empty one', () => {
    const found = actionable(
      snapshot({
        groups: [
          group('moving', { state: 'PreparingRebalance' }),
          group('idle', { state: 'Empty', protocol: '' }),
          group('ok'),
        ],
      }),
    );
    expect(found.map((f) => [f.rule, f.subject.group])).toEqual([['group-not-stable', 'moving']]);
  });

  it('warns on eager range, roundrobin and kafkajs RoundRobinAssigner, not on cooperative-sticky', () => {
    const groups = ['range', 'roundrobin', 'RoundRobinAssigner', 'cooperative-sticky'].map(
      (protocol) => group(`g-${protocol}`, { protocol }),
    );
    const found = actionable(snapshot({ groups }));
    expect(found.map((f) => [f.rule, f.subject.group])).toEqual([
      ['eager-assignor', 'g-RoundRobinAssigner'],
      ['eager-assignor', 'g-range'],
      ['eager-assignor', 'g-roundrobin'],
    ]);
  });

  it('skips groups that are not consumer groups (Connect workers)', () => {
    expect(
      readiness(
        snapshot({
          groups: [
            group('connect-cluster', {
              protocolType: 'connect',
              protocol: 'sessioned',
              state: 'PreparingRebalance',
            }),
          ],
        }),
      ).filter((f) => f.subject.group !== undefined),
    ).toEqual([]);
  });

  it('suggests the KIP-848 protocol only when a broker supports ConsumerGroupHeartbeat', () => {
    const without = readiness(snapshot());
    expect(without.some((f) => f.rule === 'classic-group-protocol')).toBe(false);
    const withIt = readiness(
      snapshot({ brokers: [broker(1, { consumerGroupHeartbeat: true }), broker(2), broker(3)] }),
    );
    expect(withIt.find((f) => f.rule === 'classic-group-protocol')).toMatchObject({
      severity: 'info',
      subject: { group: 'billing' },
    });
  });
});

describe('readiness: addresses', () => {
  it('warns on IP-literal bootstrap entries and a single bootstrap broker', () => {
    const found = actionable(snapshot({ bootstrap: '10.0.1.17:9092' }));
    expect(found.map((f) => [f.rule, f.subject.endpoint])).toEqual([
      ['bootstrap-ip-literal', '10.0.1.17:9092'],
      ['single-bootstrap-broker', '10.0.1.17:9092'],
    ]);
  });

  it('warns on an IPv6-literal bootstrap entry, written in brackets', () => {
    const found = actionable(snapshot({ bootstrap: '[::1]:9092,broker-2.kafka.test:9092' }));
    expect(found.map((f) => [f.rule, f.subject.endpoint])).toEqual([
      ['bootstrap-ip-literal', '[::1]:9092'],
    ]);
  });

  it('does not warn on a bootstrap of several names', () => {
    expect(rules(actionable(snapshot()))).toEqual([]);
  });

  it('warns on brokers that advertise IP literals, IPv6 in brackets', () => {
    const found = actionable(
      snapshot({
        brokers: [broker(1, { host: '127.0.0.1' }), broker(2, { host: '::1' }), broker(3)],
      }),
    );
    expect(found.map((f) => [f.rule, f.subject])).toEqual([
      ['advertised-ip-literal', { broker: 1, endpoint: '127.0.0.1:9092' }],
      ['advertised-ip-literal', { broker: 2, endpoint: '[::1]:9092' }],
    ]);
  });

  it('warns when resolvers answer a name differently, not when they agree', () => {
    const found = actionable(
      snapshot({
        dns: [
          {
            name: 'broker-1.kafka.test',
            answers: [
              { resolver: 'system', addresses: [], error: 'ENOTFOUND' },
              { resolver: '127.0.0.1:15353', addresses: ['127.0.0.1'] },
            ],
          },
          {
            name: 'broker-2.kafka.test',
            answers: [
              { resolver: 'system', addresses: ['127.0.0.2'] },
              { resolver: '127.0.0.1:15353', addresses: ['127.0.0.2'] },
            ],
          },
        ],
      }),
    );
    expect(found.map((f) => [f.rule, f.subject.endpoint, f.measured])).toEqual([
      [
        'dns-answers-differ',
        'broker-1.kafka.test',
        'system: ENOTFOUND; 127.0.0.1:15353: 127.0.0.1',
      ],
    ]);
  });
});

describe('readiness report', () => {
  it('counts, orders blocks first and prints what to change', () => {
    const s = snapshot({
      topics: [
        topic('orders'),
        topic('single', { partitions: [{ partition: 0, leader: 1, replicas: [1], isr: [1] }] }),
      ],
      bootstrap: 'broker-1.kafka.test:9092',
    });
    const report = readinessReport(s, readiness(s));
    expect(report.verdict).toBe('not-ready');
    expect(report.counts.block).toBe(1);
    expect(report.checked).toEqual({ brokers: 3, topics: 2, partitions: 4, groups: 1 });
    expect(report.findings[0]!.rule).toBe('replication-factor-1');
    const text = formatReadinessText(report);
    expect(text.split('\n')[0]).toBe(
      'READINESS NOT READY: 1 finding(s) block the upgrade (writes or reads fail or lose data while one broker is down)',
    );
    expect(text).toContain(
      'BLOCK replication-factor-1  topic single\n      measured: replication factor 1 on 1 partition(s)\n      change:   ',
    );
    expect(text).toContain('WARN  single-bootstrap-broker  endpoint broker-1.kafka.test:9092');
  });
});
