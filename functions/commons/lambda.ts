/**
 * How every handler is wrapped for Lambda: the Logger's Lambda context (and the run's
 * keys dropped when the invocation ends), a start, end and error line, and the cleanup
 * of the clients the invocation opened (a closer that fails is a warning in the log).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';

import { cleanupMiddleware } from './cleanup.js';
import { invocationLogging, logger } from './powertools/logger.js';

export function lambdaHandler<Result>(
  name: string,
  work: (event: unknown, context: Context) => Promise<Result>,
) {
  return middy(work)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(invocationLogging(name))
    .use(cleanupMiddleware({ warn: (message) => logger.warn(message) }));
}
