import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';

import { cleanupMiddleware, onCleanup } from '../../../functions/commons/cleanup.js';
import { lambdaContext } from './fakes.js';

describe('the cleanup middleware', () => {
  it('closes what the handler opened, on success and on failure, and a failing closer hides nothing', async () => {
    const closed: string[] = [];
    const warnings: string[] = [];
    const handler = middy(async (event: { fail: boolean }, context: Context) => {
      onCleanup(context, async () => void closed.push('producer'));
      onCleanup(context, async () => {
        closed.push('broken');
        throw new Error('socket already gone');
      });
      if (event.fail) throw new Error('slice failed');
      return 'ok';
    }).use(cleanupMiddleware({ warn: (m) => warnings.push(m) }));

    await expect(handler({ fail: false }, lambdaContext())).resolves.toBe('ok');
    expect(closed).toEqual(['broken', 'producer']);
    await expect(handler({ fail: true }, lambdaContext())).rejects.toThrow('slice failed');
    expect(closed).toEqual(['broken', 'producer', 'broken', 'producer']);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/socket already gone/);
  });
});
