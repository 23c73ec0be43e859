/**
 * The verification run as the CDK app wires it into the stack (bin/app.ts): the state
 * machine with every cluster's functions, and the msk-watch function with its grants.
 */
import { Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';

import { MSK_CLUSTERS_ENV } from '../../functions/commons/environment.js';
import type { ClusterConfig } from '../../functions/core/config/verifier-config.js';
import { grantMskWatch } from '../cluster-access.js';
import type { RunFactory } from '../kafka-upgrade-verifier-stack.js';
import { VerificationRun } from './verification-run.js';

export { VerificationRun } from './verification-run.js';
export { ClusterFunctions } from './cluster-functions.js';
export { VerifierFunction, HANDLERS, type HandlerName } from './verifier-function.js';

/** The `run` prop: the verification state machine built from the stack's run store and topic. */
export function verificationRun(clusters: readonly ClusterConfig[]): RunFactory {
  return (scope, parts) =>
    new VerificationRun(scope, 'Run', {
      clusters,
      runStore: parts.runStore.bucket,
      alerts: parts.alerts,
    }).stateMachine;
}

/** The `mskWatch` prop: the poller, allowed to describe the configured MSK clusters. */
export function mskWatchFunction(
  clusters: readonly ClusterConfig[],
): (scope: Construct) => lambda.IFunction {
  return (scope) => {
    const watched = clusters.flatMap((c) =>
      c.mskClusterArn === undefined ? [] : [{ cluster: c.name, mskClusterArn: c.mskClusterArn }],
    );
    // The handler takes the cluster ↔ ARN mapping from here and refuses an event that differs.
    const fn = VerificationRun.mskWatch(scope, 'MskWatch', {
      [MSK_CLUSTERS_ENV]: JSON.stringify(watched),
    });
    grantMskWatch(fn, clusters);
    for (const cluster of clusters) {
      if (cluster.mskClusterArn === undefined) continue;
      Validations.of(fn).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${cluster.mskClusterArn.replace(':cluster/', ':cluster-operation/')}/*]`,
        reason: `DescribeClusterOperationV2 is authorized on the operation's ARN, known only at run time: operations of ${cluster.name} only.`,
      });
    }
    return fn;
  };
}
