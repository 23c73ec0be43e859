/**
 * The page's client-library section (docs/clients.md): one row per consumer group of
 * the run's libraries with its settings profile and counts, one per producer (each
 * library's own, the canary's for kafkajs), then each client's effective settings,
 * setting by setting. Only a CLI run with `--clients` has one.
 */
import type { ClientEntry } from '../../../clients/entries.js';
import { num, table } from './formatters.js';
import { escapeHtml as e } from './html-text.js';

/** The table's columns, on the page and in the run's summary (clients/table.ts). */
export const CLIENT_TABLE_COLUMNS = [
  'client',
  'library',
  'settings',
  'group',
  'received',
  'redelivered',
  'skipped',
  'missing',
  'before start',
  'longest gap',
  'rebalances',
] as const;

/** The producer table's columns, on the page and in the run's summary. */
export const PRODUCER_TABLE_COLUMNS = [
  'client',
  'producer',
  'settings',
  'sent',
  'acked',
  'failed',
  'lost',
  'duplicates',
  'out of order',
  'produce p99',
  'scheduled p99',
] as const;

/** The producers' table: each library's own sequences, and the canary's for kafkajs. */
function producersTable(entries: readonly ClientEntry[]): string {
  const producing = entries.filter((c) => c.producer !== null);
  if (producing.length === 0) return '';
  const rows = producing.map((c) => {
    const p = c.producer!;
    const head = `<td>${e(c.client)}</td><td>${e(p.producer)}</td><td>${e(p.status === 'canary' ? 'canary' : (c.profile ?? '—'))}</td>`;
    if (p.status === 'not measured') {
      return `<tr class="bad">${head}<td colspan="8">not measured: ${e(p.reason ?? 'no reason given')}</td></tr>`;
    }
    const bad = (p.lost ?? 0) > 0 || p.duplicates > 0 || p.outOfOrder > 0 || p.status === 'exited';
    return `<tr${bad ? ' class="bad"' : ''}>${head}${num(p.sent)}${num(p.acked)}${num(p.failed)}${num(p.lost)}${num(p.duplicates)}${num(p.outOfOrder)}${num(p.produceP99Ms)}${num(p.scheduledP99Ms)}</tr>`;
  });
  return `<h3>Producers (each library's own sequences; kafkajs: the canary)</h3>
<p>Lost, duplicates and out of order by the same definitions as the canary's, for each producer's own sequences. Scheduled p99 counts from when each message was due, so it includes the sends that had to wait.</p>
${table(
  'client-producers-table',
  PRODUCER_TABLE_COLUMNS.map((c) => (c.endsWith('p99') ? `${c}, ms` : c)),
  rows,
)}`;
}

export function clientsSection(entries: readonly ClientEntry[] | undefined): string {
  if (entries === undefined || entries.length === 0) return '';
  const rows = entries.map((c) => {
    const k = c.consumer;
    const head = `<td>${e(c.client)}</td><td>${e(c.library)}</td><td>${e(c.profile ?? '—')}</td><td>${e(c.group)}</td>`;
    if (k === null) {
      return `<tr class="bad">${head}<td colspan="7">not measured: ${e(c.reason ?? 'no reason given')}</td></tr>`;
    }
    const bad = k.skipped > 0 || k.missing > 0 || c.status === 'exited';
    return `<tr${bad ? ' class="bad"' : ''}>${head}${num(k.received)}${num(k.redelivered)}${num(k.skipped)}${num(k.missing)}${num(k.beforeStart)}${num(k.longestGapMs)}${num(k.rebalances)}</tr>`;
  });
  const settings = [
    ...entries.map((c) => ({ label: c.client, profile: c.profile, values: c.settings })),
    ...entries.map((c) => ({
      label: `${c.client} producer`,
      profile: c.profile,
      values: c.producer?.settings ?? null,
    })),
  ]
    .filter((x) => x.values !== null)
    .map(
      ({ label, profile, values }) =>
        `<details><summary>${e(label)} (${e(profile ?? 'no profile')}): ${Object.keys(values!).length} settings</summary><dl>${Object.entries(
          values!,
        )
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, value]) => `<dt>${e(name)}</dt><dd>${e(value)}</dd>`)
          .join('')}</dl></details>`,
    )
    .join('\n');
  return `<section id="clients"><h2>Client libraries (one consumer group each)</h2>
<p>Settings profile <code>defaults</code>: each library as shipped; <code>careful</code>: commit right after the records are processed; <code>canary</code>: the verifier's own consumer. Missing counts of ${entries.find((c) => c.consumer !== null)?.consumer?.logged ?? 0} logged records; before start: written before a latest-starting client was positioned.</p>
${table(
  'clients-table',
  CLIENT_TABLE_COLUMNS.map((c) => (c === 'longest gap' ? 'longest gap, ms' : c)),
  rows,
)}
${producersTable(entries)}
${settings}</section>`;
}
