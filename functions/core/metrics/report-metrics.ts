/**
 * A report's figures as CloudWatch datums, by the catalogue (catalogue.ts): what the
 * publisher sends for a verified run, and what it leaves out, with why.
 */
import type { MetricDatum } from '@aws-sdk/client-cloudwatch';

import { InputError } from '../errors.js';
import {
  CLUSTER_DIMENSION,
  MAX_DIMENSION_VALUE_LENGTH,
  METRICS,
  type ReportInput,
} from './catalogue.js';

/** A metric the report gave no figure for, and why. */
export interface SkippedMetric {
  readonly metric: string;
  readonly field: string;
  readonly reason: string;
}

export interface ReportMetrics {
  /** One datum per figure the report has, without a timestamp: the publisher stamps it. */
  readonly datums: MetricDatum[];
  /** The metrics not published, each with why (a null figure, a section the report lacks). */
  readonly skipped: SkippedMetric[];
}

/**
 * The catalogue's metrics for one report, each with the `Cluster` dimension. A figure
 * the report leaves null or out is not published (a 0 would claim a check that was
 * not made): it is listed in `skipped` with the reason.
 */
export function metricsFromReport(
  report: ReportInput,
  options: { readonly cluster: string },
): ReportMetrics {
  const cluster = options.cluster;
  if (cluster.trim() === '' || cluster.length > MAX_DIMENSION_VALUE_LENGTH) {
    throw new InputError(
      `cluster name ${JSON.stringify(cluster)} cannot be the ${CLUSTER_DIMENSION} dimension of a metric: ` +
        `give 1 to ${MAX_DIMENSION_VALUE_LENGTH} characters, not only spaces.`,
    );
  }
  const datums: MetricDatum[] = [];
  const skipped: SkippedMetric[] = [];
  for (const metric of METRICS) {
    const reading = metric.read(report);
    if ('missing' in reading || !Number.isFinite(reading.value)) {
      const reason =
        'missing' in reading
          ? reading.missing
          : `${metric.field} is ${String(reading.value)}, not a finite number`;
      skipped.push({ metric: metric.name, field: metric.field, reason });
      continue;
    }
    datums.push({
      MetricName: metric.name,
      Dimensions: [{ Name: CLUSTER_DIMENSION, Value: cluster }],
      Unit: metric.unit,
      Value: reading.value,
    });
  }
  return { datums, skipped };
}
