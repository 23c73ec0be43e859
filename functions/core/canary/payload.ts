/**
 * The canary record's value: one small JSON object, so that any client (kcat
 * included) can read the canary topic and check it without this tool.
 *
 *   {"runId":"r-1a2b","producer":"canary","seq":41,"sentAt":1763900001000}
 */

export interface CanaryPayload {
  runId: string;
  producer: string;
  seq: number;
  sentAt: number;
}

export function encodePayload(payload: CanaryPayload): string {
  return JSON.stringify({
    runId: payload.runId,
    producer: payload.producer,
    seq: payload.seq,
    sentAt: payload.sentAt,
  });
}

/**
 * The payload of a canary record, or null when the value is not one (another
 * run's tool version, a record someone else wrote to the topic, garbage).
 */
export function decodePayload(value: Buffer | string | null | undefined): CanaryPayload | null {
  if (value === null || value === undefined) return null;
  let o: unknown;
  try {
    o = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof o !== 'object' || o === null) return null;
  const { runId, producer, seq, sentAt } = o as Record<string, unknown>;
  if (
    typeof runId !== 'string' ||
    typeof producer !== 'string' ||
    !Number.isSafeInteger(seq) ||
    !Number.isSafeInteger(sentAt)
  ) {
    return null;
  }
  return { runId, producer, seq: seq as number, sentAt: sentAt as number };
}

/** The payload when it belongs to run `runId`, else null. */
export function payloadOfRun(
  value: Buffer | string | null | undefined,
  runId: string,
): CanaryPayload | null {
  const payload = decodePayload(value);
  return payload !== null && payload.runId === runId ? payload : null;
}
