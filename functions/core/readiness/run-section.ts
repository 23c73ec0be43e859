/**
 * The Readiness section of a run's reports, from the history's `readiness` records
 * (docs/history-extensions.md): what the check at the start of the
 * run found, for report.json, summary.txt and report.html. Pure: no I/O, no clock.
 *
 * The analyzer skips these records (they change no verdict); this collector reads them
 * in the same pass. A readiness record it cannot read is skipped and named (line and
 * field) in `unreadable`, never fatal: the verdict does not depend on it, and a report
 * must not be lost to it.
 */
import { describeSubject } from './format.js';
import type { Finding, FindingSubject, Severity } from './rules.js';
import { HistoryFormatError } from '../errors.js';
import {
  type JsonObject,
  type LineContext,
  fail,
  integer,
  naturalNumber,
  text,
  time,
} from '../history/records.js';

/** The rule of the record that says the check ran, and on what (not a finding). */
export const CHECKED_RULE = 'checked';

/** At most this many unreadable records are named; the count never stops. */
const PROBLEMS_KEPT = 10;
/** summary.txt shows at most this many block and warn lines; report.json has them all. */
export const SUMMARY_FINDINGS = 40;

/** report.json's `readiness` field (docs/report.md, "report.json: readiness"). */
export interface RunReadiness {
  /** When the check ran (its records' `at`); the latest check when the history has several. */
  at: number;
  /** What the check covered, from its `checked` record; null when the history has none. */
  checked: string | null;
  counts: Record<Severity, number>;
  /** Blocks first, then warn, then info, as the check wrote them. */
  findings: Finding[];
  /** Readiness records that could not be read, skipped. */
  unreadable: number;
  /** The first few of them: source, line, field and what was wrong. */
  problems: string[];
}

const SEVERITIES: readonly Severity[] = ['block', 'warn', 'info'];
const SEVERITY_ORDER: Record<Severity, number> = { block: 0, warn: 1, info: 2 };

function severity(v: unknown, at: LineContext): Severity {
  if (v === 'block' || v === 'warn' || v === 'info') return v;
  return fail(at, 'severity', v, '"block", "warn" or "info"');
}

function optionalText(v: unknown, field: string, at: LineContext): string | undefined {
  return v === undefined ? undefined : text(v, field, at);
}

/** One `readiness` record as a finding and its time; throws HistoryFormatError naming the field. */
export function readReadinessRecord(
  o: JsonObject,
  at: LineContext,
): { at: number; finding: Finding } {
  const subject: FindingSubject = {};
  const topic = optionalText(o.topic, 'topic', at);
  if (topic !== undefined) subject.topic = topic;
  if (o.partition !== undefined) subject.partition = naturalNumber(o.partition, 'partition', at);
  const group = optionalText(o.group, 'group', at);
  if (group !== undefined) subject.group = group;
  if (o.broker !== undefined) subject.broker = integer(o.broker, 'broker', at);
  const endpoint = optionalText(o.endpoint, 'endpoint', at);
  if (endpoint !== undefined) subject.endpoint = endpoint;
  const finding: Finding = {
    severity: severity(o.severity, at),
    rule: text(o.rule, 'rule', at),
    subject,
    measured: text(o.value, 'value', at),
    change: text(o.advice, 'advice', at),
  };
  return { at: time(o.at, 'at', at), finding };
}

/** Gathers the readiness records of one pass over a history. */
export class ReadinessCollector {
  private readonly checks = new Map<number, Finding[]>();
  private unreadable = 0;
  private readonly problems: string[] = [];

  /** Any record: only `readiness` ones are kept. */
  add(o: JsonObject, at: LineContext): void {
    if (o.type !== 'readiness') return;
    try {
      const read = readReadinessRecord(o, at);
      const check = this.checks.get(read.at);
      if (check === undefined) this.checks.set(read.at, [read.finding]);
      else check.push(read.finding);
    } catch (error) {
      if (!(error instanceof HistoryFormatError)) throw error;
      this.unreadable += 1;
      if (this.problems.length < PROBLEMS_KEPT) this.problems.push(error.message);
    }
  }

  /** The section; null when the history has no readiness record at all (not checked). */
  finish(): RunReadiness | null {
    if (this.checks.size === 0 && this.unreadable === 0) return null;
    // Several checks (a retried baseline): the latest one is the run's.
    const at = this.checks.size === 0 ? 0 : Math.max(...this.checks.keys());
    const all = this.checks.get(at) ?? [];
    const checked = all.find((f) => f.rule === CHECKED_RULE)?.measured ?? null;
    const findings = all
      .filter((f) => f.rule !== CHECKED_RULE)
      .sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
    const counts = { block: 0, warn: 0, info: 0 };
    for (const f of findings) counts[f.severity] += 1;
    return {
      at,
      checked,
      counts,
      findings,
      unreadable: this.unreadable,
      problems: [...this.problems],
    };
  }
}

/** `2 block, 1 warn, 3 info`. */
export function countsLine(counts: Record<Severity, number>): string {
  return SEVERITIES.map((s) => `${counts[s]} ${s}`).join(', ');
}

/**
 * summary.txt's Readiness section, which comes first: a run that started with a
 * `block` finding says so on its first line, and that it measured anyway.
 */
export function formatReadinessSummary(r: RunReadiness | null): string {
  if (r === null) {
    return 'READINESS not checked: the history has no readiness record (a run before the check existed, or one that could not read the cluster for it; kafka-upgrade-verifier preflight checks it now)\n\n';
  }
  const lines: string[] = [];
  const when = r.at > 0 ? ` at ${new Date(r.at).toISOString()}` : '';
  if (r.counts.block > 0) {
    lines.push(
      `READINESS NOT READY${when}: ${r.counts.block} finding(s) block the upgrade (writes or reads fail or lose data while one broker is down); the run measured it anyway`,
    );
  } else {
    lines.push(`READINESS ready${when}: no finding blocks the upgrade`);
  }
  lines.push(`  ${countsLine(r.counts)}${r.checked === null ? '' : `; checked ${r.checked}`}`);
  const shown = r.findings.filter((f) => f.severity !== 'info');
  for (const f of shown.slice(0, SUMMARY_FINDINGS)) {
    lines.push(
      `  ${f.severity.toUpperCase().padEnd(5)} ${f.rule} ${describeSubject(f.subject)}: ${f.measured}; change: ${f.change}`,
    );
  }
  if (shown.length > SUMMARY_FINDINGS) {
    lines.push(
      `  … and ${shown.length - SUMMARY_FINDINGS} more block/warn finding(s): report.json's readiness lists every one`,
    );
  }
  if (r.unreadable > 0) {
    lines.push(
      `  ${r.unreadable} readiness record(s) could not be read and were skipped; first: ${r.problems[0] ?? '—'}`,
    );
  }
  return `${lines.join('\n')}\n\n`;
}
