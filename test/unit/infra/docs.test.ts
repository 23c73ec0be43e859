/**
 * docs/aws.md stays true to the code: every configuration field, every trigger event
 * name and every catalogue metric with its runbook page are in it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  MSK_UPGRADE_EVENT_NAMES,
  UPGRADE_FINISHED,
  UPGRADE_STARTED,
} from '../../../functions/core/config/events.js';
import { METRICS } from '../../../functions/core/metrics/catalogue.js';
import { runbookPath } from '../../../lib/monitoring/runbooks.js';

const doc = readFileSync(join(import.meta.dirname, '../../../docs/aws.md'), 'utf8');

/** The table row whose first cell is `` `name` `` (prettier pads the cells). */
function row(name: string): string | undefined {
  return doc.split('\n').find((line) => line.split('|')[1]?.trim() === `\`${name}\``);
}

describe('docs/aws.md', () => {
  it.each([
    'runRetentionDays',
    'schedule',
    'clusters[].name',
    'clusters[].bootstrap',
    'clusters[].security.protocol',
    'clusters[].security.caSecretArn',
    'clusters[].security.saslSecretArn',
    'clusters[].vpc.vpcId',
    'clusters[].vpc.subnetIds',
    'clusters[].vpc.securityGroupIds',
    'clusters[].mskClusterArn',
    'clusters[].canary.topic',
    'clusters[].canary.intervalMs',
    'clusters[].canary.producer',
    'clusters[].canary.settle',
    'clusters[].canary.maxDuration',
    'clusters[].policy',
    'clusters[].windowMs',
    'clusters[].alarms',
    'clusters[].emails',
  ])('documents the configuration field %s', (field) => {
    expect(row(field)).toBeDefined();
  });

  it('names every MSK operation and custom event that starts or ends a run', () => {
    for (const name of [...MSK_UPGRADE_EVENT_NAMES, UPGRADE_STARTED, UPGRADE_FINISHED]) {
      expect(doc).toContain(name);
    }
    expect(doc).toContain('aws events put-events');
  });

  it('lists every catalogue metric, with its runbook page where it alarms', () => {
    for (const metric of METRICS) {
      const line = row(metric.name);
      expect(line, metric.name).toBeDefined();
      if (metric.alarm.wanted)
        expect(line).toContain(runbookPath(metric.name).replace('docs/', ''));
    }
  });
});
