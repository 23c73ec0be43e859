/**
 * The report page: one self-contained HTML file (styles, uPlot and the page's
 * script inlined, a Content-Security-Policy that lets it load nothing), laid
 * out for the person paged at 3 a.m.: the verdict and why first, the timeline
 * of the run, what to do next in the runbooks' words, then reachability,
 * balance, the worst partitions and the anomaly list. Everything from the
 * history is escaped. Pure: the uPlot files are handed in (assets.ts reads them).
 *
 * uPlot (~50 KB) draws the charts, not ECharts: ECharts alone is about 1 MB,
 * the whole budget of a report.
 */
import { balanceOver } from '../history/balance.js';
import type { BalanceFigures, EndpointReachability, Report } from '../history/index.js';
import { CLIENT_SCRIPT } from './client.js';
import type { CollectedTimeline, ProbeDetail, ProbePair, StageOutcome } from './collector.js';
import { escapeHtml as e, jsonForScript, markdownToHtml } from './html-text.js';
import { RUNBOOKS, runbookFor, verdictRunbook } from './runbooks.js';
import { type TimelineData, anomalyCount, buildTimeline, worstFirst } from './timeline.js';

/** uPlot's browser build and stylesheet, as text. */
export interface PageAssets {
  uplotJs: string;
  uplotCss: string;
}

export interface PageOptions {
  /** When the page was made (ms since the epoch), shown in its footer; omitted when absent. */
  generatedAt?: number;
  /** Where the history came from, shown among the facts (a path, an S3 URL). */
  source?: string;
}

/** The anomaly table shows this many (the markers show every one the report kept). */
export const ANOMALY_ROWS = 1000;
/** The partition table shows the worst this many. */
export const PARTITION_ROWS = 200;

export const KIND_COLORS: Record<string, string> = {
  lost: '#b91c1c',
  duplicate: '#d97706',
  outOfOrder: '#7c3aed',
  inconsistentOffset: '#111827',
  redelivered: '#0e7490',
  skipped: '#be185d',
};

const STYLE = `
:root { color-scheme: light; --fail: #b91c1c; --warn: #b45309; --pass: #15803d; --inconclusive: #4b5563; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #111827; background: #f8fafc; }
main { max-width: 1280px; margin: 0 auto; padding: 16px 20px 40px; }
section { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 12px 16px; margin: 14px 0; }
h1 { margin: 0; font-size: 26px; } h2 { margin: 0 0 8px; font-size: 18px; } h3 { margin: 12px 0 4px; font-size: 15px; }
header.verdict { color: #fff; padding: 14px 20px; }
header.fail { background: var(--fail); } header.warn { background: var(--warn); }
header.pass { background: var(--pass); } header.inconclusive { background: var(--inconclusive); }
header .sub { opacity: .92; margin-top: 4px; }
ul.reasons { margin: 6px 0; padding-left: 20px; font-size: 16px; } ul.reasons a { color: inherit; }
.counts { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 8px; }
.count { border: 1px solid #e5e7eb; border-radius: 6px; padding: 4px 10px; background: #fff; }
.count b { font-size: 17px; } .count.bad { border-color: var(--fail); color: var(--fail); } .count.warn { border-color: var(--warn); color: var(--warn); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.facts dt { color: #4b5563; } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eef0f3; vertical-align: top; }
th { background: #f3f4f6; position: sticky; top: 0; }
table.sortable th { cursor: pointer; user-select: none; }
th[aria-sort=ascending]::after { content: " ▲"; } th[aria-sort=descending]::after { content: " ▼"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.bad td { background: #fef2f2; } tr.changed td { background: #fffbeb; }
.ok { color: var(--pass); } .no { color: var(--fail); font-weight: 600; } .na { color: #9ca3af; }
.scroll { max-height: 480px; overflow: auto; }
.legend { display: flex; flex-wrap: wrap; gap: 12px; margin: 4px 0 8px; font-size: 13px; align-items: center; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; vertical-align: -2px; margin-right: 4px; }
#tooltip { position: absolute; z-index: 10; background: #111827; color: #fff; padding: 6px 9px; border-radius: 6px; font-size: 12px; pointer-events: none; max-width: 360px; overflow-wrap: anywhere; }
.bars td.bar { width: 60%; } .bar span { display: block; height: 9px; margin: 2px 0; border-radius: 2px; }
.bar .before { background: #93c5fd; } .bar .after { background: #1d4ed8; }
.next article { border-left: 4px solid #d1d5db; padding: 2px 12px; margin: 10px 0; }
.next article.fail { border-color: var(--fail); } .next article.warn { border-color: var(--warn); }
pre { background: #f3f4f6; padding: 6px 8px; overflow-x: auto; border-radius: 4px; }
code { font-size: 12.5px; } footer { color: #6b7280; font-size: 12px; margin-top: 20px; }
`;

const VERDICT_WORDS: Record<Report['verdict'], string> = {
  fail: 'The cluster did not keep its promises during the upgrade. Start with the reasons below.',
  warn: 'Nothing was lost, but something needs a look before the next upgrade.',
  pass: 'Every check passed.',
  inconclusive:
    'The run could not decide: it is not a pass. See what was missing below, then re-run.',
};

/** 2025-11-23 12:01:41.000 UTC */
function when(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return `${new Date(ms).toISOString().replace('T', ' ').slice(0, 23)} UTC`;
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

function duration(ms: number): string {
  if (ms < 10_000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  if (s < 600) return `${s} s`;
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

function num(value: number | null | undefined, cls = 'num'): string {
  if (value === null || value === undefined) return `<td class="${cls} na" data-v="-1">n/a</td>`;
  return `<td class="${cls}" data-v="${value}">${value}</td>`;
}

function table(id: string, headers: string[], rows: string[], sortable = true): string {
  return (
    `<div class="scroll"><table id="${id}"${sortable ? ' class="sortable"' : ''}>` +
    `<thead><tr>${headers.map((h) => `<th>${h}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.join('\n')}</tbody></table></div>`
  );
}

function header(report: Report): string {
  const run = report.run;
  const title = `${report.verdict.toUpperCase()}${run === null ? '' : ` — run ${e(run.runId)}`}${run?.cluster ? ` on ${e(run.cluster)}` : ''}`;
  return `<header class="verdict ${report.verdict}" id="verdict" data-verdict="${report.verdict}">
<h1>${title}</h1>
<div class="sub">${VERDICT_WORDS[report.verdict]} Policy <b>${report.policy}</b>, restart window ${duration(report.windowMs)}.</div>
</header>`;
}

function reasons(report: Report): string {
  const items = report.reasons.map((r) => {
    const page = runbookFor(r, report.verdict);
    return `<li>${report.verdict === 'fail' || report.verdict === 'inconclusive' ? '' : 'warn: '}${e(r)} — <a href="#next-${page}">what to do</a></li>`;
  });
  const t = report.totals;
  const counts: [string, number | null, 'bad' | 'warn'][] = [
    ['lost', t.lost, 'bad'],
    ['duplicates', t.duplicates, 'bad'],
    ['out of order', t.outOfOrder, report.policy === 'strict' ? 'bad' : 'warn'],
    ['inconsistent offsets', t.inconsistentOffsets, 'bad'],
    ['skipped', t.skipped, 'bad'],
    ['redelivered', t.redelivered, 'warn'],
    ['failed sends', t.failed, 'warn'],
    ['unacked but written', t.unackedWritten, 'warn'],
  ];
  const chips = counts
    .map(
      ([name, n, level]) =>
        `<span class="count${n !== null && n > 0 ? ` ${level}` : ''}"><b>${n ?? 'n/a'}</b> ${name}</span>`,
    )
    .join('');
  return `<section id="reasons"><h2>Why</h2>
${items.length > 0 ? `<ul class="reasons">${items.join('')}</ul>` : '<p>No check failed or warned.</p>'}
<div class="counts">${chips}<span class="count"><b>${duration(t.maxUnavailableMs)}</b> longest a partition was unavailable</span></div>
</section>`;
}

function facts(
  report: Report,
  collected: CollectedTimeline,
  timeline: TimelineData,
  options: PageOptions,
): string {
  const run = report.run;
  const raw = collected.runRecords.find(
    (r) => run !== null && r.runId === run.runId && r.startedAt === run.startedAt,
  );
  const rows: [string, string][] = [
    ['cluster', e(run?.cluster ?? '—')],
    ['run id', e(run?.runId ?? '— (the history has no run record)')],
    ['started', when(run?.startedAt ?? timeline.from)],
    [
      'ended',
      run?.endedAt != null ? when(run.endedAt) : `${when(timeline.to)} (the last record's time)`,
    ],
    ['duration', duration(timeline.to - timeline.from)],
    [
      'policy',
      `${report.policy} (restart window ${report.windowMs} ms, max leader skew ${report.maxLeaderSkew})`,
    ],
    [
      'sends',
      `${report.totals.produced} sent, ${report.totals.acked} acked, ${report.totals.failed} failed; ${report.totals.logged} offsets read back; ${report.partitions.length} partitions`,
    ],
    ['restarts', String(report.restarts.length)],
  ];
  if (report.ignoredRecords > 0) rows.push(['ignored records', String(report.ignoredRecords)]);
  if (options.source !== undefined) rows.push(['history', e(options.source)]);
  // The run record's other fields: the run's settings, as the run wrote them.
  for (const [key, value] of Object.entries(raw ?? {})) {
    if (['type', 'runId', 'cluster', 'startedAt', 'endedAt'].includes(key)) continue;
    const shown = typeof value === 'string' ? value : JSON.stringify(value);
    rows.push([
      e(key),
      `<code>${e(shown.length > 400 ? `${shown.slice(0, 400)}…` : shown)}</code>`,
    ]);
  }
  return `<section id="facts"><h2>The run</h2><dl class="facts">${rows
    .map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`)
    .join('')}</dl></section>`;
}

function timelineSection(timeline: TimelineData): string {
  const kinds = timeline.kinds
    .map((k) => `<span><span class="swatch k-${k}"></span>${k}</span>`)
    .join('');
  const over = timeline.partitionCount > timeline.partitions.length;
  const options = timeline.partitions
    .map(
      (p) => `<option value="${timeline.partitions.indexOf(p)}">partition ${p.partition}</option>`,
    )
    .join('');
  return `<section id="timeline" data-bucket-ms="${timeline.bucketMs}" data-buckets="${timeline.t.length}" data-restart-bands="${timeline.restarts.length}" data-anomaly-markers="${timeline.anomalies.at.length}">
<h2>Timeline</h2>
<div class="legend"><label>Show also <select id="partition"><option value="">no single partition</option>${options}</select></label>
<span>${over ? `the ${timeline.partitions.length} worst of ${timeline.partitionCount} partitions selectable` : 'every partition selectable'}; one point per ${duration(timeline.bucketMs)}; times UTC</span></div>
<div class="legend"><span><span class="swatch" style="background:rgba(214,69,65,.45)"></span>broker down</span><span><span class="swatch" style="background:rgba(240,160,40,.3)"></span>restart window</span> anomalies: ${kinds}</div>
<div id="chart-latency"></div><div id="chart-failed"></div>
<noscript>The charts need JavaScript; every figure is also in the tables below.</noscript>
</section>`;
}

function stage(s: StageOutcome | null): string {
  if (s === null) return '<td class="na" data-v="">—</td>';
  if (s.ok) return `<td class="ok" data-v="ok">ok ${s.ms} ms</td>`;
  return `<td class="no" data-v="failed">failed${s.error === undefined ? '' : ` ${e(s.error)}`} (${s.ms} ms)</td>`;
}

function stages(p: ProbeDetail | null): string {
  if (p === null) return '<td class="na" colspan="3">no baseline probe</td>';
  return stage(p.dns) + stage(p.tcp) + stage(p.kafka);
}

function addresses(list: string[] | null): string {
  return list === null ? 'unresolved' : list.length === 0 ? 'no address' : list.join(', ');
}

function reachabilityRow(
  name: string,
  attrs: string,
  r: EndpointReachability & { firstEndpoint?: string | null; addressChanged?: boolean },
  pair: ProbePair | undefined,
): string {
  const moved = r.addressChanged === true;
  const endpoint =
    r.firstEndpoint != null && r.firstEndpoint !== r.endpoint
      ? `${e(r.firstEndpoint)} → ${e(r.endpoint)}`
      : e(r.endpoint);
  const where = moved
    ? `<span class="old">${e(addresses(r.firstAddresses))}</span> → <span class="new">${e(addresses(r.finalAddresses))}</span>`
    : e(addresses(r.finalAddresses));
  const failures = (['dns', 'tcp', 'kafka'] as const)
    .filter((s) => r.failures[s] > 0)
    .map((s) => `${s} ${r.failures[s]}`);
  const cls = !r.reachable ? ' class="bad"' : moved || r.ipLiteral ? ' class="changed"' : '';
  return `<tr${cls} ${attrs} data-address-changed="${moved}"><td>${name}</td><td>${endpoint}</td><td class="addresses">${where}${moved ? ' <b>(changed)</b>' : ''}</td>${stages(pair?.first ?? null)}${stages(pair?.final ?? null)}<td class="${r.reachable ? 'ok' : 'no'}">${r.reachable ? 'yes' : 'NO'}</td><td>${r.ipLiteral ? '<b>IP literal</b>' : 'DNS name'}</td><td>${failures.length > 0 ? `${failures.join(', ')} of ${r.probes}` : `0 of ${r.probes}`}</td></tr>`;
}

function reachabilitySection(report: Report, collected: CollectedTimeline): string {
  const reach = report.reachability;
  if (reach === null) {
    return '<section id="reachability"><h2>Reachability</h2><p>The run made no probe: reachability was not checked.</p></section>';
  }
  const headers = [
    'broker',
    'endpoint',
    'addresses (old → new)',
    'DNS before',
    'TCP before',
    'Kafka before',
    'DNS after',
    'TCP after',
    'Kafka after',
    'reachable',
    'endpoint given as',
    'failed probes',
  ];
  const brokers = reach.brokers.map((b) =>
    reachabilityRow(
      `broker ${b.broker}`,
      `data-broker="${b.broker}"`,
      b,
      collected.probes.brokers.get(b.broker),
    ),
  );
  const bootstrap = reach.bootstrap.map((b) =>
    reachabilityRow('bootstrap', 'data-bootstrap', b, collected.probes.bootstrap.get(b.endpoint)),
  );
  const t = reach.totals;
  return `<section id="reachability"><h2>Reachability</h2>
<p>${t.unreachableBrokers} brokers and ${t.unreachableBootstrap} bootstrap endpoints unreachable at the end; ${t.brokerAddressChanges} brokers changed address; ${t.ipLiteralEndpoints} endpoints given as IP addresses; ${t.dnsFailures} failed DNS lookups. "Before" is each endpoint's first baseline probe, "after" its final probe.</p>
${table('reachability-table', headers, [...brokers, ...bootstrap], false)}</section>`;
}

function figures(f: BalanceFigures): string {
  return `leader skew <b>${f.leaderSkew ?? 'n/a'}</b>, preferred leaders ${f.preferredLeaderRatio ?? 'n/a'}, ${f.underReplicated} under-replicated, ${f.offline} offline of ${f.partitions} partitions`;
}

function balanceSection(report: Report, collected: CollectedTimeline): string {
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

function partitionsSection(report: Report): string {
  const worst = [...report.partitions].sort(worstFirst).slice(0, PARTITION_ROWS);
  const rows = worst.map(
    (p) =>
      `<tr${anomalyCount(p) > 0 ? ' class="bad"' : ''}>${num(p.partition)}${num(anomalyCount(p))}${num(p.lost)}${num(p.duplicates)}${num(p.outOfOrder)}${num(p.inconsistentOffsets)}${num(p.skipped)}${num(p.redelivered)}${num(p.failed)}${num(p.maxUnavailableMs)}${num(p.produceLatencyMs?.p99)}${num(p.endToEndLatencyMs?.p99)}</tr>`,
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
    'end-to-end p99, ms',
  ],
  rows,
)}</section>`;
}

function anomaliesSection(report: Report): string {
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

function nextSection(report: Report): string {
  const pages: { page: string; level: string; why: string[] }[] = [];
  const overall = verdictRunbook(report.verdict);
  if (overall !== null) pages.push({ page: overall, level: report.verdict, why: [] });
  for (const reason of report.reasons) {
    const page = runbookFor(reason, report.verdict);
    const known = pages.find((p) => p.page === page);
    if (known !== undefined) known.why.push(reason);
    else pages.push({ page, level: report.verdict === 'fail' ? 'fail' : 'warn', why: [reason] });
  }
  if (pages.length === 0) {
    return '<section id="next" class="next"><h2>What to do next</h2><p>Nothing: every check passed. Keep this report with the upgrade\'s record.</p></section>';
  }
  const articles = pages.map(({ page, level, why }) => {
    const book = RUNBOOKS[page];
    if (book === undefined) return '';
    return `<article id="next-${page}" class="${level}"><h3>${e(book.title)}${why.length > 0 ? ` — ${why.map(e).join('; ')}` : ''}</h3>
${markdownToHtml(book.whatToDo)}
<p class="na">From the runbook docs/runbooks/${page}.md, which also says how to confirm it and when to roll back.</p></article>`;
  });
  return `<section id="next" class="next"><h2>What to do next</h2>${articles.join('\n')}</section>`;
}

/** The whole page for a report, from the collector's figures and uPlot's files. */
export function renderPage(
  report: Report,
  collected: CollectedTimeline,
  assets: PageAssets,
  options: PageOptions = {},
): string {
  const timeline = buildTimeline(collected, report);
  const island = jsonForScript({ timeline, kindColors: KIND_COLORS });
  const title = `${report.verdict.toUpperCase()} — ${report.run?.runId ?? 'run'}${report.run?.cluster ? ` on ${report.run.cluster}` : ''} — kafka-upgrade-verifier`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${e(title)}</title>
<style>${assets.uplotCss}</style>
<style>${STYLE}${Object.entries(KIND_COLORS)
    .map(([kind, color]) => `.k-${kind} { background: ${color}; }`)
    .join(' ')}</style>
</head><body>
${header(report)}
<main>
${reasons(report)}
${timelineSection(timeline)}
${nextSection(report)}
${facts(report, collected, timeline, options)}
${reachabilitySection(report, collected)}
${balanceSection(report, collected)}
${partitionsSection(report)}
${anomaliesSection(report)}
<footer>kafka-upgrade-verifier report${options.generatedAt === undefined ? '' : `, made ${when(options.generatedAt)}`}. Times are UTC. Charts drawn with uPlot (MIT licence), inlined: this page loads nothing from the network.</footer>
</main>
<div id="tooltip" hidden></div>
<script type="application/json" id="kuv-data">${island}</script>
<script>${assets.uplotJs.replace(/<\/script/gi, '<\\/script')}</script>
<script>${CLIENT_SCRIPT}</script>
</body></html>
`;
}
