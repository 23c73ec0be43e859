/**
 * The page's Readiness section: what the readiness check at the start of the run
 * found (readiness/run-section.ts), one row per finding, blocks first. Every string
 * comes from the history and is escaped.
 */
import { describeSubject } from '../readiness/format.js';
import { countsLine, type RunReadiness } from '../readiness/run-section.js';
import { table, when } from './formatters.js';
import { escapeHtml as e } from './html-text.js';

/** At most this many finding rows; report.json lists every one. */
export const READINESS_ROWS = 500;

const ROW_CLASS = { block: ' class="bad"', warn: ' class="changed"', info: '' } as const;

export function readinessSection(r: RunReadiness | null): string {
  if (r === null) {
    return '<section id="readiness" data-checked="false"><h2>Readiness</h2><p>Not checked: the history has no readiness record (a run from before the check, or one that could not read the cluster for it). <code>kafka-upgrade-verifier preflight</code> checks the cluster now.</p></section>';
  }
  const head =
    r.counts.block > 0
      ? `<p class="no">NOT READY: ${r.counts.block} finding(s) block the upgrade — writes or reads fail or lose data while one broker is down. The run measured it anyway.</p>`
      : '<p class="ok">Ready: no finding blocks the upgrade.</p>';
  const scope = `<p>${e(countsLine(r.counts))}${r.checked === null ? '' : `; checked ${e(r.checked)}`}${r.at > 0 ? `; at ${when(r.at)}` : ''}.</p>`;
  const rows = r.findings
    .slice(0, READINESS_ROWS)
    .map(
      (f) =>
        `<tr${ROW_CLASS[f.severity]} data-severity="${f.severity}"><td>${f.severity}</td><td>${e(f.rule)}</td><td>${e(describeSubject(f.subject))}</td><td>${e(f.measured)}</td><td>${e(f.change)}</td></tr>`,
    );
  const more =
    r.findings.length > READINESS_ROWS
      ? `<p class="na">The first ${READINESS_ROWS} of ${r.findings.length} findings; report.json's readiness lists every one.</p>`
      : '';
  const unreadable =
    r.unreadable > 0
      ? `<p class="no">${r.unreadable} readiness record(s) could not be read and were skipped: ${r.problems.map(e).join('; ')}</p>`
      : '';
  const findings =
    rows.length === 0
      ? '<p>The check found nothing to report.</p>'
      : table(
          'readiness-table',
          ['severity', 'rule', 'concerns', 'measured', 'what to change'],
          rows,
          false,
        );
  return `<section id="readiness" data-checked="true" data-block="${r.counts.block}" data-warn="${r.counts.warn}" data-info="${r.counts.info}"><h2>Readiness</h2>
${head}${scope}${findings}${more}${unreadable}</section>`;
}
