/**
 * The readiness check as the first step of a run: its findings become `readiness`
 * history records (docs/history-extensions.md), written with the
 * monitors' baseline before the first canary message, with one `checked` record for the
 * check itself. A v3 analyzer skips them and
 * counts them in `ignoredRecords`. A `block` finding does not stop the run: the run is
 * how the user measures what it does.
 */
import type { KafkaConnection } from '../kafka/client.js';
import type { Emit, HistoryRecordOut, RunMonitor } from '../probe/monitor.js';
import { describeSubject, readinessReport } from './format.js';
import { gatherReadiness } from './gather.js';
import { readiness, type Finding } from './rules.js';
import { CHECKED_RULE } from './run-section.js';

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

/**
 * The record that says the check ran and what it covered (`rule: "checked"`, severity
 * info, not a finding): a run whose check found nothing is then told from one that was
 * never checked.
 */
export function checkedRecord(
  checked: { brokers: number; topics: number; partitions: number; groups: number },
  at: number,
): HistoryRecordOut {
  return {
    type: 'readiness',
    severity: 'info',
    rule: CHECKED_RULE,
    value: `${checked.brokers} broker(s), ${checked.topics} topic(s), ${checked.partitions} partition(s), ${checked.groups} group(s)`,
    advice: 'none: what the check covered',
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
  /** Findings judged outside Kafka (the MSK part); never throws (msk-check.ts). */
  extra: () => Promise<Finding[]> = () => Promise.resolve([]),
): RunMonitor {
  return {
    name: 'readiness',
    async baseline(emit: Emit) {
      let findings: Finding[];
      let checked;
      try {
        const snapshot = await gatherReadiness(connection, { topics: [...topics] });
        findings = readiness(snapshot, await extra());
        checked = readinessReport(snapshot, findings).checked;
      } catch (error) {
        note(
          `readiness check skipped: ${error instanceof Error ? error.message : String(error)}; run kafka-upgrade-verifier preflight for the findings`,
        );
        return;
      }
      const at = now();
      emit(checkedRecord(checked, at));
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
