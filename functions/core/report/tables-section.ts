/** The page's two long tables: the worst partitions and the anomaly list. */
import type { Report } from '../history/index.js';
import { clock, num, table } from './formatters.js';
import { escapeHtml as e } from './html-text.js';
import { anomalyCount, worstFirst } from './timeline.js';

/** The anomaly table shows this many (the markers show every one the report kept). */
export const ANOMALY_ROWS = 1000;
/** The partition table shows the worst this many. */
export const PARTITION_ROWS = 200;

export function partitionsSection(report: Report): string {
  const worst = [...report.partitions].sort(worstFirst).slice(0, PARTITION_ROWS);
  const rows = worst.map(
    (p) =>
      `<tr${anomalyCount(p) > 0 ? ' class="bad"' : ''}>${num(p.partition)}${num(anomalyCount(p))}${num(p.lost)}${num(p.duplicates)}${num(p.outOfOrder)}${num(p.inconsistentOffsets)}${num(p.skipped)}${num(p.redelivered)}${num(p.failed)}${num(p.maxUnavailableMs)}${num(p.produceLatencyMs?.p99)}${num(p.scheduledLatencyMs?.p99)}${num(p.endToEndLatencyMs?.p99)}</tr>`,
  );
  const more =
    report.partitions.length > PARTITION_ROWS
      ? ` (the worst ${PARTITION_ROWS} of ${report.partitions.length})`
      : '';
  return `<section id="partitions"><h2>Worst partitions${more}</h2>
${table(
  'partitions-table',
  [
    'partition',
    'anomalies',
    'lost',
    'duplicates',
    'out of order',
    'inconsistent',
    'skipped',
    'redelivered',
    'failed sends',
    'longest unavailable, ms',
    'produce p99, ms',
    'scheduled p99, ms',
    'end-to-end p99, ms',
  ],
  rows,
)}</section>`;
}

export function anomaliesSection(report: Report): string {
  const shown = report.anomalies.slice(0, ANOMALY_ROWS);
  const rows = shown.map((a) => {
    const after =
      a.afterRestart === null
        ? '<td data-v="">outside every window</td>'
        : `<td data-v="${a.afterRestart.broker}">broker ${a.afterRestart.broker}${a.afterRestart.ms === null ? ' (never came back)' : `, ${a.afterRestart.ms >= 0 ? '+' : ''}${a.afterRestart.ms} ms`}</td>`;
    return `<tr><td data-v="${a.at}">${clock(a.at)}</td><td><span class="swatch k-${a.kind}"></span>${a.kind}</td>${num(a.partition)}${num(a.offset)}<td>${e(a.producer ?? '')}</td>${num(a.seq)}<td>${e(a.group ?? '')}</td>${after}</tr>`;
  });
  const note =
    report.anomalies.length > ANOMALY_ROWS || report.anomaliesTruncated
      ? `<p>The first ${shown.length} by time${report.anomaliesTruncated ? '; the report keeps at most 1000 of each kind (the counts above are complete)' : ''}.</p>`
      : '';
  return `<section id="anomalies"><h2>Anomalies (${report.anomalies.length})</h2>${note}
${
  rows.length === 0
    ? '<p>None.</p>'
    : table(
        'anomalies-table',
        ['time (UTC)', 'kind', 'partition', 'offset', 'producer', 'seq', 'group', 'after restart'],
        rows,
      )
}</section>`;
}
