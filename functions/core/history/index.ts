/**
 * The history analyzer's API, shared by the CLI, the Lambda handlers and the
 * canary. It does no I/O: callers hand it the history's text and get back an
 * analysis to report on (docs/history-format.md).
 *
 *   // A stream of chunks: UTF-8 bytes or strings, split anywhere (a gunzipped
 *   // S3 object, a file stream, standard input).
 *   const analysis = await readHistory(chunks, { source: 's3://bucket/run/history.jsonl.gz' });
 *   // One pass, any number of reports; identical options give identical reports.
 *   const strict = analysis.report({ policy: 'strict' });
 *   const tolerant = analysis.report({ policy: 'tolerant', windowMs: 600_000, maxLeaderSkew: 2 });
 *   exitStatusFor(strict.verdict); // 0 pass/warn, 1 fail, 3 inconclusive
 *
 *   // Lines already split (one line per item, without its \n):
 *   const fromLines = await readHistoryLines(lines, { source: 'event' });
 *
 *   // Small histories in memory, synchronously (tests, a Lambda event):
 *   const report = analyzeLines(['{"type":"run",…}', …], { policy: 'tolerant' });
 *
 * Bad input rejects (or throws) a HistoryFormatError naming `source`, the line
 * number and the field, at the first bad record: there is no partial report.
 * formatText(report) gives the one-screen summary a person reads first.
 */
import { HistoryAnalyzer } from './analyzer.js';
import type { HistoryAnalysis } from './analysis.js';
import { type HistoryChunk, LineSplitter, lineContent } from './lines.js';
import { type LineContext, parseLine } from './records.js';
import type { Report, ReportOptions } from './report.js';

export { HistoryAnalyzer, DEFAULT_MEMORY_LIMIT_BYTES } from './analyzer.js';
export { HistoryAnalysis } from './analysis.js';
export type { HistoryChunk } from './lines.js';
export { RECORD_TYPES, type RecordType, type LineContext } from './records.js';
export * from './report.js';
export type * from './reachability.js';
export type * from './balance.js';
export type { Restart, AfterRestart } from './restarts.js';
export type { Percentiles } from './histogram.js';
export type { ProducerReport } from './producers.js';
export { formatText } from './text-report.js';

export interface ReadOptions {
  /** Names the history in error messages: a path, an S3 URL, "stdin" (default "history"). */
  source?: string;
  /** What the analysis state may take before it stops with a message (default 2 GiB). */
  memoryLimitBytes?: number;
}

/** Feeds lines to an analyzer, numbering them and naming the source in errors. */
class Feeder {
  readonly analyzer: HistoryAnalyzer;
  readonly at: LineContext;

  constructor(options: ReadOptions) {
    this.analyzer = new HistoryAnalyzer(options.memoryLimitBytes);
    this.at = { source: options.source ?? 'history', line: 0 };
  }

  /** A non-blank line's content, numbered `lineNumber`. */
  readonly add = (content: string, lineNumber: number): void => {
    this.at.line = lineNumber;
    this.analyzer.add(parseLine(content, this.at), this.at);
  };

  /** One raw line (the next line number), blank or not. */
  line(raw: string): void {
    const n = this.at.line + 1;
    const content = lineContent(raw, n);
    if (content === null) this.at.line = n;
    else this.add(content, n);
  }
}

/**
 * Reads a history from chunks of UTF-8 bytes or strings, split at any boundary
 * (even inside a multi-byte character), in one pass.
 */
export async function readHistory(
  chunks: AsyncIterable<HistoryChunk> | Iterable<HistoryChunk>,
  options: ReadOptions = {},
): Promise<HistoryAnalysis> {
  const feeder = new Feeder(options);
  const splitter = new LineSplitter(feeder.add, feeder.at.source);
  for await (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return feeder.analyzer.finish();
}

/** Reads a history given as lines (one per item, with or without a trailing \r), in one pass. */
export async function readHistoryLines(
  lines: AsyncIterable<string> | Iterable<string>,
  options: ReadOptions = {},
): Promise<HistoryAnalysis> {
  const feeder = new Feeder(options);
  for await (const line of lines) feeder.line(line);
  return feeder.analyzer.finish();
}

/** Synchronously analyses history lines already in memory and reports under `options`. */
export function analyzeLines(
  lines: Iterable<string>,
  options: ReportOptions & ReadOptions = {},
): Report {
  const feeder = new Feeder(options);
  for (const line of lines) feeder.line(line);
  return feeder.analyzer.finish().report(options);
}
