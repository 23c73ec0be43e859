/**
 * Reads what the MSK part of the readiness check judges (msk.ts): DescribeClusterV2 for
 * the state, name and broker count, and one GetMetricData round (paged) for each
 * broker's hourly CpuUser and CpuSystem over 24 h and BytesInPerSec over 14 days
 * (namespace AWS/Kafka, dimensions `Cluster Name` and `Broker ID`, as MSK publishes
 * them at the DEFAULT monitoring level), through metrics/get-metric-data.ts.
 */
import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { DescribeClusterV2Command } from '@aws-sdk/client-kafka';

import {
  getMetricData,
  mskBrokerQuery,
  type GetMetricDataClient,
} from '../metrics/get-metric-data.js';
import type { MskFacts } from './msk.js';

export interface MskClients {
  kafka: { send(command: DescribeClusterV2Command): Promise<{ ClusterInfo?: unknown }> };
  cloudWatch: GetMetricDataClient;
}

const HOUR = 3_600_000;

const query = (id: string, cluster: string, broker: number, name: string): MetricDataQuery =>
  mskBrokerQuery(id, cluster, broker, name, 3600);

export async function gatherMsk(
  clusterArn: string,
  clients: MskClients,
  now = Date.now(),
): Promise<MskFacts> {
  const described = await clients.kafka.send(
    new DescribeClusterV2Command({ ClusterArn: clusterArn }),
  );
  const info = (described.ClusterInfo ?? {}) as {
    ClusterName?: string;
    State?: string;
    Provisioned?: { NumberOfBrokerNodes?: number };
  };
  const clusterName = info.ClusterName ?? clusterArn.split('/')[1] ?? clusterArn;
  const brokers = Array.from(
    { length: info.Provisioned?.NumberOfBrokerNodes ?? 0 },
    (_, i) => i + 1,
  );
  const end = Math.floor(now / HOUR) * HOUR;
  const cpuQueries = brokers.flatMap((b) => [
    query(`user${b}`, clusterName, b, 'CpuUser'),
    query(`system${b}`, clusterName, b, 'CpuSystem'),
  ]);
  const bytesQueries = brokers.map((b) => query(`bytes${b}`, clusterName, b, 'BytesInPerSec'));
  const cpuData = await getMetricData(clients.cloudWatch, cpuQueries, end - 24 * HOUR, end, HOUR);
  const bytesData = await getMetricData(
    clients.cloudWatch,
    bytesQueries,
    end - 14 * 24 * HOUR,
    end,
    HOUR,
  );
  const cpu = brokers.map((broker) => {
    const user = cpuData.get(`user${broker}`) ?? new Map<number, number>();
    const system = cpuData.get(`system${broker}`) ?? new Map<number, number>();
    let max: number | null = null;
    for (const [hour, u] of user) {
      const s = system.get(hour);
      if (s !== undefined) max = Math.max(max ?? -Infinity, u + s);
    }
    return { broker, maxPercent: max };
  });
  const total = new Map<number, number>();
  for (const broker of brokers) {
    for (const [hour, v] of bytesData.get(`bytes${broker}`) ?? []) {
      total.set(hour, (total.get(hour) ?? 0) + v);
    }
  }
  const bytesIn = [...total]
    .sort((a, b) => a[0] - b[0])
    .map(([at, bytesPerSecond]) => ({ at, bytesPerSecond }));
  return {
    clusterArn,
    clusterName,
    state: info.State ?? 'UNKNOWN',
    cpu,
    bytesIn,
  };
}
