/** The page's balance section: leaders per broker before and after, each topic's figures. */
import { balanceOver } from '../history/balance.js';
import type { BalanceFigures, Report } from '../history/index.js';
import type { CollectedTimeline } from './collector.js';
import { table, when } from './formatters.js';
import { escapeHtml as e } from './html-text.js';

function figures(f: BalanceFigures): string {
  return `leader skew <b>${f.leaderSkew ?? 'n/a'}</b>, preferred leaders ${f.preferredLeaderRatio ?? 'n/a'}, ${f.underReplicated} under-replicated, ${f.offline} offline of ${f.partitions} partitions`;
}

export function balanceSection(report: Report, collected: CollectedTimeline): string {
  const balance = report.balance;
  if (balance === null) {
    return '<section id="balance"><h2>Balance</h2><p>The run took no leadership snapshot: balance was not checked.</p></section>';
  }
  const baselineParts = [...collected.baseline.values()].flatMap((s) => s.partitions);
  const before = baselineParts.length > 0 ? balanceOver(baselineParts) : null;
  const after = balance.totals;
  const ids = [
    ...new Set([
      ...Object.keys(before?.leadersPerBroker ?? {}),
      ...Object.keys(after.leadersPerBroker),
    ]),
  ].sort((a, b) => Number(a) - Number(b));
  const most = Math.max(
    1,
    ...Object.values(before?.leadersPerBroker ?? {}),
    ...Object.values(after.leadersPerBroker),
  );
  const rows = ids.map((id) => {
    const b = before?.leadersPerBroker[id];
    const a = after.leadersPerBroker[id] ?? 0;
    const bar = (n: number | undefined, cls: string): string =>
      n === undefined
        ? ''
        : `<span class="${cls}" style="width:${((100 * n) / most).toFixed(1)}%"></span>`;
    return `<tr data-broker="${e(id)}"><td>broker ${e(id)}</td><td class="num">${b ?? '—'}</td><td class="num">${a}</td><td class="bar">${bar(b, 'before')}${bar(a, 'after')}</td></tr>`;
  });
  const topics = balance.topics.map(
    (t) => `<tr><td>${e(t.topic)}</td><td>${when(t.at)}</td><td>${figures(t)}</td></tr>`,
  );
  const skewNote =
    after.leaderSkew !== null && after.leaderSkew > report.maxLeaderSkew
      ? ` — above the limit ${report.maxLeaderSkew}`
      : '';
  return `<section id="balance"><h2>Balance</h2>
<p>Before (baseline snapshot): ${before === null ? 'no baseline snapshot' : figures(before)}.<br>After (final snapshot): ${figures(after)}${skewNote}.</p>
<div class="legend"><span><span class="swatch" style="background:#93c5fd"></span>leaders before</span><span><span class="swatch" style="background:#1d4ed8"></span>leaders after</span></div>
<table class="bars" id="balance-table"><thead><tr><th>broker</th><th>leaders before</th><th>leaders after</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>
<h3>Per topic, final snapshot</h3>${table('topics-table', ['topic', 'snapshot at', 'figures'], topics, false)}</section>`;
}
