/** report.json's `clients` array: the per-library table's rows as entries (docs/clients.md, "report.json"). */
import type { ProducerColumns } from './producer-table.js';
import type { ClientSettings } from './profiles.js';
import type { ClientRow } from './table.js';

/** report.json's `clients` entry of one library (docs/clients.md, "report.json"). */
export interface ClientEntry {
  client: string;
  library: string;
  version: string | null;
  group: string;
  /** `defaults`, `careful`, or `canary` (the kafkajs canary group); null when not recorded. */
  profile: string | null;
  settings: ClientSettings | null;
  /** `stopped`, `exited`, `not measured`, …: the row's status. */
  status: string;
  /** Why it was not measured, or how its process exited mid-run; else null. */
  reason: string | null;
  /** Null when the client was not measured. */
  consumer: Pick<
    ClientRow,
    | 'received'
    | 'redelivered'
    | 'skipped'
    | 'missing'
    | 'beforeStart'
    | 'logged'
    | 'longestGapMs'
    | 'rebalances'
  > | null;
  /**
   * The library's producer of its own sequences (`kuv-<library>`; the kafkajs entry:
   * the canary's), with the analyzer's figures for them; null when the run had none.
   */
  producer: ProducerColumns | null;
}

/** The table's rows as report.json's `clients` array. */
export function clientEntries(rows: readonly ClientRow[]): ClientEntry[] {
  return rows.map((r) => ({
    client: r.name ?? 'kafkajs',
    library: r.library,
    version: r.version,
    group: r.group,
    profile: r.profile,
    settings: r.settings,
    status: r.status,
    reason: r.status === 'not measured' ? r.reason : r.exit,
    consumer:
      r.status === 'not measured'
        ? null
        : {
            received: r.received,
            redelivered: r.redelivered,
            skipped: r.skipped,
            missing: r.missing,
            beforeStart: r.beforeStart,
            logged: r.logged,
            longestGapMs: r.longestGapMs,
            rebalances: r.rebalances,
          },
    producer: r.producer,
  }));
}
