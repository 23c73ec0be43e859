/**
 * The page's sections about the run as a whole: the verdict band, why, the run's
 * facts, the timeline's frame (the charts are drawn by client.ts) and what to
 * do next in the runbooks' words.
 */
import type { Report } from '../history/index.js';
import type { CollectedTimeline } from './collector.js';
import { duration, when } from './formatters.js';
import { escapeHtml as e, markdownToHtml } from './html-text.js';
import type { PageOptions } from './html.js';
import { RUNBOOKS, runbookFor, verdictRunbook } from './runbooks.js';
import type { TimelineData } from './timeline.js';

const VERDICT_WORDS: Record<Report['verdict'], string> = {
  fail: 'The cluster did not keep its promises during the upgrade. Start with the reasons below.',
  warn: 'Nothing was lost, but something needs a look before the next upgrade.',
  pass: 'Every check passed.',
  inconclusive:
    'The run could not decide: it is not a pass. See what was missing below, then re-run.',
};

export function header(report: Report): string {
  const run = report.run;
  const title = `${report.verdict.toUpperCase()}${run === null ? '' : ` — run ${e(run.runId)}`}${run?.cluster ? ` on ${e(run.cluster)}` : ''}`;
  return `<header class="verdict ${report.verdict}" id="verdict" data-verdict="${report.verdict}">
<h1>${title}</h1>
<div class="sub">${VERDICT_WORDS[report.verdict]} Policy <b>${report.policy}</b>, restart window ${duration(report.windowMs)}.</div>
</header>`;
}

export function reasons(report: Report): string {
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

/** How much of a run record's extra field the page shows. */
const FACT_CHARS = 400;
/** Deeper than this, a value is shown as `…`: the format does not bound a field's nesting. */
const FACT_DEPTH = 8;

/**
 * JSON of a value from a history line, cut at `maxChars` and FACT_DEPTH levels, built
 * without recursion into what it will not show. JSON.stringify of a line of 100,000
 * nested arrays (which JSON.parse reads) overflows the stack and lost the whole page.
 */
export function boundedJson(value: unknown, maxChars: number, depth = 0): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (depth >= FACT_DEPTH) return '…';
  const open = Array.isArray(value) ? '[' : '{';
  const close = Array.isArray(value) ? ']' : '}';
  let out = open;
  const entries: [string | null, unknown][] = Array.isArray(value)
    ? value.map((v) => [null, v])
    : Object.entries(value);
  for (const [i, [key, v]] of entries.entries()) {
    if (out.length > maxChars) return `${out}…${close}`;
    if (i > 0) out += ',';
    if (key !== null) out += `${JSON.stringify(key)}:`;
    out += boundedJson(v, maxChars - out.length, depth + 1);
  }
  return out + close;
}

export function facts(
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
    const shown = typeof value === 'string' ? value : boundedJson(value, FACT_CHARS);
    rows.push([
      e(key),
      `<code>${e(shown.length > FACT_CHARS ? `${shown.slice(0, FACT_CHARS)}…` : shown)}</code>`,
    ]);
  }
  return `<section id="facts"><h2>The run</h2><dl class="facts">${rows
    .map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`)
    .join('')}</dl></section>`;
}

export function timelineSection(timeline: TimelineData): string {
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

export function nextSection(report: Report): string {
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
