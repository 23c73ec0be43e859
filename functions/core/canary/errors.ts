/** Errors of the canary run (defined in functions/core/errors.ts, the one list). */
export { CanaryAbortedError, CanaryPreflightError, CanaryRunError } from '../errors.js';
