/**
 * The readiness check as the first step of a run: its findings become `readiness`
 * history records (docs/history-format.md, "Extensions beyond v3"), written with the
 * monitors' baseline before the first canary message. A v3 analyzer skips them and
 * counts them in `ignoredRecords`. A `block` finding does not stop the run: the run is
 * how the user measures what it does.
 */
import type { KafkaConnection } from '../kafka/client.js';
import type { Emit, HistoryRecordOut, RunMonitor } from '../probe/monitor.js';
import { describeSubject } from './format.js';
import { gatherReadiness } from './gather.js';
import { readiness, type Finding } from './rules.js';

/** One finding as a history record: `{type: 'readiness', severity, rule, …subject, value, advice, at}`. */
export function readinessRecord(finding: Finding, at: number): HistoryRecordOut {
  return {
    type: 'readiness',
    severity: finding.severity,
    rule: finding.rule,
    ...finding.subject,
    value: finding.measured,
    advice: finding.change,
    at,
  };
}

/** The line printed at the start of a run for a `block` finding. */
export function blockLine(finding: Finding): string {
  return `READINESS BLOCK ${finding.rule} ${describeSubject(finding.subject)}: ${finding.measured}; the run still measures what the upgrade does`;
}

/**
 * A monitor whose baseline runs the readiness check on `topics` and emits one
 * `readiness` record per finding; `note` gets one line per `block` finding. A cluster
 * that cannot be read for readiness is noted and skips the records: the canary's own
 * preflight already found the cluster usable, and the run goes on.
 */
export function readinessMonitor(
  connection: KafkaConnection,
  topics: readonly string[],
  note: (line: string) => void,
  now: () => number = Date.now,
): RunMonitor {
  return {
    name: 'readiness',
    async baseline(emit: Emit) {
      let findings: Finding[];
      try {
        findings = readiness(await gatherReadiness(connection, { topics: [...topics] }));
      } catch (error) {
        note(
          `readiness check skipped: ${error instanceof Error ? error.message : String(error)}; run kafka-upgrade-verifier preflight for the findings`,
        );
        return;
      }
      const at = now();
      for (const f of findings) {
        if (f.severity === 'block') note(blockLine(f));
        emit(readinessRecord(f, at));
      }
    },
    tick: () => Promise.resolve(),
    after: () => Promise.resolve(),
    state: () => null,
    close: () => Promise.resolve(),
  };
}
