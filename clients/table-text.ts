/** The per-library table as text, for the run's summary (docs/clients.md). */
import { formatSeconds } from '../functions/core/duration.js';
import {
  CLIENT_TABLE_COLUMNS,
  PRODUCER_TABLE_COLUMNS,
} from '../functions/core/report/clients-section.js';
import { producerCells } from './producer-table.js';
import type { ClientRow } from './table.js';

/** The table as text for the run's summary: one line per group, then the not-measured reasons. */
export function formatClientTable(rows: readonly ClientRow[]): string {
  if (rows.length === 0) return '';
  const head = [...CLIENT_TABLE_COLUMNS];
  const body = rows.map((r) =>
    r.status === 'not measured'
      ? [
          r.name ?? '?',
          r.library,
          r.profile ?? '—',
          r.group,
          'not measured',
          '',
          '',
          '',
          '',
          '',
          '',
        ]
      : [
          r.name ?? 'kafkajs',
          r.library,
          r.profile ?? '—',
          r.group,
          `${r.received}`,
          `${r.redelivered}`,
          `${r.skipped}`,
          `${r.missing}/${r.logged}`,
          `${r.beforeStart}`,
          formatSeconds(r.longestGapMs),
          r.rebalances === null ? '—' : `${r.rebalances}`,
        ],
  );
  const out = ['CLIENT LIBRARIES (one consumer group each)', ...aligned(head, body, 4)];
  for (const r of rows) {
    if (r.status === 'not measured') {
      out.push(
        `  ${r.name ?? r.group}: not measured — ${r.reason ?? 'no reason given'}${r.install === null ? '' : ` (install: ${r.install})`}`,
      );
    } else if (r.status === 'exited') {
      out.push(
        `  ${r.name ?? r.group}: its process exited mid-run (${r.exit ?? 'no reason'}); records after that are missing`,
      );
    }
    if (r.notReady !== null && r.status !== 'not measured') {
      out.push(
        `  ${r.name ?? r.group}: ${r.notReady}${r.beforeStart > 0 ? `; ${r.beforeStart} record(s) written before its first are counted as before start, not missing` : ''}`,
      );
    }
  }
  const producing = rows.filter((r) => r.producer !== null);
  if (producing.length > 0) {
    out.push('', "CLIENT PRODUCERS (each library's own sequences; kafkajs: the canary)");
    const cells = producing.map((r) => producerCells(r.name ?? 'kafkajs', r.profile, r.producer!));
    out.push(...aligned([...PRODUCER_TABLE_COLUMNS], cells, 3));
    for (const r of producing) {
      const p = r.producer!;
      if (p.status === 'not measured') {
        out.push(
          `  ${r.name ?? r.group} producer: not measured — ${p.reason ?? 'no reason given'}${p.install === null ? '' : ` (install: ${p.install})`}`,
        );
      } else if (p.status === 'exited') {
        out.push(
          `  ${r.name ?? r.group} producer: its process exited mid-run (${p.reason ?? 'no reason'}); it sent nothing after that`,
        );
      }
      if (p.unreported !== null && p.unreported > 0) {
        out.push(
          `  ${r.name ?? r.group} producer: ${p.unreported} send(s) had no delivery report when it stopped (counted as failed)`,
        );
      }
    }
  }
  const settings = [
    ...rows.map((r) => ({ label: r.name ?? r.group, profile: r.profile, values: r.settings })),
    ...producing.map((r) => ({
      label: `${r.name ?? r.group} producer`,
      profile: r.profile,
      values: r.producer!.settings,
    })),
  ].filter((x) => x.values !== null);
  if (settings.length > 0) {
    out.push('', 'CLIENT SETTINGS (effective, as each client reported them)');
    for (const { label, profile, values } of settings) {
      out.push(`${label} (${profile ?? 'no profile'}):`);
      for (const [k, v] of Object.entries(values!).sort(([a], [b]) => a.localeCompare(b))) {
        out.push(`  ${k} = ${v}`);
      }
    }
  }
  return `${out.join('\n')}\n`;
}

/** A head and rows as aligned lines: text columns left, from `firstNumber` on right. */
function aligned(head: string[], body: string[][], firstNumber: number): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i >= firstNumber ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...body.map(line)];
}
