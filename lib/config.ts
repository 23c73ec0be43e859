/**
 * The CDK app's configuration, read from CDK context (`-c key=value` or
 * cdk.json) and checked before anything is built: a bad value fails synth with
 * a message naming the key.
 */
import { InputError } from '../functions/core/errors.js';
import type { KafkaUpgradeVerifierStackProps } from './kafka-upgrade-verifier-stack.js';

export type StackConfig = Pick<
  KafkaUpgradeVerifierStackProps,
  'clusterName' | 'alertEmails' | 'runRetentionDays'
>;

const CLUSTER_NAME = /^[A-Za-z][A-Za-z0-9-]{0,62}$/;
const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;

/** Reads and checks the context keys `cluster`, `alertEmails`, `runRetentionDays`. */
export function readStackConfig(get: (key: string) => unknown): StackConfig {
  const cluster = get('cluster');
  if (typeof cluster !== 'string' || !CLUSTER_NAME.test(cluster)) {
    throw new InputError(
      `CDK context 'cluster' ${cluster === undefined ? 'is not set' : `is ${JSON.stringify(cluster)}`}: ` +
        'name the Kafka cluster this stack verifies, letters, digits and dashes, starting with a letter ' +
        '(cdk deploy -c cluster=prod).',
    );
  }
  const emailsRaw = get('alertEmails');
  let alertEmails: string[] = [];
  if (emailsRaw !== undefined) {
    const list = Array.isArray(emailsRaw)
      ? emailsRaw
      : typeof emailsRaw === 'string'
        ? emailsRaw.split(',')
        : null;
    alertEmails = (list ?? []).map((e) => String(e).trim()).filter((e) => e.length > 0);
    const bad = list === null ? [String(emailsRaw)] : alertEmails.filter((e) => !EMAIL.test(e));
    if (bad.length > 0) {
      throw new InputError(
        `CDK context 'alertEmails' has ${bad.map((b) => `'${b}'`).join(', ')}: give e-mail addresses separated by commas.`,
      );
    }
  }
  const daysRaw = get('runRetentionDays');
  let runRetentionDays = 90;
  if (daysRaw !== undefined) {
    runRetentionDays = Number(daysRaw);
    if (!Number.isInteger(runRetentionDays) || runRetentionDays < 1 || runRetentionDays > 3650) {
      throw new InputError(
        `CDK context 'runRetentionDays' is ${JSON.stringify(daysRaw)}: give whole days from 1 to 3650.`,
      );
    }
  }
  return { clusterName: cluster, alertEmails, runRetentionDays };
}
