/**
 * The EventBridge event patterns of the triggers (docs/aws.md, "Triggers"), as plain
 * data: the rules are built from them, and the emulator test installs the synthesized
 * copies.
 */
import type * as events from 'aws-cdk-lib/aws-events';

import { EVENT_SOURCE, MSK_UPGRADE_EVENT_NAMES } from '../../functions/core/config/events.js';

/**
 * Successful calls of the broker-restarting MSK operations on one cluster, as CloudTrail
 * delivers them to EventBridge. The cluster ARN is `detail.requestParameters.clusterArn`
 * (the path parameter of these REST operations, logged under that name: see the
 * CloudTrail event example in the Amazon MSK Developer Guide,
 * https://docs.aws.amazon.com/msk/latest/developerguide/msk-data-delivery-s3-cloudtrail.html,
 * and https://docs.aws.amazon.com/msk/latest/developerguide/logging-API-using-cloudtrail.html).
 * A call that failed carries `errorCode` and started nothing.
 */
export function mskApiCallPattern(clusterArn: string): events.EventPattern {
  return {
    source: ['aws.kafka'],
    detailType: ['AWS API Call via CloudTrail'],
    detail: {
      eventSource: ['kafka.amazonaws.com'],
      eventName: [...MSK_UPGRADE_EVENT_NAMES],
      requestParameters: { clusterArn: [clusterArn] },
      errorCode: [{ exists: false }],
    },
  };
}

/** A pipeline's Upgrade Started / Upgrade Finished event for one of `clusters`. */
export function upgradeEventPattern(
  detailType: string,
  clusters: readonly string[],
): events.EventPattern {
  return {
    source: [EVENT_SOURCE],
    detailType: [detailType],
    detail: {
      cluster: [...clusters],
      // prefix '' matches any string and nothing else: upgradeKey must be a string
      upgradeId: [{ prefix: '' }],
    },
  };
}
