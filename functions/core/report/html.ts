/**
 * The report page: one self-contained HTML file (styles, uPlot and the page's
 * script inlined, a Content-Security-Policy that lets it load nothing), laid
 * out for the person paged at 3 a.m.: the verdict and why first, the timeline
 * of the run, what to do next in the runbooks' words, then reachability,
 * balance, the worst partitions and the anomaly list. Everything from the
 * history is escaped. Pure: the uPlot files are handed in (assets.ts reads them).
 *
 * This file is the shell (head, order of sections, inlined data and scripts);
 * style.ts, formatters.ts and the *-section.ts / sections.ts files hold the rest.
 *
 * uPlot (~50 KB) draws the charts, not ECharts: ECharts alone is about 1 MB,
 * the whole budget of a report.
 */
import type { Report } from '../history/index.js';
import type { RunReadiness } from '../readiness/run-section.js';
import { balanceSection } from './balance-section.js';
import { PAGE_SCRIPT } from './page-script.js';
import type { ClientEntry } from '../../../clients/entries.js';
import { clientsSection } from './clients-section.js';
import type { MskBrokersSection } from './msk-brokers.js';
import { mskBrokersSection } from './msk-brokers-section.js';
import type { CollectedTimeline } from './collector.js';
import { when } from './formatters.js';
import { escapeHtml as e, jsonForScript } from './html-text.js';
import { reachabilitySection } from './reachability-section.js';
import { readinessSection } from './readiness-section.js';
import { facts, header, nextSection, reasons, timelineSection } from './sections.js';
import { KIND_COLORS, STYLE } from './style.js';
import { anomaliesSection, partitionsSection } from './tables-section.js';
import { buildTimeline } from './timeline.js';

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
  /** The history's readiness check; null or absent: the section says it was not checked. */
  readiness?: RunReadiness | null;
  /** A CLI run's client libraries (docs/clients.md); no section when absent. */
  clients?: readonly ClientEntry[];
  /** Per-broker AWS/Kafka traffic (msk-brokers.ts); absent: no section (not read by this caller). */
  mskBrokers?: MskBrokersSection;
}

export { ANOMALY_ROWS, PARTITION_ROWS } from './tables-section.js';

export { KIND_COLORS } from './style.js';

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
${readinessSection(options.readiness ?? null)}
${reachabilitySection(report, collected)}
${balanceSection(report, collected, timeline)}
${clientsSection(options.clients)}
${options.mskBrokers === undefined ? '' : mskBrokersSection(options.mskBrokers, timeline.restarts)}
${partitionsSection(report)}
${anomaliesSection(report)}
<footer>kafka-upgrade-verifier report${options.generatedAt === undefined ? '' : `, made ${when(options.generatedAt)}`}. Times are UTC. Charts drawn with uPlot (MIT licence), inlined: this page loads nothing from the network.</footer>
</main>
<div id="tooltip" hidden></div>
<script type="application/json" id="kuv-data">${island}</script>
<script>${assets.uplotJs.replace(/<\/script/gi, '<\\/script')}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}
