/**
 * The page's client-library section (docs/clients.md): one row per consumer group of
 * the run's libraries with its settings profile and counts, then each library's
 * effective settings, setting by setting. Only a CLI run with `--clients` has one.
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
  const settings = entries
    .filter((c) => c.settings !== null)
    .map(
      (c) =>
        `<details><summary>${e(c.client)} (${e(c.profile ?? 'no profile')}): ${Object.keys(c.settings!).length} settings</summary><dl>${Object.entries(
          c.settings!,
        )
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, value]) => `<dt>${e(name)}</dt><dd>${e(value)}</dd>`)
          .join('')}</dl></details>`,
    )
    .join('\n');
  return `<section id="clients"><h2>Client libraries (one consumer group each)</h2>
<p>Settings profile <code>defaults</code>: each library as shipped; <code>careful</code>: commit after each record; <code>canary</code>: the verifier's own consumer. Missing counts of ${entries.find((c) => c.consumer !== null)?.consumer?.logged ?? 0} logged records; before start: written before a latest-starting client was positioned.</p>
${table(
  'clients-table',
  CLIENT_TABLE_COLUMNS.map((c) => (c === 'longest gap' ? 'longest gap, ms' : c)),
  rows,
)}
${settings}</section>`;
}
