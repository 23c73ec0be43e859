/**
 * The producer side of the per-library table (docs/clients.md, "The producer
 * protocol"): each library's producer (`kuv-<library>`) and the kafkajs canary's own,
 * with the analyzer's figures for its sequences (functions/core/history/producers.ts:
 * the spec's definitions of lost, duplicate and out of order, applied to one producer)
 * and what its `client` records say (status, settings, how it stopped).
 */
import type { ProducerReport } from '../functions/core/history/producers.js';
import type { ClientSettings } from './profiles.js';

/** The producer of a library, as report.json's `clients[].producer` carries it. */
export interface ProducerColumns {
  /** The payload's `producer`: `kuv-<library>`, or `canary` for the kafkajs canary. */
  producer: string;
  /** `started`, `stopped`, `exited`, `not measured`, or `canary`. */
  status: string;
  /** Why it was not measured or how it exited mid-run; else null. */
  reason: string | null;
  install: string | null;
  settings: ClientSettings | null;
  /** `produce` records (a send with an outcome, or one it never reported). */
  sent: number;
  acked: number;
  failed: number;
  /** Of `failed`: sends it printed but never reported an outcome for before it stopped. */
  unreported: number | null;
  /** null when the history has no `log` record. */
  lost: number | null;
  duplicates: number;
  outOfOrder: number;
  unackedWritten: number;
  produceP99Ms: number | null;
  /** ackedAt − scheduledAt, p99: counts the sends that had to wait. */
  scheduledP99Ms: number | null;
}

interface ProducerAcc {
  producer: string | null;
  library: string | null;
  status: string | null;
  reason: string | null;
  install: string | null;
  exit: string | null;
  settings: ClientSettings | null;
  unreported: number | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** A client record's `settings`: an object of string values, else null. */
export function settingsOf(v: unknown): ClientSettings | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const out: ClientSettings = {};
  for (const [k, value] of Object.entries(v)) {
    out[k] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}

/** Folds `client` records with `role: "producer"` by client name. */
export class ProducerRecords {
  private readonly byName = new Map<string, ProducerAcc>();

  add(record: Record<string, unknown>): void {
    const name = str(record.name);
    if (name === null) return;
    let p = this.byName.get(name);
    if (p === undefined) {
      p = {
        producer: null,
        library: null,
        status: null,
        reason: null,
        install: null,
        exit: null,
        settings: null,
        unreported: null,
      };
      this.byName.set(name, p);
    }
    p.producer = str(record.producer) ?? p.producer;
    p.library = str(record.library) ?? p.library;
    const settings = settingsOf(record.settings);
    if (settings !== null) p.settings = { ...p.settings, ...settings };
    const status = str(record.status);
    if (status !== null && p.status !== 'exited') p.status = status;
    if (status === 'not measured') {
      p.reason = str(record.reason);
      p.install = str(record.install);
    }
    if (Number.isSafeInteger(record.unreported)) p.unreported = record.unreported as number;
    if (record.event === 'exit') {
      p.status = 'exited';
      p.exit = str(record.text);
    }
  }

  /**
   * The producer of the row of client `name` (null: the kafkajs canary group, whose
   * producer is the canary), with the analyzer's figures for it; null when it has none.
   */
  columns(name: string | null, reports: readonly ProducerReport[]): ProducerColumns | null {
    const canary = name === null || name === 'kafkajs';
    const acc = canary ? undefined : this.byName.get(name);
    const producer = canary ? 'canary' : acc?.producer;
    if (producer === undefined || producer === null) return null;
    const r = reports.find((p) => p.producer === producer);
    if (acc === undefined && r === undefined) return null;
    return {
      producer,
      status: canary ? 'canary' : (acc?.status ?? 'started'),
      reason: acc?.status === 'not measured' ? acc.reason : (acc?.exit ?? null),
      install: acc?.install ?? null,
      settings: acc?.settings ?? null,
      sent: r?.produced ?? 0,
      acked: r?.acked ?? 0,
      failed: r?.failed ?? 0,
      unreported: acc?.unreported ?? null,
      lost: r === undefined ? null : r.lost,
      duplicates: r?.duplicates ?? 0,
      outOfOrder: r?.outOfOrder ?? 0,
      unackedWritten: r?.unackedWritten ?? 0,
      produceP99Ms: r?.produceLatencyMs?.p99 ?? null,
      scheduledP99Ms: r?.scheduledLatencyMs?.p99 ?? null,
    };
  }
}

/** The cells of one producer row (the summary's text; the page formats numbers itself). */
export function producerCells(
  client: string,
  profile: string | null,
  p: ProducerColumns,
): string[] {
  const head = [client, p.producer, p.status === 'canary' ? 'canary' : (profile ?? '—')];
  if (p.status === 'not measured') return [...head, 'not measured', '', '', '', '', '', '', ''];
  const ms = (v: number | null) => (v === null ? '—' : `${v} ms`);
  return [
    ...head,
    `${p.sent}`,
    `${p.acked}`,
    `${p.failed}`,
    p.lost === null ? '—' : `${p.lost}`,
    `${p.duplicates}`,
    `${p.outOfOrder}`,
    ms(p.produceP99Ms),
    ms(p.scheduledP99Ms),
  ];
}
