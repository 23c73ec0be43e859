/**
 * Reads CloudWatch metrics with GetMetricData: the queries in calls of at most 500 (the
 * API's limit per request), each call paged through NextToken, every value placed on its
 * period (its timestamp floored to `bucketMs`). Used for AWS/Kafka by the readiness
 * check (hourly: readiness/msk-gather.ts) and by the report's per-broker traffic
 * (every minute: report/msk-brokers.ts). The client is passed in (a CloudWatchClient is
 * one), so the tests point it at moto.
 */
import { GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';

/** What a GetMetricData reader needs of a CloudWatchClient. */
export interface GetMetricDataClient {
  send(command: GetMetricDataCommand): Promise<{
    MetricDataResults?: Array<{ Id?: string; Timestamps?: Date[]; Values?: number[] }>;
    NextToken?: string;
  }>;
}

/** GetMetricData takes at most 500 queries a request (API reference, MetricDataQueries). */
export const MAX_QUERIES_PER_CALL = 500;

/**
 * Each query's values by period start (ms), keyed by query Id; a query with no data has
 * an empty map. `start` inclusive, `end` exclusive, as GetMetricData reads them.
 */
export async function getMetricData(
  client: GetMetricDataClient,
  queries: readonly MetricDataQuery[],
  start: number,
  end: number,
  bucketMs: number,
): Promise<Map<string, Map<number, number>>> {
  const out = new Map<string, Map<number, number>>();
  for (let i = 0; i < queries.length; i += MAX_QUERIES_PER_CALL) {
    let next: string | undefined;
    do {
      const answer = await client.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries.slice(i, i + MAX_QUERIES_PER_CALL),
          StartTime: new Date(start),
          EndTime: new Date(end),
          ...(next === undefined ? {} : { NextToken: next }),
        }),
      );
      for (const r of answer.MetricDataResults ?? []) {
        const series = out.get(r.Id ?? '') ?? new Map<number, number>();
        (r.Timestamps ?? []).forEach((t, k) => {
          const v = r.Values?.[k];
          if (typeof v === 'number' && Number.isFinite(v)) {
            series.set(Math.floor(new Date(t).getTime() / bucketMs) * bucketMs, v);
          }
        });
        out.set(r.Id ?? '', series);
      }
      next = answer.NextToken;
    } while (next !== undefined);
  }
  return out;
}

/**
 * One broker's AWS/Kafka metric as MSK publishes it per broker (dimensions `Cluster Name`
 * and `Broker ID`, at the DEFAULT monitoring level for BytesInPerSec, LeaderCount,
 * CpuUser and CpuSystem), one `stat` per `periodSeconds`.
 */
export function mskBrokerQuery(
  id: string,
  cluster: string,
  broker: number,
  name: string,
  periodSeconds: number,
  stat = 'Average',
): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/Kafka',
        MetricName: name,
        Dimensions: [
          { Name: 'Cluster Name', Value: cluster },
          { Name: 'Broker ID', Value: String(broker) },
        ],
      },
      Period: periodSeconds,
      Stat: stat,
    },
    ReturnData: true,
  };
}
