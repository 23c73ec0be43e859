/** Errors of the canary run: each says what was wrong, with which input, and what to do. */
import { InputError, VerifierError } from '../errors.js';

/**
 * The cluster cannot be used for a run, found before anything was written to it:
 * nothing listens at the bootstrap address, a name does not resolve, the DNS server
 * does not answer, the canary topic has settings that would make the verdict
 * meaningless. Exit status 2, like other bad input.
 */
export class CanaryPreflightError extends InputError {}

/**
 * The run could not finish what it started (the read-back could not reach the end
 * of a partition, a client crashed): the history so far is kept, no verdict is given.
 */
export class CanaryRunError extends VerifierError {}

/** The run was aborted (a second Ctrl-C, SIGTERM): the history so far is kept, no verdict. */
export class CanaryAbortedError extends VerifierError {}
