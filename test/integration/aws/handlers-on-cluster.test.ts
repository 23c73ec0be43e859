/**
 * The handlers, in process, as Step Functions would call them — baseline, a few short
 * canary slices (the state through JSON each time), the finished marker, settle, the
 * read-back, the after-probes, verify, notify — against the local three-broker cluster
 * (global setup) and moto (S3, CloudWatch, SNS → SQS). Checks the history parts and
 * the report in moto's S3, the metrics read back from moto's CloudWatch, and the
 * readable verdict arriving in an SQS queue subscribed to the alert topic. Prints how
 * long each handler took (the cost model in docs/aws.md is built from these).
 */
import {
  CloudWatchClient,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { handler as baseline } from '../../../functions/baseline/handler.js';
import { handler as canarySlice } from '../../../functions/canary-slice/handler.js';
import type { CanaryStep } from '../../../functions/commons/events.js';
import type { VerdictSummary } from '../../../functions/commons/verdict.js';
import type { RunInput } from '../../../functions/core/config/events.js';
import type { RunReport } from '../../../functions/core/run/judge.js';
import { handler as notify } from '../../../functions/notify/handler.js';
import { handler as reachability } from '../../../functions/reachability/handler.js';
import { handler as verify } from '../../../functions/verify/handler.js';
import { KafkaClient } from '@aws-sdk/client-kafka';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { Template } from 'aws-cdk-lib/assertions';

import { parseVerifierConfig } from '../../../functions/core/config/verifier-config.js';
import { authorizedCalls, recordAwsCalls } from '../../support/aws-calls.js';
import { describeDecision, TemplatePolicies } from '../../support/iam.js';
import { kafkaCalls, recordKafkaRequests } from '../../support/kafka-iam.js';
import { clusterFilterPolicy } from '../../../lib/alerts.js';
import { buildAppStack } from '../../support/stack.js';
import {
  MOTO_CLIENT_CONFIG,
  type MotoServer,
  motoServerMissing,
  startMotoServer,
} from '../../support/aws.js';
import { testCluster } from '../../support/cluster.js';
import { secureRandom } from '../../support/kafka.js';
import { invokeInProcess, manualRunInput, shortCanaryClusterConfig } from '../../support/lambda.js';
import { killBroker, restartBroker, stderrLog } from '../../../rehearsal/index.js';
import type { LiveFinding } from '../../../functions/core/live/types.js';
import { skipWithout } from '../requirements.js';
import { sleep } from '../../../functions/core/wait.js';

const BUCKET = 'kuv-run-store-it';
const STATE_MACHINE_ARN = `arn:aws:states:${MOTO_CLIENT_CONFIG.region}:123456789012:stateMachine:KafkaUpgradeVerifier-Run`;
const SLICE_MS = 3000;

const kafkaMissing =
  process.env.KUV_BOOTSTRAP === 'none' ? 'KUV_BOOTSTRAP=none: no Kafka cluster' : null;

describe.skipIf(skipWithout(motoServerMissing) || kafkaMissing !== null)(
  `the handlers on the local cluster with moto (${motoServerMissing ?? kafkaMissing ?? 'ready'})`,
  () => {
    let moto: MotoServer;
    let s3: S3Client;
    let cloudWatch: CloudWatchClient;
    let sqs: SQSClient;
    let queueUrl: string;
    let finishedQueueUrl: string;
    const saved = { ...process.env };
    const cluster = `it-${secureRandom(3)}`;
    const upgradeKey = `it-upgrade-${secureRandom()}`;
    const run = manualRunInput(cluster, BUCKET, upgradeKey);
    const durations: Record<string, number[]> = {};
    // Every AWS SDK call and Kafka request a handler makes, for the IAM contract below.
    const aws = recordAwsCalls([
      S3Client,
      CloudWatchClient,
      SNSClient,
      SQSClient,
      SecretsManagerClient,
      SFNClient,
      KafkaClient,
      EventBridgeClient,
    ]);
    const kafkaRequests = recordKafkaRequests(() => aws.caller.current);
    let topicArn = '';
    let canaryTopic = '';

    /** Calls a middy handler as Lambda would: the event through JSON, timed, its calls recorded. */
    async function call<T>(
      name: string,
      fn: (e: unknown, c: Context) => Promise<T>,
      event: unknown,
    ): Promise<T> {
      const began = Date.now();
      aws.caller.current = name;
      try {
        const result = await invokeInProcess(name, fn, event);
        (durations[name] ??= []).push(Date.now() - began);
        return result;
      } finally {
        aws.caller.current = undefined;
      }
    }

    /** The run of another upgrade of the same cluster (its own runId, marker and groups). */
    function runOfUpgrade(prefix: string): RunInput {
      return manualRunInput(cluster, BUCKET, `${prefix}-${secureRandom()}`);
    }

    /** An SQS queue that a rule on this cluster's events of `detailType` delivers to. */
    async function queueForEvents(rule: string, detailType: string): Promise<string> {
      const url = (await sqs.send(new CreateQueueCommand({ QueueName: `kuv-${rule}` }))).QueueUrl!;
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
      );
      const bus = new EventBridgeClient({ ...MOTO_CLIENT_CONFIG, endpoint: moto.endpoint });
      try {
        await bus.send(
          new PutRuleCommand({
            Name: rule,
            EventPattern: JSON.stringify({
              source: ['kafka-upgrade-verifier'],
              'detail-type': [detailType],
              detail: { cluster: [cluster] },
            }),
          }),
        );
        await bus.send(
          new PutTargetsCommand({ Rule: rule, Targets: [{ Id: 'q', Arn: Attributes!.QueueArn! }] }),
        );
      } finally {
        bus.destroy();
      }
      return url;
    }

    beforeAll(async () => {
      moto = await startMotoServer();
      const aws = { ...MOTO_CLIENT_CONFIG, endpoint: moto.endpoint };
      s3 = new S3Client({ ...aws, forcePathStyle: true });
      cloudWatch = new CloudWatchClient(aws);
      sqs = new SQSClient(aws);
      const sns = new SNSClient(aws);
      await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'kuv-alerts' }));
      queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'kuv-inbox' }))).QueueUrl!;
      // A pipeline's rule on this cluster's Verification Finished (docs/events.md).
      finishedQueueUrl = await queueForEvents('verification-finished', 'Verification Finished');
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
      );
      // Subscribed as an e-mail address of this cluster is: filtered on the attributes.
      await sns.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: 'sqs',
          Endpoint: Attributes!.QueueArn,
          Attributes: {
            FilterPolicyScope: 'MessageAttributes',
            FilterPolicy: JSON.stringify(clusterFilterPolicy([cluster])),
          },
        }),
      );
      sns.destroy();
      topicArn = TopicArn!;
      canaryTopic = `kuv-canary-${secureRandom(4)}`;
      const kafka = testCluster();
      Object.assign(process.env, {
        ...moto.env,
        KUV_RUN_BUCKET: BUCKET,
        KUV_ALERT_TOPIC_ARN: TopicArn,
        KUV_RUN_STATE_MACHINE_ARN: STATE_MACHINE_ARN,
        KUV_ALARM_PREFIX: 'KafkaUpgradeVerifier',
        KUV_SLICE_MS: String(SLICE_MS),
        ...(kafka.dnsServer === null ? {} : { KUV_DNS_SERVER: kafka.dnsServer }),
        KUV_CLUSTER_CONFIG: shortCanaryClusterConfig({
          name: cluster,
          bootstrap: kafka.bootstrap,
          security: { protocol: 'plaintext' },
          topic: canaryTopic,
        }),
      });
    });

    afterAll(async () => {
      aws.stop();
      kafkaRequests.stop();
      process.env = saved;
      s3?.destroy();
      cloudWatch?.destroy();
      sqs?.destroy();
      await moto?.stop();
      process.stderr.write(`handler durations (ms): ${JSON.stringify(durations)}\n`);
    });

    it('baseline → slices → marker → settle → read-back → after-probes → verify → notify', async () => {
      let step = await call<CanaryStep>('baseline', baseline, run);
      expect(step).toMatchObject({ phase: 'canary', nextPart: 1, upgradeOver: false });
      // The configuration's canary.mode (default idempotent) decides the producer.
      expect(step.state.mode).toBe('idempotent');
      for (let i = 0; i < 2; i += 1) {
        step = await call<CanaryStep>('canary-slice', canarySlice, { ...run, canary: step });
        expect(step.phase).toBe('canary');
      }
      expect(step.state.counters.acked).toBeGreaterThan(0);
      // The upgrade is over: finish-upgrade writes the marker; the next slice settles.
      await s3.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: run.finishedMarker.key, Body: '{}' }),
      );
      step = await call<CanaryStep>('canary-slice', canarySlice, { ...run, canary: step });
      expect(step.upgradeOver).toBe(true);
      for (let i = 0; i < 5 && step.phase !== 'verify'; i += 1) {
        step = await call<CanaryStep>('canary-slice', canarySlice, { ...run, canary: step });
      }
      expect(step.phase).toBe('verify');
      step = await call<CanaryStep>('read-back', canarySlice, { ...run, canary: step });
      expect(step.phase).toBe('done');
      expect(step.state.counters.logged).toBe(step.state.counters.acked);
      const probed = await call<CanaryStep & { probes: number }>('reachability', reachability, {
        ...run,
        canary: step,
      });
      expect(probed.probes).toBeGreaterThanOrEqual(4);

      const listed = await s3.send(
        new ListObjectsV2Command({
          Bucket: BUCKET,
          Prefix: `runs/${cluster}/${run.runId}/history/`,
        }),
      );
      // Each part key carries the attempt token of the invocation that wrote it; a
      // running slice writes a part at least every 30 s, so numbers are in order, unique.
      const names = listed.Contents?.map((o) => o.Key!.split('/').pop()!) ?? [];
      expect(names.map((n) => /^part-(\d{4})-[0-9a-z]+\.jsonl\.gz$/.exec(n)?.[1])).toEqual(
        Array.from({ length: probed.nextPart }, (_, i) => String(i).padStart(4, '0')),
      );

      const summary = await call<VerdictSummary>('verify', verify, run);
      expect(summary).toMatchObject({ kind: 'verdict', cluster, runId: run.runId });
      expect(['pass', 'warn']).toContain(summary.verdict);
      expect(summary.metrics.failed).toEqual([]);
      // verify told the run's end on the default bus, as docs/events.md says.
      const finished = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: finishedQueueUrl,
          WaitTimeSeconds: 5,
          MaxNumberOfMessages: 10,
        }),
      );
      expect(finished.Messages).toHaveLength(1);
      const event = JSON.parse(finished.Messages![0]!.Body!) as {
        'detail-type': string;
        detail: Record<string, unknown>;
      };
      expect(event['detail-type']).toBe('Verification Finished');
      expect(event.detail).toMatchObject({
        version: 1,
        cluster,
        runId: run.runId,
        verdict: summary.verdict,
        location: {
          report: `s3://${BUCKET}/${summary.report.reportKey}`,
          summary: `s3://${BUCKET}/${summary.report.summaryKey}`,
          html: `s3://${BUCKET}/${summary.report.htmlKey}`,
        },
      });
      const report = JSON.parse(
        await (
          await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: summary.report.reportKey }))
        ).Body!.transformToString(),
      ) as RunReport;
      expect(report.totals.produced).toBe(step.state.counters.sent);
      expect(report.totals.lost).toBe(0);
      expect(report.policy).toBe('tolerant');
      expect(report.reachability).not.toBeNull();
      const text = await (
        await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: summary.report.summaryKey }))
      ).Body!.transformToString();
      expect(text).toContain(`run ${run.runId} on ${cluster}`);
      // The baseline ran the readiness check (no topic list: brokers, groups, addresses);
      // verify's three files carry it.
      expect(report.readiness?.checked).toMatch(/^3 broker\(s\), 0 topic\(s\)/);
      expect(report.readiness?.problems).toEqual([]);
      expect(text).toMatch(/^READINESS (ready|NOT READY) at /);
      const page = await s3.send(
        new GetObjectCommand({ Bucket: BUCKET, Key: summary.report.htmlKey }),
      );
      expect(page.ContentType).toBe('text/html; charset=utf-8');
      const html = await page.Body!.transformToString();
      expect(html).toMatch(/^<!doctype html>/i);
      expect(html).toContain(run.runId);
      expect(html).toContain('<section id="readiness" data-checked="true"');

      const metric = async (name: string) => {
        const stats = await cloudWatch.send(
          new GetMetricStatisticsCommand({
            Namespace: 'KafkaUpgradeVerifier',
            MetricName: name,
            Dimensions: [{ Name: 'Cluster', Value: cluster }],
            StartTime: new Date(Date.now() - 3_600_000),
            EndTime: new Date(Date.now() + 3_600_000),
            Period: 60,
            Statistics: ['Maximum'],
          }),
        );
        // The largest of the periods' Maximum, as the alarms read it: the slices' live
        // data points (the run's figures so far) sit beside the final one.
        const maxima = (stats.Datapoints ?? []).flatMap((d) =>
          d.Maximum === undefined ? [] : [d.Maximum],
        );
        return maxima.length === 0 ? undefined : Math.max(...maxima);
      };
      expect(await metric('ProducedMessages')).toBe(report.totals.produced);
      expect(await metric('LostMessages')).toBe(0);
      expect(await metric('VerificationFailed')).toBe(0);
      expect(await metric('UnreachableBrokers')).toBe(0);

      await call('notify', notify, summary);
      const received = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          WaitTimeSeconds: 5,
          MaxNumberOfMessages: 1,
        }),
      );
      const envelope = JSON.parse(received.Messages![0]!.Body!) as {
        Subject: string;
        Message: string;
        MessageAttributes: Record<string, { Value: string }>;
      };
      expect(envelope.MessageAttributes.cluster?.Value).toBe(cluster);
      expect(envelope.MessageAttributes.kind?.Value).toBe('verdict');
      expect(envelope.Subject).toMatch(
        new RegExp(`^\\[${summary.verdict}\\] Kafka upgrade verification of ${cluster}`),
      );
      // Text a person reads, with links that open the report and the run in the console.
      const mail = envelope.Message;
      expect(mail).not.toMatch(/[{}]/);
      expect(mail).not.toContain('s3://');
      expect(mail).toContain(`Run:     ${run.runId}`);
      const links = [...mail.matchAll(/https:\/\/\S+/g)].map((m) => new URL(m[0]));
      const region = MOTO_CLIENT_CONFIG.region;
      expect(links.map((u) => u.hostname)).toEqual(
        links.map(() => `${region}.console.aws.amazon.com`),
      );
      expect(
        links.some(
          (u) =>
            u.pathname === `/s3/object/${BUCKET}` &&
            u.searchParams.get('prefix') === summary.report.htmlKey,
        ),
      ).toBe(true);
      expect(links.map((u) => u.hash)).toContain(
        `#/v2/executions/details/${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${run.runId}`,
      );
    });

    it.runIf(testCluster().statePath !== null)(
      "a slice tells the run's first hard live finding as one Verification Anomaly on the default bus (broker 3 killed mid-slice)",
      async () => {
        // A pipeline's rule that stops a roll (docs/events.md, "Verification Anomaly").
        const anomalyQueueUrl = await queueForEvents(
          'verification-anomaly',
          'Verification Anomaly',
        );
        const anomalyRun = runOfUpgrade('it-anomaly');
        const first = await call<CanaryStep>('baseline', baseline, anomalyRun);
        const statePath = testCluster().statePath!;
        process.env.KUV_SLICE_MS = '35000';
        let step: CanaryStep;
        try {
          const slice = call<CanaryStep>('canary-slice', canarySlice, {
            ...anomalyRun,
            canary: first,
          });
          await sleep(5000);
          await killBroker(statePath, 3, { log: stderrLog });
          try {
            // Down for two of the prober's 10 s rounds, back before the slice ends.
            await sleep(15_000);
          } finally {
            await restartBroker(statePath, 3, { log: stderrLog });
          }
          step = await slice;
        } finally {
          process.env.KUV_SLICE_MS = String(SLICE_MS);
        }
        expect(step.anomalySent).toBe(true);
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: anomalyQueueUrl,
            WaitTimeSeconds: 5,
            MaxNumberOfMessages: 10,
          }),
        );
        expect(received.Messages ?? []).toHaveLength(1);
        const event = JSON.parse(received.Messages![0]!.Body!) as {
          'detail-type': string;
          detail: { version: number; cluster: string; runId: string; finding: LiveFinding };
        };
        expect(event['detail-type']).toBe('Verification Anomaly');
        expect(event.detail).toMatchObject({ version: 1, cluster, runId: anomalyRun.runId });
        expect(event.detail.finding.hard).toBe(true);
        expect(event.detail.finding.detectedAt).toBeGreaterThanOrEqual(event.detail.finding.at);
        process.stderr.write(
          `Verification Anomaly: ${event.detail.finding.kind} (${event.detail.finding.detail}), ` +
            `seen ${event.detail.finding.detectedAt - event.detail.finding.at} ms after its time\n`,
        );
      },
      240_000,
    );

    it('every AWS call and Kafka request the handlers made is allowed by the synthesized template (MSK IAM)', async () => {
      // The same cluster deployed on Amazon MSK with IAM: the template's grants must
      // cover each call recorded above, evaluated by a real IAM policy evaluator.
      const mskArn = `arn:aws:kafka:${MOTO_CLIENT_CONFIG.region}:123456789012:cluster/${cluster}/6357e0b2-0e6a-4b86-a0b4-70df934c2e31-5`;
      const config = parseVerifierConfig(
        {
          clusters: [
            {
              name: cluster,
              bootstrap: 'b-1.example.com:9098',
              security: { protocol: 'msk-iam' },
              mskClusterArn: mskArn,
              vpc: {
                vpcId: 'vpc-0a1b2c3d4e5f60718',
                subnetIds: ['subnet-0a1b2c3d4e5f60711'],
                securityGroupIds: ['sg-0a1b2c3d4e5f60719'],
              },
              canary: { topic: canaryTopic },
              emails: ['oncall@example.com'],
            },
          ],
        },
        'iam-contract.json',
      );
      const template = Template.fromStack(buildAppStack(config).stack).toJSON() as {
        Resources: Record<string, { Type: string }>;
      };
      const idOf = (type: string) =>
        Object.keys(template.Resources).find((id) => template.Resources[id]!.Type === type)!;
      const policies = new TemplatePolicies(template, '123456789012', MOTO_CLIENT_CONFIG.region, {
        [idOf('AWS::S3::Bucket')]: { ref: BUCKET, arn: `arn:aws:s3:::${BUCKET}` },
        [idOf('AWS::SNS::Topic')]: { ref: topicArn, arn: topicArn },
      });
      const alertKey = policies.nameOf(idOf('AWS::KMS::Key')).arn;
      const alnum = cluster.replace(/[^A-Za-z0-9]/g, '');
      const roleOf: Record<string, string> = {};
      for (const [caller, prefix] of [
        ['baseline', `RunCluster${alnum}Baseline`],
        ['canary-slice', `RunCluster${alnum}CanarySlice`],
        ['read-back', `RunCluster${alnum}CanarySlice`],
        ['reachability', `RunCluster${alnum}Reachability`],
        ['verify', `RunCluster${alnum}Verify`],
        ['notify', 'RunNotify'],
      ] as const) {
        const [fn] = policies.ids('AWS::Lambda::Function', prefix);
        expect(fn, `no function ${prefix}… in the template`).toBeDefined();
        roleOf[caller] = policies.roleOfFunction(fn!);
      }
      const calls = [
        ...aws.calls.flatMap((c) =>
          authorizedCalls(c, {
            topicKey: (t) => (t === topicArn ? alertKey : undefined),
            eventBus: (name) =>
              `arn:aws:events:${MOTO_CLIENT_CONFIG.region}:123456789012:event-bus/${name}`,
          }),
        ),
        ...kafkaRequests.requests.flatMap((r) => kafkaCalls(mskArn, r)),
      ];
      // Every handler was recorded, and the calls that broke real runs are among them.
      expect(new Set(aws.calls.map((c) => c.caller))).toEqual(new Set(Object.keys(roleOf)));
      expect(calls.map((c) => `${c.caller} ${c.action}`)).toEqual(
        expect.arrayContaining([
          'canary-slice s3:ListBucket',
          'read-back kafka-cluster:DeleteGroup',
          'notify sns:Publish',
          'verify cloudwatch:PutMetricData',
        ]),
      );
      const unique = [...new Map(calls.map((c) => [JSON.stringify(c), c])).values()];
      const denied: string[] = [];
      for (const c of unique) {
        const decision = await policies.evaluate(c, { role: roleOf[c.caller]! });
        if (decision.result !== 'Allowed') denied.push(describeDecision(decision));
      }
      process.stderr.write(
        `IAM contract: ${unique.length} distinct calls (${aws.calls.length} SDK calls, ${kafkaRequests.requests.length} Kafka requests) evaluated\n`,
      );
      expect(denied).toEqual([]);
    });

    it('a ~70 s canary slice publishes its live metrics to CloudWatch at least every 30 s while it runs', async () => {
      const liveRun = runOfUpgrade('it-live');
      const first = await call<CanaryStep>('baseline', baseline, liveRun);
      const began = new Date();
      /** The live ProducedMessages data points since the slice began, read back from moto. */
      const livePoints = async () => {
        const data = await cloudWatch.send(
          new GetMetricDataCommand({
            StartTime: new Date(began.getTime() - 1000),
            EndTime: new Date(Date.now() + 60_000),
            MetricDataQueries: [
              {
                Id: 'produced',
                MetricStat: {
                  Metric: {
                    Namespace: 'KafkaUpgradeVerifier',
                    MetricName: 'ProducedMessages',
                    Dimensions: [{ Name: 'Cluster', Value: cluster }],
                  },
                  Period: 1,
                  Stat: 'Maximum',
                },
              },
            ],
          }),
        );
        return data.MetricDataResults?.[0]?.Values ?? [];
      };
      process.env.KUV_SLICE_MS = '70000';
      let sliceEnded = false;
      let pointsBeforeEnd: number[] = [];
      try {
        const slice = call<CanaryStep>('canary-slice', canarySlice, {
          ...liveRun,
          canary: first,
        }).finally(() => {
          sliceEnded = true;
        });
        // Read while the slice runs: what an alarm could see before the slice's end.
        while (!sliceEnded) {
          await sleep(2000);
          if (!sliceEnded) pointsBeforeEnd = await livePoints();
        }
        const step = await slice;
        expect(step.phase).toBe('canary');
        expect(pointsBeforeEnd.length).toBeGreaterThanOrEqual(2);
        expect(pointsBeforeEnd.every((v) => v > 0 && v <= step.state.counters.sent)).toBe(true);
        // The slice's last datum is its final count so far.
        const all = await livePoints();
        expect(Math.max(...all)).toBe(step.state.counters.sent);
        const listed = await cloudWatch.send(
          new ListMetricsCommand({
            Namespace: 'KafkaUpgradeVerifier',
            Dimensions: [{ Name: 'Cluster', Value: cluster }],
          }),
        );
        expect(listed.Metrics?.map((m) => m.MetricName)).toEqual(
          expect.arrayContaining(['ProducedMessages', 'ProduceErrors', 'LongestProduceStallMs']),
        );
      } finally {
        process.env.KUV_SLICE_MS = String(SLICE_MS);
      }
    }, 240_000);
  },
);
