/**
 * What a person sees of the live findings: one line per finding as it happens, and, at
 * the end, how they compare with the final verdict. The final read-back and the
 * history's verdict are the truth; a live finding the verdict did not confirm is listed
 * with why, never dropped silently (issue 17).
 */
import type { Report } from '../history/report.js';
import type { LiveFinding, LiveFindingKind } from './types.js';

function hhmmss(at: number): string {
  return new Date(at).toISOString().slice(11, 23);
}

/** One line for the terminal: time, kind, where, and the restart it follows. */
export function formatFindingLine(f: LiveFinding): string {
  const where = [
    f.topic === undefined ? null : `topic ${f.topic}`,
    f.partition === undefined ? null : `partition ${f.partition}`,
    f.offset === undefined ? null : `offset ${f.offset}`,
    f.seq === undefined ? null : `seq ${f.seq}`,
    f.group === undefined ? null : `group ${f.group}`,
    f.broker === undefined ? null : `broker ${f.broker}`,
  ].filter((x) => x !== null);
  const lag = f.detectedAt - f.at;
  return (
    `live ${hhmmss(f.at)} ${f.kind}${f.hard ? '' : ' (warn)'}${where.length > 0 ? ` ${where.join(' ')}` : ''}` +
    `${f.after == null ? '' : `, after ${f.after}`}, seen ${(lag / 1000).toFixed(1)} s later: ${f.detail}`
  );
}

/** report.json's `live`: what was seen while the run ran, beside the verdict. */
export interface LiveSection {
  /** Findings per kind, as made live (lossCleared included). */
  counts: Partial<Record<LiveFindingKind, number>>;
  /** Live findings the final verdict did not confirm, each with why. */
  unconfirmed: string[];
}

/**
 * The live findings set against the final report: for the kinds the read-back decides
 * (duplicates, reordering, loss), a live count above the final one is listed with why.
 */
export function liveSection(findings: readonly LiveFinding[], report: Report): LiveSection {
  const counts: Partial<Record<LiveFindingKind, number>> = {};
  for (const f of findings) counts[f.kind] = (counts[f.kind] ?? 0) + 1;
  const unconfirmed: string[] = [];
  const suspected = counts.suspectedLoss ?? 0;
  const cleared = counts.lossCleared ?? 0;
  const lost = report.totals.lost;
  if (suspected > 0 && lost === null) {
    unconfirmed.push(
      `${suspected} suspected loss(es) seen live: the final read-back did not run, so none is confirmed or cleared.`,
    );
  } else if (suspected > (lost ?? 0)) {
    unconfirmed.push(
      `${suspected - (lost ?? 0)} of ${suspected} suspected loss(es) seen live were not confirmed: the final read-back found those records in the log` +
        (cleared > 0 ? ` (${cleared} were found live too, later than their acked offset)` : '') +
        '.',
    );
  }
  for (const [kind, total, what] of [
    ['duplicate', report.totals.duplicates, 'duplicate(s)'],
    ['outOfOrder', report.totals.outOfOrder, 'out-of-order record(s)'],
  ] as const) {
    const seen = counts[kind] ?? 0;
    if (seen > (total ?? 0)) {
      unconfirmed.push(
        `${seen} ${what} seen live, ${total ?? 'none'} in the final read-back: the follower read a log the read-back found otherwise (a rebalance re-read it from another position, or records were not this run's). The verdict counts the read-back's.`,
      );
    }
  }
  return { counts, unconfirmed };
}

/** summary.txt's lines for the live section: empty when nothing was seen live. */
export function formatLiveSection(section: LiveSection): string {
  const kinds = Object.entries(section.counts);
  if (kinds.length === 0) return 'live: no finding while the run ran\n';
  const lines = [`live: ${kinds.map(([k, n]) => `${k} ${n}`).join(', ')} (details: live.jsonl)`];
  for (const u of section.unconfirmed) lines.push(`  not confirmed by the verdict: ${u}`);
  return `${lines.join('\n')}\n`;
}
