/**
 * The project's error classes. Every error that can reach a person says what was
 * wrong, with which input, and what to do next; each sets `name` and may carry a
 * `cause`, like kafkajs' and Powertools' errors.
 *
 * Every error class of functions/ is defined here, the one list of what a caller can
 * catch; the modules that throw them re-export theirs (clients/ has its own
 * NotMeasuredError, a measurement outcome, not an error that reaches a person).
 */

export interface VerifierErrorOptions {
  cause?: unknown;
}

/**
 * The base of every error class here. Whether to try again is decided where the
 * retry is (the Step Functions Retry on a task's error name, the publisher's
 * isRetriable), not carried on the error.
 */
export class VerifierError extends Error {
  constructor(message: string, options: VerifierErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** Bad input from outside: a flag, an event, a configuration value, a history line. */
export class InputError extends VerifierError {}

/** A history file that breaks the format in docs/history-format.md, at a known line. */
export class HistoryFormatError extends InputError {
  constructor(
    readonly source: string,
    readonly line: number,
    readonly field: string | null,
    readonly problem: string,
  ) {
    super(
      field === null
        ? `${source}: line ${line}: ${problem}`
        : `${source}: line ${line}: field ${field} ${problem}`,
    );
  }
}

/**
 * A gzip history whose last member is cut off (a run killed while it wrote a slice):
 * every whole line before the cut can be read (functions/core/history/torn-tail.ts).
 */
export class TornHistoryError extends InputError {}

/** A command-line usage mistake: unknown flag, missing argument. Exit status 2. */
export class UsageError extends InputError {}

/**
 * The local test cluster (local-cluster command) could not do what was asked: a tool
 * is missing, a port is busy, a broker did not come back in time. The message says
 * which input or process, and what to do next. Exit status 4 (EXIT_NOT_CARRIED_OUT in
 * bin/output.ts), as for any VerifierError that is not an InputError.
 */
export class ClusterError extends VerifierError {}

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

/** A name the bound DNS server did not answer, or answered with no address. */
export class DnsLookupError extends VerifierError {
  constructor(
    readonly hostname: string,
    readonly server: string,
    readonly code: string,
    cause?: unknown,
  ) {
    super(
      `DNS lookup of ${hostname} through ${server} failed (${code}). ` +
        'Check that the DNS server is running and serves this name (local cluster: ' +
        "'kafka-upgrade-verifier local-cluster status').",
      { cause },
    );
  }
}

/** No metadata answer within the bound, or an error from every broker tried. */
export class MetadataUnavailableError extends VerifierError {
  constructor(bootstrap: string, reason: string, cause?: unknown) {
    super(
      `cluster metadata from ${bootstrap} unavailable (${reason}). ` +
        'Check the bootstrap list, the DNS server, and that the brokers run.',
      { cause },
    );
  }
}

/** A failed resolution: `code` names the cause (ENOTFOUND, ETIMEOUT, ECONNREFUSED, …). */
export class ResolveFailure extends VerifierError {
  constructor(
    readonly code: string,
    readonly host: string,
  ) {
    super(`DNS lookup of ${host} failed (${code}); check the name and the DNS server clients use.`);
  }
}

/** Signing failed: no credentials found, or the signer refused them. */
export class MskIamTokenError extends VerifierError {}

/** S3 failed where the run store was expected to answer. */
export class RunStoreError extends VerifierError {}

/**
 * An AWS API endpoint did not answer: no connection, no DNS answer, or no response in
 * time (functions/commons/aws-clients/reach.ts). In a Lambda in private subnets this
 * is almost always a missing route: a NAT gateway or a VPC endpoint.
 */
export class AwsUnreachableError extends VerifierError {}

/** The cluster could not be read: no metadata, configs or groups within the bound. */
export class ReadinessUnavailableError extends VerifierError {
  constructor(bootstrap: string, step: string, reason: string, cause?: unknown) {
    super(
      `readiness check of ${bootstrap}: ${step} failed (${reason}). Nothing was judged. ` +
        'Check the bootstrap list, the DNS server, the security flags, and that the brokers run; ' +
        "'kafka-upgrade-verifier reachability' shows which broker does not answer.",
      { cause },
    );
  }
}

/**
 * A wait (functions/core/wait.ts waitFor) that ran out of time; its message names what
 * it waited for and the last error the condition threw, if any.
 */
export class WaitTimeoutError extends VerifierError {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly lastError: unknown,
  ) {
    super(
      `timed out after ${timeoutMs} ms waiting for ${what}` +
        (lastError === undefined ? '' : ` (last error: ${errorText(lastError)})`),
      lastError === undefined ? {} : { cause: lastError },
    );
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
