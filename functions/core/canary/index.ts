/**
 * The canary data path (docs/canary.md): a dedicated topic, a producer and a consumer
 * group that measure what applications feel while brokers restart, a verifying reader,
 * all written as a history (docs/history-format.md) through a sink, slice by slice.
 */
export { parseDuration, formatDuration } from '../duration.js';
export { CanaryAbortedError, CanaryPreflightError, CanaryRunError } from './errors.js';
export { encodePayload, decodePayload, payloadOfRun, type CanaryPayload } from './payload.js';
export {
  canaryTopicShape,
  minInsyncReplicasFor,
  placeReplicas,
  brokersLeadingNothing,
} from './placement.js';
export { preflight, type PreflightResult, type PreflightBroker } from './preflight.js';
export {
  MAX_QUEUED_PER_PARTITION,
  maxInFlightPerPartition,
  producerOptions,
  QUEUE_FULL_ERROR,
} from './producer.js';
export { defaultGroup } from './consumer.js';
export { readBack } from './reader.js';
export { newRunId, runCanary, type RunCanaryOptions } from './run.js';
export { GzipFileSink, MemorySink, type HistorySink } from './sink.js';
export { CanarySession, type BeginOptions, type CanarySessionOptions } from './session.js';
export {
  PRODUCER_MODES,
  parseState,
  serializeState,
  type CanaryCounters,
  type CanaryPhase,
  type ProducerMode,
  type SliceState,
} from './state.js';
export { formatStatusLine, StatusView, type StatusStream } from './status.js';
export {
  canaryTopicNameProblem,
  DEFAULT_CANARY_TOPIC,
  ensureCanaryTopic,
  type CanaryTopic,
} from './topic.js';
