/**
 * The readiness report a person reads before the upgrade (text) and the one a script
 * reads (JSON, `readinessVersion` 1: fields are added, never renamed). Pure.
 */
import { type Finding, type FindingSubject, type ReadinessVerdict, verdictOf } from './rules.js';
import type { ReadinessSnapshot } from './snapshot.js';

export interface ReadinessReport {
  readinessVersion: 1;
  verdict: ReadinessVerdict;
  counts: { block: number; warn: number; info: number };
  checked: { brokers: number; topics: number; partitions: number; groups: number };
  findings: Finding[];
}

export function readinessReport(
  snapshot: ReadinessSnapshot,
  findings: readonly Finding[],
): ReadinessReport {
  const count = (s: Finding['severity']) => findings.filter((f) => f.severity === s).length;
  return {
    readinessVersion: 1,
    verdict: verdictOf(findings),
    counts: { block: count('block'), warn: count('warn'), info: count('info') },
    checked: {
      brokers: snapshot.brokers.length,
      topics: snapshot.topics.length,
      partitions: snapshot.topics.reduce((n, t) => n + t.partitions.length, 0),
      groups: snapshot.groups.length,
    },
    findings: [...findings],
  };
}

/** `topic orders partition 2`, `group billing`, `broker 3 broker-3:9092`, `cluster`. */
export function describeSubject(s: FindingSubject): string {
  const parts: string[] = [];
  if (s.topic !== undefined) parts.push(`topic ${s.topic}`);
  if (s.partition !== undefined) parts.push(`partition ${s.partition}`);
  if (s.group !== undefined) parts.push(`group ${s.group}`);
  if (s.broker !== undefined) parts.push(`broker ${s.broker}`);
  if (s.endpoint !== undefined)
    parts.push(s.broker === undefined ? `endpoint ${s.endpoint}` : s.endpoint);
  return parts.length === 0 ? 'cluster' : parts.join(' ');
}

export function formatReadinessText(report: ReadinessReport): string {
  const { counts, checked } = report;
  const head =
    report.verdict === 'ready'
      ? 'READY: no finding blocks the upgrade'
      : `NOT READY: ${counts.block} finding(s) block the upgrade (writes or reads fail or lose data while one broker is down)`;
  const lines = [
    `READINESS ${head}`,
    `  checked ${checked.brokers} broker(s), ${checked.topics} topic(s), ${checked.partitions} partition(s), ${checked.groups} group(s); ${counts.block} block, ${counts.warn} warn, ${counts.info} info`,
    '',
  ];
  for (const f of report.findings) {
    lines.push(`${f.severity.toUpperCase().padEnd(5)} ${f.rule}  ${describeSubject(f.subject)}`);
    lines.push(`      measured: ${f.measured}`);
    lines.push(`      change:   ${f.change}`);
  }
  return `${lines.join('\n')}\n`;
}
