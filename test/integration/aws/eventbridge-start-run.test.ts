/**
 * The start-run and finish-upgrade state machines, as synthesized, executed for real
 * by moto's Step Functions (its ASL interpreter runs the intrinsic functions and the
 * `aws-sdk:s3:putObject` task): a trigger's input becomes a StartExecution of the run
 * named `<cluster>-<md5(upgradeKey)>-<attempt>` — the name functions/core/config/events.ts gives
 * the handlers — with the RunInput the contract promises; Upgrade Finished leaves its
 * marker in the run store; an input without a string cluster or upgradeKey fails by
 * name (InvalidTriggerInput), before any intrinsic function could fail on it.
 *
 * Not covered here: moto 5.2.5 fails every StartExecution made from inside a state
 * machine (`States.Runtime: 'Input'`, with either integration and either Input form), so
 * the run is not actually started and the duplicate-name path (ExecutionAlreadyExists →
 * AlreadyStarted) is checked only in the template (test/unit/infra/triggers.test.ts).
 * Needs no Kafka cluster: run with KUV_BOOTSTRAP=none.
 */
import { randomUUID } from 'node:crypto';

import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
  type DescribeExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  finishedMarkerKey,
  runId,
  upgradeHash,
  type RunInput,
  type StartRunInput,
} from '../../../functions/core/config/events.js';
import { loadVerifierConfig } from '../../../lib/config.js';
import { KafkaUpgradeVerifierStack } from '../../../lib/kafka-upgrade-verifier-stack.js';
import {
  MOTO_CLIENT_CONFIG,
  type MotoServer,
  motoServerMissing,
  startMotoServer,
} from '../../support/aws.js';
import { skipWithout } from '../requirements.js';
import { waitFor } from '../../../functions/core/wait.js';

const ROLE = 'arn:aws:iam::123456789012:role/kuv-test';
const BUCKET = 'kuv-run-store-test';

type Definition = string | { 'Fn::Join': [string, unknown[]] };

/** The synthesized definitions of start-run and finish-upgrade, by logical id prefix. */
function synthesizedDefinitions(): Record<'start' | 'finish', Definition> {
  const stack = new KafkaUpgradeVerifierStack(new App(), 'KafkaUpgradeVerifier', {
    config: loadVerifierConfig('verifier.config.json'),
  });
  const machines = Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine');
  const find = (prefix: string) =>
    Object.entries(machines).find(([id]) => id.startsWith(prefix))![1].Properties
      .DefinitionString as Definition;
  return {
    start: find('TriggersStartRunStartRunMachine'),
    finish: find('TriggersStartRunFinishUpgradeMachine'),
  };
}

/** Resolves the definition's references: the run store bucket, the partition, the run. */
function resolve(definition: Definition, runArn: string): string {
  if (typeof definition === 'string') return definition;
  return definition['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const ref = (part as { Ref?: string }).Ref ?? '';
      if (ref === 'AWS::Partition') return 'aws';
      if (ref.startsWith('RunStoreBucket')) return BUCKET;
      if (ref.startsWith('PlaceholderRun')) return runArn;
      throw new Error(`unexpected reference in the definition: ${JSON.stringify(part)}`);
    })
    .join('');
}

describe.skipIf(skipWithout(motoServerMissing))(
  `start-run and finish-upgrade in moto's Step Functions (${motoServerMissing ?? 'installed'})`,
  () => {
    let moto: MotoServer;
    let sfn: SFNClient;
    let s3: S3Client;
    let runArn: string;
    let startArn: string;
    let finishArn: string;

    beforeAll(async () => {
      moto = await startMotoServer();
      const configured = await fetch(`${moto.endpoint}/moto-api/config`, {
        method: 'POST',
        body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }),
      });
      expect(configured.ok).toBe(true);
      sfn = new SFNClient({ ...MOTO_CLIENT_CONFIG, endpoint: moto.endpoint });
      s3 = new S3Client({ ...MOTO_CLIENT_CONFIG, endpoint: moto.endpoint, forcePathStyle: true });
      await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      const create = async (name: string, definition: string) =>
        (await sfn.send(new CreateStateMachineCommand({ name, definition, roleArn: ROLE })))
          .stateMachineArn!;
      // The verification run: here a Wait, so it is still open when the same upgrade comes again.
      runArn = await create(
        'run',
        JSON.stringify({
          StartAt: 'Verify',
          States: { Verify: { Type: 'Wait', Seconds: 30, End: true } },
        }),
      );
      const definitions = synthesizedDefinitions();
      startArn = await create('start-run', resolve(definitions.start, runArn));
      finishArn = await create('finish-upgrade', resolve(definitions.finish, runArn));
    });

    afterAll(async () => {
      sfn?.destroy();
      s3?.destroy();
      await moto?.stop();
    });

    async function execute(
      stateMachineArn: string,
      input: unknown,
    ): Promise<DescribeExecutionCommandOutput> {
      const { executionArn } = await sfn.send(
        // A name of our own: moto names every unnamed execution "None", and a second one clashes.
        new StartExecutionCommand({
          stateMachineArn,
          name: randomUUID(),
          input: JSON.stringify(input),
        }),
      );
      let execution: DescribeExecutionCommandOutput | undefined;
      await waitFor(
        async () => {
          execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
          return execution.status !== 'RUNNING';
        },
        { timeoutMs: 10_000, intervalMs: 100, what: `execution ${executionArn} to end` },
      );
      return execution!;
    }

    const trigger = (upgradeKey: string, kind: 'msk-api'): StartRunInput => ({
      cluster: 'payments',
      upgradeKey,
      trigger: { kind, time: new Date().toISOString(), operationArn: upgradeKey },
    });

    /** The StartExecution start-run asked for (moto fails it, see above, but records it). */
    async function askedToStart(input: unknown) {
      const execution = await execute(startArn, input);
      const { events } = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn: execution.executionArn }),
      );
      const scheduled = (events ?? []).find((e) => e.type === 'TaskScheduled');
      expect(scheduled?.taskScheduledEventDetails?.resource).toBe('startExecution');
      return JSON.parse(scheduled!.taskScheduledEventDetails!.parameters!) as {
        Name: string;
        StateMachineArn: string;
        Input: RunInput;
      };
    }

    it('asks to start the run named <cluster>-<md5(upgradeKey)>-1 with the contract input', async () => {
      const upgradeKey = `arn:aws:kafka:eu-west-1:123456789012:cluster-operation/payments/x/${randomUUID()}`;
      const input = trigger(upgradeKey, 'msk-api');
      expect(await askedToStart(input)).toEqual({
        Name: runId('payments', upgradeKey),
        StateMachineArn: runArn,
        Input: {
          ...input,
          attempt: 1,
          upgradeHash: upgradeHash(upgradeKey),
          runId: runId('payments', upgradeKey),
          finishedMarker: { bucket: BUCKET, key: finishedMarkerKey('payments', upgradeKey) },
        },
      });
      expect(runId('payments', upgradeKey)).toMatch(/^payments-[0-9a-f]{32}-1$/);
    });

    it('names a re-run by its attempt, with the same upgrade-finished marker', async () => {
      const upgradeKey = `release-${randomUUID()}`;
      const asked = await askedToStart({ ...trigger(upgradeKey, 'msk-api'), attempt: 2 });
      expect(asked.Name).toBe(runId('payments', upgradeKey, 2));
      expect(asked.Name).not.toBe(runId('payments', upgradeKey));
      expect(asked.Input).toMatchObject({
        attempt: 2,
        runId: runId('payments', upgradeKey, 2),
        finishedMarker: { key: finishedMarkerKey('payments', upgradeKey) },
      });
    });

    it.each([
      ['zero', 0],
      ['above the highest', 100],
      ['not whole', 2.5],
      ['a string', '2'],
    ])(
      'fails start-run by name on an attempt that is %s, starting nothing',
      async (_what, attempt) => {
        const execution = await execute(startArn, {
          ...trigger(`op-${randomUUID()}`, 'msk-api'),
          attempt,
        });
        expect(execution.status).toBe('FAILED');
        const { events } = await sfn.send(
          new GetExecutionHistoryCommand({ executionArn: execution.executionArn }),
        );
        const failed = (events ?? []).find((e) => e.type === 'ExecutionFailed');
        expect(failed?.executionFailedEventDetails?.error).toBe('InvalidTriggerInput');
        expect(failed?.executionFailedEventDetails?.cause).toContain('"attempt"');
        expect((events ?? []).some((e) => e.type === 'TaskScheduled')).toBe(false);
      },
    );

    it.each([
      [
        'start-run',
        'a null upgradeKey (an MSK event without clusterOperationArn)',
        { upgradeKey: null },
      ],
      ['start-run', 'no upgradeKey', { upgradeKey: undefined }],
      ['finish-upgrade', 'a cluster that is a number', { cluster: 7 }],
    ])('fails %s by name on %s, starting nothing', async (machine, _what, change) => {
      const input = { ...trigger(`op-${randomUUID()}`, 'msk-api'), ...change };
      const execution = await execute(machine === 'start-run' ? startArn : finishArn, input);
      expect(execution.status).toBe('FAILED');
      const { events } = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn: execution.executionArn }),
      );
      const failed = (events ?? []).find((e) => e.type === 'ExecutionFailed');
      expect(failed?.executionFailedEventDetails?.error).toBe('InvalidTriggerInput');
      const field = 'cluster' in change ? 'cluster' : 'upgradeKey';
      expect(failed?.executionFailedEventDetails?.cause).toContain(`no string "${field}"`);
      expect((events ?? []).some((e) => e.type === 'TaskScheduled')).toBe(false);
    });

    it('records Upgrade Finished as the marker the run looks for', async () => {
      const upgradeKey = `release-${randomUUID()}`;
      const done = await execute(finishArn, {
        cluster: 'orders',
        upgradeKey,
        trigger: {
          kind: 'custom',
          upgradeId: upgradeKey,
          eventId: randomUUID(),
          time: new Date().toISOString(),
        },
      });
      expect(done.status, done.cause).toBe('SUCCEEDED');
      const marker = await s3.send(
        new GetObjectCommand({ Bucket: BUCKET, Key: finishedMarkerKey('orders', upgradeKey) }),
      );
      expect(JSON.parse(await marker.Body!.transformToString())).toMatchObject({
        cluster: 'orders',
        upgradeKey,
        runId: runId('orders', upgradeKey),
      });
    });
  },
);
