/**
 * The one factory of CloudWatch metrics over the catalogue
 * (functions/core/metrics/catalogue.ts): the alarms and the dashboard both take their
 * metrics from here, never from a list of their own — in the manner of
 * cdk-monitoring-constructs' metric factories.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

import {
  CLUSTER_DIMENSION,
  METRICS,
  NAMESPACE,
  type MetricDefinition,
} from '../../functions/core/metrics/catalogue.js';

/**
 * A run publishes each metric once, at its end; five minutes is CloudWatch's standard
 * resolution period and holds one run's figure.
 */
export const METRIC_PERIOD = Duration.minutes(5);

/** The catalogue entry of `name`; throws on a name the catalogue lacks (a bug in lib/). */
export function catalogueEntry(name: string): MetricDefinition {
  const definition = METRICS.find((m) => m.name === name);
  if (definition === undefined) {
    throw new Error(
      `lib/monitoring: ${name} is not in the metric catalogue (functions/core/metrics/catalogue.ts)`,
    );
  }
  return definition;
}

/**
 * One catalogue metric of one cluster, with the catalogue's statistic, over METRIC_PERIOD.
 * No label: a labelled metric makes an alarm a metric-math alarm, and the graph's
 * default label is the metric name already.
 */
export function clusterMetric(definition: MetricDefinition, cluster: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: NAMESPACE,
    metricName: definition.name,
    dimensionsMap: { [CLUSTER_DIMENSION]: cluster },
    statistic: definition.alarm.statistic,
    period: METRIC_PERIOD,
  });
}
