/**
 * Publishes metric datums to CloudWatch with PutMetricData: in as few requests as the
 * API's limits allow, each datum stamped with the time it is sent, retried on
 * throttling and server errors. Publishing never throws and never fails a run: what
 * could not be sent is named in the result, with why.
 *
 * The client is passed in, so a Lambda, the CLI and the tests choose its endpoint,
 * region and credentials (moto server in the integration tests).
 */
import { PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';

import { sleep } from '../wait.js';
import { NAMESPACE } from './catalogue.js';

/**
 * PutMetricData's per-request limits, from the API reference
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html,
 * read 2026-11): "Each PutMetricData request is limited to 1 MB in size for HTTP POST
 * requests ... no more than 1000 different metrics"; up to 30 dimensions per metric;
 * values in -2^360 to 2^360, no NaN or infinities; up to 150 values per metric with
 * Values/Counts. (These rose from 20 metrics and 40 KB per request in 2022; older
 * copies of the docs still say so.) A metric name is 1 to 255 characters
 * (MetricDatum.MetricName). 1 MB is taken as 1,000,000 bytes, the smaller reading.
 */
export const PUT_METRIC_DATA_LIMITS = {
  maxDatumsPerRequest: 1000,
  maxRequestBytes: 1_000_000,
  maxDimensionsPerDatum: 30,
  maxValuesPerDatum: 150,
  maxMetricNameLength: 255,
  maxAbsValue: 2 ** 360,
} as const;

/** Bytes kept for what a request holds besides its datums (action, version, namespace). */
const REQUEST_OVERHEAD_BYTES = 1024;

/** What the publisher needs of a CloudWatchClient: a CloudWatchClient is one. */
export interface PutMetricDataClient {
  send(command: PutMetricDataCommand): Promise<unknown>;
}

export interface RetryOptions {
  /** Tries per request, the first included. @default 4 */
  readonly maxAttempts?: number;
  /** Backoff before the n-th retry is random in [0, min(maxDelayMs, baseDelayMs·2^(n−1))). @default 250 */
  readonly baseDelayMs?: number;
  /** @default 5000 */
  readonly maxDelayMs?: number;
}

export interface PublishOptions extends RetryOptions {
  /** @default 'KafkaUpgradeVerifier' */
  readonly namespace?: string;
  /** The clock that stamps each datum as it is sent. @default () => new Date() */
  readonly now?: () => Date;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Jitter source, [0, 1). @default Math.random */
  readonly random?: () => number;
}

/** A datum that did not reach CloudWatch. */
export interface FailedMetric {
  readonly metric: string;
  readonly reason: string;
}

export interface PublishResult {
  /** Datums CloudWatch accepted. */
  readonly published: number;
  /** PutMetricData calls made, retries included. */
  readonly requests: number;
  /** Datums not sent, each with why; empty when all went. */
  readonly failed: readonly FailedMetric[];
}

/*
 * Why a retry of our own on top of the SDK's: the SDK client's standard mode already
 * retries throttling, 5xx and network errors, three attempts in all, with full-jitter
 * exponential backoff (100 ms base, 500 ms for throttling) and a retry quota
 * (@smithy/core retry: DEFAULT_MAX_ATTEMPTS, THROTTLING_RETRY_DELAY_BASE,
 * INITIAL_RETRY_TOKENS). But the client is the caller's, built with whatever retry
 * settings it chose (often maxAttempts 1 against an emulator), and PutMetricData's
 * request rate is shared by every application in the account and region: a burst of
 * throttling can outlast the SDK's three quick tries, or its retry quota can be spent.
 * A run's metrics are what its alarms stand on, so a few slower tries here, after the
 * SDK has given up, are worth it. Worst case with both defaults: 3 × 4 HTTP calls
 * and under 15 s of our own waiting per request.
 */

const THROTTLING_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'SlowDown',
]);
const TRANSIENT_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalFailure',
  'InternalServiceFault',
  'InternalServiceError',
  'ServiceUnavailable',
]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** Errors about the request's content: one bad datum can cause them, so split the batch. */
const INVALID_REQUEST =
  /^(InvalidParameterValue|InvalidParameterCombination|MissingParameter|MissingRequiredParameter)(Exception)?$/;

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

function shape(error: unknown): SdkErrorShape {
  return typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};
}

/** Throttling, a 5xx, a timeout or a network error: the same request may succeed later. */
export function isRetriable(error: unknown): boolean {
  const e = shape(error);
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : 0;
  return (
    e.$retryable !== undefined ||
    status === 429 ||
    status >= 500 ||
    (typeof e.name === 'string' && (THROTTLING_NAMES.has(e.name) || TRANSIENT_NAMES.has(e.name))) ||
    (typeof e.code === 'string' && NETWORK_CODES.has(e.code))
  );
}

function describeError(error: unknown): string {
  const e = shape(error);
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const message = typeof e.message === 'string' ? e.message : String(error);
  const status = e.$metadata?.httpStatusCode;
  return `${name}${typeof status === 'number' ? ` (HTTP ${status})` : ''}: ${message}`;
}

/** Why CloudWatch would refuse this datum whatever else is in the request; null when it would not. */
export function datumProblem(datum: MetricDatum): string | null {
  const L = PUT_METRIC_DATA_LIMITS;
  const name = datum.MetricName ?? '';
  if (name.length === 0 || name.length > L.maxMetricNameLength) {
    return `metric name must be 1 to ${L.maxMetricNameLength} characters`;
  }
  if ((datum.Dimensions?.length ?? 0) > L.maxDimensionsPerDatum) {
    return `${datum.Dimensions?.length} dimensions; CloudWatch takes at most ${L.maxDimensionsPerDatum}`;
  }
  if ((datum.Values?.length ?? 0) > L.maxValuesPerDatum) {
    return `${datum.Values?.length} values; CloudWatch takes at most ${L.maxValuesPerDatum} per metric`;
  }
  const numbers = [datum.Value, ...(datum.Values ?? [])].filter((v) => v !== undefined);
  const bad = numbers.find((v) => !Number.isFinite(v) || Math.abs(v) > L.maxAbsValue);
  if (bad !== undefined)
    return `value ${bad} is outside what CloudWatch takes (finite, within ±2^360)`;
  if (estimateDatumBytes(datum) + REQUEST_OVERHEAD_BYTES > L.maxRequestBytes) {
    return `the datum alone is larger than a request may be (${L.maxRequestBytes} bytes)`;
  }
  return null;
}

/**
 * An upper bound of a datum's bytes in a request, whichever wire form the SDK speaks:
 * the Query form (`MetricData.member.1000.Dimensions.member.1.Name=Cluster&…`, what
 * older SDKs send) or AWS JSON 1.0 (what @aws-sdk/client-cloudwatch ≥ 3.949 sends).
 * Counted with a timestamp, which the publisher adds.
 */
export function estimateDatumBytes(datum: MetricDatum): number {
  const stamped = { ...datum, Timestamp: datum.Timestamp ?? new Date(0) };
  let query = 0;
  const walk = (path: string, value: unknown): void => {
    if (value === undefined || value === null) return;
    if (value instanceof Date) {
      walk(path, value.toISOString());
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(`${path}.member.${i + 1}`, item));
    } else if (typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) walk(`${path}.${key}`, inner);
    } else {
      query += `&${path}=`.length + Buffer.byteLength(encodeURIComponent(String(value)));
    }
  };
  walk(`MetricData.member.${PUT_METRIC_DATA_LIMITS.maxDatumsPerRequest}`, stamped);
  const json = Buffer.byteLength(JSON.stringify(stamped)) + 1;
  return Math.max(query, json);
}

/**
 * Splits datums into requests: at most 1000 datums and at most 1 MB each (less the
 * request's own overhead), in order, each as full as the limits let it be.
 */
export function planRequests(datums: readonly MetricDatum[]): MetricDatum[][] {
  const L = PUT_METRIC_DATA_LIMITS;
  const budget = L.maxRequestBytes - REQUEST_OVERHEAD_BYTES;
  const requests: MetricDatum[][] = [];
  let current: MetricDatum[] = [];
  let bytes = 0;
  for (const datum of datums) {
    const size = estimateDatumBytes(datum);
    if (current.length > 0 && (current.length >= L.maxDatumsPerRequest || bytes + size > budget)) {
      requests.push(current);
      current = [];
      bytes = 0;
    }
    current.push(datum);
    bytes += size;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

/**
 * Publishes `datums` under `options.namespace`. Resolves, never rejects: datums that
 * CloudWatch refused or that could not be sent after the retries are in `failed`.
 */
export async function publishMetrics(
  client: PutMetricDataClient,
  datums: readonly MetricDatum[],
  options: PublishOptions = {},
): Promise<PublishResult> {
  const namespace = options.namespace ?? NAMESPACE;
  const now = options.now ?? (() => new Date());
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 4);
  const baseDelayMs = options.baseDelayMs ?? 250;
  const maxDelayMs = options.maxDelayMs ?? 5000;

  const failed: FailedMetric[] = [];
  /** Datums published or failed so far: what is left when something unforeseen throws. */
  const settled = new Set<MetricDatum>();
  let published = 0;
  let requests = 0;
  const fail = (batch: readonly MetricDatum[], reason: string) => {
    for (const d of batch) {
      failed.push({ metric: d.MetricName ?? '(no name)', reason });
      settled.add(d);
    }
  };

  /** One request, retried while the error is retriable; the last error when it still fails. */
  const sendWithRetry = async (
    batch: readonly MetricDatum[],
  ): Promise<{ error: unknown; attempts: number } | null> => {
    for (let attempt = 1; ; attempt++) {
      const timestamp = now();
      requests++;
      try {
        await client.send(
          new PutMetricDataCommand({
            Namespace: namespace,
            MetricData: batch.map((d) => ({ ...d, Timestamp: timestamp })),
          }),
        );
        return null;
      } catch (error) {
        if (!isRetriable(error) || attempt >= maxAttempts) {
          return { error, attempts: attempt };
        }
        const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
        await wait(Math.floor(random() * ceiling));
      }
    }
  };

  /** Sends a batch; a request CloudWatch calls invalid is split until the bad datum is alone. */
  const sendBatch = async (batch: readonly MetricDatum[]): Promise<void> => {
    const outcome = await sendWithRetry(batch);
    if (outcome === null) {
      published += batch.length;
      for (const d of batch) settled.add(d);
      return;
    }
    const name = shape(outcome.error).name;
    if (batch.length > 1 && typeof name === 'string' && INVALID_REQUEST.test(name)) {
      const half = Math.ceil(batch.length / 2);
      await sendBatch(batch.slice(0, half));
      await sendBatch(batch.slice(half));
      return;
    }
    const tries = outcome.attempts === 1 ? '1 attempt' : `${outcome.attempts} attempts`;
    fail(batch, `PutMetricData failed after ${tries}: ${describeError(outcome.error)}`);
  };

  try {
    const sendable: MetricDatum[] = [];
    for (const datum of datums) {
      const problem = datumProblem(datum);
      if (problem === null) sendable.push(datum);
      else fail([datum], `not sent: ${problem}`);
    }
    for (const batch of planRequests(sendable)) await sendBatch(batch);
  } catch (error) {
    // Nothing above should throw; if it does, the run still ends with its report.
    fail(
      datums.filter((d) => !settled.has(d)),
      `publishing stopped: ${describeError(error)}`,
    );
  }
  return { published, requests, failed };
}
