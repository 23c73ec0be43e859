/**
 * The Lambdas' one Logger (Powertools for AWS Lambda): JSON lines on stdout/stderr,
 * each with the function's Lambda context (name, request id, cold start) and, for a
 * run's invocations, its `runId` and `cluster`, so that one CloudWatch Logs Insights
 * query finds a run's lines across all its functions (docs/aws.md, "Logs").
 *
 * Built once per container. What reaches it: each handler's start, decisions, end and
 * errors (`invocationLogging`), the core's notes (the canary session's `onNote`, the
 * cluster watcher's `log`), and kafkajs at WARN (`kafkaLogCreator`).
 *
 * No secret is ever given to it: the SASL password is a `Secret` (shows `[redacted]`)
 * and Secrets Manager's SecretString is never logged; as a second guard, a value under
 * a key that names a secret (`password`, `SecretString`, …) is written as `[redacted]`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
// Types only: a function that never talks to Kafka (notify, msk-watch) must not bundle kafkajs.
import type { logCreator, logLevel } from 'kafkajs';

export const SERVICE_NAME = 'kafka-upgrade-verifier';

const REDACTED = '[redacted]';
/** Keys whose values are secrets whatever they hold (kafkajs' SASL options, Secrets Manager's answer). */
const SECRET_KEYS = new Set(['password', 'saslpassword', 'secretstring', 'secretbinary']);

/** The Logger's JSON replacer: a value under a secret's key never leaves the function. */
export function redactSecretKeys(key: string, value: unknown): unknown {
  return SECRET_KEYS.has(key.toLowerCase()) && value !== undefined ? REDACTED : value;
}

/** The shared Logger. Level: POWERTOOLS_LOG_LEVEL (default INFO). */
export const logger = new Logger({ serviceName: SERVICE_NAME, jsonReplacerFn: redactSecretKeys });

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
/** A short string field of an event not yet checked (the checks come in the handler). */
const shortString = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v.slice(0, 120) : undefined;

/** The fields of an event that say what an invocation was asked to do, never the whole event. */
export function eventSummary(event: unknown): Record<string, unknown> {
  if (!isObject(event)) return { event: typeof event };
  const canary = isObject(event.canary) ? event.canary : undefined;
  const summary: Record<string, unknown> = {
    upgradeKey: shortString(event.upgradeKey),
    trigger: isObject(event.trigger) ? shortString(event.trigger.kind) : undefined,
    kind: shortString(event.kind),
    phase: canary === undefined ? undefined : shortString(canary.phase),
    nextPart: typeof canary?.nextPart === 'number' ? canary.nextPart : undefined,
    upgradeOver: typeof canary?.upgradeOver === 'boolean' ? canary.upgradeOver : undefined,
    records: Array.isArray(event.Records) ? event.Records.length : undefined,
    clusters: Array.isArray(event.clusters) ? event.clusters.length : undefined,
  };
  return Object.fromEntries(Object.entries(summary).filter(([, v]) => v !== undefined));
}

/** Tags every later line of this invocation with the run (reset when it ends). */
export function logRun(run: { runId: string; cluster: string }): void {
  logger.appendKeys({ runId: run.runId, cluster: run.cluster });
}

/**
 * Start, end and error lines of one invocation of `name`. Put it after
 * `injectLambdaContext(logger, { resetKeys: true })`, which adds the context and drops
 * the run's keys when the invocation ends. The run's keys are taken from the raw event
 * at once, so an event the handler rejects still logs under its run.
 */
export function invocationLogging(name: string): MiddlewareObj<unknown, unknown, Error, Context> {
  const startedAt = new WeakMap<object, number>();
  const took = (request: object) => Date.now() - (startedAt.get(request) ?? Date.now());
  return {
    before: (request) => {
      startedAt.set(request, Date.now());
      const event = isObject(request.event) ? request.event : {};
      const runId = shortString(event.runId);
      const cluster = shortString(event.cluster);
      logger.appendKeys({
        ...(runId === undefined ? {} : { runId }),
        ...(cluster === undefined ? {} : { cluster }),
      });
      logger.info(`${name}: start`, { input: eventSummary(request.event) });
    },
    after: (request) => {
      logger.info(`${name}: done`, { durationMs: took(request) });
    },
    onError: (request) => {
      const error = request.error;
      logger.error(`${name}: failed: ${error?.message ?? String(error)}`, {
        durationMs: took(request),
        ...(error === null || error === undefined ? {} : { error }),
      });
    },
  };
}

/**
 * kafkajs warnings that are the canary's own choices, not news: it limits the idempotent
 * producer's retries so a slice ends on time, names each record's partition, so the
 * default partitioner is never used, and closes the sockets its clients leave open when
 * it is done (OWN_CLOSE_REASON in functions/core/kafka/client.ts, not imported here: a
 * function that never talks to Kafka must not bundle kafkajs) — which kafkajs logs as
 * a connection error with a stack, at every invocation's end.
 */
export const EXPECTED_KAFKAJS_WARNINGS = [
  'Limiting retries for the idempotent producer',
  'KafkaJS v2.0.0 switched default partitioner',
  'Connection error: closed: every client of this connection was disconnected',
];

/** kafkajs' levels (its `logLevel`), as numbers: kafkajs itself is not imported here. */
const KAFKA = { ERROR: 1, WARN: 2, INFO: 4, DEBUG: 5 } as const;

/** kafkajs' level for its clients in a Lambda: errors and warnings, through the Logger. */
export const KAFKA_LOG_LEVEL: logLevel = KAFKA.WARN;

/**
 * kafkajs' logs as Logger lines, `kafkajs <namespace>: <message>` with kafkajs' fields
 * under `kafkajs`. kafkajs' ERRORs are written at WARN (`kafkajsLevel` keeps theirs):
 * a client losing a restarting broker is what an upgrade does and what the run
 * measures; ERROR is for the verifier's own failures.
 */
export const kafkaLogCreator: logCreator =
  () =>
  ({ namespace, level, label, log }) => {
    // kafkajs' own timestamp and `logger: "kafkajs"` repeat what the line already says.
    const fields: Record<string, unknown> = { ...log };
    delete fields.timestamp;
    delete fields.logger;
    delete fields.message;
    const message: unknown = log.message;
    const text = typeof message === 'string' ? message : String(message);
    if (EXPECTED_KAFKAJS_WARNINGS.some((w) => text.startsWith(w))) return;
    const extra = {
      kafkajs: { namespace, ...fields },
      kafkajsLevel: label,
    };
    const line = `kafkajs ${namespace}: ${text}`;
    if (level >= KAFKA.DEBUG) logger.debug(line, extra);
    else if (level >= KAFKA.INFO) logger.info(line, extra);
    else logger.warn(line, extra);
  };
