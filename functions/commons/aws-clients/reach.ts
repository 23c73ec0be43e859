/**
 * Turns "the AWS API did not answer" into an error a person can act on. The SDK's own
 * is `TimeoutError: Connection timed out after 5000 ms` or `connect ECONNREFUSED`,
 * naming neither the endpoint nor the call. In a function in the cluster's subnets
 * (KUV_SUBNETS, set by lib/run/verifier-function.ts) the cause is nearly always that
 * the subnets have no route to the AWS APIs: the error says which endpoint, which
 * call, and which NAT gateway or VPC endpoint would give the route (docs/aws.md,
 * "Private subnets").
 */
import { AwsUnreachableError } from '../../core/errors.js';

/** Set on functions in the cluster's VPC: the subnet ids, comma-separated. */
export const SUBNETS_ENV = 'KUV_SUBNETS';

/** Node's and the SDK's codes for "nothing answered", as opposed to an answer that is an error. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** True for a failure to reach the endpoint, false for anything the endpoint answered. */
export function isUnanswered(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkErrorShape;
  if (e.$metadata?.httpStatusCode !== undefined) return false;
  return e.name === 'TimeoutError' || (e.code !== undefined && NETWORK_CODES.has(e.code));
}

/** The VPC endpoint service that gives a route to this API host without a NAT gateway. */
function endpointService(host: string): string {
  const service = /^(?:[^.]+\.)*?([a-z0-9-]+)\.([a-z0-9-]+)\.amazonaws\.com/.exec(host);
  if (service === null) return `the endpoint of ${host}`;
  const [, name, region] = service;
  return name === 's3'
    ? `an S3 gateway endpoint (com.amazonaws.${region}.s3) on the subnets' route tables`
    : `an interface endpoint com.amazonaws.${region}.${name} with private DNS, whose security group admits HTTPS from the function's`;
}

export function unreachableError(
  error: unknown,
  call: { client: string; command: string; host: string | undefined },
  subnets: string | undefined,
): AwsUnreachableError {
  const cause = error instanceof Error ? error.message : String(error);
  const host = call.host ?? 'its endpoint';
  const where =
    subnets === undefined || subnets === ''
      ? 'Check the network path to it (proxy, firewall, DNS) and the service health.'
      : `This function runs in the cluster's subnets (${subnets}), which need a route to the AWS APIs: a NAT gateway, or ${endpointService(host)}. See docs/aws.md, "Private subnets".`;
  return new AwsUnreachableError(
    `${call.client} ${call.command} could not reach ${host}: ${cause}. ${where}`,
    { cause: error },
  );
}

interface MiddlewareClient {
  middlewareStack: {
    add(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: Record<string, unknown>,
      ) => (args: unknown) => Promise<unknown>,
      options: { step: 'initialize' | 'build'; name: string; priority?: 'high' | 'low' },
    ): void;
  };
}

const HOST = 'kuvRequestHost';

/**
 * Adds the hint to a client: the request's host is noted when the request is built,
 * and a failure to reach it — after the SDK's retries, so the hint is the last word —
 * becomes an AwsUnreachableError. Answers that are errors (403, throttling) pass as
 * they are.
 */
export function withReachHint<C>(client: C, env: NodeJS.ProcessEnv = process.env): C {
  const stack = (client as unknown as MiddlewareClient).middlewareStack;
  stack.add(
    (next, context) => async (args) => {
      const request = (args as { request?: { hostname?: string } }).request;
      if (request?.hostname !== undefined) context[HOST] = request.hostname;
      return next(args);
    },
    { step: 'build', name: 'kuvNoteHost', priority: 'low' },
  );
  stack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (!isUnanswered(error)) throw error;
        throw unreachableError(
          error,
          {
            client: String(context.clientName ?? 'AWS SDK').replace(/Client$/, ''),
            command: String(context.commandName ?? 'call').replace(/Command$/, ''),
            host: context[HOST] as string | undefined,
          },
          env[SUBNETS_ENV],
        );
      }
    },
    { step: 'initialize', name: 'kuvReachHint', priority: 'high' },
  );
  return client;
}
