/**
 * The readiness check before an upgrade: gatherReadiness reads a cluster,
 * readiness judges the snapshot, readinessReport and formatReadinessText present it.
 */
export { gatherReadiness, type GatherReadinessOptions } from './gather.js';
export { blockLine, readinessMonitor, readinessRecord } from './records.js';
export { ReadinessUnavailableError } from '../errors.js';
export {
  describeSubject,
  formatReadinessText,
  readinessReport,
  type ReadinessReport,
} from './format.js';
export {
  readiness,
  verdictOf,
  type Finding,
  type FindingSubject,
  type ReadinessVerdict,
  type Severity,
} from './rules.js';
export type * from './snapshot.js';
