/**
 * The project's error classes. Every error that can reach a person says what was
 * wrong, with which input, and what to do next; each sets `name` and may carry a
 * `cause`, like kafkajs' and Powertools' errors.
 */

export interface VerifierErrorOptions {
  cause?: unknown;
  /** True when trying the same thing again may succeed (a timeout, a restarting broker). */
  retriable?: boolean;
}

export class VerifierError extends Error {
  readonly retriable: boolean;

  constructor(message: string, options: VerifierErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
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

/** A command-line usage mistake: unknown flag, missing argument. Exit status 2. */
export class UsageError extends InputError {}

/**
 * The local test cluster (local-cluster command) could not do what was asked: a tool
 * is missing, a port is busy, a broker did not come back in time. The message says
 * which input or process, and what to do next. Exit status 1.
 */
export class ClusterError extends VerifierError {}

/**
 * An AWS API endpoint did not answer: no connection, no DNS answer, or no response in
 * time (functions/commons/aws-clients/reach.ts). In a Lambda in private subnets this
 * is almost always a missing route: a NAT gateway or a VPC endpoint.
 */
export class AwsUnreachableError extends VerifierError {}
