/**
 * The PutMetricData publisher (functions/core/metrics/publisher.ts) against fake
 * clients: batching at the API's limits, timestamps, retry with backoff on
 * throttling and server errors, splitting a request CloudWatch calls invalid, and
 * never throwing. No network.
 */
import type { MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { describe, expect, expectTypeOf, it } from 'vitest';

import {
  datumProblem,
  estimateDatumBytes,
  isRetriable,
  planRequests,
  publishMetrics,
  PUT_METRIC_DATA_LIMITS,
  type PublishOptions,
  type PutMetricDataClient,
} from '../../../functions/core/metrics/publisher.js';

type SentRequest = NonNullable<PutMetricDataCommand['input']>;

/** A fake client: records each request, then answers with `answer` (resolve or throw). */
function fakeClient(answer: (request: SentRequest, call: number) => void = () => undefined) {
  const requests: SentRequest[] = [];
  const client: PutMetricDataClient = {
    send(command) {
      const request = structuredClone(command.input);
      requests.push(request);
      try {
        answer(request, requests.length);
        return Promise.resolve({});
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
  return { client, requests };
}

function awsError(name: string, status: number, message = 'from the fake'): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

function datum(name: string, value = 1): MetricDatum {
  return {
    MetricName: name,
    Dimensions: [{ Name: 'Cluster', Value: 'prod' }],
    Unit: 'Count',
    Value: value,
  };
}

function many(n: number): MetricDatum[] {
  return Array.from({ length: n }, (_, i) => datum(`Metric${i}`, i));
}

/** A datum near the byte limit's scale: 30 dimensions of 1024-character values. */
function wide(i: number): MetricDatum {
  return {
    MetricName: `Wide${i}`,
    Value: i,
    Dimensions: Array.from({ length: 30 }, (_, d) => ({
      Name: `D${d}`,
      Value: String(i % 10).repeat(1024),
    })),
  };
}

/** Options that make a test fast and its waits visible. */
function quick(extra: PublishOptions = {}) {
  const sleeps: number[] = [];
  const options: PublishOptions = {
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
    now: () => new Date('2026-11-26T08:00:00.000Z'),
    ...extra,
  };
  return { options, sleeps };
}

describe('publishMetrics batching', () => {
  it.each([
    [0, []],
    [1, [1]],
    [999, [999]],
    [1000, [1000]],
    [1001, [1000, 1]],
    [2000, [1000, 1000]],
    [2500, [1000, 1000, 500]],
  ])('sends %i small datums in requests of %j (at most 1000 each)', async (n, sizes) => {
    const { client, requests } = fakeClient();
    const result = await publishMetrics(client, many(n), quick().options);
    expect(requests.map((r) => r.MetricData?.length)).toEqual(sizes);
    expect(result).toEqual({ published: n, requests: sizes.length, failed: [] });
  });

  it('keeps order and sends every datum once', async () => {
    const { client, requests } = fakeClient();
    await publishMetrics(client, many(2345), quick().options);
    const sent = requests.flatMap((r) => r.MetricData!.map((d) => d.MetricName));
    expect(sent).toEqual(many(2345).map((d) => d.MetricName));
  });

  it('closes a request before it passes 1 MB, and fills each as far as it can', () => {
    const datums = Array.from({ length: 100 }, (_, i) => wide(i));
    const size = estimateDatumBytes(datums[0]!);
    expect(size).toBeGreaterThan(30 * 1024);
    const plan = planRequests(datums);
    expect(plan.length).toBeGreaterThan(1);
    expect(plan.flat()).toEqual(datums);
    for (const [i, request] of plan.entries()) {
      const bytes = request.reduce((sum, d) => sum + estimateDatumBytes(d), 0);
      expect(bytes).toBeLessThanOrEqual(PUT_METRIC_DATA_LIMITS.maxRequestBytes);
      const next = plan[i + 1]?.[0];
      if (next !== undefined) {
        expect(bytes + estimateDatumBytes(next)).toBeGreaterThan(
          PUT_METRIC_DATA_LIMITS.maxRequestBytes - 1024,
        );
      }
    }
  });

  it('sends requests whose JSON body stays under 1 MB at the byte limit', async () => {
    const { client, requests } = fakeClient();
    const result = await publishMetrics(
      client,
      Array.from({ length: 100 }, (_, i) => wide(i)),
      quick().options,
    );
    expect(result.failed).toEqual([]);
    expect(result.published).toBe(100);
    for (const r of requests) {
      expect(Buffer.byteLength(JSON.stringify(r))).toBeLessThan(
        PUT_METRIC_DATA_LIMITS.maxRequestBytes,
      );
    }
  });

  it('estimates a datum at least as large as its JSON and its Query form', () => {
    const d = datum('LostMessages', 3);
    const bytes = estimateDatumBytes(d);
    expect(bytes).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify(d)));
    // MetricData.member.1000.Dimensions.member.1.Value=prod is one of its Query fields.
    expect(bytes).toBeGreaterThan(
      '&MetricData.member.1000.Dimensions.member.1.Value=prod'.length * 4,
    );
  });
});

describe('publishMetrics requests', () => {
  it('sends the namespace and stamps every datum with the time it is sent', async () => {
    const { client, requests } = fakeClient();
    let clock = Date.parse('2026-11-26T08:00:00.000Z');
    const { options } = quick({ now: () => new Date((clock += 1000)) });
    await publishMetrics(client, many(1500), options);
    expect(requests.map((r) => r.Namespace)).toEqual([
      'KafkaUpgradeVerifier',
      'KafkaUpgradeVerifier',
    ]);
    expect(new Set(requests[0]!.MetricData!.map((d) => d.Timestamp?.toISOString()))).toEqual(
      new Set(['2026-11-26T08:00:01.000Z']),
    );
    expect(requests[1]!.MetricData![0]!.Timestamp?.toISOString()).toBe('2026-11-26T08:00:02.000Z');
  });

  it('does not change the datums it is given', async () => {
    const { client } = fakeClient();
    const datums = many(3);
    await publishMetrics(client, datums, quick().options);
    expect(datums.every((d) => d.Timestamp === undefined)).toBe(true);
  });

  it('uses another namespace when told to', async () => {
    const { client, requests } = fakeClient();
    await publishMetrics(client, many(1), quick({ namespace: 'Rehearsal' }).options);
    expect(requests[0]!.Namespace).toBe('Rehearsal');
  });

  it('takes a real CloudWatchClient as its client', () => {
    expectTypeOf<CloudWatchClient>().toExtend<PutMetricDataClient>();
  });
});

describe('publishMetrics retries', () => {
  it('retries a throttled request with growing jittered waits, then succeeds', async () => {
    const { client, requests } = fakeClient((_r, call) => {
      if (call <= 2) throw awsError('Throttling', 400, 'Rate exceeded');
    });
    const { options, sleeps } = quick();
    const result = await publishMetrics(client, many(3), options);
    expect(result).toEqual({ published: 3, requests: 3, failed: [] });
    expect(requests.map((r) => r.MetricData?.length)).toEqual([3, 3, 3]);
    // random() 0.5 of min(5000, 250·2^(n-1)): 125, then 250.
    expect(sleeps).toEqual([125, 250]);
  });

  it('restamps a retried request with the time of the retry', async () => {
    let clock = 0;
    const { client, requests } = fakeClient((_r, call) => {
      if (call === 1) throw awsError('ThrottlingException', 400);
    });
    await publishMetrics(
      client,
      many(1),
      quick({ now: () => new Date((clock += 60_000)) }).options,
    );
    expect(requests.map((r) => r.MetricData![0]!.Timestamp?.getTime())).toEqual([60_000, 120_000]);
  });

  it.each([
    ['a 503', awsError('ServiceUnavailable', 503)],
    ['a 500 InternalServiceFault', awsError('InternalServiceFault', 500)],
    ['a 429', awsError('TooManyRequestsException', 429)],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['an SDK timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
  ])('retries after %s', async (_what, error) => {
    const { client } = fakeClient((_r, call) => {
      if (call === 1) throw error;
    });
    const result = await publishMetrics(client, many(2), quick().options);
    expect(result).toEqual({ published: 2, requests: 2, failed: [] });
  });

  it('caps the wait at maxDelayMs', async () => {
    const { client } = fakeClient(() => {
      throw awsError('Throttling', 400);
    });
    const { options, sleeps } = quick({
      maxAttempts: 6,
      baseDelayMs: 1000,
      maxDelayMs: 3000,
      random: () => 0.999,
    });
    await publishMetrics(client, many(1), options);
    expect(sleeps).toEqual([999, 1998, 2997, 2997, 2997]);
  });

  it('resolves, never rejects, when every attempt is throttled, and names each metric not sent', async () => {
    const { client, requests } = fakeClient(() => {
      throw awsError('Throttling', 400, 'Rate exceeded');
    });
    const { options, sleeps } = quick();
    const result = await publishMetrics(
      client,
      [datum('LostMessages'), datum('LeaderSkew')],
      options,
    );
    expect(requests).toHaveLength(4);
    expect(sleeps).toHaveLength(3);
    expect(result.published).toBe(0);
    expect(result.failed).toEqual([
      {
        metric: 'LostMessages',
        reason: 'PutMetricData failed after 4 attempts: Throttling (HTTP 400): Rate exceeded',
      },
      {
        metric: 'LeaderSkew',
        reason: 'PutMetricData failed after 4 attempts: Throttling (HTTP 400): Rate exceeded',
      },
    ]);
  });

  it('does not retry an error that will not pass, such as denied access', async () => {
    const { client, requests } = fakeClient(() => {
      throw awsError('AccessDenied', 403, 'not authorized to perform cloudwatch:PutMetricData');
    });
    const result = await publishMetrics(client, many(2), quick().options);
    expect(requests).toHaveLength(1);
    expect(result.failed.map((f) => f.reason)).toEqual([
      'PutMetricData failed after 1 attempt: AccessDenied (HTTP 403): not authorized to perform cloudwatch:PutMetricData',
      'PutMetricData failed after 1 attempt: AccessDenied (HTTP 403): not authorized to perform cloudwatch:PutMetricData',
    ]);
  });

  it('sends the rest when one request of several fails', async () => {
    const { client } = fakeClient((_r, call) => {
      if (call === 1) throw awsError('AccessDenied', 403);
    });
    const result = await publishMetrics(client, many(1500), quick().options);
    expect(result.published).toBe(500);
    expect(result.failed).toHaveLength(1000);
  });

  it('splits a request CloudWatch calls invalid until only the bad datum fails', async () => {
    const { client } = fakeClient((request) => {
      if (request.MetricData!.some((d) => d.MetricName === 'Metric5'))
        throw awsError(
          'InvalidParameterValue',
          400,
          'The value for parameter MetricData.member.6 is bad',
        );
    });
    const result = await publishMetrics(client, many(8), quick().options);
    expect(result.published).toBe(7);
    expect(result.failed).toEqual([
      {
        metric: 'Metric5',
        reason:
          'PutMetricData failed after 1 attempt: InvalidParameterValue (HTTP 400): The value for parameter MetricData.member.6 is bad',
      },
    ]);
  });

  it('resolves even when the client throws something that is not an Error', async () => {
    const client: PutMetricDataClient = {
      send() {
        // eslint-disable-next-line no-throw-literal -- the case under test: a client that throws a non-Error
        throw 'broken client';
      },
    };
    const result = await publishMetrics(client, many(2), quick().options);
    expect(result.published).toBe(0);
    expect(result.failed.map((f) => f.reason)).toEqual([
      'PutMetricData failed after 1 attempt: Error: broken client',
      'PutMetricData failed after 1 attempt: Error: broken client',
    ]);
  });

  it('resolves and reports the unsent datums when something unforeseen throws', async () => {
    const { client } = fakeClient();
    const result = await publishMetrics(client, many(2), {
      ...quick().options,
      now: () => {
        throw new RangeError('clock broke');
      },
    });
    expect(result.published).toBe(0);
    expect(result.failed).toEqual([
      { metric: 'Metric0', reason: 'publishing stopped: RangeError: clock broke' },
      { metric: 'Metric1', reason: 'publishing stopped: RangeError: clock broke' },
    ]);
  });
});

describe('datums CloudWatch would refuse', () => {
  it.each([
    [
      'a NaN value',
      { ...datum('X'), Value: Number.NaN },
      'value NaN is outside what CloudWatch takes',
    ],
    [
      'an infinite value',
      { ...datum('X'), Value: Number.POSITIVE_INFINITY },
      'value Infinity is outside',
    ],
    [
      'a value above 2^360',
      { ...datum('X'), Value: 2 ** 361 },
      'e+108 is outside what CloudWatch takes',
    ],
    ['an empty name', { ...datum('X'), MetricName: '' }, 'metric name must be 1 to 255 characters'],
    ['a 256-character name', { ...datum('X'), MetricName: 'M'.repeat(256) }, 'must be 1 to 255'],
    [
      '31 dimensions',
      { ...wide(1), Dimensions: [...wide(1).Dimensions!, { Name: 'Extra', Value: 'x' }] },
      '31 dimensions; CloudWatch takes at most 30',
    ],
    [
      '151 values',
      { ...datum('X'), Values: Array.from({ length: 151 }, () => 1) },
      '151 values; CloudWatch takes at most 150 per metric',
    ],
  ])('reports a datum with %s as not sent, and sends the rest', async (_what, bad, problem) => {
    expect(datumProblem(bad)).toContain(problem);
    const { client, requests } = fakeClient();
    const result = await publishMetrics(client, [bad, datum('Good')], quick().options);
    expect(requests.map((r) => r.MetricData!.map((d) => d.MetricName))).toEqual([['Good']]);
    expect(result.published).toBe(1);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]!.reason).toMatch(/^not sent: /);
    expect(result.failed[0]!.reason).toContain(problem);
  });

  it('accepts the limits themselves: 255-character names, 30 dimensions, 150 values, ±2^360', () => {
    expect(datumProblem({ ...datum('X'), MetricName: 'M'.repeat(255) })).toBeNull();
    expect(datumProblem(wide(1))).toBeNull();
    expect(
      datumProblem({ ...datum('X'), Values: Array.from({ length: 150 }, () => 1) }),
    ).toBeNull();
    expect(datumProblem({ ...datum('X'), Value: -(2 ** 360) })).toBeNull();
  });
});

describe('isRetriable', () => {
  it.each([
    [awsError('Throttling', 400), true],
    [awsError('LimitExceededException', 400), true],
    [awsError('Whatever', 502), true],
    [Object.assign(new Error('x'), { $retryable: { throttling: true } }), true],
    [Object.assign(new Error('x'), { code: 'EAI_AGAIN' }), true],
    [awsError('InvalidParameterValue', 400), false],
    [awsError('AccessDenied', 403), false],
    [awsError('UnrecognizedClientException', 400), false],
    [new Error('plain'), false],
    ['a string', false],
    [undefined, false],
  ])('classes %s as retriable: %s', (error, expected) => {
    expect(isRetriable(error)).toBe(expected);
  });
});
