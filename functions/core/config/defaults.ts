/** The deployment configuration's defaults (docs/aws.md, "Configuration reference"). */
import type { ProducerMode } from '../canary/state.js';
import type { Policy } from './types.js';

export const DEFAULTS = {
  runRetentionDays: 90,
  schedule: '1 minute',
  canary: {
    topic: 'kuv-canary',
    intervalMs: 100,
    producer: 'canary',
    mode: 'idempotent' as ProducerMode,
    settle: '5m',
    maxDuration: '6h',
    partitions: 6,
  },
  policy: 'strict' as Policy,
  windowMs: 300_000,
} as const;
