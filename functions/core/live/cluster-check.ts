/**
 * The live checker's cluster part (issue 17): from `probe` and `leaders` records as
 * the run writes them,
 *
 * - unreachableBroker: a broker `probe` that is not ok (once until it is ok again);
 * - dnsFailure: a `probe` whose `dns` failed (once per endpoint until DNS works again);
 * - addressChanged: a broker `probe` whose endpoint or DNS addresses differ from that
 *   broker's first ok ones;
 * - leaderSkew: a `leaders` snapshot whose leaderSkew is above maxLeaderSkew (once per
 *   topic until it is back at or under it).
 */
import type { HistoryRecordOut } from '../probe/monitor.js';
import type { Find } from './log-check.js';
import type { LiveMetricValues } from './types.js';

/** A finite number, or undefined (a record field as the checkers read it). */
export const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

/** leaderSkew of one snapshot's partitions (docs/history-format.md), or null when none is led. */
export function snapshotSkew(partitions: readonly unknown[]): number | null {
  const brokers = new Set<number>();
  const leads = new Map<number, number>();
  let led = 0;
  for (const p of partitions) {
    const o = p as { leader?: unknown; replicas?: unknown };
    if (Array.isArray(o.replicas))
      for (const r of o.replicas) if (typeof r === 'number') brokers.add(r);
    if (typeof o.leader === 'number' && o.leader !== -1) {
      led++;
      leads.set(o.leader, (leads.get(o.leader) ?? 0) + 1);
    }
  }
  if (led === 0) return null;
  let most = 0;
  for (const b of brokers) most = Math.max(most, leads.get(b) ?? 0);
  return Math.floor((100 * most * brokers.size) / led + 0.5) / 100;
}

export class ClusterCheck {
  private readonly unreachable = new Set<number>();
  private readonly dnsFailing = new Set<string>();
  private readonly firstAddress = new Map<number, string>();
  private readonly changed = new Map<number, string>();
  private readonly skewed = new Set<string>();
  private readonly skewByTopic = new Map<string, number>();
  private dnsFailures = 0;

  constructor(
    private readonly maxLeaderSkew: number,
    private readonly find: Find,
  ) {}

  probe(r: HistoryRecordOut): void {
    const at = num(r.at);
    const endpoint = typeof r.endpoint === 'string' ? r.endpoint : undefined;
    if (at === undefined || endpoint === undefined) return;
    const stage = (v: unknown) =>
      v as { ok?: unknown; error?: unknown; addresses?: unknown } | null | undefined;
    const dns = stage(r.dns);
    const tcp = stage(r.tcp);
    const kafka = stage(r.kafka);
    const broker = r.role === 'broker' ? num(r.broker) : undefined;
    const who = broker === undefined ? `bootstrap ${endpoint}` : `broker ${broker} (${endpoint})`;
    if (dns?.ok === false) {
      this.dnsFailures++;
      if (!this.dnsFailing.has(endpoint)) {
        this.dnsFailing.add(endpoint);
        this.find(
          'dnsFailure',
          at,
          `DNS lookup of ${who} failed: ${String(dns.error ?? 'no error given')}`,
          {
            endpoint,
            ...(broker === undefined ? {} : { broker }),
          },
        );
      }
    } else if (dns?.ok === true) {
      this.dnsFailing.delete(endpoint);
    }
    if (broker === undefined) return;
    const ok = dns?.ok === true && tcp?.ok === true && kafka?.ok === true;
    if (!ok) {
      if (!this.unreachable.has(broker)) {
        this.unreachable.add(broker);
        const failedStage = dns?.ok !== true ? dns : tcp?.ok !== true ? tcp : kafka;
        const name = dns?.ok !== true ? 'DNS' : tcp?.ok !== true ? 'TCP' : 'Kafka';
        this.find(
          'unreachableBroker',
          at,
          `${who} is unreachable: ${name} ${String(failedStage?.error ?? 'not answered')}`,
          {
            broker,
            endpoint,
          },
        );
      }
    } else {
      this.unreachable.delete(broker);
    }
    if (dns?.ok === true && Array.isArray(dns.addresses)) {
      const where = `${endpoint} ${[...new Set(dns.addresses.map(String))].sort().join(',')}`;
      const first = this.firstAddress.get(broker);
      if (first === undefined) this.firstAddress.set(broker, where);
      else if (where !== first && this.changed.get(broker) !== where) {
        this.changed.set(broker, where);
        this.find('addressChanged', at, `broker ${broker} moved from ${first} to ${where}`, {
          broker,
          endpoint,
        });
      } else if (where === first) this.changed.delete(broker);
    }
  }

  leaders(r: HistoryRecordOut): void {
    const at = num(r.at);
    const topic = typeof r.topic === 'string' ? r.topic : undefined;
    if (at === undefined || topic === undefined || !Array.isArray(r.partitions)) return;
    const skew = snapshotSkew(r.partitions);
    if (skew === null) return;
    this.skewByTopic.set(topic, skew);
    if (skew > this.maxLeaderSkew) {
      if (!this.skewed.has(topic)) {
        this.skewed.add(topic);
        this.find(
          'leaderSkew',
          at,
          `topic ${topic} leader skew ${skew} is above ${this.maxLeaderSkew}`,
          {
            topic,
            value: skew,
          },
        );
      }
    } else this.skewed.delete(topic);
  }

  /** The cluster's live counts. */
  liveMetricValues(): LiveMetricValues {
    const skews = [...this.skewByTopic.values()];
    return {
      UnreachableBrokers: this.unreachable.size,
      DnsFailures: this.dnsFailures,
      BrokerAddressChanges: this.changed.size,
      ...(skews.length === 0 ? {} : { LeaderSkew: Math.max(...skews) }),
    };
  }
}
