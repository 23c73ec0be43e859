/**
 * The verification state machine, as synthesized, executed for real by moto's Step
 * Functions on each path. The Lambda tasks are answered from moto's canned-response
 * queue (`lambda-simple`, no Docker): every invocation takes the next answer, in order,
 * whatever the function — so each test queues exactly the answers its path asks for. A
 * handler failure is an answer over 6 MB, which moto returns as a function error
 * (moto's lambda-simple invokes a deleted function all the same, and a malformed answer
 * is States.Runtime, which AWS never lets a Catch take).
 *
 * Needs no Kafka cluster: run with KUV_BOOTSTRAP=none.
 */
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  finishedMarkerKey,
  runId,
  upgradeHash,
  type RunInput,
} from '../../../functions/core/config/events.js';
import { loadVerifierConfig } from '../../../lib/config.js';
import { KafkaUpgradeVerifierStack } from '../../../lib/kafka-upgrade-verifier-stack.js';
import { verificationRun } from '../../../lib/run/index.js';
import {
  MOTO_CLIENT_CONFIG,
  type MotoServer,
  motoServerMissing,
  startMotoServer,
} from '../../support/aws.js';
import { skipWithout } from '../requirements.js';
import { waitFor } from '../../../functions/core/wait.js';

const ACCOUNT = '123456789012';
const REGION = MOTO_CLIENT_CONFIG.region;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/kuv-test`;

type Definition = string | { 'Fn::Join': [string, unknown[]] };

/** The run's definition and the logical ids of the functions it calls. */
function synthesizedRun(): { definition: Definition; functions: string[] } {
  const config = loadVerifierConfig('verifier.config.json');
  // No bundling: the definition is what is under test, not the code.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new KafkaUpgradeVerifierStack(app, 'KafkaUpgradeVerifier', {
    config,
    run: verificationRun(config.clusters),
  });
  const template = Template.fromStack(stack);
  const machines = template.findResources('AWS::StepFunctions::StateMachine');
  const [, run] = Object.entries(machines).find(([id]) => id.startsWith('RunStateMachine'))!;
  return {
    definition: run.Properties.DefinitionString as Definition,
    functions: Object.keys(template.findResources('AWS::Lambda::Function')),
  };
}

const functionName = (logicalId: string) => `kuv-${logicalId}`.slice(0, 64);

function resolve(definition: Definition): string {
  if (typeof definition === 'string') return definition;
  return definition['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const p = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
      if (p.Ref === 'AWS::Partition') return 'aws';
      if (p.Ref === 'AWS::Region') return REGION;
      if (p.Ref === 'AWS::AccountId') return ACCOUNT;
      if (p['Fn::GetAtt']?.[1] === 'Arn') {
        return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName(p['Fn::GetAtt'][0])}`;
      }
      throw new Error(`unexpected reference in the definition: ${JSON.stringify(part)}`);
    })
    .join('');
}

/** A raw AWS call to moto (no SDK client for IAM or Lambda here): moto reads the service from the credential scope. */
async function motoCall(endpoint: string, service: string, path: string, init: RequestInit) {
  const response = await fetch(`${endpoint}${path}`, {
    ...init,
    headers: {
      ...(init.headers as Record<string, string>),
      Authorization: `AWS4-HMAC-SHA256 Credential=testing/20261126/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${service} ${path}: HTTP ${response.status} ${text}`);
  return text;
}

function runInput(cluster: string, upgradeKey: string): RunInput {
  return {
    cluster,
    upgradeKey,
    trigger: { kind: 'manual', time: '2026-11-26T08:00:00Z' },
    upgradeHash: upgradeHash(upgradeKey),
    attempt: 1,
    runId: runId(cluster, upgradeKey),
    finishedMarker: { bucket: 'run-store', key: finishedMarkerKey(cluster, upgradeKey) },
  };
}

/** The states every run enters first. */
const opening = (cluster: string) => ['SelectCluster', `Use-${cluster}`, 'Baseline', 'CanaryPhase'];
const step = (phase: string, nextPart: number, upgradeOver = false) =>
  JSON.stringify({
    state: { phase, note: 'opaque to the state machine' },
    phase,
    nextPart,
    upgradeOver,
  });
/**
 * A canned answer moto turns into a function error (FunctionError Unhandled, errorType
 * Function.ResponseSizeTooLarge): over 6 MB. The only canned answer that is a handler
 * failure rather than a result — as a handler's thrown error is in AWS.
 */
const HANDLER_ERROR = 'x'.repeat(6_000_001);
const verdict = (cluster: string) =>
  JSON.stringify({ kind: 'verdict', cluster, runId: 'r', verdict: 'pass', reasons: [] });

describe.skipIf(skipWithout(motoServerMissing))(
  `the verification state machine in moto's Step Functions (${motoServerMissing ?? 'installed'})`,
  () => {
    let moto: MotoServer;
    let sfn: SFNClient;
    let cloudWatch: CloudWatchClient;
    let machineArn: string;
    let functions: string[];

    const queue = async (...results: string[]) => {
      const r = await fetch(`${moto.endpoint}/moto-api/static/lambda-simple/response`, {
        method: 'POST',
        body: JSON.stringify({ results, region: REGION, account_id: ACCOUNT }),
      });
      expect(r.status).toBe(201);
    };
    const createFunction = (logicalId: string) =>
      motoCall(moto.endpoint, 'lambda', '/2015-03-31/functions', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          FunctionName: functionName(logicalId),
          Runtime: 'nodejs22.x',
          Role: ROLE,
          Handler: 'index.handler',
          Code: { ZipFile: Buffer.from('not run: answers are canned').toString('base64') },
        }),
      });

    /** Runs an execution to its end; returns its status and the states it entered, in order. */
    async function execute(name: string, input: RunInput) {
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: machineArn,
          name,
          input: JSON.stringify(input),
        }),
      );
      let status = 'RUNNING';
      let described: DescribeExecutionCommandOutput | undefined;
      await waitFor(
        async () => {
          described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
          status = described.status ?? 'RUNNING';
          return status !== 'RUNNING';
        },
        { timeoutMs: 30_000, intervalMs: 100, what: `execution ${name} to end` },
      );
      const events: HistoryEvent[] = [];
      let token: string | undefined;
      do {
        const page = await sfn.send(
          new GetExecutionHistoryCommand({ executionArn, ...(token ? { nextToken: token } : {}) }),
        );
        events.push(...(page.events ?? []));
        token = page.nextToken;
      } while (token !== undefined);
      const entered = events
        .filter((e) => e.type?.endsWith('StateEntered'))
        .map((e) => e.stateEnteredEventDetails?.name);
      return { status, output: described?.output, error: described?.error, entered, events };
    }

    async function verificationFailed(cluster: string): Promise<number> {
      const stats = await cloudWatch.send(
        new GetMetricStatisticsCommand({
          Namespace: 'KafkaUpgradeVerifier',
          MetricName: 'VerificationFailed',
          Dimensions: [{ Name: 'Cluster', Value: cluster }],
          StartTime: new Date(Date.now() - 3_600_000),
          EndTime: new Date(Date.now() + 3_600_000),
          Period: 60,
          Statistics: ['Sum'],
        }),
      );
      return (stats.Datapoints ?? []).reduce((sum, d) => sum + (d.Sum ?? 0), 0);
    }

    beforeAll(async () => {
      moto = await startMotoServer();
      const configured = await fetch(`${moto.endpoint}/moto-api/config`, {
        method: 'POST',
        body: JSON.stringify({
          stepfunctions: { execute_state_machine: true },
          lambda: { use_docker: false },
        }),
      });
      expect(configured.ok).toBe(true);
      await motoCall(moto.endpoint, 'iam', '/', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          Action: 'CreateRole',
          Version: '2010-05-08',
          RoleName: 'kuv-test',
          AssumeRolePolicyDocument: '{}',
        }).toString(),
      });
      sfn = new SFNClient({ ...MOTO_CLIENT_CONFIG, endpoint: moto.endpoint });
      cloudWatch = new CloudWatchClient({ ...MOTO_CLIENT_CONFIG, endpoint: moto.endpoint });
      const synthesized = synthesizedRun();
      functions = synthesized.functions;
      for (const id of functions) await createFunction(id);
      machineArn = (
        await sfn.send(
          new CreateStateMachineCommand({
            name: 'run',
            definition: resolve(synthesized.definition),
            roleArn: ROLE,
          }),
        )
      ).stateMachineArn!;
    }, 120_000);

    afterAll(async () => {
      sfn?.destroy();
      cloudWatch?.destroy();
      await moto?.stop();
    });

    it('loops while the upgrade runs, settles, reads back, probes, verifies and notifies', async () => {
      await queue(
        step('canary', 1), // Baseline
        step('canary', 2), // upgrade still running: loop
        step('canary', 3),
        step('settle', 4, true), // the finished marker was seen
        step('verify', 5, true), // settle time over
        step('done', 6, true), // ReadBack
        step('done', 7, true), // AfterProbes
        verdict('orders'), // Verify
        '{}', // NotifyVerdict
      );
      const run = await execute('loop', runInput('orders', 'loop'));
      expect(run.status).toBe('SUCCEEDED');
      expect(run.entered).toEqual([
        ...opening('orders'),
        'CanarySlice',
        'CanaryPhase',
        'CanarySlice',
        'CanaryPhase',
        'CanarySlice',
        'CanaryPhase',
        'CanarySlice',
        'CanaryPhase',
        'ReadBack',
        'CanaryPhase',
        'AfterProbes',
        'Verify',
        'NotifyVerdict',
        'Verified',
      ]);
      const output = JSON.parse(run.output!);
      expect(output.canary).toMatchObject({ phase: 'done', nextPart: 7, upgradeOver: true });
      expect(output.verification.summary).toMatchObject({ cluster: 'orders', verdict: 'pass' });
      // Each cluster's tasks call that cluster's functions.
      expect(output.functions.canarySlice).toMatch(/function:kuv-RunClusterordersCanarySlice/);
    });

    it('an upgrade already over at the first slice goes straight to settle and verify', async () => {
      await queue(
        step('canary', 1),
        step('settle', 2, true),
        step('verify', 3, true),
        step('done', 4, true),
        step('done', 5, true),
        verdict('payments'),
        '{}',
      );
      const run = await execute('over', runInput('payments', 'over'));
      expect(run.status).toBe('SUCCEEDED');
      expect(run.entered.filter((s) => s === 'CanarySlice')).toHaveLength(2);
      expect(JSON.parse(run.output!).functions.verify).toMatch(/kuv-RunClusterpaymentsVerify/);
    });

    it('a failing canary slice publishes VerificationFailed, notifies, and fails the run', async () => {
      await queue(step('canary', 1), HANDLER_ERROR, '{}');
      const run = await execute('canary-failure', runInput('orders', 'canary-failure'));
      expect(run.status).toBe('FAILED');
      expect(run.entered).toEqual([
        ...opening('orders'),
        'CanarySlice',
        'RecordFailure',
        'NotifyFailure',
        'RunFailed',
      ]);
      expect(run.error).toBe('VerificationRunFailed');
      expect(await verificationFailed('orders')).toBe(1);
      // NotifyFailure was given the cluster, the run and the caught error.
      const notified = run.events.find(
        (e) =>
          e.type === 'TaskScheduled' &&
          /RunNotify/.test(e.taskScheduledEventDetails?.parameters ?? ''),
      );
      const payload = JSON.parse(notified!.taskScheduledEventDetails!.parameters!).Payload;
      expect(payload).toMatchObject({
        kind: 'failure',
        cluster: 'orders',
        error: { Error: 'Function.ResponseSizeTooLarge' },
      });
    });

    it('a failing verify publishes VerificationFailed too, after the canary has run to its end', async () => {
      await queue(
        step('canary', 1),
        step('verify', 2, true),
        step('done', 3, true),
        step('done', 4, true),
        HANDLER_ERROR,
        '{}',
      );
      const run = await execute('verify-failure', runInput('payments', 'verify-failure'));
      expect(run.status).toBe('FAILED');
      expect(run.entered.slice(-5)).toEqual([
        'AfterProbes',
        'Verify',
        'RecordFailure',
        'NotifyFailure',
        'RunFailed',
      ]);
      expect(await verificationFailed('payments')).toBe(1);
    });

    it('failed after-probes do not stop the verdict', async () => {
      await queue(
        step('canary', 1),
        step('verify', 2, true),
        step('done', 3, true),
        HANDLER_ERROR,
        verdict('orders'),
        '{}',
      );
      const run = await execute('probe-failure', runInput('orders', 'probe-failure'));
      expect(run.status).toBe('SUCCEEDED');
      expect(run.entered.slice(-4)).toEqual(['AfterProbes', 'Verify', 'NotifyVerdict', 'Verified']);
      expect(JSON.parse(run.output!).afterProbesError.Error).toBe('Function.ResponseSizeTooLarge');
    });

    it('a failing notify fails the run by that name, after its verdict', async () => {
      await queue(
        step('canary', 1),
        step('verify', 2, true),
        step('done', 3, true),
        step('done', 4, true),
        verdict('orders'),
        HANDLER_ERROR, // NotifyVerdict
      );
      const run = await execute('notify-failure', runInput('orders', 'notify-failure'));
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('VerdictNotNotified');
      expect(run.entered.slice(-3)).toEqual(['Verify', 'NotifyVerdict', 'VerdictNotNotified']);
    });

    it('a cluster the stack does not know fails at once, naming the problem', async () => {
      const run = await execute('unknown', runInput('billing', 'unknown'));
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('UnknownCluster');
    });
  },
);
