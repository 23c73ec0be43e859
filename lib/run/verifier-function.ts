/**
 * The one way a kafka-upgrade-verifier Lambda is built: a NodejsFunction with the
 * runtime, architecture, bundling and log group fixed, so every handler ships alike.
 *
 * - nodejs22.x: the Lambda Node.js runtime the project targets (docs/aws.md); the
 *   handlers run on Node 20 locally and use nothing newer.
 * - ARM64 (Graviton): about 20 % less per GB-second than x86_64 for the same work, and
 *   every dependency (kafkajs, middy, the AWS SDK) is plain JavaScript, with no native
 *   module that would need an x86 build.
 * - ESM output with a `require` shim in the banner (kafkajs is CommonJS and requires
 *   Node built-ins), minified keeping names (errors are named in logs and mails), source maps (NODE_OPTIONS=--enable-source-maps, so
 *   stack traces name the TypeScript lines), the AWS SDK v3 left to the runtime's copy.
 * - esbuild from npm, never Docker (`forceDockerBundling: false`), so `cdk synth`
 *   works offline on a machine without Docker.
 * - its own log group, kept three months, removed with the stack.
 */
import { existsSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';

import { CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

import type { ClusterNetwork } from '../cluster-access.js';
import { SUBNETS_ENV } from '../../functions/commons/aws-clients/reach.js';

/** The handlers, each `functions/<name>/handler.ts`. */
export const HANDLERS = [
  'baseline',
  'canary-slice',
  'reachability',
  'verify',
  'notify',
  'msk-watch',
] as const;
export type HandlerName = (typeof HANDLERS)[number];

/** The project root: the folder holding package.json, from lib/ or dist/lib/. */
export function projectRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package-lock.json')) && existsSync(join(dir, 'functions')))
      return dir;
    const up = dirname(dir);
    if (up === dir)
      throw new Error(`no project root (package-lock.json and functions/) above ${from}`);
    dir = up;
  }
}

export interface VerifierFunctionProps {
  /** Which handler: `functions/<handler>/handler.ts`. */
  readonly handler: HandlerName;
  readonly description: string;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default 1 minute */
  readonly timeout?: Duration;
  /** @default none */
  readonly environment?: Record<string, string>;
  /**
   * The cluster's VPC, subnets and security groups, for handlers that reach Kafka.
   * @default not in a VPC (the handler calls AWS APIs only)
   */
  readonly network?: ClusterNetwork;
  /** @default three months */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Files the handler reads at run time, copied into the bundle at the same path
   * relative to the project (e.g. uPlot's browser files for the HTML report).
   * @default none
   */
  readonly bundledFiles?: readonly string[];
}

function subnetIds(network: ClusterNetwork): string {
  return (network.vpcSubnets.subnets ?? []).map((subnet) => subnet.subnetId).join(',');
}

export class VerifierFunction extends nodejs.NodejsFunction {
  readonly logGroupOfFunction: logs.LogGroup;

  constructor(scope: Construct, id: string, props: VerifierFunctionProps) {
    const root = projectRoot();
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    super(scope, id, {
      entry: join(root, 'functions', props.handler, 'handler.ts'),
      handler: 'handler',
      projectRoot: root,
      depsLockFilePath: join(root, 'package-lock.json'),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.minutes(1),
      logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
        // Named in the error when an AWS API does not answer from these subnets.
        ...(props.network === undefined ? {} : { [SUBNETS_ENV]: subnetIds(props.network) }),
      },
      ...(props.network === undefined
        ? {}
        : {
            vpc: props.network.vpc,
            vpcSubnets: props.network.vpcSubnets,
            securityGroups: props.network.securityGroups,
          }),
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        minify: true,
        // Class names survive minifying: an error's name (InputError, …) is what the
        // logs, the Step Functions failure and the alert mail show.
        keepNames: true,
        sourceMap: true,
        sourcesContent: false,
        // The AWS SDK is bundled, at the version package-lock.json pins and the tests run
        // against, not taken from the runtime: the runtime's copy changes under the
        // function without a deploy, and SDK releases change wire protocols (CloudWatch
        // moved from the query protocol to JSON in 3.949). Each handler bundles only the
        // clients it imports (functions/commons/aws-clients/).
        externalModules: [],
        forceDockerBundling: false,
        banner:
          "import { createRequire as kuvCreateRequire } from 'node:module'; const require = kuvCreateRequire(import.meta.url);",
        ...(props.bundledFiles === undefined || props.bundledFiles.length === 0
          ? {}
          : { commandHooks: copyIntoBundle(props.bundledFiles) }),
      },
    });
    this.logGroupOfFunction = logGroup;
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x is the runtime the handlers are built and tested for (Node 20 locally, @middy/core 6); nodejs24.x follows once the project tests on Node 24.',
    });
  }

  /** The cdk-nag finding id of `lambda:InvokeFunction` on this function's versions (`ARN:*`). */
  get invokeVersionsFindingId(): string {
    const cfn = this.node.defaultChild;
    const logicalId = cfn instanceof CfnElement ? Stack.of(this).getLogicalId(cfn) : this.node.id;
    return `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`;
  }
}

/** Bundling hooks that copy project files into the bundle, keeping their relative paths. */
function copyIntoBundle(files: readonly string[]): nodejs.ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir, outputDir) =>
      files.map(
        (file) =>
          `mkdir -p "${outputDir}/${posix.dirname(file)}" && cp "${inputDir}/${file}" "${outputDir}/${file}"`,
      ),
  };
}
