/**
 * The Kafka ApiVersions request, version 0, written by hand: the smallest question
 * every Kafka broker since 0.10 answers (Kafka 4's KIP-896 kept ApiVersions v0), so a
 * probe can tell "a Kafka broker answers here" without a client library.
 *
 * Request: size INT32, api_key INT16 (18), api_version INT16 (0), correlation_id INT32,
 * client_id NULLABLE_STRING (INT16 length + bytes), empty body.
 * Response: size INT32, correlation_id INT32, error_code INT16, api_keys ARRAY (INT32 count,
 * then api_key, min_version, max_version INT16 each). A broker that does not support v0
 * still answers in the v0 layout with error 35 (UNSUPPORTED_VERSION).
 */
export const API_VERSIONS_KEY = 18;

/** A response larger than this is not an ApiVersions answer. */
export const MAX_RESPONSE_BYTES = 1 << 20;

export function encodeApiVersionsRequest(correlationId: number, clientId: string): Buffer {
  const client = Buffer.from(clientId, 'utf8');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + client.length);
  body.writeInt16BE(API_VERSIONS_KEY, 0);
  body.writeInt16BE(0, 2);
  body.writeInt32BE(correlationId, 4);
  body.writeInt16BE(client.length, 8);
  client.copy(body, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

export type ApiVersionsAnswer = { ok: true; apiKeys: number } | { ok: false; error: string };

/** Kafka error codes a probe may meet, by name; others are reported by number. */
const KAFKA_ERRORS: Record<number, string> = {
  35: 'UNSUPPORTED_VERSION',
  [-1]: 'UNKNOWN_SERVER_ERROR',
};

/**
 * Reads one response payload (the bytes after the size field). Checks the
 * correlation id, the error code and that the api_keys array fits the payload.
 */
export function parseApiVersionsResponse(
  payload: Buffer,
  expectedCorrelationId: number,
): ApiVersionsAnswer {
  if (payload.length < 10) {
    return { ok: false, error: `EPROTO: response of ${payload.length} bytes is too short` };
  }
  const correlationId = payload.readInt32BE(0);
  if (correlationId !== expectedCorrelationId) {
    return {
      ok: false,
      error: `EPROTO: correlation id ${correlationId}, expected ${expectedCorrelationId}`,
    };
  }
  const errorCode = payload.readInt16BE(4);
  if (errorCode !== 0) {
    return {
      ok: false,
      error: `KAFKA_ERROR ${errorCode}${KAFKA_ERRORS[errorCode] === undefined ? '' : ` ${KAFKA_ERRORS[errorCode]}`}`,
    };
  }
  const count = payload.readInt32BE(6);
  if (count < 0 || 10 + count * 6 > payload.length) {
    return { ok: false, error: `EPROTO: api_keys count ${count} does not fit the response` };
  }
  return { ok: true, apiKeys: count };
}

/** ConsumerGroupHeartbeat: listed by brokers that serve the KIP-848 consumer group protocol. */
export const CONSUMER_GROUP_HEARTBEAT_KEY = 68;

/** The api keys a payload that parseApiVersionsResponse accepted lists, in its order. */
export function apiKeysOf(payload: Buffer): number[] {
  const count = payload.readInt32BE(6);
  return Array.from({ length: count }, (_, i) => payload.readInt16BE(10 + i * 6));
}

/**
 * Collects socket data into one size-prefixed frame. `push` returns the payload once
 * it is complete, an error string when the size is impossible, else null.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private length = 0;

  push(chunk: Buffer): Buffer | string | null {
    this.chunks.push(chunk);
    this.length += chunk.length;
    if (this.length < 4) return null;
    const all = Buffer.concat(this.chunks, this.length);
    this.chunks = [all];
    const size = all.readInt32BE(0);
    if (size < 0 || size > MAX_RESPONSE_BYTES) {
      return `EPROTO: response size ${size} is not a Kafka ApiVersions answer`;
    }
    if (this.length < 4 + size) return null;
    return all.subarray(4, 4 + size);
  }

  get received(): number {
    return this.length;
  }
}
