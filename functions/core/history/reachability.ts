/**
 * Reachability (docs/history-format.md, "Reachability: `probe` records"): each
 * broker and bootstrap endpoint, found by name, connected to and spoken Kafka
 * to, before, during and after the upgrade; whether its address moved.
 */
import { isIP } from 'node:net';
import {
  type JsonObject,
  type LineContext,
  type Phase,
  boolean,
  fail,
  integer,
  naturalNumber,
  object,
  optionalTime,
  phase,
  role,
  stringList,
  text,
  time,
} from './records.js';

const STAGES = ['dns', 'tcp', 'kafka'] as const;
type Stage = (typeof STAGES)[number];

export interface StageFigures {
  dns: number;
  tcp: number;
  kafka: number;
}

export interface StageMaxMs {
  dns: number | null;
  tcp: number | null;
  kafka: number | null;
}

export interface EndpointReachability {
  endpoint: string;
  firstAddresses: string[] | null;
  finalAddresses: string[] | null;
  ipLiteral: boolean;
  reachable: boolean;
  probes: number;
  failures: StageFigures;
  maxMs: StageMaxMs;
}

export interface BrokerReachability extends EndpointReachability {
  broker: number;
  firstEndpoint: string | null;
  addressChanged: boolean;
}

export interface ReachabilityTotals {
  unreachableBrokers: number;
  unreachableBootstrap: number;
  dnsFailures: number;
  brokerAddressChanges: number;
  ipLiteralEndpoints: number;
}

export interface Reachability {
  brokers: BrokerReachability[];
  bootstrap: EndpointReachability[];
  totals: ReachabilityTotals;
}

/** The host of `host:port` (brackets removed from an IPv6 literal). */
export function hostOf(endpoint: string): string {
  if (endpoint.startsWith('[')) {
    const close = endpoint.indexOf(']');
    return close === -1 ? endpoint.slice(1) : endpoint.slice(1, close);
  }
  // A bare IPv6 literal (no brackets, no port) has several colons.
  if (isIP(endpoint) !== 0) return endpoint;
  const colon = endpoint.lastIndexOf(':');
  return colon === -1 ? endpoint : endpoint.slice(0, colon);
}

export function isIpLiteral(endpoint: string): boolean {
  const host = hostOf(endpoint);
  // Most hosts are names: neither all digits and dots (IPv4) nor holding a colon (IPv6).
  if (!host.includes(':') && !/^[\d.]+$/.test(host)) return false;
  return isIP(host) !== 0;
}

/** What the first / final probe choice needs of a probe (also used by the HTML report's probe details). */
export interface Candidate {
  at: number;
  endpoint: string;
  /** Sorted distinct dns addresses; null when dns is absent or not ok. */
  addresses: string[] | null;
  ok: boolean;
  /** Breaks ties between probes at the same time, so file order never decides. */
  tie: string;
}

/**
 * The earlier probe, for the first probe; at the same time the lower tie key.
 * The later probe, for the final one; at the same time a failed probe wins over
 * an ok one (the pessimistic reading), then the lower tie key.
 */
export function earlier(a: Candidate | null, b: Candidate): boolean {
  return a === null || b.at < a.at || (b.at === a.at && b.tie < a.tie);
}

export function later(a: Candidate | null, b: Candidate): boolean {
  if (a === null || b.at > a.at) return true;
  if (b.at < a.at) return false;
  if (a.ok !== b.ok) return !b.ok;
  return b.tie < a.tie;
}

class KeyState {
  first: Candidate | null = null;
  finalAfter: Candidate | null = null;
  latest: Candidate | null = null;
  ipLiteral = false;
  probes = 0;
  readonly failures: StageFigures = { dns: 0, tcp: 0, kafka: 0 };
  readonly maxMs: StageMaxMs = { dns: null, tcp: null, kafka: null };

  get final(): Candidate | null {
    return this.finalAfter ?? this.latest;
  }
}

interface StageResult {
  ok: boolean;
  ms: number;
}

/** A stage: null (not attempted) or an object with a boolean `ok` and an integer `ms` ≥ 0. */
function stage(v: unknown, field: Stage, at: LineContext): StageResult | null {
  if (v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) {
    return fail(at, field, v, 'null or an object with ok and ms');
  }
  const o = v as JsonObject;
  return { ok: boolean(o.ok, `${field}.ok`, at), ms: naturalNumber(o.ms, `${field}.ms`, at) };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export class ReachabilityCollector {
  private readonly brokers = new Map<number, KeyState>();
  private readonly bootstrap = new Map<string, KeyState>();
  private dnsFailures = 0;

  get empty(): boolean {
    return this.brokers.size === 0 && this.bootstrap.size === 0;
  }

  /** Checks one `probe` record and folds it in. */
  add(o: JsonObject, at: LineContext): void {
    const endpoint = text(o.endpoint, 'endpoint', at);
    const r = role(o.role, at);
    const p: Phase = phase(o.phase, at);
    const when = time(o.at, 'at', at);
    const broker = r === 'broker' ? integer(o.broker, 'broker', at) : 0;
    const results = {
      dns: stage(o.dns, 'dns', at),
      tcp: stage(o.tcp, 'tcp', at),
      kafka: stage(o.kafka, 'kafka', at),
    };
    let addresses: string[] | null = null;
    if (results.dns !== null) {
      const dns = o.dns as JsonObject;
      if (results.dns.ok || dns.addresses !== undefined) {
        const list = stringList(dns.addresses, 'dns.addresses', at);
        if (results.dns.ok) addresses = [...new Set(list)].sort();
      }
    }
    if (o.tcp !== null && (o.tcp as JsonObject).address !== undefined) {
      text((o.tcp as JsonObject).address, 'tcp.address', at);
    }
    if (o.tls !== undefined && o.tls !== null) {
      const tls = object(o.tls, 'tls', at);
      boolean(tls.ok, 'tls.ok', at);
      naturalNumber(tls.ms, 'tls.ms', at);
      optionalTime(tls.notAfter, 'tls.notAfter', at);
    }

    let state: KeyState | undefined;
    if (r === 'broker') {
      state = this.brokers.get(broker);
      if (state === undefined) this.brokers.set(broker, (state = new KeyState()));
    } else {
      state = this.bootstrap.get(endpoint);
      if (state === undefined) this.bootstrap.set(endpoint, (state = new KeyState()));
    }

    state.probes += 1;
    if (!state.ipLiteral && isIpLiteral(endpoint)) state.ipLiteral = true;
    for (const s of STAGES) {
      const result = results[s];
      if (result === null) continue;
      if (!result.ok) state.failures[s] += 1;
      else if (state.maxMs[s] === null || result.ms > state.maxMs[s]) state.maxMs[s] = result.ms;
    }
    if (results.dns !== null && !results.dns.ok) this.dnsFailures += 1;

    const ok = STAGES.every((s) => results[s]?.ok === true);
    const candidate: Candidate = {
      at: when,
      endpoint,
      addresses,
      ok,
      tie: JSON.stringify([endpoint, addresses, STAGES.map((s) => results[s]?.ok ?? null)]),
    };
    if (p === 'baseline' && earlier(state.first, candidate)) state.first = candidate;
    if (p === 'after' && later(state.finalAfter, candidate)) state.finalAfter = candidate;
    if (later(state.latest, candidate)) state.latest = candidate;
  }

  /** The report's `reachability`: null when the history has no `probe` record. */
  result(): Reachability | null {
    if (this.empty) return null;
    const figures = (s: KeyState): EndpointReachability => {
      const final = s.final!;
      return {
        endpoint: final.endpoint,
        firstAddresses: s.first?.addresses ?? null,
        finalAddresses: final.addresses,
        ipLiteral: s.ipLiteral,
        reachable: final.ok,
        probes: s.probes,
        failures: { ...s.failures },
        maxMs: { ...s.maxMs },
      };
    };
    const brokers = [...this.brokers.entries()]
      .sort(([a], [b]) => a - b)
      .map(([broker, s]): BrokerReachability => {
        const { endpoint, ...rest } = figures(s);
        const first = s.first;
        const final = s.final!;
        const addressChanged =
          first !== null &&
          first.addresses !== null &&
          final.addresses !== null &&
          (first.endpoint !== final.endpoint || !sameList(first.addresses, final.addresses));
        return {
          broker,
          endpoint,
          firstEndpoint: first?.endpoint ?? null,
          ...rest,
          addressChanged,
        };
      });
    const bootstrap = [...this.bootstrap.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, s]) => figures(s));
    return {
      brokers,
      bootstrap,
      totals: {
        unreachableBrokers: brokers.filter((b) => !b.reachable).length,
        unreachableBootstrap: bootstrap.filter((b) => !b.reachable).length,
        dnsFailures: this.dnsFailures,
        brokerAddressChanges: brokers.filter((b) => b.addressChanged).length,
        ipLiteralEndpoints:
          brokers.filter((b) => b.ipLiteral).length + bootstrap.filter((b) => b.ipLiteral).length,
      },
    };
  }
}
