/**
 * Always release what an invocation opened (kafkajs clients, a canary session), on
 * success and on failure: a Lambda container outlives its invocation, and a client
 * left connected keeps sockets and timers that the next invocation would inherit.
 * The handler registers a closer with `onCleanup(context, …)`; the middleware runs
 * them all in `after` and in `onError` (one shared cleanup, as middy's own
 * middlewares do), newest first, and never lets a failing closer hide the result.
 */
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';

type Closer = () => Promise<void>;

const closers = new WeakMap<object, Closer[]>();

/** Registers `close` to run when the invocation ends, whatever its outcome. */
export function onCleanup(context: Context, close: Closer): void {
  const list = closers.get(context) ?? [];
  list.push(close);
  closers.set(context, list);
}

/** Runs and forgets every closer registered on `context`; returns the errors they threw. */
export async function runCleanups(context: Context): Promise<unknown[]> {
  const list = closers.get(context) ?? [];
  closers.delete(context);
  const errors: unknown[] = [];
  for (const close of list.reverse()) await close().catch((e: unknown) => errors.push(e));
  return errors;
}

export interface CleanupOptions {
  /** Told of a closer that failed (the invocation's result stands). @default console.warn */
  readonly warn?: (message: string) => void;
}

export function cleanupMiddleware(
  opts: CleanupOptions = {},
): MiddlewareObj<unknown, unknown, Error, Context> {
  const { warn } = { warn: (m: string) => console.warn(m), ...opts };
  const cleanup = async (request: { context: Context }) => {
    for (const error of await runCleanups(request.context)) {
      warn(
        `closing a client after the invocation failed: ${(error as Error).message ?? String(error)}`,
      );
    }
  };
  return { after: cleanup, onError: cleanup };
}
