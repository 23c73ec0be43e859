/** The anomalies the walks find, capped per kind for the report's list. */
import type { RawAnomaly } from './analysis.js';
import { GrowableFloat64 } from './columns.js';
import { ANOMALY_CAP_PER_KIND, ANOMALY_KINDS, type AnomalyKind } from './report.js';

/** Keeps at most ANOMALY_CAP_PER_KIND anomalies of each kind, and every outOfOrder time. */
export class AnomalyCollector {
  readonly kept: RawAnomaly[] = [];
  private readonly keptPerKind = new Map<AnomalyKind, number>(ANOMALY_KINDS.map((k) => [k, 0]));
  truncated = false;
  readonly outOfOrderTimes = new GrowableFloat64();

  add(anomaly: RawAnomaly): void {
    if (anomaly.kind === 'outOfOrder') this.outOfOrderTimes.push(anomaly.at);
    const kept = this.keptPerKind.get(anomaly.kind)!;
    if (kept >= ANOMALY_CAP_PER_KIND) {
      this.truncated = true;
      return;
    }
    this.keptPerKind.set(anomaly.kind, kept + 1);
    this.kept.push(anomaly);
  }
}
