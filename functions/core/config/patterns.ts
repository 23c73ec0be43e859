/** The shapes the configuration's fields must have: names, ARNs, ids, durations, schedules. */
import { readDuration } from '../duration.js';

/**
 * A cluster name's longest length: a run's execution name is the name, a dash and a
 * 32-character hash of the upgrade, and Step Functions allows 80 characters.
 */
export const MAX_CLUSTER_NAME_LENGTH = 40;
export const CLUSTER_NAME = new RegExp(`^[A-Za-z][A-Za-z0-9-]{0,${MAX_CLUSTER_NAME_LENGTH - 1}}$`);

export const SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
export const MSK_CLUSTER_ARN =
  /^arn:aws[a-z-]*:kafka:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9-]+\/[A-Za-z0-9-]+$/;
export const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
export const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
export const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8,17}$/;
export const PRODUCER = /^[A-Za-z0-9._-]{1,64}$/;
export const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;
export const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)$/;
export const SCHEDULE = /^(\d+) (minute|minutes|hour|hours)$/;

/** `90s`, `5m`, `1h30m`, `250ms`, `2d` in milliseconds; null when `text` is not one (functions/core/duration.ts). */
export const parseDuration = (text: string): number | null => readDuration(text);

/** `1 minute`, `5 minutes`, `1 hour` in minutes; `off` is null; undefined when neither. */
export function parseSchedule(text: string): number | null | undefined {
  if (text === 'off') return null;
  const match = SCHEDULE.exec(text);
  if (match === null) return undefined;
  const n = Number(match[1]);
  const minutes = match[2]?.startsWith('hour') ? n * 60 : n;
  const singular = n === 1;
  if (n < 1 || singular !== !match[2]?.endsWith('s')) return undefined;
  return minutes;
}
