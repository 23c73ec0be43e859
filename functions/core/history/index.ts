/**
 * Analyse a history source (a path, a .gz path, or '-' for standard input):
 * the one entry point shared by the CLI and the Lambda handlers.
 */
import { HistoryAnalyzer, type AnalyzeOptions } from './analyzer.js';
import { forEachLine, lineContent } from './lines.js';
import { type LineContext, parseLine } from './records.js';
import type { Report } from './report.js';

export { HistoryAnalyzer, verdictFor, type AnalyzeOptions } from './analyzer.js';
export * from './report.js';
export { formatText } from './text-report.js';

/**
 * Streams the source through the analyzer. Rejects with a HistoryFormatError
 * naming the line and field at the first bad record: no partial report.
 */
export async function analyzeHistory(
  source: string,
  options: AnalyzeOptions,
  stdin?: NodeJS.ReadableStream,
): Promise<Report> {
  const analyzer = new HistoryAnalyzer();
  const at: LineContext = { source: source === '-' ? 'stdin' : source, line: 0 };
  await forEachLine(
    source,
    (line, lineNumber) => {
      at.line = lineNumber;
      analyzer.add(parseLine(line, at), at);
    },
    stdin,
  );
  return analyzer.finish(options);
}

/** Analyse history lines already in memory (tests, small histories from a Lambda event). */
export function analyzeLines(
  lines: Iterable<string>,
  options: AnalyzeOptions,
  source = 'history',
): Report {
  const analyzer = new HistoryAnalyzer();
  const at: LineContext = { source, line: 0 };
  for (const line of lines) {
    at.line += 1;
    const content = lineContent(line, at.line);
    if (content !== null) analyzer.add(parseLine(content, at), at);
  }
  return analyzer.finish(options);
}
