/**
 * msk-watch with fake MSK and Step Functions clients: moto 5.2.5 serves DescribeClusterV2
 * but not ListClusterOperationsV2, and its clusters never leave ACTIVE.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { DescribeClusterV2Command, ListClusterOperationsV2Command } from '@aws-sdk/client-kafka';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';

import { mskWatch, watchedClustersFromEnv } from '../../../functions/msk-watch/handler.js';
import { decide } from '../../../functions/msk-watch/watch.js';
import { lambdaContext } from './fakes.js';

const event = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../fixtures/events/msk-watch.json'), 'utf8'),
);
const clusterArn = event.clusters[0].mskClusterArn as string;
const op = (n: number) => `${clusterArn.replace(':cluster/', ':cluster-operation/')}/op-${n}`;
const now = new Date('2026-11-26T09:00:00Z');

function fakes(state: string, operations: unknown[]) {
  const started: Array<{ arn: string; input: Record<string, unknown> }> = [];
  return {
    started,
    configured: [{ cluster: 'payments', mskClusterArn: clusterArn }],
    msk: {
      send: async (c: unknown) => {
        if (c instanceof DescribeClusterV2Command)
          return { ClusterInfo: { State: state, CurrentVersion: 'K3AEGXETSR30VB' } };
        if (c instanceof ListClusterOperationsV2Command)
          return { ClusterOperationInfoList: operations };
        throw new Error('unexpected');
      },
    } as never,
    sfn: {
      send: async (c: unknown) => {
        const s = c as StartExecutionCommand;
        started.push({ arn: s.input.stateMachineArn!, input: JSON.parse(s.input.input!) });
        return {};
      },
    } as never,
  };
}

describe('msk-watch', () => {
  it('starts a run for an operation in progress, keyed by its ARN as the CloudTrail rule keys it', async () => {
    const f = fakes('UPDATING', [
      {
        OperationArn: op(2),
        OperationState: 'UPDATE_IN_PROGRESS',
        OperationType: 'UPDATE_CLUSTER_KAFKA_VERSION',
      },
      {
        OperationArn: op(1),
        OperationState: 'UPDATE_COMPLETE',
        EndTime: new Date('2026-11-20T00:00:00Z'),
      },
    ]);
    const out = await mskWatch(event, lambdaContext(), { ...f, now: () => now });
    expect(f.started).toEqual([
      {
        arn: event.startRunStateMachineArn,
        input: {
          cluster: 'payments',
          upgradeKey: op(2),
          trigger: { kind: 'msk-watch', time: now.toISOString(), operationArn: op(2) },
        },
      },
    ]);
    expect(out[0]).toMatchObject({
      cluster: 'payments',
      state: 'UPDATING',
      started: [op(2)],
      finished: [],
    });
  });

  it('records the end of an operation that just ended, through finish-upgrade', async () => {
    const f = fakes('ACTIVE', [
      {
        OperationArn: op(2),
        OperationState: 'UPDATE_COMPLETE',
        EndTime: new Date(now.getTime() - 60_000),
      },
    ]);
    await mskWatch(event, lambdaContext(), { ...f, now: () => now });
    expect(f.started.map((s) => [s.arn, s.input.upgradeKey])).toEqual([
      [event.finishUpgradeStateMachineArn, op(2)],
    ]);
  });

  it('a cluster in MAINTENANCE with no operation listed still gets a run, and says its end is seen at maxDuration only', () => {
    const d = decide(
      {
        cluster: 'payments',
        mskClusterArn: clusterArn,
        state: 'MAINTENANCE',
        currentVersion: 'V1',
        operations: [],
      },
      now,
      60_000,
    );
    expect(d.start.map((s) => s.upgradeKey)).toEqual([`${clusterArn}#MAINTENANCE#V1`]);
    expect(d.notes[0]).toMatch(/canary\.maxDuration only/);
  });

  it('ACTIVE and nothing in progress: nothing starts', () => {
    const d = decide(
      { cluster: 'payments', mskClusterArn: clusterArn, state: 'ACTIVE', operations: [] },
      now,
      60_000,
    );
    expect(d).toEqual({ start: [], finish: [], notes: [] });
  });

  it('refuses an event without the state machine ARNs, naming the field', async () => {
    const f = fakes('ACTIVE', []);
    await expect(
      mskWatch({ ...event, startRunStateMachineArn: 'nope' }, lambdaContext(), f),
    ).rejects.toThrow(/field startRunStateMachineArn must be a state machine ARN/);
    await expect(
      mskWatch({ ...event, clusters: [{ cluster: 'payments' }] }, lambdaContext(), f),
    ).rejects.toThrow(/field clusters\[0\]\.mskClusterArn/);
  });

  it('fails only when no cluster could be read', async () => {
    const f = fakes('ACTIVE', []);
    const broken = {
      send: async () => {
        throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
      },
    } as never;
    await expect(mskWatch(event, lambdaContext(), { ...f, msk: broken })).rejects.toThrow(
      /no cluster could be read: payments: AccessDeniedException: denied/,
    );
  });

  it('refuses an event whose cluster ↔ ARN mapping is not its configuration’s, starting nothing', async () => {
    const f = fakes('UPDATING', [{ OperationArn: op(3), OperationState: 'UPDATE_IN_PROGRESS' }]);
    const orders = clusterArn.replace('/payments/', '/orders/');
    const swapped = {
      ...event,
      clusters: [{ cluster: 'payments', mskClusterArn: orders }],
    };
    const configured = [
      { cluster: 'payments', mskClusterArn: clusterArn },
      { cluster: 'orders', mskClusterArn: orders },
    ];
    await expect(mskWatch(swapped, lambdaContext(), { ...f, configured })).rejects.toThrow(
      /clusters\[0\]\.mskClusterArn is .*orders.*, but this function's configuration maps "payments" to .*payments/,
    );
    const unknown = { ...event, clusters: [{ cluster: 'billing', mskClusterArn: clusterArn }] };
    await expect(mskWatch(unknown, lambdaContext(), f)).rejects.toThrow(
      /clusters\[0\]\.cluster names "billing", which this function's configuration does not list/,
    );
    expect(f.started).toEqual([]);
  });

  it('reads its own mapping from KUV_MSK_CLUSTERS, refusing a missing or malformed one', () => {
    const mapping = [{ cluster: 'payments', mskClusterArn: clusterArn }];
    expect(watchedClustersFromEnv({ KUV_MSK_CLUSTERS: JSON.stringify(mapping) })).toEqual(mapping);
    expect(() => watchedClustersFromEnv({})).toThrow(/KUV_MSK_CLUSTERS must be a JSON list/);
    expect(() => watchedClustersFromEnv({ KUV_MSK_CLUSTERS: '[{"cluster":"x"}]' })).toThrow(
      /\[0\]\.mskClusterArn/,
    );
  });
});
