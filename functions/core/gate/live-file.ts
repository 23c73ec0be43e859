/**
 * The gate's reader of a live `run`'s DIR/live.jsonl (the live contract: one JSON
 * object a line, `type` anomaly | finding | status). Pure: it parses text already read.
 * It keeps only what the gate judges: hard findings and the last two status lines.
 * A last line without its newline is being written and is skipped; any other line
 * that is not the contract's shape is an error naming the line, because a gate that
 * silently ignores a finding would let a roll go on over lost records.
 */
import { InputError } from '../errors.js';
import type { LiveStatus } from '../live/types.js';

/** A hard live finding as the gate reads it (the contract's LiveFinding, the fields the gate prints). */
export interface GateFinding {
  type: 'anomaly' | 'finding';
  kind: string;
  detectedAt: number;
  at: number;
  detail: string;
  partition?: number;
  broker?: number;
}

/** A live.jsonl status line as the gate reads it (live/types.ts's LiveStatus). */
export type GateStatus = Omit<LiveStatus, 'type'>;

export interface LiveView {
  /** Hard findings (hard: true), in file order. */
  hard: GateFinding[];
  /** The newest status line, or null before the first. */
  status: GateStatus | null;
  /** The status line before it, or null. */
  previous: GateStatus | null;
}

function isTime(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

/** Parses the text of live.jsonl; `path` names the file in errors. Throws InputError for a bad line. */
export function readLiveText(text: string, path: string): LiveView {
  const view: LiveView = { hard: [], status: null, previous: null };
  const lines = text.split('\n');
  // The piece after the last newline is a line still being written (or empty).
  lines.pop();
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${path} line ${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new InputError(`${where} is not JSON: ${JSON.stringify(line.slice(0, 80))}`);
    }
    const o = value as Record<string, unknown> | null;
    if (o === null || typeof o !== 'object' || Array.isArray(o)) {
      throw new InputError(`${where} is not a JSON object`);
    }
    if (o.type === 'status') {
      const numbers = ['at', 'sent', 'acked', 'failed', 'oldestWaitingMs'] as const;
      const bad = numbers.find((k) => !isTime(o[k]));
      if (bad !== undefined || typeof o.finished !== 'boolean') {
        throw new InputError(
          `${where}: a status line needs numbers at, sent, acked, failed, oldestWaitingMs and a boolean finished` +
            `${bad === undefined ? ' (finished is missing)' : ` (${bad} is ${JSON.stringify(o[bad])})`}`,
        );
      }
      view.previous = view.status;
      view.status = {
        at: o.at as number,
        sent: o.sent as number,
        acked: o.acked as number,
        failed: o.failed as number,
        oldestWaitingMs: o.oldestWaitingMs as number,
        finished: o.finished,
      };
      return;
    }
    if (o.type === 'anomaly' || o.type === 'finding') {
      if (typeof o.hard !== 'boolean' || typeof o.kind !== 'string' || !isTime(o.detectedAt)) {
        throw new InputError(
          `${where}: a ${o.type} line needs a string kind, a boolean hard and a number detectedAt`,
        );
      }
      if (!o.hard) return;
      view.hard.push({
        type: o.type,
        kind: o.kind,
        detectedAt: o.detectedAt,
        at: isTime(o.at) ? o.at : o.detectedAt,
        detail: typeof o.detail === 'string' ? o.detail : '',
        ...(typeof o.partition === 'number' ? { partition: o.partition } : {}),
        ...(typeof o.broker === 'number' ? { broker: o.broker } : {}),
      });
      return;
    }
    throw new InputError(
      `${where}: type ${JSON.stringify(o.type)} is not anomaly, finding or status`,
    );
  });
  return view;
}
