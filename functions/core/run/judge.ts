/**
 * Judge-and-write: a finished history judged under the run's policy and restart window,
 * and the three files a verified run gets — report.json, summary.txt, report.html —
 * rendered in memory first, so a history the analyzer refuses (or a page that cannot be
 * rendered) leaves none of them. `run`, `rehearse` (into the run folder) and the verify
 * Lambda (into the run store) all go through here; only the summary's header differs.
 */
import { rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

import { formatText, type HistoryChunk, type Policy, type Report } from '../history/index.js';
import { syncFolder, writeSynced } from '../durable.js';
import type { TornTailOptions } from '../history/torn-tail.js';
import type { LiveSection } from '../live/summary.js';
import { formatReadinessSummary, type RunReadiness } from '../readiness/run-section.js';
import { readReportData, renderHtmlReport } from '../report/index.js';
import type { MskBrokersSection } from '../report/msk-brokers.js';
import { formatMskBrokers } from '../report/msk-brokers-text.js';
import { putText, type S3Like } from '../store/s3-history.js';
import type { ClientEntry } from '../../../clients/entries.js';
import type { ProducerReport } from '../history/producers.js';
import { openGzipHistory } from './history-file.js';

export interface JudgeOptions {
  policy: Policy;
  windowMs: number;
  /** How the history is named in messages and on the page (a path, an s3:// URL). */
  source: string;
  /**
   * The run's client libraries (clients/index.ts clientEntries), asked once the analyzer
   * accepted the history: into report.json's `clients` and the page. Absent: neither.
   */
  clients?: (producers: ProducerReport[]) => Promise<ClientEntry[]>;
  /**
   * Reads the per-broker AWS/Kafka section for the judged report (the verify Lambda:
   * report/msk-brokers.ts mskBrokersFor); `span` is the history's first and last record
   * time. Must not throw: it says in the section why figures are missing. Absent: no
   * `mskBrokers` in the report or on the page.
   */
  mskBrokers?: (
    report: Report,
    span: { firstAt: number | null; lastAt: number | null },
  ) => Promise<MskBrokersSection>;
}

/**
 * report.json: the analyzer's report (docs/history-format.md, "Report") and the
 * readiness check the run started with (docs/report.md, "report.json: readiness"),
 * null when the history has no readiness record. The verdict is the analyzer's alone.
 */
export type RunReport = Report & {
  readiness: RunReadiness | null;
  /** A CLI run's live findings beside the verdict (functions/core/live/summary.ts); absent elsewhere. */
  live?: LiveSection;
  /** A CLI run's client libraries, one entry each (docs/clients.md, "report.json"); absent elsewhere. */
  clients?: ClientEntry[];
  /** The verify Lambda's per-broker AWS/Kafka traffic (report/msk-brokers.ts); absent elsewhere. */
  mskBrokers?: MskBrokersSection;
};

/** A judged history: the report and its page, nothing written yet. */
export interface Judged {
  report: RunReport;
  html: string;
}

/** Reads a finished history once and judges it: the report and the HTML page of it. */
export async function judgeHistory(
  chunks: AsyncIterable<HistoryChunk> | Iterable<HistoryChunk>,
  options: JudgeOptions,
): Promise<Judged> {
  const data = await readReportData(chunks, { source: options.source });
  const judged = { policy: options.policy, windowMs: options.windowMs };
  const clients = await options.clients?.(data.analysis.producers);
  const report: RunReport = {
    ...data.analysis.report(judged),
    readiness: data.readiness,
    ...(clients === undefined ? {} : { clients }),
  };
  const page = { ...judged, ...(clients === undefined ? {} : { clients }) };
  if (options.mskBrokers === undefined) {
    return { report, html: await renderHtmlReport(data, page) };
  }
  const { firstAt, lastAt } = data.timeline;
  report.mskBrokers = await options.mskBrokers(report, { firstAt, lastAt });
  return {
    report,
    html: await renderHtmlReport(data, { ...page, mskBrokers: report.mskBrokers }),
  };
}

/**
 * A run folder's history file (`history.jsonl.gz`) judged: its path is the source. A
 * cut-off last gzip member is a TornHistoryError unless `allowTornTail` (then the
 * verdict is on every whole line before the cut, and `note` says what was left out).
 */
export function judgeHistoryFile(
  path: string,
  options: Omit<JudgeOptions, 'source'> & TornTailOptions,
): Promise<Judged> {
  const { allowTornTail, note, ...judging } = options;
  return judgeHistory(openGzipHistory(path, { allowTornTail, note }), {
    ...judging,
    source: path,
  });
}

/** The names of a verified run's three files, in the run folder or next to the history in S3. */
export const RUN_FILES = {
  report: 'report.json',
  summary: 'summary.txt',
  html: 'report.html',
} as const;

/** A verified run's three files, rendered: what gets written, all or none. */
export interface RunFiles {
  readonly report: string;
  readonly summary: string;
  readonly html: string;
}

/**
 * The three files of a judged history. summary.txt starts with the Readiness section
 * (so a run that began with a `block` finding says so first); `header` goes below it,
 * above the verdict's text (the run's figures, warnings), then the MSK broker traffic
 * when the report has it, `tail` below that (the client-library table).
 */
export function runFiles(judged: Judged, header = '', tail = ''): RunFiles {
  return {
    report: reportJson(judged.report),
    summary: `${formatReadinessSummary(judged.report.readiness)}${header}${formatText(judged.report)}${judged.report.mskBrokers === undefined ? '' : formatMskBrokers(judged.report.mskBrokers)}${tail}`,
    html: judged.html,
  };
}

/** report.json's text: the report, two-space indented, one trailing newline. */
export function reportJson(report: Report | RunReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

const KEYS = Object.keys(RUN_FILES) as (keyof RunFiles)[];

/**
 * Writes the three files into `folder` so that all or none of them appear: each under
 * a temporary name first, fsynced with the folder (functions/core/durable.ts), then
 * renamed into place and the folder fsynced again, so a crash after the run never
 * leaves an empty report.json. A failed write removes what it
 * wrote and rethrows.
 */
export async function writeRunFiles(folder: string, files: RunFiles): Promise<void> {
  const temp = (key: keyof RunFiles) => join(folder, `${RUN_FILES[key]}.tmp-${process.pid}`);
  const placed: string[] = [];
  try {
    for (const key of KEYS) await writeSynced(temp(key), files[key], 'w');
    await syncFolder(folder);
    for (const key of KEYS) {
      await rename(temp(key), join(folder, RUN_FILES[key]));
      placed.push(join(folder, RUN_FILES[key]));
    }
    await syncFolder(folder);
  } catch (error) {
    const leftovers = [...KEYS.map(temp), ...placed];
    // Removing what this write made; a file that is not there (never written, or
    // already renamed) is what we want, so unlink's own failure is not worth more.
    await Promise.all(leftovers.map((path) => unlink(path).catch(() => undefined)));
    throw error;
  }
}

/** Where a run's files go in the run store: `<prefix>report.json` and the rest. */
export function runFileKeys(prefix: string): Record<keyof RunFiles, string> {
  return {
    report: `${prefix}${RUN_FILES.report}`,
    summary: `${prefix}${RUN_FILES.summary}`,
    html: `${prefix}${RUN_FILES.html}`,
  };
}

const CONTENT_TYPES: Record<keyof RunFiles, string> = {
  report: 'application/json',
  summary: 'text/plain; charset=utf-8',
  // text/html, so a presigned link opens as a page.
  html: 'text/html; charset=utf-8',
};

/**
 * Puts the three (already rendered) files under `prefix` in the run store. report.json
 * goes last: it is what says a run was verified, so it exists only when the other two do.
 */
export async function putRunFiles(
  s3: S3Like,
  bucket: string,
  prefix: string,
  files: RunFiles,
): Promise<Record<keyof RunFiles, string>> {
  const keys = runFileKeys(prefix);
  for (const key of ['summary', 'html', 'report'] as const) {
    await putText(s3, bucket, keys[key], files[key], CONTENT_TYPES[key]);
  }
  return keys;
}
