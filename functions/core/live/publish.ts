/**
 * Live metrics: while a canary session runs, the catalogue's live metrics
 * (functions/core/metrics/catalogue.ts, `live: true`) are put to CloudWatch at least
 * every 30 s, under the same namespace and Cluster dimension as the report's final
 * metrics, so the stack's alarms (lib/monitoring/cluster-alarms.ts) can fire
 * mid-upgrade.
 *
 * Alarm semantics: a live value is the run's count so far (cumulative over the run,
 * across Lambda slices: the counters travel in the slice state), never an increment,
 * and the final datum of the same metric equals or supersedes it. The alarms read
 * each period's Maximum, so a live datum and the final one never add up: the alarm
 * sees the largest figure seen so far.
 *
 * A failed put is logged (what, where, what to do) and never stops the canary.
 */
import type { MetricDatum } from '@aws-sdk/client-cloudwatch';

import type { CanaryCounters } from '../canary/state.js';
import {
  CLUSTER_DIMENSION,
  MAX_DIMENSION_VALUE_LENGTH,
  METRICS,
  NAMESPACE,
} from '../metrics/catalogue.js';
import { InputError } from '../errors.js';
import {
  publishMetrics,
  type PublishOptions,
  type PutMetricDataClient,
} from '../metrics/publisher.js';
import type { LiveMetricSource, LiveMetricValues } from './types.js';

/** The longest gap between two live publications (issue 17: "at least every 30 s"). */
export const LIVE_METRICS_EVERY_MS = 30_000;

/** The catalogue's live metrics, by name. */
export const LIVE_METRIC_NAMES: ReadonlySet<string> = new Set(
  METRICS.filter((m) => m.live).map((m) => m.name),
);

/**
 * The live metrics the canary session counts itself, read from its counters (the
 * slice state's, which the session updates as sends are acked or fail): a source
 * until the live checker's is merged in with mergeSources.
 */
export function sessionMetricSource(state: {
  readonly counters: CanaryCounters;
}): LiveMetricSource {
  return {
    liveMetricValues: () => ({
      ProducedMessages: state.counters.sent,
      ProduceErrors: state.counters.failed,
      // The largest ackedAt − scheduledAt so far: the report's LongestProduceStallMs.
      LongestProduceStallMs: state.counters.longestStallMs,
    }),
  };
}

/** One source out of several: per metric, the largest value any of them has. */
export function mergeSources(...sources: readonly LiveMetricSource[]): LiveMetricSource {
  return {
    liveMetricValues: () => {
      const merged: Record<string, number> = {};
      for (const source of sources) {
        for (const [name, v] of Object.entries(source.liveMetricValues())) {
          if (typeof v === 'number') merged[name] = Math.max(merged[name] ?? -Infinity, v);
        }
      }
      return merged as LiveMetricValues;
    },
  };
}

/**
 * The datums of a source's values: live catalogue metrics only, finite values only,
 * with the catalogue's unit and the Cluster dimension.
 */
export function liveDatums(values: LiveMetricValues, cluster: string): MetricDatum[] {
  return METRICS.flatMap((metric) => {
    const v = (values as Record<string, number | undefined>)[metric.name];
    if (!metric.live || v === undefined || !Number.isFinite(v)) return [];
    return [
      {
        MetricName: metric.name,
        Dimensions: [{ Name: CLUSTER_DIMENSION, Value: cluster }],
        Unit: metric.unit,
        Value: v,
      },
    ];
  });
}

/** Timers, injectable so a test drives the cadence with a fake clock. */
export interface LiveTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface LiveMetricsPublisherOptions {
  readonly source: LiveMetricSource;
  /** The Cluster dimension: the verified cluster's name. */
  readonly cluster: string;
  readonly client: PutMetricDataClient;
  /** Where the failures (and the first success) are told. */
  readonly log: (line: string) => void;
  /** Between two publications; at most LIVE_METRICS_EVERY_MS. */
  readonly everyMs?: number;
  readonly timers?: LiveTimers;
  /** Passed to publishMetrics (retries, clock); fewer retries than the final metrics'. */
  readonly publish?: PublishOptions;
}

/**
 * Publishes a source's live metrics every `everyMs` from start() until stop(), and
 * once more at stop() (the session's last figures). Never throws, never rejects.
 */
export class LiveMetricsPublisher {
  private readonly everyMs: number;
  private readonly timers: LiveTimers;
  private handle: unknown = null;
  private running = false;
  private inFlight: Promise<void> = Promise.resolve();
  private failedBefore = false;
  /** Publications attempted so far (each one PutMetricData round, retries included). */
  publications = 0;

  constructor(private readonly options: LiveMetricsPublisherOptions) {
    const cluster = options.cluster;
    if (cluster.trim() === '' || cluster.length > MAX_DIMENSION_VALUE_LENGTH) {
      throw new InputError(
        `live metrics: cluster name ${JSON.stringify(cluster)} cannot be the ${CLUSTER_DIMENSION} dimension: give 1 to ${MAX_DIMENSION_VALUE_LENGTH} characters.`,
      );
    }
    const every = options.everyMs ?? LIVE_METRICS_EVERY_MS;
    if (!(every > 0 && every <= LIVE_METRICS_EVERY_MS)) {
      throw new InputError(
        `live metrics: everyMs ${every} must be above 0 and at most ${LIVE_METRICS_EVERY_MS} (alarms need a datum at least every 30 s).`,
      );
    }
    this.everyMs = every;
    this.timers = options.timers ?? {
      setTimeout: (fn, ms) => {
        const t = setTimeout(fn, ms);
        t.unref();
        return t;
      },
      clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
    };
  }

  /** Starts the cadence: the first publication after `everyMs`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  private schedule(): void {
    this.handle = this.timers.setTimeout(() => {
      this.handle = null;
      if (!this.running) return;
      this.inFlight = this.publishNow().finally(() => {
        if (this.running) this.schedule();
      });
    }, this.everyMs);
  }

  /** One publication of the source's current values. */
  async publishNow(): Promise<void> {
    this.publications++;
    const { cluster, log } = this.options;
    let datums: MetricDatum[];
    try {
      datums = liveDatums(this.options.source.liveMetricValues(), cluster);
    } catch (error) {
      log(
        `live metrics: could not read the live figures (${(error as Error).message}); the canary goes on, the final metrics will still be published.`,
      );
      return;
    }
    if (datums.length === 0) return;
    const result = await publishMetrics(this.options.client, datums, {
      maxAttempts: 2,
      ...this.options.publish,
    });
    if (result.failed.length > 0) {
      const names = result.failed.map((f) => f.metric).join(', ');
      log(
        `live metrics NOT published to CloudWatch ${NAMESPACE} (Cluster=${cluster}): ${names}: ${result.failed[0]?.reason ?? ''}. ` +
          'The canary goes on and tries again in 30 s; alarms may fire late. What to do: check the region, the endpoint ' +
          'and cloudwatch:PutMetricData on the KafkaUpgradeVerifier namespace for this role or profile.',
      );
      this.failedBefore = true;
    } else if (this.failedBefore) {
      log(`live metrics: publishing to CloudWatch ${NAMESPACE} (Cluster=${cluster}) works again.`);
      this.failedBefore = false;
    }
  }

  /** Stops the cadence and publishes the last figures once; resolves when that is done. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.handle !== null) this.timers.clearTimeout(this.handle);
    this.handle = null;
    await this.inFlight;
    await this.publishNow();
  }
}
