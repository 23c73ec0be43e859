/**
 * The per-client table (docs/clients.md): one row per consumer group of a run —
 * library and version, records received, redelivered, skipped, missing, the longest
 * gap without a record, rebalances seen — built in one streaming pass over the
 * history's `log`, `consume` and `client` records, so that it scales with the history
 * like the analyzer does.
 *
 * Counts add up against the log: for every group,
 * `logged = receivedLogged + missing + beforeStart` (every logged offset was received at
 * least once, is missing, or was written before a client that starts at the latest
 * offset was positioned). `skipped` is the analyzer's figure (missing offsets between
 * the lowest and highest the group received); `missing` also counts those after the
 * last record it received (a client that stopped) and, for a client that starts at the
 * earliest offset, before its first. `beforeStart` is never counted for a client that
 * starts at the earliest offset: there, a record before its first is missing.
 */
import { createRequire } from 'node:module';
import { StringDecoder } from 'node:string_decoder';

import { InputError } from '../functions/core/errors.js';
import { startsAtLatest, type ClientSettings } from './profiles.js';
import { TextLines } from './protocol.js';
import { ProducerRecords, settingsOf, type ProducerColumns } from './producer-table.js';
import type { ProducerReport } from '../functions/core/history/producers.js';

/** `kafkajs 2.2.4`: the canary's own consumer, the library of a group no `client` record names. */
export const KAFKAJS_LIBRARY = `kafkajs ${(createRequire(import.meta.url)('kafkajs/package.json') as { version: string }).version}`;

export interface ClientRow {
  group: string;
  /** The `--clients` name, or null for a group no `client` record names. */
  name: string | null;
  library: string;
  /** The library's version alone, when its client record gives it. */
  version: string | null;
  /** The settings profile (`defaults`, `careful`; `canary` for the kafkajs canary group), when recorded. */
  profile: string | null;
  /** The client's effective settings as it reported them, when it did. */
  settings: ClientSettings | null;
  /** `started`, `stopped`, `not measured`, `exited` (the process ended mid-run), or `consumed` (no client record). */
  status: string;
  reason: string | null;
  install: string | null;
  /** `consume` records. */
  received: number;
  /** Distinct logged (partition, offset) the group received. */
  receivedLogged: number;
  redelivered: number;
  skipped: number;
  missing: number;
  /**
   * Logged offsets below the first the group received in their partition, for a client
   * that starts at the latest offset: written before it was positioned, not owed to it.
   */
  beforeStart: number;
  logged: number;
  /** The longest time between two records the group received, or from its last to the last any group received; null with fewer than two. */
  longestGapMs: number | null;
  rebalances: number | null;
  errors: number;
  /** Why the process exited mid-run, when it did. */
  exit: string | null;
  /** Why the canary started before the client was positioned, when it did (`not ready`). */
  notReady: string | null;
  /** The library's producer (the canary's for kafkajs), when the run had one. */
  producer: ProducerColumns | null;
}

interface GroupAcc {
  name: string | null;
  library: string | null;
  version: string | null;
  profile: string | null;
  settings: ClientSettings | null;
  consumers: Set<string>;
  status: string | null;
  reason: string | null;
  install: string | null;
  received: number;
  redelivered: number;
  offsets: Map<number, Set<number>>;
  times: number[];
  rebalances: number;
  errors: number;
  exit: string | null;
  notReady: string | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const int = (v: unknown): number | null => (Number.isSafeInteger(v) ? (v as number) : null);

export class ClientTableBuilder {
  private readonly groups = new Map<string, GroupAcc>();
  private readonly producers = new ProducerRecords();
  private readonly logged = new Map<number, Set<number>>();
  /** The latest `receivedAt` of any group: where a client that stopped receiving is measured to. */
  private lastReceived: number | null = null;

  constructor(private readonly defaultLibrary: string = KAFKAJS_LIBRARY) {}

  private group(name: string): GroupAcc {
    let g = this.groups.get(name);
    if (g === undefined) {
      g = {
        name: null,
        library: null,
        version: null,
        profile: null,
        settings: null,
        consumers: new Set(),
        status: null,
        reason: null,
        install: null,
        received: 0,
        redelivered: 0,
        offsets: new Map(),
        times: [],
        rebalances: 0,
        errors: 0,
        exit: null,
        notReady: null,
      };
      this.groups.set(name, g);
    }
    return g;
  }

  /** One history record (a parsed line); records of other types are ignored. */
  add(record: Record<string, unknown>): void {
    switch (record.type) {
      case 'log': {
        const partition = int(record.partition);
        const offset = int(record.offset);
        if (partition === null || offset === null) return;
        let set = this.logged.get(partition);
        if (set === undefined) this.logged.set(partition, (set = new Set()));
        set.add(offset);
        return;
      }
      case 'consume': {
        const group = str(record.group);
        const partition = int(record.partition);
        const offset = int(record.offset);
        if (group === null || partition === null || offset === null) return;
        const g = this.group(group);
        g.received += 1;
        const consumer = str(record.consumer);
        if (consumer !== null && g.consumers.size < 50) g.consumers.add(consumer);
        let set = g.offsets.get(partition);
        if (set === undefined) g.offsets.set(partition, (set = new Set()));
        if (set.has(offset)) g.redelivered += 1;
        else set.add(offset);
        const at = int(record.receivedAt);
        if (at !== null) {
          g.times.push(at);
          if (this.lastReceived === null || at > this.lastReceived) this.lastReceived = at;
        }
        return;
      }
      case 'client': {
        if (record.role === 'producer') return this.producers.add(record);
        const group = str(record.group);
        if (group === null) return;
        const g = this.group(group);
        g.name = str(record.name) ?? g.name;
        g.library = str(record.library) ?? g.library;
        g.version = str(record.version) ?? g.version;
        g.profile = str(record.profile) ?? g.profile;
        const settings = settingsOf(record.settings);
        if (settings !== null) g.settings = { ...g.settings, ...settings };
        const status = str(record.status);
        if (status !== null) {
          if (g.status !== 'exited') g.status = status;
          if (status === 'not measured') {
            g.reason = str(record.reason);
            g.install = str(record.install);
          }
        }
        if (record.event === 'rebalance') g.rebalances += 1;
        if (record.event === 'error') g.errors += 1;
        if (record.event === 'not ready') g.notReady = str(record.text) ?? 'not ready';
        if (record.event === 'exit') {
          g.status = 'exited';
          g.exit = str(record.text);
        }
        return;
      }
      default:
        return;
    }
  }

  /** @param producers the analyzer's per-producer figures (HistoryAnalysis.producers). */
  rows(producers: readonly ProducerReport[] = []): ClientRow[] {
    let logged = 0;
    for (const set of this.logged.values()) logged += set.size;
    const rows: ClientRow[] = [];
    for (const [group, g] of this.groups) {
      let receivedLogged = 0;
      let skipped = 0;
      let beforeStart = 0;
      const latest = startsAtLatest(g.settings);
      for (const [partition, set] of this.logged) {
        const got = g.offsets.get(partition);
        if (got === undefined || got.size === 0) continue;
        let lo = Infinity;
        let hi = -Infinity;
        for (const o of got) {
          if (o < lo) lo = o;
          if (o > hi) hi = o;
        }
        for (const o of set) {
          if (got.has(o)) receivedLogged += 1;
          else if (o >= lo && o <= hi) skipped += 1;
          else if (latest && o < lo) beforeStart += 1;
        }
      }
      const times = g.times.sort((a, b) => a - b);
      let gap: number | null = null;
      for (let i = 1; i < times.length; i++) gap = Math.max(gap ?? 0, times[i]! - times[i - 1]!);
      // A client that stopped receiving while others went on: its silence counts too.
      const last = times.at(-1);
      if (last !== undefined && this.lastReceived !== null && this.lastReceived > last) {
        gap = Math.max(gap ?? 0, this.lastReceived - last);
      }
      const measured = g.status !== 'not measured';
      rows.push({
        group,
        name: g.name,
        library: g.library ?? (g.name === null ? this.defaultLibrary : g.name),
        version: g.version,
        profile: g.profile,
        settings: g.settings,
        status: g.status ?? 'consumed',
        reason: g.reason,
        install: g.install,
        received: g.received,
        receivedLogged,
        redelivered: g.redelivered,
        skipped,
        missing: measured ? logged - receivedLogged - beforeStart : 0,
        beforeStart,
        logged,
        longestGapMs: gap,
        // The canary's kafkajs consumer writes no rebalance events: unknown, not zero.
        rebalances: g.name === null || g.name === 'kafkajs' ? null : g.rebalances,
        errors: g.errors,
        exit: g.exit,
        notReady: g.notReady,
        producer: this.producers.columns(g.name, producers),
      });
    }
    return rows.sort(
      (a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.group.localeCompare(b.group),
    );
  }
}

/** The table of an in-memory history. */
export function clientTable(
  records: Iterable<Record<string, unknown>>,
  options: ClientTableOptions = {},
): ClientRow[] {
  const b = new ClientTableBuilder(options.defaultLibrary);
  for (const r of records) b.add(r);
  return b.rows(options.producers);
}

export interface ClientTableOptions {
  /** The library of a group no `client` record names (default the canary's kafkajs). */
  defaultLibrary?: string;
  /** The analyzer's per-producer figures of the same history, for the producer columns. */
  producers?: readonly ProducerReport[];
}

/**
 * The table of a history given as bytes (a file stream, gunzipped first, or what
 * bin/history-input.ts `openHistory` gives), read after the analyzer accepted it: a
 * consume, log or client line that is not a JSON object is an InputError naming the line,
 * never skipped (a table short of lines would understate what a library missed).
 */
export async function clientTableOfHistory(
  chunks: AsyncIterable<Buffer | string>,
  options: ClientTableOptions = {},
): Promise<ClientRow[]> {
  const b = new ClientTableBuilder(options.defaultLibrary);
  const decoder = new StringDecoder('utf8');
  const lines = new TextLines();
  let lineNumber = 0;
  const take = (line: string) => {
    lineNumber += 1;
    // Only three record types matter: skip the parse of the others.
    if (!line.includes('"consume"') && !line.includes('"log"') && !line.includes('"client"'))
      return;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch (error) {
      throw notAnObject(lineNumber, error);
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw notAnObject(lineNumber);
    b.add(o as Record<string, unknown>);
  };
  for await (const chunk of chunks) {
    for (const line of lines.push(typeof chunk === 'string' ? chunk : decoder.write(chunk)))
      take(line);
  }
  for (const line of lines.push(decoder.end())) take(line);
  for (const line of lines.end()) take(line);
  return b.rows(options.producers);
}

function notAnObject(line: number, cause?: unknown): InputError {
  return new InputError(
    `client table: history line ${line} is not a JSON object; the table reads only a history the analyzer accepts (run analyze on it to see what is wrong).`,
    { cause },
  );
}
