/** The deployment configuration's defaults (docs/aws.md, "Configuration reference"). */
import type { Policy } from './types.js';

export const DEFAULTS = {
  runRetentionDays: 90,
  schedule: '1 minute',
  canary: {
    topic: 'kuv-canary',
    intervalMs: 100,
    producer: 'canary',
    settle: '5m',
    maxDuration: '6h',
    partitions: 6,
  },
  policy: 'strict' as Policy,
  windowMs: 300_000,
} as const;
