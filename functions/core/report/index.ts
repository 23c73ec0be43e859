/**
 * The HTML report a person opens: one self-contained file (no network) with the
 * verdict and why, a timeline of the run, reachability, balance, the worst
 * partitions, the anomalies and what to do next in the runbooks' words
 * (docs/report.md).
 *
 * Its figures come from ONE streaming pass over the history, the same pass that
 * feeds the analyzer: so a caller that also writes report.json reads the
 * history once.
 *
 *   // run / rehearse / the verify Lambda: report.json and report.html from one read
 *   const data = await readReportData(chunks, { source: 's3://bucket/run/history.jsonl.gz' });
 *   const report = data.analysis.report({ policy: 'tolerant' });      // → report.json
 *   const html = await renderHtmlReport(data, { policy: 'tolerant' }); // → report.html
 *
 *   // or in one call, when only the page is wanted:
 *   const { html, report } = await renderHtmlReportFrom(chunks, { source, policy });
 *
 * Bad input rejects with the analyzer's HistoryFormatError (line and field)
 * before any HTML exists. Everything here is pure except loadPageAssets, which
 * reads uPlot's two files from the installed `uplot` package.
 */
import {
  type HistoryAnalysis,
  type HistoryChunk,
  type ReadOptions,
  type Report,
  type ReportOptions,
  HistoryAnalyzer,
} from '../history/index.js';
import { LineSplitter } from '../history/lines.js';
import { parseLine, type LineContext } from '../history/records.js';
import { ReadinessCollector, type RunReadiness } from '../readiness/run-section.js';
import { loadPageAssets } from './assets.js';
import { type CollectedTimeline, TimelineCollector } from './collector.js';
import { type PageAssets, type PageOptions, renderPage } from './html.js';

export { loadPageAssets } from './assets.js';
export { MAX_BUCKETS, type CollectedTimeline } from './collector.js';
export { renderPage, type PageAssets, type PageOptions } from './html.js';
export { buildTimeline, type TimelineData } from './timeline.js';
export { escapeHtml } from './html-text.js';

/** The analyzer's analysis, the timeline's figures and the readiness section, from one pass. */
export interface ReportData {
  analysis: HistoryAnalysis;
  timeline: CollectedTimeline;
  /** The readiness check's findings (readiness/run-section.ts); null: not checked. */
  readiness: RunReadiness | null;
  /** ReadOptions.source, shown among the page's facts. */
  source?: string;
}

export type HtmlReportOptions = ReportOptions &
  Omit<PageOptions, 'source'> & {
    /** uPlot's files; read from the installed `uplot` package when absent. */
    assets?: PageAssets;
  };

/**
 * Reads a history (chunks of UTF-8 bytes or strings, split anywhere — the same
 * input as readHistory) once, feeding the analyzer, the timeline and the readiness
 * section.
 */
export async function readReportData(
  chunks: AsyncIterable<HistoryChunk> | Iterable<HistoryChunk>,
  options: ReadOptions = {},
): Promise<ReportData> {
  const analyzer = new HistoryAnalyzer(options.memoryLimitBytes);
  const timeline = new TimelineCollector();
  const readiness = new ReadinessCollector();
  const at: LineContext = { source: options.source ?? 'history', line: 0 };
  const splitter = new LineSplitter((content, lineNumber) => {
    at.line = lineNumber;
    const record = parseLine(content, at);
    analyzer.add(record, at); // checks the record: the timeline sees good records only
    timeline.add(record);
    readiness.add(record, at); // the analyzer skips readiness records: checked here
  }, at.source);
  for await (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  const data: ReportData = {
    analysis: analyzer.finish(),
    timeline: timeline.finish(),
    readiness: readiness.finish(),
  };
  if (options.source !== undefined) data.source = options.source;
  return data;
}

/** The page for data already read, judged under `options` (policy, windowMs, maxLeaderSkew). */
export async function renderHtmlReport(
  data: ReportData,
  options: HtmlReportOptions = {},
): Promise<string> {
  const report = data.analysis.report(options);
  return renderReportPage(report, data, options);
}

async function renderReportPage(
  report: Report,
  data: ReportData,
  options: HtmlReportOptions,
): Promise<string> {
  const assets = options.assets ?? (await loadPageAssets());
  const page: PageOptions = { readiness: data.readiness };
  if (options.mskBrokers !== undefined) page.mskBrokers = options.mskBrokers;
  if (options.generatedAt !== undefined) page.generatedAt = options.generatedAt;
  if (data.source !== undefined) page.source = data.source;
  if (options.clients !== undefined) page.clients = options.clients;
  return renderPage(report, data.timeline, assets, page);
}

/** Reads a history once and renders its page; also returns the report it shows. */
export async function renderHtmlReportFrom(
  chunks: AsyncIterable<HistoryChunk> | Iterable<HistoryChunk>,
  options: ReadOptions & HtmlReportOptions = {},
): Promise<{ html: string; report: Report }> {
  const data = await readReportData(chunks, options);
  const report = data.analysis.report(options);
  return { html: await renderReportPage(report, data, options), report };
}
