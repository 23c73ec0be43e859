/** Short names for kafkajs errors, as history records and the live view show them. */

interface KafkaJsErrorLike {
  name?: unknown;
  type?: unknown;
  cause?: unknown;
  retryCount?: unknown;
}

/**
 * The protocol error type when there is one (`NOT_LEADER_OR_FOLLOWER`,
 * `REQUEST_TIMED_OUT`), looking through kafkajs' retry wrapper; otherwise the
 * innermost error's name (`KafkaJSConnectionError`, `KafkaJSRequestTimeoutError`).
 */
export function kafkaErrorName(error: unknown): string {
  let e = error as KafkaJsErrorLike | null;
  let name: string | null = null;
  for (let depth = 0; e !== null && typeof e === 'object' && depth < 5; depth++) {
    if (typeof e.type === 'string' && e.type !== '') return e.type;
    if (typeof e.name === 'string' && e.name !== '') name = e.name;
    e = (e.cause ?? null) as KafkaJsErrorLike | null;
  }
  return name ?? 'Error';
}

/** Attempts made, when kafkajs says (its retry wrapper counts retries). */
export function kafkaAttempts(error: unknown): number | undefined {
  const retryCount = (error as KafkaJsErrorLike | null)?.retryCount;
  return typeof retryCount === 'number' && Number.isInteger(retryCount)
    ? retryCount + 1
    : undefined;
}
